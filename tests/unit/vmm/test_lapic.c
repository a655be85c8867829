/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/lapic.c: what Linux's APIC code observes (probe, version,
 * TPR/PPR, interrupt priority, nested EOI, level EOI to the IOAPIC, ICR and
 * self-IPIs, the timer in all modes, x2APIC MSR rules), and a random run.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/lapic.h"

/* ------------------------------------------------------------ fixture */

#define BUS_HZ 100000000ull   /* 100 MHz: 10 ns per bus clock */
#define TSC_HZ 2000000000ull  /* 2 GHz */
#define MAX_RECORDS 64

static struct {
	unsigned eois, ipis;
	uint8_t eoi[MAX_RECORDS];
	uint64_t ipi[MAX_RECORDS];
} rec;

static void record_eoi(void *ctx, uint8_t vector)
{
	ck_assert_ptr_eq(ctx, &rec);
	if (rec.eois < MAX_RECORDS)
		rec.eoi[rec.eois] = vector;
	rec.eois++;
}

static void record_ipi(void *ctx, uint64_t icr)
{
	ck_assert_ptr_eq(ctx, &rec);
	if (rec.ipis < MAX_RECORDS)
		rec.ipi[rec.ipis] = icr;
	rec.ipis++;
}

static struct lapic_config config(uint32_t id, bool bsp)
{
	return (struct lapic_config){
		.apic_id = id, .bsp = bsp, .bus_hz = BUS_HZ, .tsc_hz = TSC_HZ,
		.phys_bits = 39, .eoi = record_eoi, .ipi = record_ipi, .ctx = &rec,
	};
}

static void setup(struct lapic *l, uint32_t id)
{
	struct lapic_config cfg = config(id, id == 0);

	memset(&rec, 0, sizeof(rec));
	lapic_init(l, &cfg);
}

static uint32_t rd(struct lapic *l, unsigned reg, vdev_time_t now)
{
	return (uint32_t)lapic_mmio_read(l, reg, 4, now);
}

static void wr(struct lapic *l, unsigned reg, uint32_t val, vdev_time_t now)
{
	lapic_mmio_write(l, reg, 4, val, now);
}

/* What Linux's setup_local_APIC does first: software enable with spurious vector 0xFF. */
static void sw_enable(struct lapic *l)
{
	wr(l, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF, 0);
}

static bool in_set(struct lapic *l, unsigned base, unsigned vector)
{
	return rd(l, base + (vector / 32) * 0x10, 0) >> (vector % 32) & 1;
}

static uint64_t msr_rd(struct lapic *l, uint32_t msr, vdev_time_t now)
{
	uint64_t v = 0xDEAD;

	ck_assert_msg(lapic_msr_read(l, msr, &v, now), "rdmsr 0x%x faulted", msr);
	return v;
}

static void enter_x2apic(struct lapic *l)
{
	ck_assert(lapic_msr_write(l, MSR_IA32_APIC_BASE,
				  msr_rd(l, MSR_IA32_APIC_BASE, 0) | APIC_BASE_EXTD, 0));
	ck_assert(lapic_x2apic_mode(l));
}

/* ------------------------------------------------------------ probe and reset state */

START_TEST(test_reset_state_and_version)
{
	struct lapic l;

	setup(&l, 3);
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_APIC_BASE, 0), 0xFEE00000u | APIC_BASE_EN);
	ck_assert(lapic_mmio_enabled(&l));
	ck_assert_uint_eq(lapic_mmio_base(&l), LAPIC_DEFAULT_BASE);
	ck_assert_uint_eq(rd(&l, LAPIC_ID, 0), 3u << 24);
	/* Linux: APIC_INTEGRATED(version) and lapic_get_maxlvt() == 5 (six LVTs). */
	uint32_t ver = rd(&l, LAPIC_VER, 0);
	ck_assert_uint_eq(ver, 0x00050014);
	ck_assert_uint_ne(ver & 0xF0, 0);
	ck_assert_uint_eq((ver >> 16) & 0xFF, 5);
	ck_assert_uint_eq(rd(&l, LAPIC_SVR, 0), 0xFF);
	ck_assert_uint_eq(rd(&l, LAPIC_DFR, 0), 0xFFFFFFFF);
	ck_assert_uint_eq(rd(&l, LAPIC_TPR, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LDR, 0), 0);
	for (unsigned r = LAPIC_LVT_TIMER; r <= LAPIC_LVT_ERROR; r += 0x10)
		ck_assert_uint_eq(rd(&l, r, 0), LAPIC_LVT_MASKED);
	for (unsigned r = LAPIC_ISR; r < LAPIC_ESR; r += 0x10)
		ck_assert_uint_eq(rd(&l, r, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_ICR, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 0), 0);
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);

	struct lapic bsp;
	setup(&bsp, 0);
	ck_assert_uint_eq(msr_rd(&bsp, MSR_IA32_APIC_BASE, 0),
			  0xFEE00000u | APIC_BASE_EN | APIC_BASE_BSP);
}
END_TEST

START_TEST(test_software_disable_keeps_lvts_masked)
{
	struct lapic l;

	setup(&l, 0);
	ck_assert(!lapic_accept_irq(&l, 0x40, false));   /* disabled: refused */
	wr(&l, LAPIC_LVT_LINT0, 0x700, 0);                /* ExtINT, unmasked */
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_LINT0, 0), 0x700 | LAPIC_LVT_MASKED);
	sw_enable(&l);
	ck_assert_uint_eq(rd(&l, LAPIC_SVR, 0), 0x1FF);
	wr(&l, LAPIC_LVT_LINT0, 0x700, 0);
	wr(&l, LAPIC_LVT_ERROR, 0xFE, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_LINT0, 0), 0x700);
	ck_assert(lapic_accept_irq(&l, 0x40, false));
	wr(&l, LAPIC_SVR, 0xFF, 0);                       /* software disable masks every LVT */
	for (unsigned r = LAPIC_LVT_TIMER; r <= LAPIC_LVT_ERROR; r += 0x10)
		ck_assert(rd(&l, r, 0) & LAPIC_LVT_MASKED);
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_LINT0, 0), 0x700 | LAPIC_LVT_MASKED);
	/* Pending interrupts are held, new ones refused. */
	ck_assert(in_set(&l, LAPIC_IRR, 0x40));
	ck_assert(!lapic_accept_irq(&l, 0x50, false));
	ck_assert(!in_set(&l, LAPIC_IRR, 0x50));
}
END_TEST

START_TEST(test_register_write_masks)
{
	struct lapic l;

	setup(&l, 1);
	sw_enable(&l);
	wr(&l, LAPIC_SVR, 0xFFFFFFFF, 0);   /* bit 12 (EOI broadcast suppression) not offered */
	ck_assert_uint_eq(rd(&l, LAPIC_SVR, 0), 0x3FF);
	wr(&l, LAPIC_TPR, 0xFFFFFF37, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TPR, 0), 0x37);
	wr(&l, LAPIC_LDR, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LDR, 0), 0xFF000000);
	wr(&l, LAPIC_DFR, 0x0, 0);          /* cluster model; bits 27:0 read as ones */
	ck_assert_uint_eq(rd(&l, LAPIC_DFR, 0), 0x0FFFFFFF);
	wr(&l, LAPIC_ID, 0x07123456, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ID, 0), 0x07000000);
	wr(&l, LAPIC_VER, 0, 0);            /* read only */
	ck_assert_uint_eq(rd(&l, LAPIC_VER, 0), 0x00050014);
	wr(&l, LAPIC_LVT_TIMER, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_TIMER, 0), 0x000700FF);
	wr(&l, LAPIC_LVT_THERMAL, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_THERMAL, 0), 0x000107FF);
	wr(&l, LAPIC_LVT_PERF, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_PERF, 0), 0x000107FF);
	wr(&l, LAPIC_LVT_LINT1, 0xFFFFFFFF, 0);   /* delivery status, remote IRR read only */
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_LINT1, 0), 0x0001A7FF);
	wr(&l, LAPIC_LVT_ERROR, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_ERROR, 0), 0x000100FF);
	wr(&l, LAPIC_TIMER_DCR, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_DCR, 0), 0xB);
	wr(&l, LAPIC_ICR_HI, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ICR_HI, 0), 0xFF000000);
	/* Read-only registers drop writes without an error. */
	wr(&l, LAPIC_PPR, 0xFF, 0);
	wr(&l, LAPIC_ISR, 0xFFFFFFFF, 0);
	wr(&l, LAPIC_IRR + 0x70, 0xFFFFFFFF, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_IRR + 0x70, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ISR, 0), 0);
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), 0);
}
END_TEST

/* ------------------------------------------------------------ priorities */

START_TEST(test_tpr_ppr_arithmetic)
{
	struct lapic l;

	setup(&l, 0);
	sw_enable(&l);
	wr(&l, LAPIC_TPR, 0x20, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x20);   /* nothing in service: PPR = TPR */
	ck_assert(lapic_accept_irq(&l, 0x51, false));
	ck_assert_int_eq(lapic_pending_vector(&l), 0x51);
	ck_assert(lapic_ack(&l, 0x51));
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x50);   /* ISRV class beats TPR */
	wr(&l, LAPIC_TPR, 0x65, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x65);   /* TPR class higher: the whole TPR */
	wr(&l, LAPIC_TPR, 0x5F, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x5F);   /* same class: TPR */
	wr(&l, LAPIC_TPR, 0x4F, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x50);
	wr(&l, LAPIC_EOI, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x4F);
	ck_assert_uint_eq(lapic_ppr(&l), 0x4F);
}
END_TEST

START_TEST(test_pending_vector_priority)
{
	struct lapic l;

	setup(&l, 0);
	sw_enable(&l);
	ck_assert_int_eq(lapic_pending_vector(&l), -1);
	ck_assert(lapic_accept_irq(&l, 0x45, false));
	wr(&l, LAPIC_TPR, 0x40, 0);
	ck_assert_int_eq(lapic_pending_vector(&l), -1);   /* class 4 does not exceed PPR class 4 */
	wr(&l, LAPIC_TPR, 0x3F, 0);
	ck_assert_int_eq(lapic_pending_vector(&l), 0x45);
	wr(&l, LAPIC_TPR, 0, 0);
	ck_assert(lapic_accept_irq(&l, 0x30, false));
	ck_assert(lapic_accept_irq(&l, 0x80, false));
	ck_assert_int_eq(lapic_pending_vector(&l), 0x80);   /* highest IRR first */
	ck_assert(lapic_ack(&l, 0x80));
	ck_assert(!in_set(&l, LAPIC_IRR, 0x80));
	ck_assert(in_set(&l, LAPIC_ISR, 0x80));
	ck_assert_int_eq(lapic_pending_vector(&l), -1);     /* 0x45 is below the 0x80 in service */
	ck_assert(lapic_accept_irq(&l, 0x8F, false));
	ck_assert_int_eq(lapic_pending_vector(&l), -1);     /* same class as in service */
	ck_assert(lapic_accept_irq(&l, 0x91, false));
	ck_assert_int_eq(lapic_pending_vector(&l), 0x91);
	ck_assert(!lapic_ack(&l, 0x92));                    /* not requested */
	ck_assert(!in_set(&l, LAPIC_ISR, 0x92));
}
END_TEST

START_TEST(test_nested_interrupts_eoi_order)
{
	struct lapic l;

	setup(&l, 0);
	sw_enable(&l);
	ck_assert(lapic_accept_irq(&l, 0x40, false));
	ck_assert(lapic_ack(&l, 0x40));
	ck_assert(lapic_accept_irq(&l, 0x41, false));       /* same class: waits */
	ck_assert(lapic_accept_irq(&l, 0x80, false));       /* higher class: nests */
	ck_assert_int_eq(lapic_pending_vector(&l), 0x80);
	ck_assert(lapic_ack(&l, 0x80));
	ck_assert(in_set(&l, LAPIC_ISR, 0x40) && in_set(&l, LAPIC_ISR, 0x80));
	ck_assert_int_eq(lapic_pending_vector(&l), -1);
	wr(&l, LAPIC_EOI, 0, 0);                            /* ends the inner 0x80 */
	ck_assert(!in_set(&l, LAPIC_ISR, 0x80));
	ck_assert(in_set(&l, LAPIC_ISR, 0x40));
	ck_assert_int_eq(lapic_pending_vector(&l), -1);     /* 0x41 still below 0x40's class */
	wr(&l, LAPIC_EOI, 0, 0);
	ck_assert(!in_set(&l, LAPIC_ISR, 0x40));
	ck_assert_int_eq(lapic_pending_vector(&l), 0x41);
	wr(&l, LAPIC_EOI, 0, 0);                            /* nothing in service: no effect */
	ck_assert(in_set(&l, LAPIC_IRR, 0x41));
	ck_assert_uint_eq(rec.eois, 0);                     /* all edge: nothing for the IOAPIC */
}
END_TEST

START_TEST(test_level_eoi_reaches_ioapic_callback)
{
	struct lapic l;

	setup(&l, 0);
	sw_enable(&l);
	ck_assert(lapic_accept_irq(&l, 0x50, true));
	ck_assert(in_set(&l, LAPIC_TMR, 0x50));   /* TMR word 2, bit 16 */
	ck_assert_uint_eq(rd(&l, LAPIC_TMR + 0x20, 0), 1u << 16);
	ck_assert(lapic_ack(&l, 0x50));
	ck_assert(lapic_accept_irq(&l, 0x60, false));
	ck_assert(lapic_ack(&l, 0x60));
	wr(&l, LAPIC_EOI, 0, 0);                  /* 0x60, edge */
	ck_assert_uint_eq(rec.eois, 0);
	wr(&l, LAPIC_EOI, 0, 0);                  /* 0x50, level */
	ck_assert_uint_eq(rec.eois, 1);
	ck_assert_uint_eq(rec.eoi[0], 0x50);
	/* The same vector later arriving edge triggered clears its TMR bit. */
	ck_assert(lapic_accept_irq(&l, 0x50, false));
	ck_assert(!in_set(&l, LAPIC_TMR, 0x50));
	ck_assert(lapic_ack(&l, 0x50));
	wr(&l, LAPIC_EOI, 0, 0);
	ck_assert_uint_eq(rec.eois, 1);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_esr_write_then_read)
{
	struct lapic l;

	setup(&l, 0);
	sw_enable(&l);
	wr(&l, LAPIC_LVT_ERROR, 0xFE, 0);
	ck_assert(!lapic_accept_irq(&l, 0x05, false));   /* vectors 0-15 are illegal */
	ck_assert(!in_set(&l, LAPIC_IRR, 0x05));
	ck_assert(in_set(&l, LAPIC_IRR, 0xFE));          /* the LVT error interrupt */
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), 0);      /* not latched before a write */
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), 0);
	/* Reserved registers: read 0, and ESR reports an illegal register address. */
	ck_assert_uint_eq(rd(&l, LAPIC_LVT_CMCI, 0), 0);
	wr(&l, 0x040, 0x1234, 0);
	ck_assert_uint_eq(rd(&l, 0x040, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_SELF_IPI, 0), 0);   /* x2APIC only */
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), LAPIC_ESR_ILLEGAL_REGISTER);
	/* An error LVT with an illegal vector records that too, without looping. */
	wr(&l, LAPIC_LVT_ERROR, 0x03, 0);
	ck_assert(!lapic_accept_irq(&l, 0x0F, false));
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
}
END_TEST

START_TEST(test_mmio_access_sizes)
{
	struct lapic l;

	setup(&l, 0x12);
	sw_enable(&l);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER, 1, 0), 0x14);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER + 2, 1, 0), 0x05);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER + 2, 2, 0), 0x0005);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_ID + 3, 1, 0), 0x12);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER + 3, 2, 0), 0);   /* crosses the dword */
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER, 8, 0), 0);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER, 3, 0), 0);
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER + 4, 4, 0), 0);   /* rest of the slot */
	ck_assert_uint_eq(lapic_mmio_read(&l, 0x1000, 4, 0), 0);
	ck_assert_uint_eq(lapic_mmio_read(&l, UINT64_MAX - 1, 4, 0), 0);
	/* Writes: only 4 bytes at the start of a slot. */
	lapic_mmio_write(&l, LAPIC_TPR, 1, 0x30, 0);
	lapic_mmio_write(&l, LAPIC_TPR, 2, 0x30, 0);
	lapic_mmio_write(&l, LAPIC_TPR, 8, 0x30, 0);
	lapic_mmio_write(&l, LAPIC_TPR + 4, 4, 0x30, 0);
	lapic_mmio_write(&l, LAPIC_TPR + 0x1000, 4, 0x30, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TPR, 0), 0);
	lapic_mmio_write(&l, LAPIC_TPR, 4, 0xFFFFFFFF00000030ull, 0);   /* upper half ignored */
	ck_assert_uint_eq(rd(&l, LAPIC_TPR, 0), 0x30);
	/* None of those was an illegal register access. */
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), 0);
}
END_TEST

/* ------------------------------------------------------------ IPIs */

START_TEST(test_icr_self_ipis_and_others)
{
	struct lapic l;

	setup(&l, 2);
	sw_enable(&l);
	/* Fixed IPI to its own physical ID: delivered here. */
	wr(&l, LAPIC_ICR_HI, 2u << 24, 0);
	wr(&l, LAPIC_ICR_LO, 0xA1, 0);
	ck_assert(in_set(&l, LAPIC_IRR, 0xA1));
	ck_assert_uint_eq(rd(&l, LAPIC_ICR_LO, 0) & LAPIC_ICR_BUSY, 0);   /* Linux polls this */
	ck_assert_uint_eq(rd(&l, LAPIC_ICR_LO, 0), 0xA1);
	/* Self shorthand, whatever the destination field. */
	wr(&l, LAPIC_ICR_HI, 7u << 24, 0);
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_SH_SELF | 0x31, 0);
	ck_assert(in_set(&l, LAPIC_IRR, 0x31));
	ck_assert(!in_set(&l, LAPIC_TMR, 0x31));
	ck_assert_uint_eq(rec.ipis, 0);
	/* Another APIC: the board gets the ICR with the destination in bits 63:32. */
	wr(&l, LAPIC_ICR_HI, 5u << 24, 0);
	wr(&l, LAPIC_ICR_LO, 0x42, 0);
	ck_assert_uint_eq(rec.ipis, 1);
	ck_assert_uint_eq(rec.ipi[0], 5ull << 32 | 0x42);
	ck_assert(!in_set(&l, LAPIC_IRR, 0x42));
	/* INIT and SIPI to an AP, all-but-self, and NMI to self go to the board. */
	wr(&l, LAPIC_ICR_HI, 1u << 24, 0);
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT | LAPIC_ICR_LEVEL, 0);
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_DM_SIPI | 0x9A, 0);
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_SH_OTHERS | 0xFD, 0);
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI, 0);
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_SH_ALL | 0xFC, 0);
	ck_assert_uint_eq(rec.ipis, 6);
	ck_assert_uint_eq(rec.ipi[1], 1ull << 32 | 0xC500);
	ck_assert_uint_eq(rec.ipi[2], 1ull << 32 | 0x069A);
	ck_assert_uint_eq(rec.ipi[3], 1ull << 32 | 0xC00FD);
	ck_assert_uint_eq(rec.ipi[4], 1ull << 32 | 0x40400);
	ck_assert_uint_eq(rec.ipi[5], 1ull << 32 | 0x800FC);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xFC));   /* the board delivers "all" to us too */
	/* Logical destination matching us still goes to the board (it routes logical IDs). */
	wr(&l, LAPIC_ICR_LO, LAPIC_ICR_LOGICAL | 0x77, 0);
	ck_assert_uint_eq(rec.ipis, 7);
	/* A fixed IPI with an illegal vector is not sent: ESR "send illegal vector". */
	wr(&l, LAPIC_ICR_LO, 0x07, 0);
	ck_assert_uint_eq(rec.ipis, 7);
	wr(&l, LAPIC_ESR, 0, 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ESR, 0), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
}
END_TEST

START_TEST(test_destination_matching)
{
	struct lapic l;

	setup(&l, 0x21);
	sw_enable(&l);
	ck_assert(lapic_match_dest(&l, 0x21, false));
	ck_assert(!lapic_match_dest(&l, 0x20, false));
	ck_assert(lapic_match_dest(&l, 0xFF, false));        /* xAPIC broadcast */
	wr(&l, LAPIC_LDR, 0x04000000, 0);                    /* flat: logical ID bit 2 */
	ck_assert(lapic_match_dest(&l, 0x04, true));
	ck_assert(lapic_match_dest(&l, 0x0C, true));
	ck_assert(!lapic_match_dest(&l, 0x08, true));
	wr(&l, LAPIC_DFR, 0x0FFFFFFF, 0);                    /* cluster model */
	wr(&l, LAPIC_LDR, 0x32000000, 0);                    /* cluster 3, member bit 1 */
	ck_assert(lapic_match_dest(&l, 0x32, true));
	ck_assert(lapic_match_dest(&l, 0x3F, true));
	ck_assert(!lapic_match_dest(&l, 0x22, true));        /* other cluster */
	ck_assert(!lapic_match_dest(&l, 0x31, true));        /* other member */
	ck_assert(lapic_match_dest(&l, 0xFF, true));

	struct lapic x;
	setup(&x, 0x123);
	enter_x2apic(&x);
	/* Logical x2APIC ID: cluster 0x12 in 31:16, bit 3 for ID[3:0] = 3. */
	ck_assert_uint_eq(msr_rd(&x, 0x80D, 0), 0x00120008);
	ck_assert(lapic_match_dest(&x, 0x123, false));
	ck_assert(!lapic_match_dest(&x, 0x23, false));
	ck_assert(lapic_match_dest(&x, 0xFFFFFFFF, false));
	ck_assert(lapic_match_dest(&x, 0x00120008, true));
	ck_assert(lapic_match_dest(&x, 0x0012000F, true));
	ck_assert(!lapic_match_dest(&x, 0x00130008, true));
	ck_assert(!lapic_match_dest(&x, 0x00120004, true));
	ck_assert(lapic_x2apic_mode(&x) && !lapic_mmio_enabled(&x));
}
END_TEST

START_TEST(test_pic_interrupts_through_lint0)
{
	struct lapic l;

	setup(&l, 0);
	ck_assert(!lapic_accepts_pic_intr(&l));   /* LINT0 masked at reset */
	sw_enable(&l);
	wr(&l, LAPIC_LVT_LINT0, LAPIC_LVT_DM_EXTINT, 0);   /* virtual wire mode */
	ck_assert(lapic_accepts_pic_intr(&l));
	wr(&l, LAPIC_LVT_LINT0, LAPIC_LVT_DM_EXTINT | LAPIC_LVT_MASKED, 0);
	ck_assert(!lapic_accepts_pic_intr(&l));
	wr(&l, LAPIC_LVT_LINT0, 0x30, 0);                  /* fixed, not ExtINT */
	ck_assert(!lapic_accepts_pic_intr(&l));
	ck_assert(lapic_msr_write(&l, MSR_IA32_APIC_BASE, LAPIC_DEFAULT_BASE, 0));
	ck_assert(lapic_accepts_pic_intr(&l));             /* no APIC: straight to the CPU */
}
END_TEST

/* ------------------------------------------------------------ x2APIC */

START_TEST(test_x2apic_msr_rules)
{
	struct lapic l;
	uint64_t v;

	setup(&l, 0x123);
	/* x2APIC MSRs fault outside x2APIC mode. */
	ck_assert(!lapic_msr_read(&l, 0x802, &v, 0));
	ck_assert(!lapic_msr_write(&l, 0x808, 0, 0));
	enter_x2apic(&l);
	/* The xAPIC page no longer decodes. */
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER, 4, 0), 0xFFFFFFFF);
	lapic_mmio_write(&l, LAPIC_TPR, 4, 0x20, 0);
	ck_assert_uint_eq(msr_rd(&l, 0x808, 0), 0);
	ck_assert_uint_eq(msr_rd(&l, 0x802, 0), 0x123);   /* 32-bit x2APIC ID */
	ck_assert_uint_eq(msr_rd(&l, 0x803, 0), 0x00050014);
	ck_assert_uint_eq(msr_rd(&l, 0x80F, 0), 0xFF);
	ck_assert(lapic_msr_write(&l, 0x80F, 0x1FF, 0));
	/* Registers that do not exist in x2APIC mode, and reserved MSRs. */
	static const uint32_t absent[] = { 0x800, 0x801, 0x804, 0x809, 0x80C, 0x80E, 0x82F,
					   0x831, 0x83A, 0x83D, 0x840, 0x8FF };
	for (unsigned i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		ck_assert_msg(!lapic_msr_read(&l, absent[i], &v, 0), "rdmsr 0x%x", absent[i]);
		ck_assert_msg(!lapic_msr_write(&l, absent[i], 0, 0), "wrmsr 0x%x", absent[i]);
	}
	/* Read-only registers fault on write, write-only ones on read. */
	ck_assert(!lapic_msr_write(&l, 0x802, 0x123, 0));
	ck_assert(!lapic_msr_write(&l, 0x803, 0, 0));
	ck_assert(!lapic_msr_write(&l, 0x80A, 0, 0));
	ck_assert(!lapic_msr_write(&l, 0x80D, 0, 0));
	ck_assert(!lapic_msr_write(&l, 0x810, 0, 0));
	ck_assert(!lapic_msr_write(&l, 0x839, 0, 0));
	ck_assert(!lapic_msr_read(&l, 0x80B, &v, 0));
	ck_assert(!lapic_msr_read(&l, 0x83F, &v, 0));
	/* Reserved bits fault and change nothing. */
	ck_assert(!lapic_msr_write(&l, 0x808, 0x120, 0));
	ck_assert(!lapic_msr_write(&l, 0x808, 1ull << 32, 0));
	ck_assert_uint_eq(msr_rd(&l, 0x808, 0), 0);
	ck_assert(lapic_msr_write(&l, 0x808, 0x20, 0));
	ck_assert_uint_eq(msr_rd(&l, 0x808, 0), 0x20);
	ck_assert(!lapic_msr_write(&l, 0x835, 1u << 20, 0));   /* LVT LINT0 bit 20 */
	ck_assert(!lapic_msr_write(&l, 0x80F, 1u << 12, 0));   /* no EOI broadcast suppression */
	ck_assert(!lapic_msr_write(&l, 0x83E, 0x4, 0));        /* TDCR bit 2 */
	ck_assert(lapic_msr_write(&l, 0x832, LAPIC_TIMER_TSC_DEADLINE | 0xEC, 0));
	/* EOI and ESR take only 0. */
	ck_assert(!lapic_msr_write(&l, 0x80B, 1, 0));
	ck_assert(lapic_msr_write(&l, 0x80B, 0, 0));
	ck_assert(!lapic_msr_write(&l, 0x828, 1, 0));
	ck_assert(lapic_msr_write(&l, 0x828, 0, 0));
	/* SELF IPI: an edge fixed interrupt to itself; bits 31:8 reserved. */
	ck_assert(lapic_msr_write(&l, 0x83F, 0x31, 0));
	ck_assert_uint_eq(msr_rd(&l, 0x821, 0), 1u << 17);   /* IRR word 1, vector 0x31 */
	ck_assert(!lapic_msr_write(&l, 0x83F, 0x131, 0));
	ck_assert(lapic_msr_write(&l, 0x83F, 0x01, 0));      /* illegal vector: ESR */
	ck_assert(lapic_msr_write(&l, 0x828, 0, 0));
	ck_assert_uint_eq(msr_rd(&l, 0x828, 0), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
	/* ICR is one 64-bit register with a 32-bit destination. */
	ck_assert(lapic_msr_write(&l, 0x830, 0x456ull << 32 | 0x4055, 0));
	ck_assert_uint_eq(rec.ipis, 1);
	ck_assert_uint_eq(rec.ipi[0], 0x456ull << 32 | 0x4055);
	ck_assert_uint_eq(msr_rd(&l, 0x830, 0), 0x456ull << 32 | 0x4055);
	ck_assert(lapic_msr_write(&l, 0x830, 0x123ull << 32 | 0x66, 0));   /* itself */
	ck_assert_uint_eq(msr_rd(&l, 0x823, 0), 1u << 6);   /* IRR word 3, vector 0x66 */
	ck_assert(!lapic_msr_write(&l, 0x830, LAPIC_ICR_BUSY | 0x40, 0));  /* no delivery status */
	ck_assert(!lapic_msr_write(&l, 0x830, 1u << 20 | 0x40, 0));
	ck_assert_uint_eq(rec.ipis, 1);
	ck_assert(!lapic_msr_write(&l, 0x831, 0, 0));   /* no separate ICR high half */
}
END_TEST

START_TEST(test_apic_base_transitions)
{
	struct lapic l;
	uint64_t base = LAPIC_DEFAULT_BASE | APIC_BASE_BSP;

	setup(&l, 0);
	sw_enable(&l);
	ck_assert(lapic_accept_irq(&l, 0x40, false));
	/* Reserved bits: 7:0, 9, above MAXPHYADDR (39 here); EXTD without EN is invalid. */
	ck_assert(!lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EN | 1, 0));
	ck_assert(!lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EN | 1u << 9, 0));
	ck_assert(!lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EN | 1ull << 39, 0));
	ck_assert(!lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD, 0));
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_APIC_BASE, 0), base | APIC_BASE_EN);
	/* xAPIC -> x2APIC keeps state; x2APIC -> xAPIC faults. */
	ck_assert(lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD, 0));
	ck_assert_uint_eq(msr_rd(&l, 0x820 + 2, 0), 1u << 0);   /* IRR 0x40 kept */
	ck_assert(!lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EN, 0));
	/* x2APIC -> disabled: everything off and reset. */
	ck_assert(lapic_msr_write(&l, MSR_IA32_APIC_BASE, base, 0));
	ck_assert(!lapic_hw_enabled(&l) && !lapic_x2apic_mode(&l) && !lapic_mmio_enabled(&l));
	ck_assert_uint_eq(lapic_mmio_read(&l, LAPIC_VER, 4, 0), 0xFFFFFFFF);
	ck_assert(!lapic_accept_irq(&l, 0x50, false));
	ck_assert_int_eq(lapic_pending_vector(&l), -1);
	uint64_t v;
	ck_assert(!lapic_msr_read(&l, 0x802, &v, 0));
	/* disabled -> x2APIC faults; disabled -> xAPIC (relocated) comes back reset. */
	ck_assert(!lapic_msr_write(&l, MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD, 0));
	ck_assert(lapic_msr_write(&l, MSR_IA32_APIC_BASE, 0xFED00000 | APIC_BASE_EN, 0));
	ck_assert_uint_eq(lapic_mmio_base(&l), 0xFED00000);
	ck_assert_uint_eq(rd(&l, LAPIC_SVR, 0), 0xFF);
	ck_assert_uint_eq(rd(&l, LAPIC_IRR + 0x20, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_ID, 0), 0);
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_APIC_BASE, 0), 0xFED00000 | APIC_BASE_EN);
	/* Unhandled MSRs are not the APIC's. */
	ck_assert(!lapic_msr_read(&l, 0x10, &v, 0));
	ck_assert(!lapic_msr_write(&l, 0x10, 0, 0));
}
END_TEST

START_TEST(test_init_reset_keeps_id_and_mode)
{
	struct lapic l;

	setup(&l, 9);
	sw_enable(&l);
	wr(&l, LAPIC_TPR, 0x30, 0);
	ck_assert(lapic_accept_irq(&l, 0x40, true));
	wr(&l, LAPIC_TIMER_ICR, 1000, 0);
	lapic_reset(&l);
	ck_assert_uint_eq(rd(&l, LAPIC_ID, 0), 9u << 24);
	ck_assert_uint_eq(rd(&l, LAPIC_TPR, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_SVR, 0), 0xFF);
	ck_assert_uint_eq(rd(&l, LAPIC_IRR + 0x20, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TMR + 0x20, 0), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_ICR, 0), 0);
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
	ck_assert(lapic_mmio_enabled(&l));
	enter_x2apic(&l);
	lapic_reset(&l);
	ck_assert(lapic_x2apic_mode(&l));
	ck_assert_uint_eq(msr_rd(&l, 0x80D, 0), 1u << 9);   /* LDR still derived from the ID */
}
END_TEST

/* ------------------------------------------------------------ timer */

/* Divide configuration values and the divisors they select. */
static const struct {
	uint32_t dcr;
	uint64_t div;
} dividers[] = {
	{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
	{ 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
};

START_TEST(test_timer_oneshot_each_divider)
{
	for (unsigned i = 0; i < sizeof(dividers) / sizeof(dividers[0]); i++) {
		struct lapic l;
		const vdev_time_t t0 = 1000 + i;
		const uint32_t count = 1000;

		setup(&l, 0);
		sw_enable(&l);
		wr(&l, LAPIC_TIMER_DCR, dividers[i].dcr, 0);
		wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | 0xEC, 0);
		wr(&l, LAPIC_TIMER_ICR, count, t0);
		/* count * divisor bus clocks of 10 ns each. */
		vdev_time_t due = t0 + count * dividers[i].div * 10;
		ck_assert_uint_eq(lapic_next_event(&l), due);
		lapic_advance(&l, due - 1);
		ck_assert_msg(!in_set(&l, LAPIC_IRR, 0xEC), "divider %llu fired early",
			      (unsigned long long)dividers[i].div);
		ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, due - 1), 1);
		lapic_advance(&l, due);
		ck_assert(in_set(&l, LAPIC_IRR, 0xEC));
		ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, due), 0);
		ck_assert_uint_eq(rd(&l, LAPIC_TIMER_ICR, due), count);
		ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);   /* one shot */
		ck_assert(lapic_ack(&l, 0xEC));
		lapic_advance(&l, due + 100000000);
		ck_assert(!in_set(&l, LAPIC_IRR, 0xEC));
	}
}
END_TEST

START_TEST(test_timer_current_count_decreases)
{
	struct lapic l;
	uint32_t last = UINT32_MAX;

	setup(&l, 0);
	sw_enable(&l);
	wr(&l, LAPIC_TIMER_DCR, 0x0, 0);                          /* divide by 2: 20 ns a count */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | 0x40, 0);
	wr(&l, LAPIC_TIMER_ICR, 50000, 5000);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 5000), 50000);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 5019), 50000);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 5020), 49999);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 5000 + 20 * 1234), 50000 - 1234);
	for (vdev_time_t t = 5000 + 20 * 1234; t < 5000 + 20 * 50000; t += 3331) {
		uint32_t cur = rd(&l, LAPIC_TIMER_CCR, t);

		ck_assert_uint_lt(cur, last);
		last = cur;
	}
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 5000 + 20 * 50000), 0);
	ck_assert(in_set(&l, LAPIC_IRR, 0x40));
	/* Writing 0 to the initial count stops a running timer. */
	wr(&l, LAPIC_TIMER_ICR, 100, 2000000);
	wr(&l, LAPIC_TIMER_ICR, 0, 2000010);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 2000020), 0);
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
}
END_TEST

START_TEST(test_timer_fractional_clock)
{
	struct lapic l;
	struct lapic_config cfg = config(0, true);

	cfg.bus_hz = 300000000;   /* 3.33 ns per clock: expiries land between nanoseconds */
	memset(&rec, 0, sizeof(rec));
	lapic_init(&l, &cfg);
	sw_enable(&l);
	wr(&l, LAPIC_TIMER_DCR, 0xB, 0);   /* divide by 1 */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x40, 0);
	wr(&l, LAPIC_TIMER_ICR, 1, 100);
	/* Expiry k at the first ns t with floor((t - 100) * 0.3) >= k. */
	static const vdev_time_t due[] = { 104, 107, 110, 114, 117, 120, 124 };
	for (unsigned k = 0; k < sizeof(due) / sizeof(due[0]); k++) {
		ck_assert_uint_eq(lapic_next_event(&l), due[k]);
		lapic_advance(&l, due[k] - 1);
		ck_assert(!in_set(&l, LAPIC_IRR, 0x40));
		lapic_advance(&l, due[k]);
		ck_assert(lapic_ack(&l, 0x40));
		wr(&l, LAPIC_EOI, 0, due[k]);
	}
}
END_TEST

START_TEST(test_timer_periodic)
{
	struct lapic l;
	const vdev_time_t t0 = 777;

	setup(&l, 0);
	sw_enable(&l);
	wr(&l, LAPIC_TIMER_DCR, 0xB, 0);   /* divide by 1: 10 ns a count */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0xEF, 0);
	wr(&l, LAPIC_TIMER_ICR, 100, t0);  /* period 1 us */
	for (unsigned k = 1; k <= 5; k++) {
		vdev_time_t due = t0 + k * 1000;

		ck_assert_uint_eq(lapic_next_event(&l), due);
		lapic_advance(&l, due - 1);
		ck_assert(!in_set(&l, LAPIC_IRR, 0xEF));
		ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, due - 1), 1);
		lapic_advance(&l, due);
		ck_assert(in_set(&l, LAPIC_IRR, 0xEF));
		ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, due), 100);   /* reloaded */
		ck_assert(lapic_ack(&l, 0xEF));
		wr(&l, LAPIC_EOI, 0, due);
	}
	/* Missed periods coalesce into one interrupt; the phase stays. */
	lapic_advance(&l, t0 + 9500);
	ck_assert(in_set(&l, LAPIC_IRR, 0xEF));
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, t0 + 9500), 50);
	ck_assert_uint_eq(lapic_next_event(&l), t0 + 10000);
	/* Masked: keeps counting, no interrupt, no wake-ups. */
	ck_assert(lapic_ack(&l, 0xEF));
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | LAPIC_LVT_MASKED | 0xEF, t0 + 9500);
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
	lapic_advance(&l, t0 + 20000);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xEF));
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, t0 + 20250), 75);
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0xEF, t0 + 20250);
	ck_assert_uint_eq(lapic_next_event(&l), t0 + 21000);
	/* Periodic -> one-shot: the current period ends with one last interrupt. */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | 0xEF, t0 + 20500);
	lapic_advance(&l, t0 + 21000);
	ck_assert(in_set(&l, LAPIC_IRR, 0xEF));
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
}
END_TEST

START_TEST(test_timer_divider_change_while_running)
{
	struct lapic l;

	setup(&l, 0);
	sw_enable(&l);
	wr(&l, LAPIC_TIMER_DCR, 0xB, 0);   /* by 1: 10 ns a count */
	wr(&l, LAPIC_LVT_TIMER, 0x40, 0);
	wr(&l, LAPIC_TIMER_ICR, 1000, 0);
	wr(&l, LAPIC_TIMER_DCR, 0x0, 5000);   /* 500 counts left, now 20 ns each */
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 5000), 500);
	ck_assert_uint_eq(lapic_next_event(&l), 5000 + 500 * 20);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 6000), 450);
}
END_TEST

