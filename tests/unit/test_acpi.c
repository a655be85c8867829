/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/acpi.c: from the RSDP through the RSDT/XSDT to the MADT.
 * The tables are built in a fake "physical memory" of two windows, one below
 * 4 GiB and one far above it. The map function given to acpi_irq_info and
 * acpi_cpu_info returns NULL for any range not wholly inside a window, and
 * otherwise a fresh heap copy of exactly the requested bytes of that window,
 * so AddressSanitizer reports any read past what the code mapped. The RSDP
 * is passed in a heap buffer of exactly rsdp_len bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "unit.h"
#include "util.h"

/* ------------------------------------------------------------ fake memory */

#define WIN_SIZE 0x4000u
#define LOW_BASE 0x7fe0000ull        /* like an ACPI reclaimable region */
#define HIGH_BASE 0x2fe000000ull     /* above 4 GiB: XSDT-only addresses */
#define SDT_HEADER 36u
#define MADT_ENTRIES 44u

static uint8_t low_mem[WIN_SIZE], high_mem[WIN_SIZE];
static size_t low_limit = WIN_SIZE;   /* the low window, shrunk by the fuzz test */

/* The bytes of physical address phys, for building tables. */
static uint8_t *at(uint64_t phys)
{
	if (phys >= LOW_BASE && phys - LOW_BASE < WIN_SIZE)
		return low_mem + (phys - LOW_BASE);
	ck_assert_msg(phys >= HIGH_BASE && phys - HIGH_BASE < WIN_SIZE, "bad address %#llx",
		      (unsigned long long)phys);
	return high_mem + (phys - HIGH_BASE);
}

#define MAX_MAPS 1024

static void *maps[MAX_MAPS];
static unsigned map_count, map_refused;

static const void *fake_map(uint64_t phys, size_t len)
{
	const uint8_t *src = NULL;

	if (phys >= LOW_BASE && phys - LOW_BASE <= low_limit && len <= low_limit - (phys - LOW_BASE))
		src = low_mem + (phys - LOW_BASE);
	else if (phys >= HIGH_BASE && phys - HIGH_BASE <= WIN_SIZE &&
		 len <= WIN_SIZE - (phys - HIGH_BASE))
		src = high_mem + (phys - HIGH_BASE);
	if (!src) {
		map_refused++;
		return NULL;
	}
	ck_assert_msg(map_count < MAX_MAPS, "more than %u mappings", MAX_MAPS);
	uint8_t *copy = alloc_copy(src, len);
	maps[map_count++] = copy;
	return copy;
}

static void release(void)
{
	for (unsigned i = 0; i < map_count; i++)
		free(maps[i]);
	map_count = map_refused = 0;
	free_parsed();   /* the RSDP copy */
}

static void setup(void)
{
	memset(low_mem, 0xa5, sizeof(low_mem));
	memset(high_mem, 0x5a, sizeof(high_mem));
	low_limit = WIN_SIZE;
}

static void teardown(void)
{
	release();
}

/* ------------------------------------------------------------ table builders */

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* Recomputes the checksum of the table at phys over its declared length. */
static void fix_checksum(uint64_t phys)
{
	uint8_t *t = at(phys);

	t[9] = 0;
	t[9] = (uint8_t)-sum(t, get32(t + 4));
}

/* A table with the given signature and body; returns phys. */
static uint64_t put_table(uint64_t phys, const char *sig, const void *body, size_t body_len)
{
	uint8_t *t = at(phys);

	ck_assert_ptr_eq(at(phys + SDT_HEADER + body_len - 1), t + SDT_HEADER + body_len - 1);
	memcpy(t, sig, 4);
	put32(t + 4, (uint32_t)(SDT_HEADER + body_len));
	t[8] = 1;                       /* revision */
	memcpy(t + 10, "UNITTS", 6);    /* OEM ID */
	memcpy(t + 16, "TESTTABL", 8);  /* OEM table ID */
	put32(t + 24, 1);
	memcpy(t + 28, "CHCK", 4);
	put32(t + 32, 0x20240101);
	if (body_len)
		memcpy(t + SDT_HEADER, body, body_len);
	fix_checksum(phys);
	return phys;
}

static uint64_t put_rsdt(uint64_t phys, const uint64_t *tables, unsigned n)
{
	uint8_t body[4 * 128];

	ck_assert_uint_le(n, 128);
	for (unsigned i = 0; i < n; i++)
		put32(body + 4 * i, (uint32_t)tables[i]);
	return put_table(phys, "RSDT", body, 4 * n);
}

static uint64_t put_xsdt(uint64_t phys, const uint64_t *tables, unsigned n)
{
	uint8_t body[8 * 128];

	ck_assert_uint_le(n, 128);
	for (unsigned i = 0; i < n; i++)
		put64(body + 8 * i, tables[i]);
	return put_table(phys, "XSDT", body, 8 * n);
}

/* A MADT's entry list under construction. */
struct madt {
	uint8_t b[1024];
	size_t len;
};

static void madt_init(struct madt *m)
{
	memset(m, 0, sizeof(*m));
	put32(m->b, 0xfee00000);   /* local APIC address */
	put32(m->b + 4, 1);        /* PCAT_COMPAT */
	m->len = 8;
}

static uint8_t *madt_entry(struct madt *m, uint8_t type, uint8_t len)
{
	uint8_t *e = m->b + m->len;

	ck_assert_uint_le(m->len + MAX(len, 2), sizeof(m->b));
	memset(e, 0, MAX(len, 2));
	e[0] = type;
	e[1] = len;
	m->len += MAX(len, 2);
	return e;
}

/* Processor Local APIC entry flags: bit 0 Enabled, bit 1 Online Capable. */
#define ENABLED 1u
#define ONLINE_CAPABLE 2u

static void madt_lapic_flags(struct madt *m, uint8_t cpu, uint8_t apic_id, uint32_t flags)
{
	uint8_t *e = madt_entry(m, 0, 8);

	e[2] = cpu;
	e[3] = apic_id;
	put32(e + 4, flags);
}

static void madt_lapic(struct madt *m, uint8_t cpu, uint8_t apic_id)
{
	madt_lapic_flags(m, cpu, apic_id, ENABLED);
}

static void madt_x2apic(struct madt *m, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t *e = madt_entry(m, 9, 16);

	put32(e + 4, x2apic_id);
	put32(e + 8, flags);
	put32(e + 12, uid);
}

static void madt_lapic_address(struct madt *m, uint64_t addr)
{
	uint8_t *e = madt_entry(m, 5, 12);

	put64(e + 4, addr);
}

static void madt_ioapic(struct madt *m, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	uint8_t *e = madt_entry(m, 1, 12);

	e[2] = id;
	put32(e + 4, addr);
	put32(e + 8, gsi_base);
}

static void madt_override(struct madt *m, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t *e = madt_entry(m, 2, 10);

	e[2] = bus;
	e[3] = irq;
	put32(e + 4, gsi);
	put16(e + 8, flags);
}

static void madt_nmi(struct madt *m)
{
	uint8_t *e = madt_entry(m, 4, 6);   /* local APIC NMI, all processors, LINT1 */

	e[2] = 0xff;
	put16(e + 3, 5);
	e[5] = 1;
}

static uint64_t put_madt(uint64_t phys, const struct madt *m)
{
	return put_table(phys, "APIC", m->b, m->len);
}

/* Some other table, 'len' bytes in all. */
static uint64_t put_other(uint64_t phys, const char *sig, size_t len)
{
	uint8_t body[256];

	ck_assert_uint_le(len - SDT_HEADER, sizeof(body));
	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(i * 13);
	return put_table(phys, sig, body, len - SDT_HEADER);
}

/* An RSDP of revision rev (0: ACPI 1.0, 20 bytes; 2: 36 bytes). */
static void make_rsdp(uint8_t *r, uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "UNITTS", 6);
	r[15] = rev;
	put32(r + 16, rsdt);
	r[8] = (uint8_t)-sum(r, 20);
	if (rev >= 2) {
		put32(r + 20, 36);
		put64(r + 24, xsdt);
		r[32] = (uint8_t)-sum(r, 36);
	}
}

/* The last run's mappings freed, an exact-size copy of the RSDP r (len bytes). */
static const uint8_t *fresh_rsdp(const uint8_t *r, size_t len)
{
	release();
	return parse_copy(r, len);
}

/* Run acpi_irq_info and acpi_cpu_info on the RSDP r (len bytes, copied to an
 * exact buffer), their output poisoned first. */
static const char *run(const uint8_t *r, size_t len, struct acpi_irq_info *info)
{
	const uint8_t *copy = fresh_rsdp(r, len);

	memset(info, 0xcc, sizeof(*info));
	return acpi_irq_info(copy, len, fake_map, info);
}

static const char *run_cpus(const uint8_t *r, size_t len, struct acpi_cpu_info *out)
{
	const uint8_t *copy = fresh_rsdp(r, len);

	memset(out, 0xcc, sizeof(*out));
	return acpi_cpu_info(copy, len, fake_map, out);
}

#define ASSERT_OK(got) ASSERT_NO_REASON(got, "acpi_irq_info failed")
#define ASSERT_WHY(got, want) ASSERT_REASON(got, want, "acpi_irq_info", "(success)")
#define ASSERT_CPUS_OK(got) ASSERT_NO_REASON(got, "acpi_cpu_info failed")
#define ASSERT_CPUS_WHY(got, want) ASSERT_REASON(got, want, "acpi_cpu_info", "(success)")

static const char *const WHY_RSDP = "no valid RSDP";
static const char *const WHY_ROOT = "RSDT/XSDT missing or corrupt";
static const char *const WHY_NO_MADT = "no MADT";
static const char *const WHY_NO_IOAPIC = "the MADT lists no I/O APIC";
static const char *const WHY_NO_CPU = "the MADT lists no usable processor";
static const char *const WHY_ENTRY_END = "a MADT entry runs past the table's end";
static const char *const WHY_ENTRY_LEN = "a MADT entry is too short for its type";

/* ISA IRQ n is GSI n, edge-triggered, active high, for every n not in skip. */
static void assert_isa_default(const struct acpi_irq_info *info, uint32_t skip)
{
	for (unsigned n = 0; n < ACPI_ISA_IRQS; n++) {
		if (skip & (1u << n))
			continue;
		ck_assert_msg(info->isa_gsi[n] == n && !info->isa_level[n] && !info->isa_low[n],
			      "IRQ %u: GSI %u level %d low %d", n, info->isa_gsi[n],
			      info->isa_level[n], info->isa_low[n]);
	}
}

/* Nothing found: everything at its default. */
static void assert_info_empty(const struct acpi_irq_info *info)
{
	ck_assert(!info->found);
	ck_assert_uint_eq(info->ioapic_phys, 0);
	ck_assert_uint_eq(info->ioapic_gsi_base, 0);
	assert_isa_default(info, 0);
}

/* The layout of the usual table set. */
#define RSDT_AT (LOW_BASE + 0x100)
#define FACP_AT (LOW_BASE + 0x200)
#define MADT_AT (LOW_BASE + 0x400)
#define HPET_AT (LOW_BASE + 0x800)
#define XSDT_AT (HIGH_BASE + 0x100)
#define MADT2_AT (HIGH_BASE + 0x400)

static struct acpi_irq_info info;
static uint8_t rsdp[36];

/* A PC's MADT: two CPUs, the I/O APIC, the timer override, SCI on IRQ 9. */
static void pc_madt(struct madt *m, uint32_t ioapic)
{
	madt_init(m);
	madt_lapic(m, 0, 0);
	madt_lapic(m, 1, 1);
	madt_ioapic(m, 2, ioapic, 0);
	madt_override(m, 0, 0, 2, 0);        /* IRQ 0 -> GSI 2, bus defaults */
	madt_override(m, 0, 9, 9, 0xf);      /* SCI: level, active low */
	madt_nmi(m);
}

/* ------------------------------------------------------------ valid tables */

START_TEST(test_rsdt_path)
{
	struct madt m;
	const uint64_t tables[] = { FACP_AT, MADT_AT };

	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	put_other(FACP_AT, "FACP", 244);
	put_rsdt(RSDT_AT, tables, 2);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert(info.found);
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	ck_assert_uint_eq(info.ioapic_gsi_base, 0);
	ck_assert_uint_eq(info.isa_gsi[0], 2);
	ck_assert(!info.isa_level[0]);
	ck_assert(!info.isa_low[0]);
	ck_assert_uint_eq(info.isa_gsi[9], 9);
	ck_assert(info.isa_level[9]);
	ck_assert(info.isa_low[9]);
	assert_isa_default(&info, 1u << 0 | 1u << 9);
	ck_assert_uint_eq(map_refused, 0);
}
END_TEST

START_TEST(test_xsdt_path)
{
	struct madt m;
	const uint64_t tables[] = { HPET_AT, MADT2_AT };

	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec01000, 0);
	madt_override(&m, 0, 0, 2, 0);
	put_madt(MADT2_AT, &m);   /* above 4 GiB: reachable only through the XSDT */
	put_other(HPET_AT, "HPET", 56);
	put_xsdt(XSDT_AT, tables, 2);
	make_rsdp(rsdp, 2, 0xdeadbeef, XSDT_AT);   /* the RSDT address is not used */

	ASSERT_OK(run(rsdp, 36, &info));
	ck_assert(info.found);
	ck_assert_uint_eq(info.ioapic_phys, 0xfec01000);
	ck_assert_uint_eq(info.isa_gsi[0], 2);
	assert_isa_default(&info, 1u << 0);
	ck_assert_uint_eq(map_refused, 0);
}
END_TEST

START_TEST(test_xsdt_preferred_over_rsdt)
{
	struct madt m;
	const uint64_t rsdt_tables[] = { MADT_AT };
	const uint64_t xsdt_tables[] = { MADT2_AT };

	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, rsdt_tables, 1);
	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec80000, 0);
	put_madt(MADT2_AT, &m);
	put_xsdt(XSDT_AT, xsdt_tables, 1);
	make_rsdp(rsdp, 2, (uint32_t)RSDT_AT, XSDT_AT);

	ASSERT_OK(run(rsdp, 36, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec80000);
	assert_isa_default(&info, 0);   /* the RSDT's MADT with overrides was not read */
}
END_TEST

START_TEST(test_rsdt_used_when_no_xsdt)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);

	/* Revision 2, but no XSDT address. */
	make_rsdp(rsdp, 2, (uint32_t)RSDT_AT, 0);
	ASSERT_OK(run(rsdp, 36, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	ck_assert_uint_eq(info.isa_gsi[0], 2);

	/* Revision 2 with an XSDT, but only the 20-byte ACPI 1.0 part was copied. */
	make_rsdp(rsdp, 2, (uint32_t)RSDT_AT, XSDT_AT);
	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	ASSERT_OK(run(rsdp, 35, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);

	/* Revision 0 or 1 with XSDT bytes present: they are not looked at. */
	make_rsdp(rsdp, 2, (uint32_t)RSDT_AT, XSDT_AT);
	rsdp[15] = 1;
	rsdp[8] = 0;
	rsdp[8] = (uint8_t)-sum(rsdp, 20);
	ASSERT_OK(run(rsdp, 36, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
}
END_TEST

START_TEST(test_ioapic_entry)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	madt_init(&m);
	madt_ioapic(&m, 7, 0xfec12345, 24);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert(info.found);
	ck_assert_uint_eq(info.ioapic_phys, 0xfec12345);
	ck_assert_uint_eq(info.ioapic_gsi_base, 24);
}
END_TEST

START_TEST(test_overrides)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };
	/* MPS INTI flags: polarity in bits 0-1 (1 high, 3 low), trigger in bits
	 * 2-3 (1 edge, 3 level), 0 = conforms to the bus (ISA: edge, high). */
	static const struct {
		uint8_t irq;
		uint32_t gsi;
		uint16_t flags;
		bool level, low;
	} ov[] = {
		{ 0, 2, 0x0, false, false },
		{ 1, 1, 0x5, false, false },     /* explicitly edge, high */
		{ 3, 20, 0x3, false, true },     /* edge, low */
		{ 4, 4, 0xc, true, false },      /* level, high (polarity conforms) */
		{ 9, 9, 0xf, true, true },       /* the usual SCI */
		{ 10, 33, 0xd, true, false },
		{ 11, 11, 0x2, false, false },   /* reserved polarity: not low */
		{ 12, 12, 0x8, false, false },   /* reserved trigger: not level */
		{ 15, 0xffffffff, 0xffff, true, true },   /* other flag bits ignored */
	};
	uint32_t skip = 0;

	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(ov); i++) {
		madt_override(&m, 0, ov[i].irq, ov[i].gsi, ov[i].flags);
		skip |= 1u << ov[i].irq;
	}
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	for (unsigned i = 0; i < ARRAY_SIZE(ov); i++) {
		unsigned n = ov[i].irq;
		ck_assert_msg(info.isa_gsi[n] == ov[i].gsi && info.isa_level[n] == ov[i].level &&
			      info.isa_low[n] == ov[i].low,
			      "IRQ %u (flags %#x): GSI %u level %d low %d", n, ov[i].flags,
			      info.isa_gsi[n], info.isa_level[n], info.isa_low[n]);
	}
	assert_isa_default(&info, skip);
}
END_TEST

START_TEST(test_overrides_before_ioapic_and_later_ones_win)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	madt_init(&m);
	madt_override(&m, 0, 9, 9, 0xf);
	madt_override(&m, 0, 5, 40, 0xf);
	madt_override(&m, 0, 5, 41, 0x0);   /* the later entry for IRQ 5 wins */
	madt_ioapic(&m, 0, 0xfec00000, 0);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.isa_gsi[9], 9);
	ck_assert(info.isa_level[9] && info.isa_low[9]);
	ck_assert_uint_eq(info.isa_gsi[5], 41);
	ck_assert(!info.isa_level[5] && !info.isa_low[5]);
	assert_isa_default(&info, 1u << 5 | 1u << 9);
}
END_TEST

START_TEST(test_non_isa_overrides_ignored)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	madt_override(&m, 1, 4, 30, 0xf);     /* not bus 0 (ISA) */
	madt_override(&m, 0xff, 0, 31, 0xf);
	madt_override(&m, 0, 16, 32, 0xf);    /* not an ISA IRQ */
	madt_override(&m, 0, 0xff, 33, 0xf);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	assert_isa_default(&info, 0);
}
END_TEST

START_TEST(test_defaults_without_overrides)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_ioapic(&m, 1, 0xfec00000, 0);
	madt_nmi(&m);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert(info.found);
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	assert_isa_default(&info, 0);
}
END_TEST

START_TEST(test_only_first_ioapic_used)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	madt_init(&m);
	madt_ioapic(&m, 4, 0xfec00000, 0);
	madt_ioapic(&m, 5, 0xfec01000, 24);
	madt_ioapic(&m, 6, 0xfec02000, 48);
	put_madt(MADT_AT, &m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	ck_assert_uint_eq(info.ioapic_gsi_base, 0);

	/* A too-short I/O APIC entry is not the first I/O APIC. */
	madt_init(&m);
	madt_entry(&m, 1, 11);
	madt_ioapic(&m, 5, 0xfec01000, 24);
	put_madt(MADT_AT, &m);
	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec01000);
	ck_assert_uint_eq(info.ioapic_gsi_base, 24);
}
END_TEST

START_TEST(test_madt_among_other_tables)
{
	struct madt m;
	const uint64_t tables[] = {
		FACP_AT,
		LOW_BASE + 0x3000,      /* SSDT */
		0x12345678,             /* outside memory: skipped */
		LOW_BASE + 0x3100,      /* an "APIC" with a bad checksum: skipped */
		HPET_AT,
		MADT_AT,
		LOW_BASE + 0x3400,      /* a second MADT: not looked at */
	};

	put_other(FACP_AT, "FACP", 244);
	put_other(LOW_BASE + 0x3000, "SSDT", 200);
	pc_madt(&m, 0xfecbad00);
	put_madt(LOW_BASE + 0x3100, &m);
	at(LOW_BASE + 0x3100)[40] ^= 1;
	put_other(HPET_AT, "HPET", 56);
	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec0f000, 0);
	put_madt(LOW_BASE + 0x3400, &m);
	put_rsdt(RSDT_AT, tables, ARRAY_SIZE(tables));
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	ck_assert_uint_eq(info.isa_gsi[0], 2);
	ck_assert(info.isa_level[9] && info.isa_low[9]);
	ck_assert_uint_ge(map_refused, 1);
}
END_TEST

START_TEST(test_madt_ending_exactly_after_last_entry)
{
	struct madt m;

	/* The I/O APIC entry is the table's last 12 bytes; memory ends there too. */
	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	uint64_t at_end = LOW_BASE + WIN_SIZE - (SDT_HEADER + m.len);
	put_madt(at_end, &m);
	const uint64_t t2[] = { at_end };
	put_rsdt(RSDT_AT, t2, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);
	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
	ck_assert_uint_eq(map_refused, 0);
}
END_TEST

/* ------------------------------------------------------------ refused tables */

/* A complete valid set (RSDT path) for the refusal tests to break. */
static void valid_set(void)
{
	struct madt m;
	const uint64_t tables[] = { FACP_AT, MADT_AT };

	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	put_other(FACP_AT, "FACP", 244);
	put_rsdt(RSDT_AT, tables, 2);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);
	ASSERT_OK(run(rsdp, 20, &info));
}

START_TEST(test_null_or_short_rsdp)
{
	valid_set();
	memset(&info, 0xcc, sizeof(info));
	ASSERT_WHY(acpi_irq_info(NULL, 36, fake_map, &info), WHY_RSDP);
	assert_info_empty(&info);
	for (size_t len = 0; len < 20; len++) {
		ASSERT_WHY(run(rsdp, len, &info), WHY_RSDP);
		assert_info_empty(&info);
		ck_assert_uint_eq(map_count + map_refused, 0);
	}
}
END_TEST

START_TEST(test_bad_rsdp_checksum)
{
	valid_set();
	for (unsigned i = 0; i < 20; i++) {
		rsdp[i] ^= 0x10;
		ASSERT_WHY(run(rsdp, 20, &info), WHY_RSDP);
		assert_info_empty(&info);
		ck_assert_uint_eq(map_count + map_refused, 0);
		rsdp[i] ^= 0x10;
	}
	ASSERT_OK(run(rsdp, 20, &info));
}
END_TEST

START_TEST(test_bad_rsdt_signature_or_checksum)
{
	static const char *const sigs[] = { "RSDX", "rsdt", "XSDT", "APIC", "\0\0\0\0" };

	for (unsigned i = 0; i < ARRAY_SIZE(sigs); i++) {
		valid_set();
		memcpy(at(RSDT_AT), sigs[i], 4);
		fix_checksum(RSDT_AT);
		ASSERT_WHY(run(rsdp, 20, &info), WHY_ROOT);
		assert_info_empty(&info);
	}
	/* A bad checksum: a byte of the header, of an entry, the checksum itself. */
	static const unsigned offsets[] = { 9, 10, 36, 43 };
	for (unsigned i = 0; i < ARRAY_SIZE(offsets); i++) {
		valid_set();
		at(RSDT_AT)[offsets[i]] ^= 0x40;
		ASSERT_WHY(run(rsdp, 20, &info), WHY_ROOT);
		assert_info_empty(&info);
	}
	/* An XSDT is checked the same way. */
	const uint64_t tables[] = { MADT_AT };
	put_xsdt(XSDT_AT, tables, 1);
	at(XSDT_AT)[36] ^= 1;
	make_rsdp(rsdp, 2, (uint32_t)RSDT_AT, XSDT_AT);
	ASSERT_WHY(run(rsdp, 36, &info), WHY_ROOT);
	at(XSDT_AT)[36] ^= 1;
	ASSERT_OK(run(rsdp, 36, &info));
	memcpy(at(XSDT_AT), "RSDT", 4);
	fix_checksum(XSDT_AT);
	ASSERT_WHY(run(rsdp, 36, &info), WHY_ROOT);
}
END_TEST

START_TEST(test_absurd_rsdt_length)
{
	/* Shorter than a header, beyond the 1 MiB limit, beyond the memory. */
	static const uint32_t lens[] = { 0, 1, 35, (1u << 20) + 1, 0x7fffffff, 0xffffffff,
					 WIN_SIZE - 0x100 + 1, 1u << 20 };

	for (unsigned i = 0; i < ARRAY_SIZE(lens); i++) {
		valid_set();
		put32(at(RSDT_AT) + 4, lens[i]);
		if (lens[i] >= 36 && lens[i] <= WIN_SIZE - 0x100)
			fix_checksum(RSDT_AT);
		const char *why = run(rsdp, 20, &info);
		ck_assert_msg(why && !strcmp(why, WHY_ROOT), "length %#x: %s", lens[i],
			      why ? why : "(success)");
		assert_info_empty(&info);
	}
	/* A length ending exactly at the end of memory is accepted: the entries
	 * (zeros after the first two, which now lead to overwritten tables) are
	 * looked through and hold no MADT. */
	valid_set();
	put32(at(RSDT_AT) + 4, WIN_SIZE - 0x100);
	memset(at(RSDT_AT) + 44, 0, WIN_SIZE - 0x100 - 44);
	fix_checksum(RSDT_AT);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
}
END_TEST

START_TEST(test_root_table_outside_memory)
{
	static const uint32_t rsdts[] = { 0, 0x1000, LOW_BASE - 1, LOW_BASE + WIN_SIZE - 35,
					  LOW_BASE + WIN_SIZE, 0xffffffff };
	static const uint64_t xsdts[] = { 0x100000000ull, HIGH_BASE + WIN_SIZE - 35,
					  HIGH_BASE - 0x10, 0xffffffffffffffffull,
					  0xfffffffffffffff0ull, XSDT_AT & 0xffffffff };

	for (unsigned i = 0; i < ARRAY_SIZE(rsdts); i++) {
		valid_set();
		make_rsdp(rsdp, 0, rsdts[i], 0);
		ASSERT_WHY(run(rsdp, 20, &info), WHY_ROOT);
		assert_info_empty(&info);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(xsdts); i++) {
		valid_set();
		const uint64_t tables[] = { MADT_AT };
		put_xsdt(XSDT_AT, tables, 1);
		make_rsdp(rsdp, 2, (uint32_t)RSDT_AT, xsdts[i]);
		const char *why = run(rsdp, 36, &info);
		ck_assert_msg(why && !strcmp(why, WHY_ROOT), "XSDT at %#llx: %s",
			      (unsigned long long)xsdts[i], why ? why : "(success)");
	}
	/* The header inside memory, the rest of the table not. */
	valid_set();
	uint64_t last = LOW_BASE + WIN_SIZE - 40;
	const uint64_t tables[] = { MADT_AT, MADT_AT };
	put_rsdt(last, tables, 1);
	put32(at(last) + 4, 44);
	make_rsdp(rsdp, 0, (uint32_t)last, 0);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_ROOT);
	ck_assert_uint_ge(map_refused, 1);
}
END_TEST

START_TEST(test_no_madt)
{
	const uint64_t others[] = { FACP_AT, HPET_AT };
	const uint64_t outside[] = { 0, 0x1000, 0xffffffff };

	put_other(FACP_AT, "FACP", 244);
	put_other(HPET_AT, "HPET", 56);
	put_rsdt(RSDT_AT, others, 2);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
	assert_info_empty(&info);

	put_rsdt(RSDT_AT, NULL, 0);   /* no entries at all */
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
	assert_info_empty(&info);

	put_rsdt(RSDT_AT, outside, 3);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
	ck_assert_uint_eq(map_refused, 3);

	/* An RSDT whose length leaves a partial entry: it is not read. */
	put_rsdt(RSDT_AT, others, 2);
	put32(at(RSDT_AT) + 4, 36 + 4 + 3);
	fix_checksum(RSDT_AT);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);

	/* A MADT too short for its fixed fields, and one with a bad checksum. */
	struct madt m;
	madt_init(&m);
	put_table(MADT_AT, "APIC", m.b, 7);
	const uint64_t madt_only[] = { MADT_AT };
	put_rsdt(RSDT_AT, madt_only, 1);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	at(MADT_AT)[50] ^= 0x80;
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
	assert_info_empty(&info);
}
END_TEST

START_TEST(test_madt_without_ioapic)
{
	struct madt m;
	const uint64_t tables[] = { MADT_AT };

	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	madt_init(&m);   /* only the fixed fields: exactly 44 bytes */
	put_madt(MADT_AT, &m);
	ck_assert_uint_eq(get32(at(MADT_AT) + 4), MADT_ENTRIES);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_IOAPIC);
	ck_assert(!info.found);

	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_lapic(&m, 1, 1);
	madt_nmi(&m);
	madt_entry(&m, 1, 11);   /* an I/O APIC entry too short to hold one */
	put_madt(MADT_AT, &m);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_IOAPIC);
	ck_assert(!info.found);
	ck_assert_uint_eq(info.ioapic_phys, 0);
}
END_TEST

START_TEST(test_madt_entry_length_zero_or_one_stops)
{
	for (uint8_t len = 0; len < 2; len++) {
		struct madt m;
		const uint64_t tables[] = { MADT_AT };

		madt_init(&m);
		madt_lapic(&m, 0, 0);
		madt_override(&m, 0, 0, 2, 0);
		madt_entry(&m, 0, len);   /* stops the walk: nothing after it is used */
		madt_ioapic(&m, 0, 0xfec00000, 0);
		madt_override(&m, 0, 9, 9, 0xf);
		put_madt(MADT_AT, &m);
		put_rsdt(RSDT_AT, tables, 1);
		make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);
		ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_IOAPIC);
		ck_assert(!info.found);
		ck_assert_uint_eq(info.ioapic_phys, 0);
		/* The override after the stop was not applied. */
		ck_assert(info.isa_gsi[9] == 9 && !info.isa_level[9] && !info.isa_low[9]);

		/* The same after the I/O APIC: found, the later override not applied. */
		madt_init(&m);
		madt_ioapic(&m, 0, 0xfec00000, 0);
		madt_entry(&m, 2, len);
		madt_override(&m, 0, 9, 9, 0xf);
		put_madt(MADT_AT, &m);
		ASSERT_OK(run(rsdp, 20, &info));
		ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
		assert_isa_default(&info, 0);
	}
}
END_TEST

START_TEST(test_madt_entry_running_past_table)
{
	const uint64_t tables[] = { MADT_AT };
	struct madt m;

	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);

	/* The table ends 4 bytes into an I/O APIC entry (the rest of memory after
	 * it holds a plausible remainder): not used. */
	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	put_madt(MADT_AT, &m);
	put32(at(MADT_AT) + 4, (uint32_t)(SDT_HEADER + m.len - 8));
	fix_checksum(MADT_AT);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_IOAPIC);

	/* Only the type byte of an entry fits. */
	put32(at(MADT_AT) + 4, (uint32_t)(SDT_HEADER + m.len - 11));
	fix_checksum(MADT_AT);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_IOAPIC);

	/* An entry claiming 255 bytes at the very end of memory. */
	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	madt_override(&m, 0, 0, 2, 0);
	madt_entry(&m, 2, 10);
	m.b[m.len - 9] = 255;
	m.b[m.len - 7] = 3;      /* irq 3 */
	uint64_t end = LOW_BASE + WIN_SIZE - (SDT_HEADER + m.len);
	put_madt(end, &m);
	const uint64_t t2[] = { end };
	put_rsdt(RSDT_AT, t2, 1);
	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.isa_gsi[0], 2);
	assert_isa_default(&info, 1u << 0);

	/* An override cut short by the end of the table is not applied. */
	madt_init(&m);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	madt_override(&m, 0, 9, 9, 0xf);
	put_madt(MADT_AT, &m);
	put32(at(MADT_AT) + 4, (uint32_t)(SDT_HEADER + m.len - 1));
	fix_checksum(MADT_AT);
	put_rsdt(RSDT_AT, tables, 1);
	ASSERT_OK(run(rsdp, 20, &info));
	assert_isa_default(&info, 0);
}
END_TEST

START_TEST(test_many_root_entries_terminate)
{
	/* An RSDT with the most entries that fit, all pointing at the same
	 * non-MADT table: looked through quickly, "no MADT". */
	static uint64_t tables[128];
	const uint64_t facp = LOW_BASE + 0x3000;

	for (unsigned i = 0; i < ARRAY_SIZE(tables); i++)
		tables[i] = facp;
	put_other(facp, "FACP", 244);
	put_rsdt(RSDT_AT, tables, ARRAY_SIZE(tables));
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);
	ASSERT_WHY(run(rsdp, 20, &info), WHY_NO_MADT);
	ck_assert_uint_le(map_count, 1 + 2 * 128 + 1);
}
END_TEST

/* ------------------------------------------------------------ processors */

static struct acpi_cpu_info cpus;

/* The MADT m at MADT_AT, alone in an RSDT, and an ACPI 1.0 RSDP to it. */
static void madt_only_set(const struct madt *m)
{
	const uint64_t tables[] = { MADT_AT };

	put_madt(MADT_AT, m);
	put_rsdt(RSDT_AT, tables, 1);
	make_rsdp(rsdp, 0, (uint32_t)RSDT_AT, 0);
}

/* acpi_cpu_info on the MADT m (madt_only_set), into cpus: it must succeed. */
static void cpus_of_madt(const struct madt *m)
{
	madt_only_set(m);
	ASSERT_CPUS_OK(run_cpus(rsdp, 20, &cpus));
}

/* A MADT listing LAPICs 0 and 1, enabled. */
static void madt_two_cpus(struct madt *m)
{
	madt_init(m);
	madt_lapic(m, 0, 0);
	madt_lapic(m, 1, 1);
}

/* A failure leaves nothing behind. */
static void assert_cpus_empty(const struct acpi_cpu_info *c)
{
	ck_assert_uint_eq(c->count, 0);
	ck_assert_uint_eq(c->ignored, 0);
	ck_assert_uint_eq(c->lapic_phys, 0);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		ck_assert_msg(c->apic_id[i] == 0 && !c->enabled[i], "slot %u", i);
}

/* The processors listed are exactly the n IDs ids, enabled as en says (bit i
 * for the i-th), and nothing else. */
static void assert_cpus(const struct acpi_cpu_info *c, const uint32_t *ids, unsigned n, uint64_t en)
{
	ck_assert_uint_eq(c->count, n);
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(c->apic_id[i] == ids[i] && c->enabled[i] == !!(en >> i & 1),
			      "CPU %u: ID %#x enabled %d, expected ID %#x enabled %d", i,
			      c->apic_id[i], c->enabled[i], ids[i], (int)(en >> i & 1));
}

START_TEST(test_cpus_enabled_lapics)
{
	struct madt m;
	static const uint32_t ids[] = { 0, 1, 2, 3 };

	pc_madt(&m, 0xfec00000);    /* LAPICs 0 and 1, I/O APIC, overrides, NMI */
	madt_lapic(&m, 2, 2);
	madt_nmi(&m);
	madt_lapic(&m, 3, 3);
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, 4, 0xf);
	ck_assert_uint_eq(cpus.ignored, 0);
	ck_assert_uint_eq(cpus.lapic_phys, 0xfee00000);
	ck_assert_uint_eq(map_refused, 0);

	/* The same tables still give the I/O APIC to acpi_irq_info. */
	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);
}
END_TEST

START_TEST(test_cpus_in_madt_order)
{
	struct madt m;
	static const uint32_t ids[] = { 6, 0, 4, 2, 200 };

	madt_init(&m);
	put32(m.b, 0xfee10000);     /* another local APIC address in the header */
	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++)
		madt_lapic(&m, (uint8_t)i, (uint8_t)ids[i]);
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, ARRAY_SIZE(ids), 0x1f);
	ck_assert_uint_eq(cpus.lapic_phys, 0xfee10000);
}
END_TEST

START_TEST(test_cpus_through_xsdt)
{
	struct madt m;
	const uint64_t tables[] = { HPET_AT, MADT2_AT };
	static const uint32_t ids[] = { 0, 1, 0x1234 };

	madt_two_cpus(&m);
	madt_x2apic(&m, 0x1234, ENABLED, 2);
	put_madt(MADT2_AT, &m);     /* above 4 GiB */
	put_other(HPET_AT, "HPET", 56);
	put_xsdt(XSDT_AT, tables, 2);
	make_rsdp(rsdp, 2, 0xdeadbeef, XSDT_AT);

	ASSERT_CPUS_OK(run_cpus(rsdp, 36, &cpus));
	assert_cpus(&cpus, ids, 3, 7);
	ck_assert_uint_eq(map_refused, 0);
}
END_TEST

