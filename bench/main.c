/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The IPC benchmark suite, run as the root task. Each case times
 * ITERATIONS round trips with the TSC, one sample per iteration, after a
 * warm-up, and prints
 *     bench: NAME ITERATIONS MIN MEDIAN MAX
 * in TSC ticks; tools/bench.sh turns these into the table and the JSON
 * (under QEMU's -icount shift=0 a tick is one executed instruction).
 * Timing covers the user's whole sequence: the stubs, the kernel entries
 * and exits, and the partner's side of a round trip.
 *
 * With more than one CPU online it adds the cross-CPU cases (a partner on
 * CPU 1) and the scaling case (independent call/reply pairs, one per CPU,
 * printed as "bench: pairs N: ..." lines). The kernel command line's
 * bench=GROUP[,GROUP] picks groups: one (the cases on one CPU, with VM
 * exits), xcpu, scaling, guestram (the set-up and tear-down of a VM's
 * RAM, "bench: guest_ram ..." lines; needs 3 GiB, so only when picked);
 * without it, every group that applies but guestram.
 */
#include "l4lib.h"
#include "l4vcpu.h"
#include "../vmm/x86state.h"

#define ITERATIONS 10000
#define WARMUP 500
#define SERVER_PRIO 120          /* partners outrank the measuring thread (100) */
#define PAGE 4096ull
#define FAULT_PAGE 0x40000000ull /* where the page-fault case touches */
#define MAP_SRC 0x41000000ull    /* the page the mapping cases hand out */

static unsigned long long samples[ITERATIONS];

static void sort(unsigned long long *a, unsigned n)
{
	/* Shell sort: no recursion, fast enough for 10,000 samples. */
	for (unsigned gap = n / 2; gap; gap /= 2)
		for (unsigned i = gap; i < n; i++)
			for (unsigned j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
				unsigned long long t = a[j];
				a[j] = a[j - gap];
				a[j - gap] = t;
			}
}

static void report(const char *name, unsigned n)
{
	sort(samples, n);
	l4_printf("bench: %s %u %llu %llu %llu\n", name, n, samples[0], samples[n / 2], samples[n - 1]);
}

/* ---- partners */

/* Replies to every call with the same number of words it got. */
static long echo_server(long ep)
{
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	for (;;)
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(0, l4_tag_words(r.tag), 0), L4_TIMEOUT_NEVER);
	return 0;
}

/* Replies with one map item of the page at MAP_SRC. */
static long map_server(long ep)
{
	struct l4_utcb *u = l4_utcb();

	l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	for (;;) {
		u->mr[0] = L4_ITEM_MAP;
		u->mr[1] = l4_fpage_mem(MAP_SRC, 12, L4_FP_RW);
		l4_reply_wait((l4_cap_t)ep, l4_tag(0, 0, 1), L4_TIMEOUT_NEVER);
	}
	return 0;
}

/* A pager that maps MAP_SRC at every fault address. */
static long pager(long ep)
{
	struct l4_utcb *u = l4_utcb();
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	for (;;) {
		l4_word_t addr = u->mr[0] & ~(PAGE - 1);
		u->mr[0] = L4_ITEM_MAP | addr;
		u->mr[1] = l4_fpage_mem(MAP_SRC, 12, L4_FP_RW);
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(0, 0, 1), L4_TIMEOUT_NEVER);
	}
	(void)r;
	return 0;
}

/* Waits on one notification and signals another, for ever. */
static long notify_partner(long caps)
{
	l4_cap_t wait = (l4_cap_t)caps & 0xffff, signal = (l4_cap_t)caps >> 16;

	for (;;) {
		l4_recv(wait, L4_TIMEOUT_NEVER);
		l4_send(signal, 0, L4_TIMEOUT_POLL);
	}
	return 0;
}

static long yielder(long unused)
{
	(void)unused;
	for (;;)
		l4_yield();
	return 0;
}

/* ---- cases */

static void null_syscall(void)
{
	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		unsigned long long t0 = l4_rdtsc();
		l4_syscall(L4_SYS_COUNT, 0, 0, 0);      /* no such call: entry, dispatch, exit */
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
	}
	report("null_syscall", ITERATIONS);
}

static void call_reply(const char *name, l4_cap_t ep, unsigned words, unsigned items)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned w = 0; w < words; w++)
		u->mr[w] = w;
	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		unsigned long long t0 = l4_rdtsc();
		l4_call(ep, l4_tag(1, words, items), L4_TIMEOUT_NEVER);
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
	}
	report(name, ITERATIONS);
}

static void call_reply_words(const char *kind, l4_cap_t task)
{
	static const unsigned words[] = { 0, 1, 4, 8, 16, 60 };
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	char name[40];

	if (task != L4_CAP_TASK)
		l4_give_cap(task, ep);
	l4_cap_t srv = l4_thread_start_in(task, echo_server, (long)ep, SERVER_PRIO);
	for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		int n = 0;
		for (const char *p = "call_reply_"; *p; p++)
			name[n++] = *p;
		for (const char *p = kind; *p; p++)
			name[n++] = *p;
		name[n++] = '_';
		if (words[i] >= 10)
			name[n++] = (char)('0' + words[i] / 10);
		name[n++] = (char)('0' + words[i] % 10);
		name[n] = '\0';
		call_reply(name, ep, words[i], 0);
	}
	l4_thread_kill(srv);
}

static long one_way_receiver(long ep)
{
	for (;;)
		l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);
	return 0;
}

static void send_one_way(l4_cap_t task)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	l4_give_cap(task, ep);
	l4_cap_t r = l4_thread_start_in(task, one_way_receiver, (long)ep, SERVER_PRIO);
	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		unsigned long long t0 = l4_rdtsc();
		l4_send(ep, l4_tag(1, 0, 0), L4_TIMEOUT_NEVER);
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
	}
	report("send_recv_inter_0", ITERATIONS);
	l4_thread_kill(r);
}

static void call_reply_map(l4_cap_t task)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_word_t err;

	l4_give_cap(task, ep);
	/* The server's task gets the page it hands out from our sigma0 page. */
	l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(MAP_SRC, 12, 0), &err);
	L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | MAP_SRC, l4_fpage_mem(MAP_SRC, 12, L4_FP_RW));
	l4_cap_t srv = l4_thread_start_in(task, map_server, (long)ep, SERVER_PRIO);
	l4_utcb()->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(0x42000000, 12, 0);
	call_reply("call_reply_inter_map1", ep, 0, 0);
	l4_utcb()->br[L4_BR_MEM_WINDOW] = 0;
	l4_thread_kill(srv);
}

/* A notification round trip with the partner in task on CPU cpu (-1: ours):
 * signal a, the partner wakes and signals b, on which we wait: two wakes,
 * each sample the round trip divided by divisor. */
static void notify_round_trips(const char *name, l4_cap_t task, int cpu, unsigned divisor)
{
	l4_cap_t a = l4_make(L4_FACTORY_NOTIFICATION), b = l4_make(L4_FACTORY_NOTIFICATION);

	l4_give_cap(task, a);
	l4_give_cap(task, b);
	l4_cap_t p = l4_thread_start_in(task, notify_partner, (long)(a | b << 16), SERVER_PRIO);
	long err = cpu < 0 ? 0 : l4_thread_set_cpu(p, (unsigned)cpu);
	if (err) {
		l4_printf("bench: %s: cannot move the partner to CPU %d (error %ld)\n", name, cpu, err);
		l4_thread_kill(p);
		return;
	}
	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		unsigned long long t0 = l4_rdtsc();
		l4_send(a, 0, L4_TIMEOUT_POLL);
		l4_recv(b, L4_TIMEOUT_NEVER);
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = (t1 - t0) / divisor;
	}
	report(name, ITERATIONS);
	l4_thread_kill(p);
}

/* One wake: half a round trip on one CPU. */
static void notify_wake(l4_cap_t task)
{
	notify_round_trips("notify_wake", task, -1, 2);
}

static long fault_loop(long n)
{
	/* Touch, time, unmap ourselves, again. */
	for (long i = 0; i < n; i++) {
		unsigned long long t0 = l4_rdtsc();
		*(volatile long *)FAULT_PAGE;
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
		L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(FAULT_PAGE, 12, L4_FP_RWX),
			  L4_UNMAP_SELF);
	}
	return 0;
}

/* A fault round trip: handler serves an endpoint from the other task; our
 * thread running loop (which times itself) has it as its pager or
 * exception handler (op: L4_THREAD_SET_PAGER or _SET_EXC_HANDLER). */
static void fault_case(const char *name, l4_cap_t task, l4_thread_fn handler, l4_thread_fn loop,
		       l4_word_t op)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	l4_give_cap(task, ep);
	l4_cap_t h = l4_thread_start_in(task, handler, (long)ep, SERVER_PRIO);
	l4_cap_t t = l4_thread_start(loop, WARMUP + ITERATIONS, 1);
	L4_INVOKE(t, op, ep);
	L4_INVOKE(t, L4_THREAD_SET_PRIO, 110);
	l4_thread_join(t);
	report(name, ITERATIONS);
	l4_thread_kill(t);
	l4_thread_kill(h);
}

/* Exceptions: a UD2 goes to the handler in the other task as a message;
 * the handler replies with the registers and RIP past it. The fault round
 * trip that seL4's figure (1,303 instructions here) measures. */
static long exc_handler(long ep)
{
	l4_word_t *mr = l4_utcb()->mr;
	struct l4_result r = l4_recv((l4_cap_t)ep, L4_TIMEOUT_NEVER);

	for (;;) {
		for (unsigned i = 0; i < L4_REG_COUNT; i++)
			mr[i] = mr[L4_EXC_REGS + i];
		mr[L4_REG_RIP] += 2;
		r = l4_reply_wait((l4_cap_t)ep, l4_tag(0, L4_REG_COUNT, 0), L4_TIMEOUT_NEVER);
	}
	(void)r;
	return 0;
}

static long ud_loop(long n)
{
	for (long i = 0; i < n; i++) {
		unsigned long long t0 = l4_rdtsc();
		__asm__ volatile("ud2" ::: "memory");
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
	}
	return 0;
}

static void yield_switch(void)
{
	l4_cap_t y = l4_thread_start(yielder, 0, 100);

	/* Each of our yields runs the other thread's yield once: two switches. */
	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		unsigned long long t0 = l4_rdtsc();
		l4_yield();
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = (t1 - t0) / 2;
	}
	report("yield_switch", ITERATIONS);
	l4_thread_kill(y);
}

static void cap_copy(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT), dst = l4_slot_alloc();

	for (unsigned i = 0; i < WARMUP + ITERATIONS; i++) {
		unsigned long long t0 = l4_rdtsc();
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, ep, dst, L4_CAP_RIGHTS_ALL);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, dst);
		unsigned long long t1 = l4_rdtsc();
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
	}
	report("cap_copy", ITERATIONS);
}

/* ---- VM exits (where the CPU has VT-x): a real-mode guest loops on one
 * exiting instruction; the test task is its VMM. The round trip is timed
 * in the VMM from receiving one exit to receiving the next (exit, IPC,
 * emulate, reply, resume); the VMM's own share separately. */

#define GUEST_PAGE 0x1000ull
#define GUEST_VIEW 0x43000000ull
static unsigned long long vmm_share[ITERATIONS];

/* MMIO: the VMM decodes and executes the faulting instruction (vmm/x86). */
static int bench_ram_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa < GUEST_PAGE || gpa + len > GUEST_PAGE + 4096)
		return 1;
	for (unsigned i = 0; i < len; i++)
		((unsigned char *)buf)[i] = ((volatile unsigned char *)GUEST_VIEW)[gpa - GUEST_PAGE + i];
	return 0;
}

static int bench_ram_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
	(void)ctx, (void)gpa, (void)buf, (void)len;
	return 1;
}

static int bench_mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	(void)ctx, (void)gpa, (void)size;
	*val = 0x5a;
	return 0;
}

static int bench_mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	(void)ctx, (void)gpa, (void)size, (void)val;
	return 0;
}

/* The reply to an MMIO exit, as the VMM makes it: emulate, then the GPRs back. */
static l4_word_t mmio_reply(void)
{
	static struct l4_vcpu_state st;
	struct l4_vcpu_exit e;
	struct x86_cpu cpu;
	struct x86_emu_result res;
	static const struct x86_emu_ops ops = {
		.ram = { .read = bench_ram_read, .write = bench_ram_write },
		.mmio_read = bench_mmio_read, .mmio_write = bench_mmio_write,
	};

	l4_vcpu_exit_get(&e, &st);
	x86_cpu_from_state(&st, &cpu);
	if (x86_emulate(&cpu, e.gpa, &ops, 1, &res) == X86_EMU_DONE)
		x86_cpu_to_state(&cpu, &st);
	return l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &st);
}

/* The VMM's reply per case (the exit message is in our UTCB). */
static l4_word_t reply_advance(void)              /* CPUID, OUT, RDMSR, WRMSR, HLT */
{
	return l4_vcpu_reply_gprs(l4_utcb()->mr[L4_VMEXIT_ILEN], 0);
}

static l4_word_t reply_rdmsr(void)                 /* a value in EDX:EAX */
{
	l4_word_t tag = reply_advance(), *mr = l4_utcb()->mr;
	mr[L4_VCPU_REPLY_STATE + L4_REG_RAX] = 0xfee00900;
	mr[L4_VCPU_REPLY_STATE + L4_REG_RDX] = 0;
	return tag;
}

/* Interrupt injection: the first exit (CPUID) asks for an interrupt window;
 * every window exit injects vector 0x20 and asks for the next window. The
 * guest's handler is an IRET, so one round trip is window exit, IPC,
 * reply, entry with the event, the handler, IRET, and the next window. */
static l4_word_t reply_inject(void)
{
	static const struct l4_vcpu_state none;
	l4_word_t *mr = l4_utcb()->mr;
	if (mr[L4_VMEXIT_REASON] == L4_VMEXIT_CPUID) {
		l4_word_t tag = reply_advance();
		mr[L4_VCPU_REPLY_GROUPS] |= L4_VCPU_REQ_IRQ_WINDOW;
		return tag;
	}
	return l4_vcpu_reply_prepare(0, L4_VCPU_REQ_IRQ_WINDOW, l4_event_interrupt(0x20), 0, &none);
}

/* Virtual-interrupt delivery: every CPUID exit posts vector 0x21, which the
 * CPU delivers at the entry; its handler writes the EOI to the APIC page
 * (no exit) and IRETs. One round trip is the exit, IPC, reply with the
 * post, entry, delivery, the handler, the EOI, IRET, and the next CPUID:
 * a local APIC timer tick's interrupt and EOI. */
static l4_word_t reply_post(void)
{
	l4_word_t tag = reply_advance();
	l4_utcb()->mr[L4_VCPU_REPLY_GROUPS] |= L4_VCPU_POST(0x21, false);
	return tag;
}

#define APIC_PAGE 0x3000ull       /* the guest's APIC page in the APIC cases */

struct vmexit_bench {
	const char *name, *vmm_name;
	const unsigned char *code;
	unsigned len;
	l4_word_t (*reply)(void);
	bool mmio;                    /* exits carry what vmm/ asks for an EPT violation */
	bool apic;                    /* APIC virtualization, the page at APIC_PAGE */
};

#define APIC_VIEW (GUEST_VIEW + 0x1000)

static void vmexit_case_end(l4_cap_t vm, l4_cap_t vcpu)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(GUEST_VIEW, 13, L4_FP_RWX), L4_UNMAP_SELF);
}

static void vmexit_case(const struct vmexit_bench *c)
{
	l4_cap_t vm = l4_slot_alloc(), vcpu = l4_slot_alloc(), ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_word_t err;

	if (L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm, 16).error ||
	    L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, vcpu, vm).error) {
		l4_printf("bench: %s unavailable (no VT-x)\n", c->name);
		return;
	}
	if (l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(GUEST_VIEW, 12, 0), &err) == ~0ull)
		return;
	for (unsigned i = 0; i < 4096; i++)
		((volatile unsigned char *)GUEST_VIEW)[i] = 0;
	/* The code at 0x1100; the real-mode IVT is guest page 0, the same
	 * page, so vector 0x20 (at 0x80) points to an IRET at 0x1f00. */
	for (unsigned i = 0; i < c->len; i++)
		((volatile unsigned char *)GUEST_VIEW)[0x100 + i] = c->code[i];
	((volatile unsigned char *)GUEST_VIEW)[0xf00] = 0xcf;
	*(volatile uint32_t *)(GUEST_VIEW + 0x20 * 4) = GUEST_PAGE + 0xf00;
	/* Vector 0x21: mov dword [APIC_PAGE + 0xb0], 0 (EOI); iret, at 0x1e00. */
	static const unsigned char eoi_iret[] = { 0x66, 0xc7, 0x06, 0xb0, 0x30, 0, 0, 0, 0, 0xcf };
	for (unsigned i = 0; i < sizeof(eoi_iret); i++)
		((volatile unsigned char *)GUEST_VIEW)[0xe00 + i] = eoi_iret[i];
	*(volatile uint32_t *)(GUEST_VIEW + 0x21 * 4) = GUEST_PAGE + 0xe00;
	L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | GUEST_PAGE, l4_fpage_mem(GUEST_VIEW, 12, L4_FP_RWX));
	L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0, l4_fpage_mem(GUEST_VIEW, 12, L4_FP_RWX));
	L4_INVOKE(vcpu, L4_THREAD_SET_EXC_HANDLER, ep);
	L4_INVOKE(vcpu, L4_THREAD_SET_PRIO, SERVER_PRIO);
	if (c->mmio) {                       /* as vmm/ asks: GPRs, control registers, segments */
		uint8_t masks[L4_VMEXIT_EPT_VIOLATION + 1] = { 0 };
		masks[L4_VMEXIT_EPT_VIOLATION] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG;
		masks[L4_VMEXIT_APIC_ACCESS] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_APIC;
		l4_vcpu_config(vcpu, 0, L4_VCPU_GPR, masks, sizeof(masks));
	}
	/* A page of ours (not the code's) stands for the APIC page. */
	if (c->apic && (l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(APIC_VIEW, 12, 0), &err) == ~0ull ||
			L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | APIC_PAGE,
				  l4_fpage_mem(APIC_VIEW, 12, L4_FP_R | L4_FP_W)).error ||
			(err = l4_vcpu_apic(vcpu, APIC_PAGE, L4_VAPIC_VID)))) {
		l4_printf("bench: %s unavailable (APIC virtualization: error %lu)\n", c->name, (unsigned long)err);
		vmexit_case_end(vm, vcpu);
		return;
	}
	L4_INVOKE(vcpu, L4_THREAD_START, GUEST_PAGE + 0x100, 0x2000);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (unsigned i = 0; i < WARMUP + ITERATIONS && !r.error; i++) {
		unsigned long long t0 = l4_rdtsc();
		l4_word_t tag = c->reply();
		unsigned long long t1 = l4_rdtsc();
		r = l4_reply_wait(ep, tag, L4_TIMEOUT_NEVER);
		unsigned long long t2 = l4_rdtsc();
		if (i >= WARMUP) {
			samples[i - WARMUP] = t2 - t0;
			vmm_share[i - WARMUP] = t1 - t0;
		}
	}
	vmexit_case_end(vm, vcpu);
	if (r.error) {
		l4_printf("bench: %s: the exit loop failed (error %lu)\n", c->name, (unsigned long)r.error);
		return;
	}
	report(c->name, ITERATIONS);
	for (unsigned i = 0; i < ITERATIONS; i++)
		samples[i] = vmm_share[i];
	report(c->vmm_name, ITERATIONS);
}

/* Real-mode guest code: an exiting instruction and a jump back to it. */
static const unsigned char cpuid_loop[] = { 0x0f, 0xa2, 0xeb, 0xfc };        /* cpuid; jmp */
static const unsigned char out_loop[] = { 0xe6, 0x80, 0xeb, 0xfc };          /* out 0x80, al */
static const unsigned char in_loop[] = { 0xec, 0xeb, 0xfd };                 /* in al, dx */
static const unsigned char rdmsr_loop[] = { 0x66, 0xb9, 0x1b, 0, 0, 0,     /* mov ecx, 0x1b */
					    0x0f, 0x32, 0xeb, 0xfc };        /* rdmsr */
static const unsigned char wrmsr_loop[] = { 0x66, 0xb9, 0xe0, 0x06, 0, 0,  /* mov ecx, 0x6e0 */
					    0x0f, 0x30, 0xeb, 0xfc };        /* wrmsr */
static const unsigned char hlt_loop[] = { 0xf4, 0xeb, 0xfd };                /* hlt */
static const unsigned char irq_loop[] = { 0xfb, 0x0f, 0xa2, 0xeb, 0xfe };    /* sti; cpuid; jmp $ */
static const unsigned char mmio_loop[] = { 0xa0, 0x00, 0x30, 0xeb, 0xfb };   /* mov al, [0x3000] */
static const unsigned char post_loop[] = { 0xfb, 0x0f, 0xa2, 0xeb, 0xfc };   /* sti; cpuid; jmp */
static const unsigned char apic_read_loop[] = { 0x66, 0xa1, 0x30, 0x30,     /* mov eax, [0x3030] */
						0xeb, 0xfa };

#define VMEXIT(n, code, reply, mmio, apic) \
	{ "vmexit_" n, "vmexit_" n "_vmm_share", code, sizeof(code), reply, mmio, apic }
static const struct vmexit_bench vmexit_cases[] = {
	VMEXIT("cpuid", cpuid_loop, reply_advance, false, false),
	VMEXIT("io_out", out_loop, reply_advance, false, false),
	VMEXIT("io_in", in_loop, reply_advance, false, false),
	VMEXIT("rdmsr", rdmsr_loop, reply_rdmsr, false, false),
	VMEXIT("wrmsr", wrmsr_loop, reply_advance, false, false),
	VMEXIT("hlt", hlt_loop, reply_advance, false, false),
	VMEXIT("irq_inject", irq_loop, reply_inject, false, false),
	VMEXIT("irq_post_eoi", post_loop, reply_post, false, true),
	VMEXIT("mmio_load", mmio_loop, NULL, true, false),
	VMEXIT("apic_read", apic_read_loop, NULL, true, true),
};

static void vmexits(void)
{
	for (unsigned i = 0; i < sizeof(vmexit_cases) / sizeof(vmexit_cases[0]); i++) {
		struct vmexit_bench c = vmexit_cases[i];
		if (c.mmio)
			c.reply = mmio_reply;
		vmexit_case(&c);
	}
}

/*
 * An interrupt for a vCPU that runs on CPU 1, from us on CPU 0 (what one
 * vCPU's IPI to another costs in the kernel): from the post to the guest's
 * handler, whose first instruction (OUT) exits to us; the reply lets it
 * EOI and return to its loop. by_write: VCPU_WRITE, which stops the vCPU
 * and takes its VMCS here, instead of L4_THREAD_VCPU_POST.
 */
static void vcpu_post_xcpu(const char *name, bool by_write)
{
	/* sti; 1: pause; jmp 1b -- and vector 0x22: out 0x80, al; EOI; iret */
	static const unsigned char spin[] = { 0xfb, 0xf3, 0x90, 0xeb, 0xfc };
	static const unsigned char handler[] = { 0xe6, 0x80, 0x66, 0xc7, 0x06, 0xb0, 0x30, 0, 0, 0, 0, 0xcf };
	l4_cap_t vm = l4_slot_alloc(), vcpu = l4_slot_alloc(), ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_word_t err;

	if (L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm, 16).error ||
	    L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, vcpu, vm).error) {
		l4_printf("bench: %s unavailable (no VT-x)\n", name);
		return;
	}
	if (l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(GUEST_VIEW, 12, 0), &err) == ~0ull ||
	    l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(APIC_VIEW, 12, 0), &err) == ~0ull) {
		vmexit_case_end(vm, vcpu);
		return;
	}
	for (unsigned i = 0; i < 4096; i++)
		((volatile unsigned char *)GUEST_VIEW)[i] = 0;
	for (unsigned i = 0; i < sizeof(spin); i++)
		((volatile unsigned char *)GUEST_VIEW)[0x100 + i] = spin[i];
	for (unsigned i = 0; i < sizeof(handler); i++)
		((volatile unsigned char *)GUEST_VIEW)[0xd00 + i] = handler[i];
	*(volatile uint32_t *)(GUEST_VIEW + 0x22 * 4) = GUEST_PAGE + 0xd00;
	L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | GUEST_PAGE, l4_fpage_mem(GUEST_VIEW, 12, L4_FP_RWX));
	L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | 0, l4_fpage_mem(GUEST_VIEW, 12, L4_FP_RWX));
	L4_INVOKE(vm, L4_TASK_MAP, L4_ITEM_MAP | APIC_PAGE, l4_fpage_mem(APIC_VIEW, 12, L4_FP_R | L4_FP_W));
	L4_INVOKE(vcpu, L4_THREAD_SET_EXC_HANDLER, ep);
	L4_INVOKE(vcpu, L4_THREAD_SET_PRIO, SERVER_PRIO);
	if ((err = l4_vcpu_apic(vcpu, APIC_PAGE, L4_VAPIC_VID)) || (err = l4_thread_set_cpu(vcpu, 1))) {
		l4_printf("bench: %s unavailable (error %lu)\n", name, (unsigned long)err);
		vmexit_case_end(vm, vcpu);
		return;
	}
	L4_INVOKE(vcpu, L4_THREAD_START, GUEST_PAGE + 0x100, 0x2000);
	struct l4_vcpu_state st;
	struct l4_result r = { 0 };
	for (unsigned i = 0; i < WARMUP + ITERATIONS && !r.error; i++) {
		unsigned long long t0 = l4_rdtsc();
		err = by_write ? l4_vcpu_write(vcpu, 0, L4_VCPU_POST(0x22, false), 0, 0, &st)
			       : L4_INVOKE(vcpu, L4_THREAD_VCPU_POST, L4_VCPU_POST(0x22, false)).error;
		r = l4_recv(ep, 2000000);
		unsigned long long t1 = l4_rdtsc();
		if (err || r.error || l4_utcb()->mr[L4_VMEXIT_REASON] != L4_VMEXIT_IO) {
			r.error = r.error ? r.error : err ? err : L4_EINVAL;
			break;
		}
		if (i >= WARMUP)
			samples[i - WARMUP] = t1 - t0;
		l4_reply(reply_advance());
	}
	L4_INVOKE(vcpu, L4_THREAD_STOP);
	vmexit_case_end(vm, vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
	if (r.error) {
		l4_printf("bench: %s failed (error %lu)\n", name, (unsigned long)r.error);
		return;
	}
	report(name, ITERATIONS);
}

/* ---- guest RAM */

#define GUEST_RAM_VIEW 0x0000200000000000ull   /* our view of it, as the VMM's */
#define GUEST_CHUNK    22                      /* 4 MiB pieces, as the root task takes them */
static l4_word_t guest_chunks[1024];

static l4_word_t quota_used(void)
{
	return l4_factory_used(L4_CAP_FACTORY);
}

/*
 * A VM's RAM of mib MiB as the root task and the VMM set it up: from
 * sigma0 in 4 MiB pieces of pages of 2^page bytes (2 MiB pages with
 * L4_SIGMA0_LARGE, else 4 KiB ones), or in 1 GiB pieces and pages, into
 * our space, then into a VM task's EPT at guest-physical 0; torn down by
 * deleting the VM and giving the memory back to sigma0 (which revokes
 * every mapping). Prints the TSC ticks of each (instructions under
 * icount, Bochs ticks) and the kernel memory it took: our mapping nodes
 * and page tables, the VM's nodes and EPT (with 4 KiB pages also sigma0's
 * split of its large roots: its quota is ours).
 */
static void guest_ram(unsigned mib, unsigned page, bool quiet)
{
	unsigned chunk = page == 30 ? 30 : GUEST_CHUNK, n = mib >> (chunk - 20);
	l4_word_t err = 0, q0 = quota_used();
	l4_cap_t vm = l4_slot_alloc();
	unsigned long long t0 = l4_rdtsc();

	for (unsigned i = 0; i < n; i++) {
		l4_word_t view = GUEST_RAM_VIEW + ((l4_word_t)i << chunk);
		guest_chunks[i] = l4_sigma0_alloc(L4_SIGMA0_ANY, chunk | (page > 12 ? L4_SIGMA0_LARGE : 0),
						  l4_fpage_mem(view, chunk, 0), &err);
		if (guest_chunks[i] == ~0ull) {
			l4_printf("bench: guest_ram %u MiB: no memory from sigma0 after %u MiB (error %lu)\n", mib,
				  i << (chunk - 20), (unsigned long)err);
			while (i-- > 0)
				L4_INVOKE(L4_CAP_PAGER, L4_SIGMA0_FREE, guest_chunks[i], chunk);
			return;
		}
	}
	unsigned long long ta = l4_rdtsc();
	err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm, 16).error;
	for (unsigned i = 0; i < n && !err; i++)
		err = l4_vm_map(vm, (l4_word_t)i << chunk, GUEST_RAM_VIEW + ((l4_word_t)i << chunk), chunk, L4_FP_RWX);
	unsigned long long t1 = l4_rdtsc();
	l4_word_t q1 = quota_used();
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm);
	for (unsigned i = 0; i < n; i++)
		L4_INVOKE(L4_CAP_PAGER, L4_SIGMA0_FREE, guest_chunks[i], chunk);
	unsigned long long t2 = l4_rdtsc();
	if (err) {
		l4_printf("bench: guest_ram %u MiB: not mapped into a VM (error %lu%s)\n", mib, (unsigned long)err,
			  err == L4_EINVAL ? ": no EPT with such pages here" : "");
		return;
	}
	if (!quiet)
		l4_printf("bench: guest_ram %u MiB %s pages: set up %llu (from sigma0 %llu), torn down %llu; "
		  "kernel memory %lu KiB, %lu KiB per GiB, %lu KiB after\n", mib,
		  page == 30 ? "1GiB" : page == 21 ? "2MiB" : "4KiB", t1 - t0, ta - t0, t2 - t1,
		  (unsigned long)((q1 - q0) >> 10), (unsigned long)(((q1 - q0) << 10) / mib >> 10),
		  (unsigned long)((quota_used() - q0) >> 10));
}

/* ---- several CPUs */

static unsigned cpus_online(void)
{
	unsigned n = 1;

	return l4_thread_get_cpu(L4_CAP_THREAD, &n) < 0 ? 1 : n;
}

/* Call + reply-and-wait to a server in the other task on CPU 1: both
 * directions take the general path and wake the other CPU by IPI. */
static void call_reply_xcpu(l4_cap_t task)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	l4_give_cap(task, ep);
	l4_cap_t srv = l4_thread_start_in(task, echo_server, (long)ep, SERVER_PRIO);   /* blocks at once */
	long err = l4_thread_set_cpu(srv, 1);
	if (err)
		l4_printf("bench: call_reply_xcpu_0: cannot move the server to CPU 1 (error %ld)\n", err);
	else
		call_reply("call_reply_xcpu_0", ep, 0, 0);
	l4_thread_kill(srv);
}

/* A notification round trip across CPUs: signal a, the partner waiting on
 * it on CPU 1 wakes and signals b, on which we wait (two wakes, not halved
 * as notify_wake is). */
static void notify_xcpu(l4_cap_t task)
{
	notify_round_trips("notify_xcpu", task, 1, 1);
}

/* Scaling: N independent pairs, pair k a client and a server in the other
 * task both on CPU k with an endpoint of their own (the fast path, which
 * takes only its CPU's lock). Every client calls until the window starts
 * (warm-up), counts its round trips until it ends, and stops; the window
 * is PAIRS_WINDOW_MS of TSC time, the same for all. */
#define MAX_PAIRS 8
#define PAIRS_WINDOW_MS 1000
#define PAIR_CLIENT_PRIO 90              /* below us (100): we run on CPU 0 too */
#define PAIR_SERVER_PRIO 95
static volatile unsigned long long window_start, window_end;
static volatile unsigned long pair_count[MAX_PAIRS];
static l4_cap_t pair_ep[MAX_PAIRS];

static long pair_client(long k)
{
	l4_cap_t ep = pair_ep[k];
	unsigned long n = 0;

	while (l4_rdtsc() < window_start)
		l4_call(ep, l4_tag(1, 0, 0), L4_TIMEOUT_NEVER);
	while (l4_rdtsc() < window_end) {
		l4_call(ep, l4_tag(1, 0, 0), L4_TIMEOUT_NEVER);
		n++;
	}
	pair_count[k] = n;
	return 0;
}

static void call_reply_pairs(l4_cap_t task, unsigned online)
{
	unsigned long long khz = l4_boot_info->tsc_khz;
	l4_cap_t client[MAX_PAIRS], server[MAX_PAIRS];

	if (online > MAX_PAIRS)
		online = MAX_PAIRS;
	for (unsigned k = 0; k < online; k++) {
		pair_ep[k] = l4_make(L4_FACTORY_ENDPOINT);
		l4_give_cap(task, pair_ep[k]);
	}
	for (unsigned n = 1; n <= online; n++) {
		window_start = window_end = ~0ull;
		bool ok = true;
		for (unsigned k = 0; k < n; k++) {
			pair_count[k] = 0;
			server[k] = l4_thread_start_in(task, echo_server, (long)pair_ep[k], PAIR_SERVER_PRIO);
			client[k] = l4_thread_start(pair_client, (long)k, PAIR_CLIENT_PRIO);
			if (server[k] == L4_CAP_NONE || client[k] == L4_CAP_NONE ||
			    l4_thread_set_cpu(server[k], k) || l4_thread_set_cpu(client[k], k))
				ok = false;
		}
		if (ok) {
			/* The pairs on other CPUs run already; ours when we sleep. */
			unsigned long long t = l4_rdtsc() + khz * 20;    /* 20 ms of warm-up */
			window_end = t + khz * PAIRS_WINDOW_MS;
			window_start = t;
			l4_sleep_us((20 + PAIRS_WINDOW_MS + 20) * 1000ul);
			for (unsigned k = 0; k < n; k++)
				ok &= l4_thread_join(client[k]);
		}
		unsigned long long total = 0;
		char each[MAX_PAIRS * 12 + 1];
		int at = 0;
		for (unsigned k = 0; k < n; k++) {
			total += pair_count[k];
			at += l4_snprintf(each + at, sizeof(each) - (size_t)at, "%s%lu", k ? " " : "",
					  pair_count[k]);
			l4_thread_kill(client[k]);
			l4_thread_kill(server[k]);
		}
		if (!ok) {
			l4_printf("bench: pairs %u: failed (threads not started, moved or finished)\n", n);
			continue;
		}
		l4_printf("bench: pairs %u: %llu round trips in %u ms, %llu per s (per pair: %s)\n", n, total,
			  PAIRS_WINDOW_MS, total * 1000 / PAIRS_WINDOW_MS, each);
	}
}

/* The kernel command line's bench=GROUP[,GROUP]: whether group is picked
 * (without it: `without`). */
static bool group_in_cmdline(const char *group, bool without)
{
	const char *p = l4_boot_info->cmdline;

	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			return without;                  /* no bench= word */
		const char *w = "bench=", *q = p;
		while (*w && *q == *w)
			q++, w++;
		if (!*w)
			break;
		while (*p && *p != ' ')
			p++;
	}
	p += 6;
	for (;;) {
		const char *g = group;
		while (*g && *p == *g)
			p++, g++;
		if (!*g && (*p == ',' || *p == ' ' || !*p))
			return true;
		while (*p && *p != ',' && *p != ' ')
			p++;
		if (*p != ',')
			return false;
		p++;
	}
}

static bool group_picked(const char *group)
{
	return group_in_cmdline(group, true);
}

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	unsigned online = cpus_online();
	l4_printf("bench: starting (%u iterations per case, %u CPU%s online)\n", ITERATIONS, online,
		  online == 1 ? "" : "s");
	l4_cap_t other = l4_task_share_image(256);
	if (other == L4_CAP_NONE) {
		l4_printf("bench: cannot create the partner task\n");
		l4_debug_exit(1);
	}
	if (group_picked("one")) {
		null_syscall();
		call_reply_words("intra", L4_CAP_TASK);
		call_reply_words("inter", other);
		send_one_way(other);
		call_reply_map(other);
		notify_wake(other);
		fault_case("pagefault_roundtrip", other, pager, fault_loop, L4_THREAD_SET_PAGER);
		fault_case("exception_roundtrip", other, exc_handler, ud_loop, L4_THREAD_SET_EXC_HANDLER);
		yield_switch();
		cap_copy();
		vmexits();
	}
	if (group_in_cmdline("guestram", false)) {
		/* First once unmeasured: sigma0's roots there become large ones
		 * (the merges free its small ones, and its quota is ours). */
		guest_ram(2048, 21, true);
		guest_ram(1024, 21, false);
		guest_ram(2048, 21, false);
		/* A whole free GiB (Bochs's 3 GiB have one), before the 4 KiB
		 * case: a GiB handed out in 4 KiB pieces goes out as 2 MiB pages
		 * until its pieces have gone out large again (sigma0.h). */
		if ((l4_boot_info->page_sizes & l4_boot_info->vm_page_sizes) >> 30 & 1) {
			guest_ram(1024, 30, true);      /* (sigma0's 2 MiB roots merge: its quota is ours) */
			guest_ram(1024, 30, false);
		} else
			l4_printf("bench: guest_ram: no 1 GiB pages on this CPU\n");
		guest_ram(1024, 12, false);
	}
	if (online < 2 && (group_picked("xcpu") || group_picked("scaling"))) {
		l4_printf("bench: one CPU online: no cross-CPU or scaling cases\n");
	} else {
		if (group_picked("xcpu")) {
			call_reply_xcpu(other);
			notify_xcpu(other);
			vcpu_post_xcpu("vcpu_post_xcpu", false);
			vcpu_post_xcpu("vcpu_write_post_xcpu", true);
		}
		if (group_picked("scaling"))
			call_reply_pairs(other, online);
	}
	l4_printf("bench: done\n");
	l4_debug_exit(0);
	return 0;
}
