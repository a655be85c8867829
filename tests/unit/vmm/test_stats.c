/* SPDX-License-Identifier: GPL-2.0-only */
/* The VMM's statistics (vmm/stats.c): the lines `make bench` reads, the top vectors. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/board.h"
#include "vmm/stats.h"

static char out[2048];
static size_t nout;

static int capture(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(out + nout, sizeof(out) - nout, fmt, ap);
	va_end(ap);
	nout += (size_t)n;
	return n;
}

START_TEST(test_top_vectors)
{
	static struct vmm_stats st;
	int top[3];

	memset(&st, 0, sizeof(st));
	stats_top_vectors(&st, top, 3);
	ck_assert_int_eq(top[0], -1);
	ck_assert_int_eq(top[2], -1);
	st.injected[0x30] = 51;
	st.injected[0xec] = 752;
	st.injected[0x21] = 5;
	st.injected[0x24] = 274;
	st.injected[0x40] = 5;                       /* a tie: the lower vector first */
	stats_top_vectors(&st, top, 3);
	ck_assert_int_eq(top[0], 0xec);
	ck_assert_int_eq(top[1], 0x24);
	ck_assert_int_eq(top[2], 0x30);
	int five[5];
	stats_top_vectors(&st, five, 5);
	ck_assert_int_eq(five[3], 0x21);
	ck_assert_int_eq(five[4], 0x40);
}
END_TEST

START_TEST(test_the_lines)
{
	static struct vmm_stats st;
	uint64_t ports[BOARD_PORT_KINDS] = { 0 };

	memset(&st, 0, sizeof(st));
	st.exits[L4_VMEXIT_IO] = 38867;
	st.exits[L4_VMEXIT_EPT_VIOLATION] = 1520;
	st.exits[L4_VMEXIT_RDMSR] = 700;
	st.exits[L4_VMEXIT_WRMSR] = 84;
	st.exits[L4_VMEXIT_CPUID] = 1082;
	st.exits[L4_VMEXIT_IRQ_WINDOW] = 816;
	st.exits[L4_VMEXIT_DR] = 6;
	st.exits[L4_VMEXIT_XSETBV] = 2;
	st.ticks = 80933356;
	st.injected[0xec] = 752;
	st.injected[0x30] = 51;
	st.injected[0x21] = 5;
	st.injected[0x22] = 1;
	st.posted = 3;
	ports[BOARD_PORT_UART] = 37857;
	ports[BOARD_PORT_PIC] = 65;
	ports[BOARD_PORT_PIT] = 7;
	ports[BOARD_PORT_RTC] = 148;
	ports[BOARD_PORT_PCI] = 579;
	ports[BOARD_PORT_OTHER] = 200;
	ports[BOARD_PORT_NONE] = 11;
	stats_print(&st, ports, capture);
	ck_assert_str_eq(out,
		"vmm: exits: 43077: io 38867, mmio 1520, msr 784, cpuid 1082, hlt 0, window 816, cr 0, dr 6, "
		"xsetbv 2, apic 0, eoi 0, apic-write 0\n"
		"vmm: handling them took 80933356 TSC ticks here (1878 per exit)\n"
		"vmm: port I/O: uart 37857, pic 65, pit 7, rtc 148, pci 579, other 211\n"
		"vmm: interrupts: 809 (3 posted, 806 injected): vector 0xec 752, vector 0x30 51, vector 0x21 5\n");
	/* Nothing yet: no division by zero, no vectors. */
	memset(&st, 0, sizeof(st));
	memset(ports, 0, sizeof(ports));
	nout = 0;
	stats_print(&st, ports, capture);
	ck_assert(strstr(out, "(0 per exit)") != NULL);
	ck_assert(strstr(out, "vmm: interrupts: 0 (0 posted, 0 injected)\n") != NULL);
}
END_TEST

Suite *vmm_stats_suite(void)
{
	Suite *s = suite_create("vmm_stats");
	TCase *tc = tcase_create("stats");

	tcase_add_test(tc, test_top_vectors);
	tcase_add_test(tc, test_the_lines);
	suite_add_tcase(s, tc);
	return s;
}
