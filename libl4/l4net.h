/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A virtual switch client (protocol: include/l4/net.h) in a few calls:
 *
 *     struct l4_net n;
 *     if (l4_net_attach(&n, l4_env_cap("net"), L4_NET_PORT_ADDR, 0))
 *             ...;                                 (an error code)
 *     l4_net_send(&n, frame, len);                 into tx, and the doorbell
 *     for (;;) {
 *             l4_recv(n.notify, L4_TIMEOUT_NEVER);  the switch signalled us
 *             while (l4_netring_take(&n.rx, buf, &len, NULL) == L4_NETRING_FRAME)
 *                     ...;                          a frame for us
 *     }
 *
 * l4_net_attach makes the client's notification (n.notify, which it
 * gives the switch) and takes a slot for the doorbell (n.doorbell).
 * Every function returns the call's error if the IPC failed, else the
 * switch's answer (errno.h; L4_OK = 0).
 */
#ifndef L4NET_H
#define L4NET_H

#include "l4lib.h"
#include "l4netring.h"
#include <l4/net.h>
#include <l4/task.h>

struct l4_net {
	l4_cap_t ep;                   /* the switch's endpoint */
	l4_cap_t notify;               /* ours: the switch signals it */
	l4_cap_t doorbell;             /* the switch's: we signal it */
	l4_word_t port;                /* our port's number on the switch */
	struct l4_net_port *mem;       /* the port's memory, mapped at the window */
	struct l4_netring tx, rx;      /* our sides: we produce tx and consume rx */
};

static inline l4_word_t l4_net_result(struct l4_result r)
{
	return r.error ? r.error : l4_tag_label(r.tag);
}

/*
 * Attaches to the switch at ep: maps the port's memory at window (free,
 * L4_NET_PORT_SIZE-aligned addresses). flags: L4_NET_ACCEPT_PARTIAL.
 * notify: a notification of ours for the switch to signal (L4_CAP_NONE:
 * make one); its capability goes to the switch with badge bits `bits`
 * (0: unbadged) so that a thread that also waits for other signals on it
 * can tell the switch's. Again later: the rings start afresh.
 */
static inline l4_word_t l4_net_attach_with(struct l4_net *n, l4_cap_t ep, l4_word_t window, unsigned flags,
					   l4_cap_t notify, l4_word_t bits)
{
	struct l4_utcb *u = l4_utcb();
	bool again = n->ep == ep && n->mem;

	if (!again) {
		*n = (struct l4_net){ .ep = ep, .notify = notify, .doorbell = l4_slot_alloc() };
		if (n->notify == L4_CAP_NONE && (n->notify = l4_make(L4_FACTORY_NOTIFICATION)) == L4_CAP_NONE)
			return L4_ENOMEM;
	}
	/* The capability the switch gets: ours, with the badge, WRITE only. */
	l4_cap_t give = n->notify;
	if (bits) {
		give = l4_slot_alloc();
		if (L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, n->notify, give, L4_CAP_RIGHT_WRITE, bits).error)
			return L4_ENOMEM;
	}
	if (again)
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, n->doorbell);
	u->mr[0] = flags;
	l4_item_cap(&u->mr[1], give, L4_CAP_RIGHT_WRITE);
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(window, L4_NET_PORT_ORDER, 0);
	u->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(n->doorbell, 0, 0);
	struct l4_result r = l4_call(ep, l4_tag(L4_NET_ATTACH, 1, 1), L4_TIMEOUT_NEVER);
	u->br[L4_BR_MEM_WINDOW] = 0;
	u->br[L4_BR_CAP_WINDOW] = 0;
	l4_word_t err = l4_net_result(r), port = u->mr[0];
	if (!err && (l4_tag_words(r.tag) < 2 || l4_tag_items(r.tag) != 2 || u->mr[1] != L4_NET_PORT_SIZE ||
		     !u->mr[2] || !u->mr[4]))
		err = L4_EMSG;
	if (give != n->notify) {
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, give);     /* (the switch has its copy) */
		l4_slot_free(give);
	}
	if (err)
		return err;
	n->port = port;
	n->mem = (struct l4_net_port *)window;
	l4_netring_init(&n->tx, &n->mem->tx);
	l4_netring_init(&n->rx, &n->mem->rx);
	return L4_OK;
}

static inline l4_word_t l4_net_attach(struct l4_net *n, l4_cap_t ep, l4_word_t window, unsigned flags)
{
	n->ep = L4_CAP_NONE;
	n->mem = NULL;
	return l4_net_attach_with(n, ep, window, flags, L4_CAP_NONE, 0);
}

/* The Ethernet address a program gets when its configuration names none:
 * locally administered and unicast (02:...), the rest a hash (FNV-1a) of
 * its name, so it stays the same from boot to boot. */
static inline void l4_net_mac_from_name(const char *name, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 16777619u;
	mac[0] = 0x02;
	mac[1] = 0x4c;                                 /* 'L' */
	for (unsigned i = 0; i < 4; i++)
		mac[2 + i] = (uint8_t)(h >> (8 * (3 - i)));
}

/* Parses "xx:xx:xx:xx:xx:xx" (hex digits, either case): false if it is
 * not one, or a group address. */
static inline bool l4_net_mac_parse(const char *s, uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++) {
		unsigned v = 0;
		for (unsigned k = 0; k < 2; k++, s++) {
			char c = *s;
			unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) :
				     c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10) : 16;
			if (d > 15)
				return false;
			v = v * 16 + d;
		}
		mac[i] = (uint8_t)v;
		if (*s != (i < 5 ? ':' : 0))
			return false;
		s += i < 5;
	}
	return !(mac[0] & 1);
}

/* Rings the switch's doorbell: there are frames in tx. */
static inline void l4_net_ring(struct l4_net *n)
{
	l4_send(n->doorbell, 0, L4_TIMEOUT_POLL);
}

/* One frame into tx and the doorbell: L4_NETRING_FRAME, _FULL or _BAD. */
static inline int l4_net_send(struct l4_net *n, const void *frame, unsigned len)
{
	int r = l4_netring_put(&n->tx, (const uint8_t *)frame, len, NULL);

	if (r == L4_NETRING_FRAME)
		l4_net_ring(n);
	return r;
}

/* A port's counters (port: L4_NET_MY_PORT for ours). */
static inline l4_word_t l4_net_stats(struct l4_net *n, l4_word_t port, struct l4_net_stats *s)
{
	struct l4_utcb *u = l4_utcb();

	u->mr[0] = port;
	struct l4_result r = l4_call(n->ep, l4_tag(L4_NET_STATS, 1, 0), L4_TIMEOUT_NEVER);
	l4_word_t err = l4_net_result(r);
	if (!err && l4_tag_words(r.tag) < 9)
		err = L4_EMSG;
	if (!err)
		__builtin_memcpy(s, u->mr, sizeof(*s));
	return err;
}

#endif
