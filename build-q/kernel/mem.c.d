build-q/kernel/mem.c.o: kernel/mem.c kernel/mem.h kernel/frame.h \
 kernel/types.h kernel/mb2.h kernel/console.h arch/x86_64/layout.h \
 kernel/types.h kernel/string.h
kernel/mem.h:
kernel/frame.h:
kernel/types.h:
kernel/mb2.h:
kernel/console.h:
arch/x86_64/layout.h:
kernel/types.h:
kernel/string.h:
