/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attacking the multiprocessor kernel (issue #16, item 8): TLB shootdown
 * against readers on other CPUs, endpoints revoked and deleted under
 * calls from several CPUs, capability operations on one object from
 * every CPU at once, and threads moved, stopped, deleted and rewritten
 * while they block or run on another CPU.
 *
 * Every test is deterministic in what it checks (the interleavings
 * differ from run to run, the verdict must not), every wait has a
 * bound, and on one CPU each still runs (its threads share CPU 0, the
 * main thread blocking so they run) and checks that no other CPU is
 * accepted. Threads and slots a test took are given back whatever
 * happened (attack_end), so a failure does not spill into the next test.
 */
#include "ktest.h"

/* ------------------------------------------------------------ helpers */

static unsigned online(void)
{
	unsigned n = 0;

	if (l4_thread_get_cpu(L4_CAP_THREAD, &n) < 0 || !n)
		return 1;
	return n;
}

static l4_cap_t live[L4_MAX_THREADS];
static unsigned nlive;
static l4_cap_t taken[96];
static unsigned ntaken;

/* A slot of ours, emptied and freed at the test's end. */
static l4_cap_t slot(void)
{
	l4_cap_t s = l4_slot_alloc();

	if (ntaken < sizeof(taken) / sizeof(taken[0]))
		taken[ntaken++] = s;
	return s;
}

/* Starts fn(arg) in task at prio and binds it to cpu; L4_CAP_NONE if
 * either fails (a thread started outranks nothing of the main thread's:
 * callers pass prio < 100). */
static l4_cap_t spawn_in(l4_cap_t task, l4_thread_fn fn, long arg, unsigned prio, unsigned cpu)
{
	l4_cap_t t = l4_thread_start_in(task, fn, arg, prio);

	if (t == L4_CAP_NONE)
		return t;
	live[nlive++] = t;
	if (l4_thread_set_cpu(t, cpu) != L4_OK)
		return L4_CAP_NONE;
	return t;
}

static l4_cap_t spawn(l4_thread_fn fn, long arg, unsigned prio, unsigned cpu)
{
	return spawn_in(L4_CAP_TASK, fn, arg, prio, cpu);
}

static void kill(l4_cap_t t)
{
	for (unsigned i = 0; i < nlive; i++)
		if (live[i] == t) {
			live[i] = live[--nlive];
			break;
		}
	l4_thread_kill(t);
}

/* The end of every test: its threads go, then its slots. */
static void attack_end(void)
{
	while (nlive)
		l4_thread_kill(live[--nlive]);
	while (ntaken) {
		l4_cap_t s = taken[--ntaken];
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, s);
		l4_slot_free(s);
	}
}

static l4_cap_t make(l4_word_t op)
{
	l4_cap_t s = slot();

	return L4_INVOKE(L4_CAP_FACTORY, op, s).error ? L4_CAP_NONE : s;
}

/* A task sharing our image (l4_task_share_image) in a slot of ours. */
static l4_cap_t share_image(void)
{
	l4_cap_t t = l4_task_share_image(4096);

	if (t != L4_CAP_NONE && ntaken < sizeof(taken) / sizeof(taken[0]))
		taken[ntaken++] = t;
	return t;
}

/* Waits until cond holds, at most about ms milliseconds, blocking this
 * thread in steps of one tick so that threads of this CPU run too. */
#define WAIT_FOR(cond, ms) ({ bool ok_ = (cond); \
	for (unsigned w_ = 0; !ok_ && w_ < (ms); w_++) { l4_sleep_us(500); ok_ = (cond); } ok_; })

static bool holds_still(volatile unsigned long *p);

static l4_word_t thread_state(l4_cap_t t)
{
	return L4_INVOKE(t, L4_THREAD_INFO).error ? ~0ull : l4_utcb()->mr[0];
}

/* Kernel memory: the kernel's free page frames and our factory's use. */
static l4_word_t free_frames(void)
{
	return L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK).error ? 0 : l4_utcb()->mr[5];
}

static l4_word_t factory_used(void)
{
	return L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO).error ? ~0ull : l4_utcb()->mr[1];
}

/* CPUs beyond the n online are refused (on one CPU: CPU 1 is), and the
 * thread stays where it was. */
static void cpus_beyond_refused(l4_cap_t t, unsigned n)
{
	long was = l4_thread_get_cpu(t, NULL);

	CHECK(was >= 0 && was < (long)n);
	CHECK_EQ(l4_thread_set_cpu(t, n), L4_EINVAL);
	CHECK_EQ(l4_thread_set_cpu(t, n + 1000), L4_EINVAL);
	CHECK_EQ(l4_thread_get_cpu(t, NULL), was);
}

/*
 * Loops with known instruction addresses (the register tests check where
 * a thread was stopped). RDI: a counters block; [0] counts spins, [8]
 * counts turns of the landing loop (where WRITE_REGS sends a thread).
 * atk_sys yields in a loop (a system call each turn, slow path), its
 * counters in R12.
 */
extern char atk_spin[], atk_spin_end[], atk_land[], atk_land_end[];
extern char atk_sys[], atk_sys_loop[], atk_sys_call[], atk_sys_after[], atk_sys_jmp[], atk_sys_end[];
long atk_spin_fn(long counters);
long atk_sys_fn(long counters);
__asm__(".text\n"
	".global atk_spin, atk_spin_end, atk_land, atk_land_end, atk_spin_fn\n"
	".global atk_sys, atk_sys_loop, atk_sys_call, atk_sys_after, atk_sys_jmp, atk_sys_end, atk_sys_fn\n"
	"atk_spin_fn:\n"
	"atk_spin:\n"
	"	incq (%rdi)\n"
	"	jmp atk_spin\n"
	"atk_spin_end:\n"
	"atk_land:\n"
	"	incq 8(%rdi)\n"
	"	jmp atk_land\n"
	"atk_land_end:\n"
	"atk_sys_fn:\n"
	"atk_sys:\n"
	"	movq %rdi, %r12\n"
	"atk_sys_loop:\n"
	"	movl $5, %eax\n"            /* L4_SYS_YIELD */
	"atk_sys_call:\n"
	"	syscall\n"
	"atk_sys_after:\n"
	"	incq (%r12)\n"
	"atk_sys_jmp:\n"
	"	jmp atk_sys_loop\n"
	"atk_sys_end:\n");

/* ------------------------------------------------------------ TLB shootdown */

/*
 * Readers on every other CPU (on one CPU: one reader on CPU 0) read pages
 * of ours, mapped into a task at TLB_AT, in a loop, and write a word of
 * their own in each page they read. Each round: every reader has read
 * this round's values; we unmap our pages' derived mappings
 * (L4_TASK_UNMAP on our own task, not L4_UNMAP_SELF: we keep ours) and
 * at once write a poison value through our own mapping, over the values
 * and the readers' words. No reader may ever read the poison, nor write
 * over it (the unmap returned only after every CPU that had the task
 * loaded flushed it), and every reader must fault
 * to its pager, an endpoint we serve: we answer with nothing (it faults
 * again) until all have faulted, then write the next round's values and
 * answer with the mapping. Modes per round: readers running; readers
 * stopped before the unmap and resumed after (their CPUs run a spinner
 * of ours meanwhile, so the readers' task is not loaded there: the stale
 * mask and, with PCIDs, the tagged entries are what is tested); readers
 * stopped, moved to other CPUs and resumed.
 *
 * The kernel has no superpages for user mappings (space_map maps 4 KiB
 * pages; a map item of order 21 is 512 of them), so the 2 MiB case is a
 * 2 MiB map item and unmap: 512 pages, each shot down on its own (a
 * remote call to every CPU that has the task loaded, per page: 1,536 of
 * them with 4 CPUs, 1-10 s under QEMU on a loaded two-core host).
 */
#define TLB_VIEW    0x26000000ull       /* our pages (2 MiB aligned) */
#define TLB_AT      0x30000000ull       /* where the readers read them */
#define TLB_POISON  0x0badf00d0badf00dull
#define TLB_MAGIC   0x7ab1ull
#define TLB_BADGE   0x700
#define MAX_READERS 8

enum { TLB_RUNNING, TLB_STOPPED, TLB_MOVED, TLB_MODES };

struct tlb_reader {
	volatile unsigned long reads;   /* loop turns */
	volatile unsigned long round;   /* the newest round whose value it read */
	volatile unsigned long poison;  /* times it read the poison */
	volatile unsigned long wrong;   /* values of no round, or another page's */
	volatile unsigned long wrong_value;
	volatile unsigned long back;    /* an older round after a newer one */
	unsigned long pad[2];
};

static struct tlb_reader tlbr[MAX_READERS];
static unsigned long tlb_pages;         /* a power of two */
static volatile unsigned long tlb_spins[MAX_READERS + 1][2];

static unsigned long tlb_value(unsigned long round, unsigned long page)
{
	return TLB_MAGIC << 48 | round << 16 | page;
}

/* Runs in the readers' task: touches only its entry of tlbr and the pages. */
static long tlb_read_loop(long k)
{
	struct tlb_reader *r = &tlbr[k];
	unsigned long mask = tlb_pages - 1;

	for (unsigned long i = 0;; i++) {
		unsigned long page = (i * 97 + (unsigned long)k) & mask;
		volatile unsigned long *p = (volatile unsigned long *)(TLB_AT + page * 4096);
		unsigned long v = p[0];
		if (v == TLB_POISON) {
			r->poison++;
		} else if (v >> 48 != TLB_MAGIC || (v & 0xffff) != page) {
			r->wrong++;
			r->wrong_value = v;
		} else {
			unsigned long rd = v >> 16 & 0xffffffffull;
			if (rd < r->round)
				r->back++;
			else
				r->round = rd;
		}
		p[1 + k] = i;
		r->reads++;
	}
	return 0;
}

struct tlb_run {
	unsigned n, readers, order;
	unsigned long faults, refaults, rounds, unmap_tsc;
	l4_cap_t task, pf, reader[MAX_READERS];
};

/* This round's values into word 0 of every page, or the poison into
 * word 0 and the readers' words. */
static void tlb_write(unsigned long round, bool poison)
{
	for (unsigned long p = 0; p < tlb_pages; p++) {
		volatile unsigned long *w = (volatile unsigned long *)(TLB_VIEW + p * 4096);
		w[0] = poison ? TLB_POISON : tlb_value(round, p);
		for (unsigned k = 0; poison && k < MAX_READERS; k++)
			w[1 + k] = TLB_POISON;
	}
}

/* Readers' words that changed since the poison: written after the unmap. */
static unsigned long tlb_overwritten(void)
{
	unsigned long n = 0;

	for (unsigned long p = 0; p < tlb_pages; p++)
		for (unsigned k = 0; k < MAX_READERS; k++)
			n += ((volatile unsigned long *)(TLB_VIEW + p * 4096))[1 + k] != TLB_POISON;
	return n;
}

static bool tlb_all_read(unsigned nr, unsigned long round)
{
	for (unsigned k = 0; k < nr; k++)
		if (tlbr[k].round < round)
			return false;
	return true;
}

/* A page fault of a reader: badge and address as they must be, on a page
 * not mapped at all (a read, or the write after a read it made before
 * the unmap). */
static void tlb_check_fault(struct tlb_run *run, struct l4_result r, unsigned *k)
{
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_PAGE_FAULT);
	CHECK(r.badge >= TLB_BADGE && r.badge < TLB_BADGE + run->readers);
	CHECK(UTCB0->mr[0] >= TLB_AT && UTCB0->mr[0] < TLB_AT + (tlb_pages << 12));
	CHECK_EQ(UTCB0->mr[2] & L4_FAULT_PRESENT, 0);
	*k = (unsigned)(r.badge - TLB_BADGE);
}

static void tlb_round(struct tlb_run *run, unsigned long round, unsigned mode)
{
	unsigned nr = run->readers;
	unsigned long stopped_reads[MAX_READERS];
	l4_word_t fp = l4_fpage_mem(TLB_VIEW, run->order, L4_FP_RWX);

	/* Every reader is reading this round's values. */
	CHECK(WAIT_FOR(tlb_all_read(nr, round), 4000));
	if (mode != TLB_RUNNING) {
		for (unsigned k = 0; k < nr; k++)
			CHECK_EQ(L4_INVOKE(run->reader[k], L4_THREAD_STOP).error, L4_OK);
		for (unsigned k = 0; k < nr; k++)
			stopped_reads[k] = tlbr[k].reads;
		if (mode == TLB_MOVED)
			for (unsigned k = 0; k < nr; k++)
				CHECK_EQ(l4_thread_set_cpu(run->reader[k], (unsigned)((k + 1 + round) % run->n)), L4_OK);
	}
	/* The attack: unmap, then poison through our own mapping at once. */
	unsigned long t0 = l4_rdtsc();
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, fp, 0).error, L4_OK);
	tlb_write(round, true);
	run->unmap_tsc += l4_rdtsc() - t0;
	if (mode != TLB_RUNNING) {
		/* A stopped thread stays stopped, wherever it ran. */
		for (unsigned k = 0; k < nr; k++)
			CHECK_EQ(tlbr[k].reads, stopped_reads[k]);
		for (unsigned k = 0; k < nr; k++)
			CHECK_EQ(L4_INVOKE(run->reader[k], L4_THREAD_RESUME).error, L4_OK);
	}
	/* Every reader faults; each fault is answered with nothing (it faults
	 * again) until all have, so none goes on meanwhile; while some have
	 * not, an answer waits a tick (holding the reply right), or the
	 * others' faults would flood the endpoint. */
	bool seen[MAX_READERS] = { false };
	unsigned nseen = 0;
	for (unsigned tries = 0; nseen < nr; tries++) {
		CHECK(tries < 100000);
		struct l4_result r = l4_recv(run->pf, 2000000);
		unsigned k;
		tlb_check_fault(run, r, &k);
		if (ktest_failed())
			return;
		if (!seen[k]) {
			seen[k] = true;
			nseen++;
			run->faults++;
		} else {
			run->refaults++;
		}
		/* Moved while it waits for its pager: it goes on (faults
		 * again, then reads) on the next CPU. */
		if (mode == TLB_MOVED)
			CHECK_EQ(l4_thread_set_cpu(run->reader[k], (unsigned)((k + 2 + round + nseen) % run->n)), L4_OK);
		if (nseen < nr)
			l4_sleep_us(200);
		CHECK_EQ(l4_reply(l4_tag(0, 0, 0)), L4_OK);
	}
	for (unsigned k = 0; k < nr; k++) {
		CHECK_EQ(tlbr[k].poison, 0);
		CHECK_EQ(tlbr[k].wrong, 0);
		CHECK_EQ(tlbr[k].back, 0);
	}
	CHECK_EQ(tlb_overwritten(), 0);
	/* The next round's values, mapped by the pager's answer to the faults. */
	tlb_write(round + 1, false);
	for (unsigned tries = 0; !tlb_all_read(nr, round + 1); tries++) {
		CHECK(tries < 4000);
		struct l4_result r = l4_recv(run->pf, 1000);
		if (r.error == L4_ETIMEOUT)
			continue;
		unsigned k;
		tlb_check_fault(run, r, &k);
		if (ktest_failed())
			return;
		UTCB0->mr[0] = L4_ITEM_MAP | TLB_AT;
		UTCB0->mr[1] = l4_fpage_mem(TLB_VIEW, run->order, L4_FP_RW);
		CHECK_EQ(l4_reply(l4_tag(0, 0, 1)), L4_OK);
	}
	run->rounds++;
}

/* rounds rounds of pages of 2^order bytes (large: one 2 MiB page, from
 * sigma0 with L4_SIGMA0_LARGE); readers in another task or ours;
 * mode_mask: the modes to cycle through. */
static void tlb_shootdown(unsigned order, unsigned rounds, bool same_task, unsigned mode_mask, bool large)
{
	struct tlb_run run = { .n = online(), .order = order };
	l4_word_t err;

	run.readers = run.n > 1 ? run.n - 1 : 1;
	if (run.readers > MAX_READERS)
		run.readers = MAX_READERS;
	tlb_pages = 1ul << (order - 12);
	for (unsigned k = 0; k < MAX_READERS; k++)
		tlbr[k] = (struct tlb_reader){ 0 };
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, order | (large ? L4_SIGMA0_LARGE : 0),
			      l4_fpage_mem(TLB_VIEW, order, 0), &err) != ~0ull);
	tlb_write(1, false);
	run.task = same_task ? L4_CAP_TASK : share_image();
	CHECK(run.task != L4_CAP_NONE);
	run.pf = make(L4_FACTORY_ENDPOINT);
	CHECK(run.pf != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(run.task, L4_TASK_MAP, L4_ITEM_MAP | TLB_AT,
			   l4_fpage_mem(TLB_VIEW, order, L4_FP_RW)).error, L4_OK);
	/* A spinner of ours on every CPU, below the readers: a CPU whose
	 * reader is stopped or faulting runs our space, not the readers'. */
	for (unsigned c = 0; c < run.n && c <= MAX_READERS; c++)
		CHECK(spawn(atk_spin_fn, (long)tlb_spins[c], 10, c) != L4_CAP_NONE);
	for (unsigned k = 0; k < run.readers; k++) {
		l4_cap_t pager = slot();
		CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, run.pf, pager, L4_CAP_RIGHT_WRITE,
				   TLB_BADGE + k).error, L4_OK);
		/* (Its pages are mapped: it faults only after the first unmap.) */
		run.reader[k] = spawn_in(run.task, tlb_read_loop, (long)k, 50, run.n > 1 ? 1 + k : 0);
		CHECK(run.reader[k] != L4_CAP_NONE);
		CHECK_EQ(L4_INVOKE(run.reader[k], L4_THREAD_SET_PAGER, pager).error, L4_OK);
	}
	cpus_beyond_refused(run.reader[0], run.n);
	unsigned long t0 = l4_rdtsc();
	for (unsigned long round = 1; round <= rounds && !ktest_failed(); round++) {
		unsigned mode = (unsigned)(round % TLB_MODES);
		while (!(mode_mask & (1u << mode)))
			mode = (mode + 1) % TLB_MODES;
		tlb_round(&run, round, mode);
	}
	unsigned long khz = l4_boot_info->tsc_khz ? l4_boot_info->tsc_khz : 1000000;
	l4_printf("ktest: (%u reader%s on %u CPU%s, %lu pages: %lu rounds in %lu ms, %lu faults, %lu faults again; "
		  "an unmap and poisoning took %lu us)\n",
		  run.readers, run.readers == 1 ? "" : "s", run.n, run.n == 1 ? "" : "s", tlb_pages, run.rounds,
		  (unsigned long)((l4_rdtsc() - t0) / khz), run.faults, run.refaults,
		  run.rounds ? (unsigned long)(run.unmap_tsc * 1000 / khz / run.rounds) : 0);
	CHECK_EQ(run.rounds, rounds);
	for (unsigned k = 0; k < run.readers; k++)
		CHECK_EQ(tlbr[k].poison, 0);
	/* Last, the pager goes while the readers fault (or are about to):
	 * each stops, and holds still. (4 KiB only: a 2 MiB unmap is slow.) */
	if (order != 12)
		return;
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(TLB_VIEW, order, L4_FP_RWX), 0).error, L4_OK);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, run.pf).error, L4_OK);
	for (unsigned k = 0; k < run.readers; k++)
		CHECK(WAIT_FOR(thread_state(run.reader[k]) == L4_THREAD_INACTIVE, 2000));
	for (unsigned k = 0; k < run.readers; k++)
		CHECK(holds_still(&tlbr[k].reads));
}

/* Whatever happened: the readers go, and our pages with everything mapped from them. */
static void tlb_end(void)
{
	attack_end();
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(TLB_VIEW, 21, L4_FP_RWX), L4_UNMAP_SELF);
}

static void tlb_4k(void)
{
	tlb_shootdown(12, 20, false, 1u << TLB_RUNNING, false);
	tlb_end();
}

static void tlb_2m_item(void)
{
	tlb_shootdown(21, 20, false, 7, false);     /* (each unmap: 512 pages, one shootdown) */
	tlb_end();
}

/* The same with one 2 MiB page: one INVLPG must drop all of it everywhere. */
static void tlb_2m_large_page(void)
{
	tlb_shootdown(21, 20, false, 7, true);
	tlb_end();
}

static void tlb_same_task(void)
{
	tlb_shootdown(12, 30, true, 7, false);
	tlb_end();
}

static void tlb_200_rounds(void)
{
	tlb_shootdown(12, 200, false, 7, false);
	tlb_end();
}

/* ------------------------------------------------------------ revoke under calls */

/*
 * A server on CPU 1 (reply-and-wait, now and then a little slow so that
 * callers queue) and clients on every CPU (two on one CPU) calling it in
 * loops through badged copies. Then, in turn, with a growing delay:
 * (A) revoke the endpoint's original (the clients' copies go), cancel the
 * clients' queued calls by badge, and call it ourselves: no client's
 * message may reach the server after ours; then delete the endpoint
 * (the server, waiting, wakes with L4_ECANCELED); (B) delete the
 * endpoint while the calls go on; (C) delete the server thread, then
 * the endpoint. Every client ends with L4_ECAP or L4_ECANCELED (never a
 * timeout: nothing hangs), every reply it got was right.
 */
#define RV_CLIENTS 4
#define RV_BADGE   0x3300
#define RV_MARKER  0x3f

static struct {
	l4_cap_t ep, cap[RV_CLIENTS];
	volatile unsigned long calls[RV_CLIENTS], bad, served, after_marker, marker;
	volatile long cerr[RV_CLIENTS], serr;
} rv;

static long rv_client(long k)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned long i = 0;; i++) {
		u->mr[0] = i;
		u->mr[1] = (unsigned long)k;
		struct l4_result r = l4_call(rv.cap[k], l4_tag(0x40 + (unsigned long)k, 2, 0), 3000000);
		if (r.error) {
			rv.cerr[k] = (long)r.error;
			return (long)r.error;
		}
		if (l4_tag_label(r.tag) != 0x41 + (unsigned long)k || u->mr[0] != i * 3 + (unsigned long)k)
			rv.bad++;
		rv.calls[k]++;
	}
}

static long rv_server(long ep)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_result r = l4_recv((l4_cap_t)ep, 3000000);
	unsigned long n = 0;

	while (!r.error) {
		l4_word_t label = l4_tag_label(r.tag);
		if (label == RV_MARKER) {
			rv.marker = 1;
		} else {
			if (rv.marker)
				rv.after_marker++;
			if (r.badge != RV_BADGE + u->mr[1] || label != 0x40 + u->mr[1])
				rv.bad++;
			u->mr[0] = u->mr[0] * 3 + u->mr[1];
		}
		rv.served++;
		if (++n % 8 == 0)
			l4_spin_us(40);     /* mid-IPC for a while: callers queue up */
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(label + 1, 1, 0), 3000000);
	}
	rv.serr = (long)r.error;
	return (long)r.error;
}

static bool rv_clients_done(unsigned nc)
{
	for (unsigned k = 0; k < nc; k++)
		if (!rv.cerr[k])
			return false;
	return true;
}

static bool rv_clients_called(unsigned nc)
{
	for (unsigned k = 0; k < nc; k++)
		if (!rv.calls[k] && !rv.cerr[k])
			return false;
	return true;
}

static void rv_round(unsigned n, unsigned round, unsigned long *totals)
{
	unsigned mode = round % 3, nc = n > 1 ? n : 2;
	l4_cap_t client[RV_CLIENTS], server;

	if (nc > RV_CLIENTS)
		nc = RV_CLIENTS;
	rv.bad = rv.served = rv.after_marker = rv.marker = 0;
	rv.serr = 0;
	rv.ep = make(L4_FACTORY_ENDPOINT);
	CHECK(rv.ep != L4_CAP_NONE);
	for (unsigned k = 0; k < nc; k++) {
		rv.calls[k] = 0;
		rv.cerr[k] = 0;
		rv.cap[k] = slot();
		CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, rv.ep, rv.cap[k], L4_CAP_RIGHT_WRITE,
				   RV_BADGE + k).error, L4_OK);
	}
	server = spawn(rv_server, (long)rv.ep, 90, n > 1 ? 1 : 0);
	CHECK(server != L4_CAP_NONE);
	/* Clients: CPU 0, the server's CPU 1 (the fast path there), 2, 3. */
	for (unsigned k = 0; k < nc; k++) {
		client[k] = spawn(rv_client, (long)k, 90, k % n);
		CHECK(client[k] != L4_CAP_NONE);
	}
	CHECK(WAIT_FOR(rv_clients_called(nc), 4000));
	l4_sleep_us(300 * (round / 3));
	if (mode == 0) {
		CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, rv.ep).error, L4_OK);
		/* The revoked copies' queued calls go too (cancelled through a
		 * new copy of each badge, in a slot the clients do not use). */
		l4_cap_t again = slot();
		for (unsigned k = 0; k < nc; k++) {
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, rv.cap[k]).error, L4_ECAP);
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, rv.ep, again, L4_CAP_RIGHT_WRITE,
					   RV_BADGE + k).error, L4_OK);
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, again).error, L4_OK);
			CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, again).error, L4_OK);
		}
		/* Our call comes after anything of theirs that was already taken. */
		struct l4_result r = l4_call(rv.ep, l4_tag(RV_MARKER, 2, 0), 3000000);
		CHECK_EQ(r.error, L4_OK);
		CHECK_EQ(l4_tag_label(r.tag), RV_MARKER + 1);
		CHECK(WAIT_FOR(rv_clients_done(nc), 4000));
		CHECK(WAIT_FOR(thread_state(server) == L4_THREAD_RECV_BLOCKED, 4000));
		CHECK_EQ(rv.after_marker, 0);
		CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, rv.ep).error, L4_OK);
		CHECK(WAIT_FOR(rv.serr != 0, 4000));
		CHECK_EQ(rv.serr, L4_ECANCELED);
		for (unsigned k = 0; k < nc; k++)
			CHECK(rv.cerr[k] == L4_ECANCELED || rv.cerr[k] == L4_ECAP);
	} else {
		if (mode == 2)
			kill(server);    /* (the clients waiting for its replies wake) */
		CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, rv.ep).error, L4_OK);
		CHECK(WAIT_FOR(rv_clients_done(nc), 4000));
		if (mode == 1) {
			CHECK(WAIT_FOR(rv.serr != 0, 4000));
			CHECK(rv.serr == L4_ECANCELED || rv.serr == L4_ECAP);
		}
		for (unsigned k = 0; k < nc; k++)
			CHECK(rv.cerr[k] == L4_ECANCELED || rv.cerr[k] == L4_ECAP);
	}
	CHECK_EQ(rv.bad, 0);
	for (unsigned k = 0; k < nc; k++) {
		totals[0] += rv.calls[k];
		totals[1 + mode] += rv.cerr[k] == L4_ECANCELED;
	}
	attack_end();
}

static void revoke_under_calls(void)
{
	unsigned n = online();
	unsigned long totals[4] = { 0 };

	cpus_beyond_refused(L4_CAP_THREAD, n);
	for (unsigned round = 0; round < 24 && !ktest_failed(); round++)
		rv_round(n, round, totals);
	l4_printf("ktest: (24 rounds on %u CPU%s: %lu calls answered; clients woken with L4_ECANCELED: "
		  "%lu revoke, %lu delete, %lu server gone)\n",
		  n, n == 1 ? "" : "s", totals[0], totals[1], totals[2], totals[3]);
	attack_end();
}

/* ------------------------------------------------------------ capabilities from every CPU */

/*
 * One endpoint; a worker per CPU (at least three) copies, mints, moves,
 * deletes and revokes capabilities to it among a pool of our slots and
 * another task's table, uses them, and now and then revokes the original,
 * for a fixed number of steps each. Afterwards revoking the original
 * must empty every slot, and deleting it, the other task and everything
 * else must give our factory exactly what it had and the kernel its free
 * frames (up to a kept empty slab page per size class).
 */
#define CO_POOL   48
#define CO_BSLOTS 32
#define CO_STEPS  25000
#define CO_MAX_WORKERS 8

static struct {
	l4_cap_t orig, b, pool[CO_POOL];
	volatile unsigned long steps[CO_MAX_WORKERS], ok[CO_MAX_WORKERS], odd[CO_MAX_WORKERS];
	volatile unsigned long odd_err[CO_MAX_WORKERS], odd_op[CO_MAX_WORKERS];
} co;

static long co_worker(long k)
{
	uint64_t rng = 0x9e3779b97f4a7c15ull * (uint64_t)(k + 1);
	struct l4_utcb *u = l4_utcb();

	for (unsigned i = 0; i < CO_STEPS; i++) {
		uint64_t x = ktest_random(&rng);
		unsigned op = (unsigned)(x % 16);
		l4_cap_t a = (x >> 8) % 8 == 0 ? co.orig : co.pool[(x >> 12) % CO_POOL];
		l4_cap_t b = co.pool[(x >> 20) % CO_POOL];
		l4_word_t bslot = (x >> 28) % CO_BSLOTS, rights = (x >> 36) % 8;
		struct l4_result r;
		switch (op) {
		case 0: case 1: case 2:
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, a, b, rights);
			break;
		case 3: case 4:
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, a, b, rights, (x >> 40) % 64);
			break;
		case 5:         /* moves among the pool only: the original stays where it is */
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MOVE, co.pool[(x >> 12) % CO_POOL], b);
			break;
		case 6: case 7:
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
			break;
		case 8:
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, (x >> 44) % 32 == 0 ? co.orig : b);
			break;
		case 9:
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, a);
			break;
		case 10: case 11: {     /* into the other task's table, mapped or granted */
			bool grant = (x >> 44) % 4 == 0 && a != co.orig;
			r = L4_INVOKE(co.b, L4_TASK_MAP, (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | bslot << 12,
				      l4_fpage_cap(a, 0, (unsigned)rights));
			break;
		}
		case 12:
			r = L4_INVOKE(co.b, L4_TASK_CAP_DELETE, bslot);
			break;
		case 13:
			r = L4_INVOKE(co.b, (x >> 44) % 2 ? L4_TASK_CAP_REVOKE : L4_TASK_CAP_INFO, bslot);
			break;
		case 14:        /* use it */
			u->mr[0] = i;
			r = l4_send(a, l4_tag(0x30, 1, 0), L4_TIMEOUT_POLL);
			break;
		default:
			r = L4_INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, a);
			break;
		}
		/* What these operations may say; anything else is recorded. */
		if (r.error == L4_OK)
			co.ok[k]++;
		else if (r.error != L4_ECAP && r.error != L4_EBUSY && r.error != L4_EINVAL &&
			 r.error != L4_ERIGHTS && r.error != L4_ETIMEOUT && r.error != L4_ETYPE) {
			if (!co.odd[k]++) {
				co.odd_err[k] = r.error;
				co.odd_op[k] = op;
			}
		}
		co.steps[k]++;
	}
	return 0;
}

static bool co_done(unsigned nw)
{
	for (unsigned k = 0; k < nw; k++)
		if (co.steps[k] < CO_STEPS)
			return false;
	return true;
}

/* The endpoint, the other task and the pool, once. */
static void co_make(void)
{
	co.orig = make(L4_FACTORY_ENDPOINT);
	CHECK(co.orig != L4_CAP_NONE);
	co.b = slot();
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, co.b, CO_BSLOTS).error, L4_OK);
	for (unsigned i = 0; i < CO_POOL; i++)
		co.pool[i] = slot();
}

static void cap_ops_from_every_cpu(void)
{
	unsigned n = online(), nw = n < 3 ? 3 : n;
	l4_cap_t w[CO_MAX_WORKERS];

	if (nw > CO_MAX_WORKERS)
		nw = CO_MAX_WORKERS;
	/* Once before the baseline: what the first use of anything leaves
	 * (page tables for the threads' UTCBs, slab pages) is there. */
	co_make();
	for (unsigned k = 0; k < nw; k++)
		CHECK(spawn(atk_spin_fn, (long)tlb_spins[k], 10, k % n) != L4_CAP_NONE);
	attack_end();
	l4_word_t frames0 = free_frames(), used0 = factory_used();

	co_make();
	if (ktest_failed())
		return;
	for (unsigned k = 0; k < nw; k++) {
		co.steps[k] = co.ok[k] = co.odd[k] = 0;
		w[k] = spawn(co_worker, (long)k, 60, k % n);
		CHECK(w[k] != L4_CAP_NONE);
		CHECK_EQ(L4_INVOKE(w[k], L4_THREAD_SET_TIMESLICE, 1000).error, L4_OK);
	}
	unsigned long t0 = l4_rdtsc(), khz = l4_boot_info->tsc_khz ? l4_boot_info->tsc_khz : 1000000;
	CHECK(WAIT_FOR(co_done(nw), 60000));
	unsigned long ms = (unsigned long)((l4_rdtsc() - t0) / khz), ok = 0;
	for (unsigned k = 0; k < nw; k++) {
		ok += co.ok[k];
		if (co.odd[k])
			l4_printf("ktest: (worker %u: %lu unexpected results, first error %lu from operation %lu)\n", k,
				  co.odd[k], co.odd_err[k], co.odd_op[k]);
		CHECK_EQ(co.odd[k], 0);
	}
	/* Revoking the original empties every slot its copies were in. */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_REVOKE, co.orig).error, L4_OK);
	unsigned left = 0;
	for (unsigned i = 0; i < CO_POOL; i++)
		left += L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, co.pool[i]).error != L4_ECAP;
	for (unsigned i = 0; i < CO_BSLOTS; i++)
		left += L4_INVOKE(co.b, L4_TASK_CAP_INFO, i).error != L4_ECAP;
	CHECK_EQ(left, 0);
	attack_end();
	l4_word_t frames1 = free_frames(), used1 = factory_used();
	l4_printf("ktest: (%u workers on %u CPU%s: %u steps each in %lu ms, %lu succeeded; "
		  "free frames %lu before, %lu after; factory use %lu before, %lu after)\n",
		  nw, n, n == 1 ? "" : "s", CO_STEPS, ms, ok, (unsigned long)frames0, (unsigned long)frames1,
		  (unsigned long)used0, (unsigned long)used1);
	CHECK_EQ(used1, used0);
	CHECK(frames1 + 7 >= frames0 && frames1 <= frames0 + 7);
}

/* ------------------------------------------------------------ migration */

/*
 * A client on CPU 2 calls a server on CPU 1 (which takes a varying
 * while to answer); we move the client to another CPU whenever it waits
 * for a reply, and the server now and then while it works. Every call
 * must get its own right answer, and the client goes on where it was
 * moved last.
 */
#define MC_CALLS 1500

static struct {
	volatile unsigned long calls, bad, err, served;
	volatile long where;
} mc;

static long mc_server(long ep)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_result r = l4_recv((l4_cap_t)ep, 3000000);
	uint64_t rng = 77;

	while (!r.error && l4_tag_label(r.tag) != 0xdead) {
		l4_spin_us(ktest_random(&rng) % 60);
		u->mr[0] = u->mr[0] * 2 + 1;
		mc.served++;
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(l4_tag_label(r.tag) + 1, 1, 0), 3000000);
	}
	if (!r.error)
		l4_reply(0);
	return (long)r.error;
}

static long mc_client(long ep)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned long i = 0; i < MC_CALLS; i++) {
		u->mr[0] = i;
		struct l4_result r = l4_call((l4_cap_t)ep, l4_tag(0x50, 1, 0), 3000000);
		if (r.error) {
			mc.err = r.error;
			return -1;
		}
		if (l4_tag_label(r.tag) != 0x51 || u->mr[0] != 2 * i + 1)
			mc.bad++;
		mc.calls++;
	}
	mc.where = l4_thread_get_cpu(l4_self()->thread, NULL);
	return 0;
}

static void move_caller_while_reply_blocked(void)
{
	unsigned n = online();
	l4_cap_t ep = make(L4_FACTORY_ENDPOINT);
	uint64_t rng = 5;
	unsigned long moved_blocked = 0, moves = 0, server_moves = 0;
	unsigned last = 2 % n;

	mc.calls = mc.bad = mc.err = mc.served = 0;
	mc.where = -1;
	CHECK(ep != L4_CAP_NONE);
	l4_cap_t server = spawn(mc_server, (long)ep, 80, 1 % n);
	l4_cap_t client = spawn(mc_client, (long)ep, 80, last);
	CHECK(server != L4_CAP_NONE && client != L4_CAP_NONE);
	cpus_beyond_refused(client, n);
	for (unsigned m = 0; mc.calls < MC_CALLS && !mc.err && m < 200000; m++) {
		l4_word_t st = thread_state(client);
		if (st == L4_THREAD_REPLY_BLOCKED || m % 4 == 0) {
			last = (unsigned)(ktest_random(&rng) % n);
			CHECK_EQ(l4_thread_set_cpu(client, last), L4_OK);
			moved_blocked += st == L4_THREAD_REPLY_BLOCKED;
			moves++;
		}
		if (m % 7 == 0) {
			CHECK_EQ(l4_thread_set_cpu(server, (unsigned)(ktest_random(&rng) % n)), L4_OK);
			server_moves++;
		}
		if (n == 1 || m % 16 == 0)
			l4_sleep_us(100);
		else
			l4_spin_us(ktest_random(&rng) % 50);
	}
	CHECK(WAIT_FOR(mc.calls == MC_CALLS || mc.err, 4000));
	l4_printf("ktest: (%lu calls; client moved %lu times, %lu of them waiting for a reply; server %lu times)\n",
		  mc.calls, moves, moved_blocked, server_moves);
	CHECK_EQ(mc.err, 0);
	CHECK_EQ(mc.bad, 0);
	CHECK_EQ(mc.calls, MC_CALLS);
	CHECK(WAIT_FOR(mc.where >= 0, 4000));
	CHECK_EQ(mc.where, last);
	CHECK_EQ(l4_call(ep, l4_tag(0xdead, 0, 0), 3000000).error, L4_OK);
	CHECK(l4_thread_join(server));
	CHECK_EQ(l4_thread_result(server), 0);
	attack_end();
}

/* Whether *p changes within about ms milliseconds. */
static bool moves_on(volatile unsigned long *p, unsigned ms)
{
	unsigned long v = *p;

	return WAIT_FOR(*p != v, ms);
}

/* Whether *p stays as it is for a few milliseconds. */
static bool holds_still(volatile unsigned long *p)
{
	unsigned long v = *p;

	l4_sleep_us(3000);
	return *p == v;
}

static volatile unsigned long sd_count[4][2];

/* Spins a while, then deletes its own (original) capability: itself. */
static long self_delete(long counters)
{
	volatile unsigned long *c = (volatile unsigned long *)counters;

	for (unsigned i = 0; i < 20000; i++)
		c[0]++;
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, l4_self()->thread);
	c[1] = 1;      /* never */
	return 0;
}

/*
 * On every other CPU (on one CPU: CPU 0, the spinner below us): a
 * thread spinning in user mode, then one spinning on system calls, is
 * stopped (it holds still), resumed (it goes on), deleted while it runs
 * (it holds still), and a new thread on that CPU must run. Last, a
 * thread there deletes itself, and that CPU goes on with another.
 */
static void stop_delete_running_elsewhere(void)
{
	unsigned n = online();

	for (unsigned c = n > 1 ? 1 : 0; c < n && !ktest_failed(); c++) {
		for (unsigned kind = 0; kind < 2; kind++) {
			for (unsigned i = 0; i < 4; i++)
				sd_count[i][0] = sd_count[i][1] = 0;
			l4_cap_t t = spawn(kind ? atk_sys_fn : atk_spin_fn, (long)sd_count[0], 50, c);
			CHECK(t != L4_CAP_NONE);
			CHECK(moves_on(&sd_count[0][0], 2000));
			CHECK_EQ(L4_INVOKE(t, L4_THREAD_STOP).error, L4_OK);
			CHECK_EQ(thread_state(t), L4_THREAD_INACTIVE);
			CHECK(holds_still(&sd_count[0][0]));
			CHECK_EQ(L4_INVOKE(t, L4_THREAD_RESUME).error, L4_OK);
			CHECK(moves_on(&sd_count[0][0], 2000));
			kill(t);
			CHECK(holds_still(&sd_count[0][0]));
			/* The CPU runs others. */
			l4_cap_t u = spawn(atk_spin_fn, (long)sd_count[1], 50, c);
			CHECK(u != L4_CAP_NONE);
			CHECK(moves_on(&sd_count[1][0], 2000));
			kill(u);
			CHECK(holds_still(&sd_count[1][0]));
		}
		sd_count[2][0] = sd_count[2][1] = sd_count[3][0] = 0;
		l4_cap_t t = spawn(self_delete, (long)sd_count[2], 50, c);
		CHECK(t != L4_CAP_NONE);
		CHECK(WAIT_FOR(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, t).error == L4_ECAP, 2000));
		CHECK_EQ(sd_count[2][0], 20000);
		CHECK_EQ(sd_count[2][1], 0);
		kill(t);
		l4_cap_t u = spawn(atk_spin_fn, (long)sd_count[3], 50, c);
		CHECK(u != L4_CAP_NONE);
		CHECK(moves_on(&sd_count[3][0], 2000));
		kill(u);
	}
	attack_end();
}

static volatile unsigned long rg_count[2];

/* The register block of t (READ_REGS), into regs. */
static l4_word_t read_regs(l4_cap_t t, l4_word_t *regs)
{
	struct l4_result r = L4_INVOKE(t, L4_THREAD_READ_REGS);

	if (r.error)
		return r.error;
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = l4_utcb()->mr[i];
	return l4_tag_words(r.tag) == L4_REG_COUNT ? L4_OK : L4_EMSG;
}

static l4_word_t write_regs(l4_cap_t t, const l4_word_t *regs)
{
	return l4_invoke(t, L4_THREAD_WRITE_REGS, L4_REG_COUNT, regs).error;
}

/*
 * Registers of a thread running on another CPU: read while it spins
 * (it was stopped somewhere in its loop, with its loop's registers, and
 * goes on), then written with another RIP (it continues there and not
 * in its loop), then stopped, read, sent back and resumed. For a thread
 * spinning on system calls, a thread interrupted inside one shows RIP at
 * the syscall instruction with RAX still the call's number (the call is
 * made again), never a half-done call.
 */
static void regs_of_thread_running_elsewhere(void)
{
	unsigned n = online();
	unsigned long at[4] = { 0 };

	for (unsigned c = n > 1 ? 1 : 0; c < n && !ktest_failed(); c++) {
		for (unsigned kind = 0; kind < 2; kind++) {
			l4_word_t regs[L4_REG_COUNT];
			rg_count[0] = rg_count[1] = 0;
			l4_cap_t t = spawn(kind ? atk_sys_fn : atk_spin_fn, (long)rg_count, 50, c);
			CHECK(t != L4_CAP_NONE);
			CHECK(moves_on(&rg_count[0], 2000));
			for (unsigned i = 0; i < 40; i++) {
				CHECK_EQ(read_regs(t, regs), L4_OK);
				l4_word_t rip = regs[L4_REG_RIP];
				if (!kind) {
					CHECK(rip >= (l4_word_t)atk_spin && rip < (l4_word_t)atk_spin_end);
					CHECK_EQ(regs[L4_REG_RDI], (l4_word_t)rg_count);
				} else if (rip == (l4_word_t)atk_sys) {
					at[3]++;                /* not yet in its loop */
				} else {
					CHECK_EQ(regs[L4_REG_R12], (l4_word_t)rg_count);
					if (rip == (l4_word_t)atk_sys_call) {
						CHECK_EQ(regs[L4_REG_RAX], 5);   /* to be made (again) */
						at[1]++;
					} else if (rip == (l4_word_t)atk_sys_after || rip == (l4_word_t)atk_sys_jmp) {
						CHECK_EQ(regs[L4_REG_RAX], L4_OK);   /* made, its result */
						at[2]++;
					} else {
						CHECK_EQ(rip, (l4_word_t)atk_sys_loop);
						/* the last call's result, or (the first time) what the entry left */
						CHECK(regs[L4_REG_RAX] == L4_OK || regs[L4_REG_RAX] == (l4_word_t)atk_sys_fn);
						at[0]++;
					}
				}
				if (n == 1)
					l4_sleep_us(200);
			}
			CHECK(moves_on(&rg_count[0], 2000));       /* it goes on */
			/* Sent elsewhere while it runs: it continues there. */
			CHECK_EQ(read_regs(t, regs), L4_OK);
			regs[L4_REG_RIP] = (l4_word_t)atk_land;
			regs[L4_REG_RDI] = (l4_word_t)rg_count;
			CHECK_EQ(write_regs(t, regs), L4_OK);
			unsigned long spun = rg_count[0];
			CHECK(moves_on(&rg_count[1], 2000));
			CHECK_EQ(rg_count[0], spun);
			/* Stopped, read, sent back, resumed. */
			CHECK_EQ(L4_INVOKE(t, L4_THREAD_STOP).error, L4_OK);
			CHECK(holds_still(&rg_count[1]));
			CHECK_EQ(read_regs(t, regs), L4_OK);
			CHECK(regs[L4_REG_RIP] >= (l4_word_t)atk_land && regs[L4_REG_RIP] < (l4_word_t)atk_land_end);
			regs[L4_REG_RIP] = (l4_word_t)(kind ? atk_sys : atk_spin);
			CHECK_EQ(write_regs(t, regs), L4_OK);
			unsigned long landed = rg_count[1];
			CHECK_EQ(L4_INVOKE(t, L4_THREAD_RESUME).error, L4_OK);
			CHECK(moves_on(&rg_count[0], 2000));
			CHECK_EQ(rg_count[1], landed);
			kill(t);
		}
	}
	l4_printf("ktest: (a thread yielding in a loop was found at: its loop's start %lu, the syscall %lu, "
		  "after it %lu, its first instruction %lu times)\n", at[0], at[1], at[2], at[3]);
	attack_end();
}

/*
 * A single-step trap (#DB with RFLAGS.TF: the instruction is done when it
 * is reported) reaches the exception handler even when we stop the
 * thread from another CPU while its CPU enters the kernel for it: a
 * fault recurs when the thread runs again, a trap must wait in the
 * thread (trap_pending). The thread steps through `1: inc ecx; jmp 1b`;
 * after each reply we wait a little (0 to 60 PAUSEs) and query it 0 to 3
 * times (each query stops it where it is), so that queries land all
 * along its way to the next trap; every
 * step must come, in order: after the INC at the JMP with the new count,
 * after the JMP at the INC.
 */
static volatile int step_go;
extern char step_inc[], step_jmp[];

static long step_loop(long arg)
{
	(void)arg;
	while (!step_go)
		__asm__ volatile("pause");
	__asm__ volatile("xor %%ecx, %%ecx\n pushf\n orq $0x100, (%%rsp)\n popf\n"
			 "step_inc: inc %%ecx\n step_jmp: jmp step_inc" : : : "rcx", "memory", "cc");
	return 0;
}

static void single_step_survives_a_stall(void)
{
	unsigned n = online(), i, queries = 0;
	l4_word_t vector = 0, rip = 0, rcx = 0;
	l4_cap_t ep = make(L4_FACTORY_ENDPOINT);

	CHECK(ep != L4_CAP_NONE);
	step_go = 0;
	l4_cap_t t = spawn(step_loop, 0, 50, n > 1 ? 1 : 0);
	CHECK(t != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, ep).error, L4_OK);
	step_go = 1;
	for (i = 0; i < 2000; i++) {
		struct l4_result r = l4_recv(ep, 1000000);
		if (r.error || l4_tag_label(r.tag) != L4_LABEL_EXCEPTION)
			break;
		vector = UTCB0->mr[L4_EXC_VECTOR];
		rip = UTCB0->mr[L4_EXC_REGS + L4_REG_RIP];
		rcx = UTCB0->mr[L4_EXC_REGS + L4_REG_RCX] & 0xffffffff;
		if (vector != 1 || rip != (l4_word_t)(i % 2 ? step_inc : step_jmp) || rcx != i / 2 + 1)
			break;
		for (unsigned k = 0; k < L4_REG_COUNT; k++)
			UTCB0->mr[k] = UTCB0->mr[L4_EXC_REGS + k];
		if (l4_reply(l4_tag(0, L4_REG_COUNT, 0)) != L4_OK)
			break;
		for (unsigned d = 0; d < (i * 37) % 61; d++)     /* (a different moment each time) */
			__asm__ volatile("pause");
		for (unsigned q = 0; q < i % 4; q++, queries++)
			L4_INVOKE(t, L4_THREAD_INFO);
	}
	kill(t);
	l4_printf("ktest: (%u single steps in order, %u queries of the thread between them)\n", i, queries);
	attack_end();
	CHECK_EQ(vector, 1);
	CHECK_EQ(i, 2000);
}

/*
 * A thread moves itself from CPU to CPU in a loop while we move it too,
 * stop and resume it and read its registers: its every move succeeds
 * and it finishes.
 */
#define SM_MOVES 1500

static struct {
	volatile unsigned long moves, bad;
} sm;

static long self_mover(long n)
{
	for (unsigned long i = 0; i < SM_MOVES; i++) {
		if (l4_thread_set_cpu(l4_self()->thread, (unsigned)(i % (unsigned long)n)) != L4_OK)
			sm.bad++;
		sm.moves++;
	}
	return 0;
}

static void moves_race_self_moves(void)
{
	unsigned n = online();
	uint64_t rng = 9;
	l4_word_t regs[L4_REG_COUNT];

	sm.moves = sm.bad = 0;
	l4_cap_t t = spawn(self_mover, (long)n, 70, n - 1);
	CHECK(t != L4_CAP_NONE);
	for (unsigned m = 0; sm.moves < SM_MOVES && m < 100000; m++) {
		switch (ktest_random(&rng) % 4) {
		case 0:
			CHECK_EQ(L4_INVOKE(t, L4_THREAD_STOP).error, L4_OK);
			CHECK_EQ(read_regs(t, regs), L4_OK);
			CHECK_EQ(L4_INVOKE(t, L4_THREAD_RESUME).error, L4_OK);
			break;
		case 1:
			CHECK_EQ(read_regs(t, regs), L4_OK);
			break;
		default:
			CHECK_EQ(l4_thread_set_cpu(t, (unsigned)(ktest_random(&rng) % n)), L4_OK);
			break;
		}
		if (n == 1 || m % 8 == 0)
			l4_sleep_us(100);
	}
	CHECK(WAIT_FOR(sm.moves == SM_MOVES, 4000));
	CHECK(l4_thread_join(t));
	CHECK_EQ(sm.bad, 0);
	attack_end();
}

/* ------------------------------------------------------------ a task dies under its running threads */

/*
 * A task with a spinning thread and a thread yielding in a loop on every
 * CPU, and one calling a server of ours (which takes a while to
 * answer), is deleted: its threads stop at once wherever they ran (their
 * counters hold still), its address space leaves every CPU, the server's
 * reply right to the dead caller just goes, and every CPU then runs our
 * own spinners. Ten times.
 */
#define DT_MAX_CPUS 8

static volatile unsigned long dt_spin[DT_MAX_CPUS][2], dt_sys[DT_MAX_CPUS][2], dt_ours[DT_MAX_CPUS][2];
static volatile unsigned long dt_calls, dt_call_err;

static long dt_caller(long ep)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned long i = 0;; i++) {
		u->mr[0] = i;
		struct l4_result r = l4_call((l4_cap_t)ep, l4_tag(0x60, 1, 0), 3000000);
		if (r.error) {
			dt_call_err = r.error;
			return 0;
		}
		dt_calls++;
	}
}

static long dt_server(long ep)
{
	struct l4_result r = l4_recv((l4_cap_t)ep, 3000000);

	while (!r.error && l4_tag_label(r.tag) != 0xdead) {
		l4_spin_us(100);
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(0x61, 0, 0), 3000000);
	}
	if (!r.error)
		l4_reply(0);
	return (long)r.error;
}

static void delete_task_running_everywhere(void)
{
	unsigned n = online();
	unsigned cpus = n < DT_MAX_CPUS ? n : DT_MAX_CPUS;
	l4_cap_t ep = make(L4_FACTORY_ENDPOINT);

	CHECK(ep != L4_CAP_NONE);
	for (unsigned c = 0; c < cpus; c++)
		CHECK(spawn(atk_spin_fn, (long)dt_ours[c], 10, c) != L4_CAP_NONE);
	l4_cap_t server = spawn(dt_server, (long)ep, 60, 1 % n);
	CHECK(server != L4_CAP_NONE);
	for (unsigned round = 0; round < 10 && !ktest_failed(); round++) {
		l4_cap_t b = share_image(), t[2 * DT_MAX_CPUS + 1];
		unsigned nt = 0;
		CHECK(b != L4_CAP_NONE);
		CHECK_EQ(l4_give_cap(b, ep), L4_OK);
		dt_calls = dt_call_err = 0;
		for (unsigned c = 0; c < cpus; c++) {
			dt_spin[c][0] = dt_sys[c][0] = 0;
			t[nt++] = spawn_in(b, atk_spin_fn, (long)dt_spin[c], 50, c);
			t[nt++] = spawn_in(b, atk_sys_fn, (long)dt_sys[c], 50, c);
		}
		t[nt++] = spawn_in(b, dt_caller, (long)ep, 50, (round + 2) % n);
		for (unsigned i = 0; i < nt; i++)
			CHECK(t[i] != L4_CAP_NONE);
		for (unsigned c = 0; c < cpus; c++) {
			CHECK(moves_on(&dt_spin[c][0], 2000));
			CHECK(moves_on(&dt_sys[c][0], 2000));
		}
		CHECK(WAIT_FOR(dt_calls > 0, 2000));
		l4_sleep_us(100 * round);
		CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b).error, L4_OK);
		/* Its threads are dead (their capabilities say so) and hold still. */
		for (unsigned i = 0; i < nt; i++)
			CHECK_EQ(thread_state(t[i]), L4_THREAD_DEAD);
		unsigned long calls = dt_calls;
		for (unsigned c = 0; c < cpus; c++) {
			CHECK(holds_still(&dt_spin[c][0]));
			CHECK(holds_still(&dt_sys[c][0]));
		}
		CHECK_EQ(dt_calls, calls);
		CHECK_EQ(dt_call_err, 0);
		/* Every CPU runs ours now. */
		for (unsigned c = 0; c < cpus; c++)
			CHECK(moves_on(&dt_ours[c][0], 2000));
		for (unsigned i = 0; i < nt; i++)
			kill(t[i]);
	}
	/* The server served on, and ends as asked. */
	CHECK_EQ(l4_call(ep, l4_tag(0xdead, 0, 0), 3000000).error, L4_OK);
	CHECK(l4_thread_join(server));
	CHECK_EQ(l4_thread_result(server), 0);
	attack_end();
}

/* ------------------------------------------------------------ FPU state across CPUs */

/*
 * Two threads on every CPU keep values of their own in xmm0, xmm7 and
 * xmm15 and check them in a loop (the FPU switches lazily between
 * them); we move them from CPU to CPU while they run, stop, read and
 * resume them. No thread may ever see another's values. Then each CPU's
 * threads are deleted while they hold its FPU registers, and a new
 * thread there finds fresh (zero) registers: nothing of theirs.
 */
#define FS_MAX 16

struct fpu_spin {
	volatile unsigned long count, bad, value, pad;
};

static struct fpu_spin fs[FS_MAX];

static void fs_set(unsigned long v)
{
	__asm__ volatile("movq %0, %%xmm0\n"
			 "pshufd $0x44, %%xmm0, %%xmm0\n"
			 "movdqa %%xmm0, %%xmm7\n"
			 "movdqa %%xmm0, %%xmm15\n" : : "r"(v) : "memory");
}

/* xmm0, xmm7 and xmm15's low halves and xmm0's high half XOR v, OR-ed:
 * 0 when all are v. */
static unsigned long fs_diff(unsigned long v)
{
	unsigned long a, b, c, hi;

	__asm__ volatile("movq %%xmm0, %0\n"
			 "movq %%xmm7, %1\n"
			 "movq %%xmm15, %2\n"
			 "pshufd $0xee, %%xmm0, %%xmm1\n"
			 "movq %%xmm1, %3\n" : "=r"(a), "=r"(b), "=r"(c), "=r"(hi) : : "memory");
	return (a ^ v) | (b ^ v) | (c ^ v) | (hi ^ v);
}

static long fs_spinner(long k)
{
	struct fpu_spin *f = &fs[k];
	unsigned long v = f->value;

	fs_set(v);
	for (;;) {
		if (fs_diff(v)) {
			f->bad++;
			fs_set(v);
		}
		f->count++;
	}
	return 0;
}

static long fs_fresh(long arg)
{
	(void)arg;
	return fs_diff(0) == 0;
}

static void fpu_state_follows_moved_threads(void)
{
	unsigned n = online(), nf = 2 * n < FS_MAX ? 2 * n : FS_MAX;
	l4_cap_t t[FS_MAX];
	uint64_t rng = 11;
	l4_word_t regs[L4_REG_COUNT];

	for (unsigned k = 0; k < nf; k++) {
		fs[k] = (struct fpu_spin){ .value = (0x0101010101010101ull * (k + 1)) ^ 0x8000000000000000ull };
		t[k] = spawn(fs_spinner, (long)k, 50, k % n);
		CHECK(t[k] != L4_CAP_NONE);
	}
	for (unsigned k = 0; k < nf; k++)
		CHECK(moves_on(&fs[k].count, 2000));
	for (unsigned m = 0; m < 100; m++) {
		unsigned k = (unsigned)(ktest_random(&rng) % nf);
		if (m % 5 == 4) {
			CHECK_EQ(L4_INVOKE(t[k], L4_THREAD_STOP).error, L4_OK);
			CHECK_EQ(read_regs(t[k], regs), L4_OK);
			CHECK_EQ(l4_thread_set_cpu(t[k], (unsigned)(ktest_random(&rng) % n)), L4_OK);
			CHECK_EQ(L4_INVOKE(t[k], L4_THREAD_RESUME).error, L4_OK);
		} else {
			CHECK_EQ(l4_thread_set_cpu(t[k], (unsigned)(ktest_random(&rng) % n)), L4_OK);
		}
		l4_sleep_us(300);
	}
	for (unsigned k = 0; k < nf; k++) {
		CHECK(moves_on(&fs[k].count, 2000));
		CHECK_EQ(fs[k].bad, 0);
	}
	/* Deleted while they hold the registers: a new thread sees none of it. */
	for (unsigned c = 0; c < n; c++) {
		for (unsigned k = 0; k < nf; k++)
			if (t[k] != L4_CAP_NONE && l4_thread_get_cpu(t[k], NULL) == (long)c) {
				kill(t[k]);
				t[k] = L4_CAP_NONE;
			}
		l4_cap_t f = spawn(fs_fresh, 0, 50, c);
		CHECK(f != L4_CAP_NONE);
		CHECK(l4_thread_join(f));
		CHECK_EQ(l4_thread_result(f), 1);
		kill(f);
	}
	attack_end();
}

const struct ktest ktests_smp_attack[] = {
	{ "smp/single-step-survives-a-stall", single_step_survives_a_stall },
	{ "smp/tlb-shootdown-4k", tlb_4k },
	{ "smp/tlb-shootdown-2m-map-item", tlb_2m_item },
	{ "smp/tlb-shootdown-2m-large-page", tlb_2m_large_page },
	{ "smp/tlb-shootdown-same-task", tlb_same_task },
	{ "smp/tlb-shootdown-200-rounds", tlb_200_rounds },
	{ "smp/revoke-endpoint-under-calls", revoke_under_calls },
	{ "smp/cap-ops-on-one-object-from-every-cpu", cap_ops_from_every_cpu },
	{ "smp/move-caller-while-reply-blocked", move_caller_while_reply_blocked },
	{ "smp/stop-delete-thread-running-elsewhere", stop_delete_running_elsewhere },
	{ "smp/regs-of-thread-running-elsewhere", regs_of_thread_running_elsewhere },
	{ "smp/moves-race-self-moves", moves_race_self_moves },
	{ "smp/delete-task-running-everywhere", delete_task_running_everywhere },
	{ "smp/fpu-state-follows-moved-threads", fpu_state_follows_moved_threads },
	{ NULL, NULL },
};
