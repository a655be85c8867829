/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/dev/pci.c: configuration mechanism #1 as Linux probes and
 * uses it (pci_check_type1, bus scan, BAR sizing in __pci_read_base,
 * capability walks), read-only fields, the change callback, the registry's
 * validation, odd-size accesses, and a random run.
 */
#include <stdint.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/pci.h"

/* ------------------------------------------------------------ fixture */

#define MAX_RECORDS 64
#define CF8 0u   /* port offsets from 0xCF8 */
#define CFC 4u

static struct {
	unsigned count;
	unsigned reg[MAX_RECORDS];
	struct pci_function *fn[MAX_RECORDS];
} rec;

static void record_change(void *ctx, struct pci_function *f, unsigned reg)
{
	ck_assert_ptr_eq(ctx, &rec);
	if (rec.count < MAX_RECORDS) {
		rec.reg[rec.count] = reg;
		rec.fn[rec.count] = f;
	}
	rec.count++;
}

static uint32_t address(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return PCI_ADDR_ENABLE | bus << 16 | dev << 11 | fn << 8 | (reg & 0xFC);
}

/* Linux's pci_conf1_read/write: address to 0xCF8, data at 0xCFC + (reg & 3). */
static uint32_t cfg_rd(struct pci *pci, unsigned dev, unsigned fn, unsigned reg, unsigned size)
{
	pci_io_write(pci, CF8, 4, address(0, dev, fn, reg), 0);
	return (uint32_t)pci_io_read(pci, CFC + (reg & 3), size, 0);
}

static void cfg_wr(struct pci *pci, unsigned dev, unsigned fn, unsigned reg, unsigned size,
		   uint32_t val)
{
	pci_io_write(pci, CF8, 4, address(0, dev, fn, reg), 0);
	pci_io_write(pci, CFC + (reg & 3), size, val, 0);
}

/* A virtio-like function: BAR0 I/O 32 bytes, BAR1 32-bit 4 KiB, BAR2/3 64-bit 16 KiB. */
static struct pci_function *add_test_device(struct pci *pci, unsigned dev)
{
	struct pci_function_desc d = {
		.device = dev, .vendor_id = 0x1AF4, .device_id = 0x1041, .class_code = 0x020000,
		.revision = 1, .subsystem_vendor_id = 0x1AF4, .subsystem_id = 0x0001,
		.interrupt_pin = 1,
		.bar = {
			[0] = { PCI_BAR_IO, false, 32 },
			[1] = { PCI_BAR_MEM32, false, 4096 },
			[2] = { PCI_BAR_MEM64, true, 16384 },
		},
		.changed = record_change, .ctx = &rec,
	};
	return pci_add_function(pci, &d);
}

static void setup(struct pci *pci)
{
	memset(&rec, 0, sizeof(rec));
	pci_init(pci);
}

/* ------------------------------------------------------------ the bridge and the bus */

START_TEST(test_linux_type1_probe)
{
	struct pci pci;

	setup(&pci);
	/* pci_check_type1: outb(0x01, 0xCFB) is not the address register... */
	pci_io_write(&pci, 3, 1, 0x01, 0);
	uint32_t tmp = (uint32_t)pci_io_read(&pci, CF8, 4, 0);
	ck_assert_uint_eq(tmp, 0);
	/* ...outl(0x80000000, 0xCF8) reads back... */
	pci_io_write(&pci, CF8, 4, 0x80000000, 0);
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 4, 0), 0x80000000);
	/* ...and pci_sanity_check finds a host bridge (class 0x0600) or an Intel device. */
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_CLASS_DEVICE, 2), 0x0600);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_VENDOR_ID, 2), PCI_VENDOR_INTEL);
	pci_io_write(&pci, CF8, 4, tmp, 0);
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 4, 0), 0);
}
END_TEST

START_TEST(test_host_bridge_config)
{
	struct pci pci;

	setup(&pci);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, 0x00, 4), 0x12378086);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, 0x08, 4), 0x06000002);   /* class 06 00 00, rev 2 */
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_HEADER_TYPE, 1), 0);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_STATUS, 2), 0);       /* no capabilities */
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_INTERRUPT_PIN, 1), 0);
	for (unsigned bar = 0; bar < PCI_BARS; bar++) {
		cfg_wr(&pci, 0, 0, PCI_BASE_ADDRESS_0 + 4 * bar, 4, 0xFFFFFFFF);
		ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_BASE_ADDRESS_0 + 4 * bar, 4), 0);
	}
	cfg_wr(&pci, 0, 0, PCI_ROM_ADDRESS, 4, 0xFFFFF800);   /* no expansion ROM */
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_ROM_ADDRESS, 4), 0);
	for (unsigned reg = 0x40; reg < PCI_CONFIG_SIZE; reg += 4)
		ck_assert_uint_eq(cfg_rd(&pci, 0, 0, reg, 4), 0);
	ck_assert_ptr_eq(pci_find(&pci, 0, 0, 0), &pci.fn[0]);
}
END_TEST

START_TEST(test_bus_scan_absent_functions)
{
	struct pci pci;
	unsigned found = 0;

	setup(&pci);
	ck_assert_ptr_nonnull(add_test_device(&pci, 3));
	/* Linux's scan: vendor ID of every device; 0xFFFF means nobody home. */
	for (unsigned dev = 0; dev < PCI_DEVICES; dev++) {
		uint32_t id = cfg_rd(&pci, dev, 0, PCI_VENDOR_ID, 4);

		if (dev == 0)
			ck_assert_uint_eq(id, 0x12378086);
		else if (dev == 3)
			ck_assert_uint_eq(id, 0x10411AF4);
		else
			ck_assert_uint_eq(id, 0xFFFFFFFF);
		found += id != 0xFFFFFFFF;
	}
	ck_assert_uint_eq(found, 2);
	for (unsigned fn = 1; fn < PCI_FUNCTIONS; fn++)
		ck_assert_uint_eq(cfg_rd(&pci, 0, fn, 0, 4), 0xFFFFFFFF);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_HEADER_TYPE, 1), 0);   /* single function */
	ck_assert_uint_eq(cfg_rd(&pci, 31, 7, 0xFC, 4), 0xFFFFFFFF);
	ck_assert_uint_eq(cfg_rd(&pci, 3, 0, PCI_CLASS_PROG, 1), 0x00);
	ck_assert_uint_eq(cfg_rd(&pci, 3, 0, PCI_CLASS_DEVICE, 2), 0x0200);
	/* Other buses are empty; absent functions take writes without effect. */
	pci_io_write(&pci, CF8, 4, address(1, 0, 0, 0), 0);
	ck_assert_uint_eq(pci_io_read(&pci, CFC, 4, 0), 0xFFFFFFFF);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 2, 2, 0), 0xFFFF);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 1, 1, 0), 0xFF);
	pci_io_write(&pci, CFC, 4, 0, 0);
	cfg_wr(&pci, 5, 0, PCI_COMMAND, 2, 0xFFFF);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, PCI_COMMAND, 2), 0xFFFF);
	ck_assert_ptr_null(pci_find(&pci, 1, 0, 0));
	ck_assert_ptr_null(pci_find(&pci, 0, 32, 0));
	ck_assert_ptr_null(pci_find(&pci, 0, 0, 8));
	/* With the enable bit clear there are no configuration cycles. */
	pci_io_write(&pci, CF8, 4, address(0, 0, 0, 0) & ~PCI_ADDR_ENABLE, 0);
	ck_assert_uint_eq(pci_io_read(&pci, CFC, 4, 0), 0xFFFFFFFF);
	pci_io_write(&pci, CFC, 4, 0, 0);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_VENDOR_ID, 2), PCI_VENDOR_INTEL);
}
END_TEST

START_TEST(test_address_register_dword_only)
{
	struct pci pci;

	setup(&pci);
	pci_io_write(&pci, CF8, 4, 0xFFFFFFFF, 0);   /* reserved bits 30:24 and 1:0 read 0 */
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 4, 0), 0x80FFFFFC);
	/* Byte and word accesses are not the address register (0xCF9 is the reset control). */
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 1, 0), 0xFF);
	ck_assert_uint_eq(pci_io_read(&pci, 1, 1, 0), 0xFF);
	ck_assert_uint_eq(pci_io_read(&pci, 2, 2, 0), 0xFFFF);
	pci_io_write(&pci, CF8, 1, 0, 0);
	pci_io_write(&pci, CF8, 2, 0, 0);
	pci_io_write(&pci, 1, 1, 0x06, 0);
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 4, 0), 0x80FFFFFC);
	pci_io_write(&pci, 1, 4, 0, 0);              /* misaligned dword: not ours */
	ck_assert_uint_eq(pci_io_read(&pci, 1, 4, 0), 0xFFFFFFFF);
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 4, 0), 0x80FFFFFC);
	/* Outside the 8 ports, and sizes that do not exist. */
	ck_assert_uint_eq(pci_io_read(&pci, 8, 4, 0), 0xFFFFFFFF);
	ck_assert_uint_eq(pci_io_read(&pci, UINT32_MAX, 1, 0), 0xFF);
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 8, 0), UINT64_MAX);
	ck_assert_uint_eq(pci_io_read(&pci, CF8, 0, 0), 0);
}
END_TEST

START_TEST(test_data_port_odd_sizes)
{
	struct pci pci;

	setup(&pci);
	pci_io_write(&pci, CF8, 4, address(0, 0, 0, 0), 0);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 0, 1, 0), 0x86);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 1, 1, 0), 0x80);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 2, 1, 0), 0x37);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 3, 1, 0), 0x12);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 0, 2, 0), 0x8086);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 1, 2, 0), 0x3780);   /* unaligned word inside */
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 2, 2, 0), 0x1237);
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 3, 2, 0), 0xFFFF);   /* would cross the dword */
	ck_assert_uint_eq(pci_io_read(&pci, CFC + 1, 4, 0), 0xFFFFFFFF);
	ck_assert_uint_eq(pci_io_read(&pci, CFC, 8, 0), UINT64_MAX);
	ck_assert_uint_eq(pci_io_read(&pci, CFC, 3, 0), 0xFFFFFF);
	/* Writes at an offset within the dword land on the right byte. */
	ck_assert_ptr_nonnull(add_test_device(&pci, 2));
	pci_io_write(&pci, CF8, 4, address(0, 2, 0, PCI_CACHE_LINE_SIZE), 0);
	pci_io_write(&pci, CFC + 1, 1, 0x40, 0);          /* latency timer (0x0D) */
	pci_io_write(&pci, CFC + 0, 1, 0x10, 0);          /* cache line size (0x0C) */
	pci_io_write(&pci, CFC + 3, 2, 0xAAAA, 0);        /* crosses: ignored */
	ck_assert_uint_eq(cfg_rd(&pci, 2, 0, PCI_CACHE_LINE_SIZE, 4), 0x00004010);
	pci_io_write(&pci, CF8, 4, address(0, 2, 0, PCI_INTERRUPT_LINE), 0);
	pci_io_write(&pci, CFC + 0, 2, 0x030B, 0);        /* line RW, pin RO */
	ck_assert_uint_eq(cfg_rd(&pci, 2, 0, PCI_INTERRUPT_LINE, 2), 0x010B);
}
END_TEST

START_TEST(test_read_only_fields)
{
	struct pci pci;
	struct pci_function *f;
	uint8_t before[PCI_CONFIG_SIZE];

	setup(&pci);
	f = add_test_device(&pci, 1);
	ck_assert_ptr_nonnull(f);
	memcpy(before, f->config, sizeof(before));
	/* Every dword gets all ones then zeros: only writable bits move. */
	for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg += 4) {
		if (reg >= PCI_BASE_ADDRESS_0 && reg < PCI_BASE_ADDRESS_0 + 4 * PCI_BARS)
			continue;   /* BARs: their own test */
		cfg_wr(&pci, 1, 0, reg, 4, 0xFFFFFFFF);
		uint32_t ones = cfg_rd(&pci, 1, 0, reg, 4);
		cfg_wr(&pci, 1, 0, reg, 4, 0);
		uint32_t zeros = cfg_rd(&pci, 1, 0, reg, 4);
		uint32_t orig;
		memcpy(&orig, before + reg, 4);
		switch (reg) {
		case PCI_COMMAND:   /* command writable bits; status read only */
			ck_assert_uint_eq(ones, (orig & 0xFFFF0000) | PCI_COMMAND_WMASK);
			ck_assert_uint_eq(zeros, orig & 0xFFFF0000);
			break;
		case PCI_CACHE_LINE_SIZE:   /* cache line and latency timer */
			ck_assert_uint_eq(ones, (orig & 0xFFFF0000) | 0xFFFF);
			ck_assert_uint_eq(zeros, orig & 0xFFFF0000);
			break;
		case PCI_INTERRUPT_LINE:
			ck_assert_uint_eq(ones, (orig & 0xFFFFFF00) | 0xFF);
			ck_assert_uint_eq(zeros, orig & 0xFFFFFF00);
			break;
		default:
			ck_assert_msg(ones == orig && zeros == orig, "dword 0x%02x changed", reg);
			break;
		}
	}
	ck_assert_uint_eq(cfg_rd(&pci, 1, 0, PCI_VENDOR_ID, 4), 0x10411AF4);
	ck_assert_uint_eq(cfg_rd(&pci, 1, 0, PCI_SUBSYSTEM_VENDOR_ID, 4), 0x00011AF4);
	ck_assert_uint_eq(cfg_rd(&pci, 1, 0, PCI_REVISION_ID, 4), 0x02000001);
	ck_assert_uint_eq(cfg_rd(&pci, 1, 0, PCI_INTERRUPT_PIN, 1), 1);
}
END_TEST

/* ------------------------------------------------------------ BARs */

/* __pci_read_base: save, write all ones, read the mask, restore. */
static uint32_t size_bar(struct pci *pci, unsigned dev, unsigned reg)
{
	uint32_t orig = cfg_rd(pci, dev, 0, reg, 4), mask;

	cfg_wr(pci, dev, 0, reg, 4, 0xFFFFFFFF);
	mask = cfg_rd(pci, dev, 0, reg, 4);
	cfg_wr(pci, dev, 0, reg, 4, orig);
	ck_assert_uint_eq(cfg_rd(pci, dev, 0, reg, 4), orig);
	return mask;
}

START_TEST(test_bar_sizing)
{
	struct pci pci;
	struct pci_function *f;

	setup(&pci);
	f = add_test_device(&pci, 4);
	ck_assert_ptr_nonnull(f);
	/* Flags as reset: I/O, 32-bit memory, 64-bit prefetchable memory. */
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x10, 4), PCI_BAR_SPACE_IO);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x14, 4), 0);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x18, 4), PCI_BAR_MEM_TYPE_64 | PCI_BAR_MEM_PREFETCH);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x1C, 4), 0);
	/* Size masks read back after all ones. */
	ck_assert_uint_eq(size_bar(&pci, 4, 0x10), 0xFFFFFFE1);   /* 32 bytes of I/O */
	ck_assert_uint_eq(size_bar(&pci, 4, 0x14), 0xFFFFF000);   /* 4 KiB */
	ck_assert_uint_eq(size_bar(&pci, 4, 0x18), 0xFFFFC00C);   /* 16 KiB, 64-bit, prefetchable */
	ck_assert_uint_eq(size_bar(&pci, 4, 0x1C), 0xFFFFFFFF);
	for (unsigned reg = 0x20; reg <= 0x24; reg += 4)
		ck_assert_uint_eq(size_bar(&pci, 4, reg), 0);          /* unimplemented */
	/* Linux's arithmetic on those masks gives the sizes back. */
	uint64_t mask64 = (uint64_t)0xFFFFFFFF << 32 | (0xFFFFC00C & ~0xFu);
	ck_assert_uint_eq(mask64 & ~(mask64 - 1), 16384);
	ck_assert_uint_eq(pci_bar_size(f, 2), 16384);
	ck_assert_uint_eq(pci_bar_size(f, 3), 0);
	/* Assigned addresses keep only the bits above the size. */
	cfg_wr(&pci, 4, 0, 0x10, 4, 0xC05F);
	cfg_wr(&pci, 4, 0, 0x14, 4, 0xFEBF1234);
	cfg_wr(&pci, 4, 0, 0x18, 4, 0xE0004000);
	cfg_wr(&pci, 4, 0, 0x1C, 4, 0x00000008);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x10, 4), 0xC041);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x14, 4), 0xFEBF1000);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x18, 4), 0xE000400C);
	ck_assert_uint_eq(pci_bar_base(f, 0), 0xC040);
	ck_assert_uint_eq(pci_bar_base(f, 1), 0xFEBF1000);
	ck_assert_uint_eq(pci_bar_base(f, 2), 0x8E0004000ull);
	ck_assert_uint_eq(pci_bar_base(f, 3), 0);
	ck_assert_uint_eq(pci_bar_base(f, 6), 0);
	/* Byte writes to a BAR go through the same mask. */
	cfg_wr(&pci, 4, 0, 0x15, 1, 0xFF);
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, 0x14, 4), 0xFEBFF000);
	/* Decoding follows the command register. */
	ck_assert(!pci_bar_enabled(f, 0) && !pci_bar_enabled(f, 1));
	cfg_wr(&pci, 4, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ck_assert(!pci_bar_enabled(f, 0) && pci_bar_enabled(f, 1) && pci_bar_enabled(f, 2));
	ck_assert(!pci_bar_enabled(f, 3) && !pci_bar_enabled(f, 4) && !pci_bar_enabled(f, 9));
	cfg_wr(&pci, 4, 0, PCI_COMMAND, 2, PCI_COMMAND_IO);
	ck_assert(pci_bar_enabled(f, 0) && !pci_bar_enabled(f, 1));
}
END_TEST

START_TEST(test_bar_above_4g)
{
	struct pci pci;
	struct pci_function_desc d = {
		.device = 6, .vendor_id = 0x1234, .device_id = 0x1111, .class_code = 0x030000,
		.bar = { [4] = { PCI_BAR_MEM64, false, 8ull << 30 } },   /* 8 GiB in BAR4/5 */
	};
	struct pci_function *f;

	setup(&pci);
	f = pci_add_function(&pci, &d);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(size_bar(&pci, 6, 0x20), PCI_BAR_MEM_TYPE_64);   /* no low address bits */
	ck_assert_uint_eq(size_bar(&pci, 6, 0x24), 0xFFFFFFFE);
	cfg_wr(&pci, 6, 0, 0x24, 4, 0x00000013);
	cfg_wr(&pci, 6, 0, 0x20, 4, 0x12345678);
	ck_assert_uint_eq(pci_bar_base(f, 4), 0x1200000000ull);
	ck_assert_uint_eq(pci_bar_size(f, 4), 8ull << 30);
}
END_TEST

START_TEST(test_change_callback)
{
	struct pci pci;
	struct pci_function *f;

	setup(&pci);
	f = add_test_device(&pci, 7);
	ck_assert_ptr_nonnull(f);
	cfg_wr(&pci, 7, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	ck_assert_uint_eq(rec.count, 1);
	ck_assert_uint_eq(rec.reg[0], PCI_COMMAND);
	ck_assert_ptr_eq(rec.fn[0], f);
	cfg_wr(&pci, 7, 0, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	cfg_wr(&pci, 7, 0, PCI_STATUS, 2, 0xFFFF);   /* read only: no change */
	ck_assert_uint_eq(rec.count, 1);
	cfg_wr(&pci, 7, 0, PCI_COMMAND + 1, 1, PCI_COMMAND_INTX_DISABLE >> 8);
	ck_assert_uint_eq(rec.count, 2);
	ck_assert_uint_eq(rec.reg[1], PCI_COMMAND);
	cfg_wr(&pci, 7, 0, 0x14, 4, 0xFE000000);
	ck_assert_uint_eq(rec.count, 3);
	ck_assert_uint_eq(rec.reg[2], 0x14);
	cfg_wr(&pci, 7, 0, 0x14, 4, 0xFE000FFF);   /* bits below the size: no change */
	ck_assert_uint_eq(rec.count, 3);
	cfg_wr(&pci, 7, 0, 0x1C, 4, 1);            /* upper half of BAR2 */
	ck_assert_uint_eq(rec.count, 4);
	ck_assert_uint_eq(rec.reg[3], 0x18);
	cfg_wr(&pci, 7, 0, 0x20, 4, 0xFFFFFFFF);   /* unimplemented BAR4 */
	cfg_wr(&pci, 7, 0, PCI_LATENCY_TIMER, 1, 0x40);
	cfg_wr(&pci, 7, 0, PCI_INTERRUPT_LINE, 1, 0x0B);
	ck_assert_uint_eq(rec.count, 4);
	/* The device's own setters do not call back. */
	pci_config_set(f, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(rec.count, 4);
	/* A function without a callback is fine. */
	cfg_wr(&pci, 0, 0, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, PCI_COMMAND, 2), 0);
}
END_TEST

/* ------------------------------------------------------------ capabilities */

START_TEST(test_capability_list)
{
	struct pci pci;
	struct pci_function *f;
	/* A virtio_pci_cap body: cap_len, cfg_type, bar, padding[3], offset, length. */
	static const uint8_t vendor[14] = { 16, 1, 4, 0, 0, 0, 0x00, 0x10, 0, 0, 0x00, 0x10, 0, 0 };
	static const uint8_t msix[10] = { 0x02, 0x00, 0x01, 0, 0, 0, 0x01, 0x08, 0, 0 };

	setup(&pci);
	f = add_test_device(&pci, 5);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	ck_assert_int_eq(pci_add_capability(f, 0x09, vendor, sizeof(vendor)), 0x40);
	ck_assert_int_eq(pci_add_capability(f, 0x11, msix, sizeof(msix)), 0x50);
	ck_assert_int_eq(pci_add_capability(f, 0x09, vendor, 3), 0x5C);   /* dword aligned */
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
	/* Linux's walk: __pci_find_next_cap_ttl from PCI_CAPABILITY_LIST. */
	static const uint8_t want_id[] = { 0x09, 0x11, 0x09 };
	static const uint8_t want_pos[] = { 0x40, 0x50, 0x5C };
	unsigned pos = cfg_rd(&pci, 5, 0, PCI_CAPABILITY_LIST, 1), n = 0;
	for (unsigned ttl = 48; pos >= 0x40 && ttl; ttl--, n++) {
		pos &= ~3u;
		ck_assert_uint_lt(n, 3);
		ck_assert_uint_eq(pos, want_pos[n]);
		ck_assert_uint_eq(cfg_rd(&pci, 5, 0, pos, 1), want_id[n]);
		pos = cfg_rd(&pci, 5, 0, pos + 1, 1);
	}
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(pos, 0);
	/* The body reads as given and is read only... */
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0x40, 4), 0x01105009);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0x48, 4), 0x00001000);
	cfg_wr(&pci, 5, 0, 0x48, 4, 0xFFFFFFFF);
	cfg_wr(&pci, 5, 0, 0x41, 1, 0);   /* nor can the guest cut the list */
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0x48, 4), 0x00001000);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0x41, 1), 0x50);
	/* ...unless the device opens bits (the MSI-X enable bit here). */
	pci_config_set_wmask(f, 0x53, 1, 0x80);
	cfg_wr(&pci, 5, 0, 0x52, 2, 0xFFFF);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0x52, 2), 0x8002);
}
END_TEST

START_TEST(test_capability_space_limits)
{
	struct pci pci;
	struct pci_function *f;
	uint8_t body[256];

	setup(&pci);
	memset(body, 0x5A, sizeof(body));
	f = add_test_device(&pci, 5);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(pci_add_capability(f, 0x09, body, 256), -1);
	ck_assert_int_eq(pci_add_capability(f, 0x09, body, 0xBF), -1);   /* 0x40 + 2 + 0xBF > 256 */
	ck_assert_int_eq(pci_add_capability(f, 0x09, NULL, 4), -1);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, PCI_CAPABILITY_LIST, 1), 0);
	ck_assert_int_eq(pci_add_capability(f, 0x09, body, 0xBE), 0x40);  /* fills to 0x100 */
	ck_assert_int_eq(pci_add_capability(f, 0x05, NULL, 0), -1);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0xFC, 4), 0x5A5A5A5A);
	ck_assert_uint_eq(cfg_rd(&pci, 5, 0, 0x41, 1), 0);
	/* An empty capability (ID and next only) is fine where there is room. */
	f = add_test_device(&pci, 6);
	ck_assert_int_eq(pci_add_capability(f, 0x05, NULL, 0), 0x40);
	ck_assert_int_eq(pci_add_capability(f, 0x01, NULL, 0), 0x44);
	ck_assert_uint_eq(cfg_rd(&pci, 6, 0, 0x40, 4), 0x4405);
}
END_TEST

/* ------------------------------------------------------------ registry */

START_TEST(test_add_function_validation)
{
	struct pci pci;
	struct pci_function_desc d = { .device = 9, .vendor_id = 0x1234, .device_id = 1 };

	setup(&pci);
	static const struct pci_bar_desc bad[][2] = {
		{ { PCI_BAR_MEM32, false, 3000 } },                 /* not a power of two */
		{ { PCI_BAR_MEM32, false, 8 } },                    /* below 16 bytes */
		{ { PCI_BAR_MEM32, false, 1ull << 32 } },           /* 32-bit BAR of 4 GiB */
		{ { PCI_BAR_IO, false, 2 } },
		{ { PCI_BAR_IO, false, 512 } },                     /* I/O BARs end at 256 bytes */
		{ { PCI_BAR_MEM64, false, 0 } },
		{ { PCI_BAR_MEM64, false, 4096 }, { PCI_BAR_IO, false, 16 } },   /* second slot taken */
		{ { (enum pci_bar_type)7, false, 4096 } },
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(d.bar, bad[i], sizeof(bad[i]));
		ck_assert_msg(pci_add_function(&pci, &d) == NULL, "bad BAR set %u accepted", i);
	}
	memset(d.bar, 0, sizeof(d.bar));
	d.bar[5] = (struct pci_bar_desc){ PCI_BAR_MEM64, false, 4096 };   /* no room for the pair */
	ck_assert_ptr_null(pci_add_function(&pci, &d));
	memset(d.bar, 0, sizeof(d.bar));
	d.interrupt_pin = 5;
	ck_assert_ptr_null(pci_add_function(&pci, &d));
	d.interrupt_pin = 4;
	d.device = 32;
	ck_assert_ptr_null(pci_add_function(&pci, &d));
	d.device = 9;
	d.function = 8;
	ck_assert_ptr_null(pci_add_function(&pci, &d));
	d.function = 0;
	d.device = 0;
	ck_assert_ptr_null(pci_add_function(&pci, &d));      /* the host bridge's slot */
	ck_assert_uint_eq(cfg_rd(&pci, 9, 0, 0, 4), 0xFFFFFFFF);   /* nothing half-registered */
	/* Fill the registry: 31 more functions fit, the 33rd does not. */
	for (unsigned i = 1; i < PCI_MAX_FUNCTIONS; i++) {
		d.device = i % PCI_DEVICES;
		d.function = i / PCI_DEVICES;
		d.device_id = (uint16_t)i;
		ck_assert_ptr_nonnull(pci_add_function(&pci, &d));
	}
	d.device = 1;
	d.function = 1;
	ck_assert_ptr_null(pci_add_function(&pci, &d));
	ck_assert_uint_eq(cfg_rd(&pci, 31, 0, PCI_DEVICE_ID, 2), 31);
	ck_assert_uint_eq(cfg_rd(&pci, 31, 0, PCI_INTERRUPT_PIN, 1), 4);
}
END_TEST

START_TEST(test_multi_function_bit)
{
	struct pci pci;
	struct pci_function_desc d = { .vendor_id = 0x8086, .device_id = 0x7000 };

	setup(&pci);
	d.device = 3;
	ck_assert_ptr_nonnull(pci_add_function(&pci, &d));
	ck_assert_uint_eq(cfg_rd(&pci, 3, 0, PCI_HEADER_TYPE, 1), 0);
	d.function = 2;
	ck_assert_ptr_nonnull(pci_add_function(&pci, &d));
	ck_assert_uint_eq(cfg_rd(&pci, 3, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_MULTI_FUNCTION);
	ck_assert_uint_eq(cfg_rd(&pci, 3, 2, PCI_VENDOR_ID, 2), 0x8086);
	ck_assert_uint_eq(cfg_rd(&pci, 3, 1, PCI_VENDOR_ID, 2), 0xFFFF);
	/* Function 0 added after the others learns about them too. */
	d.device = 4;
	d.function = 1;
	ck_assert_ptr_nonnull(pci_add_function(&pci, &d));
	d.function = 0;
	ck_assert_ptr_nonnull(pci_add_function(&pci, &d));
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_MULTI_FUNCTION);
	cfg_wr(&pci, 4, 0, PCI_HEADER_TYPE, 1, 0);   /* read only */
	ck_assert_uint_eq(cfg_rd(&pci, 4, 0, PCI_HEADER_TYPE, 1), PCI_HEADER_MULTI_FUNCTION);
}
END_TEST

START_TEST(test_config_api_bounds)
{
	struct pci pci;
	struct pci_function *f;

	setup(&pci);
	f = pci_find(&pci, 0, 0, 0);
	ck_assert_uint_eq(pci_config_read(f, 0xFE, 2), 0);
	ck_assert_uint_eq(pci_config_read(f, 0xFF, 2), 0xFFFF);
	ck_assert_uint_eq(pci_config_read(f, 0xFD, 4), 0xFFFFFFFF);
	ck_assert_uint_eq(pci_config_read(f, 0x100, 1), 0xFF);
	ck_assert_uint_eq(pci_config_read(f, 0, 3), 0xFFFFFF);
	ck_assert_uint_eq(pci_config_read(f, 0, 8), 0xFFFFFFFF);
	ck_assert_uint_eq(pci_config_read(f, 0, 0), 0);
	pci_config_set(f, 0xFF, 2, 0xFFFF);
	pci_config_set_wmask(f, 0xFD, 4, 0xFFFFFFFF);
	pci_config_write(f, 0xFF, 4, 0xFFFFFFFF);
	pci_config_write(f, UINT32_MAX, 1, 0xFF);
	ck_assert_uint_eq(pci_config_read(f, 0xFC, 4), 0);
	pci_config_set(f, 0xFC, 4, 0xA5A5A5A5);
	ck_assert_uint_eq(pci_config_read(f, 0xFC, 4), 0xA5A5A5A5);
	pci_config_write(f, 0xFC, 4, 0);                  /* still read only for the guest */
	ck_assert_uint_eq(pci_config_read(f, 0xFC, 4), 0xA5A5A5A5);
	pci_config_set_wmask(f, 0xFE, 2, 0x0FF0);
	pci_config_write(f, 0xFC, 4, 0);
	ck_assert_uint_eq(pci_config_read(f, 0xFC, 4), 0xA005A5A5);
}
END_TEST

/* ------------------------------------------------------------ random */

/*
 * An assertion for the random runs' inner loops: Check's ck_assert reports
 * every passed check to the runner, which costs more than the model does.
 */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond))                                                 \
			ck_abort_msg("step %u: %s", step, #cond);            \
	} while (0)

START_TEST(test_random_accesses)
{
	struct pci pci;
	struct pci_function *dev;
	uint8_t snap[2][PCI_CONFIG_SIZE];
	struct pci_function *fns[2];

	rnd_seed(0x9C1C0F16ull);
	setup(&pci);
	dev = add_test_device(&pci, 2);
	ck_assert_ptr_nonnull(dev);
	static const uint8_t body[6] = { 8, 2, 0, 0, 0, 0 };
	ck_assert_int_eq(pci_add_capability(dev, 0x09, body, sizeof(body)), 0x40);
	pci_config_set_wmask(dev, 0x44, 2, 0x0F0F);
	fns[0] = pci_find(&pci, 0, 0, 0);
	fns[1] = dev;
	for (unsigned k = 0; k < 2; k++)
		memcpy(snap[k], fns[k]->config, PCI_CONFIG_SIZE);

	for (unsigned step = 0; step < 100000; step++) {
		unsigned op = rnd() % 8;

		if (op < 2) {   /* an address, mostly of a present function */
			uint32_t a = rnd() % 4 ? address(0, rnd() % 2 ? 2 : 0, 0, (unsigned)rnd())
					       : (uint32_t)rnd();
			pci_io_write(&pci, CF8, rnd() % 8 ? 4 : (unsigned)(rnd() % 9), a, 0);
		} else if (op < 5) {
			pci_io_write(&pci, (unsigned)(rnd() % 10), (unsigned)(rnd() % 9),
				     rnd() % 2 ? rnd() : ~0ull, 0);
		} else {
			unsigned off = (unsigned)(rnd() % 10);
			unsigned size = (unsigned)(rnd() % 9);
			uint64_t v = pci_io_read(&pci, off, size, 0);

			if (size <= 4)
				CHECK(v >> (size * 8) == 0);
		}
		/* Invariants: reserved address bits zero; bits outside the masks unchanged. */
		CHECK((pci.address & ~PCI_ADDR_MASK) == 0);
		for (unsigned k = 0; k < 2; k++)
			for (unsigned b = 0; b < PCI_CONFIG_SIZE; b++)
				CHECK(((fns[k]->config[b] ^ snap[k][b]) & ~fns[k]->wmask[b]) == 0);
		CHECK(pci_bar_base(dev, 0) % 32 == 0);
		CHECK(pci_bar_base(dev, 1) % 4096 == 0);
		CHECK(pci_bar_base(dev, 2) % 16384 == 0);
	}
	/* The address register still works and absent functions still read all ones. */
	ck_assert_uint_eq(cfg_rd(&pci, 0, 0, 0, 4), 0x12378086);
	ck_assert_uint_eq(cfg_rd(&pci, 2, 0, 0, 4), 0x10411AF4);
	ck_assert_uint_eq(cfg_rd(&pci, 9, 0, 0, 4), 0xFFFFFFFF);
}
END_TEST

Suite *pci_suite(void)
{
	Suite *s = suite_create("pci");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_linux_type1_probe);
	tcase_add_test(tc, test_host_bridge_config);
	tcase_add_test(tc, test_bus_scan_absent_functions);
	tcase_add_test(tc, test_address_register_dword_only);
	tcase_add_test(tc, test_data_port_odd_sizes);
	tcase_add_test(tc, test_read_only_fields);
	tcase_add_test(tc, test_bar_sizing);
	tcase_add_test(tc, test_bar_above_4g);
	tcase_add_test(tc, test_change_callback);
	tcase_add_test(tc, test_capability_list);
	tcase_add_test(tc, test_capability_space_limits);
	tcase_add_test(tc, test_add_function_validation);
	tcase_add_test(tc, test_multi_function_bit);
	tcase_add_test(tc, test_config_api_bounds);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", NULL, NULL, test_random_accesses);
	return s;
}
