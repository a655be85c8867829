/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Virtual CPUs (VT-x). A vCPU is a thread of a VM task (factory.h:
 * L4_FACTORY_VCPU): it is scheduled like any thread, by its priority, and
 * runs guest code on the VM task's guest-physical memory. Every VM exit
 * the VMM must handle arrives at the vCPU's exception handler (thread.h:
 * L4_THREAD_SET_EXC_HANDLER, else its pager) as a call the kernel makes
 * on the vCPU's behalf, exactly like a fault; the vCPU waits for the reply.
 *
 * Thread operations on a vCPU: L4_THREAD_START (MR0 guest RIP, MR1 guest
 * RSP: the guest starts in real mode, CS = 0, all segment bases 0),
 * STOP, RESUME, SET_PRIO, SET_TIMESLICE, SET_PAGER, SET_EXC_HANDLER,
 * SET_NAME, INFO.
 *
 * Exit message (label L4_LABEL_VMEXIT):
 *   MR0 exit reason (Intel SDM vol. 3D, appendix C; bit 31: VM entry
 *       failed, MR1 is then the VM-instruction error or 0)
 *   MR1 exit qualification
 *   MR2 instruction length
 *   MR3 guest-physical address (EPT violations)
 *   MR4 guest linear address
 *   MR5.. the register block of thread.h (RIP, RSP, RFLAGS, RAX..R15)
 * Reply: no words resumes the guest as it was; L4_REG_COUNT words (the
 * register block) set its registers first; a further word MR18, if
 * present and non-zero, is an event to inject (VM-entry interruption
 * information: bit 31 valid, bits 10:8 type, 7:0 vector) with its error
 * code in MR19.
 */
#ifndef L4_VCPU_H
#define L4_VCPU_H

#include "msg.h"
#include "thread.h"

#define L4_LABEL_VMEXIT (L4_LABEL_KERNEL + 3)

#define L4_VMEXIT_REASON 0
#define L4_VMEXIT_QUAL   1
#define L4_VMEXIT_ILEN   2
#define L4_VMEXIT_GPA    3
#define L4_VMEXIT_GLA    4
#define L4_VMEXIT_REGS   5
#define L4_VMEXIT_WORDS  (L4_VMEXIT_REGS + L4_REG_COUNT)

#define L4_VMEXIT_INJECT   L4_REG_COUNT        /* reply word: event to inject */
#define L4_VMEXIT_INJECT_ERROR (L4_REG_COUNT + 1)

/* A few exit reasons (the full list is Intel's). */
enum l4_vmexit_reason {
	L4_VMEXIT_EXCEPTION = 0,
	L4_VMEXIT_TRIPLE_FAULT = 2,
	L4_VMEXIT_CPUID = 10,
	L4_VMEXIT_HLT = 12,
	L4_VMEXIT_VMCALL = 18,
	L4_VMEXIT_IO = 30,
	L4_VMEXIT_RDMSR = 31,
	L4_VMEXIT_WRMSR = 32,
	L4_VMEXIT_INVALID_GUEST_STATE = 33,
	L4_VMEXIT_EPT_VIOLATION = 48,
};

#define L4_VMEXIT_ENTRY_FAILED (1ull << 31)

#endif
