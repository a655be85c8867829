/* SPDX-License-Identifier: BSD-2-Clause */
/* Linux bzImage loader, 64-bit boot protocol (see linux.h). */
#include "linux.h"

/* Setup header fields: offsets in the bzImage file and in the zero page
 * alike (boot.rst, "The Real-Mode Kernel Header"). */
#define HDR_START            0x1f1   /* the header is copied from here */
#define HDR_SETUP_SECTS      0x1f1   /* u8: setup sectors after the boot sector, 0 means 4 */
#define HDR_SYSSIZE          0x1f4   /* u32: protected-mode code in 16-byte paragraphs */
#define HDR_VID_MODE         0x1fa   /* u16: video mode control */
#define HDR_BOOT_FLAG        0x1fe   /* u16: 0xAA55 */
#define HDR_JUMP             0x200   /* u8 0xEB, s8: the header ends at 0x202 + this */
#define HDR_HEADER           0x202   /* u32: "HdrS" */
#define HDR_VERSION          0x206   /* u16: protocol major << 8 | minor */
#define HDR_TYPE_OF_LOADER   0x210   /* u8 */
#define HDR_LOADFLAGS        0x211   /* u8 */
#define HDR_CODE32_START     0x214   /* u32: load address of the protected-mode code */
#define HDR_RAMDISK_IMAGE    0x218   /* u32 */
#define HDR_RAMDISK_SIZE     0x21c   /* u32 */
#define HDR_HEAP_END_PTR     0x224   /* u16 */
#define HDR_CMD_LINE_PTR     0x228   /* u32 */
#define HDR_INITRD_ADDR_MAX  0x22c   /* u32: highest byte the initrd may occupy */
#define HDR_KERNEL_ALIGNMENT 0x230   /* u32 */
#define HDR_RELOCATABLE      0x234   /* u8: nonzero if relocatable */
#define HDR_XLOADFLAGS       0x236   /* u16 */
#define HDR_CMDLINE_SIZE     0x238   /* u32: longest command line without the NUL */
#define HDR_HARDWARE_SUBARCH 0x23c   /* u32: 0 = PC */
#define HDR_SUBARCH_DATA     0x240   /* u64 */
#define HDR_SETUP_DATA       0x250   /* u64: list of struct setup_data */
#define HDR_PREF_ADDRESS     0x258   /* u64 */
#define HDR_INIT_SIZE        0x260   /* u32 */
#define HDR_END_MIN          0x264   /* the header must reach past init_size */

#define BOOT_FLAG_MAGIC      0xaa55u
#define HDRS_MAGIC           0x53726448u  /* "HdrS" little-endian */
#define PROTOCOL_MIN         0x020cu      /* 2.12: xloadflags, the 64-bit entry flag */
#define PROTOCOL_MAJOR       2u
#define SECTOR               512u
#define SETUP_SECTS_DEFAULT  4u           /* setup_sects 0 means 4 */
#define PARAGRAPH            16u          /* syssize unit */
#define LOADED_HIGH          0x01u        /* loadflags: a bzImage, loaded at 1 MiB or above */
#define CAN_USE_HEAP         0x80u        /* loadflags: heap_end_ptr is valid */
#define XLF_KERNEL_64        0x0001u      /* xloadflags: 64-bit entry at 0x200 */
#define LOADER_TYPE_UNDEFINED 0xffu       /* type_of_loader: no assigned id */
#define VID_MODE_NORMAL      0xffffu      /* vid_mode "normal" */
/* heap_end_ptr: boot.rst's sample layout (heap up to 0xe000 of the real-mode
 * segment) minus 0x200; the 64-bit entry runs no real-mode code, but the
 * field is obligatory. */
#define HEAP_END_PTR         (0xe000u - 0x200u)
#define KERNEL_ALIGN_MAX     0x40000000u  /* 1 GiB: more would be a corrupt field */

/* Zero page fields outside the setup header (zero-page.rst). */
#define ZP_ACPI_RSDP_ADDR    0x070   /* u64 */
#define ZP_EXT_RAMDISK_IMAGE 0x0c0   /* u32: ramdisk_image bits 63:32 */
#define ZP_EXT_RAMDISK_SIZE  0x0c4   /* u32 */
#define ZP_EXT_CMD_LINE_PTR  0x0c8   /* u32 */
#define ZP_E820_ENTRIES      0x1e8   /* u8 */
#define ZP_E820_TABLE        0x2d0   /* struct boot_e820_entry[128]: u64 addr, u64 size, u32 type */
#define ZP_E820_ENTRY_SIZE   20u
#define ZP_SIZE              0x1000u

/* Page table entries (SDM Vol. 3A, 4.5). */
#define PTE_P                0x001ull  /* present */
#define PTE_RW               0x002ull  /* writable */
#define PTE_PS               0x080ull  /* in a page directory: a 2 MiB page */
#define PAGE_SIZE            0x1000ull
#define PAGE_2M              0x200000ull
#define PT_ENTRIES           512u
#define IDENTITY_LIMIT       0x100000000ull   /* the page tables map 0-4 GiB */

/* The setup header fields linux_load uses, checked. */
struct setup {
	uint16_t version;
	uint8_t loadflags;
	uint32_t header_end;      /* offset just past the header */
	uint64_t setup_len;       /* boot sector + setup sectors, bytes */
	uint64_t code_len;        /* protected-mode code, bytes */
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t cmdline_size;
};

/* Where everything goes, decided before anything is written. */
struct placement {
	uint64_t kernel;
	uint64_t cmdline_len;
	uint64_t initrd;
};

/* Checks the header of the len bytes at k; fills *s. */
static int parse_setup(const uint8_t *k, size_t len, struct setup *s, struct loader_msg *msg)
{
	if (len < HDR_BOOT_FLAG + 2)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "boot_flag: image of %u bytes ends before the boot sector's end (512)",
				     len, 0, 0);
	if (loader_rd16(k + HDR_BOOT_FLAG) != BOOT_FLAG_MAGIC)
		return loader_refuse(msg, LOADER_EFORMAT, "boot_flag: 0x%x, not 0xaa55",
				     loader_rd16(k + HDR_BOOT_FLAG), 0, 0);
	if (len < HDR_VERSION + 2)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "header: image of %u bytes ends before the version field (0x208)",
				     len, 0, 0);
	if (loader_rd32(k + HDR_HEADER) != HDRS_MAGIC)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "header: 0x%x, not \"HdrS\" (0x53726448): protocol too old",
				     loader_rd32(k + HDR_HEADER), 0, 0);
	s->version = loader_rd16(k + HDR_VERSION);
	if (s->version >> 8 != PROTOCOL_MAJOR || s->version < PROTOCOL_MIN)
		return loader_refuse(msg, LOADER_EUNSUPPORTED,
				     "version: boot protocol %u.%u, need 2.12 or later 2.x (64-bit entry)",
				     s->version >> 8, s->version & 0xff, 0);
	/* The jump's signed offset doubles as the header's length. */
	s->header_end = (uint32_t)(HDR_HEADER + (int8_t)k[HDR_JUMP + 1]);
	if (s->header_end < HDR_END_MIN)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "jump: setup header ends at 0x%x, before init_size ends (0x264)",
				     s->header_end, 0, 0);

	unsigned sects = k[HDR_SETUP_SECTS] ? k[HDR_SETUP_SECTS] : SETUP_SECTS_DEFAULT;
	s->setup_len = (uint64_t)(sects + 1) * SECTOR;
	if (len < s->setup_len)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "setup_sects: image too short for %u setup sectors (%u bytes, need %u)",
				     sects, len, s->setup_len);
	/* From here on the whole header (< 0x290) is inside the image. */
	s->loadflags = k[HDR_LOADFLAGS];
	if (!(s->loadflags & LOADED_HIGH))
		return loader_refuse(msg, LOADER_EUNSUPPORTED,
				     "loadflags: LOADED_HIGH clear: a zImage, not a bzImage", 0, 0, 0);
	uint16_t xloadflags = loader_rd16(k + HDR_XLOADFLAGS);
	if (!(xloadflags & XLF_KERNEL_64))
		return loader_refuse(msg, LOADER_EUNSUPPORTED,
				     "xloadflags: 0x%x, XLF_KERNEL_64 clear: no 64-bit entry point",
				     xloadflags, 0, 0);
	uint32_t syssize = loader_rd32(k + HDR_SYSSIZE);
	s->code_len = (uint64_t)syssize * PARAGRAPH;
	if (!syssize)
		return loader_refuse(msg, LOADER_EFORMAT, "syssize: 0, no protected-mode code", 0, 0, 0);
	if (s->code_len > len - s->setup_len)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "syssize: image too short for 0x%x bytes of protected-mode code after 0x%x bytes of setup (has 0x%x)",
				     s->code_len, s->setup_len, len - s->setup_len);
	s->init_size = loader_rd32(k + HDR_INIT_SIZE);
	if (s->init_size < s->code_len)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "init_size: 0x%x, smaller than the protected-mode code (0x%x)",
				     s->init_size, s->code_len, 0);
	s->relocatable = k[HDR_RELOCATABLE] != 0;
	s->kernel_alignment = loader_rd32(k + HDR_KERNEL_ALIGNMENT);
	if (s->relocatable && (s->kernel_alignment == 0 || s->kernel_alignment > KERNEL_ALIGN_MAX ||
			       (s->kernel_alignment & (s->kernel_alignment - 1))))
		return loader_refuse(msg, LOADER_EFORMAT,
				     "kernel_alignment: 0x%x, not a power of two up to 1 GiB",
				     s->kernel_alignment, 0, 0);
	s->pref_address = loader_rd64(k + HDR_PREF_ADDRESS);
	s->initrd_addr_max = loader_rd32(k + HDR_INITRD_ADDR_MAX);
	s->cmdline_size = loader_rd32(k + HDR_CMDLINE_SIZE);
	return LOADER_OK;
}

/*
 * The highest page-aligned address for len bytes in usable RAM of mem
 * between LINUX_LOAD_MIN and limit, outside [k0, k1); 0 if there is none.
 */
static uint64_t place_initrd(const struct guest_ram *mem, uint64_t len, uint64_t limit,
			     uint64_t k0, uint64_t k1)
{
	const struct e820_map *map = mem->map;
	uint64_t best = 0;

	for (unsigned i = 0; i < map->count && i < E820_MAX_ENTRIES; i++) {
		const struct e820_entry *e = &map->entry[i];
		if (e->type != E820_RAM || e->size > UINT64_MAX - e->addr)
			continue;
		uint64_t lo = e->addr > LINUX_LOAD_MIN ? e->addr : LINUX_LOAD_MIN;
		uint64_t hi = e->addr + e->size;
		hi = hi < limit ? hi : limit;
		hi = hi < mem->size ? hi : mem->size;
		/* The parts of [lo, hi) below and above the kernel. */
		const uint64_t part[2][2] = { { lo, hi < k0 ? hi : k0 }, { lo > k1 ? lo : k1, hi } };
		for (unsigned p = 0; p < 2; p++) {
			uint64_t a = part[p][0], b = part[p][1];
			if (b <= a || b - a < len)
				continue;
			uint64_t at = (b - len) & ~(PAGE_SIZE - 1);
			if (at >= a && at > best)
				best = at;
		}
	}
	return best;
}

/* Decides where kernel, command line and initrd go, or why they cannot. */
static int place(const struct linux_boot *boot, const struct guest_ram *mem, const struct setup *s,
		 struct placement *pl, struct loader_msg *msg)
{
	const struct e820_map *map = mem->map;

	if (map->count == 0 || map->count > E820_MAX_ENTRIES)
		return loader_refuse(msg, LOADER_EINVAL, "e820: %u entries; the zero page takes 1 to 128",
				     map->count, 0, 0);
	if (!guest_ram_usable(mem, BOOT_GDT_ADDR, LINUX_BOOT_END - BOOT_GDT_ADDR))
		return loader_refuse(msg, LOADER_ENOSPACE,
				     "e820: the boot area 0x%x-0x%x is not usable guest RAM",
				     BOOT_GDT_ADDR, LINUX_BOOT_END, 0);

