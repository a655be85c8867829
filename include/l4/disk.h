/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Disk driver protocol: how the block server (servers/blk, blk.h) talks to
 * a user-level disk driver (servers/ata) over the endpoint the driver
 * `serve`s (by convention "ata"). Calls; the reply's label is the error
 * code.
 *
 * One client owns a driver: the first program to ATTACH (the block
 * server), until it ends (L4_SERVER_CLIENT_GONE). The data moves through
 * one buffer of L4_DISK_BUF_SIZE bytes that belongs to the driver and is
 * mapped to the owner by ATTACH; a READ leaves its sectors at the start of
 * the buffer, a WRITE takes them from there. The owner cannot take the
 * buffer away from the driver (unmapping its view removes only its own
 * copy), so the driver's PIO transfers never fault.
 *
 * label            arguments                     result
 * L4_DISK_INFO     -                             MR0 sectors, MR1 sector size
 *                                                  (bytes), MR2 most sectors per
 *                                                  request, MR3 flags (L4_DISK_*),
 *                                                  MR4-MR8 the model (40 bytes,
 *                                                  NUL-padded, first byte lowest)
 * L4_DISK_ATTACH   - (BR0: a memory window of     MR0 buffer bytes, then one map
 *                  L4_DISK_BUF_SIZE bytes or       item (read-write) of the buffer
 *                  more, msg.h)
 * L4_DISK_READ     MR0 first sector, MR1 count   - (the data in the buffer)
 * L4_DISK_WRITE    MR0 first sector, MR1 count   - (taken from the buffer)
 * L4_DISK_FLUSH    -                             - (the disk's write cache is on
 *                                                  the medium)
 * Errors: L4_ENODEV (to every request, INFO included, when the driver
 * found no disk or the controller never became ready), L4_EBUSY (ATTACH while
 * another program owns the driver), L4_ERIGHTS (READ, WRITE or FLUSH from
 * a program that is not the owner), L4_EMSG (missing words, or typed items
 * in the request), L4_EINVAL (count 0 or above the most per request,
 * sectors past the end), L4_EIO (the disk reported an error: its ERR or
 * DF status bit), L4_ETIMEOUT (the disk did not answer in time; the driver
 * resets the channel), L4_ENOSYS (unknown label).
 *
 * Every request is answered within L4_DISK_REPLY_US, whatever the disk
 * does, so a caller may use that as its call timeout.
 */
#ifndef L4_DISK_H
#define L4_DISK_H

enum l4_disk_op {
	L4_DISK_INFO = 1,
	L4_DISK_ATTACH = 2,
	L4_DISK_READ = 3,
	L4_DISK_WRITE = 4,
	L4_DISK_FLUSH = 5,
};

#define L4_DISK_BUF_ORDER 16                          /* the buffer: 64 KiB, */
#define L4_DISK_BUF_SIZE  (1ull << L4_DISK_BUF_ORDER)  /* aligned to its size */
#define L4_DISK_REPLY_US  10000000ull                  /* the longest a request takes */

#define L4_DISK_LBA48 1u       /* INFO flags: 48-bit sector numbers */

#endif
