/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Block server protocol (servers/blk): named volumes of 512-byte sectors,
 * on the endpoint the block server `serve`s (by convention "blk"; a client
 * gets it with `use blk`). Calls; the reply's label is the error code.
 *
 * Volumes and who may use them come from the block server's own
 * configuration, its `args` (README, "Block storage"):
 *   vol:NAME=disk:ENDPOINT               a whole disk, through the disk
 *                                        driver the server calls at
 *                                        ENDPOINT (disk.h; `use ENDPOINT`)
 *   vol:NAME=disk:ENDPOINT:FIRST+COUNT   sectors FIRST..FIRST+COUNT-1 of it
 *   vol:NAME=ram:MODULE                  a RAM disk: a writable copy of the
 *                                        server's data module MODULE (`module
 *                                        MODULE FILE`; its memory comes from
 *                                        malloc, so `use mem` and a `memory`
 *                                        that holds it)
 *   grant:PROGRAM=VOL[:ro][,VOL[:ro]]... the program PROGRAM may use these
 *                                        volumes (:ro read only)
 * A client is known by the badge of its capability to the endpoint (the
 * root task badges every `use` with the program's number, env.h), which
 * the server matches to the names of its grant: arguments; a program
 * without a grant gets L4_ERIGHTS for everything.
 *
 * The buffer. Each granted client has one buffer of L4_BLK_BUF_SIZE bytes
 * that belongs to the server; ATTACH maps it into the client (once; again
 * maps the same buffer). READ and WRITE name an offset in it. The server
 * owns the memory so that no client can pull it away during a copy: a
 * buffer a client mapped to the server could be unmapped by that client
 * at any moment (unmap is recursive), and the server would fault in the
 * middle of a request. A client that unmaps its view of the buffer only
 * loses its own view. Every client has its own buffer, so no client sees
 * another's data.
 *
 * One IPC per request, not a request ring: a request is four words and
 * its error comes back in the reply, so a client learns about each bad
 * request at once; there is no control structure in shared memory that a
 * client could rewrite while the server reads it; clients that call at
 * once are queued by the kernel on the endpoint in priority order, which
 * is the fairness between clients; and the disk (PIO on an IDE channel)
 * does one transfer at a time anyway, so a ring's batching would gain
 * nothing until the driver has DMA and queued commands. The data itself
 * never goes through IPC: a 64 KiB request is one round trip.
 *
 * The driver is a separate process (servers/ata, protocol disk.h), not a
 * backend linked into this server: it alone holds the I/O ports and the
 * interrupt line, so a device or PIO bug ends the driver, not the server
 * (the request it was on, and every later one on its volumes, fails with
 * L4_ENODEV; a driver that hangs costs L4_ETIMEOUT); this server needs
 * no hardware access at all; and another driver (AHCI, virtio) fits
 * behind the same protocol. The cost: one more IPC and one more copy per
 * request (the driver's buffer to the client's).
 *
 * label            arguments                    result
 * L4_BLK_ATTACH    - (BR0: a memory window of    MR0 buffer bytes, then one map
 *                  L4_BLK_BUF_SIZE bytes or        item (read-write) of the
 *                  more, aligned to its size)      client's buffer
 * L4_BLK_OPEN      MR0-MR1 volume name (1-15     MR0 handle, MR1 sectors,
 *                  of [a-z0-9_-], NUL-padded)      MR2 sector size, MR3 flags
 * L4_BLK_INFO      MR0 handle                    MR0 sectors, MR1 sector size,
 *                                                  MR2 flags  (the size)
 * L4_BLK_READ      MR0 handle, MR1 first sector, - (the sectors are in the
 *                  MR2 count, MR3 buffer offset    buffer at the offset)
 *                  (bytes)
 * L4_BLK_WRITE     as READ                       - (written from the buffer)
 * L4_BLK_FLUSH     MR0 handle                    - (what was written is on the
 *                                                  medium, not in a disk cache)
 * Flags: L4_BLK_READ_ONLY (the client's grant is :ro).
 * A handle is the volume's number on the server (OPEN finds it by name);
 * it is not a secret: every request checks the client's grant again.
 *
 * Errors, checked in this order:
 *   L4_EMSG     fewer words than the operation takes, or typed items;
 *   L4_ERIGHTS  the client has no grant at all;
 *   L4_EINVAL   OPEN: not a valid name;
 *   L4_ENOENT   OPEN: no volume of that name; else: no volume with that
 *               handle;
 *   L4_ERIGHTS  the volume is not granted to the client, or WRITE with a
 *               read-only grant;
 *   L4_ENODEV   the volume is offline: its driver found no disk or has
 *               ended, the volume did not fit the disk, or there was no
 *               memory for a RAM disk;
 *   L4_EFAULT   READ, WRITE: no buffer attached yet;
 *   L4_EINVAL   READ, WRITE: count 0 or above L4_BLK_MAX_SECTORS, or a
 *               sector range not inside the volume (out of range);
 *   L4_EFAULT   READ, WRITE: a buffer offset that is not a multiple of
 *               the sector size (unaligned), or a range past the buffer;
 *   L4_EIO      the disk reported an error;
 *   L4_ETIMEOUT the driver did not answer in time (L4_DISK_REPLY_US);
 *   L4_ENOSYS   unknown label.
 * A request that fails changes nothing on the volume (a failed WRITE of
 * several sectors may have written some of them).
 *
 * The server is single-threaded: requests are served one at a time. A
 * request waits for a driver at most L4_DISK_REPLY_US per call the server
 * makes: one per driver buffer's worth of sectors (with servers/ata, one
 * for any request), and one more first if the driver's last call timed
 * out (the server then asks it INFO, which it answers only once idle). A
 * client that ends (the root task's L4_SERVER_CLIENT_GONE) is forgotten;
 * its buffer is zeroed.
 */
#ifndef L4_BLK_H
#define L4_BLK_H

enum l4_blk_op {
	L4_BLK_ATTACH = 1,
	L4_BLK_OPEN = 2,
	L4_BLK_INFO = 3,
	L4_BLK_READ = 4,
	L4_BLK_WRITE = 5,
	L4_BLK_FLUSH = 6,
};

#define L4_BLK_SECTOR_SIZE 512ull
#define L4_BLK_BUF_ORDER   16                          /* a client's buffer: 64 KiB */
#define L4_BLK_BUF_SIZE    (1ull << L4_BLK_BUF_ORDER)
#define L4_BLK_MAX_SECTORS (L4_BLK_BUF_SIZE / L4_BLK_SECTOR_SIZE)   /* per request: 128 */
#define L4_BLK_MAX_VOLUMES 16
#define L4_BLK_MAX_CLIENTS 8                           /* grant: arguments */

#define L4_BLK_READ_ONLY 1u

/* Where clients usually put the buffer's window (any free, aligned
 * address will do). */
#define L4_BLK_BUF_ADDR 0x0000400000000000ull

#endif
