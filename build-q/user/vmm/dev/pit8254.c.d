build-q/user/vmm/dev/pit8254.c.o: vmm/dev/pit8254.c vmm/dev/pit8254.h \
 vmm/dev/dev.h
vmm/dev/pit8254.h:
vmm/dev/dev.h:
