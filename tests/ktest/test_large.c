/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Large (2 MiB and 1 GiB) pages: sigma0 hands them out with L4_SIGMA0_LARGE, map
 * items pass them on whole, a part of one is never mapped or unmapped,
 * small pages make way for one, and sigma0's own roots split and merge
 * as it hands out small and large pieces (include/l4/msg.h, "Large pages").
 */
#include "ktest.h"
#include "l4vcpu.h"
#include <l4/sigma0.h>

#define LARGE   (2ull << 20)
#define VIEW    0x50000000ull     /* ours: 4 MiB of large pages */
#define VIEW2   0x50400000ull     /* ours: 4 MiB of small pages, or one small page */
#define AT      0x40000000ull     /* where the other task sees them */
#define HIGH    120

static l4_word_t window(l4_word_t base, unsigned order)
{
	return l4_fpage_mem(base, order, 0);
}

static long reader(long addr)
{
	return *(volatile long *)addr;
}

static long writer(long addr)
{
	*(volatile long *)addr = 0x77;
	return 1;
}

/* What task b reads at addr: the word, or -1 if it faulted (no pager: the
 * thread stops; a reader that has not finished in 20 ms has faulted). */
static long read_in(l4_cap_t b, l4_word_t addr)
{
	l4_cap_t t = l4_thread_start_in(b, reader, (long)addr, HIGH);
	long r = -1;

	for (int i = 0; i < 20 && (r = l4_thread_result(t)) == -1; i++)
		l4_sleep_us(1000);
	l4_thread_kill(t);
	return r;
}

/* Kernel memory our factory's quota has paid for. */
static l4_word_t quota_used(void)
{
	return l4_factory_used(L4_CAP_FACTORY);
}

static l4_word_t alloc(l4_word_t pa, unsigned order, l4_word_t view)
{
	l4_word_t err;

	return l4_sigma0_alloc(pa, order, window(view, order & 0xff), &err);
}

static void sigma0_free(l4_word_t pa, unsigned order)
{
	L4_INVOKE(L4_CAP_PAGER, L4_SIGMA0_FREE, pa, order);
}

/* A word per 2 MiB: where each piece lies in the other task shows. */
static void stamp(l4_word_t view, l4_word_t size)
{
	for (l4_word_t off = 0; off < size; off += LARGE)
		*(volatile l4_word_t *)(view + off + 0x1238) = off ^ 0x5a5a;
}

/* 4 MiB as two large pages in another task: two mapping nodes, no page
 * table; the same as small pages: 1,024 nodes and two tables. */
static void sigma0_hands_out_large_pages(void)
{
	l4_cap_t b = l4_task_share_image(4096);
	l4_word_t pa = alloc(L4_SIGMA0_ANY, 22 | L4_SIGMA0_LARGE, VIEW);
	l4_word_t small = alloc(L4_SIGMA0_ANY, 22, VIEW2);

	CHECK(b != L4_CAP_NONE);
	CHECK(pa != ~0ull && small != ~0ull);
	CHECK_EQ(pa & (4 * LARGE / 2 - 1), 0);
	stamp(VIEW, 4 * LARGE / 2);
	stamp(VIEW2, 4 * LARGE / 2);
	/* (Once, so that b's upper tables exist for both.) */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT + 0x800000), l4_fpage_mem(VIEW2, 12, L4_FP_RW)).error, L4_OK);
	l4_word_t q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 22, L4_FP_RW)).error, L4_OK);
	l4_word_t q1 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT + 0x400000), l4_fpage_mem(VIEW2, 22, L4_FP_RW)).error, L4_OK);
	l4_word_t q2 = quota_used();
	l4_printf("ktest: (4 MiB mapped on: %lu bytes of kernel memory in large pages, %lu in small ones)\n",
		  (unsigned long)(q1 - q0), (unsigned long)(q2 - q1));
	CHECK(q1 - q0 <= 256);
	CHECK(q2 - q1 >= 1024 * 48);
	CHECK_EQ(read_in(b, AT + LARGE + 0x1238), LARGE ^ 0x5a5a);
	CHECK_EQ(read_in(b, AT + 0x1238), 0x5a5a);
	CHECK_EQ(read_in(b, AT + 0x400000 + LARGE + 0x1238), LARGE ^ 0x5a5a);
	/* Writes go through to the same memory. */
	l4_cap_t t = l4_thread_start_in(b, writer, (long)(AT + LARGE + 0x10), HIGH);
	CHECK(l4_thread_join(t));
	l4_thread_kill(t);
	CHECK_EQ(*(volatile l4_word_t *)(VIEW + LARGE + 0x10), 0x77);
	/* Taking them back frees their nodes. */
	l4_word_t q3 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT, 22, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	CHECK_EQ(q3 - quota_used(), q1 - q0);
	CHECK_EQ(read_in(b, AT + 0x1238), -1);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	sigma0_free(pa, 22);
	sigma0_free(small, 22);
}

