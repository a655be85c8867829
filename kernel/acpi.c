/* SPDX-License-Identifier: GPL-2.0-only */
#include "acpi.h"

#define SDT_HEADER 36u
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u
#define MADT_ENTRIES 44u           /* header + local APIC address + flags */
#define MADT_LAPIC 0               /* Processor Local APIC */
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_ADDRESS 5       /* Local APIC Address Override */
#define MADT_X2APIC 9              /* Processor Local x2APIC */
#define LAPIC_ENABLED 1u           /* flags bit 0 of types 0 and 9 */
#define LAPIC_ONLINE_CAPABLE 2u    /* flags bit 1: may be enabled at run time */
#define MPS_POLARITY_LOW 3         /* flags bits 0-1 */
#define MPS_TRIGGER_LEVEL 3        /* flags bits 2-3 */
#define ACPI_MAX_TABLES 64         /* entries of the RSDT/XSDT we look at */
#define ACPI_MAX_TABLE_LEN (1u << 20)

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

/* A whole table, checked: signature, sane length, checksum. */
static const uint8_t *table(uint64_t phys, const char *sig, acpi_map_fn map)
{
	const uint8_t *h = map(phys, SDT_HEADER);

	if (!h || h[0] != sig[0] || h[1] != sig[1] || h[2] != sig[2] || h[3] != sig[3])
		return NULL;
	uint32_t len = rd32(h + 4);
	if (len < SDT_HEADER || len > ACPI_MAX_TABLE_LEN)
		return NULL;
	const uint8_t *t = map(phys, len);
	return t && checksum_ok(t, len) ? t : NULL;
}

/* The size of each MADT entry type this file knows (ACPI 6.5, 5.2.12);
 * 0 for the others, which need only their two-byte header. */
static const uint8_t entry_size[] = {
	[MADT_LAPIC] = 8, [MADT_IOAPIC] = 12, [MADT_OVERRIDE] = 10,
	[3] = 8,                     /* NMI source */
	[4] = 6,                     /* local APIC NMI */
	[MADT_LAPIC_ADDRESS] = 12,
	[MADT_X2APIC] = 16,
	[10] = 12,                   /* local x2APIC NMI */
};

/* The entry e is long enough for its type's structure. */
static bool entry_fits_type(const uint8_t *e)
{
	return e[0] >= ARRAY_SIZE(entry_size) || e[1] >= entry_size[e[0]];
}

static const char *const WHY_ENTRY_END = "a MADT entry runs past the table's end";
static const char *const WHY_ENTRY_LEN = "a MADT entry is too short for its type";

/*
 * The MADT m's entry at *off, moving *off past it; NULL at the table's end,
 * and at an entry whose header or length does not fit in the table (the walk
 * stops there), *why then saying so.
 */
static const uint8_t *next_entry(const uint8_t *m, uint32_t *off, const char **why)
{
	uint32_t left = rd32(m + 4) - *off;
	const uint8_t *e = m + *off;

	if (!left)
		return NULL;
	if (left < 2 || e[1] > left) {
		*why = WHY_ENTRY_END;
		return NULL;
	}
	if (e[1] < 2) {
		*why = WHY_ENTRY_LEN;
		return NULL;
	}
	*off += e[1];
	return e;
}

/*
 * The first MADT the RSDP (rsdp_len bytes) leads to, checked and long
 * enough for its fixed fields; NULL and *why if there is none.
 */
static const uint8_t *find_madt(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
				const char **why)
{
	const uint8_t *r = rsdp;

	if (!r || rsdp_len < RSDP_V1_LEN || !checksum_ok(r, RSDP_V1_LEN) || r[0] != 'R' || r[1] != 'S' ||
	    r[2] != 'D' || r[3] != ' ' || r[4] != 'P' || r[5] != 'T' || r[6] != 'R' || r[7] != ' ') {
		*why = "no valid RSDP";
		return NULL;
	}
	bool xsdt = r[15] >= 2 && rsdp_len >= RSDP_V2_LEN && rd64(r + 24);
	const uint8_t *root = xsdt ? table(rd64(r + 24), "XSDT", map) : table(rd32(r + 16), "RSDT", map);
	if (!root) {
		*why = "RSDT/XSDT missing or corrupt";
		return NULL;
	}
	unsigned esize = xsdt ? 8 : 4;
	uint32_t count = (rd32(root + 4) - SDT_HEADER) / esize;
	for (uint32_t i = 0; i < count && i < ACPI_MAX_TABLES; i++) {
		const uint8_t *e = root + SDT_HEADER + i * esize;
		const uint8_t *madt = table(xsdt ? rd64(e) : rd32(e), "APIC", map);
		if (madt && rd32(madt + 4) >= MADT_ENTRIES)
			return madt;
	}
	*why = "no MADT";
	return NULL;
}

/* The first I/O APIC and the ISA overrides; entries too short for their type
 * are passed over, and the walk ends quietly at one that does not fit. */
static void parse_madt(const uint8_t *m, struct acpi_irq_info *info)
{
	const char *why = NULL;
	uint32_t off = MADT_ENTRIES;

	for (const uint8_t *e; (e = next_entry(m, &off, &why));) {
		if (!entry_fits_type(e))
			continue;
		if (e[0] == MADT_IOAPIC && !info->found) {
			info->ioapic_phys = rd32(e + 4);
			info->ioapic_gsi_base = rd32(e + 8);
			info->found = true;
		} else if (e[0] == MADT_OVERRIDE && e[2] == 0 && e[3] < ACPI_ISA_IRQS) {
			uint8_t irq = e[3];
			uint16_t flags = (uint16_t)(e[8] | e[9] << 8);
			info->isa_gsi[irq] = rd32(e + 4);
			info->isa_low[irq] = (flags & 3) == MPS_POLARITY_LOW;
			info->isa_level[irq] = ((flags >> 2) & 3) == MPS_TRIGGER_LEVEL;
		}
	}
}

/* No I/O APIC known, ISA IRQ n at GSI n, edge-triggered, active high. */
static void defaults(struct acpi_irq_info *info)
{
	*info = (struct acpi_irq_info){ 0 };
	for (unsigned i = 0; i < ACPI_ISA_IRQS; i++)
		info->isa_gsi[i] = i;
}

const char *acpi_irq_info(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
			  struct acpi_irq_info *info)
{
	const char *why = NULL;

	defaults(info);
	const uint8_t *madt = find_madt(rsdp, rsdp_len, map, &why);
	if (!madt)
		return why;
	parse_madt(madt, info);
	if (info->found)
		return NULL;
	/* Overrides without an I/O APIC to apply them to mean nothing. */
	defaults(info);
	return "the MADT lists no I/O APIC";
}

/* Adds the processor id with MADT flags to info, if usable and new. */
static void add_cpu(struct acpi_cpu_info *info, uint32_t id, uint32_t flags, uint32_t broadcast)
{
	if (!(flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE)) || id == broadcast)
		return;
	for (unsigned i = 0; i < info->count; i++) {
		if (info->apic_id[i] == id) {
			info->ignored++;
			return;
		}
	}
	if (info->count == ACPI_MAX_CPUS) {
		info->ignored++;
		return;
	}
	info->apic_id[info->count] = id;
	info->enabled[info->count] = flags & LAPIC_ENABLED;
	info->count++;
}

const char *acpi_cpu_info(const void *rsdp, size_t rsdp_len, acpi_map_fn map,
			  struct acpi_cpu_info *info)
{
	const char *why = NULL;
	bool overridden = false;

	*info = (struct acpi_cpu_info){ 0 };
	const uint8_t *m = find_madt(rsdp, rsdp_len, map, &why);
	if (!m)
		return why;
	uint32_t off = MADT_ENTRIES;
	for (const uint8_t *e; (e = next_entry(m, &off, &why));) {
		if (!entry_fits_type(e)) {
			why = WHY_ENTRY_LEN;
			break;
		}
		if (e[0] == MADT_LAPIC) {
			add_cpu(info, e[3], rd32(e + 4), 0xff);
		} else if (e[0] == MADT_X2APIC) {
			add_cpu(info, rd32(e + 4), rd32(e + 8), 0xffffffff);
		} else if (e[0] == MADT_LAPIC_ADDRESS && !overridden) {
			/* At most one is allowed; the first is used. */
			info->lapic_phys = rd64(e + 4);
			overridden = true;
		}
	}
	if (!why && !info->count)
		why = "the MADT lists no usable processor";
	if (why) {
		*info = (struct acpi_cpu_info){ 0 };
		return why;
	}
	if (!overridden)
		info->lapic_phys = rd32(m + 36);
	return NULL;
}
