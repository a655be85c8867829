/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PCI bus 0 behind a host bridge with configuration mechanism #1 (PCI Local
 * Bus Specification 3.0, section 3.2.2.3.2): CONFIG_ADDRESS at port 0xCF8
 * (dword accesses only, as on Intel chipsets; smaller ones are not the
 * bridge's) and CONFIG_DATA at 0xCFC-0xCFF (byte, word or dword within the
 * dword). pci_init registers the host bridge at 00:00.0 with Intel 440FX
 * IDs; device models add their functions with pci_add_function.
 *
 * Every function has 256 bytes of configuration space and a write mask per
 * byte: a guest write changes only the bits its mask allows, so read-only
 * fields stay read-only and BAR sizing (write all ones, read back the size
 * mask) falls out of the BARs' masks.
 */
#ifndef VMM_DEV_PCI_H
#define VMM_DEV_PCI_H

#include "dev.h"

#define PCI_CONFIG_ADDRESS_PORT 0xCF8u   /* CONFIG_ADDRESS */
#define PCI_CONFIG_DATA_PORT    0xCFCu   /* CONFIG_DATA, 4 ports */
#define PCI_IO_SIZE             8u       /* ports 0xCF8-0xCFF; offsets below are from 0xCF8 */

/* CONFIG_ADDRESS fields. */
#define PCI_ADDR_ENABLE     (1u << 31)    /* configuration cycles on CONFIG_DATA */
#define PCI_ADDR_MASK       0x80FFFFFCu   /* bits 30:24 and 1:0 are reserved, read 0 */
#define PCI_ADDR_BUS_SHIFT  16            /* bits 23:16: bus */
#define PCI_ADDR_DEV_SHIFT  11            /* bits 15:11: device */
#define PCI_ADDR_FN_SHIFT   8             /* bits 10:8: function */
#define PCI_ADDR_REG_MASK   0xFCu         /* bits 7:2: dword of the configuration space */

#define PCI_CONFIG_SIZE   256u   /* conventional configuration space */
#define PCI_MAX_FUNCTIONS 32u    /* functions the registry holds */
#define PCI_DEVICES       32u    /* devices per bus */
#define PCI_FUNCTIONS     8u     /* functions per device */
#define PCI_BARS          6u     /* BARs of a type 0 header */

/* Type 0 configuration header offsets. */
#define PCI_VENDOR_ID       0x00u   /* 16 bits */
#define PCI_DEVICE_ID       0x02u   /* 16 bits */
#define PCI_COMMAND         0x04u   /* 16 bits */
#define PCI_STATUS          0x06u   /* 16 bits */
#define PCI_REVISION_ID     0x08u   /* 8 bits; class code follows in 0x09-0x0B */
#define PCI_CLASS_PROG      0x09u   /* programming interface */
#define PCI_CLASS_DEVICE    0x0Au   /* subclass (0x0A), base class (0x0B) */
#define PCI_CACHE_LINE_SIZE 0x0Cu
#define PCI_LATENCY_TIMER   0x0Du
#define PCI_HEADER_TYPE     0x0Eu
#define PCI_BASE_ADDRESS_0  0x10u   /* BARs 0-5, a dword each */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2Cu
#define PCI_SUBSYSTEM_ID    0x2Eu
#define PCI_ROM_ADDRESS     0x30u   /* not implemented: reads 0, so no ROM */
#define PCI_CAPABILITY_LIST 0x34u   /* offset of the first capability */
#define PCI_INTERRUPT_LINE  0x3Cu
#define PCI_INTERRUPT_PIN   0x3Du
#define PCI_CAP_START       0x40u   /* capabilities go after the header */

#define PCI_HEADER_MULTI_FUNCTION 0x80u   /* header type bit 7: device has functions 1-7 */

/* Command register bits. */
#define PCI_COMMAND_IO       0x0001u   /* I/O space decoding */
#define PCI_COMMAND_MEMORY   0x0002u   /* memory space decoding */
#define PCI_COMMAND_MASTER   0x0004u   /* bus mastering (DMA) */
#define PCI_COMMAND_PARITY   0x0040u   /* parity error response */
#define PCI_COMMAND_SERR     0x0100u   /* SERR# enable */
#define PCI_COMMAND_INTX_DISABLE 0x0400u   /* INTx# disabled */
#define PCI_COMMAND_WMASK (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
			   PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE)

/* Status register bits. */
#define PCI_STATUS_CAP_LIST 0x0010u   /* capability list at PCI_CAPABILITY_LIST */

/* BAR low bits. */
#define PCI_BAR_SPACE_IO     0x1u   /* bit 0: I/O space */
#define PCI_BAR_MEM_TYPE_64  0x4u   /* bits 2:1 = 10b: 64-bit memory BAR */
#define PCI_BAR_MEM_PREFETCH 0x8u   /* bit 3: prefetchable */
#define PCI_BAR_MEM_FLAGS    0xFu   /* memory BAR: bits 3:0 are flags */
#define PCI_BAR_IO_FLAGS     0x3u   /* I/O BAR: bits 1:0 are flags */

/* BAR size limits (PCI 3.0 section 6.2.5.1). */
#define PCI_BAR_MEM_MIN  16ull            /* memory BARs: at least 16 bytes */
#define PCI_BAR_IO_MIN   4ull             /* I/O BARs: 4 to 256 bytes */
#define PCI_BAR_IO_MAX   256ull
#define PCI_BAR_MEM32_MAX (1ull << 31)    /* a 32-bit BAR must leave room to place it */
#define PCI_BAR_MEM64_MAX (1ull << 63)

/* The 440FX host bridge at 00:00.0. */
#define PCI_VENDOR_INTEL       0x8086u
#define PCI_DEVICE_I440FX      0x1237u   /* 82441FX PMC */
#define PCI_REVISION_I440FX    0x02u
#define PCI_CLASS_HOST_BRIDGE  0x060000u  /* bridge, host bridge, prog-if 0 */

enum pci_bar_type {
	PCI_BAR_NONE,    /* not implemented: reads 0, read only */
	PCI_BAR_IO,      /* I/O space */
	PCI_BAR_MEM32,   /* 32-bit memory space */
	PCI_BAR_MEM64,   /* 64-bit memory space: takes this BAR and the next */
};

struct pci_bar_desc {
	enum pci_bar_type type;
	bool prefetchable;   /* memory BARs */
	uint64_t size;       /* power of two within the type's limits */
};

struct pci_function;

/*
 * Called after a guest write changed the command register (reg =
 * PCI_COMMAND) or a BAR (reg = PCI_BASE_ADDRESS_0 + 4 * bar; a write to the
 * upper half of a 64-bit BAR reports the BAR's first dword). Each half of a
 * 64-bit BAR is written separately, so the address may be half-updated:
 * act on BARs only while decoding is enabled in the command register.
 */
typedef void (*pci_changed_fn)(void *ctx, struct pci_function *f, unsigned reg);

struct pci_function_desc {
	unsigned device, function;   /* on bus 0: 0-31, 0-7 */
	uint16_t vendor_id, device_id;
	uint32_t class_code;         /* base class << 16 | subclass << 8 | prog-if */
	uint8_t revision;
	uint16_t subsystem_vendor_id, subsystem_id;
	uint8_t interrupt_pin;       /* 0 none, 1-4 INTA#-INTD# */
	struct pci_bar_desc bar[PCI_BARS];
	pci_changed_fn changed;      /* may be NULL */
	void *ctx;
};

struct pci_function {
	bool used;
	uint8_t devfn;                 /* device << 3 | function */
	uint16_t cap_free;             /* where the next capability goes */
	uint8_t cap_last;              /* offset of the last capability, 0 if none */
	enum pci_bar_type bar_type[PCI_BARS];
	uint64_t bar_size[PCI_BARS];
	pci_changed_fn changed;
	void *ctx;
	uint8_t config[PCI_CONFIG_SIZE];
	uint8_t wmask[PCI_CONFIG_SIZE];   /* bit set: the guest may write it */
};

struct pci {
	uint32_t address;                          /* CONFIG_ADDRESS */
	struct pci_function fn[PCI_MAX_FUNCTIONS];
};

/* An empty bus 0 with the host bridge at 00:00.0. */
void pci_init(struct pci *pci);

/*
 * Registers a function on bus 0. NULL (and nothing registered) if the slot
 * is taken or out of range, the registry is full, the interrupt pin is
 * above 4, or a BAR is malformed: a size that is not a power of two within
 * its type's limits, a 64-bit BAR in the last slot or whose second slot is
 * not PCI_BAR_NONE. Adding function 1-7 sets the multi-function bit of
 * function 0.
 */
struct pci_function *pci_add_function(struct pci *pci, const struct pci_function_desc *desc);

/* The function at bus:device.function, or NULL. */
struct pci_function *pci_find(struct pci *pci, unsigned bus, unsigned device, unsigned function);

/*
 * Appends a capability: id, next pointer, then the body_len bytes of body
 * (from the byte after the next pointer, e.g. a vendor capability's length
 * byte). Read only unless the device opens bits with pci_config_set_wmask.
 * Returns its offset in configuration space (dword aligned, >= 0x40), or -1
 * if it does not fit.
 */
int pci_add_capability(struct pci_function *f, uint8_t id, const void *body, unsigned body_len);

/*
 * Configuration space accesses of 1, 2 or 4 bytes that stay within the 256
 * bytes (others read all ones and write nothing). pci_config_write is the
 * guest's write: masked, and reports command and BAR changes.
 * pci_config_set and pci_config_set_wmask are the device model's own: they
 * set values and write masks directly.
 */
uint32_t pci_config_read(const struct pci_function *f, unsigned offset, unsigned size);
void pci_config_write(struct pci_function *f, unsigned offset, unsigned size, uint32_t val);
void pci_config_set(struct pci_function *f, unsigned offset, unsigned size, uint32_t val);
void pci_config_set_wmask(struct pci_function *f, unsigned offset, unsigned size, uint32_t mask);

/*
 * Where BAR bar points (flag bits removed, both halves of a 64-bit BAR), its
 * size, and whether the command register enables decoding of its space.
 * 0 / 0 / false for a BAR that is not implemented or the upper half of one.
 */
uint64_t pci_bar_base(const struct pci_function *f, unsigned bar);
uint64_t pci_bar_size(const struct pci_function *f, unsigned bar);
bool pci_bar_enabled(const struct pci_function *f, unsigned bar);

/* Ports 0xCF8-0xCFF; offset from 0xCF8. Unclaimed accesses read all ones. */
uint64_t pci_io_read(struct pci *pci, unsigned offset, unsigned size, vdev_time_t now);
void pci_io_write(struct pci *pci, unsigned offset, unsigned size, uint64_t val, vdev_time_t now);

#endif
