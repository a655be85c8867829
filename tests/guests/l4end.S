/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /bin/l4end in the Linux guest's initramfs (tools/guest-linux.sh): ends a
 * Bochs run where it is executed, with Bochs's magic breakpoint (xchg
 * %bx,%bx, an ordinary instruction elsewhere), so a bare boot and a boot
 * under the hypervisor stop at the same point of the guest (make bench).
 */
	.text
	.global _start
_start:
	xchg %bx, %bx
	movl $60, %eax          /* exit(0), if the run goes on */
	xorl %edi, %edi
	syscall
