/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/loader/multiboot.c: multiboot v1 images, ELF32 and a.out
 * kludge, built here (ELF header, program headers, a multiboot header
 * with chosen flags, segment bytes that tell their file offset) and loaded
 * into a 16 MiB guest. Checked as a multiboot kernel sees it: segments and
 * zeroed bss in place, EAX/EBX and the flat 32-bit machine state, the info
 * structure with its memory map, command line, loader name and modules.
 * Every refused field has its message; truncations at every length and
 * 100,000 random mutations either load consistently or are refused with
 * guest RAM untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/loader/multiboot.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
#define MiB 0x100000ull

#define RAM_SIZE 0x1000000ull   /* 16 MiB */
#define FILL     0xa5
#define IMG_MAX  0x10000u
#define EHDR     52u
#define PHDR     32u
#define PT_LOAD  1u
#define PT_NOTE  4u
#define MAGIC    0x1badb002u

/* ELF32 header offsets. */
#define E_CLASS     4
#define E_DATA      5
#define E_IDVERSION 6
#define E_TYPE      16
#define E_MACHINE   18
#define E_VERSION   20
#define E_ENTRY     24
#define E_PHOFF     28
#define E_PHENTSIZE 42
#define E_PHNUM     44
/* Program header offsets. */
#define P_TYPE   0
#define P_OFFSET 4
#define P_VADDR  8
#define P_PADDR  12
#define P_FILESZ 16
#define P_MEMSZ  20
/* Multiboot info offsets. */
#define I_FLAGS       0
#define I_MEM_LOWER   4
#define I_MEM_UPPER   8
#define I_CMDLINE     16
#define I_MODS_COUNT  20
#define I_MODS_ADDR   24
#define I_MMAP_LENGTH 44
#define I_MMAP_ADDR   48
#define I_LOADER_NAME 64

struct seg {
	uint32_t type, offset, vaddr, paddr, filesz, memsz;
};

static uint8_t img[IMG_MAX];
static size_t img_len;
static uint8_t *ram;
static struct e820_map map;
static struct guest_ram mem;
static struct cpustate cpu;
static struct multiboot_layout lay;
static char why[256];

static uint8_t file_byte(size_t off)
{
	return (uint8_t)(off * 7 + 3);
}

static void put_mb_header(size_t off, uint32_t flags)
{
	put32(img + off, MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, (uint32_t)-(MAGIC + flags));
}

/* Text at 1 MiB (with the multiboot header at its start), data + bss
 * linked at 0xc0103000 but loaded at 0x103000, and a note. */
static const struct seg default_segs[] = {
	{ PT_LOAD, 0x1000, 0x100000, 0x100000, 0x2000, 0x2000 },
	{ PT_NOTE, 0x3000, 0, 0, 0x10, 0x10 },
	{ PT_LOAD, 0x3000, 0xc0103000, 0x103000, 0x100, 0x5000 },
};
#define MB_OFF 0x1000u

static void build_elf(uint32_t entry, const struct seg *s, unsigned n, uint32_t flags)
{
	size_t len = EHDR + n * PHDR;

	for (size_t i = 0; i < IMG_MAX; i++)
		img[i] = file_byte(i);
	memset(img, 0, EHDR);
	memcpy(img, "\x7f" "ELF", 4);
	img[E_CLASS] = 1;
	img[E_DATA] = 1;
	img[E_IDVERSION] = 1;
	put16(img + E_TYPE, 2);
	put16(img + E_MACHINE, 3);
	put32(img + E_VERSION, 1);
	put32(img + E_ENTRY, entry);
	put32(img + E_PHOFF, EHDR);
	put16(img + 40, EHDR);
	put16(img + E_PHENTSIZE, PHDR);
	put16(img + E_PHNUM, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *p = img + EHDR + i * PHDR;
		memset(p, 0, PHDR);
		put32(p + P_TYPE, s[i].type);
		put32(p + P_OFFSET, s[i].offset);
		put32(p + P_VADDR, s[i].vaddr);
		put32(p + P_PADDR, s[i].paddr);
		put32(p + P_FILESZ, s[i].filesz);
		put32(p + P_MEMSZ, s[i].memsz);
		put32(p + 24, 7);
		put32(p + 28, 0x1000);
		if (s[i].offset + s[i].filesz <= IMG_MAX && s[i].offset + s[i].filesz > len)
			len = s[i].offset + s[i].filesz;
	}
	put_mb_header(MB_OFF, flags);
	if (len < MB_OFF + 12)
		len = MB_OFF + 12;
	img_len = len;
}

static void build_default_elf(void)
{
	build_elf(0x100010, default_segs, ARRAY_SIZE(default_segs), 0x3);
}

/* A raw image of len bytes with a kludge header at off. */
static void build_kludge(size_t len, size_t off, uint32_t flags, uint32_t header_addr,
			 uint32_t load, uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	for (size_t i = 0; i < IMG_MAX; i++)
		img[i] = file_byte(i);
	put_mb_header(off, flags | MB_FLAG_AOUT_KLUDGE);
	put32(img + off + 12, header_addr);
	put32(img + off + 16, load);
	put32(img + off + 20, load_end);
	put32(img + off + 24, bss_end);
	put32(img + off + 28, entry);
	img_len = len;
}

static void build_default_kludge(void)
{
	build_kludge(0x1000, 0x40, 0x3, 0x200040, 0x200000, 0x200800, 0x203000, 0x200100);
}

static void setup(void)
{
	ram = malloc(RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
	memset(ram, FILL, RAM_SIZE);
	ck_assert_int_eq(e820_build(&map, RAM_SIZE), LOADER_OK);
	mem = (struct guest_ram){ ram, RAM_SIZE, &map };
	build_default_elf();
	memset(&cpu, 0x5c, sizeof(cpu));
	memset(&lay, 0x5c, sizeof(lay));
}

static void teardown(void)
{
	free(ram);
	ram = NULL;
	free_parsed();
}

static int load_full(size_t len, const char *cmdline, const struct mb_module *mods, unsigned n)
{
	struct multiboot_boot b = { parse_copy(img, len), len, cmdline, mods, n };

	memset(why, 'X', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	return multiboot_load(&b, &mem, &cpu, &lay, why, sizeof(why));
}

static int load(const char *cmdline)
{
	return load_full(img_len, cmdline, NULL, 0);
}

#define ASSERT_LOADED(r)                                                                   \
	do {                                                                               \
		int r_ = (r);                                                              \
		ck_assert_msg(r_ == LOADER_OK, "refused (%d): %s", r_, why);               \
		ck_assert_str_eq(why, "");                                                 \
	} while (0)

/* Every byte of the boot area and around 1 MiB, every 256th elsewhere. */
static void assert_ram_untouched(void)
{
	for (uint64_t a = 0; a < RAM_SIZE;
	     a += (a < 0x10000 || (a >= MiB && a < MiB + 0x10000)) ? 1 : 0x100)
		if (ram[a] != FILL)
			ck_abort_msg("guest RAM written at %#llx by a refused load", (unsigned long long)a);
}

#define ASSERT_REFUSED(r, status, msg)                                                     \
	do {                                                                               \
		struct cpustate before_ = cpu;                                             \
		int r_ = (r);                                                              \
		ck_assert_msg(r_ == (status), "status %d, expected %d; message: %s", r_,   \
			      (status), why);                                              \
		ck_assert_str_eq(why, (msg));                                              \
		ck_assert(memcmp(&before_, &cpu, sizeof(cpu)) == 0);                       \
		assert_ram_untouched();                                                    \
	} while (0)

static uint32_t info(unsigned off)
{
	return get32(ram + MB_INFO_ADDR + off);
}

/* The flat 32-bit protected-mode state the spec's "Machine state" asks for. */
static void assert_machine_state(uint64_t entry)
{
	ck_assert_uint_eq(cpu.rax, 0x2badb002);
	ck_assert_uint_eq(cpu.rbx, MB_INFO_ADDR);
	ck_assert_uint_eq(cpu.rip, entry);
	ck_assert_uint_eq(cpu.rsp, MB_STACK_TOP);
	ck_assert_uint_eq(cpu.rflags, 0x2);              /* IF and VM clear */
	ck_assert_uint_eq(cpu.cr0, 0x31);                /* PE (NE, ET), PG clear */
	ck_assert_uint_eq(cpu.cr3, 0);
	ck_assert_uint_eq(cpu.cr4, 0);
	ck_assert_uint_eq(cpu.efer, 0);
	ck_assert(cpu.rcx == 0 && cpu.rdx == 0 && cpu.rsi == 0 && cpu.rdi == 0 && cpu.rbp == 0);
	ck_assert_uint_eq(cpu.cs.selector, 0x08);
	ck_assert_uint_eq(cpu.cs.ar, 0xc09b);             /* G, D: 32-bit code, execute/read */
	ck_assert_uint_eq(cpu.cs.base, 0);
	ck_assert_uint_eq(cpu.cs.limit, 0xffffffff);
	const struct cpu_segment *data[] = { &cpu.ds, &cpu.es, &cpu.fs, &cpu.gs, &cpu.ss };
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
		ck_assert_uint_eq(data[i]->selector, 0x18);
		ck_assert_uint_eq(data[i]->ar, 0xc093);
		ck_assert_uint_eq(data[i]->base, 0);
		ck_assert_uint_eq(data[i]->limit, 0xffffffff);
	}
	ck_assert_uint_eq(cpu.tr.ar, 0x8b);
	ck_assert_uint_eq(cpu.ldtr.ar, 0x10000);
	ck_assert_uint_eq(cpu.gdtr.base, 0x1000);
	ck_assert_uint_eq(cpu.gdtr.limit, 31);
	ck_assert_uint_eq(cpu.idtr.limit, 0);
	/* The selectors name real descriptors. */
	ck_assert_uint_eq(get64(ram + 0x1008), 0x00cf9b000000ffffull);
	ck_assert_uint_eq(get64(ram + 0x1018), 0x00cf93000000ffffull);
}

/* ------------------------------------------------------------ ELF images */

START_TEST(test_elf_segments_loaded)
{
	ASSERT_LOADED(load("kernel"));
	assert_machine_state(0x100010);
	/* Text: file bytes 0x1000-0x2fff at 1 MiB, the multiboot header included. */
	for (unsigned i = 0; i < 0x2000; i++)
		ck_assert_uint_eq(ram[0x100000 + i], img[0x1000 + i]);
	ck_assert_uint_eq(get32(ram + 0x100000), MAGIC);
	/* Data at its physical address, then zeroed bss up to memsz. */
	for (unsigned i = 0; i < 0x100; i++)
		ck_assert_uint_eq(ram[0x103000 + i], file_byte(0x3000 + i));
	for (unsigned i = 0x100; i < 0x5000; i++)
		ck_assert_uint_eq(ram[0x103000 + i], 0);
	ck_assert_uint_eq(ram[0x108000], FILL);
	ck_assert_uint_eq(ram[0xfffff], FILL);
	/* The PT_NOTE was not loaded anywhere (its paddr is 0). */
	ck_assert_uint_eq(ram[0], FILL);

	ck_assert_uint_eq(lay.header_offset, MB_OFF);
	ck_assert_uint_eq(lay.header_flags, 0x3);
	ck_assert(!lay.aout_kludge);
	ck_assert_uint_eq(lay.segments, 2);
	ck_assert_uint_eq(lay.image_start, 0x100000);
	ck_assert_uint_eq(lay.image_end, 0x108000);
	ck_assert_uint_eq(lay.entry, 0x100010);
	ck_assert_uint_eq(lay.info_addr, MB_INFO_ADDR);
}
END_TEST

START_TEST(test_elf_entry_translated_to_physical)
{
	/* A higher-half entry point: translated through the segment holding it. */
	build_elf(0xc0103050, default_segs, ARRAY_SIZE(default_segs), 0x3);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(cpu.rip, 0x103050);
	ck_assert_uint_eq(lay.entry, 0x103050);
	/* In the bss part of the segment, and its last byte. */
	build_elf(0xc0107fff, default_segs, ARRAY_SIZE(default_segs), 0x3);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(cpu.rip, 0x107fff);
	/* Optional flag bits (17-31) are ignored. */
	build_elf(0x100000, default_segs, ARRAY_SIZE(default_segs), 0xfffe0003);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(cpu.rip, 0x100000);
}
END_TEST

START_TEST(test_info_structure)
{
	ASSERT_LOADED(load("/boot/kernel console=com1"));
	ck_assert_uint_eq(info(I_FLAGS), 0x245);   /* memory, cmdline, mmap, loader name */
	ck_assert_uint_eq(info(I_MEM_LOWER), 639);
	ck_assert_uint_eq(info(I_MEM_UPPER), (RAM_SIZE - MiB) / 1024);
	ck_assert_str_eq((char *)ram + info(I_CMDLINE), "/boot/kernel console=com1");
	ck_assert_str_eq((char *)ram + info(I_LOADER_NAME), MB_LOADER_NAME);
	ck_assert_uint_eq(info(I_MODS_COUNT), 0);
	/* Everything the info points to lies in the boot area. */
	ck_assert(info(I_CMDLINE) >= MB_STRINGS_ADDR && info(I_CMDLINE) < MB_STRINGS_END);
	ck_assert(info(I_LOADER_NAME) >= MB_STRINGS_ADDR && info(I_LOADER_NAME) < MB_STRINGS_END);

	/* The memory map: the e820 map, each entry led by its size (20). */
	ck_assert_uint_eq(info(I_MMAP_LENGTH), 3 * 24);
	uint32_t mm = info(I_MMAP_ADDR);
	ck_assert_uint_eq(mm, MB_MMAP_ADDR);
	static const uint64_t want[3][3] = {
		{ 0, 0x9fc00, 1 }, { 0x9fc00, 0x60400, 2 }, { MiB, RAM_SIZE - MiB, 1 } };
	/* Walked as a kernel does: the next entry is size + 4 bytes on. */
	uint32_t at = mm;
	for (unsigned i = 0; i < 3; i++) {
		uint32_t size = get32(ram + at);
		ck_assert_uint_eq(size, 20);
		ck_assert_uint_eq(get64(ram + at + 4), want[i][0]);
		ck_assert_uint_eq(get64(ram + at + 12), want[i][1]);
		ck_assert_uint_eq(get32(ram + at + 20), want[i][2]);
		at += size + 4;
	}
	ck_assert_uint_eq(at, mm + info(I_MMAP_LENGTH));

	/* No command line: an empty string, the flag still set. */
	memset(ram, FILL, RAM_SIZE);
	ASSERT_LOADED(load(NULL));
	ck_assert_uint_eq(info(I_FLAGS) & 0x4, 0x4);
	ck_assert_str_eq((char *)ram + info(I_CMDLINE), "");

	/* RAM above 4 GiB changes neither mem_lower nor mem_upper (up to the hole). */
	ck_assert_int_eq(e820_build(&map, 0x100000000ull + 0x40000000ull), LOADER_OK);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(info(I_MEM_UPPER), (0xc0000000 - MiB) / 1024);
	ck_assert_uint_eq(info(I_MMAP_LENGTH), 4 * 24);
}
END_TEST

START_TEST(test_modules)
{
	static uint8_t m0[0x1801], m1[0x10];
	const struct mb_module mods[] = {
		{ m0, sizeof(m0), "initrd.img" },
		{ m1, sizeof(m1), NULL },
		{ m1, 0, "empty" },
	};

	for (unsigned i = 0; i < sizeof(m0); i++)
		m0[i] = (uint8_t)(i ^ 0x3c);
	memset(m1, 0x77, sizeof(m1));
	ASSERT_LOADED(load_full(img_len, "kernel", mods, 3));
	ck_assert_uint_eq(info(I_FLAGS), 0x24d);   /* now with mods */
	ck_assert_uint_eq(info(I_MODS_COUNT), 3);
	ck_assert_uint_eq(info(I_MODS_ADDR), MB_MODS_ADDR);
	/* Page-aligned, after the image (which ends at 0x108000), in order. */
	static const uint32_t starts[] = { 0x108000, 0x10a000, 0x10b000 };
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *e = ram + MB_MODS_ADDR + i * 16;
		ck_assert_uint_eq(get32(e), starts[i]);
		ck_assert_uint_eq(get32(e + 4), starts[i] + mods[i].len);
		ck_assert_uint_eq(get32(e + 12), 0);
		ck_assert_uint_eq(lay.module_addr[i], starts[i]);
		ck_assert(memcmp(ram + starts[i], mods[i].data, mods[i].len) == 0);
	}
	ck_assert_str_eq((char *)ram + get32(ram + MB_MODS_ADDR + 8), "initrd.img");
	ck_assert_str_eq((char *)ram + get32(ram + MB_MODS_ADDR + 24), "");
	ck_assert_str_eq((char *)ram + get32(ram + MB_MODS_ADDR + 40), "empty");
	ck_assert_uint_eq(ram[0x108000 + sizeof(m0)], FILL);
}
END_TEST

/*
 * Two modules as the VMM passes a program's `module one FILE first module
 * string` and `module two FILE`: walked as a multiboot kernel does (info
 * flags bit 3, mods_count, mods_addr; each entry mod_start, mod_end one
 * past the last byte, string, 0), the bytes and strings exactly.
 */
START_TEST(test_two_modules_with_strings)
{
	static const char text[] = "mbtest module one\n";
	static uint8_t bin[4100];
	const struct mb_module mods[] = {
		{ (const uint8_t *)text, sizeof(text) - 1, "one first module string" },
		{ bin, sizeof(bin), "two" },
	};

	for (unsigned i = 0; i < sizeof(bin); i++)
		bin[i] = (uint8_t)(i % 251);
	ASSERT_LOADED(load_full(img_len, "mbtest", mods, 2));
	ck_assert_uint_eq(info(I_FLAGS) & MB_INFO_MODS, MB_INFO_MODS);
	ck_assert_uint_eq(info(I_MODS_COUNT), 2);
	uint32_t list = info(I_MODS_ADDR);
	uint32_t prev_end = (uint32_t)lay.image_end;
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *e = ram + list + i * MB_MODULE_SIZE;
		uint32_t start = get32(e), end = get32(e + 4), str = get32(e + 8);
		ck_assert_uint_eq(start % 0x1000, 0);          /* header flags bit 0 */
		ck_assert_uint_ge(start, prev_end);             /* in order, after the image */
		ck_assert_uint_eq(end - start, mods[i].len);
		ck_assert(end <= RAM_SIZE);
		ck_assert(memcmp(ram + start, mods[i].data, mods[i].len) == 0);
		ck_assert_uint_eq(ram[end], FILL);              /* nothing past mod_end */
		ck_assert(str >= MB_STRINGS_ADDR && str < MB_STRINGS_END);
		ck_assert_str_eq((char *)ram + str, mods[i].cmdline);
		ck_assert_uint_eq(get32(e + 12), 0);
		prev_end = end;
	}
	ck_assert_uint_eq(get32(ram + list), 0x108000);
	ck_assert_uint_eq(get32(ram + list + 16), 0x109000);
	ck_assert_str_eq((char *)ram + info(I_CMDLINE), "mbtest");
}
END_TEST

/* The loader's limits: 16 modules load; the last byte of RAM is usable. */
START_TEST(test_modules_at_the_limits)
{
	static uint8_t m[MB_MAX_MODULES];
	static char names[MB_MAX_MODULES][8];
	struct mb_module mods[MB_MAX_MODULES];

	for (unsigned i = 0; i < MB_MAX_MODULES; i++) {
		m[i] = (uint8_t)(0x40 + i);
		snprintf(names[i], sizeof(names[i]), "m%u", i);
		mods[i] = (struct mb_module){ &m[i], 1, names[i] };
	}
	ASSERT_LOADED(load_full(img_len, "", mods, MB_MAX_MODULES));
	ck_assert_uint_eq(info(I_MODS_COUNT), MB_MAX_MODULES);
	for (unsigned i = 0; i < MB_MAX_MODULES; i++) {
		const uint8_t *e = ram + MB_MODS_ADDR + i * MB_MODULE_SIZE;
		ck_assert_uint_eq(get32(e), 0x108000 + i * 0x1000);
		ck_assert_uint_eq(ram[get32(e)], 0x40 + i);
		ck_assert_str_eq((char *)ram + get32(e + 8), names[i]);
	}

	/* A module that ends exactly at the end of RAM; one byte more does not fit. */
	static uint8_t big[RAM_SIZE - 0x108000 + 1];
	memset(big, 0x3c, sizeof(big));
	memset(ram, FILL, RAM_SIZE);
	mods[0] = (struct mb_module){ big, sizeof(big) - 1, "big" };
	ASSERT_LOADED(load_full(img_len, "", mods, 1));
	ck_assert_uint_eq(get32(ram + MB_MODS_ADDR + 4), RAM_SIZE);
	ck_assert_uint_eq(ram[RAM_SIZE - 1], 0x3c);
	memset(ram, FILL, RAM_SIZE);
	mods[0].len = sizeof(big);
	ASSERT_REFUSED(load_full(img_len, "", mods, 1), LOADER_ENOSPACE,
		       "modules: module 0 \"big\" (0xef8001 bytes) does not fit in usable RAM at 0x108000");
}
END_TEST

START_TEST(test_video_mode_request_noted)
{
	build_elf(0x100010, default_segs, ARRAY_SIZE(default_segs), 0x7);
	int r = load("");
	ck_assert_int_eq(r, LOADER_OK);
	ck_assert_str_eq(why, "note: flags bit 2 (video mode) ignored: no framebuffer, info flags 11 and 12 clear");
	ck_assert_uint_eq(info(I_FLAGS) & (3u << 11), 0);
	assert_machine_state(0x100010);
}
END_TEST

/* ------------------------------------------------------------ a.out kludge */

START_TEST(test_kludge_load)
{
	build_default_kludge();
	ASSERT_LOADED(load(""));
	assert_machine_state(0x200100);
	/* File bytes 0-0x7ff at 0x200000, bss zeroed to 0x203000. */
	ck_assert(memcmp(ram + 0x200000, img, 0x800) == 0);
	for (unsigned i = 0x800; i < 0x3000; i++)
		ck_assert_uint_eq(ram[0x200000 + i], 0);
	ck_assert_uint_eq(ram[0x203000], FILL);
	ck_assert_uint_eq(ram[0x1fffff], FILL);
	ck_assert(lay.aout_kludge);
	ck_assert_uint_eq(lay.segments, 1);
	ck_assert_uint_eq(lay.image_start, 0x200000);
	ck_assert_uint_eq(lay.image_end, 0x203000);
	ck_assert_uint_eq(lay.header_offset, 0x40);
}
END_TEST

START_TEST(test_kludge_defaults_and_offsets)
{
	/* load_end_addr 0: the rest of the file; bss_end_addr 0: no bss. The
	 * header 0x20 bytes into the loaded part: loading starts at offset 0x20. */
	build_kludge(0x1000, 0x40, 0x3, 0x200020, 0x200000, 0, 0, 0x200fdf);
	ASSERT_LOADED(load(""));
	ck_assert(memcmp(ram + 0x200000, img + 0x20, 0x1000 - 0x20) == 0);
	ck_assert_uint_eq(ram[0x200000 + 0x1000 - 0x20], FILL);
	ck_assert_uint_eq(lay.image_end, 0x200fe0);
	ck_assert_uint_eq(cpu.rip, 0x200fdf);

	/* The kludge wins over an ELF64 file: its headers are not looked at. */
	memset(ram, FILL, RAM_SIZE);
	build_kludge(0x800, 0x80, 0x3, 0x300080, 0x300000, 0x300800, 0x300800, 0x300000);
	memcpy(img, "\x7f" "ELF\x02\x01\x01", 7);
	put16(img + E_MACHINE, 62);
	ASSERT_LOADED(load(""));
	ck_assert(lay.aout_kludge);
	ck_assert(memcmp(ram + 0x300000, img, 0x800) == 0);
	ck_assert_uint_eq(ram[0x300800], FILL);

	/* The header as late as it may be: its 32 bytes end at 8192. */
	memset(ram, FILL, RAM_SIZE);
	build_kludge(0x2000, 0x2000 - 32, 0x3, 0x201fe0, 0x200000, 0, 0, 0x200000);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(lay.header_offset, 0x1fe0);
	ck_assert_uint_eq(lay.image_end, 0x202000);
}
END_TEST

/* ------------------------------------------------------------ the header search */

START_TEST(test_header_search)
{
	/* A bad checksum first, a good header later: the good one counts. */
	build_kludge(0x3000, 0x100, 0x3, 0x200100, 0x200000, 0, 0, 0x200000);
	put32(img + 0x40, MAGIC);
	put32(img + 0x44, 0x3);
	put32(img + 0x48, 0);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(lay.header_offset, 0x100);

	/* A 12-byte header ending exactly at 8192 is found (the ELF path). */
	memset(ram, FILL, RAM_SIZE);
	build_default_elf();
	memset(img + MB_OFF, 0, 12);
	img_len = 0x3100;
	put_mb_header(8192 - 12, 0x3);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(lay.header_offset, 8192 - 12);
}
END_TEST

START_TEST(test_header_not_found)
{
	memset(img + MB_OFF, 0, 12);
	/* Past 8192 bytes, straddling it, or not 4-byte aligned: not a header. */
	put_mb_header(8192, 0x3);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT,
		       "magic: no multiboot header (0x1badb002) in the first 8192 bytes");
	memset(img + 8192, 0, 12);
	put_mb_header(8192 - 8, 0x3);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT,
		       "magic: no multiboot header (0x1badb002) in the first 8192 bytes");
	memset(img + 8192 - 8, 0, 12);
	put_mb_header(0x1002, 0x3);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT,
		       "magic: no multiboot header (0x1badb002) in the first 8192 bytes");
	ASSERT_REFUSED(load_full(100, "", NULL, 0), LOADER_EFORMAT,
		       "magic: no multiboot header (0x1badb002) in the first 100 bytes");
	ASSERT_REFUSED(load_full(0, "", NULL, 0), LOADER_EFORMAT,
		       "magic: no multiboot header (0x1badb002) in the first 0 bytes");
}
END_TEST

/* ------------------------------------------------------------ refused images */

/* An image mutation: a 32-bit or 16-bit field set at an offset, or a byte. */
struct bad_case {
	bool kludge;                 /* start from the kludge image, else the ELF */
	unsigned off, width;
	uint64_t value;
	int status;
	const char *why;
};

#define PH(i, f) (EHDR + (i) * PHDR + (f))
#define KH(f)    (0x40 + (f))

