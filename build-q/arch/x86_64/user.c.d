build-q/arch/x86_64/user.c.o: arch/x86_64/user.c include/l4/thread.h \
 include/l4/msg.h include/l4/types.h kernel/arch.h kernel/types.h \
 arch/x86_64/cpu.h kernel/types.h arch/x86_64/fpu.h kernel/task.h \
 kernel/cap.h kernel/dtree.h kernel/kobj.h include/l4/caps.h \
 arch/x86_64/space.h kernel/kmem.h kernel/thread.h include/l4/utcb.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h arch/x86_64/regs.h \
 arch/x86_64/space.h arch/x86_64/x86.h
include/l4/thread.h:
include/l4/msg.h:
include/l4/types.h:
kernel/arch.h:
kernel/types.h:
arch/x86_64/cpu.h:
kernel/types.h:
arch/x86_64/fpu.h:
kernel/task.h:
kernel/cap.h:
kernel/dtree.h:
kernel/kobj.h:
include/l4/caps.h:
arch/x86_64/space.h:
kernel/kmem.h:
kernel/thread.h:
include/l4/utcb.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
arch/x86_64/regs.h:
arch/x86_64/space.h:
arch/x86_64/x86.h:
