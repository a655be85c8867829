build-q/arch/x86_64/space.c.o: arch/x86_64/space.c arch/x86_64/space.h \
 kernel/kmem.h kernel/types.h include/l4/errno.h arch/x86_64/cpu.h \
 kernel/types.h arch/x86_64/layout.h arch/x86_64/paging.h \
 arch/x86_64/regs.h arch/x86_64/trap.h kernel/string.h arch/x86_64/x86.h
arch/x86_64/space.h:
kernel/kmem.h:
kernel/types.h:
include/l4/errno.h:
arch/x86_64/cpu.h:
kernel/types.h:
arch/x86_64/layout.h:
arch/x86_64/paging.h:
arch/x86_64/regs.h:
arch/x86_64/trap.h:
kernel/string.h:
arch/x86_64/x86.h:
