build-q/arch/x86_64/ioapic.c.o: arch/x86_64/ioapic.c arch/x86_64/apic.h \
 kernel/types.h kernel/console.h kernel/types.h kernel/irq.h \
 kernel/acpi.h kernel/kobj.h include/l4/caps.h include/l4/types.h \
 arch/x86_64/paging.h arch/x86_64/trap.h arch/x86_64/x86.h
arch/x86_64/apic.h:
kernel/types.h:
kernel/console.h:
kernel/types.h:
kernel/irq.h:
kernel/acpi.h:
kernel/kobj.h:
include/l4/caps.h:
include/l4/types.h:
arch/x86_64/paging.h:
arch/x86_64/trap.h:
arch/x86_64/x86.h:
