/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtio-pci transport (vmm/dev/virtio_pci.c) with a fake device behind
 * it: the PCI function and its capabilities as Linux's virtio_pci_modern
 * finds them, feature negotiation, the status rules, the queue registers,
 * DRIVER_OK and notifications reaching the device, the ISR and the INTx
 * level, device errors, configuration changes, access widths, the BAR
 * following the guest.
 */
#include <stdio.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/dev/virtio_pci.h"

#define BAR 0xfe000000ull
#define RAM_SIZE 0x10000u
#define SLOT 3
#define LINE 10
#define DEV_TYPE 0x10              /* a made-up device type: PCI device 0x1050 */
#define DEV_FEATURE_LO 5           /* the fake device's own feature bits */
#define DEV_FEATURE_HI 40
#define QUEUES 3
#define QMAX 64

static uint8_t ram[RAM_SIZE];
static struct pci pci;
static struct virtio_pci vp;
static struct vdev_ram gram;
static int line_level, rises;
static unsigned notified[QUEUES + 2], resets, config_writes, logs, bar_changes;
static uint32_t last_config_write;
static char last_log[160];

static uint8_t *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return gpa > RAM_SIZE || len > RAM_SIZE - gpa ? NULL : ram + gpa;
}

static void irq_set(void *ctx, unsigned line, int level)
{
	(void)ctx;
	ck_assert_uint_eq(line, LINE);
	if (level && !line_level)
		rises++;
	line_level = level;
}

static uint32_t dev_config_read(void *dev, unsigned off, unsigned size)
{
	ck_assert_ptr_eq(dev, &vp);
	ck_assert(off + size <= 8 && off % size == 0);
	return 0x11223344u >> (8 * (off % 4)) & (size == 4 ? ~0u : (1u << (8 * size)) - 1);
}

static void dev_config_write(void *dev, unsigned off, unsigned size, uint32_t value)
{
	(void)dev;
	ck_assert(off + size <= 8 && off % size == 0);
	config_writes++;
	last_config_write = value;
}

static void dev_notify(void *dev, unsigned q)
{
	(void)dev;
	ck_assert_uint_lt(q, QUEUES);
	ck_assert_ptr_nonnull(virtio_pci_queue(&vp, q));
	notified[q]++;
}

static void dev_reset(void *dev)
{
	(void)dev;
	resets++;
	ck_assert_uint_eq(vp.status, 0);                 /* the transport is reset first */
}

static void dev_log(void *ctx, const char *device, const char *what)
{
	(void)ctx;
	logs++;
	snprintf(last_log, sizeof(last_log), "%s: %s", device, what);
}

static void bar_changed(void *ctx, struct pci_function *f, unsigned reg)
{
	(void)ctx;
	(void)f;
	(void)reg;
	bar_changes++;
}

static const struct virtio_device_ops ops = {
	.config_read = dev_config_read, .config_write = dev_config_write, .notify = dev_notify, .reset = dev_reset,
};

static void setup(void)
{
	static const struct vdev_irq irq = { .set = irq_set };

	memset(ram, 0, sizeof(ram));
	line_level = rises = 0;
	memset(notified, 0, sizeof(notified));
	resets = config_writes = logs = bar_changes = 0;
	last_log[0] = 0;
	gram = (struct vdev_ram){ .map = ram_map };
	pci_init(&pci);
	struct virtio_pci_config cfg = {
		.name = "fake", .slot = SLOT, .bar_base = BAR, .irq_line = LINE, .device_type = DEV_TYPE,
		.class_code = 0x018000, .features = 1ull << DEV_FEATURE_LO | 1ull << DEV_FEATURE_HI,
		.queues = QUEUES, .queue_max = QMAX, .config_size = 8, .ops = &ops, .dev = &vp,
		.ram = &gram, .irq = &irq, .bar_changed = bar_changed, .log = dev_log,
	};
	ck_assert(virtio_pci_init(&vp, &pci, &cfg));
}

static uint64_t rd(uint32_t off, unsigned size)
{
	return virtio_pci_read(&vp, off, size, 0);
}

static void wr(uint32_t off, unsigned size, uint64_t val)
{
	virtio_pci_write(&vp, off, size, val, 0);
}

static uint8_t status(void)
{
	return (uint8_t)rd(VIRTIO_PCI_STATUS, 1);
}

static void set_status(uint8_t add)
{
	wr(VIRTIO_PCI_STATUS, 1, status() | add);
}

static uint64_t device_features(void)
{
	wr(VIRTIO_PCI_DFSELECT, 4, 1);
	uint64_t f = rd(VIRTIO_PCI_DF, 4) << 32;
	wr(VIRTIO_PCI_DFSELECT, 4, 0);
	return f | rd(VIRTIO_PCI_DF, 4);
}

static void set_features(uint64_t f)
{
	wr(VIRTIO_PCI_GFSELECT, 4, 1);
	wr(VIRTIO_PCI_GF, 4, (uint32_t)(f >> 32));
	wr(VIRTIO_PCI_GFSELECT, 4, 0);
	wr(VIRTIO_PCI_GF, 4, (uint32_t)f);
}

/* Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK: whether it held. */
static bool negotiate(uint64_t f)
{
	wr(VIRTIO_PCI_STATUS, 1, 0);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE);
	set_status(VIRTIO_STATUS_DRIVER);
	set_features(f);
	set_status(VIRTIO_STATUS_FEATURES_OK);
	return status() & VIRTIO_STATUS_FEATURES_OK;
}

/* Queue q of size entries at 0x1000 * (3q + 1) and on, enabled. */
static void setup_queue(unsigned q, uint16_t size)
{
	uint64_t base = 0x1000ull * (3 * q + 1);

	wr(VIRTIO_PCI_QSELECT, 2, q);
	wr(VIRTIO_PCI_QSIZE, 2, size);
	wr(VIRTIO_PCI_QDESC, 4, base);
	wr(VIRTIO_PCI_QDESC + 4, 4, 0);
	wr(VIRTIO_PCI_QDRIVER, 4, base + 0x1000);
	wr(VIRTIO_PCI_QDRIVER + 4, 4, 0);
	wr(VIRTIO_PCI_QDEVICE, 8, base + 0x2000);
	wr(VIRTIO_PCI_QENABLE, 2, 1);
}

START_TEST(test_pci_identity_and_capabilities)
{
	struct pci_function *f = pci_find(&pci, 0, SLOT, 0);
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(pci_config_read(f, 0, 4), (0x1040u + DEV_TYPE) << 16 | 0x1af4u);
	ck_assert_uint_eq(pci_config_read(f, 8, 1), 1);           /* revision 1: modern only */
	ck_assert_uint_eq(pci_config_read(f, 8, 4) >> 8, 0x018000);
	ck_assert_uint_eq(pci_config_read(f, 0x2c, 2), 0x1af4);
	ck_assert_uint_ge(pci_config_read(f, 0x2e, 2), 0x40);
	ck_assert_uint_eq(pci_config_read(f, 0x3c, 1), LINE);      /* interrupt line */
	ck_assert_uint_eq(pci_config_read(f, 0x3d, 1), 1);         /* INTA# */
	ck_assert_uint_eq(pci_config_read(f, 0x10, 4) & ~0xfu, (uint32_t)BAR);
	ck_assert_uint_eq(virtio_pci_bar(&vp), BAR);
	/* The vendor capabilities, as virtio_pci_find_capability walks them. */
	unsigned found = 0, notify_mult = 0, length[5] = { 0 }, offset[5] = { 0 };
	for (unsigned at = pci_config_read(f, 0x34, 1), n = 0; at && n < 16; n++) {
		ck_assert_uint_eq(pci_config_read(f, at, 1), 0x09);
		unsigned type = pci_config_read(f, at + 3, 1);
		ck_assert_uint_ge(type, 1);
		ck_assert_uint_le(type, 4);
		ck_assert_uint_eq(pci_config_read(f, at + 4, 1), 0);           /* BAR 0 */
		found |= 1u << type;
		offset[type] = pci_config_read(f, at + 8, 4);
		length[type] = pci_config_read(f, at + 12, 4);
		if (type == 2)
			notify_mult = pci_config_read(f, at + 16, 4);
		at = pci_config_read(f, at + 1, 1);
	}
	ck_assert_uint_eq(found, 0x1e);                             /* common, notify, ISR, device */
	ck_assert_uint_eq(notify_mult, VIRTIO_PCI_NOTIFY_MULT);
	ck_assert_uint_eq(offset[1], VIRTIO_PCI_COMMON);
	ck_assert_uint_eq(length[1], VIRTIO_PCI_COMMON_END);
	ck_assert_uint_eq(offset[2], VIRTIO_PCI_NOTIFY);
	ck_assert_uint_eq(length[2], QUEUES * VIRTIO_PCI_NOTIFY_MULT);
	ck_assert_uint_eq(offset[3], VIRTIO_PCI_ISR);
	ck_assert_uint_eq(offset[4], VIRTIO_PCI_DEVICE_CFG);
	ck_assert_uint_eq(length[4], 8);
}
END_TEST

START_TEST(test_bar_follows_the_guest)
{
	struct pci_function *f = pci_find(&pci, 0, SLOT, 0);
	/* Memory decoding off: the BAR decodes nothing. */
	pci_config_write(f, PCI_COMMAND, 2, 0);
	ck_assert_uint_eq(virtio_pci_bar(&vp), 0);
	ck_assert_uint_ge(bar_changes, 1);
	/* Moved and on again. */
	pci_config_write(f, PCI_BASE_ADDRESS_0, 4, 0xd0000000u);
	pci_config_write(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	ck_assert_uint_eq(virtio_pci_bar(&vp), 0xd0000000u);
	ck_assert_uint_ge(bar_changes, 3);
	/* BAR sizing: all ones read back as the size mask. */
	pci_config_write(f, PCI_BASE_ADDRESS_0, 4, 0xffffffffu);
	ck_assert_uint_eq(pci_config_read(f, PCI_BASE_ADDRESS_0, 4) & ~0xfu, (uint32_t)-VIRTIO_PCI_BAR_SIZE);
}
END_TEST

START_TEST(test_features_offered_and_negotiated)
{
	/* The device's own bits and the transport's: VERSION_1 and the rings'. */
	ck_assert_uint_eq(device_features(), 1ull << DEV_FEATURE_LO | 1ull << DEV_FEATURE_HI |
			  1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC | 1ull << VIRTIO_F_EVENT_IDX);
	wr(VIRTIO_PCI_DFSELECT, 4, 2);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DF, 4), 0);
	wr(VIRTIO_PCI_DFSELECT, 4, 0xffffffff);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DF, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DFSELECT, 4), 0xffffffff);
	/* Unoffered bits are refused, each on its own. */
	static const unsigned bad_bits[] = { 0, 1, 4, 6, 27, 30, 31, 33, 34, 39, 41, 63 };
	for (unsigned i = 0; i < sizeof(bad_bits) / sizeof(bad_bits[0]); i++)
		ck_assert_msg(!negotiate(1ull << 32 | 1ull << bad_bits[i]), "bit %u accepted", bad_bits[i]);
	/* A legacy driver (no VERSION_1) cannot drive a modern-only device. */
	ck_assert(!negotiate(0));
	ck_assert(!negotiate(1ull << DEV_FEATURE_LO));
	/* A feature word beyond 1 holds nothing offered. */
	wr(VIRTIO_PCI_STATUS, 1, 0);
	set_status(VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(VIRTIO_PCI_GFSELECT, 4, 2);
	wr(VIRTIO_PCI_GF, 4, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_GF, 4), 0);
	set_features(1ull << 32);
	set_status(VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	/* A refused driver may correct itself without a reset... */
	ck_assert(!negotiate(1ull << 32 | 1));
	set_features(1ull << 32 | 1ull << DEV_FEATURE_HI);
	set_status(VIRTIO_STATUS_FEATURES_OK);
	ck_assert(status() & VIRTIO_STATUS_FEATURES_OK);
	/* ... and once accepted, the features are fixed until reset. */
	set_features(1ull << 32 | 1ull << VIRTIO_F_EVENT_IDX);
	ck_assert_uint_eq(vp.driver_features, 1ull << 32 | 1ull << DEV_FEATURE_HI);
	wr(VIRTIO_PCI_GFSELECT, 4, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_GF, 4), 1 | 1u << (DEV_FEATURE_HI - 32));
	/* Everything offered at once is a subset too. */
	ck_assert(negotiate(device_features()));
	wr(VIRTIO_PCI_STATUS, 1, 0);
	ck_assert_uint_eq(vp.driver_features, 0);
}
END_TEST

START_TEST(test_status_rules)
{
	ck_assert(negotiate(1ull << 32));
	/* The driver cannot clear bits (only 0 resets) nor set NEEDS_RESET. */
	wr(VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_NEEDS_RESET | 0x30);
	ck_assert_uint_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	ck_assert_uint_eq(resets, 1);                            /* (negotiate's reset) */
	/* Selects and queue layouts go back with a reset. */
	wr(VIRTIO_PCI_DFSELECT, 4, 1);
	wr(VIRTIO_PCI_QSELECT, 2, 2);
	wr(VIRTIO_PCI_QSIZE, 2, 8);
	wr(VIRTIO_PCI_QDESC, 8, 0x5000);
	wr(VIRTIO_PCI_STATUS, 1, 0);
	ck_assert_uint_eq(resets, 2);
	ck_assert_uint_eq(status(), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DFSELECT, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QSELECT, 2), 0);
	wr(VIRTIO_PCI_QSELECT, 2, 2);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QSIZE, 2), QMAX);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC, 8), 0);
	/* FAILED stops the queues. */
	ck_assert(negotiate(1ull << 32));
	setup_queue(0, 8);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_ptr_nonnull(virtio_pci_queue(&vp, 0));
	set_status(VIRTIO_STATUS_FAILED);
	ck_assert_ptr_null(virtio_pci_queue(&vp, 0));
	wr(VIRTIO_PCI_NOTIFY, 2, 0);
	ck_assert_uint_eq(notified[0], 1);                       /* (only DRIVER_OK's) */
}
END_TEST

START_TEST(test_queue_registers)
{
	ck_assert_uint_eq(rd(VIRTIO_PCI_NUMQ, 2), QUEUES);
	ck_assert_uint_eq(rd(VIRTIO_PCI_MSIX, 2), VIRTIO_PCI_NO_VECTOR);
	for (unsigned q = 0; q < QUEUES + 2; q++) {
		wr(VIRTIO_PCI_QSELECT, 2, q);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QSIZE, 2), q < QUEUES ? QMAX : 0);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 0);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QNOFF, 2), q < QUEUES ? q : 0);
		ck_assert_uint_eq(rd(VIRTIO_PCI_QMSIX, 2), VIRTIO_PCI_NO_VECTOR);
	}
	/* Addresses as 32-bit halves and whole. */
	ck_assert(negotiate(1ull << 32));
	wr(VIRTIO_PCI_QSELECT, 2, 1);
	wr(VIRTIO_PCI_QDESC, 4, 0x89abcdf0);
	wr(VIRTIO_PCI_QDESC + 4, 4, 0x01234567);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC, 8), 0x0123456789abcdf0ull);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC + 4, 4), 0x01234567);
	wr(VIRTIO_PCI_QDRIVER, 8, 0xfedcba9876543210ull);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDRIVER, 4), 0x76543210);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDRIVER + 4, 4), 0xfedcba98);
	/* A queue that does not exist: its registers do nothing. */
	wr(VIRTIO_PCI_QSELECT, 2, QUEUES);
	wr(VIRTIO_PCI_QSIZE, 2, 8);
	wr(VIRTIO_PCI_QDESC, 8, 0x1000);
	wr(VIRTIO_PCI_QENABLE, 2, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC, 8), 0);
	ck_assert(!(status() & VIRTIO_STATUS_NEEDS_RESET));
	/* Enabled: the layout is fixed, and 0 does not disable it. */
	setup_queue(2, 16);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 1);
	ck_assert(vp.q[2].ready);
	wr(VIRTIO_PCI_QSIZE, 2, 32);
	wr(VIRTIO_PCI_QDESC, 8, 0x9000);
	wr(VIRTIO_PCI_QENABLE, 2, 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QSIZE, 2), 16);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC, 8), 0x7000);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QENABLE, 2), 1);
	/* The queue has the ring features negotiated: none here. */
	ck_assert(!vp.q[2].event_idx && !vp.q[2].indirect);
	ck_assert(negotiate(1ull << 32 | 1ull << VIRTIO_F_EVENT_IDX));
	setup_queue(0, 8);
	ck_assert(vp.q[0].event_idx && !vp.q[0].indirect);
}
END_TEST

START_TEST(test_bad_layout_needs_reset)
{
	static const struct {
		uint16_t size;
		uint64_t desc;
	} bad[] = { { 0, 0x1000 }, { 3, 0x1000 }, { 2 * QMAX, 0x1000 }, { 8, 0x1008 }, { 8, ~0ull - 15 } };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(negotiate(1ull << 32));
		logs = 0;
		wr(VIRTIO_PCI_QSELECT, 2, 0);
		wr(VIRTIO_PCI_QSIZE, 2, bad[i].size);
		wr(VIRTIO_PCI_QDESC, 8, bad[i].desc);
		wr(VIRTIO_PCI_QDRIVER, 8, 0x2000);
		wr(VIRTIO_PCI_QDEVICE, 8, 0x3000);
		wr(VIRTIO_PCI_QENABLE, 2, 1);
		ck_assert_msg(rd(VIRTIO_PCI_QENABLE, 2) == 0, "layout %u accepted", i);
		ck_assert(status() & VIRTIO_STATUS_NEEDS_RESET);
		ck_assert_uint_eq(logs, 1);
		ck_assert(strncmp(last_log, "fake: ", 6) == 0);
		/* No driver listens yet: no interrupt until DRIVER_OK. */
		ck_assert_int_eq(line_level, 0);
		set_status(VIRTIO_STATUS_DRIVER_OK);
		ck_assert_int_eq(line_level, 1);
		ck_assert_uint_eq(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
		ck_assert_int_eq(line_level, 0);
		/* The device sees no queue while it needs a reset. */
		ck_assert_uint_eq(notified[0], 0);
		ck_assert_uint_eq(logs, 1);                      /* one line per error state */
	}
}
END_TEST

START_TEST(test_driver_ok_and_notifications_reach_the_device)
{
	ck_assert(negotiate(1ull << 32));
	setup_queue(0, 8);
	setup_queue(2, 8);
	/* Before DRIVER_OK, notifications are not the device's business. */
	wr(VIRTIO_PCI_NOTIFY + 0, 2, 0);
	ck_assert_uint_eq(notified[0], 0);
	/* DRIVER_OK looks at every enabled queue. */
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(notified[0], 1);
	ck_assert_uint_eq(notified[1], 0);
	ck_assert_uint_eq(notified[2], 1);
	/* Notify areas: queue q at 4q; the value is the queue's index. */
	wr(VIRTIO_PCI_NOTIFY + 8, 2, 2);
	ck_assert_uint_eq(notified[2], 2);
	wr(VIRTIO_PCI_NOTIFY + 4, 2, 1);                        /* not enabled */
	ck_assert_uint_eq(notified[1], 0);
	wr(VIRTIO_PCI_NOTIFY + 4 * QUEUES, 2, QUEUES);          /* no such queue */
	wr(VIRTIO_PCI_NOTIFY + 0x100, 2, 0);
	ck_assert_uint_eq(notified[0] + notified[1] + notified[2], 3);
	/* Setting DRIVER_OK again (it is set) does not notify again. */
	set_status(VIRTIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(notified[0], 1);
}
END_TEST

START_TEST(test_isr_intx_and_errors)
{
	ck_assert(negotiate(1ull << 32));
	setup_queue(0, 8);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	/* One used buffer on queue 0: the device pushes, the transport interrupts. */
	struct virtq *q = virtio_pci_queue(&vp, 0);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(virtq_push(q, 0, 0), 0);
	virtio_pci_used(&vp, 0);
	ck_assert_int_eq(line_level, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_QUEUE);
	ck_assert_int_eq(line_level, 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_ISR, 1), 0);
	/* Nothing new: no interrupt. */
	virtio_pci_used(&vp, 0);
	ck_assert_int_eq(line_level, 0);
	/* The NO_INTERRUPT flag (no event index negotiated). */
	put16(ram + 0x2000, VIRTQ_AVAIL_F_NO_INTERRUPT);
	ck_assert_int_eq(virtq_push(q, 1, 0), 0);
	virtio_pci_used(&vp, 0);
	ck_assert_int_eq(line_level, 0);
	/* A device error: NEEDS_RESET, config interrupt, queues stop, one log line. */
	virtio_pci_error(&vp, "a made-up error");
	ck_assert(status() & VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_str_eq(last_log, "fake: a made-up error");
	ck_assert_ptr_null(virtio_pci_queue(&vp, 0));
	ck_assert_int_eq(line_level, 1);
	virtio_pci_error(&vp, "another");
	ck_assert_uint_eq(logs, 1);
	ck_assert_uint_eq(rises, 2);
	ck_assert_uint_eq(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(line_level, 0);
	/* A ring the used-interrupt check cannot read is an error too. */
	ck_assert(negotiate(1ull << 32));
	setup_queue(0, 8);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	q = virtio_pci_queue(&vp, 0);
	ck_assert_int_eq(virtq_push(q, 0, 0), 0);
	q->avail = RAM_SIZE;
	virtio_pci_used(&vp, 0);
	ck_assert(status() & VIRTIO_STATUS_NEEDS_RESET);
	/* The reset lowers the line. */
	ck_assert_int_eq(line_level, 1);
	wr(VIRTIO_PCI_STATUS, 1, 0);
	ck_assert_int_eq(line_level, 0);
	ck_assert(!(status() & VIRTIO_STATUS_NEEDS_RESET));
}
END_TEST

/* A configuration change: config_generation moves on; the interrupt
 * (ISR bit 1) only once a driver listens, and the device keeps running. */
START_TEST(test_config_change)
{
	uint8_t gen = (uint8_t)rd(VIRTIO_PCI_CFGGEN, 1);

	virtio_pci_config_changed(&vp);
	ck_assert_uint_eq(rd(VIRTIO_PCI_CFGGEN, 1), (uint8_t)(gen + 1));
	ck_assert_int_eq(line_level, 0);                   /* no driver yet */
	ck_assert(negotiate(1ull << 32));
	setup_queue(0, 8);
	set_status(VIRTIO_STATUS_DRIVER_OK);
	virtio_pci_config_changed(&vp);
	ck_assert_uint_eq(rd(VIRTIO_PCI_CFGGEN, 1), (uint8_t)(gen + 2));
	ck_assert_int_eq(line_level, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_ISR, 1), VIRTIO_PCI_ISR_CONFIG);
	ck_assert_int_eq(line_level, 0);
	ck_assert(!(status() & VIRTIO_STATUS_NEEDS_RESET));
	ck_assert_ptr_nonnull(virtio_pci_queue(&vp, 0));
	ck_assert_uint_eq(logs, 0);
}
END_TEST

START_TEST(test_access_widths)
{
	/* Each common field takes its own width only. */
	wr(VIRTIO_PCI_STATUS, 2, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(VIRTIO_PCI_STATUS, 4, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(status(), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_STATUS, 4), 0);
	wr(VIRTIO_PCI_QSELECT, 4, 1);
	wr(VIRTIO_PCI_QSELECT, 1, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QSELECT, 2), 0);
	wr(VIRTIO_PCI_DFSELECT, 2, 1);
	wr(VIRTIO_PCI_DFSELECT + 1, 1, 1);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DFSELECT, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DF, 2), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DF + 2, 2), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_NUMQ, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_NUMQ + 1, 1), 0);
	wr(VIRTIO_PCI_QDESC + 2, 4, 0x1234);
	wr(VIRTIO_PCI_QDESC, 2, 0x1234);
	wr(VIRTIO_PCI_QDESC + 4, 8, 0x1234);
	ck_assert_uint_eq(rd(VIRTIO_PCI_QDESC, 8), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_COMMON_END, 4), 0);
	/* Device configuration: within config_size, naturally aligned, 1/2/4 bytes. */
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG, 4), 0x11223344);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG + 2, 2), 0x1122);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG + 3, 1), 0x11);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG + 1, 2), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG + 2, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG + 6, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG + 8, 1), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_DEVICE_CFG, 8), 0);
	wr(VIRTIO_PCI_DEVICE_CFG + 4, 4, 0xabcd);
	ck_assert_uint_eq(config_writes, 1);
	ck_assert_uint_eq(last_config_write, 0xabcd);
	wr(VIRTIO_PCI_DEVICE_CFG + 7, 2, 1);
	wr(VIRTIO_PCI_DEVICE_CFG + 8, 1, 1);
	wr(VIRTIO_PCI_DEVICE_CFG, 8, 1);
	ck_assert_uint_eq(config_writes, 1);
	/* Nowhere in particular: 0, and nothing happens. */
	ck_assert_uint_eq(rd(0x800, 4), 0);
	ck_assert_uint_eq(rd(VIRTIO_PCI_ISR + 1, 1), 0);
	wr(0x800, 4, ~0u);
	ck_assert_uint_eq(status(), 0);
	ck_assert_int_eq(line_level, 0);
}
END_TEST

