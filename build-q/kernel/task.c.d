build-q/kernel/task.c.o: kernel/task.c kernel/task.h kernel/cap.h \
 kernel/dtree.h kernel/types.h kernel/kobj.h include/l4/caps.h \
 include/l4/types.h arch/x86_64/space.h kernel/kmem.h include/l4/errno.h \
 include/l4/factory.h include/l4/msg.h include/l4/syscall.h \
 include/l4/utcb.h include/l4/task.h kernel/factory.h kernel/kmem.h \
 kernel/ipc.h kernel/thread.h include/l4/utcb.h kernel/fault.h \
 arch/x86_64/regs.h arch/x86_64/trap.h kernel/types.h \
 arch/x86_64/layout.h kernel/map.h kernel/mapdb.h kernel/mem.h \
 kernel/frame.h kernel/mb2.h kernel/string.h
kernel/task.h:
kernel/cap.h:
kernel/dtree.h:
kernel/types.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
arch/x86_64/space.h:
kernel/kmem.h:
include/l4/errno.h:
include/l4/factory.h:
include/l4/msg.h:
include/l4/syscall.h:
include/l4/utcb.h:
include/l4/task.h:
kernel/factory.h:
kernel/kmem.h:
kernel/ipc.h:
kernel/thread.h:
include/l4/utcb.h:
kernel/fault.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
arch/x86_64/layout.h:
kernel/map.h:
kernel/mapdb.h:
kernel/mem.h:
kernel/frame.h:
kernel/mb2.h:
kernel/string.h:
