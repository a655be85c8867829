/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Local APIC model: see lapic.h. Register semantics follow the Intel SDM
 * vol. 3A, chapter "Advanced Programmable Interrupt Controller (APIC)";
 * one set of register handlers serves the xAPIC page and the x2APIC MSRs,
 * which differ only in which registers exist and how strict writes are.
 */
#include "lapic.h"

/* ------------------------------------------------------------ constants */

#define NS_PER_S 1000000000ull   /* guest time is in nanoseconds */

/* LVT entries in register order (LVT timer at 0x320, then one every 16 bytes). */
enum lvt_index { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR };

/* Writable bits of each LVT entry (SDM figure "Local Vector Table"). */
#define LVT_WMASK_TIMER   (LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED | LAPIC_LVT_TIMER_MODE)
#define LVT_WMASK_DM      (LAPIC_LVT_VECTOR | LAPIC_LVT_DM_MASK | LAPIC_LVT_MASKED)
#define LVT_WMASK_LINT    (LVT_WMASK_DM | LAPIC_LVT_POLARITY | LAPIC_LVT_LEVEL)
#define LVT_WMASK_ERROR   (LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED)

static const uint32_t lvt_wmask[LAPIC_LVT_COUNT] = {
	[LVT_TIMER] = LVT_WMASK_TIMER,   [LVT_THERMAL] = LVT_WMASK_DM,
	[LVT_PERF] = LVT_WMASK_DM,       [LVT_LINT0] = LVT_WMASK_LINT,
	[LVT_LINT1] = LVT_WMASK_LINT,    [LVT_ERROR] = LVT_WMASK_ERROR,
};

/* Bits that are defined (writable or read-only); others are reserved. */
static const uint32_t lvt_defined[LAPIC_LVT_COUNT] = {
	[LVT_TIMER] = LVT_WMASK_TIMER | LAPIC_LVT_DS,
	[LVT_THERMAL] = LVT_WMASK_DM | LAPIC_LVT_DS,
	[LVT_PERF] = LVT_WMASK_DM | LAPIC_LVT_DS,
	[LVT_LINT0] = LVT_WMASK_LINT | LAPIC_LVT_DS | LAPIC_LVT_REMOTE_IRR,
	[LVT_LINT1] = LVT_WMASK_LINT | LAPIC_LVT_DS | LAPIC_LVT_REMOTE_IRR,
	[LVT_ERROR] = LVT_WMASK_ERROR | LAPIC_LVT_DS,
};

#define TPR_MASK       0xFFu                         /* TPR bits 7:0 */
#define PRIO_CLASS     0xF0u                         /* priority class: vector bits 7:4 */
#define SVR_WMASK      (LAPIC_SVR_VECTOR | LAPIC_SVR_ENABLE | LAPIC_SVR_FOCUS_OFF)
#define SVR_RESET      0xFFu                         /* spurious vector 0xFF, disabled */
#define XAPIC_ID_MASK  0xFF000000u                   /* xAPIC ID in bits 31:24 */
#define XAPIC_ID_SHIFT 24
#define LDR_XAPIC_MASK 0xFF000000u                   /* xAPIC logical ID in bits 31:24 */
#define DFR_MODEL_MASK 0xF0000000u                   /* DFR model bits 31:28, rest read as 1 */
#define DFR_FLAT       0xFu                          /* DFR model 1111b: flat */
/* ICR low writable bits: vector, delivery mode, destination mode, level, trigger, shorthand. */
#define ICR_LO_WMASK   0x000CCFFFu
#define ICR_HI_WMASK   0xFF000000u                   /* xAPIC destination bits 63:56 */
#define TDCR_WMASK     0xBu                          /* divide value bits 0, 1 and 3 */
#define X2APIC_BROADCAST 0xFFFFFFFFu                 /* x2APIC broadcast destination */
#define XAPIC_BROADCAST  0xFFu                       /* xAPIC broadcast destination */
#define X2APIC_CLUSTER_SHIFT 16                      /* x2APIC LDR: cluster in bits 31:16 */
#define X2APIC_MEMBER_MASK 0xFFFFu                   /* x2APIC LDR: one bit per member, 15:0 */
#define X2APIC_MEMBER_BITS 4                         /* ID[3:0] picks the member bit */
#define XAPIC_CLUSTER_SHIFT 4                        /* cluster model: cluster in bits 7:4 */
#define XAPIC_MEMBER_MASK 0xFu                       /* cluster model: members in bits 3:0 */
#define DFR_MODEL_SHIFT 28
#define APIC_BASE_RESERVED_LOW (0xFFull | 1ull << 9) /* IA32_APIC_BASE bits 7:0 and 9 */
#define DEFAULT_PHYS_BITS 36u                        /* MAXPHYADDR when the VMM gives none */

/* Results of a register access, shared by the xAPIC and x2APIC interfaces. */
enum reg_status {
	REG_OK,
	REG_ABSENT,       /* no such register in this mode (xAPIC: illegal register address) */
	REG_READ_ONLY,    /* write to a read-only register */
	REG_WRITE_ONLY,   /* read of a write-only register */
	REG_RESERVED,     /* reserved bits set (x2APIC faults, xAPIC drops them) */
};

/* ------------------------------------------------------------ arithmetic */

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	uint64_t r;

	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

/*
 * floor(ns * hz / 10^9) without 128-bit arithmetic: split ns into whole
 * seconds and the rest (< 2^30), so r * hz stays below 2^64 for hz <= 2^34.
 */
static uint64_t ns_to_ticks(uint64_t ns, uint64_t hz)
{
	return sat_add(sat_mul(ns / NS_PER_S, hz), ns % NS_PER_S * hz / NS_PER_S);
}

/* ceil(ticks * 10^9 / hz): the first ns at which ns_to_ticks reaches ticks. */
static uint64_t ticks_to_ns(uint64_t ticks, uint64_t hz)
{
	uint64_t r = ticks % hz;

	return sat_add(sat_mul(ticks / hz, NS_PER_S), (r * NS_PER_S + hz - 1) / hz);
}

/* ------------------------------------------------------------ 256-bit vector sets */

static bool vec_test(const uint32_t *set, unsigned v)
{
	return set[v / 32 % 8] >> (v % 32) & 1;
}

static void vec_set(uint32_t *set, unsigned v)
{
	set[v / 32 % 8] |= 1u << (v % 32);
}

static void vec_clear(uint32_t *set, unsigned v)
{
	set[v / 32 % 8] &= ~(1u << (v % 32));
}

/* The highest vector in the set, or -1. */
static int vec_highest(const uint32_t *set)
{
	for (int i = 7; i >= 0; i--)
		if (set[i])
			return i * 32 + 31 - __builtin_clz(set[i]);
	return -1;
}

/* ------------------------------------------------------------ modes */

bool lapic_hw_enabled(const struct lapic *l)
{
	return l->apic_base & APIC_BASE_EN;
}

bool lapic_x2apic_mode(const struct lapic *l)
{
	return lapic_hw_enabled(l) && (l->apic_base & APIC_BASE_EXTD);
}

bool lapic_mmio_enabled(const struct lapic *l)
{
	return lapic_hw_enabled(l) && !(l->apic_base & APIC_BASE_EXTD);
}

uint64_t lapic_mmio_base(const struct lapic *l)
{
	return l->apic_base & ~((1ull << APIC_BASE_ADDR_SHIFT) - 1) &
	       ((1ull << l->cfg.phys_bits) - 1);
}

