/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multiboot2 boot information parser. Every tag's size and every field's
 * bound is checked against the total size before it is read, so a
 * malformed structure gives an error code, never a wild read.
 * Pure code: also compiled into the host unit tests.
 */
#ifndef KERNEL_MB2_H
#define KERNEL_MB2_H

#include "types.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u   /* in EAX at kernel entry */

/* Tag types (Multiboot2 specification, section 3.6). */
enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_BASIC_MEMINFO = 4,
	MB2_TAG_BOOTDEV = 5,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
};

/* Memory map entry types. */
enum {
	MB2_MEM_AVAILABLE = 1,
	MB2_MEM_RESERVED = 2,
	MB2_MEM_ACPI_RECLAIMABLE = 3,
	MB2_MEM_NVS = 4,
	MB2_MEM_BADRAM = 5,
};

#define MB2_MAX_REGIONS 128
#define MB2_MAX_MODULES 32

struct mb2_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct mb2_module {
	uint64_t start;            /* physical, first byte */
	uint64_t end;              /* physical, one past the last byte */
	const char *name;          /* the module's command line */
};

struct mb2_framebuffer {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
};

struct mb2_info {
	uint32_t total_size;
	const char *cmdline;       /* "" when the loader gave none */
	const char *loader_name;   /* NULL when absent */
	uint32_t mem_lower_kb, mem_upper_kb;
	bool have_meminfo;
	struct mb2_region regions[MB2_MAX_REGIONS];
	unsigned region_count;
	struct mb2_module modules[MB2_MAX_MODULES];
	unsigned module_count;
	const void *rsdp;          /* copy of the ACPI RSDP inside the info, or NULL */
	unsigned rsdp_len;
	unsigned rsdp_revision;    /* 1: ACPI 1.0 RSDP, 2: ACPI 2.0+ XSDP */
	struct mb2_framebuffer fb;
	bool have_fb;
};

enum mb2_error {
	MB2_OK = 0,
	MB2_E_NULL = -1,           /* no info pointer */
	MB2_E_ALIGN = -2,          /* info or a tag not 8-byte aligned */
	MB2_E_TOTAL_SIZE = -3,     /* total_size smaller than a header or larger than available */
	MB2_E_TAG_SIZE = -4,       /* a tag shorter than its header/fields or running past the end */
	MB2_E_NO_END = -5,         /* no end tag within total_size */
	MB2_E_STRING = -6,         /* a string not NUL-terminated inside its tag */
	MB2_E_MMAP_ENTRY = -7,     /* memory map entry size too small or not a multiple of 8 */
	MB2_E_TOO_MANY = -8,       /* more regions or modules than the kernel keeps */
	MB2_E_MODULE = -9,         /* a module ends before it starts, or two modules overlap */
	MB2_E_RSDP = -10,          /* ACPI RSDP tag too short for its revision */
};

/* Parses the structure at info, of which at most avail bytes may be read. */
int mb2_parse(const void *info, size_t avail, struct mb2_info *out);
const char *mb2_strerror(int err);
const char *mb2_mem_type_name(uint32_t type);

#endif
