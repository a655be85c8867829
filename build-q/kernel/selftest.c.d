build-q/kernel/selftest.c.o: kernel/selftest.c kernel/selftest.h \
 kernel/mb2.h kernel/types.h kernel/arch.h kernel/cmdline.h \
 kernel/console.h kernel/format.h arch/x86_64/layout.h kernel/types.h \
 kernel/mem.h kernel/frame.h kernel/string.h
kernel/selftest.h:
kernel/mb2.h:
kernel/types.h:
kernel/arch.h:
kernel/cmdline.h:
kernel/console.h:
kernel/format.h:
arch/x86_64/layout.h:
kernel/types.h:
kernel/mem.h:
kernel/frame.h:
kernel/string.h:
