build-q/arch/x86_64/vcpu.c.o: arch/x86_64/vcpu.c arch/x86_64/vcpu.h \
 kernel/types.h include/l4/errno.h include/l4/vcpu.h include/l4/msg.h \
 include/l4/types.h include/l4/thread.h kernel/console.h kernel/types.h \
 arch/x86_64/cpu.h kernel/fault.h arch/x86_64/fpu.h kernel/arch.h \
 kernel/kmem.h arch/x86_64/layout.h arch/x86_64/paging.h kernel/sched.h \
 kernel/thread.h include/l4/utcb.h kernel/cap.h kernel/dtree.h \
 kernel/kobj.h include/l4/caps.h kernel/fault.h arch/x86_64/regs.h \
 arch/x86_64/trap.h kernel/string.h kernel/task.h arch/x86_64/space.h \
 kernel/thread.h arch/x86_64/vmcs.h arch/x86_64/uexit.h arch/x86_64/x86.h \
 arch/x86_64/vmx.h
arch/x86_64/vcpu.h:
kernel/types.h:
include/l4/errno.h:
include/l4/vcpu.h:
include/l4/msg.h:
include/l4/types.h:
include/l4/thread.h:
kernel/console.h:
kernel/types.h:
arch/x86_64/cpu.h:
kernel/fault.h:
arch/x86_64/fpu.h:
kernel/arch.h:
kernel/kmem.h:
arch/x86_64/layout.h:
arch/x86_64/paging.h:
kernel/sched.h:
kernel/thread.h:
include/l4/utcb.h:
kernel/cap.h:
kernel/dtree.h:
kernel/kobj.h:
include/l4/caps.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/string.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/thread.h:
arch/x86_64/vmcs.h:
arch/x86_64/uexit.h:
arch/x86_64/x86.h:
arch/x86_64/vmx.h:
