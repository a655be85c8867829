/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtio-pci transport (virtio 1.1 section 4.1), modern layout only,
 * shared by every virtio device of the VMM: a device model (the console,
 * virtio_console.h) embeds a struct virtio_pci and gives it its ops; the
 * transport owns everything the driver sees of virtio in general.
 *
 * PCI: function 00:slot.0, vendor 1af4, device 0x1040 + the virtio device
 * type, revision 1 (modern only: Linux's virtio_pci binds such a device
 * without its legacy path, which Debian's kernel does not need), INTx pin A
 * on the interrupt line given at init (no MSI-X: the driver uses INTx), one
 * 16 KiB 32-bit memory BAR (BAR 0), placed and enabled as firmware would,
 * with the four structures the vendor capabilities point to:
 *   +0x0000 common configuration   +0x1000 ISR status (a read clears it)
 *   +0x2000 device configuration   +0x3000 notifications (queue q at +4q)
 *
 * Common configuration (4.1.4.3): the feature words (the device's features
 * plus VIRTIO_F_VERSION_1 and the ring features the shared virtqueue has,
 * VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX), device status, queue
 * select, size, enable, notify offset and the three ring addresses. Each
 * field takes accesses of its own width (the 64-bit addresses also as two
 * 32-bit halves, as Linux writes them); other accesses read 0 and write
 * nothing. MSI-X vectors read VIRTIO_PCI_NO_VECTOR.
 *
 * Driver-side rules the transport enforces: status bits only accumulate
 * (writing 0 resets the device; the driver cannot set NEEDS_RESET);
 * FEATURES_OK holds only for a subset of the offer that includes
 * VERSION_1, and the driver's features are fixed once it holds; a queue's
 * size and addresses are fixed while it is enabled, enabling checks them
 * (virtq_start), and a queue cannot be disabled but by a reset. A queue
 * runs only while the driver has set FEATURES_OK and DRIVER_OK and neither
 * FAILED nor DEVICE_NEEDS_RESET is set (no buffers are used before
 * DRIVER_OK; at DRIVER_OK the device looks at every enabled queue, as if
 * notified).
 *
 * Device errors: a bad queue layout at enable, or a device's
 * virtio_pci_error (a malformed chain) sets DEVICE_NEEDS_RESET, stops every
 * queue until the driver resets the device, raises the configuration-change
 * interrupt (ISR bit 1) once DRIVER_OK is set, and is logged through the
 * log callback. Buffers used before the error stay used.
 *
 * Interrupts: ISR bit 0 for used buffers (when virtq_notify says the driver
 * wants one), bit 1 for configuration changes (virtio_pci_config_changed,
 * which also moves config_generation on) and device errors; the INTx line
 * is asserted while the ISR is nonzero (level triggered), and reading the
 * ISR clears it.
 */
#ifndef VMM_DEV_VIRTIO_PCI_H
#define VMM_DEV_VIRTIO_PCI_H

#include "pci.h"
#include "virtqueue.h"

#define VIRTIO_PCI_VENDOR       0x1af4u   /* virtio devices */
#define VIRTIO_PCI_DEVICE_BASE  0x1040u   /* modern device ID = 0x1040 + virtio device type */
#define VIRTIO_PCI_SUBSYSTEM_ID 0x40u     /* modern devices: 0x40 or above */
#define VIRTIO_PCI_REVISION     1u        /* 1: modern only (4.1.2.1) */
#define VIRTIO_PCI_BAR_SIZE     0x4000u
#define VIRTIO_PCI_COMMON       0x0000u   /* offsets in the BAR of the four structures */
#define VIRTIO_PCI_ISR          0x1000u
#define VIRTIO_PCI_DEVICE_CFG   0x2000u
#define VIRTIO_PCI_NOTIFY       0x3000u
#define VIRTIO_PCI_NOTIFY_MULT  4u        /* queue q notifies at VIRTIO_PCI_NOTIFY + 4q */
#define VIRTIO_PCI_NO_VECTOR    0xffffu   /* MSI-X vector: none */
#define VIRTIO_PCI_MAX_QUEUES   4u        /* queues a device may have here */
#define VIRTIO_PCI_CONFIG_MAX   0x100u    /* bytes of device configuration at most */

/* Common configuration offsets (4.1.4.3). */
enum {
	VIRTIO_PCI_DFSELECT = 0x00, VIRTIO_PCI_DF = 0x04, VIRTIO_PCI_GFSELECT = 0x08, VIRTIO_PCI_GF = 0x0c,
	VIRTIO_PCI_MSIX = 0x10, VIRTIO_PCI_NUMQ = 0x12, VIRTIO_PCI_STATUS = 0x14, VIRTIO_PCI_CFGGEN = 0x15,
	VIRTIO_PCI_QSELECT = 0x16, VIRTIO_PCI_QSIZE = 0x18, VIRTIO_PCI_QMSIX = 0x1a, VIRTIO_PCI_QENABLE = 0x1c,
	VIRTIO_PCI_QNOFF = 0x1e, VIRTIO_PCI_QDESC = 0x20, VIRTIO_PCI_QDRIVER = 0x28, VIRTIO_PCI_QDEVICE = 0x30,
	VIRTIO_PCI_COMMON_END = 0x38,
};

/* ISR status bits (4.1.4.5). */
#define VIRTIO_PCI_ISR_QUEUE  0x1u        /* a queue has new used buffers */
#define VIRTIO_PCI_ISR_CONFIG 0x2u        /* configuration changed (or the device needs a reset) */

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01    /* the guest found the device */
#define VIRTIO_STATUS_DRIVER      0x02    /* the guest has a driver for it */
#define VIRTIO_STATUS_DRIVER_OK   0x04    /* the driver is ready */
#define VIRTIO_STATUS_FEATURES_OK 0x08    /* feature negotiation complete */
#define VIRTIO_STATUS_NEEDS_RESET 0x40    /* DEVICE_NEEDS_RESET: a device error */
#define VIRTIO_STATUS_FAILED      0x80    /* the driver gave up on the device */

#define VIRTIO_F_VERSION_1 32             /* feature bit: virtio 1.x, no legacy interface */
/* What the transport adds to every device's offer. */
#define VIRTIO_PCI_FEATURES ((1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_INDIRECT_DESC) | \
			     (1ull << VIRTIO_F_EVENT_IDX))

/* What a device gives the transport. Any callback may be NULL. */
struct virtio_device_ops {
	/* The device configuration: off and size (1, 2 or 4) lie within
	 * config_size, naturally aligned (the transport checks). */
	uint32_t (*config_read)(void *dev, unsigned off, unsigned size);
	void (*config_write)(void *dev, unsigned off, unsigned size, uint32_t value);
	/* Queue q may have new buffers: a notification, or DRIVER_OK with q
	 * enabled. virtio_pci_queue(q) is non-NULL here. */
	void (*notify)(void *dev, unsigned q);
	/* The driver reset the device (status 0): back to the power-on state.
	 * The transport has reset itself and every queue already. */
	void (*reset)(void *dev);
};

/* A configuration read of size bytes at off from the device's little-endian
 * image of its configuration (a config_read's usual answer). */
static inline uint32_t virtio_config_bytes(const uint8_t *cfg, unsigned off, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

struct virtio_pci_config {
	const char *name;                 /* for the log: "console" */
	unsigned slot;                    /* PCI device number on bus 0 */
	uint64_t bar_base;                /* where firmware places BAR 0 */
	unsigned irq_line;                /* INTx's interrupt line (the board's ISA line) */
	uint16_t device_type;             /* virtio device type (section 5) */
	uint32_t class_code;              /* PCI class: base << 16 | sub << 8 | prog-if */
	uint64_t features;                /* the device's own feature bits */
	unsigned queues;                  /* 1..VIRTIO_PCI_MAX_QUEUES */
	uint32_t queue_max;               /* largest queue size, at most VIRTQ_MAX_SIZE */
	unsigned config_size;             /* bytes of device configuration, at most VIRTIO_PCI_CONFIG_MAX */
	const struct virtio_device_ops *ops;
	void *dev;
	const struct vdev_ram *ram;       /* copied; may be NULL: every ring access fails */
	const struct vdev_irq *irq;       /* copied; may be NULL */
	/* The guest moved or switched off the BAR (pci.h); may be NULL. */
	pci_changed_fn bar_changed;
	void *bar_ctx;
	/* A device error, as a line of text; may be NULL. */
	void (*log)(void *ctx, const char *device, const char *what);
	void *log_ctx;
};

struct virtio_pci {
	struct virtio_pci_config cfg;
	struct vdev_ram ram;
	struct vdev_irq irq;
	struct pci_function *fn;
	uint64_t device_features;         /* cfg.features | VIRTIO_PCI_FEATURES */
	uint64_t driver_features;         /* words 0 and 1 as the driver wrote them */
	bool driver_features_extra;       /* a nonzero word beyond 1 was written */
	uint32_t dfselect, gfselect;
	uint16_t qselect;
	uint8_t status, isr;
	uint8_t config_gen;               /* config_generation: moves on at each change */
	bool irq_level;                   /* level driven on the INTx line */
	bool busy;                        /* inside a device callback: no re-entry */
	struct virtq q[VIRTIO_PCI_MAX_QUEUES];
};

/* Registers the function at 00:slot.0 with BAR 0 at bar_base, in the
 * power-on state; false if the PCI registry refuses it or cfg is invalid. */
bool virtio_pci_init(struct virtio_pci *vp, struct pci *pci, const struct virtio_pci_config *cfg);

/* Where BAR 0 decodes now (0 if memory decoding is off), for the board's bus. */
uint64_t virtio_pci_bar(const struct virtio_pci *vp);

/* Accesses at offset off of BAR 0 (size 1, 2, 4 or 8); what no structure
 * claims reads 0 and ignores writes. */
uint64_t virtio_pci_read(struct virtio_pci *vp, uint64_t off, unsigned size, vdev_time_t now);
void virtio_pci_write(struct virtio_pci *vp, uint64_t off, unsigned size, uint64_t value, vdev_time_t now);

/* ---- for the device */

/* Queue q if it may be used now (see above), else NULL. */
struct virtq *virtio_pci_queue(struct virtio_pci *vp, unsigned q);

/* After pushing used buffers on queue q: the interrupt, if the driver
 * wants one (a ring it cannot read is a device error). */
void virtio_pci_used(struct virtio_pci *vp, unsigned q);

/* The device found the driver's rings malformed (why: a constant string):
 * DEVICE_NEEDS_RESET, see above. */
void virtio_pci_error(struct virtio_pci *vp, const char *why);

/* The device changed its configuration (virtio-net's link status): a new
 * config_generation and the configuration-change interrupt (ISR bit 1)
 * once DRIVER_OK is set. */
void virtio_pci_config_changed(struct virtio_pci *vp);

/* Brackets a device's own entry from the host (its input, say): false if
 * the device is inside one of its callbacks already (then do nothing). */
bool virtio_pci_enter(struct virtio_pci *vp);
void virtio_pci_leave(struct virtio_pci *vp);

#endif