	/* boot.rst: the runtime start is the load address aligned up to
	 * kernel_alignment (relocatable), else pref_address. */
	uint64_t at = s->pref_address;
	if (s->relocatable) {
		uint64_t mask = (uint64_t)s->kernel_alignment - 1;
		if (at > UINT64_MAX - mask)
			return loader_refuse(msg, LOADER_EFORMAT,
					     "pref_address: 0x%x cannot be aligned to 0x%x", at,
					     s->kernel_alignment, 0);
		at = (at + mask) & ~mask;
	}
	if (at < LINUX_LOAD_MIN)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "pref_address: kernel at 0x%x, below 1 MiB (the boot area)", at, 0, 0);
	if (at >= IDENTITY_LIMIT || s->init_size > IDENTITY_LIMIT - at)
		return loader_refuse(msg, LOADER_ENOSPACE,
				     "pref_address: kernel at 0x%x with init_size 0x%x ends above 4 GiB",
				     at, s->init_size, 0);
	if (!guest_ram_usable(mem, at, s->init_size))
		return loader_refuse(msg, LOADER_ENOSPACE,
				     "init_size: the kernel needs 0x%x bytes at 0x%x, not usable guest RAM",
				     s->init_size, at, 0);
	pl->kernel = at;

	pl->cmdline_len = loader_strlen(boot->cmdline, LINUX_CMDLINE_MAX);
	if (pl->cmdline_len > LINUX_CMDLINE_MAX)
		return loader_refuse(msg, LOADER_EINVAL,
				     "cmdline: longer than the loader's %u-byte area", LINUX_CMDLINE_MAX,
				     0, 0);
	if (pl->cmdline_len > s->cmdline_size)
		return loader_refuse(msg, LOADER_EINVAL,
				     "cmdline_size: command line of %u bytes, the kernel takes at most %u",
				     pl->cmdline_len, s->cmdline_size, 0);

	pl->initrd = 0;
	if (boot->initrd_len) {
		uint64_t limit = (uint64_t)s->initrd_addr_max + 1;
		pl->initrd = place_initrd(mem, boot->initrd_len, limit, at, at + s->init_size);
		if (!pl->initrd)
			return loader_refuse(msg, LOADER_ENOSPACE,
					     "initrd_addr_max: no usable RAM for a %u-byte initrd below 0x%x outside the kernel",
					     boot->initrd_len, limit, 0);
	}
	return LOADER_OK;
}

/* The zero page: the image's setup header, then what the loader fills in. */
static void write_zero_page(const struct linux_boot *boot, const struct guest_ram *mem,
			    const struct setup *s, const struct placement *pl)
{
	const uint64_t zp = LINUX_ZERO_PAGE;
	const struct e820_map *map = mem->map;

	guest_ram_fill(mem, zp, 0, ZP_SIZE);
	guest_ram_write(mem, zp + HDR_START, boot->kernel + HDR_START, s->header_end - HDR_START);

	guest_ram_put16(mem, zp + HDR_VID_MODE, VID_MODE_NORMAL);
	mem->ram[zp + HDR_TYPE_OF_LOADER] = LOADER_TYPE_UNDEFINED;
	mem->ram[zp + HDR_LOADFLAGS] = (uint8_t)(s->loadflags | CAN_USE_HEAP);
	guest_ram_put16(mem, zp + HDR_HEAP_END_PTR, HEAP_END_PTR);
	guest_ram_put32(mem, zp + HDR_CODE32_START, (uint32_t)pl->kernel);
	guest_ram_put32(mem, zp + HDR_CMD_LINE_PTR, LINUX_CMDLINE);
	guest_ram_put32(mem, zp + ZP_EXT_CMD_LINE_PTR, 0);
	guest_ram_put32(mem, zp + HDR_RAMDISK_IMAGE, (uint32_t)pl->initrd);
	guest_ram_put32(mem, zp + ZP_EXT_RAMDISK_IMAGE, (uint32_t)(pl->initrd >> 32));
	guest_ram_put32(mem, zp + HDR_RAMDISK_SIZE, (uint32_t)boot->initrd_len);
	guest_ram_put32(mem, zp + ZP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)boot->initrd_len >> 32));
	/* Fields the image may carry but only a loader may set: a PC, no setup_data list. */
	guest_ram_put32(mem, zp + HDR_HARDWARE_SUBARCH, 0);
	guest_ram_put64(mem, zp + HDR_SUBARCH_DATA, 0);
	guest_ram_put64(mem, zp + HDR_SETUP_DATA, 0);
	guest_ram_put64(mem, zp + ZP_ACPI_RSDP_ADDR, boot->acpi_rsdp);

	mem->ram[zp + ZP_E820_ENTRIES] = (uint8_t)map->count;
	for (unsigned i = 0; i < map->count; i++) {
		uint64_t e = zp + ZP_E820_TABLE + (uint64_t)i * ZP_E820_ENTRY_SIZE;
		guest_ram_put64(mem, e, map->entry[i].addr);
		guest_ram_put64(mem, e + 8, map->entry[i].size);
		guest_ram_put32(mem, e + 16, map->entry[i].type);
	}
}

/* PML4[0] -> PDPT[0..3] -> four page directories of 2 MiB pages: 0-4 GiB identity. */
static void write_page_tables(const struct guest_ram *mem)
{
	guest_ram_fill(mem, LINUX_PML4, 0, PAGE_SIZE * (2 + LINUX_PD_COUNT));
	guest_ram_put64(mem, LINUX_PML4, LINUX_PDPT | PTE_P | PTE_RW);
	for (unsigned d = 0; d < LINUX_PD_COUNT; d++) {
		uint64_t pd = LINUX_PD + d * PAGE_SIZE;
		guest_ram_put64(mem, LINUX_PDPT + 8 * d, pd | PTE_P | PTE_RW);
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			uint64_t page = ((uint64_t)d * PT_ENTRIES + i) * PAGE_2M;
			guest_ram_put64(mem, pd + 8 * i, page | PTE_P | PTE_RW | PTE_PS);
		}
	}
}

int linux_load(const struct linux_boot *boot, const struct guest_ram *mem, struct cpustate *cpu,
	       struct linux_layout *out, char *msg_buf, size_t msg_size)
{
	struct loader_msg msg = { msg_buf, msg_size };
	struct setup s = { 0 };
	struct placement pl = { 0 };
	int r;

	loader_refuse(&msg, LOADER_OK, "", 0, 0, 0);
	if (!boot || !mem || !mem->ram || !mem->map || !cpu || (!boot->kernel && boot->kernel_len) ||
	    (!boot->initrd && boot->initrd_len))
		return loader_refuse(&msg, LOADER_EINVAL, "linux_load: missing argument", 0, 0, 0);
	r = parse_setup(boot->kernel, boot->kernel ? boot->kernel_len : 0, &s, &msg);
	if (r)
		return r;
	r = place(boot, mem, &s, &pl, &msg);
	if (r)
		return r;

	/* Everything is checked: from here on every write lands inside RAM. */
	write_zero_page(boot, mem, &s, &pl);
	guest_ram_write(mem, LINUX_CMDLINE, boot->cmdline, pl.cmdline_len);
	mem->ram[LINUX_CMDLINE + pl.cmdline_len] = '\0';
	guest_ram_write(mem, pl.kernel, boot->kernel + s.setup_len, s.code_len);
	if (boot->initrd_len)
		guest_ram_write(mem, pl.initrd, boot->initrd, boot->initrd_len);
	boot_gdt_write(mem->ram + BOOT_GDT_ADDR);
	write_page_tables(mem);

	cpustate_boot_flat(cpu, BOOT_SEL_CODE64);
	cpu->rip = pl.kernel + LINUX_ENTRY_64;
	cpu->rsi = LINUX_ZERO_PAGE;
	cpu->rsp = LINUX_STACK_TOP;
	cpu->cr0 = CPU_CR0_PE | CPU_CR0_ET | CPU_CR0_NE | CPU_CR0_PG;
	cpu->cr3 = LINUX_PML4;
	cpu->cr4 = CPU_CR4_PAE;
	cpu->efer = CPU_EFER_LME | CPU_EFER_LMA;

	if (out)
		*out = (struct linux_layout){
			.version = s.version,
			.kernel_addr = pl.kernel,
			.kernel_len = s.code_len,
			.init_size = s.init_size,
			.entry = pl.kernel + LINUX_ENTRY_64,
			.zero_page = LINUX_ZERO_PAGE,
			.cmdline_addr = LINUX_CMDLINE,
			.cmdline_len = pl.cmdline_len,
			.initrd_addr = pl.initrd,
			.initrd_len = boot->initrd_len,
		};
	return LOADER_OK;
}
