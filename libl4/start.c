/* SPDX-License-Identifier: BSD-2-Clause */
/* Start-up, printing, slots, invocations, sigma0 and time (see l4lib.h). */
#include "l4lib.h"
#include "format.h"

struct l4_boot_info *l4_boot_info;
const struct l4_env *l4_env;
static l4_cap_t next_slot = L4_CAP_FIRST_FREE;
static struct l4_tls main_tls;
static char *env_argv[L4_ENV_ARGS_BYTES / 2 + 1];

/* argv from the environment page's packed arguments. */
static int env_args(const struct l4_env *env)
{
	unsigned argc = 0, at = 0;

	while (argc < env->argc && at < sizeof(env->args) && argc + 1 < sizeof(env_argv) / sizeof(env_argv[0])) {
		env_argv[argc++] = (char *)&env->args[at];
		while (at < sizeof(env->args) && env->args[at])
			at++;
		at++;
	}
	env_argv[argc] = NULL;
	return (int)argc;
}

l4_cap_t l4_env_cap(const char *name)
{
	for (unsigned i = 0; l4_env && i < l4_env->cap_count && i < L4_ENV_MAX_CAPS; i++) {
		const char *a = l4_env->caps[i].name, *b = name;
		unsigned n = 0;
		while (n < L4_ENV_NAME_LEN && a[n] && a[n] == b[n])
			n++;
		if (n == L4_ENV_NAME_LEN || a[n] == b[n])
			return l4_env->caps[i].slot;
	}
	return L4_CAP_NONE;
}

void l4_start(void *info);
void l4_start(void *info)
{
	static char *argv[] = { "main", NULL };
	int argc = 1;
	char **args = argv;

	if (info && ((struct l4_boot_info *)info)->magic == L4_BOOT_INFO_MAGIC) {
		l4_boot_info = info;
	} else if (info && ((struct l4_env *)info)->magic == L4_ENV_MAGIC) {
		l4_env = info;
		argc = env_args(l4_env);
		args = env_argv;
		for (unsigned i = 0; i < l4_env->cap_count && i < L4_ENV_MAX_CAPS; i++)
			if (l4_env->caps[i].slot >= next_slot)
				next_slot = l4_env->caps[i].slot + 1;
	}
	main_tls = (struct l4_tls){ .self = &main_tls, .utcb = (struct l4_utcb *)L4_BOOT_UTCB_ADDR,
				    .thread = L4_CAP_THREAD };
	/* The first invocation cannot use l4_invoke: it needs the TLS it sets. */
	main_tls.utcb->mr[0] = (l4_word_t)&main_tls;
	l4_call(L4_CAP_THREAD, l4_tag(L4_THREAD_SET_TLS, 1, 0), L4_TIMEOUT_NEVER);
	main_tls.result = main(argc, args);
	main_tls.done = true;
	if (l4_env)     /* tell the root task: it takes the program down */
		L4_INVOKE(L4_CAP_PAGER, L4_ROOT_EXIT, (l4_word_t)main_tls.result);
	L4_INVOKE(L4_CAP_THREAD, L4_THREAD_STOP);
}

static void debug_sink(void *ctx, char c)
{
	(void)ctx;
	l4_debug_putc(c);
}

int l4_vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(debug_sink, NULL, fmt, ap);
}

int l4_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = l4_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

l4_cap_t l4_slot_alloc(void)
{
	return next_slot++;
}

struct l4_result l4_invoke(l4_cap_t cap, l4_word_t label, unsigned n, const l4_word_t *args)
{
	struct l4_utcb *u = l4_utcb();

	for (unsigned i = 0; i < n; i++)
		u->mr[i] = args[i];
	return l4_call(cap, l4_tag(label, n, 0), L4_TIMEOUT_NEVER);
}

l4_cap_t l4_make(l4_word_t op)
{
	l4_cap_t s = l4_slot_alloc();

	return L4_INVOKE(L4_CAP_FACTORY, op, s).error ? L4_CAP_NONE : s;
}

l4_word_t l4_give_cap(l4_cap_t task, l4_cap_t slot)
{
	return L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | slot << 12,
			 l4_fpage_cap(slot, 0, L4_CAP_RIGHTS_ALL)).error;
}

extern char _image_start[], _image_end[], _etext[];

l4_cap_t l4_task_share_image(l4_word_t cap_slots)
{
	l4_cap_t task = l4_slot_alloc();

	if (L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_TASK, task, cap_slots).error)
		return L4_CAP_NONE;
	for (l4_word_t va = (l4_word_t)_image_start; va < (l4_word_t)_image_end; va += 4096) {
		unsigned rights = va < (l4_word_t)_etext ? L4_FP_RX : L4_FP_RW;
		if (L4_INVOKE(task, L4_TASK_MAP, L4_ITEM_MAP | va, l4_fpage_mem(va, 12, rights)).error)
			return L4_CAP_NONE;
	}
	return task;
}

l4_word_t l4_sigma0_alloc(l4_word_t phys, unsigned order, l4_word_t window, l4_word_t *error)
{
	return l4_sigma0_alloc_from(L4_CAP_PAGER, phys, order, window, error);
}

l4_word_t l4_sigma0_alloc_from(l4_cap_t sigma0, l4_word_t phys, unsigned order, l4_word_t window,
			       l4_word_t *error)
{
	struct l4_utcb *u = l4_utcb();

	u->br[L4_BR_MEM_WINDOW] = window;
	u->mr[0] = phys;
	u->mr[1] = order;
	struct l4_result r = l4_call(sigma0, l4_tag(L4_SIGMA0_ALLOC, 2, 0), L4_TIMEOUT_NEVER);
	*error = r.error ? r.error : l4_tag_label(r.tag);
	return *error ? ~0ull : u->mr[0];
}

l4_word_t l4_sigma0_io(unsigned port, unsigned order)
{
	struct l4_utcb *u = l4_utcb();

	u->br[L4_BR_IO_WINDOW] = l4_fpage_io(port, order);
	u->mr[0] = port;
	u->mr[1] = order;
	struct l4_result r = l4_call(L4_CAP_PAGER, l4_tag(L4_SIGMA0_IO, 2, 0), L4_TIMEOUT_NEVER);
	u->br[L4_BR_IO_WINDOW] = 0;
	return r.error ? r.error : l4_tag_label(r.tag);
}

void l4_sleep_us(unsigned long us)
{
	static l4_cap_t never_signalled = L4_CAP_NONE;

	if (never_signalled == L4_CAP_NONE)
		never_signalled = l4_make(L4_FACTORY_NOTIFICATION);
	l4_recv(never_signalled, us);
}

void l4_spin_us(unsigned long us)
{
	unsigned long khz = l4_boot_info ? l4_boot_info->tsc_khz : l4_env ? l4_env->tsc_khz : 1000000;
	unsigned long long start = l4_rdtsc(), cycles = khz * us / 1000;

	while (l4_rdtsc() - start < cycles)
		;
}
