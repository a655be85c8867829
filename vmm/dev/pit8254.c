/* SPDX-License-Identifier: BSD-2-Clause */
/* 8254 programmable interval timer: see pit8254.h. */
#include "pit8254.h"

#define NS_PER_S           1000000000ull
#define PIT_NO_TICK        UINT64_MAX

#define PIT_SC_SHIFT       6     /* control word bits 7:6: counter select */
#define PIT_SC_READBACK    3     /* ... 11 is the read-back command */
#define PIT_RW_SHIFT       4     /* bits 5:4: read/write access */
#define PIT_RW_MASK        3
#define PIT_RW_LATCH       0     /* ... 00 is the counter latch command */
#define PIT_RW_LSB         1     /* LSB only */
#define PIT_RW_MSB         2     /* MSB only */
#define PIT_RW_LSB_MSB     3     /* LSB then MSB */
#define PIT_MODE_SHIFT     1     /* bits 3:1: counter mode */
#define PIT_MODE_MASK      7
#define PIT_BCD            0x01  /* bit 0: BCD counting */
#define PIT_CONTROL_BITS   0x3F  /* what the read-back status byte reports */
#define PIT_RB_NO_COUNT    0x20  /* read-back: bit 5 clear latches the counts */
#define PIT_RB_NO_STATUS   0x10  /* read-back: bit 4 clear latches the status */
#define PIT_RB_CHANNEL0    0x02  /* read-back: bits 1, 2, 3 select channels 0, 1, 2 */
#define PIT_STATUS_OUT     0x80  /* status byte: OUT pin */
#define PIT_STATUS_NULL    0x40  /* status byte: count not yet in the counting element */
#define PIT_RESET_CONTROL  0x36  /* state before the guest programs a channel: LSB/MSB, mode 3 */
#define PIT_BINARY_RANGE   65536u
#define PIT_BCD_RANGE      10000u
/* Port 0x61's refresh toggle follows the BIOS's channel 1 period: 18 clocks, 15.09 us. */
#define PIT_REFRESH_TICKS  18u

/* Clock edges in (0, ns], without 128-bit arithmetic. */
static uint64_t ticks_at(vdev_time_t ns)
{
	return ns / NS_PER_S * PIT_HZ + ns % NS_PER_S * PIT_HZ / NS_PER_S;
}

/* The first guest time at which ticks_at() reaches tick. */
static vdev_time_t time_of_tick(uint64_t tick)
{
	uint64_t ns;

	if (tick == PIT_NO_TICK || __builtin_mul_overflow(tick / PIT_HZ, NS_PER_S, &ns) ||
	    __builtin_add_overflow(ns, (tick % PIT_HZ * NS_PER_S + PIT_HZ - 1) / PIT_HZ, &ns))
		return VDEV_NEVER;
	return ns;
}

static uint32_t count_range(const struct pit_channel *ch)
{
	return ch->control & PIT_BCD ? PIT_BCD_RANGE : PIT_BINARY_RANGE;
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v & 15u) + (v >> 4 & 15u) * 10 + (v >> 8 & 15u) * 100 + (v >> 12 & 15u) * 1000;
}

static bool periodic(const struct pit_channel *ch)
{
	return ch->mode == 2 || ch->mode == 3;
}

/* Decrements (in clock edges) the counter has made by edge t. */
static uint64_t elapsed(const struct pit_channel *ch, uint64_t t)
{
	if (!ch->running)
		return ch->base;
	return ch->base + (t > ch->start ? t - ch->start : 0);
}

/*
 * Mode 3 count at position pos of a period of n edges: even n counts down
 * by two in each half; odd n is high for (n+1)/2 edges (n, n-1, n-3, ...)
 * and low for (n-1)/2 edges (n, n-3, n-5, ...).
 */
static uint32_t mode3_count(uint32_t n, uint64_t pos)
{
	uint32_t high = (n + 1) / 2;
	bool in_high = pos < high;
	uint32_t e = (uint32_t)(in_high ? pos : pos - high);

	if (e == 0)
		return n;
	if (!(n & 1))
		return n - 2 * e;
	return in_high ? n + 1 - 2 * e : n - 1 - 2 * e;
}

/* What the counter reads at edge t, in the channel's binary or BCD format. */
static uint16_t counter_value(const struct pit_channel *ch, uint64_t t)
{
	uint32_t m = count_range(ch), v;
	uint64_t e = elapsed(ch, t);

	if (!ch->loaded)
		return ch->hold;
	if (ch->mode == 2)
		v = (uint32_t)(ch->n - e % ch->n) % m;
	else if (ch->mode == 3)
		v = mode3_count(ch->n, e % ch->n) % m;
	else   /* one-shot modes keep counting down and wrap */
		v = (uint32_t)((ch->n + m - e % m) % m);
	return ch->control & PIT_BCD ? to_bcd(v) : (uint16_t)v;
}

static bool out_level(const struct pit_channel *ch, uint64_t t)
{
	uint64_t e = elapsed(ch, t);
	bool idle;

	if (!ch->loaded)
		return ch->mode != 0;   /* the control word sets OUT low in mode 0, high otherwise */
	idle = !ch->running || t < ch->start;
	switch (ch->mode) {
	case 0:
		return e >= ch->n;
	case 1:
		return idle || e >= ch->n;
	case 2:
		return idle || e % ch->n != ch->n - 1;
	case 3:
		return idle || e % ch->n < (ch->n + 1) / 2;
	default:   /* 4 and 5: low for the one clock at terminal count */
		return idle || e != ch->n;
	}
}

static bool null_count(const struct pit_channel *ch, uint64_t t)
{
	return !ch->loaded || t < ch->load_tick || ch->next_n ||
	       ((ch->mode == 1 || ch->mode == 5) && !ch->running);
}

/* The next clock edge after t where OUT rises (modes 4/5: strobes). */
static uint64_t next_edge(const struct pit_channel *ch, uint64_t t)
{
	if (!ch->loaded || !ch->running)
		return PIT_NO_TICK;
	if (periodic(ch)) {
		if (t < ch->start)
			return ch->start + ch->n;
		return ch->start + ((t - ch->start) / ch->n + 1) * ch->n;
	}
	if (ch->fired)
		return PIT_NO_TICK;
	return ch->base >= ch->n ? t : ch->start + (ch->n - ch->base);
}

static void irq_set(struct pit *pit, bool level)
{
	if (level != pit->irq_level) {
		pit->irq_level = level;
		vdev_irq_set(&pit->irq, pit->irq_line, level);
	}
}

/* Channel i up to edge t: a pending periodic count, then OUT's edge. */
static void channel_sync(struct pit *pit, unsigned i, uint64_t t)
{
	struct pit_channel *ch = &pit->ch[i];

	if (periodic(ch) && ch->running && ch->next_n && t >= ch->start + ch->n) {
		ch->start += ch->n;
		ch->load_tick = ch->start;
		ch->n = ch->next_n;
		ch->next_n = 0;
	}
	if (ch->edge_tick == PIT_NO_TICK || t < ch->edge_tick)
		return;
	if (!periodic(ch))
		ch->fired = true;
	ch->edge_tick = next_edge(ch, t);
	if (i != 0)
		return;
	irq_set(pit, true);
	/* OUT stays high after terminal count in modes 0 and 1; the others pulse. */
	if (ch->mode != 0 && ch->mode != 1)
		irq_set(pit, false);
}

/* Brings every channel to now; returns the current clock edge. */
static uint64_t pit_sync(struct pit *pit, vdev_time_t now)
{
	uint64_t t = ticks_at(now);

	if (t < pit->tick)
		t = pit->tick;   /* time never runs backwards for the counters */
	pit->tick = t;
	for (unsigned i = 0; i < PIT_NR_CHANNELS; i++)
		channel_sync(pit, i, t);
	return t;
}

/* Stops counting, keeping the count reached. */
static void freeze(struct pit_channel *ch, uint64_t t)
{
	ch->base = elapsed(ch, t);
	ch->running = false;
}

/* Loads the (next) count at the next clock edge and starts counting. */
static void restart(struct pit_channel *ch, uint64_t t)
{
	if (ch->next_n) {
		ch->n = ch->next_n;
		ch->next_n = 0;
	}
	ch->load_tick = ch->start = t + 1;
	ch->base = 0;
	ch->running = true;
	ch->fired = false;
}

