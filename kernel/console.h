/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel console: printf to the serial line, log levels, panic. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include "types.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
	LOG_TRACE = 4,
};

extern enum log_level console_log_level;

/* Always printed. */
int kprintf(const char *fmt, ...) PRINTF(1, 2);
int kvprintf(const char *fmt, va_list ap);

/* Printed when level <= console_log_level (the loglevel= option). */
void klog(enum log_level level, const char *fmt, ...) PRINTF(2, 3);

/*
 * Stops the system: prints "PANIC: <message>", then the caller's details
 * between panic_begin and panic_end, and ends the machine with status 2.
 */
NORETURN void panic(const char *fmt, ...) PRINTF(1, 2);
void panic_begin(const char *fmt, ...) PRINTF(1, 2);
NORETURN void panic_end(void);

#endif
