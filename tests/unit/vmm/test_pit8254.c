/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/pit8254.c: counts and IRQ 0 edges of modes 0, 2, 3 and
 * 4 over simulated guest time, the channel 2 loops Linux calibrates the TSC
 * with (pit_calibrate_tsc, quick_pit_calibrate), latch and read-back, access
 * modes, gates, port 0x61 and BCD. Reference times are computed here with
 * 128-bit arithmetic, independently of the model's.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/pit8254.h"

#define NS 1000000000ull


/* Clock edges in (0, ns] and the first time that has k of them. */
static uint64_t ticks(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * PIT_HZ / NS);
}

static uint64_t tick_ns(uint64_t k)
{
	return (uint64_t)(((unsigned __int128)k * NS + PIT_HZ - 1) / PIT_HZ);
}

/* IRQ 0 as the PIC sees it: rising edges and their times. */
struct board {
	int level;
	unsigned rises;
	uint64_t rise_time[64];
	uint64_t now;
};

static struct pit pit;
static struct board bd;

static void board_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	ck_assert_uint_eq(line, PIT_IRQ);
	if (level && !b->level) {
		if (b->rises < 64)
			b->rise_time[b->rises] = b->now;
		b->rises++;
	}
	b->level = level;
}

static void setup(void)
{
	struct vdev_irq irq = { board_irq, &bd };

	memset(&bd, 0, sizeof(bd));
	pit_init(&pit, &irq, PIT_IRQ, 0);
}

static void out(unsigned port, uint8_t v, uint64_t now)
{
	bd.now = now;
	if (port == 0x61)
		pit_port61_write(&pit, 0, 1, v, now);
	else
		pit_write(&pit, port - 0x40, 1, v, now);
}

static uint8_t in(unsigned port, uint64_t now)
{
	bd.now = now;
	if (port == 0x61)
		return (uint8_t)pit_port61_read(&pit, 0, 1, now);
	return (uint8_t)pit_read(&pit, port - 0x40, 1, now);
}

static void advance(uint64_t now)
{
	bd.now = now;
	pit_advance(&pit, now);
}

/* Latches channel ch and reads the 16-bit count (LSB/MSB access). */
static uint16_t latched(unsigned ch, uint64_t now)
{
	uint16_t lo, hi;

	out(0x43, (uint8_t)(ch << 6), now);
	lo = in(0x40 + ch, now);
	hi = in(0x40 + ch, now);
	return (uint16_t)(lo | hi << 8);
}

static void program(unsigned ch, uint8_t mode_bits, uint16_t count, uint64_t now)
{
	out(0x43, (uint8_t)(ch << 6 | 0x30 | mode_bits), now);
	out(0x40 + ch, (uint8_t)count, now);
	out(0x40 + ch, (uint8_t)(count >> 8), now);
}

START_TEST(test_mode0_one_shot_on_channel0)
{
	uint64_t t0 = 1234567, w = ticks(t0), fire = w + 1 + 1000;

	ck_assert_uint_eq(pit_next_event(&pit), VDEV_NEVER);   /* nothing programmed */
	program(0, 0 << 1, 1000, t0);
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(fire));
	ck_assert_uint_eq(latched(0, t0), 1000);                 /* not loaded yet */
	for (uint64_t k = 0; k < 1000; k += 97)
		ck_assert_uint_eq(latched(0, tick_ns(w + 1 + k)), 1000 - k);
	advance(tick_ns(fire) - 1);
	ck_assert_uint_eq(bd.rises, 0);
	ck_assert_uint_eq(latched(0, tick_ns(fire) - 1), 1);
	advance(tick_ns(fire));
	ck_assert_uint_eq(bd.rises, 1);
	ck_assert_int_eq(bd.level, 1);                           /* OUT stays high */
	ck_assert_uint_eq(pit_next_event(&pit), VDEV_NEVER);
	/* The counter keeps counting down through zero. */
	ck_assert_uint_eq(latched(0, tick_ns(fire + 5)), 65531);
	advance(tick_ns(fire + 70000));
	ck_assert_uint_eq(bd.rises, 1);
	/* A new count restarts it and drops OUT. */
	program(0, 0, 10, tick_ns(fire + 70000));
	ck_assert_int_eq(bd.level, 0);
	advance(tick_ns(fire + 70000 + 11));
	ck_assert_uint_eq(bd.rises, 2);
}
END_TEST

START_TEST(test_mode2_periodic_rate)
{
	const unsigned latch = (PIT_HZ + 125) / 250;              /* Linux's LATCH at HZ=250 */
	uint64_t t0 = 5000, w = ticks(t0), end = 20 * NS / 1000;  /* 20 ms */
	unsigned expect = 0;

	program(0, 2 << 1, (uint16_t)latch, t0);
	while (pit_next_event(&pit) <= end)
		advance(pit_next_event(&pit));
	for (uint64_t k = 1; w + 1 + k * latch <= ticks(end); k++)
		expect++;
	ck_assert_uint_eq(expect, 4);
	ck_assert_uint_eq(bd.rises, expect);
	for (unsigned k = 0; k < expect; k++)
		ck_assert_uint_eq(bd.rise_time[k], tick_ns(w + 1 + (k + 1) * (uint64_t)latch));
	ck_assert_int_eq(bd.level, 0);                           /* pulses */
	/* Count sequence within a period: N, N-1, ..., 1. */
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 5 * latch)), latch);
	ck_assert_uint_eq(latched(0, tick_ns(w + 6 * latch)), 1);
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 6 * latch)), latch);
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 6 * latch + 17)), latch - 17);
	ck_assert_uint_eq(bd.rises, 6);
	/* Fourteen periods pass unserviced: one edge, as on the PIC's IRR. */
	advance(tick_ns(w + 1 + 20 * (uint64_t)latch));
	ck_assert_uint_eq(bd.rises, 7);
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 1 + 21 * (uint64_t)latch));
}
END_TEST

START_TEST(test_mode2_new_count_waits_for_period_end)
{
	uint64_t w = ticks(0);

	program(0, 2 << 1, 100, 0);
	/* A control word restarts the channel; mid-period, the count changes to 40. */
	out(0x43, 0x34, tick_ns(w + 1 + 30));
	out(0x40, 100, tick_ns(w + 1 + 30));
	out(0x40, 0, tick_ns(w + 1 + 30));
	out(0x40, 40, tick_ns(w + 1 + 60));
	out(0x40, 0, tick_ns(w + 1 + 60));
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 1 + 30 + 1 + 100));
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 30 + 1 + 99)), 1);
	advance(tick_ns(w + 1 + 30 + 1 + 100));
	ck_assert_uint_eq(bd.rises, 1);
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 30 + 1 + 100)), 40);
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 1 + 30 + 1 + 140));
}
END_TEST

START_TEST(test_mode3_square_wave_on_channel2)
{
	uint64_t w;

	out(0x61, PIT_P61_GATE2, 0);
	program(2, 3 << 1, 100, 0);
	w = ticks(0);
	for (uint64_t k = 0; k < 300; k++) {
		uint64_t now = tick_ns(w + 1 + k);
		bool high = k % 100 < 50;

		ck_assert_int_eq(!!(in(0x61, now) & PIT_P61_OUT2), high);
		ck_assert_uint_eq(latched(2, now), 100 - 2 * (k % 50));
	}
	/* Odd count 5: high for 3 clocks reading 5, 4, 2; low for 2 reading 5, 2. */
	program(2, 3 << 1, 5, tick_ns(w + 1000));
	w = ticks(tick_ns(w + 1000));
	{
		static const uint16_t count[5] = { 5, 4, 2, 5, 2 };
		static const bool high[5] = { 1, 1, 1, 0, 0 };

		for (uint64_t k = 0; k < 15; k++) {
			ck_assert_uint_eq(latched(2, tick_ns(w + 1 + k)), count[k % 5]);
			ck_assert_int_eq(!!(in(0x61, tick_ns(w + 1 + k)) & PIT_P61_OUT2), high[k % 5]);
		}
	}
	/* Channel 2 never touches IRQ 0, and mode 3 on channel 0 pulses once a period. */
	ck_assert_uint_eq(bd.rises, 0);
	program(0, 3 << 1, 0, tick_ns(w + 100));
	while (pit_next_event(&pit) <= tick_ns(w + 101 + 3 * 65536))
		advance(pit_next_event(&pit));
	ck_assert_uint_eq(bd.rises, 3);
	ck_assert_uint_eq(bd.rise_time[2], tick_ns(w + 101 + 3 * 65536));
}
END_TEST

/* Linux's pit_calibrate_tsc(CAL_LATCH, CAL_MS, CAL_PIT_LOOPS) with a TSC that is guest ns. */
START_TEST(test_linux_pit_calibrate_tsc)
{
	const unsigned latch = PIT_HZ / (1000 / 10), step = 700;   /* each port read costs 0.7 us */
	uint64_t now = 3 * NS + 123, t1, t2, w, tscmin = UINT64_MAX, tscmax = 0, tsc;
	unsigned pitcnt = 0;

	out(0x61, (uint8_t)((in(0x61, now) & ~0x02) | 0x01), now);
	out(0x43, 0xb0, now);
	out(0x42, latch & 0xff, now);
	out(0x42, latch >> 8, now);
	w = ticks(now);
	tsc = t1 = t2 = now;
	while (!(in(0x61, now += step) & 0x20)) {
		uint64_t delta;

		t2 = now;
		delta = t2 - tsc;
		tsc = t2;
		tscmin = delta < tscmin ? delta : tscmin;
		tscmax = delta > tscmax ? delta : tscmax;
		pitcnt++;
		EXPECT(pitcnt < 1000000);
	}
	/* OUT2 rose exactly latch + 1 clocks after the count was written. */
	ck_assert_uint_ge(now, tick_ns(w + 1 + latch));
	ck_assert_uint_lt(now - step, tick_ns(w + 1 + latch));
	ck_assert_uint_ge(pitcnt, 1000);                            /* CAL_PIT_LOOPS */
	ck_assert_uint_le(tscmax, 10 * tscmin);
	/* The calibration result: TSC ticks per ms, here ns per ms. */
	ck_assert_uint_ge((t2 - t1) / 10, 1000000 - 1000);
	ck_assert_uint_le((t2 - t1) / 10, 1000000 + 1000);
	/* OUT2 stays high; the gate closed freezes the count. */
	ck_assert(in(0x61, now + 50000) & 0x20);
	out(0x61, 0x00, now + 60000);
	ck_assert_uint_eq(latched(2, now + 60000), latched(2, now + 900000));
}
END_TEST

/* Linux's pit_verify_msb and pit_expect_msb, reads at 1 us each. */
static uint64_t qnow;

static bool verify_msb(uint8_t val)
{
	in(0x42, qnow += 1000);
	return in(0x42, qnow += 1000) == val;
}

static bool expect_msb(uint8_t val, uint64_t *tscp, uint64_t *deltap)
{
	uint64_t tsc = 0, prev = 0;
	int count;

	for (count = 0; count < 50000; count++) {
		if (!verify_msb(val))
			break;
		prev = tsc;
		tsc = qnow;
	}
	*deltap = qnow - prev;
	*tscp = tsc;
	return count > 5;
}

START_TEST(test_linux_quick_pit_calibrate)
{
	const int max_iter = 50 * PIT_HZ / 1000 / 256;
	uint64_t tsc, delta, d1, d2, khz = 0;
	int i;

	qnow = 77 * NS;
	out(0x61, (uint8_t)((in(0x61, qnow) & ~0x02) | 0x01), qnow);
	out(0x43, 0xb0, qnow);
	out(0x42, 0xff, qnow);
	out(0x42, 0xff, qnow);
	verify_msb(0);
	ck_assert(expect_msb(0xff, &tsc, &d1));
	for (i = 1; i <= max_iter; i++) {
		ck_assert(expect_msb((uint8_t)(0xff - i), &delta, &d2));
		delta -= tsc;
		ck_assert(!(i == 1 && d1 + d2 >= (delta * max_iter) >> 11));
		if (d1 + d2 >= delta >> 11)
			continue;
		ck_assert(verify_msb((uint8_t)(0xfe - i)));
		khz = delta * PIT_HZ / ((uint64_t)i * 256 * 1000);
		break;
	}
	ck_assert_int_le(i, max_iter);
	/* "Fast TSC calibration using PIT": within 500 ppm of 1 GHz. */
	ck_assert_uint_ge(khz, 1000000 - 500);
	ck_assert_uint_le(khz, 1000000 + 500);
}
END_TEST

START_TEST(test_latch_and_read_back)
{
	uint64_t w = ticks(0);
	uint8_t status;

	out(0x43, 0x34, 0);                       /* ch0, LSB/MSB, mode 2 */
	out(0x43, 0xe2, 0);                       /* read-back status of ch0 */
	status = in(0x40, 0);
	ck_assert_int_eq(status, 0x80 | 0x40 | 0x34);   /* OUT high, null count */
	out(0x40, 0x00, 0);
	out(0x40, 0x10, 0);                       /* 0x1000 */
	out(0x43, 0xe2, 0);
	ck_assert_int_eq(in(0x40, 0), 0x80 | 0x40 | 0x34);   /* loads on the next clock */
	out(0x43, 0xe2, tick_ns(w + 1));
	ck_assert_int_eq(in(0x40, tick_ns(w + 1)), 0x80 | 0x34);

	/* A latched count holds while time passes; a second latch is ignored. */
	out(0x43, 0x00, tick_ns(w + 11));
	out(0x43, 0x00, tick_ns(w + 500));
	ck_assert_int_eq(in(0x40, tick_ns(w + 900)), 0xf6);     /* 0x1000 - 10 */
	ck_assert_int_eq(in(0x40, tick_ns(w + 900)), 0x0f);
	/* Unlatched reads follow the counter. */
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x400)), 0x00);
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x400)), 0x0c);

	/* Read-back of count and status together: status first. */
	out(0x43, 0xc2, tick_ns(w + 1 + 0x0fff));
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x0fff)), 0x00 | 0x34);   /* OUT low: last clock */
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x0fff)), 0x01);
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x0fff)), 0x00);

	/* Read-back of several channels, count only. */
	program(2, 0, 0x0300, tick_ns(w + 5000));
	out(0x43, 0xda, tick_ns(w + 5000));                             /* ch0 and ch2 counts */
	ck_assert_uint_eq(latched(2, tick_ns(w + 5500)), 0x0300);        /* gate 2 is closed */
	ck_assert_int_eq(in(0x40, tick_ns(w + 5500)), 0x79);            /* 4096 - 4999 % 4096 */
	ck_assert_int_eq(in(0x40, tick_ns(w + 5500)), 0x0c);
	/* The control port reads as open bus. */
	ck_assert_uint_eq(pit_read(&pit, 3, 1, 0), 0xff);
	ck_assert_uint_eq(pit_read(&pit, 4, 1, 0), 0xff);
}
END_TEST

START_TEST(test_access_modes)
{
	uint64_t w = ticks(0);

	out(0x43, 0x10, 0);                       /* ch0 LSB only, mode 0 */
	out(0x40, 0x50, 0);
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x10)), 0x40);
	ck_assert_int_eq(in(0x40, tick_ns(w + 1 + 0x10)), 0x40);
	out(0x43, 0x20, tick_ns(w + 100));        /* MSB only */
	out(0x40, 0x12, tick_ns(w + 100));
	ck_assert_int_eq(in(0x40, tick_ns(w + 101)), 0x12);
	ck_assert_int_eq(in(0x40, tick_ns(w + 102)), 0x11);
	/* A 4-byte read returns the byte with open-bus upper bytes. */
	ck_assert_uint_eq(pit_read(&pit, 0, 4, tick_ns(w + 102)) & 0xffffff00, 0xffffff00);
	ck_assert_uint_eq(pit_read(&pit, 0, 0, 0), 0);
}
END_TEST

START_TEST(test_channel2_gate)
{
	uint64_t w = ticks(1000), g;

	/* Mode 0 with the gate closed loads but does not count. */
	program(2, 0, 50, 1000);
	ck_assert_uint_eq(latched(2, tick_ns(w + 40)), 50);
	g = w + 40;
	out(0x61, PIT_P61_GATE2, tick_ns(g));
	ck_assert_uint_eq(latched(2, tick_ns(g + 20)), 30);
	out(0x61, 0, tick_ns(g + 20));
	ck_assert_uint_eq(latched(2, tick_ns(g + 900)), 30);
	ck_assert_int_eq(in(0x61, tick_ns(g + 900)) & PIT_P61_OUT2, 0);
	out(0x61, PIT_P61_GATE2, tick_ns(g + 1000));
	ck_assert_int_eq(in(0x61, tick_ns(g + 1029)) & PIT_P61_OUT2, 0);
	ck_assert_int_eq(in(0x61, tick_ns(g + 1030)) & PIT_P61_OUT2, PIT_P61_OUT2);

	/* Mode 2: a closed gate forces OUT high and stops; opening reloads. */
	program(2, 2 << 1, 10, tick_ns(g + 2000));
	ck_assert_int_eq(in(0x61, tick_ns(g + 2001 + 9)) & PIT_P61_OUT2, 0);
	out(0x61, 0, tick_ns(g + 2001 + 9));
	ck_assert_int_eq(in(0x61, tick_ns(g + 2001 + 9)) & PIT_P61_OUT2, PIT_P61_OUT2);
	out(0x61, PIT_P61_GATE2, tick_ns(g + 3000));
	ck_assert_uint_eq(latched(2, tick_ns(g + 3001)), 10);
	ck_assert_uint_eq(latched(2, tick_ns(g + 3004)), 7);

	/* Mode 1: the rising gate triggers a one-shot, OUT low for N clocks. */
	program(2, 1 << 1, 5, tick_ns(g + 4000));
	ck_assert_int_eq(in(0x61, tick_ns(g + 4100)) & PIT_P61_OUT2, PIT_P61_OUT2);
	out(0x61, 0, tick_ns(g + 4100));
	out(0x61, PIT_P61_GATE2, tick_ns(g + 4200));
	ck_assert_int_eq(in(0x61, tick_ns(g + 4201)) & PIT_P61_OUT2, 0);
	ck_assert_int_eq(in(0x61, tick_ns(g + 4205)) & PIT_P61_OUT2, 0);
	ck_assert_int_eq(in(0x61, tick_ns(g + 4206)) & PIT_P61_OUT2, PIT_P61_OUT2);

	/* Mode 5: the rising gate triggers a one-clock low strobe after N. */
	program(2, 5 << 1, 3, tick_ns(g + 5000));
	out(0x61, 0, tick_ns(g + 5000));
	out(0x61, PIT_P61_GATE2, tick_ns(g + 5100));
	ck_assert_int_eq(in(0x61, tick_ns(g + 5103)) & PIT_P61_OUT2, PIT_P61_OUT2);
	ck_assert_int_eq(in(0x61, tick_ns(g + 5104)) & PIT_P61_OUT2, 0);
	ck_assert_int_eq(in(0x61, tick_ns(g + 5105)) & PIT_P61_OUT2, PIT_P61_OUT2);
	ck_assert_uint_eq(bd.rises, 0);
}
END_TEST

START_TEST(test_port61_bits)
{
	uint64_t w = ticks(0);
	unsigned toggles = 0;
	uint8_t prev = in(0x61, 0) & PIT_P61_REFRESH;

	out(0x61, 0xff, 0);
	ck_assert_int_eq(in(0x61, 0) & 0xcf, 0x0f);            /* bits 7:6 read 0 */
	out(0x61, 0x0c, 0);
	ck_assert_int_eq(in(0x61, 0) & 0x0f, 0x0c);
	/* The refresh bit flips every 18 clocks: Linux's delay loops poll it. */
	for (uint64_t k = 1; k <= 18 * 100; k++) {
		uint8_t r = in(0x61, tick_ns(w + k)) & PIT_P61_REFRESH;

		if (r != prev)
			toggles++;
		prev = r;
	}
	ck_assert_uint_eq(toggles, 100);
	ck_assert_uint_eq(pit_port61_read(&pit, 1, 1, 0), 0xff);
	ck_assert_uint_eq(pit_port61_read(&pit, 0, 2, 0) >> 8, 0xff);
}
END_TEST

START_TEST(test_bcd_counting)
{
	uint64_t w = ticks(0);

	out(0x43, 0x31, 0);                       /* ch0 LSB/MSB, mode 0, BCD */
	out(0x40, 0x00, 0);
	out(0x40, 0x01, 0);                       /* 100 */
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 101));
	ck_assert_uint_eq(latched(0, tick_ns(w + 2)), 0x0099);
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 45)), 0x0055);
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 101)), 0x9999);
	/* A count of 0 is 10000 in BCD. */
	program(0, 0x01 | 2 << 1, 0, tick_ns(w + 200));
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 201 + 10000));
}
END_TEST

START_TEST(test_mode4_strobe_and_control_word_resets)
{
	uint64_t w = ticks(0);

	program(0, 4 << 1, 20, 0);
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 21));
	advance(tick_ns(w + 21));
	ck_assert_uint_eq(bd.rises, 1);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_uint_eq(pit_next_event(&pit), VDEV_NEVER);    /* once only */
	/* The first byte of a mode 0 count stops it: no IRQ until the second. */
	program(0, 0, 30, tick_ns(w + 100));
	out(0x40, 0x05, tick_ns(w + 110));
	ck_assert_uint_eq(pit_next_event(&pit), VDEV_NEVER);
	advance(tick_ns(w + 200));
	ck_assert_uint_eq(bd.rises, 1);
	out(0x40, 0x00, tick_ns(w + 200));
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 206));
	/* Linux's shutdown: a control word stops everything. */
	out(0x43, 0x30, tick_ns(w + 203));
	ck_assert_uint_eq(pit_next_event(&pit), VDEV_NEVER);
	advance(tick_ns(w + 100000));
	ck_assert_uint_eq(bd.rises, 1);
}
END_TEST

START_TEST(test_long_uptime)
{
	uint64_t t0 = 40ull * 24 * 3600 * NS + 987654321;      /* 40 days */
	uint64_t w = ticks(t0);

	program(0, 2 << 1, 1193, t0);
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 1 + 1193));
	advance(tick_ns(w + 1 + 1193 * 1000ull));
	ck_assert_uint_eq(bd.rises, 1);
	ck_assert_uint_eq(pit_next_event(&pit), tick_ns(w + 1 + 1193 * 1001ull));
	ck_assert_uint_eq(latched(0, tick_ns(w + 1 + 1193 * 1001ull - 1)), 1);
	/* Time that seems to run backwards does not move the counter back. */
	ck_assert_uint_eq(latched(0, t0), 1);
}
END_TEST

START_TEST(test_random_accesses_keep_invariants)
{
	static const unsigned sizes[] = { 0, 1, 2, 4, 8, 9 };
	uint64_t now = 0;

	rnd_seed(0x8254);
	for (int i = 0; i < 100000; i++) {
		unsigned offset = rnd() % 5, size = sizes[rnd() % 6];
		uint64_t value = rnd();
		vdev_time_t next;
		uint8_t v;

		now += rnd() % 4 == 0 ? rnd() % 100000 : rnd() % 2000;
		if (rnd() % 512 == 0)
			now -= now / 4;   /* a clock going backwards must not hurt */
		switch (rnd() % 6) {
		case 0:
			pit_read(&pit, offset, size, now);
			break;
		case 1:
		case 2:
			/* Mostly counter writes, so counts get loaded. */
			pit_write(&pit, rnd() % 3 ? offset % 3 : 3, size, value, now);
			break;
		case 3:
			v = (uint8_t)pit_port61_read(&pit, 0, 1, now);
			EXPECT((v & 0xc0) == 0);
			break;
		case 4:
			pit_port61_write(&pit, 0, 1, value, now);
			break;
		default:
			advance(now);
			next = pit_next_event(&pit);
			EXPECT(next == VDEV_NEVER || next > now || ticks(now) < pit.tick);
			break;
		}
		for (unsigned c = 0; c < PIT_NR_CHANNELS; c++) {
			EXPECT(pit.ch[c].mode <= 5);
			if (pit.ch[c].loaded) {
				EXPECT(pit.ch[c].n >= 1);
				EXPECT(pit.ch[c].n <= 65536);
			}
		}
		EXPECT(bd.level == pit.irq_level);
	}
	EXPECT(bd.rises > 0);
}
END_TEST

Suite *pit8254_suite(void)
{
	Suite *s = suite_create("pit8254");
	TCase *tc = tcase_create("counters");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_mode0_one_shot_on_channel0);
	tcase_add_test(tc, test_mode2_periodic_rate);
	tcase_add_test(tc, test_mode2_new_count_waits_for_period_end);
	tcase_add_test(tc, test_mode3_square_wave_on_channel2);
	tcase_add_test(tc, test_linux_pit_calibrate_tsc);
	tcase_add_test(tc, test_linux_quick_pit_calibrate);
	tcase_add_test(tc, test_latch_and_read_back);
	tcase_add_test(tc, test_access_modes);
	tcase_add_test(tc, test_channel2_gate);
	tcase_add_test(tc, test_port61_bits);
	tcase_add_test(tc, test_bcd_counting);
	tcase_add_test(tc, test_mode4_strobe_and_control_word_resets);
	tcase_add_test(tc, test_long_uptime);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, NULL, test_random_accesses_keep_invariants);
	return s;
}
