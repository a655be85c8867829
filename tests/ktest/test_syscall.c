/* SPDX-License-Identifier: GPL-2.0-only */
/* System call entry: numbers, capabilities, tags, bad arguments. */
#include "ktest.h"

#define EMPTY_SLOT 4095         /* the last of the root task's 4096 slots: never allocated */
#define BEYOND_TABLE 4096

static void unknown_syscall(void)
{
	CHECK_EQ(l4_syscall(L4_SYS_COUNT, 0, 0, 0).error, L4_ENOSYS);
	CHECK_EQ(l4_syscall(~0ull, 0, 0, 0).error, L4_ENOSYS);
}

static void registers_preserved(void)
{
	/* Everything but RAX, RSI, RDX, RCX and R11 survives a system call. */
	register unsigned long long rbx __asm__("rbx") = 0x1111;
	register unsigned long long r8 __asm__("r8") = 0x3333;
	register unsigned long long r9 __asm__("r9") = 0x4444;
	register unsigned long long r10 __asm__("r10") = 0x5555;
	register unsigned long long r12 __asm__("r12") = 0x6666;
	register unsigned long long r13 __asm__("r13") = 0x7777;
	register unsigned long long r14 __asm__("r14") = 0x8888;
	register unsigned long long r15 __asm__("r15") = 0x9999;
	register unsigned long long rdi __asm__("rdi") = 0xaaaa;
	unsigned long long rbp_out;

	__asm__ volatile(
		"pushq %%rbp\n"
		"movq $0x2222, %%rbp\n"
		"movl %[nr], %%eax\n"
		"syscall\n"
		"movq %%rbp, %%rax\n"
		"popq %%rbp\n"
		: "=a"(rbp_out), "+r"(rbx), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r12), "+r"(r13),
		  "+r"(r14), "+r"(r15), "+r"(rdi)
		: [nr] "i"(L4_SYS_YIELD)
		: "rcx", "rdx", "rsi", "r11", "memory");
	CHECK_EQ(rbp_out, 0x2222);
	CHECK_EQ(rbx, 0x1111);
	CHECK_EQ(r8, 0x3333);
	CHECK_EQ(r9, 0x4444);
	CHECK_EQ(r10, 0x5555);
	CHECK_EQ(r12, 0x6666);
	CHECK_EQ(r13, 0x7777);
	CHECK_EQ(r14, 0x8888);
	CHECK_EQ(r15, 0x9999);
	CHECK_EQ(rdi, 0xaaaa);
}

static void bad_capability_slots(void)
{
	CHECK_EQ(l4_call(EMPTY_SLOT, 0, L4_TIMEOUT_POLL).error, L4_ECAP);
	CHECK_EQ(l4_call(BEYOND_TABLE, 0, L4_TIMEOUT_POLL).error, L4_ECAP);
	CHECK_EQ(l4_call(L4_CAP_NONE, 0, L4_TIMEOUT_POLL).error, L4_ECAP);
	CHECK_EQ(l4_send(EMPTY_SLOT, 0, L4_TIMEOUT_POLL).error, L4_ECAP);
	CHECK_EQ(l4_recv(BEYOND_TABLE, L4_TIMEOUT_POLL).error, L4_ECAP);
	CHECK_EQ(l4_reply_wait(EMPTY_SLOT, 0, L4_TIMEOUT_POLL).error, L4_ECAP);
}

static void wrong_object_types(void)
{
	l4_cap_t n = l4_make(L4_FACTORY_NOTIFICATION);

	CHECK(n != L4_CAP_NONE);
	CHECK_EQ(l4_send(L4_CAP_FACTORY, 0, L4_TIMEOUT_POLL).error, L4_ETYPE);
	CHECK_EQ(l4_recv(L4_CAP_TASK, L4_TIMEOUT_POLL).error, L4_ETYPE);
	CHECK_EQ(l4_call(n, 0, L4_TIMEOUT_POLL).error, L4_ETYPE);
}

static void malformed_tags(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK(ep != L4_CAP_NONE);
	CHECK_EQ(l4_send(ep, l4_tag(1, 65, 0), L4_TIMEOUT_POLL).error, L4_EMSG);
	CHECK_EQ(l4_send(ep, l4_tag(1, 60, 3), L4_TIMEOUT_POLL).error, L4_EMSG);
	CHECK_EQ(l4_send(ep, l4_tag(1, 0, 17), L4_TIMEOUT_POLL).error, L4_EMSG);
	CHECK_EQ(l4_send(ep, l4_tag(1, 0, 0) | 1u << 12, L4_TIMEOUT_POLL).error, L4_EMSG);
	CHECK_EQ(l4_call(ep, l4_tag(1, 127, 0), L4_TIMEOUT_POLL).error, L4_EMSG);
}

static void reply_without_caller(void)
{
	CHECK_EQ(l4_reply(0), L4_ENOREPLY);
}

static void yield_returns(void)
{
	CHECK_EQ(l4_syscall(L4_SYS_YIELD, 0, 0, 0).error, L4_OK);
}

static void debug_operations(void)
{
	struct l4_result r = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_TSC_KHZ);

	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_words(r.tag), 1);
	CHECK_EQ(l4_utcb()->mr[0], l4_boot_info->tsc_khz);
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, 99).error, L4_ENOSYS);
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_EXIT).error, L4_EMSG);       /* no status */
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_PUTS, 17, 0).error, L4_EMSG); /* 17 bytes in one word */
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_PUTS, L4_DEBUG_PUTS_MAX + 1).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_PUTS, 0).error, L4_OK);
	/* The self-check finds the kernel as it should be. */
	r = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], 0);
	CHECK(l4_utcb()->mr[2] >= 5);        /* objects: at least both boot tasks, threads, sigma0's endpoint */
	CHECK(l4_utcb()->mr[3] > 100);       /* mappings */
	/* What was the debug system call is no system call any more. */
	CHECK_EQ(l4_syscall(L4_SYS_COUNT, 2, 0, 0).error, L4_ENOSYS);
}

/* In a task without the debug capability: nothing reaches the kernel
 * console or ends the machine (review finding 7). */
static long try_debug(long ro_slot)
{
	l4_word_t a = L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_EXIT, 3).error;
	l4_word_t b = l4_syscall(L4_SYS_COUNT, 2, 3, 0).error;        /* the old L4_SYS_DEBUG, EXIT */
	l4_word_t c = L4_INVOKE((l4_cap_t)ro_slot, L4_DEBUG_EXIT, 3).error;
	l4_word_t d = L4_INVOKE((l4_cap_t)ro_slot, L4_DEBUG_PUTS, 1, 'x').error;
	l4_word_t e = L4_INVOKE((l4_cap_t)ro_slot, L4_DEBUG_CHECK).error;     /* READ suffices */
	return a == L4_ECAP && b == L4_ENOSYS && c == L4_ERIGHTS && d == L4_ERIGHTS && e == L4_OK ? 1 : 0;
}

static void debug_needs_its_capability(void)
{
	l4_cap_t b = l4_task_share_image(4096), ro = l4_slot_alloc();

	CHECK(b != L4_CAP_NONE);
	/* A copy without the WRITE right, in b at slot ro. */
	CHECK_EQ(L4_INVOKE(b, L4_TASK_MAP, L4_ITEM_MAP | ro << 12,
			   l4_fpage_cap(L4_CAP_DEBUG, 0, L4_CAP_RIGHT_READ)).error, L4_OK);
	l4_cap_t t = l4_thread_start_in(b, try_debug, (long)ro, 110);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 1);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b);
}

static void unknown_invocation_labels(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);

	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, 99).error, L4_ENOSYS);
	CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, 99).error, L4_ENOSYS);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, 99).error, L4_ENOSYS);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, 0).error, L4_ENOSYS);
	/* A call on an endpoint with nobody there and a poll timeout. */
	CHECK_EQ(l4_call(ep, l4_tag(99, 0, 0), L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
}

static void short_invocations(void)
{
	l4_cap_t s = l4_slot_alloc();

	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, s, L4_CAP_TASK).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_ENDPOINT).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, 0, s, 7).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, L4_THREAD_START, 0x400000).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, L4_THREAD_WRITE_REGS, 1, 2, 3).error, L4_EMSG);
}

/* Sets the trap flag and makes a system call (yield) with it. */
static long single_step_into_syscall(long unused)
{
	(void)unused;
	/* POPF's trap flag takes effect after the next instruction: SYSCALL. */
	__asm__ volatile("movl %[yield], %%eax\n\tpushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
			 "syscall\n\t"
			 "pushfq\n\tandq $~0x100, (%%rsp)\n\tpopfq"
			 : : [yield] "i"(L4_SYS_YIELD) : "rax", "rcx", "r11", "memory", "cc");
	return 1;
}

/*
 * A thread may set its own trap flag (POPF): its next instruction, a
 * system call, then single-steps into the kernel's entry, where the
 * debug exception arrives in ring 0 still on the user's stack pointer.
 * The kernel must take it on a stack of its own and go on (it had a
 * double fault and stopped; found by fuzz/concurrent-syscalls under
 * Bochs, seed 3, a victim whose RFLAGS the fuzzers had written). The
 * thread then gets its single-step exception as a message.
 */
static void trap_flag_on_system_call(void)
{
	l4_cap_t ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t t = l4_thread_start(single_step_into_syscall, 0, 50);

	CHECK(t != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(t, L4_THREAD_SET_EXC_HANDLER, ep).error, L4_OK);
	struct l4_result r = l4_recv(ep, 1000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_EXCEPTION);
	CHECK_EQ(UTCB0->mr[L4_EXC_VECTOR], 1);
	/* Resumed with the trap flag off, it finishes. */
	UTCB0->mr[L4_EXC_REGS + L4_REG_RFLAGS] &= ~0x100ull;
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		UTCB0->mr[i] = UTCB0->mr[L4_EXC_REGS + i];
	CHECK_EQ(l4_reply(l4_tag(0, L4_REG_COUNT, 0)), L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 1);
	l4_thread_kill(t);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ep);
}

const struct ktest ktests_syscall[] = {
	{ "debug/needs-the-debug-capability", debug_needs_its_capability },
	{ "syscall/unknown-number", unknown_syscall },
	{ "syscall/registers-preserved", registers_preserved },
	{ "syscall/bad-capability-slots", bad_capability_slots },
	{ "syscall/wrong-object-types", wrong_object_types },
	{ "syscall/malformed-tags", malformed_tags },
	{ "syscall/reply-without-caller", reply_without_caller },
	{ "syscall/yield", yield_returns },
	{ "syscall/debug-operations", debug_operations },
	{ "syscall/unknown-invocation-labels", unknown_invocation_labels },
	{ "syscall/short-invocations", short_invocations },
	{ "syscall/trap-flag-on-system-call", trap_flag_on_system_call },
	{ NULL, NULL },
};
