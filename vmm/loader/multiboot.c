/* SPDX-License-Identifier: BSD-2-Clause */
/* Multiboot v1 loader (see multiboot.h). */
#include "multiboot.h"

/* Multiboot header: offsets from its start (spec 3.1.1). */
#define MBH_MAGIC          0
#define MBH_FLAGS          4
#define MBH_CHECKSUM       8
#define MBH_HEADER_ADDR    12   /* the a.out kludge fields, valid with flags bit 16 */
#define MBH_LOAD_ADDR      16
#define MBH_LOAD_END_ADDR  20
#define MBH_BSS_END_ADDR   24
#define MBH_ENTRY_ADDR     28
#define MBH_SIZE_BASIC     12u
#define MBH_SIZE_KLUDGE    32u
#define MBH_ALIGN          4u   /* the header is 32-bit aligned */
#define MB_FLAGS_KNOWN     (MB_FLAG_PAGE_ALIGN | MB_FLAG_MEMORY_INFO | MB_FLAG_VIDEO_MODE)

/* ELF32 (System V ABI, Intel386 supplement). */
#define EI_CLASS           4
#define EI_DATA            5
#define EI_VERSION         6
#define ELFCLASS32         1
#define ELFDATA2LSB        1
#define EV_CURRENT         1
#define ET_EXEC            2
#define EM_386             3
#define PT_LOAD            1
#define E_TYPE             16   /* Elf32_Ehdr field offsets */
#define E_MACHINE          18
#define E_VERSION          20
#define E_ENTRY            24
#define E_PHOFF            28
#define E_PHENTSIZE        42
#define E_PHNUM            44
#define EHDR32_SIZE        52u
#define P_TYPE             0    /* Elf32_Phdr field offsets */
#define P_OFFSET           4
#define P_VADDR            8
#define P_PADDR            12
#define P_FILESZ           16
#define P_MEMSZ            20
#define PHDR32_SIZE        32u

#define PAGE_SIZE          0x1000ull
#define ADDR_LIMIT         0x100000000ull   /* multiboot addresses are 32-bit */
#define KIB                1024u
#define MEM_LOWER_MAX      0xa0000ull       /* lower memory ends at 640 KiB */
#define MMAP_ENTRY_SIZE_FIELD 20u           /* an entry's size field: the bytes after it */
#define MSG_STRING_MAX     40u              /* characters of a module's string in a message */

/* A range of the image to load: filesz bytes from the file, then zeros to memsz. */
struct segment {
	unsigned index;      /* program header number, for messages */
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t offset;
	uint64_t filesz;
	uint64_t memsz;
};

struct image {
	uint32_t header_offset;
	uint32_t flags;
	bool kludge;
	unsigned count;
	struct segment seg[MB_MAX_SEGMENTS];
	uint64_t entry;
	uint64_t start, end;
};

static uint64_t align_page(uint64_t v)
{
	return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* The first header whose checksum holds; the first bad checksum names the fault. */
static int find_header(const uint8_t *p, size_t len, struct image *im, struct loader_msg *msg)
{
	size_t limit = len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT;
	bool bad = false;
	uint32_t bad_off = 0, bad_sum = 0;

	for (size_t off = 0; off + MBH_SIZE_BASIC <= limit; off += MBH_ALIGN) {
		if (loader_rd32(p + off + MBH_MAGIC) != MB_HEADER_MAGIC)
			continue;
		uint32_t flags = loader_rd32(p + off + MBH_FLAGS);
		uint32_t sum = MB_HEADER_MAGIC + flags + loader_rd32(p + off + MBH_CHECKSUM);
		if (sum) {
			if (!bad) {
				bad = true;
				bad_off = (uint32_t)off;
				bad_sum = sum;
			}
			continue;
		}
		im->header_offset = (uint32_t)off;
		im->flags = flags;
		return LOADER_OK;
	}
	if (bad)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "checksum: header at 0x%x: magic + flags + checksum = 0x%x, not 0",
				     bad_off, bad_sum, 0);
	return loader_refuse(msg, LOADER_EFORMAT,
			     "magic: no multiboot header (0x1badb002) in the first %u bytes", limit, 0, 0);
}

/* The a.out kludge: one range described by the header's address fields. */
static int parse_kludge(const uint8_t *p, size_t len, struct image *im, struct loader_msg *msg)
{
	uint64_t off = im->header_offset;

	if (off + MBH_SIZE_KLUDGE > len || off + MBH_SIZE_KLUDGE > MB_SEARCH_LIMIT)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "flags: bit 16 set but the address fields end at 0x%x, past the image's first %u bytes",
				     off + MBH_SIZE_KLUDGE, len < MB_SEARCH_LIMIT ? len : MB_SEARCH_LIMIT, 0);
	const uint8_t *h = p + off;
	uint64_t header_addr = loader_rd32(h + MBH_HEADER_ADDR), load = loader_rd32(h + MBH_LOAD_ADDR);
	uint64_t load_end = loader_rd32(h + MBH_LOAD_END_ADDR);
	uint64_t bss_end = loader_rd32(h + MBH_BSS_END_ADDR);

	if (load > header_addr)
		return loader_refuse(msg, LOADER_EFORMAT, "load_addr: 0x%x above header_addr 0x%x", load,
				     header_addr, 0);
	if (header_addr - load > off)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "header_addr: 0x%x puts load_addr 0x%x before the start of the image (header at offset 0x%x)",
				     header_addr, load, off);
	uint64_t file_off = off - (header_addr - load), avail = len - file_off, file_len;
	if (!load_end) {
		file_len = avail;   /* text and data are the rest of the file */
	} else if (load_end < load) {
		return loader_refuse(msg, LOADER_EFORMAT, "load_end_addr: 0x%x below load_addr 0x%x",
				     load_end, load, 0);
	} else if (load_end - load > avail) {
		return loader_refuse(msg, LOADER_EFORMAT,
				     "load_end_addr: 0x%x past the end of the image (0x%x bytes from load_addr)",
				     load_end, avail, 0);
	} else {
		file_len = load_end - load;
	}
	uint64_t end = load + file_len;
	if (bss_end) {
		if (bss_end < end)
			return loader_refuse(msg, LOADER_EFORMAT,
					     "bss_end_addr: 0x%x below the end of the loaded image 0x%x",
					     bss_end, end, 0);
		end = bss_end;
	}
	im->kludge = true;
	im->count = 1;
	im->seg[0] = (struct segment){ .paddr = load, .vaddr = load, .offset = file_off,
				       .filesz = file_len, .memsz = end - load };
	im->entry = loader_rd32(h + MBH_ENTRY_ADDR);
	if (im->entry < load || im->entry >= end)
		return loader_refuse(msg, LOADER_EFORMAT, "entry_addr: 0x%x outside the image 0x%x-0x%x",
				     im->entry, load, end);
	return LOADER_OK;
}

/* ELF32: every PT_LOAD segment at its physical address. */
static int parse_elf(const uint8_t *p, size_t len, struct image *im, struct loader_msg *msg)
{
	if (len < EHDR32_SIZE)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "e_ident: image of %u bytes is shorter than an ELF32 header (52) and flags bit 16 is clear",
				     len, 0, 0);
	if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
		return loader_refuse(msg, LOADER_EFORMAT,
				     "e_ident: not an ELF image, and flags bit 16 (a.out kludge) is clear",
				     0, 0, 0);
	if (p[EI_CLASS] != ELFCLASS32)
		return loader_refuse(msg, LOADER_EUNSUPPORTED,
				     "e_ident: class %u, not ELFCLASS32 (1); other images need flags bit 16",
				     p[EI_CLASS], 0, 0);
	if (p[EI_DATA] != ELFDATA2LSB)
		return loader_refuse(msg, LOADER_EFORMAT, "e_ident: data encoding %u, not little-endian (1)",
				     p[EI_DATA], 0, 0);
	if (p[EI_VERSION] != EV_CURRENT || loader_rd32(p + E_VERSION) != EV_CURRENT)
		return loader_refuse(msg, LOADER_EFORMAT, "e_version: %u/%u, not EV_CURRENT (1)",
				     p[EI_VERSION], loader_rd32(p + E_VERSION), 0);
	if (loader_rd16(p + E_TYPE) != ET_EXEC)
		return loader_refuse(msg, LOADER_EFORMAT, "e_type: %u, not ET_EXEC (2)", loader_rd16(p + E_TYPE),
				     0, 0);
	if (loader_rd16(p + E_MACHINE) != EM_386)
		return loader_refuse(msg, LOADER_EUNSUPPORTED, "e_machine: %u, not EM_386 (3)",
				     loader_rd16(p + E_MACHINE), 0, 0);
	if (loader_rd16(p + E_PHENTSIZE) != PHDR32_SIZE)
		return loader_refuse(msg, LOADER_EFORMAT, "e_phentsize: %u, not 32",
				     loader_rd16(p + E_PHENTSIZE), 0, 0);
	uint64_t phoff = loader_rd32(p + E_PHOFF), phnum = loader_rd16(p + E_PHNUM);
	if (!phnum)
		return loader_refuse(msg, LOADER_EFORMAT, "e_phnum: 0, no program headers", 0, 0, 0);
	if (phoff > len || phnum * PHDR32_SIZE > len - phoff)
		return loader_refuse(msg, LOADER_EFORMAT,
				     "e_phoff: program headers 0x%x-0x%x past the end of the image (0x%x bytes)",
				     phoff, phoff + phnum * PHDR32_SIZE, len);

	im->kludge = false;
	im->count = 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (uint64_t)i * PHDR32_SIZE;
		struct segment s = {
			.index = i, .paddr = loader_rd32(ph + P_PADDR), .vaddr = loader_rd32(ph + P_VADDR),
			.offset = loader_rd32(ph + P_OFFSET), .filesz = loader_rd32(ph + P_FILESZ),
			.memsz = loader_rd32(ph + P_MEMSZ),
		};
		if (loader_rd32(ph + P_TYPE) != PT_LOAD || !s.memsz)
			continue;
		if (im->count == MB_MAX_SEGMENTS)
			return loader_refuse(msg, LOADER_EUNSUPPORTED,
					     "e_phnum: more than %u loadable segments", MB_MAX_SEGMENTS, 0, 0);
		if (s.filesz > s.memsz)
			return loader_refuse(msg, LOADER_EFORMAT,
					     "p_filesz: segment %u: 0x%x exceeds p_memsz 0x%x", i, s.filesz,
					     s.memsz);
		if (s.offset > len || s.filesz > len - s.offset)
			return loader_refuse(msg, LOADER_EFORMAT,
					     "p_offset: segment %u: file bytes 0x%x-0x%x past the end of the image",
					     i, s.offset, s.offset + s.filesz);
		im->seg[im->count++] = s;
	}
	if (!im->count)
		return loader_refuse(msg, LOADER_EFORMAT, "e_phnum: no loadable segment", 0, 0, 0);

	uint64_t entry = loader_rd32(p + E_ENTRY);
	for (unsigned i = 0; i < im->count; i++) {
		const struct segment *s = &im->seg[i];
		if (entry >= s->vaddr && entry - s->vaddr < s->memsz) {
			im->entry = entry - s->vaddr + s->paddr;
			return LOADER_OK;
		}
	}
	return loader_refuse(msg, LOADER_EFORMAT, "e_entry: 0x%x is in no loadable segment", entry, 0,
			     0);
}

/* Every range inside 4 GiB, in usable RAM above the boot area, no two overlapping. */
static int check_ranges(const struct guest_ram *mem, struct image *im, struct loader_msg *msg)
{
	/* The a.out fields and the ELF fields have their own names. */
	const char *const above_4g[2] = {
		"p_paddr: segment %u at 0x%x, 0x%x bytes: ends above 4 GiB",
		"load_addr: image at 0x%x, 0x%x bytes: ends above 4 GiB",
	};
	const char *const low[2] = {
		"p_paddr: segment %u at 0x%x overlaps the boot information below 0x%x",
		"load_addr: image at 0x%x overlaps the boot information below 0x%x",
	};
	const char *const not_ram[2] = {
		"p_paddr: segment %u at 0x%x, 0x%x bytes: not usable guest RAM",
		"load_addr: image at 0x%x, 0x%x bytes: not usable guest RAM",
	};
	unsigned k = im->kludge;

	im->start = UINT64_MAX;
	im->end = 0;
	for (unsigned i = 0; i < im->count; i++) {
		const struct segment *s = &im->seg[i];
		/* ELF messages start with the segment number, kludge ones do not. */
		uint64_t a0 = k ? s->paddr : s->index, a1 = k ? s->memsz : s->paddr, a2 = k ? 0 : s->memsz;
		if (s->paddr + s->memsz > ADDR_LIMIT)
			return loader_refuse(msg, LOADER_ENOSPACE, above_4g[k], a0, a1, a2);
		if (s->paddr < MB_LOAD_MIN)
			return loader_refuse(msg, LOADER_ENOSPACE, low[k], a0, k ? MB_LOAD_MIN : a1,
					     MB_LOAD_MIN);
		if (!guest_ram_usable(mem, s->paddr, s->memsz))
			return loader_refuse(msg, LOADER_ENOSPACE, not_ram[k], a0, a1, a2);
		for (unsigned j = 0; j < i; j++) {
			const struct segment *o = &im->seg[j];
			if (s->paddr < o->paddr + o->memsz && o->paddr < s->paddr + s->memsz)
				return loader_refuse(msg, LOADER_EFORMAT,
						     "p_paddr: segments %u and %u overlap", o->index,
						     s->index, 0);
		}
		if (s->paddr < im->start)
			im->start = s->paddr;
		if (s->paddr + s->memsz > im->end)
			im->end = s->paddr + s->memsz;
	}
	return LOADER_OK;
}

/* Writes the string (NUL-terminated) at *at and moves *at past it. */
static uint32_t put_string(const struct guest_ram *mem, uint64_t *at, const char *str,
			   uint64_t len)
{
	uint64_t addr = *at;

	guest_ram_write(mem, addr, str, len);
	guest_ram_fill(mem, addr + len, 0, 1);
	*at = addr + len + 1;
	return (uint32_t)addr;
}

/* The map is one a guest can take and leaves room for the boot information. */
static int check_map(const struct guest_ram *mem, struct loader_msg *msg)
{
	const struct e820_map *map = mem->map;

	if (map->count == 0 || map->count > E820_MAX_ENTRIES)
		return loader_refuse(msg, LOADER_EINVAL, "e820: %u entries; the memory map takes 1 to 128",
				     map->count, 0, 0);
	if (!guest_ram_usable(mem, BOOT_GDT_ADDR, MB_STACK_TOP - BOOT_GDT_ADDR))
		return loader_refuse(msg, LOADER_ENOSPACE,
				     "e820: the boot area 0x%x-0x%x is not usable guest RAM",
				     BOOT_GDT_ADDR, MB_STACK_TOP, 0);
	return LOADER_OK;
}

/* Appends up to max characters of s to the message (not a format: '%' is a '%'). */
static void msg_append(struct loader_msg *msg, const char *s, uint64_t max)
{
	size_t pos = 0;

	if (!msg->buf || !msg->size)
		return;
	while (pos + 1 < msg->size && msg->buf[pos])
		pos++;
	for (uint64_t i = 0; s[i] && i < max && pos + 1 < msg->size; i++)
		msg->buf[pos++] = s[i];
	msg->buf[pos] = '\0';
}

/*
 * Refuses module i: "modules: module I \"STRING\" WHY" (WHY: fmt with a and
 * b), naming it by its string (the VMM's start with the module's name), cut
 * to MSG_STRING_MAX characters; without a string "modules: module I WHY".
 */
static int refuse_module(struct loader_msg *msg, int status, unsigned i, const char *string,
			 const char *fmt, uint64_t a, uint64_t b)
{
	loader_refuse(msg, status, "modules: module %u ", i, 0, 0);
	if (string && string[0]) {
		msg_append(msg, "\"", 1);
		msg_append(msg, string, MSG_STRING_MAX);
		msg_append(msg, loader_strlen(string, MSG_STRING_MAX) > MSG_STRING_MAX ? "...\" " : "\" ", 5);
	}
	loader_note(msg, fmt, a, b, 0);
	return status;
}

/* Module placement and the room the strings need, checked before loading. */
static int check_boot_data(const struct multiboot_boot *boot, const struct guest_ram *mem,
			   const struct image *im, uint64_t *mod_addr, struct loader_msg *msg)
{
	const uint64_t room = MB_STRINGS_END - MB_STRINGS_ADDR;

	if (boot->module_count > MB_MAX_MODULES)
		return loader_refuse(msg, LOADER_EINVAL, "modules: %u, the loader takes at most %u",
				     boot->module_count, MB_MAX_MODULES, 0);

	uint64_t strings = loader_strlen(boot->cmdline, room) + 1 + sizeof(MB_LOADER_NAME);
	uint64_t at = align_page(im->end);
	for (unsigned i = 0; i < boot->module_count; i++) {
		const struct mb_module *m = &boot->modules[i];
		uint64_t len = m->len;
		if (!m->data && len)
			return refuse_module(msg, LOADER_EINVAL, i, m->cmdline, "has no data", 0, 0);
		if (at >= ADDR_LIMIT || len > ADDR_LIMIT - at || !guest_ram_usable(mem, at, len ? len : 1))
			return refuse_module(msg, LOADER_ENOSPACE, i, m->cmdline,
					     "(0x%x bytes) does not fit in usable RAM at 0x%x", len, at);
		mod_addr[i] = at;
		at = align_page(at + len);
		strings += loader_strlen(m->cmdline, room) + 1;
	}
	if (strings > room)
		return loader_refuse(msg, LOADER_EINVAL,
				     "cmdline: command line and module strings exceed the loader's %u-byte area",
				     room, 0, 0);
	return LOADER_OK;
}

/* struct multiboot_info, its module list, memory map and strings. */
static void write_info(const struct multiboot_boot *boot, const struct guest_ram *mem,
		       const uint64_t *mod_addr)
{
	const struct e820_map *map = mem->map;
	const uint64_t info = MB_INFO_ADDR;
	uint64_t str = MB_STRINGS_ADDR;
	uint32_t flags = MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MMAP | MB_INFO_LOADER_NAME;

	guest_ram_fill(mem, MB_INFO_ADDR, 0, MB_STRINGS_END - MB_INFO_ADDR);

	uint64_t lower = e820_ram_extent(map, 0), upper = e820_ram_extent(map, E820_HIGH_RAM_START);
	lower = lower < MEM_LOWER_MAX ? lower : MEM_LOWER_MAX;
	upper /= KIB;
	guest_ram_put32(mem, info + MB_INFO_OFF_MEM_LOWER, (uint32_t)(lower / KIB));
	guest_ram_put32(mem, info + MB_INFO_OFF_MEM_UPPER,
			upper > UINT32_MAX ? UINT32_MAX : (uint32_t)upper);

	uint64_t len = loader_strlen(boot->cmdline, MB_STRINGS_END - MB_STRINGS_ADDR);
	guest_ram_put32(mem, info + MB_INFO_OFF_CMDLINE, put_string(mem, &str, boot->cmdline, len));
	guest_ram_put32(mem, info + MB_INFO_OFF_LOADER_NAME,
		   put_string(mem, &str, MB_LOADER_NAME, sizeof(MB_LOADER_NAME) - 1));

	if (boot->module_count) {
		flags |= MB_INFO_MODS;
		guest_ram_put32(mem, info + MB_INFO_OFF_MODS_COUNT, boot->module_count);
		guest_ram_put32(mem, info + MB_INFO_OFF_MODS_ADDR, MB_MODS_ADDR);
	}
	for (unsigned i = 0; i < boot->module_count; i++) {
		const struct mb_module *m = &boot->modules[i];
		uint64_t e = MB_MODS_ADDR + (uint64_t)i * MB_MODULE_SIZE;
		guest_ram_put32(mem, e, (uint32_t)mod_addr[i]);
		guest_ram_put32(mem, e + 4, (uint32_t)(mod_addr[i] + m->len));
		len = loader_strlen(m->cmdline, MB_STRINGS_END - MB_STRINGS_ADDR);
		guest_ram_put32(mem, e + 8, put_string(mem, &str, m->cmdline, len));
	}

	for (unsigned i = 0; i < map->count; i++) {
		uint64_t e = MB_MMAP_ADDR + (uint64_t)i * MB_MMAP_ENTRY_SIZE;
		guest_ram_put32(mem, e, MMAP_ENTRY_SIZE_FIELD);
		guest_ram_put64(mem, e + 4, map->entry[i].addr);
		guest_ram_put64(mem, e + 12, map->entry[i].size);
		guest_ram_put32(mem, e + 20, map->entry[i].type);
	}
	guest_ram_put32(mem, info + MB_INFO_OFF_MMAP_LENGTH, map->count * MB_MMAP_ENTRY_SIZE);
	guest_ram_put32(mem, info + MB_INFO_OFF_MMAP_ADDR, MB_MMAP_ADDR);
	guest_ram_put32(mem, info + MB_INFO_OFF_FLAGS, flags);
}

int multiboot_load(const struct multiboot_boot *boot, const struct guest_ram *mem,
		   struct cpustate *cpu, struct multiboot_layout *out, char *msg_buf, size_t msg_size)
{
	struct loader_msg msg = { msg_buf, msg_size };
	struct image im = { 0 };
	uint64_t mod_addr[MB_MAX_MODULES] = { 0 };
	int r;

	loader_refuse(&msg, LOADER_OK, "", 0, 0, 0);
	if (!boot || !mem || !mem->ram || !mem->map || !cpu || (!boot->image && boot->image_len) ||
	    (!boot->modules && boot->module_count))
		return loader_refuse(&msg, LOADER_EINVAL, "multiboot_load: missing argument", 0, 0, 0);
	const uint8_t *p = boot->image;
	size_t len = p ? boot->image_len : 0;

	r = check_map(mem, &msg);
	if (r)
		return r;
	r = find_header(p, len, &im, &msg);
	if (r)
		return r;
	uint32_t unknown = im.flags & MB_FLAGS_REQUIRED & ~MB_FLAGS_KNOWN;
	if (unknown)
		return loader_refuse(&msg, LOADER_EUNSUPPORTED,
				     "flags: 0x%x requires bit %u, unknown to this loader", im.flags,
				     (uint64_t)__builtin_ctz(unknown), 0);
	r = im.flags & MB_FLAG_AOUT_KLUDGE ? parse_kludge(p, len, &im, &msg)
					   : parse_elf(p, len, &im, &msg);
	if (r)
		return r;
	r = check_ranges(mem, &im, &msg);
	if (r)
		return r;
	r = check_boot_data(boot, mem, &im, mod_addr, &msg);
	if (r)
		return r;

	/* Everything is checked: from here on every write lands inside RAM. */
	for (unsigned i = 0; i < im.count; i++) {
		const struct segment *s = &im.seg[i];
		guest_ram_write(mem, s->paddr, p + s->offset, s->filesz);
		guest_ram_fill(mem, s->paddr + s->filesz, 0, s->memsz - s->filesz);
	}
	for (unsigned i = 0; i < boot->module_count; i++)
		guest_ram_write(mem, mod_addr[i], boot->modules[i].data, boot->modules[i].len);
	boot_gdt_write(mem->ram + BOOT_GDT_ADDR);
	write_info(boot, mem, mod_addr);
	if (im.flags & MB_FLAG_VIDEO_MODE)
		loader_note(&msg,
			    "note: flags bit 2 (video mode) ignored: no framebuffer, info flags 11 and 12 clear",
			    0, 0, 0);

	cpustate_boot_flat(cpu, BOOT_SEL_CODE32);
	cpu->rax = MB_BOOTLOADER_MAGIC;
	cpu->rbx = MB_INFO_ADDR;
	cpu->rip = im.entry;
	cpu->rsp = MB_STACK_TOP;
	cpu->cr0 = CPU_CR0_PE | CPU_CR0_ET | CPU_CR0_NE;

	if (out) {
		*out = (struct multiboot_layout){
			.header_offset = im.header_offset,
			.header_flags = im.flags,
			.aout_kludge = im.kludge,
			.segments = im.count,
			.image_start = im.start,
			.image_end = im.end,
			.entry = im.entry,
			.info_addr = MB_INFO_ADDR,
		};
		for (unsigned i = 0; i < boot->module_count; i++)
			out->module_addr[i] = mod_addr[i];
	}
	return LOADER_OK;
}
