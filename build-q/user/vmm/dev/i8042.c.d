build-q/user/vmm/dev/i8042.c.o: vmm/dev/i8042.c vmm/dev/i8042.h \
 vmm/dev/dev.h
vmm/dev/i8042.h:
vmm/dev/dev.h:
