/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Starting the application processors (APs): INIT, then two start-up IPIs
 * (Intel SDM vol. 3A, 8.4.4 "MP Initialization Example") pointing at the
 * real-mode trampoline (trampoline.S) in a page below 1 MiB. One AP at a
 * time: the trampoline's parameter block names the CPU it starts. Each AP
 * sets up its own GDT, TSS and IST stacks, local APIC and tick, system
 * call MSRs, FPU and VMX operation, says so, and enters its scheduler.
 */
#include "apic.h"
#include "arch.h"
#include "console.h"
#include "cpu.h"
#include "fpu.h"
#include "layout.h"
#include "mem.h"
#include "paging.h"
#include "percpu.h"
#include "sched.h"
#include "fastpath.h"
#include "smp.h"
#include "string.h"
#include "trap.h"
#include "vmx.h"
#include "x86.h"

#define AP_START_TIMEOUT_US 200000   /* from the first SIPI to the AP's "online" */

struct trampoline_params {
	uint64_t cr3, efer, stack, entry, cpu;
	uint64_t at_gdt_base, at_far32, at_far64;   /* where the code's addresses go */
	uint64_t off_gdt, off_32, off_64;           /* ... and what, from the page */
};

extern const char trampoline_start[], trampoline_end[], trampoline_params[];
extern char ap_entry64[];
void user_cpu_init(void);
NORETURN void ap_main(unsigned id);

/* Page tables for the trampoline's way into long mode: the kernel's half,
 * and the first 2 MiB at their physical addresses (the trampoline's page). */
static uint64_t trampoline_tables(void)
{
	uint64_t pml4 = mem_zeroed_frame_below(BOOT_DIRECT_MAP);
	uint64_t pdpt = mem_zeroed_frame_below(BOOT_DIRECT_MAP);
	uint64_t pd = mem_zeroed_frame_below(BOOT_DIRECT_MAP);

	if (pml4 == FRAME_NONE || pdpt == FRAME_NONE || pd == FRAME_NONE)
		return 0;
	uint64_t *t = phys_to_virt(pml4);
	memcpy(t + 256, paging_kernel_root() + 256, 256 * sizeof(uint64_t));
	t[0] = pdpt | PTE_P | PTE_W;
	((uint64_t *)phys_to_virt(pdpt))[0] = pd | PTE_P | PTE_W;
	((uint64_t *)phys_to_virt(pd))[0] = 0 | PTE_P | PTE_W | PTE_PS;
	return pml4;
}

/* Sends INIT, SIPI, SIPI to the CPU with apic_id and waits for cpus[id] to come online. */
static bool start_ap(uint32_t apic_id, unsigned id, uint64_t page)
{
	volatile bool *online = &cpus[id].online;

	if (!lapic_send_ipi(apic_id, ICR_INIT))
		return false;
	delay_us(10000);
	for (unsigned sipi = 0; sipi < 2 && !*online; sipi++) {
		if (!lapic_send_ipi(apic_id, ICR_SIPI | (uint32_t)(page >> PAGE_SHIFT)))
			return false;
		delay_us(200);
	}
	/* Up to 2 * AP_START_TIMEOUT_US, polling (an AP is up in well under 1 ms). */
	for (unsigned i = 0; i < 2000 && !*online; i++)
		delay_us(AP_START_TIMEOUT_US / 1000);
	return *online;
}

unsigned arch_smp_start(const uint32_t *apic_ids, unsigned n, unsigned max_cpus, uint64_t page)
{
	uint32_t self = this_arch->apic_id;
	uint64_t cr3 = trampoline_tables();
	size_t size = (size_t)(trampoline_end - trampoline_start);

	cpus[0].online = true;
	if (n <= 1 || max_cpus <= 1)
		return cpu_count;
	if (!cr3 || !page || page >= 0x100000 || size > PAGE_SIZE) {
		kprintf("smp: cannot start other CPUs (%s); running on CPU 0 alone\n",
			cr3 ? "no page below 1 MiB for the start-up code" : "out of memory");
		return cpu_count;
	}
	uint8_t *code = phys_to_virt(page);
	memcpy(code, trampoline_start, size);
	struct trampoline_params *p = (void *)(code + (trampoline_params - trampoline_start));
	*(uint32_t *)(code + p->at_gdt_base) = (uint32_t)(page + p->off_gdt);
	*(uint32_t *)(code + p->at_far32) = (uint32_t)(page + p->off_32);
	*(uint32_t *)(code + p->at_far64) = (uint32_t)(page + p->off_64);
	p->cr3 = cr3;
	p->efer = EFER_LME | (cpu.nx ? EFER_NXE : 0);
	p->entry = (uintptr_t)ap_entry64;

	for (unsigned i = 0; i < n && cpu_count < max_cpus && cpu_count < MAX_CPUS; i++) {
		if (apic_ids[i] == self)
			continue;
		unsigned id = cpu_count;
		p->cpu = id;
		p->stack = (uintptr_t)cpu_stacks[id].kstack + KSTACK_SIZE;
		cpus[id].arch.apic_id = apic_ids[i];
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (start_ap(apic_ids[i], id, page)) {
			cpu_count++;
		} else {
			/* INIT again: should it wake up late, it waits for a SIPI
			 * instead of running as the next CPU's index. */
			lapic_send_ipi(apic_ids[i], ICR_INIT);
			kprintf("smp: CPU with APIC ID %u did not start within %u ms; going on without it\n",
				apic_ids[i], AP_START_TIMEOUT_US / 1000 * 2);
			memset(&cpus[id], 0, sizeof(cpus[id]));
		}
	}
	kprintf("smp: %u CPU%s online\n", cpu_count, cpu_count == 1 ? "" : "s");
	if (cpu_count > 1) {
		smp_active = true;
		fastpath_smp();
	}
	return cpu_count;
}

/* An AP, from trampoline.S, on its kernel stack. */
void ap_main(unsigned id)
{
	percpu_enter(id);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(virt_to_phys(paging_kernel_root()));   /* (the identity map goes) */
	gdt_init();
	idt_reload();
	lapic_cpu_init();
	user_cpu_init();
	fpu_cpu_init();
	const char *vmx = vmx_on ? vmx_cpu_init() : "as on CPU 0";
	if (vmx)
		kprintf("smp: CPU %u up (APIC ID %u), vmx off: %s\n", id, this_arch->apic_id, vmx);
	else
		kprintf("smp: CPU %u up (APIC ID %u), vmx on (revision %#x, capabilities as CPU 0's)\n",
			id, this_arch->apic_id, cpu.vmx.revision);
	__atomic_store_n(&cpus[id].online, true, __ATOMIC_RELEASE);
	if (smp_panic_test_armed)
		smp_panic_test();
	kernel_lock();
	sched_exit_kernel();
}
