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
#include "smp.h"
#include "vmx.h"
#include "x86.h"

#define AR_CODE16   0x9b          /* present, S, code, readable, accessed */
#define AR_DATA16   0x93          /* present, S, data, writable, accessed */
#define AR_TSS_BUSY 0x8b          /* present, busy 32-bit TSS */
#define AR_UNUSABLE (1u << 16)
/* Access rights travel compressed (include/l4/vcpu.h): bits 16:12 at 12:8. */
#define AR_PACK(ar)   (((ar) & 0xff) | ((ar) >> 4 & 0x1f00))
#define AR_UNPACK(a)  (((a) & 0xff) | ((a) & 0x1f00) << 4)
#define REAL_LIMIT  0xffff
#define RFLAGS_RESERVED1 0x2ull
#define RFLAGS_GUEST     0x3f7fd7ull  /* bits a guest may have; VM and reserved bits stay clear */
#define DR7_INIT 0x400ull
#define PAT_DEFAULT 0x0007040600070406ull
#define INTR_INFO_VALID   (1u << 31)
#define INTR_INFO_ERROR   (1u << 11)   /* deliver an error code */
#define INTR_INFO_TYPE(i) ((i) >> 8 & 7)
#define INTR_INFO_ENTRY   0x80000fffu  /* what VM-entry interruption information keeps */
#define INTR_TYPE_SW_INT  4            /* INT n, INT3/INTO, ICEBP: need an instruction length */
#define INTERRUPTIBILITY_SHADOWS 3ull  /* blocking by STI (bit 0) and by MOV SS (bit 1) */
#define INTERRUPTIBILITY_VALID   0x1full
#define INTERRUPTIBILITY_NMI     (1ull << 3)   /* blocking by NMI */
#define INTR_INFO_NMI_UNBLOCKED  (1u << 12)    /* the exit came amid an IRET that unblocked NMIs */
#define VEC_DB 1                       /* debug exception */
#define VEC_AC 17                      /* alignment check */
/* Exceptions that always exit, whatever the VMM asks: delivering them can
 * make the CPU loop in microcode without a VM exit (a #DB during a #DB's
 * delivery, an #AC during an #AC's: CVE-2015-8104, CVE-2015-5307), which
 * would hold the host CPU for good. The kernel reflects them into the
 * guest itself when the VMM did not ask for them, one exit each. */
#define EXC_FORCED ((1u << VEC_DB) | (1u << VEC_AC))
#define ACTIVITY_MAX 3                 /* active, HLT, shutdown, wait-for-SIPI */
#define PIN_VIRTUAL_NMI (1u << 5)
#define MSR_CSTAR 0xc0000083           /* compatibility-mode SYSCALL entry */
#define INVVPID_SINGLE 1
#define VPIDS 65536

/* VMCS encodings of segment n (ES, CS, SS, DS, FS, GS, LDTR, TR: the
 * order of include/l4/vcpu.h) are the ES field's plus 2n. */
#define SEG_FIELD(first, n) ((first) + 2 * (n))

/* The MSRs VT-x does not switch by itself and a guest uses without exits
 * (SYSCALL, SWAPGS): the VM-entry MSR-load and VM-exit MSR-store area is
 * the vCPU's array; the host's values come back from host_msrs on exit
 * (KERNEL_GS_BASE too: it holds the user GS base, 0, while the kernel runs). */
static const uint32_t switched_msr[] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK, MSR_KERNEL_GS_BASE };
#define SWITCHED_MSRS 5
#define HOST_SWITCHED_MSRS 5

struct msr_entry {
	uint32_t index, reserved;
	uint64_t value;
};

static struct msr_entry host_msrs[HOST_SWITCHED_MSRS] __attribute__((aligned(16)));

/* The MSRs a guest reads and writes without exits: while it runs, the CPU
 * holds its values (the VMCS's guest fields, or the MSR areas above) and
 * checks what it writes; the VMM sees them in the MSR group and FS/GS in
 * the segment group. Every other MSR access exits. One bitmap for all
 * vCPUs: read bits for MSRs 0-0x1fff, then 0xc0000000-0xc0001fff, then the
 * same for writes; a set bit exits. */
static const uint32_t guest_owned_msr[] = {
	MSR_SYSENTER_CS, MSR_SYSENTER_ESP, MSR_SYSENTER_EIP, MSR_IA32_PAT, MSR_FS_BASE, MSR_GS_BASE,
	MSR_KERNEL_GS_BASE, MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
};
static uint8_t msr_bitmap[4096] __attribute__((aligned(4096)));

static void msr_bitmap_setup(void)
{
	for (unsigned i = 0; i < sizeof(msr_bitmap); i++)
		msr_bitmap[i] = 0xff;
	for (unsigned i = 0; i < sizeof(guest_owned_msr) / sizeof(guest_owned_msr[0]); i++) {
		uint32_t msr = guest_owned_msr[i], bit = msr & 0x1fff;
		unsigned at = (msr >= 0xc0000000u ? 1024 : 0) + bit / 8;
		msr_bitmap[at] &= (uint8_t)~(1u << (bit % 8));            /* reads */
		msr_bitmap[2048 + at] &= (uint8_t)~(1u << (bit % 8));     /* writes */
	}
}

struct vcpu {
	struct msr_entry msrs[SWITCHED_MSRS];   /* first: 16-byte aligned, as VT-x wants */
	uint64_t vmcs;          /* physical address of the VMCS */
	uint64_t vapic;         /* ... of the virtual-APIC page (TPR shadow: CR8) */
	uint64_t apic_gpa;      /* the guest's APIC page with APIC virtualization, else 0 */
	bool vid;               /* ... with virtual-interrupt delivery */
	uint64_t entry_error;   /* after a failed VM entry: the VM-instruction error */
	uint64_t cr2;           /* the guest's CR2 while the host runs */
	bool launched;          /* VMLAUNCH done: VMRESUME from now on */
	bool entry_failed;      /* the last exit was a failed VM entry */
	bool flush_vpid;        /* the VMM changed paging state: drop the VPID's TLB */
	bool moved;             /* loaded on a CPU it has not entered from since: host
				 * fields, VPID and EPT translations are set at entry */
	uint16_t loaded_cpu;    /* the CPU whose VMPTRLD it had last (VMCS_NOWHERE: clear) */
	uint16_t vpid;          /* 0: none */
	uint32_t exc_vmm;       /* the exceptions the VMM asked to see (its bitmap) */
	uint64_t kernel_exits;  /* exits the kernel handled without the VMM ... */
	uint64_t reflected;     /* ... and of them, exceptions it delivered (EXC_FORCED) */
	/* L4_THREAD_VCPU_POST: for the next entry, from any CPU (atomic). */
	uint64_t async_irr[4];  /* vectors to post */
	uint64_t async_eoi[4];  /* ... of them, with their EOI-exit bit */
	uint32_t async_req;     /* L4_VCPU_REQ_IRQ_WINDOW */
	bool async;             /* something of the above is there */
	uint8_t exit_groups;    /* groups of the current exit's message */
	uint8_t default_mask;
	uint8_t mask[L4_VMEXIT_REASONS];
};

/* The words of each mask of groups (l4_vcpu_words, looked up: exits and
 * replies need it every time). */
#define GROUP_MASKS ((L4_VCPU_ALL | L4_VCPU_APIC) + 1)
static uint8_t group_words[GROUP_MASKS];

static uint64_t preemption_ticks;   /* one scheduler tick, in VMX-preemption-timer units */
static uint64_t cr0_forced, cr4_forced, cr0_allowed, cr4_allowed;
static uint64_t vpid_used[VPIDS / 64];

NORETURN void vmx_enter(arch_regs *guest, int launched);
NORETURN void vcpu_exited(void);
NORETURN void vcpu_entry_failed(void);
extern char vmx_exit_entry[];
void desc_tables_reload(void);

#define current_vmcs (this_arch->current_vmcs)

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

/*
 * A VMCS is active on one CPU at a time (SDM 24.1): the CPU that loaded it
 * last, until a VMCLEAR there. Every use goes through vmcs_take, which
 * clears it on that other CPU first (a remote call: the kernel lock is
 * held on every path that can get here from another CPU) and loads it
 * here; its next entry then launches it again with this CPU's host fields.
 */
#define VMCS_NOWHERE 0xffff

static void vmcs_release_here(void *arg)
{
	struct vcpu *v = arg;

	vmclear(v->vmcs);
	v->loaded_cpu = VMCS_NOWHERE;
	v->launched = false;
}

/* Cleared wherever it is loaded: here, or on another CPU by remote call. */
static void vmcs_release(struct vcpu *v)
{
	if (v->loaded_cpu == this_cpu->id)
		vmcs_release_here(v);
	else if (v->loaded_cpu != VMCS_NOWHERE)
		smp_call(v->loaded_cpu, vmcs_release_here, v);
}

static bool __attribute__((noinline)) vmcs_take_slow(struct vcpu *v)
{
	if (v->loaded_cpu != this_cpu->id) {
		vmcs_release(v);
		v->loaded_cpu = (uint16_t)this_cpu->id;
		v->moved = true;
	}
	return vmptrld(v->vmcs);
}

/* The common case inline: loaded here, and the current VMCS. */
static inline __attribute__((always_inline)) bool vmcs_take(struct vcpu *v)
{
	if (v->vmcs == current_vmcs && v->loaded_cpu == this_cpu->id)
		return true;
	return vmcs_take_slow(v);
}

void vcpu_unload(struct thread *t)
{
	struct vcpu *v = t->vcpu;

	if (v && v->loaded_cpu == this_cpu->id)
		vmcs_release_here(v);
}

bool vcpu_loaded_here(const struct thread *t)
{
	return ((const struct vcpu *)t->vcpu)->loaded_cpu == this_cpu->id;
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

/* The host fields that differ between CPUs: this CPU's struct percpu
 * (GS), TSS, GDT and kernel stack (every exit: a fresh stack). */
static void host_state_cpu(void)
{
	struct percpu *c = cpu_self();

	vmwrite(HOST_GS_BASE, (uintptr_t)c);
	vmwrite(HOST_TR_BASE, (uintptr_t)&c->arch.tss_io);
	vmwrite(HOST_GDTR_BASE, (uintptr_t)c->arch.gdt);
	vmwrite(HOST_RSP, c->arch.kstack_top);
}

static void host_state(void)
{
	struct gdt_ptr idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	/* Every entry runs with the FPU the guest's, CR0.TS clear (vcpu_run),
	 * and fpu_ts_set says so at the exit: the host CR0 must not bring back
	 * a TS that was set when this VMCS was made, or the next FPU save in
	 * the kernel raises #NM in ring 0. */
	vmwrite(HOST_CR0, read_cr0() & ~CR0_TS);
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
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(HOST_RIP, (uintptr_t)vmx_exit_entry);
	host_state_cpu();
}

/* A guest control register: what the guest reads (shadow) is what it or
 * its VMM wrote; the register itself also has the bits VMX forces. */
static void write_guest_cr(uint32_t field, uint32_t shadow, uint64_t v, uint64_t forced, uint64_t allowed)
{
	vmwrite(shadow, v);
	vmwrite(field, (v | forced) & allowed);
}

static uint64_t read_guest_cr(uint32_t field, uint32_t shadow, uint64_t forced)
{
	return (vmread(field) & ~forced) | (vmread(shadow) & forced);
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
	vmwrite(VMCS_CR0_MASK, cr0_forced);
	vmwrite(VMCS_CR4_MASK, cr4_forced);
	write_guest_cr(GUEST_CR0, VMCS_CR0_SHADOW, 0, cr0_forced, cr0_allowed);
	write_guest_cr(GUEST_CR4, VMCS_CR4_SHADOW, 0, cr4_forced, cr4_allowed);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_DR7, DR7_INIT);
	vmwrite(GUEST_RFLAGS, RFLAGS_RESERVED1);
	vmwrite(GUEST_RIP, ip);
	vmwrite(GUEST_RSP, sp);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(VMCS_ENTRY_CONTROLS, vmread(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST);
	vmwrite(GUEST_IA32_PAT, PAT_DEFAULT);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
}

static void vcpu_setup_statics(void)
{
	if (cr0_allowed)
		return;
	/* Unrestricted guests may clear PE and PG; NE stays forced on. */
	cr0_forced = (rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG)) | CR0_NE;
	cr0_allowed = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4_forced = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	cr4_allowed = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	for (unsigned i = 0; i < HOST_SWITCHED_MSRS; i++)
		host_msrs[i] = (struct msr_entry){ switched_msr[i], 0, rdmsr(switched_msr[i]) };
	msr_bitmap_setup();
	for (unsigned m = 0; m < GROUP_MASKS; m++)
		group_words[m] = (uint8_t)l4_vcpu_words(m);
}

/* Registers of the virtual-APIC page, as the local APIC's page lays them
 * out: the virtual TPR (CR8 << 4), PPR, and the ISR and IRR, 8 32-bit
 * registers each, 16 bytes apart. */
#define VAPIC_TPR 0x80
#define VAPIC_PPR 0xa0
#define VAPIC_ISR 0x100
#define VAPIC_IRR 0x200

static uint32_t *vapic_reg(struct vcpu *v, unsigned offset)
{
	return (uint32_t *)((uint8_t *)phys_to_virt(v->vapic) + offset);
}

/* Word k (vectors 64k..64k+63) of the 256-bit set at base (ISR, IRR). */
static uint64_t vapic_words_get(struct vcpu *v, unsigned base, unsigned k)
{
	return *vapic_reg(v, base + 32 * k) | (uint64_t)*vapic_reg(v, base + 32 * k + 16) << 32;
}

static void vapic_words_put(struct vcpu *v, unsigned base, unsigned k, uint64_t w)
{
	*vapic_reg(v, base + 32 * k) = (uint32_t)w;
	*vapic_reg(v, base + 32 * k + 16) = (uint32_t)(w >> 32);
}

static uint8_t *vtpr(struct vcpu *v)
{
	return (uint8_t *)vapic_reg(v, VAPIC_TPR);
}

/* A VPID of its own for the vCPU's TLB entries (0: none left, or no VPIDs). */
static uint16_t vpid_alloc(void)
{
	if (!cpu.vmx.vpid)
		return 0;
	for (unsigned w = 0; w < ARRAY_SIZE(vpid_used); w++) {
		if (vpid_used[w] == ~0ull)
			continue;
		unsigned b = (unsigned)__builtin_ctzll(~vpid_used[w]);
		uint16_t vpid = (uint16_t)(w * 64 + b);
		vpid_used[w] |= 1ull << b;
		if (!vpid)
			continue;           /* VPID 0 is the host's: taken, look on */
		return vpid;
	}
	return 0;
}

static void invvpid(uint16_t vpid)
{
	struct { uint64_t vpid, addr; } desc = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"((uint64_t)INVVPID_SINGLE) : "cc", "memory");
}

int vcpu_create(struct thread *t, struct quota *q)
{
	if (!vmx_on)
		return L4_ENOSYS;
	vcpu_setup_statics();
	struct vcpu *v = kmem_alloc(q, sizeof(*v));
	if (!v)
		return L4_ENOMEM;
	memset(v, 0, sizeof(*v));
	v->vmcs = kmem_page_alloc(q);
	v->vapic = v->vmcs ? kmem_page_alloc(q) : 0;
	if (!v->vapic) {
		if (v->vmcs)
			kmem_page_free(q, v->vmcs);
		kmem_free(q, v, sizeof(*v));
		return L4_ENOMEM;
	}
	*(uint32_t *)phys_to_virt(v->vmcs) = cpu.vmx.revision;
	vmclear(v->vmcs);
	v->loaded_cpu = VMCS_NOWHERE;
	if (!vmcs_take(v)) {
		kmem_page_free(q, v->vapic);
		kmem_page_free(q, v->vmcs);
		kmem_free(q, v, sizeof(*v));
		return L4_EINVAL;
	}
	v->default_mask = L4_VCPU_GPR;
	for (unsigned i = 0; i < SWITCHED_MSRS; i++)
		v->msrs[i].index = switched_msr[i];
	/* Interrupts exit; the preemption timer also ends a guest's turn every
	 * tick, so a spinning guest never holds the CPU past its slice. */
	vmwrite(VMCS_PIN_CONTROLS, control(MSR_IA32_VMX_PINBASED, MSR_IA32_VMX_TRUE_PINBASED,
					   PIN_EXTERNAL_INTERRUPT | PIN_NMI | PIN_VIRTUAL_NMI |
					   (cpu.vmx.preemption_timer ? PIN_PREEMPTION_TIMER : 0)));
	/* Every I/O port, MSR access but the guest's own (msr_bitmap),
	 * debug-register access and HLT exits: no guest reaches a host
	 * resource. So do MONITOR/MWAIT (they would idle the host CPU in the
	 * guest's hands), RDPMC (the host's performance counters) and WBINVD
	 * (a whole-cache flush, seconds on a big machine). CR8 is the TPR
	 * shadow's (the virtual-APIC page): it exits only when the guest lowers
	 * it below the VMM's TPR threshold. */
	vmwrite(VMCS_PROC_CONTROLS, control(MSR_IA32_VMX_PROCBASED, MSR_IA32_VMX_TRUE_PROCBASED,
					    PROC_HLT | PROC_MOV_DR | PROC_UNCONDITIONAL_IO | PROC_MSR_BITMAP |
					    PROC_MWAIT | PROC_RDPMC | PROC_MONITOR |
					    PROC_TPR_SHADOW | PROC_SECONDARY) &
				    ~(PROC_CR3_LOAD | PROC_CR3_STORE | PROC_CR8_LOAD | PROC_CR8_STORE));
	vmwrite(VMCS_MSR_BITMAP, virt_to_phys(msr_bitmap));
	vmwrite(VMCS_VIRTUAL_APIC, v->vapic);
	vmwrite(VMCS_TPR_THRESHOLD, 0);
	v->vpid = vpid_alloc();
	/* A guest that spins on PAUSE (a lock, an IPI's answer) for longer
	 * than PLE_WINDOW exits, and the kernel lets the other threads of its
	 * priority on this CPU run first (vcpu_handle): the vCPU it waits for
	 * may be one of them. PLE_GAP and PLE_WINDOW are KVM's defaults, in TSC
	 * ticks (KVM grows the window; this one stays). */
	vmwrite(VMCS_PROC_CONTROLS2, control(MSR_IA32_VMX_PROCBASED2, MSR_IA32_VMX_PROCBASED2,
					     PROC2_EPT | PROC2_UNRESTRICTED | PROC2_WBINVD |
					     (v->vpid ? PROC2_VPID : 0) |
					     (cpu.vmx.pause_loop ? PROC2_PAUSE_LOOP : 0)));
	if (cpu.vmx.pause_loop) {
		vmwrite(VMCS_PLE_GAP, 128);
		vmwrite(VMCS_PLE_WINDOW, 4096);
	}
	if (v->vpid) {
		vmwrite(VMCS_VPID, v->vpid);
		invvpid(v->vpid);        /* nothing of an earlier owner of the VPID stays */
	}
	vmwrite(VMCS_EXIT_CONTROLS, control(MSR_IA32_VMX_EXIT, MSR_IA32_VMX_TRUE_EXIT,
					    EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT |
					    EXIT_SAVE_EFER | EXIT_LOAD_EFER | EXIT_SAVE_DEBUG));
	vmwrite(VMCS_ENTRY_CONTROLS, control(MSR_IA32_VMX_ENTRY, MSR_IA32_VMX_TRUE_ENTRY,
					     ENTRY_LOAD_PAT | ENTRY_LOAD_EFER | ENTRY_LOAD_DEBUG));
	vmwrite(VMCS_ENTRY_MSR_LOAD, virt_to_phys(v->msrs));
	vmwrite(VMCS_ENTRY_MSR_LOAD_COUNT, SWITCHED_MSRS);
	vmwrite(VMCS_EXIT_MSR_STORE, virt_to_phys(v->msrs));
	vmwrite(VMCS_EXIT_MSR_STORE_COUNT, SWITCHED_MSRS);
	vmwrite(VMCS_EXIT_MSR_LOAD, virt_to_phys(host_msrs));
	vmwrite(VMCS_EXIT_MSR_LOAD_COUNT, HOST_SWITCHED_MSRS);
	vmwrite(VMCS_EXCEPTION_BITMAP, EXC_FORCED);
	vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmwrite(VMCS_EPT_POINTER, ept_pointer(t->task->space.root));
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
	vmcs_release(v);
	if (v->vpid)
		vpid_used[v->vpid / 64] &= ~(1ull << (v->vpid % 64));
	kmem_page_free(q, v->vapic);
	kmem_page_free(q, v->vmcs);
	kmem_free(q, v, sizeof(*v));
	t->vcpu = NULL;
}

unsigned vcpu_info(struct thread *t, uint64_t *w)
{
	const struct vcpu *v = t->vcpu;

	w[0] = v->kernel_exits;
	w[1] = v->reflected;
	return 2;
}

uint64_t vcpu_bytes(const struct thread *t)
{
	return t->vcpu ? kmem_size(sizeof(struct vcpu)) + 2 * PAGE_SIZE : 0;   /* + VMCS, vAPIC */
}

static struct vcpu *vcpu_load(struct thread *t)
{
	struct vcpu *v = t->vcpu;

	vmcs_take(v);
	return v;
}

bool vcpu_set_ip_sp(struct thread *t, uint64_t ip, uint64_t sp)
{
	struct vcpu *v = t->vcpu;

	if (!vmcs_take(v))
		return false;
	guest_real_mode(ip, sp);
	v->flush_vpid = true;
	return true;
}

/* The register block (thread.h) between the guest's saved GPRs and its
 * VMCS, which must be current. */
static void gprs_to_words(struct thread *t, uint64_t *w)
{
	regs_to_words(&t->regs, w);
	w[L4_REG_RIP] = vmread(GUEST_RIP);
	w[L4_REG_RSP] = vmread(GUEST_RSP);
	w[L4_REG_RFLAGS] = vmread(GUEST_RFLAGS);
}

static void gprs_from_words(struct thread *t, const uint64_t *w)
{
	arch_regs *r = &t->regs;

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
	vmwrite(GUEST_RFLAGS, (w[L4_REG_RFLAGS] & RFLAGS_GUEST) | RFLAGS_RESERVED1);
}

void vcpu_regs_to_words(struct thread *t, uint64_t *w)
{
	vcpu_load(t);
	gprs_to_words(t, w);
}

void vcpu_regs_from_words(struct thread *t, const uint64_t *w)
{
	vcpu_load(t);
	gprs_from_words(t, w);
}

/* An event the VM entry takes (SDM 26.2.1.3; Bochs stops the whole machine
 * at some it does not): a known type, NMI as vector 2, exceptions up to
 * 31, an error code only with the exceptions that have one. (Whether an
 * exception that has one must deliver it depends on CR0.PE: a failed entry
 * tells the VMM.) Without the valid bit nothing is injected. */
#define INTR_TYPE_NMI     2
#define INTR_TYPE_HW_EXC  3
#define ERROR_CODE_VECTORS ((1u << 8) | (0x1fu << 10) | (1u << 17))   /* #DF, #TS-#PF, #AC */

static bool event_ok(uint64_t info)
{
	unsigned type = INTR_INFO_TYPE(info), vector = info & 0xff;

	if (!(info & INTR_INFO_VALID) || !(info & ~(uint64_t)(INTR_INFO_VALID | 0xff)))
		return true;        /* none, or an external interrupt: the common ones */
	if ((info & ~(uint64_t)INTR_INFO_ENTRY) || type == 1 || type == 7 ||
	    (type == INTR_TYPE_NMI && vector != 2) || (type == INTR_TYPE_HW_EXC && vector > 31))
		return false;
	return !(info & INTR_INFO_ERROR) || (type == INTR_TYPE_HW_EXC && (ERROR_CODE_VECTORS >> vector & 1));
}

/* An event for the next VM entry (VM-entry interruption information). */
static void inject(uint64_t info, uint64_t error)
{
	vmwrite(VMCS_ENTRY_INTR_INFO, (uint32_t)info & INTR_INFO_ENTRY);
	vmwrite(VMCS_ENTRY_EXC_ERROR, (uint32_t)error);
	if (INTR_INFO_TYPE(info) >= INTR_TYPE_SW_INT)    /* soft events: past the instruction */
		vmwrite(VMCS_ENTRY_INSTR_LEN, vmread(VMCS_EXIT_INSTR_LEN));
}

/* The groups (include/l4/vcpu.h) in mask groups, to w; returns the words. */
static unsigned vcpu_state_read(struct thread *t, unsigned groups, uint64_t *w)
{
	struct vcpu *v = vcpu_load(t);
	uint64_t *start = w;

	if (groups & L4_VCPU_GPR) {
		gprs_to_words(t, w);
		w += L4_VCPU_GPR_WORDS;
	}
	if (groups & L4_VCPU_CR) {
		w[L4_CR_CR0] = read_guest_cr(GUEST_CR0, VMCS_CR0_SHADOW, cr0_forced);
		w[L4_CR_CR2] = v->cr2;
		w[L4_CR_CR3] = vmread(GUEST_CR3);
		w[L4_CR_CR4] = read_guest_cr(GUEST_CR4, VMCS_CR4_SHADOW, cr4_forced);
		w[L4_CR_DR7] = vmread(GUEST_DR7);
		w[L4_CR_EFER] = vmread(GUEST_IA32_EFER);
		w[L4_CR_TPR] = L4_TPR(*vtpr(v) >> 4, vmread(VMCS_TPR_THRESHOLD));
		w += L4_VCPU_CR_WORDS;
	}
	if (groups & L4_VCPU_SEG) {
		for (unsigned n = 0; n <= L4_SEG_TR; n++) {
			w[2 * n] = L4_SEG_WORD(vmread(SEG_FIELD(GUEST_ES_SEL, n)),
					       AR_PACK(vmread(SEG_FIELD(GUEST_ES_AR, n))),
					       vmread(SEG_FIELD(GUEST_ES_LIMIT, n)));
			w[2 * n + 1] = vmread(SEG_FIELD(GUEST_ES_BASE, n));
		}
		w += L4_VCPU_SEG_WORDS;
	}
	if (groups & L4_VCPU_DT) {
		w[L4_DT_GDTR_BASE] = vmread(GUEST_GDTR_BASE);
		w[L4_DT_GDTR_LIMIT] = vmread(GUEST_GDTR_LIMIT);
		w[L4_DT_IDTR_BASE] = vmread(GUEST_IDTR_BASE);
		w[L4_DT_IDTR_LIMIT] = vmread(GUEST_IDTR_LIMIT);
		w += L4_VCPU_DT_WORDS;
	}
	if (groups & L4_VCPU_INTR) {
		w[L4_INTR_INTERRUPTIBILITY] = vmread(GUEST_INTERRUPTIBILITY);
		w[L4_INTR_ACTIVITY] = vmread(GUEST_ACTIVITY);
		w[L4_INTR_PENDING_DBG] = vmread(GUEST_PENDING_DBG);
		w[L4_INTR_EXIT_INFO] = vmread(VMCS_EXIT_INTR_INFO);
		w[L4_INTR_EXIT_ERROR] = vmread(VMCS_EXIT_INTR_ERROR);
		w[L4_INTR_IDT_INFO] = vmread(VMCS_IDT_VECTORING_INFO);
		w[L4_INTR_IDT_ERROR] = vmread(VMCS_IDT_VECTORING_ERROR);
		w += L4_VCPU_INTR_WORDS;
	}
	if (groups & L4_VCPU_MSR) {
		w[L4_MSR_SYSENTER_CS] = vmread(GUEST_SYSENTER_CS);
		w[L4_MSR_SYSENTER_ESP] = vmread(GUEST_SYSENTER_ESP);
		w[L4_MSR_SYSENTER_EIP] = vmread(GUEST_SYSENTER_EIP);
		w[L4_MSR_PAT] = vmread(GUEST_IA32_PAT);
		for (unsigned i = 0; i < SWITCHED_MSRS; i++)
			w[L4_MSR_STAR + i] = v->msrs[i].value;
		w += L4_VCPU_MSR_WORDS;
	}
	if (groups & L4_VCPU_APIC) {                 /* (zeros without VID) */
		bool vid = v->vid;
		w[L4_APIC_STATUS] = vid ? vmread(GUEST_INTR_STATUS) : 0;
		for (unsigned k = 0; k < 4; k++) {
			w[L4_APIC_EOI_EXIT + k] = vid ? vmread(VMCS_EOI_EXIT0 + 2 * k) : 0;
			w[L4_APIC_IRR + k] = vid ? vapic_words_get(v, VAPIC_IRR, k) : 0;
			w[L4_APIC_ISR + k] = vid ? vapic_words_get(v, VAPIC_ISR, k) : 0;
		}
		w += L4_VCPU_APIC_WORDS;
	}
	return (unsigned)(w - start);
}

int vcpu_read(struct thread *t, uint64_t *mr, unsigned *words)
{
	if (mr[0] >= GROUP_MASKS || group_words[mr[0]] >= L4_MR_COUNT)
		return L4_EINVAL;
	*words = 1 + vcpu_state_read(t, (unsigned)mr[0], &mr[1]);
	return L4_OK;
}

/* The virtual PPR from the virtual TPR and SVI (SDM 29.1.3). */
static void vppr_update(struct vcpu *v)
{
	uint32_t tpr = *vtpr(v), svi = (uint32_t)(vmread(GUEST_INTR_STATUS) >> 8) & 0xff;

	*vapic_reg(v, VAPIC_PPR) = (tpr >> 4) >= (svi >> 4) ? tpr : svi & 0xf0;
}

/* Vector vec to the virtual IRR (and RVI), its EOI-exit bit as asked. */
static void post(struct vcpu *v, unsigned vec, bool eoi_exit)
{
	uint64_t status = vmread(GUEST_INTR_STATUS), eoi = vmread(VMCS_EOI_EXIT0 + 2 * (vec / 64));

	*vapic_reg(v, VAPIC_IRR + 16 * (vec / 32)) |= 1u << (vec % 32);
	if (vec > (status & 0xff))
		vmwrite(GUEST_INTR_STATUS, (status & 0xff00) | vec);
	eoi = eoi_exit ? eoi | 1ull << (vec % 64) : eoi & ~(1ull << (vec % 64));
	vmwrite(VMCS_EOI_EXIT0 + 2 * (vec / 64), eoi);
}

int vcpu_post_async(struct thread *t, uint64_t w)
{
	struct vcpu *v = t->vcpu;
	uint64_t known = L4_VCPU_POST(0xff, true) | L4_VCPU_REQ_IRQ_WINDOW;
	unsigned vec = L4_VCPU_POST_VECTOR(w);

	if ((w & ~known) || !(w & (L4_VCPU_REQ_POST | L4_VCPU_REQ_IRQ_WINDOW)) ||
	    ((w & L4_VCPU_REQ_POST) && vec < 16) || ((w & L4_VCPU_REQ_EOI_EXIT) && !(w & L4_VCPU_REQ_POST)))
		return L4_EMSG;
	if ((w & L4_VCPU_REQ_POST) && !v->vid)
		return L4_ENOSYS;
	if (w & L4_VCPU_REQ_POST) {
		uint64_t bit = 1ull << (vec % 64);
		if (w & L4_VCPU_REQ_EOI_EXIT)
			__atomic_or_fetch(&v->async_eoi[vec / 64], bit, __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&v->async_eoi[vec / 64], ~bit, __ATOMIC_RELAXED);
		__atomic_or_fetch(&v->async_irr[vec / 64], bit, __ATOMIC_RELAXED);
	}
	if (w & L4_VCPU_REQ_IRQ_WINDOW)
		__atomic_or_fetch(&v->async_req, L4_VCPU_REQ_IRQ_WINDOW, __ATOMIC_RELAXED);
	__atomic_store_n(&v->async, true, __ATOMIC_RELEASE);
	/* In the guest on another CPU now: out (an external-interrupt exit)
	 * and in again; else its next entry takes it. */
	if (t->pcpu != cpu_self() && __atomic_load_n(&t->pcpu->current, __ATOMIC_RELAXED) == t)
		smp_kick(t->pcpu->id);
	return L4_OK;
}

/* At entry (the VMCS loaded): what VCPU_POST left. */
static void __attribute__((noinline)) take_async(struct vcpu *v)
{
	__atomic_store_n(&v->async, false, __ATOMIC_RELAXED);
	for (unsigned k = 0; k < 4; k++) {
		uint64_t irr = __atomic_exchange_n(&v->async_irr[k], 0, __ATOMIC_ACQUIRE);
		uint64_t eoi = __atomic_load_n(&v->async_eoi[k], __ATOMIC_RELAXED);
		for (; irr && v->vid; irr &= irr - 1) {
			unsigned b = (unsigned)__builtin_ctzll(irr);
			post(v, 64 * k + b, eoi >> b & 1);
		}
	}
	if (__atomic_exchange_n(&v->async_req, 0, __ATOMIC_ACQUIRE) & L4_VCPU_REQ_IRQ_WINDOW)
		vmwrite(VMCS_PROC_CONTROLS, vmread(VMCS_PROC_CONTROLS) | PROC_IRQ_WINDOW);
}

int vcpu_state_write(struct thread *t, const uint64_t *w, unsigned words)
{
	const uint64_t *reply = w;
	uint64_t head = words ? w[L4_VCPU_REPLY_GROUPS] : 0;
	unsigned groups = head & (L4_VCPU_ALL | L4_VCPU_APIC);
	uint32_t requests = (uint32_t)(head & (L4_VCPU_REQ_IRQ_WINDOW | L4_VCPU_REQ_NMI_WINDOW));

	if (words && !event_ok(w[L4_VCPU_REPLY_INJECT]))
		return L4_EMSG;
	/* The common reply (the fast path's): the registers, maybe an event. */
	if (head == L4_VCPU_GPR && words == L4_VCPU_REPLY_STATE + L4_VCPU_GPR_WORDS) {
		vcpu_load(t);
		gprs_from_words(t, &w[L4_VCPU_REPLY_STATE]);
		if (w[L4_VCPU_REPLY_INJECT])
			inject(w[L4_VCPU_REPLY_INJECT], w[L4_VCPU_REPLY_ERROR]);
		return L4_OK;
	}
	/* (The virtual interrupt state exists with virtual-interrupt delivery.) */
	struct vcpu *v = t->vcpu;
	uint64_t known = L4_VCPU_ALL | L4_VCPU_REQ_IRQ_WINDOW | L4_VCPU_REQ_NMI_WINDOW |
			 (v->vid ? L4_VCPU_APIC | L4_VCPU_POST(0xff, true) : 0);
	if ((head & ~known) || words != L4_VCPU_REPLY_STATE + (unsigned)group_words[groups])
		return L4_EMSG;
	if ((head & L4_VCPU_REQ_POST) && L4_VCPU_POST_VECTOR(head) < 16)
		return L4_EMSG;       /* vectors 0-15 are exceptions */
	vcpu_load(t);
	if ((requests & L4_VCPU_REQ_NMI_WINDOW) && !(vmread(VMCS_PIN_CONTROLS) & PIN_VIRTUAL_NMI))
		return L4_ENOSYS;    /* NMI windows need virtual NMIs */
	w += L4_VCPU_REPLY_STATE;
	if (groups & L4_VCPU_GPR) {
		gprs_from_words(t, w);
		w += L4_VCPU_GPR_WORDS;
	}
	if (groups & L4_VCPU_CR) {
		/* (A VMM that changes only CR8, the threshold or CR2 keeps the TLB.) */
		bool paging = w[L4_CR_CR0] != read_guest_cr(GUEST_CR0, VMCS_CR0_SHADOW, cr0_forced) ||
			      w[L4_CR_CR3] != vmread(GUEST_CR3) || w[L4_CR_EFER] != vmread(GUEST_IA32_EFER) ||
			      w[L4_CR_CR4] != read_guest_cr(GUEST_CR4, VMCS_CR4_SHADOW, cr4_forced);
		write_guest_cr(GUEST_CR0, VMCS_CR0_SHADOW, w[L4_CR_CR0], cr0_forced, cr0_allowed);
		v->cr2 = w[L4_CR_CR2];
		vmwrite(GUEST_CR3, w[L4_CR_CR3]);
		write_guest_cr(GUEST_CR4, VMCS_CR4_SHADOW, w[L4_CR_CR4], cr4_forced, cr4_allowed);
		vmwrite(GUEST_DR7, w[L4_CR_DR7]);
		vmwrite(GUEST_IA32_EFER, w[L4_CR_EFER]);
		*vtpr(v) = (uint8_t)(L4_TPR_CR8(w[L4_CR_TPR]) << 4);
		vmwrite(VMCS_TPR_THRESHOLD, L4_TPR_THRESHOLD(w[L4_CR_TPR]));
		if (v->vid)
			vppr_update(v);      /* (VM entry evaluates posted interrupts by it) */
		/* The entry control says whether the guest is in long mode: EFER.LMA. */
		uint64_t entry = vmread(VMCS_ENTRY_CONTROLS) & ~ENTRY_IA32E_GUEST;
		vmwrite(VMCS_ENTRY_CONTROLS, entry | (w[L4_CR_EFER] & EFER_LMA ? ENTRY_IA32E_GUEST : 0));
		v->flush_vpid |= paging;    /* the guest did not switch paging itself */
		w += L4_VCPU_CR_WORDS;
	}
	if (groups & L4_VCPU_SEG) {
		for (unsigned n = 0; n <= L4_SEG_TR; n++) {
			vmwrite(SEG_FIELD(GUEST_ES_SEL, n), w[2 * n] & 0xffff);
			vmwrite(SEG_FIELD(GUEST_ES_AR, n), AR_UNPACK(w[2 * n] >> 16));
			vmwrite(SEG_FIELD(GUEST_ES_LIMIT, n), w[2 * n] >> 32);
			vmwrite(SEG_FIELD(GUEST_ES_BASE, n), w[2 * n + 1]);
		}
		w += L4_VCPU_SEG_WORDS;
	}
	if (groups & L4_VCPU_DT) {
		vmwrite(GUEST_GDTR_BASE, w[L4_DT_GDTR_BASE]);
		vmwrite(GUEST_GDTR_LIMIT, w[L4_DT_GDTR_LIMIT] & 0xffff);
		vmwrite(GUEST_IDTR_BASE, w[L4_DT_IDTR_BASE]);
		vmwrite(GUEST_IDTR_LIMIT, w[L4_DT_IDTR_LIMIT] & 0xffff);
		w += L4_VCPU_DT_WORDS;
	}
	if (groups & L4_VCPU_INTR) {
		vmwrite(GUEST_INTERRUPTIBILITY, w[L4_INTR_INTERRUPTIBILITY] & INTERRUPTIBILITY_VALID);
		vmwrite(GUEST_ACTIVITY, w[L4_INTR_ACTIVITY] <= ACTIVITY_MAX ? w[L4_INTR_ACTIVITY] : 0);
		vmwrite(GUEST_PENDING_DBG, w[L4_INTR_PENDING_DBG]);
		w += L4_VCPU_INTR_WORDS;
	}
	if (groups & L4_VCPU_MSR) {
		vmwrite(GUEST_SYSENTER_CS, w[L4_MSR_SYSENTER_CS] & 0xffffffff);
		vmwrite(GUEST_SYSENTER_ESP, w[L4_MSR_SYSENTER_ESP]);
		vmwrite(GUEST_SYSENTER_EIP, w[L4_MSR_SYSENTER_EIP]);
		vmwrite(GUEST_IA32_PAT, w[L4_MSR_PAT]);
		for (unsigned i = 0; i < SWITCHED_MSRS; i++)
			v->msrs[i].value = w[L4_MSR_STAR + i];
		w += L4_VCPU_MSR_WORDS;
	}
	if (groups & L4_VCPU_APIC) {
		vmwrite(GUEST_INTR_STATUS, w[L4_APIC_STATUS] & 0xffff);
		for (unsigned k = 0; k < 4; k++) {
			vmwrite(VMCS_EOI_EXIT0 + 2 * k, w[L4_APIC_EOI_EXIT + k]);
			vapic_words_put(v, VAPIC_IRR, k, w[L4_APIC_IRR + k]);
			vapic_words_put(v, VAPIC_ISR, k, w[L4_APIC_ISR + k]);
		}
		vppr_update(v);
	}
	if (head & L4_VCPU_REQ_POST)
		post(v, L4_VCPU_POST_VECTOR(head), head & L4_VCPU_REQ_EOI_EXIT);
	if (requests)
		vmwrite(VMCS_PROC_CONTROLS, vmread(VMCS_PROC_CONTROLS) |
			(requests & L4_VCPU_REQ_IRQ_WINDOW ? PROC_IRQ_WINDOW : 0) |
			(requests & L4_VCPU_REQ_NMI_WINDOW ? PROC_NMI_WINDOW : 0));
	if (reply[L4_VCPU_REPLY_INJECT])
		inject(reply[L4_VCPU_REPLY_INJECT], reply[L4_VCPU_REPLY_ERROR]);
	return L4_OK;
}

/* A transfer mask: known groups that fit the exit message's registers. */
static bool exit_mask_ok(uint64_t m)
{
	return m < GROUP_MASKS && group_words[m] <= L4_VMEXIT_MAX_STATE;
}

int vcpu_config(struct thread *t, const uint64_t *w, unsigned words)
{
	struct vcpu *v = vcpu_load(t);

	if (words < 2 || words > 2 + L4_VMEXIT_REASONS || (w[0] >> 32) || !exit_mask_ok(w[1]))
		return L4_EINVAL;
	for (unsigned r = 0; r + 2 < words; r++)
		if (!exit_mask_ok(w[2 + r]))
			return L4_EINVAL;
	vmwrite(VMCS_EXCEPTION_BITMAP, w[0] | EXC_FORCED);
	v->exc_vmm = (uint32_t)w[0];
	v->default_mask = (uint8_t)w[1];
	for (unsigned r = 0; r < L4_VMEXIT_REASONS; r++)
		v->mask[r] = r + 2 < words ? (uint8_t)w[2 + r] : 0;
	return L4_OK;
}

/* L4_THREAD_VCPU_APIC: APIC virtualization at guest-physical w & ~0xfff, or off. */
int vcpu_apic(struct thread *t, uint64_t w)
{
	uint64_t gpa = w & ~0xfffull, hpa = 0;

	if ((w & 0xfff & ~(uint64_t)L4_VAPIC_VID) || (w && !gpa))
		return L4_EINVAL;
	if (!cpu.vmx.apic_access || ((w & L4_VAPIC_VID) && !cpu.vmx.virtual_interrupts))
		return L4_ENOSYS;
	if (gpa && !space_lookup(&t->task->space, gpa, &hpa, NULL))
		return L4_EFAULT;
	struct vcpu *v = vcpu_load(t);
	uint64_t proc2 = vmread(VMCS_PROC_CONTROLS2) & ~(uint64_t)(PROC2_APIC_ACCESS | PROC2_VID);
	if (gpa) {
		vmwrite(VMCS_APIC_ACCESS, hpa);
		proc2 |= PROC2_APIC_ACCESS | (w & L4_VAPIC_VID ? PROC2_VID : 0);
	}
	vmwrite(VMCS_PROC_CONTROLS2, proc2);
	v->apic_gpa = gpa;
	v->vid = gpa && (w & L4_VAPIC_VID);
	return L4_OK;
}

unsigned vcpu_exit_words(struct thread *t, uint64_t reason)
{
	struct vcpu *v = t->vcpu;
	unsigned r = reason & 0xffff;
	unsigned m = r < L4_VMEXIT_REASONS ? v->mask[r] : 0;

	v->exit_groups = (uint8_t)(m ? m : v->default_mask);
	return L4_VMEXIT_STATE + group_words[v->exit_groups];
}

/* The exit fields stay in the VMCS until the vCPU's next exit, which cannot
 * come before its VMM has the message: read them only for the message. */
void vcpu_exit_info(struct thread *t, uint64_t *mr)
{
	struct vcpu *v = t->vcpu;

	vcpu_state_read(t, v->exit_groups, &mr[L4_VMEXIT_STATE]);   /* (makes the VMCS current) */
	mr[L4_VMEXIT_QUAL] = v->entry_failed ? v->entry_error : vmread(VMCS_EXIT_QUALIFICATION);
	mr[L4_VMEXIT_ILEN] = vmread(VMCS_EXIT_INSTR_LEN);
	mr[L4_VMEXIT_GPA] = vmread(GUEST_PHYSICAL_ADDR);
	mr[L4_VMEXIT_GLA] = vmread(GUEST_LINEAR_ADDR);
	mr[L4_VMEXIT_GROUPS] = v->exit_groups | (uint64_t)(*vtpr(v) >> 4) << 8;   /* + CR8 */
	if (v->apic_gpa) {
		if (mr[L4_VMEXIT_REASON] == L4_VMEXIT_APIC_ACCESS)   /* where, as for an EPT violation */
			mr[L4_VMEXIT_GPA] = v->apic_gpa + (mr[L4_VMEXIT_QUAL] & 0xfff);
		else if (mr[L4_VMEXIT_REASON] == L4_VMEXIT_APIC_WRITE)   /* what the guest wrote */
			mr[L4_VMEXIT_QUAL] |= (uint64_t)*vapic_reg(v, mr[L4_VMEXIT_QUAL] & 0xff0) << 32;
	}
}

/* After an exit: what the hardware left that the kernel must finish. */
static void after_exit(uint64_t reason)
{
	/* An event whose delivery the exit cut short is delivered again. */
	uint32_t idt = (uint32_t)vmread(VMCS_IDT_VECTORING_INFO);
	if (idt & INTR_INFO_VALID) {
		vmwrite(VMCS_ENTRY_INTR_INFO, idt & INTR_INFO_ENTRY);
		if (idt & INTR_INFO_ERROR)
			vmwrite(VMCS_ENTRY_EXC_ERROR, vmread(VMCS_IDT_VECTORING_ERROR));
		if (INTR_INFO_TYPE(idt) >= INTR_TYPE_SW_INT)
			vmwrite(VMCS_ENTRY_INSTR_LEN, vmread(VMCS_EXIT_INSTR_LEN));
	}
	/* A window request is answered by its exit. */
	if (reason == EXIT_IRQ_WINDOW || reason == EXIT_NMI_WINDOW)
		vmwrite(VMCS_PROC_CONTROLS, vmread(VMCS_PROC_CONTROLS) &
			~(reason == EXIT_IRQ_WINDOW ? PROC_IRQ_WINDOW : PROC_NMI_WINDOW));
}

/* An exception that exits only because the kernel forces it (EXC_FORCED):
 * delivered to the guest as it came, at the next entry. True if it was one. */
static bool reflect_forced(struct vcpu *v, uint64_t reason)
{
	if (reason != EXIT_EXCEPTION_NMI)
		return false;
	uint32_t info = (uint32_t)vmread(VMCS_EXIT_INTR_INFO);
	unsigned vector = info & 0xff;
	if (!(EXC_FORCED >> vector & 1) || (v->exc_vmm >> vector & 1) || INTR_INFO_TYPE(info) == INTR_TYPE_NMI)
		return false;
	inject(info, vmread(VMCS_EXIT_INTR_ERROR));      /* (INT1's length too) */
	if ((info & INTR_INFO_NMI_UNBLOCKED) && (vmread(VMCS_PIN_CONTROLS) & PIN_VIRTUAL_NMI))
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | INTERRUPTIBILITY_NMI);
	v->reflected++;
	return true;
}

/* The exit (or failed entry) reason of vCPU t goes to the kernel or its VMM. */
static NORETURN void vcpu_handle(struct thread *t, uint64_t reason)
{
	struct vcpu *v = t->vcpu;

	/* NMIs exit (PIN_NMI) and are the host's: another CPU's panic (see
	 * panic_begin), or a fault of the machine's. The guest's own are virtual. */
	if (reason == EXIT_EXCEPTION_NMI &&
	    INTR_INFO_TYPE((uint32_t)vmread(VMCS_EXIT_INTR_INFO)) == INTR_TYPE_NMI)
		panic("NMI non-maskable interrupt while CPU %u ran a guest", this_cpu->id);
	if (reason == EXIT_EXTERNAL_INTERRUPT || reason == EXIT_PREEMPTION_TIMER || reason == EXIT_PAUSE ||
	    reflect_forced(v, reason)) {
		/* The kernel's own: an interrupt still pending (not acknowledged on
		 * exit), the guest's tick ran out, a PAUSE loop (the threads of
		 * its priority here go first; the PAUSE runs again at the entry), or
		 * a forced exception goes back into the guest. Take interrupts now
		 * (before the kernel lock: their handlers take it): a guest whose
		 * delivery faults again at once never reaches an instruction
		 * boundary, where an interrupt would make it exit. */
		v->kernel_exits++;
		__asm__ volatile("sti; nop; cli" : : : "memory");
		kernel_lock();
		if (reason == EXIT_PAUSE && sched_current() == t)
			sched_yield();
	} else {
		/* If another CPU preempts it meanwhile (sched_stall), the exit
		 * waits in the thread and goes when it runs (sched_exit_kernel;
		 * the VMCS keeps its information): a trap-like one (APIC write,
		 * virtual EOI, TPR below threshold) would not recur. What that
		 * CPU does to the vCPU comes after. */
		t->trap_pending = (uint32_t)reason + 1;
		kernel_lock();
		if (sched_current() == t) {
			t->trap_pending = 0;
			fault_vmexit(t, reason);
		}
	}
	sched_exit_kernel();          /* back into the guest, or whoever outranks it */
}

/* Back in the kernel from the guest (or from a failed entry): what the
 * hardware left for the host to put right. */
static struct thread *host_again(void)
{
	struct thread *t = sched_current();
	struct vcpu *v = t->vcpu;

	v->cr2 = read_cr2();
	/* A VM exit leaves GDTR/IDTR limits at 0xffff and TR's at 0x67. */
	desc_tables_reload();
	this_arch->space_current = NULL;   /* CR3 is the kernel's own now */
	this_arch->guest_space = NULL;
	this_arch->uexit_loaded_fs = 0;    /* and FS base HOST_FS_BASE, 0 */
	return t;
}

/* vmx_entry.S: a VM exit, on a fresh kernel stack. */
void vcpu_exited(void)
{
	struct thread *t = host_again();
	struct vcpu *v = t->vcpu;
	uint64_t reason = vmread(VMCS_EXIT_REASON) & 0xffffffffull;

	/* Only an entry that got into the guest launches the VMCS. */
	v->launched |= !(reason & EXIT_ENTRY_FAILED_BIT);
	after_exit(reason);
	vcpu_handle(t, reason);
}

/* vmx_entry.S: VMLAUNCH/VMRESUME failed (VMfail), on a fresh kernel stack. */
void vcpu_entry_failed(void)
{
	struct thread *t = host_again();
	struct vcpu *v = t->vcpu;

	v->entry_failed = true;
	v->entry_error = vmread(VMCS_INSTRUCTION_ERROR);
	vcpu_handle(t, L4_VMEXIT_ENTRY_FAILED);
}

void vcpu_run(struct thread *t)
{
	struct vcpu *v = t->vcpu;

	/* The scheduler or the fast path made t current on the way here. */
	v->entry_failed = false;
	if (!vmcs_take(v)) {
		v->entry_failed = true;
		v->entry_error = 0;
		vcpu_handle(t, L4_VMEXIT_ENTRY_FAILED);
	}
	struct space *s = &t->task->space;
	if (v->moved) {
		/* First entry on this CPU since the VMCS came here: this CPU's host
		 * fields; translations it may hold from an earlier turn here go. */
		host_state_cpu();
		ept_flush(s->root);
		v->flush_vpid = true;
		v->moved = false;
	}
	if (s->tlb_stale & this_arch->cpu_bit) {
		/* A new EPT, or mappings went away: flush its translations. */
		ept_flush(s->root);
		s->tlb_stale &= ~this_arch->cpu_bit;
	}
	if (v->flush_vpid) {
		if (v->vpid)
			invvpid(v->vpid);
		v->flush_vpid = false;
	}
	fpu_trap(t);     /* the guest's FPU state is in the registers, TS clear */
	if (cpu.vmx.preemption_timer) {
		if (!preemption_ticks)
			preemption_ticks = (arch_tsc_khz() * 1000 / SCHED_TICK_HZ) >>
					   cpu.vmx.preemption_timer_shift;
		vmwrite(GUEST_PREEMPTION_TIMER, preemption_ticks);
	}
	if (read_cr2() != v->cr2)
		write_cr2(v->cr2);
	if (__atomic_load_n(&v->async, __ATOMIC_ACQUIRE))
		take_async(v);
	this_arch->guest_space = s;
	kernel_unlock();
	vmx_enter(&t->regs, v->launched);
}
