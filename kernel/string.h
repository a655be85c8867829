/* SPDX-License-Identifier: BSD-2-Clause */
/* The few string and memory functions the kernel needs (the compiler
 * also emits calls to memset/memcpy/memmove/memcmp itself). */
#ifndef KERNEL_STRING_H
#define KERNEL_STRING_H

#include "types.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

#endif
