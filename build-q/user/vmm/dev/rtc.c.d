build-q/user/vmm/dev/rtc.c.o: vmm/dev/rtc.c vmm/dev/rtc.h vmm/dev/dev.h
vmm/dev/rtc.h:
vmm/dev/dev.h:
