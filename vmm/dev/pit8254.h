/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PC's 8254 programmable interval timer at ports 0x40-0x43 (offsets
 * 0-3) and the timer bits of port 0x61 (NMI status and control, system
 * control port B).
 *
 * Channel 0 drives IRQ 0, channel 1 is the (unconnected) DRAM refresh
 * counter, channel 2's gate and output are port 0x61 bits 0 and 5. The
 * gates of channels 0 and 1 are tied high. All counters run from the
 * 1,193,182 Hz clock; their state is a function of guest time, derived
 * with 64-bit integer arithmetic only.
 *
 * Modes 0-5 follow the 8254 data sheet (modes 6 and 7 are 2 and 3), with
 * two simplifications: a count written in mode 3 while counting takes
 * effect at the end of the current full cycle (not half-cycle), and the
 * IRQ 0 output of modes 2-5 is a 1-then-0 pulse at each rising edge of
 * OUT (only edges matter on the PC's edge-triggered IRQ 0). BCD counting
 * is supported: counts wrap at 10000 and digits above 9 are taken at face
 * value.
 */
#ifndef VMM_DEV_PIT8254_H
#define VMM_DEV_PIT8254_H

#include "dev.h"

#define PIT_HZ          1193182u  /* input clock: 14.31818 MHz / 12 */
#define PIT_NR_CHANNELS 3
#define PIT_CONTROL     3         /* offset of the control word register (port 0x43) */
#define PIT_IRQ         0         /* channel 0's ISA IRQ */

/* Port 0x61 bits. */
#define PIT_P61_GATE2    0x01  /* timer 2 gate (R/W) */
#define PIT_P61_SPEAKER  0x02  /* speaker data enable (R/W) */
#define PIT_P61_RW       0x0F  /* bits 3:2 (SERR#/IOCHK# NMI enables) are plain R/W */
#define PIT_P61_REFRESH  0x10  /* refresh cycle toggle (RO) */
#define PIT_P61_OUT2     0x20  /* timer 2 output (RO) */

struct pit_channel {
	uint8_t control;      /* bits 5:0 of the last control word: RW, mode, BCD */
	uint8_t mode;         /* 0..5 */
	bool gate;
	bool loaded;          /* a count is in use (modes 1/5: waiting for or in a trigger) */
	bool running;         /* counting: gate open (modes 0/2/3/4) or triggered (1/5) */
	bool fired;           /* one-shot modes: terminal count reached */
	uint32_t n;           /* count in use: 1..65536 (1..10000 in BCD) */
	uint32_t next_n;      /* count written for the next period or trigger, 0 = none */
	uint64_t load_tick;   /* clock edge that moved n into the counting element */
	uint64_t start;       /* clock edges after this one decrement the counter ... */
	uint64_t base;        /* ... which had already counted down this far */
	uint64_t edge_tick;   /* next clock edge where OUT rises (or mode 4/5 strobes) */
	uint16_t hold;        /* what the counter reads while no count is in use */
	uint8_t wr_lsb;       /* first byte of a two-byte count */
	bool wr_msb_next, rd_msb_next;
	bool count_latched, latch_msb_next, status_latched;
	uint16_t latch;
	uint8_t status;
};

struct pit {
	struct pit_channel ch[PIT_NR_CHANNELS];
	struct vdev_irq irq;
	unsigned irq_line;
	bool irq_level;
	uint8_t port61;       /* the writable bits of port 0x61 */
	uint64_t tick;        /* clock edges up to the latest time seen */
};

/*
 * Reset at guest time now: every channel waits for a control word and a
 * count (no interrupts until the guest programs channel 0), gate 2 closed.
 */
void pit_init(struct pit *pit, const struct vdev_irq *irq, unsigned irq_line, vdev_time_t now);

/*
 * Ports 0x40-0x43 at offsets 0-3. Byte registers: wider reads return bits
 * 7:0 with open-bus upper bytes, wider writes use bits 7:0. Reading the
 * control register returns open bus (it is write-only).
 */
uint64_t pit_read(struct pit *pit, unsigned offset, unsigned size, vdev_time_t now);
void pit_write(struct pit *pit, unsigned offset, unsigned size, uint64_t value, vdev_time_t now);

/* Port 0x61 at offset 0. */
uint64_t pit_port61_read(struct pit *pit, unsigned offset, unsigned size, vdev_time_t now);
void pit_port61_write(struct pit *pit, unsigned offset, unsigned size, uint64_t value, vdev_time_t now);

/* Guest time of the next IRQ 0 edge, VDEV_NEVER if none is due. */
vdev_time_t pit_next_event(const struct pit *pit);

/* Brings the counters to now and raises the IRQ 0 edges due by then. */
void pit_advance(struct pit *pit, vdev_time_t now);

#endif