START_TEST(test_timer_tsc_deadline)
{
	struct lapic l;
	struct lapic_config cfg = config(0, true);
	uint64_t v;

	cfg.tsc_offset = 1000000;
	memset(&rec, 0, sizeof(rec));
	lapic_init(&l, &cfg);
	sw_enable(&l);
	ck_assert_uint_eq(lapic_tsc(&l, 1000), 1000000 + 2000);   /* 2 GHz */
	/* Outside TSC-deadline mode the MSR reads 0 and ignores writes. */
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, 5000000, 0));
	ck_assert(lapic_msr_read(&l, MSR_IA32_TSC_DEADLINE, &v, 0));
	ck_assert_uint_eq(v, 0);
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
	/* Linux: LVTT = vector | TSC deadline, then wrmsr(TSC_DEADLINE, tsc + delta). */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | 0xEC, 0);
	uint64_t deadline = lapic_tsc(&l, 10000) + 3001;   /* 1500.5 ns later */
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, deadline, 10000));
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_TSC_DEADLINE, 10000), deadline);
	ck_assert_uint_eq(lapic_next_event(&l), 11501);
	lapic_advance(&l, 11500);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xEC));
	lapic_advance(&l, 11501);
	ck_assert(in_set(&l, LAPIC_IRR, 0xEC));
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_TSC_DEADLINE, 11501), 0);   /* disarmed */
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
	ck_assert(lapic_ack(&l, 0xEC));
	/* The count registers are inert in this mode. */
	wr(&l, LAPIC_TIMER_ICR, 100, 12000);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_ICR, 12000), 0);
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, 12000), 0);
	/* A deadline already passed fires at once; 0 disarms. */
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, 1, 13000));
	ck_assert(in_set(&l, LAPIC_IRR, 0xEC));
	ck_assert(lapic_ack(&l, 0xEC));
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, lapic_tsc(&l, 20000), 14000));
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, 0, 15000));
	lapic_advance(&l, 30000);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xEC));
	/* Leaving TSC-deadline mode disarms it. */
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, lapic_tsc(&l, 40000), 30000));
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | 0xEC, 31000);
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | 0xEC, 32000);
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_TSC_DEADLINE, 32000), 0);
	lapic_advance(&l, 50000);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xEC));
	/* Entering it stops a running countdown. */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_ONESHOT | 0xEC, 60000);
	wr(&l, LAPIC_TIMER_ICR, 10, 60000);
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | 0xEC, 60010);
	lapic_advance(&l, 70000);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xEC));
	/* Masked: disarms at the deadline without an interrupt. */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | LAPIC_LVT_MASKED | 0xEC, 80000);
	ck_assert(lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE, lapic_tsc(&l, 81000), 80000));
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);
	ck_assert_uint_eq(msr_rd(&l, MSR_IA32_TSC_DEADLINE, 81000), 0);
	ck_assert(!in_set(&l, LAPIC_IRR, 0xEC));
}
END_TEST

START_TEST(test_timer_huge_values_saturate)
{
	struct lapic l;
	struct lapic_config cfg = config(0, true);

	cfg.bus_hz = 0;                 /* clamped to 1 Hz */
	cfg.tsc_hz = UINT64_MAX;        /* clamped to LAPIC_MAX_HZ */
	memset(&rec, 0, sizeof(rec));
	lapic_init(&l, &cfg);
	sw_enable(&l);
	wr(&l, LAPIC_TIMER_DCR, 0xA, 0);   /* by 128 */
	wr(&l, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x40, 0);
	wr(&l, LAPIC_TIMER_ICR, 0xFFFFFFFF, UINT64_MAX - 10);
	ck_assert_uint_eq(lapic_next_event(&l), VDEV_NEVER);   /* saturated */
	ck_assert_uint_eq(rd(&l, LAPIC_TIMER_CCR, UINT64_MAX), 0xFFFFFFFF);
	ck_assert_uint_eq(lapic_tsc(&l, 1000000000), LAPIC_MAX_HZ);
	ck_assert_uint_eq(lapic_tsc(&l, UINT64_MAX), UINT64_MAX);
}
END_TEST

/* ------------------------------------------------------------ random */

/*
 * An assertion for the random runs' inner loops: Check's ck_assert reports
 * every passed check to the runner, which costs more than the model does.
 */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			ck_abort_msg("step %u: %s", step, #cond);            \
	} while (0)

/* Registers worth hitting, so random accesses mostly reach real ones. */
static const unsigned regs[] = {
	LAPIC_ID, LAPIC_VER, LAPIC_TPR, LAPIC_APR, LAPIC_PPR, LAPIC_EOI, LAPIC_LDR, LAPIC_DFR,
	LAPIC_SVR, LAPIC_ISR, LAPIC_TMR, LAPIC_IRR + 0x70, LAPIC_ESR, LAPIC_ICR_LO,
	LAPIC_ICR_HI, LAPIC_LVT_TIMER, LAPIC_LVT_LINT0, LAPIC_LVT_ERROR, LAPIC_TIMER_ICR,
	LAPIC_TIMER_CCR, LAPIC_TIMER_DCR, LAPIC_SELF_IPI,
};

static uint32_t random_value(void)
{
	static const uint64_t v[] = { 0, 1, 0xFF, 0x100, 0x1FF, 0x10000, 0x20000, 0x40000,
				      0xFFFFFFFF, 0x40, 0xEC, 0x0F };
	return (uint32_t)interesting(rnd(), v, sizeof(v) / sizeof(v[0]), 4, 32);
}

/* Invariants after advance(now): checked after every random step. */
static void check_invariants(struct lapic *l, vdev_time_t now, unsigned step)
{
	int p = lapic_pending_vector(l);

	CHECK((l->irr[0] & 0xFFFF) == 0);   /* vectors 0-15 never get in */
	CHECK((l->isr[0] & 0xFFFF) == 0);
	if (!(l->svr & LAPIC_SVR_ENABLE))
		for (unsigned i = 0; i < LAPIC_LVT_COUNT; i++)
			CHECK(l->lvt[i] & LAPIC_LVT_MASKED);
	if (p >= 0) {
		CHECK(l->irr[p / 32] >> (p % 32) & 1);
		CHECK(((unsigned)p & 0xF0) > (lapic_ppr(l) & 0xF0));
	}
	CHECK(lapic_next_event(l) > now);   /* nothing due is left undone */
	CHECK((l->apic_base & 0x2FF) == (l->apic_base & APIC_BASE_BSP));
	CHECK(!(l->apic_base & APIC_BASE_EXTD) || (l->apic_base & APIC_BASE_EN));
	if (lapic_mmio_enabled(l)) {
		CHECK(lapic_mmio_read(l, LAPIC_VER, 4, now) == 0x00050014);
		CHECK(lapic_mmio_read(l, LAPIC_TIMER_CCR, 4, now) <=
		      lapic_mmio_read(l, LAPIC_TIMER_ICR, 4, now));
	} else {
		CHECK(lapic_mmio_read(l, LAPIC_VER, 4, now) == 0xFFFFFFFF);
	}
}