static bool sw_enabled(const struct lapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

/* The physical APIC ID as destinations compare it. */
static uint32_t own_id(const struct lapic *l)
{
	return lapic_x2apic_mode(l) ? l->cfg.apic_id : l->xapic_id >> XAPIC_ID_SHIFT;
}

/* x2APIC logical ID: cluster ID[19:4] in bits 31:16, one bit for ID[3:0] (SDM 11.12.10.2). */
static uint32_t x2apic_ldr(uint32_t id)
{
	return (id >> X2APIC_MEMBER_BITS) << X2APIC_CLUSTER_SHIFT |
	       1u << (id & ((1u << X2APIC_MEMBER_BITS) - 1));
}

/* ------------------------------------------------------------ interrupts */

uint32_t lapic_ppr(const struct lapic *l)
{
	int isrv = vec_highest(l->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & PRIO_CLASS;

	return (l->tpr & PRIO_CLASS) >= isr_class ? l->tpr & TPR_MASK : isr_class;
}

/* Records an error; an unmasked LVT error entry interrupts (without recursing on itself). */
static void signal_error(struct lapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[LVT_ERROR];
	unsigned vector = lvt & LAPIC_LVT_VECTOR;

	l->esr_pending |= bits;
	if (lvt & LAPIC_LVT_MASKED || !lapic_hw_enabled(l) || !sw_enabled(l))
		return;
	if (vector < LAPIC_FIRST_VECTOR) {
		l->esr_pending |= LAPIC_ESR_RECV_ILLEGAL_VECTOR;
		return;
	}
	vec_set(l->irr, vector);
	vec_clear(l->tmr, vector);
	l->accepted++;
}

bool lapic_accept_irq(struct lapic *l, uint8_t vector, bool level_triggered)
{
	if (!lapic_hw_enabled(l) || !sw_enabled(l))
		return false;
	if (vector < LAPIC_FIRST_VECTOR) {
		signal_error(l, LAPIC_ESR_RECV_ILLEGAL_VECTOR);
		return false;
	}
	vec_set(l->irr, vector);
	if (level_triggered)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
	l->accepted++;
	return true;
}

int lapic_pending_vector(const struct lapic *l)
{
	int v = vec_highest(l->irr);

	if (!lapic_hw_enabled(l) || v < 0 || l->vid)
		return -1;
	return ((uint32_t)v & PRIO_CLASS) > (lapic_ppr(l) & PRIO_CLASS) ? v : -1;
}

int lapic_requested_vector(const struct lapic *l)
{
	return lapic_hw_enabled(l) ? vec_highest(l->irr) : -1;
}

bool lapic_ack(struct lapic *l, uint8_t vector)
{
	if (!vec_test(l->irr, vector))
		return false;
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
	return true;
}

void lapic_set_vid(struct lapic *l, bool on)
{
	if (!on)
		for (unsigned i = 0; i < 8; i++)
			l->irr[i] |= l->vid_irr[i];   /* posted, not taken: ours again */
	for (unsigned i = 0; i < 8; i++)
		l->vid_irr[i] = 0;
	l->vid = on;
}

int lapic_post(struct lapic *l, bool *level)
{
	int v = lapic_requested_vector(l);

	if (!l->vid || v < 0)
		return -1;
	vec_clear(l->irr, (unsigned)v);
	*level = vec_test(l->tmr, (unsigned)v);
	return v;
}

void lapic_vid_state(struct lapic *l, const uint32_t irr[8], const uint32_t isr[8])
{
	for (unsigned i = 0; i < 8; i++) {
		l->vid_irr[i] = irr[i];
		l->isr[i] = isr[i];
	}
}

/* Retires vector from service; a level-triggered one goes back to the IOAPIC. */
void lapic_eoi_vector(struct lapic *l, uint8_t vector)
{
	vec_clear(l->isr, vector);
	if (vec_test(l->tmr, vector) && l->cfg.eoi)
		l->cfg.eoi(l->cfg.ctx, vector);
}

/* EOI: retire the highest in-service vector. */
static void eoi(struct lapic *l)
{
	int v = vec_highest(l->isr);

	if (v >= 0)
		lapic_eoi_vector(l, (uint8_t)v);
}

/* ICR write: a fixed IPI to this APIC is delivered here, everything else by the board. */
static void send_ipi(struct lapic *l)
{
	uint32_t lo = l->icr_lo & ~LAPIC_ICR_BUSY;
	uint32_t dest = lapic_x2apic_mode(l) ? l->icr_hi : l->icr_hi >> XAPIC_ID_SHIFT;
	uint32_t dm = lo & LAPIC_ICR_DM_MASK, sh = lo & LAPIC_ICR_SH_MASK;
	unsigned vector = lo & LAPIC_ICR_VECTOR;
	bool to_self = sh == LAPIC_ICR_SH_SELF ||
		       (sh == LAPIC_ICR_SH_NONE && !(lo & LAPIC_ICR_LOGICAL) && dest == own_id(l));

	if ((dm == LAPIC_ICR_DM_FIXED || dm == LAPIC_ICR_DM_LOWEST) && vector < LAPIC_FIRST_VECTOR) {
		signal_error(l, LAPIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (to_self && dm == LAPIC_ICR_DM_FIXED) {
		lapic_accept_irq(l, (uint8_t)vector, false);   /* IPIs are edge triggered */
		return;
	}
	if (l->cfg.ipi)
		l->cfg.ipi(l->cfg.ctx, (uint64_t)dest << 32 | lo);
}

bool lapic_match_dest(const struct lapic *l, uint32_t dest, bool logical)
{
	if (!lapic_hw_enabled(l))
		return false;
	if (lapic_x2apic_mode(l)) {
		if (dest == X2APIC_BROADCAST)
			return true;
		if (!logical)
			return dest == l->cfg.apic_id;
		return dest >> X2APIC_CLUSTER_SHIFT == l->ldr >> X2APIC_CLUSTER_SHIFT &&
		       (dest & l->ldr & X2APIC_MEMBER_MASK);
	}
	dest &= XAPIC_BROADCAST;
	if (dest == XAPIC_BROADCAST)
		return true;
	if (!logical)
		return dest == l->xapic_id >> XAPIC_ID_SHIFT;
	uint32_t lid = l->ldr >> XAPIC_ID_SHIFT;
	if (l->dfr >> DFR_MODEL_SHIFT == DFR_FLAT)
		return dest & lid;
	return dest >> XAPIC_CLUSTER_SHIFT == lid >> XAPIC_CLUSTER_SHIFT &&   /* cluster model */
	       (dest & lid & XAPIC_MEMBER_MASK);
}

bool lapic_accepts_pic_intr(const struct lapic *l)
{
	uint32_t lint0 = l->lvt[LVT_LINT0];

	if (!lapic_hw_enabled(l))
		return true;
	return !(lint0 & LAPIC_LVT_MASKED) && (lint0 & LAPIC_LVT_DM_MASK) == LAPIC_LVT_DM_EXTINT;
}

/* ------------------------------------------------------------ timer */

static uint32_t timer_mode(const struct lapic *l)
{
	return l->lvt[LVT_TIMER] & LAPIC_LVT_TIMER_MODE;
}

static bool timer_deadline_mode(const struct lapic *l)
{
	return timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE;
}

/* Divide configuration bits 3,1:0 = 000b..110b divide by 2..128, 111b by 1: as a shift. */
static unsigned timer_shift(const struct lapic *l)
{
	unsigned v = (l->timer_dcr & 3) | (l->timer_dcr >> 1 & 4);

	return v == 7 ? 0 : v + 1;
}

/* Counts the timer has decremented since the countdown started. */
static uint64_t timer_counts(const struct lapic *l, vdev_time_t now)
{
	if (now <= l->timer_start)
		return 0;
	return ns_to_ticks(now - l->timer_start, l->cfg.bus_hz) >> timer_shift(l);
}

/* Counts from start to the next expiry not yet handled. */
static uint64_t timer_next_count(const struct lapic *l)
{
	return sat_add(l->timer_first, sat_mul(l->timer_fired, l->timer_icr));
}

/* Current count register: what is left until the next expiry (advance ran first). */
static uint32_t timer_current(const struct lapic *l, vdev_time_t now)
{
	uint64_t counts, next;

	if (!l->timer_armed || timer_deadline_mode(l))
		return 0;
	counts = timer_counts(l, now);
	next = timer_next_count(l);
	return counts >= next ? 0 : (uint32_t)(next - counts);
}

static void timer_stop(struct lapic *l)
{
	l->timer_armed = false;
	l->timer_fired = 0;
}

static void timer_start(struct lapic *l, uint64_t first, vdev_time_t now)
{
	l->timer_armed = true;
	l->timer_start = now;
	l->timer_first = first;
	l->timer_fired = 0;
}

uint64_t lapic_tsc(const struct lapic *l, vdev_time_t now)
{
	return l->cfg.tsc_offset + ns_to_ticks(now, l->cfg.tsc_hz);
}

vdev_time_t lapic_next_event(const struct lapic *l)
{
	uint64_t ticks;

	/* A masked timer still counts, but advance() catches up on the next access. */
	if (l->lvt[LVT_TIMER] & LAPIC_LVT_MASKED)
		return VDEV_NEVER;
	if (timer_deadline_mode(l)) {
		if (!l->tsc_deadline)
			return VDEV_NEVER;
		if (l->tsc_deadline <= l->cfg.tsc_offset)
			return 0;
		return ticks_to_ns(l->tsc_deadline - l->cfg.tsc_offset, l->cfg.tsc_hz);
	}
	if (!l->timer_armed)
		return VDEV_NEVER;
	ticks = timer_next_count(l);
	ticks = ticks > UINT64_MAX >> timer_shift(l) ? UINT64_MAX : ticks << timer_shift(l);
	return sat_add(l->timer_start, ticks_to_ns(ticks, l->cfg.bus_hz));
}

/* The timer fires: its LVT vector, unless masked (the count goes on regardless). */
static void timer_fire(struct lapic *l)
{
	uint32_t lvt = l->lvt[LVT_TIMER];

	if (!(lvt & LAPIC_LVT_MASKED))
		lapic_accept_irq(l, (uint8_t)(lvt & LAPIC_LVT_VECTOR), false);
}

void lapic_advance(struct lapic *l, vdev_time_t now)
{
	if (!lapic_hw_enabled(l))
		return;
	if (timer_deadline_mode(l)) {
		/* Firing disarms the timer and clears IA32_TSC_DEADLINE (SDM 11.5.4.1). */
		if (l->tsc_deadline && lapic_tsc(l, now) >= l->tsc_deadline) {
			l->tsc_deadline = 0;
			timer_fire(l);
		}
		return;
	}
	if (!l->timer_armed)
		return;
	uint64_t counts = timer_counts(l, now);
	if (counts < timer_next_count(l))
		return;
	if (timer_mode(l) == LAPIC_TIMER_PERIODIC) {
		/* Periods missed since the last access collapse into one interrupt, as in IRR. */
		l->timer_fired = 1 + (counts - l->timer_first) / l->timer_icr;
	} else {
		timer_stop(l);
	}
	timer_fire(l);
}

/* LVT timer write: switching to or from TSC-deadline mode disarms the timer. */
static void write_lvt_timer(struct lapic *l, uint32_t val)
{
	bool was_deadline = timer_deadline_mode(l);

	l->lvt[LVT_TIMER] = val;
	if (was_deadline != timer_deadline_mode(l)) {
		timer_stop(l);
		l->timer_icr = 0;
		l->tsc_deadline = 0;
	}
}

static void write_timer_icr(struct lapic *l, uint32_t val, vdev_time_t now)
{
	if (timer_deadline_mode(l))
		return;   /* ignored in TSC-deadline mode */
	l->timer_icr = val;
	if (val)
		timer_start(l, val, now);
	else
		timer_stop(l);
}

/* A new divider changes the rate from now on: the count left carries over. */
static void write_timer_dcr(struct lapic *l, uint32_t val, vdev_time_t now)
{
	uint32_t left = timer_current(l, now);

	l->timer_dcr = val & TDCR_WMASK;
	if (l->timer_armed && !timer_deadline_mode(l) && left)
		timer_start(l, left, now);
}

/* ------------------------------------------------------------ reset */

void lapic_reset(struct lapic *l)
{
	__builtin_memset(l->irr, 0, sizeof(l->irr));
	__builtin_memset(l->isr, 0, sizeof(l->isr));
	__builtin_memset(l->tmr, 0, sizeof(l->tmr));
	for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	l->tpr = 0;
	l->ldr = lapic_x2apic_mode(l) ? x2apic_ldr(l->cfg.apic_id) : 0;
	l->dfr = ~0u;
	l->svr = SVR_RESET;
	l->esr = l->esr_pending = 0;
	l->icr_lo = l->icr_hi = 0;
	l->timer_icr = l->timer_dcr = 0;
	l->tsc_deadline = 0;
	timer_stop(l);
	l->timer_start = l->timer_first = 0;
}

static uint64_t clamp_hz(uint64_t hz)
{
	return hz < 1 ? 1 : hz > LAPIC_MAX_HZ ? LAPIC_MAX_HZ : hz;
}

void lapic_init(struct lapic *l, const struct lapic_config *cfg)
{
	__builtin_memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	l->cfg.bus_hz = clamp_hz(cfg->bus_hz);
	l->cfg.tsc_hz = clamp_hz(cfg->tsc_hz);
	if (cfg->phys_bits < 32 || cfg->phys_bits > 52)
		l->cfg.phys_bits = DEFAULT_PHYS_BITS;
	l->xapic_id = cfg->apic_id << XAPIC_ID_SHIFT;
	l->apic_base = LAPIC_DEFAULT_BASE | APIC_BASE_EN | (cfg->bsp ? APIC_BASE_BSP : 0);
	lapic_reset(l);
}

/* ------------------------------------------------------------ registers */

static bool in_range(unsigned reg, unsigned first, unsigned count)
{
	return reg >= first && reg < first + count * 0x10;
}

static enum reg_status reg_read(struct lapic *l, unsigned reg, uint32_t *val, vdev_time_t now)
{
	bool x2 = lapic_x2apic_mode(l);

	*val = 0;
	if (in_range(reg, LAPIC_ISR, 8)) {
		*val = l->isr[(reg - LAPIC_ISR) >> 4];
		return REG_OK;
	}
	if (in_range(reg, LAPIC_TMR, 8)) {
		*val = l->tmr[(reg - LAPIC_TMR) >> 4];
		return REG_OK;
	}
	if (in_range(reg, LAPIC_IRR, 8)) {
		*val = l->irr[(reg - LAPIC_IRR) >> 4] | l->vid_irr[(reg - LAPIC_IRR) >> 4];
		return REG_OK;
	}
	if (in_range(reg, LAPIC_LVT_TIMER, LAPIC_LVT_COUNT)) {
		*val = l->lvt[(reg - LAPIC_LVT_TIMER) >> 4];
		return REG_OK;
	}
	switch (reg) {
	case LAPIC_ID:
		*val = x2 ? l->cfg.apic_id : l->xapic_id;
		return REG_OK;
	case LAPIC_VER:
		*val = LAPIC_VERSION | (LAPIC_LVT_COUNT - 1) << LAPIC_VER_MAXLVT_SHIFT;
		return REG_OK;
	case LAPIC_TPR:
		*val = l->tpr;
		return REG_OK;
	case LAPIC_APR:
	case LAPIC_RRD:
		return x2 ? REG_ABSENT : REG_OK;   /* xAPIC: read as 0 (no arbitration, no remote read) */
	case LAPIC_PPR:
		*val = lapic_ppr(l);
		return REG_OK;
	case LAPIC_EOI:
		return x2 ? REG_WRITE_ONLY : REG_OK;
	case LAPIC_LDR:
		*val = l->ldr;
		return REG_OK;
	case LAPIC_DFR:
		*val = l->dfr;
		return x2 ? REG_ABSENT : REG_OK;
	case LAPIC_SVR:
		*val = l->svr;
		return REG_OK;
	case LAPIC_ESR:
		*val = l->esr;
		return REG_OK;
	case LAPIC_ICR_LO:
		*val = l->icr_lo;   /* delivery status always idle: IPIs arrive at once */
		return REG_OK;
	case LAPIC_ICR_HI:
		*val = l->icr_hi;
		return x2 ? REG_ABSENT : REG_OK;
	case LAPIC_TIMER_ICR:
		*val = l->timer_icr;
		return REG_OK;
	case LAPIC_TIMER_CCR:
		*val = timer_current(l, now);
		return REG_OK;
	case LAPIC_TIMER_DCR:
		*val = l->timer_dcr;
		return REG_OK;
	case LAPIC_SELF_IPI:
		return x2 ? REG_WRITE_ONLY : REG_ABSENT;
	default:
		return REG_ABSENT;
	}
}

/* Checks val against the defined bits: x2APIC faults on reserved bits (SDM 11.12.1.3). */
static enum reg_status reserved(uint32_t val, uint32_t defined)
{
	return val & ~defined ? REG_RESERVED : REG_OK;
}

/*
 * Whether a write of val to reg is allowed in the current mode, without
 * side effects: the x2APIC interface faults on anything but REG_OK (a
 * faulting WRMSR changes nothing); the xAPIC page ignores read-only
 * registers, drops reserved bits and flags absent registers in ESR.
 */
static enum reg_status reg_check_write(const struct lapic *l, unsigned reg, uint32_t val)
{
	bool x2 = lapic_x2apic_mode(l);

	if (in_range(reg, LAPIC_ISR, 8) || in_range(reg, LAPIC_TMR, 8) ||
	    in_range(reg, LAPIC_IRR, 8))
		return REG_READ_ONLY;
	if (in_range(reg, LAPIC_LVT_TIMER, LAPIC_LVT_COUNT))
		return reserved(val, lvt_defined[(reg - LAPIC_LVT_TIMER) >> 4]);
	switch (reg) {
	case LAPIC_ID:
	case LAPIC_LDR:
		return x2 ? REG_READ_ONLY : REG_OK;   /* x2APIC: set by hardware, LDR derived */
	case LAPIC_VER:
	case LAPIC_PPR:
	case LAPIC_TIMER_CCR:
		return REG_READ_ONLY;
	case LAPIC_APR:
	case LAPIC_RRD:
		return x2 ? REG_ABSENT : REG_READ_ONLY;
	case LAPIC_DFR:
	case LAPIC_ICR_HI:
		return x2 ? REG_ABSENT : REG_OK;
	case LAPIC_TPR:
		return reserved(val, TPR_MASK);
	case LAPIC_EOI:
	case LAPIC_ESR:
		return x2 && val ? REG_RESERVED : REG_OK;   /* x2APIC: only 0 may be written */
	case LAPIC_SVR:
		return reserved(val, SVR_WMASK);
	case LAPIC_ICR_LO:
		return reserved(val, ICR_LO_WMASK | LAPIC_ICR_BUSY);
	case LAPIC_TIMER_ICR:
		return REG_OK;
	case LAPIC_TIMER_DCR:
		return reserved(val, TDCR_WMASK);
	case LAPIC_SELF_IPI:
		return x2 ? reserved(val, LAPIC_ICR_VECTOR) : REG_ABSENT;
	default:
		return REG_ABSENT;
	}
}

static void write_lvt(struct lapic *l, unsigned i, uint32_t val)
{
	uint32_t v = val & lvt_wmask[i];

	if (!sw_enabled(l))
		v |= LAPIC_LVT_MASKED;   /* software disabled: LVTs stay masked */
	if (i == LVT_TIMER)
		write_lvt_timer(l, v);
	else
		l->lvt[i] = v;
}

static void write_svr(struct lapic *l, uint32_t val)
{
	l->svr = val & SVR_WMASK;
	if (!sw_enabled(l))
		for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++)
			l->lvt[i] |= LAPIC_LVT_MASKED;
}

/* A write reg_check_write allowed (REG_OK, or REG_RESERVED from the xAPIC page). */
static void reg_write(struct lapic *l, unsigned reg, uint32_t val, vdev_time_t now)
{
	if (in_range(reg, LAPIC_LVT_TIMER, LAPIC_LVT_COUNT)) {
		write_lvt(l, (reg - LAPIC_LVT_TIMER) >> 4, val);
		return;
	}
	switch (reg) {
	case LAPIC_ID:
		l->xapic_id = val & XAPIC_ID_MASK;
		break;
	case LAPIC_TPR:
		l->tpr = val & TPR_MASK;
		break;
	case LAPIC_EOI:
		eoi(l);
		break;
	case LAPIC_LDR:
		l->ldr = val & LDR_XAPIC_MASK;
		break;
	case LAPIC_DFR:
		l->dfr = (val & DFR_MODEL_MASK) | ~DFR_MODEL_MASK;
		break;
	case LAPIC_SVR:
		write_svr(l, val);
		break;
	case LAPIC_ESR:
		/* Write then read: the write latches the errors seen since the last one. */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		l->icr_lo = val & ICR_LO_WMASK;
		send_ipi(l);
		break;
	case LAPIC_ICR_HI:
		l->icr_hi = val & ICR_HI_WMASK;
		break;
	case LAPIC_TIMER_ICR:
		write_timer_icr(l, val, now);
		break;
	case LAPIC_TIMER_DCR:
		write_timer_dcr(l, val, now);
		break;
	case LAPIC_SELF_IPI:
		/* Same as a fixed, edge, self-shorthand IPI through the ICR (SDM 11.12.11). */
		if (val < LAPIC_FIRST_VECTOR)
			signal_error(l, LAPIC_ESR_SEND_ILLEGAL_VECTOR);
		else
			lapic_accept_irq(l, (uint8_t)val, false);
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------ xAPIC page */

uint64_t lapic_mmio_read(struct lapic *l, uint64_t offset, unsigned size, vdev_time_t now)
{
	unsigned in_slot = offset & 0xF;
	uint32_t val;

	if (!lapic_mmio_enabled(l))
		return vdev_open_bus(size);
	lapic_advance(l, now);
	if (offset >= LAPIC_MMIO_SIZE || (size != 1 && size != 2 && size != 4) ||
	    in_slot + size > 4)
		return 0;
	if (reg_read(l, (unsigned)offset & ~0xFu, &val, now) == REG_ABSENT) {
		signal_error(l, LAPIC_ESR_ILLEGAL_REGISTER);
		return 0;
	}
	val >>= in_slot * 8;
	return size == 4 ? val : val & ((1u << size * 8) - 1);
}

void lapic_mmio_write(struct lapic *l, uint64_t offset, unsigned size, uint64_t val,
		      vdev_time_t now)
{
	if (!lapic_mmio_enabled(l))
		return;
	lapic_advance(l, now);
	if (offset >= LAPIC_MMIO_SIZE || size != 4 || (offset & 0xF))
		return;
	/* Read-only registers ignore writes; absent ones are an error (ESR bit 7). */
	switch (reg_check_write(l, (unsigned)offset, (uint32_t)val)) {
	case REG_ABSENT:
		signal_error(l, LAPIC_ESR_ILLEGAL_REGISTER);
		break;
	case REG_OK:
	case REG_RESERVED:
		reg_write(l, (unsigned)offset, (uint32_t)val, now);
		break;
	default:
		break;
	}
	lapic_advance(l, now);
}

/* ------------------------------------------------------------ MSRs */

/* Whether x2APIC MSR msr names a register that exists in x2APIC mode. */
static bool x2apic_reg(uint32_t msr, unsigned *reg)
{
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST)
		return false;
	*reg = (msr - MSR_X2APIC_FIRST) << 4;
	return true;
}

bool lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val, vdev_time_t now)
{
	unsigned reg;
	uint32_t v;

	*val = 0;
	lapic_advance(l, now);
	if (msr == MSR_IA32_APIC_BASE) {
		*val = l->apic_base;
		return true;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		/* Reads 0 outside TSC-deadline mode (SDM 11.5.4.1). */
		*val = lapic_hw_enabled(l) && timer_deadline_mode(l) ? l->tsc_deadline : 0;
		return true;
	}
	if (!x2apic_reg(msr, &reg) || !lapic_x2apic_mode(l))
		return false;
	if (reg_read(l, reg, &v, now) != REG_OK)
		return false;
	*val = reg == LAPIC_ICR_LO ? (uint64_t)l->icr_hi << 32 | v : v;
	return true;
}

/* IA32_APIC_BASE write: the mode transitions of SDM figure "Local x2APIC State Transitions". */
static bool write_apic_base(struct lapic *l, uint64_t val)
{
	uint64_t reserved_bits = APIC_BASE_RESERVED_LOW | ~((1ull << l->cfg.phys_bits) - 1);
	bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;
	bool was_en = lapic_hw_enabled(l), was_x2 = lapic_x2apic_mode(l);

	if (val & reserved_bits)
		return false;
	if (extd && !en)
		return false;   /* invalid state */
	if ((was_x2 && en && !extd) || (!was_en && en && extd))
		return false;   /* x2APIC -> xAPIC and disabled -> x2APIC must pass through the other */
	l->apic_base = val;
	if (was_en && !en) {
		/* Disabling loses all state: re-enabling starts from power-up values. */
		l->xapic_id = l->cfg.apic_id << XAPIC_ID_SHIFT;
		lapic_reset(l);
	} else if (!was_x2 && extd) {
		l->ldr = x2apic_ldr(l->cfg.apic_id);
	}
	return true;
}

bool lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val, vdev_time_t now)
{
	unsigned reg;

	lapic_advance(l, now);
	if (msr == MSR_IA32_APIC_BASE)
		return write_apic_base(l, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		/* Ignored outside TSC-deadline mode; 0 disarms, a past value fires at once. */
		if (lapic_hw_enabled(l) && timer_deadline_mode(l)) {
			l->tsc_deadline = val;
			lapic_advance(l, now);
		}
		return true;
	}
	if (!x2apic_reg(msr, &reg) || !lapic_x2apic_mode(l))
		return false;
	if (reg == LAPIC_ICR_LO) {
		/* 64-bit ICR: destination in bits 63:32, delivery status gone (reserved). */
		if ((uint32_t)val & ~ICR_LO_WMASK)
			return false;
		l->icr_hi = (uint32_t)(val >> 32);
		l->icr_lo = (uint32_t)val;
		send_ipi(l);
		return true;
	}
	if (val >> 32)
		return false;   /* bits 63:32 of the 32-bit registers are reserved */
	if (reg_check_write(l, reg, (uint32_t)val) != REG_OK)
		return false;
	reg_write(l, reg, (uint32_t)val, now);
	lapic_advance(l, now);
	return true;
}
