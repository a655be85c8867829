/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The VMM: one task per guest. The root task starts it from the boot
 * configuration (`vm`, `memory` = guest RAM, `module kernel`, optional
 * `module initrd`, `args` = the guest's command line) and maps the guest
 * RAM into it. It loads the kernel (a Linux bzImage by the 64-bit boot
 * protocol, or a multiboot v1 ELF), creates the VM and its vCPU, and then
 * handles every VM exit the kernel sends it: port I/O and MMIO to the
 * device models of the board (board.h), CPUID, MSRs, control registers,
 * HLT, and interrupt injection. The guest's serial output goes to the
 * console server under this program's name.
 *
 * Threads: one exit handler per vCPU (`cpus` in the configuration; each
 * on its vCPU's host CPU, so that exits stay on one CPU), which share the
 * board and device state under vmm_lock, and a timer thread that sleeps
 * until the next device timer is due and then asks for an interrupt-window
 * exit, so a handler gets control even while the guest computes without
 * exits. The main thread serves vCPU 0.
 */
#include "l4lib.h"
#include "l4vcpu.h"
#include <l4/console.h>
#include "board.h"
#include "loader/linux.h"
#include "loader/mptable.h"
#include "loader/multiboot.h"
#include "x86/emulate.h"
#include "x86state.h"

#define VCPU_PRIO_DEFAULT 50
#define RFLAGS_IF (1u << 9)       /* the guest takes interrupts */
#define REP_CHUNK 64              /* REP string iterations per exit before looking at interrupts
				     (MMIO and string I/O alike) */

/* CPUID bits the guest must not see: we do not virtualise them. */
#define CPUID1_ECX_VMX     (1u << 5)
#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_EDX_MCE     (1u << 7)
#define CPUID1_EDX_MTRR    (1u << 12)
#define CPUID1_EDX_MCA     (1u << 14)
#define CPUID7_EBX_INVPCID (1u << 10)
#define CPUID7_ECX_PKU     (1u << 3)
#define CPUID7_ECX_WAITPKG (1u << 5)
#define CPUID7_ECX_RDPID   (1u << 22)
#define CPUIDX1_EDX_RDTSCP (1u << 27)
#define CPUIDD1_EAX_XSAVES (1u << 3)
#define CPUID1_ECX_OSXSAVE (1u << 27)
#define CR4_OSXSAVE        (1u << 18)
#define CPUID7_EBX_AVX512  0xdc230000u   /* AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL */
#define CPUID7_ECX_AVX512  0x00005842u   /* VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ */
#define CPUID7_EDX_AVX512  0x0000010cu   /* 4VNNIW, 4FMAPS, VP2INTERSECT */

static struct board board;
/* vCPU c's local APIC. */
#define LAPIC_OF(c) board_lapic(&board, (c)->id)
static uint8_t *ram;
static uint64_t ram_size;
/* One per vCPU: its capability and the handler's state of it. Every
 * handler thread serves one vCPU; board and device state is shared under
 * vmm_lock. */
struct vcpu_ctx {
	unsigned id;                  /* its index = its local APIC ID */
	l4_cap_t cap, ep;             /* the vCPU, the endpoint its exits come to */
	l4_cap_t wake;                /* a notification: its handler waits on it at a HLT */
	unsigned tpr_threshold;       /* the TPR threshold we last gave it */
	bool vapic;                   /* its local APIC interrupts are posted (VID) */
	l4_word_t debug_regs[8];      /* its DR0-DR7 (DR7 lives in the VMCS) */
	volatile bool wait_sipi;      /* after an INIT: stopped until a start-up IPI */
	volatile bool nmi_pending;    /* an NMI (an IPI) to inject at its NMI window */
	bool halted_off;              /* at a HLT with interrupts off: an NMI or INIT wakes it */
};
static struct vcpu_ctx vcpus[L4_ENV_MAX_VCPUS];
static unsigned nvcpus = 1;
static unsigned long long tsc0;
static unsigned long tsc_khz;
static volatile vdev_time_t next_deadline = VDEV_NEVER;
static volatile bool guest_done;
static bool guest_failed;             /* stopped by an error, not by reset or exit */
static bool end_machine;
#define MPTABLE_GPA 0xf0000u              /* in the BIOS area Linux scans */
/* Typed input goes to the virtio console (the guest's console is hvc0). */
static bool input_virtio;
/* Typed input for the guest's UART (the program has `input`): the timer
 * thread fetches it from the console server, the exit handler feeds it. */
#define INPUT_RING 256u
static char input[INPUT_RING];
static volatile unsigned input_head, input_tail;
static unsigned long long exits[L4_VMEXIT_REASONS];
/* APIC virtualization with virtual-interrupt delivery (with vmm.vid, where
 * the CPU has it): this page of ours is the VM's at the local APIC's
 * address, the CPU delivers the local APIC's interrupts. Off by default:
 * Bochs 2.7 (every VM here) delivers a pending virtual interrupt when a
 * host interrupt comes, whatever the guest's RFLAGS.IF (ktest
 * vmx/self-ipi-with-interrupts-off). Linux sends itself IPIs (irq_work)
 * with interrupts off; taken at once, their handlers deadlocked Linux on
 * locks the interrupted code held (a vCPU spinning with interrupts off
 * for good: 1 run in 3 of a 4-vCPU boot). Without it Linux boots in the
 * same time (0.02% more: an EOI exit per tick). */
static bool no_vapic = true;
static uint8_t apic_page[4096] __attribute__((aligned(4096)));
static unsigned long long posted;          /* interrupts posted (the rest injected) */
/* For the statistics: the interrupts injected by vector (port accesses by
 * device are the board's), and our time. */
static unsigned long long injected[256];
static unsigned long long vmm_ticks;       /* TSC ticks in handle_exit (HLT waits not) */

static vdev_time_t now_ns(void)
{
	unsigned long long d = l4_rdtsc() - tsc0;

	return d / tsc_khz * 1000000ull + d % tsc_khz * 1000000ull / tsc_khz;
}

/* ---- the board's callbacks */
static void print_exit_counts(void);

/* The guest's text output, forwarded line by line to the console server. */
struct line_out {
	const char *prefix;        /* before each line: "" (the UART) or "hvc0: " */
	bool open;                 /* the line's start has gone out (line_flush) */
	unsigned len;
	char line[160];
};
static struct line_out uart_out = { .prefix = "" }, hvc_out = { .prefix = "hvc0: " };

/* Before o prints, the other output's unfinished line ends. */
static void line_take_turn(struct line_out *o)
{
	struct line_out *other = o == &uart_out ? &hvc_out : &uart_out;
	if (other->open) {
		l4_printf("\n");
		other->open = false;
	}
}

/* Sends what o has of its line, with the line's end or (end false) without. */
static void line_send(struct line_out *o, bool end)
{
	line_take_turn(o);
	o->line[o->len] = 0;
	l4_printf("%s%s%s", o->open ? "" : o->prefix, o->line, end ? "\n" : "");
	o->len = 0;
	o->open = !end;
}

static void line_put(struct line_out *o, uint8_t byte)
{
	if (byte == '\n' || o->len == sizeof(o->line) - 1) {
		/* The test initramfs's marker: what the boot cost in exits so far. */
		bool marker = o == &uart_out && o->len >= 14 &&
			      __builtin_memcmp(o->line, "L4LINUX: /init", 14) == 0;
		line_send(o, true);
		if (marker)
			print_exit_counts();
		if (byte == '\n')
			return;
	}
	if (byte != '\r')
		o->line[o->len++] = (char)byte;
}

/* The guest waits (HLT): what it wrote of a line goes out now, such as a
 * shell's prompt or the echo of what is typed. */
static void line_flush(struct line_out *o)
{
	if (o->len) {
		line_send(o, false);
		l4_flush();
	}
}

static void guest_console(void *ctx, uint8_t byte)
{
	(void)ctx;
	line_put(&uart_out, byte);
}

/* The guest's virtio console (/dev/hvc0). */
static void virtio_tx(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		line_put(&hvc_out, buf[i]);
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

/* ctx: the vcpu_ctx whose access it is. */
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
	(void)ctx;
	board_mmio_write(&board, cpu_of(ctx), gpa, size, val, now_ns());
	return 0;
}

/* Typed bytes from the console server into the input ring; true if any came. */
static bool fetch_input(l4_cap_t log)
{
	l4_word_t *mr = l4_utcb()->mr;
	unsigned room = INPUT_RING - (input_head - input_tail);

	if (log == L4_CAP_NONE || room == 0)
		return false;
	mr[0] = room < 64 ? room : 64;
	struct l4_result r = l4_call(log, l4_tag(L4_CONSOLE_READ, 1, 0), 100000);
	if (r.error || l4_tag_label(r.tag))
		return false;
	unsigned n = (unsigned)mr[0];
	for (unsigned i = 0; i < n && i < 64; i++) {
		input[input_head % INPUT_RING] = (char)(mr[1 + i / 8] >> (8 * (i % 8)));
		__atomic_thread_fence(__ATOMIC_RELEASE);  /* the byte before the head */
		input_head = input_head + 1;
	}
	return n > 0;
}

/* ---- the timer thread */
static void vmm_lock(void);
static void vmm_unlock(void);
struct vcpu_ctx;
static bool interrupt_waiting(struct vcpu_ctx *c);
static void vcpu_kick(void *ctx, unsigned cpu);

static long timer_thread(long arg)
{
	(void)arg;
	l4_cap_t never = l4_make(L4_FACTORY_NOTIFICATION);
	l4_cap_t log = l4_env->flags & L4_ENV_INPUT ? l4_env_cap("log") : L4_CAP_NONE;

	while (!guest_done) {
		vdev_time_t now = now_ns(), due = next_deadline;
		if (fetch_input(log))
			due = now;                        /* the handler feeds the UART at once */
		if (due <= now) {
			/* The timers up to now; each vCPU with an interrupt to take
			 * (vCPU 0 also for typed input) gets a window exit. */
			vmm_lock();
			board_advance(&board, BOARD_NO_CPU, now);
			next_deadline = board_next_event(&board);
			for (unsigned i = 0; i < nvcpus; i++)
				if (i == 0 || interrupt_waiting(&vcpus[i]))
					vcpu_kick(NULL, i);
			vmm_unlock();
			continue;
		}
		vdev_time_t wait = due - now;
		l4_recv(never, wait > 10000000 || log != L4_CAP_NONE ? 10000 : (wait + 999) / 1000);
	}
	return 0;
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

static int pio_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	(void)ctx;
	*val = (uint32_t)board_in(&board, cpu_of(ctx), port, size, now_ns());
	return 0;
}

static int pio_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
	(void)ctx;
	board_out(&board, cpu_of(ctx), port, size, val, now_ns());
	return 0;
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

/* The XSAVE components the guest may use: exactly those of the host's
 * XCR0, which stays loaded while the guest runs (XSETBV does not change it). */
static uint64_t host_xcr0(void)
{
	unsigned lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static void handle_cpuid(const struct vcpu_ctx *ctx, struct l4_vcpu_state *s)
{
	unsigned leaf = (unsigned)s->gpr[L4_REG_RAX], sub = (unsigned)s->gpr[L4_REG_RCX];
	unsigned a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
	switch (leaf) {
	case 1:
		c &= ~(CPUID1_ECX_VMX | CPUID1_ECX_MONITOR | CPUID1_ECX_OSXSAVE);
		c |= CPUID1_ECX_HYPERVISOR;
		if (s->cr[L4_CR_CR4] & CR4_OSXSAVE)       /* mirrors the guest's CR4 */
			c |= CPUID1_ECX_OSXSAVE;
		d &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MTRR | CPUID1_EDX_MCA);
		b = (b & 0x0000ffff) | (unsigned)nvcpus << 16 | ctx->id << 24;   /* logical CPUs, APIC ID */
		break;
	case 6: case 0xa:                                 /* power management, performance counters */
		a = b = c = d = 0;
		break;
	case 7:
		if (sub == 0) {
			b &= ~(CPUID7_EBX_INVPCID | CPUID7_EBX_AVX512);
			c &= ~(CPUID7_ECX_PKU | CPUID7_ECX_WAITPKG | CPUID7_ECX_RDPID | CPUID7_ECX_AVX512);
			d &= ~CPUID7_EDX_AVX512;
		}
		break;
	case 0xd: {
		uint64_t xcr0 = host_xcr0();
		if (sub == 0) {                           /* supported = enabled: the host's XCR0 */
			a = (unsigned)xcr0;
			d = (unsigned)(xcr0 >> 32);
			c = b;                            /* the largest area is the current one */
		} else if (sub == 1) {
			a &= ~CPUIDD1_EAX_XSAVES;
		} else if (sub < 64 && !(xcr0 & (1ull << sub))) {
			a = b = c = d = 0;
		}
		break;
	}
	case 0x15:                                        /* the TSC's true rate: crystal = TSC, ratio 1 */
		a = b = 1;
		c = (unsigned)(tsc_khz * 1000);
		d = 0;
		break;
	case 0x16:                                        /* base and maximum MHz, bus 100 MHz */
		a = b = (unsigned)(tsc_khz / 1000);
		c = 100;
		d = 0;
		break;
	case 0x80000001:
		d &= ~CPUIDX1_EDX_RDTSCP;
		break;
	case X86_CPUID_ADDR_SIZES:                        /* the width our guest page walks use */
		a = (a & ~0xffu) | vmm_maxphyaddr();
		break;
	default:
		if (leaf >= 0x40000000 && leaf < 0x50000000)
			a = b = c = d = 0;                /* no hypervisor interface */
		break;
	}
	s->gpr[L4_REG_RAX] = a;
	s->gpr[L4_REG_RBX] = b;
	s->gpr[L4_REG_RCX] = c;
	s->gpr[L4_REG_RDX] = d;
}

#define MSR_TSC        0x10
#define MSR_FEATURE    0x3a
#define MSR_BIOS_SIGN  0x8b           /* microcode revision: writes 0, reads it back */
#define MSR_TSC_ADJUST 0x3b           /* reads 0; writes ignored (the guest's TSC is the host's) */
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT        0x277
#define MSR_EFER       0xc0000080
#define MSR_STAR       0xc0000081
#define MSR_LSTAR      0xc0000082
#define MSR_CSTAR      0xc0000083
#define MSR_FMASK      0xc0000084
#define MSR_FS_BASE    0xc0000100
#define MSR_GS_BASE    0xc0000101
#define MSR_KGS_BASE   0xc0000102

/* The state-group word that holds msr (NULL: none). */
static l4_word_t *msr_word(struct l4_vcpu_state *s, uint32_t msr, unsigned *group)
{
	*group = L4_VCPU_MSR;
	switch (msr) {
	case MSR_SYSENTER_CS: return &s->msr[L4_MSR_SYSENTER_CS];
	case MSR_SYSENTER_ESP: return &s->msr[L4_MSR_SYSENTER_ESP];
	case MSR_SYSENTER_EIP: return &s->msr[L4_MSR_SYSENTER_EIP];
	case MSR_PAT: return &s->msr[L4_MSR_PAT];
	case MSR_STAR: return &s->msr[L4_MSR_STAR];
	case MSR_LSTAR: return &s->msr[L4_MSR_LSTAR];
	case MSR_CSTAR: return &s->msr[L4_MSR_CSTAR];
	case MSR_FMASK: return &s->msr[L4_MSR_FMASK];
	case MSR_KGS_BASE: return &s->msr[L4_MSR_KERNEL_GS_BASE];
	}
	*group = L4_VCPU_SEG;
	if (msr == MSR_FS_BASE)
		return &s->seg[2 * L4_SEG_FS + 1];
	if (msr == MSR_GS_BASE)
		return &s->seg[2 * L4_SEG_GS + 1];
	*group = L4_VCPU_CR;
	if (msr == MSR_EFER)
		return &s->cr[L4_CR_EFER];
	return NULL;
}

/* RDMSR/WRMSR; false: inject #GP. */
static bool handle_msr(const struct vcpu_ctx *c, bool write, struct l4_vcpu_state *s, unsigned *groups)
{
	uint32_t msr = (uint32_t)s->gpr[L4_REG_RCX];
	uint64_t value = (s->gpr[L4_REG_RDX] << 32) | (uint32_t)s->gpr[L4_REG_RAX];
	unsigned group;
	bool handled, ok;

	if (write)
		ok = board_msr_write(&board, c->id, msr, value, &handled, now_ns());
	else
		ok = board_msr_read(&board, c->id, msr, &value, &handled, now_ns());
	if (!handled) {
		l4_word_t *w = msr_word(s, msr, &group);
		handled = ok = true;
		if (w) {
			if (write) {
				*w = value;
				*groups |= group;
			} else {
				value = *w;
			}
		} else if (msr == MSR_TSC) {
			value = l4_rdtsc();               /* writes: ignored */
		} else if (msr == MSR_BIOS_SIGN || msr == MSR_TSC_ADJUST) {
			value = 0;                        /* no microcode update; writes ignored */
		} else if (msr == MSR_FEATURE) {
			value = 1;                        /* locked, VMX off */
		} else if (msr == MSR_MISC_ENABLE) {
			value = 1;                        /* fast strings */
		} else {
			ok = false;
		}
	}
	if (!ok) {
		l4_printf("vmm: %s of MSR %#x: #GP\n", write ? "write" : "read", msr);
		return false;
	}
	if (!write) {
		s->gpr[L4_REG_RAX] = (uint32_t)value;
		s->gpr[L4_REG_RDX] = value >> 32;
	}
	return true;
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

/* Handles one exit; returns the reply's tag. */
/* Takes apic_page back from the VM (we keep it). */
static void apic_page_revoke(void)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem((l4_word_t)apic_page, 12, L4_FP_RWX), 0);
}

/* The CPU's virtual IRR and ISR (the APIC group) to c's local APIC model. */
static void vid_state_to_model(struct vcpu_ctx *c, const struct l4_vcpu_state *s)
{
	uint32_t irr[8], isr[8];

	for (unsigned i = 0; i < 8; i++) {
		irr[i] = (uint32_t)(s->apic[L4_APIC_IRR + i / 2] >> (i % 2 * 32));
		isr[i] = (uint32_t)(s->apic[L4_APIC_ISR + i / 2] >> (i % 2 * 32));
	}
	lapic_vid_state(LAPIC_OF(c), irr, isr);
}

/* Whether the CPU holds a posted interrupt the guest can take now (its
 * class above the task priority and the one in service). */
static bool vid_deliverable(const struct l4_vcpu_state *s, unsigned cr8)
{
	unsigned rvi = L4_APIC_RVI(s->apic[L4_APIC_STATUS]), svi = L4_APIC_SVI(s->apic[L4_APIC_STATUS]);

	return (rvi >> 4) > cr8 && (rvi >> 4) > (svi >> 4);
}

/* Back to injection by the model when the guest leaves the xAPIC page at
 * its usual place (x2APIC, disabled, moved): the model takes the CPU's
 * interrupt state, and the VM loses the page. */
static void vapic_off(struct vcpu_ctx *c, const char *why)
{
	struct l4_vcpu_state st;

	if (l4_vcpu_read(c->cap, L4_VCPU_APIC, &st) == L4_OK)
		vid_state_to_model(c, &st);
	l4_vcpu_apic(c->cap, 0, 0);
	bool any = false;
	c->vapic = false;
	for (unsigned i = 0; i < nvcpus; i++)
		any |= vcpus[i].vapic;
	if (!any)
		apic_page_revoke();       /* (the page is the VM's one APIC-access page) */
	lapic_set_vid(LAPIC_OF(c), false);
	l4_printf("vmm: APIC virtualization off%s: %s\n", nvcpus > 1 ? " for a vCPU" : "", why);
}

/* The lock over the board and everything the handlers share: a spin
 * lock (the handlers of different vCPUs run on different host CPUs, and
 * hold it for one exit's work, never across a system call that blocks).
 * Two handlers can share a host CPU (more vCPUs than CPUs), so nothing
 * done under the lock may wake another handler (it would run, spin on
 * the lock its preempted holder keeps, and hold the CPU for a whole time
 * slice: 10 ms per IPI between such vCPUs): kicks wait in kicks_due until
 * the unlock. And a waiter that spins long yields, for the same reason. */
static volatile int vmm_lock_word;
static unsigned kicks_due;                /* vCPUs to kick at the unlock (a bit each) */
static void vcpu_kick_now(unsigned cpu);

static void vmm_lock(void)
{
	for (unsigned spins = 0; __atomic_exchange_n(&vmm_lock_word, 1, __ATOMIC_ACQUIRE);)
		while (__atomic_load_n(&vmm_lock_word, __ATOMIC_RELAXED))
			if (++spins % 4096 == 0)
				l4_yield();               /* (its holder may wait for our CPU) */
			else
				__asm__ volatile("pause");
}

static void vmm_unlock(void)
{
	__atomic_store_n(&vmm_lock_word, 0, __ATOMIC_RELEASE);
	unsigned due = __atomic_exchange_n(&kicks_due, 0, __ATOMIC_ACQ_REL);
	if (!due)
		return;
	/* (The kicks are system calls: the message registers, where a
	 * handler has its reply by now, are kept.) */
	l4_word_t mr[L4_MR_COUNT];
	__builtin_memcpy(mr, l4_utcb()->mr, sizeof(mr));
	for (unsigned i = 0; due; i++, due >>= 1)
		if (due & 1)
			vcpu_kick_now(i);
	__builtin_memcpy(l4_utcb()->mr, mr, sizeof(mr));
}

/* Whether an interrupt (or an NMI) waits for c (for HLT). */
static bool interrupt_waiting(struct vcpu_ctx *c)
{
	return c->nmi_pending || board_pending(&board, c->id) >= 0 ||
	       (c->vapic && lapic_requested_vector(LAPIC_OF(c)) >= 0);
}

static l4_word_t handle_exit(struct vcpu_ctx *c)
{
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	unsigned groups = L4_VCPU_GPR, requests = 0;
	l4_word_t event = 0, error = 0;

	l4_vcpu_exit_get(&e, &s);
	unsigned reason = (unsigned)(e.reason & 0xffff);
	if (reason < L4_VMEXIT_REASONS)
		exits[reason]++;
	if (e.reason & L4_VMEXIT_ENTRY_FAILED) {
		l4_printf("vmm: VM entry failed (reason %lu, error %lu); stopping the guest\n",
			  (unsigned long)reason, (unsigned long)e.qual);
		guest_done = guest_failed = true;
		return 0;
	}
	board_set_cr8(&board, c->id, e.cr8);
	switch (reason) {
	case L4_VMEXIT_CPUID:
		handle_cpuid(c, &s);
		s.gpr[L4_REG_RIP] += e.ilen;
		break;
	case L4_VMEXIT_IO:
		event = handle_io(c, &e, &s, &groups, &error);
		break;
	case L4_VMEXIT_RDMSR:
	case L4_VMEXIT_WRMSR:
		if (handle_msr(c, reason == L4_VMEXIT_WRMSR, &s, &groups))
			s.gpr[L4_REG_RIP] += e.ilen;
		else
			event = l4_event_exception(13, true);
		break;
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
		if (c->vapic && (e.groups & L4_VCPU_APIC))
			vid_state_to_model(c, &s);      /* for reads of IRR, ISR, PPR */
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
		if (!(s.gpr[L4_REG_RFLAGS] & RFLAGS_IF)) {
			/* HLT with interrupts off: only an NMI (an IPI) or an INIT wakes
			 * this vCPU. When every vCPU is so (or waits for a start-up IPI),
			 * the guest has powered off: what an OS without ACPI does (Linux
			 * parks the other CPUs so first, and a CPU it takes offline). */
			c->halted_off = true;
			bool all = true;
			for (unsigned i = 0; i < nvcpus; i++)
				all &= vcpus[i].halted_off || vcpus[i].wait_sipi;
			if (all) {
				l4_printf("vmm: the guest halted with interrupts off: powered off\n");
				guest_done = true;
				return 0;
			}
			while (!c->nmi_pending && !c->wait_sipi && !guest_done) {
				vmm_unlock();
				l4_recv(c->wake, 10000);
				vmm_lock();
			}
			c->halted_off = false;
			break;
		}
		line_flush(&uart_out);
		line_flush(&hvc_out);
		if (c->vapic && (e.groups & L4_VCPU_APIC) && vid_deliverable(&s, e.cr8))
			break;                           /* a posted interrupt wakes it at once */
		/* Sleep until an interrupt could be due (bounded: 10 ms). */
		for (unsigned spins = 0; !interrupt_waiting(c) && !guest_done && !c->wait_sipi && spins < 100;
		     spins++) {
			vdev_time_t now = now_ns(), due = board_next_event(&board);
			board_advance(&board, c->id, now);
			if (interrupt_waiting(c))
				break;
			/* (Without the lock: the other vCPUs go on; whoever gives
			 * this one an interrupt signals c->wake. At most 10 ms.) */
			vmm_unlock();
			l4_recv(c->wake, due == VDEV_NEVER || due > now + 10000000 ? 10000 :
					 due > now ? (due - now + 999) / 1000 : 1);
			vmm_lock();
		}
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
	/* Typed input into the guest's console device, as far as it takes it. */
	while (input_tail != input_head) {
		unsigned at = input_tail % INPUT_RING, n = input_head - input_tail;
		if (n > INPUT_RING - at)
			n = INPUT_RING - at;                  /* up to the ring's end */
		size_t took = board_input(&board, c->id, (const uint8_t *)&input[at], n, input_virtio, now_ns());
		input_tail = input_tail + (unsigned)took;
		if (took < n)
			break;
	}
	if (c->vapic && !(lapic_mmio_enabled(LAPIC_OF(c)) && lapic_mmio_base(LAPIC_OF(c)) == LAPIC_DEFAULT_BASE))
		vapic_off(c, "the guest left the xAPIC page at its usual address");
	/* Interrupts: the local APIC's are posted to the CPU, which delivers
	 * them (one per reply: a window exit brings the next); the others are
	 * injected at a window (the hardware says when the guest can take one).
	 * A vector is posted only while the guest has interrupts on, so the
	 * CPU delivers it at once; otherwise the window exit brings it. Bochs
	 * (2.7) delivers a posted vector that RFLAGS.IF holds back when the
	 * guest has written IF (a CLI) since its VM entry and an interrupt of
	 * the host comes (InterruptAcknowledge asks whether the virtual
	 * interrupt is pending, not whether it is unmasked): Linux took IRQ 1
	 * so inside request_irq and spun on the descriptor lock it held. */
	/* An NMI from another vCPU: at an NMI window (the guest in no NMI
	 * handler), before any interrupt. */
	if (c->nmi_pending && !event) {
		if (reason == L4_VMEXIT_NMI_WINDOW) {
			event = L4_EVENT_VALID | L4_EVENT_NMI | 2;
			c->nmi_pending = false;
		} else {
			requests |= L4_VCPU_REQ_NMI_WINDOW;
		}
	}
	board_advance(&board, c->id, now_ns());
	bool level, guest_if = s.gpr[L4_REG_RFLAGS] & RFLAGS_IF;
	int pv = c->vapic && guest_if ? lapic_post(LAPIC_OF(c), &level) : -1;
	if (pv >= 0) {
		requests |= (unsigned)L4_VCPU_POST(pv, level);
		injected[pv]++;
		posted++;
	}
	if (c->vapic && lapic_requested_vector(LAPIC_OF(c)) >= 0)
		requests |= L4_VCPU_REQ_IRQ_WINDOW;
	if (!event && board_pending(&board, c->id) >= 0) {
		if (reason == L4_VMEXIT_IRQ_WINDOW) {
			int v = board_ack(&board, c->id);
			if (v >= 0) {
				event = l4_event_interrupt((unsigned)v);
				injected[v & 0xff]++;
			}
		} else {
			requests |= L4_VCPU_REQ_IRQ_WINDOW;
		}
	}
	next_deadline = board_next_event(&board);
	/* The task priority back to CR8 if a TPR write changed it, and the
	 * threshold below which lowering it exits; they go in the CR group, so
	 * an exit without it asks for an interrupt window, whose exit has it. */
	l4_word_t tpr = L4_TPR(board_cr8(&board, c->id), board_tpr_threshold(&board, c->id));
	if (tpr != L4_TPR(e.cr8, c->tpr_threshold)) {
		if (e.groups & L4_VCPU_CR) {
			s.cr[L4_CR_TPR] = tpr;
			c->tpr_threshold = L4_TPR_THRESHOLD(tpr);
			groups |= L4_VCPU_CR;
		} else {
			requests |= L4_VCPU_REQ_IRQ_WINDOW;
		}
	}
	return l4_vcpu_reply_prepare(groups & e.groups, requests, event, error, &s);
}

static void print_exit_counts(void)
{
	unsigned long long total = 0;

	for (unsigned i = 0; i < L4_VMEXIT_REASONS; i++)
		total += exits[i];
	l4_printf("vmm: exits: %llu: io %llu, mmio %llu, msr %llu, cpuid %llu, hlt %llu, window %llu, "
		  "cr %llu, dr %llu, xsetbv %llu, apic %llu, eoi %llu, apic-write %llu\n", total,
		  exits[L4_VMEXIT_IO], exits[L4_VMEXIT_EPT_VIOLATION],
		  exits[L4_VMEXIT_RDMSR] + exits[L4_VMEXIT_WRMSR], exits[L4_VMEXIT_CPUID], exits[L4_VMEXIT_HLT],
		  exits[L4_VMEXIT_IRQ_WINDOW], exits[L4_VMEXIT_CR], exits[L4_VMEXIT_DR], exits[L4_VMEXIT_XSETBV],
		  exits[L4_VMEXIT_APIC_ACCESS], exits[L4_VMEXIT_EOI], exits[L4_VMEXIT_APIC_WRITE]);
	l4_printf("vmm: handling them took %llu TSC ticks here (%llu per exit)\n", vmm_ticks,
		  total ? vmm_ticks / total : 0);
	const uint64_t *io = board.port_accesses;
	l4_printf("vmm: port I/O: uart %llu, pic %llu, pit %llu, rtc %llu, pci %llu, other %llu\n",
		  (unsigned long long)io[BOARD_PORT_UART], (unsigned long long)io[BOARD_PORT_PIC],
		  (unsigned long long)io[BOARD_PORT_PIT], (unsigned long long)io[BOARD_PORT_RTC],
		  (unsigned long long)io[BOARD_PORT_PCI],
		  (unsigned long long)(io[BOARD_PORT_OTHER] + io[BOARD_PORT_NONE]));
	/* The interrupts injected, by vector (the three most frequent). */
	unsigned long long all = 0;
	int top[3] = { -1, -1, -1 };
	for (int v = 0; v < 256; v++) {
		all += injected[v];
		for (int k = 0; k < 3; k++) {
			if (injected[v] && (top[k] < 0 || injected[v] > injected[top[k]])) {
				for (int j = 2; j > k; j--)
					top[j] = top[j - 1];
				top[k] = v;
				break;
			}
		}
	}
	l4_printf("vmm: interrupts: %llu (%llu posted, %llu injected)", all, posted, all - posted);
	for (int k = 0; k < 3 && top[k] >= 0; k++)
		l4_printf("%s vector %#x %llu", k ? "," : ":", top[k], injected[top[k]]);
	l4_printf("\n");
}

/* ---- several vCPUs: INIT, start-up and interrupts between them
 * (the board's callbacks, called with vmm_lock held) */

/* An INIT to vCPU cpu: it stops and waits for a start-up IPI. */
static void vcpu_init(void *ctx, unsigned cpu)
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
static void vcpu_sipi(void *ctx, unsigned cpu, uint8_t vector)
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
	s.cr[L4_CR_DR7] = 0x400;
	l4_word_t data = L4_SEG_WORD(0, 0x93, 0xffff);
	for (unsigned i = 0; i < 6; i++)
		s.seg[2 * i] = data;
	s.seg[2 * L4_SEG_CS] = L4_SEG_WORD((vector & 0xff) << 8, 0x9b, 0xffff);
	s.seg[2 * L4_SEG_CS + 1] = (l4_word_t)(vector & 0xff) << 12;
	s.seg[2 * L4_SEG_LDTR] = L4_SEG_WORD(0, 0x82, 0xffff);
	s.seg[2 * L4_SEG_TR] = L4_SEG_WORD(0, 0x8b, 0xffff);
	s.dt[L4_DT_GDTR_LIMIT] = s.dt[L4_DT_IDTR_LIMIT] = 0xffff;
	s.msr[L4_MSR_PAT] = 0x0007040600070406ull;
	c->debug_regs[6] = 0xffff0ff0;
	c->tpr_threshold = 0;
	c->nmi_pending = c->halted_off = false;
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
static void vcpu_nmi(void *ctx, unsigned cpu)
{
	if (cpu >= nvcpus)
		return;
	vcpus[cpu].nmi_pending = true;
	vcpu_kick(ctx, cpu);
}

/* vCPU cpu may take an interrupt now: a handler waiting at its HLT
 * wakes, and a running vCPU exits when it can take it (a window). Done
 * at the lock's release (vmm_unlock says why). */
static void vcpu_kick(void *ctx, unsigned cpu)
{
	(void)ctx;
	if (cpu < nvcpus)
		__atomic_or_fetch(&kicks_due, 1u << cpu, __ATOMIC_RELAXED);
}

static void vcpu_kick_now(unsigned cpu)
{
	if (vcpus[cpu].wait_sipi)
		return;
	l4_send(vcpus[cpu].wake, 0, L4_TIMEOUT_POLL);
	L4_INVOKE(vcpus[cpu].cap, L4_THREAD_VCPU_POST, L4_VCPU_REQ_IRQ_WINDOW);
}

/* ---- the handler threads */

/* The guest is done (the first handler to see it, once): every vCPU
 * stops, and the main thread hears of it, even while it waits for an exit
 * of vCPU 0, which may compute on without exits (the main thread then
 * ends the VMM; another vCPU's triple fault must stop the whole VM). */
static void guest_stop_all(struct vcpu_ctx *c)
{
	static volatile int once;

	if (__atomic_exchange_n(&once, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned i = 0; i < nvcpus; i++)
		L4_INVOKE(vcpus[i].cap, L4_THREAD_STOP);
	if (c != &vcpus[0])                       /* (not an exit: its label is 0) */
		l4_send(vcpus[0].ep, l4_tag(0, 0, 0), 20000);
}

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
		unsigned long long halts = exits[L4_VMEXIT_HLT];
		l4_word_t tag = handle_exit(c);
		if (exits[L4_VMEXIT_HLT] == halts)                /* (not the time HLT waits) */
			vmm_ticks += l4_rdtsc() - t0;
		bool stopped = c->wait_sipi;              /* (INIT came meanwhile: no reply) */
		vmm_unlock();
		if (guest_done)
			break;
		r = stopped ? l4_recv(c->ep, L4_TIMEOUT_NEVER) : l4_reply_wait(c->ep, tag, L4_TIMEOUT_NEVER);
	}
	guest_stop_all(c);
}

/* The handler thread of vCPU arg (not 0: the main thread serves that). */
static long handler_thread(long arg)
{
	serve(&vcpus[arg]);
	return 0;
}

/* ---- start-up */
static const struct l4_env_module *env_module(const char *name)
{
	for (unsigned i = 0; i < l4_env->module_count && i < L4_ENV_MAX_MODULES; i++) {
		const char *a = l4_env->modules[i].name;
		unsigned k = 0;
		while (a[k] && a[k] == name[k])
			k++;
		if (a[k] == name[k])
			return &l4_env->modules[i];
	}
	return NULL;
}

/*
 * A multiboot kernel's modules: every module of the program but `kernel`,
 * in configuration order, each with the string "NAME ARGS" (NAME alone
 * without arguments), kept in strings.
 */
_Static_assert(L4_ENV_MAX_MODULES - 1 <= MB_MAX_MODULES, "every other module can be a multiboot one");
#define MB_STRING_LEN (L4_ENV_NAME_LEN + L4_ENV_MODULE_ARGS_LEN)
static unsigned multiboot_modules(struct mb_module *mods, char (*strings)[MB_STRING_LEN])
{
	const struct l4_env_module *kernel = env_module("kernel");
	unsigned n = 0;

	for (unsigned i = 0; i < l4_env->module_count && i < L4_ENV_MAX_MODULES; i++) {
		const struct l4_env_module *m = &l4_env->modules[i];
		char *s = strings[n];
		unsigned k = 0;
		if (m == kernel)
			continue;
		for (unsigned j = 0; j < L4_ENV_NAME_LEN - 1 && m->name[j]; j++)
			s[k++] = m->name[j];
		if (m->args[0])
			s[k++] = ' ';
		for (unsigned j = 0; j < L4_ENV_MODULE_ARGS_LEN - 1 && m->args[j]; j++)
			s[k++] = m->args[j];
		s[k] = 0;
		mods[n++] = (struct mb_module){ (const uint8_t *)m->addr, m->size, s };
	}
	return n;
}

static void state_from_cpu(const struct cpustate *c, struct l4_vcpu_state *s)
{
	__builtin_memset(s, 0, sizeof(*s));
	s->gpr[L4_REG_RAX] = c->rax, s->gpr[L4_REG_RBX] = c->rbx, s->gpr[L4_REG_RCX] = c->rcx;
	s->gpr[L4_REG_RDX] = c->rdx, s->gpr[L4_REG_RSI] = c->rsi, s->gpr[L4_REG_RDI] = c->rdi;
	s->gpr[L4_REG_RBP] = c->rbp, s->gpr[L4_REG_RSP] = c->rsp, s->gpr[L4_REG_R8] = c->r8;
	s->gpr[L4_REG_R9] = c->r9, s->gpr[L4_REG_R10] = c->r10, s->gpr[L4_REG_R11] = c->r11;
	s->gpr[L4_REG_R12] = c->r12, s->gpr[L4_REG_R13] = c->r13, s->gpr[L4_REG_R14] = c->r14;
	s->gpr[L4_REG_R15] = c->r15;
	s->gpr[L4_REG_RIP] = c->rip;
	s->gpr[L4_REG_RFLAGS] = c->rflags;
	s->cr[L4_CR_CR0] = c->cr0;
	s->cr[L4_CR_CR3] = c->cr3;
	s->cr[L4_CR_CR4] = c->cr4;
	s->cr[L4_CR_DR7] = 0x400;
	s->cr[L4_CR_EFER] = c->efer;
	const struct cpu_segment *seg[8] = { &c->es, &c->cs, &c->ss, &c->ds, &c->fs, &c->gs, &c->ldtr, &c->tr };
	for (unsigned i = 0; i < 8; i++) {
		s->seg[2 * i] = L4_SEG_WORD(seg[i]->selector, L4_SEG_AR(seg[i]->ar), seg[i]->limit);
		s->seg[2 * i + 1] = seg[i]->base;
	}
	s->dt[L4_DT_GDTR_BASE] = c->gdtr.base;
	s->dt[L4_DT_GDTR_LIMIT] = c->gdtr.limit;
	s->dt[L4_DT_IDTR_BASE] = c->idtr.base;
	s->dt[L4_DT_IDTR_LIMIT] = c->idtr.limit;
	s->msr[L4_MSR_PAT] = 0x0007040600070406ull;
}

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix && *s == *prefix)
		s++, prefix++;
	return !*prefix;
}

int main(int argc, char **argv)
{
	char cmdline[512];
	unsigned n = 0;
	l4_word_t err;

	/* vmm.end_machine first: when the guest stops, the whole machine ends
	 * (status 0 if the guest ended by reset or exit, 1 after an error): for
	 * tests. The rest is the guest's command line, separated by spaces. */
	int first = 1;
	for (; first < argc && starts_with(argv[first], "vmm."); first++) {
		if (__builtin_strcmp(argv[first], "vmm.end_machine") == 0)
			end_machine = true;
		else if (__builtin_strcmp(argv[first], "vmm.vid") == 0)
			no_vapic = false;             /* (see no_vapic) */
		else if (__builtin_strcmp(argv[first], "vmm.novapic") == 0)
			no_vapic = true;
		else
			l4_printf("vmm: unknown option %s ignored\n", argv[first]);
	}
	for (int i = first; i < argc; i++) {
		/* The last console= is Linux's /dev/console: input goes there. */
		if (starts_with(argv[i], "console="))
			input_virtio = starts_with(argv[i] + 8, "hvc");
		if (i > first && n + 2 < sizeof(cmdline))
			cmdline[n++] = ' ';
		for (const char *a = argv[i]; *a && n + 2 < sizeof(cmdline); a++)
			cmdline[n++] = *a;
	}
	cmdline[n] = 0;
	if (!l4_env || !l4_env->ram_size || !(l4_env->flags & L4_ENV_VM)) {
		l4_printf("vmm: needs `vm` and `memory` (guest RAM) in its configuration\n");
		return 1;
	}
	nvcpus = l4_env->vcpus >= 1 && l4_env->vcpus <= L4_ENV_MAX_VCPUS ? (unsigned)l4_env->vcpus : 1;
	ram = (uint8_t *)l4_env->ram_addr;
	ram_size = l4_env->ram_size;
	tsc_khz = l4_env->tsc_khz ? l4_env->tsc_khz : 1000000;
	const struct l4_env_module *kernel = env_module("kernel"), *initrd = env_module("initrd");
	if (!kernel) {
		l4_printf("vmm: no guest kernel (`module kernel FILE`)\n");
		return 1;
	}

	struct e820_map map;
	/* (The loaders see guest RAM below the hole, where it is linear: they
	 * place the kernel, initrd and tables there.) */
	struct guest_ram gram = { .ram = ram, .size = ram_size < E820_MMIO_START ? ram_size : E820_MMIO_START,
				  .map = &map };
	struct cpustate cpu;
	char msg[160];
	if (e820_build(&map, ram_size) != LOADER_OK) {
		l4_printf("vmm: %lu bytes of RAM make no PC memory map\n", (unsigned long)ram_size);
		return 1;
	}
	struct mb_module mods[L4_ENV_MAX_MODULES];
	static char mod_strings[L4_ENV_MAX_MODULES][MB_STRING_LEN];
	struct multiboot_boot mb = { .image = (const uint8_t *)kernel->addr, .image_len = kernel->size,
				     .cmdline = cmdline, .modules = mods };
	mb.module_count = multiboot_modules(mods, mod_strings);
	struct multiboot_layout mbl;
	int st = multiboot_load(&mb, &gram, &cpu, &mbl, msg, sizeof(msg));
	if (st != LOADER_OK && mb.module_count) {
		/* A multiboot kernel that loads without its modules: one of them is at fault. */
		struct multiboot_boot bare = mb;
		bare.module_count = 0;
		if (multiboot_load(&bare, &gram, &cpu, NULL, NULL, 0) == LOADER_OK) {
			l4_printf("vmm: multiboot kernel refused: %s\n", msg);
			return 1;
		}
	}
	if (st == LOADER_OK) {
		l4_printf("vmm: multiboot kernel loaded (%lu bytes, entry %#lx, %u module%s)\n",
			  (unsigned long)kernel->size, (unsigned long)cpu.rip, mb.module_count,
			  mb.module_count == 1 ? "" : "s");
	} else {
		struct linux_boot lb = { .kernel = (const uint8_t *)kernel->addr, .kernel_len = kernel->size,
					 .initrd = initrd ? (const uint8_t *)initrd->addr : NULL,
					 .initrd_len = initrd ? initrd->size : 0, .cmdline = cmdline };
		struct linux_layout ll;
		char why[160];
		int ls = linux_load(&lb, &gram, &cpu, &ll, why, sizeof(why));
		if (ls != LOADER_OK) {
			l4_printf("vmm: kernel refused: as a Linux bzImage: %s; as multiboot: %s\n", why, msg);
			return 1;
		}
		l4_printf("vmm: Linux kernel loaded (%lu bytes, initrd %lu bytes, command line \"%s\")\n",
			  (unsigned long)kernel->size, (unsigned long)(initrd ? initrd->size : 0), cmdline);
		/* MP tables in the BIOS area (reserved in the e820 map), where
		 * Linux looks: it runs its interrupts through the I/O APIC. */
		const struct mptable_config mp = {
			.cpus = nvcpus, .lapic_base = 0xfee00000u, .ioapic_id = BOARD_IOAPIC_ID(nvcpus),
			.ioapic_version = IOAPIC_VERSION,
			.ioapic_base = (uint32_t)IOAPIC_DEFAULT_BASE, .ioapic_pins = IOAPIC_PINS,
			.pci_slot = BOARD_VIRTIO_SLOT, .pci_pin = BOARD_VIRTIO_IRQ,
		};
		if (ram_size < MPTABLE_GPA + 0x10000 || !mptable_write(ram + MPTABLE_GPA, 0x10000, MPTABLE_GPA, &mp))
			l4_printf("vmm: no MP tables: the guest stays with the 8259s\n");
	}

	/* The VM: our RAM at guest-physical 0, vCPUs whose exits come to us. */
	l4_cap_t vm;
	if ((err = l4_vm_create(&vm))) {
		l4_printf("vmm: no VM (error %lu: %s)\n", (unsigned long)err,
			  err == L4_ENOSYS ? "this CPU has no VT-x" : "see errno.h");
		return 1;
	}
	/* In the pages the root task gave (sigma0.h): 1 GiB or 2 MiB ones, one
	 * mapping node each, and large EPT entries. Whole GiBs go in one item
	 * (E820_MMIO_START is GiB-aligned, so such a piece is one run). */
	l4_word_t q0 = l4_factory_used(L4_CAP_FACTORY);
	uint64_t map_t0 = l4_rdtsc();
	for (uint64_t off = 0, order; off < ram_size; off += 1ull << order) {
		order = !(off & ((1ull << 30) - 1)) && ram_size - off >= 1ull << 30 ? 30 : 22;
		err = l4_vm_map(vm, e820_ram_gpa(off), l4_env->ram_addr + off, (unsigned)order, L4_FP_RWX);
		if (err == L4_EINVAL && order == 30)     /* (small pages in it: the kernel wants 4 MiB items) */
			err = l4_vm_map(vm, e820_ram_gpa(off), l4_env->ram_addr + off, (unsigned)(order = 22), L4_FP_RWX);
		if (err) {
			l4_printf("vmm: guest RAM not mapped at %#lx (error %lu)\n", (unsigned long)e820_ram_gpa(off),
				  (unsigned long)err);
			return 1;
		}
	}
	l4_word_t q1 = l4_factory_used(L4_CAP_FACTORY);
	l4_printf("vmm: guest RAM %lu MiB mapped into the VM in %lu us; its EPT and nodes: %lu KiB of our quota\n",
		  (unsigned long)(ram_size >> 20),
		  (unsigned long)((l4_rdtsc() - map_t0) * 1000 / (l4_env->tsc_khz ? l4_env->tsc_khz : 1000000)),
		  (unsigned long)((q1 - q0) >> 10));
	unsigned prio = l4_env->priority > 1 ? (unsigned)l4_env->priority - 1 : VCPU_PRIO_DEFAULT;
	for (unsigned i = 0; i < nvcpus; i++) {
		struct vcpu_ctx *c = &vcpus[i];
		*c = (struct vcpu_ctx){ .id = i, .debug_regs = { 0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400 } };
		c->ep = l4_make(L4_FACTORY_ENDPOINT);
		c->wake = l4_make(L4_FACTORY_NOTIFICATION);
		if ((err = l4_vcpu_create(vm, c->ep, prio, &c->cap))) {
			l4_printf("vmm: no vCPU %u (error %lu)\n", i, (unsigned long)err);
			return 1;
		}
		long moved = l4_thread_set_cpu(c->cap, l4_env->vcpu_host[i]);
		if (moved) {
			l4_printf("vmm: vCPU %u: host CPU %u is not there or has no VT-x (error %ld)\n", i,
				  (unsigned)l4_env->vcpu_host[i], moved);
			return 1;
		}
	}
	apic_page[0] = 0;                                 /* (ours before we lend it) */
	if (!no_vapic) {
		err = l4_vm_map(vm, LAPIC_DEFAULT_BASE, (l4_word_t)apic_page, 12, L4_FP_R | L4_FP_W);
		for (unsigned i = 0; i < nvcpus && !err; i++)
			vcpus[i].vapic = !(err = l4_vcpu_apic(vcpus[i].cap, LAPIC_DEFAULT_BASE, L4_VAPIC_VID));
		if (err) {
			for (unsigned i = 0; i < nvcpus; i++)
				if (vcpus[i].vapic)
					l4_vcpu_apic(vcpus[i].cap, 0, 0);
			for (unsigned i = 0; i < nvcpus; i++)
				vcpus[i].vapic = false;
			apic_page_revoke();
		}
		l4_printf("vmm: local APIC interrupts %s\n", !err ? "posted (virtual-interrupt delivery)" :
			  err == L4_ENOSYS ? "injected (the CPU has no virtual-interrupt delivery)" : "injected");
	} else {
		l4_printf("vmm: local APIC interrupts injected (vmm.vid: posted by the CPU)\n");
	}
	bool vapic = vcpus[0].vapic;
	uint8_t masks[L4_VMEXIT_REASONS] = { 0 };
	masks[L4_VMEXIT_EPT_VIOLATION] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG;
	masks[L4_VMEXIT_RDMSR] = masks[L4_VMEXIT_WRMSR] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_MSR;
	/* (Every exit has CR8, the local APIC's task priority; window exits
	 * carry the CR group to change it or the TPR threshold.) */
	masks[L4_VMEXIT_IRQ_WINDOW] = masks[L4_VMEXIT_NMI_WINDOW] = masks[L4_VMEXIT_TPR_BELOW] =
		L4_VCPU_GPR | L4_VCPU_CR;
	masks[L4_VMEXIT_CR] = masks[L4_VMEXIT_DR] = masks[L4_VMEXIT_CPUID] = L4_VCPU_GPR | L4_VCPU_CR;
	/* (APIC virtualization: the CPU's interrupt state where it matters.) */
	masks[L4_VMEXIT_APIC_ACCESS] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | (vapic ? L4_VCPU_APIC : 0);
	masks[L4_VMEXIT_HLT] = L4_VCPU_GPR | (vapic ? L4_VCPU_APIC : 0);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_SET_NAME, 0x6d76ull /* "vm" */, 0);
	for (unsigned i = 0; i < nvcpus; i++)
		l4_vcpu_config(vcpus[i].cap, 0, L4_VCPU_GPR, masks, L4_VMEXIT_REASONS);
	tsc0 = l4_rdtsc();
	/* The guest reads the host's TSC (no offset): at board time 0 it is tsc0. */
	struct board_config bc = { .cpus = nvcpus, .init = vcpu_init, .sipi = vcpu_sipi, .nmi = vcpu_nmi, .kick = vcpu_kick,
				   .tsc_hz = (uint64_t)tsc_khz * 1000, .tsc_at_0 = tsc0,
				   .unix_time = 1764115200, .console = guest_console, .reset = guest_reset, .exit = guest_exit,
				   .ram = { .read = ram_read, .write = ram_write }, .virtio_tx = virtio_tx };
	board_init(&board, &bc, 0);
	for (unsigned i = 0; i < nvcpus; i++)
		lapic_set_vid(LAPIC_OF(&vcpus[i]), vcpus[i].vapic);
	struct l4_vcpu_state s;
	state_from_cpu(&cpu, &s);
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
	if (uart_out.len)
		line_put(&uart_out, '\n');
	print_exit_counts();
	if (end_machine) {
		l4_sleep_us(500000);              /* the console server's queue drains */
		if (l4_debug_exit(guest_failed ? 1 : 0))
			l4_printf("vmm: vmm.end_machine: no debug capability (the program needs `debug`)\n");
	}
	return guest_failed ? 2 : 0;
}
