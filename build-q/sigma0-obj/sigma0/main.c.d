build-q/sigma0-obj/sigma0/main.c.o: sigma0/main.c include/l4/boot.h \
 include/l4/types.h include/l4/caps.h include/l4/errno.h include/l4/msg.h \
 include/l4/sigma0.h include/l4/syscall.h include/l4/task.h \
 include/l4/msg.h include/l4/utcb.h kernel/format.h kernel/types.h
include/l4/boot.h:
include/l4/types.h:
include/l4/caps.h:
include/l4/errno.h:
include/l4/msg.h:
include/l4/sigma0.h:
include/l4/syscall.h:
include/l4/task.h:
include/l4/msg.h:
include/l4/utcb.h:
kernel/format.h:
kernel/types.h:
