/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/acpi.c: from the RSDP through the RSDT/XSDT to the MADT.
 * The tables are built in a fake "physical memory" of two windows, one below
 * 4 GiB and one far above it. The map function given to acpi_irq_info
 * returns NULL for any range not wholly inside a window, and otherwise a
 * fresh heap copy of exactly the requested bytes of that window, so
 * AddressSanitizer reports any read past what the code mapped. The RSDP is
 * passed in a heap buffer of exactly rsdp_len bytes.
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

static void madt_lapic(struct madt *m, uint8_t cpu, uint8_t apic_id)
{
	uint8_t *e = madt_entry(m, 0, 8);

	e[2] = cpu;
	e[3] = apic_id;
	put32(e + 4, 1);   /* enabled */
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

/* Runs acpi_irq_info on the RSDP r (len bytes, copied to an exact buffer). */
static const char *run(const uint8_t *r, size_t len, struct acpi_irq_info *info)
{
	release();
	const uint8_t *copy = parse_copy(r, len);
	memset(info, 0xcc, sizeof(*info));
	return acpi_irq_info(copy, len, fake_map, info);
}

#define ASSERT_OK(got) ASSERT_NO_REASON(got, "acpi_irq_info failed")
#define ASSERT_WHY(got, want) ASSERT_REASON(got, want, "acpi_irq_info", "(success)")

static const char *const WHY_RSDP = "no valid RSDP";
static const char *const WHY_ROOT = "RSDT/XSDT missing or corrupt";
static const char *const WHY_NO_MADT = "no MADT";
static const char *const WHY_NO_IOAPIC = "the MADT lists no I/O APIC";

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

START_TEST(test_random_mutations_stay_in_bounds)
{
	static uint8_t base_low[WIN_SIZE], base_high[WIN_SIZE];
	static const uint64_t table_at[] = { RSDT_AT, FACP_AT, MADT_AT, XSDT_AT, MADT2_AT };
	uint8_t base_rsdp[36];
	struct madt m;
	unsigned ok = 0, failed = 0;

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

	add_random_tcase(s, "fuzz", setup, teardown, test_random_mutations_stay_in_bounds);
	return s;
}
