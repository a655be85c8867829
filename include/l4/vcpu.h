/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Virtual CPUs (VT-x). A vCPU is a thread of a VM task (factory.h:
 * L4_FACTORY_VCPU): it is scheduled like any thread, by its priority, and
 * runs guest code on the VM task's guest-physical memory. Every VM exit
 * the VMM must handle arrives at the vCPU's exception handler (thread.h:
 * L4_THREAD_SET_EXC_HANDLER, else its pager) as a call the kernel makes
 * on the vCPU's behalf, exactly like a fault; the vCPU waits for the reply.
 *
 * Guest state travels in groups (L4_VCPU_GPR...), always in bit order,
 * each a fixed number of words (L4_VCPU_*_WORDS). Which groups an exit
 * carries is the VMM's choice per exit reason: the transfer masks of
 * L4_THREAD_VCPU_CONFIG (default: L4_VCPU_GPR). Less state, cheaper exits.
 *
 * Exit message (label L4_LABEL_VMEXIT, 6 words + the groups):
 *   MR0 exit reason (Intel SDM vol. 3D, appendix C; bit 31: VM entry
 *       failed, MR1 is then the VM-instruction error or 0)
 *   MR1 exit qualification
 *   MR2 instruction length
 *   MR3 guest-physical address (EPT violations)
 *   MR4 guest linear address
 *   MR5 bits 7:0 the groups that follow (a mask of L4_VCPU_GPR...),
 *       bits 11:8 the guest's CR8 (its task priority; L4_VMEXIT_CR8)
 *   MR6.. the groups
 * Reply: no words resumes the guest as it was. Otherwise:
 *   MR0 the groups that follow, written back | L4_VCPU_REQ_* requests
 *   MR1 an event to inject, 0 for none (VM-entry interruption information:
 *       bit 31 valid, 11 deliver error code, 10:8 type, 7:0 vector)
 *   MR2 its error code
 *   MR3.. the groups (exactly those MR0 names)
 * A malformed reply (unknown bits, a word count that does not match, an
 * event the VM entry would refuse: a reserved type, an NMI not at vector 2,
 * an exception above 31, an error code with anything but #DF, #TS, #NP,
 * #SS, #GP, #PF or #AC) stops the vCPU with a kernel log line. An event
 * whose delivery a VM exit interrupted (IDT-vectoring information) is
 * re-injected by the kernel unless the reply injects one itself.
 *
 * Thread operations on a vCPU (thread.h): L4_THREAD_START (MR0 guest RIP,
 * MR1 guest RSP: real mode, CS = 0, all segment bases 0), STOP, RESUME,
 * SET_PRIO, SET_TIMESLICE, SET_PAGER, SET_EXC_HANDLER, SET_NAME, INFO,
 * READ_REGS/WRITE_REGS (the GPR group), and:
 *   L4_THREAD_VCPU_CONFIG  MR0 exception bitmap (bit n: guest exception n
 *                          exits with reason 0 instead of being delivered;
 *                          #DB and #AC always exit to the kernel, which
 *                          delivers them itself unless their bit is set, so
 *                          no guest can make the CPU loop delivering them),
 *                          MR1 default transfer mask, MR2+r the mask for exit
 *                          reason r (0: the default), r < words - 2; a mask
 *                          of more than L4_VMEXIT_MAX_STATE words: L4_EINVAL
 *   L4_THREAD_VCPU_READ    MR0 groups -> MR0 groups, MR1.. the groups
 *   L4_THREAD_VCPU_WRITE   as a reply (MR0 groups | requests, MR1-2 event,
 *                          MR3.. groups); on a stopped or new vCPU this sets
 *                          the state it starts in (then L4_THREAD_RESUME)
 *   L4_THREAD_VCPU_APIC    MR0 APIC page | L4_VAPIC_* flags (see below)
 *   L4_THREAD_VCPU_POST    MR0 L4_VCPU_POST(vector, eoi_exit) and/or
 *                          L4_VCPU_REQ_IRQ_WINDOW: an interrupt for a vCPU
 *                          that may be running, on any CPU, without
 *                          stopping it (an interrupt between vCPUs of a
 *                          guest): the vector goes to its virtual IRR (as a
 *                          reply's post; needs L4_VAPIC_VID, else L4_ENOSYS)
 *                          and the window request to its controls at its
 *                          next VM entry, and if it runs on another CPU
 *                          now, an IPI makes it exit to the kernel and
 *                          enter again at once: the guest takes the vector
 *                          by its priorities without an exit to the VMM
 *                          (or its VMM gets the window exit). Posts made
 *                          before the entry are not lost; those made while
 *                          APIC virtualization is turned off are dropped.
 *                          A VCPU_WRITE on a running vCPU stops it first
 *                          (it reads and writes the VMCS here): for IPIs
 *                          between vCPUs this is the cheaper way.
 *
 * What the kernel keeps for itself: the VMCS host state, all I/O ports,
 * MSRs, debug registers and HLT exiting (guests touch no host resource;
 * MONITOR, MWAIT, RDPMC and WBINVD exit too),
 * the preemption timer, and CR0/CR4 bits VMX requires (NE,
 * VMXE: hidden behind read shadows, so the guest reads what it wrote).
 * The guest's own MSRs do not exit: SYSENTER_CS/ESP/EIP, PAT, FS_BASE,
 * GS_BASE, KERNEL_GS_BASE, STAR, LSTAR, CSTAR and FMASK are the guest's
 * while it runs (the CPU checks what it writes); the VMM reads them in the
 * MSR group and FS/GS bases in the SEG group. Every other MSR exits.
 * CR8 does not exit either (TPR shadow): the guest's task priority comes
 * with every exit (MR5, L4_VMEXIT_CR8) and is in the CR group's TPR word,
 * which sets it; the VMM that holds an interrupt back for it
 * sets the TPR threshold to that interrupt's priority class (vector >> 4):
 * when the guest lowers CR8 below it, L4_VMEXIT_TPR_BELOW exits (RIP past
 * the MOV). A threshold above CR8 makes the VM entry fail.
 * Invalid guest state from the VMM is not checked here: the VM entry fails
 * and the VMM gets that exit (bit 31).
 *
 * APIC virtualization (L4_THREAD_VCPU_APIC, where the CPU has it: else
 * L4_ENOSYS). MR0 = the guest-physical address of the guest's local APIC
 * page (page aligned) | L4_VAPIC_* flags; 0 turns it off. The VMM maps a
 * page of its own memory there first (L4_EFAULT if nothing is mapped);
 * the kernel takes the frame mapped at that moment as the APIC-access
 * page, so map it before and configure again after changing it. The
 * guest never reads or writes that frame: its accesses to the page go to
 * the vCPU's virtual-APIC page (kept by the kernel) or exit:
 *   - reads and writes of the TPR (offset 0x80) are CR8: no exit;
 *   - other accesses exit with L4_VMEXIT_APIC_ACCESS before the
 *     instruction (MR1 bits 11:0 the offset, 15:12 the access type: 0
 *     read, 1 write, others: during event delivery or instruction fetch);
 *     MR3 is the guest-physical address accessed, as for an EPT violation.
 * With L4_VAPIC_VID also virtual-interrupt delivery (the CPU delivers
 * posted interrupts by the guest's priorities, without exits) and EOI
 * virtualization:
 *   - a reply or VCPU_WRITE posts a vector (L4_VCPU_POST: its virtual IRR
 *     bit); the guest takes it when its RFLAGS.IF, interrupt shadow and
 *     priority allow (an interrupt-window request holds posted interrupts
 *     back until its exit);
 *   - the guest's EOI write clears the in-service vector without an exit,
 *     unless the vector was posted with its EOI-exit bit (level-triggered
 *     interrupts): then L4_VMEXIT_EOI after the write, MR1 the vector;
 *   - a write of ICR low (0x300) that is a fixed self-IPI posts its vector
 *     without an exit; other ICR writes exit after the write with
 *     L4_VMEXIT_APIC_WRITE (MR1 bits 11:0 the offset, bits 63:32 the
 *     value written); TPR-threshold exits no longer happen;
 *   - the L4_VCPU_APIC state group holds the virtual interrupt state.
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
#define L4_VMEXIT_GROUPS 5
#define L4_VMEXIT_CR8(mr5) ((unsigned)((mr5) >> 8) & 15)
#define L4_VMEXIT_STATE  6      /* the first group's first word */
/* The most state words an exit carries (the message registers after the
 * header): every group but not all six at once; all of them together
 * (L4_VCPU_ALL, 60 words) fit a read, a write and a reply, not an exit. */
#define L4_VMEXIT_MAX_STATE (L4_MR_COUNT - L4_VMEXIT_STATE)

#define L4_VCPU_REPLY_GROUPS 0
#define L4_VCPU_REPLY_INJECT 1
#define L4_VCPU_REPLY_ERROR  2
#define L4_VCPU_REPLY_STATE  3

/* State groups (bit order = message order). */
#define L4_VCPU_GPR  0x01u   /* the register block of thread.h (RIP, RSP, RFLAGS, RAX..R15) */
#define L4_VCPU_CR   0x02u   /* CR0, CR2, CR3, CR4, DR7, IA32_EFER, TPR: see
				L4_CR_TPR below */
#define L4_VCPU_SEG  0x04u   /* ES CS SS DS FS GS LDTR TR, 2 words each: see below */
#define L4_VCPU_DT   0x08u   /* GDTR base, GDTR limit, IDTR base, IDTR limit */
#define L4_VCPU_INTR 0x10u   /* interruptibility, activity state, pending debug exceptions;
				read only: exit interruption info and error code,
				IDT-vectoring info and error code */
#define L4_VCPU_MSR  0x20u   /* SYSENTER_CS, SYSENTER_ESP, SYSENTER_EIP, PAT, STAR, LSTAR,
				CSTAR, FMASK, KERNEL_GS_BASE */
#define L4_VCPU_ALL  0x3fu   /* the groups of every vCPU (a reply takes them all) */
#define L4_VCPU_APIC 0x40u   /* the virtual interrupt state (below): written only with
				L4_VAPIC_VID, read as zeros without */

#define L4_VCPU_GPR_WORDS  L4_REG_COUNT
#define L4_VCPU_CR_WORDS   7
#define L4_VCPU_SEG_WORDS  16
#define L4_VCPU_DT_WORDS   4
#define L4_VCPU_INTR_WORDS 7
#define L4_VCPU_MSR_WORDS  9
#define L4_VCPU_APIC_WORDS 13

/* All groups fit a write or a reply (and a read); an exit takes fewer. */
#define L4_VCPU_ALL_WORDS (L4_VCPU_GPR_WORDS + L4_VCPU_CR_WORDS + L4_VCPU_SEG_WORDS + \
			   L4_VCPU_DT_WORDS + L4_VCPU_INTR_WORDS + L4_VCPU_MSR_WORDS)
_Static_assert(3 + L4_VCPU_ALL_WORDS <= L4_MR_COUNT, "a reply with every group must fit");

/* Word offsets inside the groups. */
enum l4_vcpu_cr { L4_CR_CR0, L4_CR_CR2, L4_CR_CR3, L4_CR_CR4, L4_CR_DR7, L4_CR_EFER, L4_CR_TPR };
/* The CR group's TPR word: bits 3:0 the guest's CR8 (its task priority),
 * bits 11:8 the TPR threshold (the guest lowering CR8 below it exits with
 * L4_VMEXIT_TPR_BELOW; it must not exceed CR8). Other bits are ignored. */
#define L4_TPR(cr8, threshold)  ((l4_word_t)((cr8) & 15) | (l4_word_t)((threshold) & 15) << 8)
#define L4_TPR_CR8(w)           ((unsigned)(w) & 15)
#define L4_TPR_THRESHOLD(w)     ((unsigned)((w) >> 8) & 15)
enum l4_vcpu_seg { L4_SEG_ES, L4_SEG_CS, L4_SEG_SS, L4_SEG_DS, L4_SEG_FS, L4_SEG_GS,
		   L4_SEG_LDTR, L4_SEG_TR };
/* A segment: word 2n = selector | access rights << 16 | limit << 32;
 * word 2n + 1 = base. The access rights are VMX's (SDM 24.4.1) with bits
 * 16:12 moved to 12:8, as in SVM's attributes: 7:0 type, S, DPL, P;
 * 8 AVL, 9 L, 10 D/B, 11 G, 12 unusable. (L4_SEG_AR converts.) */
#define L4_SEG_AR(vmx_ar) (((vmx_ar) & 0xff) | ((vmx_ar) >> 4 & 0x1f00))
#define L4_SEG_AR_UNUSABLE 0x1000
#define L4_SEG_WORD(sel, ar, limit) \
	((l4_word_t)(sel) | (l4_word_t)((ar) & 0xffff) << 16 | (l4_word_t)(limit) << 32)
enum l4_vcpu_dt { L4_DT_GDTR_BASE, L4_DT_GDTR_LIMIT, L4_DT_IDTR_BASE, L4_DT_IDTR_LIMIT };
enum l4_vcpu_intr { L4_INTR_INTERRUPTIBILITY, L4_INTR_ACTIVITY, L4_INTR_PENDING_DBG,
		    L4_INTR_EXIT_INFO, L4_INTR_EXIT_ERROR, L4_INTR_IDT_INFO, L4_INTR_IDT_ERROR };
enum l4_vcpu_msr { L4_MSR_SYSENTER_CS, L4_MSR_SYSENTER_ESP, L4_MSR_SYSENTER_EIP, L4_MSR_PAT,
		   L4_MSR_STAR, L4_MSR_LSTAR, L4_MSR_CSTAR, L4_MSR_FMASK, L4_MSR_KERNEL_GS_BASE };
/* The APIC group: the guest interrupt status (bits 7:0 RVI, the highest
 * posted vector; 15:8 SVI, the highest in service), then three 256-bit
 * vector sets of 4 words each (vector v: bit v % 64 of word v / 64): the
 * EOI-exit bitmap, the virtual IRR (posted, not yet taken) and the virtual
 * ISR (taken, no EOI yet). Writing it also recomputes the virtual PPR. */
enum l4_vcpu_apic { L4_APIC_STATUS, L4_APIC_EOI_EXIT = 1, L4_APIC_IRR = 5, L4_APIC_ISR = 9 };
#define L4_APIC_RVI(w) ((unsigned)(w) & 0xff)
#define L4_APIC_SVI(w) ((unsigned)((w) >> 8) & 0xff)

/* L4_THREAD_VCPU_APIC flags (MR0 bits 11:0). */
#define L4_VAPIC_VID 1u      /* virtual-interrupt delivery and EOI virtualization */

/* Requests (reply MR0): an exit (reason 7 / 8) as soon as the guest can
 * take an external interrupt / an NMI. Each stays until its exit. */
#define L4_VCPU_REQ_IRQ_WINDOW (1u << 8)
#define L4_VCPU_REQ_NMI_WINDOW (1u << 9)
/* Post vector v (16-255) to the virtual IRR (APIC virtualization with
 * L4_VAPIC_VID); with eoi_exit, the guest's EOI for it exits
 * (L4_VMEXIT_EOI), else that EOI stays in the CPU. One per reply. */
#define L4_VCPU_REQ_POST       (1u << 10)
#define L4_VCPU_REQ_EOI_EXIT   (1u << 11)
#define L4_VCPU_POST(v, eoi_exit) \
	(L4_VCPU_REQ_POST | ((eoi_exit) ? L4_VCPU_REQ_EOI_EXIT : 0) | ((l4_word_t)((v) & 0xff) << 16))
#define L4_VCPU_POST_VECTOR(w) ((unsigned)((w) >> 16) & 0xff)

/* Events to inject (reply MR1). */
#define L4_EVENT_VALID      (1u << 31)
#define L4_EVENT_ERROR_CODE (1u << 11)
#define L4_EVENT_EXTINT     (0u << 8)
#define L4_EVENT_NMI        (2u << 8)
#define L4_EVENT_HW_EXC     (3u << 8)
#define L4_EVENT_SW_INT     (4u << 8)

/* Exit reasons up to this one have their own transfer mask. */
#define L4_VMEXIT_REASONS 80

/* Words of the groups in mask m. */
static inline unsigned l4_vcpu_words(unsigned m)
{
	return (m & L4_VCPU_GPR ? L4_VCPU_GPR_WORDS : 0) + (m & L4_VCPU_CR ? L4_VCPU_CR_WORDS : 0) +
	       (m & L4_VCPU_SEG ? L4_VCPU_SEG_WORDS : 0) + (m & L4_VCPU_DT ? L4_VCPU_DT_WORDS : 0) +
	       (m & L4_VCPU_INTR ? L4_VCPU_INTR_WORDS : 0) + (m & L4_VCPU_MSR ? L4_VCPU_MSR_WORDS : 0) +
	       (m & L4_VCPU_APIC ? L4_VCPU_APIC_WORDS : 0);
}

/* A few exit reasons (the full list is Intel's). */
enum l4_vmexit_reason {
	L4_VMEXIT_EXCEPTION = 0,
	L4_VMEXIT_EXTINT = 1,
	L4_VMEXIT_TRIPLE_FAULT = 2,
	L4_VMEXIT_IRQ_WINDOW = 7,
	L4_VMEXIT_NMI_WINDOW = 8,
	L4_VMEXIT_CPUID = 10,
	L4_VMEXIT_HLT = 12,
	L4_VMEXIT_RDPMC = 15,
	L4_VMEXIT_VMCALL = 18,
	L4_VMEXIT_CR = 28,
	L4_VMEXIT_DR = 29,
	L4_VMEXIT_IO = 30,
	L4_VMEXIT_RDMSR = 31,
	L4_VMEXIT_WRMSR = 32,
	L4_VMEXIT_INVALID_GUEST_STATE = 33,
	L4_VMEXIT_MSR_LOADING = 34,
	L4_VMEXIT_MWAIT = 36,
	L4_VMEXIT_MONITOR = 39,
	L4_VMEXIT_TPR_BELOW = 43,         /* after a MOV to CR8 below the TPR threshold */
	L4_VMEXIT_APIC_ACCESS = 44,       /* APIC virtualization: see above */
	L4_VMEXIT_EOI = 45,               /* ... an EOI with the vector's EOI-exit bit */
	L4_VMEXIT_EPT_VIOLATION = 48,
	L4_VMEXIT_WBINVD = 54,            /* WBINVD or WBNOINVD */
	L4_VMEXIT_XSETBV = 55,
	L4_VMEXIT_APIC_WRITE = 56,        /* ... a write the CPU did but does not complete */
};

#define L4_VMEXIT_ENTRY_FAILED (1ull << 31)

#endif
