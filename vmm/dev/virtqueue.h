/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The split virtqueue (virtio 1.1 section 2.6) from the device's side: the
 * one implementation every virtio device of the VMM uses (the transport,
 * virtio_pci.h, owns a virtq per queue; a device pops chains and pushes
 * them back). Descriptor chains, indirect descriptors (VIRTIO_F_INDIRECT_DESC)
 * and the event index (VIRTIO_F_EVENT_IDX).
 *
 * A device pops a chain as a bounded list of (gpa, len, writable) segments,
 * works on them through vdev_ram (dev.h), pushes the chain's head back with
 * the bytes it wrote, and after a batch of pushes asks virtq_notify whether
 * the driver wants an interrupt.
 *
 * Everything read from guest memory is checked before it is used, and read
 * once (the driver may change it meanwhile; the copy is what counts):
 *   - the avail index: at most the queue size ahead of the device's own;
 *   - every descriptor index: below the queue size (or the indirect table's
 *     length);
 *   - the chain's length: at most the queue size direct descriptors and at
 *     most the table's length indirect ones, so a loop ends as an error,
 *     and at most VIRTQ_MAX_CHAIN segments in all;
 *   - indirect tables: only when negotiated, only as the last direct
 *     descriptor (INDIRECT with NEXT is refused), not nested, a whole number
 *     of descriptors, at most VIRTQ_MAX_CHAIN of them, all of it RAM;
 *   - flags: a device-readable descriptor after a device-writable one is
 *     refused (2.6.4.2);
 *   - every buffer: all of [addr, addr + len) guest RAM. A zero-length
 *     descriptor is no segment: nothing of it is accessed, whatever its
 *     address.
 * A chain that fails any of these is not consumed: virtq_pop returns
 * VIRTQ_BAD with the reason in q->error, and the device is expected to stop
 * (set DEVICE_NEEDS_RESET through its transport). Ring accesses that fail
 * (a ring the driver placed outside RAM) are errors the same way.
 */
#ifndef VMM_DEV_VIRTQUEUE_H
#define VMM_DEV_VIRTQUEUE_H

#include "dev.h"

/* Feature bits of the ring layout (virtio 1.1 section 6). */
#define VIRTIO_F_INDIRECT_DESC 28          /* descriptors may point to descriptor tables */
#define VIRTIO_F_EVENT_IDX     29          /* used_event / avail_event suppress notifications */

/* Descriptor flags (2.6.5). */
#define VIRTQ_DESC_F_NEXT     0x1          /* the chain continues at next */
#define VIRTQ_DESC_F_WRITE    0x2          /* device-writable (else device-readable) */
#define VIRTQ_DESC_F_INDIRECT 0x4          /* the buffer is a table of descriptors */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 0x1     /* without EVENT_IDX: the driver wants no interrupts */

/* Layout of the three parts (2.6, all little-endian). */
#define VIRTQ_DESC_SIZE        16          /* le64 addr, le32 len, le16 flags, le16 next */
#define VIRTQ_AVAIL_IDX        2           /* le16 flags, le16 idx, le16 ring[size], le16 used_event */
#define VIRTQ_AVAIL_RING       4
#define VIRTQ_USED_IDX         2           /* le16 flags, le16 idx, elem ring[size], le16 avail_event */
#define VIRTQ_USED_RING        4
#define VIRTQ_USED_ELEM_SIZE   8           /* le32 id (the chain's head), le32 len (bytes written) */
#define VIRTQ_DESC_ALIGN       16
#define VIRTQ_AVAIL_ALIGN      2
#define VIRTQ_USED_ALIGN       4
#define VIRTQ_AVAIL_BYTES(size) (6ull + 2ull * (size))
#define VIRTQ_USED_BYTES(size)  (6ull + 8ull * (size))

#define VIRTQ_MAX_SIZE  256                /* the largest queue size a device offers */
#define VIRTQ_MAX_CHAIN 256                /* segments of one chain, direct and indirect together */

/* One buffer of a chain. */
struct virtq_seg {
	uint64_t gpa;                      /* all of [gpa, gpa + len) was RAM at the pop */
	uint32_t len;                      /* at least 1 */
	bool writable;                     /* device-writable (they come after the readable ones) */
};

/* A chain as virtq_pop hands it out. */
struct virtq_chain {
	uint16_t head;                     /* its id: what virtq_push returns to the driver */
	unsigned nseg;                     /* segments in seg[] */
	uint64_t readable, writable;       /* bytes of each kind, summed */
	struct virtq_seg seg[VIRTQ_MAX_CHAIN];
};

struct virtq {
	/* The driver's layout (the transport's queue registers), checked by virtq_start. */
	uint32_t size;
	uint64_t desc, avail, used;
	/* The device's side, from virtq_start on. */
	bool ready;
	bool indirect, event_idx;          /* the ring features negotiated */
	uint16_t last_avail;               /* free-running index of the next avail entry to take */
	uint16_t used_idx;                 /* free-running used->idx the device publishes */
	uint16_t signalled;                /* used_idx at the last virtq_notify */
	const struct vdev_ram *ram;
	const char *error;                 /* why the last call failed (a constant string) */
};

enum { VIRTQ_BAD = -1, VIRTQ_EMPTY = 0, VIRTQ_CHAIN = 1 };

/*
 * Starts the queue with the layout in q (size, desc, avail, used) and the
 * negotiated features: false (and q->error) if the layout is invalid: a
 * size that is 0, above max_size (at most VIRTQ_MAX_SIZE) or not a power
 * of two, a misaligned part, a part that wraps past 2^64. Starting resets
 * the ring indices to 0 (the driver has just initialised its rings).
 */
bool virtq_start(struct virtq *q, const struct vdev_ram *ram, uint64_t features, uint32_t max_size);

/* Stopped, the layout cleared: the power-on state (size 0). */
void virtq_reset(struct virtq *q);

/*
 * The next available chain into *c: VIRTQ_CHAIN (consumed: the device owes
 * it a virtq_push), VIRTQ_EMPTY, or VIRTQ_BAD (nothing consumed, q->error
 * says why). A queue that is not ready is empty.
 */
int virtq_pop(struct virtq *q, struct virtq_chain *c);

/* Returns the chain with head id to the driver, len bytes written into it:
 * 0, or -1 if the used ring is not RAM. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t len);

/* A used element: a chain's head and the bytes written into it. */
struct virtq_used {
	uint16_t head;
	uint32_t len;
};

/* Returns n chains (at most the queue size) at once: the driver sees all
 * of them or none (virtio-net's merged receive buffers: the driver takes
 * num_buffers chains as soon as it sees the first). 0 or -1 as virtq_push. */
int virtq_push_all(struct virtq *q, const struct virtq_used *used, unsigned n);

/*
 * Gives back the last n chains popped (and not pushed): the next pops walk
 * them again, as the driver has them then. For a device that finds only
 * after several pops that the buffers do not suffice (virtio-net's
 * receive). The avail event stays past them: a driver that adds a buffer
 * notifies.
 */
void virtq_unpop(struct virtq *q, uint16_t n);

/*
 * Copies len bytes at byte off of the chain's device-readable part into
 * buf (read), or from buf into its device-writable part (write): 0, or -1
 * if the part is shorter or a segment is no longer RAM (then some of it
 * may have been copied).
 */
int virtq_chain_read(const struct vdev_ram *ram, const struct virtq_chain *c, uint64_t off, void *buf, uint64_t len);
int virtq_chain_write(const struct vdev_ram *ram, const struct virtq_chain *c, uint64_t off, const void *buf,
		      uint64_t len);

/*
 * After pushes: whether the driver wants a used-buffer interrupt for those
 * since the last call: 1 yes, 0 no (none pushed, VIRTQ_AVAIL_F_NO_INTERRUPT,
 * or the event index not passed), -1 if the avail ring is not RAM.
 */
int virtq_notify(struct virtq *q);

#endif
