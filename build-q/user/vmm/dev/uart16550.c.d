build-q/user/vmm/dev/uart16550.c.o: vmm/dev/uart16550.c \
 vmm/dev/uart16550.h vmm/dev/dev.h
vmm/dev/uart16550.h:
vmm/dev/dev.h:
