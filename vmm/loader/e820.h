/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Guest-physical memory as the kernel loaders see it:
 *
 *  - the e820 memory map of a guest (what the BIOS call INT 15h, E820h
 *    would report; ACPI specification, "System Address Map Interfaces"),
 *    built for a PC of a given RAM size and refined with reserved ranges
 *    the VMM adds (ACPI tables, device MMIO); it goes to Linux in the zero
 *    page and to multiboot kernels as their memory map;
 *  - struct guest_ram, guest RAM as a byte array (guest-physical address 0
 *    is ram[0]) with its map, and bounded writes into it;
 *  - the loaders' result codes and the refusal messages they write.
 *
 * The PC layout for a guest with ram_size bytes of RAM:
 *   0x00000000-0x0009fbff  usable (conventional memory)
 *   0x0009fc00-0x000fffff  reserved (EBDA, VGA window, option and BIOS ROMs)
 *   0x00100000-...         usable, up to ram_size or 0xc0000000
 *   0xc0000000-0xffffffff  a hole (no entry): PCI and chipset MMIO
 *   0x100000000-...        usable: the RAM that did not fit below the hole
 * The reserved low range counts towards ram_size, as on a real PC.
 */
#ifndef VMM_LOADER_E820_H
#define VMM_LOADER_E820_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* As many as the Linux zero page holds (E820_MAX_ENTRIES_ZEROPAGE). */
#define E820_MAX_ENTRIES 128

/* Address range types (ACPI specification, "Address Range Types"). */
enum e820_type {
	E820_RAM = 1,        /* AddressRangeMemory: usable */
	E820_RESERVED = 2,   /* AddressRangeReserved */
	E820_ACPI = 3,       /* AddressRangeACPI: reclaimable after reading the tables */
	E820_NVS = 4,        /* AddressRangeNVS: preserved across sleep */
	E820_UNUSABLE = 5,   /* AddressRangeUnusable: errors detected */
};

#define E820_LOW_RAM_END    0x9fc00ull       /* conventional memory ends at the 1 KiB EBDA */
#define E820_HIGH_RAM_START 0x100000ull      /* extended memory starts at 1 MiB */
#define E820_MMIO_START     0xc0000000ull    /* the hole below 4 GiB for PCI/chipset MMIO */
#define E820_4G             0x100000000ull   /* where RAM resumes above the hole */
#define E820_RAM_MAX        (1ull << 40)     /* 1 TiB: keeps every end far from 64-bit overflow */
#define E820_PAGE           0x1000ull        /* RAM sizes are whole 4 KiB pages */

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;       /* enum e820_type */
};

/*
 * Entries sorted by address, never overlapping, never empty, and no two
 * adjacent ones of the same type (they are merged).
 */
struct e820_map {
	unsigned count;
	struct e820_entry entry[E820_MAX_ENTRIES];
};

/* Result codes of the e820 functions and of both loaders. */
enum loader_status {
	LOADER_OK = 0,
	LOADER_EINVAL = -1,       /* bad argument: size, type, range, a string too long */
	LOADER_EFORMAT = -2,      /* malformed or truncated image */
	LOADER_EUNSUPPORTED = -3, /* a well-formed image asks for what this loader cannot do */
	LOADER_ENOSPACE = -4,     /* does not fit into guest RAM, or the map is full */
};

/*
 * Fills map with the PC layout above. ram_size must be a multiple of 4 KiB
 * between 1 MiB and E820_RAM_MAX. LOADER_EINVAL (map untouched) otherwise.
 */
int e820_build(struct e820_map *map, uint64_t ram_size);

/*
 * Guest RAM of ram_size bytes in guest-physical space, as e820_build lays
 * it out: its first E820_MMIO_START bytes at their own addresses, the rest
 * from 4 GiB on. (The conventional-memory gap is RAM too: the VMM keeps its
 * MP tables there.) e820_ram_gpa: where byte off of guest RAM lies;
 * e820_ram_offset: which byte of guest RAM guest-physical gpa is, if all of
 * [gpa, gpa + len) is RAM (len 1 or more), else E820_NOT_RAM.
 */
#define E820_NOT_RAM (~0ull)
static inline uint64_t e820_ram_gpa(uint64_t off)
{
	return off < E820_MMIO_START ? off : off - E820_MMIO_START + E820_4G;
}
uint64_t e820_ram_offset(uint64_t ram_size, uint64_t gpa, uint64_t len);

/*
 * Gives [addr, addr + size) type type: overlapped parts of existing entries
 * are replaced, gaps are filled, neighbours of the same type are merged.
 * LOADER_EINVAL for size 0, a range that wraps or an unknown type;
 * LOADER_ENOSPACE when the result would exceed E820_MAX_ENTRIES. On error
 * the map is unchanged.
 */
int e820_add(struct e820_map *map, uint64_t addr, uint64_t size, uint32_t type);

/* Bytes of usable RAM from addr to the end of its E820_RAM entry (0 if addr is not RAM). */
uint64_t e820_ram_extent(const struct e820_map *map, uint64_t addr);

/* ------------------------------------------------------------ guest RAM */

/* Guest RAM: guest-physical address a is ram[a] for a < size. */
struct guest_ram {
	uint8_t *ram;
	uint64_t size;
	const struct e820_map *map;
};

/* [addr, addr + len) is non-empty, inside ram and inside one E820_RAM entry. */
bool guest_ram_usable(const struct guest_ram *m, uint64_t addr, uint64_t len);

/* [addr, addr + len) lies inside ram (empty ranges too, up to size). */
bool guest_ram_inside(const struct guest_ram *m, uint64_t addr, uint64_t len);

/* Bounded writes: they return false and write nothing outside ram. */
bool guest_ram_write(const struct guest_ram *m, uint64_t addr, const void *src, uint64_t len);
bool guest_ram_fill(const struct guest_ram *m, uint64_t addr, uint8_t value, uint64_t len);
bool guest_ram_put16(const struct guest_ram *m, uint64_t addr, uint16_t v);
bool guest_ram_put32(const struct guest_ram *m, uint64_t addr, uint32_t v);
bool guest_ram_put64(const struct guest_ram *m, uint64_t addr, uint64_t v);

/* ------------------------------------------------------------ image bytes */

/* Little-endian fields of an image, read byte by byte (any alignment). */
static inline uint16_t loader_rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t loader_rd32(const uint8_t *p)
{
	return loader_rd16(p) | (uint32_t)loader_rd16(p + 2) << 16;
}

static inline uint64_t loader_rd64(const uint8_t *p)
{
	return loader_rd32(p) | (uint64_t)loader_rd32(p + 4) << 32;
}

/* The length of str (NULL: 0) if it is at most max characters, else max + 1. */
uint64_t loader_strlen(const char *str, uint64_t max);

/* ------------------------------------------------------------ messages */

/* A caller's buffer for a loader's refusal message or notes (buf may be NULL). */
struct loader_msg {
	char *buf;
	size_t size;
};

/*
 * Writes fmt into the buffer (truncated, always NUL-terminated if size > 0)
 * and returns status. In fmt, "%u" is the next of a, b, c in decimal, "%x"
 * the next in hexadecimal without prefix, "%%" a '%'; a fourth conversion
 * prints '?'.
 */
int loader_refuse(struct loader_msg *msg, int status, const char *fmt, uint64_t a, uint64_t b,
		  uint64_t c);

/* The same, appended to what the buffer holds (a note after a successful load). */
void loader_note(struct loader_msg *msg, const char *fmt, uint64_t a, uint64_t b, uint64_t c);

#endif
