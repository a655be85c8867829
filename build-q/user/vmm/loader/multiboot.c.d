build-q/user/vmm/loader/multiboot.c.o: vmm/loader/multiboot.c \
 vmm/loader/multiboot.h vmm/loader/cpustate.h vmm/loader/e820.h
vmm/loader/multiboot.h:
vmm/loader/cpustate.h:
vmm/loader/e820.h:
