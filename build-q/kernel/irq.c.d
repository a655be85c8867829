build-q/kernel/irq.c.o: kernel/irq.c kernel/irq.h kernel/acpi.h \
 kernel/types.h kernel/kobj.h include/l4/caps.h include/l4/types.h \
 include/l4/errno.h include/l4/irq.h kernel/arch.h kernel/console.h \
 kernel/factory.h kernel/kmem.h kernel/ipc.h kernel/thread.h \
 include/l4/utcb.h include/l4/msg.h kernel/cap.h kernel/dtree.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 kernel/task.h arch/x86_64/space.h kernel/kmem.h
kernel/irq.h:
kernel/acpi.h:
kernel/types.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
include/l4/errno.h:
include/l4/irq.h:
kernel/arch.h:
kernel/console.h:
kernel/factory.h:
kernel/kmem.h:
kernel/ipc.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
kernel/cap.h:
kernel/dtree.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
