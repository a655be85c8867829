/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * 16550A UART (COM1..COM4 of a PC): eight byte registers, 16-byte receive
 * FIFO, loopback, interrupt identification with the 16550A's priorities
 * and IRQ output gated by OUT2 as a PC's serial port wires it.
 *
 * Transmission is immediate: a byte written to THR goes to the tx callback
 * (or, in loopback, into the receive FIFO) at once, so the transmit FIFO
 * and shift register are always empty (LSR.THRE and LSR.TEMT read 1) and
 * THRE becomes pending again right after each write, as on a 16550A whose
 * line runs infinitely fast. Reception is not paced either: data below the
 * trigger level is reported as a character timeout (IIR 0xCC) at once
 * rather than four character times later.
 */
#ifndef VMM_DEV_UART16550_H
#define VMM_DEV_UART16550_H

#include "dev.h"

/* Register offsets (from the base port, e.g. 0x3F8 for COM1). */
enum {
	UART_RBR = 0,   /* read: receive buffer; write: THR; DLL when LCR.DLAB */
	UART_IER = 1,   /* interrupt enable; DLM when LCR.DLAB */
	UART_IIR = 2,   /* read: interrupt identification */
	UART_FCR = 2,   /* write: FIFO control */
	UART_LCR = 3,   /* line control */
	UART_MCR = 4,   /* modem control */
	UART_LSR = 5,   /* line status */
	UART_MSR = 6,   /* modem status */
	UART_SCR = 7,   /* scratch */
	UART_NR_REGS = 8,
};

#define UART_IER_RDI   0x01  /* received data available (and timeout) interrupt */
#define UART_IER_THRI  0x02  /* transmit holding register empty interrupt */
#define UART_IER_RLSI  0x04  /* receiver line status interrupt */
#define UART_IER_MSI   0x08  /* modem status interrupt */
#define UART_IER_MASK  0x0F  /* the 16550A implements only bits 3:0 */

#define UART_IIR_NO_INT   0x01  /* no interrupt pending */
#define UART_IIR_MSI      0x00  /* modem status changed (lowest priority) */
#define UART_IIR_THRI     0x02  /* transmit holding register empty */
#define UART_IIR_RDI      0x04  /* receive FIFO at or above its trigger level */
#define UART_IIR_RLSI     0x06  /* receiver line status (highest priority) */
#define UART_IIR_TIMEOUT  0x0C  /* character timeout: data below the trigger level */
#define UART_IIR_FIFO     0xC0  /* bits 7:6 both set when the FIFOs are enabled */

#define UART_FCR_ENABLE     0x01  /* enable both FIFOs */
#define UART_FCR_CLEAR_RX   0x02  /* reset the receive FIFO */
#define UART_FCR_CLEAR_TX   0x04  /* reset the transmit FIFO */
#define UART_FCR_DMA        0x08  /* DMA mode select (no effect on a PC) */
#define UART_FCR_TRIGGER    0xC0  /* receive trigger level: 1, 4, 8, 14 bytes */
#define UART_FCR_TRIGGER_SHIFT 6

#define UART_LCR_DLAB  0x80  /* divisor latch access */

#define UART_MCR_DTR   0x01  /* data terminal ready */
#define UART_MCR_RTS   0x02  /* request to send */
#define UART_MCR_OUT1  0x04  /* user output 1 */
#define UART_MCR_OUT2  0x08  /* user output 2: on a PC it enables the IRQ driver */
#define UART_MCR_LOOP  0x10  /* local loopback */
#define UART_MCR_MASK  0x1F  /* bits 7:5 read as 0 on a 16550A */

#define UART_LSR_DR    0x01  /* data ready */
#define UART_LSR_OE    0x02  /* overrun error */
#define UART_LSR_PE    0x04  /* parity error */
#define UART_LSR_FE    0x08  /* framing error */
#define UART_LSR_BI    0x10  /* break interrupt */
#define UART_LSR_THRE  0x20  /* transmit holding register empty */
#define UART_LSR_TEMT  0x40  /* transmitter empty */
#define UART_LSR_ERRORS (UART_LSR_OE | UART_LSR_PE | UART_LSR_FE | UART_LSR_BI)

#define UART_MSR_DCTS  0x01  /* CTS changed */
#define UART_MSR_DDSR  0x02  /* DSR changed */
#define UART_MSR_TERI  0x04  /* RI went from on to off */
#define UART_MSR_DDCD  0x08  /* DCD changed */
#define UART_MSR_DELTAS 0x0F
#define UART_MSR_CTS   0x10  /* clear to send (RTS in loopback) */
#define UART_MSR_DSR   0x20  /* data set ready (DTR in loopback) */
#define UART_MSR_RI    0x40  /* ring indicator (OUT1 in loopback) */
#define UART_MSR_DCD   0x80  /* data carrier detect (OUT2 in loopback) */

#define UART_FIFO_SIZE 16    /* bytes in the 16550A's receive FIFO */

struct uart {
	struct vdev_irq irq;
	unsigned irq_line;                      /* 4 for COM1, 3 for COM2 */
	void (*tx)(void *ctx, uint8_t byte);    /* transmitted bytes, may be NULL */
	void *tx_ctx;

	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;          /* enable, DMA and trigger bits as last accepted */
	uint8_t lsr_errors;   /* error bits held until LSR is read */
	uint8_t msr;          /* modem lines (7:4) and their deltas (3:0) */
	uint8_t rbr;          /* the byte RBR shows when the FIFO is empty */
	bool thre_pending;    /* THR-empty interrupt armed (not yet cleared) */
	bool irq_level;       /* level driven on irq_line */
	uint8_t rx[UART_FIFO_SIZE];
	uint8_t rx_head, rx_count;
};

/*
 * Power-on reset. irq and tx may be NULL (nothing wired); the IRQ output
 * starts deasserted and is only driven on changes.
 */
void uart_init(struct uart *u, const struct vdev_irq *irq, unsigned irq_line,
	       void (*tx)(void *ctx, uint8_t byte), void *tx_ctx);

/*
 * Register access at offset 0..7. Registers are a byte wide: a wider access
 * reads the register in bits 7:0 with the upper bytes open bus, and writes
 * only bits 7:0. Offsets beyond 7 read as open bus and ignore writes.
 */
uint64_t uart_read(struct uart *u, unsigned offset, unsigned size, vdev_time_t now);
void uart_write(struct uart *u, unsigned offset, unsigned size, uint64_t value, vdev_time_t now);

/*
 * Host input: stores up to n bytes of buf in the receive FIFO and returns
 * how many fit (the caller keeps the rest for later, so nothing is lost and
 * OE is not set). Returns 0 in loopback mode, where the serial input is
 * disconnected, and holds one byte when the FIFOs are disabled.
 */
size_t uart_receive(struct uart *u, const uint8_t *buf, size_t n);

#endif
