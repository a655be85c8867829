/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio console (virtio 1.1 section 5.3, device type 3) on the virtio-pci
 * transport (virtio_pci.h): one port (port 0) with its two queues, 0 =
 * receiveq and 1 = transmitq, as Linux's virtio_console drives them. The
 * transport does the registers, the features and the status; this file
 * moves the bytes, through the shared virtqueue (virtqueue.h).
 *
 * The device offers no console features of its own (no multiport, no
 * console size, no emergency write): only the transport's VERSION_1 and
 * the ring features. Its configuration space (struct virtio_console_config)
 * reads max_nr_ports 1 and 0 elsewhere; writes to it are ignored.
 *
 * Transmission is synchronous: a notification of the transmitq consumes
 * every available buffer (at most the queue's size of them) before the
 * register write returns, which is what Linux's __send_to_port polls for;
 * the device-readable bytes go to the host's tx callback in pieces of at
 * most VCON_TX_CHUNK bytes, device-writable descriptors (legal at a
 * chain's end) are ignored, and the used length is 0. Input is pushed by
 * the VMM with vcon_receive(), into the device-writable parts of the
 * receive buffers; a receive buffer with none is returned with length 0.
 *
 * A malformed chain (virtqueue.h lists what is checked) is consumed by
 * neither queue: nothing of it is sent or written, and the transport sets
 * DEVICE_NEEDS_RESET (virtio_pci_error). Buffers used before it stay used.
 */
#ifndef VMM_DEV_VIRTIO_CONSOLE_H
#define VMM_DEV_VIRTIO_CONSOLE_H

#include "virtio_pci.h"

#define VIRTIO_ID_CONSOLE 3u              /* virtio 1.1 section 5: console device */
#define VCON_PCI_CLASS 0x078000u          /* communication controller, other */

/* The port-0 queues (5.3.2). */
enum {
	VCON_RXQ = 0,                     /* receiveq: host to guest */
	VCON_TXQ = 1,                     /* transmitq: guest to host */
	VCON_NR_QUEUES = 2,
};

#define VCON_QUEUE_NUM_MAX 256            /* the largest queue size of both */
#define VCON_TX_CHUNK 512                 /* largest piece handed to the tx callback */

/*
 * struct virtio_console_config (5.3.4): cols and rows (u16, valid with
 * VIRTIO_CONSOLE_F_SIZE), max_nr_ports (u32, with MULTIPORT) and emerg_wr
 * (u32, with EMERG_WRITE), little-endian.
 */
#define VCON_CFG_COLS 0x0                 /* u16: columns */
#define VCON_CFG_ROWS 0x2                 /* u16: rows */
#define VCON_CFG_MAX_NR_PORTS 0x4         /* u32: ports the device supports */
#define VCON_CFG_EMERG_WR 0x8             /* u32: emergency write character */
#define VCON_CFG_SIZE 0xc                 /* bytes of the configuration space */

/* The host side of the console. Either callback may be NULL. */
struct vcon_host {
	/* Transmitted bytes, in pieces of at most VCON_TX_CHUNK bytes. */
	void (*tx)(void *ctx, const uint8_t *buf, size_t n);
	/*
	 * The driver made receive buffers available (notified the receiveq,
	 * or set DRIVER_OK with the receiveq enabled): held input may now fit.
	 * Called outside the device's own work, so it may call vcon_receive().
	 */
	void (*rx_ready)(void *ctx);
	void *ctx;
};

struct vcon {
	struct virtio_pci vp;             /* its transport: the board reads and writes its BAR */
	struct vcon_host host;
	struct virtq_chain chain;         /* the chain being worked on */
	uint8_t txbuf[VCON_TX_CHUNK];
};

/*
 * Power-on state, registered on pci as wiring says (slot, BAR, interrupt
 * line, guest RAM, IRQ output, BAR-change and log callbacks; the device's
 * own fields of wiring are ignored). host is copied and may be NULL. false
 * if the PCI registry refuses it.
 */
bool vcon_init(struct vcon *dev, struct pci *pci, const struct virtio_pci_config *wiring,
	       const struct vcon_host *host);

/*
 * Host input: copies up to n bytes of buf into the receiveq's available
 * buffers (filling each in turn), puts every buffer it wrote on the used
 * ring and interrupts as the driver asks. Returns the bytes taken; the
 * caller keeps the rest for later (see vcon_host.rx_ready). Returns 0 while
 * the device does not run or the receiveq is not enabled, and when called
 * from a callback of this device.
 */
size_t vcon_receive(struct vcon *dev, const uint8_t *buf, size_t n);

#endif
