/* SPDX-License-Identifier: BSD-2-Clause */
/* The guest's console output: see console.h. */
#include "console.h"

void console_init(struct console *c, int (*print)(const char *fmt, ...), void (*flush)(void),
		  void (*marker)(void *ctx), void *ctx)
{
	*c = (struct console){ .uart = { .prefix = "" }, .hvc = { .prefix = "hvc0: " }, .print = print,
			       .flush = flush, .marker = marker, .ctx = ctx };
}

/* Before o prints, the other output's unfinished line ends. */
static void take_turn(struct console *c, struct console_line *o)
{
	struct console_line *other = o == &c->uart ? &c->hvc : &c->uart;

	if (other->open) {
		c->print("\n");
		other->open = false;
	}
}

/* Sends what o has of its line, with the line's end or (end false) without. */
static void send(struct console *c, struct console_line *o, bool end)
{
	take_turn(c, o);
	o->line[o->len] = 0;
	c->print("%s%s%s", o->open ? "" : o->prefix, o->line, end ? "\n" : "");
	o->len = 0;
	o->open = !end;
}

static void put(struct console *c, struct console_line *o, uint8_t byte)
{
	if (byte == '\n' || o->len == sizeof(o->line) - 1) {
		/* The test initramfs's marker: what the boot cost in exits so far. */
		static const char *const markers[] = { CONSOLE_MARKER, CONSOLE_MARKER_DISK, CONSOLE_MARKER_NET };
		bool marker = false;
		for (unsigned i = 0; o == &c->uart && i < sizeof(markers) / sizeof(markers[0]); i++) {
			unsigned n = (unsigned)__builtin_strlen(markers[i]);
			marker |= o->len >= n && __builtin_memcmp(o->line, markers[i], n) == 0;
		}
		send(c, o, true);
		if (marker && c->marker)
			c->marker(c->ctx);
		if (byte == '\n')
			return;
	}
	if (byte != '\r')
		o->line[o->len++] = (char)byte;
}

void console_uart(struct console *c, uint8_t byte)
{
	put(c, &c->uart, byte);
}

void console_hvc(struct console *c, const uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(c, &c->hvc, buf[i]);
}

static void flush_line(struct console *c, struct console_line *o)
{
	if (o->len) {
		send(c, o, false);
		if (c->flush)
			c->flush();
	}
}

void console_flush(struct console *c)
{
	flush_line(c, &c->uart);
	flush_line(c, &c->hvc);
}

void console_end(struct console *c)
{
	if (c->uart.len)
		put(c, &c->uart, '\n');
}
