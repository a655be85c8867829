# The network endpoint on the virtual switch: ARP, ping and UDP echo.
$(eval $(call user_program,netecho,servers/netecho/main.c servers/netecho/packet.c))
