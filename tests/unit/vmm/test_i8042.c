/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/i8042.c: Linux's i8042 probe (flush, self test, command
 * byte, AUX loop and IRQ 12 test), devices that are absent answering at
 * once, and the reset paths Linux's reboot code and older software use.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/i8042.h"

/* Linux's I8042_CMD_*: parameter count in bits 15:12, result count in 11:8. */
#define CMD_CTL_RCTR  0x0120
#define CMD_CTL_WCTR  0x1060
#define CMD_CTL_TEST  0x01aa
#define CMD_KBD_TEST  0x01ab
#define CMD_AUX_DISABLE 0x00a7
#define CMD_AUX_ENABLE  0x00a8
#define CMD_AUX_TEST  0x01a9
#define CMD_AUX_LOOP  0x11d3
#define CMD_AUX_SEND  0x10d4

struct board {
	int level[16];
	unsigned rises[16];
	unsigned resets;
};

static struct i8042 kbc;
static struct board bd;

static void board_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	ck_assert(line == I8042_KBD_IRQ || line == I8042_AUX_IRQ);
	if (level && !b->level[line])
		b->rises[line]++;
	b->level[line] = level;
}

static void board_reset(void *ctx)
{
	((struct board *)ctx)->resets++;
}

static void setup(void)
{
	struct vdev_irq irq = { board_irq, &bd };

	memset(&bd, 0, sizeof(bd));
	i8042_init(&kbc, &irq, board_reset, &bd);
}

static uint8_t status(void)
{
	return (uint8_t)i8042_read(&kbc, I8042_COMMAND, 1, 0);
}

static uint8_t data_in(void)
{
	return (uint8_t)i8042_read(&kbc, I8042_DATA, 1, 0);
}

static void cmd_out(uint8_t v)
{
	i8042_write(&kbc, I8042_COMMAND, 1, v, 0);
}

static void data_out(uint8_t v)
{
	i8042_write(&kbc, I8042_DATA, 1, v, 0);
}

/* Linux's i8042_wait_write and i8042_wait_read, with their 10000-poll limit. */
static bool wait_write(void)
{
	for (int i = 0; i < 10000; i++)
		if (!(status() & I8042_STR_IBF))
			return true;
	return false;
}

static bool wait_read(void)
{
	for (int i = 0; i < 10000; i++)
		if (status() & I8042_STR_OBF)
			return true;
	return false;
}

/* Linux's __i8042_command: false where Linux returns an error. */
static bool i8042_command(uint8_t *param, unsigned command)
{
	if (!wait_write())
		return false;
	cmd_out((uint8_t)command);
	for (unsigned i = 0; i < ((command >> 12) & 0xf); i++) {
		if (!wait_write())
			return false;
		data_out(param[i]);
	}
	for (unsigned i = 0; i < ((command >> 8) & 0xf); i++) {
		if (!wait_read())
			return false;
		if (command == CMD_AUX_LOOP && !(status() & I8042_STR_AUXDATA))
			return false;
		param[i] = data_in();
	}
	return true;
}

/* Linux's i8042_flush: bytes drained, I8042_BUFFER_SIZE meaning "no controller". */
static unsigned flush(void)
{
	unsigned count = 0;

	while ((status() & I8042_STR_OBF) && count < 16) {
		data_in();
		count++;
	}
	return count;
}

START_TEST(test_idle_status)
{
	ck_assert_int_eq(status(), I8042_STR_UNLOCKED | I8042_STR_SYS);
	ck_assert_int_eq(data_in(), 0);
	ck_assert_uint_eq(i8042_read(&kbc, 1, 1, 0), 0xff);     /* 0x61 is not ours */
	ck_assert_uint_eq(i8042_read(&kbc, 5, 1, 0), 0xff);
	ck_assert_uint_eq(i8042_read(&kbc, I8042_COMMAND, 2, 0), 0xff14);
	i8042_write(&kbc, 2, 1, 0xfe, 0);
	ck_assert_uint_eq(bd.resets, 0);
}
END_TEST

