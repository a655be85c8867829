/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The console server (protocol: include/l4/console.h). It owns the serial
 * port (I/O ports and its interrupt line from the boot configuration),
 * prints every client's output line by line as "NAME: text" (names from
 * the program directory of the environment page), and hands
 * what is typed to the one program configured with `input`, whose output
 * it shows as it comes (prompts and echoes appear before the line ends).
 *
 * Two threads: the main thread serves the "log" endpoint and queues
 * output; the interrupt thread, at a higher priority, moves bytes between
 * the UART and the queues when the UART interrupts (transmitter empty,
 * data received). The interrupt thread never yields to the main thread
 * mid-step, so each queue has one producer and one consumer.
 */
#include "l4lib.h"
#include <l4/console.h>
#include <l4/irq.h>

#define UART_DATA 0       /* RBR / THR */
#define UART_IER  1       /* interrupt enable */
#define UART_IIR  2       /* interrupt identification / FCR */
#define UART_LCR  3
#define UART_MCR  4
#define UART_LSR  5
#define IER_RX    0x01    /* data received */
#define IER_THRE  0x02    /* transmitter holding register empty */
#define FCR_ENABLE_CLEAR 0x07   /* FIFOs on, both cleared */
#define LCR_8N1   0x03
#define LCR_DLAB  0x80
#define MCR_DTR_RTS_OUT2 0x0b   /* OUT2 gates the IRQ line on PCs */
#define LSR_DR    0x01
#define LSR_THRE  0x20
#define FIFO_DEPTH 16
#define DIVISOR_115200 1

#define TX_RING 16384u
#define RX_RING 1024u
#define MAX_CLIENTS 32
#define LINE_MAX 200

static unsigned port;                     /* the UART's first port */
static char tx[TX_RING];
static volatile unsigned tx_head, tx_tail;    /* head: main thread, tail: interrupt thread */
static char rx[RX_RING];
static volatile unsigned rx_head, rx_tail;    /* head: interrupt thread, tail: main thread */
static volatile unsigned long rx_dropped;

struct client {
	bool known;
	char name[L4_ENV_NAME_LEN + 1];
	bool input;
	char line[LINE_MAX];
	unsigned len;
};
static struct client clients[MAX_CLIENTS + 1];   /* by badge (program number) */

static inline void outb(unsigned p, unsigned char v)
{
	__asm__ volatile("outb %0, %w1" : : "a"(v), "Nd"(p));
}

static inline unsigned char inb(unsigned p)
{
	unsigned char v;

	__asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"(p));
	return v;
}

/* Queues bytes for the transmitter (dropping what does not fit) and makes
 * sure its interrupt is on. */
static void tx_put(const char *s, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (tx_head - tx_tail == TX_RING)
			break;
		tx[tx_head % TX_RING] = s[i];
		tx_head = tx_head + 1;
	}
	outb(port + UART_IER, IER_RX | IER_THRE);
}

static void tx_str(const char *s)
{
	unsigned n = 0;

	while (s[n])
		n++;
	tx_put(s, n);
}

/* The interrupt thread: moves bytes whenever the UART asks. */
static long uart_interrupts(long arg)
{
	l4_cap_t irq = (l4_cap_t)arg, note = l4_make(L4_FACTORY_NOTIFICATION);

	if (note == L4_CAP_NONE || L4_INVOKE(irq, L4_IRQ_BIND, note).error)
		return 1;
	outb(port + UART_IER, IER_RX | IER_THRE);
	for (;;) {
		l4_recv(note, L4_TIMEOUT_NEVER);
		for (unsigned rounds = 0; rounds < 64; rounds++) {
			unsigned char lsr = inb(port + UART_LSR);
			bool busy = false;
			if (lsr & LSR_DR) {
				char c = (char)inb(port + UART_DATA);
				if (rx_head - rx_tail < RX_RING) {
					rx[rx_head % RX_RING] = c;
					rx_head = rx_head + 1;
				} else {
					rx_dropped++;
				}
				busy = true;
			}
			if (lsr & LSR_THRE) {
				if (tx_tail == tx_head) {
					outb(port + UART_IER, IER_RX);     /* nothing to send: quiet */
				} else {
					for (unsigned k = 0; k < FIFO_DEPTH && tx_tail != tx_head; k++) {
						outb(port + UART_DATA, (unsigned char)tx[tx_tail % TX_RING]);
						tx_tail = tx_tail + 1;
					}
					busy = true;
				}
			}
			(void)inb(port + UART_IIR);
			if (!busy)
				break;
		}
		L4_INVOKE(irq, L4_IRQ_ACK);
	}
}

/* The client with this badge (program number), named from the program
 * directory of our environment; badge 0 is the root task, whose lines
 * name themselves. */
static struct client *client(l4_word_t badge)
{
	if (badge > MAX_CLIENTS || (badge && badge > l4_env->program_count))
		return NULL;
	struct client *c = &clients[badge];
	if (!c->known) {
		const char *name = badge ? l4_env->programs[badge - 1].name : "";
		for (unsigned i = 0; i < L4_ENV_NAME_LEN; i++)
			c->name[i] = name[i];
		c->name[L4_ENV_NAME_LEN] = 0;
		c->input = badge && (l4_env->programs[badge - 1].flags & L4_ENV_INPUT);
		c->known = true;
	}
	return c;
}

/* The input program's line on the terminal that has no end yet (its
 * output is shown as it comes, so prompts and echoes appear before Enter). */
static struct client *open_line;

static void emit_name(struct client *c)
{
	if (c->name[0]) {
		tx_str(c->name);
		tx_put(": ", 2);
	}
}

/* Ends the input program's open line (someone else prints a line now). */
static void close_open_line(void)
{
	if (open_line) {
		tx_put("\r\n", 2);
		open_line = NULL;
	}
}

static void emit_line(struct client *c)
{
	close_open_line();
	emit_name(c);
	tx_put(c->line, c->len);
	tx_put("\r\n", 2);
	c->len = 0;
}

/* One character of the input program: straight to the terminal. */
static void emit_input_program(struct client *c, char ch)
{
	if (open_line != c) {
		close_open_line();
		emit_name(c);
		open_line = c;
	}
	if (ch == '\n') {
		tx_put("\r\n", 2);
		open_line = NULL;
	} else {
		tx_put(&ch, 1);
	}
}

static l4_word_t write_request(struct client *c, unsigned words)
{
	l4_word_t *mr = l4_utcb()->mr, n = mr[0];

	if (n > L4_CONSOLE_MAX || (n + 7) / 8 + 1 > words)
		return L4_EMSG;
	for (unsigned i = 0; i < n; i++) {
		char ch = (char)(mr[1 + i / 8] >> (8 * (i % 8)));
		if (ch == '\r')
			continue;
		if (c->input) {
			emit_input_program(c, ch);
			continue;
		}
		if (ch == '\n') {
			emit_line(c);
			continue;
		}
		c->line[c->len++] = ch;
		if (c->len == LINE_MAX)
			emit_line(c);
	}
	return L4_OK;
}

static l4_word_t read_request(struct client *c, unsigned *out)
{
	l4_word_t *mr = l4_utcb()->mr, want = mr[0], n = 0;

	if (!c->input)
		return L4_ERIGHTS;
	if (want > L4_CONSOLE_MAX)
		want = L4_CONSOLE_MAX;
	while (n < want && rx_tail != rx_head) {
		char ch = rx[rx_tail % RX_RING];
		rx_tail = rx_tail + 1;
		mr[1 + n / 8] = (n % 8 ? mr[1 + n / 8] : 0) | (l4_word_t)(unsigned char)ch << (8 * (n % 8));
		n++;
	}
	mr[0] = n;
	*out = 1 + (unsigned)(n + 7) / 8;
	return L4_OK;
}

static l4_word_t handle(l4_word_t label, l4_word_t badge, unsigned words, unsigned items)
{
	unsigned out = 0;
	l4_word_t err;

	(void)items;
	if (badge == 0 && label == L4_SERVER_CLIENT_GONE && words >= 1) {
		l4_word_t id = l4_utcb()->mr[0];
		if (id && id <= MAX_CLIENTS) {
			if (clients[id].len)
				emit_line(&clients[id]);      /* its last words */
			if (open_line == &clients[id])
				close_open_line();
			clients[id].known = false;
		}
		return l4_tag(L4_OK, 0, 0);
	}
	struct client *c = client(badge);
	if (!c)
		return l4_tag(L4_ERIGHTS, 0, 0);
	if (label == L4_CONSOLE_WRITE && words >= 1)
		err = write_request(c, words);
	else if (label == L4_CONSOLE_READ && words >= 1)
		err = read_request(c, &out);
	else
		err = label == L4_CONSOLE_WRITE || label == L4_CONSOLE_READ ? L4_EMSG : L4_ENOSYS;
	return l4_tag(err, err ? 0 : out, 0);
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_log_set(L4_CAP_NONE);            /* we are the log: print directly */
	l4_cap_t ep = l4_env_cap("log"), irq = L4_CAP_NONE;
	for (unsigned i = 0; l4_env && i < l4_env->cap_count; i++)
		if (l4_env->caps[i].name[0] == 'i' && l4_env->caps[i].name[1] == 'r' && l4_env->caps[i].name[2] == 'q')
			irq = l4_env->caps[i].slot;
	if (ep == L4_CAP_NONE || irq == L4_CAP_NONE || !l4_env->port_count ||
	    l4_env->ports[0].last - l4_env->ports[0].first < 7) {
		l4_printf("needs `serve log`, an `irq` line and the UART's 8 `ioports`\n");
		return 1;
	}
	port = (unsigned)l4_env->ports[0].first;
	/* 115200 8N1, FIFOs on, OUT2 so the interrupt reaches the PIC/IOAPIC. */
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_DLAB);
	outb(port + UART_DATA, DIVISOR_115200);
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, LCR_8N1);
	outb(port + UART_IIR, FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, MCR_DTR_RTS_OUT2);
	/* The interrupt thread above us: it never waits for the main thread. */
	unsigned prio = (unsigned)l4_env->priority;
	L4_INVOKE(L4_CAP_THREAD, L4_THREAD_SET_PRIO, prio > 1 ? prio - 1 : prio);
	l4_cap_t t = l4_thread_start(uart_interrupts, (long)irq, prio);
	if (t == L4_CAP_NONE) {
		l4_printf("no interrupt thread\n");
		return 1;
	}
	tx_str("console: serving the log on the serial port\r\n");
	l4_server_loop(ep, handle);
}
