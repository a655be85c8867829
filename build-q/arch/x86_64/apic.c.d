build-q/arch/x86_64/apic.c.o: arch/x86_64/apic.c arch/x86_64/apic.h \
 kernel/types.h kernel/arch.h kernel/types.h kernel/console.h \
 arch/x86_64/cpu.h arch/x86_64/paging.h kernel/sched.h kernel/thread.h \
 include/l4/utcb.h include/l4/msg.h include/l4/types.h kernel/cap.h \
 kernel/dtree.h kernel/kobj.h include/l4/caps.h kernel/fault.h \
 arch/x86_64/regs.h arch/x86_64/trap.h arch/x86_64/x86.h
arch/x86_64/apic.h:
kernel/types.h:
kernel/arch.h:
kernel/types.h:
kernel/console.h:
arch/x86_64/cpu.h:
arch/x86_64/paging.h:
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
arch/x86_64/x86.h:
