build-q/kernel/cap.c.o: kernel/cap.c kernel/cap.h kernel/dtree.h \
 kernel/types.h kernel/kobj.h include/l4/caps.h include/l4/types.h \
 include/l4/errno.h include/l4/msg.h
kernel/cap.h:
kernel/dtree.h:
kernel/types.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
include/l4/errno.h:
include/l4/msg.h:
