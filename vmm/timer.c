/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The timer thread: it sleeps until the board's next timer event is due
 * (next_deadline, which the handlers keep current), runs the timers, and
 * gets every vCPU that has an interrupt to take an exit (a kick), so a
 * guest that computes without exits still gets its timer interrupts. With
 * `input` it also polls the console server for typed bytes every 10 ms
 * and has vCPU 0 exit to feed them to the guest (input.h).
 */
#include <l4/console.h>
#include "vmm.h"

#define INPUT_POLL_US 10000               /* how often typed input is fetched */
#define INPUT_CHUNK 64                    /* bytes one L4_CONSOLE_READ returns at most */

/* Typed bytes from the console server into the input ring; true if any came. */
static bool fetch_input(l4_cap_t log)
{
	l4_word_t *mr = l4_utcb()->mr;
	unsigned room = input_room(&input);
	uint8_t bytes[INPUT_CHUNK];

	if (log == L4_CAP_NONE || room == 0)
		return false;
	mr[0] = room < INPUT_CHUNK ? room : INPUT_CHUNK;
	struct l4_result r = l4_call(log, l4_tag(L4_CONSOLE_READ, 1, 0), 100000);
	if (r.error || l4_tag_label(r.tag))
		return false;
	unsigned n = (unsigned)mr[0];
	if (n > INPUT_CHUNK)
		n = INPUT_CHUNK;
	for (unsigned i = 0; i < n; i++)
		bytes[i] = (uint8_t)(mr[1 + i / 8] >> (8 * (i % 8)));
	input_put(&input, bytes, n);
	return n > 0;
}

long timer_thread(long arg)
{
	(void)arg;
	l4_cap_t never = l4_make(L4_FACTORY_NOTIFICATION);
	l4_cap_t log = l4_env->flags & L4_ENV_INPUT ? l4_env_cap("log") : L4_CAP_NONE;

	while (!guest_done) {
		vdev_time_t now = now_ns(), due = next_deadline;
		if (fetch_input(log))
			due = now;                        /* the handler feeds the UART at once */
		if (due <= now) {
			/* The timers up to now; each vCPU with an interrupt to take
			 * (vCPU 0 also for typed input) gets a window exit. */
			vmm_lock();
			board_advance(&board, BOARD_NO_CPU, now);
			next_deadline = board_next_event(&board);
			for (unsigned i = 0; i < nvcpus; i++)
				if (i == 0 || irq_waiting(&board, i, &vcpus[i].irq))
					vcpu_kick(NULL, i);
			vmm_unlock();
			continue;
		}
		vdev_time_t wait = due - now;
		l4_recv(never, wait > 10000000 || log != L4_CAP_NONE ? INPUT_POLL_US : (wait + 999) / 1000);
	}
	return 0;
}
