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
		bool marker = o == &c->uart &&
			      ((o->len >= sizeof(CONSOLE_MARKER) - 1 &&
				__builtin_memcmp(o->line, CONSOLE_MARKER, sizeof(CONSOLE_MARKER) - 1) == 0) ||
			       (o->len >= sizeof(CONSOLE_MARKER_DISK) - 1 &&
				__builtin_memcmp(o->line, CONSOLE_MARKER_DISK, sizeof(CONSOLE_MARKER_DISK) - 1) == 0));
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
