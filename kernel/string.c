/* SPDX-License-Identifier: BSD-2-Clause */
#include "string.h"

void *memset(void *dst, int c, size_t n)
{
#if defined(__x86_64__)
	/* Whole words with one instruction (kernel objects, zeroed pages). */
	size_t words = n / 8;
	uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
	void *d = dst;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
	unsigned char *db = d;
	n %= 8;
#else
	unsigned char *db = dst;
#endif
	while (n--)
		*db++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
#if defined(__x86_64__)
	/* Whole words with one instruction: message registers are words. */
	size_t words = n / 8;
	void *d = dst;
	const void *s = src;
	__asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
	n %= 8;
	unsigned char *db = d;
	const unsigned char *sb = s;
#else
	unsigned char *db = dst;
	const unsigned char *sb = src;
#endif
	while (n--)
		*db++ = *sb++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}
