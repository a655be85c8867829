/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual PC a guest runs on: which device models sit at which ports
 * and physical addresses, how their interrupt lines reach the 8259 pair,
 * the I/O APIC and the local APIC, and which interrupt the vCPU takes
 * next. Pure C over the device models (no system calls), so the whole
 * board can be driven by host tests too.
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
 *   0xfec00000, 0xfee00000                    I/O APIC, local APIC (MMIO)
 *   PCI 00:01.0, BAR at 0xfe000000, IRQ 11    virtio console (virtio-pci), if the
 *                                             VMM gives it guest RAM
 * Anything else reads as all ones and ignores writes.
 */
#ifndef VMM_BOARD_H
#define VMM_BOARD_H

#include "dev/debugport.h"
#include "dev/i8042.h"
#include "dev/ioapic.h"
#include "dev/lapic.h"
#include "dev/pci.h"
#include "dev/pic8259.h"
#include "dev/pit8254.h"
#include "dev/rtc.h"
#include "dev/uart16550.h"
#include "dev/virtio_pci.h"

#define BOARD_COM1      0x3f8
#define BOARD_COM1_IRQ  4
#define BOARD_EXIT_PORT 0x501
#define BOARD_E9_PORT   0xe9
#define BOARD_VIRTIO_SLOT 1
#define BOARD_VIRTIO_BAR  0xfe000000ull
#define BOARD_VIRTIO_IRQ  11

/* The devices behind the ports, for board.port_accesses: other is the
 * i8042, the debug ports and the POST port; none, what nothing decodes. */
enum board_port_kind { BOARD_PORT_UART, BOARD_PORT_PIC, BOARD_PORT_PIT, BOARD_PORT_RTC, BOARD_PORT_PCI,
		       BOARD_PORT_OTHER, BOARD_PORT_NONE, BOARD_PORT_KINDS };

struct board {
	struct pic pic;
	struct pit pit;
	struct uart uart;
	struct rtc rtc;
	struct i8042 kbc;
	struct debugport debug;
	struct pci pci;
	struct ioapic ioapic;
	struct lapic lapic;
	struct vpci_console virtio;
	bool has_virtio;
	struct vdev_irq irq;            /* what the ISA devices raise */
	/* Callbacks to the VMM: serial output, machine reset or exit. */
	void (*console)(void *ctx, uint8_t byte);
	void (*reset)(void *ctx);
	void (*exit)(void *ctx, uint64_t code);
	void *ctx;
	uint64_t port_accesses[BOARD_PORT_KINDS];   /* by device (statistics) */
};

struct board_config {
	uint64_t tsc_hz;                /* guest TSC rate */
	uint64_t tsc_at_0;              /* the guest's TSC at board time 0 */
	int64_t unix_time;              /* the RTC's start */
	void (*console)(void *ctx, uint8_t byte);
	void (*reset)(void *ctx);
	void (*exit)(void *ctx, uint64_t code);
	void *ctx;
	/* With guest RAM access, a virtio console whose output goes to virtio_tx. */
	struct vcon_guest_ram ram;
	void (*virtio_tx)(void *ctx, const uint8_t *buf, size_t n);
};

void board_init(struct board *b, const struct board_config *cfg, vdev_time_t now);

/* Port I/O (size 1, 2 or 4). */
uint64_t board_in(struct board *b, unsigned port, unsigned size, vdev_time_t now);
void board_out(struct board *b, unsigned port, unsigned size, uint64_t value, vdev_time_t now);

/* MMIO outside RAM; false if no device is there (reads then give all ones). */
bool board_mmio_read(struct board *b, uint64_t gpa, unsigned size, uint64_t *value, vdev_time_t now);
bool board_mmio_write(struct board *b, uint64_t gpa, unsigned size, uint64_t value, vdev_time_t now);

/* MSRs the board owns (APIC base, x2APIC, TSC deadline); false if not one of them
 * or the access faults: *handled says which. */
bool board_msr_read(struct board *b, uint32_t msr, uint64_t *value, bool *handled, vdev_time_t now);
bool board_msr_write(struct board *b, uint32_t msr, uint64_t value, bool *handled, vdev_time_t now);

/* Typed input for the guest's console: the UART's receive FIFO, or with
 * virtio the virtio console's receive queue. Returns how many of the n bytes
 * the device took (0 while it has no room: try again later). */
size_t board_input(struct board *b, const uint8_t *buf, size_t n, bool virtio, vdev_time_t now);
/* Runs every timer up to now. */
void board_advance(struct board *b, vdev_time_t now);
/* When the next timer event is due (VDEV_NEVER if none). */
vdev_time_t board_next_event(const struct board *b);

/* The local APIC's task priority is the vCPU's CR8 (the kernel's TPR
 * shadow): board_set_cr8 takes the guest's value at an exit, board_cr8 is
 * the value to give back (changed by a TPR write through the xAPIC page).
 * board_tpr_threshold: the priority class of an interrupt the task
 * priority holds back, at most CR8 (the guest lowering CR8 below it must
 * exit), else 0. */
void board_set_cr8(struct board *b, uint64_t cr8);
unsigned board_cr8(const struct board *b);
unsigned board_tpr_threshold(const struct board *b);
/* The vector the vCPU would take now (-1: none); board_ack takes it. */
int board_pending(const struct board *b);
int board_ack(struct board *b);

#endif
