/* SPDX-License-Identifier: GPL-2.0-only */
#include "kmem.h"
#include "layout.h"
#include "mem.h"
#include "string.h"

#define SLAB_MIN_SHIFT 5             /* 32 bytes */
#define SLAB_CLASSES (PAGE_SHIFT - SLAB_MIN_SHIFT + 1)

struct free_block {
	struct free_block *next;
};

static struct free_block *slab_free[SLAB_CLASSES];

static unsigned size_class(size_t size)
{
	unsigned c = 0;

	while ((1ull << (c + SLAB_MIN_SHIFT)) < size)
		c++;
	return c;
}

size_t kmem_size(size_t size)
{
	return (size_t)1 << (size_class(size) + SLAB_MIN_SHIFT);
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

void *kmem_alloc(struct quota *q, size_t size)
{
	if (!size || size > PAGE_SIZE)
		return NULL;
	unsigned c = size_class(size);
	size_t bytes = 1ull << (c + SLAB_MIN_SHIFT);
	if (!quota_charge(q, bytes))
		return NULL;
	if (!slab_free[c]) {
		uint64_t f = frame_alloc(&mem.frames);
		if (f == FRAME_NONE) {
			quota_release(q, bytes);
			return NULL;
		}
		uint8_t *page = phys_to_virt(f);
		for (size_t off = 0; off < PAGE_SIZE; off += bytes) {
			struct free_block *b = (struct free_block *)(page + off);
			b->next = slab_free[c];
			slab_free[c] = b;
		}
	}
	struct free_block *b = slab_free[c];
	slab_free[c] = b->next;
	memset(b, 0, bytes);
	return b;
}

void kmem_free(struct quota *q, void *p, size_t size)
{
	if (!p)
		return;
	unsigned c = size_class(size);
	struct free_block *b = p;

	b->next = slab_free[c];
	slab_free[c] = b;
	quota_release(q, 1ull << (c + SLAB_MIN_SHIFT));
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
	if (phys && frame_free(&mem.frames, phys))
		quota_release(q, PAGE_SIZE);
}
