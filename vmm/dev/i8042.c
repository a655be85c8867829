/* SPDX-License-Identifier: BSD-2-Clause */
/* 8042 keyboard controller without devices: see i8042.h. */
#include "i8042.h"

/* Controller commands (port 0x64). */
enum {
	CMD_READ_RAM = 0x20,        /* 0x20-0x3F: read RAM byte (0x20: command byte) */
	CMD_WRITE_RAM = 0x60,       /* 0x60-0x7F: write RAM byte (0x60: command byte) */
	CMD_AUX_DISABLE = 0xA7,
	CMD_AUX_ENABLE = 0xA8,
	CMD_AUX_TEST = 0xA9,
	CMD_SELF_TEST = 0xAA,
	CMD_KBD_TEST = 0xAB,
	CMD_KBD_DISABLE = 0xAD,
	CMD_KBD_ENABLE = 0xAE,
	CMD_READ_OUTPORT = 0xD0,
	CMD_WRITE_OUTPORT = 0xD1,
	CMD_WRITE_KBD_OUT = 0xD2,   /* next byte appears as keyboard data */
	CMD_WRITE_AUX_OUT = 0xD3,   /* next byte appears as aux data */
	CMD_WRITE_AUX = 0xD4,       /* next byte goes to the aux device */
	CMD_PULSE = 0xF0,           /* 0xF0-0xFF: pulse output port bits 3:0 that are 0 */
};

#define I8042_RAM_CMD_MASK  0x1F  /* RAM index in the low bits of 0x20-0x3F/0x60-0x7F */
#define I8042_SELF_TEST_OK  0x55  /* self test passed */
#define I8042_TEST_OK       0x00  /* interface test passed */
#define I8042_RESEND        0xFE  /* what an absent device "answers" */
#define I8042_OUT_RESET     0x01  /* output port: CPU reset line, active low */
#define I8042_OUT_A20       0x02  /* output port: A20 gate */
#define I8042_RESET_CTR     (I8042_CTR_XLATE | I8042_CTR_SYS | I8042_CTR_KBDINT)

static void update_irq(struct i8042 *kbc)
{
	bool aux = kbc->count && (kbc->status[kbc->head] & I8042_STR_AUXDATA);
	bool kbd_level = kbc->count && !aux && (kbc->ram[0] & I8042_CTR_KBDINT);
	bool aux_level = aux && (kbc->ram[0] & I8042_CTR_AUXINT);

	if (kbd_level != kbc->kbd_level) {
		kbc->kbd_level = kbd_level;
		vdev_irq_set(&kbc->irq, I8042_KBD_IRQ, kbd_level);
	}
	if (aux_level != kbc->aux_level) {
		kbc->aux_level = aux_level;
		vdev_irq_set(&kbc->irq, I8042_AUX_IRQ, aux_level);
	}
}

/*
 * Reading the output buffer lowers the interrupt line; the next queued byte
 * entering it raises the line again (update_irq). The 8042 has one output
 * buffer, so each byte is an edge of its own: with the line held high over
 * several queued bytes, an edge-triggered input (the I/O APIC's, the
 * 8259's) would interrupt once, and Linux's i8042_interrupt, which reads one
 * byte per interrupt, would never hear of the others.
 */
static void lower_irq(struct i8042 *kbc)
{
	if (kbc->kbd_level) {
		kbc->kbd_level = false;
		vdev_irq_set(&kbc->irq, I8042_KBD_IRQ, 0);
	}
	if (kbc->aux_level) {
		kbc->aux_level = false;
		vdev_irq_set(&kbc->irq, I8042_AUX_IRQ, 0);
	}
}

/* Queues an output byte; a full queue drops it (the firmware would wait). */
static void queue(struct i8042 *kbc, uint8_t data, uint8_t status)
{
	unsigned slot;

	if (kbc->count >= I8042_QUEUE)
		return;
	slot = (kbc->head + kbc->count) % I8042_QUEUE;
	kbc->data[slot] = data;
	kbc->status[slot] = status;
	kbc->count++;
}

static void request_reset(struct i8042 *kbc)
{
	if (kbc->reset)
		kbc->reset(kbc->reset_ctx);
}

static void command(struct i8042 *kbc, uint8_t cmd)
{
	if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + I8042_RAM_SIZE) {
		queue(kbc, kbc->ram[cmd & I8042_RAM_CMD_MASK], 0);
		return;
	}
	if ((cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + I8042_RAM_SIZE) || cmd == CMD_WRITE_OUTPORT ||
	    cmd == CMD_WRITE_KBD_OUT || cmd == CMD_WRITE_AUX_OUT || cmd == CMD_WRITE_AUX) {
		kbc->pending = cmd;
		return;
	}
	if (cmd >= CMD_PULSE) {
		if (!(cmd & I8042_OUT_RESET))
			request_reset(kbc);
		return;
	}
	switch (cmd) {
	case CMD_AUX_DISABLE:
		kbc->ram[0] |= I8042_CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		kbc->ram[0] &= ~I8042_CTR_AUXDIS;
		break;
	case CMD_KBD_DISABLE:
		kbc->ram[0] |= I8042_CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		kbc->ram[0] &= ~I8042_CTR_KBDDIS;
		break;
	case CMD_AUX_TEST:
	case CMD_KBD_TEST:
		queue(kbc, I8042_TEST_OK, 0);
		break;
	case CMD_SELF_TEST:
		kbc->ram[0] |= I8042_CTR_SYS;
		queue(kbc, I8042_SELF_TEST_OK, 0);
		break;
	case CMD_READ_OUTPORT:
		queue(kbc, kbc->outport, 0);
		break;
	default:
		break;   /* vendor commands and unused codes: ignored */
	}
}

/* A data byte: the parameter of a pending command, or a byte for the keyboard. */
static void data(struct i8042 *kbc, uint8_t v)
{
	uint8_t cmd = kbc->pending;

	kbc->pending = 0;
	if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + I8042_RAM_SIZE) {
		kbc->ram[cmd & I8042_RAM_CMD_MASK] = v;
		return;
	}
	switch (cmd) {
	case CMD_WRITE_OUTPORT:
		kbc->outport = v;
		if (!(v & I8042_OUT_RESET))
			request_reset(kbc);
		break;
	case CMD_WRITE_KBD_OUT:
		queue(kbc, v, 0);
		break;
	case CMD_WRITE_AUX_OUT:
		queue(kbc, v, I8042_STR_AUXDATA);
		break;
	case CMD_WRITE_AUX:
		queue(kbc, I8042_RESEND, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
		break;
	default:   /* to the keyboard, which is not there */
		queue(kbc, I8042_RESEND, I8042_STR_TIMEOUT);
		break;
	}
}

static uint8_t status(const struct i8042 *kbc)
{
	uint8_t s = I8042_STR_UNLOCKED | (kbc->ram[0] & I8042_CTR_SYS);

	if (kbc->last_was_cmd)
		s |= I8042_STR_CMD;
	if (kbc->count)
		s |= I8042_STR_OBF | kbc->status[kbc->head];
	return s;
}

void i8042_init(struct i8042 *kbc, const struct vdev_irq *irq, void (*reset)(void *ctx), void *reset_ctx)
{
	__builtin_memset(kbc, 0, sizeof(*kbc));
	if (irq)
		kbc->irq = *irq;
	kbc->reset = reset;
	kbc->reset_ctx = reset_ctx;
	kbc->ram[0] = I8042_RESET_CTR;
	kbc->outport = I8042_OUT_RESET | I8042_OUT_A20;
}

uint64_t i8042_read(struct i8042 *kbc, unsigned offset, unsigned size, vdev_time_t now)
{
	uint8_t v;

	(void)now;
	if ((offset != I8042_DATA && offset != I8042_COMMAND) || size == 0 || size > 8)
		return vdev_open_bus(size);
	if (offset == I8042_COMMAND) {
		v = status(kbc);
	} else {
		if (kbc->count) {
			kbc->last = kbc->data[kbc->head];
			kbc->head = (uint8_t)((kbc->head + 1) % I8042_QUEUE);
			kbc->count--;
			lower_irq(kbc);    /* the next byte raises it anew */
		}
		v = kbc->last;
		update_irq(kbc);
	}
	return (vdev_open_bus(size) & ~0xffull) | v;
}

void i8042_write(struct i8042 *kbc, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	(void)now;
	if ((offset != I8042_DATA && offset != I8042_COMMAND) || size == 0 || size > 8)
		return;
	kbc->last_was_cmd = offset == I8042_COMMAND;
	if (offset == I8042_COMMAND) {
		kbc->pending = 0;   /* a new command cancels one waiting for data */
		command(kbc, (uint8_t)value);
	} else {
		data(kbc, (uint8_t)value);
	}
	update_irq(kbc);
}
