/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio block device (virtio 1.1 section 5.2, device type 2) on the
 * virtio-pci transport (virtio_pci.h), with one request queue, over a
 * backend of 512-byte sectors (the VMM's: a volume of the block server,
 * include/l4/blk.h).
 *
 * Features offered: VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_BLK_SIZE (512),
 * VIRTIO_BLK_F_FLUSH, and VIRTIO_BLK_F_RO for a read-only backend (besides
 * the transport's VERSION_1 and ring features). Requests: IN (read), OUT
 * (write), FLUSH and GET_ID; any other type is answered UNSUPP.
 *
 * Requests are carried out in three steps, so that the VMM can do the slow
 * part (the backend's I/O) without holding its lock while other vCPUs
 * exit:
 *   vblk_take    pops a chain and checks its shape (under the VMM's lock);
 *   vblk_do      moves the data between guest RAM and the backend, in
 *                pieces of the backend's buffer (without the lock: it
 *                touches only the request and guest RAM);
 *   vblk_finish  writes the status byte and puts the chain on the used
 *                ring, with the interrupt the driver asks for (under the
 *                lock); a request taken before the driver reset the device
 *                is dropped here, never pushed to the new rings.
 * A notification of the queue calls the host's kick; the VMM's I/O thread
 * then runs the steps until vblk_take finds nothing. Without a kick
 * (NULL), vblk_process runs them at once (the host unit tests).
 *
 * What is checked (the virtqueue checks the chain itself, virtqueue.h): a
 * request needs a 16-byte header in its device-readable part and a status
 * byte (the last device-writable byte); a chain without them is malformed
 * (DEVICE_NEEDS_RESET). A well-formed request that cannot be carried out
 * gets VIRTIO_BLK_S_IOERR, and nothing is read or written: data that is
 * not a whole number of sectors, a range past the capacity (or whose end
 * wraps), a write to a read-only backend; a backend error too (then a
 * write may have written some of its sectors).
 */
#ifndef VMM_DEV_VIRTIO_BLK_H
#define VMM_DEV_VIRTIO_BLK_H

#include "virtio_pci.h"

#define VIRTIO_ID_BLOCK 2u                /* virtio 1.1 section 5: block device */
#define VBLK_PCI_CLASS 0x018000u          /* mass storage controller, other */

/* Feature bits (5.2.3). */
#define VIRTIO_BLK_F_SEG_MAX  2
#define VIRTIO_BLK_F_RO       5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH    9

/* Request types and status values (5.2.6). */
#define VIRTIO_BLK_T_IN     0u
#define VIRTIO_BLK_T_OUT    1u
#define VIRTIO_BLK_T_FLUSH  4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_S_OK     0u
#define VIRTIO_BLK_S_IOERR  1u
#define VIRTIO_BLK_S_UNSUPP 2u

#define VBLK_SECTOR 512u
#define VBLK_HEADER 16u                   /* le32 type, le32 reserved, le64 sector */
#define VBLK_ID_BYTES 20u                 /* GET_ID: the device's id string */

/* struct virtio_blk_config (5.2.4), little-endian: the fields we fill. */
#define VBLK_CFG_CAPACITY 0x00            /* le64: sectors */
#define VBLK_CFG_SIZE_MAX 0x08            /* le32 (without SIZE_MAX: 0) */
#define VBLK_CFG_SEG_MAX  0x0c            /* le32 */
#define VBLK_CFG_BLK_SIZE 0x14            /* le32 */
#define VBLK_CFG_SIZE     0x24            /* up to and with writeback (u8) and its padding */

#define VBLK_QUEUE_MAX 128                /* the request queue's size */
#define VBLK_SEG_MAX (VBLK_QUEUE_MAX - 2) /* data segments per request (header and status apart) */

/* The host side: the backend's sectors move through its buffer. */
struct vblk_backend {
	uint64_t sectors;                 /* the capacity */
	bool read_only;
	char id[VBLK_ID_BYTES + 1];       /* GET_ID's answer (NUL-padded) */
	uint8_t *buf;                     /* the transfer buffer, */
	unsigned buf_sectors;             /* this many sectors (at least 1) */
	/* count (1..buf_sectors) sectors at sector, through buf: 0 or -1. */
	int (*read)(void *ctx, uint64_t sector, unsigned count);
	int (*write)(void *ctx, uint64_t sector, unsigned count);
	int (*flush)(void *ctx);
	/* The request queue has new buffers (called inside a device callback,
	 * under the VMM's lock): start the steps elsewhere. NULL: at once. */
	void (*kick)(void *ctx);
	void *ctx;
};

/* A request between vblk_take and vblk_finish. */
struct vblk_req {
	uint32_t type;
	uint64_t sector;
	uint8_t status;                   /* vblk_do's answer */
	uint32_t written;                 /* bytes written into the chain (the used length) */
	uint64_t data;                    /* bytes of data: readable after the header (OUT),
					   * writable before the status byte (IN, GET_ID) */
	uint64_t status_gpa;              /* where the status byte goes */
	unsigned gen;                     /* the device's reset count at the take */
	struct virtq_chain chain;
};

struct vblk {
	struct virtio_pci vp;             /* its transport: the board reads and writes its BAR */
	struct vblk_backend be;
	unsigned gen;                     /* driver resets so far */
	unsigned long long requests, errors;
	struct vblk_req req;              /* vblk_process's */
};

/*
 * Power-on state, registered on pci as wiring says (slot, BAR, interrupt
 * line, guest RAM, IRQ output, BAR-change and log callbacks; the device's
 * own fields of wiring are ignored); be is copied. false if the PCI
 * registry refuses it or be has no buffer.
 */
bool vblk_init(struct vblk *b, struct pci *pci, const struct virtio_pci_config *wiring,
	       const struct vblk_backend *be);

/* The next request into *r: 1 (the device owes it a vblk_finish), 0 none,
 * -1 a malformed chain (the device needs a reset now). */
int vblk_take(struct vblk *b, struct vblk_req *r);

/* Carries out r: sets r->status and r->written. */
void vblk_do(struct vblk *b, struct vblk_req *r);

/* Completes r: its status byte, the used ring, the interrupt. */
void vblk_finish(struct vblk *b, struct vblk_req *r);

/* take, do, finish until the queue is empty (or broken): the requests done. */
unsigned vblk_process(struct vblk *b);

#endif
