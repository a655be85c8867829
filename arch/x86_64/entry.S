/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel entry and exit.
 *
 * The kernel runs on one stack per CPU and never blocks on it: a thread's
 * user registers live in its TCB (struct trap_frame at the TCB's start),
 * and every entry from user mode saves them there. For exceptions and
 * interrupts, TSS.RSP0 points at the end of the current thread's frame,
 * so the CPU itself pushes RIP..SS into the TCB; the stubs push the
 * vector and the general registers after them. The syscall entry builds
 * the same frame by hand. Then the kernel switches to its own stack,
 * handles the event and leaves through exit_to_user_* for whichever
 * thread runs next. Traps taken in kernel mode (the idle loop, probes,
 * bugs) stay on the kernel stack and return with iretq.
 *
 * GS: every entry from user mode starts with SWAPGS and every exit to it
 * ends with one, so that in the kernel GS's base is this CPU's struct
 * percpu (PC_* offsets, percpu_arch.h), the kernel stack's top among it.
 *
 * One 16-byte stub per vector pushes a zero error code where the CPU
 * pushes none, then the vector; idt_init computes stub addresses as
 * trap_stubs + 16 * vector.
 */
#define SEL_UCODE (0x20 | 3)
#define SEL_UDATA (0x18 | 3)
#define VEC_SYSCALL 0x100          /* frame->vector of a syscall entry: no real vector */
#define FRAME_CS 144               /* offsetof(struct trap_frame, cs) */
#define FRAME_RAX 112              /* offsetof(struct trap_frame, rax) */
#define SYS_REPLY_WAIT 1           /* L4_SYS_CALL = 0 and L4_SYS_REPLY_WAIT = 1 take the fast path */
#include "percpu_arch.h"

	.text

/* Vectors for which the CPU pushes an error code (SDM vol. 3, table 6-1). */
.macro TRAP_STUB v
	.balign 16
	.if (\v == 8) || ((\v >= 10) && (\v <= 14)) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
	.else
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
.endm

.macro PUSH_GPRS
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro POP_GPRS
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
.endm

	.balign 16
	.global trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	TRAP_STUB vec
	.set vec, vec + 1
	.endr

trap_common:
	PUSH_GPRS
	cld
	testb $3, FRAME_CS(%rsp)
	jnz 1f
	/* From kernel mode: the stack is 16-byte aligned (22 words pushed). */
	movq %rsp, %rdi
	call trap_dispatch
	POP_GPRS
	addq $16, %rsp
	iretq
1:	/* From user mode: the frame is in the TCB; continue on the kernel stack. */
	swapgs
	movq %rsp, %rdi
	movq %gs:PC_KSTACK_TOP, %rsp
	call trap_from_user
	ud2

/* syscall: RCX = user RIP, R11 = user RFLAGS, interrupts off (SFMASK). */
	.balign 16
	.global syscall_entry
syscall_entry:
	swapgs
	movq %rsp, %gs:PC_SCRATCH
	movq %gs:PC_FRAME_TOP, %rsp
	subq $8, %rsp                  /* SS: only the iret path reads it, and sets it first */
	pushq %gs:PC_SCRATCH
	pushq %r11
	subq $8, %rsp                  /* CS: likewise */
	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
	PUSH_GPRS
	movq %rsp, %rbx                /* the frame (user RBX is saved in it) */
	movq %gs:PC_KSTACK_TOP, %rsp
	cmpq $SYS_REPLY_WAIT, FRAME_RAX(%rbx)
	ja 1f
	movq %rbx, %rdi
	call *fastpath_syscall_fn(%rip) /* returns only if the fast path does not apply */
1:	movq %rbx, %rdi
	call syscall_from_user
	ud2

/* NORETURN void exit_to_user_iret(struct trap_frame *f) */
	.global exit_to_user_iret
exit_to_user_iret:
	movq %rdi, %rsp
	POP_GPRS
	addq $16, %rsp
	swapgs
	iretq

/*
 * NORETURN void exit_to_user_sysret(struct trap_frame *f)
 * Only for frames saved by syscall_entry and unchanged since, so RIP is
 * canonical (a non-canonical RCX would fault in ring 0 on Intel).
 */
	.global exit_to_user_sysret
exit_to_user_sysret:
	movq %rdi, %rsp
	POP_GPRS
	movq 16(%rsp), %rcx            /* rip */
	movq 32(%rsp), %r11            /* rflags */
	movq 40(%rsp), %rsp            /* user rsp */
	swapgs
	sysretq
