/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /bin/l4tsc in the Linux guest (tools/guest-linux.sh): prints the TSC in
 * decimal and a newline. Under Bochs the TSC counts ticks, bare and under
 * the hypervisor alike (the VMM gives the guest the host's TSC without an
 * offset), so differences of it time a guest's work in Bochs ticks (make
 * bench's disk figures).
 */
	.text
	.global _start
_start:
	rdtsc
	shlq $32, %rdx
	orq %rdx, %rax          /* the TSC */
	leaq buf_end(%rip), %rsi
	movb $10, -1(%rsi)      /* the newline */
	decq %rsi
	movq $10, %rcx
1:	xorl %edx, %edx
	divq %rcx               /* rax = rax / 10, rdx = the digit */
	addb $'0', %dl
	decq %rsi
	movb %dl, (%rsi)
	testq %rax, %rax
	jnz 1b
	leaq buf_end(%rip), %rdx
	subq %rsi, %rdx         /* length */
	movl $1, %eax           /* write(1, rsi, rdx) */
	movl $1, %edi
	syscall
	movl $60, %eax          /* exit(0) */
	xorl %edi, %edi
	syscall

	.bss
buf:	.skip 24
buf_end:
