build-q/kernel/boot.c.o: kernel/boot.c kernel/boot.h kernel/mb2.h \
 kernel/types.h include/l4/boot.h include/l4/types.h include/l4/caps.h \
 include/l4/errno.h kernel/arch.h kernel/console.h kernel/elf.h \
 kernel/factory.h kernel/kmem.h kernel/kobj.h kernel/ipc.h \
 kernel/thread.h include/l4/utcb.h include/l4/msg.h kernel/cap.h \
 kernel/dtree.h kernel/fault.h arch/x86_64/regs.h arch/x86_64/trap.h \
 kernel/types.h arch/x86_64/layout.h kernel/mapdb.h kernel/mem.h \
 kernel/frame.h kernel/sched.h kernel/string.h kernel/task.h \
 arch/x86_64/space.h kernel/kmem.h
kernel/boot.h:
kernel/mb2.h:
kernel/types.h:
include/l4/boot.h:
include/l4/types.h:
include/l4/caps.h:
include/l4/errno.h:
kernel/arch.h:
kernel/console.h:
kernel/elf.h:
kernel/factory.h:
kernel/kmem.h:
kernel/kobj.h:
kernel/ipc.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
kernel/cap.h:
kernel/dtree.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
arch/x86_64/layout.h:
kernel/mapdb.h:
kernel/mem.h:
kernel/frame.h:
kernel/sched.h:
kernel/string.h:
kernel/task.h:
arch/x86_64/space.h:
kernel/kmem.h:
