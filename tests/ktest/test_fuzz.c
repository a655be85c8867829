/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fuzzing the system call interface: a thread in a task of its own makes
 * thousands of system calls with random numbers, capability slots, tags,
 * timeouts and message registers (typed items included) against the
 * objects it holds. Whatever it does to itself, the kernel must answer
 * every call with a result and go on serving everyone else.
 */
#include "ktest.h"

#define FUZZ_CALLS 20000
#define FUZZ_SLOTS 16            /* the fuzzer's slots of interest: 0..15 */

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	return ktest_random(&rng);
}

/* Mostly small values, sometimes anything: slots, labels, sizes. */
static uint64_t some(uint64_t small)
{
	switch (rnd() % 8) {
	case 0:
		return rnd();
	case 1:
		return ~0ull - rnd() % 4;
	default:
		return rnd() % small;
	}
}

static volatile unsigned long fuzz_done;

static long fuzzer(long calls)
{
	struct l4_utcb *u = l4_utcb();

	for (long i = 0; i < calls; i++) {
		for (unsigned w = 0; w < 8; w++)
			u->mr[w] = rnd() % 4 ? some(64) : rnd();
		/* Typed items that name something: capability, memory and I/O flexpages. */
		u->mr[rnd() % 8] = l4_fpage_cap(some(FUZZ_SLOTS), (unsigned)some(4), (unsigned)rnd());
		u->mr[rnd() % 8] = l4_fpage_mem(some(1ull << 40) << 12, 12 + (unsigned)some(12),
						(unsigned)rnd());
		u->mr[rnd() % 8] = l4_fpage_io((unsigned)some(0x10000), (unsigned)some(17));
		u->br[rnd() % 3] = rnd() % 2 ? 0 : rnd();
		/* (The fuzzer's task has no debug capability: it cannot end the machine.) */
		l4_word_t nr = rnd() % 10 ? rnd() % L4_SYS_COUNT : some(16);
		l4_word_t timeout = rnd() % 4 ? L4_TIMEOUT_POLL : rnd() % 2000;
		l4_word_t tag = l4_tag(some(16), (unsigned)some(80), (unsigned)some(20)) |
				(rnd() % 16 ? 0 : rnd());
		l4_syscall(nr, some(FUZZ_SLOTS), tag, timeout);
		fuzz_done = (unsigned long)i + 1;
	}
	return 1;
}

static long echo_once(long ep)
{
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	return r.error ? -1 : (long)l4_reply(l4_tag(0, 0, 0));
}

/* A task for the fuzzer (*b), holding in slots 2..5: a factory (*f), an
 * endpoint, a notification, itself; it makes more as it goes. */
static void fuzz_task(l4_cap_t ep, l4_cap_t n, l4_cap_t *b_out, l4_cap_t *f)
{
	l4_cap_t b = *b_out = l4_task_share_image(4096);

	*f = l4_slot_alloc();
	CHECK(b != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, *f, 256 * 1024).error, L4_OK);
	const l4_cap_t give[][2] = { { *f, 2 }, { ep, 3 }, { n, 4 }, { b, 5 } };
	for (unsigned i = 0; i < 4; i++)
		CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | give[i][1] << 12,
				   l4_fpage_cap(give[i][0], 0, L4_CAP_RIGHTS_ALL)).error, L4_OK);
}

static void random_system_calls(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), n = l4_make(L4_FACTORY_NOTIFICATION), b, f;
	fuzz_task(ep, n, &b, &f);
	unsigned long total = 0;
	unsigned tasks = 1;
	for (int round = 0; round < 12 && total < FUZZ_CALLS; round++) {
		fuzz_done = 0;
		l4_cap_t t = l4_thread_start_in(b, fuzzer, FUZZ_CALLS - (long)total, 50);
		if (t == L4_CAP_NONE) {
			/* The fuzzer may have made its task unusable for a new thread
			 * (its slot or UTCB place taken): a fresh task, and on. */
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, f).error, L4_OK);
			fuzz_task(ep, n, &b, &f);
			tasks++;
			continue;
		}
		/* Let it run; it may stop itself, fault or block: then start another. */
		for (int i = 0; i < 400 && l4_thread_result(t) != 1; i++)
			l4_sleep_us(2000);
		total += fuzz_done;
		l4_thread_kill(t);
	}
	l4_printf("ktest: (the fuzzer made %lu system calls in %u tasks)\n", total, tasks);
	CHECK(total >= 1000);
	/* The kernel still serves us: a call and a reply through a fresh endpoint. */
	l4_cap_t ep2 = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t srv = l4_thread_start(echo_once, (long)ep2, 110);
	CHECK_EQ(l4_call(ep2, l4_tag(1, 0, 0), L4_TIMEOUT_NEVER).error, L4_OK);
	CHECK(l4_thread_join(srv));
	CHECK_EQ(l4_thread_result(srv), L4_OK);
	l4_thread_kill(srv);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, f).error, L4_OK);
}

const struct ktest ktests_fuzz[] = {
	{ "fuzz/random-system-calls", random_system_calls },
	{ NULL, NULL },
};
