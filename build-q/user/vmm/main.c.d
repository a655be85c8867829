build-q/user/vmm/main.c.o: vmm/main.c libl4/l4lib.h include/l4/boot.h \
 include/l4/types.h include/l4/caps.h include/l4/env.h include/l4/errno.h \
 include/l4/factory.h include/l4/msg.h include/l4/syscall.h \
 include/l4/utcb.h include/l4/msg.h include/l4/sigma0.h \
 include/l4/syscall.h include/l4/task.h include/l4/thread.h \
 include/l4/utcb.h include/l4/vcpu.h include/l4/thread.h libl4/l4vcpu.h \
 libl4/l4lib.h include/l4/console.h vmm/board.h vmm/dev/debugport.h \
 vmm/dev/dev.h vmm/dev/i8042.h vmm/dev/ioapic.h vmm/dev/lapic.h \
 vmm/dev/pci.h vmm/dev/pic8259.h vmm/dev/pit8254.h vmm/dev/rtc.h \
 vmm/dev/uart16550.h vmm/dev/virtio_pci.h vmm/dev/pci.h \
 vmm/dev/virtio_console.h vmm/loader/linux.h vmm/loader/cpustate.h \
 vmm/loader/e820.h vmm/loader/multiboot.h vmm/x86/emulate.h \
 vmm/x86/decode.h vmm/x86/walk.h vmm/x86state.h
libl4/l4lib.h:
include/l4/boot.h:
include/l4/types.h:
include/l4/caps.h:
include/l4/env.h:
include/l4/errno.h:
include/l4/factory.h:
include/l4/msg.h:
include/l4/syscall.h:
include/l4/utcb.h:
include/l4/msg.h:
include/l4/sigma0.h:
include/l4/syscall.h:
include/l4/task.h:
include/l4/thread.h:
include/l4/utcb.h:
include/l4/vcpu.h:
include/l4/thread.h:
libl4/l4vcpu.h:
libl4/l4lib.h:
include/l4/console.h:
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
vmm/loader/linux.h:
vmm/loader/cpustate.h:
vmm/loader/e820.h:
vmm/loader/multiboot.h:
vmm/x86/emulate.h:
vmm/x86/decode.h:
vmm/x86/walk.h:
vmm/x86state.h:
