/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The virtual switch (issue 19): Ethernet ports for the programs its
 * configuration names, frames between them through rings in shared
 * memory (protocol: include/l4/net.h; forwarding: switch.c).
 *
 * Two threads. The main thread serves the endpoint: ATTACH (the port's
 * memory and the doorbell to the client, the client's notification to
 * us), STATS, and the root task's L4_SERVER_CLIENT_GONE. The forwarding
 * thread sleeps on the doorbell, a notification that every client
 * signals through its own capability (badge: bit i for port i), forwards
 * what the tx rings hold, and signals the clients sw_forward names. The
 * port table is under a lock: the main thread changes a port only while
 * the forwarding thread is not inside sw_forward. The forwarding thread
 * runs at the switch's priority and never waits for a client: a client
 * that does not empty its rx ring loses frames (counted), one that is
 * gone is detached.
 */
#include "l4lib.h"
#include "l4net.h"
#include <l4/task.h>
#include "switch.h"

static struct sw sw;
static union {
	struct l4_net_port p;
	uint8_t bytes[L4_NET_PORT_SIZE];
} memory[L4_NET_MAX_PORTS] __attribute__((aligned(L4_NET_PORT_SIZE)));
static l4_cap_t doorbell;                          /* ours: the forwarding thread waits on it */
static l4_cap_t bell[L4_NET_MAX_PORTS];            /* minted for port i: badge bit i, WRITE */
static l4_cap_t notify[L4_NET_MAX_PORTS];          /* the clients' notifications */
static volatile int lock_word;
static unsigned long long wakeups, signals;

static void lock(void)
{
	while (__atomic_exchange_n(&lock_word, 1, __ATOMIC_ACQUIRE))
		l4_yield();
}

static void unlock(void)
{
	__atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
}

static uint64_t now_ns(void)
{
	static uint64_t khz;

	if (!khz)
		khz = l4_env && l4_env->tsc_khz ? l4_env->tsc_khz : 1000000;
	uint64_t t = l4_rdtsc();
	return t / khz * 1000000 + t % khz * 1000000 / khz;     /* (no 128-bit division here) */
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void drop_cap(l4_cap_t *slot)
{
	if (*slot != L4_CAP_NONE) {
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, *slot);
		l4_slot_free(*slot);
		*slot = L4_CAP_NONE;
	}
}

static long forwarder(long arg)
{
	(void)arg;
	for (bool more = false;;) {
		if (!more)
			l4_recv(doorbell, L4_TIMEOUT_NEVER);
		wakeups++;
		lock();
		uint32_t sig = sw_forward(&sw, now_ns(), &more);
		l4_cap_t to[L4_NET_MAX_PORTS];
		for (unsigned i = 0; i < sw.port_count; i++)
			to[i] = sig & (1u << i) ? notify[i] : L4_CAP_NONE;
		unlock();
		/* (A client that went away since: its capability is deleted,
		 * and the signal fails harmlessly; a new one is in a new slot.) */
		for (unsigned i = 0; i < sw.port_count; i++)
			if (to[i] != L4_CAP_NONE) {
				l4_send(to[i], 0, L4_TIMEOUT_POLL);
				signals++;
			}
		if (more)
			l4_yield();                     /* a flood: let the clients run */
	}
	return 0;
}

static void print_port(const struct sw_port *p, const char *what)
{
	l4_printf("port %u (%s, segment %s) %s: tx %llu frames %llu bytes, rx %llu frames %llu bytes, "
		  "%llu dropped (rx full), %llu bad, %llu flooded frames dropped\n", (unsigned)(p - sw.port), p->program,
		  sw.segment[p->segment], what, p->tx_frames, p->tx_bytes, p->rx_frames, p->rx_bytes, p->rx_dropped, p->bad,
		  p->tx_dropped);
}

/* A request, copied out of the message registers first. */
struct request {
	l4_word_t label, badge;
	unsigned words, items;
	l4_word_t mr[3];               /* MR0, and ATTACH's capability item */
};

/* ATTACH: the client's notification is in our slot `got`. */
static l4_word_t attach(struct sw_port *p, const struct request *q, l4_cap_t got, l4_word_t *mr, unsigned *items)
{
	unsigned i = (unsigned)(p - sw.port);

	if (q->items != 1 || l4_fpage_space(q->mr[2]) != L4_FP_CAP || L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, got).error ||
	    l4_utcb()->mr[0] != L4_OBJ_NOTIFICATION || !(l4_utcb()->mr[1] & L4_CAP_RIGHT_WRITE))
		return L4_EMSG;
	if (q->mr[0] & ~(l4_word_t)L4_NET_ACCEPT_PARTIAL)
		return L4_EINVAL;
	lock();
	drop_cap(&notify[i]);
	notify[i] = got;
	bool again = p->attached;
	sw_attach(&sw, p, q->mr[0] & L4_NET_ACCEPT_PARTIAL);
	unlock();
	l4_printf("port %u (%s, segment %s): %s%s\n", i, p->program, sw.segment[p->segment],
		  again ? "attached again" : "attached", p->partial_ok ? ", takes partial checksums" : "");
	mr[0] = i;
	mr[1] = L4_NET_PORT_SIZE;
	l4_item_map(&mr[2], 0, l4_fpage_mem((l4_word_t)p->mem, L4_NET_PORT_ORDER, L4_FP_RW));
	l4_item_cap(&mr[4], bell[i], L4_CAP_RIGHT_WRITE);
	*items = 2;
	return L4_OK;
}

/* The answer's label; its words in mr[] (*words, *items). A capability
 * that came with the request and is kept is taken out of *got. */
static l4_word_t handle(const struct request *q, l4_cap_t *got, l4_word_t *mr, unsigned *words, unsigned *items)
{
	struct sw_port *p = sw_port_of(&sw, q->badge);

	*words = *items = 0;
	if (q->label == L4_SERVER_CLIENT_GONE) {
		struct sw_port *gone = q->words >= 1 ? sw_port_of(&sw, q->mr[0]) : NULL;
		if (q->badge)
			return L4_ERIGHTS;              /* only the root task says who ended */
		if (gone && gone->attached) {
			lock();
			sw_detach(&sw, gone);
			drop_cap(&notify[gone - sw.port]);
			unlock();
			print_port(gone, "detached: its client ended");
		}
		return L4_OK;
	}
	if (q->label != L4_NET_ATTACH && q->label != L4_NET_STATS)
		return L4_ENOSYS;
	if (q->words < 1)
		return L4_EMSG;
	if (!p)
		return L4_ERIGHTS;
	if (q->label == L4_NET_ATTACH) {
		l4_word_t err = attach(p, q, *got, mr, items);
		if (!err) {
			*words = 2;
			*got = L4_CAP_NONE;
		}
		return err;
	}
	const struct sw_port *of = q->mr[0] == L4_NET_MY_PORT ? p : q->mr[0] < sw.port_count ? &sw.port[q->mr[0]] : NULL;
	if (!of)
		return L4_ENOENT;
	lock();
	sw_stats(&sw, of, mr);
	unlock();
	*words = 9;
	return L4_OK;
}

int main(int argc, char **argv)
{
	l4_cap_t ep = l4_env_served();   /* (`serve`) */

	if (ep == L4_CAP_NONE) {
		l4_printf("needs an endpoint to serve (`serve net`)\n");
		return 1;
	}
	if (!sw_config(&sw, argc > 0 ? (unsigned)argc - 1 : 0, (const char *const *)argv + 1, memory[0].bytes)) {
		l4_printf("bad arguments: %s; no ports\n", sw.error);
		sw.port_count = 0;
	}
	_Static_assert(sizeof(memory[0]) == L4_NET_PORT_SIZE, "ports are L4_NET_PORT_SIZE apart");
	doorbell = l4_make(L4_FACTORY_NOTIFICATION);
	if (doorbell == L4_CAP_NONE) {
		l4_printf("no memory for the doorbell\n");
		return 1;
	}
	for (unsigned i = 0; i < sw.port_count; i++) {
		struct sw_port *p = &sw.port[i];
		notify[i] = L4_CAP_NONE;
		bell[i] = l4_slot_alloc();
		if (L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, doorbell, bell[i], L4_CAP_RIGHT_WRITE, 1ull << i).error) {
			l4_printf("no memory for the doorbell's capabilities\n");
			return 1;
		}
		for (unsigned k = 0; k < l4_env->program_count; k++)
			if (str_eq(l4_env->programs[k].name, p->program))
				p->badge = k + 1;
		if (p->badge)
			l4_printf("port %u: %s (program %lu), segment %s\n", i, p->program, (unsigned long)p->badge,
				  sw.segment[p->segment]);
		else
			l4_printf("port %u ignored: no program \"%s\" in the configuration\n", i, p->program);
	}
	if (l4_thread_start(forwarder, 0, (unsigned)l4_env->priority) == L4_CAP_NONE) {
		l4_printf("no forwarding thread\n");
		return 1;
	}
	l4_printf("switching %u ports on %u segments\n", sw.port_count, sw.segment_count);

	/* A slot for a capability a request may bring (ATTACH's notification);
	 * whatever else lands there is deleted. */
	struct l4_utcb *u = l4_utcb();
	l4_cap_t window = l4_slot_alloc();
	u->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(window, 0, 0);
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);
	for (;;) {
		if (r.error && r.error != L4_EMSG) {
			r = l4_recv(ep, L4_TIMEOUT_NEVER);
			continue;
		}
		struct request q = {
			.label = l4_tag_label(r.tag), .badge = r.badge,
			.words = l4_tag_words(r.tag), .items = l4_tag_items(r.tag),
		};
		for (unsigned i = 0; i < 3; i++)
			q.mr[i] = i < q.words + 2 * q.items ? u->mr[i] : 0;
		l4_cap_t got = window;
		l4_word_t mr[9];
		unsigned words, items;
		l4_word_t err = r.error ? L4_EMSG : handle(&q, &got, mr, &words, &items);
		if (got == L4_CAP_NONE) {
			window = l4_slot_alloc();               /* (the old one is kept) */
			u->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(window, 0, 0);
		} else {
			L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, window);   /* (empty: an error, no harm) */
		}
		if (err)
			words = items = 0;
		for (unsigned i = 0; i < words + 2 * items; i++)
			u->mr[i] = mr[i];
		r = l4_reply_wait(ep, l4_tag(err, words, items), L4_TIMEOUT_NEVER);
	}
}
