/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel test suite's runner and helpers (see ktest.h). */
#include "ktest.h"
#include "format.h"

#define MAX_THREADS 32
#define THREAD_STACK 8192
#define THREAD_UTCB_BASE 0x00007fffff000000ull   /* below the boot UTCB and info page */

struct l4_boot_info *boot_info;

static const char *current_test;
static bool current_failed;
static char failure[160];

static void debug_sink(void *ctx, char c)
{
	(void)ctx;
	l4_debug_putc(c);
}

int kprint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vformat(debug_sink, NULL, fmt, ap);
	va_end(ap);
	return n;
}

void ktest_fail(const char *file, int line, const char *what)
{
	if (!current_failed)
		fmt_snprintf(failure, sizeof(failure), "%s:%d: %s", file, line, what);
	current_failed = true;
}

void ktest_fail_eq(const char *file, int line, const char *what, unsigned long long got,
		   unsigned long long want)
{
	if (!current_failed)
		fmt_snprintf(failure, sizeof(failure), "%s:%d: %s is %llu, expected %llu", file, line,
			     what, got, want);
	current_failed = true;
}

/* ---- capability slots and invocations */

static l4_cap_t next_slot = L4_CAP_FIRST_FREE;

l4_cap_t slot_alloc(void)
{
	return next_slot++;
}

struct l4_result invoke(l4_cap_t cap, l4_word_t label, unsigned n, const l4_word_t *args)
{
	struct l4_utcb *u = utcb_self();

	for (unsigned i = 0; i < n; i++)
		u->mr[i] = args[i];
	return l4_call(cap, l4_tag(label, n, 0), L4_TIMEOUT_NEVER);
}

static l4_cap_t make(l4_word_t op)
{
	l4_cap_t s = slot_alloc();

	return INVOKE(L4_CAP_FACTORY, op, s).error ? L4_CAP_NONE : s;
}

l4_cap_t make_endpoint(void)
{
	return make(L4_FACTORY_ENDPOINT);
}

l4_cap_t make_notification(void)
{
	return make(L4_FACTORY_NOTIFICATION);
}

/* ---- other tasks */

extern char _image_start[], _image_end[], _etext[];

int give_cap(l4_cap_t task, l4_cap_t slot)
{
	return (int)INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | slot << 12,
			   l4_fpage_cap(slot, 0, L4_CAP_RIGHTS_ALL)).error;
}

l4_cap_t make_shadow_task(void)
{
	l4_cap_t task = slot_alloc();

	if (INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, 4096).error)
		return L4_CAP_NONE;
	for (l4_word_t va = (l4_word_t)_image_start; va < (l4_word_t)_image_end; va += 4096) {
		unsigned rights = va < (l4_word_t)_etext ? L4_FP_RX : L4_FP_RW;
		if (INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | va, l4_fpage_mem(va, 12, rights)).error)
			return L4_CAP_NONE;
	}
	return task;
}

l4_word_t sigma0_alloc(l4_word_t phys, unsigned order, l4_word_t window, l4_word_t *error)
{
	struct l4_utcb *u = utcb_self();

	u->br[L4_BR_MEM_WINDOW] = window;
	u->mr[0] = phys;
	u->mr[1] = order;
	struct l4_result r = l4_call(L4_CAP_PAGER, l4_tag(L4_SIGMA0_ALLOC, 2, 0), L4_TIMEOUT_NEVER);
	*error = r.error ? r.error : l4_tag_label(r.tag);
	return *error ? ~0ull : u->mr[0];
}

/* ---- threads */

struct test_thread {
	l4_cap_t cap;
	bool used, done;
	long result;
	uint64_t stack[THREAD_STACK / 8] __attribute__((aligned(16)));
};

static struct test_thread threads[MAX_THREADS];
extern char ktest_thread_entry[];

static l4_word_t thread_utcb(int i)
{
	return THREAD_UTCB_BASE + (l4_word_t)i * L4_UTCB_SIZE;
}

struct l4_utcb *utcb_self(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	for (int i = 0; i < MAX_THREADS; i++)
		if (sp >= (uint64_t)threads[i].stack && sp < (uint64_t)threads[i].stack + THREAD_STACK)
			return (struct l4_utcb *)thread_utcb(i);
	return UTCB0;
}

static struct test_thread *find_thread(l4_cap_t cap)
{
	for (int i = 0; i < MAX_THREADS; i++)
		if (threads[i].used && threads[i].cap == cap)
			return &threads[i];
	return NULL;
}

l4_cap_t ktest_thread_start(ktest_thread_fn fn, long arg, unsigned prio)
{
	return ktest_thread_start_in(L4_CAP_TASK, fn, arg, prio);
}

l4_cap_t ktest_thread_start_in(l4_cap_t task, ktest_thread_fn fn, long arg, unsigned prio)
{
	int i = 0;

	while (i < MAX_THREADS && threads[i].used)
		i++;
	if (i == MAX_THREADS)
		return L4_CAP_NONE;
	struct test_thread *t = &threads[i];
	l4_word_t utcb = thread_utcb(i);
	l4_cap_t cap = slot_alloc();
	if (INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, cap, task, utcb).error)
		return L4_CAP_NONE;
	/* A thread in another task finds its own capability at the same slot there. */
	if (task != L4_CAP_TASK && give_cap(task, cap))
		return L4_CAP_NONE;
	*t = (struct test_thread){ .cap = cap, .used = true };
	/* The entry trampoline pops fn, arg, utcb and a padding word. */
	uint64_t *sp = &t->stack[THREAD_STACK / 8 - 4];
	sp[0] = (uint64_t)fn;
	sp[1] = (uint64_t)arg;
	sp[2] = utcb;
	sp[3] = 0;
	char name[16];
	l4_word_t words[2] = { 0, 0 };
	fmt_snprintf(name, sizeof(name), "ktest-%d", i);
	for (int c = 0; name[c]; c++)
		((char *)words)[c] = name[c];
	if (INVOKE(cap, L4_THREAD_SET_NAME, words[0], words[1]).error ||
	    INVOKE(cap, L4_THREAD_SET_PRIO, prio).error ||
	    INVOKE(cap, L4_THREAD_START, (l4_word_t)ktest_thread_entry, (l4_word_t)sp).error)
		return L4_CAP_NONE;
	return cap;
}

/* Called by the trampoline when a thread's function returns. */
void ktest_thread_exit(long result);
void ktest_thread_exit(long result)
{
	/* Find ourselves by stack address: each thread has its own stack. */
	uint64_t here = (uint64_t)&result;
	for (int i = 0; i < MAX_THREADS; i++) {
		struct test_thread *t = &threads[i];
		if (here >= (uint64_t)t->stack && here < (uint64_t)t->stack + THREAD_STACK) {
			t->result = result;
			t->done = true;
			INVOKE(t->cap, L4_THREAD_STOP);
		}
	}
	for (;;)
		l4_yield();
}

long ktest_thread_result(l4_cap_t cap)
{
	struct test_thread *t = find_thread(cap);

	return t && t->done ? t->result : -1;
}

void sleep_us(unsigned long us)
{
	static l4_cap_t never_signalled = L4_CAP_NONE;

	if (never_signalled == L4_CAP_NONE)
		never_signalled = make_notification();
	l4_recv(never_signalled, us);
}

bool ktest_thread_join(l4_cap_t cap)
{
	struct test_thread *t = find_thread(cap);

	/* Sleeping rather than yielding lets lower priorities run too. */
	for (int i = 0; t && i < 2000 && !t->done; i++)
		sleep_us(1000);
	return t && t->done;
}

void ktest_thread_kill(l4_cap_t cap)
{
	struct test_thread *t = find_thread(cap);

	INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, cap);
	if (t)
		t->used = false;
}

/* ---- time */

unsigned long long rdtsc(void)
{
	unsigned lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (unsigned long long)hi << 32 | lo;
}

void spin_us(unsigned long us)
{
	unsigned long long start = rdtsc(), cycles = boot_info->tsc_khz * us / 1000;

	while (rdtsc() - start < cycles)
		;
}

/* ---- the runner */

static const struct ktest *const suites[] = {
	ktests_syscall, ktests_factory, ktests_caps, ktests_ipc, ktests_sched, ktests_mem, ktests_fpu,
	ktests_io, ktests_irq, ktests_task,
};

void ktest_main(struct l4_boot_info *bi);
void ktest_main(struct l4_boot_info *bi)
{
	unsigned passed = 0, failed = 0;

	boot_info = bi;
	INVOKE(L4_CAP_THREAD, L4_THREAD_SET_NAME, 0x6e69616d2d74736bull /* "kst-main" */, 0);
	kprint("ktest: kernel test suite starting\n");
	if (bi->magic != L4_BOOT_INFO_MAGIC) {
		kprint("ktest: bad boot information magic %#llx\n", (unsigned long long)bi->magic);
		l4_debug_exit(1);
	}
	for (unsigned s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		for (const struct ktest *t = suites[s]; t->name; t++) {
			current_test = t->name;
			current_failed = false;
			t->fn();
			if (current_failed) {
				failed++;
				kprint("ktest: %s ... FAIL (%s)\n", t->name, failure);
			} else {
				passed++;
				kprint("ktest: %s ... ok\n", t->name);
			}
		}
	}
	kprint("ktest summary: %u passed, %u failed\n", passed, failed);
	l4_debug_exit(failed ? 1 : 0);
}