START_TEST(test_linux_probe)
{
	uint8_t ctr, param;

	/* i8042_controller_check, i8042_controller_selftest */
	ck_assert_uint_eq(flush(), 0);
	ck_assert(i8042_command(&param, CMD_CTL_TEST));
	ck_assert_int_eq(param, 0x55);
	/* i8042_controller_init: read the CTR, keyboard off, write it back */
	ck_assert(i8042_command(&ctr, CMD_CTL_RCTR));
	ck_assert_int_eq(ctr, I8042_CTR_XLATE | I8042_CTR_SYS | I8042_CTR_KBDINT);
	ck_assert(status() & I8042_STR_UNLOCKED);                 /* no "Keylock active" */
	ctr = (ctr | I8042_CTR_KBDDIS) & ~I8042_CTR_KBDINT;
	ck_assert(i8042_command(&ctr, CMD_CTL_WCTR));
	ck_assert(i8042_command(&param, CMD_CTL_RCTR));
	ck_assert_int_eq(param, ctr);
	ck_assert_int_eq(status() & I8042_STR_CMD, I8042_STR_CMD);

	/* i8042_check_aux: the AUX loop ... */
	ck_assert_uint_eq(flush(), 0);
	param = 0x5a;
	ck_assert(i8042_command(&param, CMD_AUX_LOOP));
	ck_assert_int_eq(param, 0x5a);
	/* ... the bit assignment test ... */
	ck_assert(i8042_command(&param, CMD_AUX_DISABLE));
	ck_assert(i8042_command(&param, CMD_CTL_RCTR));
	ck_assert(param & I8042_CTR_AUXDIS);
	ck_assert(i8042_command(&param, CMD_AUX_ENABLE));
	ck_assert(i8042_command(&param, CMD_CTL_RCTR));
	ck_assert(!(param & I8042_CTR_AUXDIS));
	/* ... and IRQ 12 delivery: loop 0xa5 without reading it back. */
	ctr = (ctr & ~I8042_CTR_AUXDIS) | I8042_CTR_AUXINT;
	ck_assert(i8042_command(&ctr, CMD_CTL_WCTR));
	param = 0xa5;
	ck_assert(i8042_command(&param, CMD_AUX_LOOP & 0xf0ff));
	ck_assert_uint_eq(bd.rises[I8042_AUX_IRQ], 1);
	ck_assert_int_eq(status() & (I8042_STR_OBF | I8042_STR_AUXDATA), I8042_STR_OBF | I8042_STR_AUXDATA);
	ck_assert_int_eq(data_in(), 0xa5);                        /* i8042_aux_test_irq */
	ck_assert_int_eq(bd.level[I8042_AUX_IRQ], 0);
	/* IRQ 1 fired for the answers read while the BIOS's KBDINT was still on. */
	ck_assert_uint_eq(bd.rises[I8042_KBD_IRQ], 2);
	/* Interface tests answer 0. */
	ck_assert(i8042_command(&param, CMD_KBD_TEST));
	ck_assert_int_eq(param, 0);
	ck_assert(i8042_command(&param, CMD_AUX_TEST));
	ck_assert_int_eq(param, 0);
	ck_assert_uint_eq(bd.resets, 0);
}
END_TEST

START_TEST(test_absent_devices_nak_at_once)
{
	uint8_t param;

	/* atkbd's first command, GETID, to the keyboard port with IRQ 1 on. */
	ck_assert(wait_write());
	data_out(0xf2);
	ck_assert_int_eq(status() & (I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_AUXDATA),
			 I8042_STR_OBF | I8042_STR_TIMEOUT);
	ck_assert_int_eq(bd.level[I8042_KBD_IRQ], 1);
	ck_assert_int_eq(data_in(), 0xfe);
	ck_assert_int_eq(bd.level[I8042_KBD_IRQ], 0);
	ck_assert_int_eq(status() & (I8042_STR_OBF | I8042_STR_TIMEOUT), 0);
	/* psmouse's first command through 0xD4, with IRQ 12 off: polled. */
	param = 0xf2;
	ck_assert(i8042_command(&param, CMD_AUX_SEND));
	ck_assert_int_eq(status() & (I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_AUXDATA),
			 I8042_STR_OBF | I8042_STR_TIMEOUT | I8042_STR_AUXDATA);
	ck_assert_uint_eq(bd.rises[I8042_AUX_IRQ], 0);
	ck_assert_int_eq(data_in(), 0xfe);
	/* The keyboard loopback D2 and controller RAM. */
	cmd_out(0xd2);
	data_out(0x1c);
	ck_assert_int_eq(status() & (I8042_STR_OBF | I8042_STR_TIMEOUT), I8042_STR_OBF);
	ck_assert_int_eq(data_in(), 0x1c);
	cmd_out(0x65);
	data_out(0x33);
	cmd_out(0x25);
	ck_assert_int_eq(data_in(), 0x33);
	/* A command cancels one still waiting for its data byte. */
	cmd_out(0x60);
	cmd_out(0x20);
	ck_assert_int_eq(data_in(), I8042_CTR_XLATE | I8042_CTR_SYS | I8042_CTR_KBDINT);
}
END_TEST

START_TEST(test_reset_paths)
{
	uint8_t out;

	/* Linux's BOOT_KBD reboot: ten times kb_wait() then outb(0xfe, 0x64). */
	for (int i = 0; i < 10; i++) {
		int j;

		for (j = 0; j < 0x10000; j++)
			if (!(status() & I8042_STR_IBF))
				break;
		ck_assert_int_lt(j, 0x10000);
		cmd_out(0xfe);
	}
	ck_assert_uint_eq(bd.resets, 10);
	/* Pulses without bit 0 leave the reset line alone; all others reset. */
	cmd_out(0xff);
	cmd_out(0xf1);
	cmd_out(0xfd);
	ck_assert_uint_eq(bd.resets, 10);
	cmd_out(0xf0);
	cmd_out(0xfc);
	ck_assert_uint_eq(bd.resets, 12);
	/* The output port: read it, toggle A20, then drop the reset line. */
	cmd_out(0xd0);
	out = data_in();
	ck_assert_int_eq(out & 0x03, 0x03);
	cmd_out(0xd1);
	data_out(out & ~0x02);
	ck_assert_uint_eq(bd.resets, 12);
	cmd_out(0xd0);
	ck_assert_int_eq(data_in() & 0x03, 0x01);
	cmd_out(0xd1);
	data_out(0xfe);
	ck_assert_uint_eq(bd.resets, 13);
	/* Without a callback nothing happens. */
	i8042_init(&kbc, NULL, NULL, NULL);
	cmd_out(0xfe);
	ck_assert_uint_eq(bd.resets, 13);
}
END_TEST

START_TEST(test_output_queue_bounds)
{
	for (int i = 0; i < 20; i++) {
		cmd_out(0xd2);
		data_out((uint8_t)i);
	}
	/* Linux's flush drains at most I8042_BUFFER_SIZE (16) bytes. */
	for (int i = 0; i < 16; i++) {
		ck_assert(status() & I8042_STR_OBF);
		ck_assert_int_eq(data_in(), i);
	}
	ck_assert_int_eq(status() & I8042_STR_OBF, 0);
	ck_assert_int_eq(data_in(), 15);                          /* the last byte stays */
	ck_assert_uint_eq(bd.rises[I8042_KBD_IRQ], 16);           /* an edge per byte */
	ck_assert_int_eq(bd.level[I8042_KBD_IRQ], 0);
}
END_TEST

/*
 * One output buffer: reading it lowers IRQ 1 or 12, and the next queued
 * byte raises it again, so an edge-triggered input interrupts once per
 * byte (Linux's i8042_interrupt reads one byte per interrupt). The line
 * follows the byte now in the buffer: keyboard, then aux, then keyboard.
 */
START_TEST(test_each_byte_raises_its_own_edge)
{
	cmd_out(0x60);
	data_out(0x47);                                           /* KBDINT, AUXINT */
	cmd_out(0xd2);
	data_out(0x11);
	cmd_out(0xd2);
	data_out(0x22);
	cmd_out(0xd3);
	data_out(0x33);
	cmd_out(0xd2);
	data_out(0x44);
	ck_assert_uint_eq(bd.rises[I8042_KBD_IRQ], 1);
	ck_assert_int_eq(data_in(), 0x11);
	ck_assert_uint_eq(bd.rises[I8042_KBD_IRQ], 2);            /* 0x22: a new edge */
	ck_assert_int_eq(bd.level[I8042_KBD_IRQ], 1);
	ck_assert_int_eq(data_in(), 0x22);
	ck_assert_int_eq(bd.level[I8042_KBD_IRQ], 0);             /* 0x33 is the aux port's */
	ck_assert_uint_eq(bd.rises[I8042_AUX_IRQ], 1);
	ck_assert_int_eq(data_in(), 0x33);
	ck_assert_int_eq(bd.level[I8042_AUX_IRQ], 0);
	ck_assert_uint_eq(bd.rises[I8042_KBD_IRQ], 3);
	ck_assert_int_eq(data_in(), 0x44);
	ck_assert_int_eq(bd.level[I8042_KBD_IRQ], 0);
	ck_assert_int_eq(bd.level[I8042_AUX_IRQ], 0);
	ck_assert_uint_eq(bd.rises[I8042_KBD_IRQ], 3);
	ck_assert_uint_eq(bd.rises[I8042_AUX_IRQ], 1);
}
END_TEST

START_TEST(test_random_accesses_keep_invariants)
{
	static const unsigned sizes[] = { 0, 1, 2, 4, 8, 9 };

	rnd_seed(0x8042);
	for (int i = 0; i < 100000; i++) {
		unsigned offset = rnd() % 2 ? I8042_COMMAND : rnd() % 6, size = sizes[rnd() % 6];
		uint64_t value = rnd();
		uint8_t st;

		if (rnd() % 2)
			i8042_read(&kbc, offset, size, 0);
		else
			i8042_write(&kbc, offset, size, value, 0);
		st = status();
		if (kbc.count > I8042_QUEUE || kbc.head >= I8042_QUEUE || (st & I8042_STR_IBF) ||
		    !(st & I8042_STR_OBF) != !kbc.count)
			ck_abort_msg("queue %u/%u, status %02x", kbc.count, kbc.head, st);
		if (bd.level[I8042_KBD_IRQ] != kbc.kbd_level || bd.level[I8042_AUX_IRQ] != kbc.aux_level ||
		    (kbc.kbd_level && kbc.aux_level))
			ck_abort_msg("irq levels");
	}
	ck_assert_uint_gt(bd.resets, 0);
}
END_TEST

Suite *i8042_suite(void)
{
	Suite *s = suite_create("i8042");
	TCase *tc = tcase_create("controller");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_idle_status);
	tcase_add_test(tc, test_linux_probe);
	tcase_add_test(tc, test_absent_devices_nak_at_once);
	tcase_add_test(tc, test_reset_paths);
	tcase_add_test(tc, test_output_queue_bounds);
	tcase_add_test(tc, test_each_byte_raises_its_own_edge);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, NULL, test_random_accesses_keep_invariants);
	return s;
}
