/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's console output (vmm/console.c): whole lines, the hvc0
 * prefix, lines flushed when the guest waits and their rest, the turn
 * between the two outputs, carriage returns, long lines, the marker.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/console.h"

static struct console con;
static char out[4096];
static size_t nout;
static unsigned flushes, markers;

static int capture(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(out + nout, sizeof(out) - nout, fmt, ap);
	va_end(ap);
	nout += (size_t)n;
	ck_assert_uint_lt(nout, sizeof(out));
	return n;
}

static void flush(void)
{
	flushes++;
}

static void marker(void *ctx)
{
	ck_assert_ptr_eq(ctx, &con);
	markers++;
	capture("<stats>");
}

static void setup(void)
{
	console_init(&con, capture, flush, marker, &con);
	out[0] = 0;
	nout = 0;
	flushes = markers = 0;
}

static void uart(const char *s)
{
	while (*s)
		console_uart(&con, (uint8_t)*s++);
}

static void hvc(const char *s)
{
	console_hvc(&con, (const uint8_t *)s, strlen(s));
}

START_TEST(test_whole_lines)
{
	uart("hello");
	ck_assert_uint_eq(nout, 0);                        /* not a line yet */
	uart(" world\r\nnext\n");
	ck_assert_str_eq(out, "hello world\nnext\n");
	hvc("L4LINUX: hello over virtio\n");
	ck_assert_str_eq(out, "hello world\nnext\nhvc0: L4LINUX: hello over virtio\n");
	ck_assert_uint_eq(flushes, 0);
}
END_TEST

START_TEST(test_flush_at_a_wait_and_the_lines_rest)
{
	uart("/ # ");
	console_flush(&con);
	ck_assert_str_eq(out, "/ # ");                      /* the prompt, without a line end */
	ck_assert_uint_eq(flushes, 1);
	console_flush(&con);                                /* nothing new: nothing */
	ck_assert_uint_eq(flushes, 1);
	uart("ls\n");
	ck_assert_str_eq(out, "/ # ls\n");                  /* the echo follows the prompt */
	hvc("$ ");
	console_flush(&con);
	ck_assert_str_eq(out, "/ # ls\nhvc0: $ ");
	hvc("x\n");
	ck_assert_str_eq(out, "/ # ls\nhvc0: $ x\n");      /* no second prefix */
}
END_TEST

START_TEST(test_outputs_take_turns)
{
	uart("half");
	console_flush(&con);
	hvc("other\n");                                     /* the UART's open line ends first */
	ck_assert_str_eq(out, "half\nhvc0: other\n");
	uart("rest\n");                                     /* a new line, from the start */
	ck_assert_str_eq(out, "half\nhvc0: other\nrest\n");
	hvc("h");
	console_flush(&con);
	uart("u\n");
	ck_assert_str_eq(out, "half\nhvc0: other\nrest\nhvc0: h\nu\n");
}
END_TEST

START_TEST(test_long_lines_go_out_in_pieces)
{
	char line[CONSOLE_LINE * 2 + 1];

	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	uart(line);
	/* Two full pieces of CONSOLE_LINE - 1 bytes, each as a line. */
	ck_assert_uint_eq(nout, 2 * CONSOLE_LINE);
	ck_assert_int_eq(out[CONSOLE_LINE - 1], '\n');
	ck_assert_int_eq(out[2 * CONSOLE_LINE - 1], '\n');
	uart("\n");
	ck_assert_uint_eq(nout, 2 * CONSOLE_LINE + 3);      /* the last two bytes and the end */
}
END_TEST

START_TEST(test_marker_line)
{
	uart("L4LINUX: /init reached (Linux 6.1.0, 1 cpu, 123 kB)\n");
	ck_assert_uint_eq(markers, 1);
	ck_assert_str_eq(out, "L4LINUX: /init reached (Linux 6.1.0, 1 cpu, 123 kB)\n<stats>");
	/* Not on hvc0, not inside a line, not a prefix of the marker. */
	hvc("L4LINUX: /init\n");
	uart("x L4LINUX: /init\n");
	uart("L4LINUX: /ini\n");
	ck_assert_uint_eq(markers, 1);
	/* The marker alone. */
	uart("L4LINUX: /init\n");
	ck_assert_uint_eq(markers, 2);
}
END_TEST

START_TEST(test_end_finishes_the_uarts_line)
{
	console_end(&con);
	ck_assert_uint_eq(nout, 0);
	uart("powering off");
	console_end(&con);
	ck_assert_str_eq(out, "powering off\n");
	console_end(&con);
	ck_assert_str_eq(out, "powering off\n");
}
END_TEST

Suite *vmm_console_suite(void)
{
	Suite *s = suite_create("vmm_console");
	TCase *tc = tcase_create("lines");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_whole_lines);
	tcase_add_test(tc, test_flush_at_a_wait_and_the_lines_rest);
	tcase_add_test(tc, test_outputs_take_turns);
	tcase_add_test(tc, test_long_lines_go_out_in_pieces);
	tcase_add_test(tc, test_marker_line);
	tcase_add_test(tc, test_end_finishes_the_uarts_line);
	suite_add_tcase(s, tc);
	return s;
}
