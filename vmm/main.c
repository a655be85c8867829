/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMM: one task per guest. The root task starts it from the boot
 * configuration (`vm`, `memory` = guest RAM, `module kernel`, optional
 * `module initrd`, `args` = the guest's command line) and maps the guest
 * RAM into it. It loads the kernel (setup.c), creates the VM and its vCPUs
 * (vcpu.c), and then handles every VM exit the kernel sends it: port I/O
 * and MMIO to the device models of the board (board.h), CPUID (cpuid.c),
 * MSRs (msr.c), control and debug registers, HLT, and interrupt delivery
 * (irq.c). The guest's console output goes to the console server under
 * this program's name (console.c).
 *
 * Threads: one exit handler per vCPU (`cpus` in the configuration; each
 * on its vCPU's host CPU, so that exits stay on one CPU), which share the
 * board and device state under vmm_lock, and a timer thread (timer.c). The
 * main thread serves vCPU 0. This file is the start-up order and the exit
 * loop; vmm.h lists the others.
 */
#include "vmm.h"
#include "cpuid.h"
#include "loader/e820.h"
#include "msr.h"
#include "setup.h"
#include "vapic.h"
#include "x86/emulate.h"
#include "x86state.h"

#define VCPU_PRIO_DEFAULT 50
#define REP_CHUNK 64              /* REP string iterations per exit before looking at interrupts
				     (MMIO and string I/O alike) */
#define HLT_SLICE_NS 10000000ull  /* a HLT waits at most this long before it looks again */
#define HLT_SLICES 100            /* ... this many times per exit */
#define UNIX_TIME_AT_0 1764115200 /* the RTC's time at power-on */

struct board board;
struct vcpu_ctx vcpus[L4_ENV_MAX_VCPUS];
unsigned nvcpus = 1;
uint8_t *ram;
uint64_t ram_size;
unsigned long tsc_khz;
volatile bool guest_done;
bool guest_failed;
volatile vdev_time_t next_deadline = VDEV_NEVER;
struct vmm_stats stats;
struct console console;
struct input_ring input;
static unsigned long long tsc0;
static struct vmm_options options;

vdev_time_t now_ns(void)
{
	unsigned long long d = l4_rdtsc() - tsc0;

	return d / tsc_khz * 1000000ull + d % tsc_khz * 1000000ull / tsc_khz;
}

/* ---- the board's callbacks */

static void guest_console(void *ctx, uint8_t byte)
{
	(void)ctx;
	console_uart(&console, byte);
}

/* The guest's virtio console (/dev/hvc0). */
static void virtio_tx(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	console_hvc(&console, buf, n);
}

static void guest_reset(void *ctx)
{
	(void)ctx;
	l4_printf("vmm: the guest reset the machine; stopping it\n");
	guest_done = true;
}

static void guest_exit(void *ctx, uint64_t code)
{
	(void)ctx;
	l4_printf("vmm: the guest exited with code %lu\n", (unsigned long)code);
	guest_done = true;
}

/* A device model's error (a virtio device's malformed ring). */
static void device_log(void *ctx, const char *device, const char *what)
{
	(void)ctx;
	l4_printf("vmm: virtio %s: %s: the device needs a reset\n", device, what);
}

/* The test initramfs's marker went out: what the boot cost so far. */
static void print_stats(void *ctx)
{
	(void)ctx;
	stats_print(&stats, board.port_accesses, l4_printf);
	disk_print_stats();
	net_print_stats();
}

/* ---- guest RAM for the instruction emulator and the devices: below the
 * PCI hole at its own addresses, the rest from 4 GiB on (e820.h) */
static int ram_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	uint64_t off = len ? e820_ram_offset(ram_size, gpa, len) : 0;

	(void)ctx;
	if (off == E820_NOT_RAM)
		return 1;
	__builtin_memcpy(buf, ram + off, len);
	return 0;
}

static int ram_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
	uint64_t off = len ? e820_ram_offset(ram_size, gpa, len) : 0;

	(void)ctx;
	if (off == E820_NOT_RAM)
		return 1;
	__builtin_memcpy(ram + off, buf, len);
	return 0;
}

/* The device models' checked translation (dev.h). */
static uint8_t *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	uint64_t off = e820_ram_offset(ram_size, gpa, len);

	(void)ctx;
	return off == E820_NOT_RAM ? NULL : ram + off;
}

/* ---- the emulator's device accesses (ctx: the vcpu_ctx whose access it is) */

static unsigned cpu_of(void *ctx)
{
	return ((const struct vcpu_ctx *)ctx)->id;
}

static int mmio_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	board_mmio_read(&board, cpu_of(ctx), gpa, size, val, now_ns());
	return 0;
}

static int mmio_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	board_mmio_write(&board, cpu_of(ctx), gpa, size, val, now_ns());
	return 0;
}

static int pio_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	*val = (uint32_t)board_in(&board, cpu_of(ctx), port, size, now_ns());
	return 0;
}

static int pio_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
	board_out(&board, cpu_of(ctx), port, size, val, now_ns());
	return 0;
}

/* ---- the VMM lock */

/*
 * The lock over the board and everything the handlers share: a spin
 * lock (the handlers of different vCPUs run on different host CPUs, and
 * hold it for one exit's work, never across a system call that blocks).
 * Two handlers can share a host CPU (more vCPUs than CPUs), so nothing
 * done under the lock may wake another handler (it would run, spin on
 * the lock its preempted holder keeps, and hold the CPU for a whole time
 * slice: 10 ms per IPI between such vCPUs): kicks wait in vcpu.c until
 * the unlock. And a waiter that spins long yields, for the same reason.
 */
static volatile int vmm_lock_word;

void vmm_lock(void)
{
	for (unsigned spins = 0; __atomic_exchange_n(&vmm_lock_word, 1, __ATOMIC_ACQUIRE);)
		while (__atomic_load_n(&vmm_lock_word, __ATOMIC_RELAXED))
			if (++spins % 4096 == 0)
				l4_yield();               /* (its holder may wait for our CPU) */
			else
				__asm__ volatile("pause");
}

/* The I/O threads to wake at the unlock (vmm_wake_at_unlock), under the lock. */
#define WAKE_MAX 4
static l4_cap_t wake_due[WAKE_MAX];
static unsigned wake_count;

void vmm_wake_at_unlock(l4_cap_t notification)
{
	for (unsigned i = 0; i < wake_count; i++)
		if (wake_due[i] == notification)
			return;
	if (wake_count < WAKE_MAX)
		wake_due[wake_count++] = notification;
}

void vmm_unlock(void)
{
	l4_cap_t wake[WAKE_MAX];
	unsigned n = wake_count;

	for (unsigned i = 0; i < n; i++)
		wake[i] = wake_due[i];
	wake_count = 0;
	__atomic_store_n(&vmm_lock_word, 0, __ATOMIC_RELEASE);
	unsigned due = vcpu_kicks_due();
	if (!due && !n)
		return;
	/* (The kicks are system calls: the message registers, where a
	 * handler has its reply by now, are kept.) */
	l4_word_t mr[L4_MR_COUNT];
	__builtin_memcpy(mr, l4_utcb()->mr, sizeof(mr));
	for (unsigned i = 0; due; i++, due >>= 1)
		if (due & 1)
			vcpu_kick_now(i);
	for (unsigned i = 0; i < n; i++)
		l4_send(wake[i], 0, L4_TIMEOUT_POLL);
	__builtin_memcpy(l4_utcb()->mr, mr, sizeof(mr));
}

/* ---- exits */

/* What the emulator reports as an event to inject (0: none), see x86state.h;
 * s must have the CR group for a #PF's CR2. */
static l4_word_t emu_event(int status, const struct x86_emu_result *res, struct l4_vcpu_state *s,
			   unsigned *groups, l4_word_t *error)
{
	if (status == X86_EMU_ERROR)
		/* A guest page table (or code) outside RAM: the answer the CPU's own
		 * walk gets from us too (its EPT violation comes to emulate()). */
		l4_printf("vmm: cannot emulate at %#lx (%u bytes %02x %02x %02x %02x): guest-physical %#lx "
			  "is not RAM: #UD\n", (unsigned long)s->gpr[L4_REG_RIP], res->nbytes, res->bytes[0],
			  res->bytes[1], res->bytes[2], res->bytes[3], (unsigned long)res->bad_gpa);
	return x86_emu_event(status, res, s, groups, error);
}

/* The instruction at RIP through the emulator, for an MMIO exit (EPT
 * violation, APIC access) or a string I/O exit; s has the GPR, CR and SEG
 * groups. Returns the event to inject. */
static l4_word_t emulate(struct vcpu_ctx *c, struct l4_vcpu_exit *e, struct l4_vcpu_state *s, unsigned *groups,
			 l4_word_t *error)
{
	struct x86_cpu cpu;
	struct x86_emu_result res;
	const struct x86_emu_ops ops = {
		.ram = { .read = ram_read, .write = ram_write },
		.mmio_read = mmio_read, .mmio_write = mmio_write, .mmio_ctx = c,
		.pio_in = pio_in, .pio_out = pio_out,
	};
	int status;

	x86_cpu_from_state(s, &cpu);
	if ((e->reason & 0xffff) == L4_VMEXIT_IO)
		status = x86_emulate_io(&cpu, e->qual, &ops, REP_CHUNK, &res);
	else
		status = x86_emulate(&cpu, e->gpa, &ops, REP_CHUNK, &res);
	if (status == X86_EMU_DONE || status == X86_EMU_CONTINUE) {
		x86_cpu_to_state(&cpu, s);
		*groups |= L4_VCPU_GPR;
	}
	return emu_event(status, &res, s, groups, error);
}

static l4_word_t handle_io(struct vcpu_ctx *c, struct l4_vcpu_exit *e, struct l4_vcpu_state *s,
			   unsigned *groups, l4_word_t *error)
{
	unsigned size = X86_IO_QUAL_SIZE(e->qual), port = X86_IO_QUAL_PORT(e->qual);
	vdev_time_t now = now_ns();

	if (e->qual & X86_IO_QUAL_STRING) {
		/* INS/OUTS: the emulator, as the CPU would run them (see vmm/README.md).
		 * I/O exits carry the GPRs only (port I/O is frequent, string I/O
		 * rare): the CR and SEG groups are read here, and the reply may then
		 * write the CR group (a #PF's CR2). */
		if (l4_vcpu_read(c->cap, L4_VCPU_CR | L4_VCPU_SEG, s)) {
			l4_printf("vmm: the vCPU's state is not readable; stopping the guest\n");
			guest_done = guest_failed = true;
			return 0;
		}
		e->groups |= L4_VCPU_CR | L4_VCPU_SEG;
		return emulate(c, e, s, groups, error);
	}
	if (e->qual & X86_IO_QUAL_IN) {
		uint64_t v = board_in(&board, c->id, port, size, now);
		uint64_t mask = size == 4 ? 0xffffffffull : (1ull << (8 * size)) - 1;
		s->gpr[L4_REG_RAX] = size == 4 ? v & mask : (s->gpr[L4_REG_RAX] & ~mask) | (v & mask);
	} else {
		board_out(&board, c->id, port, size, s->gpr[L4_REG_RAX], now);
	}
	s->gpr[L4_REG_RIP] += e->ilen;
	return 0;
}

/* MOV to/from CR8 (the local APIC's TPR) and the CR0/CR4 writes VMX keeps. */
static bool handle_cr(struct l4_vcpu_exit *e, struct l4_vcpu_state *s, unsigned *groups)
{
	unsigned cr = e->qual & 15, type = (e->qual >> 4) & 3;
	l4_word_t *reg = &s->gpr[vmm_gpr_of[(e->qual >> 8) & 15]];

	if (type == 0 && (cr == 0 || cr == 4)) {      /* (CR8 is the TPR shadow's: no exits) */
		s->cr[cr == 0 ? L4_CR_CR0 : L4_CR_CR4] = *reg;
		*groups |= L4_VCPU_CR;
	} else {
		l4_printf("vmm: control register access %#lx not emulated\n", (unsigned long)e->qual);
		return false;
	}
	return true;
}

/* MOV to/from a debug register: the guest has its own, kept here (DR7 in
 * the VMCS); its breakpoints do not fire (we intercept every DR access). */
static void handle_dr(struct vcpu_ctx *c, struct l4_vcpu_exit *e, struct l4_vcpu_state *s, unsigned *groups)
{
	unsigned dr = e->qual & 7;
	l4_word_t *reg = &s->gpr[vmm_gpr_of[(e->qual >> 8) & 15]];

	if (dr == 4 || dr == 5)
		dr += 2;                                  /* aliases of DR6/DR7 (CR4.DE clear) */
	if (e->qual & 16) {                               /* MOV from DR */
		*reg = dr == 7 ? s->cr[L4_CR_DR7] : c->debug_regs[dr];
	} else if (dr == 7) {
		s->cr[L4_CR_DR7] = (*reg & 0xffffffff) | 0x400;
		*groups |= L4_VCPU_CR;
	} else {
		c->debug_regs[dr] = *reg;
	}
}

/* HLT: with interrupts on, sleep until an interrupt could be due (bounded);
 * with them off, only an NMI or INIT wakes the vCPU, and when every vCPU
 * is so (or waits for a start-up IPI) the guest has powered off: what an
 * OS without ACPI does (Linux parks the other CPUs so first, and a CPU it
 * takes offline). Returns false when the guest is done. */
static bool handle_hlt(struct vcpu_ctx *c, const struct l4_vcpu_exit *e, const struct l4_vcpu_state *s)
{
	if (!(s->gpr[L4_REG_RFLAGS] & RFLAGS_IF)) {
		c->halted_off = true;
		bool all = true;
		for (unsigned i = 0; i < nvcpus; i++)
			all &= vcpus[i].halted_off || vcpus[i].wait_sipi;
		if (all) {
			l4_printf("vmm: the guest halted with interrupts off: powered off\n");
			guest_done = true;
			return false;
		}
		while (!c->irq.nmi_pending && !c->wait_sipi && !guest_done) {
			vmm_unlock();
			l4_recv(c->wake, 10000);
			vmm_lock();
		}
		c->halted_off = false;
		return true;
	}
	console_flush(&console);
	if (c->irq.vapic && (e->groups & L4_VCPU_APIC) && vapic_deliverable(s, e->cr8))
		return true;                              /* a posted interrupt wakes it at once */
	for (unsigned slices = 0; !irq_waiting(&board, c->id, &c->irq) && !guest_done && !c->wait_sipi &&
				  slices < HLT_SLICES; slices++) {
		vdev_time_t now = now_ns(), due = board_next_event(&board);
		board_advance(&board, c->id, now);
		if (irq_waiting(&board, c->id, &c->irq))
			break;
		/* (Without the lock: the other vCPUs go on; whoever gives
		 * this one an interrupt signals c->wake. At most 10 ms.) */
		vmm_unlock();
		l4_recv(c->wake, due == VDEV_NEVER || due > now + HLT_SLICE_NS ? HLT_SLICE_NS / 1000 :
				 due > now ? (due - now + 999) / 1000 : 1);
		vmm_lock();
	}
	return true;
}

/* Typed input into the guest's console device (board_input), for input_feed. */
static size_t feed_input(void *ctx, const uint8_t *buf, size_t n)
{
	return board_input(&board, cpu_of(ctx), buf, n, options.input_virtio, now_ns());
}

/* Handles one exit of c; returns the reply's tag (0: no reply, the guest is done). */
static l4_word_t handle_exit(struct vcpu_ctx *c)
{
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	unsigned groups = L4_VCPU_GPR, requests = 0;
	l4_word_t event = 0, error = 0;

	l4_vcpu_exit_get(&e, &s);
	unsigned reason = (unsigned)(e.reason & 0xffff);
	if (reason < L4_VMEXIT_REASONS)
		stats.exits[reason]++;
	if (e.reason & L4_VMEXIT_ENTRY_FAILED) {
		l4_printf("vmm: VM entry failed (reason %lu, error %lu); stopping the guest\n",
			  (unsigned long)reason, (unsigned long)e.qual);
		guest_done = guest_failed = true;
		return 0;
	}
	board_set_cr8(&board, c->id, e.cr8);
	switch (reason) {
	case L4_VMEXIT_CPUID:
		cpuid_exit((struct cpuid_guest){ .cpus = nvcpus, .apic_id = c->id, .tsc_khz = tsc_khz,
						 .xcr0 = cpuid_host_xcr0(), .maxphyaddr = vmm_maxphyaddr() }, &s);
		s.gpr[L4_REG_RIP] += e.ilen;
		break;
	case L4_VMEXIT_IO:
		event = handle_io(c, &e, &s, &groups, &error);
		break;
	case L4_VMEXIT_RDMSR:
	case L4_VMEXIT_WRMSR: {
		bool write = reason == L4_VMEXIT_WRMSR;
		if (msr_exit(&board, c->id, write, &s, &groups, l4_rdtsc(), now_ns())) {
			s.gpr[L4_REG_RIP] += e.ilen;
		} else {
			l4_printf("vmm: %s of MSR %#x: #GP\n", write ? "write" : "read", (unsigned)s.gpr[L4_REG_RCX]);
			event = l4_event_exception(13, true);
		}
		break;
	}
	case L4_VMEXIT_CR:
		if (handle_cr(&e, &s, &groups))
			s.gpr[L4_REG_RIP] += e.ilen;
		else
			event = l4_event_exception(6, false);
		break;
	case L4_VMEXIT_EPT_VIOLATION:
		event = emulate(c, &e, &s, &groups, &error);
		break;
	case L4_VMEXIT_APIC_ACCESS:                   /* the local APIC, as MMIO at e.gpa */
		if ((e.qual >> 12 & 15) > 1) {
			l4_printf("vmm: the guest used its APIC page at %#lx as code or a table (access type %lu); "
				  "stopping it\n", (unsigned long)e.gpa, (unsigned long)(e.qual >> 12 & 15));
			guest_done = guest_failed = true;
			return 0;
		}
		if (c->irq.vapic && (e.groups & L4_VCPU_APIC))
			vapic_state_to_model(board_lapic(&board, c->id), &s);   /* for reads of IRR, ISR, PPR */
		event = emulate(c, &e, &s, &groups, &error);
		break;
	case L4_VMEXIT_EOI:                           /* after the write: nothing to redo */
		board_eoi_vector(&board, c->id, (uint8_t)e.qual);
		groups = 0;
		break;
	case L4_VMEXIT_APIC_WRITE:                    /* done in the CPU's page; ours to act on */
		mmio_write(c, LAPIC_DEFAULT_BASE + (e.qual & 0xff0), 4, e.qual >> 32);
		groups = 0;
		break;
	case L4_VMEXIT_DR:
		handle_dr(c, &e, &s, &groups);
		s.gpr[L4_REG_RIP] += e.ilen;
		break;
	case L4_VMEXIT_XSETBV:
		s.gpr[L4_REG_RIP] += e.ilen;              /* XCR0 stays the host's */
		break;
	case L4_VMEXIT_WBINVD:
		s.gpr[L4_REG_RIP] += e.ilen;              /* no device here caches apart from RAM */
		break;
	case L4_VMEXIT_MONITOR:
	case L4_VMEXIT_MWAIT:
		event = l4_event_exception(6, false);     /* CPUID says there is no MONITOR */
		break;
	case L4_VMEXIT_RDPMC:
		event = l4_event_exception(13, true);     /* no performance counters (CPUID leaf 0xa) */
		break;
	case L4_VMEXIT_HLT:
		s.gpr[L4_REG_RIP] += e.ilen;
		if (!handle_hlt(c, &e, &s))
			return 0;
		break;
	case L4_VMEXIT_IRQ_WINDOW:
	case L4_VMEXIT_NMI_WINDOW:
	case L4_VMEXIT_TPR_BELOW:                        /* (a held interrupt may go now) */
		break;
	case L4_VMEXIT_VMCALL:
		s.gpr[L4_REG_RIP] += e.ilen;
		s.gpr[L4_REG_RAX] = ~0ull;                /* no hypercalls */
		break;
	case L4_VMEXIT_TRIPLE_FAULT:
		l4_printf("vmm: the guest triple-faulted at %#lx; stopping it\n", (unsigned long)s.gpr[L4_REG_RIP]);
		guest_done = guest_failed = true;
		return 0;
	default:
		l4_printf("vmm: exit %u at %#lx not handled: #UD\n", reason, (unsigned long)s.gpr[L4_REG_RIP]);
		event = l4_event_exception(6, false);
		break;
	}
	input_feed(&input, feed_input, c);
	if (c->irq.vapic && !vapic_page_in_place(board_lapic(&board, c->id)))
		vapic_off(c, "the guest left the xAPIC page at its usual address");
	event = irq_deliver(&board, c->id, &c->irq, reason, &e, &s, &groups, &requests, event, now_ns(), &stats);
	next_deadline = board_next_event(&board);
	return l4_vcpu_reply_prepare(groups & e.groups, requests, event, error, &s);
}

/* ---- the handler threads */

/* Serves c's exits until the guest is done, then stops them all. (The
 * waits have no timeout: a VM exit's reply takes the kernel's fast path
 * only so.) */
static void serve(struct vcpu_ctx *c)
{
	struct l4_result r = l4_recv(c->ep, L4_TIMEOUT_NEVER);

	while (!guest_done) {
		if (r.error || l4_tag_label(r.tag) != L4_LABEL_VMEXIT) {
			r = l4_recv(c->ep, L4_TIMEOUT_NEVER);
			continue;
		}
		vmm_lock();
		uint64_t t0 = l4_rdtsc();
		unsigned long long halts = stats.exits[L4_VMEXIT_HLT];
		l4_word_t tag = handle_exit(c);
		if (stats.exits[L4_VMEXIT_HLT] == halts)          /* (not the time HLT waits) */
			stats.ticks += l4_rdtsc() - t0;
		bool stopped = c->wait_sipi;              /* (INIT came meanwhile: no reply) */
		vmm_unlock();
		if (guest_done)
			break;
		r = stopped ? l4_recv(c->ep, L4_TIMEOUT_NEVER) : l4_reply_wait(c->ep, tag, L4_TIMEOUT_NEVER);
	}
	vcpu_stop_all(c);
}

/* The handler thread of vCPU arg (not 0: the main thread serves that). */
static long handler_thread(long arg)
{
	serve(&vcpus[arg]);
	return 0;
}

/* ---- start-up */

int main(int argc, char **argv)
{
	l4_word_t err;

	/* vmm.end_machine first: when the guest stops, the whole machine ends
	 * (status 0 if the guest ended by reset or exit, 1 after an error): for
	 * tests. The rest is the guest's command line. */
	setup_options(argc, argv, &options, l4_printf);
	if (!l4_env || !l4_env->ram_size || !(l4_env->flags & L4_ENV_VM)) {
		l4_printf("vmm: needs `vm` and `memory` (guest RAM) in its configuration\n");
		return 1;
	}
	nvcpus = l4_env->vcpus >= 1 && l4_env->vcpus <= L4_ENV_MAX_VCPUS ? (unsigned)l4_env->vcpus : 1;
	ram = (uint8_t *)l4_env->ram_addr;
	ram_size = l4_env->ram_size;
	tsc_khz = l4_env->tsc_khz ? l4_env->tsc_khz : 1000000;
	console_init(&console, l4_printf, l4_flush, print_stats, NULL);
	struct cpustate cpu;
	/* vmm.disk=VOLUME: a virtio disk over the block server's volume. */
	struct vblk_backend disk;
	bool has_disk = options.disk[0] && disk_open(options.disk, &disk);
	/* vmm.net: a virtio NIC on a port of the virtual switch. */
	struct vnet_backend net;
	bool has_net = options.net && net_open(options.mac_given ? options.mac : NULL, &net);
	if (!setup_load(l4_env, ram, ram_size, options.cmdline, nvcpus,
			(has_disk ? SETUP_PCI_DISK : 0) | (has_net ? SETUP_PCI_NET : 0), &cpu, l4_printf))
		return 1;

	/* The VM: our RAM at guest-physical 0, vCPUs whose exits come to us. */
	l4_cap_t vm;
	unsigned prio = l4_env->priority > 1 ? (unsigned)l4_env->priority - 1 : VCPU_PRIO_DEFAULT;
	if (!vm_create(&vm, prio))
		return 1;
	bool vapic = vapic_start(vm, options.vid);
	uint8_t masks[L4_VMEXIT_REASONS];
	setup_exit_masks(masks, vapic);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_SET_NAME, 0x6d76ull /* "vm" */, 0);
	for (unsigned i = 0; i < nvcpus; i++)
		l4_vcpu_config(vcpus[i].cap, 0, L4_VCPU_GPR, masks, L4_VMEXIT_REASONS);
	tsc0 = l4_rdtsc();
	/* The guest reads the host's TSC (no offset): at board time 0 it is tsc0. */
	struct board_config bc = { .cpus = nvcpus, .init = vcpu_init, .sipi = vcpu_sipi, .nmi = vcpu_nmi, .kick = vcpu_kick,
				   .tsc_hz = (uint64_t)tsc_khz * 1000, .tsc_at_0 = tsc0,
				   .unix_time = UNIX_TIME_AT_0, .console = guest_console, .reset = guest_reset,
				   .exit = guest_exit, .ram = { .map = ram_map }, .virtio_tx = virtio_tx, .log = device_log,
				   .disk = has_disk ? &disk : NULL, .net = has_net ? &net : NULL };
	board_init(&board, &bc, 0);
	if (board.has_net)
		net_start();
	for (unsigned i = 0; i < nvcpus; i++)
		lapic_set_vid(board_lapic(&board, i), vcpus[i].irq.vapic);
	struct l4_vcpu_state s;
	setup_state(&cpu, &s);
	if ((err = l4_vcpu_write(vcpus[0].cap, L4_VCPU_ALL, 0, 0, 0, &s)) ||
	    (err = L4_INVOKE(vcpus[0].cap, L4_THREAD_RESUME).error)) {
		l4_printf("vmm: the vCPU does not start (error %lu)\n", (unsigned long)err);
		return 1;
	}
	if (l4_thread_start(timer_thread, 0, (unsigned)l4_env->priority) == L4_CAP_NONE)
		l4_printf("vmm: no timer thread: timer interrupts come only with exits\n");
	/* The others wait for INIT and start-up IPIs from the guest, each with
	 * a handler thread on its host CPU. */
	for (unsigned i = 1; i < nvcpus; i++) {
		vcpus[i].wait_sipi = true;
		l4_cap_t h = l4_thread_start(handler_thread, (long)i, (unsigned)l4_env->priority);
		if (h == L4_CAP_NONE || l4_thread_set_cpu(h, l4_env->vcpu_host[i])) {
			l4_printf("vmm: no handler thread for vCPU %u\n", i);
			return 1;
		}
	}
	if (nvcpus > 1)
		l4_printf("vmm: %u vCPUs on host CPUs", nvcpus);
	for (unsigned i = 0; i < nvcpus && nvcpus > 1; i++)
		l4_printf("%s %u", i ? "," : "", (unsigned)l4_env->vcpu_host[i]);
	if (nvcpus > 1)
		l4_printf("\n");
	serve(&vcpus[0]);
	console_end(&console);
	print_stats(NULL);
	if (options.end_machine) {
		l4_sleep_us(500000);              /* the console server's queue drains */
		if (l4_debug_exit(guest_failed ? 1 : 0))
			l4_printf("vmm: vmm.end_machine: no debug capability (the program needs `debug`)\n");
	}
	return guest_failed ? 2 : 0;
}
