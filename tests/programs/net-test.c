/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Clients of the virtual switch (include/l4/net.h) for row qemu-net
 * (tests/boot/net.cfg): one program, its role from its arguments
 * (key=value). Every station's Ethernet address is l4_net_mac_from_name
 * of its program's name, so each knows the others' by name.
 *   role=echo       sends every test frame addressed to it back to its
 *                   sender
 *   role=sender     peer=NAME bad=NAME: waits until the flooder's frames
 *                   arrive and the bad client is ready to leave, then
 *                   sends FRAMES test frames of every length to the
 *                   peer, one at a time (retransmitted after 20 ms, up
 *                   to 50 times: a flood may fill our rx ring), and
 *                   checks each echo byte for byte; then reads the
 *                   switch's counters of the other ports (flood=, slow=,
 *                   isolated=, bad=) and checks what they must say
 *   role=flood      broadcasts frames as fast as the switch takes them,
 *                   never reading its rx ring, until a frame from the
 *                   sender says done (at most FLOOD_MAX)
 *   role=slow       attaches and never reads its rx ring
 *   role=isolated   on a segment of its own: broadcasts 10 frames and
 *                   must see none of the others'
 *   role=bad        sender=NAME echo=NAME: garbage: requests with the
 *                   wrong shape, rings it breaks, ATTACH again; then
 *                   leaves in the middle of the sender's transfer (its
 *                   port must be detached)
 *   role=stranger   has `use net` but no port: everything is refused
 */
#include "checks.h"
#include "l4net.h"

#define ETHERTYPE 0x88b5                /* IEEE 802 local experimental */
#define FRAMES 600
#define FLOOD_MAX 3000000u
enum { KIND_REQ = 1, KIND_REPLY = 2, KIND_FLOOD = 3, KIND_DONE = 4, KIND_HELLO = 5 };

static struct l4_net n;
static uint8_t me[6], frame[L4_NET_FRAME_MAX], in[L4_NET_FRAME_MAX];

static const char *arg(int argc, char **argv, const char *key)
{
	unsigned k = 0;

	while (key[k])
		k++;
	for (int i = 1; i < argc; i++)
		if (__builtin_memcmp(argv[i], key, k) == 0 && argv[i][k] == '=')
			return argv[i] + k + 1;
	return NULL;
}

static void mac_of(const char *name, uint8_t mac[6])
{
	l4_net_mac_from_name(name, mac);
}

