/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sigma0: the initial pager. It owns the memory the kernel lists in the
 * boot information (mapped 1:1 into sigma0 by the kernel on first touch)
 * and gives it out by the protocol of include/l4/sigma0.h, recording per
 * page which client holds it.
 */
#include <l4/boot.h>
#include <l4/caps.h>
#include <l4/debug.h>
#include <l4/errno.h>
#include <l4/msg.h>
#include <l4/sigma0.h>
#include <l4/syscall.h>
#include <l4/task.h>
#include <l4/utcb.h>
#include <stdbool.h>
#include "format.h"

#define PAGE 4096ull
#define UTCB ((struct l4_utcb *)L4_BOOT_UTCB_ADDR)
#define OWNER_FREE 0
#define OWNER_SELF 0xffff          /* sigma0's own bookkeeping pages */

static struct l4_boot_info *bi;
static uint16_t *owner;            /* per frame below `frames`: the client's badge */
static uint16_t io_owner[65536];   /* per I/O port: the client's badge */
static uint64_t frames;

/* A character to the kernel console (MR0 is saved: we may be amid a message). */
static void out(void *ctx, char c)
{
	l4_word_t mr0 = UTCB->mr[0];

	(void)ctx;
	UTCB->mr[0] = (unsigned char)c;
	l4_call(L4_CAP_DEBUG, l4_tag(L4_DEBUG_PUTC, 1, 0), L4_TIMEOUT_NEVER);
	UTCB->mr[0] = mr0;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(out, NULL, fmt, ap);
	va_end(ap);
}

static bool owned(uint64_t pa)
{
	for (uint64_t i = 0; i < bi->region_count; i++)
		if (pa >= bi->regions[i].phys && pa - bi->regions[i].phys < bi->regions[i].size)
			return true;
	return false;
}

/* The owner table goes at the start of the first region large enough. */
static bool setup(void)
{
	for (uint64_t i = 0; i < bi->region_count; i++)
		frames = MAX(frames, (bi->regions[i].phys + bi->regions[i].size) / PAGE);
	uint64_t bytes = ALIGN_UP(frames * sizeof(*owner), PAGE);
	for (uint64_t i = 0; i < bi->region_count; i++) {
		if (bi->regions[i].size < bytes)
			continue;
		owner = (uint16_t *)bi->regions[i].phys;     /* 1:1: virtual = physical */
		for (uint64_t f = 0; f < frames; f++)
			owner[f] = OWNER_FREE;
		for (uint64_t p = 0; p < bytes; p += PAGE)
			owner[(bi->regions[i].phys + p) / PAGE] = OWNER_SELF;
		return true;
	}
	return false;
}

/* Checks that [pa, pa + 2^order) may go to client; ENOMEM/EBUSY/EINVAL if not. */
static int check_range(uint64_t pa, unsigned order, uint16_t client)
{
	uint64_t size = 1ull << order;

	if (pa & (size - 1))
		return L4_EINVAL;
	for (uint64_t p = pa; p < pa + size; p += PAGE) {
		if (!owned(p) || p / PAGE >= frames)
			return L4_EINVAL;
		uint16_t o = owner[p / PAGE];
		if (o != OWNER_FREE && o != client)
			return L4_EBUSY;
	}
	return L4_OK;
}

static uint64_t find_free(unsigned order, uint16_t client)
{
	uint64_t size = 1ull << order;

	for (uint64_t i = 0; i < bi->region_count; i++) {
		uint64_t start = ALIGN_UP(bi->regions[i].phys, size);
		uint64_t end = bi->regions[i].phys + bi->regions[i].size;
		for (uint64_t pa = start; pa + size <= end; pa += size) {
			bool free = true;
			for (uint64_t p = pa; p < pa + size && free; p += PAGE)
				free = owner[p / PAGE] == OWNER_FREE;
			if (free && check_range(pa, order, client) == L4_OK)
				return pa;
		}
	}
	return L4_SIGMA0_ANY;
}

/* Marks the pages as the client's and touches each, so that sigma0 has
 * them mapped (the kernel maps sigma0's own memory on first touch). */
static void take(uint64_t pa, unsigned order, uint16_t client)
{
	for (uint64_t p = pa; p < pa + (1ull << order); p += PAGE) {
		owner[p / PAGE] = client;
		(void)*(volatile char *)p;
	}
}

/* Builds the reply: the map item (if any) after `words` words. */
static l4_word_t reply_map(uint64_t send_base, uint64_t pa, unsigned order, unsigned words, bool large)
{
	UTCB->mr[words] = L4_ITEM_MAP | (large ? L4_ITEM_LARGE : 0) | (send_base & ~0xfffull);
	UTCB->mr[words + 1] = l4_fpage_mem(pa, order, L4_FP_RWX);
	return l4_tag(0, words, 1);
}

/* Takes back every mapping of [pa, pa + 2^order) (not sigma0's own 1:1
 * one). Above 4 MiB the kernel unmaps only large pages: memory handed out
 * in small pieces goes back in 4 MiB steps. */
static l4_word_t unmap(uint64_t pa, unsigned order)
{
	UTCB->mr[0] = l4_fpage_mem(pa, order, L4_FP_RWX);
	UTCB->mr[1] = 0;     /* not L4_UNMAP_SELF: sigma0 keeps its own 1:1 mapping */
	return l4_call(L4_CAP_TASK, l4_tag(L4_TASK_UNMAP, 2, 0), L4_TIMEOUT_NEVER).error;
}

static bool revoke(uint64_t pa, unsigned order)
{
	if (unmap(pa, order) == L4_OK)
		return true;
	if (order <= L4_SIGMA0_SMALL_MAX_ORDER)
		return false;
	for (uint64_t p = pa; p < pa + (1ull << order); p += 1ull << L4_SIGMA0_SMALL_MAX_ORDER)
		if (unmap(p, L4_SIGMA0_SMALL_MAX_ORDER))
			return false;
	return true;
}

static l4_word_t handle(l4_word_t tag, uint16_t client, bool *reply)
{
	l4_word_t *mr = UTCB->mr;
	uint64_t label = l4_tag_label(tag);
	int err;

	*reply = true;
	if (client == OWNER_FREE || client == OWNER_SELF)
		return l4_tag(L4_EINVAL, 0, 0);
	if (label == L4_LABEL_PAGE_FAULT && l4_tag_words(tag) >= 1) {
		uint64_t page = mr[0] & ~(PAGE - 1);
		if ((err = check_range(page, 12, client))) {
			say("sigma0: client %u faulted at %#lx: %s; not mapped\n", client, mr[0],
			    err == L4_EBUSY ? "page held by another client" : "not memory sigma0 owns");
			*reply = false;
			return 0;
		}
		take(page, 12, client);
		return reply_map(page, page, 12, 0, false);
	}
	if (label == L4_SIGMA0_ALLOC && l4_tag_words(tag) >= 2) {
		uint64_t pa = mr[0], order = mr[1] & 0xff;
		bool large = mr[1] & L4_SIGMA0_LARGE;
		if (order < 12 || order > (large ? L4_SIGMA0_MAX_ORDER : L4_SIGMA0_SMALL_MAX_ORDER) ||
		    (mr[1] & ~(0xffull | L4_SIGMA0_LARGE)) || (large && order < 21))
			return l4_tag(L4_EINVAL, 0, 0);
		if (pa == L4_SIGMA0_ANY && (pa = find_free((unsigned)order, client)) == L4_SIGMA0_ANY)
			return l4_tag(L4_ENOMEM, 0, 0);
		if ((err = check_range(pa, (unsigned)order, client)))
			return l4_tag((l4_word_t)err, 0, 0);
		take(pa, (unsigned)order, client);
		mr[0] = pa;
		return reply_map(0, pa, (unsigned)order, 1, large);
	}
	if (label == L4_SIGMA0_FREE && l4_tag_words(tag) >= 2) {
		uint64_t pa = mr[0], order = mr[1], size;
		if (order < 12 || order > L4_SIGMA0_MAX_ORDER)
			return l4_tag(L4_EINVAL, 0, 0);
		size = 1ull << order;
		for (uint64_t p = pa; p < pa + size; p += PAGE)
			if (!owned(p) || p / PAGE >= frames || owner[p / PAGE] != client)
				return l4_tag(L4_EINVAL, 0, 0);
		if (!revoke(pa, (unsigned)order))
			return l4_tag(L4_EINVAL, 0, 0);
		for (uint64_t p = pa; p < pa + size; p += PAGE)
			owner[p / PAGE] = OWNER_FREE;
		return l4_tag(0, 0, 0);
	}
	if (label == L4_SIGMA0_IO && l4_tag_words(tag) >= 2) {
		uint64_t port = mr[0], order = mr[1], count;
		if (order > L4_SIGMA0_IO_MAX_ORDER)
			return l4_tag(L4_EINVAL, 0, 0);
		count = 1ull << order;
		if (port & (count - 1) || port + count > 65536)
			return l4_tag(L4_EINVAL, 0, 0);
		for (uint64_t p = port; p < port + count; p++)
			if (io_owner[p] != OWNER_FREE && io_owner[p] != client)
				return l4_tag(L4_EBUSY, 0, 0);
		for (uint64_t p = port; p < port + count; p++)
			io_owner[p] = client;
		mr[0] = L4_ITEM_MAP;
		mr[1] = l4_fpage_io((unsigned)port, (unsigned)order);
		return l4_tag(0, 0, 1);
	}
	if (label == L4_SIGMA0_INFO) {
		uint64_t total = 0, left = 0, mine = 0;
		for (uint64_t i = 0; i < bi->region_count; i++)
			for (uint64_t p = bi->regions[i].phys; p < bi->regions[i].phys + bi->regions[i].size;
			     p += PAGE) {
				total++;
				left += owner[p / PAGE] == OWNER_FREE;
				mine += owner[p / PAGE] == client;
			}
		mr[0] = total;
		mr[1] = left;
		mr[2] = mine;
		return l4_tag(0, 3, 0);
	}
	return l4_tag(L4_ENOSYS, 0, 0);
}

void sigma0_main(struct l4_boot_info *info);
void sigma0_main(struct l4_boot_info *info)
{
	bi = info;
	if (bi->magic != L4_BOOT_INFO_MAGIC || !setup()) {
		say("sigma0: no usable memory description; stopping\n");
		return;
	}
	uint64_t pages = 0;
	for (uint64_t i = 0; i < bi->region_count; i++)
		pages += bi->regions[i].size / PAGE;
	say("sigma0: %lu pages in %lu regions, serving\n", pages, bi->region_count);

	struct l4_result r = l4_recv(L4_CAP_PAGER, L4_TIMEOUT_NEVER);
	for (;;) {
		bool reply = false;
		l4_word_t tag = r.error ? 0 : handle(r.tag, (uint16_t)r.badge, &reply);
		r = reply ? l4_reply_wait(L4_CAP_PAGER, tag, L4_TIMEOUT_NEVER)
			  : l4_recv(L4_CAP_PAGER, L4_TIMEOUT_NEVER);
	}
}
