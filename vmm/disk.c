/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's disk (vmm.disk=VOLUME): the board's virtio-blk device
 * (dev/virtio_blk.h) over a volume of the block server (include/l4/blk.h,
 * `use blk` in the VMM's configuration), whose 64 KiB buffer is the
 * device's transfer buffer.
 *
 * A notification of the request queue comes as an exit, with the VMM lock
 * held; the device then only signals the disk thread. That thread takes
 * each request under the lock, carries it out without it (the calls to
 * the block server, which may wait for a disk, and the copies between
 * guest RAM and the buffer), and finishes it under the lock again. So a
 * slow disk holds up no vCPU's exits, and requests are served in order,
 * one at a time (the block server serves one at a time anyway).
 */
#include "vmm.h"
#include "l4blk.h"

#define DISK_BUF_ADDR L4_BLK_BUF_ADDR     /* where the block server's buffer is mapped */

static struct l4_blk blk;
static l4_word_t volume;
static l4_cap_t wake;                     /* the disk thread's notification */
/* The disk thread's time (TSC ticks): all of its requests' work, and of
 * it the calls to the block server (which wait for its driver and disk). */
static unsigned long long busy_ticks, server_ticks;

/* A request to the block server: 0 or -1. */
static int server(l4_word_t op, uint64_t sector, unsigned count)
{
	uint64_t t0 = l4_rdtsc();
	l4_word_t err = op == L4_BLK_FLUSH ? l4_blk_flush(&blk, volume) : l4_blk_io(&blk, op, volume, sector, count, 0);

	server_ticks += l4_rdtsc() - t0;
	return err ? -1 : 0;
}

static int disk_read(void *ctx, uint64_t sector, unsigned count)
{
	(void)ctx;
	return server(L4_BLK_READ, sector, count);
}

static int disk_write(void *ctx, uint64_t sector, unsigned count)
{
	(void)ctx;
	return server(L4_BLK_WRITE, sector, count);
}

static int disk_flush(void *ctx)
{
	(void)ctx;
	return server(L4_BLK_FLUSH, 0, 0);
}

/* With the lock held, inside the device: the disk thread takes over, at
 * the unlock. */
static void disk_kick(void *ctx)
{
	(void)ctx;
	vmm_wake_at_unlock(wake);
}

static long disk_thread(long arg)
{
	static struct vblk_req req;

	(void)arg;
	while (!guest_done) {
		l4_recv(wake, L4_TIMEOUT_NEVER);
		for (;;) {
			vmm_lock();
			int got = vblk_take(&board.disk, &req);
			vmm_unlock();
			if (got != 1)
				break;
			uint64_t t0 = l4_rdtsc();
			vblk_do(&board.disk, &req);
			busy_ticks += l4_rdtsc() - t0;
			vmm_lock();
			vblk_finish(&board.disk, &req);
			board_kick_pending(&board);   /* (the vCPU the interrupt went to) */
			vmm_unlock();
		}
	}
	return 0;
}

void disk_print_stats(void)
{
	if (board.has_disk)
		l4_printf("vmm: disk: %llu requests (%llu failed), %llu TSC ticks on them, %llu of those in the block "
			  "server and its driver\n", board.disk.requests, board.disk.errors, busy_ticks, server_ticks);
}

bool disk_open(const char *name, struct vblk_backend *be)
{
	l4_word_t err, sectors, flags;
	l4_cap_t ep = l4_env_cap("blk");

	if (ep == L4_CAP_NONE) {
		l4_printf("vmm: vmm.disk=%s: no block server (the program needs `use blk`): no disk\n", name);
		return false;
	}
	if ((err = l4_blk_attach(&blk, ep, DISK_BUF_ADDR)) || (err = l4_blk_open(&blk, name, &volume, &sectors, &flags))) {
		l4_printf("vmm: vmm.disk=%s: the block server refused (error %lu): no disk\n", name, (unsigned long)err);
		return false;
	}
	wake = l4_make(L4_FACTORY_NOTIFICATION);
	*be = (struct vblk_backend){ .sectors = sectors, .read_only = flags & L4_BLK_READ_ONLY, .buf = blk.buf,
				     .buf_sectors = L4_BLK_MAX_SECTORS, .read = disk_read, .write = disk_write,
				     .flush = disk_flush, .kick = disk_kick };
	l4_snprintf(be->id, sizeof(be->id), "l4blk:%s", name);
	if (wake == L4_CAP_NONE || l4_thread_start(disk_thread, 0, (unsigned)l4_env->priority) == L4_CAP_NONE) {
		l4_printf("vmm: vmm.disk=%s: no disk thread: no disk\n", name);
		return false;
	}
	l4_printf("vmm: disk: volume %s of the block server, %lu sectors (%lu MiB)%s, as virtio-blk\n", name,
		  (unsigned long)sectors, (unsigned long)(sectors >> 11), be->read_only ? ", read-only" : "");
	return true;
}