/* A test frame: to dst, kind, seq, len bytes in all, a pattern of seq. */
static unsigned make(uint8_t *f, const uint8_t dst[6], unsigned kind, unsigned seq, unsigned len)
{
	__builtin_memcpy(f, dst, 6);
	__builtin_memcpy(f + 6, me, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	f[14] = (uint8_t)kind;
	for (unsigned i = 0; i < 4; i++)
		f[15 + i] = (uint8_t)(seq >> (8 * i));
	for (unsigned i = 19; i < len; i++)
		f[i] = (uint8_t)(seq * 7 + i);
	return len;
}

static unsigned kind_of(const uint8_t *f, unsigned len)
{
	return len >= 19 && f[12] == ETHERTYPE >> 8 && f[13] == (ETHERTYPE & 0xff) ? f[14] : 0;
}

static unsigned seq_of(const uint8_t *f)
{
	return (unsigned)f[15] | (unsigned)f[16] << 8 | (unsigned)f[17] << 16 | (unsigned)f[18] << 24;
}

static bool from(const uint8_t *f, const uint8_t mac[6])
{
	return __builtin_memcmp(f + 6, mac, 6) == 0;
}

static void sleep_forever(void)
{
	for (;;)
		l4_sleep_us(1000000000ul);
}

static void attach_or_die(unsigned flags)
{
	l4_word_t err = l4_net_attach(&n, l4_env_cap("net"), L4_NET_PORT_ADDR, flags);

	if (!check(!err, "attach (error %lu %s)", (unsigned long)err, error_name(err))) {
		finish();
		sleep_forever();
	}
}

static void echo(void)
{
	attach_or_die(0);
	l4_printf("echoing on port %lu\n", (unsigned long)n.port);
	for (;;) {
		l4_recv(n.notify, L4_TIMEOUT_NEVER);
		unsigned len, sent = 0;
		while (l4_netring_take(&n.rx, in, &len, NULL) == L4_NETRING_FRAME) {
			if (kind_of(in, len) != KIND_REQ || __builtin_memcmp(in, me, 6) != 0)
				continue;
			__builtin_memcpy(in, in + 6, 6);
			__builtin_memcpy(in + 6, me, 6);
			in[14] = KIND_REPLY;
			sent += l4_netring_put(&n.tx, in, len, NULL) == L4_NETRING_FRAME;
		}
		if (sent)
			l4_net_ring(&n);
	}
}

static void flood(void)
{
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	unsigned sent = 0, full = 0, len;
	bool done = false;

	attach_or_die(0);
	make(frame, all, KIND_FLOOD, 0, 1000);
	while (!done && sent < FLOOD_MAX) {
		int r = l4_netring_put(&n.tx, frame, 1000, NULL);
		if (r == L4_NETRING_FRAME)
			sent++;
		else
			full++;
		if (r != L4_NETRING_FRAME || sent % 16 == 0) {
			l4_net_ring(&n);
			l4_yield();                     /* (as a guest's vCPU is preempted) */
		}
		/* Now and then a look for the sender's done, the rest dropped. */
		if ((sent + full) % 256 == 0)
			while (l4_netring_take(&n.rx, in, &len, NULL) == L4_NETRING_FRAME)
				done |= kind_of(in, len) == KIND_DONE;
	}
	l4_net_ring(&n);
	check(sent > 1000, "flooded the switch with %u broadcast frames (ring full %u times) until the sender was done",
	      sent, full);
	finish();
}

static void slow(void)
{
	attach_or_die(0);
	l4_printf("attached to port %lu; never reading\n", (unsigned long)n.port);
	sleep_forever();
}

static void isolated(void)
{
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	attach_or_die(0);
	for (unsigned i = 0; i < 10; i++)
		l4_netring_put(&n.tx, frame, make(frame, all, KIND_HELLO, i, 64), NULL);
	l4_net_ring(&n);
	l4_printf("10 broadcast frames sent from a segment of its own\n");
	sleep_forever();
}

/* A call with words MR0..; its error or the switch's answer. */
static l4_word_t raw(l4_word_t label, unsigned words, const l4_word_t *w, unsigned items, const l4_word_t *iw)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned i = 0; i < words; i++)
		u->mr[i] = w[i];
	for (unsigned i = 0; i < 2 * items; i++)
		u->mr[words + i] = iw[i];
	return l4_net_result(l4_call(n.ep, l4_tag(label, words, items), L4_TIMEOUT_NEVER));
}

static void expect(l4_word_t got, l4_word_t want, const char *what)
{
	check(got == want, "%s -> %lu (%s)", what, (unsigned long)got, error_name(got));
}

static struct l4_net_stats stats(l4_word_t port)
{
	struct l4_net_stats s = { 0 };
	l4_word_t err = l4_net_stats(&n, port, &s);

	if (err)
		l4_printf("STATS of port %lu -> %lu\n", (unsigned long)port, (unsigned long)err);
	return s;
}

/* Waits (a while at most) until the switch has taken our tx ring's frames. */
static void settle(void)
{
	for (unsigned i = 0; i < 200 && n.mem->tx.cons != n.mem->tx.prod; i++)
		l4_sleep_us(5000);
	l4_sleep_us(20000);
}

