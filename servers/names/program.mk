# The name service (include/l4/names.h) and its boot test's programs (tests/boot/names.cfg).
$(eval $(call user_program,names,servers/names/main.c))
$(eval $(call user_program,names-test-echo,tests/programs/names-test-echo.c))
$(eval $(call user_program,names-test-client,tests/programs/names-test-client.c))
$(eval $(call user_program,names-test-bad,tests/programs/names-test-bad.c))
$(eval $(call user_program,names-test-crash,tests/programs/names-test-crash.c))
$(eval $(call user_program,names-test-full,tests/programs/names-test-full.c))
$(eval $(call user_program,names-test-fill,tests/programs/names-test-fill.c))