/* A large page is mapped on, and unmapped, whole or not at all. */
static void part_of_a_large_page_is_refused(void)
{
	l4_cap_t b = l4_task_share_image(4096);
	l4_word_t pa = alloc(L4_SIGMA0_ANY, 21 | L4_SIGMA0_LARGE, VIEW);
	l4_word_t small = alloc(L4_SIGMA0_ANY, 12, VIEW2);

	CHECK(b != L4_CAP_NONE);
	CHECK(pa != ~0ull && small != ~0ull);
	stamp(VIEW, LARGE);
	*(volatile l4_word_t *)(VIEW + 0x5000) = 0x5005;
	*(volatile l4_word_t *)VIEW2 = 0x2222;
	/* Parts of ours: a page, half, by map and by grant. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW + 0x3000, 12, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 20, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | AT, l4_fpage_mem(VIEW + 0x3000, 12, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(read_in(b, AT), -1);
	/* Whole, it goes. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 21, L4_FP_RW)).error, L4_OK);
	/* Unmapping a part of b's, or of ours, is refused, and changes nothing. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT + 0x5000, 12, L4_FP_RWX), L4_UNMAP_SELF).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT, 20, L4_FP_RWX), L4_UNMAP_SELF).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(VIEW + 0x5000, 12, L4_FP_RWX), 0).error, L4_EINVAL);
	CHECK_EQ(read_in(b, AT + 0x5000), 0x5005);
	/* A small page where b has a large one: refused; b's stays. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT + 0x5000), l4_fpage_mem(VIEW2, 12, L4_FP_RW)).error, L4_EBUSY);
	CHECK_EQ(read_in(b, AT + 0x5000), 0x5005);
	/* Mapped again from the same source: only the rights change. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 21, L4_FP_R)).error, L4_OK);
	l4_cap_t t = l4_thread_start_in(b, writer, (long)(AT + 0x10), HIGH);
	l4_sleep_us(2000);
	CHECK_EQ(l4_thread_result(t), -1);          /* read-only now: the write faulted */
	l4_thread_kill(t);
	CHECK_EQ(read_in(b, AT + 0x5000), 0x5005);
	/* Our unmap of the whole (not ourselves) takes b's. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(VIEW, 21, L4_FP_RWX), 0).error, L4_OK);
	CHECK_EQ(read_in(b, AT + 0x5000), -1);
	CHECK_EQ(*(volatile l4_word_t *)(VIEW + 0x5000), 0x5005);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	sigma0_free(pa, 21);
	sigma0_free(small, 12);
}

/* Small pages where a large one is to go are unmapped (with what was
 * derived from them); a large one is not replaced by small ones. */
static void small_pages_make_way(void)
{
	l4_cap_t b = l4_task_share_image(4096), c = l4_task_share_image(4096);
	l4_word_t pa = alloc(L4_SIGMA0_ANY, 21 | L4_SIGMA0_LARGE, VIEW);
	l4_word_t small = alloc(L4_SIGMA0_ANY, 12, VIEW2);

	CHECK(b != L4_CAP_NONE && c != L4_CAP_NONE);
	CHECK(pa != ~0ull && small != ~0ull);
	stamp(VIEW, LARGE);
	*(volatile l4_word_t *)(VIEW2 + 0x238) = 0x2222;
	for (l4_word_t off = 0x1000; off < LARGE; off += 0x7f000)
		CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT + off), l4_fpage_mem(VIEW2, 12, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(read_in(b, AT + 0x1238), 0x2222);
	l4_word_t q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 21, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(read_in(b, AT + 0x1238), 0x5a5a);
	CHECK(quota_used() < q0);                   /* 4 nodes and a table fewer, one node more */
	/* Ours goes to c too; sigma0's revoke reaches both. */
	CHECK_EQ(L4_INVOKE(c, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 21, L4_FP_R)).error, L4_OK);
	CHECK_EQ(read_in(c, AT + 0x1238), 0x5a5a);
	sigma0_free(pa, 21);                        /* sigma0 revokes every mapping */
	CHECK_EQ(read_in(b, AT + 0x1238), -1);
	CHECK_EQ(read_in(c, AT + 0x1238), -1);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, c);
	sigma0_free(small, 12);
}

/* sigma0's 2 MiB root splits when it hands out a small piece, and the
 * small roots merge when it hands out the whole as a large page again;
 * while a small piece is out, the whole goes out as small pages. */
static void sigma0_roots_split_and_merge(void)
{
	l4_cap_t b = l4_task_share_image(4096);
	l4_word_t pa = alloc(L4_SIGMA0_ANY, 21 | L4_SIGMA0_LARGE, VIEW);

	CHECK(b != L4_CAP_NONE);
	CHECK(pa != ~0ull);
	stamp(VIEW, LARGE);
	*(volatile l4_word_t *)(VIEW + 0x3238) = 0x3238;
	sigma0_free(pa, 21);
	/* A small piece of it: sigma0's root splits. */
	CHECK_EQ(alloc(pa + 0x3000, 12, VIEW2), pa + 0x3000);
	CHECK_EQ(*(volatile l4_word_t *)(VIEW2 + 0x238), 0x3238);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW2, 12, L4_FP_RW)).error, L4_OK);
	/* The whole as large while the piece is out: small pages, still all of it. */
	CHECK_EQ(alloc(pa, 21 | L4_SIGMA0_LARGE, VIEW), pa);
	l4_word_t q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT + LARGE), l4_fpage_mem(VIEW, 21, L4_FP_RW)).error, L4_OK);
	CHECK(quota_used() - q0 >= 512 * 48);
	CHECK_EQ(read_in(b, AT + LARGE + 0x1238), 0x5a5a);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT + LARGE, 21, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	sigma0_free(pa, 21);
	/* All back: the small roots merge, and it goes out large. */
	CHECK_EQ(alloc(pa, 21 | L4_SIGMA0_LARGE, VIEW), pa);
	q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT + LARGE), l4_fpage_mem(VIEW, 21, L4_FP_RW)).error, L4_OK);
	CHECK((long)(quota_used() - q0) <= 256);    /* (b's empty page table there goes too) */
	CHECK_EQ(read_in(b, AT + LARGE + 0x1238), 0x5a5a);
	CHECK_EQ(read_in(b, AT + 0x238), -1);       /* (b's small page went with sigma0's free) */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	sigma0_free(pa, 21);
	/* A large request with a bad order or flag is refused. */
	l4_word_t err;
	CHECK_EQ(l4_sigma0_alloc(L4_SIGMA0_ANY, 20 | L4_SIGMA0_LARGE, window(VIEW, 20), &err), ~0ull);
	CHECK_EQ(err, L4_EINVAL);
	CHECK_EQ(l4_sigma0_alloc(L4_SIGMA0_ANY, 21 | 0x200, window(VIEW, 21), &err), ~0ull);
	CHECK_EQ(err, L4_EINVAL);
}

/* A task deleted while it holds large pages, and large pages deleted
 * while other threads of ours map and unmap them (the self-check after
 * the test checks the trees). */
static void task_deletion_with_large_pages(void)
{
	l4_word_t pa = alloc(L4_SIGMA0_ANY, 22 | L4_SIGMA0_LARGE, VIEW);

	CHECK(pa != ~0ull);
	for (int round = 0; round < 20; round++) {
		l4_cap_t b = l4_task_share_image(4096), c = l4_task_share_image(4096);
		CHECK(b != L4_CAP_NONE && c != L4_CAP_NONE);
		CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 22, L4_FP_RW)).error, L4_OK);
		CHECK_EQ(L4_INVOKE(c, L4_TASK_MAP, L4_ITEM_MAP | (AT + (round % 2 ? 0 : 0x400000)),
				   l4_fpage_mem(VIEW, 22, L4_FP_RW)).error, L4_OK);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, round % 2 ? b : c);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, round % 2 ? c : b);
	}
	sigma0_free(pa, 22);
}


/* ---- 1 GiB pages */

#define GIB     (1ull << 30)
#define VIEW1G  0x4000000000ull   /* ours: a GiB */
#define AT1G    0x8000000000ull   /* where the other task sees it */
#define SMALL8  0x51000000ull     /* ours: 8 MiB of small pages */

/* Whether this machine should give us a 1 GiB page: the CPU has them, and
 * a whole aligned GiB is sigma0's (one of its regions holds it). */
static bool gib_expected(void)
{
	if (!(l4_boot_info->page_sizes & GIB))
		return false;
	for (l4_word_t i = 0; i < l4_boot_info->region_count; i++) {
		l4_word_t start = (l4_boot_info->regions[i].phys + GIB - 1) & ~(GIB - 1);
		if (start + GIB <= l4_boot_info->regions[i].phys + l4_boot_info->regions[i].size)
			return true;
	}
	return false;
}

/* A GiB from sigma0 at VIEW1G (~0: none), stamped. */
static l4_word_t alloc_gib(void)
{
	l4_word_t err, pa = l4_sigma0_alloc(L4_SIGMA0_ANY, 30 | L4_SIGMA0_LARGE, window(VIEW1G, 30), &err);

	if (pa != ~0ull && !(pa & (GIB - 1)))
		stamp(VIEW1G, GIB);
	return pa;
}

/* pa = a GiB from sigma0; the test ends here (with a note) if the machine
 * has none to give, and fails if it should have. */
#define GIB_OR_RETURN(pa)                                                                        	l4_word_t pa = alloc_gib();                                                              	do {                                                                                     		if (!gib_expected()) {                                                           			l4_printf("ktest: (no 1 GiB pages here: %s)\n",                          				  l4_boot_info->page_sizes & GIB ? "no whole GiB of free memory" \
								  : "the CPU has none");        			if (pa != ~0ull)                                                         				sigma0_free(pa, 30);                                             			return;                                                                  		}                                                                                		CHECK(pa != ~0ull);                                                              		CHECK_EQ(pa & (GIB - 1), 0);                                                     	} while (0)

/* Pages sigma0 has not given out. */
static l4_word_t sigma0_left(void)
{
	struct l4_result r = l4_call(L4_CAP_PAGER, l4_tag(L4_SIGMA0_INFO, 0, 0), L4_TIMEOUT_NEVER);

	return r.error ? ~0ull : UTCB0->mr[1];
}

/* A GiB as one page in another task: one mapping node; parts of it are
 * refused; taken back whole. */
static void sigma0_hands_out_1g_pages(void)
{
	GIB_OR_RETURN(pa);
	l4_cap_t b = l4_task_share_image(4096);
	CHECK(b != L4_CAP_NONE);
	l4_word_t small = alloc(L4_SIGMA0_ANY, 12, VIEW2);
	CHECK(small != ~0ull);
	/* (b's tables down to the GiB's level, once.) */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + 2 * GIB), l4_fpage_mem(VIEW2, 12, L4_FP_RW)).error, L4_OK);
	l4_word_t q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
	l4_word_t q1 = quota_used();
	l4_printf("ktest: (1 GiB mapped on: %lu bytes of kernel memory)\n", (unsigned long)(q1 - q0));
	CHECK(q1 - q0 <= 256);
	CHECK_EQ(read_in(b, AT1G + 0x1238), 0x5a5a);
	CHECK_EQ(read_in(b, AT1G + 350 * LARGE + 0x1238), (350 * LARGE) ^ 0x5a5a);
	CHECK_EQ(read_in(b, AT1G + GIB - LARGE + 0x1238), (GIB - LARGE) ^ 0x5a5a);
	l4_cap_t t = l4_thread_start_in(b, writer, (long)(AT1G + GIB - 0x1000), HIGH);
	CHECK(l4_thread_join(t));
	l4_thread_kill(t);
	CHECK_EQ(*(volatile l4_word_t *)(VIEW1G + GIB - 0x1000), 0x77);
	/* Parts of it: a 4 KiB, a 2 MiB, half; by map and by grant; unmapping parts. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW1G + 0x3000, 12, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW1G + LARGE, 21, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + GIB), l4_fpage_mem(VIEW1G, 29, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | AT, l4_fpage_mem(VIEW1G + LARGE, 21, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT1G + 4 * LARGE, 22, L4_FP_RWX), L4_UNMAP_SELF).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT1G, 29, L4_FP_RWX), L4_UNMAP_SELF).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(VIEW1G + LARGE, 21, L4_FP_RWX), 0).error, L4_EINVAL);
	CHECK_EQ(read_in(b, AT1G + 350 * LARGE + 0x1238), (350 * LARGE) ^ 0x5a5a);
	/* Nothing smaller goes where it is. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + 0x5000), l4_fpage_mem(VIEW2, 12, L4_FP_RW)).error, L4_EBUSY);
	/* An order above 30 is not an item. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 31, L4_FP_RW)).error, L4_EMSG);
	/* Taken back whole: its node goes. */
	l4_word_t q2 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT1G, 30, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	CHECK_EQ(q2 - quota_used(), q1 - q0);
	CHECK_EQ(read_in(b, AT1G + 0x1238), -1);
	/* Granted: it moves, and we no longer have it. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_GRANT | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(read_in(b, AT1G + 7 * LARGE + 0x1238), (7 * LARGE) ^ 0x5a5a);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + GIB), l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(read_in(b, AT1G + GIB + 0x1238), -1);    /* (we have nothing there to map) */
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	sigma0_free(pa, 30);
	sigma0_free(small, 12);
}

/* sigma0's 1 GiB root splits into 2 MiB roots (and those into 4 KiB ones)
 * as it hands out pieces, and merges back for a 1 GiB request: up to two
 * 2 MiB pieces that went out small are made large again in one request,
 * more are refused (L4_EINVAL) and the request leaves nothing behind. */
static void sigma0_1g_root_splits_and_merges(void)
{
	GIB_OR_RETURN(pa);
	l4_cap_t b = l4_task_share_image(4096);
	CHECK(b != L4_CAP_NONE);
	sigma0_free(pa, 30);
	/* A 2 MiB piece: large, in b too. */
	CHECK_EQ(alloc(pa + 3 * LARGE, 21 | L4_SIGMA0_LARGE, VIEW), pa + 3 * LARGE);
	l4_word_t q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 21, L4_FP_RW)).error, L4_OK);
	CHECK(quota_used() - q0 <= 256 + 3 * 4096);      /* (a node; b's first tables) */
	CHECK_EQ(read_in(b, AT + 0x1238), (3 * LARGE) ^ 0x5a5a);
	sigma0_free(pa + 3 * LARGE, 21);
	/* One 4 KiB piece out and back: the GiB goes out as one page again. */
	CHECK_EQ(alloc(pa + 2 * LARGE + 0x1000, 12, VIEW2), pa + 2 * LARGE + 0x1000);
	CHECK_EQ(*(volatile l4_word_t *)(VIEW2 + 0x238), (2 * LARGE) ^ 0x5a5a);
	sigma0_free(pa + 2 * LARGE + 0x1000, 12);
	CHECK_EQ(alloc(pa, 30 | L4_SIGMA0_LARGE, VIEW1G), pa);
	q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
	CHECK(quota_used() - q0 <= 256 + 4096);           /* (a node; b's PDPT there) */
	CHECK_EQ(read_in(b, AT1G + 2 * LARGE + 0x1238), (2 * LARGE) ^ 0x5a5a);
	sigma0_free(pa, 30);
	CHECK_EQ(read_in(b, AT1G + 0x1238), -1);
	/* Three pieces out and back: too many to merge in one request. */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(alloc(pa + (l4_word_t)i * 5 * LARGE, 12, VIEW2), pa + (l4_word_t)i * 5 * LARGE);
		sigma0_free(pa + (l4_word_t)i * 5 * LARGE, 12);
	}
	l4_word_t left = sigma0_left(), err;
	CHECK_EQ(l4_sigma0_alloc(pa, 30 | L4_SIGMA0_LARGE, window(VIEW1G, 30), &err), ~0ull);
	CHECK_EQ(err, L4_EINVAL);
	CHECK_EQ(sigma0_left(), left);                    /* (libl4 gave it back) */
	/* Piece by piece, they come back large; then the GiB does. */
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(alloc(pa + (l4_word_t)i * 5 * LARGE, 21 | L4_SIGMA0_LARGE, VIEW), pa + (l4_word_t)i * 5 * LARGE);
		sigma0_free(pa + (l4_word_t)i * 5 * LARGE, 21);
	}
	CHECK_EQ(alloc(pa, 30 | L4_SIGMA0_LARGE, VIEW1G), pa);
	q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
	CHECK(quota_used() - q0 <= 256);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	sigma0_free(pa, 30);
	/* Bad requests: a GiB without the flag, above 30, unaligned. */
	CHECK_EQ(l4_sigma0_alloc(L4_SIGMA0_ANY, 30, window(VIEW1G, 30), &err), ~0ull);
	CHECK_EQ(err, L4_EINVAL);
	CHECK_EQ(l4_sigma0_alloc(L4_SIGMA0_ANY, 31 | L4_SIGMA0_LARGE, window(VIEW1G, 30), &err), ~0ull);
	CHECK_EQ(err, L4_EINVAL);
	CHECK_EQ(l4_sigma0_alloc(pa + LARGE, 30 | L4_SIGMA0_LARGE, window(VIEW1G, 30), &err), ~0ull);
	CHECK_EQ(err, L4_EINVAL);
}

/* 2 MiB pages where a 1 GiB page goes make way; 4 KiB pages there are
 * refused (L4_EBUSY: up to 262,144 of them). Items above 4 MiB go in large
 * pages only: over 4 KiB pages they are refused and change nothing. */
static void gib_over_smaller_pages(void)
{
	GIB_OR_RETURN(pa);
	l4_cap_t b = l4_task_share_image(4096);
	l4_word_t large = alloc(L4_SIGMA0_ANY, 22 | L4_SIGMA0_LARGE, VIEW);
	l4_word_t s1 = alloc(L4_SIGMA0_ANY, 22, SMALL8), s2 = alloc(L4_SIGMA0_ANY, 22, SMALL8 + 0x400000);

	CHECK(b != L4_CAP_NONE && large != ~0ull && s1 != ~0ull && s2 != ~0ull);
	stamp(VIEW, 2 * LARGE);
	/* 2 MiB pages at two places of the GiB: replaced. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + 10 * LARGE), l4_fpage_mem(VIEW, 21, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + 300 * LARGE), l4_fpage_mem(VIEW + LARGE, 21, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(read_in(b, AT1G + 300 * LARGE + 0x1238), LARGE ^ 0x5a5a);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(read_in(b, AT1G + 300 * LARGE + 0x1238), (300 * LARGE) ^ 0x5a5a);
	CHECK_EQ(read_in(b, AT1G + 10 * LARGE + 0x1238), (10 * LARGE) ^ 0x5a5a);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT1G, 30, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	/* A 4 KiB page there: refused, and it stays. */
	*(volatile l4_word_t *)(SMALL8 + 0x10) = 0x4444;
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + 0x5000), l4_fpage_mem(SMALL8, 12, L4_FP_RW)).error, L4_OK);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_EBUSY);
	CHECK_EQ(read_in(b, AT1G + 0x5010), 0x4444);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT1G + 0x5000, 12, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	/* 8 MiB of our small pages: refused whole, by map and unmap. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(SMALL8, 23, L4_FP_RW)).error, L4_EINVAL);
	CHECK_EQ(read_in(b, AT + 0x10), -1);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(SMALL8, 23, L4_FP_RWX), 0).error, L4_EINVAL);
	/* 8 MiB of large pages (ours and b's): 4 nodes; unmapped by one 1 GiB flexpage (AT is GiB-aligned). */
	CHECK_EQ(alloc(large, 22 | L4_SIGMA0_LARGE, VIEW + 0x400000), large);   /* (the same 4 MiB again) */
	l4_word_t q0 = quota_used();
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT, l4_fpage_mem(VIEW, 23, L4_FP_RW)).error, L4_OK);
	CHECK(quota_used() - q0 <= 4 * 256 + 3 * 4096);
	CHECK_EQ(read_in(b, AT + 0x400000 + LARGE + 0x1238), LARGE ^ 0x5a5a);
	CHECK_EQ(L4_INVOKE(b, L4_TASK_UNMAP, l4_fpage_mem(AT, 30, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	CHECK_EQ(read_in(b, AT + 0x1238), -1);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
	sigma0_free(pa, 30);
	sigma0_free(large, 22);
	sigma0_free(s1, 22);
	sigma0_free(s2, 22);
}

static volatile int unmapper_stop;
static l4_cap_t unmapper_task;

/* Takes b's GiB away, over and over, while the main thread maps it. */
static long unmapper(long arg)
{
	(void)arg;
	while (!unmapper_stop)
		L4_INVOKE(unmapper_task, L4_TASK_UNMAP, l4_fpage_mem(AT1G, 30, L4_FP_RWX), L4_UNMAP_SELF);
	return 1;
}

/* Tasks deleted while they hold 1 GiB pages, and a GiB mapped on while
 * another thread (on another CPU where there is one) unmaps it and we
 * unmap it from ourselves (the self-check after the test checks the trees). */
static void task_deletion_with_1g_pages(void)
{
	GIB_OR_RETURN(pa);
	for (int round = 0; round < 20; round++) {
		l4_cap_t b = l4_task_share_image(4096), c = l4_task_share_image(4096);
		CHECK(b != L4_CAP_NONE && c != L4_CAP_NONE);
		CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | AT1G, l4_fpage_mem(VIEW1G, 30, L4_FP_RW)).error, L4_OK);
		CHECK_EQ(L4_INVOKE(c, L4_TASK_MAP, L4_ITEM_MAP | (AT1G + (round % 2 ? 0 : GIB)),
				   l4_fpage_mem(VIEW1G, 30, L4_FP_R)).error, L4_OK);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, round % 2 ? b : c);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, round % 2 ? c : b);
	}
	unmapper_task = l4_task_share_image(4096);
	unmapper_stop = 0;
	l4_cap_t t = l4_thread_start(unmapper, 0, 100);    /* (ours: turns on one CPU) */
	CHECK(unmapper_task != L4_CAP_NONE && t != L4_CAP_NONE);
	l4_thread_set_cpu(t, 1);      /* (where there is a CPU 1) */
	for (int round = 0; round < 300; round++) {
		l4_word_t e = L4_INVOKE(unmapper_task, L4_TASK_MAP, L4_ITEM_MAP | AT1G,
					l4_fpage_mem(VIEW1G, 30, round % 3 ? L4_FP_RW : L4_FP_R)).error;
		CHECK_EQ(e, L4_OK);
		if (round % 50 == 49)
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(VIEW1G, 30, L4_FP_RWX), 0).error, L4_OK);
	}
	unmapper_stop = 1;
	CHECK(l4_thread_join(t));
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, unmapper_task);
	sigma0_free(pa, 30);
}

/* mov al, [0x3000]; out 0x80, al; hlt (real mode, at 0x1000) */
static const unsigned char read_code[] = { 0xa0, 0x00, 0x30, 0xe6, 0x80, 0xf4 };
#define VM_VIEW1G 0x6000000000ull

/* The next exit of the vCPU whose exits come to ep: its reason, or ~0. */
static l4_word_t vm_exit(l4_cap_t ep)
{
	struct l4_result r = l4_recv(ep, 2000000);

	return r.error || l4_tag_label(r.tag) != L4_LABEL_VMEXIT ? ~0ull : l4_utcb()->mr[L4_VMEXIT_REASON];
}

/* Guest RAM in a 1 GiB page where the CPU's EPT has them: the guest runs
 * from it through one EPT entry (the quota pays for a node and the upper
 * table); parts of it are neither unmapped nor mapped over; it goes with
 * one unmap, and the guest's next fetch is an EPT violation. */
static void guest_ram_in_a_1g_page(void)
{
	l4_cap_t task = l4_slot_alloc(), vcpu = l4_slot_alloc(), ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_word_t err;

	if ((err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, task, 16).error) ||
	    (err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, vcpu, task).error)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	bool vm_gib = l4_boot_info->vm_page_sizes & GIB;
	l4_word_t pa = l4_sigma0_alloc(L4_SIGMA0_ANY, 30 | L4_SIGMA0_LARGE, window(VM_VIEW1G, 30), &err);
	if (!gib_expected() || !vm_gib) {
		l4_printf("ktest: (no 1 GiB guest pages here: %s)\n",
			  !vm_gib ? "the CPU's EPT has none" : "no whole GiB of free memory or no 1 GiB task pages");
		if (pa != ~0ull)
			sigma0_free(pa, 30);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vcpu);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, task);
		return;
	}
	CHECK(pa != ~0ull);
	for (unsigned i = 0; i < sizeof(read_code); i++)
		((volatile unsigned char *)VM_VIEW1G + 0x1000)[i] = read_code[i];
	((volatile unsigned char *)VM_VIEW1G)[0x3000] = 0x71;
	l4_word_t q0 = l4_factory_used(L4_CAP_FACTORY);
	CHECK_EQ(l4_vm_map(task, 0, VM_VIEW1G, 30, L4_FP_RWX), L4_OK);
	l4_word_t q1 = l4_factory_used(L4_CAP_FACTORY);
	l4_printf("ktest: (1 GiB of guest RAM in one page: %lu bytes of kernel memory)\n", (unsigned long)(q1 - q0));
	CHECK(q1 - q0 <= 48 + 4096);
	/* Parts: refused, and nothing changes. */
	CHECK_EQ(L4_INVOKE(task, L4_TASK_UNMAP, l4_fpage_mem(0x200000, 21, L4_FP_RWX), L4_UNMAP_SELF).error, L4_EINVAL);
	CHECK_EQ(l4_vm_map(task, 0x400000, VM_VIEW1G + 0x400000, 22, L4_FP_RWX), L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vcpu, L4_THREAD_SET_EXC_HANDLER, ep).error, L4_OK);
	CHECK_EQ(L4_INVOKE(vcpu, L4_THREAD_SET_PRIO, 50).error, L4_OK);
	CHECK_EQ(L4_INVOKE(vcpu, L4_THREAD_START, 0x1000, 0x2000).error, L4_OK);
	CHECK_EQ(vm_exit(ep), L4_VMEXIT_IO);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x71);
	struct l4_vcpu_state s;
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		s.gpr[i] = l4_utcb()->mr[L4_VMEXIT_STATE + i];
	CHECK_EQ(L4_INVOKE(task, L4_TASK_UNMAP, l4_fpage_mem(0, 30, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	s.gpr[L4_REG_RIP] += 2;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(vm_exit(ep), L4_VMEXIT_EPT_VIOLATION);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_GPA], 0x1005);
	CHECK_EQ(L4_INVOKE(vcpu, L4_THREAD_STOP).error, L4_OK);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, task);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep);
	sigma0_free(pa, 30);
}

const struct ktest ktests_large[] = {
	{ "large/sigma0-hands-out-large-pages", sigma0_hands_out_large_pages },
	{ "large/part-of-a-large-page-is-refused", part_of_a_large_page_is_refused },
	{ "large/small-pages-make-way", small_pages_make_way },
	{ "large/sigma0-roots-split-and-merge", sigma0_roots_split_and_merge },
	{ "large/task-deletion-with-large-pages", task_deletion_with_large_pages },
	{ "large/sigma0-hands-out-1g-pages", sigma0_hands_out_1g_pages },
	{ "large/sigma0-1g-root-splits-and-merges", sigma0_1g_root_splits_and_merges },
	{ "large/1g-page-over-smaller-pages", gib_over_smaller_pages },
	{ "large/task-deletion-with-1g-pages", task_deletion_with_1g_pages },
	{ "large/guest-ram-in-a-1g-page", guest_ram_in_a_1g_page },
	{ NULL, NULL },
};
