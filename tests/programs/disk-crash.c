/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A disk driver that dies in the middle of a request (row qemu-blk-errors):
 * it answers INFO and ATTACH of the disk driver protocol (include/l4/disk.h)
 * like a driver of a 64-sector disk, then faults on the first READ, WRITE
 * or FLUSH, with the block server waiting for its answer. The root task
 * ends it; the block server must get its call back, take the volume
 * offline, and go on serving the others.
 */
#include "l4lib.h"
#include <l4/disk.h>

static unsigned char buffer[L4_DISK_BUF_SIZE] __attribute__((aligned(L4_DISK_BUF_SIZE)));

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_cap_t ep = l4_env_cap("crashdrv");
	struct l4_utcb *u = l4_utcb();

	if (ep == L4_CAP_NONE) {
		l4_printf("needs `serve crashdrv`\n");
		return 1;
	}
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (;;) {
		l4_word_t tag = l4_tag(L4_ENOSYS, 0, 0);
		switch (r.error ? 0 : l4_tag_label(r.tag)) {
		case L4_DISK_INFO:
			for (unsigned i = 0; i < 9; i++)
				u->mr[i] = 0;
			u->mr[0] = 64;
			u->mr[1] = 512;
			u->mr[2] = L4_DISK_BUF_SIZE / 512;
			tag = l4_tag(L4_OK, 9, 0);
			break;
		case L4_DISK_ATTACH:
			u->mr[0] = L4_DISK_BUF_SIZE;
			l4_item_map(&u->mr[1], 0, l4_fpage_mem((l4_word_t)buffer, L4_DISK_BUF_ORDER, L4_FP_RW));
			tag = l4_tag(L4_OK, 1, 1);
			break;
		case L4_DISK_READ:
		case L4_DISK_WRITE:
		case L4_DISK_FLUSH:
			l4_printf("a request: dying in the middle of it\n");
			*(volatile long *)0x50000000 = 1;
			break;
		default:
			break;
		}
		r = l4_reply_wait(ep, tag, L4_TIMEOUT_NEVER);
	}
}
