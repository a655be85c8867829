/* SPDX-License-Identifier: BSD-2-Clause */
/* Debug exit and console ports: see debugport.h. */
#include "debugport.h"

#define DEBUGPORT_MAX_SIZE 4   /* port I/O moves at most 4 bytes */

void debugport_init(struct debugport *dp, void (*exit_fn)(void *ctx, uint64_t code),
		    void (*putc_fn)(void *ctx, uint8_t byte), void *ctx)
{
	dp->exit_fn = exit_fn;
	dp->putc_fn = putc_fn;
	dp->ctx = ctx;
}

uint64_t debugport_exit_read(const struct debugport *dp, unsigned offset, unsigned size, vdev_time_t now)
{
	(void)dp;
	(void)offset;
	(void)now;
	return vdev_open_bus(size);
}

void debugport_exit_write(const struct debugport *dp, unsigned offset, unsigned size, uint64_t value,
			  vdev_time_t now)
{
	(void)offset;
	(void)now;
	if (size == 0 || size > DEBUGPORT_MAX_SIZE || !dp->exit_fn)
		return;
	dp->exit_fn(dp->ctx, (value & vdev_open_bus(size)) << 1 | 1);
}

uint64_t debugport_con_read(const struct debugport *dp, unsigned offset, unsigned size, vdev_time_t now)
{
	(void)dp;
	(void)now;
	if (offset != 0 || size == 0 || size > 8)
		return vdev_open_bus(size);
	return (vdev_open_bus(size) & ~0xffull) | DEBUGPORT_CON_ID;
}

void debugport_con_write(const struct debugport *dp, unsigned offset, unsigned size, uint64_t value,
			 vdev_time_t now)
{
	(void)now;
	if (offset != 0 || size == 0 || size > 8 || !dp->putc_fn)
		return;
	dp->putc_fn(dp->ctx, (uint8_t)value);
}
