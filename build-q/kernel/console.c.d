build-q/kernel/console.c.o: kernel/console.c kernel/console.h \
 kernel/types.h kernel/arch.h kernel/format.h kernel/sched.h \
 kernel/thread.h include/l4/utcb.h include/l4/msg.h include/l4/types.h \
 kernel/cap.h kernel/dtree.h kernel/kobj.h include/l4/caps.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 kernel/task.h arch/x86_64/space.h kernel/kmem.h
kernel/console.h:
kernel/types.h:
kernel/arch.h:
kernel/format.h:
kernel/sched.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
include/l4/types.h:
kernel/cap.h:
kernel/dtree.h:
kernel/kobj.h:
include/l4/caps.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
