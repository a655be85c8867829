build-q/kernel/thread.c.o: kernel/thread.c kernel/thread.h \
 include/l4/utcb.h include/l4/msg.h include/l4/types.h kernel/cap.h \
 kernel/dtree.h kernel/types.h kernel/kobj.h include/l4/caps.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 include/l4/errno.h include/l4/thread.h kernel/arch.h kernel/factory.h \
 kernel/kmem.h kernel/ipc.h arch/x86_64/layout.h kernel/sched.h \
 kernel/string.h kernel/task.h arch/x86_64/space.h kernel/kmem.h \
 arch/x86_64/vcpu.h include/l4/vcpu.h include/l4/thread.h
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
include/l4/thread.h:
kernel/arch.h:
kernel/factory.h:
kernel/kmem.h:
kernel/ipc.h:
arch/x86_64/layout.h:
kernel/sched.h:
kernel/string.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
arch/x86_64/vcpu.h:
include/l4/vcpu.h:
include/l4/thread.h:
