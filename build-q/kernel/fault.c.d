build-q/kernel/fault.c.o: kernel/fault.c kernel/fault.h kernel/types.h \
 include/l4/errno.h include/l4/thread.h include/l4/msg.h \
 include/l4/types.h include/l4/vcpu.h include/l4/thread.h kernel/boot.h \
 kernel/mb2.h kernel/console.h kernel/fastpath.h kernel/thread.h \
 include/l4/utcb.h kernel/cap.h kernel/dtree.h kernel/kobj.h \
 include/l4/caps.h arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 kernel/ipc.h kernel/map.h kernel/sched.h kernel/task.h \
 arch/x86_64/space.h kernel/kmem.h arch/x86_64/vcpu.h
kernel/fault.h:
kernel/types.h:
include/l4/errno.h:
include/l4/thread.h:
include/l4/msg.h:
include/l4/types.h:
include/l4/vcpu.h:
include/l4/thread.h:
kernel/boot.h:
kernel/mb2.h:
kernel/console.h:
kernel/fastpath.h:
kernel/thread.h:
include/l4/utcb.h:
kernel/cap.h:
kernel/dtree.h:
kernel/kobj.h:
include/l4/caps.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
kernel/ipc.h:
kernel/map.h:
kernel/sched.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
arch/x86_64/vcpu.h:
