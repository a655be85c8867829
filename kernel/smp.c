/* SPDX-License-Identifier: GPL-2.0-only */
/* The kernel lock and calls between CPUs (see smp.h). */
#include "smp.h"
#include "arch.h"
#include "console.h"

static bool try_take(struct percpu *c)
{
	return !__atomic_exchange_n(&c->arch.lock, 1, __ATOMIC_ACQUIRE);
}

static void take(struct percpu *c)
{
	while (!try_take(c)) {
		while (__atomic_load_n(&c->arch.lock, __ATOMIC_RELAXED)) {
			smp_poll();
			arch_cpu_relax();
		}
	}
}

bool smp_active;

void kernel_lock_all(void)
{
	if (this_arch->held == LOCK_ALL)
		return;
	if (this_arch->held == LOCK_LOCAL)
		kernel_unlock_held();    /* in CPU order only, or two CPUs could deadlock */
	for (unsigned i = 0; i < cpu_count; i++)
		take(&cpus[i]);
	this_arch->held = LOCK_ALL;
}

void kernel_lock_local_wait(void)
{
	take(cpu_self());
}

void kernel_unlock_held(void)
{
	if (this_arch->held == LOCK_ALL) {
		arch_tlb_shootdown_flush();
		for (unsigned i = cpu_count; i-- > 0;)
			__atomic_store_n(&cpus[i].arch.lock, 0, __ATOMIC_RELEASE);
	} else if (this_arch->held == LOCK_LOCAL) {
		arch_unlock_local();
	}
	this_arch->held = LOCK_NONE;
}

void smp_poll(void)
{
	struct percpu *c = cpu_self();
	void (*fn)(void *) = __atomic_load_n(&c->call_fn, __ATOMIC_ACQUIRE);

	if (fn) {
		fn(c->call_arg);
		__atomic_store_n(&c->call_fn, NULL, __ATOMIC_RELEASE);
	}
}

void smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct percpu *c = &cpus[cpu];

	if (!kernel_locked() || cpu == this_cpu->id || cpu >= cpu_count)
		panic("smp_call to CPU %u from CPU %u without the kernel lock", cpu, this_cpu->id);
	c->call_arg = arg;
	__atomic_store_n(&c->call_fn, fn, __ATOMIC_RELEASE);
	arch_send_ipi(cpu, IPI_CALL);
	while (__atomic_load_n(&c->call_fn, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
}

void smp_kick(unsigned cpu)
{
	if (cpu != this_cpu->id)
		arch_send_ipi(cpu, IPI_RESCHEDULE);
}