START_TEST(test_cpus_disabled_and_online_capable)
{
	struct madt m;
	static const uint32_t ids[] = { 0, 1, 2, 3, 5, 7, 8 };

	madt_init(&m);
	madt_lapic_flags(&m, 0, 0, ENABLED);
	madt_lapic_flags(&m, 1, 1, ENABLED);
	madt_lapic_flags(&m, 2, 2, ENABLED);
	madt_lapic_flags(&m, 3, 3, ENABLED);
	madt_lapic_flags(&m, 4, 4, 0);                      /* disabled: unusable */
	madt_lapic_flags(&m, 5, 5, ONLINE_CAPABLE);         /* may be enabled later */
	madt_lapic_flags(&m, 6, 6, 0xfffffffc);             /* other bits do not count */
	madt_lapic_flags(&m, 7, 7, ENABLED | 0xfffffff0);   /* nor here */
	madt_lapic_flags(&m, 8, 8, ENABLED | ONLINE_CAPABLE);   /* reserved combination */
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, ARRAY_SIZE(ids), 0x6f);   /* all but ID 5 enabled */
	ck_assert_uint_eq(cpus.ignored, 0);
}
END_TEST

START_TEST(test_cpus_x2apic)
{
	struct madt m;
	static const uint32_t ids[] = { 0, 0x100, 1, 0xfe, 0xff, 0x12345678, 0xfffffffe };

	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_x2apic(&m, 0x100, ENABLED, 1);
	madt_lapic(&m, 2, 1);
	madt_x2apic(&m, 0x101, 0, 3);                /* disabled */
	madt_x2apic(&m, 0xfe, ONLINE_CAPABLE, 4);   /* x2APIC entries may hold small IDs */
	madt_x2apic(&m, 0xff, ENABLED, 5);           /* not the broadcast ID here */
	madt_x2apic(&m, 0x12345678, ENABLED, 6);
	madt_x2apic(&m, 0xfffffffe, ENABLED, 7);
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, ARRAY_SIZE(ids), 0x77);   /* 0xfe only online-capable */
	ck_assert_uint_eq(cpus.ignored, 0);
}
END_TEST

START_TEST(test_cpus_broadcast_ids_left_out)
{
	struct madt m;
	static const uint32_t ids[] = { 0, 1 };

	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_lapic(&m, 1, 0xff);                   /* the xAPIC broadcast ID */
	madt_x2apic(&m, 0xffffffff, ENABLED, 2);   /* the x2APIC broadcast ID */
	madt_lapic(&m, 3, 1);
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, 2, 3);
	ck_assert_uint_eq(cpus.ignored, 0);
}
END_TEST

START_TEST(test_cpus_duplicates_dropped)
{
	struct madt m;
	static const uint32_t ids[] = { 0, 1, 2, 3 };

	madt_two_cpus(&m);
	madt_lapic(&m, 2, 1);                          /* the same ID again */
	madt_lapic_flags(&m, 3, 2, ONLINE_CAPABLE);
	madt_lapic(&m, 4, 2);                          /* the first entry's flags stay */
	madt_x2apic(&m, 0, ENABLED, 5);                /* an x2APIC entry for LAPIC 0 */
	madt_lapic_flags(&m, 6, 3, 0);                 /* unusable: not a duplicate... */
	madt_lapic(&m, 7, 3);                          /* ...so this one is listed */
	madt_lapic_flags(&m, 8, 3, 0);                 /* unusable: not counted */
	madt_x2apic(&m, 3, ONLINE_CAPABLE, 9);
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, 4, 0xb);   /* ID 2 as its first entry said */
	ck_assert_uint_eq(cpus.ignored, 4);
}
END_TEST

START_TEST(test_cpus_too_many)
{
	struct madt m;
	static uint32_t ids[ACPI_MAX_CPUS];

	/* 70 LAPICs, then x2APICs: one new, one for an ID already listed. */
	madt_init(&m);
	for (unsigned i = 0; i < 70; i++)
		madt_lapic(&m, (uint8_t)i, (uint8_t)(100 + i));
	madt_x2apic(&m, 0x1000, ENABLED, 70);
	madt_x2apic(&m, 100, ENABLED, 71);
	madt_ioapic(&m, 0, 0xfec00000, 0);   /* entries after the 64th are still walked */
	madt_only_set(&m);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		ids[i] = 100 + i;

	ASSERT_CPUS_OK(run_cpus(rsdp, 20, &cpus));
	assert_cpus(&cpus, ids, ACPI_MAX_CPUS, ~0ull);
	ck_assert_uint_eq(cpus.ignored, 70 - ACPI_MAX_CPUS + 2);
	ASSERT_OK(run(rsdp, 20, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);

	/* Exactly ACPI_MAX_CPUS: none ignored. */
	madt_init(&m);
	for (unsigned i = 0; i < ACPI_MAX_CPUS; i++)
		madt_lapic(&m, (uint8_t)i, (uint8_t)(100 + i));
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, ACPI_MAX_CPUS, ~0ull);
	ck_assert_uint_eq(cpus.ignored, 0);
}
END_TEST

START_TEST(test_cpus_lapic_address_override)
{
	struct madt m;

	/* The override, after the processors, wins over the header. */
	madt_two_cpus(&m);
	madt_lapic_address(&m, 0x1fee00000ull);
	cpus_of_madt(&m);
	ck_assert_uint_eq(cpus.lapic_phys, 0x1fee00000ull);
	ck_assert_uint_eq(cpus.count, 2);

	/* Only one is allowed: of two, the first is used. */
	madt_init(&m);
	madt_lapic_address(&m, 0xfee40000);
	madt_lapic(&m, 0, 0);
	madt_lapic_address(&m, 0xfee80000);
	cpus_of_madt(&m);
	ck_assert_uint_eq(cpus.lapic_phys, 0xfee40000);

	/* A 64-bit address in full. */
	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_lapic_address(&m, 0xfedcba9876543000ull);
	cpus_of_madt(&m);
	ck_assert_uint_eq(cpus.lapic_phys, 0xfedcba9876543000ull);
}
END_TEST

START_TEST(test_cpus_longer_entries_accepted)
{
	struct madt m;
	static const uint32_t ids[] = { 0, 1, 0x300 };
	uint8_t *e;

	/* Entries longer than their structure (fields a later revision may
	 * add): the walk goes on after each at its stated length. */
	madt_init(&m);
	e = madt_entry(&m, 0, 12);
	e[3] = 0;
	put32(e + 4, ENABLED);
	put32(e + 8, 0x00ff0200);   /* read as an entry: a LAPIC entry 2 bytes long */
	e = madt_entry(&m, 5, 16);
	put64(e + 4, 0xfee20000);
	madt_lapic(&m, 1, 1);
	e = madt_entry(&m, 9, 20);
	put32(e + 4, 0x300);
	put32(e + 8, ENABLED);
	madt_entry(&m, 0x7f, 2);    /* an unknown type: only its header needed */
	cpus_of_madt(&m);
	assert_cpus(&cpus, ids, 3, 7);
	ck_assert_uint_eq(cpus.lapic_phys, 0xfee20000);
}
END_TEST

START_TEST(test_cpus_entry_too_short_for_type)
{
	static const struct {
		uint8_t type, len;
	} bad[] = {
		{ 0, 0 }, { 0, 1 }, { 0, 2 }, { 0, 7 },   /* Processor Local APIC: 8 */
		{ 9, 8 }, { 9, 15 },                       /* Processor Local x2APIC: 16 */
		{ 5, 10 }, { 5, 11 },                      /* Local APIC Address Override: 12 */
		{ 1, 11 }, { 2, 9 }, { 4, 5 },             /* I/O APIC, override, LAPIC NMI */
		{ 0x7f, 1 },                               /* any type: at least its header */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct madt m;

		madt_two_cpus(&m);
		uint8_t *e = madt_entry(&m, bad[i].type, bad[i].len);
		if (bad[i].type == 0 && bad[i].len >= 4) {
			e[3] = 2;           /* what there is looks like LAPIC 2 */
			e[4] = ENABLED;
		}
		madt_lapic(&m, 3, 3);
		madt_only_set(&m);
		const char *why = run_cpus(rsdp, 20, &cpus);
		ck_assert_msg(why && !strcmp(why, WHY_ENTRY_LEN), "type %u length %u: %s",
			      bad[i].type, bad[i].len, why ? why : "(success)");
		assert_cpus_empty(&cpus);
	}
}
END_TEST

START_TEST(test_cpus_entry_running_past_table)
{
	struct madt m;

	/* The table ends 4 bytes into a LAPIC entry (memory after it holds the
	 * rest): refused. */
	madt_two_cpus(&m);
	madt_only_set(&m);
	put32(at(MADT_AT) + 4, (uint32_t)(SDT_HEADER + m.len - 4));
	fix_checksum(MADT_AT);
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_ENTRY_END);
	assert_cpus_empty(&cpus);

	/* Only the type byte of the last entry fits. */
	put32(at(MADT_AT) + 4, (uint32_t)(SDT_HEADER + m.len - 7));
	fix_checksum(MADT_AT);
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_ENTRY_END);

	/* An x2APIC entry cut after its ID, at the end of memory too. */
	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_x2apic(&m, 0x200, ENABLED, 1);
	m.len -= 8;
	uint64_t end = LOW_BASE + WIN_SIZE - (SDT_HEADER + m.len);
	put_madt(end, &m);
	const uint64_t t2[] = { end };
	put_rsdt(RSDT_AT, t2, 1);
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_ENTRY_END);
	assert_cpus_empty(&cpus);
	ck_assert_uint_eq(map_refused, 0);

	/* An entry claiming 255 bytes. */
	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_entry(&m, 0, 8)[1] = 255;
	madt_only_set(&m);
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_ENTRY_END);
	assert_cpus_empty(&cpus);

	/* The last entry ending exactly at the table's end is fine. */
	madt_init(&m);
	madt_lapic(&m, 0, 0);
	madt_x2apic(&m, 0x200, ENABLED, 1);
	end = LOW_BASE + WIN_SIZE - (SDT_HEADER + m.len);
	put_madt(end, &m);
	const uint64_t t3[] = { end };
	put_rsdt(RSDT_AT, t3, 1);
	ASSERT_CPUS_OK(run_cpus(rsdp, 20, &cpus));
	ck_assert_uint_eq(cpus.count, 2);
	ck_assert_uint_eq(cpus.apic_id[1], 0x200);
}
END_TEST

START_TEST(test_cpus_none_usable)
{
	struct madt m;

	madt_init(&m);   /* no entries at all */
	madt_only_set(&m);
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_NO_CPU);
	assert_cpus_empty(&cpus);

	madt_init(&m);
	madt_lapic_flags(&m, 0, 0, 0);
	madt_x2apic(&m, 1, 0, 1);
	madt_lapic(&m, 2, 0xff);
	madt_ioapic(&m, 0, 0xfec00000, 0);
	madt_lapic_address(&m, 0xfee40000);
	madt_only_set(&m);
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_NO_CPU);
	assert_cpus_empty(&cpus);
}
END_TEST

START_TEST(test_cpus_tables_refused)
{
	/* The way to the MADT is the one acpi_irq_info takes, with its reasons. */
	valid_set();
	ASSERT_CPUS_OK(run_cpus(rsdp, 20, &cpus));
	ck_assert_uint_eq(cpus.count, 2);

	ASSERT_CPUS_WHY(run_cpus(rsdp, 19, &cpus), WHY_RSDP);
	assert_cpus_empty(&cpus);
	rsdp[0] ^= 1;
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_RSDP);
	rsdp[0] ^= 1;
	at(RSDT_AT)[40] ^= 1;
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_ROOT);
	assert_cpus_empty(&cpus);
	at(RSDT_AT)[40] ^= 1;
	at(MADT_AT)[50] ^= 1;   /* the MADT's checksum fails */
	ASSERT_CPUS_WHY(run_cpus(rsdp, 20, &cpus), WHY_NO_MADT);
	assert_cpus_empty(&cpus);
}
END_TEST

/* ------------------------------------------------------------ random mutations */

static uint32_t interesting32(uint32_t orig)
{
	static const uint64_t v[] = { 0, 1, 2, 35, 36, 37, 40, 43, 44, 45, 48, 0x100,
				      (uint32_t)LOW_BASE, (uint32_t)MADT_AT, 1u << 20, (1u << 20) + 1,
				      0x7fffffff, 0xffffffff };

	return (uint32_t)interesting(orig, v, ARRAY_SIZE(v), 8, 32);
}

static bool is_reason(const char *why)
{
	return !strcmp(why, WHY_RSDP) || !strcmp(why, WHY_ROOT) || !strcmp(why, WHY_NO_MADT) ||
	       !strcmp(why, WHY_NO_IOAPIC);
}

static bool is_cpu_reason(const char *why)
{
	return !strcmp(why, WHY_RSDP) || !strcmp(why, WHY_ROOT) || !strcmp(why, WHY_NO_MADT) ||
	       !strcmp(why, WHY_NO_CPU) || !strcmp(why, WHY_ENTRY_END) ||
	       !strcmp(why, WHY_ENTRY_LEN);
}

/* acpi_cpu_info on the mutated tables: in bounds (AddressSanitizer), a known
 * reason and nothing filled in, or distinct IDs within the limit. */
static void check_cpus_mutated(const uint8_t *r, size_t len, unsigned iter, unsigned *ok)
{
	const char *why = run_cpus(r, len, &cpus);

	if (why) {
		ck_assert_msg(is_cpu_reason(why), "iteration %u: unknown reason \"%s\"", iter, why);
		ck_assert_msg(cpus.count == 0 && cpus.ignored == 0 && cpus.lapic_phys == 0,
			      "iteration %u: filled in but \"%s\"", iter, why);
		return;
	}
	(*ok)++;
	ck_assert_msg(cpus.count >= 1 && cpus.count <= ACPI_MAX_CPUS, "iteration %u", iter);
	for (unsigned i = 0; i < cpus.count; i++)
		for (unsigned j = 0; j < i; j++)
			ck_assert_msg(cpus.apic_id[i] != cpus.apic_id[j], "iteration %u: ID %#x twice",
				      iter, cpus.apic_id[i]);
}

