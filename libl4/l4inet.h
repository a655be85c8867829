/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Internet checksum (RFC 1071) for the network's programs: the 16-bit
 * one's complement sum of big-endian words. Pure inline C: the switch,
 * the VMM's virtio-net and the native network endpoint use it, and the
 * host unit tests.
 */
#ifndef L4INET_H
#define L4INET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at data to a running sum (a last odd byte as the high
 * half of a word). */
static inline uint32_t l4_inet_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = sum;

	for (; len >= 2; p += 2, len -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* The checksum to store: the folded sum, complemented. */
static inline uint16_t l4_inet_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * Completes a partial checksum (virtio-net's NEEDS_CSUM, include/l4/net.h):
 * the sum of frame[start..len) (whose checksum field at start + offset
 * holds the pseudo-header's sum) goes, folded and complemented, into that
 * field, big-endian; a result of 0 is stored as 0xffff (as Linux does: a
 * UDP checksum of 0 would mean none). False, and nothing written, when
 * the field does not lie inside the frame.
 */
static inline bool l4_inet_complete(uint8_t *frame, unsigned len, unsigned start, unsigned offset)
{
	if (start >= len || offset > len - start || len - start - offset < 2)
		return false;
	uint16_t c = l4_inet_fold(l4_inet_sum(frame + start, len - start, 0));
	if (!c)
		c = 0xffff;
	frame[start + offset] = (uint8_t)(c >> 8);
	frame[start + offset + 1] = (uint8_t)c;
	return true;
}

#endif
