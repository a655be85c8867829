build-q/user/vmm/loader/e820.c.o: vmm/loader/e820.c vmm/loader/e820.h
vmm/loader/e820.h:
