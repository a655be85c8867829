/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtio console (virtio_console.h) as a modern virtio-pci device
 * (virtio 1.1 section 4.1), which Debian's kernel finds by PCI enumeration
 * without ACPI or a device tree: function 00:NN.0, 1af4:1043, revision 1,
 * INTx pin A on the interrupt line given at init, and one 16 KiB memory
 * BAR (BAR 0) with the four structures the vendor capabilities point to:
 *   +0x0000 common configuration   +0x1000 ISR status (read clears)
 *   +0x2000 device configuration   +0x3000 notifications (queue q at +4q)
 * No MSI-X: the driver uses INTx. Common-configuration accesses are
 * translated into the virtio-mmio register accesses of the device core.
 */
#ifndef VMM_DEV_VIRTIO_PCI_H
#define VMM_DEV_VIRTIO_PCI_H

#include "pci.h"
#include "virtio_console.h"

#define VPCI_VENDOR       0x1af4u    /* virtio devices */
#define VPCI_DEVICE_CONSOLE 0x1043u  /* 0x1040 + device type 3 */
#define VPCI_CLASS_OTHER_COMM 0x078000u   /* communication controller, other */
#define VPCI_BAR_SIZE     0x4000u
#define VPCI_COMMON       0x0000u
#define VPCI_ISR          0x1000u
#define VPCI_DEVICE_CFG   0x2000u
#define VPCI_NOTIFY       0x3000u
#define VPCI_NOTIFY_MULT  4u         /* queue q notifies at VPCI_NOTIFY + 4q */
#define VPCI_QUEUES       2u
#define VPCI_NO_VECTOR    0xffffu    /* MSI-X vector: none */

struct vpci_console {
	struct vcon con;
	struct pci_function *fn;
	uint32_t dfsel, drfsel;              /* feature selects */
	uint32_t drf[2];                     /* driver features written, per select */
	uint16_t qsel;
	uint16_t qsize[VPCI_QUEUES];
	uint64_t qaddr[VPCI_QUEUES][3];      /* desc, driver, device */
};

/* Registers the device at 00:slot.0 with BAR 0 at bar_base (as firmware
 * would); false if the PCI registry refuses it. */
bool vpci_console_init(struct vpci_console *v, struct pci *pci, unsigned slot, uint64_t bar_base,
		       unsigned irq_line, const struct vcon_guest_ram *ram, const struct vdev_irq *irq,
		       const struct vcon_host *host);

/* Accesses to guest-physical gpa: false if not inside the enabled BAR. */
bool vpci_console_read(struct vpci_console *v, uint64_t gpa, unsigned size, uint64_t *value,
		       vdev_time_t now);
bool vpci_console_write(struct vpci_console *v, uint64_t gpa, unsigned size, uint64_t value,
			vdev_time_t now);

#endif