START_TEST(test_random_mutations_stay_in_bounds)
{
	static uint8_t base_low[WIN_SIZE], base_high[WIN_SIZE];
	static const uint64_t table_at[] = { RSDT_AT, FACP_AT, MADT_AT, XSDT_AT, MADT2_AT };
	uint8_t base_rsdp[36];
	struct madt m;
	unsigned ok = 0, failed = 0, cpus_ok = 0;

	/* RSDT -> FACP, MADT; XSDT -> HPET, MADT2 (above 4 GiB). */
	const uint64_t rsdt_tables[] = { FACP_AT, MADT_AT };
	const uint64_t xsdt_tables[] = { FACP_AT, MADT2_AT };
	pc_madt(&m, 0xfec00000);
	put_madt(MADT_AT, &m);
	madt_override(&m, 0, 4, 20, 0xd);
	madt_ioapic(&m, 3, 0xfec01000, 24);
	put_madt(MADT2_AT, &m);
	put_other(FACP_AT, "FACP", 244);
	put_rsdt(RSDT_AT, rsdt_tables, 2);
	put_xsdt(XSDT_AT, xsdt_tables, 2);
	make_rsdp(base_rsdp, 2, (uint32_t)RSDT_AT, XSDT_AT);
	memcpy(base_low, low_mem, WIN_SIZE);
	memcpy(base_high, high_mem, WIN_SIZE);
	ASSERT_OK(run(base_rsdp, 36, &info));
	ck_assert_uint_eq(info.ioapic_phys, 0xfec00000);

	rnd_seed(0x2545f4914f6cdd1dull);
	for (unsigned iter = 0; iter < 5000; iter++) {
		size_t rlen = 36;
		bool fix = rnd() % 4 != 0;

		memcpy(low_mem, base_low, WIN_SIZE);
		memcpy(high_mem, base_high, WIN_SIZE);
		memcpy(rsdp, base_rsdp, 36);
		low_limit = WIN_SIZE;
		for (unsigned n = 1 + rnd() % 3; n; n--) {
			uint64_t t = table_at[rnd() % ARRAY_SIZE(table_at)];
			uint8_t *tp = at(t);
			uint32_t tlen = MIN(get32(tp + 4), 512u);
			switch (rnd() % 9) {
			case 0:   /* flip a bit in a table */
				flip_bit(tp, tlen ? tlen : 1);
				break;
			case 1:   /* replace a byte of a table */
				replace_byte(tp, tlen ? tlen : 1);
				break;
			case 2:   /* a table's length */
				put32(tp + 4, interesting32(get32(tp + 4)));
				break;
			case 3:   /* a root table entry */
				if (rnd() % 2)
					put32(at(RSDT_AT) + 36 + 4 * (rnd() % 3),
					      interesting32((uint32_t)MADT_AT));
				else
					put64(at(XSDT_AT) + 36 + 8 * (rnd() % 3),
					      rnd() % 2 ? HIGH_BASE + rnd() % WIN_SIZE : rnd());
				break;
			case 4: { /* a MADT entry's type or length */
				uint8_t *mp = at(rnd() % 2 ? MADT_AT : MADT2_AT);
				mp[44 + rnd() % 64] = (uint8_t)(rnd() % 2 ? rnd() % 16 : rnd());
				break;
			}
			case 5:   /* the RSDP */
				if (rnd() % 2)
					replace_byte(rsdp, 36);
				else
					rsdp[15] = (uint8_t)(rnd() % 4);
				break;
			case 6:   /* the RSDP's addresses */
				if (rnd() % 2)
					put32(rsdp + 16, interesting32((uint32_t)RSDT_AT));
				else
					put64(rsdp + 24, rnd() % 2 ? 0 : HIGH_BASE + rnd() % WIN_SIZE);
				break;
			case 7:   /* memory ends early */
				low_limit = rnd() % (WIN_SIZE + 1);
				break;
			default:  /* a shorter RSDP copy */
				rlen = rnd() % 37;
				break;
			}
		}
		if (fix) {   /* recompute checksums so the mutation gets further */
			rsdp[8] = 0;
			rsdp[8] = (uint8_t)-sum(rsdp, 20);
			for (unsigned i = 0; i < ARRAY_SIZE(table_at); i++) {
				uint8_t *tp = at(table_at[i]);
				size_t room = WIN_SIZE - (size_t)(tp - (table_at[i] >= HIGH_BASE ?
									 high_mem : low_mem));
				if (get32(tp + 4) <= room)
					fix_checksum(table_at[i]);
			}
		}
		check_cpus_mutated(rsdp, rlen, iter, &cpus_ok);
		const char *why = run(rsdp, rlen, &info);
		if (!why) {
			ok++;
			ck_assert_msg(info.found, "iteration %u", iter);
			ck_assert_msg(info.ioapic_phys <= 0xffffffffu, "iteration %u", iter);
		} else {
			failed++;
			ck_assert_msg(is_reason(why), "iteration %u: unknown reason \"%s\"", iter, why);
			ck_assert_msg(!info.found, "iteration %u: found but \"%s\"", iter, why);
			if (strcmp(why, WHY_NO_IOAPIC)) {
				ck_assert_msg(info.ioapic_phys == 0 && info.ioapic_gsi_base == 0,
					      "iteration %u", iter);
				for (unsigned n = 0; n < ACPI_ISA_IRQS; n++)
					ck_assert_msg(info.isa_gsi[n] == n && !info.isa_level[n] &&
						      !info.isa_low[n],
						      "iteration %u: IRQ %u changed (\"%s\")", iter, n, why);
			}
		}
	}
	release();
	/* Both outcomes must be common, or the mutations test nothing. */
	ck_assert_uint_ge(ok, 500);
	ck_assert_uint_ge(failed, 1000);
	ck_assert_uint_ge(cpus_ok, 500);
}
END_TEST

Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("valid");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rsdt_path);
	tcase_add_test(tc, test_xsdt_path);
	tcase_add_test(tc, test_xsdt_preferred_over_rsdt);
	tcase_add_test(tc, test_rsdt_used_when_no_xsdt);
	tcase_add_test(tc, test_ioapic_entry);
	tcase_add_test(tc, test_overrides);
	tcase_add_test(tc, test_overrides_before_ioapic_and_later_ones_win);
	tcase_add_test(tc, test_non_isa_overrides_ignored);
	tcase_add_test(tc, test_defaults_without_overrides);
	tcase_add_test(tc, test_only_first_ioapic_used);
	tcase_add_test(tc, test_madt_among_other_tables);
	tcase_add_test(tc, test_madt_ending_exactly_after_last_entry);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_null_or_short_rsdp);
	tcase_add_test(tc, test_bad_rsdp_checksum);
	tcase_add_test(tc, test_bad_rsdt_signature_or_checksum);
	tcase_add_test(tc, test_absurd_rsdt_length);
	tcase_add_test(tc, test_root_table_outside_memory);
	tcase_add_test(tc, test_no_madt);
	tcase_add_test(tc, test_madt_without_ioapic);
	tcase_add_test(tc, test_madt_entry_length_zero_or_one_stops);
	tcase_add_test(tc, test_madt_entry_running_past_table);
	tcase_add_test(tc, test_many_root_entries_terminate);
	suite_add_tcase(s, tc);

	tc = tcase_create("cpus");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cpus_enabled_lapics);
	tcase_add_test(tc, test_cpus_in_madt_order);
	tcase_add_test(tc, test_cpus_through_xsdt);
	tcase_add_test(tc, test_cpus_disabled_and_online_capable);
	tcase_add_test(tc, test_cpus_x2apic);
	tcase_add_test(tc, test_cpus_broadcast_ids_left_out);
	tcase_add_test(tc, test_cpus_duplicates_dropped);
	tcase_add_test(tc, test_cpus_too_many);
	tcase_add_test(tc, test_cpus_lapic_address_override);
	tcase_add_test(tc, test_cpus_longer_entries_accepted);
	tcase_add_test(tc, test_cpus_entry_too_short_for_type);
	tcase_add_test(tc, test_cpus_entry_running_past_table);
	tcase_add_test(tc, test_cpus_none_usable);
	tcase_add_test(tc, test_cpus_tables_refused);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", setup, teardown, test_random_mutations_stay_in_bounds);
	return s;
}
