/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupt controllers and the timer: the legacy 8259 PICs are remapped
 * and masked; the local APIC (x2APIC mode when the CPU has it) gives the
 * periodic tick, its rate calibrated against the 8254 PIT's channel 2.
 */
#include "apic.h"
#include "arch.h"
#include "console.h"
#include "cpu.h"
#include "paging.h"
#include "percpu.h"
#include "sched.h"
#include "smp.h"
#include "trap.h"
#include "x86.h"

/* 8259 PIC pair. */
#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11      /* edge triggered, cascade, ICW4 follows */
#define ICW4_8086      0x01
#define PIC_CASCADE_IRQ 2

/* 8254 PIT. */
#define PIT_HZ        1193182u
#define PIT_CH2_DATA  0x42
#define PIT_CMD       0x43
#define PIT_CH2_MODE0 0xb0       /* channel 2, lobyte/hibyte, mode 0 (count down once) */
#define PORT_61       0x61       /* NMI status and control: PIT channel 2 gate and output */
#define P61_GATE2     0x01
#define P61_SPEAKER   0x02
#define P61_OUT2      0x20
#define CALIBRATE_MS  20

/* Local APIC registers (offsets in the xAPIC page; x2APIC MSR = 0x800 + offset/16). */
#define LAPIC_ID       0x020
#define LAPIC_TPR      0x080
#define LAPIC_EOI      0x0b0
#define LAPIC_SVR      0x0f0
#define LAPIC_ESR      0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR  0x390
#define LAPIC_TIMER_DIV  0x3e0
#define X2APIC_MSR_BASE  0x800
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDR   0xfffff000ull
#define SVR_ENABLE       (1u << 8)
#define LVT_MASKED       (1u << 16)
#define LVT_PERIODIC     (1u << 17)
#define TIMER_DIV_16     0x3

/* The debug-exit port of QEMU's isa-debug-exit device (tools/run-qemu.sh). */
#define QEMU_EXIT_PORT 0xf4

static volatile uint32_t *lapic_mmio;
static bool x2apic_mode;
static volatile uint64_t ticks;      /* the boot CPU's timer ticks */
static uint64_t tsc_khz;
static uint32_t timer_count;         /* the periodic timer's initial count, every CPU */

#define LAPIC_ICR_LOW  0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_PENDING    (1u << 12)    /* xAPIC: delivery status: send pending */
#define X2APIC_ICR     0x830

static uint32_t lapic_read(unsigned reg)
{
	if (x2apic_mode)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	if (x2apic_mode)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);

	return x2apic_mode ? id : id >> 24;
}

static void pic_remap_and_mask(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 1u << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

static void timer_irq(unsigned vector UNUSED)
{
	if (this_cpu->id == 0)
		ticks++;
	lapic_eoi();
	sched_tick();
}

bool timer_tick_idle(void)
{
	if (!sched_tick_idle())
		return false;
	if (this_cpu->id == 0)
		ticks++;
	lapic_eoi();
	return true;
}

static void lapic_error_irq(unsigned vector UNUSED)
{
	lapic_write(LAPIC_ESR, 0);
	klog(LOG_WARN, "lapic: error status %#x\n", lapic_read(LAPIC_ESR));
	lapic_eoi();
}

/*
 * Counts LAPIC timer ticks (divide by 16) and TSC cycles during
 * CALIBRATE_MS of PIT channel 2. Returns false if the PIT never finished.
 */
static bool calibrate(uint32_t *lapic_per_ms, uint64_t *tsc_per_ms)
{
	uint32_t latch = PIT_HZ * CALIBRATE_MS / 1000;

	outb(PORT_61, (inb(PORT_61) & ~P61_SPEAKER) | P61_GATE2);
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2_DATA, latch & 0xff);
	outb(PIT_CH2_DATA, latch >> 8);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffff);
	uint64_t tsc0 = rdtsc();

	/* Bounded: about a second of polling on any plausible machine. */
	bool done = false;
	for (uint32_t i = 0; i < 100000000 && !done; i++)
		done = inb(PORT_61) & P61_OUT2;
	uint64_t tsc1 = rdtsc();
	uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	if (!done || !elapsed)
		return false;
	*lapic_per_ms = elapsed / CALIBRATE_MS;
	*tsc_per_ms = (tsc1 - tsc0) / CALIBRATE_MS;
	return *lapic_per_ms > 0;
}

/* This CPU's local APIC on (in x2APIC mode if the boot CPU's is), accepting interrupts. */
static void lapic_enable(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (x2apic_mode) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	} else {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
		if (!lapic_mmio)
			lapic_mmio = arch_map_mmio(base & APIC_BASE_ADDR, PAGE_SIZE);
	}
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	this_arch->apic_id = lapic_id();
}

/* This CPU's periodic tick, at the rate the boot CPU calibrated. */
static void lapic_timer_start(void)
{
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_PERIODIC | VEC_LAPIC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, timer_count);
}

void lapic_cpu_init(void)
{
	lapic_enable();
	if (timer_count)
		lapic_timer_start();
}

bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	if (x2apic_mode) {
		wrmsr(X2APIC_ICR, (uint64_t)apic_id << 32 | icr_low);
		return true;
	}
	lapic_write(LAPIC_ICR_HIGH, apic_id << 24);
	lapic_write(LAPIC_ICR_LOW, icr_low);
	for (uint32_t i = 0; i < 1000000; i++)
		if (!(lapic_read(LAPIC_ICR_LOW) & ICR_PENDING))
			return true;
	return false;
}

void arch_send_ipi(unsigned to, unsigned kind)
{
	lapic_send_ipi(cpus[to].arch.apic_id, ICR_FIXED | (kind == IPI_CALL ? VEC_IPI_CALL : VEC_IPI_RESCHEDULE));
}

void arch_cpu_relax(void)
{
	cpu_relax();
}

void delay_us(uint64_t us)
{
	uint64_t t0 = rdtsc(), cycles = us * (tsc_khz ? tsc_khz : 1000000) / 1000;

	while (rdtsc() - t0 < cycles)
		cpu_relax();
}

bool arch_timer_init(unsigned hz)
{
	pic_remap_and_mask();
	x2apic_mode = cpu.x2apic;
	lapic_enable();
	trap_set_handler(VEC_LAPIC_TIMER, timer_irq);
	trap_set_handler(VEC_LAPIC_ERROR, lapic_error_irq);

	uint32_t lapic_per_ms;
	uint64_t tsc_per_ms;
	if (!calibrate(&lapic_per_ms, &tsc_per_ms)) {
		kprintf("timer: PIT calibration failed; no timer interrupt\n");
		return false;
	}
	tsc_khz = tsc_per_ms;
	uint32_t count = (uint32_t)((uint64_t)lapic_per_ms * 1000 / hz);
	timer_count = count ? count : 1;
	lapic_timer_start();
	kprintf("timer: %s id %u, LAPIC timer %u kHz (/16), TSC %llu MHz, tick %u Hz\n",
		x2apic_mode ? "x2APIC" : "xAPIC", lapic_id(), lapic_per_ms,
		(unsigned long long)(tsc_khz / 1000), hz);
	return true;
}

uint64_t arch_timer_ticks(void)
{
	return ticks;
}

uint64_t arch_tsc_khz(void)
{
	return tsc_khz;
}

void arch_wait_for_irq(void)
{
	halt_until_irq();
}

void arch_irq_enable(void)
{
	irq_enable();
}

void arch_irq_disable(void)
{
	irq_disable();
}

uint64_t arch_read_tsc(void)
{
	return rdtsc();
}

unsigned arch_stop_other_cpus(void)
{
	unsigned sent = 0;

	if (!smp_active)
		return 0;
	for (unsigned i = 0; i < cpu_count; i++)
		if (i != this_cpu->id && cpus[i].online && lapic_send_ipi(cpus[i].arch.apic_id, ICR_NMI))
			sent++;
	return sent;
}

void arch_cpu_stop(void)
{
	irq_disable();
	for (;;)
		__asm__ volatile("hlt");
}

void arch_machine_exit(unsigned status)
{
	irq_disable();
	arch_console_flush();
	outb(QEMU_EXIT_PORT, (uint8_t)status);
	__asm__ volatile("xchgw %bx, %bx");   /* Bochs magic breakpoint: the harness quits */
	arch_cpu_stop();
}
