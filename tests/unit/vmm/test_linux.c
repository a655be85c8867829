/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/loader/linux.c: the 64-bit Linux boot protocol. Synthetic
 * bzImages (a boot sector, setup sectors with a setup header of chosen
 * fields, protected-mode code of recognisable bytes) are loaded into a
 * 32 MiB guest; the tests read back what Linux would: the zero page
 * (compared byte for byte with one built here from boot.rst and
 * zero-page.rst), the command line, the initrd, the page tables (walked
 * as the CPU would), the GDT and the vCPU state. Every refused field has
 * its message; truncations at every length and 100,000 random header
 * mutations either load consistently or are refused with guest RAM
 * untouched. With a real kernel (LINUX_BZIMAGE=path, or /boot/vmlinuz-*)
 * one more test loads it; without one that test only says so.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/loader/linux.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MiB 0x100000ull
#define GiB 0x40000000ull

/* Setup header and zero page offsets (boot.rst, zero-page.rst). */
#define H_SETUP_SECTS      0x1f1
#define H_ROOT_FLAGS       0x1f2
#define H_SYSSIZE          0x1f4
#define H_VID_MODE         0x1fa
#define H_ROOT_DEV         0x1fc
#define H_BOOT_FLAG        0x1fe
#define H_JUMP             0x200
#define H_HEADER           0x202
#define H_VERSION          0x206
#define H_KERNEL_VERSION   0x20e
#define H_TYPE_OF_LOADER   0x210
#define H_LOADFLAGS        0x211
#define H_SETUP_MOVE_SIZE  0x212
#define H_CODE32_START     0x214
#define H_RAMDISK_IMAGE    0x218
#define H_RAMDISK_SIZE     0x21c
#define H_HEAP_END_PTR     0x224
#define H_CMD_LINE_PTR     0x228
#define H_INITRD_ADDR_MAX  0x22c
#define H_KERNEL_ALIGNMENT 0x230
#define H_RELOCATABLE      0x234
#define H_MIN_ALIGNMENT    0x235
#define H_XLOADFLAGS       0x236
#define H_CMDLINE_SIZE     0x238
#define H_HW_SUBARCH       0x23c
#define H_HW_SUBARCH_DATA  0x240
#define H_PAYLOAD_OFFSET   0x248
#define H_PAYLOAD_LENGTH   0x24c
#define H_SETUP_DATA       0x250
#define H_PREF_ADDRESS     0x258
#define H_INIT_SIZE        0x260
#define H_HANDOVER_OFFSET  0x264
#define H_KERNEL_INFO      0x268
#define H_END              0x26c     /* 2.15: the jump byte is 0x6a */
#define Z_ACPI_RSDP        0x070
#define Z_EXT_RAMDISK_IMAGE 0x0c0
#define Z_EXT_RAMDISK_SIZE 0x0c4
#define Z_EXT_CMD_LINE_PTR 0x0c8
#define Z_E820_ENTRIES     0x1e8
#define Z_SENTINEL         0x1ef
#define Z_E820_TABLE       0x2d0

#define RAM_SIZE    (32 * MiB)
#define FILL        0xa5          /* guest RAM before loading */
#define SETUP_SECTS 4u
#define SETUP_LEN   ((SETUP_SECTS + 1) * 512u)
#define CODE_LEN    0x1000u
#define IMG_MAX     0x10000u
#define PREF        0x1000000ull  /* 16 MiB, as CONFIG_PHYSICAL_START */
#define INIT_SIZE   0x800000u     /* 8 MiB */
#define ALIGN       0x200000u

static uint8_t img[IMG_MAX];
static size_t img_len;
static uint8_t *ram;
static struct e820_map map;
static struct guest_ram mem;
static struct cpustate cpu;
static struct linux_layout lay;
static char why[256];

/* ------------------------------------------------------------ image builder */

static uint8_t setup_byte(size_t i)
{
	return (uint8_t)(i * 13 + 7);
}

static uint8_t code_byte(size_t i)
{
	return (uint8_t)(i * 31 + 1);
}

/* A 2.15 bzImage: setup_sects setup sectors, code_len bytes of code. */
static void build_image_sized(unsigned setup_sects, uint32_t code_len)
{
	size_t setup_len = ((setup_sects ? setup_sects : 4) + 1) * 512u;

	ck_assert_uint_le(setup_len + code_len, IMG_MAX);
	for (size_t i = 0; i < setup_len; i++)
		img[i] = setup_byte(i);
	for (size_t i = 0; i < code_len; i++)
		img[setup_len + i] = code_byte(i);
	memset(img + H_SETUP_SECTS, 0, H_END - H_SETUP_SECTS);
	img[H_SETUP_SECTS] = (uint8_t)setup_sects;
	put16(img + H_ROOT_FLAGS, 1);
	put32(img + H_SYSSIZE, code_len / 16);
	put16(img + H_VID_MODE, 0xfffd);        /* "ask": a loader sets its own */
	put16(img + H_ROOT_DEV, 0x0801);
	put16(img + H_BOOT_FLAG, 0xaa55);
	img[H_JUMP] = 0xeb;
	img[H_JUMP + 1] = H_END - 0x202;
	put32(img + H_HEADER, 0x53726448);
	put16(img + H_VERSION, 0x020f);
	put16(img + H_KERNEL_VERSION, 0x3c0);
	img[H_LOADFLAGS] = 0x01;                /* LOADED_HIGH */
	put16(img + H_SETUP_MOVE_SIZE, 0x8000);
	put32(img + H_CODE32_START, 0x100000);
	put32(img + H_INITRD_ADDR_MAX, 0x7fffffff);
	put32(img + H_KERNEL_ALIGNMENT, ALIGN);
	img[H_RELOCATABLE] = 1;
	img[H_MIN_ALIGNMENT] = 21;
	put16(img + H_XLOADFLAGS, 0x7f);        /* KERNEL_64, ABOVE_4G, EFI ... */
	put32(img + H_CMDLINE_SIZE, 2047);
	put32(img + H_PAYLOAD_OFFSET, 0x3a5);
	put32(img + H_PAYLOAD_LENGTH, 0x800);
	put64(img + H_PREF_ADDRESS, PREF);
	put32(img + H_INIT_SIZE, INIT_SIZE);
	put32(img + H_HANDOVER_OFFSET, 0x190);
	put32(img + H_KERNEL_INFO, 0x5c0);
	img_len = setup_len + code_len;
}

static void build_image(void)
{
	build_image_sized(SETUP_SECTS, CODE_LEN);
}

static void setup(void)
{
	ram = malloc(RAM_SIZE);
	ck_assert_ptr_nonnull(ram);
	memset(ram, FILL, RAM_SIZE);
	ck_assert_int_eq(e820_build(&map, RAM_SIZE), LOADER_OK);
	mem = (struct guest_ram){ ram, RAM_SIZE, &map };
	build_image();
	memset(&cpu, 0x5c, sizeof(cpu));
	memset(&lay, 0x5c, sizeof(lay));
}

static void teardown(void)
{
	free(ram);
	ram = NULL;
	free_parsed();
}

/* Loads the first len bytes of img (from an exact-size heap copy). */
static int load_len(size_t len, const char *cmdline, const uint8_t *initrd, size_t initrd_len)
{
	struct linux_boot b = { parse_copy(img, len), len, initrd, initrd_len, cmdline, 0 };

	memset(why, 'X', sizeof(why) - 1);
	why[sizeof(why) - 1] = '\0';
	return linux_load(&b, &mem, &cpu, &lay, why, sizeof(why));
}

static int load(const char *cmdline, const uint8_t *initrd, size_t initrd_len)
{
	return load_len(img_len, cmdline, initrd, initrd_len);
}

#define ASSERT_LOADED(r)                                                                   \
	do {                                                                               \
		int r_ = (r);                                                              \
		ck_assert_msg(r_ == LOADER_OK, "refused (%d): %s", r_, why);               \
		ck_assert_str_eq(why, "");                                                 \
	} while (0)

/* Nothing of the boot area, the kernel's place or the top of RAM was written. */
static void assert_ram_untouched(void)
{
	static const uint64_t ranges[][2] = {
		{ 0, LINUX_BOOT_END }, { PREF, PREF + 0x4000 }, { RAM_SIZE - 0x4000, RAM_SIZE },
	};

	for (unsigned r = 0; r < ARRAY_SIZE(ranges); r++)
		for (uint64_t a = ranges[r][0]; a < ranges[r][1]; a++)
			if (ram[a] != FILL)
				ck_abort_msg("guest RAM written at %#llx by a refused load",
					     (unsigned long long)a);
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

/* ------------------------------------------------------------ what Linux reads */

static uint64_t zp(unsigned off, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)ram[LINUX_ZERO_PAGE + off + i] << (8 * i);
	return v;
}

/* The zero page boot.rst and zero-page.rst describe for this load. */
static void expected_zero_page(uint8_t *z, uint64_t kernel, uint64_t initrd, uint64_t initrd_len,
			       uint64_t rsdp)
{
	memset(z, 0, 4096);
	memcpy(z + H_SETUP_SECTS, img + H_SETUP_SECTS, H_END - H_SETUP_SECTS);
	put16(z + H_VID_MODE, 0xffff);
	z[H_TYPE_OF_LOADER] = 0xff;
	z[H_LOADFLAGS] |= 0x80;                 /* CAN_USE_HEAP */
	put16(z + H_HEAP_END_PTR, 0xe000 - 0x200);
	put32(z + H_CODE32_START, (uint32_t)kernel);
	put32(z + H_CMD_LINE_PTR, LINUX_CMDLINE);
	put32(z + H_RAMDISK_IMAGE, (uint32_t)initrd);
	put32(z + H_RAMDISK_SIZE, (uint32_t)initrd_len);
	put32(z + Z_EXT_RAMDISK_IMAGE, (uint32_t)(initrd >> 32));
	put32(z + Z_EXT_RAMDISK_SIZE, (uint32_t)(initrd_len >> 32));
	put32(z + H_HW_SUBARCH, 0);
	put64(z + H_HW_SUBARCH_DATA, 0);
	put64(z + H_SETUP_DATA, 0);
	put64(z + Z_ACPI_RSDP, rsdp);
	z[Z_E820_ENTRIES] = (uint8_t)map.count;
	for (unsigned i = 0; i < map.count; i++) {
		put64(z + Z_E820_TABLE + i * 20, map.entry[i].addr);
		put64(z + Z_E820_TABLE + i * 20 + 8, map.entry[i].size);
		put32(z + Z_E820_TABLE + i * 20 + 16, map.entry[i].type);
	}
}

static void assert_zero_page(uint64_t kernel, uint64_t initrd, uint64_t initrd_len, uint64_t rsdp)
{
	static uint8_t want[4096];

	expected_zero_page(want, kernel, initrd, initrd_len, rsdp);
	for (unsigned i = 0; i < 4096; i++)
		ck_assert_msg(ram[LINUX_ZERO_PAGE + i] == want[i], "zero page byte %#x: %#x, expected %#x",
			      i, ram[LINUX_ZERO_PAGE + i], want[i]);
}

/* The 4-level walk of the CPU: false if va is not mapped; *rw if writable all the way. */
static bool walk(uint64_t cr3, uint64_t va, uint64_t *pa, bool *rw)
{
	const uint64_t addr_mask = 0x000ffffffffff000ull;
	uint64_t table = cr3 & addr_mask;

	*rw = true;
	for (int level = 3; level >= 0; level--) {
		unsigned index = (unsigned)(va >> (12 + 9 * level)) & 511;
		ck_assert_uint_le(table + 8 * index + 8, RAM_SIZE);
		uint64_t e = get64(ram + table + 8 * index);
		if (!(e & 1))
			return false;
		ck_assert_msg(!(e & 0xfff0000000000000ull), "reserved or NX bits in %#llx",
			      (unsigned long long)e);
		*rw = *rw && (e & 2);
		if (level > 0 && level < 3 && (e & 0x80)) {   /* a 1 GiB or 2 MiB page */
			uint64_t size = 1ull << (12 + 9 * level);
			*pa = (e & addr_mask & ~(size - 1)) + (va & (size - 1));
			return true;
		}
		table = e & addr_mask;
	}
	*pa = table + (va & 0xfff);
	return true;
}

/* ------------------------------------------------------------ valid images */

START_TEST(test_load_sets_the_64bit_entry_state)
{
	ASSERT_LOADED(load("console=ttyS0 earlyprintk=serial", NULL, 0));
	ck_assert_uint_eq(cpu.rip, PREF + 0x200);
	ck_assert_uint_eq(cpu.rsi, LINUX_ZERO_PAGE);
	ck_assert_uint_eq(cpu.rsp, LINUX_STACK_TOP);
	ck_assert_uint_eq(cpu.rflags, 0x2);              /* IF clear */
	ck_assert_uint_eq(cpu.cr0, 0x80000031);          /* PG, NE, ET, PE */
	ck_assert_uint_eq(cpu.cr3, LINUX_PML4);
	ck_assert_uint_eq(cpu.cr4, 0x20);                /* PAE */
	ck_assert_uint_eq(cpu.efer, 0x500);              /* LMA, LME */
	ck_assert(cpu.rax == 0 && cpu.rbx == 0 && cpu.rcx == 0 && cpu.rdx == 0 && cpu.rdi == 0 &&
		  cpu.rbp == 0 && cpu.r8 == 0 && cpu.r15 == 0);
	/* CS = __BOOT_CS: 64-bit code (L, not D), DS/ES/SS = __BOOT_DS: flat data. */
	ck_assert_uint_eq(cpu.cs.selector, 0x10);
	ck_assert_uint_eq(cpu.cs.ar, 0xa09b);
	ck_assert_uint_eq(cpu.cs.base, 0);
	ck_assert_uint_eq(cpu.cs.limit, 0xffffffff);
	const struct cpu_segment *data[] = { &cpu.ds, &cpu.es, &cpu.ss, &cpu.fs, &cpu.gs };
	for (unsigned i = 0; i < ARRAY_SIZE(data); i++) {
		ck_assert_uint_eq(data[i]->selector, 0x18);
		ck_assert_uint_eq(data[i]->ar, 0xc093);
		ck_assert_uint_eq(data[i]->base, 0);
		ck_assert_uint_eq(data[i]->limit, 0xffffffff);
	}
	ck_assert_uint_eq(cpu.tr.ar, 0x8b);              /* busy TSS, present */
	ck_assert_uint_eq(cpu.tr.selector, 0);
	ck_assert_uint_eq(cpu.ldtr.ar, 0x10000);         /* unusable */
	ck_assert_uint_eq(cpu.gdtr.base, 0x1000);
	ck_assert_uint_eq(cpu.gdtr.limit, 31);
	ck_assert_uint_eq(cpu.idtr.base, 0);
	ck_assert_uint_eq(cpu.idtr.limit, 0);

	ck_assert_uint_eq(lay.version, 0x020f);
	ck_assert_uint_eq(lay.kernel_addr, PREF);
	ck_assert_uint_eq(lay.kernel_len, CODE_LEN);
	ck_assert_uint_eq(lay.init_size, INIT_SIZE);
	ck_assert_uint_eq(lay.entry, PREF + 0x200);
	ck_assert_uint_eq(lay.zero_page, LINUX_ZERO_PAGE);
	ck_assert_uint_eq(lay.cmdline_addr, LINUX_CMDLINE);
	ck_assert_uint_eq(lay.cmdline_len, 32);
	ck_assert_uint_eq(lay.initrd_addr, 0);
	ck_assert_uint_eq(lay.initrd_len, 0);
}
END_TEST

START_TEST(test_gdt_holds_the_boot_selectors)
{
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(get64(ram + 0x1000), 0);
	ck_assert_uint_eq(get64(ram + 0x1008), 0x00cf9b000000ffffull);
	uint64_t cs = get64(ram + 0x1010), ds = get64(ram + 0x1018);
	/* Decoded as the CPU does (SDM Vol. 3A, 3.4.5). */
	ck_assert_uint_eq((cs & 0xffff) | (cs >> 32 & 0xf0000), 0xfffff);   /* limit */
	ck_assert_uint_eq((cs >> 16 & 0xffffff) | (cs >> 32 & 0xff000000), 0);  /* base */
	ck_assert_uint_eq(cs >> 40 & 0xff, 0x9b);   /* P, DPL 0, S, code execute/read accessed */
	ck_assert_uint_eq(cs >> 52 & 0xf, 0xa);     /* G, L, not D */
	ck_assert_uint_eq((ds & 0xffff) | (ds >> 32 & 0xf0000), 0xfffff);
	ck_assert_uint_eq((ds >> 16 & 0xffffff) | (ds >> 32 & 0xff000000), 0);
	ck_assert_uint_eq(ds >> 40 & 0xff, 0x93);   /* P, DPL 0, S, data read/write accessed */
	ck_assert_uint_eq(ds >> 52 & 0xf, 0xc);     /* G, B */
	/* The hidden parts in the vCPU state are what loading the selectors gives. */
	ck_assert_uint_eq(cpu.cs.ar, (cs >> 40 & 0xff) | (cs >> 52 & 0xf) << 12);
	ck_assert_uint_eq(cpu.ds.ar, (ds >> 40 & 0xff) | (ds >> 52 & 0xf) << 12);
	ck_assert_uint_eq(ram[0x1020], FILL);
}
END_TEST

START_TEST(test_zero_page_fields)
{
	static const uint8_t initrd[0x1234] = { 1, 2, 3 };
	struct linux_boot b;

	put64(img + H_SETUP_DATA, 0x12345678);     /* an image's stale list: cleared */
	put32(img + H_HW_SUBARCH, 2);
	b = (struct linux_boot){ parse_copy(img, img_len), img_len, initrd, sizeof(initrd),
				 "root=/dev/vda ro", 0xf0010 };
	ASSERT_LOADED(linux_load(&b, &mem, &cpu, &lay, why, sizeof(why)));
	uint64_t rd = RAM_SIZE - 0x2000;            /* (32 MiB - 0x1234) rounded down */
	ck_assert_uint_eq(lay.initrd_addr, rd);
	assert_zero_page(PREF, rd, sizeof(initrd), 0xf0010);

	/* The fields one by one, as the kernel reads them. */
	ck_assert_uint_eq(zp(H_TYPE_OF_LOADER, 1), 0xff);
	ck_assert_uint_eq(zp(H_LOADFLAGS, 1), 0x81);
	ck_assert_uint_eq(zp(H_HEAP_END_PTR, 2), 0xde00);
	ck_assert_uint_eq(zp(H_CMD_LINE_PTR, 4), LINUX_CMDLINE);
	ck_assert_uint_eq(zp(Z_EXT_CMD_LINE_PTR, 4), 0);
	ck_assert_uint_eq(zp(H_RAMDISK_IMAGE, 4), rd);
	ck_assert_uint_eq(zp(H_RAMDISK_SIZE, 4), 0x1234);
	ck_assert_uint_eq(zp(Z_EXT_RAMDISK_IMAGE, 4), 0);
	ck_assert_uint_eq(zp(Z_EXT_RAMDISK_SIZE, 4), 0);
	ck_assert_uint_eq(zp(H_SETUP_DATA, 8), 0);
	ck_assert_uint_eq(zp(H_HW_SUBARCH, 4), 0);
	ck_assert_uint_eq(zp(H_VID_MODE, 2), 0xffff);
	ck_assert_uint_eq(zp(H_CODE32_START, 4), PREF);
	ck_assert_uint_eq(zp(Z_ACPI_RSDP, 8), 0xf0010);
	ck_assert_uint_eq(zp(Z_SENTINEL, 1), 0);
	/* Read-only fields as the image had them. */
	ck_assert_uint_eq(zp(H_VERSION, 2), 0x020f);
	ck_assert_uint_eq(zp(H_SYSSIZE, 4), CODE_LEN / 16);
	ck_assert_uint_eq(zp(H_KERNEL_ALIGNMENT, 4), ALIGN);
	ck_assert_uint_eq(zp(H_PREF_ADDRESS, 8), PREF);
	ck_assert_uint_eq(zp(H_INIT_SIZE, 4), INIT_SIZE);
	ck_assert_uint_eq(zp(H_KERNEL_INFO, 4), 0x5c0);
	/* The e820 table. */
	ck_assert_uint_eq(zp(Z_E820_ENTRIES, 1), 3);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 0, 8), 0);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 8, 8), 0x9fc00);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 16, 4), 1);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 20, 8), 0x9fc00);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 36, 4), 2);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 40, 8), MiB);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 48, 8), RAM_SIZE - MiB);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 56, 4), 1);
	ck_assert_uint_eq(zp(Z_E820_TABLE + 60, 8), 0);
}
END_TEST

START_TEST(test_header_copied_only_to_its_end)
{
	/* A shorter 2.12 header (jump 0x66: ends at 0x268, before kernel_info_offset). */
	put16(img + H_VERSION, 0x020c);
	img[H_JUMP + 1] = 0x66;
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(zp(H_INIT_SIZE, 4), INIT_SIZE);
	ck_assert_uint_eq(zp(H_HANDOVER_OFFSET, 4), 0x190);
	ck_assert_uint_eq(zp(H_KERNEL_INFO, 4), 0);
	/* Setup code after the header and the boot sector before it are not copied. */
	for (unsigned i = 0; i < H_SETUP_SECTS; i++)
		if (i != Z_ACPI_RSDP && i != Z_E820_ENTRIES && (i < Z_E820_TABLE || i >= 0xcd0))
			ck_assert_uint_eq(zp(i, 1), 0);
	for (unsigned i = 0x268; i < Z_E820_TABLE; i++)
		ck_assert_uint_eq(zp(i, 1), 0);
	/* The longest header the jump allows (0x202 + 0x7f) is copied whole. */
	memset(ram, FILL, RAM_SIZE);
	img[H_JUMP + 1] = 0x7f;
	ASSERT_LOADED(load("", NULL, 0));
	for (unsigned i = H_END; i < 0x281; i++)
		ck_assert_uint_eq(zp(i, 1), setup_byte(i));
	ck_assert_uint_eq(zp(0x281, 1), 0);
}
END_TEST

START_TEST(test_code_and_cmdline_in_place)
{
	/* Trailing bytes after syssize (a signature) are not loaded. */
	memset(img + img_len, 0xee, 64);
	img_len += 64;
	ASSERT_LOADED(load("console=ttyS0,115200 root=/dev/vda1 rw", NULL, 0));
	for (unsigned i = 0; i < CODE_LEN; i++)
		ck_assert_uint_eq(ram[PREF + i], code_byte(i));
	ck_assert_uint_eq(ram[PREF + CODE_LEN], FILL);
	ck_assert_uint_eq(ram[PREF - 1], FILL);
	ck_assert_str_eq((char *)ram + LINUX_CMDLINE, "console=ttyS0,115200 root=/dev/vda1 rw");
	ck_assert_uint_eq(ram[LINUX_CMDLINE + 39], FILL);

	/* No command line: an empty string, still pointed to. */
	memset(ram, FILL, RAM_SIZE);
	ASSERT_LOADED(load(NULL, NULL, 0));
	ck_assert_uint_eq(zp(H_CMD_LINE_PTR, 4), LINUX_CMDLINE);
	ck_assert_uint_eq(ram[LINUX_CMDLINE], 0);
	ck_assert_uint_eq(ram[LINUX_CMDLINE + 1], FILL);
	ck_assert_uint_eq(lay.cmdline_len, 0);

	/* Exactly cmdline_size characters fit. */
	static char line[2048];
	memset(line, 'a', 2047);
	line[2047] = '\0';
	ASSERT_LOADED(load(line, NULL, 0));
	ck_assert_uint_eq(lay.cmdline_len, 2047);
	ck_assert(memcmp(ram + LINUX_CMDLINE, line, 2048) == 0);
}
END_TEST

START_TEST(test_only_the_documented_places_are_written)
{
	static uint8_t initrd[0x3001];
	const char *cmd = "quiet";

	for (unsigned i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5a);
	ASSERT_LOADED(load(cmd, initrd, sizeof(initrd)));
	const uint64_t written[][2] = {
		{ 0x1000, 0x1020 },                                    /* GDT */
		{ LINUX_ZERO_PAGE, LINUX_ZERO_PAGE + 0x1000 },
		{ LINUX_PML4, LINUX_PD + 4 * 0x1000 },                 /* page tables */
		{ LINUX_CMDLINE, LINUX_CMDLINE + strlen(cmd) + 1 },
		{ PREF, PREF + CODE_LEN },
		{ lay.initrd_addr, lay.initrd_addr + sizeof(initrd) },
	};
	uint64_t changed = 0;
	for (uint64_t a = 0; a < RAM_SIZE; a++) {
		if (ram[a] == FILL)
			continue;
		bool ok = false;
		for (unsigned w = 0; w < ARRAY_SIZE(written) && !ok; w++)
			ok = a >= written[w][0] && a < written[w][1];
		ck_assert_msg(ok, "byte %#llx written", (unsigned long long)a);
		changed++;
	}
	ck_assert_uint_gt(changed, 0x6000);
	ck_assert(memcmp(ram + lay.initrd_addr, initrd, sizeof(initrd)) == 0);
}
END_TEST

START_TEST(test_page_tables_identity_map_4g)
{
	ASSERT_LOADED(load("", NULL, 0));
	uint64_t pa;
	bool rw;

	for (uint64_t va = 0; va < 4 * GiB; va += 2 * MiB) {
		static const uint64_t offs[] = { 0, 0x1234, 2 * MiB - 1 };
		for (unsigned o = 0; o < ARRAY_SIZE(offs); o++) {
			ck_assert_msg(walk(cpu.cr3, va + offs[o], &pa, &rw), "%#llx not mapped",
				      (unsigned long long)(va + offs[o]));
			ck_assert_uint_eq(pa, va + offs[o]);
			ck_assert(rw);
		}
	}
	/* Nothing above 4 GiB. */
	ck_assert(!walk(cpu.cr3, 4 * GiB, &pa, &rw));
	ck_assert(!walk(cpu.cr3, 512 * GiB, &pa, &rw));
	ck_assert(!walk(cpu.cr3, 0xffffffff80000000ull, &pa, &rw));
	/* 2 MiB pages: every PD entry is a leaf, no 4 KiB tables, nothing else set. */
	for (unsigned d = 0; d < 4; d++)
		for (unsigned i = 0; i < 512; i++)
			ck_assert_uint_eq(get64(ram + LINUX_PD + d * 0x1000 + i * 8),
					  ((uint64_t)d * 512 + i) * 2 * MiB | 0x83);
	for (unsigned i = 0; i < 512; i++) {
		ck_assert_uint_eq(get64(ram + LINUX_PML4 + i * 8), i ? 0 : LINUX_PDPT | 3);
		ck_assert_uint_eq(get64(ram + LINUX_PDPT + i * 8), i < 4 ? (LINUX_PD + i * 0x1000) | 3 : 0);
	}
}
END_TEST

START_TEST(test_setup_sects_zero_means_four)
{
	build_image_sized(0, CODE_LEN);
	ck_assert_uint_eq(img_len, 5 * 512 + CODE_LEN);
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(ram[PREF], code_byte(0));
	ck_assert_uint_eq(ram[PREF + CODE_LEN - 1], code_byte(CODE_LEN - 1));

	/* A long setup (30 sectors): the code starts after it. */
	memset(ram, FILL, RAM_SIZE);
	build_image_sized(30, 0x20);
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(lay.kernel_len, 0x20);
	for (unsigned i = 0; i < 0x20; i++)
		ck_assert_uint_eq(ram[PREF + i], code_byte(i));
	ck_assert_uint_eq(ram[PREF + 0x20], FILL);
}
END_TEST

START_TEST(test_kernel_placement)
{
	/* Relocatable, pref_address not aligned: aligned up. */
	put64(img + H_PREF_ADDRESS, 0x1100000);
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(lay.kernel_addr, 0x1200000);
	ck_assert_uint_eq(cpu.rip, 0x1200200);
	ck_assert_uint_eq(zp(H_CODE32_START, 4), 0x1200000);
	ck_assert_uint_eq(ram[0x1200000], code_byte(0));

	/* Not relocatable: exactly at pref_address; kernel_alignment is not used. */
	memset(ram, FILL, RAM_SIZE);
	img[H_RELOCATABLE] = 0;
	put32(img + H_KERNEL_ALIGNMENT, 0x300000);
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(lay.kernel_addr, 0x1100000);
	ck_assert_uint_eq(cpu.rip, 0x1100200);

	/* 4 KiB alignment, kernel right at 1 MiB, init_size to the end of RAM. */
	memset(ram, FILL, RAM_SIZE);
	img[H_RELOCATABLE] = 1;
	put32(img + H_KERNEL_ALIGNMENT, 0x1000);
	put64(img + H_PREF_ADDRESS, 0x100000);
	put32(img + H_INIT_SIZE, RAM_SIZE - MiB);
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(lay.kernel_addr, 0x100000);
	ck_assert_uint_eq(lay.init_size, RAM_SIZE - MiB);

	/* init_size exactly the code. */
	memset(ram, FILL, RAM_SIZE);
	put32(img + H_INIT_SIZE, CODE_LEN);
	ASSERT_LOADED(load("", NULL, 0));
}
END_TEST

/* ------------------------------------------------------------ the initrd */

static uint8_t initrd_buf[16 * MiB];

START_TEST(test_initrd_placement)
{
	static const struct {
		uint32_t addr_max;
		uint64_t len;
		uint64_t want;
	} cases[] = {
		/* Highest page below the top of RAM. */
		{ 0x7fffffff, 0x1234, RAM_SIZE - 0x2000 },
		{ 0x7fffffff, 0x1000, RAM_SIZE - 0x1000 },
		{ 0xffffffff, 0x1, RAM_SIZE - 0x1000 },
		/* Below initrd_addr_max + 1, above the kernel (16-24 MiB). */
		{ 0x1bfffff, 0x1234, 0x1bfe000 },
		{ 0x1bff232, 0x1234, 0x1bfd000 },   /* ending at 0x1bff234 would pass the limit */
		{ 0x1bff233, 0x1234, 0x1bfe000 },   /* the limit is the last byte it may use */
		/* initrd_addr_max inside the kernel's init_size: below the kernel. */
		{ 0x13fffff, 0x1234, 0xffe000 },
		/* Exactly the room above the kernel, then one byte more. */
		{ 0x7fffffff, 8 * MiB, 24 * MiB },
		{ 0x7fffffff, 8 * MiB + 1, 0x7ff000 },
		/* Only the space between 1 MiB and the kernel. */
		{ 0x7fffffff, 9 * MiB, 7 * MiB },
		{ 0x7fffffff, 15 * MiB, MiB },
	};

	for (unsigned i = 0; i < sizeof(initrd_buf); i++)
		initrd_buf[i] = (uint8_t)(i * 7 + (i >> 12));
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(ram, FILL, RAM_SIZE);
		put32(img + H_INITRD_ADDR_MAX, cases[i].addr_max);
		int r = load("", initrd_buf, cases[i].len);
		ck_assert_msg(r == LOADER_OK, "case %u refused: %s", i, why);
		ck_assert_msg(lay.initrd_addr == cases[i].want, "case %u: initrd at %#llx, expected %#llx",
			      i, (unsigned long long)lay.initrd_addr, (unsigned long long)cases[i].want);
		ck_assert_uint_eq(lay.initrd_len, cases[i].len);
		ck_assert_uint_eq(zp(H_RAMDISK_IMAGE, 4), cases[i].want);
		ck_assert_uint_eq(zp(H_RAMDISK_SIZE, 4), cases[i].len);
		ck_assert(memcmp(ram + cases[i].want, initrd_buf, cases[i].len) == 0);
		/* Never over the kernel's init_size or the boot area. */
		ck_assert(cases[i].want + cases[i].len <= PREF || cases[i].want >= PREF + INIT_SIZE);
		ck_assert(cases[i].want + cases[i].len <= (uint64_t)cases[i].addr_max + 1);
	}
}
END_TEST

START_TEST(test_initrd_avoids_reserved_ranges)
{
	/* ACPI tables at the top of RAM and a reserved hole below them. */
	ck_assert_int_eq(e820_add(&map, RAM_SIZE - 0x10000, 0x10000, E820_ACPI), LOADER_OK);
	ck_assert_int_eq(e820_add(&map, RAM_SIZE - 0x21000, 0x1000, E820_RESERVED), LOADER_OK);
	ASSERT_LOADED(load("", initrd_buf, 0x10000));
	ck_assert_uint_eq(lay.initrd_addr, RAM_SIZE - 0x10000 - 0x10000);
	/* One page more does not fit between the two: below the reserved page. */
	memset(ram, FILL, RAM_SIZE);
	ASSERT_LOADED(load("", initrd_buf, 0x10001));
	ck_assert_uint_eq(lay.initrd_addr, RAM_SIZE - 0x21000 - 0x11000);
	ck_assert_uint_eq(zp(Z_E820_ENTRIES, 1), 6);
}
END_TEST

/* ------------------------------------------------------------ refused images */

/* One header field set to a value, and the message that names it. */
struct bad_field {
	unsigned off, width;
	uint64_t value;
	int status;
	const char *why;
};

static const struct bad_field bad_fields[] = {
	{ H_BOOT_FLAG, 2, 0x55aa, LOADER_EFORMAT, "boot_flag: 0x55aa, not 0xaa55" },
	{ H_BOOT_FLAG, 2, 0, LOADER_EFORMAT, "boot_flag: 0x0, not 0xaa55" },
	{ H_HEADER, 4, 0x53726449, LOADER_EFORMAT,
	  "header: 0x53726449, not \"HdrS\" (0x53726448): protocol too old" },
	{ H_VERSION, 2, 0x020b, LOADER_EUNSUPPORTED,
	  "version: boot protocol 2.11, need 2.12 or later 2.x (64-bit entry)" },
	{ H_VERSION, 2, 0x0200, LOADER_EUNSUPPORTED,
	  "version: boot protocol 2.0, need 2.12 or later 2.x (64-bit entry)" },
	{ H_VERSION, 2, 0x0300, LOADER_EUNSUPPORTED,
	  "version: boot protocol 3.0, need 2.12 or later 2.x (64-bit entry)" },
	{ H_JUMP + 1, 1, 0x61, LOADER_EFORMAT,
	  "jump: setup header ends at 0x263, before init_size ends (0x264)" },
	{ H_JUMP + 1, 1, 0x80, LOADER_EFORMAT,   /* a backward jump */
	  "jump: setup header ends at 0x182, before init_size ends (0x264)" },
	{ H_SETUP_SECTS, 1, 50, LOADER_EFORMAT,
	  "setup_sects: image too short for 50 setup sectors (6656 bytes, need 26112)" },
	{ H_SETUP_SECTS, 1, 255, LOADER_EFORMAT,
	  "setup_sects: image too short for 255 setup sectors (6656 bytes, need 131072)" },
	{ H_LOADFLAGS, 1, 0x80, LOADER_EUNSUPPORTED,
	  "loadflags: LOADED_HIGH clear: a zImage, not a bzImage" },
	{ H_XLOADFLAGS, 2, 0x7e, LOADER_EUNSUPPORTED,
	  "xloadflags: 0x7e, XLF_KERNEL_64 clear: no 64-bit entry point" },
	{ H_SYSSIZE, 4, 0, LOADER_EFORMAT, "syssize: 0, no protected-mode code" },
	{ H_SYSSIZE, 4, 0x101, LOADER_EFORMAT,
	  "syssize: image too short for 0x1010 bytes of protected-mode code after 0xa00 bytes of setup (has 0x1000)" },
	{ H_SYSSIZE, 4, 0xffffffff, LOADER_EFORMAT,
	  "syssize: image too short for 0xffffffff0 bytes of protected-mode code after 0xa00 bytes of setup (has 0x1000)" },
	{ H_INIT_SIZE, 4, 0xfff, LOADER_EFORMAT,
	  "init_size: 0xfff, smaller than the protected-mode code (0x1000)" },
	{ H_INIT_SIZE, 4, 0, LOADER_EFORMAT,
	  "init_size: 0x0, smaller than the protected-mode code (0x1000)" },
	{ H_KERNEL_ALIGNMENT, 4, 0x300000, LOADER_EFORMAT,
	  "kernel_alignment: 0x300000, not a power of two up to 1 GiB" },
	{ H_KERNEL_ALIGNMENT, 4, 0, LOADER_EFORMAT,
	  "kernel_alignment: 0x0, not a power of two up to 1 GiB" },
	{ H_KERNEL_ALIGNMENT, 4, 0x80000000, LOADER_EFORMAT,
	  "kernel_alignment: 0x80000000, not a power of two up to 1 GiB" },
	{ H_PREF_ADDRESS, 8, 0, LOADER_EFORMAT,
	  "pref_address: kernel at 0x0, below 1 MiB (the boot area)" },
	{ H_PREF_ADDRESS, 8, 0xffffffffffffffffull, LOADER_EFORMAT,
	  "pref_address: 0xffffffffffffffff cannot be aligned to 0x200000" },
	{ H_PREF_ADDRESS, 8, 0xffe00000, LOADER_ENOSPACE,
	  "pref_address: kernel at 0xffe00000 with init_size 0x800000 ends above 4 GiB" },
	{ H_PREF_ADDRESS, 8, 0x100000000ull, LOADER_ENOSPACE,
	  "pref_address: kernel at 0x100000000 with init_size 0x800000 ends above 4 GiB" },
	{ H_PREF_ADDRESS, 8, 0x1c00000, LOADER_ENOSPACE,
	  "init_size: the kernel needs 0x800000 bytes at 0x1c00000, not usable guest RAM" },
	{ H_PREF_ADDRESS, 8, 0x80000000, LOADER_ENOSPACE,
	  "init_size: the kernel needs 0x800000 bytes at 0x80000000, not usable guest RAM" },
	{ H_INIT_SIZE, 4, 0x10000000, LOADER_ENOSPACE,
	  "init_size: the kernel needs 0x10000000 bytes at 0x1000000, not usable guest RAM" },
	{ H_INIT_SIZE, 4, 0x1000001, LOADER_ENOSPACE,
	  "init_size: the kernel needs 0x1000001 bytes at 0x1000000, not usable guest RAM" },
	{ H_CMDLINE_SIZE, 4, 12, LOADER_EINVAL,
	  "cmdline_size: command line of 13 bytes, the kernel takes at most 12" },
	{ H_CMDLINE_SIZE, 4, 0, LOADER_EINVAL,
	  "cmdline_size: command line of 13 bytes, the kernel takes at most 0" },
	{ H_INITRD_ADDR_MAX, 4, 0xfffff, LOADER_ENOSPACE,
	  "initrd_addr_max: no usable RAM for a 4660-byte initrd below 0x100000 outside the kernel" },
	{ H_INITRD_ADDR_MAX, 4, 0x100fff, LOADER_ENOSPACE,   /* a page, but not 0x1234 bytes */
	  "initrd_addr_max: no usable RAM for a 4660-byte initrd below 0x101000 outside the kernel" },
};