static const struct bad_case bad_cases[] = {
	{ false, MB_OFF + 8, 4, 0x1234, LOADER_EFORMAT,
	  "checksum: header at 0x1000: magic + flags + checksum = 0x1badc239, not 0" },
	{ false, MB_OFF + 4, 4, 0x2, LOADER_EFORMAT,   /* flags changed, checksum not */
	  "checksum: header at 0x1000: magic + flags + checksum = 0xffffffff, not 0" },
	{ true, KH(4), 4, 0x10000, LOADER_EFORMAT,
	  "checksum: header at 0x40: magic + flags + checksum = 0xfffffffd, not 0" },
	/* Kludge fields. */
	{ true, KH(16), 4, 0x200100, LOADER_EFORMAT, "load_addr: 0x200100 above header_addr 0x200040" },
	{ true, KH(16), 4, 0x100000, LOADER_EFORMAT,
	  "header_addr: 0x200040 puts load_addr 0x100000 before the start of the image (header at offset 0x40)" },
	{ true, KH(16), 4, 0x1fffff, LOADER_EFORMAT,
	  "header_addr: 0x200040 puts load_addr 0x1fffff before the start of the image (header at offset 0x40)" },
	{ true, KH(20), 4, 0x1fffff, LOADER_EFORMAT, "load_end_addr: 0x1fffff below load_addr 0x200000" },
	{ true, KH(20), 4, 0x201001, LOADER_EFORMAT,
	  "load_end_addr: 0x201001 past the end of the image (0x1000 bytes from load_addr)" },
	{ true, KH(24), 4, 0x2007ff, LOADER_EFORMAT,
	  "bss_end_addr: 0x2007ff below the end of the loaded image 0x200800" },
	{ true, KH(28), 4, 0x203000, LOADER_EFORMAT,
	  "entry_addr: 0x203000 outside the image 0x200000-0x203000" },
	{ true, KH(28), 4, 0x1fffff, LOADER_EFORMAT,
	  "entry_addr: 0x1fffff outside the image 0x200000-0x203000" },
	/* ELF header fields. */
	{ false, 0, 1, 0x7e, LOADER_EFORMAT,
	  "e_ident: not an ELF image, and flags bit 16 (a.out kludge) is clear" },
	{ false, E_CLASS, 1, 2, LOADER_EUNSUPPORTED,
	  "e_ident: class 2, not ELFCLASS32 (1); other images need flags bit 16" },
	{ false, E_DATA, 1, 2, LOADER_EFORMAT, "e_ident: data encoding 2, not little-endian (1)" },
	{ false, E_IDVERSION, 1, 0, LOADER_EFORMAT, "e_version: 0/1, not EV_CURRENT (1)" },
	{ false, E_VERSION, 4, 2, LOADER_EFORMAT, "e_version: 1/2, not EV_CURRENT (1)" },
	{ false, E_TYPE, 2, 3, LOADER_EFORMAT, "e_type: 3, not ET_EXEC (2)" },
	{ false, E_MACHINE, 2, 62, LOADER_EUNSUPPORTED, "e_machine: 62, not EM_386 (3)" },
	{ false, E_PHENTSIZE, 2, 40, LOADER_EFORMAT, "e_phentsize: 40, not 32" },
	{ false, E_PHNUM, 2, 0, LOADER_EFORMAT, "e_phnum: 0, no program headers" },
	{ false, E_PHOFF, 4, 0x3100, LOADER_EFORMAT,
	  "e_phoff: program headers 0x3100-0x3160 past the end of the image (0x3100 bytes)" },
	{ false, E_PHOFF, 4, 0xffffffff, LOADER_EFORMAT,
	  "e_phoff: program headers 0xffffffff-0x10000005f past the end of the image (0x3100 bytes)" },
	{ false, E_PHNUM, 2, 0xffff, LOADER_EFORMAT,
	  "e_phoff: program headers 0x34-0x200014 past the end of the image (0x3100 bytes)" },
	{ false, E_ENTRY, 4, 0x500000, LOADER_EFORMAT, "e_entry: 0x500000 is in no loadable segment" },
	{ false, E_ENTRY, 4, 0x103000, LOADER_EFORMAT,   /* a physical, not a virtual address */
	  "e_entry: 0x103000 is in no loadable segment" },
	/* Program header fields. */
	{ false, PH(2, P_FILESZ), 4, 0x5001, LOADER_EFORMAT,
	  "p_filesz: segment 2: 0x5001 exceeds p_memsz 0x5000" },
	{ false, PH(2, P_FILESZ), 4, 0x101, LOADER_EFORMAT,
	  "p_offset: segment 2: file bytes 0x3000-0x3101 past the end of the image" },
	{ false, PH(2, P_OFFSET), 4, 0xffffff00, LOADER_EFORMAT,
	  "p_offset: segment 2: file bytes 0xffffff00-0x100000000 past the end of the image" },
	{ false, PH(2, P_PADDR), 4, 0xfffff000, LOADER_ENOSPACE,
	  "p_paddr: segment 2 at 0xfffff000, 0x5000 bytes: ends above 4 GiB" },
	{ false, PH(2, P_PADDR), 4, 0xffff, LOADER_ENOSPACE,
	  "p_paddr: segment 2 at 0xffff overlaps the boot information below 0x10000" },
	{ false, PH(2, P_PADDR), 4, 0, LOADER_ENOSPACE,
	  "p_paddr: segment 2 at 0x0 overlaps the boot information below 0x10000" },
	{ false, PH(2, P_PADDR), 4, 0x1000000, LOADER_ENOSPACE,
	  "p_paddr: segment 2 at 0x1000000, 0x5000 bytes: not usable guest RAM" },
	{ false, PH(2, P_PADDR), 4, 0xffc000, LOADER_ENOSPACE,
	  "p_paddr: segment 2 at 0xffc000, 0x5000 bytes: not usable guest RAM" },
	{ false, PH(2, P_PADDR), 4, 0x9c000, LOADER_ENOSPACE,   /* over the EBDA/BIOS area */
	  "p_paddr: segment 2 at 0x9c000, 0x5000 bytes: not usable guest RAM" },
	{ false, PH(2, P_PADDR), 4, 0xfc000, LOADER_ENOSPACE,
	  "p_paddr: segment 2 at 0xfc000, 0x5000 bytes: not usable guest RAM" },
	{ false, PH(2, P_PADDR), 4, 0x101fff, LOADER_EFORMAT, "p_paddr: segments 0 and 2 overlap" },
	{ false, PH(0, P_PADDR), 4, 0x103000 + 0x4fff, LOADER_EFORMAT,
	  "p_paddr: segments 0 and 2 overlap" },
	{ false, PH(0, P_TYPE), 4, PT_NOTE, LOADER_EFORMAT,   /* the entry's segment gone */
	  "e_entry: 0x100010 is in no loadable segment" },
};

START_TEST(test_refused_fields)
{
	for (unsigned i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		if (c->kludge)
			build_default_kludge();
		else
			build_default_elf();
		for (unsigned b = 0; b < c->width; b++)
			img[c->off + b] = (uint8_t)(c->value >> (8 * b));
		int r = load("");
		ck_assert_msg(r == c->status && !strcmp(why, c->why),
			      "case %u: status %d, message \"%s\"; expected %d, \"%s\"", i, r, why,
			      c->status, c->why);
		assert_ram_untouched();
	}
}
END_TEST

START_TEST(test_refused_unknown_required_flags)
{
	/* Bits 3-15 are requirements this loader does not know, with or without the kludge. */
	for (unsigned bit = 3; bit < 16; bit++) {
		uint32_t flags = 0x3 | 1u << bit;
		char want[96];
		build_default_elf();
		put_mb_header(MB_OFF, flags);
		snprintf(want, sizeof(want), "flags: 0x%x requires bit %u, unknown to this loader",
			 flags, bit);
		ASSERT_REFUSED(load(""), LOADER_EUNSUPPORTED, want);
	}
	build_default_kludge();
	put_mb_header(0x40, 0xffff0000 | MB_FLAG_AOUT_KLUDGE | 0x10);
	ASSERT_REFUSED(load(""), LOADER_EUNSUPPORTED,
		       "flags: 0xffff0010 requires bit 4, unknown to this loader");
}
END_TEST

START_TEST(test_refused_kludge_ranges)
{
	/* The whole file from 0xfffff000: past 4 GiB. */
	build_kludge(0x2000, 0x40, 0x3, 0xfffff040, 0xfffff000, 0, 0, 0xfffff000);
	ASSERT_REFUSED(load(""), LOADER_ENOSPACE,
		       "load_addr: image at 0xfffff000, 0x2000 bytes: ends above 4 GiB");
	build_kludge(0x1000, 0x40, 0x3, 0x8040, 0x8000, 0, 0, 0x8000);
	ASSERT_REFUSED(load(""), LOADER_ENOSPACE,
		       "load_addr: image at 0x8000 overlaps the boot information below 0x10000");
	build_kludge(0x1000, 0x40, 0x3, 0x2000040, 0x2000000, 0, 0, 0x2000000);
	ASSERT_REFUSED(load(""), LOADER_ENOSPACE,
		       "load_addr: image at 0x2000000, 0x1000 bytes: not usable guest RAM");
	build_kludge(0x1000, 0x40, 0x3, 0x9f040, 0x9f000, 0, 0, 0x9f000);
	ASSERT_REFUSED(load(""), LOADER_ENOSPACE,
		       "load_addr: image at 0x9f000, 0x1000 bytes: not usable guest RAM");
	/* A bss that runs off the end of RAM. */
	build_kludge(0x1000, 0x40, 0x3, 0xff0040, 0xff0000, 0, 0xffffffff, 0xff0000);
	ASSERT_REFUSED(load(""), LOADER_ENOSPACE,
		       "load_addr: image at 0xff0000, 0xff00ffff bytes: not usable guest RAM");
	/* Address fields cut off by the end of the file or by 8192 bytes. */
	build_kludge(0x5c, 0x40, 0x3, 0x200040, 0x200000, 0, 0, 0x200000);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT,
		       "flags: bit 16 set but the address fields end at 0x60, past the image's first 92 bytes");
	build_kludge(0x3000, 8192 - 16, 0x3, 0x200000, 0x200000, 0, 0, 0x200000);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT,
		       "flags: bit 16 set but the address fields end at 0x2010, past the image's first 8192 bytes");
}
END_TEST

START_TEST(test_refused_segment_count)
{
	struct seg s[18];

	for (unsigned i = 0; i < 17; i++)
		s[i] = (struct seg){ PT_LOAD, 0x100 + i * 0x10, 0x100000 + i * 0x1000,
				     0x100000 + i * 0x1000, 0x10, 0x10 };
	build_elf(0x100000, s, 16, 0x3);
	ASSERT_LOADED(load(""));
	ck_assert_uint_eq(lay.segments, 16);
	ck_assert_uint_eq(lay.image_end, 0x10f010);
	memset(ram, FILL, RAM_SIZE);
	build_elf(0x100000, s, 17, 0x3);
	ASSERT_REFUSED(load(""), LOADER_EUNSUPPORTED, "e_phnum: more than 16 loadable segments");
	/* Only empty or non-LOAD segments. */
	for (unsigned i = 0; i < 3; i++)
		s[i] = (struct seg){ i ? PT_LOAD : PT_NOTE, 0x100, 0x100000, 0x100000, 0, i ? 0 : 0x10 };
	build_elf(0x100000, s, 3, 0x3);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT, "e_phnum: no loadable segment");
	/* Shorter than an ELF header, and no kludge. */
	build_kludge(40, 0, 0x3, 0, 0, 0, 0, 0);
	put_mb_header(0, 0x3);
	ASSERT_REFUSED(load(""), LOADER_EFORMAT,
		       "e_ident: image of 40 bytes is shorter than an ELF32 header (52) and flags bit 16 is clear");
}
END_TEST

START_TEST(test_refused_environment)
{
	static char longline[0x5000];
	static uint8_t m0[16];
	struct mb_module mods[MB_MAX_MODULES + 1];
	struct multiboot_boot b = { img, img_len, "", NULL, 0 };

	for (unsigned i = 0; i <= MB_MAX_MODULES; i++)
		mods[i] = (struct mb_module){ m0, sizeof(m0), "m" };
	ASSERT_REFUSED(load_full(img_len, "", mods, MB_MAX_MODULES + 1), LOADER_EINVAL,
		       "modules: 17, the loader takes at most 16");
	mods[1].data = NULL;
	ASSERT_REFUSED(load_full(img_len, "", mods, 2), LOADER_EINVAL, "modules: module 1 \"m\" has no data");
	mods[1].cmdline = NULL;
	ASSERT_REFUSED(load_full(img_len, "", mods, 2), LOADER_EINVAL, "modules: module 1 has no data");
	/* Past the end of RAM (never read: refused first), named by its string. */
	mods[1] = (struct mb_module){ (const uint8_t *)longline, 0xf00000, NULL };
	ASSERT_REFUSED(load_full(img_len, "", mods, 2), LOADER_ENOSPACE,
		       "modules: module 1 (0xf00000 bytes) does not fit in usable RAM at 0x109000");
	mods[1].cmdline = "two 100% of it";
	ASSERT_REFUSED(load_full(img_len, "", mods, 2), LOADER_ENOSPACE,
		       "modules: module 1 \"two 100% of it\" (0xf00000 bytes) does not fit in usable RAM "
		       "at 0x109000");
	mods[1].cmdline = "two 0123456789012345678901234567890123456789";
	ASSERT_REFUSED(load_full(img_len, "", mods, 2), LOADER_ENOSPACE,
		       "modules: module 1 \"two 012345678901234567890123456789012345...\" (0xf00000 bytes) "
		       "does not fit in usable RAM at 0x109000");
	/* Past 4 GiB: a multiboot address is 32 bits. */
	mods[1].len = 0x100000000ull;
	ASSERT_REFUSED(load_full(img_len, "", mods, 2), LOADER_ENOSPACE,
		       "modules: module 1 \"two 012345678901234567890123456789012345...\" (0x100000000 bytes) "
		       "does not fit in usable RAM at 0x109000");
	/* Strings beyond the 16 KiB area; exactly filling it is fine. */
	memset(longline, 'x', sizeof(longline) - 1);
	ASSERT_REFUSED(load(longline), LOADER_EINVAL,
		       "cmdline: command line and module strings exceed the loader's 16384-byte area");
	longline[0x4000 - 1 - sizeof(MB_LOADER_NAME)] = '\0';
	ASSERT_LOADED(load(longline));
	ck_assert_str_eq((char *)ram + info(I_LOADER_NAME), MB_LOADER_NAME);
	ck_assert_uint_eq(info(I_LOADER_NAME) + sizeof(MB_LOADER_NAME), MB_STRINGS_END);
	memset(ram, FILL, RAM_SIZE);
	longline[0x4000 - 1 - sizeof(MB_LOADER_NAME)] = 'x';
	longline[0x4000 - sizeof(MB_LOADER_NAME)] = '\0';
	ASSERT_REFUSED(load(longline), LOADER_EINVAL,
		       "cmdline: command line and module strings exceed the loader's 16384-byte area");

	/* The boot area not usable; an empty or corrupt map. */
	ck_assert_int_eq(e820_add(&map, 0xf000, 0x1000, E820_RESERVED), LOADER_OK);
	ASSERT_REFUSED(load(""), LOADER_ENOSPACE,
		       "e820: the boot area 0x1000-0x10000 is not usable guest RAM");
	map.count = 0;
	ASSERT_REFUSED(load(""), LOADER_EINVAL, "e820: 0 entries; the memory map takes 1 to 128");
	map.count = 200;
	ASSERT_REFUSED(load(""), LOADER_EINVAL, "e820: 200 entries; the memory map takes 1 to 128");
	ck_assert_int_eq(e820_build(&map, RAM_SIZE), LOADER_OK);

	const char *missing = "multiboot_load: missing argument";
	ASSERT_REFUSED(multiboot_load(NULL, &mem, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	ASSERT_REFUSED(multiboot_load(&b, NULL, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	ASSERT_REFUSED(multiboot_load(&b, &mem, NULL, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	b.module_count = 1;
	ASSERT_REFUSED(multiboot_load(&b, &mem, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	b = (struct multiboot_boot){ NULL, 10, "", NULL, 0 };
	ASSERT_REFUSED(multiboot_load(&b, &mem, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	b = (struct multiboot_boot){ img, img_len, "", NULL, 0 };
	ck_assert_int_eq(multiboot_load(&b, &mem, &cpu, NULL, NULL, 0), LOADER_OK);
}
END_TEST

START_TEST(test_truncated_at_every_length)
{
	/* ELF: any cut before the end of the last segment's file bytes is refused. */
	for (size_t len = 0; len < img_len; len++) {
		const char *want = len < MB_OFF + 12 ? "magic: "
				   : len < 0x3000    ? "p_offset: segment 0: "
						     : "p_offset: segment 2: ";
		int r = load_full(len, "", NULL, 0);
		ck_assert_msg(r == LOADER_EFORMAT && !strncmp(why, want, strlen(want)),
			      "ELF length %zu: status %d, \"%s\"", len, r, why);
		if (len % 1024 == 0)
			assert_ram_untouched();
	}
	ASSERT_LOADED(load_full(img_len, "", NULL, 0));

	/* Kludge: the header, its address fields, then load_end_addr's bytes. */
	memset(ram, FILL, RAM_SIZE);
	build_default_kludge();
	for (size_t len = 0; len < 0x800; len++) {
		const char *want = len < 0x4c   ? "magic: "
				   : len < 0x60 ? "flags: bit 16 set but the address fields end at 0x60"
						: "load_end_addr: 0x200800 past the end of the image";
		int r = load_full(len, "", NULL, 0);
		ck_assert_msg(r == LOADER_EFORMAT && !strncmp(why, want, strlen(want)),
			      "kludge length %zu: status %d, \"%s\"", len, r, why);
	}
	assert_ram_untouched();
	ASSERT_LOADED(load_full(0x800, "", NULL, 0));
}
END_TEST

/* ------------------------------------------------------------ random mutations */

#define CHECK(c)                                                                           \
	do {                                                                               \
		if (!(c))                                                                  \
			ck_abort_msg("iteration %u: %s", iter, #c);                        \
	} while (0)

static const char *const field_names[] = {
	"magic: ", "checksum: ", "flags: ", "header_addr: ", "load_addr: ", "load_end_addr: ",
	"bss_end_addr: ", "entry_addr: ", "e_ident: ", "e_version: ", "e_type: ", "e_machine: ",
	"e_phentsize: ", "e_phnum: ", "e_phoff: ", "e_entry: ", "p_filesz: ", "p_offset: ",
	"p_paddr: ", "modules: ", "cmdline: ", "e820: ",
};

static uint64_t fuzz_value(uint64_t orig)
{
	static const uint64_t v[] = { 0, 1, 0x20, 0x34, 0x40, 0xfff, 0x1000, 0x3000, 0x3100,
				      0xffff, 0x10000, 0x9f000, 0x100000, 0x100010, 0x103000,
				      0x200000, 0x200040, 0x200800, 0x203000, 0xff0000, 0x1000000,
				      0xc0103000, 0x7fffffff, 0xfffff000, 0xffffffff };

	return interesting(orig, v, ARRAY_SIZE(v), 0x100, 32);
}

/* What the test expects in RAM for a loaded segment: file bytes, then zeros. */
static bool segment_in_ram(const uint8_t *file, uint64_t off, uint64_t paddr, uint64_t filesz,
			   uint64_t memsz)
{
	if (paddr + memsz > RAM_SIZE || memcmp(ram + paddr, file + off, filesz))
		return false;
	for (uint64_t i = filesz; i < memsz; i++)
		if (ram[paddr + i])
			return false;
	return true;
}

START_TEST(test_random_mutations)
{
	static uint8_t base[2][IMG_MAX], snapshot[0x10000];
	size_t base_len[2];
	unsigned ok = 0, refused = 0, kludges = 0;

	build_default_elf();
	memcpy(base[0], img, img_len);
	base_len[0] = img_len;
	build_default_kludge();
	memcpy(base[1], img, img_len);
	base_len[1] = img_len;
	memcpy(snapshot, ram, sizeof(snapshot));
	rnd_seed(0x13198a2e03707344ull);

	for (unsigned iter = 0; iter < 100000; iter++) {
		unsigned k = (unsigned)(rnd() % 2);
		size_t len = base_len[k], hdr = k ? 0x40 : MB_OFF;
		memcpy(img, base[k], len);
		bool fix_checksum = rnd() % 8 != 0;
		for (unsigned n = 1 + rnd() % 3; n; n--) {
			unsigned off;
			switch (rnd() % 8) {
			case 0:
				flip_bit(img + hdr, 32);
				continue;
			case 1:
				flip_bit(img, EHDR + 3 * PHDR);
				continue;
			case 2:
				replace_byte(img, len);
				continue;
			case 3:
				len = rnd() % 2 && len >= 32 ? len - rnd() % 32 : rnd() % (len + 1);
				continue;
			case 4:   /* the flags */
				off = (unsigned)hdr + 4;
				break;
			case 5:   /* a kludge address field */
				off = (unsigned)hdr + 12 + 4 * (unsigned)(rnd() % 5);
				break;
			case 6:   /* an ELF header field */
				off = (unsigned)(rnd() % 2 ? E_ENTRY : E_PHOFF);
				break;
			default:  /* a program header field */
				off = EHDR + (unsigned)(rnd() % 3) * PHDR + 4 * (unsigned)(rnd() % 6);
				break;
			}
			put32(img + off, (uint32_t)fuzz_value(get32(img + off)));
		}
		if (fix_checksum)
			put32(img + hdr + 8, (uint32_t)-(MAGIC + get32(img + hdr + 4)));
		CHECK(e820_build(&map, RAM_SIZE) == LOADER_OK);
		if (rnd() % 8 == 0)
			CHECK(e820_add(&map, (rnd() % RAM_SIZE) & ~0xfffull, 0x1000 * (1 + rnd() % 0x100),
				       E820_RESERVED) == LOADER_OK);
		struct cpustate before = cpu;

		int r = load_full(len, "cmd", NULL, 0);
		if (r == LOADER_OK) {
			ok++;
			CHECK(!strcmp(why, "") || !strncmp(why, "note: ", 6));
			CHECK(cpu.rax == 0x2badb002 && cpu.rbx == MB_INFO_ADDR);
			CHECK(cpu.cr0 == 0x31 && cpu.cs.selector == 0x08 && cpu.rflags == 2);
			CHECK(lay.image_start >= MB_LOAD_MIN && lay.image_start < lay.image_end);
			CHECK(lay.image_end <= RAM_SIZE);
			CHECK(cpu.rip >= lay.image_start && cpu.rip < lay.image_end);
			CHECK(lay.segments >= 1 && lay.segments <= MB_MAX_SEGMENTS);
			CHECK(!strcmp((char *)ram + info(I_CMDLINE), "cmd"));
			CHECK(info(I_MMAP_LENGTH) == map.count * 24);
			uint32_t flags = get32(img + lay.header_offset + 4);
			CHECK(lay.header_offset % 4 == 0 && lay.header_offset + 12 <= 8192);
			CHECK(get32(img + lay.header_offset) == MAGIC);
			CHECK((uint32_t)(MAGIC + flags + get32(img + lay.header_offset + 8)) == 0);
			CHECK((flags & 0xfff8) == 0);
			CHECK(lay.aout_kludge == !!(flags & MB_FLAG_AOUT_KLUDGE));
			if (lay.aout_kludge) {
				kludges++;
				const uint8_t *h = img + lay.header_offset;
				uint64_t load = get32(h + 16), end = get32(h + 20), bss = get32(h + 24);
				uint64_t off = lay.header_offset - (get32(h + 12) - load);
				uint64_t filesz = end ? end - load : len - off;
				CHECK(lay.image_start == load);
				CHECK(cpu.rip == get32(h + 28));
				CHECK(segment_in_ram(img, off, load, filesz, (bss ? bss : load + filesz) - load));
			} else {
				for (unsigned i = 0; i < get16(img + E_PHNUM); i++) {
					const uint8_t *ph = img + get32(img + E_PHOFF) + i * PHDR;
					if (get32(ph + P_TYPE) != PT_LOAD || !get32(ph + P_MEMSZ))
						continue;
					CHECK(get32(ph + P_PADDR) >= MB_LOAD_MIN);
					CHECK(e820_ram_extent(&map, get32(ph + P_PADDR)) >= get32(ph + P_MEMSZ));
					CHECK(segment_in_ram(img, get32(ph + P_OFFSET), get32(ph + P_PADDR),
							     get32(ph + P_FILESZ), get32(ph + P_MEMSZ)));
				}
			}
			memcpy(snapshot, ram, sizeof(snapshot));
		} else {
			refused++;
			CHECK(r < 0);
			bool named = false;
			for (unsigned i = 0; i < ARRAY_SIZE(field_names) && !named; i++)
				named = !strncmp(why, field_names[i], strlen(field_names[i]));
			if (!named)
				ck_abort_msg("iteration %u: message \"%s\"", iter, why);
			CHECK(memcmp(&before, &cpu, sizeof(cpu)) == 0);
			if (memcmp(snapshot, ram, sizeof(snapshot)))
				ck_abort_msg("iteration %u: refused load wrote the boot area", iter);
		}
	}
	ck_assert_uint_ge(ok, 10000);
	ck_assert_uint_ge(kludges, 3000);
	ck_assert_uint_ge(refused, 20000);
}
END_TEST

Suite *multiboot_suite(void)
{
	Suite *s = suite_create("multiboot");
	TCase *tc = tcase_create("valid");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_elf_segments_loaded);
	tcase_add_test(tc, test_elf_entry_translated_to_physical);
	tcase_add_test(tc, test_info_structure);
	tcase_add_test(tc, test_modules);
	tcase_add_test(tc, test_two_modules_with_strings);
	tcase_add_test(tc, test_modules_at_the_limits);
	tcase_add_test(tc, test_video_mode_request_noted);
	tcase_add_test(tc, test_kludge_load);
	tcase_add_test(tc, test_kludge_defaults_and_offsets);
	tcase_add_test(tc, test_header_search);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_header_not_found);
	tcase_add_test(tc, test_refused_fields);
	tcase_add_test(tc, test_refused_unknown_required_flags);
	tcase_add_test(tc, test_refused_kludge_ranges);
	tcase_add_test(tc, test_refused_segment_count);
	tcase_add_test(tc, test_refused_environment);
	tcase_add_test(tc, test_truncated_at_every_length);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", setup, teardown, test_random_mutations);
	return s;
}
