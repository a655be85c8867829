# The virtual switch (include/l4/net.h).
$(eval $(call user_program,vswitch,servers/vswitch/main.c servers/vswitch/switch.c servers/vswitch/fdb.c))
$(eval $(call user_program,net-test,tests/programs/net-test.c))
