build-q/kernel/map.c.o: kernel/map.c kernel/map.h kernel/types.h \
 include/l4/errno.h include/l4/msg.h include/l4/types.h kernel/boot.h \
 kernel/mb2.h kernel/mapdb.h kernel/dtree.h arch/x86_64/regs.h \
 arch/x86_64/trap.h kernel/types.h kernel/task.h kernel/cap.h \
 kernel/kobj.h include/l4/caps.h arch/x86_64/space.h kernel/kmem.h
kernel/map.h:
kernel/types.h:
include/l4/errno.h:
include/l4/msg.h:
include/l4/types.h:
kernel/boot.h:
kernel/mb2.h:
kernel/mapdb.h:
kernel/dtree.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/types.h:
kernel/task.h:
kernel/cap.h:
kernel/kobj.h:
include/l4/caps.h:
arch/x86_64/space.h:
kernel/kmem.h:
