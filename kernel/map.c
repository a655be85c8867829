/* SPDX-License-Identifier: GPL-2.0-only */
#include "map.h"
#include <l4/errno.h>
#include <l4/msg.h>
#include "boot.h"
#include "mapdb.h"
#include "mem.h"
#include "regs.h"
#include "task.h"

/* Items of up to 1 GiB. The kernel runs with interrupts off, so the work
 * one item causes is bounded: up to 4 MiB an item may hold 4 KiB pages
 * (1024), above that only pages of 2 MiB and more (512 at most; empty
 * parts are skipped table by table). */
#define MAP_MAX_ORDER PAGE_SHIFT_1G
#define SMALL_MAX_ORDER 22
/* sigma0's small roots in such an item that merge back (bounded like
 * 4 MiB of small pages). */
#define MERGES_MAX 2

#define IO_MAX_ORDER 16

/* The ports of an I/O flexpage; false if it is malformed. */
static bool io_range(uint64_t fp, uint64_t *base, uint64_t *count)
{
	unsigned order = l4_fpage_order(fp);

	*base = l4_fpage_base(fp);
	*count = 1ull << MIN(order, 63u);
	return l4_fpage_space(fp) == L4_FP_IO && order <= IO_MAX_ORDER && !(*base & (*count - 1)) &&
	       *base + *count <= IO_PORTS;
}

/* I/O ports go to the same port numbers; a receiver accepts those inside
 * its I/O window (BR2), unless whole_space. sigma0 owns every port. */
static int map_io(struct task *from, uint64_t fp, bool grant, struct task *to, uint64_t window,
		  bool whole_space)
{
	uint64_t base, count, wbase, wcount;

	if (!io_range(fp, &base, &count))
		return L4_EMSG;
	if (!whole_space && (!io_range(window, &wbase, &wcount) || base < wbase ||
			     base + count > wbase + wcount))
		return L4_EMSG;
	for (uint64_t port = base; port < base + count; port++) {
		struct mapnode *n = mapdb_lookup_io(from, (unsigned)port);
		if (!n && boot_is_sigma0(from) && !mapdb_insert_root_io(from, (unsigned)port))
			n = mapdb_lookup_io(from, (unsigned)port);
		if (!n || from == to)
			continue;
		int err = grant ? mapdb_grant(n, port, to, port, 0) : mapdb_map(n, port, to, port, 0);
		if (err)
			return err;
	}
	return L4_OK;
}

/* The offset in [src, src + size) of t's next mapped page after off (~0
 * if none): empty tables are skipped whole. */
static uint64_t next_mapped(struct task *t, uint64_t src, uint64_t size, uint64_t off)
{
	uint64_t v = src + off, pa;

	if (!space_next(&t->space, &v, src + size, &pa))
		return ~0ull;
	return v > src + off ? v - src : off + PAGE_SIZE;
}

/* An item above 4 MiB: L4_EINVAL if t has 4 KiB pages in it (nothing has
 * changed then). With merge (sigma0 handing memory out), its small roots
 * merge back where they can, up to MERGES_MAX of its 2 MiB pieces. */
static int large_only(struct task *t, uint64_t src, uint64_t size, bool merge)
{
	unsigned merges = 0;

	for (uint64_t off = 0; off < size; off += 1ull << PAGE_SHIFT_2M)
		if (space_small_in(&t->space, src + off) &&
		    (!merge || merges++ == MERGES_MAX || mapdb_merge_roots(t, src + off, PAGE_SHIFT_2M)))
			return L4_EINVAL;
	return L4_OK;
}

/* The page size sigma0 hands out at offset at of an item of size bytes:
 * the largest that fits there and the receiver takes, with L4_ITEM_LARGE;
 * else 4 KiB. */
static unsigned sigma0_order(const struct task *to, bool large, uint64_t size, uint64_t at)
{
	for (unsigned o = PAGE_SHIFT_1G; large && o > PAGE_SHIFT; o -= 9)
		if (size >= 1ull << o && IS_ALIGNED(at, 1ull << o) && space_order_ok(&to->space, o))
			return o;
	return PAGE_SHIFT;
}

int map_item(struct task *from, const uint64_t item[2], struct task *to, uint64_t window,
	     bool whole_space)
{
	uint64_t fp = item[1];
	unsigned order = l4_fpage_order(fp), type = item[0] & 0xf;
	unsigned memtype = (unsigned)item[0] & 0x30;     /* L4_ITEM_* memory types = SPACE_UC/WT */

	if ((type != L4_ITEM_MAP && type != L4_ITEM_GRANT) || (item[0] & 0xf80) || memtype == 0x30)
		return L4_EMSG;
	if (l4_fpage_space(fp) == L4_FP_IO)
		return map_io(from, fp, type == L4_ITEM_GRANT, to, window, whole_space);
	if (l4_fpage_space(fp) != L4_FP_MEM || order < PAGE_SHIFT || order > MAP_MAX_ORDER)
		return L4_EMSG;
	uint64_t size = 1ull << order, src = fp & ~(PAGE_SIZE - 1), send_base = item[0] & ~0xfffull;
	if (src & (size - 1))
		return L4_EMSG;
	uint64_t dst;
	if (whole_space) {
		dst = ALIGN_DOWN(send_base, size);
	} else {
		/* The receive window: the item lands at send_base modulo the window's size. */
		unsigned worder = l4_fpage_order(window);
		if (!window || l4_fpage_space(window) != L4_FP_MEM || worder < order || worder > 47)
			return L4_EMSG;
		uint64_t wsize = 1ull << worder, wbase = window & ~(wsize - 1);
		dst = wbase + ALIGN_DOWN(send_base & (wsize - 1), size);
	}
	if (!space_range_ok(&from->space, src, size) || !space_range_ok(&to->space, dst, size))
		return L4_EFAULT;
	unsigned rights = l4_fpage_rights(fp) & L4_FP_RWX;   /* the same bits as SPACE_R/W/X */
	bool large = item[0] & L4_ITEM_LARGE;
	int err;
	if (order > SMALL_MAX_ORDER) {
		/* (From sigma0 too: such an item must go in large pages.) */
		bool sigma0 = boot_is_sigma0(from);
		if (sigma0 && sigma0_order(to, large, size, 0) == PAGE_SHIFT)
			return L4_EINVAL;
		if ((err = large_only(from, src, size, sigma0)))
			return err;
	}
	for (uint64_t off = 0, at, frame; off < size;) {
		struct mapnode *n = mapdb_lookup(from, src + off, &frame);
		at = off;
		if (!n) {       /* nothing mappable here: the receiver gets nothing */
			if ((off = next_mapped(from, src, size, off)) >= size)
				break;
			continue;
		}
		if (n->order == PAGE_SHIFT && !large) {
			/* (A small page, the common case: as it is.) */
		} else if (boot_is_sigma0(from)) {
			/* sigma0's roots take the size of what it hands out (mapdb.h). */
			unsigned want = sigma0_order(to, large, size, at);
			if (n->order > want) {
				if ((err = mapdb_split_root(n)))
					return err;
				continue;       /* (again, in smaller pages) */
			}
			if (n->order < want && mapdb_merge_roots(from, src + at, n->order + 9) == L4_OK)
				continue;       /* (again, as a larger page) */
		} else if (n->order != PAGE_SHIFT && (size < 1ull << n->order || !space_order_ok(&to->space, n->order))) {
			return L4_EINVAL;       /* a large page goes whole or not at all */
		}
		off = at + (1ull << n->order);
		if (!(n->rights & rights))
			continue;
		/* RAM is write-back in every mapping: an uncached or write-through
		 * alias of a cached page is undefined on x86 (stale lines, machine
		 * checks). Those types are for device memory. */
		if (memtype && mem_is_ram(frame))
			return L4_EINVAL;
		err = type == L4_ITEM_GRANT ? mapdb_grant(n, frame, to, dst + at, rights | memtype) :
					      mapdb_map(n, frame, to, dst + at, rights | memtype);
		if (err)
			return err;
	}
	return L4_OK;
}

int unmap_fpage(struct task *t, uint64_t fp, bool self)
{
	unsigned order = l4_fpage_order(fp);
	uint64_t base, count;

	if (l4_fpage_space(fp) == L4_FP_IO) {
		if (!io_range(fp, &base, &count))
			return L4_EMSG;
		for (uint64_t port = base; port < base + count; port++) {
			struct mapnode *n = mapdb_lookup_io(t, (unsigned)port);
			if (n)
				mapdb_unmap(n, self);
		}
		return L4_OK;
	}
	if (l4_fpage_space(fp) != L4_FP_MEM || order < PAGE_SHIFT || order > MAP_MAX_ORDER)
		return L4_EMSG;
	uint64_t size = 1ull << order;
	base = fp & ~(PAGE_SIZE - 1);
	if (base & (size - 1))
		return L4_EMSG;
	if (!space_range_ok(&t->space, base, size))
		return L4_EFAULT;
	/* A large page is unmapped whole or not at all (docs/kernel.md). */
	struct mapnode *n = mapdb_lookup(t, base, NULL);
	int err;

	if (n && n->order > order)
		return L4_EINVAL;
	if (order > SMALL_MAX_ORDER && (err = large_only(t, base, size, false)))
		return err;
	for (uint64_t off = 0; off < size;) {
		if (!(n = mapdb_lookup(t, base + off, NULL))) {
			off = next_mapped(t, base, size, off);
			continue;
		}
		off += 1ull << n->order;
		mapdb_unmap(n, self);
	}
	return L4_OK;
}
