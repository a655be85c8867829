/* SPDX-License-Identifier: GPL-2.0-only */
/* User mode: syscall set-up, user register frames, and the way out of the kernel. */
#include <l4/thread.h>
#include "arch.h"
#include "cpu.h"
#include "fpu.h"
#include "vcpu.h"
#include "task.h"
#include "thread.h"
#include "regs.h"
#include "space.h"
#include "smp.h"
#include "x86.h"

extern char syscall_entry[];

static void stack_mark(void);

/* This CPU's system call MSRs and CR4 protections (the PCID bit too). */
void user_cpu_init(void)
{
	/* STAR: syscall loads CS=SEL_KCODE, SS=+8; sysret loads SS=base+8, CS=base+16 (RPL 3). */
	uint64_t sysret_base = SEL_KDATA;
	wrmsr(MSR_STAR, (uint64_t)SEL_KCODE << 32 | sysret_base << 48);
	wrmsr(MSR_LSTAR, (uintptr_t)syscall_entry);
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_DF | RFLAGS_TF | RFLAGS_AC | RFLAGS_NT | RFLAGS_IOPL);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
	/* The kernel never touches user memory (UTCBs are reached through the
	 * direct map), so SMAP costs nothing and SMEP guards against bugs. */
	uint64_t cr4 = read_cr4();
	if (cpu.smep)
		cr4 |= CR4_SMEP;
	if (cpu.smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	space_init_pcid();
}

void arch_user_init(bool eager_fpu)
{
	user_cpu_init();
	fpu_init(eager_fpu);
	stack_mark();
}

/* The kernel stacks' unused parts hold a pattern from here on (the boot
 * CPU's below this frame, the others' whole), so the self-check can tell
 * how deep a stack has ever been. */
#define STACK_PATTERN 0x5afe5afe5afe5afeull

static void stack_mark(void)
{
	uint64_t *below = __builtin_frame_address(0);

	for (unsigned i = 0; i < MAX_CPUS; i++) {
		uint64_t *p = (uint64_t *)cpu_stacks[i].kstack, *end = p + KSTACK_SIZE / 8;
		if (below > p && below <= end)
			end = below - 64;      /* the running stack: below this frame */
		for (; p < end; p++)
			*p = STACK_PATTERN;
	}
}

uint64_t arch_stack_depth(void)
{
	uint64_t deepest = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++) {
		const uint64_t *p = (const uint64_t *)cpu_stacks[i].kstack, *end = p + KSTACK_SIZE / 8;
		while (p < end && *p == STACK_PATTERN)
			p++;
		uint64_t depth = (uint64_t)((uintptr_t)end - (uintptr_t)p);
		deepest = depth > deepest ? depth : deepest;
	}
	return deepest;
}

uint64_t arch_stack_size(void)
{
	return KSTACK_SIZE;
}

void regs_init_user(arch_regs *r, uint64_t ip, uint64_t sp)
{
	*r = (arch_regs){
		.rip = ip,
		.rsp = sp,
		.cs = SEL_UCODE,
		.ss = SEL_UDATA,
		.rflags = RFLAGS_FIXED | RFLAGS_IF,
	};
}

bool regs_set_ip_sp(arch_regs *r, uint64_t ip, uint64_t sp)
{
	if (!user_addr_ok(ip) || !user_addr_ok(sp))
		return false;
	r->rip = ip;
	r->rsp = sp;
	return true;
}

/* Register block order (l4_reg) mapped to the frame. */
#define REG_FIELDS(X) X(RIP, rip) X(RSP, rsp) X(RFLAGS, rflags) X(RAX, rax) X(RBX, rbx) \
	X(RCX, rcx) X(RDX, rdx) X(RSI, rsi) X(RDI, rdi) X(RBP, rbp) X(R8, r8) X(R9, r9) \
	X(R10, r10) X(R11, r11) X(R12, r12) X(R13, r13) X(R14, r14) X(R15, r15)

void regs_to_words(const arch_regs *r, uint64_t *w)
{
#define TO_WORD(name, field) w[L4_REG_##name] = r->field;
	REG_FIELDS(TO_WORD)
#undef TO_WORD
}

bool regs_from_words(arch_regs *r, const uint64_t *w)
{
	if (!user_addr_ok(w[L4_REG_RIP]) || !user_addr_ok(w[L4_REG_RSP]))
		return false;
#define FROM_WORD(name, field) r->field = w[L4_REG_##name];
	REG_FIELDS(FROM_WORD)
#undef FROM_WORD
	r->rflags = (r->rflags & RFLAGS_USER_MASK) | RFLAGS_FIXED | RFLAGS_IF;
	return true;
}

/* On the CPU t leaves (smp_call, or that CPU itself). */
static void leave_here(void *arg)
{
	struct thread *t = arg;

	fpu_flush(t);
	vcpu_unload(t);
	if (this_arch->uexit_last_user == t)
		this_arch->uexit_last_user = NULL;
}

/* The syscall instruction is two bytes; frame.vector says how the last
 * entry came (VEC_SYSCALL: a system call). */
#define SYSCALL_LEN 2

bool arch_thread_may_run_on(const struct thread *t, unsigned on)
{
	return !t->vcpu || cpus[on].arch.vmx_ready;
}

void arch_syscall_restart(struct thread *t)
{
	if (t->vcpu || t->regs.vector != VEC_SYSCALL)
		return;
	t->regs.rip -= SYSCALL_LEN;
	t->regs.vector = 0;
	t->resume_sysret = false;
}

void arch_thread_leaves_cpu(struct thread *t)
{
	if (t->pcpu == cpu_self())
		leave_here(t);
	else
		smp_call(t->pcpu->id, leave_here, t);
}

uint64_t arch_thread_bytes(const struct thread *t)
{
	return fpu_state_bytes(t) + vcpu_bytes(t);
}

void arch_thread_gone(struct thread *t)
{
	fpu_release(t);
	for (unsigned i = 0; i < cpu_count; i++)
		if (cpus[i].arch.uexit_last_user == t)
			cpus[i].arch.uexit_last_user = NULL;
}
