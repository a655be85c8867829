/* SPDX-License-Identifier: BSD-2-Clause */
#include "elf.h"

/* ELF64 structures (System V ABI, with the x86-64 supplement). */
#define EI_NIDENT 16
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define ELF_PAGE 4096ull

struct elf64_ehdr {
	uint8_t ident[EI_NIDENT];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* Reads the header fields byte by byte: the image may be unaligned. */
static void read_ehdr(const uint8_t *p, struct elf64_ehdr *h)
{
	for (int i = 0; i < EI_NIDENT; i++)
		h->ident[i] = p[i];
	h->type = rd16(p + 16);
	h->machine = rd16(p + 18);
	h->version = rd32(p + 20);
	h->entry = rd64(p + 24);
	h->phoff = rd64(p + 32);
	h->phentsize = rd16(p + 54);
	h->phnum = rd16(p + 56);
}

static void read_phdr(const uint8_t *p, struct elf64_phdr *h)
{
	h->type = rd32(p);
	h->flags = rd32(p + 4);
	h->offset = rd64(p + 8);
	h->vaddr = rd64(p + 16);
	h->filesz = rd64(p + 32);
	h->memsz = rd64(p + 40);
	h->align = rd64(p + 48);
}

const char *elf_parse(const void *image, size_t size, struct elf_image *out)
{
	const uint8_t *p = image;
	struct elf64_ehdr h;

	*out = (struct elf_image){ 0 };
	if (!image || size < sizeof(struct elf64_ehdr))
		return "shorter than an ELF header";
	read_ehdr(p, &h);
	if (h.ident[0] != 0x7f || h.ident[1] != 'E' || h.ident[2] != 'L' || h.ident[3] != 'F')
		return "not an ELF file (bad magic)";
	if (h.ident[4] != ELFCLASS64)
		return "not a 64-bit ELF file";
	if (h.ident[5] != ELFDATA2LSB)
		return "not little-endian";
	if (h.ident[6] != EV_CURRENT || h.version != EV_CURRENT)
		return "unknown ELF version";
	if (h.type != ET_EXEC)
		return "not an executable (ET_EXEC)";
	if (h.machine != EM_X86_64)
		return "not for x86-64";
	if (h.phentsize != sizeof(struct elf64_phdr))
		return "bad program header size";
	if (h.phnum == 0)
		return "no program headers";
	if (h.phoff > size || (uint64_t)h.phnum * sizeof(struct elf64_phdr) > size - h.phoff)
		return "program header table beyond the end of the file";

	bool entry_ok = false;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf64_phdr ph;
		read_phdr(p + h.phoff + i * sizeof(struct elf64_phdr), &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (out->segment_count == ELF_MAX_SEGMENTS)
			return "too many loadable segments";
		if (ph.filesz > ph.memsz)
			return "segment file size exceeds its memory size";
		if (ph.offset > size || ph.filesz > size - ph.offset)
			return "segment data beyond the end of the file";
		if (ph.vaddr >= ELF_USER_LIMIT || ph.memsz > ELF_USER_LIMIT - ph.vaddr)
			return "segment outside the user address range";
		if (ph.vaddr < ELF_PAGE)
			return "segment in the null page";
		if (ph.align > 1 && (ph.vaddr - ph.offset) % MIN(ph.align, ELF_PAGE))
			return "segment address and offset disagree modulo the page size";
		/* Loadable segments must not overlap (they may share a page). */
		for (unsigned j = 0; j < out->segment_count; j++) {
			const struct elf_segment *o = &out->segments[j];
			if (ph.vaddr < o->vaddr + o->memsz && o->vaddr < ph.vaddr + ph.memsz)
				return "overlapping segments";
		}
		struct elf_segment *s = &out->segments[out->segment_count++];
		*s = (struct elf_segment){
			.vaddr = ph.vaddr,
			.memsz = ph.memsz,
			.offset = ph.offset,
			.filesz = ph.filesz,
			.flags = (ph.flags & PF_R ? ELF_SEG_R : 0) | (ph.flags & PF_W ? ELF_SEG_W : 0) |
				 (ph.flags & PF_X ? ELF_SEG_X : 0),
		};
		if ((ph.flags & PF_X) && h.entry >= ph.vaddr && h.entry - ph.vaddr < ph.memsz)
			entry_ok = true;
	}
	if (!out->segment_count)
		return "no loadable segments";
	if (!entry_ok)
		return "entry point not in an executable segment";
	out->entry = h.entry;
	return NULL;
}
