/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual PC a guest runs on: which device models sit at which ports
 * and physical addresses, how their interrupt lines reach the 8259 pair,
 * the I/O APIC and the local APICs (one per vCPU), how the vCPUs
 * interrupt each other (IPIs), and which interrupt each vCPU takes next.
 * Pure C over the device models (no system calls), so the whole board can
 * be driven by host tests too.
 *
 *   ports 0x20-0x21, 0xa0-0xa1, 0x4d0-0x4d1   8259 pair, ELCR
 *   ports 0x40-0x43, 0x61                     8254, port B
 *   ports 0x60, 0x64                          i8042 (reset)
 *   ports 0x70-0x71                           MC146818 RTC/CMOS
 *   ports 0x3f8-0x3ff                         16550 UART (COM1, IRQ 4)
 *   ports 0xcf8-0xcff                         PCI configuration
 *   port  0x80                                POST code / I/O delay: ignored
 *   port  0x501                               debug exit (board_exit)
 *   port  0xe9                                debug console
 *   0xfec00000                                I/O APIC (ID: BOARD_IOAPIC_ID)
 *   0xfee00000                                the accessing vCPU's local APIC (MMIO;
 *                                             each vCPU sees its own, at the base
 *                                             its IA32_APIC_BASE says)
 *   PCI 00:01.0, BAR at 0xfe000000, IRQ 11    virtio console (virtio-pci), if the
 *                                             VMM gives it guest RAM
 *   PCI 00:02.0, BAR at 0xfe004000, IRQ 10    virtio disk (virtio-blk), if the VMM
 *                                             gives it a backend
 *   PCI 00:03.0, BAR at 0xfe008000, IRQ 9     virtio NIC (virtio-net), if the VMM
 *                                             gives it a backend
 * Anything else reads as all ones and ignores writes. The ports and MMIO
 * ranges are one table, the board's bus (bus.h), in that order of
 * priority where a guest makes them overlap: the accessing vCPU's local
 * APIC page first (it is the CPU's, not on the bus), then the virtio BARs
 * (wherever the guest moves them through PCI configuration; the console's,
 * the disk's, the NIC's), then the rest. Each virtio function has an
 * interrupt line of its own: the board does not share lines (the MP
 * tables give each function its own I/O APIC pin).
 *
 * CPUs. board_config.cpus vCPUs (1..BOARD_MAX_CPUS), numbered 0..cpus-1;
 * CPU n's local APIC has APIC ID n (xAPIC and x2APIC). CPU 0 is the
 * bootstrap processor (IA32_APIC_BASE.BSP) and starts running, its local
 * APIC as PC firmware leaves it (software enabled, virtual wire: the 8259
 * pair's INTR on LINT0 as ExtINT, NMI on LINT1). The others (APs) start
 * waiting for a start-up IPI, their local APICs in the power-up state
 * (software disabled, every LVT masked). The 8259 pair reaches CPU 0's
 * LINT0 only; the I/O APIC sends each pin to the destination its
 * redirection entry names.
 *
 * Calls and CPUs. Every call that can make an interrupt arrive names the
 * vCPU on whose behalf it runs, cpu: the vCPU whose exit is being handled
 * (0..cpus-1), or BOARD_NO_CPU for none (a timer thread of the VMM, say).
 * Per-CPU calls (the local APIC page and MSRs, CR8, pending and ack) act
 * on that vCPU's local APIC and need a vCPU (cpu < cpus). When a call
 * makes an interrupt arrive at another vCPU (IRR set by an IPI, the I/O
 * APIC or its own APIC timer running out; the 8259's INTR newly up for
 * CPU 0; an NMI, INIT or SIPI), the board calls kick(ctx, that cpu) once
 * before returning, so the VMM can interrupt that vCPU, which may be
 * running on another host CPU or sleeping in HLT: kick may be called for
 * an interrupt the vCPU cannot take yet (masked by its TPR or RFLAGS.IF),
 * never for the calling vCPU itself.
 *
 * The board is one data structure without locks: the VMM serialises every
 * call (one lock around the board, say). The callbacks run inside the
 * call (with that lock held) and must not call the board.
 *
 * IPIs (a write of the ICR: xAPIC ICR low at 0x300 with the destination
 * in ICR high at 0x310, or x2APIC MSR 0x830 with a 32-bit destination;
 * x2APIC SELF IPI, MSR 0x83f):
 *   destination   the shorthands self, all including self, all excluding
 *                 self; else physical (an APIC ID; 0xff in xAPIC and
 *                 0xffffffff in x2APIC mode are every CPU) or logical
 *                 (xAPIC: LDR against the destination, flat or cluster
 *                 model by DFR; x2APIC: cluster ID[19:4] and one bit for
 *                 ID[3:0], from the APIC ID). CPUs whose local APIC is
 *                 hardware disabled (IA32_APIC_BASE.EN clear) are never
 *                 destinations.
 *   fixed         sets the vector in each destination's IRR (a software
 *                 disabled APIC refuses it, as it refuses everything fixed).
 *   lowest prio.  one of the destinations: among those whose APIC is
 *                 software enabled, the one with the lowest task priority
 *                 class (TPR[7:4]), the lowest CPU number on a tie (no
 *                 focus processor, no arbitration IDs).
 *   NMI           nmi(ctx, cpu) for each destination.
 *   INIT          each destination's local APIC is reset (ID, IA32_APIC_BASE
 *                 and the xAPIC/x2APIC mode stay, SDM 11.4.7.3), then
 *                 init(ctx, cpu): an AP waits for a start-up IPI from then
 *                 on. The BSP too is reset by INIT but does not wait for a
 *                 SIPI (SDM 10.1: INIT is a reset that keeps caches, MSRs
 *                 and the like; the BSP goes on at the reset vector
 *                 FFFF:FFF0, an AP to wait-for-SIPI). INIT level de-assert
 *                 (level trigger with the assert bit clear) does nothing.
 *   SIPI          sipi(ctx, cpu, vector) for each destination that waits
 *                 for a start-up IPI (it then runs); ignored by the others,
 *                 as the CPU ignores it (a second SIPI of INIT-SIPI-SIPI).
 *   others        SMI and the reserved delivery modes are dropped.
 * A fixed or lowest-priority IPI with a vector below 16 is not sent: the
 * sender's ESR has "send illegal vector" (bit 5). A fixed IPI to the
 * sender itself (self shorthand, or its own physical ID) never leaves its
 * local APIC. A destination no CPU has
 * drops the IPI (no ESR bit: send-accept errors are the P6's bus). The
 * delivery mode applies to whatever destination set the fields give,
 * including combinations the SDM calls invalid (an NMI with the self
 * shorthand reaches the sender).
 *
 * I/O APIC messages go the same way: fixed, lowest priority, NMI and INIT
 * as above (the I/O APIC's 8-bit destination 0xff is every CPU, also in
 * x2APIC mode); SMI and ExtINT entries deliver nothing. A message to a
 * destination without a CPU is dropped (a level-triggered one then leaves
 * remote IRR clear: see ioapic.h).
 */
#ifndef VMM_BOARD_H
#define VMM_BOARD_H

#include "bus.h"
#include "dev/debugport.h"
#include "dev/i8042.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/pci.h"
#include "dev/pic8259.h"
#include "dev/pit8254.h"
#include "dev/rtc.h"
#include "dev/uart16550.h"
#include "dev/virtio_blk.h"
#include "dev/virtio_console.h"
#include "dev/virtio_net.h"

#define BOARD_COM1      0x3f8
#define BOARD_COM1_IRQ  4
#define BOARD_EXIT_PORT 0x501
#define BOARD_E9_PORT   0xe9
#define BOARD_VIRTIO_SLOT 1
#define BOARD_VIRTIO_BAR  0xfe000000ull
#define BOARD_VIRTIO_IRQ  11
#define BOARD_DISK_SLOT   2
#define BOARD_DISK_BAR    0xfe004000ull
#define BOARD_DISK_IRQ    10
#define BOARD_NET_SLOT    3
#define BOARD_NET_BAR     0xfe008000ull
#define BOARD_NET_IRQ     9             /* (11 and 10 are the console's and the disk's) */
#define BOARD_VIRTIO_FNS  3             /* the console, the disk, the NIC */

/* The devices behind the ports, for board.port_accesses: other is the
 * i8042, the debug ports and the POST port; none, what nothing decodes. */
enum board_port_kind { BOARD_PORT_UART, BOARD_PORT_PIC, BOARD_PORT_PIT, BOARD_PORT_RTC, BOARD_PORT_PCI,
		       BOARD_PORT_OTHER, BOARD_PORT_NONE, BOARD_PORT_KINDS };

#define BOARD_MAX_CPUS 8
/* The cpu of a call made on behalf of no vCPU: every CPU an interrupt
 * reaches is kicked. */
#define BOARD_NO_CPU (~0u)
/* The I/O APIC's ID with cpus CPUs: the first after the local APICs' IDs
 * (the board sets its ID register so; MP tables must say the same). */
#define BOARD_IOAPIC_ID(cpus) ((unsigned)(cpus))

struct board;

/* One vCPU's part of the board. */
struct board_cpu {
	struct lapic lapic;
	struct board *board;
	unsigned index;                 /* its CPU number, also its APIC ID */
	bool wait_for_sipi;             /* an AP after power-up or INIT: SIPIs start it */
	bool kick;                      /* an NMI, INIT or SIPI arrived in this call */
	uint32_t accepted;              /* lapic.accepted when the board last looked */
};

struct board {
	struct pic pic;
	struct pit pit;
	struct uart uart;
	struct rtc rtc;
	struct i8042 kbc;
	struct debugport debug;
	struct pci pci;
	struct ioapic ioapic;
	struct board_cpu cpu[BOARD_MAX_CPUS];
	unsigned cpus;                  /* CPUs 0..cpus-1 exist */
	int extint;                     /* the 8259 vector CPU 0 was last kicked for (-1: none) */
	struct vcon virtio;
	bool has_virtio;
	struct vblk disk;
	bool has_disk;
	struct vnet net;
	bool has_net;
	struct bus bus;                 /* every port and MMIO range but the local APICs' */
	/* The virtio functions present, each with its BAR's range on the bus. */
	struct board_virtio {
		struct virtio_pci *vp;
		int range;
	} virtio_fn[BOARD_VIRTIO_FNS];
	unsigned virtio_fns;
	struct vdev_irq irq;            /* what the ISA devices raise */
	/* Callbacks to the VMM: serial output, machine reset or exit; the
	 * vCPUs' INIT, SIPI, NMI and kick (see board_config). */
	void (*console)(void *ctx, uint8_t byte);
	void (*reset)(void *ctx);
	void (*exit)(void *ctx, uint64_t code);
	void (*init)(void *ctx, unsigned cpu);
	void (*sipi)(void *ctx, unsigned cpu, uint8_t vector);
	void (*nmi)(void *ctx, unsigned cpu);
	void (*kick)(void *ctx, unsigned cpu);
	void *ctx;
	uint64_t port_accesses[BOARD_PORT_KINDS];   /* by device (statistics) */
};

struct board_config {
	unsigned cpus;                  /* vCPUs, 1..BOARD_MAX_CPUS (0: 1; more: BOARD_MAX_CPUS) */
	uint64_t tsc_hz;                /* guest TSC rate */
	uint64_t tsc_at_0;              /* the guest's TSC at board time 0 */
	int64_t unix_time;              /* the RTC's start */
	void (*console)(void *ctx, uint8_t byte);
	void (*reset)(void *ctx);
	void (*exit)(void *ctx, uint64_t code);
	/*
	 * The vCPUs (any may be NULL; see "IPIs" above). The board has
	 * updated its own state first (the local APIC reset, waiting for a
	 * SIPI or not); the VMM does the vCPU's part:
	 *   init(ctx, cpu)          INIT: cpu stops; an AP (cpu != 0) waits
	 *                           for a SIPI, the BSP (cpu 0) restarts at
	 *                           the reset vector (the VMM, which puts no
	 *                           firmware there, may reset the machine).
	 *                           The board has reset the local APIC model
	 *                           (IRR, ISR empty); with APIC virtualization
	 *                           the VMM clears the vCPU's virtual IRR/ISR.
	 *   sipi(ctx, cpu, vector)  start-up: cpu (an AP that waited) starts
	 *                           in real mode at vector << 12 (CS selector
	 *                           vector << 8, base vector << 12, IP 0).
	 *   nmi(ctx, cpu)           an NMI for cpu.
	 *   kick(ctx, cpu)          cpu, not the calling vCPU, got an
	 *                           interrupt (also after init, sipi and nmi):
	 *                           make it exit or wake up, so that it looks
	 *                           at board_pending / lapic_post.
	 */
	void (*init)(void *ctx, unsigned cpu);
	void (*sipi)(void *ctx, unsigned cpu, uint8_t vector);
	void (*nmi)(void *ctx, unsigned cpu);
	void (*kick)(void *ctx, unsigned cpu);
	void *ctx;
	/* With guest RAM access, a virtio console whose output goes to
	 * virtio_tx; its errors (a malformed ring) go to log (may be NULL). */
	struct vdev_ram ram;
	void (*virtio_tx)(void *ctx, const uint8_t *buf, size_t n);
	void (*log)(void *ctx, const char *device, const char *what);
	/* With guest RAM access and this (may be NULL), a virtio disk over
	 * its sectors (dev/virtio_blk.h: the backend's kick starts its I/O). */
	const struct vblk_backend *disk;
	/* With guest RAM access and this (may be NULL), a virtio NIC on a
	 * port of the switch (dev/virtio_net.h: the backend's kick wakes the
	 * VMM's network thread). */
	const struct vnet_backend *net;
};

/* Power-up: cfg->cpus CPUs, CPU 0 running, the others waiting for a SIPI. */
void board_init(struct board *b, const struct board_config *cfg, vdev_time_t now);

/* Port I/O (size 1, 2 or 4) by vCPU cpu (or BOARD_NO_CPU): the ports are
 * the same for every CPU; cpu only says whom not to kick. */
uint64_t board_in(struct board *b, unsigned cpu, unsigned port, unsigned size, vdev_time_t now);
void board_out(struct board *b, unsigned cpu, unsigned port, unsigned size, uint64_t value, vdev_time_t now);

/* MMIO outside RAM by vCPU cpu (< cpus): the local APIC page is cpu's own
 * (where its IA32_APIC_BASE puts it, while it is in xAPIC mode); the I/O
 * APIC and the virtio BAR are shared. false if no device is there (reads
 * then give all ones). An ICR write here sends the IPI. */
bool board_mmio_read(struct board *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t *value,
		     vdev_time_t now);
bool board_mmio_write(struct board *b, unsigned cpu, uint64_t gpa, unsigned size, uint64_t value,
		      vdev_time_t now);

/* MSRs the board owns, vCPU cpu's (< cpus): APIC base, x2APIC registers
 * (an ICR write sends the IPI), TSC deadline. false if not one of them or
 * the access faults: *handled says which. */
bool board_msr_read(struct board *b, unsigned cpu, uint32_t msr, uint64_t *value, bool *handled,
		    vdev_time_t now);
bool board_msr_write(struct board *b, unsigned cpu, uint32_t msr, uint64_t value, bool *handled,
		     vdev_time_t now);

/* Typed input for the guest's console: the UART's receive FIFO, or with
 * virtio the virtio console's receive queue. Returns how many of the n bytes
 * the device took (0 while it has no room: try again later). cpu as for
 * board_in. */
size_t board_input(struct board *b, unsigned cpu, const uint8_t *buf, size_t n, bool virtio, vdev_time_t now);
/* Runs every timer up to now: the PIT, the RTC and every CPU's local APIC
 * timer. cpu (or BOARD_NO_CPU) as for board_in: a CPU whose APIC timer
 * fired is kicked unless it is cpu. */
void board_advance(struct board *b, unsigned cpu, vdev_time_t now);
/* A device's interrupt raised outside the calls above (by the VMM's disk
 * or net thread, which complete requests on their own): kicks every CPU
 * that got one, as each call above does at its end. */
void board_kick_pending(struct board *b);
/* When the next timer event of the board is due, any CPU's local APIC
 * timer included (VDEV_NEVER if none). */
vdev_time_t board_next_event(const struct board *b);

/*
 * The rest is per CPU: cpu < cpus, the vCPU whose exit is being handled.
 *
 * A local APIC's task priority is its vCPU's CR8 (the kernel's TPR
 * shadow): board_set_cr8 takes the guest's value at an exit, board_cr8 is
 * the value to give back (changed by a TPR write through the xAPIC page).
 * board_tpr_threshold: the priority class of an interrupt the task
 * priority holds back, at most CR8 (the guest lowering CR8 below it must
 * exit), else 0.
 */
void board_set_cr8(struct board *b, unsigned cpu, uint64_t cr8);
unsigned board_cr8(const struct board *b, unsigned cpu);
unsigned board_tpr_threshold(const struct board *b, unsigned cpu);
/* The vector vCPU cpu would take now (-1: none): its local APIC's, and
 * for CPU 0 the 8259's through LINT0; board_ack takes it. */
int board_pending(const struct board *b, unsigned cpu);
int board_ack(struct board *b, unsigned cpu);

/* vCPU cpu's local APIC, for APIC virtualization (lapic_set_vid,
 * lapic_post, lapic_vid_state, lapic_requested_vector, lapic_mmio_enabled,
 * lapic_mmio_base): those calls deliver nothing elsewhere. */
struct lapic *board_lapic(struct board *b, unsigned cpu);
/* The guest on cpu ended vector (an EOI exit of APIC virtualization): use
 * this, not lapic_eoi_vector, so that a level-triggered interrupt the I/O
 * APIC sends again reaches (and kicks) its destination. */
void board_eoi_vector(struct board *b, unsigned cpu, uint8_t vector);
/* Whether cpu waits for a start-up IPI (an AP before its SIPI, or after INIT). */
bool board_waits_for_sipi(const struct board *b, unsigned cpu);

#endif
