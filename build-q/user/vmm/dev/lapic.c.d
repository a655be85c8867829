build-q/user/vmm/dev/lapic.c.o: vmm/dev/lapic.c vmm/dev/lapic.h \
 vmm/dev/dev.h
vmm/dev/lapic.h:
vmm/dev/dev.h:
