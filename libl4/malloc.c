/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * malloc and free: a first-fit free list with coalescing, over memory from
 * the memory server when the program uses "mem" (regions paged on demand),
 * else from a fixed arena in the program's image.
 */
#include "l4lib.h"
#include <l4/mem.h>

#define ALIGN       16ul
#define CHUNK       (1ul << 20)       /* what one memory-server region adds */
#define ARENA_BYTES (64ul << 10)      /* without a memory server */

struct block {
	size_t size;                      /* bytes after the header */
	struct block *next;               /* free list (address order) */
};

#define HDR ((sizeof(struct block) + ALIGN - 1) & ~(ALIGN - 1))

static struct block *free_list;
static unsigned char arena[ARENA_BYTES] __attribute__((aligned(16)));
static bool arena_used;

/* Puts [p, p + bytes) on the free list, merging with its neighbours. */
static void release(struct block *b)
{
	struct block **link = &free_list;

	while (*link && *link < b)
		link = &(*link)->next;
	b->next = *link;
	*link = b;
	if (b->next && (unsigned char *)b + HDR + b->size == (unsigned char *)b->next) {
		b->size += HDR + b->next->size;
		b->next = b->next->next;
	}
	struct block *prev = (struct block *)((unsigned char *)link - offsetof(struct block, next));
	if (link != &free_list && (unsigned char *)prev + HDR + prev->size == (unsigned char *)b) {
		prev->size += HDR + b->size;
		prev->next = b->next;
	}
}

/* More memory for the heap: at least bytes; false if there is none. */
static bool more(size_t bytes)
{
	l4_cap_t mem = l4_env_cap("mem");

	if (mem != L4_CAP_NONE) {
		/* A region per chunk, never above the quota (the server refuses that). */
		size_t chunk = l4_env && l4_env->memory && l4_env->memory < CHUNK ? l4_env->memory & ~4095ul : CHUNK;
		size_t n = bytes + HDR > chunk ? (bytes + HDR + 4095) & ~4095ul : chunk;
		struct l4_result r = L4_INVOKE(mem, L4_MEM_ALLOC, n);
		if (r.error || l4_tag_label(r.tag))
			return false;
		struct block *b = (struct block *)l4_utcb()->mr[0];
		b->size = n - HDR;
		release(b);
		return true;
	}
	if (arena_used || bytes + HDR > ARENA_BYTES)
		return false;
	arena_used = true;
	struct block *b = (struct block *)arena;
	b->size = ARENA_BYTES - HDR;
	release(b);
	return true;
}

void *malloc(size_t size)
{
	if (!size || size > (1ul << 40))
		return NULL;
	size = (size + ALIGN - 1) & ~(ALIGN - 1);
	for (int attempt = 0; attempt < 2; attempt++) {
		for (struct block **link = &free_list; *link; link = &(*link)->next) {
			struct block *b = *link;
			if (b->size < size)
				continue;
			if (b->size >= size + HDR + ALIGN) {      /* split: the rest stays free */
				struct block *rest = (struct block *)((unsigned char *)b + HDR + size);
				rest->size = b->size - size - HDR;
				rest->next = b->next;
				b->size = size;
				*link = rest;
			} else {
				*link = b->next;
			}
			return (unsigned char *)b + HDR;
		}
		if (!more(size))
			break;
	}
	return NULL;
}

void free(void *p)
{
	if (p)
		release((struct block *)((unsigned char *)p - HDR));
}

void *calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	unsigned char *p = malloc(n * size);
	for (size_t i = 0; p && i < n * size; i++)
		p[i] = 0;
	return p;
}
