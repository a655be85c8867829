/* SPDX-License-Identifier: GPL-2.0-only */
#include "space.h"
#include <l4/debug.h>
#include <l4/errno.h>
#include "check.h"
#include "cpu.h"
#include "layout.h"
#include "paging.h"
#include "regs.h"
#include "string.h"
#include "trap.h"
#include "vmx.h"
#include "x86.h"
#include "percpu.h"
#include "smp.h"

#define KERNEL_HALF_FIRST 256      /* PML4 slots 256..511 are the kernel's */
#define PT_ENTRIES 512
#define PCID_COUNT 4096            /* 0 is the kernel's own tables */
#define PCID_SHARED (PCID_COUNT - 1) /* when every other tag is taken: spaces that
				      * share it flush it at every switch to them */

/* EPT entries (SDM vol. 3C, 29.3.2): read, write, execute, memory type.
 * Read doubles as "present" for the shared table walker (PTE_P, bit 0),
 * so every EPT entry the kernel writes has it. */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_TABLE (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ull << 3)      /* write-back; guest PAT still applies */
#define EPT_MT_UC (0ull << 3)      /* uncacheable */
#define EPT_MT_WT (4ull << 3)      /* write-through */
#define EPT_MT_MASK (7ull << 3)
#define CR3_NOFLUSH (1ull << 63)   /* keep this PCID's TLB entries */

static bool pcid_on;
/* The tags live spaces own (bit set): a tag is never another live space's,
 * since a switch with CR3_NOFLUSH keeps whatever its tag has cached. */
static uint64_t pcid_used[PCID_COUNT / 64] = { 1 };    /* (0: the kernel's) */
/* The last I/O bitmap generation handed out: 64 bits never wrap, so a new
 * or recycled space can never match a dead one's bitmap in the TSS. */
static uint64_t io_gen_last;

void space_init_pcid(void)
{
	if (!cpu.pcid)
		return;
	write_cr4(read_cr4() | CR4_PCIDE);
	pcid_on = true;
}

static bool is_current(const struct space *s)
{
	return s == this_arch->space_current;
}

/* Every CPU online (all are started before the first space exists). */
#define ALL_CPUS ((1ull << cpu_count) - 1)

static bool loaded_on(const struct space *s, unsigned i)
{
	return cpus[i].arch.space_current == s || cpus[i].arch.guest_space == s;
}

/* On a CPU that has s loaded (smp_call): s is about to go. */
static void forget_here(void *arg)
{
	struct space *s = arg;

	if (is_current(s)) {
		write_cr3(virt_to_phys(paging_kernel_root()));
		this_arch->space_current = NULL;
	}
	if (s->guest && vmx_on)
		ept_flush(s->root);
}

/* On a CPU that runs s (smp_call): its translations of s go now. */
static void flush_here(void *arg)
{
	struct space *s = arg;

	if (s->guest) {
		if (vmx_on)
			ept_flush(s->root);
		s->tlb_stale &= ~this_arch->cpu_bit;
	} else if (is_current(s)) {
		space_switch(s);      /* (the stale bit is set: a flushing CR3 load, and the TSS's I/O map) */
	}
}

/* fn(s) on every other CPU that has s loaded (its CR3, or a guest running
 * on its EPT), by remote call. */
static void on_cpus_with(struct space *s, void (*fn)(void *))
{
	for (unsigned i = 0; smp_active && i < cpu_count; i++)
		if (i != this_cpu->id && loaded_on(s, i))
			smp_call(i, fn, s);
}

/* TLB shootdown: the other CPUs that have s loaded flush it before this
 * kernel entry releases the kernel lock (space_shootdown_flush), so that
 * unmapping a range costs one remote call per CPU, not one per page (no
 * frame or table the change unmapped is freed meanwhile; a second space
 * changed in the same entry flushes the first's at once). The rest flush
 * when they next activate it (tlb_stale). */
static void shootdown(struct space *s)
{
	if (!smp_active)
		return;
	s->tlb_stale |= ALL_CPUS & ~this_arch->cpu_bit;
	if (this_arch->shootdown == s)
		return;
	if (this_arch->shootdown)
		on_cpus_with(this_arch->shootdown, flush_here);
	this_arch->shootdown = s;
}

void arch_tlb_shootdown_flush(void)
{
	struct space *s = this_arch->shootdown;

	if (s) {
		this_arch->shootdown = NULL;
		on_cpus_with(s, flush_here);
	}
}

/* A mapping of s changed: flush now if s is current, else at activation;
 * other CPUs as shootdown says. */
static void tlb_changed(struct space *s, uint64_t va)
{
	if (is_current(s))
		invlpg(va);
	else
		s->tlb_stale |= this_arch->cpu_bit;
	shootdown(s);
}

static uint64_t table_alloc(void *ctx)
{
	return kmem_page_alloc(ctx);
}

int space_init_guest(struct space *s, struct quota *q)
{
	uint64_t root = kmem_page_alloc(q);

	if (!root)
		return L4_ENOMEM;
	/* Stale from the start: the root frame may have been another EPT's
	 * root, whose translations the CPU keeps under the same pointer. */
	*s = (struct space){ .root = root, .quota = q, .guest = true, .tlb_stale = ALL_CPUS };
	return L4_OK;
}

/* A tag no live space has, or PCID_SHARED. */
static uint16_t pcid_alloc(void)
{
	for (unsigned w = 0; w < ARRAY_SIZE(pcid_used); w++) {
		uint64_t free = ~pcid_used[w] & (w == PCID_SHARED / 64 ? ~(1ull << PCID_SHARED % 64) : ~0ull);
		if (free) {
			unsigned b = (unsigned)__builtin_ctzll(free);
			pcid_used[w] |= 1ull << b;
			return (uint16_t)(w * 64 + b);
		}
	}
	return PCID_SHARED;
}

static void pcid_free(uint16_t pcid)
{
	if (pcid && pcid != PCID_SHARED)
		pcid_used[pcid / 64] &= ~(1ull << pcid % 64);
}

int space_init(struct space *s, struct quota *q)
{
	uint64_t root = kmem_page_alloc(q);

	if (!root)
		return L4_ENOMEM;
	uint64_t *pml4 = phys_to_virt(root);
	const uint64_t *kernel = paging_kernel_root();
	for (unsigned i = KERNEL_HALF_FIRST; i < PT_ENTRIES; i++)
		pml4[i] = kernel[i];
	s->root = root;
	s->quota = q;
	if (pcid_on)
		s->pcid = pcid_alloc();
	s->cr3 = root | s->pcid | (pcid_on && s->pcid != PCID_SHARED ? CR3_NOFLUSH : 0);
	s->tlb_stale = ALL_CPUS; /* a recycled tag may hold a dead space's entries, anywhere */
	return L4_OK;
}

/* Frees the tables under one user PML4 entry, level by level, without recursion. */
static void free_subtree(struct space *s, uint64_t pdpt_phys)
{
	uint64_t *pdpt = phys_to_virt(pdpt_phys);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if (!(pdpt[i] & PTE_P) || (pdpt[i] & PTE_PS))
			continue;
		uint64_t *pd = phys_to_virt(pdpt[i] & PTE_ADDR);
		for (unsigned j = 0; j < PT_ENTRIES; j++)
			if ((pd[j] & PTE_P) && !(pd[j] & PTE_PS))
				kmem_page_free(s->quota, pd[j] & PTE_ADDR);
		kmem_page_free(s->quota, pdpt[i] & PTE_ADDR);
	}
	kmem_page_free(s->quota, pdpt_phys);
}

void space_destroy(struct space *s)
{
	if (!s->root)
		return;
	if (this_arch->shootdown == s)
		this_arch->shootdown = NULL;     /* (forgotten everywhere just below) */
	/* First no CPU keeps the tables in CR3 (an idle one does) or runs a
	 * guest on them, then they go. */
	if (is_current(s)) {
		write_cr3(virt_to_phys(paging_kernel_root()));
		this_arch->space_current = NULL;
	}
	on_cpus_with(s, forget_here);
	if (s->guest && vmx_on)
		ept_flush(s->root);      /* nothing of this VM outlives it in the TLB */
	uint64_t *pml4 = phys_to_virt(s->root);
	for (unsigned i = 0; i < (s->guest ? PT_ENTRIES : KERNEL_HALF_FIRST); i++)
		if (pml4[i] & PTE_P)
			free_subtree(s, pml4[i] & PTE_ADDR);
	kmem_page_free(s->quota, s->root);
	s->root = 0;
	pcid_free(s->pcid);
	s->pcid = 0;
	/* (Both pages: the loop once stopped after the first, leaking the second.) */
	for (int i = 0; i < 2 && s->io[i]; i++) {
		kmem_page_free(s->quota, virt_to_phys(s->io[i]));
		s->io[i] = NULL;
	}
}

bool space_order_ok(const struct space *s, unsigned order)
{
	if (order == PAGE_SHIFT)
		return true;
	if (order == PAGE_SHIFT_2M)
		return !s->guest || cpu.vmx.ept_2m;
	return order == PAGE_SHIFT_1G && (s->guest ? cpu.vmx.ept_1g : cpu.pages_1g);
}

/* The table level whose entries map 2^order bytes (1: a page table). */
static unsigned level_of(unsigned order)
{
	return (order - PAGE_SHIFT) / 9 + 1;
}

/* The leaf entry that maps va (a 4 KiB, 2 MiB or 1 GiB page: *order), or
 * NULL. (Unrolled: the unmap and page-fault paths take it.) */
static uint64_t *leaf(const struct space *s, uint64_t va, unsigned *order)
{
	uint64_t *e = pt_walk(phys_to_virt(s->root), va, 3, 0, NULL, NULL);

	if (!e || !(*e & PTE_P))
		return NULL;
	*order = PAGE_SHIFT_1G;
	if (*e & PTE_PS)
		return e;
	e = &((uint64_t *)phys_to_virt(*e & PTE_ADDR))[va >> PAGE_SHIFT_2M & (PT_ENTRIES - 1)];
	if (!(*e & PTE_P))
		return NULL;
	*order = PAGE_SHIFT_2M;
	if (*e & PTE_PS)
		return e;
	e = &((uint64_t *)phys_to_virt(*e & PTE_ADDR))[va >> PAGE_SHIFT & (PT_ENTRIES - 1)];
	*order = PAGE_SHIFT;
	return *e & PTE_P ? e : NULL;
}

/* Whether the table at phys (of level: 1 is a page table) and the tables
 * under it map nothing. */
static bool table_empty(uint64_t phys, unsigned level)
{
	const uint64_t *t = phys_to_virt(phys);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		if (t[i] && (level == 1 || (t[i] & PTE_PS) || !table_empty(t[i] & PTE_ADDR, level - 1)))
			return false;
	return true;
}

/* Frees the (empty) table at phys and the tables under it. */
static void table_free(struct space *s, uint64_t phys, unsigned level)
{
	const uint64_t *t = phys_to_virt(phys);

	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (t[i])
			table_free(s, t[i] & PTE_ADDR, level - 1);
	kmem_page_free(s->quota, phys);
}

/* A large leaf's place (the entry of order's level): an empty entry, a
 * large page of that size, or empty tables (freed). NULL if smaller pages
 * are mapped there (L4_EBUSY), a larger page is (L4_EBUSY), or no memory. */
static uint64_t *large_slot(struct space *s, uint64_t va, unsigned order, int *err)
{
	unsigned level = level_of(order), o;
	uint64_t *e = pt_walk(phys_to_virt(s->root), va, level,
			      s->guest ? EPT_TABLE : PTE_P | PTE_W | PTE_U, table_alloc, s->quota);

	if (!e) {
		*err = leaf(s, va, &o) ? L4_EBUSY : L4_ENOMEM;
		return NULL;
	}
	if (!(*e & PTE_P) || (*e & PTE_PS))
		return e;
	uint64_t table = *e & PTE_ADDR;
	if (!table_empty(table, level - 1)) {
		*err = L4_EBUSY;
		return NULL;
	}
	*e = 0;
	tlb_changed(s, va);    /* (the CPU may cache the table entries) */
	table_free(s, table, level - 1);
	return e;
}

bool space_small_in(const struct space *s, uint64_t va)
{
	const uint64_t *pd = s->root ? pt_walk(phys_to_virt(s->root), va, 2, 0, NULL, NULL) : NULL;

	return pd && (*pd & PTE_P) && !(*pd & PTE_PS) && !table_empty(*pd & PTE_ADDR, 1);
}

int space_map_page(struct space *s, uint64_t va, uint64_t pa, unsigned rights, unsigned order)
{
	uint64_t size = 1ull << order, *e;
	int err = L4_EBUSY;

	if ((order != PAGE_SHIFT && !space_order_ok(s, order)) || !space_range_ok(s, va, size) ||
	    !IS_ALIGNED(va, size) || !IS_ALIGNED(pa, size))
		return L4_EFAULT;
	if (order == PAGE_SHIFT) {
		e = pt_walk(phys_to_virt(s->root), va, 1, s->guest ? EPT_TABLE : PTE_P | PTE_W | PTE_U,
			    table_alloc, s->quota);
		if (!e) {
			unsigned o;
			return leaf(s, va, &o) ? L4_EBUSY : L4_ENOMEM;   /* (a large page is in the way) */
		}
	} else if (!(e = large_slot(s, va, order, &err))) {
		return err;
	}
	uint64_t old = *e, ps = order == PAGE_SHIFT ? 0 : PTE_PS;
	if (s->guest)
		*e = pa | EPT_R | (rights & SPACE_W ? EPT_W : 0) | (rights & SPACE_X ? EPT_X : 0) |
		     (rights & SPACE_UC ? EPT_MT_UC : rights & SPACE_WT ? EPT_MT_WT : EPT_MT_WB) | ps;
	else
		*e = pa | PTE_P | PTE_U | (rights & SPACE_W ? PTE_W : 0) |
		     (rights & SPACE_X || !cpu.nx ? 0 : PTE_NX) |    /* (EFER.NXE is on with NX) */
		     /* the default PAT: PCD|PWT selects UC, PWT alone WT */
		     (rights & SPACE_UC ? PTE_PCD | PTE_PWT : rights & SPACE_WT ? PTE_PWT : 0) | ps;
	if (old & PTE_P)
		tlb_changed(s, va);
	return L4_OK;
}

uint64_t space_unmap(struct space *s, uint64_t va)
{
	unsigned order;
	uint64_t *e = space_range_ok(s, va, 1) ? leaf(s, va, &order) : NULL;

	if (!e)
		return 0;
	uint64_t pa = *e & PTE_ADDR & ~((1ull << order) - 1);
	*e = 0;
	tlb_changed(s, va);    /* (INVLPG of any address in a page drops all of it) */
	return pa;
}

/* The rights and type an entry gives (a leaf: R is implied). */
static unsigned entry_rights(const struct space *s, uint64_t e)
{
	if (s->guest)
		return SPACE_R | (e & EPT_W ? SPACE_W : 0) | (e & EPT_X ? SPACE_X : 0) |
		       ((e & EPT_MT_MASK) == EPT_MT_UC ? SPACE_UC : (e & EPT_MT_MASK) == EPT_MT_WT ? SPACE_WT : 0);
	return SPACE_R | (e & PTE_W ? SPACE_W : 0) | (e & PTE_NX ? 0 : SPACE_X) |
	       (e & PTE_PCD ? SPACE_UC : e & PTE_PWT ? SPACE_WT : 0);
}

unsigned space_page(const struct space *s, uint64_t va, uint64_t *pa, unsigned *rights)
{
	unsigned order;

	if (!s->root || !space_range_ok(s, va, 1))
		return 0;
	uint64_t e = pt_lookup(phys_to_virt(s->root), va, &order);
	/* pt_lookup's W is the AND over the levels; EPT tables allow everything. */
	if (s->guest ? !(e & EPT_R) : !(e & PTE_P) || !(e & PTE_U))
		return 0;
	*pa = e & PTE_ADDR & ~((1ull << order) - 1);
	if (rights)
		*rights = entry_rights(s, e);
	return order;
}

bool space_lookup(const struct space *s, uint64_t va, uint64_t *pa, unsigned *rights)
{
	unsigned order = space_page(s, va, pa, rights);

	if (!order)
		return false;
	*pa += va & ((1ull << order) - 1) & ~(PAGE_SIZE - 1);
	return true;
}

int space_split(struct space *s, uint64_t va)
{
	unsigned order;
	uint64_t *e = leaf(s, va, &order);

	if (!e || order == PAGE_SHIFT)
		return L4_EINVAL;
	uint64_t table = kmem_page_alloc(s->quota);
	if (!table)
		return L4_ENOMEM;
	/* (A 2 MiB piece keeps PS; in a 4 KiB entry that bit is PAT, so it goes.) */
	uint64_t *t = phys_to_virt(table), piece = order == PAGE_SHIFT_2M ? *e & ~PTE_PS : *e;
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		t[i] = piece + ((uint64_t)i << (order - 9));
	*e = table | (s->guest ? EPT_TABLE : PTE_P | PTE_W | PTE_U);
	tlb_changed(s, va);
	return L4_OK;
}

int space_merge(struct space *s, uint64_t va, unsigned order)
{
	uint64_t *e = order > PAGE_SHIFT ? pt_walk(phys_to_virt(s->root), va, level_of(order), 0, NULL, NULL) : NULL;

	if (!space_order_ok(s, order) || !IS_ALIGNED(va, 1ull << order) || !e || !(*e & PTE_P) ||
	    (*e & PTE_PS))
		return L4_EINVAL;
	/* (The accessed and dirty bits of host entries may differ.) */
	uint64_t table = *e & PTE_ADDR, *t = phys_to_virt(table), ad = s->guest ? 0 : PTE_A | PTE_D;
	uint64_t first = t[0] & ~ad, ps = order == PAGE_SHIFT_2M ? 0 : PTE_PS;
	if (!(first & PTE_P) || (first & PTE_PS) != ps || !IS_ALIGNED(first & PTE_ADDR, 1ull << order))
		return L4_EINVAL;
	for (unsigned i = 1; i < PT_ENTRIES; i++)
		if ((t[i] & ~ad) != first + ((uint64_t)i << (order - 9)))
			return L4_EINVAL;
	*e = first | PTE_PS;
	tlb_changed(s, va);
	kmem_page_free(s->quota, table);
	return L4_OK;
}

/* space_next's find: the 4 KiB page at start in the page of 2^shift bytes
 * at base that entry maps, or its first if start lies below it. */
static bool found(uint64_t entry, uint64_t base, unsigned shift, uint64_t start, uint64_t *va, uint64_t *pa)
{
	uint64_t off = start > base ? ALIGN_DOWN(start - base, PAGE_SIZE) : 0;

	*va = base + off;
	*pa = (entry & PTE_ADDR & ~((1ull << shift) - 1)) + off;
	return true;
}

bool space_next(const struct space *s, uint64_t *va, uint64_t end, uint64_t *pa)
{
	const uint64_t *pml4 = phys_to_virt(s->root);
	uint64_t start = *va;

	if (!s->root || !space_range_ok(s, start, 1) || start >= end)
		return false;
	/* Four nested index ranges; each level starts at start's index only
	 * while all levels above are still at start's indices; a table whose
	 * range begins at or above end ends the search. */
	unsigned top = s->guest ? PT_ENTRIES : KERNEL_HALF_FIRST;
	for (unsigned i4 = pt_index(start, 4); i4 < top; i4++) {
		uint64_t base4 = (uint64_t)i4 << 39;
		if (base4 >= end)
			return false;
		if (!(pml4[i4] & PTE_P))
			continue;
		const uint64_t *pdpt = phys_to_virt(pml4[i4] & PTE_ADDR);
		bool at4 = base4 == ALIGN_DOWN(start, 1ull << 39);
		for (unsigned i3 = at4 ? pt_index(start, 3) : 0; i3 < PT_ENTRIES; i3++) {
			uint64_t base3 = base4 | (uint64_t)i3 << 30;
			if (base3 >= end)
				return false;
			if (!(pdpt[i3] & PTE_P))
				continue;
			if (pdpt[i3] & PTE_PS)
				return found(pdpt[i3], base3, 30, start, va, pa);
			const uint64_t *pd = phys_to_virt(pdpt[i3] & PTE_ADDR);
			bool at3 = at4 && base3 == ALIGN_DOWN(start, 1ull << 30);
			for (unsigned i2 = at3 ? pt_index(start, 2) : 0; i2 < PT_ENTRIES; i2++) {
				uint64_t base2 = base3 | (uint64_t)i2 << 21;
				if (base2 >= end)
					return false;
				if (!(pd[i2] & PTE_P))
					continue;
				if (pd[i2] & PTE_PS)
					return found(pd[i2], base2, 21, start, va, pa);
				const uint64_t *pt = phys_to_virt(pd[i2] & PTE_ADDR);
				bool at2 = at3 && base2 == ALIGN_DOWN(start, 1ull << 21);
				for (unsigned i1 = at2 ? pt_index(start, 1) : 0; i1 < PT_ENTRIES; i1++) {
					uint64_t base1 = base2 | (uint64_t)i1 << 12;
					if (base1 >= end)
						return false;
					if (pt[i1] & PTE_P)
						return found(pt[i1], base1, 12, start, va, pa);
				}
			}
		}
	}
	return false;
}

/* s's I/O map changed: a CPU that runs s reloads its TSS's copy (here at
 * the next activation, elsewhere at once). */
static void io_changed(struct space *s)
{
	if (is_current(s))
		s->tlb_stale |= this_arch->cpu_bit;   /* makes space_activate reload the TSS bitmap */
	shootdown(s);
}

int space_io_allow(struct space *s, unsigned port)
{
	if (port >= IO_PORTS)
		return L4_EINVAL;
	if (!s->io[0]) {
		uint64_t a = kmem_page_alloc(s->quota), b = a ? kmem_page_alloc(s->quota) : 0;
		if (!b) {
			kmem_page_free(s->quota, a);
			return L4_ENOMEM;
		}
		s->io[0] = phys_to_virt(a);
		s->io[1] = phys_to_virt(b);
		memset(s->io[0], 0xff, PAGE_SIZE);
		memset(s->io[1], 0xff, PAGE_SIZE);
	}
	s->io[port / 8 / PAGE_SIZE][port / 8 % PAGE_SIZE] &= (uint8_t)~(1u << (port % 8));
	s->io_len = MAX(s->io_len, port / 8 + 1);
	s->io_gen = ++io_gen_last;
	io_changed(s);
	return L4_OK;
}

void space_io_deny(struct space *s, unsigned port)
{
	if (port >= IO_PORTS || !s->io[0])
		return;
	s->io[port / 8 / PAGE_SIZE][port / 8 % PAGE_SIZE] |= (uint8_t)(1u << (port % 8));
	s->io_gen = ++io_gen_last;
	io_changed(s);
}

bool space_io_allowed(const struct space *s, unsigned port)
{
	return port < IO_PORTS && s->io[0] &&
	       !(s->io[port / 8 / PAGE_SIZE][port / 8 % PAGE_SIZE] & (1u << (port % 8)));
}


void space_switch(struct space *s)
{
	uint64_t cr3 = s->cr3;

	if (s->tlb_stale) {
		uint64_t bit = this_arch->cpu_bit;
		if (!(s->tlb_stale & bit) && is_current(s))
			return;                  /* stale elsewhere only */
		if (s->tlb_stale & bit) {
			cr3 &= ~CR3_NOFLUSH;
			s->tlb_stale &= ~bit;
		}
	}
	write_cr3(cr3);
	this_arch->space_current = s;
	if (s->io[0] || tss_io_map_on())     /* (between tasks without ports: nothing to do) */
		tss_set_io_bitmap(s->io[0] ? s->io_gen : 0, (const uint8_t *const *)s->io, s->io_len);
}

/* ---- the self-check's part (kernel/check.c) */

static uint64_t pcid_seen[PCID_COUNT / 64];

void arch_space_check_begin(void)
{
	memset(pcid_seen, 0, sizeof(pcid_seen));
}

uint64_t arch_space_check(const struct space *s)
{
	if (!s->root)
		return 0;
	if (!s->guest && pcid_on && s->pcid != PCID_SHARED) {
		uint64_t bit = 1ull << (s->pcid % 64);
		if (!s->pcid || (pcid_seen[s->pcid / 64] & bit) || !(pcid_used[s->pcid / 64] & bit))
			check_fail(L4_CHECK_TAGS, "space %p: TLB tag %u is another live space's or not taken",
				   s, s->pcid);
		pcid_seen[s->pcid / 64] |= bit;
	}
	/* The tables under the space's own part of its root, as space_destroy frees them. */
	uint64_t pages = 1 + (s->io[0] ? 2 : 0);
	const uint64_t *pml4 = phys_to_virt(s->root);
	for (unsigned i = 0; i < (s->guest ? PT_ENTRIES : KERNEL_HALF_FIRST); i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		const uint64_t *pdpt = phys_to_virt(pml4[i] & PTE_ADDR);
		pages++;
		for (unsigned j = 0; j < PT_ENTRIES; j++) {
			if (!(pdpt[j] & PTE_P) || (pdpt[j] & PTE_PS))
				continue;
			const uint64_t *pd = phys_to_virt(pdpt[j] & PTE_ADDR);
			pages++;
			for (unsigned k = 0; k < PT_ENTRIES; k++)
				pages += (pd[k] & PTE_P) && !(pd[k] & PTE_PS);
		}
	}
	return pages * PAGE_SIZE;
}
