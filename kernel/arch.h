/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the portable kernel asks of the architecture. Each arch/ directory
 * implements these; nothing here names a register.
 */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include "types.h"

/* Serial console on an I/O port (0 = default COM1); putc never fails. */
void arch_console_init(uint16_t port);
void arch_console_putc(char c);
/* Waits until every queued character has left the UART. */
void arch_console_flush(void);

/* Descriptor tables, exception and interrupt entry. */
void arch_trap_init(void);

/* CPU identification and feature detection; prints a summary. */
void arch_cpu_init(void);

/* Replaces the boot page tables: direct map of [0, phys_limit), kernel
 * image with per-section rights, no identity map. */
void arch_paging_init(uint64_t phys_limit);

/* Timer interrupt at hz; returns false if no usable timer was found. */
bool arch_timer_init(unsigned hz);
uint64_t arch_timer_ticks(void);
uint64_t arch_tsc_khz(void);

/* Machine end: status 0 success, 1 test failure, 2 panic. Under QEMU the
 * isa-debug-exit device turns it into the exit status; under Bochs the
 * magic breakpoint stops the emulator; elsewhere the CPU halts. */
NORETURN void arch_machine_exit(unsigned status);

/* Panic: sends every other online CPU an NMI, whose handler stops it;
 * returns how many were sent one. */
unsigned arch_stop_other_cpus(void);
/* Halts this CPU for good, interrupts off. */
NORETURN void arch_cpu_stop(void);
/* Busy-waits us microseconds (the TSC). */
void delay_us(uint64_t us);

/* Waits for the next interrupt (interrupts enabled). */
void arch_wait_for_irq(void);
void arch_irq_enable(void);
void arch_irq_disable(void);

/* User mode: system call entry, SMEP/SMAP, FPU state switching. */
void arch_user_init(bool fpu_eager);

/* Starts the other CPUs (apic_ids: every CPU's interrupt controller ID,
 * the running one's too; at most max_cpus in all) with start-up code in
 * the page at physical address page (below 1 MiB). Each enters its
 * scheduler; returns the number of CPUs online. */
unsigned arch_smp_start(const uint32_t *apic_ids, unsigned n, unsigned max_cpus, uint64_t page);

/* The TLB shootdown this kernel entry deferred, done (before the kernel
 * lock is released). */
void arch_tlb_shootdown_flush(void);

/* Interrupts between CPUs: IPI_CALL makes the CPU run smp_poll();
 * IPI_RESCHEDULE makes it leave what it runs for the kernel, which
 * decides again. Either interrupts a guest too. */
enum { IPI_CALL, IPI_RESCHEDULE };
void arch_send_ipi(unsigned cpu, unsigned kind);
void arch_cpu_relax(void);

/* Virtualization: enter VMX operation where the CPU offers it (and say so). */
bool arch_vmx_init(void);

struct thread;
/* Thread t (not running) moves off its CPU: state that CPU holds for it
 * (lazy FPU registers, a loaded VMCS) goes back to memory. */
void arch_thread_leaves_cpu(struct thread *t);

/* Whether thread t may be bound to CPU cpu (a vCPU: only where VMX is on). */
bool arch_thread_may_run_on(const struct thread *t, unsigned cpu);

/* t, preempted in a kernel entry for a system call not yet handled, makes
 * it again when it next runs. */
void arch_syscall_restart(struct thread *t);

/* Thread t is going away: forget its FPU state and any reference to it. */
void arch_thread_gone(struct thread *t);

/* For the self-check (check.c): the kernel memory a thread holds beyond
 * its TCB and UTCB (FPU state, vCPU), and what an address space's tables
 * hold; arch_space_check also checks its TLB tag against every other
 * space's since arch_space_check_begin. */
uint64_t arch_thread_bytes(const struct thread *t);
struct space;
void arch_space_check_begin(void);
uint64_t arch_space_check(const struct space *s);

/* The kernel stack: the deepest it has been since boot, and its size, in bytes. */
uint64_t arch_stack_depth(void);
uint64_t arch_stack_size(void);

/* A cycle counter (the TSC on x86). */
uint64_t arch_read_tsc(void);

/* Causes a fault on purpose for the fault tests: "pf", "ud", "gp", "df",
 * "stack" (a kernel stack overflow).
 * Returns false if the name is not known. */
bool arch_provoke_fault(const char *name);

/* Device interrupt lines (the I/O APIC on x86): set up at physical
 * address phys (0: the usual place) with GSIs from gsi_base, all masked;
 * returns the number of lines. Interrupts arrive at irq_raise(). */
unsigned arch_irq_init(uint64_t phys, uint32_t gsi_base);
void arch_irq_configure(unsigned gsi, bool level, bool low);
void arch_irq_mask(unsigned gsi, bool masked);
/* The line interrupts CPU cpu from now on. */
void arch_irq_route(unsigned gsi, unsigned cpu);

/* Physical memory for reading (firmware tables): the direct map, or an
 * uncached window for what lies beyond it. */
const void *arch_map_phys(uint64_t phys, size_t len);

/* Self-test hooks (selftest.c runs them). */
bool arch_probe_write(void *addr);              /* false if the write faulted */
bool arch_probe_read(const void *addr);         /* false if the read faulted */
bool arch_test_breakpoint(void);                /* int3 returns to the next instruction */
const char *arch_check_paging(void);            /* NULL if the kernel's tables are as promised */

#endif
