# The memory server (include/l4/mem.h) and the clients of its boot test (tests/boot/mem.cfg).
$(eval $(call user_program,mem,servers/mem/main.c))
$(eval $(call user_program,mem-test,tests/programs/mem-test.c))