static void bad(const char *sender, const char *arg_echo)
{
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct l4_utcb *u = l4_utcb();
	uint8_t sender_mac[6];
	unsigned len;

	n.ep = l4_env_cap("net");
	mac_of(sender, sender_mac);
	/* Requests of the wrong shape. */
	l4_cap_t note = l4_make(L4_FACTORY_NOTIFICATION), door = l4_slot_alloc();
	u->br[L4_BR_MEM_WINDOW] = l4_fpage_mem(L4_NET_PORT_ADDR, L4_NET_PORT_ORDER, 0);
	u->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(door, 0, 0);
	expect(raw(L4_NET_ATTACH, 1, (l4_word_t[]){ 0 }, 0, NULL), L4_EMSG, "ATTACH without a notification");
	l4_word_t item[2];
	l4_item_cap(item, n.ep, L4_CAP_RIGHT_WRITE);
	expect(raw(L4_NET_ATTACH, 1, (l4_word_t[]){ 0 }, 1, item), L4_EMSG, "ATTACH with an endpoint for a notification");
	l4_item_cap(item, note, L4_CAP_RIGHT_READ);
	expect(raw(L4_NET_ATTACH, 1, (l4_word_t[]){ 0 }, 1, item), L4_EMSG, "ATTACH with a notification without WRITE");
	l4_item_cap(item, note, L4_CAP_RIGHT_WRITE);
	expect(raw(L4_NET_ATTACH, 1, (l4_word_t[]){ 0x80 }, 1, item), L4_EINVAL, "ATTACH with unknown flags");
	expect(raw(L4_NET_ATTACH, 0, NULL, 1, item), L4_EMSG, "ATTACH with no words");
	l4_item_map(item, 0, l4_fpage_mem(L4_NET_PORT_ADDR, 12, L4_FP_RW));
	expect(raw(L4_NET_ATTACH, 1, (l4_word_t[]){ 0 }, 1, item), L4_EMSG, "ATTACH with a memory item");
	u->br[L4_BR_MEM_WINDOW] = u->br[L4_BR_CAP_WINDOW] = 0;
	expect(raw(L4_NET_STATS, 0, NULL, 0, NULL), L4_EMSG, "STATS with no words");
	expect(raw(L4_NET_STATS, 1, (l4_word_t[]){ L4_NET_MAX_PORTS }, 0, NULL), L4_ENOENT, "STATS of port 8");
	expect(raw(L4_NET_STATS, 1, (l4_word_t[]){ 1ull << 40 }, 0, NULL), L4_ENOENT, "STATS of port 2^40");
	expect(raw(77, 1, (l4_word_t[]){ 0 }, 0, NULL), L4_ENOSYS, "unknown label 77");
	expect(raw(L4_SERVER_CLIENT_GONE, 1, (l4_word_t[]){ 1 }, 0, NULL), L4_ERIGHTS, "a client-gone notice from a client");

	/* Attach without a memory window: the mapping is refused. */
	l4_item_cap(item, note, L4_CAP_RIGHT_WRITE);
	u->br[L4_BR_CAP_WINDOW] = l4_fpage_cap(door, 0, 0);
	expect(raw(L4_NET_ATTACH, 1, (l4_word_t[]){ 0 }, 1, item), L4_EMSG, "ATTACH without a memory window (refused)");
	u->br[L4_BR_CAP_WINDOW] = 0;
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, door);

	/* Properly, then garbage in the rings. */
	n.ep = L4_CAP_NONE;
	attach_or_die(0);
	struct l4_net_stats s0 = stats(L4_NET_MY_PORT);
	struct l4_net_ring *tx = &n.mem->tx;
	tx->slot[0].len = 0;
	tx->slot[1].len = L4_NET_FRAME_MAX + 1;
	tx->slot[2].len = 0xffff;
	make(tx->slot[3].frame, all, KIND_HELLO, 0, 60);
	tx->slot[3].len = 60;
	tx->slot[4].len = 60;                              /* a group source: no station sends so */
	make(tx->slot[4].frame, all, KIND_HELLO, 1, 60);
	tx->slot[4].frame[6] = 0x01;
	tx->slot[5].len = 100;                             /* a partial checksum past the frame */
	tx->slot[5].flags = L4_NET_F_NEEDS_CSUM;
	tx->slot[5].csum_start = 90;
	tx->slot[5].csum_offset = 9;
	make(tx->slot[5].frame, all, KIND_HELLO, 2, 100);
	tx->prod = 6;
	l4_net_ring(&n);
	settle();
	struct l4_net_stats s1 = stats(L4_NET_MY_PORT);
	check(s1.bad - s0.bad == 5 && s1.tx_frames - s0.tx_frames == 3,
	      "5 bad frames among 6 (lengths 0, 1515, 65535, a group source, a partial checksum past the end): %lu bad, "
	      "%lu taken", (unsigned long)(s1.bad - s0.bad), (unsigned long)(s1.tx_frames - s0.tx_frames));
	tx->prod = 6 + L4_NET_RING_SLOTS + 1;              /* more than the ring holds */
	l4_net_ring(&n);
	settle();
	struct l4_net_stats s2 = stats(L4_NET_MY_PORT);
	check(s2.bad == s1.bad + 1, "a tx index past the ring breaks it: %lu more bad", (unsigned long)(s2.bad - s1.bad));
	tx->prod = 7;
	make(tx->slot[6].frame, all, KIND_HELLO, 3, 60);
	tx->slot[6].len = 60;
	l4_net_ring(&n);
	settle();
	check(stats(L4_NET_MY_PORT).tx_frames == s2.tx_frames, "a broken ring stays broken: nothing more is taken");
	n.mem->rx.cons = 12345;                            /* the rx ring too */
	expect(l4_net_attach_with(&n, n.ep, L4_NET_PORT_ADDR, 0, n.notify, 0), L4_OK, "ATTACH again");
	check(n.mem->tx.prod == 0 && n.mem->rx.cons == 0 && n.mem->tx.slot[3].len == 0,
	      "after ATTACH again both rings are empty and zeroed");
	struct l4_net_stats s3 = stats(L4_NET_MY_PORT);
	l4_net_send(&n, frame, make(frame, all, KIND_HELLO, 4, 60));
	settle();
	check(stats(L4_NET_MY_PORT).tx_frames == s3.tx_frames + 1, "the port works again after ATTACH");
	/* Our rx ring's consumer index runs past what the switch put there:
	 * that breaks our rx, when the switch next puts a frame there (the
	 * echo's answer to ours). */
	n.mem->rx.cons = n.mem->rx.prod + 5;
	uint8_t echo_mac[6];
	mac_of(arg_echo, echo_mac);
	for (unsigned i = 0; i < 300 && stats(L4_NET_MY_PORT).bad == s3.bad; i++) {
		l4_net_send(&n, frame, make(frame, echo_mac, KIND_REQ, 99, 80));
		l4_sleep_us(10000);
	}
	check(stats(L4_NET_MY_PORT).bad == s3.bad + 1, "an rx index past what the switch put there breaks our rx ring");

	/* Unmapping our view of the port loses only our view. */
	l4_word_t e = L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(L4_NET_PORT_ADDR, L4_NET_PORT_ORDER, L4_FP_RWX),
				L4_UNMAP_SELF).error;
	check(!e, "unmap our view of the port's memory (error %lu)", (unsigned long)e);
	l4_net_ring(&n);
	expect(l4_net_attach_with(&n, n.ep, L4_NET_PORT_ADDR, 0, n.notify, 0), L4_OK, "ATTACH again after the unmap");

	/* Leave in the middle of the sender's transfer, which begins when
	 * it has our word that we are ready. */
	l4_net_send(&n, frame, make(frame, sender_mac, KIND_HELLO, 0, 60));
	l4_sleep_us(50000);
	(void)len;
	l4_printf("leaving during the sender's transfer\n");
	finish();
}