START_TEST(test_refused_fields)
{
	static const uint8_t initrd[0x1234];

	for (unsigned i = 0; i < ARRAY_SIZE(bad_fields); i++) {
		const struct bad_field *f = &bad_fields[i];
		build_image();
		for (unsigned b = 0; b < f->width; b++)
			img[f->off + b] = (uint8_t)(f->value >> (8 * b));
		int r = load("console=ttyS0", initrd, sizeof(initrd));
		ck_assert_msg(r == f->status && !strcmp(why, f->why),
			      "case %u: status %d, message \"%s\"; expected %d, \"%s\"", i, r, why,
			      f->status, f->why);
		assert_ram_untouched();
	}
}
END_TEST

START_TEST(test_refused_non_relocatable_low)
{
	img[H_RELOCATABLE] = 0;
	put64(img + H_PREF_ADDRESS, 0x80000);
	ASSERT_REFUSED(load("", NULL, 0), LOADER_EFORMAT,
		       "pref_address: kernel at 0x80000, below 1 MiB (the boot area)");
	/* A relocatable kernel aligned up out of low memory is fine. */
	img[H_RELOCATABLE] = 1;
	ASSERT_LOADED(load("", NULL, 0));
	ck_assert_uint_eq(lay.kernel_addr, 0x200000);
}
END_TEST

START_TEST(test_refused_environment)
{
	static char longline[LINUX_CMDLINE_MAX + 2];
	struct linux_boot b = { img, img_len, NULL, 0, "", 0 };

	/* A command line longer than the loader's area, whatever the kernel takes. */
	put32(img + H_CMDLINE_SIZE, 0xffffffff);
	memset(longline, 'x', LINUX_CMDLINE_MAX + 1);
	ASSERT_REFUSED(load(longline, NULL, 0), LOADER_EINVAL,
		       "cmdline: longer than the loader's 65535-byte area");
	longline[LINUX_CMDLINE_MAX] = '\0';   /* exactly the area */
	ASSERT_LOADED(load(longline, NULL, 0));
	ck_assert_uint_eq(lay.cmdline_len, LINUX_CMDLINE_MAX);
	ck_assert_uint_eq(ram[LINUX_CMDLINE + LINUX_CMDLINE_MAX], 0);
	memset(ram, FILL, RAM_SIZE);

	/* The initrd too big for any usable RAM. */
	ASSERT_REFUSED(load("", initrd_buf, 16 * MiB), LOADER_ENOSPACE,
		       "initrd_addr_max: no usable RAM for a 16777216-byte initrd below 0x80000000 outside the kernel");

	/* The boot area not usable. */
	ck_assert_int_eq(e820_add(&map, 0x8000, 0x1000, E820_RESERVED), LOADER_OK);
	ASSERT_REFUSED(load("", NULL, 0), LOADER_ENOSPACE,
		       "e820: the boot area 0x1000-0x20000 is not usable guest RAM");
	/* The kernel's range partly reserved. */
	ck_assert_int_eq(e820_build(&map, RAM_SIZE), LOADER_OK);
	ck_assert_int_eq(e820_add(&map, 0x17ff000, 0x1000, E820_ACPI), LOADER_OK);
	ASSERT_REFUSED(load("", NULL, 0), LOADER_ENOSPACE,
		       "init_size: the kernel needs 0x800000 bytes at 0x1000000, not usable guest RAM");
	/* A map that claims more RAM than there is. */
	ck_assert_int_eq(e820_build(&map, 1024 * MiB), LOADER_OK);
	mem.size = 20 * MiB;
	ASSERT_REFUSED(load("", NULL, 0), LOADER_ENOSPACE,
		       "init_size: the kernel needs 0x800000 bytes at 0x1000000, not usable guest RAM");
	mem.size = RAM_SIZE;
	/* An empty or corrupt map. */
	map.count = 0;
	ASSERT_REFUSED(load("", NULL, 0), LOADER_EINVAL, "e820: 0 entries; the zero page takes 1 to 128");
	map.count = 129;
	ASSERT_REFUSED(load("", NULL, 0), LOADER_EINVAL,
		       "e820: 129 entries; the zero page takes 1 to 128");
	ck_assert_int_eq(e820_build(&map, RAM_SIZE), LOADER_OK);

	/* Missing arguments. */
	const char *missing = "linux_load: missing argument";
	ASSERT_REFUSED(linux_load(NULL, &mem, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	ASSERT_REFUSED(linux_load(&b, NULL, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	ASSERT_REFUSED(linux_load(&b, &mem, NULL, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	b.initrd_len = 5;
	ASSERT_REFUSED(linux_load(&b, &mem, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	b = (struct linux_boot){ NULL, 100, NULL, 0, "", 0 };
	ASSERT_REFUSED(linux_load(&b, &mem, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	struct guest_ram nomap = { ram, RAM_SIZE, NULL };
	b = (struct linux_boot){ img, img_len, NULL, 0, "", 0 };
	ASSERT_REFUSED(linux_load(&b, &nomap, &cpu, &lay, why, sizeof(why)), LOADER_EINVAL, missing);
	/* No message buffer and no layout: the status alone. */
	ck_assert_int_eq(linux_load(&b, &mem, &cpu, NULL, NULL, 0), LOADER_OK);
	put16(img + H_BOOT_FLAG, 0);
	ck_assert_int_eq(linux_load(&b, &mem, &cpu, NULL, NULL, 0), LOADER_EFORMAT);
	char tiny[6];
	ck_assert_int_eq(linux_load(&b, &mem, &cpu, NULL, tiny, sizeof(tiny)), LOADER_EFORMAT);
	ck_assert_str_eq(tiny, "boot_");
}
END_TEST

START_TEST(test_truncated_at_every_length)
{
	for (size_t len = 0; len < img_len; len++) {
		const char *want = len < 0x200   ? "boot_flag: image of "
				   : len < 0x208 ? "header: image of "
				   : len < SETUP_LEN ? "setup_sects: image too short for 4 setup sectors ("
						     : "syssize: image too short for 0x1000 bytes";
		int r = load_len(len, "", NULL, 0);
		ck_assert_msg(r == LOADER_EFORMAT && !strncmp(why, want, strlen(want)),
			      "length %zu: status %d, \"%s\"", len, r, why);
		if (len % 512 == 0 || len == img_len - 1)
			assert_ram_untouched();
	}
	ck_assert_int_eq(load_len(0x1ff, "", NULL, 0), LOADER_EFORMAT);
	ck_assert_str_eq(why, "boot_flag: image of 511 bytes ends before the boot sector's end (512)");
	ck_assert_int_eq(load_len(0x207, "", NULL, 0), LOADER_EFORMAT);
	ck_assert_str_eq(why, "header: image of 519 bytes ends before the version field (0x208)");
	ck_assert_int_eq(load_len(SETUP_LEN - 1, "", NULL, 0), LOADER_EFORMAT);
	ck_assert_str_eq(why, "setup_sects: image too short for 4 setup sectors (2559 bytes, need 2560)");
	ck_assert_int_eq(load_len(img_len - 1, "", NULL, 0), LOADER_EFORMAT);
	ck_assert_str_eq(why, "syssize: image too short for 0x1000 bytes of protected-mode code after 0xa00 bytes of setup (has 0xfff)");
	assert_ram_untouched();
	ASSERT_LOADED(load_len(img_len, "", NULL, 0));
}
END_TEST

/* ------------------------------------------------------------ random mutations */

/* Header fields the mutations aim at. */
static const struct {
	unsigned off, width;
} fuzz_fields[] = {
	{ H_SETUP_SECTS, 1 }, { H_SYSSIZE, 4 }, { H_BOOT_FLAG, 2 }, { H_JUMP + 1, 1 },
	{ H_HEADER, 4 }, { H_VERSION, 2 }, { H_LOADFLAGS, 1 }, { H_INITRD_ADDR_MAX, 4 },
	{ H_KERNEL_ALIGNMENT, 4 }, { H_RELOCATABLE, 1 }, { H_XLOADFLAGS, 2 },
	{ H_CMDLINE_SIZE, 4 }, { H_SETUP_DATA, 8 }, { H_PREF_ADDRESS, 8 }, { H_INIT_SIZE, 4 },
	{ H_HW_SUBARCH, 4 },
};

/* Every refusal message starts with one of these. */
static const char *const field_names[] = {
	"boot_flag: ", "header: ", "version: ", "jump: ", "setup_sects: ", "loadflags: ",
	"xloadflags: ", "syssize: ", "init_size: ", "kernel_alignment: ", "pref_address: ",
	"cmdline: ", "cmdline_size: ", "initrd_addr_max: ", "e820: ",
};

static uint64_t fuzz_value(uint64_t orig)
{
	static const uint64_t v[] = { 0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0x100000,
				      0x1ff000, 0x200000, 0x400000, 0x800000, 0x1000000, 0x1400000,
				      0x1800000, 0x1c00000, 0x2000000, 0x7fffffff, 0x80000000,
				      0xc0000000, 0xffe00000, 0xffffffff, 0x100000000ull,
				      0x8000000000000000ull, 0xffffffffffe00000ull, UINT64_MAX };

	return interesting(orig, v, ARRAY_SIZE(v), 0x1000, 64);
}

/* An assertion for hot loops: Check's own cost a system call each. */
#define CHECK(c)                                                                           \
	do {                                                                               \
		if (!(c))                                                                  \
			ck_abort_msg("iteration %u: %s", iter, #c);                        \
	} while (0)

/* A refusal touched nothing: the zero page and command line are as before. */
static uint8_t snapshot[LINUX_BOOT_END];

START_TEST(test_random_mutations)
{
	static uint8_t base[IMG_MAX], initrd[0x5000];
	static char cmdline[3000];
	size_t base_len;
	unsigned ok = 0, refused = 0;

	build_image_sized(1, 0x100);
	base_len = img_len;
	memcpy(base, img, base_len);
	for (unsigned i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 3 + 1);
	memcpy(snapshot, ram, sizeof(snapshot));
	rnd_seed(0x243f6a8885a308d3ull);

	for (unsigned iter = 0; iter < 100000; iter++) {
		memcpy(img, base, base_len);
		size_t len = base_len;
		for (unsigned n = 1 + rnd() % 3; n; n--) {
			unsigned f = (unsigned)(rnd() % ARRAY_SIZE(fuzz_fields));
			unsigned off = fuzz_fields[f].off, w = fuzz_fields[f].width;
			uint64_t v = 0;
			switch (rnd() % 6) {
			case 0:
				flip_bit(img + H_SETUP_SECTS, H_END - H_SETUP_SECTS);
				break;
			case 1:
				replace_byte(img, len);
				break;
			case 5:
				len = rnd() % 4 ? base_len - rnd() % 64 : rnd() % (base_len + 1);
				break;
			default:
				for (unsigned b = 0; b < w; b++)
					v |= (uint64_t)img[off + b] << (8 * b);
				v = fuzz_value(v);
				for (unsigned b = 0; b < w; b++)
					img[off + b] = (uint8_t)(v >> (8 * b));
				break;
			}
		}
		size_t cmd_len = rnd() % 4 ? rnd() % 40 : rnd() % sizeof(cmdline);
		memset(cmdline, 'c', cmd_len);
		cmdline[cmd_len] = '\0';
		size_t initrd_len = rnd() % 2 ? rnd() % sizeof(initrd) : 0;
		CHECK(e820_build(&map, RAM_SIZE) == LOADER_OK);
		if (rnd() % 8 == 0)
			CHECK(e820_add(&map, (rnd() % RAM_SIZE) & ~0xfffull, 0x1000 * (1 + rnd() % 0x800),
				       E820_RESERVED) == LOADER_OK);
		struct cpustate before = cpu;

		int r = load_len(len, cmdline, initrd, initrd_len);
		if (r == LOADER_OK) {
			ok++;
			CHECK(!strcmp(why, ""));
			uint64_t k = lay.kernel_addr, init = zp(H_INIT_SIZE, 4);
			uint64_t pref = zp(H_PREF_ADDRESS, 8), align = zp(H_KERNEL_ALIGNMENT, 4);
			uint64_t setup_len = ((img[H_SETUP_SECTS] ? img[H_SETUP_SECTS] : 4) + 1) * 512u;
			uint64_t code = zp(H_SYSSIZE, 4) * 16;
			CHECK(k == (img[H_RELOCATABLE] ? (pref + align - 1) & ~(align - 1) : pref));
			CHECK(k >= MiB && init >= code && code > 0 && init == lay.init_size);
			CHECK(k + init <= RAM_SIZE && e820_ram_extent(&map, k) >= init);
			CHECK(setup_len + code <= len);
			CHECK(memcmp(ram + k, img + setup_len, code) == 0);
			CHECK(cpu.rip == k + 0x200);
			CHECK(cpu.rsi == LINUX_ZERO_PAGE);
			CHECK(cpu.efer == 0x500);
			CHECK(cpu.cs.selector == 0x10);
			CHECK(zp(H_BOOT_FLAG, 2) == 0xaa55);
			CHECK(zp(H_HEADER, 4) == 0x53726448);
			CHECK(zp(H_VERSION, 2) >= 0x020c);
			CHECK((zp(H_LOADFLAGS, 1) & 0x81) == 0x81);
			CHECK(zp(H_XLOADFLAGS, 2) & 1);
			CHECK(zp(H_TYPE_OF_LOADER, 1) == 0xff);
			CHECK(zp(H_SETUP_DATA, 8) == 0);
			CHECK(zp(H_CMD_LINE_PTR, 4) == LINUX_CMDLINE);
			CHECK(cmd_len <= zp(H_CMDLINE_SIZE, 4));
			CHECK(!strcmp((char *)ram + LINUX_CMDLINE, cmdline));
			CHECK(zp(Z_E820_ENTRIES, 1) == map.count);
			uint64_t rd = lay.initrd_addr;
			CHECK(zp(H_RAMDISK_IMAGE, 4) == rd);
			CHECK(zp(H_RAMDISK_SIZE, 4) == initrd_len);
			if (initrd_len) {
				CHECK(rd % 0x1000 == 0 && rd >= MiB);
				CHECK(rd + initrd_len <= zp(H_INITRD_ADDR_MAX, 4) + 1);
				CHECK(rd + initrd_len <= k || rd >= k + init);
				CHECK(e820_ram_extent(&map, rd) >= initrd_len);
				CHECK(memcmp(ram + rd, initrd, initrd_len) == 0);
			} else {
				CHECK(rd == 0);
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
	ck_assert_uint_ge(refused, 20000);
}
END_TEST

/* ------------------------------------------------------------ a real kernel */

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

START_TEST(test_real_bzimage)
{
	const char *path = getenv("LINUX_BZIMAGE");
	glob_t g = { 0 };

	if (!path && glob("/boot/vmlinuz-*", 0, NULL, &g) == 0 && g.gl_pathc)
		path = g.gl_pathv[0];
	if (!path) {
		fprintf(stderr, "test_real_bzimage: no LINUX_BZIMAGE and no /boot/vmlinuz-*: not run\n");
		globfree(&g);
		return;
	}
	size_t len = 0;
	uint8_t *k = read_file(path, &len);
	ck_assert_msg(k != NULL, "cannot read %s", path);

	const uint64_t size = 256 * MiB;
	uint8_t *big = calloc(1, size);
	ck_assert_ptr_nonnull(big);
	ck_assert_int_eq(e820_build(&map, size), LOADER_OK);
	struct guest_ram m = { big, size, &map };
	static uint8_t initrd[0x20000];
	memset(initrd, 0x42, sizeof(initrd));
	struct linux_boot b = { k, len, initrd, sizeof(initrd), "console=ttyS0 earlyprintk=serial", 0 };
	int r = linux_load(&b, &m, &cpu, &lay, why, sizeof(why));
	ck_assert_msg(r == LOADER_OK, "%s refused: %s", path, why);

	uint64_t setup_len = ((k[H_SETUP_SECTS] ? k[H_SETUP_SECTS] : 4) + 1) * 512u;
	uint64_t pref = get64(k + H_PREF_ADDRESS), align = get32(k + H_KERNEL_ALIGNMENT);
	uint64_t payload = get32(k + H_PAYLOAD_OFFSET);
	fprintf(stderr,
		"test_real_bzimage: %s: protocol %#x, %zu bytes, kernel at %#llx, init_size %#llx, initrd at %#llx\n",
		path, lay.version, len, (unsigned long long)lay.kernel_addr,
		(unsigned long long)lay.init_size, (unsigned long long)lay.initrd_addr);
	ck_assert_uint_ge(lay.version, 0x020c);
	ck_assert_uint_eq(lay.kernel_addr, k[H_RELOCATABLE] ? (pref + align - 1) & ~(align - 1) : pref);
	ck_assert_uint_eq(cpu.rip, lay.kernel_addr + 0x200);
	ck_assert(memcmp(big + lay.kernel_addr, k + setup_len, lay.kernel_len) == 0);
	/* The compressed payload sits where payload_offset says, with a known magic. */
	const uint8_t *pl = big + lay.kernel_addr + payload;
	ck_assert((pl[0] == 0x1f && pl[1] == 0x8b) || (pl[0] == 0xfd && pl[1] == 0x37) ||
		  (pl[0] == 0x28 && pl[1] == 0xb5) || (pl[0] == 0x02 && pl[1] == 0x21) ||
		  (pl[0] == 0x5d && pl[1] == 0x00) || (pl[0] == 0x42 && pl[1] == 0x5a));
	ck_assert(lay.initrd_addr >= lay.kernel_addr + lay.init_size);
	ck_assert_uint_eq(big[LINUX_ZERO_PAGE + H_TYPE_OF_LOADER], 0xff);
	free(big);
	free(k);
	globfree(&g);
}
END_TEST

Suite *linux_loader_suite(void)
{
	Suite *s = suite_create("linux_loader");
	TCase *tc = tcase_create("valid");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_load_sets_the_64bit_entry_state);
	tcase_add_test(tc, test_gdt_holds_the_boot_selectors);
	tcase_add_test(tc, test_zero_page_fields);
	tcase_add_test(tc, test_header_copied_only_to_its_end);
	tcase_add_test(tc, test_code_and_cmdline_in_place);
	tcase_add_test(tc, test_only_the_documented_places_are_written);
	tcase_add_test(tc, test_page_tables_identity_map_4g);
	tcase_add_test(tc, test_setup_sects_zero_means_four);
	tcase_add_test(tc, test_kernel_placement);
	tcase_add_test(tc, test_initrd_placement);
	tcase_add_test(tc, test_initrd_avoids_reserved_ranges);
	suite_add_tcase(s, tc);

	tc = tcase_create("refused");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_refused_fields);
	tcase_add_test(tc, test_refused_non_relocatable_low);
	tcase_add_test(tc, test_refused_environment);
	tcase_add_test(tc, test_truncated_at_every_length);
	suite_add_tcase(s, tc);

	add_random_tcase(s, "fuzz", setup, teardown, test_random_mutations);

	tc = tcase_create("real");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_real_bzimage);
	suite_add_tcase(s, tc);
	return s;
}
