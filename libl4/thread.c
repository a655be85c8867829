/* SPDX-License-Identifier: BSD-2-Clause */
/* Threads (see l4lib.h): a fixed pool of stacks, UTCB addresses and TLS blocks. */
#include "l4lib.h"
#include "format.h"

#define STACK_SIZE 8192
#define UTCB_BASE 0x00007fffff000000ull     /* below the boot UTCB and boot information */

struct pool_thread {
	struct l4_tls tls;
	bool used;
	uint64_t stack[STACK_SIZE / 8] __attribute__((aligned(16)));
};

static struct pool_thread pool[L4_MAX_THREADS];
extern char l4_thread_entry[];

static struct pool_thread *find(l4_cap_t cap)
{
	for (int i = 0; i < L4_MAX_THREADS; i++)
		if (pool[i].used && pool[i].tls.thread == cap)
			return &pool[i];
	return NULL;
}

l4_cap_t l4_thread_start_in(l4_cap_t task, l4_thread_fn fn, long arg, unsigned prio)
{
	int i = 0;

	while (i < L4_MAX_THREADS && pool[i].used)
		i++;
	if (i == L4_MAX_THREADS)
		return L4_CAP_NONE;
	struct pool_thread *t = &pool[i];
	l4_word_t utcb = UTCB_BASE + (l4_word_t)i * L4_UTCB_SIZE;
	l4_cap_t cap = l4_slot_alloc();
	if (L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_THREAD, cap, task, utcb).error)
		return L4_CAP_NONE;
	/* A thread in another task finds its own capability at the same slot there. */
	if (task != L4_CAP_TASK && l4_give_cap(task, cap))
		return L4_CAP_NONE;
	t->used = true;
	t->tls = (struct l4_tls){ .self = &t->tls, .utcb = (struct l4_utcb *)utcb, .thread = cap };
	uint64_t *sp = &t->stack[STACK_SIZE / 8 - 2];
	sp[0] = (uint64_t)fn;
	sp[1] = (uint64_t)arg;
	char name[16];
	l4_word_t words[2] = { 0, 0 };
	fmt_snprintf(name, sizeof(name), "thread-%d", i);
	for (int c = 0; name[c]; c++)
		((char *)words)[c] = name[c];
	if (L4_INVOKE(cap, L4_THREAD_SET_NAME, words[0], words[1]).error ||
	    L4_INVOKE(cap, L4_THREAD_SET_TLS, (l4_word_t)&t->tls).error ||
	    L4_INVOKE(cap, L4_THREAD_SET_PRIO, prio).error ||
	    L4_INVOKE(cap, L4_THREAD_START, (l4_word_t)l4_thread_entry, (l4_word_t)sp).error) {
		t->used = false;
		return L4_CAP_NONE;
	}
	return cap;
}

/* Where a thread's function returns to (crt0.S): record and stop. */
void l4_thread_exit(long result);
void l4_thread_exit(long result)
{
	struct l4_tls *self = l4_self();

	self->result = result;
	self->done = true;
	L4_INVOKE(self->thread, L4_THREAD_STOP);
	for (;;)
		l4_yield();
}

long l4_thread_result(l4_cap_t cap)
{
	struct pool_thread *t = find(cap);

	return t && t->tls.done ? t->tls.result : -1;
}

bool l4_thread_join(l4_cap_t cap)
{
	struct pool_thread *t = find(cap);

	/* Sleeping rather than yielding lets lower priorities run too. */
	for (int i = 0; t && i < 2000 && !t->tls.done; i++)
		l4_sleep_us(1000);
	return t && t->tls.done;
}

void l4_thread_kill(l4_cap_t cap)
{
	struct pool_thread *t = find(cap);

	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, cap);
	if (t)
		t->used = false;
}
