/* SPDX-License-Identifier: BSD-2-Clause */
/* PCI bus 0, configuration mechanism #1, and the host bridge: see pci.h. */
#include "pci.h"

#define CAP_HEADER 2u   /* capability ID and next pointer */

/* ------------------------------------------------------------ raw configuration space */

static bool access_ok(unsigned offset, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && offset < PCI_CONFIG_SIZE &&
	       size <= PCI_CONFIG_SIZE - offset;
}

static uint32_t load(const uint8_t *bytes, unsigned offset, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)bytes[offset + i] << (8 * i);
	return v;
}

static void store(uint8_t *bytes, unsigned offset, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		bytes[offset + i] = (uint8_t)(v >> (8 * i));
}

uint32_t pci_config_read(const struct pci_function *f, unsigned offset, unsigned size)
{
	if (!access_ok(offset, size))
		return (uint32_t)vdev_open_bus(size > 4 ? 4 : size);
	return load(f->config, offset, size);
}

void pci_config_set(struct pci_function *f, unsigned offset, unsigned size, uint32_t val)
{
	if (access_ok(offset, size))
		store(f->config, offset, size, val);
}

void pci_config_set_wmask(struct pci_function *f, unsigned offset, unsigned size, uint32_t mask)
{
	if (access_ok(offset, size))
		store(f->wmask, offset, size, mask);
}

/* ------------------------------------------------------------ BARs */

static unsigned bar_reg(unsigned bar)
{
	return PCI_BASE_ADDRESS_0 + 4 * bar;
}

static bool power_of_two(uint64_t v)
{
	return v && !(v & (v - 1));
}

static bool bar_valid(const struct pci_bar_desc *bar, unsigned i, const struct pci_bar_desc *next)
{
	switch (bar->type) {
	case PCI_BAR_NONE:
		return true;
	case PCI_BAR_IO:
		return power_of_two(bar->size) && bar->size >= PCI_BAR_IO_MIN &&
		       bar->size <= PCI_BAR_IO_MAX;
	case PCI_BAR_MEM32:
		return power_of_two(bar->size) && bar->size >= PCI_BAR_MEM_MIN &&
		       bar->size <= PCI_BAR_MEM32_MAX;
	case PCI_BAR_MEM64:
		return i + 1 < PCI_BARS && next->type == PCI_BAR_NONE && power_of_two(bar->size) &&
		       bar->size >= PCI_BAR_MEM_MIN && bar->size <= PCI_BAR_MEM64_MAX;
	default:
		return false;
	}
}

/* Type bits are read only; the address bits below the size are hardwired to 0. */
static void bar_setup(struct pci_function *f, unsigned i, const struct pci_bar_desc *bar)
{
	uint64_t addr_mask = ~(bar->size - 1);
	uint32_t flags;

	f->bar_type[i] = bar->type;
	f->bar_size[i] = bar->size;
	switch (bar->type) {
	case PCI_BAR_IO:
		store(f->config, bar_reg(i), 4, PCI_BAR_SPACE_IO);
		store(f->wmask, bar_reg(i), 4, (uint32_t)addr_mask & ~PCI_BAR_IO_FLAGS);
		break;
	case PCI_BAR_MEM32:
	case PCI_BAR_MEM64:
		flags = (bar->type == PCI_BAR_MEM64 ? PCI_BAR_MEM_TYPE_64 : 0) |
			(bar->prefetchable ? PCI_BAR_MEM_PREFETCH : 0);
		store(f->config, bar_reg(i), 4, flags);
		store(f->wmask, bar_reg(i), 4, (uint32_t)addr_mask & ~PCI_BAR_MEM_FLAGS);
		if (bar->type == PCI_BAR_MEM64)
			store(f->wmask, bar_reg(i + 1), 4, (uint32_t)(addr_mask >> 32));
		break;
	default:
		f->bar_size[i] = 0;
		break;
	}
}

uint64_t pci_bar_base(const struct pci_function *f, unsigned bar)
{
	uint32_t lo;

	if (bar >= PCI_BARS)
		return 0;
	lo = load(f->config, bar_reg(bar), 4);
	switch (f->bar_type[bar]) {
	case PCI_BAR_IO:
		return lo & ~PCI_BAR_IO_FLAGS;
	case PCI_BAR_MEM32:
		return lo & ~PCI_BAR_MEM_FLAGS;
	case PCI_BAR_MEM64:
		return (lo & ~PCI_BAR_MEM_FLAGS) | (uint64_t)load(f->config, bar_reg(bar + 1), 4) << 32;
	default:
		return 0;
	}
}

uint64_t pci_bar_size(const struct pci_function *f, unsigned bar)
{
	return bar < PCI_BARS ? f->bar_size[bar] : 0;
}

bool pci_bar_enabled(const struct pci_function *f, unsigned bar)
{
	uint32_t cmd = load(f->config, PCI_COMMAND, 2);

	if (bar >= PCI_BARS)
		return false;
	switch (f->bar_type[bar]) {
	case PCI_BAR_IO:
		return cmd & PCI_COMMAND_IO;
	case PCI_BAR_MEM32:
	case PCI_BAR_MEM64:
		return cmd & PCI_COMMAND_MEMORY;
	default:
		return false;
	}
}

/* The BAR a configuration dword belongs to (the first of a 64-bit pair), or -1. */
static int bar_of_dword(const struct pci_function *f, unsigned dword)
{
	if (dword < PCI_BASE_ADDRESS_0 || dword >= bar_reg(PCI_BARS))
		return -1;
	unsigned i = (dword - PCI_BASE_ADDRESS_0) / 4;
	if (f->bar_type[i] != PCI_BAR_NONE)
		return (int)i;
	if (i > 0 && f->bar_type[i - 1] == PCI_BAR_MEM64)
		return (int)i - 1;
	return -1;
}

/* ------------------------------------------------------------ guest writes */

void pci_config_write(struct pci_function *f, unsigned offset, unsigned size, uint32_t val)
{
	unsigned first, last;
	uint32_t old[2];

	if (!access_ok(offset, size))
		return;
	/* A write of at most 4 bytes touches at most two dwords. */
	first = offset & ~3u;
	last = (offset + size - 1) & ~3u;
	old[0] = load(f->config, first, 4);
	old[1] = load(f->config, last, 4);
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = f->wmask[offset + i], b = (uint8_t)(val >> (8 * i));

		f->config[offset + i] = (uint8_t)((f->config[offset + i] & ~m) | (b & m));
	}
	for (unsigned d = 0; d < 2 && f->changed; d++) {
		unsigned dword = d ? last : first;
		int bar = bar_of_dword(f, dword);

		if ((d && last == first) || load(f->config, dword, 4) == old[d])
			continue;
		if (dword == PCI_COMMAND)   /* the command register is this dword's low half */
			f->changed(f->ctx, f, PCI_COMMAND);
		else if (bar >= 0)
			f->changed(f->ctx, f, bar_reg((unsigned)bar));
	}
}

/* ------------------------------------------------------------ capabilities */

int pci_add_capability(struct pci_function *f, uint8_t id, const void *body, unsigned body_len)
{
	unsigned off = f->cap_free;
	const uint8_t *src = body;

	if (body_len > PCI_CONFIG_SIZE || off + CAP_HEADER + body_len > PCI_CONFIG_SIZE ||
	    (body_len && !body))
		return -1;
	f->config[off] = id;
	f->config[off + 1] = 0;   /* end of the list */
	for (unsigned i = 0; i < body_len; i++)
		f->config[off + CAP_HEADER + i] = src[i];
	/* Link it: from the previous capability, or from the header for the first. */
	f->config[f->cap_last ? f->cap_last + 1u : PCI_CAPABILITY_LIST] = (uint8_t)off;
	store(f->config, PCI_STATUS, 2, load(f->config, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	f->cap_last = (uint8_t)off;
	f->cap_free = (uint16_t)((off + CAP_HEADER + body_len + 3) & ~3u);
	return (int)off;
}

/* ------------------------------------------------------------ registry */

struct pci_function *pci_find(struct pci *pci, unsigned bus, unsigned device, unsigned function)
{
	if (bus != 0 || device >= PCI_DEVICES || function >= PCI_FUNCTIONS)
		return NULL;
	for (unsigned i = 0; i < PCI_MAX_FUNCTIONS; i++)
		if (pci->fn[i].used && pci->fn[i].devfn == (device << 3 | function))
			return &pci->fn[i];
	return NULL;
}

/* Functions 1-7 are only scanned when function 0 says the device has more. */
static void update_multi_function(struct pci *pci, unsigned device)
{
	struct pci_function *f0 = pci_find(pci, 0, device, 0);
	bool more = false;

	if (!f0)
		return;
	for (unsigned fn = 1; fn < PCI_FUNCTIONS; fn++)
		more = more || pci_find(pci, 0, device, fn);
	if (more)
		f0->config[PCI_HEADER_TYPE] |= PCI_HEADER_MULTI_FUNCTION;
}

struct pci_function *pci_add_function(struct pci *pci, const struct pci_function_desc *d)
{
	struct pci_function *f = NULL;

	if (d->device >= PCI_DEVICES || d->function >= PCI_FUNCTIONS || d->interrupt_pin > 4 ||
	    pci_find(pci, 0, d->device, d->function))
		return NULL;
	for (unsigned i = 0; i < PCI_BARS; i++)
		if (!bar_valid(&d->bar[i], i, i + 1 < PCI_BARS ? &d->bar[i + 1] : NULL))
			return NULL;
	for (unsigned i = 0; i < PCI_MAX_FUNCTIONS && !f; i++)
		if (!pci->fn[i].used)
			f = &pci->fn[i];
	if (!f)
		return NULL;

	__builtin_memset(f, 0, sizeof(*f));
	f->used = true;
	f->devfn = (uint8_t)(d->device << 3 | d->function);
	f->changed = d->changed;
	f->ctx = d->ctx;
	f->cap_free = PCI_CAP_START;
	store(f->config, PCI_VENDOR_ID, 2, d->vendor_id);
	store(f->config, PCI_DEVICE_ID, 2, d->device_id);
	f->config[PCI_REVISION_ID] = d->revision;
	store(f->config, PCI_CLASS_PROG, 3, d->class_code);
	store(f->config, PCI_SUBSYSTEM_VENDOR_ID, 2, d->subsystem_vendor_id);
	store(f->config, PCI_SUBSYSTEM_ID, 2, d->subsystem_id);
	f->config[PCI_INTERRUPT_PIN] = d->interrupt_pin;
	store(f->wmask, PCI_COMMAND, 2, PCI_COMMAND_WMASK);
	f->wmask[PCI_CACHE_LINE_SIZE] = 0xFF;   /* read/write for software, no effect */
	f->wmask[PCI_LATENCY_TIMER] = 0xFF;
	f->wmask[PCI_INTERRUPT_LINE] = 0xFF;    /* scratch for the OS's IRQ routing */
	for (unsigned i = 0; i < PCI_BARS; i++)
		bar_setup(f, i, &d->bar[i]);
	update_multi_function(pci, d->device);
	return f;
}

void pci_init(struct pci *pci)
{
	static const struct pci_function_desc host_bridge = {
		.vendor_id = PCI_VENDOR_INTEL,
		.device_id = PCI_DEVICE_I440FX,
		.revision = PCI_REVISION_I440FX,
		.class_code = PCI_CLASS_HOST_BRIDGE,
	};
	struct pci_function *f;

	__builtin_memset(pci, 0, sizeof(*pci));
	f = pci_add_function(pci, &host_bridge);
	/* A host bridge forwards the CPU's memory cycles and masters to memory. */
	store(f->config, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
}

/* ------------------------------------------------------------ ports 0xCF8-0xCFF */

#define DATA_OFFSET (PCI_CONFIG_DATA_PORT - PCI_CONFIG_ADDRESS_PORT)

/* The function and register a CONFIG_DATA access at offset addresses, or NULL. */
static struct pci_function *data_target(struct pci *pci, unsigned offset, unsigned size,
					unsigned *reg)
{
	uint32_t a = pci->address;
	unsigned byte = offset - DATA_OFFSET;

	if (offset < DATA_OFFSET || offset >= PCI_IO_SIZE || (size != 1 && size != 2 && size != 4) ||
	    byte + size > 4 || !(a & PCI_ADDR_ENABLE))
		return NULL;
	*reg = (a & PCI_ADDR_REG_MASK) + byte;
	return pci_find(pci, a >> PCI_ADDR_BUS_SHIFT & 0xFF, a >> PCI_ADDR_DEV_SHIFT & (PCI_DEVICES - 1),
			a >> PCI_ADDR_FN_SHIFT & (PCI_FUNCTIONS - 1));
}

uint64_t pci_io_read(struct pci *pci, unsigned offset, unsigned size, vdev_time_t now)
{
	struct pci_function *f;
	unsigned reg;

	(void)now;
	if (offset == 0 && size == 4)
		return pci->address;
	f = data_target(pci, offset, size, &reg);
	return f ? pci_config_read(f, reg, size) : vdev_open_bus(size);
}

void pci_io_write(struct pci *pci, unsigned offset, unsigned size, uint64_t val, vdev_time_t now)
{
	struct pci_function *f;
	unsigned reg;

	(void)now;
	if (offset == 0 && size == 4) {
		pci->address = (uint32_t)val & PCI_ADDR_MASK;
		return;
	}
	f = data_target(pci, offset, size, &reg);
	if (f)
		pci_config_write(f, reg, size, (uint32_t)val);
}
