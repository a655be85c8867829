/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host unit test runner. Runs every suite in fork mode (the Check default,
 * so a crash or sanitizer abort in one test is reported as an error of that
 * test only) and prints one line per test plus Check's summary line.
 * Exit status: 0 when every test passed, 1 otherwise.
 */
#include <stdlib.h>

#include "unit.h"

/* Undefined behaviour found by UBSan must fail the test, not just print. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1";
}

/* Tests that fail an assertion leave their allocations behind on purpose. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0:check_printf=0";
}

int main(void)
{
	SRunner *sr = srunner_create(format_suite());

	srunner_add_suite(sr, cmdline_suite());
	srunner_add_suite(sr, mb2_suite());
	srunner_add_suite(sr, frame_suite());
	srunner_add_suite(sr, elf_suite());
	srunner_add_suite(sr, acpi_suite());
	srunner_add_suite(sr, dtree_suite());
	srunner_run_all(sr, CK_VERBOSE);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