static void load_count(struct pit *pit, unsigned i, uint16_t raw, uint64_t t)
{
	struct pit_channel *ch = &pit->ch[i];
	uint32_t m = count_range(ch);
	uint32_t n = (ch->control & PIT_BCD ? from_bcd(raw) : raw) % m;

	if (n == 0)
		n = m;   /* a count of 0 is the largest: 65536 or 10000 */
	if ((ch->mode == 1 || ch->mode == 5) && ch->running) {
		ch->next_n = n;   /* used from the next trigger */
	} else if (ch->mode == 1 || ch->mode == 5) {
		ch->n = n;
		ch->loaded = true;
		ch->base = 0;
	} else if (periodic(ch) && ch->loaded && ch->running) {
		/* Used from the end of the current period: count periods from its start. */
		if (t >= ch->start)
			ch->start += (t - ch->start) / ch->n * ch->n;
		ch->next_n = n;
	} else {
		ch->n = n;
		ch->next_n = 0;
		ch->loaded = true;
		ch->load_tick = ch->start = t + 1;
		ch->base = 0;
		ch->fired = false;
		ch->running = ch->gate;
	}
	ch->edge_tick = next_edge(ch, t);
	if (i == 0 && ch->mode == 0)
		irq_set(pit, false);
}

static void write_counter(struct pit *pit, unsigned i, uint8_t v, uint64_t t)
{
	struct pit_channel *ch = &pit->ch[i];

	switch (ch->control >> PIT_RW_SHIFT & PIT_RW_MASK) {
	case PIT_RW_LSB:
		load_count(pit, i, v, t);
		break;
	case PIT_RW_MSB:
		load_count(pit, i, (uint16_t)(v << 8), t);
		break;
	default:   /* PIT_RW_LSB_MSB */
		if (ch->wr_msb_next) {
			ch->wr_msb_next = false;
			load_count(pit, i, (uint16_t)(ch->wr_lsb | v << 8), t);
			break;
		}
		ch->wr_lsb = v;
		ch->wr_msb_next = true;
		if (ch->mode == 0) {
			/* In mode 0 the first byte stops the counter and sets OUT low. */
			ch->hold = counter_value(ch, t);
			ch->loaded = false;
			ch->running = false;
			ch->edge_tick = PIT_NO_TICK;
			if (i == 0)
				irq_set(pit, false);
		}
		break;
	}
}

static void latch_count(struct pit_channel *ch, uint64_t t)
{
	if (ch->count_latched)
		return;   /* the first latch holds until it is read */
	ch->latch = counter_value(ch, t);
	ch->count_latched = true;
	ch->latch_msb_next = false;
}

static void read_back(struct pit *pit, uint8_t v, uint64_t t)
{
	for (unsigned i = 0; i < PIT_NR_CHANNELS; i++) {
		struct pit_channel *ch = &pit->ch[i];

		if (!(v & (PIT_RB_CHANNEL0 << i)))
			continue;
		if (!(v & PIT_RB_NO_STATUS) && !ch->status_latched) {
			ch->status = (uint8_t)((out_level(ch, t) ? PIT_STATUS_OUT : 0) |
					       (null_count(ch, t) ? PIT_STATUS_NULL : 0) | ch->control);
			ch->status_latched = true;
		}
		if (!(v & PIT_RB_NO_COUNT))
			latch_count(ch, t);
	}
}

static void write_control(struct pit *pit, uint8_t v, uint64_t t)
{
	unsigned sc = v >> PIT_SC_SHIFT;
	struct pit_channel *ch;

	if (sc == PIT_SC_READBACK) {
		read_back(pit, v, t);
		return;
	}
	ch = &pit->ch[sc];
	if ((v >> PIT_RW_SHIFT & PIT_RW_MASK) == PIT_RW_LATCH) {
		latch_count(ch, t);
		return;
	}
	/* A control word resets the channel's logic; the count stops where it is. */
	ch->hold = counter_value(ch, t);
	ch->control = v & PIT_CONTROL_BITS;
	ch->mode = v >> PIT_MODE_SHIFT & PIT_MODE_MASK;
	if (ch->mode > 5)
		ch->mode -= 4;   /* modes 6 and 7 are 2 and 3 */
	ch->loaded = false;
	ch->running = false;
	ch->fired = false;
	ch->next_n = 0;
	ch->edge_tick = PIT_NO_TICK;
	ch->wr_msb_next = false;
	ch->rd_msb_next = false;
	ch->count_latched = false;
	ch->status_latched = false;
	if (sc == 0)
		irq_set(pit, false);
}

static uint8_t read_counter(struct pit_channel *ch, uint64_t t)
{
	unsigned rw = ch->control >> PIT_RW_SHIFT & PIT_RW_MASK;
	uint16_t v;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->count_latched) {
		v = ch->latch;
		if (rw == PIT_RW_LSB_MSB && !ch->latch_msb_next) {
			ch->latch_msb_next = true;
			return (uint8_t)v;
		}
		ch->count_latched = false;
		return rw == PIT_RW_LSB ? (uint8_t)v : (uint8_t)(v >> 8);
	}
	v = counter_value(ch, t);
	if (rw == PIT_RW_LSB)
		return (uint8_t)v;
	if (rw == PIT_RW_MSB)
		return (uint8_t)(v >> 8);
	ch->rd_msb_next = !ch->rd_msb_next;
	return ch->rd_msb_next ? (uint8_t)v : (uint8_t)(v >> 8);
}

static void set_gate(struct pit_channel *ch, bool gate, uint64_t t)
{
	if (gate == ch->gate)
		return;
	ch->gate = gate;
	if (!ch->loaded)
		return;
	if (ch->mode == 1 || ch->mode == 5) {
		if (gate)
			restart(ch, t);   /* a rising gate triggers (or retriggers) */
	} else if (periodic(ch)) {
		if (gate)
			restart(ch, t);   /* a rising gate reloads: OUT was held high */
		else
			freeze(ch, t);
	} else if (gate) {
		/* Modes 0 and 4 resume where they stopped, counting from the next edge. */
		ch->start = t > ch->load_tick ? t : ch->load_tick;
		ch->running = true;
	} else {
		freeze(ch, t);
	}
	ch->edge_tick = next_edge(ch, t);
}

void pit_init(struct pit *pit, const struct vdev_irq *irq, unsigned irq_line, vdev_time_t now)
{
	__builtin_memset(pit, 0, sizeof(*pit));
	if (irq)
		pit->irq = *irq;
	pit->irq_line = irq_line;
	pit->tick = ticks_at(now);
	for (unsigned i = 0; i < PIT_NR_CHANNELS; i++) {
		struct pit_channel *ch = &pit->ch[i];

		ch->control = PIT_RESET_CONTROL;
		ch->mode = PIT_RESET_CONTROL >> PIT_MODE_SHIFT & PIT_MODE_MASK;
		ch->gate = i != 2;   /* channels 0 and 1 have their gates tied high */
		ch->edge_tick = PIT_NO_TICK;
	}
}

uint64_t pit_read(struct pit *pit, unsigned offset, unsigned size, vdev_time_t now)
{
	uint64_t t;

	if (offset >= PIT_CONTROL || size == 0 || size > 8)
		return vdev_open_bus(size);
	t = pit_sync(pit, now);
	return (vdev_open_bus(size) & ~0xffull) | read_counter(&pit->ch[offset], t);
}

void pit_write(struct pit *pit, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	uint64_t t;

	if (offset > PIT_CONTROL || size == 0 || size > 8)
		return;
	t = pit_sync(pit, now);
	if (offset == PIT_CONTROL)
		write_control(pit, (uint8_t)value, t);
	else
		write_counter(pit, offset, (uint8_t)value, t);
}

uint64_t pit_port61_read(struct pit *pit, unsigned offset, unsigned size, vdev_time_t now)
{
	uint64_t t;
	uint8_t v;

	if (offset != 0 || size == 0 || size > 8)
		return vdev_open_bus(size);
	t = pit_sync(pit, now);
	v = pit->port61 & PIT_P61_RW;
	if (t / PIT_REFRESH_TICKS & 1)
		v |= PIT_P61_REFRESH;
	if (out_level(&pit->ch[2], t))
		v |= PIT_P61_OUT2;
	return (vdev_open_bus(size) & ~0xffull) | v;
}

void pit_port61_write(struct pit *pit, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	uint64_t t;

	if (offset != 0 || size == 0 || size > 8)
		return;
	t = pit_sync(pit, now);
	pit->port61 = (uint8_t)value & PIT_P61_RW;
	set_gate(&pit->ch[2], value & PIT_P61_GATE2, t);
}

vdev_time_t pit_next_event(const struct pit *pit)
{
	return time_of_tick(pit->ch[0].edge_tick);
}

void pit_advance(struct pit *pit, vdev_time_t now)
{
	pit_sync(pit, now);
}
