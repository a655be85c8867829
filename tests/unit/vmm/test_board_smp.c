/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual PC with several vCPUs (vmm/board.c): one local APIC per CPU,
 * IPIs through the ICR (xAPIC page and x2APIC MSR) with every destination
 * form, INIT and SIPI, lowest priority, the I/O APIC's destinations, the
 * per-CPU APIC timers, and the kicks that tell the VMM which other vCPU
 * got an interrupt.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/board.h"

#define APIC     0xfee00000ull
#define IOAPIC   0xfec00000ull
#define MAX_LOG  64

static struct board b;

/* What the board asked of the VMM, in order. */
struct event {
	char kind;            /* 'i' init, 's' sipi, 'n' nmi, 'k' kick */
	unsigned cpu;
	uint8_t vector;
};
static struct event events[MAX_LOG];
static unsigned nevents;

static void log_event(char kind, unsigned cpu, uint8_t vector)
{
	if (nevents < MAX_LOG)
		events[nevents] = (struct event){ kind, cpu, vector };
	nevents++;
}

static void on_init(void *ctx, unsigned cpu)
{
	ck_assert_ptr_eq(ctx, &b);
	log_event('i', cpu, 0);
}

static void on_sipi(void *ctx, unsigned cpu, uint8_t vector)
{
	ck_assert_ptr_eq(ctx, &b);
	log_event('s', cpu, vector);
}

static void on_nmi(void *ctx, unsigned cpu)
{
	ck_assert_ptr_eq(ctx, &b);
	log_event('n', cpu, 0);
}

static void on_kick(void *ctx, unsigned cpu)
{
	ck_assert_ptr_eq(ctx, &b);
	log_event('k', cpu, 0);
}

static void board_with(unsigned cpus)
{
	struct board_config cfg = { .cpus = cpus, .tsc_hz = 1000000000ull, .init = on_init, .sipi = on_sipi,
				    .nmi = on_nmi, .kick = on_kick, .ctx = &b };
	board_init(&b, &cfg, 0);
	nevents = 0;
}

/* The events since the last call, as a string: "k2 i1 s1:9a". */
static const char *log_str(void)
{
	static char s[MAX_LOG * 8];
	size_t at = 0;

	s[0] = 0;
	for (unsigned i = 0; i < nevents && i < MAX_LOG; i++) {
		const struct event *e = &events[i];
		at += (size_t)snprintf(s + at, sizeof(s) - at, e->kind == 's' ? "%s%c%u:%02x" : "%s%c%u",
				       i ? " " : "", e->kind, e->cpu, e->vector);
	}
	nevents = 0;
	return s;
}

static void wr(unsigned cpu, unsigned reg, uint32_t val)
{
	ck_assert(board_mmio_write(&b, cpu, APIC + reg, 4, val, 0));
}

static uint32_t rd(unsigned cpu, unsigned reg)
{
	uint64_t v = 0;

	ck_assert(board_mmio_read(&b, cpu, APIC + reg, 4, &v, 0));
	return (uint32_t)v;
}

/* Software enables cpu's local APIC (spurious vector 0xff), as an OS does. */
static void apic_on(unsigned cpu)
{
	wr(cpu, LAPIC_SVR, 0x1ff);
}

/* An xAPIC IPI: the destination to ICR high, then ICR low sends. */
static void ipi(unsigned from, uint8_t dest, uint32_t lo)
{
	wr(from, LAPIC_ICR_HI, (uint32_t)dest << 24);
	wr(from, LAPIC_ICR_LO, lo);
}

/* Whether vector is requested in cpu's IRR. */
static bool in_irr(unsigned cpu, unsigned vector)
{
	return rd(cpu, LAPIC_IRR + vector / 32 * 0x10) >> (vector % 32) & 1;
}

/* The CPUs with vector in IRR, as a bit set. */
static unsigned with_irr(unsigned vector)
{
	unsigned set = 0;

	for (unsigned i = 0; i < b.cpus; i++)
		if (lapic_requested_vector(board_lapic(&b, i)) == (int)vector)
			set |= 1u << i;
	return set;
}

static void x2apic_on(unsigned cpu)
{
	bool handled;

	ck_assert(board_msr_write(&b, cpu, MSR_IA32_APIC_BASE, APIC | APIC_BASE_EN | APIC_BASE_EXTD | (cpu ? 0 : APIC_BASE_BSP),
				  &handled, 0));
	ck_assert(board_msr_write(&b, cpu, 0x80f, 0x1ff, &handled, 0));     /* SVR */
}

static void x2apic_icr(unsigned from, uint32_t dest, uint32_t lo)
{
	bool handled = false;

	ck_assert(board_msr_write(&b, from, 0x830, (uint64_t)dest << 32 | lo, &handled, 0));
	ck_assert(handled);
}

/* I/O APIC entry of pin: high dword, then low (which unmasks). */
static void ioapic_entry(unsigned pin, uint64_t rte)
{
	ck_assert(board_mmio_write(&b, 0, IOAPIC, 4, 0x11 + 2 * pin, 0));
	ck_assert(board_mmio_write(&b, 0, IOAPIC + 0x10, 4, rte >> 32, 0));
	ck_assert(board_mmio_write(&b, 0, IOAPIC, 4, 0x10 + 2 * pin, 0));
	ck_assert(board_mmio_write(&b, 0, IOAPIC + 0x10, 4, (uint32_t)rte, 0));
}

/* An interrupt a device raises outside a board call (the VMM's disk and
 * net threads complete requests so): nobody is kicked until
 * board_kick_pending, which kicks the CPU it went to, once. */
START_TEST(test_interrupt_from_a_thread_kicks_on_request)
{
	board_with(4);
	apic_on(2);
	ioapic_entry(9, 2ull << 56 | 0x49);                                   /* pin 9: edge, to CPU 2 */
	log_str();
	vdev_irq_set(&b.irq, 9, 1);
	vdev_irq_set(&b.irq, 9, 0);
	ck_assert_str_eq(log_str(), "");
	ck_assert_int_eq(board_pending(&b, 2), 0x49);
	board_kick_pending(&b);
	ck_assert_str_eq(log_str(), "k2");
	board_kick_pending(&b);
	ck_assert_str_eq(log_str(), "");                                        /* (once) */
}
END_TEST

/* ------------------------------------------------------------ CPUs */

START_TEST(test_each_cpu_sees_its_own_apic)
{
	uint64_t v;
	bool handled;

	board_with(4);
	ck_assert_uint_eq(b.cpus, 4);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_uint_eq(rd(i, LAPIC_ID), i << 24);
		ck_assert(board_msr_read(&b, i, MSR_IA32_APIC_BASE, &v, &handled, 0));
		ck_assert_uint_eq(v, APIC | APIC_BASE_EN | (i == 0 ? APIC_BASE_BSP : 0));   /* BSP: CPU 0 only */
		ck_assert(board_waits_for_sipi(&b, i) == (i != 0));
	}
	/* Firmware's virtual wire on the BSP; the APs' APICs in the power-up state. */
	ck_assert_uint_eq(rd(0, LAPIC_SVR), 0x1ff);
	ck_assert_uint_eq(rd(1, LAPIC_SVR), 0xff);
	ck_assert_uint_eq(rd(1, LAPIC_LVT_LINT0), LAPIC_LVT_MASKED);
	/* A CPU's own page: TPR and the x2APIC mode are its own. */
	wr(2, LAPIC_TPR, 0x50);
	ck_assert_uint_eq(board_cr8(&b, 2), 5);
	ck_assert_uint_eq(board_cr8(&b, 1), 0);
	board_set_cr8(&b, 3, 7);
	ck_assert_uint_eq(rd(3, LAPIC_TPR), 0x70);
	ck_assert_uint_eq(rd(2, LAPIC_TPR), 0x50);
	x2apic_on(1);
	ck_assert(!board_mmio_read(&b, 1, APIC + LAPIC_ID, 4, &v, 0));          /* its page is gone */
	ck_assert_uint_eq(rd(0, LAPIC_ID), 0);                                   /* CPU 0's is there */
	ck_assert(board_msr_read(&b, 1, 0x802, &v, &handled, 0));
	ck_assert_uint_eq(v, 1);                                                 /* x2APIC ID */
	ck_assert(!board_msr_read(&b, 0, 0x802, &v, &handled, 0));               /* CPU 0: xAPIC */
	/* The I/O APIC's ID follows the local APICs'. */
	ck_assert(board_mmio_write(&b, 0, IOAPIC, 4, 0, 0));
	ck_assert(board_mmio_read(&b, 3, IOAPIC + 0x10, 4, &v, 0));
	ck_assert_uint_eq(v, BOARD_IOAPIC_ID(4) << 24);
	ck_assert_str_eq(log_str(), "");
}
END_TEST

START_TEST(test_cpu_counts)
{
	board_with(0);
	ck_assert_uint_eq(b.cpus, 1);
	board_with(BOARD_MAX_CPUS + 5);
	ck_assert_uint_eq(b.cpus, BOARD_MAX_CPUS);
	ck_assert_uint_eq(rd(7, LAPIC_ID), 7u << 24);
	/* One CPU: INIT, SIPI and IPIs to others reach nobody. */
	board_with(1);
	ipi(0, 1, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	ipi(0, 1, LAPIC_ICR_DM_SIPI | 0x10);
	ipi(0, 0, LAPIC_ICR_SH_OTHERS | 0x40);
	ck_assert_str_eq(log_str(), "");
	ck_assert_int_eq(board_pending(&b, 0), -1);
}
END_TEST

/* ------------------------------------------------------------ INIT and SIPI */

START_TEST(test_init_sipi_sipi)
{
	board_with(4);
	/* Linux's wakeup_secondary_cpu_via_init: INIT assert, INIT de-assert, SIPI, SIPI. */
	ipi(0, 1, LAPIC_ICR_DM_INIT | LAPIC_ICR_LEVEL | LAPIC_ICR_ASSERT);
	ck_assert_str_eq(log_str(), "i1 k1");
	ck_assert(board_waits_for_sipi(&b, 1));
	ipi(0, 1, LAPIC_ICR_DM_INIT | LAPIC_ICR_LEVEL);                       /* de-assert: nothing */
	ck_assert_str_eq(log_str(), "");
	ipi(0, 1, LAPIC_ICR_DM_SIPI | 0x9a);
	ck_assert_str_eq(log_str(), "s1:9a k1");
	ck_assert(!board_waits_for_sipi(&b, 1));
	ipi(0, 1, LAPIC_ICR_DM_SIPI | 0x9a);                                  /* running: ignored */
	ck_assert_str_eq(log_str(), "");
	/* The others never got anything. */
	ck_assert(board_waits_for_sipi(&b, 2));
	ck_assert(board_waits_for_sipi(&b, 3));
	/* A SIPI without INIT to CPUs that wait from power-up starts them; all
	 * but self from CPU 1 reaches 2 and 3 (0 and 1 run: they ignore it). */
	ipi(1, 0, LAPIC_ICR_SH_OTHERS | LAPIC_ICR_DM_SIPI | 0x08);
	ck_assert_str_eq(log_str(), "s2:08 s3:08 k2 k3");
	/* INIT resets the AP's local APIC (its ID stays): software disabled again. */
	apic_on(2);
	wr(2, LAPIC_TPR, 0x30);
	ipi(1, 2, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	ck_assert_str_eq(log_str(), "i2 k2");
	ck_assert_uint_eq(rd(2, LAPIC_SVR), 0xff);
	ck_assert_uint_eq(rd(2, LAPIC_TPR), 0);
	ck_assert_uint_eq(rd(2, LAPIC_ID), 2u << 24);
	ck_assert(board_waits_for_sipi(&b, 2));
	ipi(1, 2, LAPIC_ICR_DM_SIPI | 0x20);
	ck_assert_str_eq(log_str(), "s2:20 k2");
}
END_TEST

/* INIT reaches the BSP too; it goes on at the reset vector, not waiting for a SIPI. */
START_TEST(test_init_to_the_bsp)
{
	board_with(2);
	ipi(1, 0, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	ck_assert_str_eq(log_str(), "i0 k0");
	ck_assert(!board_waits_for_sipi(&b, 0));
	ck_assert_uint_eq(rd(0, LAPIC_SVR), 0xff);                            /* its APIC reset */
	ipi(1, 0, LAPIC_ICR_DM_SIPI | 0x10);
	ck_assert_str_eq(log_str(), "");
	/* INIT to all including self: the sender is reset too, but not kicked. */
	ipi(1, 0, LAPIC_ICR_SH_ALL | LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	ck_assert_str_eq(log_str(), "i0 i1 k0");
	ck_assert(board_waits_for_sipi(&b, 1));
}
END_TEST

START_TEST(test_nmi)
{
	board_with(4);
	ipi(0, 3, LAPIC_ICR_DM_NMI);
	ck_assert_str_eq(log_str(), "n3 k3");
	ipi(2, 0, LAPIC_ICR_SH_SELF | LAPIC_ICR_DM_NMI);                      /* to itself: no kick */
	ck_assert_str_eq(log_str(), "n2");
	ipi(2, 0, LAPIC_ICR_SH_OTHERS | LAPIC_ICR_DM_NMI);
	ck_assert_str_eq(log_str(), "n0 n1 n3 k0 k1 k3");
}
END_TEST

/* ------------------------------------------------------------ fixed IPIs */

START_TEST(test_fixed_ipi_physical)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++)
		apic_on(i);
	ipi(0, 2, 0x41);
	ck_assert_uint_eq(with_irr(0x41), 1u << 2);
	ck_assert(in_irr(2, 0x41));
	ck_assert_str_eq(log_str(), "k2");                                    /* not the sender */
	ck_assert_int_eq(board_pending(&b, 2), 0x41);
	ck_assert_int_eq(board_ack(&b, 2), 0x41);
	ck_assert_int_eq(board_pending(&b, 2), -1);
	wr(2, LAPIC_EOI, 0);
	ck_assert_uint_eq(rd(2, LAPIC_ISR + 0x20), 0);
	/* From CPU 3 to CPU 0; the ICR reads back per CPU. */
	ipi(3, 0, 0x42);
	ck_assert_uint_eq(with_irr(0x42), 1u << 0);
	ck_assert_str_eq(log_str(), "k0");
	ck_assert_uint_eq(rd(3, LAPIC_ICR_LO), 0x42);
	ck_assert_uint_eq(rd(0, LAPIC_ICR_LO), 0x41);
	ck_assert_uint_eq(rd(1, LAPIC_ICR_LO), 0);
	/* A software-disabled APIC refuses fixed interrupts: no IRR, no kick. */
	wr(1, LAPIC_SVR, 0xff);
	ipi(0, 1, 0x43);
	ck_assert_uint_eq(with_irr(0x43), 0);
	ck_assert_str_eq(log_str(), "");
	/* 0xff: every CPU, the sender too (which is not kicked). */
	ipi(2, 0xff, 0x44);
	ck_assert_uint_eq(with_irr(0x44), 0xd);                               /* (CPU 1 is off) */
	ck_assert_str_eq(log_str(), "k0 k3");
}
END_TEST

START_TEST(test_shorthands)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++)
		apic_on(i);
	ipi(1, 3, LAPIC_ICR_SH_OTHERS | 0x50);                                /* (the field is ignored) */
	ck_assert_uint_eq(with_irr(0x50), 0xd);
	ck_assert_str_eq(log_str(), "k0 k2 k3");
	ipi(1, 3, LAPIC_ICR_SH_ALL | 0x51);
	ck_assert_uint_eq(with_irr(0x51), 0xf);
	ck_assert_str_eq(log_str(), "k0 k2 k3");
	ipi(1, 3, LAPIC_ICR_SH_SELF | 0x52);
	ck_assert_uint_eq(with_irr(0x52), 0x2);
	ck_assert_str_eq(log_str(), "");
	/* A CPU whose APIC is hardware disabled gets no IPI at all. */
	bool handled;
	ck_assert(board_msr_write(&b, 2, MSR_IA32_APIC_BASE, APIC, &handled, 0));
	ipi(1, 0, LAPIC_ICR_SH_OTHERS | LAPIC_ICR_DM_NMI);
	ck_assert_str_eq(log_str(), "n0 n3 k0 k3");
}
END_TEST

START_TEST(test_self_ipi)
{
	board_with(2);
	apic_on(0);
	apic_on(1);
	ipi(1, 1, 0x60);                                                      /* its own ID */
	ck_assert_uint_eq(with_irr(0x60), 0x2);
	ipi(1, 0, LAPIC_ICR_SH_SELF | 0x61);
	ck_assert_uint_eq(with_irr(0x61), 0x2);
	x2apic_on(1);
	bool handled;
	ck_assert(board_msr_write(&b, 1, 0x83f, 0x62, &handled, 0));         /* SELF IPI register */
	ck_assert_uint_eq(with_irr(0x62), 0x2);
	x2apic_icr(1, 1, 0x63);
	ck_assert_uint_eq(with_irr(0x63), 0x2);
	ck_assert_str_eq(log_str(), "");
}
END_TEST

START_TEST(test_logical_flat)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++) {
		apic_on(i);
		wr(i, LAPIC_DFR, 0xffffffff);                                 /* flat */
		wr(i, LAPIC_LDR, 1u << (24 + i));                              /* Linux: bit i for CPU i */
	}
	ipi(0, 0x0a, LAPIC_ICR_LOGICAL | 0x70);                               /* CPUs 1 and 3 */
	ck_assert_uint_eq(with_irr(0x70), 0xa);
	ck_assert_str_eq(log_str(), "k1 k3");
	ipi(3, 0x09, LAPIC_ICR_LOGICAL | 0x71);                               /* CPU 0 and itself */
	ck_assert_uint_eq(with_irr(0x71), 0x9);
	ck_assert_str_eq(log_str(), "k0");
	ipi(3, 0xf0, LAPIC_ICR_LOGICAL | 0x72);                               /* no such bits */
	ck_assert_uint_eq(with_irr(0x72), 0);
	ipi(3, 0xff, LAPIC_ICR_LOGICAL | 0x73);                               /* broadcast */
	ck_assert_uint_eq(with_irr(0x73), 0xf);
	ck_assert_str_eq(log_str(), "k0 k1 k2");
}
END_TEST

START_TEST(test_logical_cluster)
{
	board_with(8);
	for (unsigned i = 0; i < 8; i++) {
		apic_on(i);
		wr(i, LAPIC_DFR, 0x0fffffff);                                 /* cluster */
		wr(i, LAPIC_LDR, ((i / 4) << 4 | 1u << (i % 4)) << 24);       /* cluster i / 4 */
	}
	ck_assert_uint_eq(rd(5, LAPIC_DFR), 0x0fffffff);
	ipi(0, 0x13, LAPIC_ICR_LOGICAL | 0x80);                               /* cluster 1, members 0, 1 */
	ck_assert_uint_eq(with_irr(0x80), 0x30);
	ck_assert_str_eq(log_str(), "k4 k5");
	ipi(4, 0x0c, LAPIC_ICR_LOGICAL | 0x81);                               /* cluster 0, members 2, 3 */
	ck_assert_uint_eq(with_irr(0x81), 0x0c);
	ck_assert_str_eq(log_str(), "k2 k3");
	ipi(4, 0x2f, LAPIC_ICR_LOGICAL | 0x82);                               /* cluster 2: nobody */
	ck_assert_uint_eq(with_irr(0x82), 0);
	ck_assert_str_eq(log_str(), "");
}
END_TEST

START_TEST(test_lowest_priority)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++) {
		apic_on(i);
		wr(i, LAPIC_LDR, 1u << (24 + i));
	}
	/* Flat logical 0xe (CPUs 1-3): all at TPR 0, the lowest number wins. */
	ipi(0, 0x0e, LAPIC_ICR_LOGICAL | LAPIC_ICR_DM_LOWEST | 0x90);
	ck_assert_uint_eq(with_irr(0x90), 0x2);
	ck_assert_str_eq(log_str(), "k1");
	/* The lowest task priority class wins (TPR 0x2f is class 2, 0x30 class 3). */
	board_set_cr8(&b, 1, 4);
	wr(2, LAPIC_TPR, 0x30);
	wr(3, LAPIC_TPR, 0x2f);
	ipi(0, 0x0e, LAPIC_ICR_LOGICAL | LAPIC_ICR_DM_LOWEST | 0x91);
	ck_assert_uint_eq(with_irr(0x91), 0x8);
	ck_assert_str_eq(log_str(), "k3");
	/* A software-disabled APIC is passed over; all but self works too. */
	wr(3, LAPIC_SVR, 0xff);
	ipi(0, 0, LAPIC_ICR_SH_OTHERS | LAPIC_ICR_DM_LOWEST | 0x92);
	ck_assert_uint_eq(with_irr(0x92), 0x4);
	ck_assert_str_eq(log_str(), "k2");
	/* Physical to one CPU: that one. Illegal vector: not sent. */
	ipi(0, 1, LAPIC_ICR_DM_LOWEST | 0x93);
	ck_assert_uint_eq(with_irr(0x93), 0x2);
	ipi(0, 1, LAPIC_ICR_DM_LOWEST | 0x03);
	wr(0, LAPIC_ESR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_ESR), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
	ck_assert_str_eq(log_str(), "k1");
}
END_TEST

START_TEST(test_x2apic_icr)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++)
		x2apic_on(i);
	x2apic_icr(0, 2, 0xa0);                                               /* physical ID 2 */
	ck_assert_uint_eq(with_irr(0xa0), 0x4);
	ck_assert_str_eq(log_str(), "k2");
	x2apic_icr(1, 0xffffffff, 0xa1);                                      /* broadcast, self included */
	ck_assert_uint_eq(with_irr(0xa1), 0xf);
	ck_assert_str_eq(log_str(), "k0 k2 k3");
	x2apic_icr(1, 0xff, 0xa2);                                            /* in x2APIC, 0xff is an ID */
	ck_assert_uint_eq(with_irr(0xa2), 0);
	/* Logical: cluster 0 (IDs 0-15), one bit per ID[3:0]. */
	x2apic_icr(3, 0x00000005, LAPIC_ICR_LOGICAL | 0xa3);                  /* IDs 0 and 2 */
	ck_assert_uint_eq(with_irr(0xa3), 0x5);
	ck_assert_str_eq(log_str(), "k0 k2");
	x2apic_icr(3, 0x00010005, LAPIC_ICR_LOGICAL | 0xa4);                  /* cluster 1: nobody */
	ck_assert_uint_eq(with_irr(0xa4), 0);
	x2apic_icr(3, 0, LAPIC_ICR_SH_OTHERS | 0xa5);
	ck_assert_uint_eq(with_irr(0xa5), 0x7);
	ck_assert_str_eq(log_str(), "k0 k1 k2");
	/* INIT and SIPI through the x2APIC ICR. */
	x2apic_icr(0, 3, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	x2apic_icr(0, 3, LAPIC_ICR_DM_SIPI | 0x11);
	ck_assert_str_eq(log_str(), "i3 k3 s3:11 k3");
	ck_assert(!board_waits_for_sipi(&b, 3));
	/* Reserved bits fault; nothing is sent. */
	bool handled;
	ck_assert(!board_msr_write(&b, 0, 0x830, 2ull << 32 | 1u << 20 | 0xa6, &handled, 0));
	ck_assert(handled);
	ck_assert_uint_eq(with_irr(0xa6), 0);
	ck_assert_str_eq(log_str(), "");
}
END_TEST

/* ------------------------------------------------------------ bad ICR values */

START_TEST(test_illegal_vector_sets_the_esr)
{
	board_with(2);
	apic_on(0);
	apic_on(1);
	ipi(0, 1, 0x0f);
	ipi(0, 0, LAPIC_ICR_SH_ALL | 0x01);
	ck_assert_int_eq(lapic_requested_vector(board_lapic(&b, 0)), -1);
	ck_assert_int_eq(lapic_requested_vector(board_lapic(&b, 1)), -1);
	ck_assert_str_eq(log_str(), "");
	wr(0, LAPIC_ESR, 0);
	ck_assert_uint_eq(rd(0, LAPIC_ESR), LAPIC_ESR_SEND_ILLEGAL_VECTOR);   /* the sender's */
	wr(1, LAPIC_ESR, 0);
	ck_assert_uint_eq(rd(1, LAPIC_ESR), 0);
	/* NMI, INIT and SIPI take any vector. */
	ipi(0, 1, LAPIC_ICR_DM_SIPI | 0x00);
	ck_assert_str_eq(log_str(), "s1:00 k1");
}
END_TEST

START_TEST(test_bad_destinations_and_modes_are_dropped)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++)
		apic_on(i);
	ipi(0, 4, 0xb0);                                                      /* no CPU 4 */
	ipi(0, 0xfe, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	ipi(0, 0x80, LAPIC_ICR_LOGICAL | LAPIC_ICR_DM_NMI);
	ipi(0, 7, LAPIC_ICR_DM_LOWEST | 0xb1);
	ipi(0, 1, 2u << 8 | 0xb2);                                            /* SMI */
	ipi(0, 1, 3u << 8 | 0xb3);                                            /* reserved */
	ipi(0, 1, 7u << 8 | 0xb4);                                            /* reserved (ExtINT) */
	x2apic_on(0);
	x2apic_icr(0, 0x12345678, 0xb5);
	x2apic_icr(0, 4, LAPIC_ICR_DM_SIPI | 0xb6);
	for (unsigned v = 0xb0; v <= 0xb6; v++)
		ck_assert_uint_eq(with_irr(v), 0);
	ck_assert_str_eq(log_str(), "");
	for (unsigned i = 1; i < 4; i++)
		ck_assert(board_waits_for_sipi(&b, i));
}
END_TEST

/* ------------------------------------------------------------ the I/O APIC */

START_TEST(test_ioapic_physical_destination)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++)
		apic_on(i);
	/* IRQ 4 (COM1) on pin 4: vector 0x45, edge, to APIC 3. */
	ioapic_entry(4, 3ull << 56 | 0x45);
	board_out(&b, 1, 0x3f9, 1, 0x02, 0);                                  /* UART: THRE interrupt */
	board_out(&b, 1, 0x3fc, 1, 0x08, 0);                                  /* OUT2 */
	ck_assert_uint_eq(with_irr(0x45), 0x8);
	ck_assert_str_eq(log_str(), "k3");                                    /* raised by CPU 1 */
	/* The same raised by CPU 3 itself: no kick. */
	board_out(&b, 3, 0x3f9, 1, 0x00, 0);
	board_out(&b, 3, 0x3f9, 1, 0x02, 0);
	ck_assert_str_eq(log_str(), "");
	/* Pointed at a CPU that is not there: dropped. */
	ioapic_entry(4, 9ull << 56 | 0x46);
	board_out(&b, 1, 0x3f9, 1, 0x00, 0);
	board_out(&b, 1, 0x3f9, 1, 0x02, 0);
	ck_assert_uint_eq(with_irr(0x46), 0);
	ck_assert_str_eq(log_str(), "");
}
END_TEST

START_TEST(test_ioapic_logical_destination)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++) {
		apic_on(i);
		wr(i, LAPIC_LDR, 1u << (24 + i));
	}
	/* Fixed, logical 0x6: CPUs 1 and 2 both get it. */
	ioapic_entry(4, 6ull << 56 | IOAPIC_RTE_LOGICAL | 0x47);
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);
	board_out(&b, 0, 0x3fc, 1, 0x08, 0);
	ck_assert_uint_eq(with_irr(0x47), 0x6);
	ck_assert_str_eq(log_str(), "k1 k2");
	/* Lowest priority, logical 0xe: one of them (CPU 1: the lowest TPR, then number). */
	ioapic_entry(4, 0xeull << 56 | IOAPIC_RTE_LOGICAL | 1ull << 8 | 0x48);
	board_out(&b, 0, 0x3f9, 1, 0x00, 0);
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);
	ck_assert_uint_eq(with_irr(0x48), 0x2);
	ck_assert_str_eq(log_str(), "k1");
	/* Broadcast 0xff reaches every CPU, x2APIC mode or not. */
	x2apic_on(2);
	ioapic_entry(4, 0xffull << 56 | 0x49);
	board_out(&b, 0, 0x3f9, 1, 0x00, 0);
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);
	ck_assert_uint_eq(with_irr(0x49), 0xf);
	ck_assert_str_eq(log_str(), "k1 k2 k3");
}
END_TEST

/* A level-triggered pin to CPU 2: its EOI (with APIC virtualization, an
 * EOI exit) goes back to the I/O APIC, which sends it again while the line
 * stays up. A level pin to a missing CPU holds nothing up. */
START_TEST(test_ioapic_level_to_another_cpu)
{
	board_with(4);
	for (unsigned i = 0; i < 4; i++)
		apic_on(i);
	ioapic_entry(4, 2ull << 56 | IOAPIC_RTE_LEVEL | 0x4a);
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);
	board_out(&b, 0, 0x3fc, 1, 0x08, 0);
	ck_assert_str_eq(log_str(), "k2");
	ck_assert_int_eq(board_ack(&b, 2), 0x4a);
	ck_assert(rd(2, LAPIC_TMR + 0x20) >> 10 & 1);
	board_eoi_vector(&b, 2, 0x4a);                                        /* the line is still up */
	ck_assert_uint_eq(with_irr(0x4a), 0x4);
	ck_assert_str_eq(log_str(), "");                                      /* (CPU 2's own EOI) */
	ck_assert_int_eq(board_ack(&b, 2), 0x4a);
	board_eoi_vector(&b, 0, 0x4a);                                        /* not in CPU 0's ISR */
	ck_assert_uint_eq(with_irr(0x4a), 0);
	wr(2, LAPIC_EOI, 0);                                                  /* through the page */
	ck_assert_uint_eq(with_irr(0x4a), 0x4);
	ck_assert_int_eq(board_ack(&b, 2), 0x4a);
	/* The line goes down (THRE interrupt off), then the EOI: nothing more. */
	board_out(&b, 0, 0x3f9, 1, 0x00, 0);
	wr(2, LAPIC_EOI, 0);
	ck_assert_uint_eq(with_irr(0x4a), 0);
	/* To CPU 6 (none): not accepted, so no remote IRR. */
	ioapic_entry(4, 6ull << 56 | IOAPIC_RTE_LEVEL | 0x4b);
	board_out(&b, 0, 0x3f9, 1, 0x02, 0);
	ck_assert_uint_eq(b.ioapic.redir[4] & IOAPIC_RTE_REMOTE_IRR, 0);
	ioapic_entry(4, 1ull << 56 | IOAPIC_RTE_LEVEL | 0x4b);               /* now to CPU 1 */
	ck_assert_uint_eq(with_irr(0x4b), 0x2);
	ck_assert(b.ioapic.redir[4] & IOAPIC_RTE_REMOTE_IRR);
}
END_TEST

/* The 8259's INTR goes to CPU 0's LINT0 only; raised by another CPU's
 * access, it kicks CPU 0 once per new vector. */
START_TEST(test_8259_reaches_cpu_0_only)
{
	board_with(2);
	apic_on(1);
	wr(1, LAPIC_LVT_LINT0, 0x700);                                        /* ExtINT on CPU 1 too */
	static const uint8_t icw[][2] = { { 0x20, 0x11 }, { 0x21, 0x30 }, { 0x21, 0x04 }, { 0x21, 0x01 },
					  { 0xa0, 0x11 }, { 0xa1, 0x38 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
					  { 0x21, 0x00 }, { 0xa1, 0x00 } };
	for (unsigned i = 0; i < sizeof(icw) / sizeof(icw[0]); i++)
		board_out(&b, 1, icw[i][0], 1, icw[i][1], 0);
	board_out(&b, 1, 0x3f9, 1, 0x02, 0);
	board_out(&b, 1, 0x3fc, 1, 0x08, 0);
	ck_assert_int_eq(board_pending(&b, 0), 0x34);
	ck_assert_int_eq(board_pending(&b, 1), -1);
	ck_assert_int_eq(board_ack(&b, 1), -1);
	ck_assert_str_eq(log_str(), "k0");
	board_in(&b, 1, 0x3fd, 1, 0);                                         /* still pending: no kick again */
	ck_assert_str_eq(log_str(), "");
	ck_assert_int_eq(board_ack(&b, 0), 0x34);
	board_out(&b, 0, 0x20, 1, 0x20, 0);                                   /* EOI */
	ck_assert_str_eq(log_str(), "");                                      /* (CPU 0's own accesses) */
	/* A new edge, from CPU 1 again: the same vector kicks again. */
	board_out(&b, 1, 0x3f9, 1, 0x00, 0);
	board_out(&b, 1, 0x3f9, 1, 0x02, 0);
	ck_assert_int_eq(board_pending(&b, 0), 0x34);
	ck_assert_str_eq(log_str(), "k0");
}
END_TEST

/* ------------------------------------------------------------ timers */

START_TEST(test_each_cpus_timer)
{
	board_with(3);
	for (unsigned i = 0; i < 3; i++) {
		apic_on(i);
		wr(i, LAPIC_TIMER_DCR, 0xb);                                  /* divide by 1: 100 MHz */
		wr(i, LAPIC_LVT_TIMER, 0xc0 + i);                              /* one-shot */
	}
	ck_assert_uint_eq(board_next_event(&b), VDEV_NEVER);
	wr(0, LAPIC_TIMER_ICR, 3000);                                         /* 30 us */
	wr(1, LAPIC_TIMER_ICR, 1000);                                         /* 10 us */
	wr(2, LAPIC_TIMER_ICR, 2000);                                         /* 20 us */
	ck_assert_str_eq(log_str(), "");
	ck_assert_uint_eq(board_next_event(&b), 10000);
	board_advance(&b, 0, 9999);
	ck_assert_int_eq(board_pending(&b, 1), -1);
	board_advance(&b, 0, 10000);
	ck_assert_int_eq(board_pending(&b, 1), 0xc1);
	ck_assert_int_eq(board_pending(&b, 0), -1);
	ck_assert_int_eq(board_pending(&b, 2), -1);
	ck_assert_str_eq(log_str(), "k1");
	ck_assert_uint_eq(board_next_event(&b), 20000);
	board_advance(&b, 2, 20000);                                          /* CPU 2 itself: no kick */
	ck_assert_int_eq(board_pending(&b, 2), 0xc2);
	ck_assert_str_eq(log_str(), "");
	ck_assert_uint_eq(board_next_event(&b), 30000);
	board_advance(&b, BOARD_NO_CPU, 30000);                               /* no vCPU: it is kicked */
	ck_assert_int_eq(board_pending(&b, 0), 0xc0);
	ck_assert_str_eq(log_str(), "k0");
	ck_assert_uint_eq(board_next_event(&b), VDEV_NEVER);
	/* Current counts are per CPU. */
	wr(1, LAPIC_TIMER_ICR, 5000);
	ck_assert_uint_eq(rd(1, LAPIC_TIMER_CCR), 5000);
	ck_assert_uint_eq(rd(0, LAPIC_TIMER_CCR), 0);
	/* The PIT (10 ticks, 8.4 us) before CPU 1's APIC timer: the PIT is next. */
	board_with(3);
	apic_on(1);
	wr(1, LAPIC_TIMER_DCR, 0xb);
	wr(1, LAPIC_LVT_TIMER, 0xc1);
	wr(1, LAPIC_TIMER_ICR, 1000);
	ck_assert_uint_eq(board_next_event(&b), 10000);
	board_out(&b, 0, 0x43, 1, 0x34, 0);
	board_out(&b, 0, 0x40, 1, 10, 0);
	board_out(&b, 0, 0x40, 1, 0, 0);
	ck_assert_uint_lt(board_next_event(&b), 10000);
	/* A TSC deadline on CPU 2 only. */
	bool handled;
	board_with(3);
	apic_on(2);
	wr(2, LAPIC_LVT_TIMER, 0x40000 | 0xd2);
	ck_assert(board_msr_write(&b, 2, MSR_IA32_TSC_DEADLINE, 7000, &handled, 0));
	ck_assert_uint_eq(board_next_event(&b), 7000);
	board_advance(&b, 1, 7000);
	ck_assert_int_eq(board_pending(&b, 2), 0xd2);
	ck_assert_str_eq(log_str(), "k2");
}
END_TEST

/* Without a kick callback (one vCPU, as today's VMM), nothing is called. */
START_TEST(test_no_callbacks)
{
	struct board_config cfg = { .cpus = 2, .tsc_hz = 1000000000ull };
	board_init(&b, &cfg, 0);
	apic_on(1);
	ipi(0, 1, LAPIC_ICR_DM_INIT | LAPIC_ICR_ASSERT);
	ipi(0, 1, LAPIC_ICR_DM_SIPI | 0x10);
	ipi(0, 1, LAPIC_ICR_DM_NMI);
	ck_assert(!board_waits_for_sipi(&b, 1));
	apic_on(1);
	ipi(0, 1, 0x55);
	ck_assert_int_eq(board_pending(&b, 1), 0x55);
}
END_TEST

Suite *board_smp_suite(void)
{
	Suite *s = suite_create("board_smp");
	TCase *tc = tcase_create("board_smp");

	tcase_add_test(tc, test_each_cpu_sees_its_own_apic);
	tcase_add_test(tc, test_interrupt_from_a_thread_kicks_on_request);
	tcase_add_test(tc, test_cpu_counts);
	tcase_add_test(tc, test_init_sipi_sipi);
	tcase_add_test(tc, test_init_to_the_bsp);
	tcase_add_test(tc, test_nmi);
	tcase_add_test(tc, test_fixed_ipi_physical);
	tcase_add_test(tc, test_shorthands);
	tcase_add_test(tc, test_self_ipi);
	tcase_add_test(tc, test_logical_flat);
	tcase_add_test(tc, test_logical_cluster);
	tcase_add_test(tc, test_lowest_priority);
	tcase_add_test(tc, test_x2apic_icr);
	tcase_add_test(tc, test_illegal_vector_sets_the_esr);
	tcase_add_test(tc, test_bad_destinations_and_modes_are_dropped);
	tcase_add_test(tc, test_ioapic_physical_destination);
	tcase_add_test(tc, test_ioapic_logical_destination);
	tcase_add_test(tc, test_ioapic_level_to_another_cpu);
	tcase_add_test(tc, test_8259_reaches_cpu_0_only);
	tcase_add_test(tc, test_each_cpus_timer);
	tcase_add_test(tc, test_no_callbacks);
	suite_add_tcase(s, tc);
	return s;
}