START_TEST(test_random_accesses)
{
	struct lapic l;
	vdev_time_t now = 0;
	uint64_t v;

	rnd_seed(0x1A91C0DEull);
	setup(&l, 1);
	sw_enable(&l);
	for (unsigned step = 0; step < 100000; step++) {
		unsigned op = rnd() % 16;
		unsigned reg = regs[rnd() % (sizeof(regs) / sizeof(regs[0]))];
		int pending;

		now += rnd() % 4 ? rnd() % 2000 : 0;
		switch (op) {
		case 0:
		case 1:
		case 2:
			lapic_mmio_write(&l, reg, 4, random_value(), now);
			break;
		case 3:
			lapic_mmio_read(&l, reg, 4, now);
			break;
		case 4:   /* any offset and size */
			lapic_mmio_write(&l, rnd() % 0x1100, (unsigned)(rnd() % 9), rnd(), now);
			lapic_mmio_read(&l, rnd() % 0x1100, (unsigned)(rnd() % 9), now);
			break;
		case 5:
			lapic_msr_write(&l, MSR_X2APIC_FIRST + (uint32_t)(rnd() % 0x100),
					rnd() % 2 ? random_value() : rnd(), now);
			break;
		case 6:
			lapic_msr_read(&l, MSR_X2APIC_FIRST + reg / 16, &v, now);
			lapic_msr_write(&l, MSR_X2APIC_FIRST + reg / 16, random_value(), now);
			break;
		case 7:   /* mode changes, now and then */
			if (rnd() % 64 == 0) {
				static const uint64_t bases[] = {
					LAPIC_DEFAULT_BASE | APIC_BASE_EN,
					LAPIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_EXTD,
					LAPIC_DEFAULT_BASE, 0xFED00000 | APIC_BASE_EN,
				};
				lapic_msr_write(&l, MSR_IA32_APIC_BASE,
						rnd() % 8 ? bases[rnd() % 4] : rnd(), now);
				lapic_mmio_write(&l, LAPIC_SVR, 4, 0x1FF, now);
				lapic_msr_write(&l, 0x80F, 0x1FF, now);
			}
			break;
		case 8:
			lapic_msr_write(&l, MSR_IA32_TSC_DEADLINE,
					lapic_tsc(&l, now) + rnd() % 100000, now);
			break;
		case 9:
		case 10:
			lapic_accept_irq(&l, (uint8_t)rnd(), rnd() % 2);
			break;
		case 11:
		case 12:
			pending = lapic_pending_vector(&l);
			if (pending >= 0)
				CHECK(lapic_ack(&l, (uint8_t)pending));
			break;
		case 13:
			lapic_mmio_write(&l, LAPIC_EOI, 4, 0, now);
			lapic_msr_write(&l, 0x80B, 0, now);
			break;
		case 14:
			lapic_msr_read(&l, (uint32_t)rnd(), &v, now);
			lapic_msr_write(&l, (uint32_t)(rnd() % 0x1000), rnd(), now);
			break;
		default:
			now += rnd() % 1000000;
			break;
		}
		lapic_advance(&l, now);
		check_invariants(&l, now, step);
	}
}
END_TEST

/* Virtual-interrupt delivery: the model hands accepted vectors to the CPU
 * (highest first, with their trigger mode), injects nothing itself, shows
 * the CPU's IRR/ISR in register reads, sends level EOIs that come back to
 * the IOAPIC, and takes posted-but-not-taken vectors back when turned off. */
START_TEST(test_virtual_interrupt_delivery)
{
	struct lapic l;
	bool level = true;
	uint32_t irr[8] = { 0 }, isr[8] = { 0 };

	setup(&l, 0);
	sw_enable(&l);
	lapic_set_vid(&l, true);
	ck_assert_int_eq(lapic_post(&l, &level), -1);
	ck_assert(lapic_accept_irq(&l, 0x41, false));
	ck_assert(lapic_accept_irq(&l, 0x62, true));
	ck_assert_int_eq(lapic_pending_vector(&l), -1);          /* the CPU delivers, not us */
	ck_assert_int_eq(lapic_post(&l, &level), 0x62);
	ck_assert(level);
	ck_assert_int_eq(lapic_post(&l, &level), 0x41);
	ck_assert(!level);
	ck_assert_int_eq(lapic_post(&l, &level), -1);
	ck_assert_uint_eq(rd(&l, LAPIC_IRR + 0x20, 0), 0);      /* posted: no longer ours */
	/* The CPU took 0x62, 0x41 is still requested there. */
	irr[0x41 / 32] = 1u << (0x41 % 32);
	isr[0x62 / 32] = 1u << (0x62 % 32);
	lapic_vid_state(&l, irr, isr);
	ck_assert(in_set(&l, LAPIC_IRR, 0x41));
	ck_assert(in_set(&l, LAPIC_ISR, 0x62));
	ck_assert_uint_eq(rd(&l, LAPIC_PPR, 0), 0x60);
	/* Its EOI came back (EOI-exit bit): the IOAPIC hears of the level vector. */
	lapic_eoi_vector(&l, 0x62);
	ck_assert_uint_eq(rec.eois, 1);
	ck_assert_uint_eq(rec.eoi[0], 0x62);
	ck_assert(!in_set(&l, LAPIC_ISR, 0x62));
	lapic_eoi_vector(&l, 0x41);                                   /* edge: nothing to tell */
	ck_assert_uint_eq(rec.eois, 1);
	/* Off: 0x41, posted but not taken, is the model's to inject again. */
	lapic_set_vid(&l, false);
	ck_assert_int_eq(lapic_pending_vector(&l), 0x41);
	ck_assert_int_eq(lapic_post(&l, &level), -1);
}
END_TEST

Suite *lapic_suite(void)
{
	Suite *s = suite_create("lapic");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reset_state_and_version);
	tcase_add_test(tc, test_software_disable_keeps_lvts_masked);
	tcase_add_test(tc, test_register_write_masks);
	tcase_add_test(tc, test_tpr_ppr_arithmetic);
	tcase_add_test(tc, test_pending_vector_priority);
	tcase_add_test(tc, test_nested_interrupts_eoi_order);
	tcase_add_test(tc, test_level_eoi_reaches_ioapic_callback);
	tcase_add_test(tc, test_esr_write_then_read);
	tcase_add_test(tc, test_mmio_access_sizes);
	tcase_add_test(tc, test_icr_self_ipis_and_others);
	tcase_add_test(tc, test_destination_matching);
	tcase_add_test(tc, test_pic_interrupts_through_lint0);
	tcase_add_test(tc, test_x2apic_msr_rules);
	tcase_add_test(tc, test_apic_base_transitions);
	tcase_add_test(tc, test_init_reset_keeps_id_and_mode);
	tcase_add_test(tc, test_virtual_interrupt_delivery);
	suite_add_tcase(s, tc);

	tc = tcase_create("timer");
	tcase_add_test(tc, test_timer_oneshot_each_divider);
	tcase_add_test(tc, test_timer_current_count_decreases);
	tcase_add_test(tc, test_timer_fractional_clock);
	tcase_add_test(tc, test_timer_periodic);
	tcase_add_test(tc, test_timer_divider_change_while_running);
	tcase_add_test(tc, test_timer_tsc_deadline);
	tcase_add_test(tc, test_timer_huge_values_saturate);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "random", NULL, NULL, test_random_accesses);
	return s;
}
