/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's network card (vmm.net): the board's virtio-net device
 * (dev/virtio_net.h) on a port of the virtual switch (include/l4/net.h,
 * `use net` in the VMM's configuration).
 *
 * The net thread moves the frames. It sleeps on one notification that
 * two parties signal: the switch (badge NET_SWITCH: frames in our rx
 * ring, or room in our tx ring) and the VMM itself at the lock's release
 * when the guest notified a queue (the device's kick; the unbadged bit
 * 0). Under the VMM lock it moves the guest's tx frames from guest RAM
 * straight into the tx ring's slots and takes frames from the rx ring
 * into the guest's rx buffers; after the lock it rings the switch's
 * doorbell once, if it put frames in. When the tx ring is full, the
 * guest's frames wait in its own queue (the switch signals when it took
 * some). When the guest has posted no rx buffers, the frame taken waits
 * here (held) and the rx ring fills behind it; then the switch drops
 * what comes for us, and counts it: a guest that does not read never
 * holds up the switch.
 */
#include "vmm.h"
#include "l4net.h"

#define NET_SWITCH 2ull                   /* the switch's badge on our notification */
#define NET_TX_BATCH 64                   /* guest frames per pass */

static struct l4_net net;
static uint8_t held[L4_NET_FRAME_MAX];    /* a frame from the switch that waits for guest buffers */
static unsigned held_len;
static struct l4_net_meta held_meta;
static bool holding;
/* Statistics: passes of the net thread, its wake-ups by the switch and by
 * the guest, doorbells rung. */
static unsigned long long passes, wake_switch, wake_guest, doorbells;

static struct l4_net_slot *tx_reserve(void *ctx)
{
	(void)ctx;
	return l4_netring_reserve(&net.tx);
}

static void tx_commit(void *ctx, unsigned len, const struct l4_net_meta *meta)
{
	(void)ctx;
	l4_netring_commit(&net.tx, len, meta);
}

/* With the lock held, inside the device: the net thread takes over at
 * the unlock. */
static void net_kick(void *ctx)
{
	(void)ctx;
	vmm_wake_at_unlock(net.notify);
}

/* Frames from the switch into the guest while it has buffers: how many. */
static unsigned receive(void)
{
	unsigned got = 0;

	for (;;) {
		if (!holding) {
			int r = l4_netring_take(&net.rx, held, &held_len, &held_meta);
			if (r == L4_NETRING_BAD) {
				/* The switch broke our rx ring (it never should): start afresh. */
				l4_printf("vmm: net: the switch's rx ring is broken; attaching again\n");
				if (l4_net_attach_with(&net, net.ep, L4_NET_PORT_ADDR, L4_NET_ACCEPT_PARTIAL, net.notify,
						       NET_SWITCH))
					l4_printf("vmm: net: the switch refused; no network\n");
			}
			if (r != L4_NETRING_FRAME)
				return got;
			holding = true;
		}
		int v = vnet_rx(&board.net, held, held_len, &held_meta);
		if (v == 0)
			return got;                       /* no buffers: the guest posts more, and kicks */
		holding = false;
		got += v == 1;
	}
}

static long net_thread(long arg)
{
	(void)arg;
	while (!guest_done) {
		struct l4_result r = l4_recv(net.notify, L4_TIMEOUT_NEVER);
		if (!r.error) {
			wake_switch += (r.badge & NET_SWITCH) != 0;
			wake_guest += (r.badge & 1) != 0;
		}
		for (bool more = true; more && !guest_done;) {
			vmm_lock();
			unsigned sent = vnet_tx(&board.net, NET_TX_BATCH);
			unsigned got = receive();
			if (sent || got)
				board_kick_pending(&board);   /* (the vCPU the interrupt went to) */
			vmm_unlock();
			passes++;
			if (sent) {
				l4_net_ring(&net);
				doorbells++;
			}
			more = sent == NET_TX_BATCH || got;
		}
	}
	return 0;
}

void net_print_stats(void)
{
	if (!board.has_net)
		return;
	const struct vnet_stats *d = &board.net.stats;
	l4_printf("vmm: net: tx %llu frames %llu bytes (%llu dropped), rx %llu frames %llu bytes (%llu dropped, %llu "
		  "waits for buffers); net thread: %llu passes, woken %llu times by the switch and %llu by the guest, %llu "
		  "doorbells\n", d->tx_frames, d->tx_bytes, d->tx_dropped, d->rx_frames, d->rx_bytes, d->rx_dropped,
		  d->rx_waits, passes, wake_switch, wake_guest, doorbells);
}

bool net_open(const uint8_t mac[6], struct vnet_backend *be)
{
	l4_cap_t ep = l4_env_cap("net");
	l4_word_t err;

	if (ep == L4_CAP_NONE) {
		l4_printf("vmm: vmm.net: no virtual switch (the program needs `use net`): no network\n");
		return false;
	}
	l4_cap_t notify = l4_make(L4_FACTORY_NOTIFICATION);
	net.ep = L4_CAP_NONE;
	if (notify == L4_CAP_NONE ||
	    (err = l4_net_attach_with(&net, ep, L4_NET_PORT_ADDR, L4_NET_ACCEPT_PARTIAL, notify, NET_SWITCH))) {
		l4_printf("vmm: vmm.net: the switch refused (error %lu): no network\n",
			  (unsigned long)(notify == L4_CAP_NONE ? L4_ENOMEM : err));
		return false;
	}
	*be = (struct vnet_backend){ .tx_reserve = tx_reserve, .tx_commit = tx_commit, .kick = net_kick };
	if (mac)
		__builtin_memcpy(be->mac, mac, 6);
	else
		l4_net_mac_from_name(l4_env->name, be->mac);
	mac = be->mac;
	l4_printf("vmm: net: port %lu of the switch, %02x:%02x:%02x:%02x:%02x:%02x, as virtio-net\n",
		  (unsigned long)net.port, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return true;
}

bool net_start(void)
{
	if (l4_thread_start(net_thread, 0, (unsigned)l4_env->priority) != L4_CAP_NONE)
		return true;
	l4_printf("vmm: net: no net thread: no network\n");
	return false;
}
