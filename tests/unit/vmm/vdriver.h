/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A virtio-pci device's surroundings for the device tests
 * (test_virtio_blk.c, test_virtio_net.c): the board around it (guest RAM,
 * its interrupt line and its log, recorded) and the driver's side (register
 * accesses through the device's BAR, feature negotiation as Linux's virtio
 * core does it, split virtqueues in that guest RAM, each its descriptor
 * table at base, the avail ring at base + 0x1000, the used ring at
 * base + 0x2000).
 */
#ifndef TESTS_UNIT_VMM_VDRIVER_H
#define TESTS_UNIT_VMM_VDRIVER_H

#include "vmm/dev/virtio_pci.h"

/* The board: guest RAM of ram_size bytes from ram_base (an exact-size heap
 * buffer: AddressSanitizer reports any access past it), the device's
 * interrupt line and log lines as they came. */
struct vd_board {
	uint64_t ram_base;
	uint32_t ram_size;
	uint8_t *ram;
	unsigned line;                     /* the line the device must raise */
	const char *device;                /* the name its log lines must carry */
	int level;                         /* the line's level now, */
	unsigned rises;                    /* how often it went up */
	unsigned logs;
	struct vdev_ram gram;
	struct vdev_irq girq;
};

extern struct vd_board vd;

/* vd afresh, its RAM zeroed (a test case's setup); vd_board_free at its teardown. */
void vd_board_init(uint64_t ram_base, uint32_t ram_size, unsigned line, const char *device);
void vd_board_free(void);

/* A device's wiring on that board: slot, BAR, the line, RAM, interrupt and log. */
struct virtio_pci_config vd_wiring(unsigned slot, uint64_t bar);

/* Guest RAM at gpa (the test fails if it is not RAM). */
uint8_t *vd_gp(uint64_t gpa);

/* One queue as the driver keeps it. */
struct vd_queue {
	unsigned index;
	uint64_t base;
	uint16_t size;
	uint16_t avail_idx;                /* the next avail entry the driver fills */
	uint16_t last_used;                /* the next used entry it reads */
};

/* The device the calls below drive (each test case's setup names it). */
void vd_use(struct virtio_pci *vp);

uint64_t vd_rd(uint32_t off, unsigned size);
void vd_wr(uint32_t off, unsigned size, uint64_t v);
uint8_t vd_status(void);
uint64_t vd_offered(void);

/* Reset, ACKNOWLEDGE and DRIVER, the features, FEATURES_OK: whether it held. */
bool vd_negotiate(uint64_t features);

/* Queue index of size entries at base: its rings zeroed, the layout
 * programmed, enabled. (DRIVER_OK is the caller's.) */
void vd_queue(struct vd_queue *q, unsigned index, uint64_t base, uint16_t size);

/* Descriptor i of q's table. */
void vd_desc(const struct vd_queue *q, unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next);

/* Makes the chain at head available on q and notifies the queue. */
void vd_submit(struct vd_queue *q, uint16_t head);

/* The device's used index of q; the next used element (one must be there). */
uint16_t vd_used_idx(const struct vd_queue *q);
void vd_next_used(struct vd_queue *q, uint16_t *head, uint32_t *len);

#endif
