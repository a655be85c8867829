/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Conventions shared by the VMM's device models (vmm/dev/).
 *
 * A device model is pure C: no system calls, no globals, no libc. It only
 * includes <stdint.h>, <stddef.h>, <stdbool.h> and uses __builtin_memcpy/
 * __builtin_memset/__builtin_memcmp, so the same file builds into the VMM
 * (freestanding, general registers only: no floating point) and into the
 * host unit tests (tests/unit/vmm/).
 *
 * Every model keeps its state in one struct the VMM owns. Register
 * accesses take the offset within the device's port or MMIO range, the
 * access size in bytes (1, 2, 4, 8) and the current guest time in
 * nanoseconds (vdev_time_t, monotonic, supplied by the VMM). Models with
 * timers expose `NAME_next_event()` (absolute time of the next thing the
 * model must do, VDEV_NEVER if none) and `NAME_advance(dev, now)` (do
 * everything due by now: raise interrupts, reload counters); the VMM
 * calls advance before each access and when the earliest next_event
 * passes.
 *
 * Interrupt outputs go through a struct vdev_irq: the model calls
 * vdev_irq_set(&out, line, level) with level 1 (asserted) or 0; an edge
 * is a 1 followed by a 0. The board (vmm/board.c) wires each output to
 * the PIC and the IOAPIC input of the same number.
 */
#ifndef VMM_DEV_DEV_H
#define VMM_DEV_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t vdev_time_t;          /* guest nanoseconds */
#define VDEV_NEVER UINT64_MAX

struct vdev_irq {
	void (*set)(void *ctx, unsigned line, int level);
	void *ctx;
};

static inline void vdev_irq_set(const struct vdev_irq *irq, unsigned line, int level)
{
	if (irq && irq->set)
		irq->set(irq->ctx, line, level);
}

/*
 * Guest RAM for the models that reach into it (virtio rings and buffers):
 * a checked translation. map(ctx, gpa, len) is where [gpa, gpa + len) lies
 * in the VMM's memory if every byte of it is guest RAM (len >= 1), else
 * NULL; a model never adds a guest-supplied value to a pointer itself.
 * The guest may change that memory at any time (another vCPU runs on): a
 * model copies a value once and checks its copy.
 */
struct vdev_ram {
	uint8_t *(*map)(void *ctx, uint64_t gpa, uint64_t len);
	void *ctx;
};

/* The guest-physical range [gpa, gpa + len) as host memory, or NULL
 * (no RAM wired, not all of it RAM, or it wraps past 2^64). */
static inline uint8_t *vdev_ram_map(const struct vdev_ram *ram, uint64_t gpa, uint64_t len)
{
	if (!ram || !ram->map || !len || gpa + (len - 1) < gpa)
		return NULL;
	return ram->map(ram->ctx, gpa, len);
}

/* Copies between guest RAM and buf: 0, or -1 if the range is not RAM
 * (nothing copied). A length of 0 copies nothing and succeeds. */
static inline int vdev_ram_read(const struct vdev_ram *ram, uint64_t gpa, void *buf, size_t len)
{
	const uint8_t *p = len ? vdev_ram_map(ram, gpa, len) : NULL;

	if (len && !p)
		return -1;
	if (len)
		__builtin_memcpy(buf, p, len);
	return 0;
}

static inline int vdev_ram_write(const struct vdev_ram *ram, uint64_t gpa, const void *buf, size_t len)
{
	uint8_t *p = len ? vdev_ram_map(ram, gpa, len) : NULL;

	if (len && !p)
		return -1;
	if (len)
		__builtin_memcpy(p, buf, len);
	return 0;
}

/* Value of an unclaimed read: all ones, as on a real bus. */
static inline uint64_t vdev_open_bus(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

#endif
