build-q/kernel/mapdb.c.o: kernel/mapdb.c kernel/mapdb.h kernel/dtree.h \
 kernel/types.h include/l4/errno.h kernel/console.h kernel/factory.h \
 kernel/kmem.h kernel/kobj.h include/l4/caps.h include/l4/types.h \
 arch/x86_64/layout.h kernel/types.h kernel/mem.h kernel/frame.h \
 kernel/mb2.h kernel/string.h kernel/task.h kernel/cap.h \
 arch/x86_64/space.h kernel/kmem.h
kernel/mapdb.h:
kernel/dtree.h:
kernel/types.h:
include/l4/errno.h:
kernel/console.h:
kernel/factory.h:
kernel/kmem.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
arch/x86_64/layout.h:
kernel/types.h:
kernel/mem.h:
kernel/frame.h:
kernel/mb2.h:
kernel/string.h:
kernel/task.h:
kernel/cap.h:
arch/x86_64/space.h:
kernel/kmem.h:
