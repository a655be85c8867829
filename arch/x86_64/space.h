/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host address spaces (x86-64 4-level page tables). The upper half of
 * every space is the kernel's, shared; the lower half is the task's,
 * built by map operations. Page tables are charged to the task's quota.
 */
#ifndef ARCH_SPACE_H
#define ARCH_SPACE_H

#include "kmem.h"
#include "percpu.h"
#include "regs.h"

struct space {
	uint64_t root;          /* physical address of the PML4 */
	struct quota *quota;    /* pays for the page tables and the I/O bitmap */
	uint8_t *io[2];         /* I/O permission bitmap (two pages, 1 = denied), or NULL */
	uint32_t io_len;        /* bytes of it that allow anything */
	uint64_t io_gen;        /* names this content of the bitmap: unique over all spaces
				 * and time (the TSS copy is keyed by it alone) */
	uint16_t pcid;          /* TLB tag when the CPU has PCIDs (else 0): no other live
				 * space's, unless it is the shared one */
	uint64_t cr3;           /* what CR3 gets: root, tag, and the no-flush bit if the tag
				 * is the space's alone (cleared when the space is stale) */
	uint64_t tlb_stale;     /* bit n: CPU n may hold translations a change made stale:
				 * it flushes them when it activates the space */
	bool guest;             /* guest-physical (an EPT), for a VM task */
};

/* Turns on PCIDs if the CPU has them (before any user space exists). */
void space_init_pcid(void);

#define IO_PORTS 65536

/* Access rights of a mapping, as in flexpages (include/l4/msg.h). */
#define SPACE_X 1u
#define SPACE_W 2u
#define SPACE_R 4u
#define SPACE_RWX 7u
/* Memory type of a mapping (default write-back), kept with the rights. */
#define SPACE_UC 0x10u
#define SPACE_WT 0x20u
#define SPACE_TYPE 0x30u

int space_init(struct space *s, struct quota *q);
/* A guest-physical address space: an EPT (extended page tables). */
int space_init_guest(struct space *s, struct quota *q);

#define GUEST_LIMIT (1ull << 48)   /* 4-level EPT: 48-bit guest-physical addresses */

/* True if va (and va + len - 1) lie in the space: the user half of a host
 * space, the 48-bit guest-physical range of a guest one. */
static inline bool space_range_ok(const struct space *s, uint64_t va, uint64_t len)
{
	uint64_t last = va + len - 1;

	if (!len || last < va)
		return false;
	return s->guest ? last < GUEST_LIMIT : user_addr_ok(last);
}
/* Frees every user page table; the mapped frames are not touched. */
void space_destroy(struct space *s);

#define PAGE_SHIFT_2M 21        /* a large page: 2 MiB */
#define PAGE_SHIFT_1G 30        /* a huge page: 1 GiB */

/* Whether s can map pages of 2^order bytes: 4 KiB always, 2 MiB in a
 * task (in a guest's EPT if the CPU has them), 1 GiB where the CPU has
 * them (CPUID's 1g-pages for a task, EPT's for a guest). */
bool space_order_ok(const struct space *s, unsigned order);

/* Maps the page at pa of 2^order bytes (order PAGE_SHIFT, PAGE_SHIFT_2M
 * or PAGE_SHIFT_1G where space_order_ok, both addresses aligned to it) at
 * va with rights (R is implied), replacing a page of the same size; empty
 * page tables where a large page goes are freed. L4_EBUSY if a page of
 * another size is in the way (a larger page, or smaller pages where a
 * large one is to go). Error code. */
int space_map_page(struct space *s, uint64_t va, uint64_t pa, unsigned rights, unsigned order);
static inline int space_map(struct space *s, uint64_t va, uint64_t pa, unsigned rights)
{
	return space_map_page(s, va, pa, rights, PAGE_SHIFT);
}
/* Removes the page (of any size) that maps va; returns its first frame, or 0. */
uint64_t space_unmap(struct space *s, uint64_t va);
/* The 4 KiB frame mapped at va and its rights (rights may be NULL); false if none. */
bool space_lookup(const struct space *s, uint64_t va, uint64_t *pa, unsigned *rights);
/* The page that maps va: returns its order (0: none) and sets *pa to its
 * first frame and *rights (may be NULL). */
unsigned space_page(const struct space *s, uint64_t va, uint64_t *pa, unsigned *rights);

/* Whether the 2 MiB at va have small pages: a page table that maps something. */
bool space_small_in(const struct space *s, uint64_t va);

/* The large page at va becomes 512 pages of the next smaller size (1 GiB:
 * 2 MiB pages; 2 MiB: 4 KiB pages) with the same rights (a table from the
 * quota), or 512 such pages mapping a contiguous range aligned to
 * 2^order with the same rights become one page of that size (the table
 * is freed). Nothing changes on an error (L4_EINVAL: not such pages;
 * L4_ENOMEM). */
int space_split(struct space *s, uint64_t va);
int space_merge(struct space *s, uint64_t va, unsigned order);

/* The first mapped 4 KiB at or above *va and below end (in a large page
 * too): sets *va and *pa, or returns false. Empty tables are skipped
 * whole, and the walk stops at end. */
bool space_next(const struct space *s, uint64_t *va, uint64_t end, uint64_t *pa);

/* I/O ports: allow or deny one port; whether it is allowed. */
int space_io_allow(struct space *s, unsigned port);
void space_io_deny(struct space *s, unsigned port);
bool space_io_allowed(const struct space *s, unsigned port);

/* Makes s the current address space (and its I/O bitmap the TSS's). */
void space_switch(struct space *s);
static inline __attribute__((always_inline)) void space_activate(struct space *s)
{
	if (s != this_arch->space_current || s->tlb_stale)      /* (space_switch sorts out whose) */
		space_switch(s);
}

#endif
