/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/rtc.c: the date conversion across leap years and the
 * 2099/2100 turn, the clock registers in the formats of register B, the
 * update cycle and UIP timing, Linux's mc146818_get_time and
 * mc146818_set_time sequences, periodic, alarm and update-ended interrupts
 * on IRQ 8, register C and the CMOS RAM. Reference dates were computed
 * with Python's datetime.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/rtc.h"

#define NS 1000000000ull
#define MS 1000000ull


struct board {
	int level;
	unsigned rises;
};

static struct rtc rtc;
static struct board bd;
static uint64_t tnow;   /* guest time of the next port access */

static void board_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	ck_assert_uint_eq(line, RTC_IRQ);
	if (level && !b->level)
		b->rises++;
	b->level = level;
}

static void start(int64_t unix_seconds, uint64_t now)
{
	struct vdev_irq irq = { board_irq, &bd };

	memset(&bd, 0, sizeof(bd));
	tnow = now;
	rtc_init(&rtc, &irq, RTC_IRQ, now, unix_seconds);
}

/* Linux's CMOS_READ and CMOS_WRITE: index to 0x70, data through 0x71. */
static uint8_t cmos_read(unsigned index)
{
	rtc_write(&rtc, 0, 1, index, tnow);
	return (uint8_t)rtc_read(&rtc, 1, 1, tnow);
}

static void cmos_write(unsigned index, uint8_t v)
{
	rtc_write(&rtc, 0, 1, index, tnow);
	rtc_write(&rtc, 1, 1, v, tnow);
}

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10u + (v & 15u);
}

/* ------------------------------------------------------------ date conversion */

static const struct {
	int64_t secs;
	int64_t year;
	unsigned month, day, hour, minute, second, wday;
} dates[] = {
	{ 0, 1970, 1, 1, 0, 0, 0, 4 },
	{ -1, 1969, 12, 31, 23, 59, 59, 3 },
	{ 946684799, 1999, 12, 31, 23, 59, 59, 5 },
	{ 951782400, 2000, 2, 29, 0, 0, 0, 2 },
	{ 951868800, 2000, 3, 1, 0, 0, 0, 3 },
	{ 1709164800, 2024, 2, 29, 0, 0, 0, 4 },
	{ 2147483647, 2038, 1, 19, 3, 14, 7, 2 },
	{ 4102444799, 2099, 12, 31, 23, 59, 59, 4 },
	{ 4102444800, 2100, 1, 1, 0, 0, 0, 5 },
	{ 4107542399, 2100, 2, 28, 23, 59, 59, 0 },   /* 2100 is not a leap year */
	{ 4107542400, 2100, 3, 1, 0, 0, 0, 1 },
	{ 13574563200, 2400, 2, 29, 0, 0, 0, 2 },     /* 2400 is */
	{ 253402300799, 9999, 12, 31, 23, 59, 59, 5 },
	{ -62167219200, 0, 1, 1, 0, 0, 0, 6 },
};

START_TEST(test_date_conversion_known_values)
{
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++) {
		struct rtc_date d;

		rtc_unix_to_date(dates[i].secs, &d);
		ck_assert_int_eq(d.year, dates[i].year);
		ck_assert_uint_eq(d.month, dates[i].month);
		ck_assert_uint_eq(d.day, dates[i].day);
		ck_assert_uint_eq(d.hour, dates[i].hour);
		ck_assert_uint_eq(d.minute, dates[i].minute);
		ck_assert_uint_eq(d.second, dates[i].second);
		ck_assert_uint_eq(d.wday, dates[i].wday);
		d.wday = 99;   /* ignored */
		ck_assert_int_eq(rtc_date_to_unix(&d), dates[i].secs);
	}
}
END_TEST

/* Day by day from 1900 to 2500: dates step by one, February 29 exactly in leap years. */
START_TEST(test_date_conversion_walks_the_calendar)
{
	struct rtc_date prev, d;
	int64_t day0 = -2208988800;   /* 1900-01-01 */
	unsigned feb29 = 0;

	rtc_unix_to_date(day0, &prev);
	ck_assert_int_eq(prev.year, 1900);
	for (int64_t n = 1; n < 600 * 366; n++) {
		int64_t secs = day0 + n * 86400 + (n * 7919) % 86400;

		rtc_unix_to_date(secs, &d);
		EXPECT(rtc_date_to_unix(&d) == secs);
		EXPECT(d.wday == (prev.wday + 1) % 7);
		if (d.day != 1) {
			EXPECT(d.year == prev.year);
			EXPECT(d.month == prev.month);
			EXPECT(d.day == prev.day + 1);
		} else {
			EXPECT(d.month == prev.month % 12 + 1);
			EXPECT(d.year == prev.year + (d.month == 1));
		}
		if (d.month == 2 && d.day == 29) {
			EXPECT((d.year % 4 == 0 && d.year % 100 != 0) || d.year % 400 == 0);
			feb29++;
		}
		prev = d;
		if (d.year == 2500)
			break;
	}
	ck_assert_uint_eq(feb29, 600 / 4 - 4);    /* 1900, 2100, 2200, 2300 are not leap years */
}
END_TEST

START_TEST(test_date_conversion_round_trips_and_carries)
{
	struct rtc_date d;

	rnd_seed(0x146818);
	for (int i = 0; i < 100000; i++) {
		int64_t secs = (int64_t)(rnd() % 600000000000ull) - 300000000000;

		rtc_unix_to_date(secs, &d);
		EXPECT(d.month >= 1);
		EXPECT(d.month <= 12);
		EXPECT(d.day >= 1);
		EXPECT(d.day <= 31);
		EXPECT(rtc_date_to_unix(&d) == secs);
	}
	/* Out-of-range fields carry; out-of-range months and years clamp. */
	d = (struct rtc_date){ .year = 2100, .month = 2, .day = 29 };
	ck_assert_int_eq(rtc_date_to_unix(&d), 4107542400);
	d = (struct rtc_date){ .year = 2099, .month = 12, .day = 31, .hour = 23, .minute = 59, .second = 60 };
	ck_assert_int_eq(rtc_date_to_unix(&d), 4102444800);
	d = (struct rtc_date){ .year = 2000, .month = 0, .day = 1 };
	ck_assert_int_eq(rtc_date_to_unix(&d), 946684800);
	d = (struct rtc_date){ .year = INT64_MAX, .month = 99, .day = 1 };
	rtc_date_to_unix(&d);
	rtc_unix_to_date(INT64_MAX, &d);
	rtc_unix_to_date(INT64_MIN, &d);
	ck_assert_uint_le(d.second, 59);
}
END_TEST

/* ------------------------------------------------------------ clock registers */

START_TEST(test_time_registers_across_2099_2100)
{
	start(4102444795, 0);   /* 2099-12-31 23:59:55, a Thursday */
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x55);
	ck_assert_int_eq(cmos_read(RTC_MINUTES), 0x59);
	ck_assert_int_eq(cmos_read(RTC_HOURS), 0x23);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 5);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x31);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x12);
	ck_assert_int_eq(cmos_read(RTC_YEAR), 0x99);
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x20);
	tnow = 5 * NS;
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x00);
	ck_assert_int_eq(cmos_read(RTC_HOURS), 0x00);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 6);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x01);
	ck_assert_int_eq(cmos_read(RTC_YEAR), 0x00);
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x21);
	/* 2100-02-28 is followed by March 1. */
	start(4107542399, 0);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x28);
	tnow = NS;
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x03);
	/* 2024 is a leap year. */
	start(1709164800 - 1, 0);
	tnow = NS;
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x02);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x29);
}
END_TEST

START_TEST(test_initial_time_is_clamped_to_the_registers)
{
	start(INT64_MAX, 0);                          /* 9999-12-31 23:59:59 */
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x99);
	ck_assert_int_eq(cmos_read(RTC_YEAR), 0x99);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x59);
	tnow = UINT64_MAX;                            /* the end of guest time: 10584-07-20 */
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x05);
	ck_assert_int_eq(cmos_read(RTC_YEAR), 0x84);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x07);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x20);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x32);
	ck_assert_uint_eq(rtc_next_event(&rtc), VDEV_NEVER);
	start(INT64_MIN, 0);                          /* 0000-01-01 00:00:00 */
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x00);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x01);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 7);       /* a Saturday */
}
END_TEST

START_TEST(test_register_b_formats)
{
	start(4102444795, 0);                 /* 23:59:55 */
	cmos_write(RTC_REG_B, 0x00);          /* BCD, 12 hours */
	ck_assert_int_eq(cmos_read(RTC_HOURS), RTC_HOUR_PM | 0x11);
	cmos_write(RTC_REG_B, RTC_B_BINARY);  /* binary, 12 hours */
	ck_assert_int_eq(cmos_read(RTC_HOURS), RTC_HOUR_PM | 11);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 55);
	ck_assert_int_eq(cmos_read(RTC_YEAR), 99);
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 20);
	cmos_write(RTC_REG_B, RTC_B_BINARY | RTC_B_24H);
	ck_assert_int_eq(cmos_read(RTC_HOURS), 23);
	tnow = 5 * NS;                        /* midnight: 12 AM */
	cmos_write(RTC_REG_B, 0x00);
	ck_assert_int_eq(cmos_read(RTC_HOURS), 0x12);
	start(4102444800 + 12 * 3600, 0);     /* noon: 12 PM */
	cmos_write(RTC_REG_B, 0x00);
	ck_assert_int_eq(cmos_read(RTC_HOURS), RTC_HOUR_PM | 0x12);
}
END_TEST

START_TEST(test_update_cycle_and_uip)
{
	const uint64_t t0 = 7777, upd = t0 + NS;

	start(1700000000, t0);                /* 2023-11-14 22:13:20 */
	tnow = upd - 244141 - 1;
	ck_assert_int_eq(cmos_read(RTC_REG_A), 0x26);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x20);
	tnow = upd - 244141;
	ck_assert_int_eq(cmos_read(RTC_REG_A), RTC_A_UIP | 0x26);
	tnow = upd - 1;
	ck_assert_int_eq(cmos_read(RTC_REG_A), RTC_A_UIP | 0x26);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x20);
	ck_assert_int_eq(cmos_read(RTC_REG_C), RTC_C_PF);              /* 1024 Hz, PIE off */
	tnow = upd;
	ck_assert_int_eq(cmos_read(RTC_REG_A), 0x26);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x21);
	ck_assert_int_eq(cmos_read(RTC_REG_C), RTC_C_UF | RTC_C_PF);   /* flags without enables */
	ck_assert_int_eq(cmos_read(RTC_REG_C), 0);
	ck_assert_uint_eq(bd.rises, 0);
	/* The next window is one second later; UIP is never seen with SET. */
	tnow = upd + NS - 1000;
	ck_assert_int_eq(cmos_read(RTC_REG_A) & RTC_A_UIP, RTC_A_UIP);
	cmos_write(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H);
	ck_assert_int_eq(cmos_read(RTC_REG_B), RTC_B_SET | RTC_B_24H);   /* SET clears UIE */
	ck_assert_int_eq(cmos_read(RTC_REG_A) & RTC_A_UIP, 0);
	tnow = upd + 10 * NS;
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x21);                /* held by SET */
	cmos_write(RTC_REG_B, RTC_B_24H);
	tnow = upd + 11 * NS;
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x22);
	ck_assert_int_eq(cmos_read(RTC_REG_D), RTC_D_VRT);
}
END_TEST

/* Linux 6.1's mc146818_get_time, each port access taking `step` ns; returns the retries. */
static unsigned linux_get_time(uint64_t step, uint8_t f[7])
{
	unsigned retries = 0;

	for (;;) {
		uint8_t sec;

		ck_assert_int_eq(cmos_read(RTC_REG_D) & 0x40, 0);
		tnow += step;
		sec = cmos_read(RTC_SECONDS);
		tnow += step;
		if (cmos_read(RTC_REG_A) & RTC_A_UIP) {
			tnow += MS;   /* mdelay(1) */
			retries++;
			continue;
		}
		f[0] = sec;
		tnow += step;
		f[1] = cmos_read(RTC_MINUTES);
		tnow += step;
		f[2] = cmos_read(RTC_HOURS);
		tnow += step;
		f[3] = cmos_read(RTC_DAY_OF_MONTH);
		tnow += step;
		f[4] = cmos_read(RTC_MONTH);
		tnow += step;
		f[5] = cmos_read(RTC_YEAR);
		tnow += step;
		f[6] = cmos_read(RTC_CENTURY);
		tnow += step;
		if (!(cmos_read(RTC_REG_A) & RTC_A_UIP) && sec == cmos_read(RTC_SECONDS))
			return retries;
		retries++;
		ck_assert_uint_lt(retries, 100);
	}
}

START_TEST(test_linux_get_time_waits_out_the_update)
{
	uint8_t f[7];

	start(4102444799, 0);                       /* 2099-12-31 23:59:59 */
	tnow = NS - 300000;                          /* 300 us before the update */
	/* Its second UIP check fails, its next first check sees UIP: two retries. */
	ck_assert_uint_eq(linux_get_time(20000, f), 2);
	ck_assert_int_eq(f[0], 0x00);
	ck_assert_int_eq(f[1], 0x00);
	ck_assert_int_eq(f[2], 0x00);
	ck_assert_int_eq(f[3], 0x01);
	ck_assert_int_eq(f[4], 0x01);
	ck_assert_int_eq(f[5], 0x00);
	ck_assert_int_eq(f[6], 0x21);
	/* Mid-second: read at once. */
	tnow = NS + NS / 2;
	ck_assert_uint_eq(linux_get_time(20000, f), 0);
	ck_assert_int_eq(f[0], 0x00);
	ck_assert_int_eq(f[6], 0x21);
}
END_TEST

/* Linux's mc146818_set_time for a BCD RTC with the ACPI century byte. */
static void linux_set_time(unsigned year, unsigned mon, unsigned day, unsigned h, unsigned m, unsigned s)
{
	uint8_t save_control = cmos_read(RTC_REG_B), save_freq;

	cmos_write(RTC_REG_B, save_control | RTC_B_SET);
	save_freq = cmos_read(RTC_REG_A);
	cmos_write(RTC_REG_A, save_freq | 0x70);     /* RTC_DIV_RESET2 */
	cmos_write(RTC_YEAR, (uint8_t)((year % 100 / 10) << 4 | year % 10));
	cmos_write(RTC_MONTH, (uint8_t)(mon / 10 << 4 | mon % 10));
	cmos_write(RTC_DAY_OF_MONTH, (uint8_t)(day / 10 << 4 | day % 10));
	cmos_write(RTC_HOURS, (uint8_t)(h / 10 << 4 | h % 10));
	cmos_write(RTC_MINUTES, (uint8_t)(m / 10 << 4 | m % 10));
	cmos_write(RTC_SECONDS, (uint8_t)(s / 10 << 4 | s % 10));
	cmos_write(RTC_CENTURY, (uint8_t)((year / 1000) << 4 | year / 100 % 10));
	cmos_write(RTC_REG_B, save_control);
	cmos_write(RTC_REG_A, save_freq);
}

START_TEST(test_linux_set_time)
{
	start(1700000000, 0);
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	tnow = 300 * MS;
	linux_set_time(2100, 2, 28, 23, 59, 59);
	ck_assert_int_eq(cmos_read(RTC_REG_B), RTC_B_24H | RTC_B_UIE);   /* UIE restored */
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x59);
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x21);
	/* Linux leaves the day of week alone: it keeps counting from Tuesday. */
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 3);
	/* The divider restarted: the first update is 500 ms later. */
	ck_assert_uint_eq(rtc_next_event(&rtc), 800 * MS);
	tnow = 800 * MS - 1;
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x59);
	ck_assert_int_eq(cmos_read(RTC_REG_A), RTC_A_UIP | 0x26);
	ck_assert_uint_eq(bd.rises, 0);
	rtc_advance(&rtc, 800 * MS);
	ck_assert_uint_eq(bd.rises, 1);
	tnow = 800 * MS;
	/* The alarm registers are still 00:00:00, and so is the new time. */
	ck_assert_int_eq(cmos_read(RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_PF | RTC_C_AF);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x00);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x01);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x03);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 4);
	ck_assert_uint_eq(rtc_next_event(&rtc), 1800 * MS);
}
END_TEST

START_TEST(test_invalid_fields_are_clamped_and_wday_kept)
{
	start(951782400, 0);                          /* 2000-02-29, a Tuesday */
	cmos_write(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_write(RTC_MONTH, 0x13);
	cmos_write(RTC_DAY_OF_MONTH, 0x3f);          /* digit above 9: 45 */
	cmos_write(RTC_HOURS, 0x99);
	cmos_write(RTC_DAY_OF_WEEK, 0x02);           /* the guest says Monday */
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x13);   /* as written until committed */
	cmos_write(RTC_REG_B, RTC_B_24H);
	ck_assert_int_eq(cmos_read(RTC_MONTH), 0x12);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x31);
	ck_assert_int_eq(cmos_read(RTC_HOURS), 0x23);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 0x02);
	tnow = 3601ull * NS;                          /* past midnight */
	ck_assert_int_eq(cmos_read(RTC_YEAR), 0x01);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 0x03);
	/* Without SET, a write takes effect at the next update. */
	cmos_write(RTC_MINUTES, 0x30);
	ck_assert_int_eq(cmos_read(RTC_MINUTES), 0x30);
	tnow = 3602ull * NS;
	ck_assert_int_eq(cmos_read(RTC_MINUTES), 0x30);
	ck_assert_int_eq(cmos_read(RTC_HOURS), 0x00);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x02);
	/* February 29 exists in 2000 and 2400, not in 2100. */
	cmos_write(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_write(RTC_CENTURY, 0x21);
	cmos_write(RTC_YEAR, 0x00);
	cmos_write(RTC_MONTH, 0x02);
	cmos_write(RTC_DAY_OF_MONTH, 0x29);
	cmos_write(RTC_REG_B, RTC_B_24H);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x28);
	cmos_write(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_write(RTC_CENTURY, 0x24);
	cmos_write(RTC_DAY_OF_MONTH, 0x29);
	cmos_write(RTC_REG_B, RTC_B_24H);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_MONTH), 0x29);
	cmos_write(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_write(RTC_CENTURY, 0x20);
	cmos_write(RTC_YEAR, 0x01);
	cmos_write(RTC_MONTH, 0x01);
	cmos_write(RTC_DAY_OF_MONTH, 0x01);
	/* A day-of-week outside 1-7 counts as the real one. */
	cmos_write(RTC_REG_B, RTC_B_SET | RTC_B_24H);
	cmos_write(RTC_DAY_OF_WEEK, 0x09);
	cmos_write(RTC_REG_B, RTC_B_24H);
	ck_assert_int_eq(cmos_read(RTC_DAY_OF_WEEK), 0x02);   /* 2001-01-01 was a Monday */
}
END_TEST

/* ------------------------------------------------------------ interrupts */

/*
 * Runs the VMM's event loop until end, servicing IRQ 8 as Linux's rtc-cmos
 * does (reading register C); returns the interrupts taken.
 */
static unsigned run_irqs(uint64_t end, uint8_t expect_flags)
{
	unsigned n = 0;

	for (;;) {
		vdev_time_t next = rtc_next_event(&rtc);

		if (next > end)
			break;
		ck_assert_uint_gt(next, rtc.last);
		tnow = next;
		rtc_advance(&rtc, next);
		if (!bd.level)
			continue;
		ck_assert_int_eq(cmos_read(RTC_REG_C) & (expect_flags | RTC_C_IRQF),
				 expect_flags | RTC_C_IRQF);
		ck_assert_int_eq(bd.level, 0);
		n++;
	}
	tnow = end;
	return n;
}

START_TEST(test_periodic_interrupt_rates)
{
	static const struct {
		uint8_t rs;
		unsigned hz;
	} rates[] = { { 1, 256 }, { 2, 128 }, { 3, 8192 }, { 6, 1024 }, { 10, 64 }, { 15, 2 } };

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		start(0, 0);
		cmos_write(RTC_REG_A, (uint8_t)(RTC_A_DV_32K | rates[i].rs));
		cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
		ck_assert_uint_eq(run_irqs(NS, RTC_C_PF), rates[i].hz);
		ck_assert_uint_eq(bd.rises, rates[i].hz);
	}
	/* 1024 Hz: the n-th interrupt at ceil(n * 1e9 / 1024) ns. */
	start(0, 0);
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_PIE);
	for (uint64_t n = 1; n <= 5; n++) {
		ck_assert_uint_eq(rtc_next_event(&rtc), (n * NS + 1023) / 1024);
		rtc_advance(&rtc, rtc_next_event(&rtc));
		tnow = rtc.last;
		cmos_read(RTC_REG_C);
	}
	/* Unserviced, IRQF stays: no further edges, no events. */
	rtc_advance(&rtc, rtc_next_event(&rtc));
	ck_assert_uint_eq(rtc_next_event(&rtc), VDEV_NEVER);
	rtc_advance(&rtc, 2 * NS);
	ck_assert_uint_eq(bd.rises, 6);
	/* Rate 0 and a stopped divider: no periodic flag. */
	tnow = 2 * NS;
	cmos_read(RTC_REG_C);
	cmos_write(RTC_REG_A, RTC_A_DV_32K);
	tnow = 3 * NS;
	ck_assert_int_eq(cmos_read(RTC_REG_C), RTC_C_UF);
	ck_assert_uint_eq(rtc_next_event(&rtc), VDEV_NEVER);
	cmos_write(RTC_REG_A, 0x76);                  /* divider reset */
	tnow = 9 * NS;
	ck_assert_int_eq(cmos_read(RTC_REG_C), 0);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x03);
}
END_TEST

START_TEST(test_alarm_and_update_interrupts)
{
	start(1700000000, 0);                         /* 22:13:20 */
	cmos_write(RTC_HOURS_ALARM, 0x22);
	cmos_write(RTC_MINUTES_ALARM, 0x14);
	cmos_write(RTC_SECONDS_ALARM, 0x05);
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	ck_assert_uint_eq(run_irqs(44 * NS, RTC_C_AF), 0);
	ck_assert_uint_eq(run_irqs(45 * NS, RTC_C_AF), 1);   /* at 22:14:05 */
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x05);
	ck_assert_uint_eq(run_irqs(200 * NS, RTC_C_AF), 0);
	/* Don't-care hours and minutes: every minute at second 30. */
	cmos_write(RTC_HOURS_ALARM, RTC_ALARM_ANY);
	cmos_write(RTC_MINUTES_ALARM, 0xff);
	cmos_write(RTC_SECONDS_ALARM, 0x30);
	ck_assert_uint_eq(run_irqs(200 * NS + 600 * NS, RTC_C_AF), 10);
	/* Update-ended: every second. */
	cmos_read(RTC_REG_C);
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	ck_assert_uint_eq(run_irqs(800 * NS + 10 * NS, RTC_C_UF), 10);
	/* A long jump: the alarm passed while nobody looked. */
	cmos_write(RTC_REG_B, RTC_B_24H);
	cmos_write(RTC_HOURS_ALARM, 0x03);
	cmos_write(RTC_MINUTES_ALARM, 0x00);
	cmos_write(RTC_SECONDS_ALARM, 0x00);
	cmos_read(RTC_REG_C);
	tnow = 810 * NS + 2 * 86400 * NS;
	ck_assert_int_eq(cmos_read(RTC_REG_C), RTC_C_AF | RTC_C_UF | RTC_C_PF);
	/* Enabling a flag that is already set raises IRQ 8 at once. */
	tnow += 3 * NS;
	cmos_write(RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	ck_assert_int_eq(bd.level, 1);
	ck_assert_int_eq(cmos_read(RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_PF);
	/* 12-hour alarm: 10 PM is 0x90 | 0x10. */
	start(1700000000, 0);
	cmos_write(RTC_REG_B, RTC_B_AIE);
	cmos_write(RTC_HOURS_ALARM, RTC_HOUR_PM | 0x10);
	cmos_write(RTC_MINUTES_ALARM, 0x13);
	cmos_write(RTC_SECONDS_ALARM, 0x22);
	ck_assert_uint_eq(run_irqs(10 * NS, RTC_C_AF), 1);
}
END_TEST

START_TEST(test_index_port_nmi_and_ram)
{
	start(0, 0);
	ck_assert(rtc_nmi_enabled(&rtc));
	cmos_write(RTC_INDEX_NMI_OFF | 0x40, 0x5a);  /* NMI off, RAM byte 0x40 */
	ck_assert(!rtc_nmi_enabled(&rtc));
	ck_assert_int_eq(cmos_read(0x40), 0x5a);
	ck_assert(rtc_nmi_enabled(&rtc));
	ck_assert_uint_eq(rtc_cmos_get(&rtc, 0x40), 0x5a);
	rtc_cmos_set(&rtc, 0x34, 0x12);                /* e.g. memory size above 16 MB */
	ck_assert_int_eq(cmos_read(0x34), 0x12);
	rtc_cmos_set(&rtc, RTC_SECONDS, 0x99);         /* clock registers are not RAM */
	rtc_cmos_set(&rtc, RTC_CENTURY, 0x99);
	rtc_cmos_set(&rtc, 200, 0x99);
	ck_assert_int_eq(cmos_read(RTC_SECONDS), 0x00);
	ck_assert_int_eq(cmos_read(RTC_CENTURY), 0x19);
	ck_assert_uint_eq(rtc_cmos_get(&rtc, 200), 0);
	/* Read-only bits and registers. */
	cmos_write(RTC_REG_A, 0xa6);
	ck_assert_int_eq(cmos_read(RTC_REG_A), 0x26);
	cmos_write(RTC_REG_C, 0xff);
	cmos_write(RTC_REG_D, 0x00);
	ck_assert_int_eq(cmos_read(RTC_REG_D), RTC_D_VRT);
	ck_assert_int_eq(cmos_read(RTC_REG_C), 0);
	/* Port 0x70 is write-only; wide and stray accesses. */
	ck_assert_uint_eq(rtc_read(&rtc, 0, 1, 0), 0xff);
	ck_assert_uint_eq(rtc_read(&rtc, 2, 1, 0), 0xff);
	rtc_write(&rtc, 0, 4, 0x12345640, 0);
	ck_assert_uint_eq(rtc_read(&rtc, 1, 2, 0), 0xff5a);
	rtc_write(&rtc, 3, 1, 0x00, 0);
	ck_assert_uint_eq(rtc_read(&rtc, 1, 0, 0), 0);
}
END_TEST

START_TEST(test_random_accesses_keep_invariants)
{
	static const unsigned sizes[] = { 0, 1, 2, 4, 8, 9 };

	rnd_seed(0x70);
	start((int64_t)(rnd() % 8000000000ull), 0);
	for (int i = 0; i < 100000; i++) {
		unsigned offset = rnd() % 3, size = sizes[rnd() % 6];
		uint64_t value = rnd();
		vdev_time_t next;

		tnow += rnd() % 8 == 0 ? rnd() % (3 * NS) : rnd() % 300000;
		if (rnd() % 1000 == 0)
			tnow += rnd() % (5 * 86400 * NS);
		if (rnd() % 512 == 0)
			tnow -= tnow / 8;   /* a clock going backwards must not hurt */
		switch (rnd() % 5) {
		case 0:
			rtc_read(&rtc, offset, size, tnow);
			break;
		case 1:
			/* Mostly the index port with small indices, so registers get hit. */
			rtc_write(&rtc, 0, 1, rnd() % 4 ? rnd() % 16 : value, tnow);
			break;
		case 2:
			rtc_write(&rtc, offset, size, value, tnow);
			break;
		case 3:
			rtc_advance(&rtc, tnow);
			next = rtc_next_event(&rtc);
			EXPECT(next == VDEV_NEVER || next > rtc.last);
			break;
		default:
			EXPECT(cmos_read(RTC_REG_D) == RTC_D_VRT);
			EXPECT((cmos_read(RTC_REG_C) & 0x0f) == 0);
			break;
		}
		EXPECT(bd.level == rtc.irq_level);
		EXPECT((rtc.flags & ~(RTC_C_PF | RTC_C_AF | RTC_C_UF)) == 0);
		if (!rtc.raw && !(rtc.reg_b & RTC_B_BINARY) && i % 16 == 0) {
			uint8_t s = cmos_read(RTC_SECONDS), m = cmos_read(RTC_MONTH);

			EXPECT(bcd(s) <= 59);
			EXPECT(bcd(m) >= 1 && bcd(m) <= 12);
		}
	}
}
END_TEST

Suite *rtc_suite(void)
{
	Suite *s = suite_create("rtc");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, test_date_conversion_known_values);
	tcase_add_test(tc, test_date_conversion_walks_the_calendar);
	tcase_add_test(tc, test_date_conversion_round_trips_and_carries);
	tcase_add_test(tc, test_time_registers_across_2099_2100);
	tcase_add_test(tc, test_initial_time_is_clamped_to_the_registers);
	tcase_add_test(tc, test_register_b_formats);
	tcase_add_test(tc, test_update_cycle_and_uip);
	tcase_add_test(tc, test_linux_get_time_waits_out_the_update);
	tcase_add_test(tc, test_linux_set_time);
	tcase_add_test(tc, test_invalid_fields_are_clamped_and_wday_kept);
	tcase_add_test(tc, test_periodic_interrupt_rates);
	tcase_add_test(tc, test_alarm_and_update_interrupts);
	tcase_add_test(tc, test_index_port_nmi_and_ram);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", NULL, NULL, test_random_accesses_keep_invariants);
	return s;
}
