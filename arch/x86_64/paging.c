/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel's own page tables (layout in layout.h). */
#include "arch.h"
#include "console.h"
#include "cpu.h"
#include "layout.h"
#include "mem.h"
#include "paging.h"
#include "percpu.h"
#include "x86.h"

#define PAGE_2M (2ull << 20)
#define PAGE_1G (1ull << 30)

static uint64_t *kernel_pml4;
static uint64_t direct_limit;               /* the direct map covers [0, direct_limit) */
static uint64_t pte_nx;                     /* PTE_NX if the CPU has it, else 0 */
static uintptr_t mmio_next = MMIO_WINDOW_BASE;

unsigned pt_index(uintptr_t va, unsigned level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 0x1ff;
}

uint64_t *pt_walk(uint64_t *root, uintptr_t va, unsigned leaf, uint64_t table_flags,
		  pt_alloc_fn alloc, void *ctx)
{
	uint64_t *t = root;
	unsigned last = PAGE_SHIFT + 9 * (leaf - 1);

	for (unsigned shift = 39; shift > last; shift -= 9) {
		uint64_t *e = &t[va >> shift & 0x1ff], v = *e;
		if (!(v & PTE_P)) {
			uint64_t f = alloc ? alloc(ctx) : 0;
			if (!f)
				return NULL;
			*e = v = f | table_flags;
		} else if (v & PTE_PS) {
			return NULL;    /* a large page is in the way */
		}
		t = phys_to_virt(v & PTE_ADDR);
	}
	return &t[va >> last & 0x1ff];
}

/* Kernel tables come from below 4 GiB so that the boot direct map reaches them too. */
static uint64_t boot_table_alloc(void *ctx UNUSED)
{
	uint64_t f = mem_zeroed_frame_below(BOOT_DIRECT_MAP);

	if (f == FRAME_NONE)
		panic("paging: out of memory for kernel page tables");
	return f;
}

/* Maps one page of the given size (4 KiB, 2 MiB or 1 GiB). */
static void map_page(uintptr_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	unsigned leaf = size == PAGE_1G ? 3 : size == PAGE_2M ? 2 : 1;
	uint64_t *e = pt_walk(kernel_pml4, va, leaf, PTE_P | PTE_W, boot_table_alloc, NULL);

	*e = pa | flags | (leaf > 1 ? PTE_PS : 0);
}

static void map_range(uintptr_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE)
		map_page(va + off, pa + off, PAGE_SIZE, flags);
}

static void unmap_guard(const void *page)
{
	uint64_t *e = pt_walk(kernel_pml4, (uintptr_t)page, 1, 0, NULL, NULL);

	if (e)
		*e = 0;
}

void arch_paging_init(uint64_t phys_limit)
{
	uint64_t f = mem_zeroed_frame_below(BOOT_DIRECT_MAP);

	if (f == FRAME_NONE)
		panic("paging: out of memory for the kernel PML4");
	kernel_pml4 = phys_to_virt(f);
	if (cpu.nx) {
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
		pte_nx = PTE_NX;
	}

	/* Direct map: 1 GiB pages where the CPU has them, else 2 MiB. */
	uint64_t step = cpu.pages_1g ? PAGE_1G : PAGE_2M;
	uint64_t limit = ALIGN_UP(phys_limit, step);
	direct_limit = limit;
	for (uint64_t pa = 0; pa < limit; pa += step)
		map_page(DIRECT_MAP_BASE + pa, pa, step, PTE_P | PTE_W | PTE_G | pte_nx);

	/* The kernel image, one permission per section. */
	uintptr_t text = (uintptr_t)_text_start, rodata = (uintptr_t)_rodata_start;
	uintptr_t data = (uintptr_t)_data_start, end = (uintptr_t)_kernel_end;
	map_range(text, virt_to_phys(_text_start), rodata - text, PTE_P | PTE_G);
	map_range(rodata, virt_to_phys(_rodata_start), data - rodata, PTE_P | PTE_G | pte_nx);
	map_range(data, virt_to_phys(_data_start), end - data, PTE_P | PTE_W | PTE_G | pte_nx);
	/* Below every stack an unmapped page: an overflow faults (then #DF, on
	 * its own stack, names it: stack_guard_hit). */
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		unmap_guard(cpu_stacks[i].guard);
		for (unsigned j = 0; j < IST_STACKS; j++)
			unmap_guard(cpu_stacks[i].ist[j].guard);
	}

	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(f);
	klog(LOG_INFO, "paging: direct map of %llu MiB in %s pages, kernel %llu KiB, identity map gone\n",
	     (unsigned long long)(limit >> 20), step == PAGE_1G ? "1 GiB" : "2 MiB",
	     (unsigned long long)((end - text) >> 10));
}

void *arch_map_mmio(uint64_t phys, size_t size)
{
	uint64_t base = ALIGN_DOWN(phys, PAGE_SIZE);
	uint64_t len = ALIGN_UP(phys + size, PAGE_SIZE) - base;

	if (len > MMIO_WINDOW_BASE + MMIO_WINDOW_SIZE - mmio_next)
		panic("paging: MMIO window full");
	uintptr_t va = mmio_next;
	mmio_next += len;
	map_range(va, base, len, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_G | pte_nx);
	return (void *)(va + (phys - base));
}

const void *arch_map_phys(uint64_t phys, size_t len)
{
	if (phys + len < phys)
		return NULL;
	if (phys + len <= direct_limit)
		return phys_to_virt(phys);
	return arch_map_mmio(phys, len);
}

uint64_t *paging_kernel_root(void)
{
	return kernel_pml4;
}

uint64_t paging_lookup(uintptr_t va)
{
	return pt_lookup(kernel_pml4, va, NULL);
}

/* The leaf entry mapping va, with W and U the AND and NX the OR over the
 * levels; 0 if nothing maps it; *order (may be NULL): the page's size.
 * Unrolled: the map and page-fault paths do two per item (the loop with
 * its variable shifts took about 115 instructions, this about 40). */
uint64_t pt_lookup(const uint64_t *root, uintptr_t va, unsigned *order)
{
	uint64_t e = root[va >> 39 & 0x1ff], and = e, nx = e;
	unsigned shift;

	for (shift = 30; shift >= PAGE_SHIFT; shift -= 9) {
		if (!(e & PTE_P))
			return 0;
		e = ((const uint64_t *)phys_to_virt(e & PTE_ADDR))[va >> shift & 0x1ff];
		and &= e;
		nx |= e;
		if ((e & PTE_PS) && shift > PAGE_SHIFT)
			break;
	}
	if (!(e & PTE_P))
		return 0;
	if (order)
		*order = shift < PAGE_SHIFT ? PAGE_SHIFT : shift;     /* (the loop ran out: a 4 KiB page) */
	return (e & ~(PTE_W | PTE_NX | PTE_U)) | (and & (PTE_W | PTE_U)) | (nx & PTE_NX);
}

const char *arch_check_paging(void)
{
	uint64_t text = paging_lookup((uintptr_t)_text_start);
	uint64_t rodata = paging_lookup((uintptr_t)_rodata_start);
	uint64_t data = paging_lookup((uintptr_t)_data_start);
	uint64_t direct = paging_lookup(DIRECT_MAP_BASE + KERNEL_PHYS_BASE);

	if (!(read_cr0() & CR0_WP))
		return "CR0.WP is clear";
	if (kernel_pml4[0] & PTE_P)
		return "the identity map is still present";
	if (!text || (text & PTE_W) || (text & PTE_NX))
		return "kernel text is not read-only and executable";
	if (!rodata || (rodata & PTE_W) || (rodata & PTE_NX) != pte_nx)
		return "read-only data is writable or executable";
	if (!data || !(data & PTE_W) || (data & PTE_NX) != pte_nx)
		return "kernel data is not writable and non-executable";
	if (!direct || !(direct & PTE_W) || (direct & PTE_NX) != pte_nx)
		return "the direct map is missing or executable";
	if (cpu.nx && !(rdmsr(MSR_EFER) & EFER_NXE))
		return "EFER.NXE is clear";
	return NULL;
}
