/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's console output (the UART and the virtio console, hvc0),
 * forwarded line by line to the console server: each line goes out whole,
 * the virtio console's with "hvc0: " before it. What the guest has of a
 * line goes out when it waits (HLT: console_flush), so a shell's prompt
 * and echo appear at once; the line's rest then follows without a prefix.
 * Before one output prints, the other's unfinished line ends. Carriage
 * returns are dropped; a line longer than CONSOLE_LINE - 1 goes out in
 * pieces. The test initramfs's marker lines on the UART ("L4LINUX: /init",
 * "L4LINUX: disk: bench") call marker once out (the VMM prints its
 * statistics there).
 * Pure: the text goes out through print.
 */
#ifndef VMM_CONSOLE_H
#define VMM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_LINE 160
#define CONSOLE_MARKER "L4LINUX: /init"
#define CONSOLE_MARKER_DISK "L4LINUX: disk: bench"     /* (make bench's disk figures: around them) */
#define CONSOLE_MARKER_NET "L4LINUX: net: bench"       /* (and its network figures) */

struct console_line {
	const char *prefix;             /* before each line: "" (the UART) or "hvc0: " */
	bool open;                      /* the line's start has gone out (console_flush) */
	unsigned len;
	char line[CONSOLE_LINE];
};

struct console {
	struct console_line uart, hvc;
	int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
	void (*flush)(void);            /* sends an unfinished line now (may be NULL) */
	void (*marker)(void *ctx);      /* may be NULL */
	void *ctx;
};

void console_init(struct console *c, int (*print)(const char *fmt, ...), void (*flush)(void),
		  void (*marker)(void *ctx), void *ctx);

/* A byte the guest wrote to its UART; bytes it sent over hvc0. */
void console_uart(struct console *c, uint8_t byte);
void console_hvc(struct console *c, const uint8_t *buf, size_t n);

/* The guest waits: what either output has of a line goes out now. */
void console_flush(struct console *c);

/* The guest ended: the UART's unfinished line ends. */
void console_end(struct console *c);

#endif
