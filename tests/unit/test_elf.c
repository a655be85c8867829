/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for kernel/elf.c: the ELF64 executable checker. A small builder
 * assembles an image (header, program header table, segment data); every
 * image is parsed from a heap buffer of exactly its size, so AddressSanitizer
 * reports any read past the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elf.h"
#include "unit.h"
#include "util.h"

/* ------------------------------------------------------------ image builder */

#define IMG_MAX 0x10000
#define EHDR 64u   /* sizeof(Elf64_Ehdr) */
#define PHDR 56u   /* sizeof(Elf64_Phdr) */

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551u
#define PF_X 1u
#define PF_W 2u
#define PF_R 4u

#define E_OFF_CLASS 4
#define E_OFF_DATA 5
#define E_OFF_IDVERSION 6
#define E_OFF_TYPE 16
#define E_OFF_MACHINE 18
#define E_OFF_VERSION 20
#define E_OFF_ENTRY 24
#define E_OFF_PHOFF 32
#define E_OFF_PHENTSIZE 54
#define E_OFF_PHNUM 56

#define P_OFF_TYPE 0
#define P_OFF_FLAGS 4
#define P_OFF_OFFSET 8
#define P_OFF_VADDR 16
#define P_OFF_FILESZ 32
#define P_OFF_MEMSZ 40
#define P_OFF_ALIGN 48

/* One program header as the test describes it. */
struct ph {
	uint32_t type, flags;
	uint64_t offset, vaddr, filesz, memsz, align;
};

struct img {
	uint8_t data[IMG_MAX];
	size_t len;
	uint64_t phoff;
	unsigned phnum;
};

/* The byte at file offset off of every image: segment data is recognisable. */
static uint8_t fill_byte(size_t off)
{
	return (uint8_t)(off * 7 + 3);
}

/*
 * Builds an x86-64 ET_EXEC image with entry point entry and the n program
 * headers ph, the table at phoff (EHDR if 0). The file is exactly long enough
 * for the header, the table and every PT_LOAD segment's file bytes that lie
 * below IMG_MAX (so refused segments may point anywhere).
 */
static void img_build_at(struct img *b, uint64_t entry, const struct ph *ph, unsigned n,
			 uint64_t phoff)
{
	size_t len = 0;

	if (!phoff)
		phoff = EHDR;
	memset(b->data, 0, sizeof(b->data));
	for (size_t i = 0; i < sizeof(b->data); i++)
		b->data[i] = fill_byte(i);
	len = MAX((size_t)EHDR, (size_t)(phoff + (uint64_t)n * PHDR));
	ck_assert_uint_le(len, IMG_MAX);
	for (unsigned i = 0; i < n; i++) {
		if (ph[i].type != PT_LOAD || ph[i].offset >= IMG_MAX || ph[i].filesz >= IMG_MAX ||
		    ph[i].offset + ph[i].filesz > IMG_MAX)
			continue;
		len = MAX(len, (size_t)(ph[i].offset + ph[i].filesz));
	}

	uint8_t *h = b->data;
	memset(h, 0, EHDR);
	h[0] = 0x7f;
	h[1] = 'E';
	h[2] = 'L';
	h[3] = 'F';
	h[E_OFF_CLASS] = 2;      /* ELFCLASS64 */
	h[E_OFF_DATA] = 1;       /* ELFDATA2LSB */
	h[E_OFF_IDVERSION] = 1;  /* EV_CURRENT */
	h[7] = 0;                /* ELFOSABI_SYSV */
	put16(h + E_OFF_TYPE, 2);        /* ET_EXEC */
	put16(h + E_OFF_MACHINE, 62);    /* EM_X86_64 */
	put32(h + E_OFF_VERSION, 1);
	put64(h + E_OFF_ENTRY, entry);
	put64(h + E_OFF_PHOFF, phoff);
	put64(h + 40, 0);                /* no section headers */
	put16(h + 52, EHDR);
	put16(h + E_OFF_PHENTSIZE, PHDR);
	put16(h + E_OFF_PHNUM, (uint16_t)n);
	put16(h + 58, 64);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = b->data + phoff + (size_t)i * PHDR;
		put32(p + P_OFF_TYPE, ph[i].type);
		put32(p + P_OFF_FLAGS, ph[i].flags);
		put64(p + P_OFF_OFFSET, ph[i].offset);
		put64(p + P_OFF_VADDR, ph[i].vaddr);
		put64(p + 24, ph[i].vaddr);   /* paddr */
		put64(p + P_OFF_FILESZ, ph[i].filesz);
		put64(p + P_OFF_MEMSZ, ph[i].memsz);
		put64(p + P_OFF_ALIGN, ph[i].align);
	}
	b->len = len;
	b->phoff = phoff;
	b->phnum = n;
}

static void img_build(struct img *b, uint64_t entry, const struct ph *ph, unsigned n)
{
	img_build_at(b, entry, ph, n, 0);
}

/* Parses the first len bytes of the image from an exact-size heap copy (kept
 * until the next parse). */
static const char *img_parse_len(const struct img *b, size_t len, struct elf_image *out)
{
	return elf_parse(parse_copy(b->data, len), len, out);
}

static const char *img_parse(const struct img *b, struct elf_image *out)
{
	return img_parse_len(b, b->len, out);
}

#define ASSERT_OK(got) ASSERT_NO_REASON(got, "elf_parse refused a valid image")
#define ASSERT_WHY(got, want) ASSERT_REASON(got, want, "elf_parse", "(accepted)")

#define ASSERT_SEG(s, va, msz, off, fsz, fl)                                               \
	do {                                                                               \
		ck_assert_uint_eq((s).vaddr, (va));                                        \
		ck_assert_uint_eq((s).memsz, (msz));                                       \
		ck_assert_uint_eq((s).offset, (off));                                      \
		ck_assert_uint_eq((s).filesz, (fsz));                                      \
		ck_assert_uint_eq((s).flags, (fl));                                        \
	} while (0)

static const char *const WHY_SHORT = "shorter than an ELF header";
static const char *const WHY_MAGIC = "not an ELF file (bad magic)";
static const char *const WHY_CLASS = "not a 64-bit ELF file";
static const char *const WHY_ENDIAN = "not little-endian";
static const char *const WHY_VERSION = "unknown ELF version";
static const char *const WHY_TYPE = "not an executable (ET_EXEC)";
static const char *const WHY_MACHINE = "not for x86-64";
static const char *const WHY_PHENTSIZE = "bad program header size";
static const char *const WHY_PHNUM = "no program headers";
static const char *const WHY_PHTAB = "program header table beyond the end of the file";
static const char *const WHY_FILESZ = "segment file size exceeds its memory size";
static const char *const WHY_DATA = "segment data beyond the end of the file";
static const char *const WHY_RANGE = "segment outside the user address range";
static const char *const WHY_NULLPAGE = "segment in the null page";
static const char *const WHY_ALIGN = "segment address and offset disagree modulo the page size";
static const char *const WHY_OVERLAP = "overlapping segments";
static const char *const WHY_TOO_MANY = "too many loadable segments";
static const char *const WHY_NO_LOAD = "no loadable segments";
static const char *const WHY_ENTRY = "entry point not in an executable segment";

static struct img img;            /* large: kept off the stack */
static struct elf_image out;

/* A typical single-segment program: text at 0x401000 from file offset 0x1000. */
static const struct ph text_only[] = {
	{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x234, 0x234, 0x1000 },
};

/* ------------------------------------------------------------ valid images */

START_TEST(test_single_load_segment)
{
	img_build(&img, 0x401010, text_only, 1);
	ck_assert_uint_eq(img.len, 0x1234);
	memset(&out, 0xcc, sizeof(out));
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.entry, 0x401010);
	ck_assert_uint_eq(out.segment_count, 1);
	ASSERT_SEG(out.segments[0], 0x401000, 0x234, 0x1000, 0x234, ELF_SEG_R | ELF_SEG_X);
	/* The unused slots are cleared. */
	for (unsigned i = 1; i < ELF_MAX_SEGMENTS; i++)
		ASSERT_SEG(out.segments[i], 0, 0, 0, 0, 0);
}
END_TEST

START_TEST(test_several_load_segments)
{
	/* A linker's usual layout: headers + text, read-only data, data + bss. */
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x0, 0x400000, 0x1800, 0x1800, 0x200000 },
		{ PT_LOAD, PF_R, 0x2000, 0x402000, 0x340, 0x340, 0x200000 },
		{ PT_LOAD, PF_R | PF_W, 0x3000, 0x603000, 0x120, 0x2000, 0x200000 },
	};

	img_build(&img, 0x400100, ph, 3);
	ck_assert_uint_eq(img.len, 0x3120);
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.entry, 0x400100);
	ck_assert_uint_eq(out.segment_count, 3);
	ASSERT_SEG(out.segments[0], 0x400000, 0x1800, 0x0, 0x1800, ELF_SEG_R | ELF_SEG_X);
	ASSERT_SEG(out.segments[1], 0x402000, 0x340, 0x2000, 0x340, ELF_SEG_R);
	ASSERT_SEG(out.segments[2], 0x603000, 0x2000, 0x3000, 0x120, ELF_SEG_R | ELF_SEG_W);
}
END_TEST

START_TEST(test_segments_sharing_a_page)
{
	/* Text ends in the middle of a page where data begins; the two touch. */
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x800, 0x800, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x1800, 0x401800, 0x100, 0x400, 0x1000 },
		{ PT_LOAD, PF_R, 0x1900, 0x401d00, 0x10, 0x10, 0x100 },   /* same page, a gap */
	};

	img_build(&img, 0x4017ff, ph, 3);
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.segment_count, 3);
	ck_assert_uint_eq(out.entry, 0x4017ff);
	ASSERT_SEG(out.segments[0], 0x401000, 0x800, 0x1000, 0x800, ELF_SEG_R | ELF_SEG_X);
	ASSERT_SEG(out.segments[1], 0x401800, 0x400, 0x1800, 0x100, ELF_SEG_R | ELF_SEG_W);
	ASSERT_SEG(out.segments[2], 0x401d00, 0x10, 0x1900, 0x10, ELF_SEG_R);
}
END_TEST

START_TEST(test_non_load_headers_ignored)
{
	/* Non-LOAD headers whose fields would each be refused in a PT_LOAD. */
	static const struct ph ph[] = {
		{ PT_PHDR, PF_R, 0x40, 0x400040, 0x1f8, 0x1f8, 8 },
		{ PT_INTERP, PF_R, 0xffffffffffffff00ull, 0x10, 0x100, 0x100, 1 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100, 0x1000 },
		{ PT_DYNAMIC, PF_R | PF_W, 0x1000, 0xffff800000000000ull, 0x50000, 0x10, 8 },
		{ PT_NOTE, PF_R, 0x1000, 0x401000, 0x20, 0x20, 4 },   /* overlaps the text */
		{ PT_TLS, PF_R, 0x1001, 0x0, 0x8, 0x10, 0x1000 },
		{ PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 16 },
		{ PT_NULL, 0xffffffff, 0xffffffffffffffffull, 0xffffffffffffffffull,
		  0xffffffffffffffffull, 1, 0 },
		{ 0x70000000, PF_R, 0x1000, 0x401000, 0x10, 0x10, 1 },   /* processor specific */
	};

	img_build(&img, 0x401000, ph, ARRAY_SIZE(ph));
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.entry, 0x401000);
	ck_assert_uint_eq(out.segment_count, 1);
	ASSERT_SEG(out.segments[0], 0x401000, 0x100, 0x1000, 0x100, ELF_SEG_R | ELF_SEG_X);
}
END_TEST

START_TEST(test_zero_memsz_load_ignored)
{
	/* Empty LOAD segments anywhere, even where a real one would be refused. */
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0, 0, 0x1000 },   /* inside the text */
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100, 0x1000 },
		{ PT_LOAD, PF_R, 0xfffffffffffff000ull, 0x0, 0, 0, 0x1000 },
		{ PT_LOAD, PF_R, 0x123, 0xffff800000000000ull, 0, 0, 0x1000 },
	};

	img_build(&img, 0x4010ff, ph, ARRAY_SIZE(ph));
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.segment_count, 1);
	ck_assert_uint_eq(out.entry, 0x4010ff);
	ASSERT_SEG(out.segments[0], 0x401000, 0x100, 0x1000, 0x100, ELF_SEG_R | ELF_SEG_X);
}
END_TEST

START_TEST(test_bss_memsz_larger_than_filesz)
{
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x80, 0x80, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x1080, 0x402080, 0x10, 0x5000, 0x1000 },   /* data + bss */
		{ PT_LOAD, PF_R | PF_W, 0x1090, 0x410090, 0, 0x100000, 0x1000 },  /* only bss */
	};

	img_build(&img, 0x401000, ph, ARRAY_SIZE(ph));
	ck_assert_uint_eq(img.len, 0x1090);
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.segment_count, 3);
	ASSERT_SEG(out.segments[1], 0x402080, 0x5000, 0x1080, 0x10, ELF_SEG_R | ELF_SEG_W);
	ASSERT_SEG(out.segments[2], 0x410090, 0x100000, 0x1090, 0, ELF_SEG_R | ELF_SEG_W);
}
END_TEST

START_TEST(test_entry_anywhere_in_executable_segment)
{
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0x100, 0x100, 0x1000 },
		{ PT_LOAD, PF_X, 0x1100, 0x402100, 0x100, 0x300, 0x1000 },   /* execute-only */
	};
	/* First byte, last file byte, in the zero-filled part, last byte. */
	static const uint64_t entries[] = { 0x402100, 0x4021ff, 0x402200, 0x4023ff };

	for (unsigned i = 0; i < ARRAY_SIZE(entries); i++) {
		img_build(&img, entries[i], ph, ARRAY_SIZE(ph));
		ASSERT_OK(img_parse(&img, &out));
		ck_assert_uint_eq(out.entry, entries[i]);
		ck_assert_uint_eq(out.segment_count, 2);
		ASSERT_SEG(out.segments[0], 0x401000, 0x100, 0x1000, 0x100, ELF_SEG_R | ELF_SEG_W);
		ASSERT_SEG(out.segments[1], 0x402100, 0x300, 0x1100, 0x100, ELF_SEG_X);
	}
}
END_TEST

START_TEST(test_flags_translated_and_other_bits_dropped)
{
	static const struct {
		uint32_t pf;
		unsigned want;
	} cases[] = {
		{ PF_X, ELF_SEG_X },
		{ PF_W | PF_X, ELF_SEG_W | ELF_SEG_X },
		{ PF_R | PF_W | PF_X, ELF_SEG_R | ELF_SEG_W | ELF_SEG_X },
		{ PF_R | PF_X | 0x0ff00000, ELF_SEG_R | ELF_SEG_X },   /* PF_MASKOS */
		{ 0xfffffff9, ELF_SEG_X },                             /* every other bit */
	};
	struct ph ph = text_only[0];

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		ph.flags = cases[i].pf;
		img_build(&img, 0x401000, &ph, 1);
		ASSERT_OK(img_parse(&img, &out));
		ck_assert_msg(out.segments[0].flags == cases[i].want, "p_flags %#x: got %#x",
			      cases[i].pf, out.segments[0].flags);
	}
}
END_TEST

START_TEST(test_max_segments_accepted)
{
	struct ph ph[ELF_MAX_SEGMENTS + 4];
	unsigned n = 0;

	for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++) {
		ph[n++] = (struct ph){ PT_LOAD, i ? PF_R : PF_R | PF_X, 0x1000 + i * 0x10,
				       0x401000 + i * 0x1010, 0x10, 0x20, 0x1000 };
		if (i % 5 == 0)   /* interleaved headers that do not count */
			ph[n++] = (struct ph){ i % 2 ? PT_NOTE : PT_LOAD, PF_R, 0, 0x500000, 0, 0, 0 };
	}
	img_build(&img, 0x401000, ph, n);
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.segment_count, ELF_MAX_SEGMENTS);
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
		ASSERT_SEG(out.segments[i], 0x401000 + i * 0x1010, 0x20, 0x1000 + i * 0x10, 0x10,
			   i ? ELF_SEG_R : ELF_SEG_R | ELF_SEG_X);
}
END_TEST

START_TEST(test_boundaries_accepted)
{
	/* The last user page, data ending exactly at the end of the file, the
	 * table ending exactly at the end of the file, the first non-null page. */
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x7ffffffff000ull, 0x100, 0x1000, 0x1000 },
		{ PT_LOAD, PF_R, 0x1000, 0x1000, 0x200, 0x200, 0x1000 },
	};

	img_build_at(&img, 0x7fffffffffffull, ph, 2, 0x1200);
	ck_assert_uint_eq(img.len, 0x1200 + 2 * PHDR);
	ASSERT_OK(img_parse(&img, &out));
	ck_assert_uint_eq(out.entry, 0x7fffffffffffull);
	ck_assert_uint_eq(out.segment_count, 2);
	ASSERT_SEG(out.segments[0], 0x7ffffffff000ull, 0x1000, 0x1000, 0x100, ELF_SEG_R | ELF_SEG_X);
	ASSERT_SEG(out.segments[1], 0x1000, 0x200, 0x1000, 0x200, ELF_SEG_R);

	/* Segment data running exactly to the end of the file. */
	img_build(&img, 0x401000, text_only, 1);
	ASSERT_OK(img_parse_len(&img, 0x1234, &out));
	ASSERT_WHY(img_parse_len(&img, 0x1233, &out), WHY_DATA);
}
END_TEST

START_TEST(test_alignment_above_page_checked_modulo_page)
{
	/* 2 MiB alignment, as GNU ld uses: only the page offset must agree. */
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1234, 0x5ff234, 0x10, 0x10, 0x200000 },
	};

	img_build(&img, 0x5ff234, ph, 1);
	ASSERT_OK(img_parse(&img, &out));
	ASSERT_SEG(out.segments[0], 0x5ff234, 0x10, 0x1234, 0x10, ELF_SEG_R | ELF_SEG_X);
}
END_TEST

START_TEST(test_unaligned_image_and_trailing_bytes)
{
	img_build(&img, 0x401010, text_only, 1);
	uint8_t *p = alloc_exact(img.len + 3);
	memcpy(p + 1, img.data, img.len);
	p[img.len + 1] = p[img.len + 2] = 0xee;
	/* At an odd address, with two bytes beyond the file. */
	ASSERT_OK(elf_parse(p + 1, img.len + 2, &out));
	ck_assert_uint_eq(out.entry, 0x401010);
	ck_assert_uint_eq(out.segment_count, 1);
	ASSERT_SEG(out.segments[0], 0x401000, 0x234, 0x1000, 0x234, ELF_SEG_R | ELF_SEG_X);
	free(p);
}
END_TEST

/* ------------------------------------------------------------ refused images */

START_TEST(test_shorter_than_header)
{
	static const size_t lens[] = { 0, 1, 4, 16, 56, 63 };

	img_build(&img, 0x401010, text_only, 1);
	for (unsigned i = 0; i < ARRAY_SIZE(lens); i++)
		ASSERT_WHY(img_parse_len(&img, lens[i], &out), WHY_SHORT);
	ASSERT_WHY(elf_parse(NULL, 4096, &out), WHY_SHORT);
	/* A failed parse leaves nothing behind. */
	ck_assert_uint_eq(out.segment_count, 0);
	ck_assert_uint_eq(out.entry, 0);
}
END_TEST

START_TEST(test_bad_magic)
{
	static const uint8_t good[4] = { 0x7f, 'E', 'L', 'F' };

	for (unsigned i = 0; i < 4; i++) {
		img_build(&img, 0x401010, text_only, 1);
		img.data[i] = (uint8_t)(good[i] ^ 0x20);
		ASSERT_WHY(img_parse(&img, &out), WHY_MAGIC);
		img.data[i] = 0;
		ASSERT_WHY(img_parse(&img, &out), WHY_MAGIC);
	}
	img_build(&img, 0x401010, text_only, 1);
	memcpy(img.data, "\x7f" "elf", 4);
	ASSERT_WHY(img_parse(&img, &out), WHY_MAGIC);
}
END_TEST

START_TEST(test_not_64_bit)
{
	static const uint8_t classes[] = { 0, 1 /* ELFCLASS32 */, 3, 0xff };

	for (unsigned i = 0; i < ARRAY_SIZE(classes); i++) {
		img_build(&img, 0x401010, text_only, 1);
		img.data[E_OFF_CLASS] = classes[i];
		ASSERT_WHY(img_parse(&img, &out), WHY_CLASS);
	}
}
END_TEST

START_TEST(test_big_endian)
{
	static const uint8_t datas[] = { 0, 2 /* ELFDATA2MSB */, 3 };

	for (unsigned i = 0; i < ARRAY_SIZE(datas); i++) {
		img_build(&img, 0x401010, text_only, 1);
		img.data[E_OFF_DATA] = datas[i];
		ASSERT_WHY(img_parse(&img, &out), WHY_ENDIAN);
	}
}
END_TEST

START_TEST(test_bad_version)
{
	static const uint32_t versions[] = { 0, 2, 0x101, 0xffffffff };

	for (unsigned i = 0; i < ARRAY_SIZE(versions); i++) {
		img_build(&img, 0x401010, text_only, 1);
		img.data[E_OFF_IDVERSION] = (uint8_t)versions[i];
		if (versions[i] < 256)
			ASSERT_WHY(img_parse(&img, &out), WHY_VERSION);
		img_build(&img, 0x401010, text_only, 1);
		put32(img.data + E_OFF_VERSION, versions[i]);
		ASSERT_WHY(img_parse(&img, &out), WHY_VERSION);
	}
}
END_TEST

START_TEST(test_not_an_executable)
{
	static const uint16_t types[] = { 0 /* ET_NONE */, 1 /* ET_REL */, 3 /* ET_DYN */,
					  4 /* ET_CORE */, 0x102 /* 2 in the high byte too */,
					  0xfe00, 0xffff };

	for (unsigned i = 0; i < ARRAY_SIZE(types); i++) {
		img_build(&img, 0x401010, text_only, 1);
		put16(img.data + E_OFF_TYPE, types[i]);
		ASSERT_WHY(img_parse(&img, &out), WHY_TYPE);
	}
}
END_TEST

START_TEST(test_wrong_machine)
{
	static const uint16_t machines[] = { 0, 3 /* i386 */, 40 /* ARM */, 183 /* AArch64 */,
					     243 /* RISC-V */, 62 + 256 };

	for (unsigned i = 0; i < ARRAY_SIZE(machines); i++) {
		img_build(&img, 0x401010, text_only, 1);
		put16(img.data + E_OFF_MACHINE, machines[i]);
		ASSERT_WHY(img_parse(&img, &out), WHY_MACHINE);
	}
}
END_TEST

START_TEST(test_wrong_phentsize)
{
	static const uint16_t sizes[] = { 0, 1, 32 /* Elf32_Phdr */, 55, 57, 64, 0xffff };

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		img_build(&img, 0x401010, text_only, 1);
		put16(img.data + E_OFF_PHENTSIZE, sizes[i]);
		ASSERT_WHY(img_parse(&img, &out), WHY_PHENTSIZE);
	}
}
END_TEST

START_TEST(test_no_program_headers)
{
	img_build(&img, 0x401010, text_only, 1);
	put16(img.data + E_OFF_PHNUM, 0);
	ASSERT_WHY(img_parse(&img, &out), WHY_PHNUM);
}
END_TEST

START_TEST(test_program_header_table_beyond_file)
{
	static const uint64_t phoffs[] = {
		0x1234 - PHDR + 1,          /* one byte short */
		0x1234,                     /* starts at the end of the file */
		0x1235,                     /* starts after the end */
		0x100000000ull,
		0x8000000000000000ull,
		0xffffffffffffffffull,      /* phoff + 56 wraps to 55 */
		0ull - PHDR,                /* phoff + 56 wraps to exactly 0 */
		0ull - 8,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(phoffs); i++) {
		img_build(&img, 0x401010, text_only, 1);
		put64(img.data + E_OFF_PHOFF, phoffs[i]);
		ck_assert_uint_eq(img.len, 0x1234);
		const char *why = img_parse(&img, &out);
		ck_assert_msg(why && !strcmp(why, WHY_PHTAB), "phoff %#llx: %s",
			      (unsigned long long)phoffs[i], why ? why : "(accepted)");
	}

	/* More entries than the file holds: the table is the last thing in it. */
	static const uint16_t phnums[] = { 2, 3, 0x8000, 0xffff };
	img_build_at(&img, 0x401010, text_only, 1, 0x1234);
	ck_assert_uint_eq(img.len, 0x1234 + PHDR);
	ASSERT_OK(img_parse(&img, &out));
	for (unsigned i = 0; i < ARRAY_SIZE(phnums); i++) {
		put16(img.data + E_OFF_PHNUM, phnums[i]);
		ASSERT_WHY(img_parse(&img, &out), WHY_PHTAB);
	}
}
END_TEST

START_TEST(test_filesz_exceeds_memsz)
{
	struct ph ph = text_only[0];

	ph.filesz = ph.memsz + 1;
	img_build(&img, 0x401010, &ph, 1);
	ASSERT_WHY(img_parse(&img, &out), WHY_FILESZ);
	ph.memsz = 1;
	ph.filesz = 0x234;
	img_build(&img, 0x401000, &ph, 1);
	ASSERT_WHY(img_parse(&img, &out), WHY_FILESZ);
}
END_TEST

START_TEST(test_segment_data_beyond_file)
{
	static const struct {
		uint64_t offset, filesz;
	} cases[] = {
		{ 0x1000, 0x235 },                           /* one byte past the end */
		{ 0x1235, 0 },                               /* starts past the end */
		{ 0x2000, 0x10 },
		{ 0xfffffffffffff000ull, 0x2000 },           /* offset + filesz wraps to 0x1000 */
		{ 0xffffffffffffffffull, 1 },                /* wraps to 0 */
		{ 0x1000, 0xfffffffffffff001ull },           /* wraps to 1 */
	};
	const uint64_t vaddr = 0x401000;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ph ph = text_only[0];
		ph.offset = cases[i].offset;
		ph.vaddr = vaddr + cases[i].offset % 0x1000;   /* page offsets agree */
		ph.filesz = cases[i].filesz;
		ph.memsz = MAX(cases[i].filesz, (uint64_t)0x1000);
		img_build(&img, ph.vaddr, &ph, 1);
		/* The file is the header, the table and the text's 0x234 bytes. */
		img.len = 0x1234;
		const char *why = img_parse(&img, &out);
		ck_assert_msg(why && !strcmp(why, WHY_DATA), "offset %#llx filesz %#llx: %s",
			      (unsigned long long)cases[i].offset,
			      (unsigned long long)cases[i].filesz, why ? why : "(accepted)");
	}
}
END_TEST

START_TEST(test_segment_outside_user_range)
{
	static const struct {
		uint64_t vaddr, memsz;
	} cases[] = {
		{ ELF_USER_LIMIT, 0x1000 },                     /* first non-canonical address */
		{ 0x00007ffffffff000ull, 0x1001 },              /* ends one byte past the limit */
		{ 0x00007ffffffff000ull, 0x2000 },
		{ 0xffff800000000000ull, 0x1000 },              /* kernel half */
		{ 0xffffffff80000000ull, 0x1000 },
		{ 0xfffffffffffff000ull, 0x1000 },              /* ends at 2^64 */
		{ 0x401000, 0xffffffffffc00000ull },            /* vaddr + memsz wraps */
		{ 0x401000, 0xfffffffffffff000ull },            /* wraps to 0x400000 */
		{ 0x401000, 0xffffffffffffffffull },
		{ 0x401000, ELF_USER_LIMIT },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ph ph = text_only[0];
		ph.vaddr = cases[i].vaddr;
		ph.memsz = cases[i].memsz;
		img_build(&img, cases[i].vaddr, &ph, 1);
		const char *why = img_parse(&img, &out);
		ck_assert_msg(why && !strcmp(why, WHY_RANGE), "vaddr %#llx memsz %#llx: %s",
			      (unsigned long long)cases[i].vaddr,
			      (unsigned long long)cases[i].memsz, why ? why : "(accepted)");
	}
}
END_TEST

START_TEST(test_segment_in_null_page)
{
	static const struct {
		uint64_t vaddr, memsz;
	} cases[] = {
		{ 0x0, 0x1000 },
		{ 0x0, 0x10000 },   /* reaching well beyond the null page */
		{ 0x800, 0x1000 },
		{ 0xfff, 0x1 },
		{ 0x10, 0x100000 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ph ph = text_only[0];
		ph.vaddr = cases[i].vaddr;
		ph.offset = 0x1000 + cases[i].vaddr % 0x1000;
		ph.filesz = 0;
		ph.memsz = cases[i].memsz;
		img_build(&img, cases[i].vaddr, &ph, 1);
		const char *why = img_parse(&img, &out);
		ck_assert_msg(why && !strcmp(why, WHY_NULLPAGE), "vaddr %#llx: %s",
			      (unsigned long long)cases[i].vaddr, why ? why : "(accepted)");
	}
}
END_TEST

START_TEST(test_address_and_offset_disagree)
{
	static const struct {
		uint64_t offset, vaddr, align;
	} cases[] = {
		{ 0x1080, 0x401000, 0x1000 },
		{ 0x1000, 0x401001, 0x1000 },
		{ 0x1000, 0x401010, 0x200000 },   /* alignments above a page: modulo a page */
		{ 0x1ff8, 0x401000, 0x200000 },
		{ 0x1000, 0x401008, 0x10 },        /* smaller alignments: modulo themselves */
		{ 0x1000, 0x401001, 2 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ph ph = { PT_LOAD, PF_R | PF_X, cases[i].offset, cases[i].vaddr, 0x8, 0x8,
				 cases[i].align };
		img_build(&img, cases[i].vaddr, &ph, 1);
		const char *why = img_parse(&img, &out);
		ck_assert_msg(why && !strcmp(why, WHY_ALIGN), "offset %#llx vaddr %#llx: %s",
			      (unsigned long long)cases[i].offset,
			      (unsigned long long)cases[i].vaddr, why ? why : "(accepted)");
	}
}
END_TEST

START_TEST(test_overlapping_segments)
{
	/* Pairs of [vaddr, vaddr + memsz) ranges that share at least one byte. */
	static const struct {
		uint64_t va1, sz1, va2, sz2;
	} cases[] = {
		{ 0x401000, 0x801, 0x401800, 0x100 },   /* by one byte */
		{ 0x401000, 0x1000, 0x401000, 0x1000 }, /* identical */
		{ 0x401000, 0x4000, 0x402000, 0x10 },   /* one inside the other */
		{ 0x401000, 0x1000, 0x400800, 0x1000 }, /* partly */
		{ 0x401000, 0x10, 0x400000, 0x100000 }, /* the second around the first */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		for (unsigned order = 0; order < 2; order++) {
			struct ph ph[3] = {
				{ PT_LOAD, PF_R | PF_X, 0x1000, 0x500000, 0x10, 0x10, 0x1000 },
				{ PT_LOAD, PF_R, 0x1000 + cases[i].va1 % 0x1000, cases[i].va1, 0,
				  cases[i].sz1, 0x1000 },
				{ PT_LOAD, PF_R | PF_W, 0x1000 + cases[i].va2 % 0x1000, cases[i].va2,
				  0, cases[i].sz2, 0x1000 },
			};
			if (order) {
				struct ph t = ph[1];
				ph[1] = ph[2];
				ph[2] = t;
			}
			img_build(&img, 0x500000, ph, 3);
			const char *why = img_parse(&img, &out);
			ck_assert_msg(why && !strcmp(why, WHY_OVERLAP), "case %u order %u: %s", i,
				      order, why ? why : "(accepted)");
		}
	}
}
END_TEST

START_TEST(test_too_many_segments)
{
	struct ph ph[ELF_MAX_SEGMENTS + 1];

	for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
		ph[i] = (struct ph){ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000 + i * 0x1000, 0x10,
				     0x10, 0x1000 };
	img_build(&img, 0x401000, ph, ELF_MAX_SEGMENTS + 1);
	ASSERT_WHY(img_parse(&img, &out), WHY_TOO_MANY);
	/* The one too many is refused even when it is empty otherwise. */
	ph[ELF_MAX_SEGMENTS].filesz = 0;
	ph[ELF_MAX_SEGMENTS].memsz = 1;
	img_build(&img, 0x401000, ph, ELF_MAX_SEGMENTS + 1);
	ASSERT_WHY(img_parse(&img, &out), WHY_TOO_MANY);
}
END_TEST

START_TEST(test_no_loadable_segments)
{
	static const struct ph only_others[] = {
		{ PT_NOTE, PF_R, 0x1000, 0x401000, 0x10, 0x10, 4 },
		{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 16 },
	};
	static const struct ph empty_loads[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0, 0, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x1000, 0x402000, 0, 0, 0x1000 },
	};

	img_build(&img, 0x401000, only_others, ARRAY_SIZE(only_others));
	ASSERT_WHY(img_parse(&img, &out), WHY_NO_LOAD);
	img_build(&img, 0x401000, empty_loads, ARRAY_SIZE(empty_loads));
	ASSERT_WHY(img_parse(&img, &out), WHY_NO_LOAD);
}
END_TEST

START_TEST(test_entry_not_in_executable_segment)
{
	static const struct ph ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x1100, 0x402100, 0x100, 0x200, 0x1000 },
		{ PT_NOTE, PF_R | PF_X, 0x1000, 0x403000, 0x100, 0x100, 4 },   /* not loaded */
		{ PT_LOAD, PF_R | PF_X, 0x1200, 0x404200, 0, 0, 0x1000 },      /* empty */
	};
	static const uint64_t entries[] = {
		0, 0x400fff, 0x401100,     /* just before / just after the text */
		0x402100, 0x4022ff,        /* in the data (and its bss) */
		0x403000,                  /* in the PT_NOTE */
		0x404200,                  /* at the empty LOAD */
		0xffffffff80000000ull, 0xffffffffffffffffull,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(entries); i++) {
		img_build(&img, entries[i], ph, ARRAY_SIZE(ph));
		const char *why = img_parse(&img, &out);
		ck_assert_msg(why && !strcmp(why, WHY_ENTRY), "entry %#llx: %s",
			      (unsigned long long)entries[i], why ? why : "(accepted)");
		ck_assert_uint_eq(out.entry, 0);
	}
}
END_TEST

/* ------------------------------------------------------------ random mutations */

static uint64_t interesting64(uint64_t orig)
{
	static const uint64_t v[] = { 0, 1, 0x38, 0x40, 0xfff, 0x1000, 0x1001, 0x200000,
				      0x400000, 0x401000, ELF_USER_LIMIT - 0x1000, ELF_USER_LIMIT,
				      0x7fffffffffffffffull, 0x8000000000000000ull,
				      0xfffffffffffff000ull, 0xffffffffffffffc8ull,
				      0xffffffffffffffffull };

	return interesting(orig, v, ARRAY_SIZE(v), 0x1000, 64);
}

/* The base image: text, rodata, data+bss, a note, within 0x200 bytes. */
static const struct ph fuzz_ph[] = {
	{ PT_LOAD, PF_R | PF_X, 0x120, 0x401120, 0x80, 0x80, 0x1000 },
	{ PT_NOTE, PF_R, 0x1a0, 0x4011a0, 0x20, 0x20, 4 },
	{ PT_LOAD, PF_R, 0x1a0, 0x4021a0, 0x40, 0x40, 0x1000 },
	{ PT_LOAD, PF_R | PF_W, 0x1e0, 0x4031e0, 0x20, 0x1000, 0x200000 },
};

START_TEST(test_random_mutations_stay_in_bounds)
{
	static struct img base;
	static uint8_t m[IMG_MAX];
	unsigned ok = 0, failed = 0;

	img_build(&base, 0x401130, fuzz_ph, ARRAY_SIZE(fuzz_ph));
	ck_assert_uint_eq(base.len, 0x200);
	ASSERT_OK(img_parse(&base, &out));
	ck_assert_uint_eq(out.segment_count, 3);

	rnd_seed(0x853c49e6748fea9bull);
	for (unsigned iter = 0; iter < 20000; iter++) {
		size_t len = base.len;

		memcpy(m, base.data, len);
		for (unsigned n = 1 + rnd() % 3; n; n--) {
			uint8_t *ph = m + EHDR + (rnd() % ARRAY_SIZE(fuzz_ph)) * PHDR;
			static const unsigned fields[] = { P_OFF_OFFSET, P_OFF_VADDR, P_OFF_FILESZ,
							   P_OFF_MEMSZ, P_OFF_ALIGN };
			switch (rnd() % 9) {
			case 0:   /* flip a bit of the headers */
				flip_bit(m, EHDR + ARRAY_SIZE(fuzz_ph) * PHDR);
				break;
			case 1:   /* replace any byte */
				if (len)
					replace_byte(m, len);
				break;
			case 2:
			case 3: { /* a program header field */
				unsigned f = fields[rnd() % ARRAY_SIZE(fields)];
				put64(ph + f, interesting64(get64(ph + f)));
				break;
			}
			case 4:   /* a program header's type or flags */
				put32(ph + (rnd() % 2 ? P_OFF_TYPE : P_OFF_FLAGS), (uint32_t)(rnd() % 8));
				break;
			case 5:   /* the entry point */
				put64(m + E_OFF_ENTRY, interesting64(get64(m + E_OFF_ENTRY)));
				break;
			case 6:   /* phoff */
				put64(m + E_OFF_PHOFF, interesting64(get64(m + E_OFF_PHOFF)));
				break;
			case 7:   /* phnum or phentsize */
				put16(m + (rnd() % 4 ? E_OFF_PHNUM : E_OFF_PHENTSIZE),
				      (uint16_t)(rnd() % 2 ? rnd() % 8 : rnd()));
				break;
			default:  /* cut the file short */
				len = rnd() % (len + 1);
				break;
			}
		}
		uint8_t *p = alloc_copy(m, len);
		memset(&out, 0xcc, sizeof(out));
		const char *why = elf_parse(p, len, &out);
		if (!why) {
			bool entry_ok = false;
			ok++;
			ck_assert_msg(out.segment_count >= 1 && out.segment_count <= ELF_MAX_SEGMENTS,
				      "iteration %u: %u segments", iter, out.segment_count);
			for (unsigned i = 0; i < out.segment_count; i++) {
				const struct elf_segment *s = &out.segments[i];
				ck_assert_msg(s->offset <= len && s->filesz <= len - s->offset,
					      "iteration %u: segment %u outside the file", iter, i);
				ck_assert_msg(s->memsz > 0 && s->filesz <= s->memsz,
					      "iteration %u: segment %u sizes", iter, i);
				ck_assert_msg(s->vaddr >= 0x1000 && s->vaddr < ELF_USER_LIMIT &&
					      s->memsz <= ELF_USER_LIMIT - s->vaddr,
					      "iteration %u: segment %u outside the user range", iter, i);
				ck_assert_msg(!(s->flags & ~(ELF_SEG_R | ELF_SEG_W | ELF_SEG_X)),
					      "iteration %u: segment %u flags %#x", iter, i, s->flags);
				for (unsigned j = 0; j < i; j++) {
					const struct elf_segment *o = &out.segments[j];
					ck_assert_msg(s->vaddr >= o->vaddr + o->memsz ||
						      o->vaddr >= s->vaddr + s->memsz,
						      "iteration %u: segments %u and %u overlap", iter, j, i);
				}
				if ((s->flags & ELF_SEG_X) && out.entry >= s->vaddr &&
				    out.entry - s->vaddr < s->memsz)
					entry_ok = true;
			}
			ck_assert_msg(entry_ok, "iteration %u: entry %#llx not in an X segment", iter,
				      (unsigned long long)out.entry);
		} else {
			failed++;
			ck_assert_uint_gt(strlen(why), 0);
		}
		free(p);
	}
	/* Both outcomes must be common, or the mutations test nothing. */
	ck_assert_uint_ge(ok, 1000);
	ck_assert_uint_ge(failed, 5000);
}
END_TEST

Suite *elf_suite(void)
{
	Suite *s = suite_create("elf");
	TCase *tc = tcase_create("valid");

	tcase_add_checked_fixture(tc, NULL, free_parsed);
	tcase_add_test(tc, test_single_load_segment);
	tcase_add_test(tc, test_several_load_segments);
	tcase_add_test(tc, test_segments_sharing_a_page);
	tcase_add_test(tc, test_non_load_headers_ignored);
	tcase_add_test(tc, test_zero_memsz_load_ignored);
	tcase_add_test(tc, test_bss_memsz_larger_than_filesz);
	tcase_add_test(tc, test_entry_anywhere_in_executable_segment);
	tcase_add_test(tc, test_flags_translated_and_other_bits_dropped);
	tcase_add_test(tc, test_max_segments_accepted);
	tcase_add_test(tc, test_boundaries_accepted);
	tcase_add_test(tc, test_alignment_above_page_checked_modulo_page);
	tcase_add_test(tc, test_unaligned_image_and_trailing_bytes);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_checked_fixture(tc, NULL, free_parsed);
	tcase_add_test(tc, test_shorter_than_header);
	tcase_add_test(tc, test_bad_magic);
	tcase_add_test(tc, test_not_64_bit);
	tcase_add_test(tc, test_big_endian);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_not_an_executable);
	tcase_add_test(tc, test_wrong_machine);
	tcase_add_test(tc, test_wrong_phentsize);
	tcase_add_test(tc, test_no_program_headers);
	tcase_add_test(tc, test_program_header_table_beyond_file);
	tcase_add_test(tc, test_filesz_exceeds_memsz);
	tcase_add_test(tc, test_segment_data_beyond_file);
	tcase_add_test(tc, test_segment_outside_user_range);
	tcase_add_test(tc, test_segment_in_null_page);
	tcase_add_test(tc, test_address_and_offset_disagree);
	tcase_add_test(tc, test_overlapping_segments);
	tcase_add_test(tc, test_too_many_segments);
	tcase_add_test(tc, test_no_loadable_segments);
	tcase_add_test(tc, test_entry_not_in_executable_segment);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", NULL, free_parsed, test_random_mutations_stay_in_bounds);
	return s;
}
