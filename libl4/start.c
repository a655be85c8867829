/* SPDX-License-Identifier: BSD-2-Clause */
/* Start-up, printing, slots, invocations, sigma0 and time (see l4lib.h). */
#include "l4lib.h"
#include "format.h"
#include <l4/console.h>
#include <l4/debug.h>

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

l4_cap_t l4_env_served(void)
{
	for (unsigned i = 0; l4_env && i < l4_env->cap_count && i < L4_ENV_MAX_CAPS; i++) {
		l4_cap_t slot = l4_env->caps[i].slot;
		if (!L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_INFO, slot).error && l4_utcb()->mr[0] == L4_OBJ_ENDPOINT &&
		    (l4_utcb()->mr[1] & L4_CAP_RIGHT_READ))
			return slot;
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

l4_cap_t l4_debug_cap(void)
{
	return l4_boot_info ? L4_CAP_DEBUG : l4_env_cap("debug");
}

l4_word_t l4_debug_exit(unsigned status)
{
	l4_cap_t dbg = l4_debug_cap();

	if (dbg == L4_CAP_NONE)
		return L4_ECAP;
	return L4_INVOKE(dbg, L4_DEBUG_EXIT, status).error;
}

/* Output goes out line by line: to the console server (which prefixes the
 * program's name), else with the name here to the kernel's console through
 * the debug capability, or, without one, through the root task. */
static l4_cap_t log_cap = L4_CAP_NONE;
static bool log_checked;
static char line[L4_CONSOLE_MAX];
static unsigned line_len;

void l4_log_set(l4_cap_t log)
{
	log_cap = log;
	log_checked = true;
}

static void flush_line_mrs(void);

/* Printing uses the message registers: the caller's message survives it. */
static void flush_line(void)
{
	l4_word_t saved[L4_MR_COUNT], *mr = l4_utcb()->mr;
	unsigned words = 1 + (line_len + L4_ENV_NAME_LEN + 2 + 7) / 8;

	if (!line_len)
		return;
	if (words > L4_MR_COUNT)
		words = L4_MR_COUNT;
	for (unsigned i = 0; i < words; i++)
		saved[i] = mr[i];
	flush_line_mrs();
	for (unsigned i = 0; i < words; i++)
		mr[i] = saved[i];
}

static void flush_line_mrs(void)
{
	if (log_cap != L4_CAP_NONE) {
		struct l4_utcb *u = l4_utcb();
		u->mr[0] = line_len;
		for (unsigned i = 0; i < line_len; i++)
			u->mr[1 + i / 8] = (i % 8 ? u->mr[1 + i / 8] : 0) | (l4_word_t)(unsigned char)line[i] << (8 * (i % 8));
		/* A console server that does not answer within a second is taken
		 * for absent: from then on output goes to the debug console. */
		struct l4_result r = l4_call(log_cap, l4_tag(L4_CONSOLE_WRITE, 1 + (line_len + 7) / 8, 0),
					     1000000);
		if (!r.error && !l4_tag_label(r.tag)) {
			line_len = 0;
			return;
		}
		log_cap = L4_CAP_NONE;          /* the console server is gone: fall back */
	}
	/* One message per line, so lines of different programs do not mix. */
	l4_word_t *mr = l4_utcb()->mr;
	char *out = (char *)&mr[1];
	unsigned n = 0, max = L4_DEBUG_PUTS_MAX;
	for (const char *p = l4_env ? l4_env->name : ""; *p && n < L4_ENV_NAME_LEN; p++)
		out[n++] = *p;
	if (n) {
		out[n++] = ':';
		out[n++] = ' ';
	}
	for (unsigned i = 0; i < line_len && n < max; i++)
		out[n++] = line[i];
	mr[0] = n;
	l4_cap_t dbg = l4_debug_cap();
	l4_word_t tag = l4_tag(dbg != L4_CAP_NONE ? L4_DEBUG_PUTS : L4_ROOT_LOG, 1 + (n + 7) / 8, 0);
	if (dbg != L4_CAP_NONE)
		l4_call(dbg, tag, L4_TIMEOUT_NEVER);
	else if (l4_env)
		l4_call(L4_CAP_PAGER, tag, L4_TIMEOUT_NEVER);
	line_len = 0;
}

void l4_flush(void)
{
	flush_line();
}

static void line_sink(void *ctx, char c)
{
	(void)ctx;
	line[line_len++] = c;
	if (c == '\n' || line_len == sizeof(line))
		flush_line();
}

int l4_vprintf(const char *fmt, va_list ap)
{
	if (!log_checked) {
		log_cap = l4_env_cap("log");
		log_checked = true;
	}
	return fmt_vformat(line_sink, NULL, fmt, ap);
}

int l4_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int l4_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void l4_server_loop(l4_cap_t ep, l4_handler_fn handler)
{
	struct l4_result r = l4_recv(ep, L4_TIMEOUT_NEVER);

	for (;;) {
		if (r.error) {
			r = l4_recv(ep, L4_TIMEOUT_NEVER);
			continue;
		}
		l4_word_t reply = handler(l4_tag_label(r.tag), r.badge, l4_tag_words(r.tag), l4_tag_items(r.tag));
		r = l4_reply_wait(ep, reply, L4_TIMEOUT_NEVER);
	}
}

int l4_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = l4_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

#define FREED_SLOTS 64
static l4_cap_t freed[FREED_SLOTS];
static unsigned freed_count;

l4_cap_t l4_slot_alloc(void)
{
	return freed_count ? freed[--freed_count] : next_slot++;
}

void l4_slot_free(l4_cap_t slot)
{
	if (slot >= L4_CAP_FIRST_FREE && slot < next_slot && freed_count < FREED_SLOTS)
		freed[freed_count++] = slot;
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
	/* sigma0 gave the memory but the kernel refused its map item (r.error,
	 * e.g. pages the window cannot take): give it back, so it is not lost. */
	if (r.error && !l4_tag_label(r.tag) && l4_tag_words(r.tag) >= 1 && l4_tag_items(r.tag) == 1)
		L4_INVOKE(sigma0, L4_SIGMA0_FREE, u->mr[0], order & 0xff);
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
