build-q/kernel/kmem.c.o: kernel/kmem.c kernel/kmem.h kernel/types.h \
 arch/x86_64/layout.h kernel/types.h kernel/mem.h kernel/frame.h \
 kernel/mb2.h kernel/string.h
kernel/kmem.h:
kernel/types.h:
arch/x86_64/layout.h:
kernel/types.h:
kernel/mem.h:
kernel/frame.h:
kernel/mb2.h:
kernel/string.h:
