/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entering a guest and coming back. Every VM exit is a fresh kernel entry
 * on the top of the kernel stack (HOST_RSP, written once per VMCS), never a
 * return into the code that entered, as NOVA's entry_vmx: however many
 * exits the kernel handles itself (interrupts, the preemption timer,
 * exceptions it reflects), nothing nests.
 *
 * NORETURN void vmx_enter(struct trap_frame *guest, int launched)
 *   records where the guest's registers go, loads them and enters; a VM
 *   exit saves them there and calls vcpu_exited(), a failed entry calls
 *   vcpu_entry_failed(), both on a fresh stack.
 */
#include "percpu_arch.h"
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
	.global vmx_enter
vmx_enter:
	movq %rdi, %gs:PC_GUEST_REGS       /* the running vCPU's register area */
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
	movq %gs:PC_KSTACK_TOP, %rsp
	call vcpu_entry_failed
	ud2

	.global vmx_exit_entry
vmx_exit_entry:                        /* RSP: the kernel stack's top, GS: this CPU's */
	pushq %rdi
	movq %gs:PC_GUEST_REGS, %rdi
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
	call vcpu_exited
	ud2