static void stranger(void)
{
	struct l4_net s;

	expect(l4_net_attach(&s, l4_env_cap("net"), L4_NET_PORT_ADDR, 0), L4_ERIGHTS, "ATTACH without a port");
	n.ep = l4_env_cap("net");
	expect(raw(L4_NET_STATS, 1, (l4_word_t[]){ 0 }, 0, NULL), L4_ERIGHTS, "STATS without a port");
	finish();
}

static void sender(int argc, char **argv)
{
	const char *peer = arg(argc, argv, "peer"), *fl = arg(argc, argv, "flood");
	uint8_t peer_mac[6], flood_mac[6];
	unsigned len, flood_seen = 0, resent = 0, good = 0;

	attach_or_die(L4_NET_ACCEPT_PARTIAL);
	mac_of(peer ? peer : "net-b", peer_mac);
	mac_of(fl ? fl : "net-flood", flood_mac);
	/* The flood first. */
	for (unsigned i = 0; i < 1000 && !flood_seen; i++) {
		l4_recv(n.notify, 10000);
		while (l4_netring_take(&n.rx, in, &len, NULL) == L4_NETRING_FRAME)
			flood_seen += kind_of(in, len) == KIND_FLOOD && from(in, flood_mac);
	}
	check(flood_seen > 0, "the flooder's frames arrive before the transfer starts");
	const char *p;
	if ((p = arg(argc, argv, "slow-port")))
		for (unsigned i = 0; i < 1000 && !stats((l4_word_t)(*p - '0')).attached; i++)
			l4_sleep_us(10000);
	/* The bad client's word that it is ready to leave. */
	const char *bad_name = arg(argc, argv, "bad");
	bool bad_ready = !bad_name;
	uint8_t bad_mac[6];
	mac_of(bad_name ? bad_name : "", bad_mac);
	for (unsigned i = 0; i < 3000 && !bad_ready; i++) {
		l4_recv(n.notify, 10000);
		while (l4_netring_take(&n.rx, in, &len, NULL) == L4_NETRING_FRAME)
			bad_ready |= kind_of(in, len) == KIND_HELLO && from(in, bad_mac);
	}
	bool bad_attached = (p = arg(argc, argv, "bad-port")) && stats((l4_word_t)(*p - '0')).attached;
	uint64_t t0 = l4_rdtsc();
	for (unsigned seq = 0; seq < FRAMES; seq++) {
		unsigned l = L4_NET_FRAME_MIN + 5 + seq * 37 % (L4_NET_FRAME_MAX - L4_NET_FRAME_MIN - 4);
		bool back = false;
		for (unsigned tries = 0; tries < 50 && !back; tries++) {
			resent += tries > 0;
			l4_net_send(&n, frame, make(frame, peer_mac, KIND_REQ, seq, l));
			for (unsigned w = 0; w < 4 && !back; w++) {
				l4_recv(n.notify, 5000);
				while (l4_netring_take(&n.rx, in, &len, NULL) == L4_NETRING_FRAME) {
					flood_seen += kind_of(in, len) == KIND_FLOOD;
					if (kind_of(in, len) != KIND_REPLY || seq_of(in) != seq || !from(in, peer_mac))
						continue;
					make(frame, me, KIND_REPLY, seq, l);
					__builtin_memcpy(frame + 6, peer_mac, 6);
					back = true;
					good += len == l && __builtin_memcmp(in, frame, l) == 0;
				}
			}
		}
	}
	uint64_t ticks = l4_rdtsc() - t0;
	check(good == FRAMES, "%u of %u frames (14-1514 bytes) echoed intact by %s, %u resent, while %u flood frames "
	      "arrived too (%llu TSC ticks)", good, FRAMES, peer ? peer : "net-b", resent, flood_seen,
	      (unsigned long long)ticks);
	/* Done: the flooder stops (its look at its rx may miss some). */
	static const uint8_t all[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	for (unsigned i = 0; i < 20; i++) {
		l4_net_send(&n, frame, make(frame, all, KIND_DONE, i, 60));
		l4_sleep_us(20000);
	}
	/* What the switch counted for the others (slow-port=N and so on:
	 * their ports' numbers, the order of the switch's arguments). */
	if ((p = arg(argc, argv, "flood-port"))) {
		struct l4_net_stats s = stats((l4_word_t)(*p - '0'));
		check(s.tx_dropped > 0 && s.tx_frames > s.tx_dropped,
		      "storm control: of the flooder's %lu frames, %lu dropped at the switch", (unsigned long)s.tx_frames,
		      (unsigned long)s.tx_dropped);
	}
	if ((p = arg(argc, argv, "slow-port"))) {
		struct l4_net_stats s = stats((l4_word_t)(*p - '0'));
		check(s.attached && s.rx_frames == L4_NET_RING_SLOTS && s.rx_dropped > 0,
		      "the port that never reads: %lu frames in its ring, %lu dropped, the others went on",
		      (unsigned long)s.rx_frames, (unsigned long)s.rx_dropped);
	}
	if ((p = arg(argc, argv, "isolated-port"))) {
		struct l4_net_stats s = stats((l4_word_t)(*p - '0'));
		check(s.tx_frames == 10 && s.rx_frames == 0,
		      "the port on a segment of its own: sent %lu, received %lu frames", (unsigned long)s.tx_frames,
		      (unsigned long)s.rx_frames);
	}
	if ((p = arg(argc, argv, "bad-port"))) {
		struct l4_net_stats s;
		for (unsigned i = 0; i < 1000 && (s = stats((l4_word_t)(*p - '0'))).attached; i++)
			l4_sleep_us(10000);
		check(bad_attached && !s.attached && s.bad >= 7,
		      "the bad client's port: attached when the transfer began, detached after it ended, %lu bad things "
		      "counted", (unsigned long)s.bad);
	}
	finish();
}

int main(int argc, char **argv)
{
	const char *role = arg(argc, argv, "role");

	mac_of(l4_env->name, me);
	if (!role) {
		l4_printf("no role=\n");
		return 1;
	}
	if (!__builtin_strcmp(role, "echo"))
		echo();
	else if (!__builtin_strcmp(role, "sender"))
		sender(argc, argv);
	else if (!__builtin_strcmp(role, "flood"))
		flood();
	else if (!__builtin_strcmp(role, "slow"))
		slow();
	else if (!__builtin_strcmp(role, "isolated"))
		isolated();
	else if (!__builtin_strcmp(role, "bad"))
		bad(arg(argc, argv, "sender") ? arg(argc, argv, "sender") : "net-a",
		    arg(argc, argv, "echo") ? arg(argc, argv, "echo") : "net-b");
	else if (!__builtin_strcmp(role, "stranger"))
		stranger();
	return failures ? 1 : 0;
}
