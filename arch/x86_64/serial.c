/* SPDX-License-Identifier: GPL-2.0-only */
/* 16550 UART console, polled, 115200 8N1. */
#include "arch.h"
#include "x86.h"

#define COM1_PORT     0x3f8
#define UART_CLOCK    115200   /* divisor 1 = 115200 baud */
#define BAUD          115200

/* Register offsets from the base port. */
#define UART_THR 0   /* transmit holding (DLAB=0) */
#define UART_DLL 0   /* divisor low (DLAB=1) */
#define UART_IER 1   /* interrupt enable (DLAB=0) */
#define UART_DLM 1   /* divisor high (DLAB=1) */
#define UART_FCR 2   /* FIFO control */
#define UART_LCR 3   /* line control */
#define UART_MCR 4   /* modem control */
#define UART_LSR 5   /* line status */

#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define FCR_ENABLE_CLEAR 0x07    /* FIFO on, both FIFOs cleared */
#define MCR_DTR_RTS_OUT2 0x0b
#define LSR_THRE  0x20           /* transmit holding register empty */
#define LSR_TEMT  0x40           /* transmitter completely empty */

/* Polls give up after this many reads, so a missing UART cannot hang the kernel. */
#define UART_POLL_LIMIT 1000000

static uint16_t uart_port = COM1_PORT;

void arch_console_init(uint16_t port)
{
	uint16_t divisor = UART_CLOCK / BAUD;

	uart_port = port ? port : COM1_PORT;
	outb(uart_port + UART_IER, 0);
	outb(uart_port + UART_LCR, LCR_DLAB);
	outb(uart_port + UART_DLL, divisor & 0xff);
	outb(uart_port + UART_DLM, divisor >> 8);
	outb(uart_port + UART_LCR, LCR_8N1);
	outb(uart_port + UART_FCR, FCR_ENABLE_CLEAR);
	outb(uart_port + UART_MCR, MCR_DTR_RTS_OUT2);
}

static void uart_wait(uint8_t lsr_bit)
{
	for (int i = 0; i < UART_POLL_LIMIT; i++)
		if (inb(uart_port + UART_LSR) & lsr_bit)
			return;
}

void arch_console_putc(char c)
{
	if (c == '\n')
		arch_console_putc('\r');
	uart_wait(LSR_THRE);
	outb(uart_port + UART_THR, (uint8_t)c);
}

void arch_console_flush(void)
{
	uart_wait(LSR_TEMT);
}
