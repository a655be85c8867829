/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entering a guest and coming back. vmx_run looks like a function to C:
 * it loads the guest's general registers (RSP, RIP and RFLAGS are in the
 * VMCS) and enters the guest; a VM exit resumes at vmx_exit_entry on the
 * stack vmx_run left (HOST_RSP), saves the guest's registers and returns
 * 1; a failed VM entry returns 0 at once.
 *
 * int vmx_run(struct trap_frame *guest, int launched)
 */
#define HOST_RSP 0x6c14
#define G_R15 0
#define G_R14 8
#define G_R13 16
#define G_R12 24
#define G_R11 32
#define G_R10 40
#define G_R9  48
#define G_R8  56
#define G_RBP 64
#define G_RDI 72
#define G_RSI 80
#define G_RDX 88
#define G_RCX 96
#define G_RBX 104
#define G_RAX 112

	.text
	.global vmx_run
vmx_run:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                     /* the guest register area, for the exit */
	movl $HOST_RSP, %eax
	vmwrite %rsp, %rax
	testl %esi, %esi
	movq G_RAX(%rdi), %rax
	movq G_RBX(%rdi), %rbx
	movq G_RCX(%rdi), %rcx
	movq G_RDX(%rdi), %rdx
	movq G_RSI(%rdi), %rsi
	movq G_RBP(%rdi), %rbp
	movq G_R8(%rdi), %r8
	movq G_R9(%rdi), %r9
	movq G_R10(%rdi), %r10
	movq G_R11(%rdi), %r11
	movq G_R12(%rdi), %r12
	movq G_R13(%rdi), %r13
	movq G_R14(%rdi), %r14
	movq G_R15(%rdi), %r15
	movq G_RDI(%rdi), %rdi         /* last: it held the area's address */
	jnz 1f                         /* flags from the testl above: launched */
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* The entry failed: nothing of the guest ran. */
	xorl %eax, %eax
	jmp 3f

	.global vmx_exit_entry
vmx_exit_entry:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, G_RAX(%rdi)
	movq %rbx, G_RBX(%rdi)
	movq %rcx, G_RCX(%rdi)
	movq %rdx, G_RDX(%rdi)
	movq %rsi, G_RSI(%rdi)
	movq %rbp, G_RBP(%rdi)
	movq %r8, G_R8(%rdi)
	movq %r9, G_R9(%rdi)
	movq %r10, G_R10(%rdi)
	movq %r11, G_R11(%rdi)
	movq %r12, G_R12(%rdi)
	movq %r13, G_R13(%rdi)
	movq %r14, G_R14(%rdi)
	movq %r15, G_R15(%rdi)
	popq %rax
	movq %rax, G_RDI(%rdi)
	movl $1, %eax
3:	popq %rdi                      /* the guest register area */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
