build-q/arch/x86_64/fpu.c.o: arch/x86_64/fpu.c arch/x86_64/fpu.h \
 kernel/types.h kernel/console.h kernel/types.h arch/x86_64/cpu.h \
 kernel/factory.h kernel/kmem.h kernel/kobj.h include/l4/caps.h \
 include/l4/types.h kernel/kmem.h kernel/string.h kernel/thread.h \
 include/l4/utcb.h include/l4/msg.h kernel/cap.h kernel/dtree.h \
 kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h arch/x86_64/x86.h
arch/x86_64/fpu.h:
kernel/types.h:
kernel/console.h:
kernel/types.h:
arch/x86_64/cpu.h:
kernel/factory.h:
kernel/kmem.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
kernel/kmem.h:
kernel/string.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
kernel/cap.h:
kernel/dtree.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
arch/x86_64/x86.h:
