/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/mb2.c: the multiboot2 information parser. A small builder
 * assembles tag lists; every list is parsed from a heap buffer of exactly its
 * size, so AddressSanitizer reports any read past the structure.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mb2.h"
#include "unit.h"
#include "util.h"

/* ------------------------------------------------------------ tag list builder */

#define BLD_MAX 16384

struct bld {
	uint8_t data[BLD_MAX];
	size_t len;   /* bytes used, always a multiple of 8 */
};

static void bld_init(struct bld *b)
{
	memset(b->data, 0, sizeof(b->data));
	b->len = 8;   /* total_size and reserved, filled in by bld_alloc */
}

/* Appends a tag with the given declared size and payload_len payload bytes,
 * zero-padded to 8. Returns the tag's offset. */
static size_t bld_tag(struct bld *b, uint32_t type, uint32_t size, const void *payload,
		      size_t payload_len)
{
	size_t off = b->len;

	ck_assert_uint_le(off + 8 + payload_len + 8, BLD_MAX);
	put32(b->data + off, type);
	put32(b->data + off + 4, size);
	if (payload_len)
		memcpy(b->data + off + 8, payload, payload_len);
	b->len = ALIGN_UP(off + 8 + payload_len, 8);
	return off;
}

/* A string tag; with_nul false leaves the terminator out of the tag (and so
 * the next byte, padding, is a zero just outside it). */
static size_t bld_string(struct bld *b, uint32_t type, const char *s, bool with_nul)
{
	size_t n = strlen(s) + (with_nul ? 1 : 0);

	return bld_tag(b, type, (uint32_t)(8 + n), s, n);
}

static size_t bld_meminfo(struct bld *b, uint32_t lower, uint32_t upper)
{
	uint8_t p[8];

	put32(p, lower);
	put32(p + 4, upper);
	return bld_tag(b, MB2_TAG_BASIC_MEMINFO, 16, p, sizeof(p));
}

struct entry {
	uint64_t base, len;
	uint32_t type;
};

/* A memory map with entries of esize bytes (>= 24; extra bytes are 0xee). */
static size_t bld_mmap(struct bld *b, uint32_t esize, const struct entry *e, unsigned n)
{
	static uint8_t p[BLD_MAX];
	size_t len = 8 + (size_t)esize * n;

	ck_assert_uint_le(len, sizeof(p));
	memset(p, 0xee, len);
	put32(p, esize);
	put32(p + 4, 0);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *q = p + 8 + (size_t)i * esize;
		put64(q, e[i].base);
		put64(q + 8, e[i].len);
		put32(q + 16, e[i].type);
		put32(q + 20, 0);
	}
	return bld_tag(b, MB2_TAG_MMAP, (uint32_t)(8 + len), p, len);
}

static size_t bld_module(struct bld *b, uint32_t start, uint32_t end, const char *name)
{
	uint8_t p[256];
	size_t n = strlen(name) + 1;

	ck_assert_uint_le(8 + n, sizeof(p));
	put32(p, start);
	put32(p + 4, end);
	memcpy(p + 8, name, n);
	return bld_tag(b, MB2_TAG_MODULE, (uint32_t)(16 + n), p, 8 + n);
}

/* An ACPI RSDP tag with len payload bytes 'R', 'S', 'D', ... then a counter. */
static size_t bld_rsdp(struct bld *b, uint32_t type, size_t len)
{
	uint8_t p[64];

	ck_assert_uint_le(len, sizeof(p));
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(type * 16 + i);
	return bld_tag(b, type, (uint32_t)(8 + len), p, len);
}

static size_t bld_fb(struct bld *b, uint32_t size)
{
	uint8_t p[32] = { 0 };

	put64(p, 0xfd000000);
	put32(p + 8, 4096);   /* pitch */
	put32(p + 12, 1024);  /* width */
	put32(p + 16, 768);   /* height */
	p[20] = 32;           /* bpp */
	p[21] = 1;            /* RGB */
	return bld_tag(b, MB2_TAG_FRAMEBUFFER, size, p, size - 8);
}

static size_t bld_end(struct bld *b)
{
	return bld_tag(b, MB2_TAG_END, 8, NULL, 0);
}

/* Sets total_size to the builder's length and copies the list to the heap. */
static uint8_t *bld_alloc(struct bld *b)
{
	put32(b->data, (uint32_t)b->len);
	return alloc_copy(b->data, b->len);
}

/* Builds and parses from an exact-size heap buffer, kept until the next parse
 * since the parser's output points into it; returns the result. */
static int bld_parse(struct bld *b, struct mb2_info *out)
{
	put32(b->data, (uint32_t)b->len);
	return mb2_parse(parse_copy(b->data, b->len), b->len, out);
}

#define ASSERT_ERR(got, want)                                                               \
	do {                                                                                \
		int got_ = (got), want_ = (want);                                           \
		ck_assert_msg(got_ == want_, "mb2_parse returned %d (%s), expected %d (%s)", got_, \
			      mb2_strerror(got_), want_, mb2_strerror(want_));              \
	} while (0)

static struct mb2_info info;   /* large: kept off the stack */

/* ------------------------------------------------------------ valid lists */

static const struct entry full_map[] = {
	{ 0x0, 0x9fc00, MB2_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, MB2_MEM_RESERVED },
	{ 0xf0000, 0x10000, MB2_MEM_RESERVED },
	{ 0x100000, 0x7ee0000, MB2_MEM_AVAILABLE },
	{ 0x7fe0000, 0x20000, MB2_MEM_ACPI_RECLAIMABLE },
	{ 0xfffc0000, 0x40000, MB2_MEM_RESERVED },
	{ 0x100000000ull, 0x40000000ull, MB2_MEM_AVAILABLE },
};

/* Offsets of the interesting tags of the full list. */
struct full_offsets {
	size_t cmdline, loader, mmap, mod0, mod1, acpi_old, acpi_new, fb, unknown, end;
};

static void build_full(struct bld *b, struct full_offsets *o)
{
	uint8_t unknown[5] = { 1, 2, 3, 4, 5 };

	bld_init(b);
	o->cmdline = bld_string(b, MB2_TAG_CMDLINE, "console=com1 loglevel=3", true);
	o->loader = bld_string(b, MB2_TAG_LOADER_NAME, "GRUB 2.06", true);
	bld_meminfo(b, 639, 523264);
	o->unknown = bld_tag(b, 21, 13, unknown, sizeof(unknown));   /* load base address */
	o->mmap = bld_mmap(b, 24, full_map, ARRAY_SIZE(full_map));
	o->mod0 = bld_module(b, 0x200000, 0x210000, "sigma0");
	o->mod1 = bld_module(b, 0x210000, 0x250123, "roottask arg1 arg2");
	o->acpi_old = bld_rsdp(b, MB2_TAG_ACPI_OLD, 20);
	o->acpi_new = bld_rsdp(b, MB2_TAG_ACPI_NEW, 36);
	o->fb = bld_fb(b, 32);
	o->end = bld_end(b);
}

START_TEST(test_valid_full_list)
{
	struct bld *b = malloc(sizeof(*b));
	struct full_offsets o;

	build_full(b, &o);
	uint8_t *p = bld_alloc(b);
	ASSERT_ERR(mb2_parse(p, b->len, &info), MB2_OK);

	ck_assert_uint_eq(info.total_size, b->len);
	ck_assert_ptr_eq(info.cmdline, (const char *)p + o.cmdline + 8);
	ck_assert_str_eq(info.cmdline, "console=com1 loglevel=3");
	ck_assert_ptr_eq(info.loader_name, (const char *)p + o.loader + 8);
	ck_assert_str_eq(info.loader_name, "GRUB 2.06");
	ck_assert(info.have_meminfo);
	ck_assert_uint_eq(info.mem_lower_kb, 639);
	ck_assert_uint_eq(info.mem_upper_kb, 523264);

	ck_assert_uint_eq(info.region_count, ARRAY_SIZE(full_map));
	for (unsigned i = 0; i < ARRAY_SIZE(full_map); i++) {
		ck_assert_uint_eq(info.regions[i].base, full_map[i].base);
		ck_assert_uint_eq(info.regions[i].len, full_map[i].len);
		ck_assert_uint_eq(info.regions[i].type, full_map[i].type);
	}

	ck_assert_uint_eq(info.module_count, 2);
	ck_assert_uint_eq(info.modules[0].start, 0x200000);
	ck_assert_uint_eq(info.modules[0].end, 0x210000);
	ck_assert_ptr_eq(info.modules[0].name, (const char *)p + o.mod0 + 16);
	ck_assert_str_eq(info.modules[0].name, "sigma0");
	ck_assert_uint_eq(info.modules[1].start, 0x210000);
	ck_assert_uint_eq(info.modules[1].end, 0x250123);
	ck_assert_str_eq(info.modules[1].name, "roottask arg1 arg2");

	/* Both RSDP tags given: the ACPI 2.0 copy is the one kept. */
	ck_assert_ptr_eq(info.rsdp, p + o.acpi_new + 8);
	ck_assert_uint_eq(info.rsdp_len, 36);
	ck_assert_uint_eq(info.rsdp_revision, 2);
	ck_assert_uint_eq(((const uint8_t *)info.rsdp)[35], (uint8_t)(MB2_TAG_ACPI_NEW * 16 + 35));

	ck_assert(info.have_fb);
	ck_assert_uint_eq(info.fb.addr, 0xfd000000);
	ck_assert_uint_eq(info.fb.pitch, 4096);
	ck_assert_uint_eq(info.fb.width, 1024);
	ck_assert_uint_eq(info.fb.height, 768);
	ck_assert_uint_eq(info.fb.bpp, 32);
	ck_assert_uint_eq(info.fb.type, 1);
	free(p);
	free(b);
}
END_TEST

START_TEST(test_minimal_list_defaults)
{
	struct bld b;

	bld_init(&b);
	bld_end(&b);
	memset(&info, 0xcc, sizeof(info));
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_uint_eq(info.total_size, 16);
	ck_assert_ptr_nonnull(info.cmdline);
	ck_assert_str_eq(info.cmdline, "");
	ck_assert_ptr_null(info.loader_name);
	ck_assert(!info.have_meminfo);
	ck_assert_uint_eq(info.region_count, 0);
	ck_assert_uint_eq(info.module_count, 0);
	ck_assert_ptr_null(info.rsdp);
	ck_assert_uint_eq(info.rsdp_len, 0);
	ck_assert_uint_eq(info.rsdp_revision, 0);
	ck_assert(!info.have_fb);
}
END_TEST

START_TEST(test_avail_larger_than_total_is_fine)
{
	struct bld b;

	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "x=1", true);
	bld_end(&b);
	put32(b.data, (uint32_t)b.len);
	/* Garbage after total_size must not be looked at. */
	memset(b.data + b.len, 0xff, 64);
	uint8_t *p = alloc_copy(b.data, b.len + 64);
	ASSERT_ERR(mb2_parse(p, b.len + 64, &info), MB2_OK);
	ck_assert_uint_eq(info.total_size, b.len);
	ck_assert_str_eq(info.cmdline, "x=1");
	free(p);
}
END_TEST

START_TEST(test_acpi_old_rsdp_only)
{
	struct bld b;

	bld_init(&b);
	size_t off = bld_rsdp(&b, MB2_TAG_ACPI_OLD, 20);
	bld_end(&b);
	uint8_t *p = bld_alloc(&b);
	ASSERT_ERR(mb2_parse(p, b.len, &info), MB2_OK);
	ck_assert_ptr_eq(info.rsdp, p + off + 8);
	ck_assert_uint_eq(info.rsdp_len, 20);
	ck_assert_uint_eq(info.rsdp_revision, 1);
	free(p);
}
END_TEST

START_TEST(test_acpi_new_before_old_keeps_new)
{
	struct bld b;

	bld_init(&b);
	size_t off = bld_rsdp(&b, MB2_TAG_ACPI_NEW, 36);
	bld_rsdp(&b, MB2_TAG_ACPI_OLD, 20);
	bld_end(&b);
	uint8_t *p = bld_alloc(&b);
	ASSERT_ERR(mb2_parse(p, b.len, &info), MB2_OK);
	ck_assert_ptr_eq(info.rsdp, p + off + 8);
	ck_assert_uint_eq(info.rsdp_len, 36);
	ck_assert_uint_eq(info.rsdp_revision, 2);
	free(p);
}
END_TEST

START_TEST(test_unknown_tags_skipped_with_padding)
{
	struct bld b;
	uint8_t junk[19];

	memset(junk, 0xab, sizeof(junk));
	bld_init(&b);
	bld_tag(&b, 7, 8, NULL, 0);                    /* header only */
	bld_tag(&b, 0xffffffff, 27, junk, sizeof(junk));   /* odd size, padded to 32 */
	bld_tag(&b, MB2_TAG_BOOTDEV, 20, junk, 12);    /* known to the spec, unused here */
	bld_string(&b, MB2_TAG_CMDLINE, "abcde", true);   /* size 14: padded */
	bld_tag(&b, 1000, 9, junk, 1);
	bld_string(&b, MB2_TAG_LOADER_NAME, "L", true);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_str_eq(info.cmdline, "abcde");
	ck_assert_str_eq(info.loader_name, "L");
}
END_TEST

START_TEST(test_end_tag_stops_parsing)
{
	struct bld b;

	bld_init(&b);
	bld_end(&b);
	/* Broken tags after the end tag, still inside total_size: not parsed. */
	bld_string(&b, MB2_TAG_CMDLINE, "unterminated", false);
	static const uint8_t zeros[8];
	bld_tag(&b, MB2_TAG_MMAP, 0, zeros, sizeof(zeros));
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_str_eq(info.cmdline, "");
	ck_assert_uint_eq(info.region_count, 0);
}
END_TEST

START_TEST(test_later_cmdline_tag_wins)
{
	struct bld b;

	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "first", true);
	bld_string(&b, MB2_TAG_CMDLINE, "second", true);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_str_eq(info.cmdline, "second");
}
END_TEST

START_TEST(test_string_nul_at_last_byte_of_tag)
{
	struct bld b;

	/* The NUL as the very last byte of the tag, and strings that are only a NUL. */
	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "1234567", true);   /* size 16: no padding at all */
	bld_string(&b, MB2_TAG_LOADER_NAME, "", true);      /* size 9 */
	bld_module(&b, 0x1000, 0x2000, "");                 /* size 17 */
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_str_eq(info.cmdline, "1234567");
	ck_assert_str_eq(info.loader_name, "");
	ck_assert_uint_eq(info.module_count, 1);
	ck_assert_str_eq(info.modules[0].name, "");
}
END_TEST

START_TEST(test_larger_mmap_entry_size)
{
	struct bld b;

	bld_init(&b);
	bld_mmap(&b, 40, full_map, 3);   /* entries with 16 bytes of vendor extension */
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_uint_eq(info.region_count, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(info.regions[i].base, full_map[i].base);
		ck_assert_uint_eq(info.regions[i].len, full_map[i].len);
		ck_assert_uint_eq(info.regions[i].type, full_map[i].type);
	}
}
END_TEST

START_TEST(test_mmap_partial_trailing_entry_ignored)
{
	struct bld b;

	bld_init(&b);
	size_t off = bld_mmap(&b, 24, full_map, 3);
	put32(b.data + off + 4, 16 + 2 * 24 + 16);   /* the third entry is cut short */
	b.len = off + 16 + 2 * 24 + 16;
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_uint_eq(info.region_count, 2);
	ck_assert_uint_eq(info.regions[1].base, full_map[1].base);
}
END_TEST

START_TEST(test_mmap_empty_and_several_tags_accumulate)
{
	struct bld b;

	bld_init(&b);
	bld_mmap(&b, 24, NULL, 0);   /* size 16: header only */
	bld_mmap(&b, 24, full_map, 2);
	bld_mmap(&b, 32, full_map + 2, 3);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_uint_eq(info.region_count, 5);
	for (unsigned i = 0; i < 5; i++)
		ck_assert_uint_eq(info.regions[i].base, full_map[i].base);
}
END_TEST

START_TEST(test_mmap_length_wrapping_address_space_clipped)
{
	struct bld b;
	const struct entry e[] = {
		{ 0xffffffffffff0000ull, 0x20000, MB2_MEM_AVAILABLE },
		{ 0xfffffffffffff000ull, 0x1000, MB2_MEM_RESERVED },   /* ends exactly at 2^64 */
		{ 0x1000, UINT64_MAX, MB2_MEM_RESERVED },
	};

	bld_init(&b);
	bld_mmap(&b, 24, e, 3);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_uint_eq(info.region_count, 3);
	ck_assert_uint_eq(info.regions[0].len, UINT64_MAX - 0xffffffffffff0000ull);
	ck_assert_uint_eq(info.regions[1].len, UINT64_MAX - 0xfffffffffffff000ull);
	ck_assert_uint_eq(info.regions[2].len, UINT64_MAX - 0x1000);
	for (unsigned i = 0; i < 3; i++)
		ck_assert(info.regions[i].base + info.regions[i].len >= info.regions[i].base);
}
END_TEST

START_TEST(test_max_regions_and_modules_accepted)
{
	struct bld *b = malloc(sizeof(*b));
	struct entry e[MB2_MAX_REGIONS];
	char name[16];

	for (unsigned i = 0; i < MB2_MAX_REGIONS; i++)
		e[i] = (struct entry){ (uint64_t)i << 20, 1 << 20, MB2_MEM_AVAILABLE };
	bld_init(b);
	bld_mmap(b, 24, e, 100);
	bld_mmap(b, 24, e + 100, MB2_MAX_REGIONS - 100);
	for (unsigned i = 0; i < MB2_MAX_MODULES; i++) {
		name[0] = 'm';
		name[1] = (char)('a' + i % 26);
		name[2] = (char)('0' + i / 26);
		name[3] = '\0';
		bld_module(b, 0x1000000 + i * 0x3000, 0x1000000 + i * 0x3000 + 0x2000, name);
	}
	bld_end(b);
	ASSERT_ERR(bld_parse(b, &info), MB2_OK);
	ck_assert_uint_eq(info.region_count, MB2_MAX_REGIONS);
	ck_assert_uint_eq(info.regions[MB2_MAX_REGIONS - 1].base, (uint64_t)(MB2_MAX_REGIONS - 1) << 20);
	ck_assert_uint_eq(info.module_count, MB2_MAX_MODULES);
	ck_assert_uint_eq(info.modules[MB2_MAX_MODULES - 1].start, 0x1000000 + 31 * 0x3000);
	ck_assert_str_eq(info.modules[MB2_MAX_MODULES - 1].name, "mf1");
	free(b);
}
END_TEST

START_TEST(test_adjacent_and_empty_modules_accepted)
{
	struct bld b;

	bld_init(&b);
	bld_module(&b, 0x300000, 0x400000, "b");
	bld_module(&b, 0x200000, 0x300000, "a");   /* ends where "b" starts */
	bld_module(&b, 0x400000, 0x400001, "c");   /* starts where "b" ends */
	bld_module(&b, 0x500000, 0x500000, "empty");
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert_uint_eq(info.module_count, 4);
	ck_assert_uint_eq(info.modules[1].end, 0x300000);
	ck_assert_uint_eq(info.modules[3].start, info.modules[3].end);
}
END_TEST

START_TEST(test_framebuffer_minimum_size)
{
	struct bld b;

	bld_init(&b);
	bld_fb(&b, 30);   /* through the type byte, no reserved field */
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_OK);
	ck_assert(info.have_fb);
	ck_assert_uint_eq(info.fb.height, 768);
	ck_assert_uint_eq(info.fb.type, 1);
}
END_TEST

/* ------------------------------------------------------------ malformed lists */

START_TEST(test_null_arguments)
{
	struct bld b;

	bld_init(&b);
	bld_end(&b);
	uint8_t *p = bld_alloc(&b);
	ASSERT_ERR(mb2_parse(NULL, 4096, &info), MB2_E_NULL);
	ASSERT_ERR(mb2_parse(p, b.len, NULL), MB2_E_NULL);
	free(p);
}
END_TEST

START_TEST(test_misaligned_pointer)
{
	struct bld b;

	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "a", true);
	bld_end(&b);
	put32(b.data, (uint32_t)b.len);
	uint8_t *p = alloc_exact(b.len + 8);
	for (unsigned shift = 1; shift < 8; shift++) {
		memcpy(p + shift, b.data, b.len);
		ASSERT_ERR(mb2_parse(p + shift, b.len, &info), MB2_E_ALIGN);
	}
	memcpy(p + 8, b.data, b.len);
	ASSERT_ERR(mb2_parse(p + 8, b.len, &info), MB2_OK);
	free(p);
}
END_TEST

START_TEST(test_total_size_smaller_than_header)
{
	static const uint32_t totals[] = { 0, 1, 7, 8, 12, 15 };
	struct bld b;

	bld_init(&b);
	bld_end(&b);
	uint8_t *p = bld_alloc(&b);
	for (unsigned i = 0; i < ARRAY_SIZE(totals); i++) {
		put32(p, totals[i]);
		ASSERT_ERR(mb2_parse(p, b.len, &info), MB2_E_TOTAL_SIZE);
	}
	/* Less than 8 bytes available: total_size itself cannot be read. */
	put32(p, 16);
	for (size_t avail = 0; avail < 8; avail++)
		ASSERT_ERR(mb2_parse(p, avail, &info), MB2_E_TOTAL_SIZE);
	free(p);
}
END_TEST

START_TEST(test_total_size_larger_than_available)
{
	static const uint32_t extra[] = { 1, 7, 8, 4096, 0x7fffffff };
	struct bld b;

	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "k=v", true);
	bld_end(&b);
	uint8_t *p = bld_alloc(&b);
	for (unsigned i = 0; i < ARRAY_SIZE(extra); i++) {
		put32(p, (uint32_t)b.len + extra[i]);
		ASSERT_ERR(mb2_parse(p, b.len, &info), MB2_E_TOTAL_SIZE);
	}
	put32(p, 0xffffffff);
	ASSERT_ERR(mb2_parse(p, b.len, &info), MB2_E_TOTAL_SIZE);
	put32(p, (uint32_t)b.len);
	ASSERT_ERR(mb2_parse(p, b.len - 1, &info), MB2_E_TOTAL_SIZE);
	ASSERT_ERR(mb2_parse(p, b.len, &info), MB2_OK);
	free(p);
}
END_TEST

START_TEST(test_tag_size_smaller_than_header)
{
	struct bld b;

	for (uint32_t size = 0; size < 8; size++) {
		bld_init(&b);
		size_t off = bld_string(&b, MB2_TAG_CMDLINE, "abc", true);
		bld_end(&b);
		put32(b.data + off + 4, size);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);

		/* The same for the end tag itself and for an unknown tag. */
		bld_init(&b);
		off = bld_end(&b);
		put32(b.data + off + 4, size);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);

		bld_init(&b);
		off = bld_tag(&b, 99, 8, NULL, 0);
		bld_end(&b);
		put32(b.data + off + 4, size);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	}
}
END_TEST

START_TEST(test_tag_size_past_end)
{
	struct bld b;

	bld_init(&b);
	size_t off = bld_string(&b, MB2_TAG_CMDLINE, "abc", true);
	bld_end(&b);
	uint32_t rest = (uint32_t)(b.len - off);   /* this tag plus the end tag */
	put32(b.data + off + 4, rest + 1);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	put32(b.data + off + 4, rest + 8);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	/* Exactly to the end: in bounds, but it swallows the end tag. */
	put32(b.data + off + 4, rest);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_NO_END);
}
END_TEST

START_TEST(test_absurd_tag_sizes)
{
	static const uint32_t sizes[] = { 0xffffffff, 0xfffffff8, 0xfffffff9, 0x80000000, 0x7fffffff,
					  0x10000 };
	static const uint32_t types[] = { MB2_TAG_CMDLINE, MB2_TAG_LOADER_NAME, MB2_TAG_MODULE,
					  MB2_TAG_MMAP, MB2_TAG_ACPI_NEW, MB2_TAG_FRAMEBUFFER, 77,
					  MB2_TAG_END };
	struct bld b;

	for (unsigned t = 0; t < ARRAY_SIZE(types); t++)
		for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
			bld_init(&b);
			size_t off = bld_string(&b, types[t], "payload-payload", true);
			bld_end(&b);
			put32(b.data + off + 4, sizes[s]);
			int r = bld_parse(&b, &info);
			ck_assert_msg(r == MB2_E_TAG_SIZE, "type %u size %#x: %d", types[t], sizes[s], r);
		}
}
END_TEST

START_TEST(test_missing_end_tag)
{
	struct bld b;

	/* The last tag ends exactly at total_size. */
	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "abc", true);
	bld_meminfo(&b, 1, 2);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_NO_END);

	/* Four bytes left over: not enough for a tag header. */
	bld_init(&b);
	bld_meminfo(&b, 1, 2);
	put32(b.data, (uint32_t)b.len + 4);
	uint8_t *p = alloc_copy(b.data, b.len + 4);
	ASSERT_ERR(mb2_parse(p, b.len + 4, &info), MB2_E_NO_END);
	free(p);

	/* A tag of size 9 as the last one: its padding would run past total_size. */
	bld_init(&b);
	uint8_t x = 1;
	bld_tag(&b, 50, 9, &x, 1);
	put32(b.data, 17);
	p = alloc_copy(b.data, 17);
	ASSERT_ERR(mb2_parse(p, 17, &info), MB2_E_NO_END);
	free(p);

	/* Only the 8-byte header and an all-zero tag: type END, size 0. */
	bld_init(&b);
	b.len = 16;
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
}
END_TEST

START_TEST(test_end_tag_with_wrong_size)
{
	static const uint32_t sizes[] = { 9, 12, 15, 16, 24 };
	struct bld b;

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		bld_init(&b);
		size_t off = bld_end(&b);
		b.len += 16;   /* room for the bigger end tag */
		put32(b.data + off + 4, sizes[i]);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	}
}
END_TEST

START_TEST(test_strings_without_nul)
{
	struct bld b;
	uint8_t mod[8 + 6];

	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "console=com1", false);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_STRING);

	bld_init(&b);
	bld_string(&b, MB2_TAG_LOADER_NAME, "GRUB", false);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_STRING);

	/* Empty tags: no room for even the NUL. */
	bld_init(&b);
	bld_tag(&b, MB2_TAG_CMDLINE, 8, NULL, 0);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_STRING);
	bld_init(&b);
	bld_tag(&b, MB2_TAG_LOADER_NAME, 8, NULL, 0);
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_STRING);

	bld_init(&b);
	put32(mod, 0x100000);
	put32(mod + 4, 0x101000);
	memcpy(mod + 8, "sigma0", 6);
	bld_tag(&b, MB2_TAG_MODULE, 8 + sizeof(mod), mod, sizeof(mod));
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_STRING);

	/* A string filling a tag that is the last thing in the buffer. */
	bld_init(&b);
	bld_string(&b, MB2_TAG_CMDLINE, "12345678", false);  /* size 16, no padding */
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_STRING);
}
END_TEST

START_TEST(test_mmap_bad_entry_sizes)
{
	static const uint32_t bad[] = { 0, 1, 8, 16, 20, 23, 25, 28, 30, 33, 36, 44, 0xffffffff,
					0xfffffffc, 0x80000001 };
	struct bld b;

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		bld_init(&b);
		size_t off = bld_mmap(&b, 24, full_map, 2);
		bld_end(&b);
		put32(b.data + off + 8, bad[i]);
		int r = bld_parse(&b, &info);
		ck_assert_msg(r == MB2_E_MMAP_ENTRY, "entry size %u: %d", bad[i], r);
	}
}
END_TEST

START_TEST(test_mmap_tag_shorter_than_its_header)
{
	static const uint32_t sizes[] = { 8, 12, 15 };
	struct bld b;

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		bld_init(&b);
		uint8_t hdr[8];
		put32(hdr, 24);
		put32(hdr + 4, 0);
		size_t off = bld_tag(&b, MB2_TAG_MMAP, 16, hdr, sizes[i] > 8 ? 8 : 0);
		bld_end(&b);
		put32(b.data + off + 4, sizes[i]);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	}
}
END_TEST

/*
 * An entry size that is a multiple of 8 and at least 24 but far larger than
 * the tag: no entry fits, so there must be no region and no read past the
 * tag. The mmap tag is the last thing in an exact-size buffer, so any read
 * of an "entry" after its 16-byte header is a heap-buffer-overflow.
 */
START_TEST(test_mmap_huge_entry_size_reads_nothing)
{
	static const uint32_t sizes[] = { 0xfffffff0, 0xfffffff8, 0xffffffe8 };
	struct bld b;

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		bld_init(&b);
		uint8_t hdr[8];
		put32(hdr, sizes[i]);
		put32(hdr + 4, 0);
		bld_tag(&b, MB2_TAG_MMAP, 16, hdr, sizeof(hdr));
		int r = bld_parse(&b, &info);   /* no end tag: the tag is last */
		ck_assert_msg(r == MB2_E_NO_END || r == MB2_E_MMAP_ENTRY,
			      "entry size %#x: %d (%s)", sizes[i], r, mb2_strerror(r));
		ck_assert_uint_eq(info.region_count, 0);

		bld_init(&b);
		bld_tag(&b, MB2_TAG_MMAP, 16, hdr, sizeof(hdr));
		bld_end(&b);
		r = bld_parse(&b, &info);
		ck_assert_msg((r == MB2_OK && info.region_count == 0) || r == MB2_E_MMAP_ENTRY,
			      "entry size %#x: %d, %u regions", sizes[i], r, info.region_count);
	}
}
END_TEST

START_TEST(test_too_many_regions)
{
	struct bld *b = malloc(sizeof(*b));
	struct entry e[MB2_MAX_REGIONS + 1];

	for (unsigned i = 0; i <= MB2_MAX_REGIONS; i++)
		e[i] = (struct entry){ (uint64_t)i << 20, 1 << 20, MB2_MEM_AVAILABLE };
	bld_init(b);
	bld_mmap(b, 24, e, MB2_MAX_REGIONS + 1);
	bld_end(b);
	ASSERT_ERR(bld_parse(b, &info), MB2_E_TOO_MANY);

	/* The limit counts across several memory map tags. */
	bld_init(b);
	bld_mmap(b, 24, e, 100);
	bld_mmap(b, 32, e, MB2_MAX_REGIONS + 1 - 100);
	bld_end(b);
	ASSERT_ERR(bld_parse(b, &info), MB2_E_TOO_MANY);
	free(b);
}
END_TEST

START_TEST(test_too_many_modules)
{
	struct bld *b = malloc(sizeof(*b));

	bld_init(b);
	for (unsigned i = 0; i <= MB2_MAX_MODULES; i++)
		bld_module(b, 0x1000000 + i * 0x1000, 0x1000000 + (i + 1) * 0x1000, "m");
	bld_end(b);
	ASSERT_ERR(bld_parse(b, &info), MB2_E_TOO_MANY);
	free(b);
}
END_TEST

START_TEST(test_module_ends_before_start)
{
	struct bld b;

	bld_init(&b);
	bld_module(&b, 0x200000, 0x1fffff, "backwards");
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_MODULE);

	bld_init(&b);
	bld_module(&b, 0x100000, 0x200000, "ok");
	bld_module(&b, 0xffffffff, 0, "backwards");
	bld_end(&b);
	ASSERT_ERR(bld_parse(&b, &info), MB2_E_MODULE);
}
END_TEST

START_TEST(test_overlapping_modules)
{
	static const uint32_t second[][2] = {
		{ 0x200000, 0x300000 },   /* identical */
		{ 0x180000, 0x200001 },   /* overlaps the first byte */
		{ 0x2fffff, 0x400000 },   /* overlaps the last byte */
		{ 0x240000, 0x250000 },   /* inside */
		{ 0x100000, 0x400000 },   /* contains */
	};
	struct bld b;

	for (unsigned i = 0; i < ARRAY_SIZE(second); i++) {
		bld_init(&b);
		bld_module(&b, 0x200000, 0x300000, "first");
		bld_module(&b, 0x500000, 0x600000, "other");
		bld_module(&b, second[i][0], second[i][1], "second");
		bld_end(&b);
		int r = bld_parse(&b, &info);
		ck_assert_msg(r == MB2_E_MODULE, "case %u: %d", i, r);
	}
}
END_TEST

START_TEST(test_module_tag_too_short)
{
	struct bld b;
	uint8_t p[8] = { 0 };

	for (uint32_t size = 8; size < 17; size++) {
		bld_init(&b);
		bld_tag(&b, MB2_TAG_MODULE, size, p, size - 8);
		bld_end(&b);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	}
}
END_TEST

START_TEST(test_short_rsdp_tags)
{
	static const struct {
		uint32_t type;
		size_t len;
		int want;
	} cases[] = {
		{ MB2_TAG_ACPI_OLD, 0, MB2_E_RSDP }, { MB2_TAG_ACPI_OLD, 19, MB2_E_RSDP },
		{ MB2_TAG_ACPI_OLD, 20, MB2_OK }, { MB2_TAG_ACPI_NEW, 0, MB2_E_RSDP },
		{ MB2_TAG_ACPI_NEW, 20, MB2_E_RSDP }, { MB2_TAG_ACPI_NEW, 35, MB2_E_RSDP },
		{ MB2_TAG_ACPI_NEW, 36, MB2_OK }, { MB2_TAG_ACPI_NEW, 40, MB2_OK },
	};
	struct bld b;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		bld_init(&b);
		bld_rsdp(&b, cases[i].type, cases[i].len);
		bld_end(&b);
		int r = bld_parse(&b, &info);
		ck_assert_msg(r == cases[i].want, "type %u len %zu: %d", cases[i].type, cases[i].len, r);
		if (r == MB2_OK)
			ck_assert_uint_eq(info.rsdp_len, cases[i].type == MB2_TAG_ACPI_OLD ? 20 : 36);
	}
}
END_TEST

START_TEST(test_short_meminfo_and_framebuffer_tags)
{
	struct bld b;
	uint8_t p[32] = { 0 };

	for (uint32_t size = 8; size < 16; size++) {
		bld_init(&b);
		bld_tag(&b, MB2_TAG_BASIC_MEMINFO, size, p, size - 8);
		bld_end(&b);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	}
	for (uint32_t size = 8; size < 30; size++) {
		bld_init(&b);
		bld_tag(&b, MB2_TAG_FRAMEBUFFER, size, p, size - 8);
		bld_end(&b);
		ASSERT_ERR(bld_parse(&b, &info), MB2_E_TAG_SIZE);
	}
}
END_TEST

START_TEST(test_strerror_and_type_names)
{
	const char *seen[11];

	for (int e = 0; e >= -10; e--) {
		const char *s = mb2_strerror(e);
		ck_assert_ptr_nonnull(s);
		ck_assert_uint_gt(strlen(s), 0);
		ck_assert_str_ne(s, "unknown error");
		for (int j = 0; j < -e; j++)
			ck_assert_str_ne(s, seen[j]);   /* every code has its own message */
		seen[-e] = s;
	}
	ck_assert_str_eq(mb2_strerror(MB2_OK), "ok");
	ck_assert_str_eq(mb2_strerror(-11), "unknown error");
	ck_assert_str_eq(mb2_strerror(1), "unknown error");
	ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_AVAILABLE), "available");
	ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_RESERVED), "reserved");
	ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_ACPI_RECLAIMABLE), "ACPI reclaimable");
	ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_NVS), "ACPI NVS");
	ck_assert_str_eq(mb2_mem_type_name(MB2_MEM_BADRAM), "bad RAM");
	ck_assert_str_eq(mb2_mem_type_name(0), "unknown");
	ck_assert_str_eq(mb2_mem_type_name(0xffffffff), "unknown");
}
END_TEST

/* ------------------------------------------------------------ random mutations */

static uint32_t interesting32(uint32_t orig)
{
	static const uint64_t v[] = { 0, 1, 7, 8, 9, 15, 16, 17, 20, 23, 24, 25, 28, 29, 30, 32, 36,
				      43, 44, 0x7fffffff, 0x80000000, 0xffffffe8, 0xfffffff0,
				      0xfffffff8, 0xffffffff };

	return (uint32_t)interesting(orig, v, ARRAY_SIZE(v), 8, 32);
}

static bool inside(const void *p, const uint8_t *buf, size_t len)
{
	return (const uint8_t *)p >= buf && (const uint8_t *)p < buf + len;
}

/* A pointer into buf whose string ends inside the first len bytes. */
static bool string_inside(const char *s, const uint8_t *buf, size_t len)
{
	if (!inside(s, buf, len))
		return false;
	for (const uint8_t *q = (const uint8_t *)s; q < buf + len; q++)
		if (!*q)
			return true;
	return false;
}

START_TEST(test_random_mutations_stay_in_bounds)
{
	struct bld *b = malloc(sizeof(*b));
	struct full_offsets o;
	size_t tags[16];
	unsigned ntags = 0;
	unsigned ok = 0, failed = 0;

	build_full(b, &o);
	put32(b->data, (uint32_t)b->len);
	for (size_t off = 8; off < b->len; off += ALIGN_UP(get32(b->data + off + 4), 8))
		tags[ntags++] = off;
	ck_assert_uint_eq(ntags, 11);

	/* The "" a list without a cmdline tag gets. */
	struct bld empty;
	bld_init(&empty);
	bld_end(&empty);
	ASSERT_ERR(bld_parse(&empty, &info), MB2_OK);
	const char *default_cmdline = info.cmdline;

	rnd_seed(0x9e3779b97f4a7c15ull);
	for (unsigned iter = 0; iter < 5000; iter++) {
		static uint8_t m[BLD_MAX];
		size_t len = b->len;

		memcpy(m, b->data, len);
		for (unsigned n = 1 + rnd() % 3; n; n--) {
			size_t tag = tags[rnd() % ntags];
			switch (rnd() % 8) {
			case 0:   /* flip a bit */
				flip_bit(m, len);
				break;
			case 1:   /* replace a byte */
				replace_byte(m, len);
				break;
			case 2:   /* a tag's size */
				put32(m + tag + 4, interesting32(get32(m + tag + 4)));
				break;
			case 3:   /* a tag's type */
				put32(m + tag, rnd() % 2 ? (uint32_t)(rnd() % 17) : (uint32_t)rnd());
				break;
			case 4:   /* total_size */
				put32(m, interesting32((uint32_t)len));
				break;
			case 5:   /* the memory map's entry size */
				put32(m + o.mmap + 8, interesting32(24));
				break;
			case 6:   /* any aligned word */
				put32(m + (rnd() % (len / 4)) * 4, interesting32(0));
				break;
			default:  /* cut the buffer short */
				len = 8 + rnd() % (len - 7);
				break;
			}
		}
		uint8_t *p = alloc_copy(m, len);
		memset(&info, 0xcc, sizeof(info));
		int r = mb2_parse(p, len, &info);
		ck_assert_msg(r <= 0 && r >= -10, "iteration %u: result %d", iter, r);
		if (r == MB2_OK) {
			size_t total = get32(p);
			ok++;
			ck_assert_msg(info.total_size == total && total <= len, "iteration %u", iter);
			ck_assert_msg(info.cmdline == default_cmdline ||
				      string_inside(info.cmdline, p + 8, total - 8),
				      "iteration %u: cmdline outside", iter);
			ck_assert_msg(!info.loader_name || string_inside(info.loader_name, p + 8, total - 8),
				      "iteration %u: loader name outside", iter);
			ck_assert_msg(info.region_count <= MB2_MAX_REGIONS, "iteration %u", iter);
			ck_assert_msg(info.module_count <= MB2_MAX_MODULES, "iteration %u", iter);
			for (unsigned i = 0; i < info.module_count; i++) {
				const struct mb2_module *mod = &info.modules[i];
				ck_assert_msg(string_inside(mod->name, p + 8, total - 8) &&
					      mod->start <= mod->end,
					      "iteration %u: module %u", iter, i);
				for (unsigned j = 0; j < i; j++)
					ck_assert_msg(mod->start >= info.modules[j].end ||
						      info.modules[j].start >= mod->end,
						      "iteration %u: modules %u and %u overlap", iter, j, i);
			}
			if (info.rsdp) {
				ck_assert_msg((info.rsdp_revision == 1 && info.rsdp_len == 20) ||
					      (info.rsdp_revision == 2 && info.rsdp_len == 36),
					      "iteration %u: rsdp rev %u len %u", iter,
					      info.rsdp_revision, info.rsdp_len);
				ck_assert_msg(inside(info.rsdp, p + 8, total - 8) &&
					      (const uint8_t *)info.rsdp + info.rsdp_len <= p + total,
					      "iteration %u: rsdp outside", iter);
			} else {
				ck_assert_msg(info.rsdp_revision == 0 && info.rsdp_len == 0,
					      "iteration %u", iter);
			}
		} else {
			failed++;
			ck_assert_uint_gt(strlen(mb2_strerror(r)), 0);
		}
		free(p);
	}
	/* Both outcomes must be common, or the mutations test nothing. */
	ck_assert_uint_ge(ok, 250);
	ck_assert_uint_ge(failed, 1000);
	free(b);
}
END_TEST

Suite *mb2_suite(void)
{
	Suite *s = suite_create("mb2");
	TCase *tc = tcase_create("valid");

	tcase_add_checked_fixture(tc, NULL, free_parsed);
	tcase_add_test(tc, test_valid_full_list);
	tcase_add_test(tc, test_minimal_list_defaults);
	tcase_add_test(tc, test_avail_larger_than_total_is_fine);
	tcase_add_test(tc, test_acpi_old_rsdp_only);
	tcase_add_test(tc, test_acpi_new_before_old_keeps_new);
	tcase_add_test(tc, test_unknown_tags_skipped_with_padding);
	tcase_add_test(tc, test_end_tag_stops_parsing);
	tcase_add_test(tc, test_later_cmdline_tag_wins);
	tcase_add_test(tc, test_string_nul_at_last_byte_of_tag);
	tcase_add_test(tc, test_larger_mmap_entry_size);
	tcase_add_test(tc, test_mmap_partial_trailing_entry_ignored);
	tcase_add_test(tc, test_mmap_empty_and_several_tags_accumulate);
	tcase_add_test(tc, test_mmap_length_wrapping_address_space_clipped);
	tcase_add_test(tc, test_max_regions_and_modules_accepted);
	tcase_add_test(tc, test_adjacent_and_empty_modules_accepted);
	tcase_add_test(tc, test_framebuffer_minimum_size);
	suite_add_tcase(s, tc);

	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, NULL, free_parsed);
	tcase_add_test(tc, test_null_arguments);
	tcase_add_test(tc, test_misaligned_pointer);
	tcase_add_test(tc, test_total_size_smaller_than_header);
	tcase_add_test(tc, test_total_size_larger_than_available);
	tcase_add_test(tc, test_tag_size_smaller_than_header);
	tcase_add_test(tc, test_tag_size_past_end);
	tcase_add_test(tc, test_absurd_tag_sizes);
	tcase_add_test(tc, test_missing_end_tag);
	tcase_add_test(tc, test_end_tag_with_wrong_size);
	tcase_add_test(tc, test_strings_without_nul);
	tcase_add_test(tc, test_mmap_bad_entry_sizes);
	tcase_add_test(tc, test_mmap_tag_shorter_than_its_header);
	tcase_add_test(tc, test_mmap_huge_entry_size_reads_nothing);
	tcase_add_test(tc, test_too_many_regions);
	tcase_add_test(tc, test_too_many_modules);
	tcase_add_test(tc, test_module_ends_before_start);
	tcase_add_test(tc, test_overlapping_modules);
	tcase_add_test(tc, test_module_tag_too_short);
	tcase_add_test(tc, test_short_rsdp_tags);
	tcase_add_test(tc, test_short_meminfo_and_framebuffer_tags);
	tcase_add_test(tc, test_strerror_and_type_names);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", NULL, free_parsed, test_random_mutations_stay_in_bounds);
	return s;
}
