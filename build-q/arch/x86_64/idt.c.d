build-q/arch/x86_64/idt.c.o: arch/x86_64/idt.c kernel/arch.h \
 kernel/types.h include/l4/msg.h include/l4/types.h kernel/console.h \
 kernel/fault.h arch/x86_64/fpu.h kernel/types.h kernel/sched.h \
 kernel/thread.h include/l4/utcb.h include/l4/msg.h kernel/cap.h \
 kernel/dtree.h kernel/kobj.h include/l4/caps.h kernel/fault.h \
 arch/x86_64/regs.h arch/x86_64/trap.h kernel/string.h arch/x86_64/x86.h
kernel/arch.h:
kernel/types.h:
include/l4/msg.h:
include/l4/types.h:
kernel/console.h:
kernel/fault.h:
arch/x86_64/fpu.h:
kernel/types.h:
kernel/sched.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
kernel/cap.h:
kernel/dtree.h:
kernel/kobj.h:
include/l4/caps.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/string.h:
arch/x86_64/x86.h:
