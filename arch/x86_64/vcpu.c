/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Virtual CPUs on VT-x: the VMCS of each vCPU thread, entering the guest
 * when the scheduler picks the thread, and turning VM exits into the
 * kernel's calls to the vCPU's handler (fault.c).
 */
#include "vcpu.h"
#include <l4/errno.h>
#include <l4/vcpu.h>
#include "console.h"
#include "cpu.h"
#include "fault.h"
#include "fpu.h"
#include "arch.h"
#include "kmem.h"
#include "layout.h"
#include "paging.h"
#include "sched.h"
#include "string.h"
#include "task.h"
#include "thread.h"
#include "trap.h"
#include "vmcs.h"
#include "uexit.h"
#include "vmx.h"
#include "x86.h"

#define AR_CODE16   0x9b          /* present, S, code, readable, accessed */
#define AR_DATA16   0x93          /* present, S, data, writable, accessed */
#define AR_TSS_BUSY 0x8b          /* present, busy 32-bit TSS */
#define AR_UNUSABLE (1u << 16)
#define REAL_LIMIT  0xffff
#define RFLAGS_RESERVED1 0x2ull
#define DR7_INIT 0x400ull
#define PAT_DEFAULT 0x0007040600070406ull
#define EPTP_WB_WALK4 ((6ull << 0) | (3ull << 3))   /* memory type WB, 4-level walk */
#define INTR_INFO_VALID (1u << 31)
#define INTERRUPTIBILITY_SHADOWS 3ull  /* blocking by STI (bit 0) and by MOV SS (bit 1) */

struct vcpu {
	uint64_t vmcs;          /* physical address of the VMCS */
	bool launched;          /* VMLAUNCH done: VMRESUME from now on */
	bool entry_failed;      /* the last exit was a failed VM entry */
	uint64_t entry_error;   /* then: the VM-instruction error */
};

static uint64_t preemption_ticks;   /* one scheduler tick, in VMX-preemption-timer units */

int vmx_run(arch_regs *guest, int launched);
extern char vmx_exit_entry[];
void desc_tables_reload(void);

static uint64_t current_vmcs;

static bool vmptrld(uint64_t phys)
{
	uint8_t failed;

	if (phys == current_vmcs)
		return true;
	__asm__ volatile("vmptrld %1\n setbe %0" : "=r"(failed) : "m"(phys) : "cc", "memory");
	if (!failed)
		current_vmcs = phys;
	return !failed;
}

static void vmclear(uint64_t phys)
{
	__asm__ volatile("vmclear %0" : : "m"(phys) : "cc", "memory");
	if (current_vmcs == phys)
		current_vmcs = 0;
}

static uint64_t vmread(uint64_t field)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static void vmwrite(uint64_t field, uint64_t v)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"(field), "r"(v) : "cc");
}

/* A control as the CPU allows it: the must-be-1 bits on, the may-be-1 mask applied. */
static uint32_t control(uint32_t cap_msr, uint32_t true_msr, uint32_t want)
{
	bool true_ctls = rdmsr(MSR_IA32_VMX_BASIC) & (1ull << 55);
	uint64_t cap = rdmsr(true_ctls ? true_msr : cap_msr);

	return (want | (uint32_t)cap) & (uint32_t)(cap >> 32);
}

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void host_state(void)
{
	struct gdt_ptr gdtr, idtr;

	__asm__ volatile("sgdt %0\n sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, virt_to_phys(paging_kernel_root()));
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, SEL_KCODE);
	vmwrite(HOST_SS_SEL, SEL_KDATA);
	vmwrite(HOST_DS_SEL, SEL_KDATA);
	vmwrite(HOST_ES_SEL, SEL_KDATA);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, SEL_TSS);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, 0);
	vmwrite(HOST_TR_BASE, (uintptr_t)&tss_io);
	vmwrite(HOST_GDTR_BASE, gdtr.base);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(HOST_RIP, (uintptr_t)vmx_exit_entry);
}

/* Real mode at CS:IP = 0:ip, as after a reset but for the addresses. */
static void guest_real_mode(uint64_t ip, uint64_t sp)
{
	static const uint32_t sel[] = { GUEST_ES_SEL, GUEST_SS_SEL, GUEST_DS_SEL, GUEST_FS_SEL, GUEST_GS_SEL };
	static const uint32_t base[] = { GUEST_ES_BASE, GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE };
	static const uint32_t limit[] = { GUEST_ES_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT };
	static const uint32_t ar[] = { GUEST_ES_AR, GUEST_SS_AR, GUEST_DS_AR, GUEST_FS_AR, GUEST_GS_AR };

	for (unsigned i = 0; i < ARRAY_SIZE(sel); i++) {
		vmwrite(sel[i], 0);
		vmwrite(base[i], 0);
		vmwrite(limit[i], REAL_LIMIT);
		vmwrite(ar[i], AR_DATA16);
	}
	vmwrite(GUEST_CS_SEL, 0);
	vmwrite(GUEST_CS_BASE, 0);
	vmwrite(GUEST_CS_LIMIT, REAL_LIMIT);
	vmwrite(GUEST_CS_AR, AR_CODE16);
	vmwrite(GUEST_LDTR_SEL, 0);
	vmwrite(GUEST_LDTR_BASE, 0);
	vmwrite(GUEST_LDTR_LIMIT, 0);
	vmwrite(GUEST_LDTR_AR, AR_UNUSABLE);
	vmwrite(GUEST_TR_SEL, 0);
	vmwrite(GUEST_TR_BASE, 0);
	vmwrite(GUEST_TR_LIMIT, REAL_LIMIT);
	vmwrite(GUEST_TR_AR, AR_TSS_BUSY);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, REAL_LIMIT);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, REAL_LIMIT);
	/* CR0/CR4 bits VMX fixes are forced on and hidden behind the read shadows. */
	uint64_t cr0_fixed = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);
	uint64_t cr4_fixed = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	vmwrite(GUEST_CR0, cr0_fixed | CR0_NE);
	vmwrite(VMCS_CR0_MASK, cr0_fixed | CR0_NE);
	vmwrite(VMCS_CR0_SHADOW, 0);
	vmwrite(GUEST_CR4, cr4_fixed);
	vmwrite(VMCS_CR4_MASK, cr4_fixed);
	vmwrite(VMCS_CR4_SHADOW, 0);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_DR7, DR7_INIT);
	vmwrite(GUEST_RFLAGS, RFLAGS_RESERVED1);
	vmwrite(GUEST_RIP, ip);
	vmwrite(GUEST_RSP, sp);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(GUEST_IA32_PAT, PAT_DEFAULT);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
}

int vcpu_create(struct thread *t, struct quota *q)
{
	if (!vmx_on)
		return L4_ENOSYS;
	struct vcpu *v = kmem_alloc(q, sizeof(*v));
	if (!v)
		return L4_ENOMEM;
	v->vmcs = kmem_page_alloc(q);
	if (!v->vmcs) {
		kmem_free(q, v, sizeof(*v));
		return L4_ENOMEM;
	}
	*(uint32_t *)phys_to_virt(v->vmcs) = cpu.vmx.revision;
	vmclear(v->vmcs);
	if (!vmptrld(v->vmcs)) {
		kmem_page_free(q, v->vmcs);
		kmem_free(q, v, sizeof(*v));
		return L4_EINVAL;
	}
	/* Interrupts exit; the preemption timer also ends a guest's turn every
	 * tick, so a spinning guest never holds the CPU past its slice. */
	vmwrite(VMCS_PIN_CONTROLS, control(MSR_IA32_VMX_PINBASED, MSR_IA32_VMX_TRUE_PINBASED,
					   PIN_EXTERNAL_INTERRUPT | PIN_NMI |
					   (cpu.vmx.preemption_timer ? PIN_PREEMPTION_TIMER : 0)));
	/* Every I/O port, MSR access (no bitmaps), debug-register access and HLT exits. */
	vmwrite(VMCS_PROC_CONTROLS, control(MSR_IA32_VMX_PROCBASED, MSR_IA32_VMX_TRUE_PROCBASED,
					    PROC_HLT | PROC_MOV_DR | PROC_UNCONDITIONAL_IO |
					    PROC_SECONDARY) & ~(PROC_CR3_LOAD | PROC_CR3_STORE));
	vmwrite(VMCS_PROC_CONTROLS2, control(MSR_IA32_VMX_PROCBASED2, MSR_IA32_VMX_PROCBASED2,
					     PROC2_EPT | PROC2_UNRESTRICTED));
	vmwrite(VMCS_EXIT_CONTROLS, control(MSR_IA32_VMX_EXIT, MSR_IA32_VMX_TRUE_EXIT,
					    EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
					    EXIT_SAVE_EFER | EXIT_LOAD_EFER));
	vmwrite(VMCS_ENTRY_CONTROLS, control(MSR_IA32_VMX_ENTRY, MSR_IA32_VMX_TRUE_ENTRY,
					     ENTRY_LOAD_PAT | ENTRY_LOAD_EFER));
	vmwrite(VMCS_EXCEPTION_BITMAP, 0);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_EPT_POINTER, t->task->space.root | EPTP_WB_WALK4);
	host_state();
	guest_real_mode(0, 0);
	t->vcpu = v;
	return L4_OK;
}

void vcpu_destroy(struct thread *t, struct quota *q)
{
	struct vcpu *v = t->vcpu;

	if (!v)
		return;
	vmclear(v->vmcs);
	kmem_page_free(q, v->vmcs);
	kmem_free(q, v, sizeof(*v));
	t->vcpu = NULL;
}

bool vcpu_set_ip_sp(struct thread *t, uint64_t ip, uint64_t sp)
{
	struct vcpu *v = t->vcpu;

	if (!vmptrld(v->vmcs))
		return false;
	guest_real_mode(ip, sp);
	return true;
}

/* The register block (thread.h) between the guest's saved GPRs and its VMCS. */
void vcpu_regs_to_words(struct thread *t, uint64_t *w)
{
	vmptrld(((struct vcpu *)t->vcpu)->vmcs);
	regs_to_words(&t->regs, w);
	w[L4_REG_RIP] = vmread(GUEST_RIP);
	w[L4_REG_RSP] = vmread(GUEST_RSP);
	w[L4_REG_RFLAGS] = vmread(GUEST_RFLAGS);
}

void vcpu_regs_from_words(struct thread *t, const uint64_t *w)
{
	arch_regs *r = &t->regs;

	vmptrld(((struct vcpu *)t->vcpu)->vmcs);
#define GPR(name, field) r->field = w[L4_REG_##name];
	GPR(RAX, rax) GPR(RBX, rbx) GPR(RCX, rcx) GPR(RDX, rdx) GPR(RSI, rsi) GPR(RDI, rdi)
	GPR(RBP, rbp) GPR(R8, r8) GPR(R9, r9) GPR(R10, r10) GPR(R11, r11) GPR(R12, r12)
	GPR(R13, r13) GPR(R14, r14) GPR(R15, r15)
#undef GPR
	/* Moving RIP on completes the instruction: an STI or MOV SS shadow it
	 * was in ends (as after "sti; hlt", the idle loop of most kernels). */
	if (w[L4_REG_RIP] != vmread(GUEST_RIP))
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) & ~INTERRUPTIBILITY_SHADOWS);
	vmwrite(GUEST_RIP, w[L4_REG_RIP]);
	vmwrite(GUEST_RSP, w[L4_REG_RSP]);
	/* The guest's own flags; bit 1 is always 1, VM and reserved bits stay clear. */
	vmwrite(GUEST_RFLAGS, (w[L4_REG_RFLAGS] & 0x3f7fd7ull) | RFLAGS_RESERVED1);
}

void vcpu_inject(struct thread *t, uint64_t info, uint64_t error)
{
	vmptrld(((struct vcpu *)t->vcpu)->vmcs);
	vmwrite(VMCS_ENTRY_INTR_INFO, (uint32_t)info);
	vmwrite(VMCS_ENTRY_EXC_ERROR, (uint32_t)error);
}

/* The exit fields stay in the VMCS until the vCPU's next exit, which cannot
 * come before its VMM has the message: read them only for the message. */
void vcpu_exit_info(struct thread *t, uint64_t *mr)
{
	struct vcpu *v = t->vcpu;

	vcpu_regs_to_words(t, &mr[L4_VMEXIT_REGS]);     /* makes v's VMCS current */
	mr[L4_VMEXIT_QUAL] = v->entry_failed ? v->entry_error : vmread(VMCS_EXIT_QUALIFICATION);
	mr[L4_VMEXIT_ILEN] = vmread(VMCS_EXIT_INSTR_LEN);
	mr[L4_VMEXIT_GPA] = vmread(GUEST_PHYSICAL_ADDR);
	mr[L4_VMEXIT_GLA] = vmread(GUEST_LINEAR_ADDR);
}

void vcpu_run(struct thread *t)
{
	struct vcpu *v = t->vcpu;
	uint64_t reason;

	/* The scheduler or the fast path made t current on the way here. */
	v->entry_failed = false;
	if (!vmptrld(v->vmcs)) {
		reason = L4_VMEXIT_ENTRY_FAILED;
		v->entry_failed = true;
		v->entry_error = 0;
	} else {
		struct space *s = &t->task->space;
		if (s->tlb_stale) {
			/* Mappings went away: flush this EPT's translations (single context). */
			struct { uint64_t eptp, zero; } desc = { s->root | EPTP_WB_WALK4, 0 };
			__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(1ull) : "cc", "memory");
			s->tlb_stale = false;
		}
		fpu_trap(t);     /* the guest's FPU state is in the registers, TS clear */
		if (cpu.vmx.preemption_timer) {
			if (!preemption_ticks)
				preemption_ticks = (arch_tsc_khz() * 1000 / SCHED_TICK_HZ) >>
						   cpu.vmx.preemption_timer_shift;
			vmwrite(GUEST_PREEMPTION_TIMER, preemption_ticks);
		}
		int exited = vmx_run(&t->regs, v->launched);
		/* A VM exit leaves GDTR/IDTR limits at 0xffff and TR's at 0x67. */
		desc_tables_reload();
		space_current = NULL;            /* CR3 is the kernel's own now */
		uexit_loaded_fs = 0;             /* and FS base HOST_FS_BASE, 0 */
		if (exited) {
			v->launched = true;
			reason = vmread(VMCS_EXIT_REASON) & 0xffffffffull;
		} else {
			reason = L4_VMEXIT_ENTRY_FAILED;
			v->entry_failed = true;
			v->entry_error = vmread(VMCS_INSTRUCTION_ERROR);
		}
		/* (A VM exit clears the valid bit of any event it had to inject.) */
	}
	if (reason == EXIT_EXTERNAL_INTERRUPT || reason == EXIT_PREEMPTION_TIMER) {
		/* An interrupt is still pending (not acknowledged on exit), or the
		 * guest's tick ran out: take interrupts now, in the kernel. */
		__asm__ volatile("sti; nop; cli" : : : "memory");
	} else {
		fault_vmexit(t, reason);
	}
	sched_exit_kernel();
}
