/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Two debugging ports for test guests, at ports the VMM chooses:
 *
 * - The exit port (as QEMU's isa-debug-exit, e.g. at 0x501 or 0xF4): a
 *   write of value v, access size 1, 2 or 4 (v masked to that size), at
 *   any offset of the port's range calls exit_fn with the exit code
 *   (v << 1) | 1, so a guest can never report 0. Other sizes are ignored;
 *   reads return open bus.
 * - The console port (as Bochs' and QEMU's port 0xE9 hack), offset 0: a
 *   write sends its low byte to putc_fn; a read returns 0xE9 in bits 7:0
 *   so a guest can detect the port.
 */
#ifndef VMM_DEV_DEBUGPORT_H
#define VMM_DEV_DEBUGPORT_H

#include "dev.h"

#define DEBUGPORT_CON_ID 0xE9   /* what a console port read returns */

struct debugport {
	void (*exit_fn)(void *ctx, uint64_t code);   /* may be NULL */
	void (*putc_fn)(void *ctx, uint8_t byte);    /* may be NULL */
	void *ctx;
};

void debugport_init(struct debugport *dp, void (*exit_fn)(void *ctx, uint64_t code),
		    void (*putc_fn)(void *ctx, uint8_t byte), void *ctx);

uint64_t debugport_exit_read(const struct debugport *dp, unsigned offset, unsigned size, vdev_time_t now);
void debugport_exit_write(const struct debugport *dp, unsigned offset, unsigned size, uint64_t value,
			  vdev_time_t now);

uint64_t debugport_con_read(const struct debugport *dp, unsigned offset, unsigned size, vdev_time_t now);
void debugport_con_write(const struct debugport *dp, unsigned offset, unsigned size, uint64_t value,
			 vdev_time_t now);

#endif
