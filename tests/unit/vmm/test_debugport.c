/* SPDX-License-Identifier: GPL-2.0-only */
/* Tests for vmm/dev/debugport.c: exit codes of the exit port, the 0xE9 console. */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/debugport.h"

struct host {
	unsigned exits;
	uint64_t code;
	char out[64];
	size_t nout;
};

static void host_exit(void *ctx, uint64_t code)
{
	struct host *h = ctx;

	h->exits++;
	h->code = code;
}

static void host_putc(void *ctx, uint8_t byte)
{
	struct host *h = ctx;

	if (h->nout < sizeof(h->out) - 1)
		h->out[h->nout++] = (char)byte;
}

static struct host host;
static struct debugport dp;

static void setup(void)
{
	memset(&host, 0, sizeof(host));
	debugport_init(&dp, host_exit, host_putc, &host);
}

START_TEST(test_exit_codes)
{
	static const struct {
		unsigned size;
		uint64_t value, code;
	} cases[] = {
		{ 1, 0x00, 0x01 },
		{ 1, 0x10, 0x21 },            /* QEMU's isa-debug-exit: outb 0x10 -> status 33 */
		{ 1, 0x1ff, 0x1ff },          /* an outb carries 8 bits */
		{ 2, 0x1234, 0x2469 },
		{ 2, 0xabcd1234, 0x2469 },
		{ 4, 0xffffffff, 0x1ffffffff },
		{ 4, 0x123456789, 0x468acf13 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		debugport_exit_write(&dp, (unsigned)i % 4, cases[i].size, cases[i].value, 0);
		ck_assert_uint_eq(host.exits, i + 1);
		ck_assert_uint_eq(host.code, cases[i].code);
	}
	/* No 8-byte or empty port I/O. */
	debugport_exit_write(&dp, 0, 8, 1, 0);
	debugport_exit_write(&dp, 0, 0, 1, 0);
	debugport_exit_write(&dp, 0, 3 + 2, 1, 0);
	ck_assert_uint_eq(host.exits, sizeof(cases) / sizeof(cases[0]));
	/* Reads find nothing there. */
	ck_assert_uint_eq(debugport_exit_read(&dp, 0, 1, 0), 0xff);
	ck_assert_uint_eq(debugport_exit_read(&dp, 0, 2, 0), 0xffff);
	ck_assert_uint_eq(debugport_exit_read(&dp, 1, 4, 0), 0xffffffff);
	ck_assert_uint_eq(host.exits, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_console_port)
{
	const char *msg = "hello, e9\n";

	for (const char *p = msg; *p; p++)
		debugport_con_write(&dp, 0, 1, (uint8_t)*p, 0);
	debugport_con_write(&dp, 0, 2, 0x4121, 0);   /* outw: the low byte */
	debugport_con_write(&dp, 1, 1, 'x', 0);      /* outside the port */
	ck_assert_str_eq(host.out, "hello, e9\n!");
	ck_assert_uint_eq(debugport_con_read(&dp, 0, 1, 0), 0xe9);
	ck_assert_uint_eq(debugport_con_read(&dp, 0, 2, 0), 0xffe9);
	ck_assert_uint_eq(debugport_con_read(&dp, 1, 1, 0), 0xff);
	ck_assert_uint_eq(debugport_con_read(&dp, 0, 0, 0), 0);
	ck_assert_uint_eq(host.exits, 0);
}
END_TEST

START_TEST(test_missing_callbacks)
{
	debugport_init(&dp, NULL, NULL, NULL);
	debugport_exit_write(&dp, 0, 1, 3, 0);
	debugport_con_write(&dp, 0, 1, 'a', 0);
	ck_assert_uint_eq(debugport_con_read(&dp, 0, 1, 0), 0xe9);
	ck_assert_uint_eq(host.exits, 0);
	ck_assert_uint_eq(host.nout, 0);
}
END_TEST

START_TEST(test_random_accesses)
{
	static const unsigned sizes[] = { 0, 1, 2, 3, 4, 8, 16 };
	unsigned exits = 0;

	rnd_seed(0x501);
	for (int i = 0; i < 100000; i++) {
		unsigned offset = rnd() % 4, size = sizes[rnd() % 7];
		uint64_t value = rnd();

		switch (rnd() % 4) {
		case 0:
			debugport_exit_write(&dp, offset, size, value, 0);
			if (size >= 1 && size <= 4) {
				exits++;
				if (host.code != ((value & ((1ull << (8 * size)) - 1)) << 1 | 1))
					ck_abort_msg("exit code %llx for %llx", (unsigned long long)host.code,
						     (unsigned long long)value);
			}
			break;
		case 1:
			if (debugport_exit_read(&dp, offset, size, 0) != vdev_open_bus(size))
				ck_abort_msg("exit port read not open bus");
			break;
		case 2:
			host.nout = 0;
			debugport_con_write(&dp, offset, size, value, 0);
			break;
		default:
			if (size != 0 && (debugport_con_read(&dp, offset, size, 0) & 0xff) !=
					     (offset == 0 && size <= 8 ? 0xe9 : 0xff))
				ck_abort_msg("console read");
			break;
		}
		if (host.exits != exits || (exits && !(host.code & 1)))
			ck_abort_msg("exit count or code");
	}
	ck_assert_uint_gt(exits, 10000);
}
END_TEST

Suite *debugport_suite(void)
{
	Suite *s = suite_create("debugport");
	TCase *tc = tcase_create("ports");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_exit_codes);
	tcase_add_test(tc, test_console_port);
	tcase_add_test(tc, test_missing_callbacks);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, NULL, test_random_accesses);
	return s;
}
