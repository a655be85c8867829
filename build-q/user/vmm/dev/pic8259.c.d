build-q/user/vmm/dev/pic8259.c.o: vmm/dev/pic8259.c vmm/dev/pic8259.h \
 vmm/dev/dev.h
vmm/dev/pic8259.h:
vmm/dev/dev.h:
