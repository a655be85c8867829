/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest memory for the loaders: the e820 map, guest RAM, messages (see e820.h). */
#include "e820.h"

/* Longest format string loader_refuse reads: a bound, not a limit in practice. */
#define MSG_FMT_MAX 512u

static uint64_t entry_end(const struct e820_entry *e)
{
	return e->addr + e->size;
}

/* ------------------------------------------------------------ the map */

static void push(struct e820_map *map, uint64_t addr, uint64_t size, uint32_t type)
{
	map->entry[map->count++] = (struct e820_entry){ .addr = addr, .size = size, .type = type };
}

int e820_build(struct e820_map *map, uint64_t ram_size)
{
	if (!map || ram_size < E820_HIGH_RAM_START || ram_size > E820_RAM_MAX ||
	    ram_size % E820_PAGE)
		return LOADER_EINVAL;
	__builtin_memset(map, 0, sizeof(*map));
	push(map, 0, E820_LOW_RAM_END, E820_RAM);
	push(map, E820_LOW_RAM_END, E820_HIGH_RAM_START - E820_LOW_RAM_END, E820_RESERVED);

	uint64_t below_hole = ram_size < E820_MMIO_START ? ram_size : E820_MMIO_START;
	if (below_hole > E820_HIGH_RAM_START)
		push(map, E820_HIGH_RAM_START, below_hole - E820_HIGH_RAM_START, E820_RAM);
	if (ram_size > E820_MMIO_START)
		push(map, E820_4G, ram_size - E820_MMIO_START, E820_RAM);
	return LOADER_OK;
}

uint64_t e820_ram_offset(uint64_t ram_size, uint64_t gpa, uint64_t len)
{
	uint64_t low = ram_size < E820_MMIO_START ? ram_size : E820_MMIO_START, high = ram_size - low;

	if (len == 0)
		return E820_NOT_RAM;
	if (gpa < low)
		return len <= low - gpa ? gpa : E820_NOT_RAM;
	if (gpa >= E820_4G && gpa - E820_4G < high)
		return len <= high - (gpa - E820_4G) ? gpa - E820_4G + low : E820_NOT_RAM;
	return E820_NOT_RAM;
}

/*
 * The entries e[i..j) overlap [a, b); they are replaced by what is left of
 * the first before a, the new range, and what is left of the last after b.
 * A remnant or an adjacent neighbour of the new type is merged into the new
 * entry instead, so the result needs no second pass and its exact size is
 * known before anything moves.
 */
int e820_add(struct e820_map *map, uint64_t addr, uint64_t size, uint32_t type)
{
	if (!map || map->count > E820_MAX_ENTRIES || size == 0 || size > UINT64_MAX - addr ||
	    type < E820_RAM || type > E820_UNUSABLE)
		return LOADER_EINVAL;

	struct e820_entry *e = map->entry;
	unsigned n = map->count, i = 0, j;
	uint64_t a = addr, b = addr + size;

	while (i < n && entry_end(&e[i]) <= a)
		i++;
	for (j = i; j < n && e[j].addr < b; j++)
		;

	struct e820_entry left = { 0 }, right = { 0 };
	bool has_left = i < j && e[i].addr < a;
	bool has_right = i < j && entry_end(&e[j - 1]) > b;
	if (has_left)
		left = (struct e820_entry){ e[i].addr, a - e[i].addr, e[i].type };
	if (has_right)
		right = (struct e820_entry){ b, entry_end(&e[j - 1]) - b, e[j - 1].type };
	if (has_left && left.type == type) {
		a = left.addr;
		has_left = false;
	}
	if (has_right && right.type == type) {
		b = entry_end(&right);
		has_right = false;
	}
	if (!has_left && i > 0 && entry_end(&e[i - 1]) == a && e[i - 1].type == type)
		a = e[--i].addr;
	if (!has_right && j < n && e[j].addr == b && e[j].type == type)
		b = entry_end(&e[j++]);

	unsigned k_new = (unsigned)has_left + 1 + (unsigned)has_right, k_old = j - i;
	if (n - k_old + k_new > E820_MAX_ENTRIES)
		return LOADER_ENOSPACE;

	/* Move the untouched tail e[j..n) to its new place after the k_new entries. */
	unsigned dst = i + k_new;
	if (dst > j) {
		for (unsigned t = n; t > j; t--)
			e[t - 1 + (dst - j)] = e[t - 1];
	} else if (dst < j) {
		for (unsigned t = j; t < n; t++)
			e[t - (j - dst)] = e[t];
	}
	unsigned w = i;
	if (has_left)
		e[w++] = left;
	e[w++] = (struct e820_entry){ a, b - a, type };
	if (has_right)
		e[w++] = right;
	map->count = n - k_old + k_new;
	for (unsigned t = map->count; t < n; t++)
		e[t] = (struct e820_entry){ 0 };
	return LOADER_OK;
}

uint64_t e820_ram_extent(const struct e820_map *map, uint64_t addr)
{
	if (!map)
		return 0;
	unsigned n = map->count < E820_MAX_ENTRIES ? map->count : E820_MAX_ENTRIES;
	for (unsigned i = 0; i < n; i++) {
		const struct e820_entry *e = &map->entry[i];
		if (e->type == E820_RAM && addr >= e->addr && addr - e->addr < e->size)
			return e->size - (addr - e->addr);
	}
	return 0;
}

/* ------------------------------------------------------------ guest RAM */

bool guest_ram_inside(const struct guest_ram *m, uint64_t addr, uint64_t len)
{
	return m && m->ram && addr <= m->size && len <= m->size - addr;
}

bool guest_ram_usable(const struct guest_ram *m, uint64_t addr, uint64_t len)
{
	return len && guest_ram_inside(m, addr, len) && e820_ram_extent(m->map, addr) >= len;
}

bool guest_ram_write(const struct guest_ram *m, uint64_t addr, const void *src, uint64_t len)
{
	if (!guest_ram_inside(m, addr, len) || (len && !src))
		return false;
	if (len)
		__builtin_memcpy(m->ram + addr, src, (size_t)len);
	return true;
}

bool guest_ram_fill(const struct guest_ram *m, uint64_t addr, uint8_t value, uint64_t len)
{
	if (!guest_ram_inside(m, addr, len))
		return false;
	if (len)
		__builtin_memset(m->ram + addr, value, (size_t)len);
	return true;
}

/* Little-endian, byte by byte: guest addresses need not be aligned. */
static bool put_le(const struct guest_ram *m, uint64_t addr, uint64_t v, unsigned bytes)
{
	if (!guest_ram_inside(m, addr, bytes))
		return false;
	for (unsigned i = 0; i < bytes; i++)
		m->ram[addr + i] = (uint8_t)(v >> (8 * i));
	return true;
}

bool guest_ram_put16(const struct guest_ram *m, uint64_t addr, uint16_t v)
{
	return put_le(m, addr, v, 2);
}

bool guest_ram_put32(const struct guest_ram *m, uint64_t addr, uint32_t v)
{
	return put_le(m, addr, v, 4);
}

bool guest_ram_put64(const struct guest_ram *m, uint64_t addr, uint64_t v)
{
	return put_le(m, addr, v, 8);
}

/* ------------------------------------------------------------ strings, messages */

uint64_t loader_strlen(const char *str, uint64_t max)
{
	uint64_t n = 0;

	while (str && n <= max && str[n])
		n++;
	return n;
}

static void msg_putc(const struct loader_msg *m, size_t *pos, char ch)
{
	if (*pos + 1 < m->size)
		m->buf[(*pos)++] = ch;
}

static void msg_number(const struct loader_msg *m, size_t *pos, uint64_t v, unsigned base)
{
	char digits[20];   /* 2^64 - 1 has 20 decimal digits */
	unsigned n = 0;

	do {
		unsigned d = (unsigned)(v % base);
		digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v && n < sizeof(digits));
	while (n)
		msg_putc(m, pos, digits[--n]);
}

/* Formats fmt at offset pos of the buffer (see loader_refuse). */
static void msg_format(const struct loader_msg *m, size_t pos, const char *fmt, uint64_t a,
		       uint64_t b, uint64_t c)
{
	const uint64_t args[3] = { a, b, c };
	unsigned next = 0;

	if (!m || !m->buf || !m->size)
		return;
	for (size_t i = 0; fmt && fmt[i] && i < MSG_FMT_MAX; i++) {
		if (fmt[i] != '%' || !fmt[i + 1]) {
			msg_putc(m, &pos, fmt[i]);
			continue;
		}
		char conv = fmt[++i];
		if (conv == '%') {
			msg_putc(m, &pos, '%');
		} else if (next >= 3 || (conv != 'u' && conv != 'x')) {
			msg_putc(m, &pos, '?');
		} else {
			msg_number(m, &pos, args[next++], conv == 'u' ? 10 : 16);
		}
	}
	m->buf[pos] = '\0';
}

int loader_refuse(struct loader_msg *msg, int status, const char *fmt, uint64_t a, uint64_t b,
		  uint64_t c)
{
	msg_format(msg, 0, fmt, a, b, c);
	return status;
}

void loader_note(struct loader_msg *msg, const char *fmt, uint64_t a, uint64_t b, uint64_t c)
{
	size_t pos = 0;

	if (!msg || !msg->buf || !msg->size)
		return;
	while (pos + 1 < msg->size && msg->buf[pos])
		pos++;
	msg_format(msg, pos, fmt, a, b, c);
}
