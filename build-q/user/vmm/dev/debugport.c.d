build-q/user/vmm/dev/debugport.c.o: vmm/dev/debugport.c \
 vmm/dev/debugport.h vmm/dev/dev.h
vmm/dev/debugport.h:
vmm/dev/dev.h:
