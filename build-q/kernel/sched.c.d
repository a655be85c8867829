build-q/kernel/sched.c.o: kernel/sched.c kernel/sched.h kernel/thread.h \
 include/l4/utcb.h include/l4/msg.h include/l4/types.h kernel/cap.h \
 kernel/dtree.h kernel/types.h kernel/kobj.h include/l4/caps.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 include/l4/errno.h include/l4/syscall.h kernel/arch.h kernel/console.h \
 kernel/ipc.h kernel/task.h arch/x86_64/space.h kernel/kmem.h \
 arch/x86_64/uexit.h arch/x86_64/fpu.h kernel/task.h kernel/thread.h \
 arch/x86_64/vcpu.h arch/x86_64/x86.h
kernel/sched.h:
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
kernel/arch.h:
kernel/console.h:
kernel/ipc.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
arch/x86_64/uexit.h:
arch/x86_64/fpu.h:
kernel/task.h:
kernel/thread.h:
arch/x86_64/vcpu.h:
arch/x86_64/x86.h:
