/* SPDX-License-Identifier: BSD-2-Clause */
/* MC146818 real-time clock and CMOS: see rtc.h. */
#include "rtc.h"

#define NS_PER_S         1000000000ull
#define SECS_PER_DAY     86400
#define RTC_HZ           32768u     /* the time base crystal */
#define RTC_UIP_NS       244141u    /* UIP lead: 8 cycles of 32.768 kHz */
#define RTC_RESET_A      0x26       /* 32.768 kHz running, 1024 Hz periodic rate */
#define RTC_RESET_B      RTC_B_24H  /* BCD, 24 hours */
#define RTC_YEAR_LIMIT   1000000000
#define RTC_FIRST_SECOND (-62167219200ll)  /* 0000-01-01 00:00:00: century 00, year 00 */
#define RTC_LAST_SECOND  253402300799ll    /* 9999-12-31 23:59:59: century 99, year 99 */
#define DAYS_0000_TO_1970 719468    /* days from 0000-03-01 to 1970-01-01 */
#define DAYS_PER_400Y    146097
#define UNIX_EPOCH_WDAY  4          /* 1970-01-01 was a Thursday */

/* The clock registers, rendered from (or committed to) the time. */
static const uint8_t clock_regs[] = {
	RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
	RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY,
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	int64_t r = a % b;

	return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

static bool leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap_year(y) ? 29 : days[m - 1];
}

/*
 * Civil-date arithmetic in 400-year eras of 146097 days, with years
 * starting on March 1 so that the leap day ends a year.
 */
void rtc_unix_to_date(int64_t secs, struct rtc_date *d)
{
	int64_t days = floor_div(secs, SECS_PER_DAY), tod = floor_mod(secs, SECS_PER_DAY);
	int64_t z = days + DAYS_0000_TO_1970;
	int64_t era = floor_div(z, DAYS_PER_400Y);
	int64_t doe = z - era * DAYS_PER_400Y;                                 /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                     /* March = 0 */

	d->day = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	d->month = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	d->year = yoe + era * 400 + (d->month <= 2);
	d->hour = (unsigned)(tod / 3600);
	d->minute = (unsigned)(tod / 60 % 60);
	d->second = (unsigned)(tod % 60);
	d->wday = (unsigned)floor_mod(days + UNIX_EPOCH_WDAY, 7);
}

int64_t rtc_date_to_unix(const struct rtc_date *d)
{
	int64_t y = d->year;
	unsigned m = d->month < 1 ? 1 : d->month > 12 ? 12 : d->month;
	int64_t era, yoe, doy, doe;

	if (y > RTC_YEAR_LIMIT)
		y = RTC_YEAR_LIMIT;
	if (y < -RTC_YEAR_LIMIT)
		y = -RTC_YEAR_LIMIT;
	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * ((m + 9) % 12) + 2) / 5 + (int64_t)d->day - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * DAYS_PER_400Y + doe - DAYS_0000_TO_1970) * SECS_PER_DAY +
	       (int64_t)d->hour * 3600 + (int64_t)d->minute * 60 + d->second;
}

/* ------------------------------------------------------------ register formats */

static uint8_t to_reg(const struct rtc *rtc, unsigned v)
{
	return rtc->reg_b & RTC_B_BINARY ? (uint8_t)v : (uint8_t)(v / 10 << 4 | v % 10);
}

/* BCD digits above 9 are taken at face value. */
static unsigned from_reg(const struct rtc *rtc, uint8_t r)
{
	return rtc->reg_b & RTC_B_BINARY ? r : (r >> 4) * 10u + (r & 15u);
}

static uint8_t hour_to_reg(const struct rtc *rtc, unsigned h)
{
	if (rtc->reg_b & RTC_B_24H)
		return to_reg(rtc, h);
	return (uint8_t)(to_reg(rtc, h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0));
}

/* 0-23, or 24 or more for a register that names no hour. */
static unsigned hour_from_reg(const struct rtc *rtc, uint8_t r)
{
	unsigned h;

	if (rtc->reg_b & RTC_B_24H)
		return from_reg(rtc, r);
	h = from_reg(rtc, r & ~RTC_HOUR_PM);
	if (h < 1 || h > 12)
		return 24;
	return h % 12 + (r & RTC_HOUR_PM ? 12 : 0);
}

static unsigned clamp(unsigned v, unsigned lo, unsigned hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* A clock register as the time shows it in the current format. */
static uint8_t clock_reg(const struct rtc *rtc, unsigned index)
{
	struct rtc_date d;

	rtc_unix_to_date(rtc->secs, &d);
	switch (index) {
	case RTC_SECONDS:
		return to_reg(rtc, d.second);
	case RTC_MINUTES:
		return to_reg(rtc, d.minute);
	case RTC_HOURS:
		return hour_to_reg(rtc, d.hour);
	case RTC_DAY_OF_WEEK:
		return to_reg(rtc, (d.wday + rtc->wday_offset) % 7 + 1);
	case RTC_DAY_OF_MONTH:
		return to_reg(rtc, d.day);
	case RTC_MONTH:
		return to_reg(rtc, d.month);
	case RTC_YEAR:
		return to_reg(rtc, (unsigned)floor_mod(d.year, 100));
	default:   /* RTC_CENTURY */
		return to_reg(rtc, (unsigned)floor_mod(floor_div(d.year, 100), 100));
	}
}

static bool is_clock_reg(unsigned index)
{
	for (unsigned i = 0; i < sizeof(clock_regs); i++)
		if (clock_regs[i] == index)
			return true;
	return false;
}

/* The clock registers become plain bytes the guest edits. */
static void render(struct rtc *rtc)
{
	for (unsigned i = 0; i < sizeof(clock_regs); i++)
		rtc->cmos[clock_regs[i]] = clock_reg(rtc, clock_regs[i]);
	rtc->raw = true;
}

/* The edited bytes become the time again. */
static void commit(struct rtc *rtc)
{
	struct rtc_date d;
	unsigned wday = from_reg(rtc, rtc->cmos[RTC_DAY_OF_WEEK]);

	d.year = clamp(from_reg(rtc, rtc->cmos[RTC_CENTURY]), 0, 99) * 100 +
		 clamp(from_reg(rtc, rtc->cmos[RTC_YEAR]), 0, 99);
	d.month = clamp(from_reg(rtc, rtc->cmos[RTC_MONTH]), 1, 12);
	d.day = clamp(from_reg(rtc, rtc->cmos[RTC_DAY_OF_MONTH]), 1, days_in_month(d.year, d.month));
	d.hour = clamp(hour_from_reg(rtc, rtc->cmos[RTC_HOURS]), 0, 23);
	d.minute = clamp(from_reg(rtc, rtc->cmos[RTC_MINUTES]), 0, 59);
	d.second = clamp(from_reg(rtc, rtc->cmos[RTC_SECONDS]), 0, 59);
	rtc->secs = rtc_date_to_unix(&d);
	rtc_unix_to_date(rtc->secs, &d);
	/* Keep the day of week the guest wrote, advancing at midnight. */
	rtc->wday_offset = wday >= 1 && wday <= 7 ? (uint8_t)((wday - 1 + 7 - d.wday) % 7) : 0;
	rtc->raw = false;
}

static bool alarm_field(uint8_t reg, unsigned decoded, unsigned now)
{
	return (reg & RTC_ALARM_ANY) == RTC_ALARM_ANY || decoded == now;
}

static bool alarm_matches(const struct rtc *rtc, int64_t t)
{
	int64_t tod = floor_mod(t, SECS_PER_DAY);
	const uint8_t *c = rtc->cmos;

	return alarm_field(c[RTC_SECONDS_ALARM], from_reg(rtc, c[RTC_SECONDS_ALARM]), (unsigned)(tod % 60)) &&
	       alarm_field(c[RTC_MINUTES_ALARM], from_reg(rtc, c[RTC_MINUTES_ALARM]),
			   (unsigned)(tod / 60 % 60)) &&
	       alarm_field(c[RTC_HOURS_ALARM], hour_from_reg(rtc, c[RTC_HOURS_ALARM]), (unsigned)(tod / 3600));
}

/* Whether any second in (from, from + n] matches the alarm; a day covers them all. */
static bool alarm_between(const struct rtc *rtc, int64_t from, uint64_t n)
{
	uint64_t limit = n < SECS_PER_DAY ? n : SECS_PER_DAY;

	for (uint64_t i = 1; i <= limit; i++)
		if (alarm_matches(rtc, from + (int64_t)i))
			return true;
	return false;
}

/* ------------------------------------------------------------ time base */

static uint64_t cycles_at(vdev_time_t ns)
{
	return ns / NS_PER_S * RTC_HZ + ns % NS_PER_S * RTC_HZ / NS_PER_S;
}

/* The first guest time (after the divider start) with c cycles, saturating. */
static vdev_time_t time_of_cycle(uint64_t c)
{
	uint64_t ns;

	if (__builtin_mul_overflow(c / RTC_HZ, NS_PER_S, &ns) ||
	    __builtin_add_overflow(ns, (c % RTC_HZ * NS_PER_S + RTC_HZ - 1) / RTC_HZ, &ns))
		return VDEV_NEVER;
	return ns;
}

/* Periodic interrupt period in 32.768 kHz cycles, 0 when off. */
static uint32_t periodic_cycles(const struct rtc *rtc)
{
	unsigned rs = rtc->reg_a & RTC_A_RS;

	if (rs == 0)
		return 0;
	if (rs < 3)
		rs += 7;   /* rates 1 and 2 repeat 8 and 9: 256 and 128 Hz */
	return 1u << (rs - 1);
}

static bool irqf(const struct rtc *rtc)
{
	return ((rtc->flags & RTC_C_PF) && (rtc->reg_b & RTC_B_PIE)) ||
	       ((rtc->flags & RTC_C_AF) && (rtc->reg_b & RTC_B_AIE)) ||
	       ((rtc->flags & RTC_C_UF) && (rtc->reg_b & RTC_B_UIE));
}

static void update_irq(struct rtc *rtc)
{
	bool level = irqf(rtc);

	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		vdev_irq_set(&rtc->irq, rtc->irq_line, level);
	}
}

