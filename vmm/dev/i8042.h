/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The PC's 8042 keyboard controller at ports 0x60 (offset 0, data) and
 * 0x64 (offset 4, status and command), with no keyboard and no mouse
 * plugged in. (Port 0x61, between them, belongs to the PIT model.)
 *
 * The controller itself is complete enough for Linux's i8042 driver to
 * find it and its two ports: self test (0xAA answers 0x55), interface tests
 * (0xAB, 0xA9 answer 0), the command byte (0x20 read, 0x60 write), port
 * enable/disable (0xA7/0xA8/0xAD/0xAE), the loopback writes 0xD2/0xD3
 * (Linux's AUX loop and IRQ tests), the output port (0xD0/0xD1) and the
 * reset pulses 0xF0-0xFF. Output buffer data raises IRQ 1 (keyboard) or
 * IRQ 12 (aux) when the command byte enables it; reading it lowers the
 * line, and the next queued byte raises it again (an edge per byte, as
 * the 8042's single output buffer makes them).
 *
 * A byte sent to a device (0x60 outside a command, or after 0xD4) finds no
 * device: the controller answers 0xFE with the timeout status bit, which
 * Linux's PS/2 layer takes as a NAK, so atkbd and psmouse give up at once
 * instead of waiting for timeouts.
 *
 * Reset: command 0xFE (pulse line 0), any 0xF0-0xFF command with bit 0
 * clear, and 0xD1 with output port bit 0 clear call the reset callback.
 */
#ifndef VMM_DEV_I8042_H
#define VMM_DEV_I8042_H

#include "dev.h"

#define I8042_DATA     0      /* offset of port 0x60 */
#define I8042_COMMAND  4      /* offset of port 0x64 (status when read) */
#define I8042_KBD_IRQ  1
#define I8042_AUX_IRQ  12
#define I8042_QUEUE    16     /* output bytes the controller can have queued */
#define I8042_RAM_SIZE 32     /* controller RAM read/written by 0x20-0x3F/0x60-0x7F */

#define I8042_STR_OBF      0x01  /* output buffer full */
#define I8042_STR_IBF      0x02  /* input buffer full (never: commands run at once) */
#define I8042_STR_SYS      0x04  /* system flag (command byte bit 2) */
#define I8042_STR_CMD      0x08  /* last write was to the command port */
#define I8042_STR_UNLOCKED 0x10  /* keyboard not inhibited by the key lock */
#define I8042_STR_AUXDATA  0x20  /* the output byte is from the aux port */
#define I8042_STR_TIMEOUT  0x40  /* the device did not answer */

#define I8042_CTR_KBDINT   0x01  /* IRQ 1 on keyboard data */
#define I8042_CTR_AUXINT   0x02  /* IRQ 12 on aux data */
#define I8042_CTR_SYS      0x04  /* system flag */
#define I8042_CTR_KBDDIS   0x10  /* keyboard port disabled */
#define I8042_CTR_AUXDIS   0x20  /* aux port disabled */
#define I8042_CTR_XLATE    0x40  /* scan code translation */

struct i8042 {
	struct vdev_irq irq;
	void (*reset)(void *ctx);          /* system reset requested, may be NULL */
	void *reset_ctx;
	uint8_t ram[I8042_RAM_SIZE];       /* ram[0] is the command byte */
	uint8_t outport;                   /* output port: bit 0 reset (low active), bit 1 A20 */
	uint8_t pending;                   /* command waiting for its data byte, 0 if none */
	bool last_was_cmd;
	uint8_t data[I8042_QUEUE], status[I8042_QUEUE];   /* queued output and its status bits */
	uint8_t head, count;
	uint8_t last;                      /* the byte port 0x60 shows when empty */
	bool kbd_level, aux_level;
};

/*
 * Power-on state as a BIOS leaves it: command byte 0x45 (translation,
 * system flag, keyboard interrupt), A20 enabled, nothing queued.
 */
void i8042_init(struct i8042 *kbc, const struct vdev_irq *irq, void (*reset)(void *ctx), void *reset_ctx);

/*
 * Offset 0 (port 0x60) and 4 (port 0x64); other offsets are open bus.
 * Byte registers: wider reads return bits 7:0 with open-bus upper bytes,
 * wider writes use bits 7:0.
 */
uint64_t i8042_read(struct i8042 *kbc, unsigned offset, unsigned size, vdev_time_t now);
void i8042_write(struct i8042 *kbc, unsigned offset, unsigned size, uint64_t value, vdev_time_t now);

#endif
