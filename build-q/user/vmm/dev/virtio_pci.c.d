build-q/user/vmm/dev/virtio_pci.c.o: vmm/dev/virtio_pci.c \
 vmm/dev/virtio_pci.h vmm/dev/pci.h vmm/dev/dev.h \
 vmm/dev/virtio_console.h
vmm/dev/virtio_pci.h:
vmm/dev/pci.h:
vmm/dev/dev.h:
vmm/dev/virtio_console.h:
