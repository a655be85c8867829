build-q/kernel/kobj.c.o: kernel/kobj.c kernel/kobj.h include/l4/caps.h \
 include/l4/types.h kernel/types.h kernel/factory.h kernel/kmem.h \
 kernel/ipc.h kernel/thread.h include/l4/utcb.h include/l4/msg.h \
 kernel/cap.h kernel/dtree.h kernel/fault.h arch/x86_64/regs.h \
 arch/x86_64/trap.h kernel/types.h kernel/irq.h kernel/acpi.h \
 kernel/task.h arch/x86_64/space.h kernel/kmem.h
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
kernel/types.h:
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
kernel/irq.h:
kernel/acpi.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
