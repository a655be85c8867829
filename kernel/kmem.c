/* SPDX-License-Identifier: GPL-2.0-only */
#include "kmem.h"
#include "arch.h"
#include "console.h"
#include "layout.h"
#include "mem.h"
#include "string.h"

/* Block sizes: 32 and 48 bytes (48: a mapping node, mapdb.h), then powers
 * of two up to a page. */
#define SLAB_CLASSES (PAGE_SHIFT - 6 + 3)
#define NO_PAGE ~0ull

/*
 * Slabs: each class's free blocks are one doubly linked list through the
 * blocks themselves, and each slab page counts its blocks in use (per
 * frame, slab_used). A page whose last block is freed goes back to the
 * frame allocator (after unlinking its blocks: at most 128), except one
 * empty page per class kept against alloc/free at a page's edge. So
 * memory freed as small objects is there for pages again, which other
 * tasks' quotas count on. Page-sized blocks are whole frames.
 */
struct free_block {
	struct free_block *next, *prev;
};

static struct free_block *slab_free[SLAB_CLASSES];
static uint64_t slab_spare[SLAB_CLASSES];       /* a kept empty page, or NO_PAGE */
static uint16_t *slab_used;                     /* per frame: blocks in use */
static uint64_t slab_frames;

void kmem_init(uint64_t phys_limit)
{
	slab_frames = phys_limit >> PAGE_SHIFT;
	uint64_t pages = ALIGN_UP(slab_frames * sizeof(*slab_used), PAGE_SIZE) / PAGE_SIZE;
	uint64_t pa = frame_alloc_contig(&mem.frames, pages, PAGE_SIZE);

	if (pa == FRAME_NONE)
		panic("kmem: no room for %llu slab counts", (unsigned long long)slab_frames);
	slab_used = phys_to_virt(pa);
	memset(slab_used, 0, pages * PAGE_SIZE);
	for (unsigned c = 0; c < SLAB_CLASSES; c++)
		slab_spare[c] = NO_PAGE;
}

static unsigned size_class(size_t size)
{
	return size <= 32 ? 0 : size <= 48 ? 1 : 64 - (unsigned)__builtin_clzll(size - 1) - 6 + 2;
}

static size_t class_bytes(unsigned c)
{
	return c == 0 ? 32 : c == 1 ? 48 : (size_t)1 << (c - 2 + 6);
}

size_t kmem_size(size_t size)
{
	return class_bytes(size_class(size));
}

bool quota_charge(struct quota *q, uint64_t bytes)
{
	if (q->used > q->limit || bytes > q->limit - q->used)
		return false;
	q->used += bytes;
	return true;
}

void quota_release(struct quota *q, uint64_t bytes)
{
	q->used -= MIN(bytes, q->used);
}

static void push(unsigned c, struct free_block *b)
{
	b->prev = NULL;
	b->next = slab_free[c];
	if (b->next)
		b->next->prev = b;
	slab_free[c] = b;
}

static void unlink_block(unsigned c, struct free_block *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		slab_free[c] = b->next;
	if (b->next)
		b->next->prev = b->prev;
}

/* Slab pages are always reached through the direct map. */
static uint64_t frame_of(const void *block)
{
	return ((uintptr_t)block - DIRECT_MAP_BASE) >> PAGE_SHIFT;
}

/* A page's blocks of a class: from its end down (a 48-byte class leaves 16
 * bytes at the start). */
#define FOR_BLOCKS(page, bytes, b) \
	for (size_t off_ = PAGE_SIZE; off_ >= (bytes) && ((b) = (void *)((page) + off_ - (bytes))); off_ -= (bytes))

/* A fresh page's blocks onto class c's list; false without memory. */
static bool grow(unsigned c, size_t bytes)
{
	uint64_t f = frame_alloc(&mem.frames);

	if (f == FRAME_NONE)
		return false;
	uint8_t *page = phys_to_virt(f);
	struct free_block *b;
	FOR_BLOCKS(page, bytes, b)
		push(c, b);
	return true;
}

void *kmem_alloc(struct quota *q, size_t size)
{
	if (!size || size > PAGE_SIZE)
		return NULL;
	unsigned c = size_class(size);
	size_t bytes = class_bytes(c);
	if (!quota_charge(q, bytes))
		return NULL;
	if (bytes == PAGE_SIZE) {
		uint64_t f = frame_alloc(&mem.frames);
		if (f == FRAME_NONE) {
			quota_release(q, bytes);
			return NULL;
		}
		memset(phys_to_virt(f), 0, PAGE_SIZE);
		return phys_to_virt(f);
	}
	if (!slab_free[c] && !grow(c, bytes)) {
		quota_release(q, bytes);
		return NULL;
	}
	struct free_block *b = slab_free[c];
	slab_free[c] = b->next;
	if (b->next)
		b->next->prev = NULL;
	uint64_t frame = frame_of(b);
	if (!slab_used[frame]++ && slab_spare[c] == frame)
		slab_spare[c] = NO_PAGE;      /* the kept empty page is in use again */
	memset(b, 0, bytes);
	return b;
}

void kmem_free(struct quota *q, void *p, size_t size)
{
	if (!p)
		return;
	unsigned c = size_class(size);
	size_t bytes = class_bytes(c);

	quota_release(q, bytes);
	if (bytes == PAGE_SIZE) {
		frame_free(&mem.frames, virt_to_phys(p));
		return;
	}
	push(c, p);
	uint64_t frame = frame_of(p);
	if (--slab_used[frame])
		return;
	/* The page is empty: keep one such page per class, return the others. */
	if (slab_spare[c] == NO_PAGE) {
		slab_spare[c] = frame;
		return;
	}
	uint8_t *page = phys_to_virt(frame << PAGE_SHIFT);
	struct free_block *b;
	FOR_BLOCKS(page, bytes, b)
		unlink_block(c, b);
	frame_free(&mem.frames, frame << PAGE_SHIFT);
}

uint64_t kmem_page_alloc(struct quota *q)
{
	if (!quota_charge(q, PAGE_SIZE))
		return 0;
	uint64_t f = frame_alloc(&mem.frames);
	if (f == FRAME_NONE) {
		quota_release(q, PAGE_SIZE);
		return 0;
	}
	memset(phys_to_virt(f), 0, PAGE_SIZE);
	return f;
}

void kmem_page_free(struct quota *q, uint64_t phys)
{
	/* A page a task had mapped (a UTCB) may still be in another CPU's TLB
	 * until this entry's deferred shootdown: that comes first. */
	arch_tlb_shootdown_flush();
	if (phys && frame_free(&mem.frames, phys))
		quota_release(q, PAGE_SIZE);
}
