build-q/kernel/acpi.c.o: kernel/acpi.c kernel/acpi.h kernel/types.h
kernel/acpi.h:
kernel/types.h:
