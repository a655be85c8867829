build-q/user/vmm/dev/ioapic.c.o: vmm/dev/ioapic.c vmm/dev/ioapic.h \
 vmm/dev/dev.h
vmm/dev/ioapic.h:
vmm/dev/dev.h:
