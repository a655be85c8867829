$(eval $(call user_program,console,servers/console/main.c))
$(eval $(call user_program,console-test,tests/programs/console-test.c))
