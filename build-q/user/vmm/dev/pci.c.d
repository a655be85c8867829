build-q/user/vmm/dev/pci.c.o: vmm/dev/pci.c vmm/dev/pci.h vmm/dev/dev.h
vmm/dev/pci.h:
vmm/dev/dev.h:
