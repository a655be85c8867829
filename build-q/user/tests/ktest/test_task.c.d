build-q/user/tests/ktest/test_task.c.o: tests/ktest/test_task.c \
 tests/ktest/ktest.h libl4/l4lib.h include/l4/boot.h include/l4/types.h \
 include/l4/caps.h include/l4/env.h include/l4/errno.h \
 include/l4/factory.h include/l4/msg.h include/l4/syscall.h \
 include/l4/utcb.h include/l4/msg.h include/l4/sigma0.h \
 include/l4/syscall.h include/l4/task.h include/l4/thread.h \
 include/l4/utcb.h include/l4/vcpu.h include/l4/thread.h
tests/ktest/ktest.h:
libl4/l4lib.h:
include/l4/boot.h:
include/l4/types.h:
include/l4/caps.h:
include/l4/env.h:
include/l4/errno.h:
include/l4/factory.h:
include/l4/msg.h:
include/l4/syscall.h:
include/l4/utcb.h:
include/l4/msg.h:
include/l4/sigma0.h:
include/l4/syscall.h:
include/l4/task.h:
include/l4/thread.h:
include/l4/utcb.h:
include/l4/vcpu.h:
include/l4/thread.h:
