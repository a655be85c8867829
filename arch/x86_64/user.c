/* SPDX-License-Identifier: GPL-2.0-only */
/* User mode: syscall set-up, user register frames, and the way out of the kernel. */
#include <l4/thread.h>
#include "arch.h"
#include "cpu.h"
#include "fpu.h"
#include "task.h"
#include "thread.h"
#include "regs.h"
#include "space.h"
#include "x86.h"

extern char syscall_entry[];
static const struct thread *last_user;   /* the thread the kernel last left to */
static uint64_t loaded_fs;               /* the FS base as last written */
extern uint64_t cpu_frame_top;
NORETURN void exit_to_user_iret(arch_regs *f);
NORETURN void exit_to_user_sysret(arch_regs *f);
void tss_set_rsp0(uint64_t rsp0);

void arch_user_init(bool fpu_eager)
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
	fpu_init(fpu_eager);
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

void arch_exit_to_user(struct thread *t, bool sysret)
{
	arch_regs *r = &t->regs;
	uint64_t frame_top = (uintptr_t)(r + 1);

	space_activate(&t->task->space);
	fpu_leave_kernel(t);
	/* FS base: user code can only change it to 0 (a selector load; FSGSBASE
	 * is off), so it is loaded_fs or 0. Write it when t's differs, or when
	 * another thread may have zeroed it; never between threads without TLS. */
	if (t->tls != loaded_fs || (t->tls && t != last_user)) {
		wrmsr(MSR_FS_BASE, t->tls);
		loaded_fs = t->tls;
	}
	last_user = t;
	cpu_frame_top = frame_top;
	tss_set_rsp0(frame_top);
	/* Whatever wrote these registers, user mode gets user segments and IF. */
	r->cs = SEL_UCODE;
	r->ss = SEL_UDATA;
	r->rflags = (r->rflags & RFLAGS_USER_MASK) | RFLAGS_FIXED | RFLAGS_IF;
	if (sysret)
		exit_to_user_sysret(r);
	exit_to_user_iret(r);
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

void arch_thread_gone(struct thread *t)
{
	fpu_release(t);
	if (last_user == t)
		last_user = NULL;
}
