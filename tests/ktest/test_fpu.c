/* SPDX-License-Identifier: GPL-2.0-only */
/* FPU, SSE and AVX state: private to each thread, fresh for a new one. */
#include "ktest.h"

#define ROUNDS 20

static void set_xmm(unsigned long long v)
{
	__asm__ volatile("movq %0, %%xmm0\n"
			 "pshufd $0x44, %%xmm0, %%xmm0\n"
			 "movdqa %%xmm0, %%xmm7\n"
			 "movdqa %%xmm0, %%xmm15\n" : : "r"(v) : "memory");
}

/* XORs together the low halves of xmm0, xmm7 and xmm15 and checks the highs. */
static bool check_xmm(unsigned long long v)
{
	unsigned long long a, b, c, hi;

	__asm__ volatile("movq %%xmm0, %0\n"
			 "movq %%xmm7, %1\n"
			 "movq %%xmm15, %2\n"
			 "pshufd $0xee, %%xmm0, %%xmm1\n"
			 "movq %%xmm1, %3\n" : "=r"(a), "=r"(b), "=r"(c), "=r"(hi) : : "memory");
	return a == v && b == v && c == v && hi == v;
}

static long sse_worker(long seed)
{
	unsigned long long v = 0x0101010101010101ull * (unsigned long long)seed;

	set_xmm(v);
	for (int i = 0; i < ROUNDS; i++) {
		l4_yield();
		if (!check_xmm(v))
			return 0;
	}
	return 1;
}

static void sse_state_is_per_thread(void)
{
	l4_cap_t a = l4_thread_start(sse_worker, 0x11, 110);
	l4_cap_t b = l4_thread_start(sse_worker, 0x22, 110);

	set_xmm(0x3333333333333333ull);
	CHECK(l4_thread_join(a) && l4_thread_join(b));
	CHECK_EQ(l4_thread_result(a), 1);
	CHECK_EQ(l4_thread_result(b), 1);
	CHECK(check_xmm(0x3333333333333333ull));
	l4_thread_kill(a);
	l4_thread_kill(b);
}

static long x87_worker(long seed)
{
	long out = 0;

	__asm__ volatile("fninit\nfildq %0" : : "m"(seed));
	for (int i = 0; i < ROUNDS; i++)
		l4_yield();
	__asm__ volatile("fistpq %0" : "=m"(out));
	return out;
}

static void x87_state_is_per_thread(void)
{
	l4_cap_t a = l4_thread_start(x87_worker, 1234567, 110);
	l4_cap_t b = l4_thread_start(x87_worker, -7654321, 110);

	CHECK(l4_thread_join(a) && l4_thread_join(b));
	CHECK_EQ(l4_thread_result(a), 1234567);
	CHECK_EQ(l4_thread_result(b), (unsigned long long)-7654321);
	l4_thread_kill(a);
	l4_thread_kill(b);
}

static long mxcsr_worker(long value)
{
	unsigned int v = (unsigned int)value, out;

	__asm__ volatile("ldmxcsr %0" : : "m"(v));
	for (int i = 0; i < ROUNDS; i++)
		l4_yield();
	__asm__ volatile("stmxcsr %0" : "=m"(out));
	return out;
}

static void mxcsr_is_per_thread(void)
{
	l4_cap_t a = l4_thread_start(mxcsr_worker, 0x1f80 | (1 << 13), 110);  /* round down */
	l4_cap_t b = l4_thread_start(mxcsr_worker, 0x1f80 | (3 << 13), 110);  /* truncate */

	CHECK(l4_thread_join(a) && l4_thread_join(b));
	CHECK_EQ(l4_thread_result(a), 0x1f80 | (1 << 13));
	CHECK_EQ(l4_thread_result(b), 0x1f80 | (3 << 13));
	l4_thread_kill(a);
	l4_thread_kill(b);
}

/* What a new thread finds: nothing of the previous owner's state. */
static long fresh_state(long arg)
{
	(void)arg;
	unsigned int mxcsr;
	unsigned short fcw;
	unsigned long long x0;

	__asm__ volatile("stmxcsr %0\nfnstcw %1\nmovq %%xmm0, %2" : "=m"(mxcsr), "=m"(fcw), "=r"(x0));
	return mxcsr == 0x1f80 && fcw == 0x37f && x0 == 0;
}

static void new_thread_gets_clean_state(void)
{
	set_xmm(0xdeadbeefdeadbeefull);
	l4_cap_t t = l4_thread_start(fresh_state, 0, 110);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 1);
	CHECK(check_xmm(0xdeadbeefdeadbeefull));
	l4_thread_kill(t);
}

static bool avx_enabled(void)
{
	unsigned int a, b, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 27)) || !(c & (1u << 28)))       /* OSXSAVE, AVX */
		return false;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

static long avx_worker(long seed)
{
	unsigned long long v = 0x0101010101010101ull * (unsigned long long)seed, hi;

	/* Put v in the upper half of ymm3, yield, read it back. */
	__asm__ volatile("movq %0, %%xmm2\nvinsertf128 $1, %%xmm2, %%ymm3, %%ymm3" : : "r"(v));
	for (int i = 0; i < ROUNDS; i++)
		l4_yield();
	__asm__ volatile("vextractf128 $1, %%ymm3, %%xmm4\nmovq %%xmm4, %0" : "=r"(hi));
	return hi == v;
}

static void avx_state_is_per_thread(void)
{
	if (!avx_enabled()) {
		l4_printf("ktest: (no AVX on this CPU: upper halves not tested)\n");
		CHECK(!avx_enabled());
		return;
	}
	l4_cap_t a = l4_thread_start(avx_worker, 0x44, 110);
	l4_cap_t b = l4_thread_start(avx_worker, 0x55, 110);
	CHECK(l4_thread_join(a) && l4_thread_join(b));
	CHECK_EQ(l4_thread_result(a), 1);
	CHECK_EQ(l4_thread_result(b), 1);
	l4_thread_kill(a);
	l4_thread_kill(b);
}

const struct ktest ktests_fpu[] = {
	{ "fpu/sse-state-is-per-thread", sse_state_is_per_thread },
	{ "fpu/x87-state-is-per-thread", x87_state_is_per_thread },
	{ "fpu/mxcsr-is-per-thread", mxcsr_is_per_thread },
	{ "fpu/new-thread-gets-clean-state", new_thread_gets_clean_state },
	{ "fpu/avx-state-is-per-thread", avx_state_is_per_thread },
	{ NULL, NULL },
};