START_TEST(test_no_writes_while_the_device_works)
{
	ck_assert(virtio_pci_enter(&vp));
	ck_assert(!virtio_pci_enter(&vp));
	wr(VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(status(), 0);
	virtio_pci_leave(&vp);
	wr(VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	ck_assert_uint_eq(status(), VIRTIO_STATUS_ACKNOWLEDGE);
}
END_TEST

START_TEST(test_init_refuses_bad_configurations)
{
	struct virtio_pci v2;
	struct virtio_pci_config cfg = { .slot = 5, .queues = 1, .queue_max = 8, .config_size = 4, .ops = &ops };

	ck_assert(virtio_pci_init(&v2, &pci, &cfg));
	cfg.slot = 6;
	cfg.queue_max = 6;
	ck_assert(!virtio_pci_init(&v2, &pci, &cfg));          /* not a power of two */
	cfg.queue_max = 2 * VIRTQ_MAX_SIZE;
	ck_assert(!virtio_pci_init(&v2, &pci, &cfg));
	cfg.queue_max = 8;
	cfg.queues = VIRTIO_PCI_MAX_QUEUES + 1;
	ck_assert(!virtio_pci_init(&v2, &pci, &cfg));
	cfg.queues = 1;
	cfg.config_size = VIRTIO_PCI_CONFIG_MAX + 1;
	ck_assert(!virtio_pci_init(&v2, &pci, &cfg));
	cfg.config_size = 4;
	cfg.slot = SLOT;                                        /* taken */
	ck_assert(!virtio_pci_init(&v2, &pci, &cfg));
	ck_assert_ptr_null(pci_find(&pci, 0, 6, 0));
}
END_TEST

Suite *virtio_pci_suite(void)
{
	Suite *s = suite_create("virtio_pci");
	TCase *tc = tcase_create("transport");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_pci_identity_and_capabilities);
	tcase_add_test(tc, test_bar_follows_the_guest);
	tcase_add_test(tc, test_features_offered_and_negotiated);
	tcase_add_test(tc, test_status_rules);
	tcase_add_test(tc, test_queue_registers);
	tcase_add_test(tc, test_bad_layout_needs_reset);
	tcase_add_test(tc, test_driver_ok_and_notifications_reach_the_device);
	tcase_add_test(tc, test_isr_intx_and_errors);
	tcase_add_test(tc, test_config_change);
	tcase_add_test(tc, test_access_widths);
	tcase_add_test(tc, test_no_writes_while_the_device_works);
	tcase_add_test(tc, test_init_refuses_bad_configurations);
	suite_add_tcase(s, tc);
	return s;
}
