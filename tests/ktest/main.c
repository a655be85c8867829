/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel test suite's runner (see ktest.h). */
#include "ktest.h"
#include "format.h"

static bool current_failed;
static char failure[160];

void ktest_fail(const char *file, int line, const char *what)
{
	if (!current_failed)
		fmt_snprintf(failure, sizeof(failure), "%s:%d: %s", file, line, what);
	current_failed = true;
}

void ktest_fail_eq(const char *file, int line, const char *what, unsigned long long got,
		   unsigned long long want)
{
	if (!current_failed)
		fmt_snprintf(failure, sizeof(failure), "%s:%d: %s is %llu, expected %llu", file, line,
			     what, got, want);
	current_failed = true;
}

bool ktest_failed(void)
{
	return current_failed;
}

/* "ktest=PREFIX[,PREFIX...]" on the kernel command line runs only the
 * tests whose names start with one of the prefixes (one area, or a few). */
static char only[256];              /* (as long as the command line can be) */

static void read_filter(void)
{
	const char *c = l4_boot_info->cmdline;

	for (; *c; c++) {
		if ((c == l4_boot_info->cmdline || c[-1] == ' ') && c[0] == 'k' && c[1] == 't' &&
		    c[2] == 'e' && c[3] == 's' && c[4] == 't' && c[5] == '=') {
			unsigned n = 0;
			for (c += 6; *c && *c != ' ' && n < sizeof(only) - 1; c++)
				only[n++] = *c;
			only[n] = '\0';
			return;
		}
	}
}

static bool selected(const char *name)
{
	const char *p = only;

	do {
		unsigned i = 0;
		while (p[i] && p[i] != ',' && name[i] == p[i])
			i++;
		if (!p[i] || p[i] == ',')
			return true;          /* the whole prefix matched */
		while (*p && *p != ',')
			p++;
	} while (*p++);
	return false;
}

static const struct ktest *const suites[] = {
	ktests_syscall, ktests_factory, ktests_caps, ktests_ipc, ktests_sched, ktests_mem, ktests_fpu,
	ktests_large, ktests_io, ktests_irq, ktests_task, ktests_fuzz, ktests_cfuzz, ktests_vm,
	ktests_vmx, ktests_smp, ktests_smp_attack,
};

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0;

	(void)argc;
	(void)argv;
	L4_INVOKE(L4_CAP_THREAD, L4_THREAD_SET_NAME, 0x6e69616d2d74736bull /* "kst-main" */, 0);
	l4_printf("ktest: kernel test suite starting\n");
	if (!l4_boot_info) {
		l4_printf("ktest: no boot information\n");
		l4_debug_exit(1);
	}
	read_filter();
	for (unsigned s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct ktest *t = suites[s]; t->name; t++) {
			if (!selected(t->name))
				continue;
			current_failed = false;
			t->fn();
			/* After every test the kernel checks its own invariants. */
			struct l4_result c = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK);
			if (!current_failed && (c.error || l4_utcb()->mr[0]))
				fmt_snprintf(failure, sizeof(failure), "kernel self-check: error %lu, %lu broken, first %lu",
					     (unsigned long)c.error, (unsigned long)l4_utcb()->mr[0],
					     (unsigned long)l4_utcb()->mr[1]);
			current_failed |= c.error || l4_utcb()->mr[0];
			if (current_failed) {
				failed++;
				l4_printf("ktest: %s ... FAIL (%s)\n", t->name, failure);
			} else {
				passed++;
				l4_printf("ktest: %s ... ok\n", t->name);
			}
		}
	}
	l4_printf("ktest summary: %u passed, %u failed\n", passed, failed);
	l4_debug_exit(failed ? 1 : 0);
	return 0;
}
