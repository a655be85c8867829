/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel start-up: from the boot loader's information to a running timer.
 * The order matters: the console first (everything after may need to
 * report), then traps (so a fault is a named panic), memory, paging.
 */
#include "arch.h"
#include "acpi.h"
#include "boot.h"
#include "irq.h"
#include "cmdline.h"
#include "fastpath.h"
#include "console.h"
#include "layout.h"
#include "mb2.h"
#include "mem.h"
#include "percpu.h"
#include "sched.h"
#include "selftest.h"
#include "string.h"

#define TICK_HZ SCHED_TICK_HZ

static struct mb2_info boot_info;

/* console=com1..com4 or an I/O port number. */
static uint16_t console_port(const char *cmdline)
{
	static const struct { const char *name; uint16_t port; } com[] = {
		{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
	};
	char val[16];
	uint64_t port;

	if (!cmdline_get(cmdline, "console", val, sizeof(val)))
		return 0;
	for (unsigned i = 0; i < ARRAY_SIZE(com); i++)
		if (streq(val, com[i].name))
			return com[i].port;
	if (parse_u64(val, &port) && port > 0 && port < 0xfff8)
		return (uint16_t)port;
	return 0;
}

static void print_boot_info(const struct mb2_info *mb, uint64_t info_phys)
{
	kprintf("boot: loader \"%s\", info at %#llx (%u bytes)\n",
		mb->loader_name ? mb->loader_name : "?", (unsigned long long)info_phys,
		mb->total_size);
	kprintf("boot: command line \"%s\"\n", mb->cmdline);
	kprintf("memory map: %u regions\n", mb->region_count);
	for (unsigned i = 0; i < mb->region_count; i++) {
		const struct mb2_region *r = &mb->regions[i];
		kprintf("  [0x%016llx-0x%016llx] %8llu KiB %s\n", (unsigned long long)r->base,
			(unsigned long long)(r->base + r->len - 1),
			(unsigned long long)(r->len >> 10), mb2_mem_type_name(r->type));
	}
	for (unsigned i = 0; i < mb->module_count; i++) {
		const struct mb2_module *m = &mb->modules[i];
		kprintf("module %u: [%#llx-%#llx) %llu bytes \"%s\"\n", i,
			(unsigned long long)m->start, (unsigned long long)m->end,
			(unsigned long long)(m->end - m->start), m->name);
	}
	if (mb->rsdp) {
		const char *oem = (const char *)mb->rsdp + 9;   /* RSDP OEMID: 6 bytes at offset 9 */
		kprintf("acpi: RSDP revision %u, OEM \"%.6s\"\n", mb->rsdp_revision, oem);
	} else {
		kprintf("acpi: no RSDP from the boot loader\n");
	}
	if (mb->have_fb)
		kprintf("framebuffer: %ux%u, %u bpp, pitch %u, at %#llx\n", mb->fb.width,
			mb->fb.height, mb->fb.bpp, mb->fb.pitch, (unsigned long long)mb->fb.addr);
}

static NORETURN void run_fault_test(const char *name)
{
	kprintf("test: provoking %s on purpose\n", name);
	if (!arch_provoke_fault(name))
		kprintf("test: unknown fault test \"%s\" (known: pf ud gp df stack smp-panic)\n", name);
	else
		kprintf("test: FAIL: %s did not fault\n", name);
	arch_machine_exit(1);
}

/*
 * test=smp-panic: once every CPU has arrived, the odd-numbered ones fault
 * at the same moment and the others spin with interrupts off. One report
 * must come out, and the NMIs must stop every other CPU.
 */
bool smp_panic_test_armed;
static unsigned panic_test_arrived;
static bool panic_test_go;

void smp_panic_test(void)
{
	__atomic_add_fetch(&panic_test_arrived, 1, __ATOMIC_ACQ_REL);
	if (this_cpu->id == 0) {
		kprintf("test: CPUs 1, 3, ... fault at once; the others spin with interrupts off\n");
		while (__atomic_load_n(&panic_test_arrived, __ATOMIC_ACQUIRE) < cpu_count)
			arch_cpu_relax();
		__atomic_store_n(&panic_test_go, true, __ATOMIC_RELEASE);
	}
	while (!__atomic_load_n(&panic_test_go, __ATOMIC_ACQUIRE))
		arch_cpu_relax();
	arch_irq_disable();
	if (this_cpu->id & 1)
		arch_provoke_fault("pf");
	for (;;)
		arch_cpu_relax();
}

/* No user tasks: report the time once a second. */
static NORETURN void idle_loop(uint64_t poweroff_s)
{
	uint64_t last = 0;

	for (;;) {
		arch_wait_for_irq();
		uint64_t s = arch_timer_ticks() / TICK_HZ;
		if (s == last)
			continue;
		last = s;
		klog(LOG_INFO, "tick: %llu s\n", (unsigned long long)s);
		if (poweroff_s && s >= poweroff_s) {
			kprintf("poweroff after %llu s\n", (unsigned long long)s);
			arch_machine_exit(0);
		}
	}
}

/* A free page below 1 MiB for the APs' start-up code: RAM, not the first
 * page (the real-mode vectors), not the boot information or a module. */
static uint64_t low_page(uint64_t info_phys)
{
	for (uint64_t pa = 0x8000; pa < 0x9f000; pa += PAGE_SIZE) {
		bool taken = !mem_is_ram(pa) || !mem_is_ram(pa + PAGE_SIZE - 1) ||
			     (pa < info_phys + boot_info.total_size && info_phys < pa + PAGE_SIZE);
		for (unsigned i = 0; i < boot_info.module_count && !taken; i++)
			taken = pa < boot_info.modules[i].end && boot_info.modules[i].start < pa + PAGE_SIZE;
		if (!taken)
			return pa;
	}
	return 0;
}

/* Every CPU the MADT lists, or cpus=N of them. */
static void start_cpus(const char *cmdline, uint64_t info_phys)
{
	static struct acpi_cpu_info info;
	uint64_t max = MAX_CPUS;

	if (cmdline_get_u64(cmdline, "cpus", &max) && (max < 1 || max > MAX_CPUS)) {
		kprintf("smp: cpus=%llu is not 1 to %u; using at most %u\n", (unsigned long long)max,
			MAX_CPUS, MAX_CPUS);
		max = MAX_CPUS;
	}
	const char *why = acpi_cpu_info(boot_info.rsdp, boot_info.rsdp_len, arch_map_phys, &info);
	if (why) {
		kprintf("smp: %s; running on CPU 0 alone\n", why);
		return;
	}
	kprintf("smp: the MADT lists %u CPU%s%s, using at most %llu\n", info.count,
		info.count == 1 ? "" : "s", info.ignored ? " (some ignored)" : "",
		(unsigned long long)max);
	/* For the boot test of a CPU that never starts (tests/boot/smp.cfg). */
	uint64_t absent;
	if (cmdline_get_u64(cmdline, "smp_absent_apic", &absent) && absent < 0xff &&
	    info.count < ACPI_MAX_CPUS) {
		info.apic_id[info.count++] = (uint32_t)absent;
		kprintf("smp: smp_absent_apic=%llu: a CPU that is not there is added (a test)\n",
			(unsigned long long)absent);
	}
	arch_smp_start(info.apic_id, info.count, (unsigned)max, low_page(info_phys));
}

NORETURN void kmain(uint32_t magic, uint32_t info_phys);

void kmain(uint32_t magic, uint32_t info_phys)
{
	/* The boot page tables map the first 4 GiB; the info lies below that. */
	int err = magic == MB2_BOOTLOADER_MAGIC ?
		  mb2_parse(phys_to_virt(info_phys), BOOT_DIRECT_MAP - info_phys, &boot_info) :
		  MB2_E_NULL;
	const char *cmdline = err ? "" : boot_info.cmdline;
	uint64_t level = LOG_INFO, poweroff = 0, kmem = 0;
	char test[16] = "";

	percpu_enter(0);
	arch_console_init(console_port(cmdline));
	kprintf("\nL4 microhypervisor for x86-64\n");
	arch_trap_init();
	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("boot: not started by a Multiboot2 loader (magic %#x)", magic);
	if (err)
		panic("boot: Multiboot2 information rejected: %s", mb2_strerror(err));
	if (cmdline_get_u64(cmdline, "loglevel", &level))
		console_log_level = level > LOG_TRACE ? LOG_TRACE : (enum log_level)level;
	cmdline_get(cmdline, "test", test, sizeof(test));
	cmdline_get_u64(cmdline, "poweroff", &poweroff);
	if (poweroff && poweroff < (1ull << 40))
		sched_poweroff_ticks = poweroff * SCHED_TICK_HZ;
	cmdline_get_u64(cmdline, "kmem", &kmem);
	char fast[8] = "";
	if (cmdline_get(cmdline, "fastpath", fast, sizeof(fast)) && streq(fast, "off"))
		fastpath_enabled = false;

	print_boot_info(&boot_info, info_phys);
	arch_cpu_init();
	mem_init(&boot_info, info_phys);
	arch_paging_init(mem.phys_limit);
	bool timer = arch_timer_init(TICK_HZ);
	arch_vmx_init();

	smp_panic_test_armed = streq(test, "smp-panic");
	if (test[0] && !streq(test, "selftest") && !smp_panic_test_armed)
		run_fault_test(test);
	unsigned failed = selftest_run_all(&boot_info, timer ? TICK_HZ : 0);
	if (streq(test, "selftest"))
		arch_machine_exit(failed ? 1 : 0);
	if (!timer)
		panic("no timer: cannot schedule");
	char fpu_mode[8] = "";
	cmdline_get(cmdline, "fpu", fpu_mode, sizeof(fpu_mode));
	arch_user_init(streq(fpu_mode, "eager"));
	start_cpus(cmdline, info_phys);
	if (smp_panic_test_armed)
		smp_panic_test();
	struct acpi_irq_info acpi;
	const char *why = acpi_irq_info(boot_info.rsdp, boot_info.rsdp_len, arch_map_phys, &acpi);
	if (why)
		kprintf("acpi: %s; assuming the I/O APIC at its usual address, ISA IRQs unmoved\n", why);
	struct kobj *irq_control = irq_init(&acpi);
	if (boot_start_tasks(&boot_info, kmem, irq_control))
		sched_exit_kernel();
	idle_loop(poweroff);
}
