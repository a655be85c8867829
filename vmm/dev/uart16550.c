/* SPDX-License-Identifier: BSD-2-Clause */
/* 16550A UART model: see uart16550.h. */
#include "uart16550.h"

/*
 * Modem inputs while not in loopback: a terminal that is on line (CTS, DSR,
 * DCD asserted, no ring), so software flow control and carrier checks pass.
 */
#define UART_MSR_EXTERNAL (UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD)

/* The receive FIFO trigger levels selected by FCR bits 7:6. */
static const uint8_t uart_trigger_bytes[4] = { 1, 4, 8, 14 };

static bool fifo_enabled(const struct uart *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

/* Without FIFOs the receiver has the one-byte RBR of a 16450. */
static unsigned rx_capacity(const struct uart *u)
{
	return fifo_enabled(u) ? UART_FIFO_SIZE : 1;
}

static void rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/*
 * A character arrives from the line (or from the transmitter in loopback).
 * A full FIFO keeps its contents and the new character is lost; a full
 * 16450-style RBR is overwritten. Both set OE.
 */
static void rx_push(struct uart *u, uint8_t byte)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_errors |= UART_LSR_OE;
		if (!fifo_enabled(u))
			u->rx[u->rx_head] = byte;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
}

static uint8_t rx_pop(struct uart *u)
{
	if (u->rx_count) {
		u->rbr = u->rx[u->rx_head];
		u->rx_head = (uint8_t)((u->rx_head + 1) % UART_FIFO_SIZE);
		u->rx_count--;
	}
	return u->rbr;
}

/* The modem input lines: in loopback MCR's outputs feed them back. */
static uint8_t modem_inputs(const struct uart *u)
{
	uint8_t in = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_EXTERNAL;
	if (u->mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

/* Samples the modem inputs, accumulating deltas until MSR is read. */
static void msr_sample(struct uart *u)
{
	uint8_t old = u->msr & ~UART_MSR_DELTAS, now = modem_inputs(u);
	uint8_t changed = old ^ now, deltas = u->msr & UART_MSR_DELTAS;

	if (changed & UART_MSR_CTS)
		deltas |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		deltas |= UART_MSR_DDSR;
	if (old & ~now & UART_MSR_RI)   /* trailing edge of RI only */
		deltas |= UART_MSR_TERI;
	if (changed & UART_MSR_DCD)
		deltas |= UART_MSR_DDCD;
	u->msr = now | deltas;
}

/* The highest-priority pending interrupt, as IIR bits 3:0. */
static uint8_t iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr_errors & UART_LSR_ERRORS))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && u->rx_count) {
		if (!fifo_enabled(u) || u->rx_count >= uart_trigger_bytes[u->fcr >> UART_FCR_TRIGGER_SHIFT])
			return UART_IIR_RDI;
		return UART_IIR_TIMEOUT;
	}
	if ((u->ier & UART_IER_THRI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_DELTAS))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/*
 * A PC drives the IRQ from the UART's INTR through a buffer enabled by
 * OUT2. In loopback the 16550 forces its outputs inactive, OUT2 included,
 * so the IRQ is off there too.
 */
static void update_irq(struct uart *u)
{
	bool level = iir_id(u) != UART_IIR_NO_INT && (u->mcr & UART_MCR_OUT2) &&
		     !(u->mcr & UART_MCR_LOOP);

	if (level != u->irq_level) {
		u->irq_level = level;
		vdev_irq_set(&u->irq, u->irq_line, level);
	}
}

void uart_init(struct uart *u, const struct vdev_irq *irq, unsigned irq_line,
	       void (*tx)(void *ctx, uint8_t byte), void *tx_ctx)
{
	__builtin_memset(u, 0, sizeof(*u));
	if (irq)
		u->irq = *irq;
	u->irq_line = irq_line;
	u->tx = tx;
	u->tx_ctx = tx_ctx;
	u->dll = 1;   /* 115200 baud; the divisor is undefined after reset */
	u->msr = modem_inputs(u);
}

/* A byte written to THR: sent at once, so THR is empty again right away. */
static void transmit(struct uart *u, uint8_t byte)
{
	u->thre_pending = false;   /* writing THR clears the THRE interrupt */
	update_irq(u);
	if (u->mcr & UART_MCR_LOOP)
		rx_push(u, byte);
	else if (u->tx)
		u->tx(u->tx_ctx, byte);
	u->thre_pending = true;    /* ... and the now empty THR raises it again */
}

static void write_ier(struct uart *u, uint8_t value)
{
	uint8_t old = u->ier;

	u->ier = value & UART_IER_MASK;
	/*
	 * Enabling THRI while THR is empty (always, here) arms the THRE
	 * interrupt even if an IIR read had cleared it: Linux's THRE test in
	 * serial8250_do_startup toggles IER to check exactly this.
	 */
	if ((u->ier & ~old) & UART_IER_THRI)
		u->thre_pending = true;
	else if (!(u->ier & UART_IER_THRI))
		u->thre_pending = false;
}

static void write_fcr(struct uart *u, uint8_t value)
{
	/* Changing the enable bit resets both FIFOs. */
	if ((value ^ u->fcr) & UART_FCR_ENABLE)
		rx_clear(u);
	if (!(value & UART_FCR_ENABLE)) {
		/* The other bits are only accepted together with the enable bit. */
		u->fcr = 0;
		return;
	}
	if (value & UART_FCR_CLEAR_RX)
		rx_clear(u);
	/* UART_FCR_CLEAR_TX: the transmit FIFO never holds data here. */
	u->fcr = value & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

static uint8_t read_reg(struct uart *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (offset) {
	case UART_RBR:
		return dlab ? u->dll : rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		v = iir_id(u);
		/* Reading IIR clears THRE when it is the interrupt reported. */
		if (v == UART_IIR_THRI)
			u->thre_pending = false;
		return v | (fifo_enabled(u) ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		v = (u->rx_count ? UART_LSR_DR : 0) | u->lsr_errors | UART_LSR_THRE | UART_LSR_TEMT;
		u->lsr_errors = 0;
		return v;
	case UART_MSR:
		v = u->msr;
		u->msr &= ~UART_MSR_DELTAS;
		return v;
	default:
		return u->scr;
	}
}

static void write_reg(struct uart *u, unsigned offset, uint8_t value)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR:
		if (dlab)
			u->dll = value;
		else
			transmit(u, value);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = value;
		else
			write_ier(u, value);
		break;
	case UART_FCR:
		write_fcr(u, value);
		break;
	case UART_LCR:
		u->lcr = value;
		break;
	case UART_MCR:
		u->mcr = value & UART_MCR_MASK;
		msr_sample(u);
		break;
	case UART_LSR:
	case UART_MSR:
		break;   /* factory test registers: writes have no defined effect */
	default:
		u->scr = value;
		break;
	}
}

uint64_t uart_read(struct uart *u, unsigned offset, unsigned size, vdev_time_t now)
{
	uint8_t v;

	(void)now;
	if (offset >= UART_NR_REGS || size == 0 || size > 8)
		return vdev_open_bus(size);
	v = read_reg(u, offset);
	update_irq(u);
	return (vdev_open_bus(size) & ~0xffull) | v;
}

void uart_write(struct uart *u, unsigned offset, unsigned size, uint64_t value, vdev_time_t now)
{
	(void)now;
	if (offset >= UART_NR_REGS || size == 0 || size > 8)
		return;
	write_reg(u, offset, (uint8_t)value);
	update_irq(u);
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n)
{
	size_t done = 0;

	if (!buf || (u->mcr & UART_MCR_LOOP))
		return 0;
	while (done < n && u->rx_count < rx_capacity(u))
		rx_push(u, buf[done++]);
	update_irq(u);
	return done;
}
