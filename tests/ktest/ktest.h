/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel test suite: a root task, written against libl4, that
 * exercises the kernel through its system calls and reports one line
 * per test over the kernel's debug console: "ktest: NAME ... ok" or
 * "ktest: NAME ... FAIL (why)", then "ktest summary: N passed, M failed",
 * and ends the machine.
 */
#ifndef KTEST_H
#define KTEST_H

#include "l4lib.h"

/* The main thread's UTCB (the tests' main thread only). */
#define UTCB0 l4_utcb()

/* Failing check: records the first failure of the running test. */
void ktest_fail(const char *file, int line, const char *what);
void ktest_fail_eq(const char *file, int line, const char *what, unsigned long long got,
		   unsigned long long want);
/* Whether the running test has failed (for loops over cases). */
bool ktest_failed(void);
#define CHECK(cond) do { if (!(cond)) { ktest_fail(__FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_EQ(a, b) do { unsigned long long _a = (a), _b = (b); if (_a != _b) { \
	ktest_fail_eq(__FILE__, __LINE__, #a, _a, _b); return; } } while (0)

/* The fuzzers' generator (xorshift64*): the next number from *state. */
static inline uint64_t ktest_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dull;
}

struct ktest {
	const char *name;
	void (*fn)(void);
};

/* Each test file defines a table; main.c runs them all. */
extern const struct ktest ktests_syscall[], ktests_factory[], ktests_caps[], ktests_ipc[],
	ktests_sched[], ktests_mem[], ktests_fpu[], ktests_io[], ktests_irq[], ktests_task[], ktests_fuzz[], ktests_cfuzz[], ktests_vm[], ktests_vmx[], ktests_smp[],
	ktests_smp_attack[], ktests_large[];

#endif
