build-q/user/vmm/dev/virtio_console.c.o: vmm/dev/virtio_console.c \
 vmm/dev/virtio_console.h vmm/dev/dev.h
vmm/dev/virtio_console.h:
vmm/dev/dev.h:
