/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PC's pair of 8259A interrupt controllers: the master at ports
 * 0x20/0x21 (chip 0) with the slave's INT wired to its IR2, the slave at
 * 0xA0/0xA1 (chip 1), plus the PIIX/ICH edge/level control registers
 * (ELCR) at 0x4D0/0x4D1.
 *
 * Modelled: ICW1-ICW4 initialisation, OCW1 mask, OCW2 (non-specific and
 * specific EOI, all rotation commands, set priority), OCW3 (read IRR/ISR,
 * poll, special mask mode), edge and level triggering per ELCR, automatic
 * EOI, the cascade on IR2 and spurious IRQ 7 / 15 on the INTA cycle.
 * Not modelled: special fully nested mode and buffered mode (ICW4 bits 4:2
 * are accepted and ignored), MCS-80 mode (ICW4 bit 0 is taken as 8086
 * mode), ICW1's LTIM bit (ignored as on PIIX/ICH: ELCR decides).
 */
#ifndef VMM_DEV_PIC8259_H
#define VMM_DEV_PIC8259_H

#include "dev.h"

#define PIC_MASTER      0    /* chip index of ports 0x20/0x21 */
#define PIC_SLAVE       1    /* chip index of ports 0xA0/0xA1 */
#define PIC_CASCADE_IR  2    /* master input the slave's INT drives */
#define PIC_NR_LINES    16   /* IRQ 0-7 on the master, 8-15 on the slave */
#define PIC_CHIP_LINES  8    /* inputs of one 8259A */

#define PIC_CMD   0   /* offset of the command port (A0 = 0): ICW1, OCW2, OCW3 */
#define PIC_DATA  1   /* offset of the data port (A0 = 1): ICW2-4, OCW1 (IMR) */

struct pic_chip {
	uint8_t irr, isr, imr;
	uint8_t elcr;          /* 1 = level triggered */
	uint8_t lines;         /* input levels as last driven (edge detection) */
	uint8_t base;          /* ICW2: vector of IR0, bits 7:3 */
	uint8_t icw3;          /* master: inputs with a slave; slave: its id */
	uint8_t lowest;        /* lowest-priority input (7 unless rotated) */
	uint8_t init_next;     /* next ICW expected on the data port, 0 when operational */
	bool icw4_wanted, single, auto_eoi, rotate_aeoi;
	bool read_isr, poll, special_mask;
};

struct pic {
	struct pic_chip chip[2];
};

/*
 * Power-on state as a PC BIOS leaves it: vectors 0x08 and 0x70, cascade on
 * IR2, all inputs edge triggered and masked.
 */
void pic_init(struct pic *pic);

/*
 * Register access to chip 0 (master) or 1 (slave), offset 0 (command) or 1
 * (data). Byte registers: wider reads return bits 7:0 with open-bus upper
 * bytes, wider writes use bits 7:0; other chips and offsets are open bus.
 */
uint64_t pic_read(struct pic *pic, unsigned chip, unsigned offset, unsigned size, vdev_time_t now);
void pic_write(struct pic *pic, unsigned chip, unsigned offset, unsigned size, uint64_t value,
	       vdev_time_t now);

/* ELCR at offset 0 (0x4D0: IRQ 0-7) and 1 (0x4D1: IRQ 8-15). */
uint64_t pic_elcr_read(struct pic *pic, unsigned offset, unsigned size, vdev_time_t now);
void pic_elcr_write(struct pic *pic, unsigned offset, unsigned size, uint64_t value, vdev_time_t now);

/*
 * Drives input line 0..15 to level (nonzero = asserted); pic is the struct
 * pic, so this can be the set function of a struct vdev_irq. Line 2 is the
 * cascade input and lines above 15 do not exist: both are ignored.
 */
void pic_set_irq(void *pic, unsigned line, int level);

/* The vector an INTA cycle would return now, or -1 if INTR is not asserted. */
int pic_pending_vector(const struct pic *pic);

/*
 * The INTA cycle: moves the highest-priority request from IRR to ISR (not
 * in automatic EOI mode) and returns its vector. With no request left it
 * returns the spurious vector of IR7 without setting ISR; a cascaded
 * request the slave no longer has gives the slave's IR7 vector (IRQ 15)
 * with the master's IR2 in service, as on hardware.
 */
int pic_ack(struct pic *pic);

#endif
