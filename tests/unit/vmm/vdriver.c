/* SPDX-License-Identifier: GPL-2.0-only */
/* A virtio-pci device's surroundings for the device tests: see vdriver.h. */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/util.h"
#include "tests/unit/vmm/vdriver.h"

#define AVAIL 0x1000                   /* the rings' places from a queue's base */
#define USED  0x2000

struct vd_board vd;
static struct virtio_pci *dev;

/* ------------------------------------------------------------ the board */

static bool in_ram(uint64_t gpa, uint64_t len)
{
	return gpa >= vd.ram_base && gpa - vd.ram_base <= vd.ram_size && len <= vd.ram_size - (gpa - vd.ram_base);
}

static uint8_t *ram_map(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return in_ram(gpa, len) ? vd.ram + (gpa - vd.ram_base) : NULL;
}

static void board_irq(void *ctx, unsigned line, int level)
{
	(void)ctx;
	ck_assert_uint_eq(line, vd.line);
	vd.rises += level && !vd.level;
	vd.level = level;
}

static void board_log(void *ctx, const char *device, const char *what)
{
	(void)ctx;
	ck_assert_str_eq(device, vd.device);
	ck_assert_ptr_nonnull(what);
	vd.logs++;
}

void vd_board_init(uint64_t ram_base, uint32_t ram_size, unsigned line, const char *device)
{
	vd = (struct vd_board){ .ram_base = ram_base, .ram_size = ram_size, .ram = alloc_exact(ram_size),
				.line = line, .device = device };
	memset(vd.ram, 0, ram_size);
	vd.gram = (struct vdev_ram){ ram_map, NULL };
	vd.girq = (struct vdev_irq){ board_irq, NULL };
}

void vd_board_free(void)
{
	free(vd.ram);
	vd.ram = NULL;
}

struct virtio_pci_config vd_wiring(unsigned slot, uint64_t bar)
{
	return (struct virtio_pci_config){ .slot = slot, .bar_base = bar, .irq_line = vd.line, .ram = &vd.gram,
					   .irq = &vd.girq, .log = board_log };
}

/* len bytes of guest RAM at gpa. */
static uint8_t *ram_at(uint64_t gpa, uint64_t len)
{
	ck_assert(in_ram(gpa, len));
	return vd.ram + (gpa - vd.ram_base);
}

uint8_t *vd_gp(uint64_t gpa)
{
	return ram_at(gpa, 1);
}

/* ------------------------------------------------------------ the driver */

void vd_use(struct virtio_pci *vp)
{
	dev = vp;
}

uint64_t vd_rd(uint32_t off, unsigned size)
{
	return virtio_pci_read(dev, off, size, 0);
}

void vd_wr(uint32_t off, unsigned size, uint64_t v)
{
	virtio_pci_write(dev, off, size, v, 0);
}

uint8_t vd_status(void)
{
	return (uint8_t)vd_rd(VIRTIO_PCI_STATUS, 1);
}

uint64_t vd_offered(void)
{
	vd_wr(VIRTIO_PCI_DFSELECT, 4, 1);
	uint64_t f = vd_rd(VIRTIO_PCI_DF, 4) << 32;
	vd_wr(VIRTIO_PCI_DFSELECT, 4, 0);
	return f | vd_rd(VIRTIO_PCI_DF, 4);
}

bool vd_negotiate(uint64_t features)
{
	vd_wr(VIRTIO_PCI_STATUS, 1, 0);
	vd_wr(VIRTIO_PCI_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	vd_wr(VIRTIO_PCI_GFSELECT, 4, 0);
	vd_wr(VIRTIO_PCI_GF, 4, (uint32_t)features);
	vd_wr(VIRTIO_PCI_GFSELECT, 4, 1);
	vd_wr(VIRTIO_PCI_GF, 4, (uint32_t)(features >> 32));
	vd_wr(VIRTIO_PCI_STATUS, 1, vd_status() | VIRTIO_STATUS_FEATURES_OK);
	return vd_status() & VIRTIO_STATUS_FEATURES_OK;
}

void vd_queue(struct vd_queue *q, unsigned index, uint64_t base, uint16_t size)
{
	*q = (struct vd_queue){ .index = index, .base = base, .size = size };
	memset(ram_at(base, 0x3000), 0, 0x3000);
	vd_wr(VIRTIO_PCI_QSELECT, 2, index);
	vd_wr(VIRTIO_PCI_QSIZE, 2, size);
	vd_wr(VIRTIO_PCI_QDESC, 4, (uint32_t)base);              /* (in halves, as Linux writes them) */
	vd_wr(VIRTIO_PCI_QDESC + 4, 4, (uint32_t)(base >> 32));
	vd_wr(VIRTIO_PCI_QDRIVER, 4, (uint32_t)(base + AVAIL));
	vd_wr(VIRTIO_PCI_QDRIVER + 4, 4, (uint32_t)((base + AVAIL) >> 32));
	vd_wr(VIRTIO_PCI_QDEVICE, 4, (uint32_t)(base + USED));
	vd_wr(VIRTIO_PCI_QDEVICE + 4, 4, (uint32_t)((base + USED) >> 32));
	vd_wr(VIRTIO_PCI_QENABLE, 2, 1);
}

void vd_desc(const struct vd_queue *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t *p = ram_at(q->base + 16ull * i, 16);

	put64(p, addr);
	put32(p + 8, len);
	put16(p + 12, flags);
	put16(p + 14, next);
}

void vd_submit(struct vd_queue *q, uint16_t head)
{
	put16(ram_at(q->base + AVAIL + 4 + 2ull * (q->avail_idx % q->size), 2), head);
	q->avail_idx++;
	put16(ram_at(q->base + AVAIL + 2, 2), q->avail_idx);
	vd_wr(VIRTIO_PCI_NOTIFY + VIRTIO_PCI_NOTIFY_MULT * q->index, 2, q->index);
}

uint16_t vd_used_idx(const struct vd_queue *q)
{
	const uint8_t *p = ram_at(q->base + USED + 2, 2);

	return (uint16_t)(p[0] | p[1] << 8);
}

void vd_next_used(struct vd_queue *q, uint16_t *head, uint32_t *len)
{
	ck_assert_uint_ne(vd_used_idx(q), q->last_used);
	const uint8_t *e = ram_at(q->base + USED + 4 + 8ull * (q->last_used % q->size), 8);
	*head = (uint16_t)(e[0] | e[1] << 8);
	*len = get32(e + 4);
	q->last_used++;
}
