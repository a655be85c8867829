/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Large (2 MiB) pages: sigma0 hands them out with L4_SIGMA0_LARGE, map
 * items pass them on whole, a part of one is never mapped or unmapped,
 * small pages make way for one, and sigma0's own roots split and merge
 * as it hands out small and large pieces (include/l4/msg.h, "Large pages").
 */
#include "ktest.h"
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

const struct ktest ktests_large[] = {
	{ "large/sigma0-hands-out-large-pages", sigma0_hands_out_large_pages },
	{ "large/part-of-a-large-page-is-refused", part_of_a_large_page_is_refused },
	{ "large/small-pages-make-way", small_pages_make_way },
	{ "large/sigma0-roots-split-and-merge", sigma0_roots_split_and_merge },
	{ "large/task-deletion-with-large-pages", task_deletion_with_large_pages },
	{ NULL, NULL },
};