static vdev_time_t add_sat(vdev_time_t a, uint64_t b)
{
	vdev_time_t r;

	return __builtin_add_overflow(a, b, &r) ? VDEV_NEVER : r;
}

/* Runs the update cycles and periodic flags due by now. */
static void rtc_sync(struct rtc *rtc, vdev_time_t now)
{
	uint32_t period = periodic_cycles(rtc);
	uint64_t c, k;

	if (now < rtc->last)
		now = rtc->last;
	rtc->last = now;
	if (!rtc->running)
		return;
	if (now >= rtc->next_update && rtc->next_update != VDEV_NEVER) {   /* NEVER: time ran out */
		k = (now - rtc->next_update) / NS_PER_S + 1;
		if (!(rtc->reg_b & RTC_B_SET)) {
			if (rtc->raw)
				commit(rtc);
			if (alarm_between(rtc, rtc->secs, k))
				rtc->flags |= RTC_C_AF;
			rtc->secs += (int64_t)k;
			rtc->flags |= RTC_C_UF;
		}
		rtc->next_update = add_sat(rtc->next_update, k * NS_PER_S);
	}
	c = cycles_at(now - rtc->div_start);
	if (period && c / period > rtc->pf_cycles / period)
		rtc->flags |= RTC_C_PF;
	rtc->pf_cycles = c;
}

static bool uip(const struct rtc *rtc)
{
	return rtc->running && !(rtc->reg_b & RTC_B_SET) && rtc->next_update > rtc->last &&
	       rtc->next_update - rtc->last <= RTC_UIP_NS;
}

/* ------------------------------------------------------------ registers */

static void write_reg_a(struct rtc *rtc, uint8_t v, vdev_time_t now)
{
	bool run = (v & RTC_A_DV) == RTC_A_DV_32K;

	if (run && !rtc->running) {
		/* Out of divider reset: the first update comes half a second later. */
		rtc->div_start = now;
		rtc->next_update = add_sat(now, NS_PER_S / 2);
		rtc->pf_cycles = 0;
	}
	rtc->running = run;
	rtc->reg_a = v & ~RTC_A_UIP;
}

static void write_reg_b(struct rtc *rtc, uint8_t v)
{
	uint8_t old = rtc->reg_b;

	if (v & RTC_B_SET)
		v &= ~RTC_B_UIE;   /* setting SET clears UIE */
	if ((v & RTC_B_SET) && !(old & RTC_B_SET) && !rtc->raw)
		render(rtc);       /* in the format the guest read so far */
	rtc->reg_b = v;
	if (!(v & RTC_B_SET) && (old & RTC_B_SET))
		commit(rtc);
}

static uint8_t read_data(struct rtc *rtc, unsigned index)
{
	uint8_t v;

	switch (index) {
	case RTC_REG_A:
		return rtc->reg_a | (uip(rtc) ? RTC_A_UIP : 0);
	case RTC_REG_B:
		return rtc->reg_b;
	case RTC_REG_C:
		v = rtc->flags | (irqf(rtc) ? RTC_C_IRQF : 0);
		rtc->flags = 0;
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		if (is_clock_reg(index) && !rtc->raw)
			return clock_reg(rtc, index);
		return rtc->cmos[index];
	}
}

static void write_data(struct rtc *rtc, unsigned index, uint8_t v, vdev_time_t now)
{
	switch (index) {
	case RTC_REG_A:
		write_reg_a(rtc, v, now);
		break;
	case RTC_REG_B:
		write_reg_b(rtc, v);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;   /* read-only */
	default:
		if (is_clock_reg(index) && !rtc->raw)
			render(rtc);
		rtc->cmos[index] = v;
		break;
	}
}

void rtc_init(struct rtc *rtc, const struct vdev_irq *irq, unsigned irq_line, vdev_time_t now,
	      int64_t unix_seconds)
{
	__builtin_memset(rtc, 0, sizeof(*rtc));
	if (irq)
		rtc->irq = *irq;
	rtc->irq_line = irq_line;
	rtc->reg_a = RTC_RESET_A;
	rtc->reg_b = RTC_RESET_B;
	rtc->running = true;
	/* The registers show years 0000-9999 (century byte 00-99). */
	rtc->secs = unix_seconds < RTC_FIRST_SECOND ? RTC_FIRST_SECOND :
		    unix_seconds > RTC_LAST_SECOND ? RTC_LAST_SECOND : unix_seconds;
	rtc->div_start = now;
	rtc->next_update = add_sat(now, NS_PER_S);
	rtc->last = now;
}

uint64_t rtc_read(struct rtc *rtc, unsigned offset, unsigned size, vdev_time_t now)
{
	uint8_t v;

	if (offset != 1 || size == 0 || size > 8)
		return vdev_open_bus(size);   /* the index register is write-only */
	rtc_sync(rtc, now);
	v = read_data(rtc, rtc->index & ~RTC_INDEX_NMI_OFF);
	update_irq(rtc);
	return (vdev_open_bus(size) & ~0xffull) | v;
}

void rtc_write(struct rtc *rtc, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	if (offset > 1 || size == 0 || size > 8)
		return;
	rtc_sync(rtc, now);
	if (offset == 0)
		rtc->index = (uint8_t)value;
	else
		write_data(rtc, rtc->index & ~RTC_INDEX_NMI_OFF, (uint8_t)value, rtc->last);
	update_irq(rtc);
}

vdev_time_t rtc_next_event(const struct rtc *rtc)
{
	uint32_t period = periodic_cycles(rtc);
	vdev_time_t next = VDEV_NEVER, t;

	if (!rtc->running || rtc->irq_level)
		return VDEV_NEVER;   /* nothing can raise IRQ 8 until register C is read */
	if ((rtc->reg_b & RTC_B_PIE) && period) {
		t = add_sat(rtc->div_start, time_of_cycle((rtc->pf_cycles / period + 1) * period));
		next = t < next ? t : next;
	}
	if (!(rtc->reg_b & RTC_B_SET) && (rtc->reg_b & (RTC_B_UIE | RTC_B_AIE)))
		next = rtc->next_update < next ? rtc->next_update : next;
	return next;
}

void rtc_advance(struct rtc *rtc, vdev_time_t now)
{
	rtc_sync(rtc, now);
	update_irq(rtc);
}

void rtc_cmos_set(struct rtc *rtc, unsigned index, uint8_t value)
{
	if (index > RTC_REG_D && index < RTC_CMOS_SIZE && index != RTC_CENTURY)
		rtc->cmos[index] = value;
}

uint8_t rtc_cmos_get(const struct rtc *rtc, unsigned index)
{
	if (index > RTC_REG_D && index < RTC_CMOS_SIZE && index != RTC_CENTURY)
		return rtc->cmos[index];
	return 0;
}

bool rtc_nmi_enabled(const struct rtc *rtc)
{
	return !(rtc->index & RTC_INDEX_NMI_OFF);
}
