/* SPDX-License-Identifier: GPL-2.0-only */
/* Multiboot2 boot information parser (see mb2.h). */
#include "mb2.h"

#define MB2_HEADER_SIZE 8u       /* total_size + reserved, and every tag header */
#define MB2_MMAP_HEADER 16u      /* tag header + entry_size + entry_version */
#define MB2_MMAP_ENTRY_MIN 24u   /* base, length, type, reserved */
#define RSDP_V1_LEN 20u
#define RSDP_V2_LEN 36u

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* A string field from off to the tag's end must hold a NUL. */
static const char *tag_string(const uint8_t *tag, uint32_t size, uint32_t off)
{
	for (uint32_t i = off; i < size; i++)
		if (tag[i] == '\0')
			return (const char *)tag + off;
	return NULL;
}

static int parse_mmap(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	if (size < MB2_MMAP_HEADER)
		return MB2_E_TAG_SIZE;
	uint32_t esize = rd32(tag + 8);
	if (esize < MB2_MMAP_ENTRY_MIN || esize % 8)
		return MB2_E_MMAP_ENTRY;
	for (uint32_t off = MB2_MMAP_HEADER; esize <= size - off; off += esize) {
		if (out->region_count == MB2_MAX_REGIONS)
			return MB2_E_TOO_MANY;
		struct mb2_region *r = &out->regions[out->region_count++];
		r->base = rd64(tag + off);
		r->len = rd64(tag + off + 8);
		r->type = rd32(tag + off + 16);
		/* Clip a length that would wrap around the address space. */
		if (r->base + r->len < r->base)
			r->len = UINT64_MAX - r->base;
	}
	return MB2_OK;
}

static int parse_module(const uint8_t *tag, uint32_t size, struct mb2_info *out)
{
	if (size < 17)           /* header, start, end, and at least the NUL */
		return MB2_E_TAG_SIZE;
	if (out->module_count == MB2_MAX_MODULES)
		return MB2_E_TOO_MANY;
	const char *name = tag_string(tag, size, 16);
	if (!name)
		return MB2_E_STRING;
	struct mb2_module m = { rd32(tag + 8), rd32(tag + 12), name };
	if (m.end < m.start)
		return MB2_E_MODULE;
	for (unsigned i = 0; i < out->module_count; i++) {
		const struct mb2_module *o = &out->modules[i];
		if (m.start < o->end && o->start < m.end)
			return MB2_E_MODULE;
	}
	out->modules[out->module_count++] = m;
	return MB2_OK;
}

static int parse_tag(const uint8_t *tag, uint32_t type, uint32_t size, struct mb2_info *out)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		out->cmdline = tag_string(tag, size, 8);
		return out->cmdline ? MB2_OK : MB2_E_STRING;
	case MB2_TAG_LOADER_NAME:
		out->loader_name = tag_string(tag, size, 8);
		return out->loader_name ? MB2_OK : MB2_E_STRING;
	case MB2_TAG_MODULE:
		return parse_module(tag, size, out);
	case MB2_TAG_BASIC_MEMINFO:
		if (size < 16)
			return MB2_E_TAG_SIZE;
		out->mem_lower_kb = rd32(tag + 8);
		out->mem_upper_kb = rd32(tag + 12);
		out->have_meminfo = true;
		return MB2_OK;
	case MB2_TAG_MMAP:
		return parse_mmap(tag, size, out);
	case MB2_TAG_FRAMEBUFFER:
		if (size < 30)
			return MB2_E_TAG_SIZE;
		out->fb.addr = rd64(tag + 8);
		out->fb.pitch = rd32(tag + 16);
		out->fb.width = rd32(tag + 20);
		out->fb.height = rd32(tag + 24);
		out->fb.bpp = tag[28];
		out->fb.type = tag[29];
		out->have_fb = true;
		return MB2_OK;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: {
		unsigned need = type == MB2_TAG_ACPI_OLD ? RSDP_V1_LEN : RSDP_V2_LEN;
		if (size < 8 + need)
			return MB2_E_RSDP;
		/* Prefer the ACPI 2.0 copy when the loader gives both. */
		if (type == MB2_TAG_ACPI_NEW || out->rsdp_revision < 2) {
			out->rsdp = tag + 8;
			out->rsdp_len = need;
			out->rsdp_revision = type == MB2_TAG_ACPI_OLD ? 1 : 2;
		}
		return MB2_OK;
	}
	default:
		return MB2_OK;   /* unknown tags are skipped, as the spec asks */
	}
}

int mb2_parse(const void *info, size_t avail, struct mb2_info *out)
{
	const uint8_t *base = info;

	if (!info || !out)
		return MB2_E_NULL;
	*out = (struct mb2_info){ .cmdline = "" };
	if ((uintptr_t)info % 8)
		return MB2_E_ALIGN;
	if (avail < MB2_HEADER_SIZE)
		return MB2_E_TOTAL_SIZE;
	uint32_t total = rd32(base);
	if (total < 2 * MB2_HEADER_SIZE || total > avail)
		return MB2_E_TOTAL_SIZE;
	out->total_size = total;

	/* Each tag moves off forward by at least 8 bytes: the loop is bounded by total/8. */
	for (uint32_t off = MB2_HEADER_SIZE; off + MB2_HEADER_SIZE <= total;) {
		const uint8_t *tag = base + off;
		uint32_t type = rd32(tag), size = rd32(tag + 4);

		if (size < MB2_HEADER_SIZE || size > total - off)
			return MB2_E_TAG_SIZE;
		if (type == MB2_TAG_END)
			return size == MB2_HEADER_SIZE ? MB2_OK : MB2_E_TAG_SIZE;
		int err = parse_tag(tag, type, size, out);
		if (err)
			return err;
		uint32_t next = (size + 7) & ~7u;
		if (next > total - off)
			break;
		off += next;
	}
	return MB2_E_NO_END;
}

const char *mb2_strerror(int err)
{
	switch (err) {
	case MB2_OK: return "ok";
	case MB2_E_NULL: return "no boot information";
	case MB2_E_ALIGN: return "boot information not 8-byte aligned";
	case MB2_E_TOTAL_SIZE: return "total size out of bounds";
	case MB2_E_TAG_SIZE: return "tag size out of bounds";
	case MB2_E_NO_END: return "no end tag";
	case MB2_E_STRING: return "string not terminated inside its tag";
	case MB2_E_MMAP_ENTRY: return "bad memory map entry size";
	case MB2_E_TOO_MANY: return "too many memory regions or modules";
	case MB2_E_MODULE: return "module ends before it starts, or two modules overlap";
	case MB2_E_RSDP: return "ACPI RSDP tag too short";
	default: return "unknown error";
	}
}

const char *mb2_mem_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEM_AVAILABLE: return "available";
	case MB2_MEM_RESERVED: return "reserved";
	case MB2_MEM_ACPI_RECLAIMABLE: return "ACPI reclaimable";
	case MB2_MEM_NVS: return "ACPI NVS";
	case MB2_MEM_BADRAM: return "bad RAM";
	default: return "unknown";
	}
}
