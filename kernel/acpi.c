/* SPDX-License-Identifier: GPL-2.0-only */
#include "acpi.h"

#define SDT_HEADER 36u
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u
#define MADT_ENTRIES 44u           /* header + local APIC address + flags */
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
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

static void parse_madt(const uint8_t *m, struct acpi_irq_info *info)
{
	uint32_t len = rd32(m + 4);

	for (uint32_t off = MADT_ENTRIES; off + 2 <= len;) {
		uint8_t type = m[off], elen = m[off + 1];
		if (elen < 2 || off + elen > len)
			break;
		if (type == MADT_IOAPIC && elen >= 12 && !info->found) {
			info->ioapic_phys = rd32(m + off + 4);
			info->ioapic_gsi_base = rd32(m + off + 8);
			info->found = true;
		} else if (type == MADT_OVERRIDE && elen >= 10 && m[off + 2] == 0 &&
			   m[off + 3] < ACPI_ISA_IRQS) {
			uint8_t irq = m[off + 3];
			uint16_t flags = (uint16_t)(m[off + 8] | m[off + 9] << 8);
			info->isa_gsi[irq] = rd32(m + off + 4);
			info->isa_low[irq] = (flags & 3) == MPS_POLARITY_LOW;
			info->isa_level[irq] = ((flags >> 2) & 3) == MPS_TRIGGER_LEVEL;
		}
		off += elen;
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
	const uint8_t *r = rsdp;

	defaults(info);
	if (!r || rsdp_len < RSDP_V1_LEN || !checksum_ok(r, RSDP_V1_LEN) || r[0] != 'R' || r[1] != 'S' ||
	    r[2] != 'D' || r[3] != ' ' || r[4] != 'P' || r[5] != 'T' || r[6] != 'R' || r[7] != ' ')
		return "no valid RSDP";
	bool xsdt = r[15] >= 2 && rsdp_len >= RSDP_V2_LEN && rd64(r + 24);
	const uint8_t *root = xsdt ? table(rd64(r + 24), "XSDT", map) : table(rd32(r + 16), "RSDT", map);
	if (!root)
		return "RSDT/XSDT missing or corrupt";
	unsigned esize = xsdt ? 8 : 4;
	uint32_t count = (rd32(root + 4) - SDT_HEADER) / esize;
	for (uint32_t i = 0; i < count && i < ACPI_MAX_TABLES; i++) {
		const uint8_t *e = root + SDT_HEADER + i * esize;
		const uint8_t *madt = table(xsdt ? rd64(e) : rd32(e), "APIC", map);
		if (madt && rd32(madt + 4) >= MADT_ENTRIES) {
			parse_madt(madt, info);
			if (info->found)
				return NULL;
			/* Overrides without an I/O APIC to apply them to mean nothing. */
			defaults(info);
			return "the MADT lists no I/O APIC";
		}
	}
	return "no MADT";
}
