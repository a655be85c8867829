/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the test programs that count checks share (names-test-lib.c,
 * blk-test-lib.c, which their programs #include: one translation unit
 * each, so the helpers stay static).
 *
 * Every check prints one line, "WHAT: ok", or "WHAT: FAIL" (which the
 * .expect files never accept), and finish() prints "all N checks passed"
 * only if none failed. error_name names an error code of errno.h.
 */
#ifndef TESTS_PROGRAMS_CHECKS_H
#define TESTS_PROGRAMS_CHECKS_H

#include "l4lib.h"

#define UNUSED __attribute__((unused))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))

static unsigned checks, failures;

static UNUSED const char *error_name(l4_word_t e)
{
	static const char *const names[] = {
		"OK", "EINVAL", "ECAP", "ETYPE", "ERIGHTS", "ENOMEM", "ETIMEOUT", "ECANCELED",
		"EBUSY", "ENOSYS", "EMSG", "ENOREPLY", "EFAULT", "EDEADLK", "ENOENT", "EEXIST",
		"EIO", "ENODEV",
	};
	_Static_assert(sizeof(names) / sizeof(names[0]) == L4_ERROR_COUNT, "every error has its name");

	return e < L4_ERROR_COUNT ? names[e] : "?";
}

/* A check: prints "TEXT: ok" or "TEXT: FAIL" and counts it. */
static UNUSED PRINTF(2, 3) bool check(bool ok, const char *fmt, ...)
{
	char text[300];
	va_list ap;

	va_start(ap, fmt);
	l4_vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	checks++;
	failures += !ok;
	l4_printf("%s: %s\n", text, ok ? "ok" : "FAIL");
	return ok;
}

static UNUSED void finish(void)
{
	if (failures)
		l4_printf("%u of %u checks FAILED\n", failures, checks);
	else
		l4_printf("all %u checks passed\n", checks);
}

#endif
