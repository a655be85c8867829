/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * printf-style formatting, shared by the kernel console and snprintf.
 * Conversions: %d %i %u %x %X %o %p %s %c %%, flags '-' '0' '+' ' ' '#',
 * width and precision (numbers or '*'), length modifiers hh h l ll z j t.
 * Pure code: also compiled into the host unit tests.
 */
#ifndef KERNEL_FORMAT_H
#define KERNEL_FORMAT_H

#include "types.h"

/* Receives one output character. */
typedef void (*fmt_sink)(void *ctx, char c);

/* Formats to a sink; returns the number of characters produced. */
int fmt_vformat(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* Like C's vsnprintf: always NUL-terminates when size > 0, returns the
 * length the whole output would have had. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF(3, 4);

#endif
