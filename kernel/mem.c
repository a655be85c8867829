/* SPDX-License-Identifier: GPL-2.0-only */
#include "mem.h"
#include "console.h"
#include "layout.h"
#include "string.h"

#define LOW_MEMORY_END 0x100000ull   /* real-mode area, BIOS data, option ROMs */

struct mem_state mem;

static void add_reserved(uint64_t base, uint64_t end)
{
	if (mem.reserved_count == MEM_MAX_RESERVED)
		panic("mem: more than %u reserved ranges", MEM_MAX_RESERVED);
	mem.reserved[mem.reserved_count++] = (struct phys_range){ base, end };
}

void mem_init(const struct mb2_info *mb, uint64_t info_phys)
{
	struct phys_range usable[MB2_MAX_REGIONS];
	unsigned n_usable = 0;

	for (unsigned i = 0; i < mb->region_count; i++) {
		const struct mb2_region *r = &mb->regions[i];
		if (r->type != MB2_MEM_AVAILABLE || !r->len)
			continue;
		usable[n_usable++] = (struct phys_range){ r->base, r->base + r->len };
		mem.ram[mem.ram_count++] = usable[n_usable - 1];
		mem.phys_limit = MAX(mem.phys_limit, r->base + r->len);
	}
	if (!n_usable)
		panic("mem: the memory map has no available memory");
	if (mem.phys_limit > DIRECT_MAP_MAX) {
		klog(LOG_WARN, "mem: ignoring memory above %llu TiB\n", DIRECT_MAP_MAX >> 40);
		mem.phys_limit = DIRECT_MAP_MAX;
	}

	add_reserved(0, LOW_MEMORY_END);
	add_reserved((uintptr_t)_kernel_phys_start, virt_to_phys(_kernel_end));
	add_reserved(info_phys, info_phys + mb->total_size);
	for (unsigned i = 0; i < mb->module_count; i++)
		add_reserved(mb->modules[i].start, mb->modules[i].end);

	/* The bitmap must be reachable through the boot page tables' direct map. */
	size_t bytes = frame_bitmap_bytes(mem.phys_limit);
	uint64_t at = phys_find_space(usable, n_usable, mem.reserved, mem.reserved_count,
				      bytes, PAGE_SIZE, LOW_MEMORY_END);
	if (at == FRAME_NONE || at + bytes > BOOT_DIRECT_MAP)
		panic("mem: no room below 4 GiB for a %zu-byte frame bitmap", bytes);
	add_reserved(at, at + bytes);

	frame_init(&mem.frames, phys_to_virt(at), mem.phys_limit);
	for (unsigned i = 0; i < n_usable; i++)
		frame_add_usable(&mem.frames, usable[i].base, MIN(usable[i].end, mem.phys_limit));
	/* Firmware ranges overlapping "available" ones win: take them out again. */
	for (unsigned i = 0; i < mb->region_count; i++) {
		const struct mb2_region *r = &mb->regions[i];
		if (r->type != MB2_MEM_AVAILABLE)
			frame_reserve(&mem.frames, r->base, r->base + r->len);
	}
	for (unsigned i = 0; i < mem.reserved_count; i++)
		frame_reserve(&mem.frames, mem.reserved[i].base, mem.reserved[i].end);

	kprintf("memory: %llu MiB usable, %llu frames free, bitmap %zu KiB at %#llx\n",
		(unsigned long long)(mem.frames.total >> (20 - PAGE_SHIFT)),
		(unsigned long long)mem.frames.free, bytes >> 10, (unsigned long long)at);
}

uint64_t mem_zeroed_frame_below(uint64_t max)
{
	uint64_t f = frame_alloc_below(&mem.frames, max);

	if (f != FRAME_NONE)
		memset(phys_to_virt(f), 0, PAGE_SIZE);
	return f;
}

static bool add_sigma0(uint64_t base, uint64_t end)
{
	if (mem.sigma0_count == MEM_MAX_SIGMA0) {
		klog(LOG_WARN, "mem: more than %u ranges for sigma0; the rest stays with the kernel\n",
		     MEM_MAX_SIGMA0);
		return false;
	}
	mem.sigma0[mem.sigma0_count++] = (struct phys_range){ base, end };
	return true;
}

uint64_t mem_split(const struct mb2_info *mb, uint64_t kernel_bytes)
{
	struct frame_alloc *fa = &mem.frames;
	uint64_t keep = kernel_bytes >> PAGE_SHIFT, seen = 0, f = 0, given = 0;

	while (f < fa->frames && seen < keep)
		seen += frame_is_free(fa, f++ << PAGE_SHIFT);
	/* Every run of free frames from here on becomes one sigma0 range. */
	while (f < fa->frames) {
		if (!frame_is_free(fa, f << PAGE_SHIFT)) {
			f++;
			continue;
		}
		uint64_t start = f;
		while (f < fa->frames && frame_is_free(fa, f << PAGE_SHIFT))
			f++;
		if (!add_sigma0(start << PAGE_SHIFT, f << PAGE_SHIFT))
			break;
		frame_reserve(fa, start << PAGE_SHIFT, f << PAGE_SHIFT);
		given += (f - start) << PAGE_SHIFT;
	}
	/* Module pages stay reserved in the kernel's allocator either way. */
	for (unsigned i = 0; i < mb->module_count; i++)
		add_sigma0(ALIGN_DOWN(mb->modules[i].start, PAGE_SIZE),
			   ALIGN_UP(mb->modules[i].end, PAGE_SIZE));
	return given;
}

bool mem_sigma0_owns(uint64_t pa)
{
	return mem_sigma0_owns_range(pa, 1);
}

bool mem_sigma0_owns_range(uint64_t pa, uint64_t size)
{
	for (unsigned i = 0; i < mem.sigma0_count; i++)
		if (pa >= mem.sigma0[i].base && pa + size <= mem.sigma0[i].end)
			return true;
	return false;
}

bool mem_is_ram(uint64_t pa)
{
	for (unsigned i = 0; i < mem.ram_count; i++)
		if (pa >= mem.ram[i].base && pa < mem.ram[i].end)
			return true;
	return false;
}
