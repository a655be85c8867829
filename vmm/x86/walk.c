/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest page-table walk (see walk.h; Intel SDM vol. 3A, 4.3-4.8). */
#include "walk.h"

/* Paging-structure entry bits (SDM tables 4-4..4-20). */
#define PTE_P (1ull << 0)             /* present */
#define PTE_RW (1ull << 1)            /* writable */
#define PTE_US (1ull << 2)            /* user accessible */
#define PTE_A (1ull << 5)             /* accessed */
#define PTE_D (1ull << 6)             /* dirty (entries that map a page) */
#define PTE_PS (1ull << 7)            /* page size: this entry maps a large page */
#define PTE_XD (1ull << 63)           /* execute-disable (with EFER.NXE) */

/* 32-bit paging (SDM table 4-4: a PDE that maps a 4 MiB page). */
#define PDE32_4M_HI_SHIFT 13          /* bits 20:13 hold physical address bits 39:32 */
#define PDE32_4M_HI_BITS 8
#define PDE32_4M_RSVD (1ull << 21)    /* always reserved */
#define PSE36_MAXPHY 40u              /* 4 MiB pages reach at most 40 address bits */
#define ADDR32_4K 0xfffff000ull       /* 32-bit paging: table / page address */
#define ADDR32_4M 0xffc00000ull       /* 32-bit paging: 4 MiB page address bits 31:22 */

/* PAE paging (SDM table 4-8): PDPTE bits 2:1 and 8:5 are reserved. */
#define PAE_PDPTE_RSVD 0x1e6ull
#define PAE_CR3_ADDR 0xffffffe0ull    /* CR3 bits 31:5: the 32-byte aligned PDPT */
#define PAE_PDPTES 4u

/* Large pages with 64-bit entries: bits 20:13 (2 MiB) / 29:13 (1 GiB) reserved. */
#define LARGE_2M_RSVD 0x1fe000ull
#define LARGE_1G_RSVD 0x3fffe000ull

#define PAGE_SHIFT 12u                /* 4 KiB pages */
#define LOW32 0xffffffffull           /* linear addresses outside 4/5-level paging */

enum paging_mode { MODE_NONE, MODE_32, MODE_PAE, MODE_4LEVEL, MODE_5LEVEL };

#define MAX_LEVELS 5u                 /* 5-level paging */

/* The fixed shape of a mode: levels, index bits per level, entry size. */
struct mode_shape {
	unsigned levels, index_bits, entry_bytes;
};

/* One entry the walk used, for the accessed/dirty update. */
struct used_entry {
	uint64_t gpa, value;
	bool has_a;                   /* false for PAE PDPTEs (no A bit) */
};

static enum paging_mode paging_mode(const struct x86_paging *pg)
{
	if (!(pg->cr0 & X86_CR0_PG))
		return MODE_NONE;
	if (!(pg->cr4 & X86_CR4_PAE))
		return MODE_32;
	if (!(pg->efer & X86_EFER_LMA))
		return MODE_PAE;
	return (pg->cr4 & X86_CR4_LA57) ? MODE_5LEVEL : MODE_4LEVEL;
}

static struct mode_shape mode_shape(enum paging_mode m)
{
	switch (m) {
	case MODE_32:
		return (struct mode_shape){ 2, 10, 4 };
	case MODE_PAE:
		return (struct mode_shape){ 3, 9, 8 };
	case MODE_4LEVEL:
		return (struct mode_shape){ 4, 9, 8 };
	case MODE_5LEVEL:
		return (struct mode_shape){ 5, 9, 8 };
	default:
		return (struct mode_shape){ 0, 0, 0 };
	}
}

unsigned x86_maxphyaddr_cpuid(uint32_t max_ext_leaf, uint32_t eax_80000008, uint32_t edx_1)
{
	unsigned width = eax_80000008 & 0xff;

	if (max_ext_leaf >= X86_CPUID_ADDR_SIZES && width >= X86_MAXPHYADDR_MIN &&
	    width <= X86_MAXPHYADDR_MAX)
		return width;
	return (edx_1 & X86_CPUID1_EDX_PAE) ? X86_MAXPHYADDR_PAE : X86_MAXPHYADDR_MIN;
}

bool x86_canonical(uint64_t la, bool la57)
{
	unsigned bits = la57 ? 57 : 48;
	uint64_t top = la >> (bits - 1);      /* bits 63:bits-1 must be all 0 or all 1 */

	return top == 0 || top == (~0ull >> (bits - 1));
}

/* Bits [hi:lo] set. */
static uint64_t bit_range(unsigned hi, unsigned lo)
{
	return ((hi >= 63) ? ~0ull : ((1ull << (hi + 1)) - 1)) & ~((1ull << lo) - 1);
}

static unsigned maxphyaddr(const struct x86_paging *pg)
{
	unsigned m = pg->maxphyaddr;

	return (m < X86_MAXPHYADDR_MIN || m > X86_MAXPHYADDR_MAX) ? X86_MAXPHYADDR_MAX : m;
}

/* Reads the little-endian entry of size bytes at gpa. */
static int read_entry(const struct x86_guest_ram *ram, uint64_t gpa, unsigned size, uint64_t *val)
{
	uint8_t b[8];

	if (!ram || !ram->read || ram->read(ram->ctx, gpa, b, size))
		return -1;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint64_t)b[i] << (8 * i);
	return 0;
}

/*
 * Reserved bits of a present entry at level (1 = PTE) of mode m, given
 * whether it maps a large page. m_phys is MAXPHYADDR.
 */
static uint64_t reserved_bits(enum paging_mode m, unsigned level, bool large, unsigned m_phys,
			      bool nxe)
{
	if (m == MODE_32) {
		if (!large)
			return 0;
		unsigned m40 = m_phys < PSE36_MAXPHY ? m_phys : PSE36_MAXPHY;
		/* Physical bits m40..39 do not exist: their entry bits are reserved. */
		uint64_t rsvd = PDE32_4M_RSVD;
		if (m40 < PSE36_MAXPHY)
			rsvd |= bit_range(PDE32_4M_HI_SHIFT + PDE32_4M_HI_BITS - 1,
					  PDE32_4M_HI_SHIFT + (m40 - 32));
		return rsvd;
	}
	uint64_t rsvd;
	if (m == MODE_PAE) {
		if (level == 3)                 /* PDPTE: no XD, no rights */
			return PAE_PDPTE_RSVD | bit_range(63, m_phys);
		rsvd = bit_range(62, m_phys);
	} else {
		rsvd = m_phys < X86_MAXPHYADDR_MAX ? bit_range(X86_MAXPHYADDR_MAX - 1, m_phys) : 0;
		if (level >= 4)
			rsvd |= PTE_PS;
	}
	if (!nxe)
		rsvd |= PTE_XD;
	if (large)
		rsvd |= level == 2 ? LARGE_2M_RSVD : LARGE_1G_RSVD;
	return rsvd;
}

/* Physical address bits of an entry that points to a table or maps a page of 2^shift bytes. */
static uint64_t entry_address(enum paging_mode m, uint64_t entry, unsigned shift, bool large,
			      unsigned m_phys)
{
	if (m == MODE_32) {
		if (!large)
			return entry & ADDR32_4K;
		uint64_t hi = (entry >> PDE32_4M_HI_SHIFT) & ((1u << PDE32_4M_HI_BITS) - 1);
		return ((entry & ADDR32_4M) | hi << 32) & bit_range(m_phys - 1, 0);
	}
	return entry & bit_range(m_phys - 1, shift);
}

/* The access bits of an error code: W, U, and I/D when the CPU reports it. */
static uint32_t error_bits(const struct x86_paging *pg, enum paging_mode m, unsigned access)
{
	uint32_t err = access & (X86_PF_W | X86_PF_U);

	if ((access & X86_ACCESS_FETCH) &&
	    ((pg->cr4 & X86_CR4_SMEP) || (m != MODE_32 && (pg->efer & X86_EFER_NXE))))
		err |= X86_PF_ID;
	return err;
}

/* Whether the combined rights of the walk allow the access (SDM 4.6). */
static bool access_allowed(const struct x86_paging *pg, unsigned access, bool rw, bool us, bool nx)
{
	bool write = access & X86_ACCESS_WRITE, fetch = access & X86_ACCESS_FETCH;

	if (access & X86_ACCESS_USER) {
		if (!us || (write && !rw) || (fetch && nx))
			return false;
		return true;
	}
	if (fetch)
		return !nx && !(us && (pg->cr4 & X86_CR4_SMEP));
	if (write && !rw && (pg->cr0 & X86_CR0_WP))
		return false;
	if (us && (pg->cr4 & X86_CR4_SMAP) && !(access & X86_ACCESS_AC))
		return false;
	return true;
}

/* Sets A in every entry used and D in the leaf for a write (see walk.h). */
static void set_accessed_dirty(const struct x86_guest_ram *ram, const struct used_entry *e,
			       unsigned n, bool write)
{
	if (!ram || !ram->write)
		return;
	for (unsigned i = 0; i < n; i++) {
		if (!e[i].has_a)
			continue;
		uint64_t want = e[i].value | PTE_A | ((write && i == n - 1) ? PTE_D : 0);
		if (want == e[i].value)
			continue;
		uint8_t low = (uint8_t)want;
		/* A failure leaves the bit clear, which is harmless: nothing to report. */
		(void)ram->write(ram->ctx, e[i].gpa, &low, 1);
	}
}

int x86_walk(const struct x86_paging *pg, const struct x86_guest_ram *ram, uint64_t la,
	     unsigned access, struct x86_walk *out)
{
	enum paging_mode m = paging_mode(pg);
	struct mode_shape shape = mode_shape(m);
	unsigned m_phys = maxphyaddr(pg);
	bool nxe = (pg->efer & X86_EFER_NXE) && m != MODE_32;
	uint32_t err = error_bits(pg, m, access);

	*out = (struct x86_walk){ 0 };
	if (m == MODE_NONE) {
		out->gpa = la & LOW32;
		out->page_size = X86_PAGE_SIZE;
		return X86_WALK_OK;
	}
	if (m == MODE_4LEVEL || m == MODE_5LEVEL) {
		if (!x86_canonical(la, m == MODE_5LEVEL))
			return X86_WALK_NONCANONICAL;
	} else {
		la &= LOW32;
	}

	uint64_t table;
	if (m == MODE_32)
		table = pg->cr3 & ADDR32_4K;
	else if (m == MODE_PAE)
		table = pg->cr3 & PAE_CR3_ADDR;
	else
		table = pg->cr3 & bit_range(m_phys - 1, PAGE_SHIFT);

	struct used_entry used[MAX_LEVELS];
	unsigned n_used = 0;
	bool rw = true, us = true, nx = false;

	for (unsigned level = shape.levels; level >= 1; level--) {
		unsigned shift = PAGE_SHIFT + shape.index_bits * (level - 1);
		uint64_t index = (la >> shift) & ((1ull << shape.index_bits) - 1);
		bool pdpte = m == MODE_PAE && level == 3;
		uint64_t entry;

		if (pdpte)
			index = (la >> shift) & (PAE_PDPTES - 1);
		uint64_t entry_gpa = table + index * shape.entry_bytes;
		out->level = level;
		if (pdpte && pg->pdpte_valid) {
			entry = pg->pdpte[index];
		} else if (read_entry(ram, entry_gpa, shape.entry_bytes, &entry)) {
			out->table_gpa = entry_gpa;
			return X86_WALK_BAD_TABLE;
		}
		if (!(entry & PTE_P)) {
			out->pf_error = err;
			return X86_WALK_FAULT;
		}

		bool large = false;
		if (m == MODE_32)
			large = level == 2 && (entry & PTE_PS) && (pg->cr4 & X86_CR4_PSE);
		else if (!pdpte && (level == 2 || level == 3))
			large = entry & PTE_PS;
		if (entry & reserved_bits(m, level, large, m_phys, nxe)) {
			out->pf_error = err | X86_PF_P | X86_PF_RSVD;
			return X86_WALK_FAULT;
		}
		if (!pdpte) {
			rw = rw && (entry & PTE_RW);
			us = us && (entry & PTE_US);
			nx = nx || (nxe && (entry & PTE_XD));
		}
		used[n_used++] = (struct used_entry){ entry_gpa, entry, !pdpte };

		uint64_t addr = entry_address(m, entry, large ? shift : PAGE_SHIFT, large, m_phys);
		if (level == 1 || large) {
			if (!access_allowed(pg, access, rw, us, nx)) {
				out->pf_error = err | X86_PF_P;
				return X86_WALK_FAULT;
			}
			set_accessed_dirty(ram, used, n_used, access & X86_ACCESS_WRITE);
			out->page_size = 1ull << shift;
			out->gpa = addr | (la & (out->page_size - 1));
			return X86_WALK_OK;
		}
		table = addr;
	}
	/* Not reached: level 1 always ends the walk. */
	out->pf_error = err;
	return X86_WALK_FAULT;
}

int x86_walk_range(const struct x86_paging *pg, const struct x86_guest_ram *ram, uint64_t la,
		   unsigned len, unsigned access, struct x86_span *out)
{
	enum paging_mode m = paging_mode(pg);
	bool la32 = (m != MODE_4LEVEL && m != MODE_5LEVEL) || (access & X86_ACCESS_LA32);
	int r;

	*out = (struct x86_span){ 0 };
	if (!len || len > X86_PAGE_SIZE)
		return X86_WALK_BAD_LENGTH;
	if (la32)
		la &= LOW32;
	unsigned first = (unsigned)(X86_PAGE_SIZE - (la & (X86_PAGE_SIZE - 1)));
	if (first > len)
		first = len;
	out->len[0] = first;
	out->len[1] = len - first;
	out->la = la;
	if ((r = x86_walk(pg, ram, la, access, &out->walk)))
		return r;
	out->gpa[0] = out->walk.gpa;
	if (first < len) {
		out->la = la32 ? (la + first) & LOW32 : la + first;
		if ((r = x86_walk(pg, ram, out->la, access, &out->walk)))
			return r;
		out->gpa[1] = out->walk.gpa;
	}
	out->n = first < len ? 2 : 1;
	return X86_WALK_OK;
}
