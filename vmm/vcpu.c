/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VM and its vCPUs (vmm/README.md, "Several vCPUs"): creating them,
 * and what the board asks of them (its callbacks, with the VMM lock held):
 * INIT, start-up IPIs, NMIs, kicks; and stopping them all when the guest
 * is done.
 */
#include "vmm.h"
#include "loader/e820.h"

#define RAM_MAP_ORDER 22                  /* guest RAM goes into the VM 4 MiB at a time, */
#define RAM_GIB_ORDER 30                  /* or a whole GiB */
#define PAT_POWER_UP 0x0007040600070406ull   /* IA32_PAT after reset */
#define DR6_POWER_UP 0xffff0ff0u
#define DR7_POWER_UP 0x400u

bool vm_create(l4_cap_t *vm, unsigned prio)
{
	l4_word_t err;

	if ((err = l4_vm_create(vm))) {
		l4_printf("vmm: no VM (error %lu: %s)\n", (unsigned long)err,
			  err == L4_ENOSYS ? "this CPU has no VT-x" : "see errno.h");
		return false;
	}
	/* In the pages the root task gave (sigma0.h): 1 GiB or 2 MiB ones, one
	 * mapping node each, and large EPT entries. Whole GiBs go in one item
	 * (E820_MMIO_START is GiB-aligned, so such a piece is one run). */
	l4_word_t q0 = l4_factory_used(L4_CAP_FACTORY);
	uint64_t map_t0 = l4_rdtsc();
	for (uint64_t off = 0, order; off < ram_size; off += 1ull << order) {
		order = !(off & ((1ull << RAM_GIB_ORDER) - 1)) && ram_size - off >= 1ull << RAM_GIB_ORDER ?
			RAM_GIB_ORDER : RAM_MAP_ORDER;
		err = l4_vm_map(*vm, e820_ram_gpa(off), l4_env->ram_addr + off, (unsigned)order, L4_FP_RWX);
		if (err == L4_EINVAL && order == RAM_GIB_ORDER)   /* (small pages in it: 4 MiB items) */
			err = l4_vm_map(*vm, e820_ram_gpa(off), l4_env->ram_addr + off, (unsigned)(order = RAM_MAP_ORDER),
					L4_FP_RWX);
		if (err) {
			l4_printf("vmm: guest RAM not mapped at %#lx (error %lu)\n", (unsigned long)e820_ram_gpa(off),
				  (unsigned long)err);
			return false;
		}
	}
	l4_word_t q1 = l4_factory_used(L4_CAP_FACTORY);
	l4_printf("vmm: guest RAM %lu MiB mapped into the VM in %lu us; its EPT and nodes: %lu KiB of our quota\n",
		  (unsigned long)(ram_size >> 20), (unsigned long)((l4_rdtsc() - map_t0) * 1000 / tsc_khz),
		  (unsigned long)((q1 - q0) >> 10));
	for (unsigned i = 0; i < nvcpus; i++) {
		struct vcpu_ctx *c = &vcpus[i];
		*c = (struct vcpu_ctx){ .id = i, .debug_regs = { 0, 0, 0, 0, 0, 0, DR6_POWER_UP, DR7_POWER_UP } };
		c->ep = l4_make(L4_FACTORY_ENDPOINT);
		c->wake = l4_make(L4_FACTORY_NOTIFICATION);
		if ((err = l4_vcpu_create(*vm, c->ep, prio, &c->cap))) {
			l4_printf("vmm: no vCPU %u (error %lu)\n", i, (unsigned long)err);
			return false;
		}
		long moved = l4_thread_set_cpu(c->cap, l4_env->vcpu_host[i]);
		if (moved) {
			l4_printf("vmm: vCPU %u: host CPU %u is not there or has no VT-x (error %ld)\n", i,
				  (unsigned)l4_env->vcpu_host[i], moved);
			return false;
		}
	}
	return true;
}

/* An INIT to vCPU cpu: it stops and waits for a start-up IPI. */
void vcpu_init(void *ctx, unsigned cpu)
{
	(void)ctx;
	if (cpu >= nvcpus)
		return;
	if (cpu == 0) {
		/* The BSP would go on at the reset vector, where no firmware is. */
		l4_printf("vmm: INIT to the boot processor: the guest reset the machine; stopping it\n");
		guest_done = true;
		return;
	}
	struct vcpu_ctx *c = &vcpus[cpu];
	c->wait_sipi = true;
	L4_INVOKE(c->cap, L4_THREAD_STOP);
	l4_send(c->wake, 0, L4_TIMEOUT_POLL);      /* (its handler may wait at a HLT) */
}

/* A start-up IPI to vCPU cpu: if it waits for one, it starts in real mode
 * at vector << 12 (CS = vector << 8, IP 0), as a processor after INIT. */
void vcpu_sipi(void *ctx, unsigned cpu, uint8_t vector)
{
	(void)ctx;
	if (cpu >= nvcpus || !vcpus[cpu].wait_sipi)
		return;
	struct vcpu_ctx *c = &vcpus[cpu];
	struct l4_vcpu_state s;
	__builtin_memset(&s, 0, sizeof(s));
	s.gpr[L4_REG_RFLAGS] = 2;
	s.gpr[L4_REG_RDX] = 0x600;                     /* (family 6, as after reset) */
	s.cr[L4_CR_CR0] = 0x10;                        /* ET */
	s.cr[L4_CR_DR7] = DR7_POWER_UP;
	l4_word_t data = L4_SEG_WORD(0, 0x93, 0xffff);
	for (unsigned i = 0; i < 6; i++)
		s.seg[2 * i] = data;
	s.seg[2 * L4_SEG_CS] = L4_SEG_WORD((vector & 0xff) << 8, 0x9b, 0xffff);
	s.seg[2 * L4_SEG_CS + 1] = (l4_word_t)(vector & 0xff) << 12;
	s.seg[2 * L4_SEG_LDTR] = L4_SEG_WORD(0, 0x82, 0xffff);
	s.seg[2 * L4_SEG_TR] = L4_SEG_WORD(0, 0x8b, 0xffff);
	s.dt[L4_DT_GDTR_LIMIT] = s.dt[L4_DT_IDTR_LIMIT] = 0xffff;
	s.msr[L4_MSR_PAT] = PAT_POWER_UP;
	c->debug_regs[6] = DR6_POWER_UP;
	c->irq.tpr_threshold = 0;
	c->irq.nmi_pending = c->halted_off = false;
	l4_word_t err = l4_vcpu_write(c->cap, L4_VCPU_ALL, 0, 0, 0, &s);
	if (!err)
		err = L4_INVOKE(c->cap, L4_THREAD_RESUME).error;
	if (err) {
		l4_printf("vmm: vCPU %u does not start (error %lu); stopping the guest\n", cpu, (unsigned long)err);
		guest_done = guest_failed = true;
		return;
	}
	c->wait_sipi = false;
}

/* An NMI for vCPU cpu (an IPI): injected at its NMI window. */
void vcpu_nmi(void *ctx, unsigned cpu)
{
	if (cpu >= nvcpus)
		return;
	vcpus[cpu].irq.nmi_pending = true;
	vcpu_kick(ctx, cpu);
}

/* vCPUs to kick at the unlock (a bit each): nothing done under the lock
 * may wake another handler (main.c, vmm_lock, says why). */
static unsigned kicks_due;

/* vCPU cpu may take an interrupt now: a handler waiting at its HLT
 * wakes, and a running vCPU exits when it can take it (a window). Done
 * at the lock's release. */
void vcpu_kick(void *ctx, unsigned cpu)
{
	(void)ctx;
	if (cpu < nvcpus)
		__atomic_or_fetch(&kicks_due, 1u << cpu, __ATOMIC_RELAXED);
}

unsigned vcpu_kicks_due(void)
{
	return __atomic_exchange_n(&kicks_due, 0, __ATOMIC_ACQ_REL);
}

void vcpu_kick_now(unsigned cpu)
{
	if (vcpus[cpu].wait_sipi)
		return;
	l4_send(vcpus[cpu].wake, 0, L4_TIMEOUT_POLL);
	L4_INVOKE(vcpus[cpu].cap, L4_THREAD_VCPU_POST, L4_VCPU_REQ_IRQ_WINDOW);
}

/* The guest is done (the first handler to see it, once): every vCPU
 * stops, and the main thread hears of it, even while it waits for an exit
 * of vCPU 0, which may compute on without exits (the main thread then
 * ends the VMM; another vCPU's triple fault must stop the whole VM). */
void vcpu_stop_all(struct vcpu_ctx *c)
{
	static volatile int once;

	if (__atomic_exchange_n(&once, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned i = 0; i < nvcpus; i++)
		L4_INVOKE(vcpus[i].cap, L4_THREAD_STOP);
	if (c != &vcpus[0])                       /* (not an exit: its label is 0) */
		l4_send(vcpus[0].ep, l4_tag(0, 0, 0), 20000);
}
