/* SPDX-License-Identifier: GPL-2.0-only */
#include "map.h"
#include <l4/errno.h>
#include <l4/msg.h>
#include "boot.h"
#include "mapdb.h"
#include "mem.h"
#include "regs.h"
#include "task.h"

/* At most 4 MiB per item: the kernel runs with interrupts off, and this
 * bounds the work one item can cause (1024 pages). */
#define MAP_MAX_ORDER 22

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
	for (uint64_t off = 0, at, frame; off < size;) {
		struct mapnode *n = mapdb_lookup(from, src + off, &frame);
		int err;
		at = off;
		off += PAGE_SIZE;
		if (!n)
			continue;      /* nothing mappable there: the receiver gets nothing */
		/* A large page goes whole or not at all; sigma0's roots take the
		 * size of what it hands out (mapdb.h). */
		if (n->order != PAGE_SHIFT || large) {
			bool big = n->order != PAGE_SHIFT, sigma0 = boot_is_sigma0(from);
			bool fits = size >= 1ull << PAGE_SHIFT_2M && space_large_ok(&to->space);
			if (big && sigma0 && !(large && fits)) {
				if ((err = mapdb_split_root(n)))
					return err;
				off = at;      /* (again, as small pages) */
				continue;
			}
			if (big && !fits)
				return L4_EINVAL;
			if (!big && sigma0 && fits && IS_ALIGNED(at, 1ull << PAGE_SHIFT_2M) &&
			    mapdb_merge_roots(from, src + at) == L4_OK) {
				off = at;      /* (again, as a large page) */
				continue;
			}
			off = at + (1ull << n->order);
		}
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
	if (n && n->order > order)
		return L4_EINVAL;
	for (uint64_t off = 0, step;; n = mapdb_lookup(t, base + off, NULL)) {
		step = n ? 1ull << n->order : PAGE_SIZE;
		if (n)
			mapdb_unmap(n, self);
		if ((off += step) >= size)
			return L4_OK;
	}
}
