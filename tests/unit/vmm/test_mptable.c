/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The MP tables (vmm/loader/mptable.c), read back the way Linux's
 * mpparse.c reads them: the floating pointer's signature, length and
 * checksum, the configuration table's header and checksum, and its
 * entries in type order.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/loader/mptable.h"

#define GPA 0xf0000u

static uint8_t buf[4096];
static const struct mptable_config cfg = {
	.cpus = 1, .lapic_base = 0xfee00000u, .ioapic_id = 1, .ioapic_version = 0x20,
	.ioapic_base = 0xfec00000u, .ioapic_pins = 24, .pci_count = 1, .pci = { { 1, 11 } },
};

static unsigned sum(const uint8_t *p, size_t n)
{
	unsigned s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s & 0xff;
}

static uint32_t u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The I/O interrupt entry (type 3) for source bus and IRQ, or NULL. */
static const uint8_t *io_interrupt(const uint8_t *t, unsigned bus, unsigned irq)
{
	unsigned count = t[34] | t[35] << 8;
	const uint8_t *e = t + 44;
	for (unsigned i = 0; i < count; i++) {
		if (e[0] == 3 && e[4] == bus && e[5] == irq)
			return e;
		e += e[0] == 0 ? 20 : 8;
	}
	return NULL;
}

START_TEST(test_floating_pointer_and_header)
{
	memset(buf, 0xee, sizeof(buf));
	size_t n = mptable_write(buf, sizeof(buf), GPA, &cfg);
	ck_assert_uint_gt(n, 60);
	ck_assert_int_eq(memcmp(buf, "_MP_", 4), 0);
	ck_assert_uint_eq(u32(buf + 4), GPA + 16);               /* the table follows */
	ck_assert_uint_eq(buf[8], 1);                            /* 16 bytes */
	ck_assert_uint_eq(buf[9], 4);                            /* version 1.4 */
	ck_assert_uint_eq(buf[11], 0);                           /* a table, no default config */
	ck_assert_uint_eq(sum(buf, 16), 0);
	const uint8_t *t = buf + 16;
	unsigned len = t[4] | t[5] << 8;
	ck_assert_int_eq(memcmp(t, "PCMP", 4), 0);
	ck_assert_uint_eq(16 + len, n);
	ck_assert_uint_eq(sum(t, len), 0);
	ck_assert_uint_eq(u32(t + 36), 0xfee00000u);
	ck_assert_uint_eq(t[40] | t[41] << 8, 0);                /* no extended entries */
}
END_TEST

START_TEST(test_entries_in_type_order)
{
	ck_assert_uint_gt(mptable_write(buf, sizeof(buf), GPA, &cfg), 0);
	const uint8_t *t = buf + 16, *e = t + 44;
	unsigned count = t[34] | t[35] << 8, last = 0, cpus = 0, buses = 0, ioapics = 0, lints = 0;
	for (unsigned i = 0; i < count; i++) {
		ck_assert_uint_ge(e[0], last);
		last = e[0];
		if (e[0] == 0) {
			cpus++;
			ck_assert_uint_eq(e[1], 0);                      /* APIC ID */
			ck_assert_uint_eq(e[3] & 3, 3);                  /* enabled, bootstrap */
		} else if (e[0] == 1) {
			buses++;
			ck_assert_int_eq(memcmp(e + 2, e[1] == 0 ? "PCI   " : "ISA   ", 6), 0);
		} else if (e[0] == 2) {
			ioapics++;
			ck_assert_uint_eq(e[1], 1);
			ck_assert_uint_eq(e[2], 0x20);
			ck_assert_uint_eq(e[3] & 1, 1);
			ck_assert_uint_eq(u32(e + 4), 0xfec00000u);
		} else if (e[0] == 4) {
			lints++;
			ck_assert_uint_eq(e[6], 0xff);                   /* every local APIC */
			ck_assert_uint_eq(e[7], e[1] == 3 ? 0 : 1);      /* ExtINT LINT0, NMI LINT1 */
		} else {
			ck_assert_uint_eq(e[0], 3);
		}
		e += e[0] == 0 ? 20 : 8;
	}
	ck_assert_uint_eq(e - t, t[4] | t[5] << 8);
	ck_assert_uint_eq(cpus, 1);
	ck_assert_uint_eq(buses, 2);
	ck_assert_uint_eq(ioapics, 1);
	ck_assert_uint_eq(lints, 2);
}
END_TEST

START_TEST(test_interrupt_routing)
{
	ck_assert_uint_gt(mptable_write(buf, sizeof(buf), GPA, &cfg), 0);
	const uint8_t *t = buf + 16, *e;
	/* The PIT (IRQ 0) on pin 2, as Linux's check_timer expects; no cascade;
	 * no ExtINT on pin 0 (the 8259s use LINT0). */
	e = io_interrupt(t, 1, 0);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e[1], 0);
	ck_assert_uint_eq(e[7], 2);
	ck_assert_ptr_null(io_interrupt(t, 1, 2));
	for (unsigned irq = 1; irq < 16; irq++) {
		e = io_interrupt(t, 1, irq);
		if (irq == 2 || irq == 11) {
			ck_assert_ptr_null(e);                           /* cascade; the PCI pin */
			continue;
		}
		ck_assert_ptr_nonnull(e);
		ck_assert_uint_eq(e[7], irq);
		ck_assert_uint_eq(e[2] | e[3] << 8, 0);                 /* as the bus has it: edge */
	}
	/* The PCI function 00:01.0, INTA#: level, active low, on pin 11. */
	e = io_interrupt(t, 0, 1 << 2);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e[1], 0);
	ck_assert_uint_eq(e[2], 0x0f);
	ck_assert_uint_eq(e[6], 1);
	ck_assert_uint_eq(e[7], 11);
}
END_TEST

START_TEST(test_refusals)
{
	struct mptable_config c = cfg;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA + 8, &c), 0);       /* unaligned */
	ck_assert_uint_eq(mptable_write(buf, 100, GPA, &c), 0);                   /* too small */
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), 0xfffff800u, &c), 0);   /* past 4 GiB */
	c.ioapic_id = 0;                                                          /* the BSP's ID */
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c = cfg;
	c.cpus = 0;                                                               /* no processor */
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c.cpus = 4;
	c.ioapic_id = 3;                                                          /* a processor's ID */
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c.ioapic_id = 4;
	ck_assert_uint_gt(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c.cpus = 256;
	c.ioapic_id = 0xff;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	/* Eight processors take 7 * 20 bytes more than one: the room one needs is too small. */
	c = cfg;
	size_t one = mptable_write(buf, sizeof(buf), GPA, &c);
	c.cpus = 8;
	c.ioapic_id = 8;
	ck_assert_uint_eq(mptable_write(buf, one + 7 * 20 - 1, GPA, &c), 0);
	ck_assert_uint_eq(mptable_write(buf, one + 7 * 20, GPA, &c), one + 7 * 20);
	c = cfg;
	c.pci[0].pin = 24;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c = cfg;
	c.pci[0].slot = 32;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c = cfg;
	c.pci_count = MPTABLE_MAX_PCI + 1;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	/* Two functions on one slot, or on one pin. */
	c = cfg;
	c.pci_count = 2;
	c.pci[1].slot = 1;
	c.pci[1].pin = 10;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	c.pci[1].slot = 2;
	c.pci[1].pin = 11;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	/* Two functions: each INTA# on its pin, neither pin an ISA one's. */
	c.pci[1].pin = 10;
	ck_assert_uint_gt(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	ck_assert_uint_eq(io_interrupt(buf + 16, 0, 1 << 2)[7], 11);
	ck_assert_uint_eq(io_interrupt(buf + 16, 0, 2 << 2)[7], 10);
	ck_assert_ptr_null(io_interrupt(buf + 16, 1, 10));
	ck_assert_ptr_null(io_interrupt(buf + 16, 1, 11));
	c = cfg;
	c.ioapic_pins = 8;
	ck_assert_uint_eq(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	/* Without a PCI function, ISA IRQ 11 is on its pin. */
	c = cfg;
	c.pci_count = 0;
	ck_assert_uint_gt(mptable_write(buf, sizeof(buf), GPA, &c), 0);
	ck_assert_ptr_nonnull(io_interrupt(buf + 16, 1, 11));
	ck_assert_ptr_null(io_interrupt(buf + 16, 0, 1 << 2));
}
END_TEST

/* 1, 2, 4 and 8 processors: one entry each, APIC IDs 0..n-1 in order, all
 * enabled, only the first the bootstrap processor; the I/O APIC's ID after
 * them; the counts and checksums still right, the rest of the table unchanged. */
START_TEST(test_processors)
{
	static const unsigned counts[] = { 1, 2, 4, 8 };
	size_t one_cpu = 0;

	for (unsigned k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		unsigned n = counts[k];
		struct mptable_config c = cfg;
		c.cpus = n;
		c.ioapic_id = (uint8_t)n;
		memset(buf, 0xee, sizeof(buf));
		size_t len = mptable_write(buf, sizeof(buf), GPA, &c);
		ck_assert_uint_gt(len, 0);
		if (n == 1)
			one_cpu = len;
		ck_assert_uint_eq(len, one_cpu + 20 * (n - 1));
		ck_assert_uint_eq(sum(buf, 16), 0);
		const uint8_t *t = buf + 16, *e = t + 44;
		unsigned tlen = t[4] | t[5] << 8, count = t[34] | t[35] << 8, cpus = 0, others = 0;
		ck_assert_uint_eq(16 + tlen, len);
		ck_assert_uint_eq(sum(t, tlen), 0);
		for (unsigned i = 0; i < count; i++) {
			if (e[0] == 0) {
				ck_assert_uint_eq(others, 0);               /* processors first */
				ck_assert_uint_eq(e[1], cpus);              /* APIC IDs 0, 1, ... */
				ck_assert_uint_eq(e[2], 0x14);
				ck_assert_uint_eq(e[3], cpus == 0 ? 3 : 1); /* enabled; BSP only the first */
				ck_assert_uint_eq(u32(e + 4), 0x600);
				ck_assert_uint_eq(u32(e + 8) & 0x201, 0x201);
				for (unsigned j = 12; j < 20; j++)
					ck_assert_uint_eq(e[j], 0);             /* reserved */
				cpus++;
			} else {
				others++;
				if (e[0] == 2)
					ck_assert_uint_eq(e[1], n);             /* the I/O APIC after the CPUs */
				if (e[0] == 3)
					ck_assert_uint_eq(e[6], n);             /* interrupts to that I/O APIC */
			}
			e += e[0] == 0 ? 20 : 8;
		}
		ck_assert_uint_eq(e - t, tlen);
		ck_assert_uint_eq(cpus, n);
		ck_assert_uint_eq(count, n + others);
		ck_assert_ptr_nonnull(io_interrupt(t, 1, 0));
	}
}
END_TEST

Suite *mptable_suite(void)
{
	Suite *s = suite_create("mptable");
	TCase *tc = tcase_create("mptable");

	tcase_add_test(tc, test_floating_pointer_and_header);
	tcase_add_test(tc, test_entries_in_type_order);
	tcase_add_test(tc, test_interrupt_routing);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_processors);
	suite_add_tcase(s, tc);
	return s;
}
