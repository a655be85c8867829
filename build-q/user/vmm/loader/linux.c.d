build-q/user/vmm/loader/linux.c.o: vmm/loader/linux.c vmm/loader/linux.h \
 vmm/loader/cpustate.h vmm/loader/e820.h
vmm/loader/linux.h:
vmm/loader/cpustate.h:
vmm/loader/e820.h:
