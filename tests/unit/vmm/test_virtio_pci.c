/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio console on the virtio-pci transport (vmm/dev/virtio_pci.c),
 * driven the way Linux's virtio_pci_modern does: find the vendor
 * capabilities, negotiate VERSION_1 through the common configuration, set
 * up the transmit queue, send through the notify area, take the INTx
 * interrupt and acknowledge it by reading ISR.
 */
#include <string.h>

#include "tests/unit/unit.h"
#include "vmm/dev/virtio_pci.h"

#define BAR 0xfe000000ull
#define RAM_SIZE 0x10000u

static uint8_t ram[RAM_SIZE];
static struct pci pci;
static struct vpci_console v;
static char sent[256];
static size_t sent_len;
static int line_level;

static int ram_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	(void)ctx;
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return 1;
	memcpy(buf, ram + gpa, len);
	return 0;
}

static int ram_write(void *ctx, uint64_t gpa, const void *buf, unsigned len)
{
	(void)ctx;
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return 1;
	memcpy(ram + gpa, buf, len);
	return 0;
}

static void tx(void *ctx, const uint8_t *buf, size_t n)
{
	(void)ctx;
	memcpy(sent + sent_len, buf, n);
	sent_len += n;
}

static void irq_set(void *ctx, unsigned line, int level)
{
	(void)ctx;
	ck_assert_uint_eq(line, 11);
	line_level = level;
}

static void setup(void)
{
	static const struct vcon_guest_ram r = { .read = ram_read, .write = ram_write };
	static const struct vdev_irq irq = { .set = irq_set };
	static const struct vcon_host host = { .tx = tx };

	memset(ram, 0, sizeof(ram));
	memset(sent, 0, sizeof(sent));
	sent_len = 0;
	line_level = 0;
	pci_init(&pci);
	ck_assert(vpci_console_init(&v, &pci, 1, BAR, 11, &r, &irq, &host));
}

static uint64_t rd(uint32_t off, unsigned size)
{
	uint64_t val = ~0ull;
	ck_assert(vpci_console_read(&v, BAR + off, size, &val, 0));
	return val;
}

static void wr(uint32_t off, unsigned size, uint64_t val)
{
	ck_assert(vpci_console_write(&v, BAR + off, size, val, 0));
}

START_TEST(test_pci_identity_and_capabilities)
{
	struct pci_function *f = pci_find(&pci, 0, 1, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(pci_config_read(f, 0, 4), 0x10431af4u);
	ck_assert_uint_eq(pci_config_read(f, 8, 1), 1);          /* revision 1: modern */
	ck_assert_uint_eq(pci_config_read(f, 0x3c, 1), 11);       /* interrupt line */
	ck_assert_uint_eq(pci_config_read(f, 0x3d, 1), 1);        /* INTA# */
	ck_assert_uint_eq(pci_config_read(f, 0x10, 4) & ~0xfu, (uint32_t)BAR);
	/* The vendor capabilities, as virtio_pci_find_capability walks them. */
	unsigned found = 0, notify_mult = 0;
	for (unsigned at = pci_config_read(f, 0x34, 1), n = 0; at && n < 16; n++) {
		ck_assert_uint_eq(pci_config_read(f, at, 1), 0x09);
		unsigned type = pci_config_read(f, at + 3, 1);
		ck_assert_uint_eq(pci_config_read(f, at + 4, 1), 0);          /* BAR 0 */
		found |= 1u << type;
		if (type == 2)
			notify_mult = pci_config_read(f, at + 16, 4);
		at = pci_config_read(f, at + 1, 1);
	}
	ck_assert_uint_eq(found, 0x1e);                            /* common, notify, ISR, device */
	ck_assert_uint_eq(notify_mult, VPCI_NOTIFY_MULT);
}
END_TEST

START_TEST(test_negotiation_queue_setup_and_transmit)
{
	ck_assert_uint_eq(rd(0x12, 2), 2);                         /* num_queues */
	wr(0x14, 1, 1 | 2);                                        /* ACKNOWLEDGE | DRIVER */
	wr(0x00, 4, 1);                                            /* device features 63:32 */
	ck_assert_uint_eq(rd(0x04, 4), 1);                         /* VERSION_1 */
	wr(0x00, 4, 0);
	ck_assert_uint_eq(rd(0x04, 4), 0);
	wr(0x08, 4, 1);
	wr(0x0c, 4, 1);                                            /* accept VERSION_1 */
	wr(0x14, 1, 1 | 2 | 8);
	ck_assert_uint_eq(rd(0x14, 1) & 8, 8);                     /* FEATURES_OK stays */
	/* Transmit queue (1): 16 entries, rings in RAM at 0x1000/0x2000/0x3000. */
	wr(0x16, 2, 1);
	ck_assert_uint_eq(rd(0x18, 2), 256);
	wr(0x18, 2, 16);
	ck_assert_uint_eq(rd(0x1a, 2), VPCI_NO_VECTOR);
	wr(0x20, 4, 0x1000); wr(0x24, 4, 0);
	wr(0x28, 4, 0x2000); wr(0x2c, 4, 0);
	wr(0x30, 4, 0x3000); wr(0x34, 4, 0);
	ck_assert_uint_eq(rd(0x1e, 2), 1);                         /* notify offset = queue */
	wr(0x1c, 2, 1);
	ck_assert_uint_eq(rd(0x1c, 2), 1);
	wr(0x14, 1, 1 | 2 | 8 | 4);                                /* DRIVER_OK */
	/* One buffer "hi!\n" at 0x4000: descriptor 0, avail ring entry 0. */
	memcpy(ram + 0x4000, "hi!\n", 4);
	uint64_t addr = 0x4000;
	memcpy(ram + 0x1000, &addr, 8);
	uint32_t len = 4;
	memcpy(ram + 0x1008, &len, 4);
	uint16_t idx = 1;
	memcpy(ram + 0x2002, &idx, 2);                            /* avail.idx = 1, ring[0] = 0 */
	wr(VPCI_NOTIFY + 1 * VPCI_NOTIFY_MULT, 2, 1);
	ck_assert_uint_eq(sent_len, 4);
	ck_assert_int_eq(memcmp(sent, "hi!\n", 4), 0);
	uint16_t used_idx;
	memcpy(&used_idx, ram + 0x3002, 2);
	ck_assert_uint_eq(used_idx, 1);
	/* INTx is up until ISR is read, which acknowledges it. */
	ck_assert_int_eq(line_level, 1);
	ck_assert_uint_eq(rd(VPCI_ISR, 1), 1);
	ck_assert_int_eq(line_level, 0);
	ck_assert_uint_eq(rd(VPCI_ISR, 1), 0);
	/* Device configuration: max_nr_ports. */
	ck_assert_uint_eq(rd(VPCI_DEVICE_CFG + VCON_CFG_MAX_NR_PORTS, 4), 1);
	/* Reset through the status byte. */
	wr(0x14, 1, 0);
	ck_assert_uint_eq(rd(0x14, 1), 0);
	ck_assert_uint_eq(rd(0x1c, 2), 0);
}
END_TEST

START_TEST(test_outside_the_bar_and_disabled_decoding)
{
	uint64_t val = 0;
	ck_assert(!vpci_console_read(&v, BAR - 4, 4, &val, 0));
	ck_assert(!vpci_console_read(&v, BAR + VPCI_BAR_SIZE, 4, &val, 0));
	ck_assert(!vpci_console_write(&v, BAR + VPCI_BAR_SIZE - 2, 4, 0, 0));
	/* Memory decoding off in the command register: the BAR answers nothing. */
	pci_config_write(pci_find(&pci, 0, 1, 0), 4, 2, 0);
	ck_assert(!vpci_console_read(&v, BAR, 4, &val, 0));
	/* Queue selects beyond the device's queues are harmless. */
	pci_config_write(pci_find(&pci, 0, 1, 0), 4, 2, PCI_COMMAND_MEMORY);
	wr(0x16, 2, 7);
	ck_assert_uint_eq(rd(0x18, 2), 0);
	wr(0x18, 2, 16);
	wr(0x1c, 2, 1);
	wr(0x20, 4, 0x1234);
	ck_assert_uint_eq(rd(0x1c, 2), 0);
}
END_TEST

Suite *virtio_pci_suite(void)
{
	Suite *s = suite_create("virtio_pci");
	TCase *tc = tcase_create("transport");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_pci_identity_and_capabilities);
	tcase_add_test(tc, test_negotiation_queue_setup_and_transmit);
	tcase_add_test(tc, test_outside_the_bar_and_disabled_decoding);
	suite_add_tcase(s, tc);
	return s;
}
