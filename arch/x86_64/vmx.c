/* SPDX-License-Identifier: GPL-2.0-only */
/* VMX root operation (Intel SDM vol. 3C, chapter 24: "Introduction to VMX"). */
#include "vmx.h"
#include "arch.h"
#include "console.h"
#include "cpu.h"
#include "layout.h"
#include "mem.h"
#include "percpu.h"
#include "x86.h"

#define FEATURE_CONTROL_LOCK        (1ull << 0)
#define FEATURE_CONTROL_VMX_OUTSIDE_SMX (1ull << 2)
#define VMX_BASIC_REVISION_MASK     0x7fffffffull
#define CPUID1_ECX_VMX              (1u << 5)

bool vmx_on;
/* The boot CPU's VMX capabilities: every other CPU must have the same, as
 * a vCPU's VMCS moves between them. */
static uint64_t caps_basic, caps_ept_vpid, caps_proc2;

static void read_caps(uint64_t *basic, uint64_t *ept_vpid, uint64_t *proc2)
{
	*basic = rdmsr(MSR_IA32_VMX_BASIC);
	*ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	*proc2 = rdmsr(MSR_IA32_VMX_PROCBASED2);
}

/* VMXON: CF=1 or ZF=1 on failure. */
static bool vmxon(uint64_t phys)
{
	uint8_t failed;

	__asm__ volatile("vmxon %1\n setbe %0" : "=r"(failed) : "m"(phys) : "cc", "memory");
	return !failed;
}

bool arch_vmx_init(void)
{
	return vmx_init();
}

/* VMX operation on this CPU: NULL, or why not. */
const char *vmx_cpu_init(void)
{
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX))
		return "CPUID.1:ECX.VMX is 0";
	/* Firmware may leave IA32_FEATURE_CONTROL unlocked: enable and lock it. */
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		return "disabled by firmware";
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* CR0 and CR4 must hold the bits VMX operation fixes. */
	uint64_t cr0 = (read_cr0() | rdmsr(MSR_IA32_VMX_CR0_FIXED0)) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	uint64_t cr4 = (read_cr4() | CR4_VMXE | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) &
		       rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
	uint64_t basic, ept_vpid, proc2;
	read_caps(&basic, &ept_vpid, &proc2);
	if (!caps_basic) {
		caps_basic = basic;
		caps_ept_vpid = ept_vpid;
		caps_proc2 = proc2;
	} else if (basic != caps_basic || ept_vpid != caps_ept_vpid || proc2 != caps_proc2) {
		return "its VMX capabilities differ from CPU 0's";
	}
	uint64_t region = this_arch->vmxon_region;
	if (!region && (region = mem_zeroed_frame_below(~0ull)) == FRAME_NONE)
		return "no memory for the VMXON region";
	this_arch->vmxon_region = region;
	*(uint32_t *)phys_to_virt(region) = (uint32_t)(rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK);
	if (!vmxon(region)) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		return "VMXON failed";
	}
	this_arch->vmx_ready = true;
	return NULL;
}

bool vmx_init(void)
{
	if (!cpu.vmx.usable)
		return false;
	const char *why = vmx_cpu_init();
	if (why) {
		kprintf("vmx: off (%s)\n", why);
		return false;
	}
	vmx_on = true;
	kprintf("vmx: on (VMXON done, VMCS revision %#x)\n", cpu.vmx.revision);
	return true;
}
