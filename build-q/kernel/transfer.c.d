build-q/kernel/transfer.c.o: kernel/transfer.c kernel/transfer.h \
 kernel/types.h include/l4/errno.h kernel/fault.h kernel/map.h \
 kernel/string.h kernel/task.h kernel/cap.h kernel/dtree.h kernel/kobj.h \
 include/l4/caps.h include/l4/types.h arch/x86_64/space.h kernel/kmem.h \
 kernel/thread.h include/l4/utcb.h include/l4/msg.h arch/x86_64/regs.h \
 arch/x86_64/trap.h kernel/types.h
kernel/transfer.h:
kernel/types.h:
include/l4/errno.h:
kernel/fault.h:
kernel/map.h:
kernel/string.h:
kernel/task.h:
kernel/cap.h:
kernel/dtree.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
arch/x86_64/space.h:
kernel/kmem.h:
kernel/thread.h:
include/l4/utcb.h:
include/l4/msg.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
