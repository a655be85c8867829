build-q/user/vmm/board.c.o: vmm/board.c vmm/board.h vmm/dev/debugport.h \
 vmm/dev/dev.h vmm/dev/i8042.h vmm/dev/ioapic.h vmm/dev/lapic.h \
 vmm/dev/pci.h vmm/dev/pic8259.h vmm/dev/pit8254.h vmm/dev/rtc.h \
 vmm/dev/uart16550.h vmm/dev/virtio_pci.h vmm/dev/pci.h \
 vmm/dev/virtio_console.h
vmm/board.h:
vmm/dev/debugport.h:
vmm/dev/dev.h:
vmm/dev/i8042.h:
vmm/dev/ioapic.h:
vmm/dev/lapic.h:
vmm/dev/pci.h:
vmm/dev/pic8259.h:
vmm/dev/pit8254.h:
vmm/dev/rtc.h:
vmm/dev/uart16550.h:
vmm/dev/virtio_pci.h:
vmm/dev/pci.h:
vmm/dev/virtio_console.h:
