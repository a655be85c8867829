/* SPDX-License-Identifier: GPL-2.0-only */
/* CPUID and VMX capability detection. */
#include "arch.h"
#include "console.h"
#include "cpu.h"
#include "vmcs.h"
#include "x86.h"

/* CPUID bits (SDM vol. 2A, CPUID; vol. 3 appendix A for VMX). */
#define CPUID1_ECX_VMX          (1u << 5)
#define CPUID1_ECX_PCID         (1u << 17)
#define CPUID1_ECX_X2APIC       (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE        (1u << 26)
#define CPUID1_ECX_HYPERVISOR   (1u << 31)
#define CPUID7_EBX_FSGSBASE     (1u << 0)
#define CPUID7_EBX_SMEP         (1u << 7)
#define CPUID7_EBX_INVPCID      (1u << 10)
#define CPUID7_EBX_SMAP         (1u << 20)
#define CPUIDX1_EDX_NX          (1u << 20)
#define CPUIDX1_EDX_1G_PAGES    (1u << 26)
#define CPUIDX7_EDX_INVARIANT_TSC (1u << 8)

#define FEATURE_CONTROL_LOCK        (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define VMX_BASIC_TRUE_CTLS         (1ull << 55)
#define EPT_CAP_WALK_4              (1ull << 6)
#define EPT_CAP_WB                  (1ull << 14)
#define EPT_CAP_2M                  (1ull << 16)
#define EPT_CAP_1G                  (1ull << 17)
#define VMX_MISC_PREEMPT_SHIFT_MASK 0x1full
#define EPT_CAP_INVVPID        (1ull << 32)   /* INVVPID supported */
#define EPT_CAP_INVVPID_SINGLE (1ull << 41)   /* single-context INVVPID */

struct cpu_features cpu;

/* The allowed-1 settings of a VMX control are the MSR's upper half. */
static uint32_t vmx_allowed1(uint32_t msr)
{
	return (uint32_t)(rdmsr(msr) >> 32);
}

static void detect_vmx(struct vmx_caps *v)
{
	if (!v->present) {
		v->why_not = "CPUID.1:ECX.VMX is 0";
		return;
	}
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		v->why_not = "disabled by firmware (IA32_FEATURE_CONTROL locked)";
		return;
	}
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;
	v->revision = (uint32_t)(basic & 0x7fffffff);
	uint32_t pin = vmx_allowed1(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED : MSR_IA32_VMX_PINBASED);
	uint32_t proc = vmx_allowed1(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED : MSR_IA32_VMX_PROCBASED);
	uint32_t proc2 = (proc & PROC_SECONDARY) ? vmx_allowed1(MSR_IA32_VMX_PROCBASED2) : 0;

	v->preemption_timer = pin & PIN_PREEMPTION_TIMER;
	v->preemption_timer_shift = (unsigned)(rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPT_SHIFT_MASK);
	v->tpr_shadow = proc & PROC_TPR_SHADOW;
	v->apic_access = proc2 & PROC2_APIC_ACCESS;
	v->ept = proc2 & PROC2_EPT;
	v->vpid = proc2 & PROC2_VPID;
	v->unrestricted_guest = proc2 & PROC2_UNRESTRICTED;
	v->virtual_interrupts = proc2 & PROC2_VID;
	v->pause_loop = proc2 & PROC2_PAUSE_LOOP;
	if (v->ept) {
		uint64_t cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		v->ept = cap & EPT_CAP_WALK_4;
		v->ept_wb = cap & EPT_CAP_WB;
		v->ept_2m = cap & EPT_CAP_2M;
		v->ept_1g = cap & EPT_CAP_1G;
		/* VPIDs only with INVVPID of one context, to retire a VPID. */
		v->vpid = v->vpid && (cap & EPT_CAP_INVVPID) && (cap & EPT_CAP_INVVPID_SINGLE);
	}
	if (!v->ept)
		v->why_not = "no EPT with 4-level walks";
	else if (!v->tpr_shadow)
		v->why_not = "no TPR shadow";
	else
		v->usable = true;
}

static void print_flag(bool on, const char *name)
{
	if (on)
		kprintf(" %s", name);
}

void arch_cpu_init(void)
{
	struct cpuid_regs r = cpuid(0, 0);

	cpu.max_leaf = r.eax;
	*(uint32_t *)&cpu.vendor[0] = r.ebx;
	*(uint32_t *)&cpu.vendor[4] = r.edx;
	*(uint32_t *)&cpu.vendor[8] = r.ecx;
	cpu.vendor[12] = '\0';

	r = cpuid(1, 0);
	unsigned base_family = (r.eax >> 8) & 0xf, base_model = (r.eax >> 4) & 0xf;
	cpu.family = base_family == 0xf ? base_family + ((r.eax >> 20) & 0xff) : base_family;
	cpu.model = (base_family == 6 || base_family == 0xf) ?
		    base_model | ((r.eax >> 16) & 0xf) << 4 : base_model;
	cpu.stepping = r.eax & 0xf;
	cpu.pcid = r.ecx & CPUID1_ECX_PCID;
	cpu.x2apic = r.ecx & CPUID1_ECX_X2APIC;
	cpu.tsc_deadline = r.ecx & CPUID1_ECX_TSC_DEADLINE;
	cpu.xsave = r.ecx & CPUID1_ECX_XSAVE;
	cpu.hypervisor = r.ecx & CPUID1_ECX_HYPERVISOR;
	cpu.vmx.present = r.ecx & CPUID1_ECX_VMX;

	if (cpu.max_leaf >= 7) {
		r = cpuid(7, 0);
		cpu.fsgsbase = r.ebx & CPUID7_EBX_FSGSBASE;
		cpu.smep = r.ebx & CPUID7_EBX_SMEP;
		cpu.invpcid = r.ebx & CPUID7_EBX_INVPCID;
		cpu.smap = r.ebx & CPUID7_EBX_SMAP;
	}
	cpu.max_ext_leaf = cpuid(0x80000000, 0).eax;
	if (cpu.max_ext_leaf >= 0x80000001) {
		r = cpuid(0x80000001, 0);
		cpu.nx = r.edx & CPUIDX1_EDX_NX;
		cpu.pages_1g = r.edx & CPUIDX1_EDX_1G_PAGES;
	}
	if (cpu.max_ext_leaf >= 0x80000007)
		cpu.invariant_tsc = cpuid(0x80000007, 0).edx & CPUIDX7_EDX_INVARIANT_TSC;
	detect_vmx(&cpu.vmx);

	kprintf("cpu: %s family %u model %u stepping %u%s\n", cpu.vendor, cpu.family, cpu.model,
		cpu.stepping, cpu.hypervisor ? " (under a hypervisor)" : "");
	kprintf("cpu features:");
	print_flag(cpu.pcid, "pcid");
	print_flag(cpu.invpcid, "invpcid");
	print_flag(cpu.x2apic, "x2apic");
	print_flag(cpu.tsc_deadline, "tsc-deadline");
	print_flag(cpu.invariant_tsc, "invariant-tsc");
	print_flag(cpu.fsgsbase, "fsgsbase");
	print_flag(cpu.xsave, "xsave");
	print_flag(cpu.smep, "smep");
	print_flag(cpu.smap, "smap");
	print_flag(cpu.nx, "nx");
	print_flag(cpu.pages_1g, "1g-pages");
	kprintf("\n");

	const struct vmx_caps *v = &cpu.vmx;
	if (!v->usable) {
		kprintf("vmx: not supported (%s); native tasks only\n", v->why_not);
		return;
	}
	kprintf("vmx: supported (revision %#x:", v->revision);
	print_flag(v->ept, "ept");
	print_flag(v->ept_2m, "ept-2m");
	print_flag(v->ept_1g, "ept-1g");
	print_flag(v->vpid, "vpid");
	print_flag(v->unrestricted_guest, "unrestricted-guest");
	print_flag(v->preemption_timer, "preemption-timer");
	print_flag(v->tpr_shadow, "tpr-shadow");
	print_flag(v->apic_access, "apic-access");
	print_flag(v->virtual_interrupts, "virtual-interrupts");
	print_flag(v->pause_loop, "pause-loop");
	kprintf(")\n");
}
