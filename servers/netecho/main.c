/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * netecho: a native network endpoint on the virtual switch (protocol:
 * include/l4/net.h). It answers ARP for its IPv4 address, ICMP echo
 * requests (ping) and UDP datagrams to port 7 (echo), and takes those to
 * port 9 (discard); what it answers and why it ignores the rest is
 * packet.c's.
 *
 * Arguments: ip=A.B.C.D, its address (required), and mac=xx:xx:xx:xx:xx:xx
 * (a unicast address; default: l4_net_mac_from_name of its program name,
 * the same from boot to boot). It needs `use net`. At start it attaches
 * to the switch and prints its addresses and port.
 *
 * The counters are printed as one line, once the frames that came with
 * the request are answered, when a UDP datagram to port 9 says "stats"
 * (with a line end or without: `l4udp echo A.B.C.D 9 stats` from the
 * test guest), and when the frames ignored reach 64, 128, 256 and so on
 * (so a stream of frames that go wrong shows even when nothing gets
 * through, and costs a line per doubling, not one each: a segment's
 * broadcasts for others are many):
 *   answered arp A icmp I udp U, discarded D; ignored REASON N ...; rx R tx T (dropped X)
 * with only the reasons that counted something ("ignored nothing" if
 * none), rx the frames taken from the switch, tx those given to it,
 * dropped the replies that found the tx ring full.
 *
 * The loop: wait for the switch's signal, take every frame waiting in rx,
 * answer it, put the reply into tx, ring the doorbell once per batch (at
 * most a ring's worth: the switch takes them while we go on). A reply
 * that finds tx full is dropped, as a busy host's would be. When the
 * switch breaks a ring (an index it must not write), we say so and
 * attach again: the rings start afresh.
 *
 * Exit codes: 1 bad arguments, 2 no `use net`, 3 the switch refused us
 * (no port for this program: its `port:` argument), 4 waiting failed.
 */
#include "l4net.h"
#include "packet.h"

enum { EXIT_ARGS = 1, EXIT_NO_NET = 2, EXIT_ATTACH = 3, EXIT_WAIT = 4 };

static struct echo echo;
static uint8_t frame[L4_NET_FRAME_MAX], reply[L4_NET_FRAME_MAX];

/* The value of arg if it is "key=value", else NULL. */
static const char *arg_value(const char *arg, const char *key)
{
	while (*key && *arg == *key)
		arg++, key++;
	return *key || *arg != '=' ? NULL : arg + 1;
}

/* ip= and mac= into ip and mac (mac stays as it is without one); false,
 * after a line saying why, if they are not right. */
static bool args_parse(int argc, char **argv, uint8_t ip[4], uint8_t mac[6])
{
	bool have_ip = false, have_mac = false;

	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = arg_value(argv[i], "ip")) && !have_ip) {
			if (!echo_ip_parse(v, ip)) {
				l4_printf("ip=%s: not a host's IPv4 address A.B.C.D\n", v);
				return false;
			}
			have_ip = true;
		} else if ((v = arg_value(argv[i], "mac")) && !have_mac) {
			if (!l4_net_mac_parse(v, mac)) {
				l4_printf("mac=%s: not a unicast Ethernet address xx:xx:xx:xx:xx:xx\n", v);
				return false;
			}
			have_mac = true;
		} else {
			l4_printf("argument \"%s\": unknown, or given twice\n", argv[i]);
			return false;
		}
	}
	if (!have_ip)
		l4_printf("needs its address: args \"ip=A.B.C.D\" [\"mac=xx:xx:xx:xx:xx:xx\"]\n");
	return have_ip;
}

/* The counters, as one line (l4_printf sends a line when it ends). */
static void stats_print(const struct l4_net *n)
{
	bool none = true;

	l4_printf("answered arp %llu icmp %llu udp %llu, discarded %llu; ignored", echo.arp, echo.icmp, echo.udp,
		  echo.discarded);
	for (unsigned i = 0; i < ECHO_REASONS; i++)
		if (echo.ignored[i]) {
			l4_printf(" %s %llu", echo_reason_name[i], echo.ignored[i]);
			none = false;
		}
	l4_printf("%s; rx %llu tx %llu (dropped %llu)\n", none ? " nothing" : "", n->rx.frames, n->tx.frames,
		  n->tx.dropped);
}

/* Answers every frame waiting in rx: L4_NETRING_EMPTY, or
 * L4_NETRING_BAD when the switch broke either ring. */
static int serve(struct l4_net *n)
{
	unsigned len, queued = 0;
	int r;

	while ((r = l4_netring_take(&n->rx, frame, &len, NULL)) == L4_NETRING_FRAME) {
		unsigned out = echo_answer(&echo, frame, len, reply);
		if (!out)
			continue;
		/* (L4_NETRING_FULL: dropped, and counted in tx.dropped.) */
		if ((r = l4_netring_put(&n->tx, reply, out, NULL)) == L4_NETRING_BAD)
			break;
		if (r == L4_NETRING_FRAME && ++queued == L4_NET_RING_SLOTS) {
			l4_net_ring(n);
			queued = 0;
		}
	}
	if (queued)
		l4_net_ring(n);
	return r;
}

int main(int argc, char **argv)
{
	uint8_t ip[4], mac[6];
	struct l4_net n;

	l4_net_mac_from_name(l4_env ? l4_env->name : "netecho", mac);
	if (!args_parse(argc, argv, ip, mac))
		return EXIT_ARGS;
	l4_cap_t ep = l4_env_cap("net");
	if (ep == L4_CAP_NONE) {
		l4_printf("no virtual switch: needs `use net`\n");
		return EXIT_NO_NET;
	}
	l4_word_t err = l4_net_attach(&n, ep, L4_NET_PORT_ADDR, 0);
	if (err) {
		l4_printf("the switch refused us (error %lu)%s\n", (unsigned long)err,
			  err == L4_ERIGHTS ? ": no port for us (its args: port:PROGRAM=SEGMENT)" : "");
		return EXIT_ATTACH;
	}
	echo_init(&echo, mac, ip);
	l4_printf("%u.%u.%u.%u at %02x:%02x:%02x:%02x:%02x:%02x on port %lu, UDP echo on port %u\n", ip[0], ip[1],
		  ip[2], ip[3], mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], (unsigned long)n.port, ECHO_PORT);
	for (;;) {
		struct l4_result w = l4_recv(n.notify, L4_TIMEOUT_NEVER);
		if (w.error) {
			l4_printf("waiting for the switch failed (error %lu)\n", (unsigned long)w.error);
			return EXIT_WAIT;
		}
		int r = serve(&n);
		if (echo.report) {
			stats_print(&n);
			echo.report = false;
		}
		if (r != L4_NETRING_BAD)
			continue;
		l4_printf("the switch broke our %s ring: attaching again\n", n.rx.bad ? "rx" : "tx");
		if ((err = l4_net_attach_with(&n, ep, L4_NET_PORT_ADDR, 0, L4_CAP_NONE, 0))) {
			l4_printf("attaching again failed (error %lu)\n", (unsigned long)err);
			return EXIT_ATTACH;
		}
	}
}
