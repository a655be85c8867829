/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/uart16550.c: the register behaviour Linux's 8250 driver
 * observes (autoconfig's 16550A detection, the THRE checks of
 * serial8250_do_startup, interrupt identification), FIFOs, loopback and the
 * OUT2-gated IRQ line.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/uart16550.h"

#define COM1_IRQ 4


/* What the board sees: the IRQ line and the transmitted bytes. */
struct board {
	int level;
	unsigned rises, line;
	uint8_t out[512];
	size_t nout;
};

static void board_irq(void *ctx, unsigned line, int level)
{
	struct board *b = ctx;

	b->line = line;
	if (level && !b->level)
		b->rises++;
	b->level = level;
}

static void board_tx(void *ctx, uint8_t byte)
{
	struct board *b = ctx;

	if (b->nout < sizeof(b->out))
		b->out[b->nout++] = byte;
}

static struct uart u;
static struct board bd;

static void setup(void)
{
	struct vdev_irq irq = { board_irq, &bd };

	memset(&bd, 0, sizeof(bd));
	uart_init(&u, &irq, COM1_IRQ, board_tx, &bd);
}

static uint8_t in(unsigned reg)
{
	return (uint8_t)uart_read(&u, reg, 1, 0);
}

static void out(unsigned reg, uint8_t v)
{
	uart_write(&u, reg, 1, v, 0);
}

/* Linux's serial8250_clear_fifos. */
static void clear_fifos(void)
{
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	out(UART_FCR, 0);
}

/* Linux's size_fifo: bytes sent in loopback that come back. */
static int size_fifo(void)
{
	uint8_t old_lcr = in(UART_LCR), old_mcr, old_fcr;
	int count;

	out(UART_LCR, 0);
	old_fcr = in(UART_FCR);   /* reads IIR, as the driver does */
	old_mcr = in(UART_MCR);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_LCR, 0x80);
	out(UART_RBR, 1);
	out(UART_IER, 0);
	out(UART_LCR, 0x03);
	for (count = 0; count < 256; count++)
		out(UART_RBR, (uint8_t)count);
	for (count = 0; (in(UART_LSR) & UART_LSR_DR) && count < 256; count++)
		in(UART_RBR);
	out(UART_FCR, old_fcr);
	out(UART_MCR, old_mcr);
	out(UART_LCR, old_lcr);
	return count;
}

/*
 * Linux 6.1's autoconfig() and autoconfig_16550a() (with the 16550A
 * variant checks), step by step; returns the type the driver would print.
 */
static const char *linux_autoconfig(void)
{
	uint8_t scratch, scratch2, scratch3, status1, status2, save_mcr, save_lcr, iersave;

	scratch = in(UART_IER);
	out(UART_IER, 0);
	scratch2 = in(UART_IER) & 0x0f;
	out(UART_IER, 0x0f);
	scratch3 = in(UART_IER) & 0x0f;
	out(UART_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return "IER test failed";

	save_mcr = in(UART_MCR);
	save_lcr = in(UART_LCR);
	out(UART_MCR, UART_MCR_LOOP | 0x0a);
	status1 = in(UART_MSR) & 0xf0;
	out(UART_MCR, save_mcr);
	if (status1 != 0x90)
		return "LOOP test failed";

	out(UART_LCR, 0xbf);      /* UART_LCR_CONF_MODE_B */
	out(2, 0);                /* EFR, which is FCR on a 16550A */
	out(UART_LCR, 0);
	out(UART_FCR, UART_FCR_ENABLE);
	scratch = in(UART_IIR);
	if (scratch >> 6 == 0)
		return "8250/16450";
	if (scratch >> 6 == 1)
		return "unknown";
	if (scratch >> 6 == 2)
		return "16550";

	/* autoconfig_16550a: EFR with DLAB set (ST16C650V1) */
	out(UART_LCR, 0x80);
	if (in(2) == 0)
		return "16650";
	/* EFR with LCR 0xBF (ST16C650V2, TI16C752) */
	out(UART_LCR, 0xbf);
	if (in(2) == 0)
		return "16650V2";
	/* National Semiconductor SuperIO: LOOP bit mirrored in EXCR1 */
	out(UART_LCR, 0);
	status1 = in(UART_MCR);
	out(UART_LCR, 0xe0);
	status2 = in(2);
	if (!((status2 ^ status1) & UART_MCR_LOOP)) {
		out(UART_LCR, 0);
		out(UART_MCR, status1 ^ UART_MCR_LOOP);
		out(UART_LCR, 0xe0);
		status2 = in(2);
		out(UART_LCR, 0);
		out(UART_MCR, status1);
		if ((status2 ^ status1) & UART_MCR_LOOP)
			return "NS16550A";
	}
	/* TI16750: IIR bit 5 with the 64-byte FIFO bit, with and without DLAB */
	out(UART_LCR, 0);
	out(UART_FCR, UART_FCR_ENABLE | 0x20);
	status1 = in(UART_IIR) >> 5;
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_LCR, 0x80);
	out(UART_FCR, UART_FCR_ENABLE | 0x20);
	status2 = in(UART_IIR) >> 5;
	out(UART_FCR, UART_FCR_ENABLE);
	out(UART_LCR, 0);
	if (status1 == 6 && status2 == 7)
		return "TI16750";
	/* XScale: IER bit 6 (UUE) writable */
	iersave = in(UART_IER);
	out(UART_IER, iersave & ~0x40);
	if (!(in(UART_IER) & 0x40)) {
		out(UART_IER, iersave | 0x40);
		if (in(UART_IER) & 0x40)
			return "XScale";
	}
	out(UART_IER, iersave);
	if (size_fifo() == 64)
		return "U6_16550A";

	out(UART_LCR, save_lcr);
	out(UART_MCR, save_mcr);
	clear_fifos();
	in(UART_RBR);
	out(UART_IER, 0);
	return "16550A";
}

START_TEST(test_linux_autoconfig_finds_16550a)
{
	ck_assert_str_eq(linux_autoconfig(), "16550A");
	/* The probe transmitted nothing on the line (loopback only). */
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_NO_INT);
	ck_assert_int_eq(bd.level, 0);
	/* It ran again after a reset of the driver state: same answer. */
	ck_assert_str_eq(linux_autoconfig(), "16550A");
}
END_TEST

START_TEST(test_size_fifo_is_16_and_sets_overrun)
{
	ck_assert_int_eq(size_fifo(), 16);
	/* 240 of the 256 loopback bytes overran: OE is latched until LSR is read. */
	out(UART_MCR, UART_MCR_LOOP);
	out(UART_FCR, UART_FCR_ENABLE);
	for (int i = 0; i < 17; i++)
		out(UART_RBR, (uint8_t)i);
	ck_assert_int_eq(in(UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
	ck_assert_int_eq(in(UART_LSR) & UART_LSR_OE, 0);
	/* The FIFO kept the first 16 bytes, the 17th was lost. */
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(in(UART_RBR), i);
	ck_assert_int_eq(in(UART_LSR) & UART_LSR_DR, 0);
}
END_TEST

/* serial8250_do_startup up to the point it sets the IER shadow. */
START_TEST(test_linux_startup_thre_checks_pass)
{
	uint8_t iir1, iir, lsr;

	clear_fifos();
	in(UART_LSR);
	in(UART_RBR);
	in(UART_IIR);
	in(UART_MSR);
	ck_assert_int_ne(in(UART_LSR), 0xff);

	/* UART_BUG_THRE test: THRE must be re-asserted after IER is toggled. */
	ck_assert(in(UART_LSR) & UART_LSR_THRE);
	out(UART_IER, UART_IER_THRI);
	iir1 = in(UART_IIR);
	out(UART_IER, 0);
	out(UART_IER, UART_IER_THRI);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	ck_assert_int_eq(iir1, UART_IIR_THRI);
	ck_assert_int_eq(iir, UART_IIR_THRI);

	out(UART_LCR, 0x03);
	out(UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);

	/* UART_BUG_TXEN test: enabling THRI must give an interrupt at once. */
	out(UART_IER, UART_IER_THRI);
	lsr = in(UART_LSR);
	iir = in(UART_IIR);
	out(UART_IER, 0);
	ck_assert(lsr & UART_LSR_TEMT);
	ck_assert_int_eq(iir & UART_IIR_NO_INT, 0);
	/* That test pulsed the IRQ line once, with OUT2 set. */
	ck_assert_uint_eq(bd.rises, 1);
	ck_assert_uint_eq(bd.line, COM1_IRQ);
	ck_assert_int_eq(bd.level, 0);
}
END_TEST

START_TEST(test_thre_interrupt_rearms_after_each_write)
{
	out(UART_MCR, UART_MCR_OUT2);
	out(UART_IER, UART_IER_THRI);
	ck_assert_int_eq(bd.level, 1);
	ck_assert_uint_eq(bd.rises, 1);
	/* Reading IIR clears THRE when THRE is what it reports. */
	ck_assert_int_eq(in(UART_IIR), UART_IIR_THRI);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_NO_INT);
	/* Each THR write clears it and the emptied THR raises it again: an edge. */
	for (int i = 0; i < 3; i++) {
		out(UART_RBR, (uint8_t)('a' + i));
		ck_assert_int_eq(bd.level, 1);
		ck_assert_uint_eq(bd.rises, 2 + (unsigned)i);
		ck_assert_int_eq(in(UART_IIR), UART_IIR_THRI);
	}
	ck_assert_uint_eq(bd.nout, 3);
	ck_assert_int_eq(memcmp(bd.out, "abc", 3), 0);
	/* Disabling THRI drops a pending THRE; a write with THRI off arms nothing visible. */
	out(UART_RBR, 'd');
	out(UART_IER, 0);
	ck_assert_int_eq(bd.level, 0);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_NO_INT);
}
END_TEST

START_TEST(test_iir_priority_order)
{
	uint8_t data[3] = { 'x', 'y', 'z' };

	out(UART_MCR, UART_MCR_OUT2);
	out(UART_IER, UART_IER_RDI | UART_IER_THRI | UART_IER_RLSI | UART_IER_MSI);
	/* All four sources at once: THRE (just enabled), data, line status, modem status. */
	ck_assert_uint_eq(uart_receive(&u, data, 1), 1);
	ck_assert_uint_eq(uart_receive(&u, data + 1, 1), 0);   /* 16450 mode: one byte */
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);          /* modem inputs change */
	out(UART_RBR, 'q');                                    /* loopback overruns RBR */
	out(UART_MCR, UART_MCR_OUT2);                          /* back: inputs change again */
	ck_assert_int_eq(in(UART_IIR), UART_IIR_RLSI);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_RLSI);         /* only LSR clears it */
	ck_assert_int_eq(in(UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_RDI);
	ck_assert_int_eq(in(UART_RBR), 'q');                   /* the overrun replaced RBR */
	ck_assert_int_eq(in(UART_IIR), UART_IIR_THRI);         /* read clears THRE ... */
	ck_assert_int_eq(in(UART_IIR), UART_IIR_MSI);          /* ... exposing modem status */
	ck_assert_int_eq(in(UART_MSR) & UART_MSR_DELTAS, UART_MSR_DCTS | UART_MSR_DDSR);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_NO_INT);
	ck_assert_int_eq(bd.level, 0);
	/* THRE reported while a higher source is pending stays pending. */
	out(UART_RBR, '!');
	ck_assert_uint_eq(uart_receive(&u, data + 2, 1), 1);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_RDI);
	ck_assert_int_eq(in(UART_RBR), 'z');
	ck_assert_int_eq(in(UART_IIR), UART_IIR_THRI);
}
END_TEST

START_TEST(test_fifo_trigger_levels_and_timeout)
{
	static const uint8_t trig[4] = { 1, 4, 8, 14 };
	uint8_t data[20];

	for (int i = 0; i < 20; i++)
		data[i] = (uint8_t)(0x40 + i);
	out(UART_IER, UART_IER_RDI);
	for (unsigned t = 0; t < 4; t++) {
		out(UART_FCR, (uint8_t)(UART_FCR_ENABLE | UART_FCR_CLEAR_RX | t << 6));
		ck_assert_int_eq(in(UART_LSR) & UART_LSR_DR, 0);
		ck_assert_uint_eq(uart_receive(&u, data, trig[t] - 1u), trig[t] - 1u);
		if (trig[t] > 1)
			ck_assert_int_eq(in(UART_IIR), UART_IIR_FIFO | UART_IIR_TIMEOUT);
		ck_assert_uint_eq(uart_receive(&u, data + trig[t] - 1, 1), 1);
		ck_assert_int_eq(in(UART_IIR), UART_IIR_FIFO | UART_IIR_RDI);
	}
	/* 14 bytes queued: 2 more fit, the rest stays with the caller. */
	ck_assert_uint_eq(uart_receive(&u, data + 14, 6), 2);
	ck_assert_int_eq(in(UART_LSR) & UART_LSR_OE, 0);
	for (int i = 0; i < 16; i++) {
		ck_assert(in(UART_LSR) & UART_LSR_DR);
		ck_assert_int_eq(in(UART_RBR), 0x40 + i);
	}
	ck_assert_int_eq(in(UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_FIFO | UART_IIR_NO_INT);
	/* FCR receive reset empties the FIFO; disabling the FIFOs does too. */
	uart_receive(&u, data, 5);
	out(UART_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	ck_assert_int_eq(in(UART_LSR) & UART_LSR_DR, 0);
	uart_receive(&u, data, 5);
	out(UART_FCR, 0);
	ck_assert_int_eq(in(UART_LSR) & UART_LSR_DR, 0);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_NO_INT);   /* no FIFO bits */
	/* Loopback disconnects the serial input. */
	out(UART_MCR, UART_MCR_LOOP);
	ck_assert_uint_eq(uart_receive(&u, data, 1), 0);
	ck_assert_uint_eq(uart_receive(&u, NULL, 1), 0);
}
END_TEST

START_TEST(test_out2_gates_irq)
{
	uint8_t c = 'k';

	out(UART_IER, UART_IER_RDI);
	uart_receive(&u, &c, 1);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_RDI);
	ck_assert_uint_eq(bd.rises, 0);            /* OUT2 off: the PC's IRQ buffer is off */
	out(UART_MCR, UART_MCR_OUT2);
	ck_assert_int_eq(bd.level, 1);
	out(UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);
	ck_assert_int_eq(bd.level, 0);             /* loopback forces OUT2 inactive */
	out(UART_MCR, UART_MCR_OUT2);
	ck_assert_int_eq(bd.level, 1);
	ck_assert_uint_eq(bd.rises, 2);
	ck_assert_int_eq(in(UART_RBR), 'k');
	ck_assert_int_eq(bd.level, 0);
}
END_TEST

START_TEST(test_divisor_latch_scratch_and_wide_access)
{
	out(UART_IER, 0x05);
	out(UART_LCR, 0x83);
	out(UART_RBR, 0x0c);                       /* DLL, not a transmission */
	out(UART_IER, 0x00);                       /* DLM, IER unchanged */
	ck_assert_int_eq(in(UART_RBR), 0x0c);
	ck_assert_int_eq(in(UART_IER), 0x00);
	ck_assert_uint_eq(bd.nout, 0);
	out(UART_LCR, 0x03);
	ck_assert_int_eq(in(UART_IER), 0x05);
	ck_assert_int_eq(in(UART_LCR), 0x03);
	out(UART_SCR, 0xa5);
	ck_assert_int_eq(in(UART_SCR), 0xa5);
	out(UART_MCR, 0xff);
	ck_assert_int_eq(in(UART_MCR), UART_MCR_MASK);
	out(UART_IER, 0xff);
	ck_assert_int_eq(in(UART_IER), UART_IER_MASK);
	/* A 16-bit read returns the byte register with an open-bus upper byte. */
	ck_assert_uint_eq(uart_read(&u, UART_SCR, 2, 0), 0xffa5);
	ck_assert_uint_eq(uart_read(&u, UART_SCR, 4, 0), 0xffffffa5);
	uart_write(&u, UART_SCR, 4, 0x12345678, 0);
	ck_assert_int_eq(in(UART_SCR), 0x78);
	ck_assert_uint_eq(uart_read(&u, 8, 1, 0), 0xff);
	ck_assert_uint_eq(uart_read(&u, 0x1000, 4, 0), 0xffffffff);
	ck_assert_uint_eq(uart_read(&u, UART_SCR, 0, 0), 0);
	uart_write(&u, 9, 1, 0x55, 0);
	ck_assert_int_eq(in(UART_SCR), 0x78);
}
END_TEST

START_TEST(test_loopback_modem_lines)
{
	/* Outside loopback a terminal is on line. */
	ck_assert_int_eq(in(UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD);
	out(UART_IER, UART_IER_MSI);
	out(UART_MCR, UART_MCR_LOOP);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_MSI);
	ck_assert_int_eq(in(UART_MSR), UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_OUT1);
	ck_assert_int_eq(in(UART_MSR), UART_MSR_RI);       /* rising RI: no TERI */
	out(UART_MCR, UART_MCR_LOOP);
	ck_assert_int_eq(in(UART_MSR), UART_MSR_TERI);
	out(UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS);
	ck_assert_int_eq(in(UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCTS | UART_MSR_DDSR);
	ck_assert_int_eq(in(UART_MSR), UART_MSR_CTS | UART_MSR_DSR);
	ck_assert_int_eq(in(UART_IIR), UART_IIR_NO_INT);
	/* Loopback transmission lands in the receiver, not on the line. */
	out(UART_RBR, 0x5a);
	ck_assert_uint_eq(bd.nout, 0);
	ck_assert_int_eq(in(UART_LSR) & UART_LSR_DR, UART_LSR_DR);
	ck_assert_int_eq(in(UART_RBR), 0x5a);
}
END_TEST

/* Invariants that hold after any access sequence (reading IIR may clear THRE). */
static void check_invariants(void)
{
	int level = bd.level;
	bool gate = (u.mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;
	uint8_t iir = (uint8_t)uart_read(&u, UART_IIR, 1, 0);

	EXPECT(u.rx_count <= UART_FIFO_SIZE);
	EXPECT(u.rx_head < UART_FIFO_SIZE);
	if (!(u.fcr & UART_FCR_ENABLE))
		EXPECT(u.rx_count <= 1);
	EXPECT((u.ier & ~UART_IER_MASK) == 0);
	EXPECT((u.mcr & ~UART_MCR_MASK) == 0);
	EXPECT((iir & UART_IIR_FIFO) == (u.fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0));
	EXPECT((iir & 0x30) == 0);
	EXPECT(level == (gate && (iir & 0x0f) != UART_IIR_NO_INT));
	EXPECT(bd.level == u.irq_level);
	EXPECT((uart_read(&u, UART_LSR, 1, 0) & (UART_LSR_THRE | UART_LSR_TEMT)) ==
	       (UART_LSR_THRE | UART_LSR_TEMT));
}

START_TEST(test_random_accesses_keep_invariants)
{
	static const unsigned sizes[] = { 0, 1, 2, 3, 4, 8, 9 };
	uint8_t buf[32];

	rnd_seed(0x16550a);
	for (int i = 0; i < 100000; i++) {
		unsigned offset = rnd() % 10, size = sizes[rnd() % 7];
		uint64_t value = rnd();

		switch (rnd() % 4) {
		case 0:
			uart_read(&u, offset, size, (vdev_time_t)i);
			break;
		case 1:
		case 2:
			uart_write(&u, offset, size, value, (vdev_time_t)i);
			break;
		default:
			for (size_t j = 0; j < sizeof(buf); j++)
				buf[j] = (uint8_t)rnd();
			EXPECT(uart_receive(&u, buf, rnd() % sizeof(buf)) <= UART_FIFO_SIZE);
			break;
		}
		if (i % 64 == 0)
			check_invariants();
		EXPECT(u.rx_count <= UART_FIFO_SIZE);
	}
	EXPECT(bd.nout > 0);
	EXPECT(bd.rises > 0);
}
END_TEST

Suite *uart16550_suite(void)
{
	Suite *s = suite_create("uart16550");
	TCase *tc = tcase_create("registers");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_linux_autoconfig_finds_16550a);
	tcase_add_test(tc, test_size_fifo_is_16_and_sets_overrun);
	tcase_add_test(tc, test_linux_startup_thre_checks_pass);
	tcase_add_test(tc, test_thre_interrupt_rearms_after_each_write);
	tcase_add_test(tc, test_iir_priority_order);
	tcase_add_test(tc, test_fifo_trigger_levels_and_timeout);
	tcase_add_test(tc, test_out2_gates_irq);
	tcase_add_test(tc, test_divisor_latch_scratch_and_wide_access);
	tcase_add_test(tc, test_loopback_modem_lines);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", setup, NULL, test_random_accesses_keep_invariants);
	return s;
}
