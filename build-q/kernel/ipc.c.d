build-q/kernel/ipc.c.o: kernel/ipc.c kernel/ipc.h kernel/thread.h \
 include/l4/utcb.h include/l4/msg.h include/l4/types.h kernel/cap.h \
 kernel/dtree.h kernel/types.h kernel/kobj.h include/l4/caps.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 include/l4/errno.h include/l4/syscall.h kernel/factory.h kernel/kmem.h \
 kernel/irq.h kernel/acpi.h kernel/sched.h kernel/string.h \
 kernel/transfer.h
kernel/ipc.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
include/l4/types.h:
kernel/cap.h:
kernel/dtree.h:
kernel/types.h:
kernel/kobj.h:
include/l4/caps.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
include/l4/errno.h:
include/l4/syscall.h:
kernel/factory.h:
kernel/kmem.h:
kernel/irq.h:
kernel/acpi.h:
kernel/sched.h:
kernel/string.h:
kernel/transfer.h:
