/* SPDX-License-Identifier: BSD-2-Clause */
/* The virtual switch's core: see switch.h. */
#include "switch.h"
#include "l4inet.h"

static bool name_ok(const char *s, unsigned len)
{
	if (len < 1 || len > SW_NAME_MAX)
		return false;
	for (unsigned i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static bool refuse(struct sw *s, const char *arg, const char *why)
{
	unsigned at = 0;

	for (const char *t = "argument \""; *t && at < sizeof(s->error) - 1; t++)
		s->error[at++] = *t;
	for (; *arg && at < sizeof(s->error) - 40; arg++)
		s->error[at++] = *arg;
	for (const char *t = "\": "; *t && at < sizeof(s->error) - 1; t++)
		s->error[at++] = *t;
	for (; *why && at < sizeof(s->error) - 1; why++)
		s->error[at++] = *why;
	s->error[at] = 0;
	return false;
}

static bool same_name(const char *a, const char *b, unsigned len)
{
	return __builtin_memcmp(a, b, len) == 0 && a[len] == 0;
}

bool sw_config(struct sw *s, unsigned count, const char *const *args, uint8_t *mem)
{
	__builtin_memset(s, 0, sizeof(*s));
	fdb_init(&s->fdb);
	for (unsigned a = 0; a < count; a++) {
		const char *arg = args[a], *eq = arg;
		if (__builtin_memcmp(arg, "port:", 5) != 0)
			return refuse(s, arg, "not port:PROGRAM=SEGMENT");
		const char *prog = arg + 5;
		while (*eq && *eq != '=')
			eq++;
		unsigned plen = (unsigned)(eq - prog), slen = *eq ? (unsigned)__builtin_strlen(eq + 1) : 0;
		if (!*eq || !name_ok(prog, plen) || !name_ok(eq + 1, slen))
			return refuse(s, arg, "not port:PROGRAM=SEGMENT (names of 1-15 of a-z 0-9 _ -)");
		for (unsigned i = 0; i < s->port_count; i++)
			if (same_name(s->port[i].program, prog, plen))
				return refuse(s, arg, "that program has a port already");
		if (s->port_count == L4_NET_MAX_PORTS)
			return refuse(s, arg, "more ports than the switch has (8)");
		unsigned seg = 0;
		while (seg < s->segment_count && !same_name(s->segment[seg], eq + 1, slen))
			seg++;
		if (seg == s->segment_count)
			__builtin_memcpy(s->segment[s->segment_count++], eq + 1, slen + 1);
		struct sw_port *p = &s->port[s->port_count];
		__builtin_memcpy(p->program, prog, plen);
		p->segment = (uint8_t)seg;
		p->mem = (struct l4_net_port *)(mem + s->port_count++ * L4_NET_PORT_SIZE);
	}
	return true;
}

struct sw_port *sw_port_of(struct sw *s, uint64_t badge)
{
	for (unsigned i = 0; badge && i < s->port_count; i++)
		if (s->port[i].badge == badge)
			return &s->port[i];
	return NULL;
}

void sw_attach(struct sw *s, struct sw_port *p, bool partial_ok)
{
	(void)s;
	__builtin_memset(p->mem, 0, sizeof(*p->mem));
	l4_netring_reset(&p->tx, &p->mem->tx);
	l4_netring_reset(&p->rx, &p->mem->rx);
	p->partial_ok = partial_ok;
	p->flood_tokens = L4_NET_FLOOD_BURST * 1000000000ull;
	p->attached = true;
}

void sw_detach(struct sw *s, struct sw_port *p)
{
	p->attached = false;
	fdb_forget_port(&s->fdb, (int)(p - s->port));
	__builtin_memset(p->mem, 0, sizeof(*p->mem));
	l4_netring_init(&p->tx, &p->mem->tx);
	l4_netring_init(&p->rx, &p->mem->rx);
}

/* The frame in s->frame into port to's rx (its partial checksum
 * completed first if the port takes none: the bounds are checked). */
static void deliver(struct sw *s, unsigned to, unsigned len, struct l4_net_meta *m, uint32_t *signal)
{
	struct sw_port *d = &s->port[to];

	if ((m->flags & L4_NET_F_NEEDS_CSUM) && !d->partial_ok) {
		l4_inet_complete(s->frame, len, m->csum_start, m->csum_offset);   /* (checked in forward) */
		m->flags = (uint8_t)(m->flags & ~L4_NET_F_NEEDS_CSUM);
	}
	bool was_bad = d->rx.bad;
	int r = l4_netring_put(&d->rx, s->frame, len, m);
	if (r == L4_NETRING_FRAME) {
		d->rx_frames++;
		d->rx_bytes += len;
		*signal |= 1u << to;
	} else if (r == L4_NETRING_FULL) {
		d->rx_dropped++;
	} else if (!was_bad) {
		d->bad++;                               /* its client broke its rx ring */
	}
}

/* Storm control: may p flood one more frame now? (Its bucket fills at
 * L4_NET_FLOOD_RATE tokens a second up to L4_NET_FLOOD_BURST; counted in
 * billionths of a token, so that the rate needs no division per frame.) */
static bool flood_ok(struct sw_port *p, uint64_t now)
{
	const uint64_t unit = 1000000000ull, full = L4_NET_FLOOD_BURST * unit;
	uint64_t dt = now - p->flood_at;

	if (dt > unit)
		dt = unit;                              /* (a second fills any bucket) */
	p->flood_at = now;
	p->flood_tokens += dt * L4_NET_FLOOD_RATE;
	if (p->flood_tokens > full)
		p->flood_tokens = full;
	if (p->flood_tokens < unit)
		return false;
	p->flood_tokens -= unit;
	return true;
}

/* The frame in s->frame, of len bytes, came in on port from. */
static void forward(struct sw *s, unsigned from, unsigned len, struct l4_net_meta *m, uint64_t now, uint32_t *signal)
{
	struct sw_port *src = &s->port[from];
	const uint8_t *dst = s->frame, *mac = s->frame + 6;

	if (len < L4_NET_FRAME_MIN || fdb_is_group(mac) ||
	    ((m->flags & L4_NET_F_NEEDS_CSUM) &&
	     (m->csum_start >= len || m->csum_offset > len - m->csum_start || len - m->csum_start - m->csum_offset < 2))) {
		src->bad++;                             /* no station sends from a group address */
		return;
	}
	fdb_learn(&s->fdb, src->segment, mac, (int)from, now);
	int to = fdb_lookup(&s->fdb, src->segment, dst, now);
	if (to == (int)from)
		return;                                 /* for a station on its own port */
	if (to != FDB_NONE && s->port[to].attached) {
		deliver(s, (unsigned)to, len, m, signal);
		return;
	}
	if (!flood_ok(src, now)) {
		src->tx_dropped++;
		return;
	}
	for (unsigned i = 0; i < s->port_count; i++)
		if (i != from && s->port[i].attached && s->port[i].segment == src->segment)
			deliver(s, i, len, m, signal);
}

uint32_t sw_forward(struct sw *s, uint64_t now, bool *more)
{
	uint32_t signal = 0;
	bool moved = true;

	*more = false;
	for (unsigned round = 0; round < SW_ROUNDS && moved; round++) {
		moved = false;
		for (unsigned i = 0; i < s->port_count; i++) {
			struct sw_port *p = &s->port[i];
			if (!p->attached || p->tx.bad)
				continue;
			unsigned waiting = l4_netring_pending(&p->tx);
			if (p->tx.bad) {
				p->bad++;                       /* its client broke its tx ring */
				continue;
			}
			if (waiting == L4_NET_RING_SLOTS)
				signal |= 1u << i;              /* full: it may wait for room */
			for (unsigned n = 0; n < SW_BATCH && n < waiting; n++) {
				unsigned len;
				struct l4_net_meta m;
				unsigned long long bad = p->tx.bad_frames;
				if (l4_netring_take(&p->tx, s->frame, &len, &m) != L4_NETRING_FRAME) {
					p->bad += p->tx.bad_frames - bad;
					break;
				}
				p->bad += p->tx.bad_frames - bad;
				p->tx_frames++;
				p->tx_bytes += len;
				moved = true;
				forward(s, i, len, &m, now, &signal);
			}
		}
	}
	for (unsigned i = 0; moved && i < s->port_count; i++)
		if (s->port[i].attached && !s->port[i].tx.bad && l4_netring_pending(&s->port[i].tx))
			*more = true;
	return signal;
}

void sw_stats(const struct sw *s, const struct sw_port *p, uint64_t out[9])
{
	(void)s;
	out[0] = p->segment;
	out[1] = p->attached;
	out[2] = p->tx_frames;
	out[3] = p->tx_bytes;
	out[4] = p->rx_frames;
	out[5] = p->rx_bytes;
	out[6] = p->rx_dropped;
	out[7] = p->bad;
	out[8] = p->tx_dropped;
}
