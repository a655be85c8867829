/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * neighbour [SHIFT [PERIODS]]: a native thread's IPC round trips beside a
 * VM that storms in alternate periods of 2^SHIFT TSC ticks (the guest
 * tests/guests/mbsmp.S with `storm`: IPIs, start-up IPIs and INITs in even
 * periods, calm in odd ones; its TSC is ours). After a warm-up of two
 * periods (the VM starts), it calls a thread of its own in batches of 64
 * call/reply round trips for PERIODS periods (default 2^25 and 16), files
 * each batch that lies within one period under its period's kind, and
 * prints the median round trip beside the storm and beside the calm VM,
 * and their ratio. It then ends the machine with status 0 (it has `debug`:
 * tests/boot/bochs-vmm-smp-storm.cfg). A figure, never a verdict: make test
 * checks that it is printed, not what it is.
 */
#include "l4lib.h"

#define BATCH 64
#define MAX_BATCHES 4096

static l4_cap_t ep;
static unsigned long storm[MAX_BATCHES], calm[MAX_BATCHES];

static long server(long arg)
{
	(void)arg;
	l4_recv(ep, L4_TIMEOUT_NEVER);
	for (;;)
		l4_reply_wait(ep, l4_tag(0, 0, 0), L4_TIMEOUT_NEVER);
	return 0;
}

static unsigned long number(const char *s, unsigned long dflt)
{
	unsigned long v = 0;

	if (!s || !*s)
		return dflt;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (unsigned long)(*s - '0');
	return v;
}

static void sort(unsigned long *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		unsigned long v = a[i];
		unsigned j = i;
		for (; j > 0 && a[j - 1] > v; j--)
			a[j] = a[j - 1];
		a[j] = v;
	}
}

int main(int argc, char **argv)
{
	unsigned shift = (unsigned)number(argc > 1 ? argv[1] : NULL, 25);
	unsigned long periods = number(argc > 2 ? argv[2] : NULL, 16);
	unsigned nstorm = 0, ncalm = 0, split = 0;

	if (shift < 16 || shift > 40 || periods < 2) {
		l4_printf("usage: neighbour [SHIFT (16..40) [PERIODS (2 or more)]]\n");
		return 1;
	}
	ep = l4_make(L4_FACTORY_ENDPOINT);
	l4_cap_t th = ep == L4_CAP_NONE ? L4_CAP_NONE : l4_thread_start(server, 0, (unsigned)l4_env->priority);
	if (th == L4_CAP_NONE) {
		l4_printf("no endpoint or server thread\n");
		return 1;
	}
	/* Both on CPU 0, where the storming VM's first vCPU is too. */
	if (l4_thread_set_cpu(th, 0) || l4_thread_set_cpu(L4_CAP_THREAD, 0)) {
		l4_printf("cannot bind the threads to CPU 0\n");
		return 1;
	}
	unsigned long long start = l4_rdtsc(), period = 1ull << shift;
	unsigned long long from = ((start >> shift) + 2) << shift, until = from + periods * period;
	l4_printf("measuring round trips on CPU 0 beside the storming VM, %lu periods of 2^%u ticks\n",
		  periods, shift);
	while (l4_rdtsc() < from)
		l4_sleep_us(1000);
	/* A batch, then a millisecond's sleep: the CPU is the VMs' too. */
	for (unsigned long long t0 = l4_rdtsc(); t0 < until; l4_sleep_us(1000), t0 = l4_rdtsc()) {
		for (unsigned i = 0; i < BATCH; i++)
			l4_call(ep, l4_tag(0, 0, 0), L4_TIMEOUT_NEVER);
		unsigned long long t1 = l4_rdtsc();
		unsigned long per = (unsigned long)((t1 - t0) / BATCH);
		if (t0 >> shift != t1 >> shift)
			split++;                          /* across a period's end: neither */
		else if (!(t0 >> shift & 1) && nstorm < MAX_BATCHES)
			storm[nstorm++] = per;
		else if (t0 >> shift & 1 && ncalm < MAX_BATCHES)
			calm[ncalm++] = per;
	}
	if (!nstorm || !ncalm) {
		l4_printf("too few batches (%u beside the storm, %u beside the calm VM)\n", nstorm, ncalm);
		return 1;
	}
	sort(storm, nstorm);
	sort(calm, ncalm);
	unsigned long s = storm[nstorm / 2], c = calm[ncalm / 2];
	l4_printf("round trip beside the storming VM: median %lu ticks (%u batches of %u); beside it calm: "
		  "median %lu ticks (%u batches); %lu.%lu%% of the calm figure (%u batches across periods)\n",
		  s, nstorm, BATCH, c, ncalm, s * 100 / c, s * 1000 / c % 10, split);
	l4_flush();
	l4_sleep_us(500000);                              /* the console server's queue drains */
	if (l4_debug_exit(0))
		l4_printf("no debug capability: the machine goes on\n");
	return 0;
}
