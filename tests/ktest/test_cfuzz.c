/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The concurrent, stateful fuzzer: fuzzer threads in several tasks, at
 * several priorities, interleave system calls on shared objects
 * (endpoints, notifications, each other's threads, victim tasks and
 * threads, factories, VMs and vCPUs where there is VT-x), and the kernel
 * self-check runs after every 1,000 steps (a step is one system call of a
 * fuzzer; the thread that completes a multiple of 1,000 runs the check).
 * The controller (this test's thread, at a higher priority) restarts
 * fuzzer threads that fault or stop making progress, recreates what the
 * fuzzers destroyed, and ends the run.
 *
 * Kernel command line: fuzzsteps=N (default 100000), fuzzseed=S (1),
 * fuzztime=SECONDS (the run's budget, default 100).
 *
 * With several CPUs online the fuzzer threads, victims and vCPUs are
 * spread over all of them (thread i on CPU i mod N, put back there when
 * restarted), the fuzzers also move threads between CPUs and ask where
 * they are, and a run is half as long again: fuzzsteps=700000 makes
 * 1,050,000 calls (make test's qemu-ktest-smp). On one CPU nothing
 * changes, down to the random sequence.
 *
 * Safety of the controller: the fuzzer tasks share this program's image
 * (its data is ours), so fuzzer threads must never run with registers,
 * TLS, stack or code that someone else chose. Capability slots therefore
 * have classes by position, and each operation keeps every slot in its
 * class (see the slot map below): fuzzer threads are only started at
 * cfz_entry, never get their registers or TLS written, and no page of a
 * fuzzer task's image is ever mapped over; victims run only a page of
 * memoryless asm loops, whose every system call takes its arguments from
 * immediates (they are only ever started at a loop's first instruction),
 * and may have anything else done to them; only victim-safe capabilities
 * and scratch pages (zeros and guest code) ever reach them.
 * Replies never carry items and have at most 17 words, so a fault reply
 * never replaces a fuzzer's registers or maps a page under it; IPC labels
 * are >= 0x20, so a message to a kernel object's capability is never an
 * operation on it.
 */
#include "ktest.h"
#include "l4vcpu.h"

#define NT      4                   /* fuzzer tasks */
#define NTH     3                   /* fuzzer threads per task */
#define NFZ     (NT * NTH)
#define NVG     3                   /* victim groups: a task and two threads */
#define NVT     (2 * NVG)
#define NVM     2                   /* VMs with a vCPU each (VT-x only) */
#define FZ_MCP  39                  /* below every fuzzer: a spinning victim starves none */
#define CHECK_EVERY 1000

/* Fuzzer task slot map (classes: IPC = endpoints and notifications,
 * FZT = fuzzer threads, VTH = victim-class threads (victims, vCPUs,
 * threads the fuzzers made), VTASK = victim-class tasks and VMs, FAC =
 * factories, OWN = the task itself). */
#define S_OWN       0               /* the task itself (copy) */
#define S_FACTORY   2               /* its sub-factory (the original) */
#define S_DEBUG     5               /* READ-only debug capability */
#define S_EP        8               /* 8..11 shared endpoints, all rights */
#define S_EPB       12              /* 12..15 badged copies (odd ones without GRANT) */
#define S_OEP       16              /* 16..17 endpoints whose original a fuzzer task holds */
#define S_N         18              /* 18..19 notifications */
#define S_NB        20              /* 20..21 badged notifications */
#define S_FZT       24              /* 24..35 the fuzzer threads */
#define S_VTH       40              /* 40..45 victim threads */
#define S_VTASK     46              /* 46..48 victim tasks */
#define S_VM        50              /* 50, 52 VM tasks; 51, 53 their vCPUs */
#define S_NFAC      56              /* the neighbour task's sub-factory (copy) */
#define S_OWN_FREE  57              /* 57..59 OWN */
#define S_FZT_FREE  60              /* 60..63 FZT */
#define S_IPC_FREE  64              /* 64..79 IPC (also the capability receive window) */
#define S_VTASK_FREE 80             /* 80..95 */
#define S_VTH_FREE  96              /* 96..111 */
#define S_FAC_FREE  112             /* 112..127 */
#define FZ_SLOTS    512

/* Victim task slots (the asm loops use 8, 9, 10). */
#define V_SLOTS 32

/* Addresses in every fuzzer and victim task, and our views. */
#define SCRATCH_VA   0x40000000ull  /* 16 pages (order 16), RWX; page 0 is guest code */
#define SCRATCH_ORDER 16
#define VCODE_VA     0x50000000ull  /* the victims' loops, RX */
#define VUTCB_VA     0x60000000ull
#define FZ_UTCB_VA   0x7ffff0000000ull
#define CTL_SCRATCH  0x3c000000ull  /* + task * 64 KiB */
#define LARGE_VA     0x42000000ull  /* 4 MiB in two 2 MiB pages, RW, shared by the fuzzer tasks */
#define LARGE_ORDER  22
#define CTL_LARGE    0x3c400000ull
#define CTL_VCODE    0x3c100000ull
#define CTL_GUEST    0x3c101000ull

#define BADGE_FZ     0x4000         /* fault badges: fuzzer thread i */
#define BADGE_VT     0x4100         /* victim thread k */
#define BADGE_VICTIM 0x5000         /* victims' endpoint badges (| group) */

enum op {
	OP_CALL, OP_SEND, OP_RECV, OP_REPLY_WAIT, OP_REPLY, OP_SIGNAL, OP_YIELD, OP_RAW,
	OP_T_START, OP_T_STOP, OP_T_RESUME, OP_T_PRIO, OP_T_MCP, OP_T_SLICE, OP_T_PAGER,
	OP_T_EXC, OP_T_NAME, OP_T_READ, OP_T_WRITE, OP_T_INFO, OP_T_TLS, OP_T_VCPU,
	OP_C_COPY, OP_C_MINT, OP_C_MOVE, OP_C_DELETE, OP_C_REVOKE, OP_C_INFO, OP_C_CANCEL,
	OP_C_MAP, OP_C_GRANT, OP_M_MAP, OP_M_GRANT, OP_M_UNMAP, OP_IO_MAP, OP_TASK_NAME,
	OP_F_CREATE, OP_F_INFO, OP_VM_CREATE, OP_VCPU_CREATE, OP_VM_MAP, OP_VCPU_START,
	OP_T_CPU,
	OP_COUNT
};

static const char *const op_names[OP_COUNT] = {
	"call", "send", "recv", "reply-wait", "reply", "signal", "yield", "raw",
	"start", "stop", "resume", "set-prio", "set-mcp", "set-timeslice", "set-pager",
	"set-exc", "set-name", "read-regs", "write-regs", "info", "set-tls", "vcpu-op",
	"cap-copy", "cap-mint", "cap-move", "cap-delete", "cap-revoke", "cap-info", "cancel-badged",
	"cap-map", "cap-grant", "mem-map", "mem-grant", "unmap", "io-map", "task-name",
	"factory-create", "factory-info", "vm-create", "vcpu-create", "vm-map", "vcpu-start",
	"set-get-cpu",
};

#define ERR_BUCKETS (L4_ERROR_COUNT + 1)

struct fz_thread {
	struct l4_tls tls;              /* FS:0; first, for cfz_entry */
	uint64_t stack_top;             /* at offset 40, for cfz_entry */
	struct l4_utcb *utcb;
	unsigned idx, task, prio;
	uint64_t rng;
	volatile unsigned long steps;
	volatile unsigned long starts;
	unsigned long ops[OP_COUNT];
	unsigned long errs[ERR_BUCKETS];
	unsigned long kmsgs[3];         /* page faults, exceptions, VM exits received */
	unsigned long ok[OP_COUNT];     /* per operation: successes */
	uint64_t stack[1536] __attribute__((aligned(16)));
};

_Static_assert(__builtin_offsetof(struct fz_thread, stack_top) == 40, "cfz_entry knows this offset");

static struct fz_thread fzt[NFZ] __attribute__((aligned(64)));

/* Shared between the fuzzers and the controller. */
static volatile unsigned long fz_total, fz_target;
static volatile int fz_stop;
static volatile unsigned long fz_fail_step, fz_fail_count, fz_fail_code, fz_fail_thread;
static volatile unsigned long fz_checks, fz_check_errors, fz_oracle, fz_oracle_step;
static uint64_t fz_seed;
static bool fz_vm_ok;
static unsigned fz_cpus = 1;        /* CPUs online: threads are spread over them */

extern char _image_start[], _image_end[], _etext[];
extern char cfz_entry[], cfz_vcode_start[], cfz_vcode_end[];
extern char cfz_v_call[], cfz_v_serve[], cfz_v_wait[], cfz_v_send[], cfz_v_callto[], cfz_v_yield[];
void cfz_thread_main(struct fz_thread *t);

/* A fuzzer thread starts here (any RSP): its TLS says who it is, and its
 * stack is its own. */
__asm__(".text\n"
	".global cfz_entry\n"
	"cfz_entry:\n"
	"	movq %fs:0, %rdi\n"
	"	movq 40(%rdi), %rsp\n"
	"	xorl %ebp, %ebp\n"
	"	call cfz_thread_main\n"
	"	ud2\n");

/* The victims' loops: position independent, no memory, every argument
 * an immediate reloaded each time round, so any register values are
 * harmless. Copied to a page of their own (VCODE_VA). */
__asm__(".text\n"
	".global cfz_vcode_start, cfz_v_call, cfz_v_serve, cfz_v_wait, cfz_v_send, cfz_v_callto, cfz_v_yield, cfz_vcode_end\n"
	"cfz_vcode_start:\n"
	"cfz_v_call:\n"          /* call slot 8, never */
	"	xorl %eax, %eax\n"
	"	movl $8, %edi\n"
	"	movl $0x71000000, %esi\n"
	"	movq $-1, %rdx\n"
	"	syscall\n"
	"	jmp cfz_v_call\n"
	"cfz_v_serve:\n"         /* reply and wait on slot 9, never */
	"	movl $1, %eax\n"
	"	movl $9, %edi\n"
	"	movl $0x72000000, %esi\n"
	"	movq $-1, %rdx\n"
	"	syscall\n"
	"	jmp cfz_v_serve\n"
	"cfz_v_wait:\n"          /* wait on notification slot 10 */
	"	movl $3, %eax\n"
	"	movl $10, %edi\n"
	"	xorl %esi, %esi\n"
	"	movq $-1, %rdx\n"
	"	syscall\n"
	"	jmp cfz_v_wait\n"
	"cfz_v_send:\n"          /* send to slot 8, 3 ms */
	"	movl $2, %eax\n"
	"	movl $8, %edi\n"
	"	movl $0x73000000, %esi\n"
	"	movl $3000, %edx\n"
	"	syscall\n"
	"	jmp cfz_v_send\n"
	"cfz_v_callto:\n"        /* call slot 9, 1 ms */
	"	xorl %eax, %eax\n"
	"	movl $9, %edi\n"
	"	movl $0x74000000, %esi\n"
	"	movl $1000, %edx\n"
	"	syscall\n"
	"	jmp cfz_v_callto\n"
	"cfz_v_yield:\n"         /* yield */
	"	movl $5, %eax\n"
	"	syscall\n"
	"	jmp cfz_v_yield\n"
	"cfz_vcode_end:\n");

static l4_word_t ventry(unsigned k)
{
	static char *const e[] = { cfz_v_call, cfz_v_serve, cfz_v_wait, cfz_v_send, cfz_v_callto, cfz_v_yield };
	return VCODE_VA + (l4_word_t)(e[k % 6] - cfz_vcode_start);
}

/* Real-mode guest: cpuid; out 0x80, al; hlt; jmp to 0. */
static const unsigned char guest_code[] = { 0x0f, 0xa2, 0xe6, 0x80, 0xf4, 0xeb, 0xf9 };

/* ------------------------------------------------------------ the fuzzers */

static uint64_t rnd(struct fz_thread *t)
{
	return ktest_random(&t->rng);
}

static unsigned pick(struct fz_thread *t, unsigned n)
{
	return (unsigned)(rnd(t) % n);
}

static volatile unsigned long fz_claimed;       /* checks claimed by a thread */
static volatile unsigned long long fz_check_tsc;

/* The self-check after step n (n a multiple of CHECK_EVERY), or one a
 * thread claimed and did not run (it was restarted meanwhile). */
static void fz_check(struct fz_thread *t, unsigned long n)
{
	unsigned long c = fz_claimed;

	while (c < n / CHECK_EVERY) {
		if (!__atomic_compare_exchange_n(&fz_claimed, &c, c + 1, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			continue;
		unsigned long long t0 = l4_rdtsc();
		struct l4_result r = l4_syscall(L4_SYS_CALL, S_DEBUG, l4_tag(L4_DEBUG_CHECK, 0, 0), 0);
		__atomic_add_fetch(&fz_check_tsc, l4_rdtsc() - t0, __ATOMIC_RELAXED);
		if (r.error) {
			__atomic_add_fetch(&fz_check_errors, 1, __ATOMIC_RELAXED);
			return;
		}
		__atomic_add_fetch(&fz_checks, 1, __ATOMIC_RELAXED);
		if (t->utcb->mr[0] && !fz_fail_count) {
			fz_fail_step = n;
			fz_fail_code = t->utcb->mr[1];
			fz_fail_thread = t->idx;
			fz_fail_count = t->utcb->mr[0];
			fz_stop = 1;
		}
		return;
	}
}

/* One step: one system call, counted. */
static struct l4_result fz_sys(struct fz_thread *t, unsigned op, l4_word_t nr, l4_word_t cap,
			       l4_word_t tag, l4_word_t timeout)
{
	struct l4_result r = l4_syscall(nr, cap, tag, timeout);

	t->ops[op]++;
	t->ok[op] += r.error == L4_OK;
	t->errs[r.error < L4_ERROR_COUNT ? r.error : L4_ERROR_COUNT]++;
	t->steps++;
	unsigned long n = __atomic_add_fetch(&fz_total, 1, __ATOMIC_RELAXED);
	if (n / CHECK_EVERY > fz_claimed)
		fz_check(t, n);
	if (n >= fz_target)
		fz_stop = 1;
	return r;
}

/* An invocation with words MR0..MR(n-1) already in place. */
static struct l4_result inv(struct fz_thread *t, unsigned op, l4_cap_t cap, l4_word_t label, unsigned n)
{
	return fz_sys(t, op, L4_SYS_CALL, cap, l4_tag(label, n, 0), L4_TIMEOUT_POLL);
}

static l4_word_t timeout(struct fz_thread *t)
{
	/* Mostly polls: a blocked fuzzer waits at least a tick (1 ms), and one
	 * that waits for ever waits for the controller (tens of ms). */
	switch (pick(t, 256)) {
	case 0:
		return L4_TIMEOUT_NEVER;
	case 1: case 2:
		return rnd(t) % 20000;
	case 3: case 4: case 5: case 6: case 7: case 8: case 9: case 10: case 11: case 12: case 13: case 14:
		return 1 + rnd(t) % 1000;
	default:
		return L4_TIMEOUT_POLL;
	}
}

/* Receivers wait a little more often, so that sends and calls (mostly
 * polls) find someone. */
static l4_word_t recv_timeout(struct fz_thread *t)
{
	return pick(t, 3) ? timeout(t) : 1 + rnd(t) % 2000;
}

/* Slots by class. */
static l4_cap_t ipc_slot(struct fz_thread *t)
{
	switch (pick(t, 20)) {
	case 0:
		return rnd(t) % 128;
	case 1:
		return rnd(t);
	case 2: case 3: case 4: case 5:
		return S_IPC_FREE + pick(t, 16);
	default:
		return S_EP + pick(t, 14);
	}
}

static l4_cap_t fzt_slot(struct fz_thread *t)
{
	return pick(t, 8) ? S_FZT + pick(t, NFZ) : S_FZT_FREE + pick(t, 4);
}

static l4_cap_t vth_slot(struct fz_thread *t)
{
	switch (pick(t, 8)) {
	case 0:
		return S_VTH_FREE + pick(t, 16);
	case 1: case 2:
		return S_VM + 1 + 2 * pick(t, NVM);
	default:
		return S_VTH + pick(t, NVT);
	}
}

static l4_cap_t vtask_slot(struct fz_thread *t)
{
	switch (pick(t, 8)) {
	case 0:
		return S_VTASK_FREE + pick(t, 16);
	case 1: case 2:
		return S_VM + 2 * pick(t, NVM);
	default:
		return S_VTASK + pick(t, NVG);
	}
}

static l4_cap_t fac_slot(struct fz_thread *t)
{
	switch (pick(t, 6)) {
	case 0: case 1: case 2:
		return S_FACTORY;
	case 3: case 4:
		return S_NFAC;
	default:
		return S_FAC_FREE + pick(t, 16);
	}
}

static l4_cap_t own_slot(struct fz_thread *t)
{
	return pick(t, 8) ? S_OWN : S_OWN_FREE + pick(t, 3);
}

/* Any slot: for deletes, revokes and queries (never the debug capability).
 * The shared objects' slots only now and then: emptied, they wait for the
 * controller's next repair (100 ms), and most operations on them fail. */
static l4_cap_t any_slot(struct fz_thread *t)
{
	static const uint8_t known[] = { S_OWN, S_FACTORY, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
					 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, S_NFAC };
	if (pick(t, 8) == 0)
		return known[pick(t, sizeof(known))];
	l4_cap_t s = pick(t, 32) ? S_OWN_FREE + rnd(t) % (128 - S_OWN_FREE) : rnd(t) % 1024;
	return s == S_DEBUG ? S_DEBUG + 1 : s;
}

/* A class: a source slot in it and a destination in its free range of
 * our own table. Victim-safe classes only when victim_safe. */
enum cls { C_IPC, C_VTH, C_VTASK, C_FAC, C_FZT, C_OWN };

static void class_slots(struct fz_thread *t, bool victim_safe, l4_cap_t *src, l4_cap_t *dst)
{
	enum cls c = (enum cls)pick(t, victim_safe ? 4 : 6);
	switch (c) {
	case C_IPC:
		*src = pick(t, 3) ? S_EP + pick(t, 14) : S_IPC_FREE + pick(t, 16);
		*dst = S_IPC_FREE + pick(t, 16);
		break;
	case C_VTH:
		*src = vth_slot(t);
		*dst = S_VTH_FREE + pick(t, 16);
		break;
	case C_VTASK:
		*src = vtask_slot(t);
		*dst = S_VTASK_FREE + pick(t, 16);
		break;
	case C_FAC:
		*src = fac_slot(t);
		*dst = S_FAC_FREE + pick(t, 16);
		break;
	case C_FZT:
		*src = fzt_slot(t);
		*dst = S_FZT_FREE + pick(t, 4);
		break;
	default:
		*src = own_slot(t);
		*dst = S_OWN_FREE + pick(t, 3);
		break;
	}
}

/* The free range (of one class) that slot d lies in. */
static l4_cap_t free_base(l4_cap_t d)
{
	return d >= S_FAC_FREE ? S_FAC_FREE : d >= S_VTH_FREE ? S_VTH_FREE : d >= S_VTASK_FREE ? S_VTASK_FREE :
	       d >= S_IPC_FREE ? S_IPC_FREE : d >= S_FZT_FREE ? S_FZT_FREE : S_OWN_FREE;
}

static unsigned free_size(l4_cap_t d)
{
	l4_cap_t b = free_base(d);
	return b == S_FZT_FREE ? 4 : b == S_OWN_FREE ? 3 : 16;
}

/* Memory we may hand out: scratch pages only. (Never text: a victim
 * that could run our code with registers the fuzzers wrote could make
 * any system call, e.g. reply to a fuzzer thread's fault with a register
 * block. Scratch holds zeros and the guest's code, never a SYSCALL.) */
static l4_word_t mem_fpage(struct fz_thread *t)
{
	if (!pick(t, 4)) {            /* the large pages: whole, or parts the kernel refuses */
		unsigned order = 12 + pick(t, LARGE_ORDER - 11);
		l4_word_t off = (rnd(t) % (1ull << LARGE_ORDER)) & ~((1ull << order) - 1);
		return l4_fpage_mem(LARGE_VA + off, order, pick(t, 8));
	}
	unsigned order = 12 + pick(t, 5);
	l4_word_t off = (rnd(t) % (1ull << SCRATCH_ORDER)) & ~((1ull << order) - 1);
	return l4_fpage_mem(SCRATCH_VA + off, order, pick(t, 8));
}

/* Where a victim-class thread may be started: the start of one of the
 * loops, or an address the kernel refuses. */
static l4_word_t victim_ip(struct fz_thread *t)
{
	return pick(t, 8) ? ventry(pick(t, 6)) : pick(t, 2) ? 0x8000000000000000ull | rnd(t) : ~0ull - rnd(t) % 4096;
}

static l4_word_t io_fpage(struct fz_thread *t)
{
	unsigned order = pick(t, 4);
	return l4_fpage_io(0x80 + (pick(t, 8) & ~((1u << order) - 1)), order);
}

static void set_windows(struct fz_thread *t)
{
	struct l4_utcb *u = t->utcb;
	u->br[L4_BR_MEM_WINDOW] = pick(t, 3) ? l4_fpage_mem(SCRATCH_VA, SCRATCH_ORDER - pick(t, 3), L4_FP_RWX) : 0;
	u->br[L4_BR_CAP_WINDOW] = pick(t, 4) ? l4_fpage_cap(S_IPC_FREE, 4, 0) : 0;
	u->br[L4_BR_IO_WINDOW] = pick(t, 2) ? l4_fpage_io(0x80, 3) : 0;
}

/* A message to send: label >= 0x20, random words, sometimes items. */
static l4_word_t message(struct fz_thread *t, bool reply)
{
	l4_word_t *mr = t->utcb->mr;
	unsigned words = pick(t, 4) ? pick(t, 8) : pick(t, reply ? 18 : 40);
	unsigned items = 0;
	for (unsigned i = 0; i < words; i++)
		mr[i] = pick(t, 2) ? rnd(t) : rnd(t) % 256;
	if (!reply && pick(t, 3) == 0) {
		items = 1 + pick(t, 2);
		for (unsigned k = 0; k < items; k++) {
			l4_word_t *it = &mr[words + 2 * k];
			switch (pick(t, 5)) {
			case 0: case 1: {      /* a capability of the IPC class */
				l4_cap_t src = pick(t, 3) ? S_EP + pick(t, 14) : S_IPC_FREE + pick(t, 16);
				it[0] = pick(t, 4) ? L4_ITEM_MAP : L4_ITEM_GRANT;
				it[1] = l4_fpage_cap(src, 0, pick(t, 8));
				break;
			}
			case 2: case 3:        /* memory */
				it[0] = (pick(t, 4) ? L4_ITEM_MAP : L4_ITEM_GRANT) | (rnd(t) & 0xffff000ull);
				it[1] = mem_fpage(t);
				break;
			default:               /* I/O ports */
				it[0] = L4_ITEM_MAP;
				it[1] = io_fpage(t);
				break;
			}
		}
	}
	l4_word_t label = pick(t, 16) ? 0x20 + rnd(t) % 0x1000 :
			  pick(t, 2) ? L4_LABEL_KERNEL + 4 + pick(t, 4) : (rnd(t) | 0x20) & L4_LABEL_MAX;
	if (pick(t, 64) == 0)     /* malformed: more words than registers (never random items) */
		return l4_tag(label, 65 + pick(t, 63), pick(t, 32));
	return l4_tag(label, words, items);
}

/* What we received: a victim's message carries no items (its endpoint
 * capability has no GRANT, whatever its registers said meanwhile). */
static void received(struct fz_thread *t, struct l4_result r)
{
	l4_word_t label = l4_tag_label(r.tag);
	if (!r.error && label >= L4_LABEL_PAGE_FAULT && label <= L4_LABEL_VMEXIT)
		t->kmsgs[label - L4_LABEL_PAGE_FAULT]++;
	if (!r.error && (r.badge & ~0xffull) == BADGE_VICTIM && l4_tag_items(r.tag) &&
	    l4_tag_label(r.tag) < L4_LABEL_KERNEL) {
		if (!fz_oracle)
			fz_oracle_step = fz_total;
		fz_oracle++;
	}
}

static void ipc_op(struct fz_thread *t)
{
	l4_word_t tag;
	struct l4_result r;

	set_windows(t);
	switch (pick(t, 12)) {
	case 0: case 1: case 2:
		tag = message(t, false);
		r = fz_sys(t, OP_CALL, L4_SYS_CALL, ipc_slot(t), tag, timeout(t));
		break;
	case 3: case 4:
		tag = message(t, false);
		r = fz_sys(t, OP_SEND, L4_SYS_SEND, ipc_slot(t), tag, timeout(t));
		break;
	case 5: case 6: case 7:
		r = fz_sys(t, OP_RECV, L4_SYS_RECV, ipc_slot(t), 0, recv_timeout(t));
		received(t, r);
		break;
	case 8: case 9:
		tag = message(t, true);
		r = fz_sys(t, OP_REPLY_WAIT, L4_SYS_REPLY_WAIT, ipc_slot(t), tag, recv_timeout(t));
		received(t, r);
		break;
	case 10:
		tag = message(t, true);
		fz_sys(t, OP_REPLY, L4_SYS_REPLY, L4_CAP_NONE, tag, 0);
		break;
	default:
		if (pick(t, 8) == 0) {
			fz_sys(t, OP_YIELD, L4_SYS_YIELD, L4_CAP_NONE, 0, 0);
		} else if (pick(t, 8) == 0) {
			/* Any system call number, a harmless label. */
			tag = message(t, true) | 0x20ull << L4_TAG_LABEL_SHIFT;
			r = fz_sys(t, OP_RAW, pick(t, 3) ? pick(t, L4_SYS_COUNT) : rnd(t) % 64,
				   ipc_slot(t), tag, pick(t, 2) ? 0 : timeout(t));
		} else {
			fz_sys(t, OP_SIGNAL, L4_SYS_SEND, S_N + pick(t, 4), l4_tag(0x20, 0, 0), L4_TIMEOUT_POLL);
		}
		break;
	}
}

static void regs_block(struct fz_thread *t, l4_word_t *mr)
{
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		mr[i] = pick(t, 2) ? rnd(t) : rnd(t) % 64;
	mr[L4_REG_RIP] = victim_ip(t);
	mr[L4_REG_RSP] = pick(t, 2) ? SCRATCH_VA + 0x8000 : rnd(t);
}

static void thread_op(struct fz_thread *t)
{
	l4_word_t *mr = t->utcb->mr;
	bool fuzzer = pick(t, 2);
	l4_cap_t s = fuzzer ? fzt_slot(t) : vth_slot(t);

	switch (pick(t, 16)) {
	case 0:
		if (fuzzer) {
			mr[0] = pick(t, 6) ? (l4_word_t)cfz_entry : ventry(pick(t, 6));
		} else {
			mr[0] = victim_ip(t);
		}
		mr[1] = pick(t, 2) ? SCRATCH_VA + 0x8000 : rnd(t);
		inv(t, OP_T_START, s, L4_THREAD_START, 2);
		break;
	case 1: case 2:
		inv(t, OP_T_STOP, s, L4_THREAD_STOP, 0);
		break;
	case 3: case 4:
		inv(t, OP_T_RESUME, s, L4_THREAD_RESUME, 0);
		break;
	case 5:
		mr[0] = pick(t, 8) ? 20 + pick(t, 45) : rnd(t) % 300;
		inv(t, OP_T_PRIO, s, L4_THREAD_SET_PRIO, 1);
		break;
	case 6:
		mr[0] = pick(t, 4) ? pick(t, 70) : rnd(t);
		inv(t, OP_T_MCP, s, L4_THREAD_SET_MCP, 1);
		break;
	case 7:
		mr[0] = pick(t, 4) ? 1000 * (1 + pick(t, 20)) : rnd(t) % 2000;
		inv(t, OP_T_SLICE, s, L4_THREAD_SET_TIMESLICE, 1);
		break;
	case 8: {
		bool pager = pick(t, 2);
		mr[0] = pick(t, 16) ? ipc_slot(t) : L4_CAP_NONE;
		inv(t, pager ? OP_T_PAGER : OP_T_EXC, s, pager ? L4_THREAD_SET_PAGER : L4_THREAD_SET_EXC_HANDLER, 1);
		break;
	}
	case 9:
		mr[0] = rnd(t);
		mr[1] = rnd(t);
		inv(t, OP_T_NAME, s, L4_THREAD_SET_NAME, 2);
		break;
	case 10:
		inv(t, OP_T_READ, s, L4_THREAD_READ_REGS, 0);
		break;
	case 11:                      /* registers: victims' only */
		s = vth_slot(t);
		regs_block(t, mr);
		inv(t, OP_T_WRITE, s, L4_THREAD_WRITE_REGS, pick(t, 8) ? L4_REG_COUNT : pick(t, L4_REG_COUNT));
		break;
	case 12:
		/* With several CPUs, half of these move threads or ask where they
		 * are (one CPU keeps the random sequence it always had). */
		if (fz_cpus > 1 && pick(t, 2)) {
			if (pick(t, 4)) {
				mr[0] = pick(t, 8) ? pick(t, fz_cpus) : rnd(t) % 64;
				inv(t, OP_T_CPU, s, L4_THREAD_SET_CPU, 1);
			} else {
				inv(t, OP_T_CPU, s, L4_THREAD_GET_CPU, 0);
			}
			break;
		}
		inv(t, OP_T_INFO, s, L4_THREAD_INFO, 0);
		break;
	case 13:                      /* TLS: any for victims, a fuzzer's own for fuzzers */
		if (fuzzer) {
			unsigned i = pick(t, NFZ);
			s = S_FZT + i;
			mr[0] = (l4_word_t)&fzt[i].tls;
		} else {
			mr[0] = pick(t, 2) ? rnd(t) : SCRATCH_VA + pick(t, 16) * 4096;
		}
		inv(t, OP_T_TLS, s, L4_THREAD_SET_TLS, 1);
		break;
	default: {                    /* vCPU operations (L4_EINVAL on threads) */
		s = vth_slot(t);
		unsigned n = pick(t, 24);
		for (unsigned i = 0; i < n; i++)
			mr[i] = pick(t, 2) ? rnd(t) % 0x80 : rnd(t);
		static const l4_word_t ops[] = { L4_THREAD_VCPU_CONFIG, L4_THREAD_VCPU_READ,
						 L4_THREAD_VCPU_WRITE, L4_THREAD_VCPU_APIC,
						 L4_THREAD_VCPU_POST };
		unsigned op = pick(t, 5);
		if (pick(t, 2))
			mr[0] = pick(t, 2) ? L4_VCPU_GPR : rnd(t) % 0x80;
		if (ops[op] == L4_THREAD_VCPU_POST && pick(t, 2)) {
			/* A post, mostly well formed, to a VM's vCPU, which may be
			 * running on another CPU, stopped, moving or deleted. */
			s = S_VM + 1 + 2 * pick(t, NVM);
			mr[0] = pick(t, 3) ? L4_VCPU_POST(pick(t, 256), pick(t, 2)) | (pick(t, 4) ? 0 : L4_VCPU_REQ_IRQ_WINDOW)
					   : rnd(t);
		}
		inv(t, OP_T_VCPU, s, ops[op], n);
		break;
	}
	}
}

static void cap_op(struct fz_thread *t)
{
	l4_word_t *mr = t->utcb->mr;
	l4_cap_t src, dst;

	switch (pick(t, 12)) {
	case 0: case 1:               /* copy or move within our table, in class */
		class_slots(t, false, &src, &dst);
		bool move = pick(t, 2);
		if (move && pick(t, 4))   /* moves: mostly within the free range of the class */
			src = free_base(dst) + pick(t, free_size(dst));
		mr[0] = src;
		mr[1] = dst;
		mr[2] = pick(t, 8);
		if (!move)
			inv(t, OP_C_COPY, own_slot(t), L4_TASK_CAP_COPY, 3);
		else
			inv(t, OP_C_MOVE, own_slot(t), L4_TASK_CAP_MOVE, 2);
		break;
	case 2:                       /* mint: endpoints and notifications */
		mr[0] = pick(t, 3) ? S_EP + pick(t, 14) : S_IPC_FREE + pick(t, 16);
		mr[1] = S_IPC_FREE + pick(t, 16);
		mr[2] = pick(t, 8);
		mr[3] = pick(t, 2) ? rnd(t) % 16 : rnd(t);
		inv(t, OP_C_MINT, own_slot(t), L4_TASK_CAP_MINT, 4);
		break;
	case 3: case 4:
		mr[0] = any_slot(t);
		inv(t, OP_C_DELETE, pick(t, 4) ? own_slot(t) : vtask_slot(t), L4_TASK_CAP_DELETE, 1);
		break;
	case 5:
		mr[0] = any_slot(t);
		inv(t, OP_C_REVOKE, pick(t, 4) ? own_slot(t) : vtask_slot(t), L4_TASK_CAP_REVOKE, 1);
		break;
	case 6:
		mr[0] = any_slot(t);
		inv(t, OP_C_INFO, pick(t, 2) ? own_slot(t) : vtask_slot(t), L4_TASK_CAP_INFO, 1);
		break;
	case 7:
		mr[0] = pick(t, 2) ? S_EPB + pick(t, 4) : ipc_slot(t);
		inv(t, OP_C_CANCEL, own_slot(t), L4_TASK_CANCEL_BADGED, 1);
		break;
	case 8: case 9: {             /* a capability into our table (in class) or a victim's */
		bool grant = pick(t, 3) == 0;
		if (pick(t, 2)) {
			class_slots(t, false, &src, &dst);
			mr[0] = (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | dst << 12;
			mr[1] = l4_fpage_cap(src, 0, pick(t, 8));
			inv(t, grant ? OP_C_GRANT : OP_C_MAP, own_slot(t), L4_TASK_MAP, 2);
		} else {
			class_slots(t, true, &src, &dst);
			mr[0] = (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | (l4_word_t)pick(t, V_SLOTS) << 12;
			mr[1] = l4_fpage_cap(src, 0, pick(t, 8));
			inv(t, grant ? OP_C_GRANT : OP_C_MAP, vtask_slot(t), L4_TASK_MAP, 2);
		}
		break;
	}
	case 10:
		mr[0] = rnd(t);
		mr[1] = rnd(t);
		inv(t, OP_TASK_NAME, pick(t, 2) ? own_slot(t) : vtask_slot(t), L4_TASK_SET_NAME, 2);
		break;
	default:                      /* I/O ports to a victim or ourselves */
		mr[0] = L4_ITEM_MAP;
		mr[1] = io_fpage(t);
		inv(t, OP_IO_MAP, pick(t, 2) ? own_slot(t) : vtask_slot(t), L4_TASK_MAP, 2);
		break;
	}
}

static void mem_op(struct fz_thread *t)
{
	l4_word_t *mr = t->utcb->mr;
	bool grant = pick(t, 4) == 0;

	switch (pick(t, 6)) {
	case 0: case 1:               /* into our own scratch */
		mr[0] = (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | (SCRATCH_VA + pick(t, 16) * 4096);
		mr[1] = mem_fpage(t);
		inv(t, grant ? OP_M_GRANT : OP_M_MAP, own_slot(t), L4_TASK_MAP, 2);
		break;
	case 2: case 3: {             /* into a victim or a VM: anywhere */
		/* (Never over the victims' code: they run nothing else.) */
		static const l4_word_t bases[] = { 0, SCRATCH_VA, 0x100000, VCODE_VA + 0x100000 };
		l4_word_t base = pick(t, 2) ? bases[pick(t, 4)] : rnd(t) % (1ull << 30);
		if (base >> 22 == VCODE_VA >> 22)
			base = SCRATCH_VA;
		mr[0] = (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | (base & ~0xfffull);
		mr[1] = mem_fpage(t);
		inv(t, grant ? OP_M_GRANT : OP_M_MAP, vtask_slot(t), L4_TASK_MAP, 2);
		break;
	}
	default:                      /* unmap: our scratch; rarely our image; a victim's anything */
		if (pick(t, 3)) {
			if (pick(t, 100)) {
				mr[0] = mem_fpage(t);
			} else if (pick(t, 2)) {
				l4_word_t span = (l4_word_t)(_image_end - _image_start) / 4096;
				mr[0] = l4_fpage_mem((l4_word_t)_image_start + (rnd(t) % span) * 4096, 12, L4_FP_RWX);
			} else {   /* a stack of this task's threads: a page fault soon */
				struct fz_thread *v = &fzt[t->task * NTH + pick(t, NTH)];
				mr[0] = l4_fpage_mem(v->stack_top & ~0xfffull, 12, L4_FP_RWX);
			}
			mr[1] = pick(t, 2) ? L4_UNMAP_SELF : 0;
			inv(t, OP_M_UNMAP, own_slot(t), L4_TASK_UNMAP, 2);
		} else {
			mr[0] = pick(t, 2) ? l4_fpage_mem(rnd(t) % (1ull << 31), 12 + pick(t, 10), pick(t, 8)) : rnd(t);
			mr[1] = pick(t, 2) ? L4_UNMAP_SELF : rnd(t) % 4;
			inv(t, OP_M_UNMAP, vtask_slot(t), L4_TASK_UNMAP, 2);
		}
		break;
	}
}

static void factory_op(struct fz_thread *t)
{
	l4_word_t *mr = t->utcb->mr;
	l4_cap_t f = fac_slot(t);

	switch (pick(t, 8)) {
	case 0:
		mr[0] = S_IPC_FREE + pick(t, 16);
		inv(t, OP_F_CREATE, f, pick(t, 2) ? L4_FACTORY_ENDPOINT : L4_FACTORY_NOTIFICATION, 1);
		break;
	case 1:
		mr[0] = S_VTASK_FREE + pick(t, 16);
		mr[1] = pick(t, 8) ? 1 + pick(t, 64) : rnd(t) % 100000;
		inv(t, OP_F_CREATE, f, L4_FACTORY_TASK, 2);
		break;
	case 2:
		mr[0] = S_VTH_FREE + pick(t, 16);
		mr[1] = vtask_slot(t);
		mr[2] = pick(t, 8) ? VUTCB_VA + pick(t, 64) * 4096 : rnd(t);
		inv(t, OP_F_CREATE, f, L4_FACTORY_THREAD, 3);
		break;
	case 3:
		mr[0] = S_FAC_FREE + pick(t, 16);
		mr[1] = pick(t, 4) ? rnd(t) % 65536 : rnd(t);
		inv(t, OP_F_CREATE, f, L4_FACTORY_FACTORY, 2);
		break;
	case 4:
		inv(t, OP_F_INFO, f, L4_FACTORY_INFO, 0);
		break;
	case 5:
		mr[0] = S_VTASK_FREE + pick(t, 16);
		mr[1] = pick(t, 8) ? 1 + pick(t, 16) : rnd(t);
		inv(t, OP_VM_CREATE, f, L4_FACTORY_VM, 2);
		break;
	default:
		mr[0] = S_VTH_FREE + pick(t, 16);
		mr[1] = vtask_slot(t);
		inv(t, OP_VCPU_CREATE, f, L4_FACTORY_VCPU, 2);
		break;
	}
}

/* VMs: guest code (scratch page 0) at guest-physical 0, vCPUs started
 * there, their exits to a shared endpoint. */
static void vm_op(struct fz_thread *t)
{
	l4_word_t *mr = t->utcb->mr;

	switch (pick(t, 4)) {
	case 0:
		mr[0] = L4_ITEM_MAP | (pick(t, 4) ? 0 : (rnd(t) % 64) << 12);
		mr[1] = pick(t, 4) ? l4_fpage_mem(SCRATCH_VA, 12, L4_FP_RWX) : mem_fpage(t);
		inv(t, OP_VM_MAP, vtask_slot(t), L4_TASK_MAP, 2);
		break;
	case 1:
		mr[0] = pick(t, 8) ? S_EP + pick(t, 6) : ipc_slot(t);
		inv(t, OP_T_EXC, vth_slot(t), L4_THREAD_SET_EXC_HANDLER, 1);
		break;
	case 2:
		/* Guest addresses: only where a vCPU is sure to be (a thread
		 * started there would run scratch memory). */
		mr[0] = pick(t, 4) ? 0 : rnd(t) % 0x10000;
		mr[1] = pick(t, 2) ? 0x7000 : rnd(t);
		inv(t, OP_VCPU_START, S_VM + 1 + 2 * pick(t, NVM), L4_THREAD_START, 2);
		break;
	default:
		factory_op(t);
		break;
	}
}

static void fz_step(struct fz_thread *t)
{
	unsigned w = pick(t, 100);

	if (w < 46)
		ipc_op(t);
	else if (w < 68)
		thread_op(t);
	else if (w < 82)
		cap_op(t);
	else if (w < 90)
		mem_op(t);
	else if (w < 95 || !fz_vm_ok)
		factory_op(t);
	else
		vm_op(t);
}

void cfz_thread_main(struct fz_thread *t)
{
	unsigned long starts = __atomic_add_fetch(&t->starts, 1, __ATOMIC_RELAXED);

	t->rng = (fz_seed + 1) * 0x9e3779b97f4a7c15ull ^ (t->idx + 1) * 0xbf58476d1ce4e5b9ull ^
		 starts * 0x94d049bb133111ebull;
	if (!t->rng)
		t->rng = 1;
	while (!fz_stop)
		fz_step(t);
	/* The run is over: stop (the controller stops us anyway). */
	for (;;) {
		l4_syscall(L4_SYS_CALL, S_FZT + t->idx, l4_tag(L4_THREAD_STOP, 0, 0), 0);
		l4_syscall(L4_SYS_YIELD, L4_CAP_NONE, 0, 0);
	}
}

/* ------------------------------------------------------------ the controller */

struct owned {                  /* an object whose original a fuzzer task holds */
	l4_cap_t watch;             /* our copy: gone when the original went */
	unsigned owner, slot;
};

static struct {
	l4_cap_t ffac, vfac, fault_ep;
	l4_cap_t ep[4], n[2];
	l4_cap_t epb[NT][4], nb[NT][2];      /* badged masters */
	l4_cap_t vep[NVG][2], vn;            /* victims' endpoint masters */
	l4_cap_t fault_badge[NFZ + NVT];
	l4_cap_t task[NT];
	l4_cap_t thread[NFZ];
	struct owned fac[NT], oep[2];
	struct owned vtask[NVG], vth[NVT];
	struct owned vm[NVM], vcpu[NVM];
	unsigned vkind[NVT];
	bool vfaulted[NVT];
	unsigned long last_steps[NFZ], stall[NFZ], fruitless[NFZ];
	unsigned long restarts, faults, rebuilds, victims_made, vms_made, factories_made,
		oeps_made, vfac_revokes, repairs, victim_faults;
	l4_word_t io_ok;
} C;

static l4_word_t ctl(l4_cap_t cap, l4_word_t label, unsigned n, const l4_word_t *w)
{
	return l4_invoke(cap, label, n, w).error;
}
#define CTL(cap, label, ...) ({ const l4_word_t a_[] = { 0, ##__VA_ARGS__ }; \
	ctl(cap, label, sizeof(a_) / sizeof(a_[0]) - 1, a_ + 1); })

static void drop(l4_cap_t *slot)
{
	if (*slot == L4_CAP_NONE)
		return;
	CTL(L4_CAP_TASK, L4_TASK_CAP_DELETE, *slot);
	l4_slot_free(*slot);
	*slot = L4_CAP_NONE;
}

static l4_word_t slot_type(l4_cap_t task, l4_cap_t slot)
{
	struct l4_result r = L4_INVOKE(task, L4_TASK_CAP_INFO, slot);
	return r.error ? 0 : l4_utcb()->mr[0];
}

/* A free slot of ours: l4_slot_alloc's, but never one an earlier test
 * left occupied (its number used directly, or freed while still full). */
static unsigned long ctl_slots_skipped;

static l4_cap_t ctl_slot(void)
{
	for (;;) {
		l4_cap_t s = l4_slot_alloc();
		if (slot_type(L4_CAP_TASK, s) == L4_OBJ_NONE)
			return s;
		if (!ctl_slots_skipped++)
			l4_printf("ktest: (cfuzz: l4_slot_alloc gave slot %lu, which is occupied: skipped)\n", s);
	}
}

static l4_cap_t ctl_make(l4_word_t op)
{
	l4_cap_t s = ctl_slot();
	if (CTL(L4_CAP_FACTORY, op, s)) {
		l4_slot_free(s);
		return L4_CAP_NONE;
	}
	return s;
}

static l4_cap_t copy_of(l4_cap_t src, unsigned rights)
{
	l4_cap_t s = ctl_slot();
	if (CTL(L4_CAP_TASK, L4_TASK_CAP_COPY, src, s, rights)) {
		l4_slot_free(s);
		return L4_CAP_NONE;
	}
	return s;
}

static l4_cap_t mint_of(l4_cap_t src, unsigned rights, l4_word_t badge)
{
	l4_cap_t s = ctl_slot();
	if (CTL(L4_CAP_TASK, L4_TASK_CAP_MINT, src, s, rights, badge)) {
		l4_slot_free(s);
		return L4_CAP_NONE;
	}
	return s;
}

/* Our capability src into task's slot dst (what was there goes). */
static l4_word_t put(l4_cap_t task, l4_cap_t dst, l4_cap_t src, unsigned rights, bool grant)
{
	l4_word_t item = (grant ? L4_ITEM_GRANT : L4_ITEM_MAP) | dst << 12;
	l4_word_t err = CTL(task, L4_TASK_MAP, item, l4_fpage_cap(src, 0, rights));
	if (err == L4_EBUSY) {
		CTL(task, L4_TASK_CAP_DELETE, dst);
		err = CTL(task, L4_TASK_MAP, item, l4_fpage_cap(src, 0, rights));
	}
	return err;
}

/* Hands a new object's original (in our slot *orig) to owner's slot,
 * keeping a watch copy. */
static void hand_over(struct owned *o, l4_cap_t *orig, unsigned owner, unsigned slot)
{
	o->owner = owner;
	o->slot = slot;
	o->watch = copy_of(*orig, L4_CAP_RIGHTS_ALL);
	if (C.task[owner] == L4_CAP_NONE || put(C.task[owner], slot, *orig, L4_CAP_RIGHTS_ALL, true))
		return;     /* stays with us: then we hold the original */
	l4_slot_free(*orig);
	*orig = L4_CAP_NONE;
}

static bool watch_alive(struct owned *o, bool thread)
{
	if (o->watch == L4_CAP_NONE || slot_type(L4_CAP_TASK, o->watch) == L4_OBJ_NONE)
		return false;
	if (thread) {
		struct l4_result r = L4_INVOKE(o->watch, L4_THREAD_INFO);
		if (r.error || l4_utcb()->mr[0] == L4_THREAD_DEAD)
			return false;
	}
	return true;
}

/* Forgets an owned object: its original in the owner's table (if still
 * at its slot) and our watch. */
static void forget(struct owned *o)
{
	if (o->watch != L4_CAP_NONE && C.task[o->owner] != L4_CAP_NONE)
		CTL(C.task[o->owner], L4_TASK_CAP_DELETE, o->slot);
	drop(&o->watch);
}

/* Maps our pages [view, +2^order) to task at va with rights. */
static l4_word_t map_pages(l4_cap_t task, l4_word_t va, l4_word_t view, unsigned order, unsigned rights)
{
	return CTL(task, L4_TASK_MAP, L4_ITEM_MAP | va, l4_fpage_mem(view, order, rights));
}

static void make_victims(unsigned g)
{
	l4_cap_t task = ctl_slot();

	forget(&C.vtask[g]);
	forget(&C.vth[2 * g]);
	forget(&C.vth[2 * g + 1]);
	if (CTL(C.vfac, L4_FACTORY_TASK, task, V_SLOTS)) {
		l4_slot_free(task);
		return;
	}
	map_pages(task, VCODE_VA, CTL_VCODE, 12, L4_FP_RX);
	put(task, 8, C.vep[g][0], L4_CAP_RIGHT_WRITE, false);
	put(task, 9, C.vep[g][1], L4_CAP_RIGHT_READ | L4_CAP_RIGHT_WRITE, false);
	put(task, 10, C.vn, L4_CAP_RIGHT_READ | L4_CAP_RIGHT_WRITE, false);
	for (unsigned j = 0; j < 2; j++) {
		unsigned k = 2 * g + j;
		l4_cap_t th = ctl_slot();
		if (CTL(C.vfac, L4_FACTORY_THREAD, th, task, VUTCB_VA + j * 4096)) {
			l4_slot_free(th);
			continue;
		}
		C.vkind[k] = (unsigned)(ktest_random(&fz_seed) % 5);
		CTL(th, L4_THREAD_SET_PAGER, C.fault_badge[NFZ + k]);
		CTL(th, L4_THREAD_SET_EXC_HANDLER, C.fault_badge[NFZ + k]);
		CTL(th, L4_THREAD_SET_PRIO, 30 + ktest_random(&fz_seed) % 10);
		CTL(th, L4_THREAD_SET_CPU, (k + 1) % fz_cpus);
		CTL(th, L4_THREAD_START, ventry(C.vkind[k]), 0x1000);
		hand_over(&C.vth[k], &th, g % NT, S_VTH + k);
		if (th != L4_CAP_NONE)
			drop(&th);  /* could not hand it over: it goes */
	}
	hand_over(&C.vtask[g], &task, g % NT, S_VTASK + g);
	if (task != L4_CAP_NONE)
		drop(&task);
	C.victims_made++;
}

static void make_vm(unsigned m)
{
	l4_cap_t vm = ctl_slot(), vcpu = ctl_slot();

	forget(&C.vm[m]);
	forget(&C.vcpu[m]);
	if (CTL(C.vfac, L4_FACTORY_VM, vm, 16)) {
		l4_slot_free(vm);
		l4_slot_free(vcpu);
		return;
	}
	if (CTL(C.vfac, L4_FACTORY_VCPU, vcpu, vm)) {
		l4_slot_free(vcpu);
		drop(&vm);
		return;
	}
	map_pages(vm, 0, CTL_GUEST, 12, L4_FP_RX);
	CTL(vcpu, L4_THREAD_SET_EXC_HANDLER, C.ep[2 + m]);
	CTL(vcpu, L4_THREAD_SET_PRIO, 35 + 5 * m);
	CTL(vcpu, L4_THREAD_SET_CPU, (m + 2) % fz_cpus);
	CTL(vcpu, L4_THREAD_START, 0, 0x7000);
	hand_over(&C.vcpu[m], &vcpu, (m + 1) % NT, S_VM + 2 * m + 1);
	if (vcpu != L4_CAP_NONE)
		drop(&vcpu);
	hand_over(&C.vm[m], &vm, (m + 1) % NT, S_VM + 2 * m);
	if (vm != L4_CAP_NONE)
		drop(&vm);
	C.vms_made++;
}

static void make_factory(unsigned ti)
{
	l4_cap_t f = ctl_slot();

	forget(&C.fac[ti]);
	if (CTL(C.ffac, L4_FACTORY_FACTORY, f, 512 * 1024)) {
		l4_slot_free(f);
		return;
	}
	hand_over(&C.fac[ti], &f, ti, S_FACTORY);
	if (f != L4_CAP_NONE)
		drop(&f);
	C.factories_made++;
}

static void make_oep(unsigned k)
{
	l4_cap_t e = ctl_slot();

	forget(&C.oep[k]);
	if (CTL(C.ffac, L4_FACTORY_ENDPOINT, e)) {
		l4_slot_free(e);
		return;
	}
	hand_over(&C.oep[k], &e, k % NT, S_OEP + k);
	if (e != L4_CAP_NONE)
		drop(&e);
	C.oeps_made++;
}

/* One wanted slot of a fuzzer task: type, and the source to copy. */
static void want(l4_cap_t task, l4_cap_t slot, l4_word_t type, l4_cap_t src, unsigned rights)
{
	if (src == L4_CAP_NONE || slot_type(task, slot) == type)
		return;
	put(task, slot, src, rights, false);
	C.repairs++;
}

static void repair_task(unsigned ti)
{
	l4_cap_t task = C.task[ti];

	if (task == L4_CAP_NONE)
		return;
	want(task, S_OWN, L4_OBJ_TASK, task, L4_CAP_RIGHTS_ALL);
	want(task, S_FACTORY, L4_OBJ_FACTORY, C.fac[ti].watch, L4_CAP_RIGHTS_ALL);
	want(task, S_NFAC, L4_OBJ_FACTORY, C.fac[(ti + 1) % NT].watch, L4_CAP_RIGHTS_ALL);
	want(task, S_DEBUG, L4_OBJ_DEBUG, L4_CAP_DEBUG, L4_CAP_RIGHT_READ);
	for (unsigned k = 0; k < 4; k++) {
		want(task, S_EP + k, L4_OBJ_ENDPOINT, C.ep[k], L4_CAP_RIGHTS_ALL);
		want(task, S_EPB + k, L4_OBJ_ENDPOINT, C.epb[ti][k], L4_CAP_RIGHTS_ALL);
	}
	for (unsigned k = 0; k < 2; k++) {
		want(task, S_OEP + k, L4_OBJ_ENDPOINT, C.oep[k].watch, L4_CAP_RIGHTS_ALL);
		want(task, S_N + k, L4_OBJ_NOTIFICATION, C.n[k], L4_CAP_RIGHTS_ALL);
		want(task, S_NB + k, L4_OBJ_NOTIFICATION, C.nb[ti][k], L4_CAP_RIGHTS_ALL);
	}
	for (unsigned i = 0; i < NFZ; i++)
		want(task, S_FZT + i, L4_OBJ_THREAD, C.thread[i], L4_CAP_RIGHTS_ALL);
	for (unsigned k = 0; k < NVT; k++)
		want(task, S_VTH + k, L4_OBJ_THREAD, C.vth[k].watch, L4_CAP_RIGHTS_ALL);
	for (unsigned g = 0; g < NVG; g++)
		want(task, S_VTASK + g, L4_OBJ_TASK, C.vtask[g].watch, L4_CAP_RIGHTS_ALL);
	for (unsigned m = 0; m < NVM && fz_vm_ok; m++) {
		want(task, S_VM + 2 * m, L4_OBJ_TASK, C.vm[m].watch, L4_CAP_RIGHTS_ALL);
		want(task, S_VM + 2 * m + 1, L4_OBJ_THREAD, C.vcpu[m].watch, L4_CAP_RIGHTS_ALL);
	}
}

/* Recreates what the fuzzers destroyed, then puts back what is missing. */
static void repair(void)
{
	for (unsigned ti = 0; ti < NT; ti++)
		if (!watch_alive(&C.fac[ti], false))
			make_factory(ti);
	for (unsigned k = 0; k < 2; k++)
		if (!watch_alive(&C.oep[k], false))
			make_oep(k);
	for (unsigned g = 0; g < NVG; g++)
		if (!watch_alive(&C.vtask[g], false) || !watch_alive(&C.vth[2 * g], true) ||
		    !watch_alive(&C.vth[2 * g + 1], true))
			make_victims(g);
	for (unsigned m = 0; m < NVM && fz_vm_ok; m++)
		if (!watch_alive(&C.vm[m], false) || !watch_alive(&C.vcpu[m], true))
			make_vm(m);
	for (unsigned ti = 0; ti < NT; ti++)
		repair_task(ti);
}

static void start_fuzzer(unsigned i)
{
	struct fz_thread *t = &fzt[i];
	l4_cap_t th = C.thread[i];

	CTL(th, L4_THREAD_STOP);
	t->tls = (struct l4_tls){ .self = &t->tls, .utcb = t->utcb, .thread = S_FZT + i };
	CTL(th, L4_THREAD_SET_TLS, (l4_word_t)&t->tls);
	CTL(th, L4_THREAD_SET_PAGER, C.fault_badge[i]);
	CTL(th, L4_THREAD_SET_EXC_HANDLER, C.fault_badge[i]);
	CTL(th, L4_THREAD_SET_MCP, FZ_MCP);
	CTL(th, L4_THREAD_SET_PRIO, t->prio);
	CTL(th, L4_THREAD_SET_TIMESLICE, 2000 + 1000 * (i % 3));
	CTL(th, L4_THREAD_SET_CPU, i % fz_cpus);        /* (back where it started, if moved) */
	CTL(th, L4_THREAD_START, (l4_word_t)cfz_entry, t->stack_top);
	C.stall[i] = 0;
}

/* A fuzzer task: our image, its scratch, the victims' code; its threads. */
static void build_task(unsigned ti)
{
	l4_cap_t task = ctl_slot();

	C.task[ti] = L4_CAP_NONE;
	if (CTL(C.ffac, L4_FACTORY_TASK, task, FZ_SLOTS)) {
		l4_slot_free(task);
		return;
	}
	for (l4_word_t va = (l4_word_t)_image_start; va < (l4_word_t)_image_end; va += 4096)
		map_pages(task, va, va, 12, va < (l4_word_t)_etext ? L4_FP_RX : L4_FP_RW);
	map_pages(task, SCRATCH_VA, CTL_SCRATCH + ti * (1ull << SCRATCH_ORDER), SCRATCH_ORDER, L4_FP_RWX);
	map_pages(task, VCODE_VA, CTL_VCODE, 12, L4_FP_RX);
	map_pages(task, LARGE_VA, CTL_LARGE, LARGE_ORDER, L4_FP_RW);
	if (C.io_ok)
		CTL(task, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(0x80, 3));
	C.task[ti] = task;
	for (unsigned j = 0; j < NTH; j++) {
		unsigned i = ti * NTH + j;
		l4_cap_t th = ctl_slot();
		if (CTL(C.ffac, L4_FACTORY_THREAD, th, task, FZ_UTCB_VA + i * 4096)) {
			l4_slot_free(th);
			th = L4_CAP_NONE;
		}
		C.thread[i] = th;
	}
	make_factory(ti);
	repair_task(ti);
	for (unsigned j = 0; j < NTH; j++) {
		unsigned i = ti * NTH + j;
		if (C.thread[i] == L4_CAP_NONE)
			continue;
		CTL(C.thread[i], L4_THREAD_SET_NAME, 0x7a7a75662d7a66ull /* "fz-fuzz" */, 0);
		start_fuzzer(i);
	}
}

static void destroy_task(unsigned ti)
{
	drop(&C.task[ti]);       /* the original: its threads die, their queues empty */
	for (unsigned j = 0; j < NTH; j++)
		drop(&C.thread[ti * NTH + j]);
}

static void rebuild_task(unsigned ti)
{
	destroy_task(ti);
	build_task(ti);
	for (unsigned u = 0; u < NT; u++)
		repair_task(u);
	C.rebuilds++;
	for (unsigned j = 0; j < NTH; j++)
		C.fruitless[ti * NTH + j] = 0;
}

static void restart_fuzzer(unsigned i)
{
	if (C.thread[i] == L4_CAP_NONE || ++C.fruitless[i] > 4) {
		rebuild_task(i / NTH);
		return;
	}
	start_fuzzer(i);
	C.restarts++;
}

static void handle_fault(struct l4_result r)
{
	l4_word_t label = l4_tag_label(r.tag);

	if (r.badge >= BADGE_FZ && r.badge < BADGE_FZ + NFZ) {
		unsigned i = (unsigned)(r.badge - BADGE_FZ);
		C.faults++;
		/* A page fault: the fuzzers took some of its task's image away. */
		if (label == L4_LABEL_PAGE_FAULT)
			rebuild_task(i / NTH);
		else
			restart_fuzzer(i);
	} else if (r.badge >= BADGE_VT && r.badge < BADGE_VT + NVT) {
		unsigned k = (unsigned)(r.badge - BADGE_VT);
		C.victim_faults++;
		C.vfaulted[k] = true;
	}
}

static void monitor(void)
{
	for (unsigned i = 0; i < NFZ; i++) {
		unsigned long s = fzt[i].steps;
		if (s != C.last_steps[i]) {
			C.last_steps[i] = s;
			C.stall[i] = 0;
			C.fruitless[i] = 0;
			continue;
		}
		if (++C.stall[i] < 3)
			continue;
		/* Stuck 30 ms: blocked for ever, stopped, or in a victim's loop; a
		 * thread that is only starved by higher ones waits longer. */
		struct l4_result info = L4_INVOKE(C.thread[i], L4_THREAD_INFO);
		if (info.error || l4_utcb()->mr[0] != L4_THREAD_READY || C.stall[i] >= 20)
			restart_fuzzer(i);
	}
}

static unsigned long param(const char *name, unsigned long dflt)
{
	const char *c = l4_boot_info->cmdline;
	size_t n = 0;

	while (name[n])
		n++;
	for (; *c; c++) {
		if (c != l4_boot_info->cmdline && c[-1] != ' ')
			continue;
		size_t k = 0;
		while (k < n && c[k] == name[k])
			k++;
		if (k < n || c[n] != '=')
			continue;
		unsigned long v = 0;
		for (c += n + 1; *c >= '0' && *c <= '9'; c++)
			v = v * 10 + (unsigned long)(*c - '0');
		return v;
	}
	return dflt;
}

static void report(void)
{
	unsigned long ops[OP_COUNT] = { 0 }, errs[ERR_BUCKETS] = { 0 }, starts = 0, kmsgs[3] = { 0 };
	unsigned long oks[OP_COUNT] = { 0 };
	char line[200];
	int n = 0;

	for (unsigned i = 0; i < NFZ; i++) {
		for (unsigned k = 0; k < OP_COUNT; k++) {
			ops[k] += fzt[i].ops[k];
			oks[k] += fzt[i].ok[k];
		}
		for (unsigned k = 0; k < ERR_BUCKETS; k++)
			errs[k] += fzt[i].errs[k];
		starts += fzt[i].starts;
		for (unsigned k = 0; k < 3; k++)
			kmsgs[k] += fzt[i].kmsgs[k];
	}
	for (unsigned k = 0; k < OP_COUNT; k++) {
		n += l4_snprintf(line + n, sizeof(line) - (size_t)n, " %s=%lu/%lu", op_names[k], ops[k], oks[k]);
		if (n > 120 || k == OP_COUNT - 1) {
			l4_printf("ktest: (cfuzz ops (made/succeeded):%s)\n", line);
			n = 0;
		}
	}
	for (unsigned k = 0; k < ERR_BUCKETS; k++)
		n += l4_snprintf(line + n, sizeof(line) - (size_t)n, " %u=%lu", k, errs[k]);
	l4_printf("ktest: (cfuzz errors:%s)\n", line);
	l4_printf("ktest: (cfuzz: the fuzzers received %lu page faults, %lu exceptions and %lu VM exits)\n",
		  kmsgs[0], kmsgs[1], kmsgs[2]);
	l4_printf("ktest: (cfuzz: %lu thread starts, %lu restarts, %lu faults, %lu victim faults, %lu task rebuilds, "
		  "%lu victim groups, %lu VMs, %lu factories, %lu endpoints made, %lu victim-factory revokes, "
		  "%lu slots repaired)\n",
		  starts, C.restarts, C.faults, C.victim_faults, C.rebuilds, C.victims_made, C.vms_made,
		  C.factories_made, C.oeps_made, C.vfac_revokes, C.repairs);
}

static l4_word_t kernel_free_frames(void)
{
	return L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK).error ? 0 : l4_utcb()->mr[5];
}

static l4_word_t root_factory_used(void)
{
	return L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_INFO).error ? ~0ull : l4_utcb()->mr[1];
}

static void concurrent_syscalls(void)
{
	unsigned long steps = param("fuzzsteps", 100000), seed = param("fuzzseed", 1);
	unsigned long budget_s = param("fuzztime", 100);
	l4_word_t err, vm_err;

	/* Fresh state (a test may run once per boot, but be safe). */
	fz_total = 0;
	fz_stop = 0;
	fz_fail_count = fz_fail_step = fz_fail_code = fz_checks = fz_check_errors = fz_oracle = 0;
	fz_claimed = 0;
	fz_check_tsc = 0;
	fz_cpus = 1;
	l4_thread_get_cpu(L4_CAP_THREAD, &fz_cpus);
	if (!fz_cpus)
		fz_cpus = 1;
	fz_target = fz_cpus > 1 ? steps + steps / 2 : steps;
	fz_seed = seed * 0x2545f4914f6cdd1dull + 1;
	for (unsigned i = 0; i < NFZ; i++) {
		struct fz_thread *t = &fzt[i];
		*t = (struct fz_thread){ 0 };
		t->idx = i;
		t->task = i / NTH;
		t->prio = 40 + 5 * (i % NTH) + 2 * (t->task % 2);
		t->utcb = (struct l4_utcb *)(FZ_UTCB_VA + i * 4096);
		t->stack_top = (uint64_t)&t->stack[sizeof(t->stack) / 8 - 2];
	}
	for (unsigned k = 0; k < sizeof(C) / sizeof(l4_cap_t); k++)
		((l4_cap_t *)&C)[k] = L4_CAP_NONE;
	C.restarts = C.faults = C.rebuilds = C.victims_made = C.vms_made = C.factories_made = 0;
	C.oeps_made = C.vfac_revokes = C.repairs = C.victim_faults = 0;
	for (unsigned i = 0; i < NFZ; i++)
		C.last_steps[i] = C.stall[i] = C.fruitless[i] = 0;
	for (unsigned k = 0; k < NVT; k++)
		C.vfaulted[k] = false;

	/* Our memory for them: scratch per task, the victims' code, guest code. */
	for (unsigned ti = 0; ti < NT; ti++) {
		l4_word_t view = CTL_SCRATCH + ti * (1ull << SCRATCH_ORDER);
		CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, SCRATCH_ORDER, l4_fpage_mem(view, SCRATCH_ORDER, 0), &err) != ~0ull);
		for (unsigned b = 0; b < sizeof(guest_code); b++)
			((volatile unsigned char *)view)[b] = guest_code[b];
	}
	l4_word_t large = l4_sigma0_alloc(L4_SIGMA0_ANY, LARGE_ORDER | L4_SIGMA0_LARGE,
					  l4_fpage_mem(CTL_LARGE, LARGE_ORDER, 0), &err);
	CHECK(large != ~0ull);
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(CTL_VCODE, 12, 0), &err) != ~0ull);
	for (unsigned b = 0; b < (unsigned)(cfz_vcode_end - cfz_vcode_start); b++)
		((volatile char *)CTL_VCODE)[b] = cfz_vcode_start[b];
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(CTL_GUEST, 12, 0), &err) != ~0ull);
	for (unsigned b = 0; b < sizeof(guest_code); b++)
		((volatile unsigned char *)CTL_GUEST)[b] = guest_code[b];
	C.io_ok = l4_sigma0_io(0x80, 3) == L4_OK;

	/* Kernel memory before anything of the run exists (our memory for it
	 * is mapped): afterwards it must all be back. */
	l4_word_t frames0 = kernel_free_frames(), used0 = root_factory_used();

	/* Factories, endpoints, notifications, badged masters. */
	C.ffac = ctl_slot();
	C.vfac = ctl_slot();
	CHECK_EQ(CTL(L4_CAP_FACTORY, L4_FACTORY_FACTORY, C.ffac, 24ull << 20), L4_OK);
	CHECK_EQ(CTL(L4_CAP_FACTORY, L4_FACTORY_FACTORY, C.vfac, 4ull << 20), L4_OK);
	C.fault_ep = ctl_make(L4_FACTORY_ENDPOINT);
	for (unsigned k = 0; k < 4; k++)
		C.ep[k] = ctl_make(L4_FACTORY_ENDPOINT);
	for (unsigned k = 0; k < 2; k++)
		C.n[k] = ctl_make(L4_FACTORY_NOTIFICATION);
	CHECK(C.fault_ep != L4_CAP_NONE && C.ep[3] != L4_CAP_NONE && C.n[1] != L4_CAP_NONE);
	for (unsigned ti = 0; ti < NT; ti++) {
		for (unsigned k = 0; k < 4; k++)
			C.epb[ti][k] = mint_of(C.ep[k], k % 2 ? L4_CAP_RIGHT_READ | L4_CAP_RIGHT_WRITE : L4_CAP_RIGHTS_ALL,
					       0x100 * (ti + 1) + k);
		C.nb[ti][0] = mint_of(C.n[0], L4_CAP_RIGHTS_ALL, 1ull << ti);
		C.nb[ti][1] = mint_of(C.n[1], L4_CAP_RIGHTS_ALL, 1ull << (ti + 8));
	}
	for (unsigned g = 0; g < NVG; g++) {
		C.vep[g][0] = mint_of(C.ep[0], L4_CAP_RIGHT_WRITE, BADGE_VICTIM | g);
		C.vep[g][1] = mint_of(C.ep[1], L4_CAP_RIGHT_READ | L4_CAP_RIGHT_WRITE, BADGE_VICTIM | 0x10 | g);
	}
	C.vn = copy_of(C.n[0], L4_CAP_RIGHT_READ | L4_CAP_RIGHT_WRITE);
	for (unsigned k = 0; k < NFZ + NVT; k++)
		C.fault_badge[k] = mint_of(C.fault_ep, L4_CAP_RIGHT_WRITE, k < NFZ ? BADGE_FZ + k : BADGE_VT + k - NFZ);

	/* VT-x? A VM and a vCPU of the victims' factory say. */
	{
		l4_cap_t vm = ctl_slot(), vcpu = ctl_slot();
		vm_err = CTL(C.vfac, L4_FACTORY_VM, vm, 16);
		if (!vm_err)
			vm_err = CTL(C.vfac, L4_FACTORY_VCPU, vcpu, vm);
		fz_vm_ok = !vm_err;
		drop(&vcpu);
		drop(&vm);
	}

	/* The tasks (threads not yet started until all exist), then the shared objects. */
	for (unsigned ti = 0; ti < NT; ti++) {
		build_task(ti);
		CHECK(C.task[ti] != L4_CAP_NONE);
	}
	repair();
	l4_printf("ktest: (cfuzz: seed %lu, %lu steps, %u tasks x %u threads on %u CPU%s, %u victim groups, VMs %s, error %lu)\n",
		  seed, fz_target, NT, NTH, fz_cpus, fz_cpus == 1 ? "" : "s", NVG,
		  fz_vm_ok ? "yes" : vm_err == L4_ENOSYS ? "no (no VT-x)" : "no", vm_err);

	unsigned long long t0 = l4_rdtsc(), khz = l4_boot_info->tsc_khz ? l4_boot_info->tsc_khz : 1000000;
	unsigned long long budget = budget_s * khz * 1000;
	unsigned long wakes = 0, last_total = 0, global_stall = 0, ctl_checks = 0, last_lag = 0;
	bool out_of_time = false;
	while (!fz_stop) {
		struct l4_result r = l4_recv(C.fault_ep, 10000);
		if (!r.error)
			handle_fault(r);
		wakes++;
		/* Victims that faulted go on at this pace, not in a storm. */
		for (unsigned k = 0; k < NVT; k++)
			if (C.vfaulted[k] && C.vth[k].watch != L4_CAP_NONE) {
				C.vfaulted[k] = false;
				CTL(C.vth[k].watch, L4_THREAD_START, ventry(C.vkind[k]), 0x1000);
			}
		monitor();
		if (wakes % 10 == 0)
			repair();
		if (wakes % 200 == 0) {
			/* Everything the victims' factory made goes at once. */
			CTL(L4_CAP_TASK, L4_TASK_CAP_REVOKE, C.vfac);
			C.vfac_revokes++;
			repair();
		}
		if (wakes % 47 == 0)
			rebuild_task((unsigned)(wakes / 47 % NT));
		/* Checks a fuzzer claimed but could not run (no capability) or
		 * lost (restarted first): still missing at two wakes in a row,
		 * one check here makes up for them. */
		unsigned long lag = fz_claimed - fz_checks - ctl_checks;
		bool makeup = lag && lag <= last_lag;
		last_lag = lag;
		if (makeup) {
			struct l4_result c = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK);
			ctl_checks += lag;
			last_lag = 0;
			if (!c.error && l4_utcb()->mr[0] && !fz_fail_count) {
				fz_fail_step = fz_total;
				fz_fail_code = l4_utcb()->mr[1];
				fz_fail_count = l4_utcb()->mr[0];
				fz_stop = 1;
			}
		}
		if (fz_total == last_total) {
			if (++global_stall == 100) {
				l4_printf("ktest: (cfuzz: no progress for 1 s at step %lu: rebuilding every task)\n", fz_total);
				for (unsigned ti = 0; ti < NT; ti++)
					rebuild_task(ti);
				global_stall = 0;
			}
		} else {
			global_stall = 0;
			last_total = fz_total;
		}
		/* Out of time by the TSC and by our 10 ms wakes (kernel ticks) alike:
		 * either alone can be miscalibrated on a loaded host. */
		if (l4_rdtsc() - t0 > budget && wakes / 100 > budget_s) {
			out_of_time = true;
			break;
		}
	}
	fz_stop = 1;
	unsigned long long dt = l4_rdtsc() - t0;
	for (unsigned i = 0; i < NFZ; i++)
		if (C.thread[i] != L4_CAP_NONE)
			CTL(C.thread[i], L4_THREAD_STOP);
	unsigned long ms = (unsigned long)(dt / khz);
	l4_printf("ktest: (cfuzz: seed %lu: %lu steps in %lu ms (%lu steps/s), %lu checks (%lu ms), %lu check errors, "
		  "%lu by the controller%s)\n",
		  seed, fz_total, ms, ms ? fz_total * 1000 / ms : 0, fz_checks, (unsigned long)(fz_check_tsc / khz),
		  fz_check_errors, ctl_checks, out_of_time ? ", time budget reached" : "");
	report();
	if (fz_fail_count)
		l4_printf("ktest: (cfuzz: SELF-CHECK FAILED after step %lu, seed %lu (fuzzseed=%lu): %lu broken, first code %lu, thread %lu)\n",
			  fz_fail_step, seed, seed, fz_fail_count, fz_fail_code, fz_fail_thread);
	if (fz_oracle)
		l4_printf("ktest: (cfuzz: %lu messages from victims carried items, first near step %lu)\n",
			  fz_oracle, fz_oracle_step);

	/* Everything goes: the factories take what they made with them. */
	for (unsigned ti = 0; ti < NT; ti++)
		destroy_task(ti);
	drop(&C.vfac);
	drop(&C.ffac);
	for (unsigned k = 0; k < sizeof(C.fault_badge) / sizeof(l4_cap_t); k++)
		drop(&C.fault_badge[k]);
	for (unsigned ti = 0; ti < NT; ti++) {
		for (unsigned k = 0; k < 4; k++)
			drop(&C.epb[ti][k]);
		drop(&C.nb[ti][0]);
		drop(&C.nb[ti][1]);
	}
	for (unsigned g = 0; g < NVG; g++) {
		drop(&C.vep[g][0]);
		drop(&C.vep[g][1]);
	}
	drop(&C.vn);
	for (unsigned k = 0; k < 4; k++)
		drop(&C.ep[k]);
	drop(&C.n[0]);
	drop(&C.n[1]);
	drop(&C.fault_ep);
	struct owned *all[] = { C.fac, C.oep, C.vtask, C.vth, C.vm, C.vcpu };
	unsigned counts[] = { NT, 2, NVG, NVT, NVM, NVM };
	for (unsigned a = 0; a < 6; a++)
		for (unsigned k = 0; k < counts[a]; k++)
			drop(&all[a][k].watch);
	l4_word_t frames1 = kernel_free_frames(), used1 = root_factory_used();
	l4_printf("ktest: (cfuzz: kernel free frames %lu before the run, %lu after; our factory's use %lu before, %lu after)\n",
		  (unsigned long)frames0, (unsigned long)frames1, (unsigned long)used0, (unsigned long)used1);
	for (unsigned ti = 0; ti < NT; ti++)
		CTL(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(CTL_SCRATCH + ti * (1ull << SCRATCH_ORDER), SCRATCH_ORDER, L4_FP_RWX),
		    L4_UNMAP_SELF);
	CTL(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(CTL_VCODE, 12, L4_FP_RWX), L4_UNMAP_SELF);
	CTL(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(CTL_GUEST, 12, L4_FP_RWX), L4_UNMAP_SELF);
	CTL(L4_CAP_PAGER, L4_SIGMA0_FREE, large, LARGE_ORDER);

	CHECK_EQ(fz_fail_count, 0);
	CHECK_EQ(fz_oracle, 0);
	/* Everything the run made is gone: our factory has what it had, and
	 * the kernel its free frames (up to one kept empty slab page for each
	 * of its 8 size classes). */
	CHECK_EQ(used1, used0);
	CHECK(frames1 + 8 >= frames0 && frames1 <= frames0 + 8);
	CHECK(fz_total >= steps / 4);
	CHECK(out_of_time || fz_total >= fz_target);
	/* The self-check ran after every 1,000 steps (a claimed check whose
	 * thread was restarted first was made up for by the controller). */
	CHECK(fz_checks + ctl_checks + NFZ >= fz_total / CHECK_EVERY);
	/* The kernel still serves us. */
	l4_cap_t ep = ctl_make(L4_FACTORY_ENDPOINT);
	CHECK(ep != L4_CAP_NONE);
	CHECK_EQ(l4_call(ep, l4_tag(1, 0, 0), 1000).error, L4_ETIMEOUT);
	drop(&ep);
}

const struct ktest ktests_cfuzz[] = {
	{ "fuzz/concurrent-syscalls", concurrent_syscalls },
	{ NULL, NULL },
};
