/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * virtio console (virtio 1.1, device ID 3) behind the virtio-mmio transport,
 * version 2 ("modern", virtio 1.1 section 4.2.2): one port (port 0) with its
 * two split virtqueues, 0 = receiveq and 1 = transmitq, as Linux's
 * virtio_mmio.c and virtio_console.c drive them.
 *
 * The device offers only VIRTIO_F_VERSION_1: no multiport, no console size,
 * no emergency write, no event index, no indirect descriptors. FEATURES_OK
 * is accepted only when the driver took VIRTIO_F_VERSION_1 and nothing that
 * was not offered; otherwise it reads back clear.
 *
 * Queues run only while the driver has set FEATURES_OK and DRIVER_OK and the
 * device does not need a reset (nor did the driver set FAILED), as the spec
 * requires (no buffers used before DRIVER_OK). Transmission is synchronous:
 * a QueueNotify of the transmitq consumes every available buffer before the
 * MMIO write returns, which is what Linux's __send_to_port polls for. Input
 * is pushed by the VMM with vcon_receive().
 *
 * Everything the guest supplies is validated: queue size (a power of two up
 * to VCON_QUEUE_NUM_MAX), ring alignment, the avail index, descriptor
 * indices, chain length (at most the queue size, so a cycle is caught),
 * flags (INDIRECT was not offered; a device-readable descriptor after a
 * device-writable one is illegal) and every guest-physical range (through
 * the RAM callbacks). A violation sets DEVICE_NEEDS_RESET, raises the
 * configuration-change interrupt when DRIVER_OK is set, and stops both
 * queues until the driver resets the device. A queue whose size or ring
 * addresses are invalid when the driver sets QueueReady stays not ready and
 * needs a reset in the same way. A transmit buffer's first and last bytes
 * are checked before any of its chain is sent; one spanning a hole in RAM
 * fails partway, after the bytes before the hole went to the host. Buffers
 * on the used ring before an error stay there (and are interrupted for).
 *
 * Driver-side details: status bits only accumulate (the driver may not
 * clear them; writing 0 resets); DriverFeatures is fixed once FEATURES_OK
 * was accepted, and a nonzero write to a feature word beyond bit 63 makes
 * FEATURES_OK fail until reset; setting QueueReady restarts the queue at
 * ring index 0 (the driver has just initialised its rings), and a queue's
 * size and addresses cannot change while it is ready. A receive buffer
 * with no device-writable space is returned with length 0.
 *
 * Register accesses: control registers (below 0x100) take only aligned
 * 32-bit accesses (spec 4.2.2.2); any other size or alignment reads as open
 * bus and ignores writes. Aligned 32-bit reads of write-only or reserved
 * registers return 0. The configuration space takes 8-, 16- and 32-bit
 * naturally aligned reads within struct virtio_console_config; writes to it
 * are ignored (emerg_wr needs VIRTIO_CONSOLE_F_EMERG_WRITE, not offered).
 * Offsets at or beyond VCON_MMIO_SIZE read as open bus.
 */
#ifndef VMM_DEV_VIRTIO_CONSOLE_H
#define VMM_DEV_VIRTIO_CONSOLE_H

#include "dev.h"

/* virtio-mmio register offsets (virtio 1.1, table 4.1). */
enum {
	VIRTIO_MMIO_MAGIC_VALUE = 0x000,        /* R: 0x74726976, "virt" */
	VIRTIO_MMIO_VERSION = 0x004,            /* R: 2 for the modern interface */
	VIRTIO_MMIO_DEVICE_ID = 0x008,          /* R: virtio device type */
	VIRTIO_MMIO_VENDOR_ID = 0x00c,          /* R: subsystem vendor */
	VIRTIO_MMIO_DEVICE_FEATURES = 0x010,    /* R: 32 feature bits chosen by ..._SEL */
	VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014, /* W: which 32 device feature bits */
	VIRTIO_MMIO_DRIVER_FEATURES = 0x020,    /* W: 32 accepted feature bits */
	VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024, /* W: which 32 driver feature bits */
	VIRTIO_MMIO_QUEUE_SEL = 0x030,          /* W: queue the Queue* registers address */
	VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,      /* R: largest queue size, 0 if no queue */
	VIRTIO_MMIO_QUEUE_NUM = 0x038,          /* W: queue size the driver uses */
	VIRTIO_MMIO_QUEUE_READY = 0x044,        /* RW: 1 = the queue may be used */
	VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,       /* W: index of a queue with new buffers */
	VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,   /* R: pending interrupt causes */
	VIRTIO_MMIO_INTERRUPT_ACK = 0x064,      /* W: clears the causes written as 1 */
	VIRTIO_MMIO_STATUS = 0x070,             /* RW: device status, write 0 = reset */
	VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,     /* W: descriptor table address bits 31:0 */
	VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,    /* W: ... bits 63:32 */
	VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,   /* W: available ring address bits 31:0 */
	VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,  /* W: ... bits 63:32 */
	VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,   /* W: used ring address bits 31:0 */
	VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,  /* W: ... bits 63:32 */
	VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,  /* R: changes when the config space does */
	VIRTIO_MMIO_CONFIG = 0x100,             /* device-specific configuration space */
};

#define VCON_MMIO_SIZE 0x200              /* bytes of the device's MMIO window */

#define VIRTIO_MMIO_MAGIC 0x74726976u     /* "virt" in little-endian */
#define VIRTIO_MMIO_VERSION_MODERN 2u     /* virtio-mmio version 2 (non-legacy) */
#define VIRTIO_ID_CONSOLE 3u              /* virtio 1.1 section 5: console device */
#define VCON_VENDOR_ID 0x4c345648u        /* "HV4L" in little-endian: this VMM */

/* InterruptStatus / InterruptACK bits (virtio 1.1 section 4.2.2). */
#define VIRTIO_MMIO_INT_VRING  0x1u       /* a queue has new used buffers */
#define VIRTIO_MMIO_INT_CONFIG 0x2u       /* configuration (or status) changed */

/* Device status bits (virtio 1.1 section 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01    /* the guest found the device */
#define VIRTIO_STATUS_DRIVER      0x02    /* the guest has a driver for it */
#define VIRTIO_STATUS_DRIVER_OK   0x04    /* the driver is ready */
#define VIRTIO_STATUS_FEATURES_OK 0x08    /* feature negotiation complete */
#define VIRTIO_STATUS_NEEDS_RESET 0x40    /* DEVICE_NEEDS_RESET: device error */
#define VIRTIO_STATUS_FAILED      0x80    /* the driver gave up on the device */

#define VIRTIO_F_VERSION_1 32             /* feature bit: virtio 1.x, non-legacy */
#define VCON_FEATURES (1ull << VIRTIO_F_VERSION_1)  /* all the device offers */

/* The port-0 queues (virtio 1.1 section 5.3.2). */
enum {
	VCON_RXQ = 0,                     /* receiveq: host to guest */
	VCON_TXQ = 1,                     /* transmitq: guest to host */
	VCON_NR_QUEUES = 2,
};

#define VCON_QUEUE_NUM_MAX 256            /* QueueNumMax of both queues */
#define VCON_TX_CHUNK 512                 /* largest piece handed to the tx callback */

/*
 * struct virtio_console_config (virtio 1.1 section 5.3.4): cols and rows
 * (u16, valid with VIRTIO_CONSOLE_F_SIZE), max_nr_ports (u32, valid with
 * MULTIPORT) and emerg_wr (u32, with EMERG_WRITE), little-endian.
 */
#define VCON_CFG_COLS 0x0                 /* u16: columns */
#define VCON_CFG_ROWS 0x2                 /* u16: rows */
#define VCON_CFG_MAX_NR_PORTS 0x4         /* u32: ports the device supports */
#define VCON_CFG_EMERG_WR 0x8             /* u32: emergency write character */
#define VCON_CFG_SIZE 0xc                 /* bytes of the configuration space */

/* Guest memory: both return nonzero when [gpa, gpa + len) is not RAM. */
struct vcon_guest_ram {
	int (*read)(void *ctx, uint64_t gpa, void *buf, unsigned len);
	int (*write)(void *ctx, uint64_t gpa, const void *buf, unsigned len);
	void *ctx;
};

/* The host side of the console. Either callback may be NULL. */
struct vcon_host {
	/* Transmitted bytes, in pieces of at most VCON_TX_CHUNK bytes. */
	void (*tx)(void *ctx, const uint8_t *buf, size_t n);
	/*
	 * The driver made receive buffers available (notified the receiveq,
	 * or set DRIVER_OK with the receiveq ready): held input may now fit.
	 * Called after the register write is complete, so it may call
	 * vcon_receive().
	 */
	void (*rx_ready)(void *ctx);
	void *ctx;
};

/* A descriptor as read from the guest's table (virtio 1.1 section 2.6.5). */
struct vcon_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vcon_queue {
	uint32_t num;          /* QueueNum as written (validated at QueueReady) */
	bool ready;
	uint64_t desc, avail, used;   /* ring addresses (guest-physical) */
	uint16_t last_avail;   /* free-running index of the next avail entry to take */
	uint16_t used_idx;     /* free-running used->idx the device publishes */
};

struct vcon {
	struct vcon_guest_ram ram;
	struct vdev_irq irq;
	unsigned irq_line;
	struct vcon_host host;

	uint32_t device_features_sel, driver_features_sel, queue_sel;
	uint64_t driver_features;     /* words 0 and 1 as the driver wrote them */
	bool driver_features_extra;   /* a nonzero word beyond 1 was written */
	uint8_t status;
	uint32_t interrupt_status;
	bool irq_level;               /* level driven on irq_line */
	bool busy;                    /* a queue is being processed: no re-entry */
	struct vcon_queue q[VCON_NR_QUEUES];
	struct vcon_desc chain[VCON_QUEUE_NUM_MAX];   /* the chain being processed */
	uint8_t txbuf[VCON_TX_CHUNK];
};

/*
 * Power-on state. ram, irq and host are copied; any may be NULL (without
 * RAM every queue access fails and needs a reset). The IRQ output starts
 * deasserted and is only driven on changes.
 */
void vcon_init(struct vcon *dev, const struct vcon_guest_ram *ram, const struct vdev_irq *irq,
	       unsigned irq_line, const struct vcon_host *host);

/* MMIO access at offset 0..VCON_MMIO_SIZE-1 of the window, size 1, 2, 4 or 8. */
uint64_t vcon_read(struct vcon *dev, unsigned offset, unsigned size, vdev_time_t now);
void vcon_write(struct vcon *dev, unsigned offset, unsigned size, uint64_t value,
		vdev_time_t now);

/*
 * Host input: copies up to n bytes of buf into the receiveq's available
 * buffers (filling each in turn), puts every buffer it wrote on the used
 * ring and raises the used-buffer interrupt. Returns the bytes taken; the
 * caller keeps the rest for later (see vcon_host.rx_ready). Returns 0 while
 * the device is not running or the receiveq is not ready, and when called
 * from a callback of this device.
 */
size_t vcon_receive(struct vcon *dev, const uint8_t *buf, size_t n);

#endif
