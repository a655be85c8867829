build-q/kernel/main.c.o: kernel/main.c kernel/arch.h kernel/types.h \
 kernel/acpi.h kernel/boot.h kernel/mb2.h kernel/irq.h kernel/kobj.h \
 include/l4/caps.h include/l4/types.h kernel/cmdline.h kernel/fastpath.h \
 kernel/thread.h include/l4/utcb.h include/l4/msg.h kernel/cap.h \
 kernel/dtree.h kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h \
 kernel/types.h kernel/console.h arch/x86_64/layout.h kernel/mem.h \
 kernel/frame.h kernel/sched.h kernel/selftest.h kernel/string.h
kernel/arch.h:
kernel/types.h:
kernel/acpi.h:
kernel/boot.h:
kernel/mb2.h:
kernel/irq.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
kernel/cmdline.h:
kernel/fastpath.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
kernel/cap.h:
kernel/dtree.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
kernel/console.h:
arch/x86_64/layout.h:
kernel/mem.h:
kernel/frame.h:
kernel/sched.h:
kernel/selftest.h:
kernel/string.h:
