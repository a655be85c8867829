/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel command line: space-separated words "key=value" or "key".
 * Pure code: also compiled into the host unit tests.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include "types.h"

/* Copies the value of the last "key=value" into val (NUL-terminated,
 * truncated to size). A bare "key" gives "". Returns false if absent
 * or if the value does not fit. */
bool cmdline_get(const char *cmdline, const char *key, char *val, size_t size);

/* Parses a whole string as an unsigned number: decimal, 0x hex or 0b binary,
 * with an optional K/M/G suffix. Returns false on junk or overflow. */
bool parse_u64(const char *s, uint64_t *out);

/* cmdline_get + parse_u64. Returns false if absent or malformed. */
bool cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

#endif
