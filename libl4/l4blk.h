/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A block server client (protocol: include/l4/blk.h) in a few calls:
 *
 *     struct l4_blk b;
 *     l4_word_t vol, sectors, flags;
 *     if (l4_blk_attach(&b, l4_env_cap("blk"), L4_BLK_BUF_ADDR) ||
 *         l4_blk_open(&b, "disk0", &vol, &sectors, &flags))
 *             ...;                               (an error code)
 *     l4_blk_read(&b, vol, 0, 8, 0);             sectors 0-7 now at b.buf[0..4095]
 *     b.buf[0] ^= 1;
 *     l4_blk_write(&b, vol, 0, 1, 0);            sector 0 from b.buf[0..511]
 *     l4_blk_flush(&b, vol);
 *
 * Every function returns the call's error if the IPC failed (e.g.
 * L4_EMSG when ATTACH's buffer could not be mapped into the window), else
 * the server's answer (errno.h; L4_OK = 0).
 */
#ifndef L4BLK_H
#define L4BLK_H

#include "l4lib.h"
#include <l4/blk.h>

struct l4_blk {
	l4_cap_t ep;               /* the block server's endpoint */
	unsigned char *buf;        /* our buffer, after l4_blk_attach */
};

static inline l4_word_t l4_blk_result(struct l4_result r)
{
	return r.error ? r.error : l4_tag_label(r.tag);
}

/* Maps our buffer at window (free, L4_BLK_BUF_SIZE-aligned addresses). */
static inline l4_word_t l4_blk_attach(struct l4_blk *b, l4_cap_t ep, l4_word_t window)
{
	struct l4_utcb *u = l4_utcb();

	b->ep = ep;
	b->buf = NULL;
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(window, L4_BLK_BUF_ORDER, 0);
	struct l4_result r = l4_call(ep, l4_tag(L4_BLK_ATTACH, 0, 0), L4_TIMEOUT_NEVER);
	u->br[L4_BR_MEM_WINDOW] = 0;
	l4_word_t err = l4_blk_result(r);
	if (!err && (l4_tag_words(r.tag) < 1 || l4_tag_items(r.tag) != 1 || u->mr[0] != L4_BLK_BUF_SIZE))
		err = L4_EMSG;
	if (!err)
		b->buf = (unsigned char *)window;
	return err;
}

/* The volume called name: its handle, size in sectors and flags. */
static inline l4_word_t l4_blk_open(struct l4_blk *b, const char *name, l4_word_t *handle,
				    l4_word_t *sectors, l4_word_t *flags)
{
	struct l4_utcb *u = l4_utcb();

	u->mr[0] = u->mr[1] = 0;
	for (unsigned i = 0; i < 15 && name[i]; i++)
		u->mr[i / 8] |= (l4_word_t)(unsigned char)name[i] << (8 * (i % 8));
	l4_word_t err = l4_blk_result(l4_call(b->ep, l4_tag(L4_BLK_OPEN, 2, 0), L4_TIMEOUT_NEVER));
	if (!err) {
		*handle = u->mr[0];
		*sectors = u->mr[1];
		*flags = u->mr[3];
	}
	return err;
}

/* The volume's size in sectors (and its flags). */
static inline l4_word_t l4_blk_info(struct l4_blk *b, l4_word_t handle, l4_word_t *sectors,
				    l4_word_t *flags)
{
	struct l4_utcb *u = l4_utcb();

	u->mr[0] = handle;
	l4_word_t err = l4_blk_result(l4_call(b->ep, l4_tag(L4_BLK_INFO, 1, 0), L4_TIMEOUT_NEVER));
	if (!err) {
		*sectors = u->mr[0];
		*flags = u->mr[2];
	}
	return err;
}

static inline l4_word_t l4_blk_io(struct l4_blk *b, l4_word_t op, l4_word_t handle, l4_word_t sector,
				  l4_word_t count, l4_word_t offset)
{
	struct l4_utcb *u = l4_utcb();

	u->mr[0] = handle;
	u->mr[1] = sector;
	u->mr[2] = count;
	u->mr[3] = offset;
	return l4_blk_result(l4_call(b->ep, l4_tag(op, 4, 0), L4_TIMEOUT_NEVER));
}

/* count sectors from `sector` into our buffer at byte offset `offset`. */
static inline l4_word_t l4_blk_read(struct l4_blk *b, l4_word_t handle, l4_word_t sector,
				    l4_word_t count, l4_word_t offset)
{
	return l4_blk_io(b, L4_BLK_READ, handle, sector, count, offset);
}

/* count sectors from our buffer at byte offset `offset` to `sector` on. */
static inline l4_word_t l4_blk_write(struct l4_blk *b, l4_word_t handle, l4_word_t sector,
				     l4_word_t count, l4_word_t offset)
{
	return l4_blk_io(b, L4_BLK_WRITE, handle, sector, count, offset);
}

static inline l4_word_t l4_blk_flush(struct l4_blk *b, l4_word_t handle)
{
	l4_utcb()->mr[0] = handle;
	return l4_blk_result(l4_call(b->ep, l4_tag(L4_BLK_FLUSH, 1, 0), L4_TIMEOUT_NEVER));
}

#endif
