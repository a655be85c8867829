/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The root task: reads the boot configuration (the boot module `config`,
 * docs/config.md), starts every valid program in it from the boot module
 * of the same name, and then serves as their pager of last resort: a
 * program that faults, or returns from main, ends here and everything it
 * had (memory, capabilities, I/O ports, interrupt lines) comes back.
 *
 * Each program gets its own factory (its `quota` of kernel memory), task
 * and first thread (its `priority`), its ELF segments, a 64 KiB stack and
 * the environment page (include/l4/env.h) with its arguments and named
 * capabilities. Bad input never stops the others: a missing or malformed
 * module, or a bad configuration line, is reported and that program is
 * not started.
 */
#include "l4lib.h"
#include <l4/irq.h>
#include "config.h"
#include "elf.h"

#define PAGE 4096ull
#define ARENA_BASE    0x0000100000000000ull   /* our views of programs' memory */
#define ARENA_SIZE    0x0000000100000000ull   /* 4 GiB of addresses per program */
#define MODULE_VIEW   0x0000080000000000ull   /* where we see the boot modules */
#define STACK_SIZE    (64 * 1024ull)
#define CHILD_CAP_SLOTS 256
#define DATA_MODULES  0x0000100000000000ull   /* where programs see their data modules */
#define DATA_MODULE_SPACE (1ull << 32)        /* address space per module */
#define MAX_ENDPOINTS 64
#define MAX_PAGES     2048                    /* per program: 8 MiB of image and stack */
#define CHUNK_ORDER   22                      /* guest RAM comes in 4 MiB pieces */
#define HUGE_ORDER    30                      /* (or 1 GiB ones where the CPU has 1 GiB pages), */
#define MAX_CHUNKS    4096                    /* up to 16 GiB of it, */
#define RAM_VIEW      0x0000200000000000ull   /* each through here to the program */

_Static_assert(CFG_MODULE_ARGS_MAX < L4_ENV_MODULE_ARGS_LEN, "module arguments fit the environment");

struct endpoint {
	char name[CFG_NAME_MAX + 1];
	l4_cap_t slot;
};

struct program {
	const struct cfg_program *cfg;
	bool running;
	bool started;                     /* (once: `after` programs start when theirs ends) */
	unsigned id;                      /* badge of its capabilities: index + 1 */
	l4_cap_t factory, task, thread, pager;
	l4_word_t arena, arena_used;      /* our view of its pages */
	l4_word_t page_count;
	l4_word_t pages[MAX_PAGES];       /* their physical addresses, to free them */
	unsigned chunk_count;             /* `vm` programs' RAM, in 4 MiB or 1 GiB pieces */
	uint32_t chunks[MAX_CHUNKS];      /* (their physical page numbers */
	uint8_t chunk_orders[MAX_CHUNKS]; /* and orders) */
	l4_word_t ram;                    /* their bytes */
	l4_cap_t minted[L4_ENV_MAX_CAPS]; /* capabilities we made for it */
	unsigned minted_count;
	l4_cap_t mem_pager;               /* its "mem" capability (ours), if it uses mem */
};

static struct cfg config;
static struct program programs[CFG_MAX_PROGRAMS];
static struct endpoint endpoints[MAX_ENDPOINTS];
static unsigned endpoint_count;
static l4_cap_t root_ep;
static l4_word_t module_view_next = MODULE_VIEW;

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static void str_copy(char *dst, const char *src, unsigned size)
{
	unsigned i = 0;

	while (i + 1 < size && src[i]) {
		dst[i] = src[i];
		i++;
	}
	while (i < size)
		dst[i++] = 0;
}

static void report(void *ctx, unsigned line, const char *message)
{
	(void)ctx;
	l4_printf("root: config:%u: %s\n", line, message);
}

/* The boot module called name; NULL if absent. */
static const struct l4_boot_module *boot_module(const char *name)
{
	for (unsigned i = 0; l4_boot_info && i < l4_boot_info->module_count; i++)
		if (str_eq(l4_boot_info->modules[i].name, name))
			return &l4_boot_info->modules[i];
	return NULL;
}

/* Boot module m mapped for us (pages from sigma0) and its size; NULL if
 * there is no m or a page is unavailable. */
static const void *map_module(const struct l4_boot_module *m, l4_word_t *size)
{
	if (!m)
		return NULL;
	l4_word_t first = m->phys & ~(PAGE - 1), end = (m->phys + m->size + PAGE - 1) & ~(PAGE - 1);
	l4_word_t view = module_view_next, err;
	for (l4_word_t p = first; p < end; p += PAGE)
		if (l4_sigma0_alloc(p, 12, l4_fpage_mem(view + (p - first), 12, 0), &err) == ~0ull) {
			l4_printf("root: module %s: page %#lx unavailable (error %lu)\n", m->name,
				  (unsigned long)p, (unsigned long)err);
			return NULL;
		}
	module_view_next += end - first + PAGE;
	*size = m->size;
	return (const void *)(view + (m->phys - first));
}

static const void *module(const char *name, l4_word_t *size)
{
	return map_module(boot_module(name), size);
}

/* A name of up to 15 characters as two NUL-padded words (SET_NAME, INFO). */
static void pack_name(const char *name, l4_word_t w[2])
{
	w[0] = w[1] = 0;
	for (unsigned i = 0; i < 15 && name[i]; i++)
		w[i / 8] |= (l4_word_t)(unsigned char)name[i] << (8 * (i % 8));
}

/* A program's L4_ENV_* flags. */
static l4_word_t env_flags(const struct cfg_program *c)
{
	return (c->input ? L4_ENV_INPUT : 0) | (c->vm ? L4_ENV_VM : 0);
}

/* Data module n of p (boot module PROGRAM.NAME), read-only at its address. */
static bool give_module(struct program *p, unsigned n, struct l4_env *env)
{
	const struct cfg_module *m = &p->cfg->modules[n];
	char full[2 * (CFG_NAME_MAX + 1)];
	unsigned k = 0;
	l4_word_t size, base = DATA_MODULES + n * DATA_MODULE_SPACE;

	for (const char *s = p->cfg->name; *s; s++)
		full[k++] = *s;
	full[k++] = '.';
	for (const char *s = m->name; *s; s++)
		full[k++] = *s;
	full[k] = 0;
	const struct l4_boot_module *bm = boot_module(full);
	if (!bm || bm->size > DATA_MODULE_SPACE) {
		l4_printf("root: %s: no boot module \"%s\" (module %s)\n", p->cfg->name, full, m->name);
		return false;
	}
	const void *view = map_module(bm, &size);
	if (!view)
		return false;
	l4_word_t first = (l4_word_t)view & ~(PAGE - 1);
	for (l4_word_t off = 0; off < ((l4_word_t)view - first) + size; off += PAGE) {
		l4_word_t err = L4_INVOKE(p->task, L4_TASK_MAP, L4_ITEM_MAP | (base + off),
					  l4_fpage_mem(first + off, 12, L4_FP_R)).error;
		if (err) {
			l4_printf("root: %s: module %s not mapped (error %lu)\n", p->cfg->name, m->name,
				  (unsigned long)err);
			return false;
		}
	}
	struct l4_env_module *e = &env->modules[env->module_count++];
	str_copy(e->name, m->name, L4_ENV_NAME_LEN);
	str_copy(e->args, m->args, L4_ENV_MODULE_ARGS_LEN);
	e->addr = base + ((l4_word_t)view - first);
	e->size = size;
	return true;
}

/* A zeroed page of ours in p's arena, mapped to p at va with rights. */
static l4_word_t give_page(struct program *p, l4_word_t va, unsigned rights)
{
	l4_word_t err, view = p->arena + p->arena_used;

	l4_word_t phys;

	if (p->page_count == MAX_PAGES ||
	    (phys = l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(view, 12, 0), &err)) == ~0ull)
		return 0;
	p->pages[p->page_count++] = phys;
	p->arena_used += PAGE;
	for (l4_word_t *w = (l4_word_t *)view; w < (l4_word_t *)(view + PAGE); w++)
		*w = 0;
	if (L4_INVOKE(p->task, L4_TASK_MAP, L4_ITEM_MAP | va, l4_fpage_mem(view, 12, rights)).error)
		return 0;
	return view;
}

static bool load_segments(struct program *p, const unsigned char *image, const struct elf_image *elf)
{
	for (unsigned s = 0; s < elf->segment_count; s++) {
		const struct elf_segment *seg = &elf->segments[s];
		unsigned rights = L4_FP_R | (seg->flags & ELF_SEG_W ? L4_FP_W : 0) |
				  (seg->flags & ELF_SEG_X ? L4_FP_X : 0);
		for (l4_word_t va = seg->vaddr & ~(PAGE - 1); va < seg->vaddr + seg->memsz; va += PAGE) {
			unsigned char *view = (unsigned char *)give_page(p, va, rights);
			if (!view)
				return false;
			/* The file bytes that fall into this page. */
			for (l4_word_t i = 0; i < PAGE; i++) {
				l4_word_t a = va + i;
				if (a >= seg->vaddr && a - seg->vaddr < seg->filesz)
					view[i] = image[seg->offset + (a - seg->vaddr)];
			}
		}
	}
	return true;
}

/* The endpoint called name (created on first use), or L4_CAP_NONE. */
static l4_cap_t endpoint(const char *name)
{
	for (unsigned i = 0; i < endpoint_count; i++)
		if (str_eq(endpoints[i].name, name))
			return endpoints[i].slot;
	if (endpoint_count == MAX_ENDPOINTS)
		return L4_CAP_NONE;
	l4_cap_t slot = l4_make(L4_FACTORY_ENDPOINT);
	if (slot == L4_CAP_NONE)
		return slot;
	str_copy(endpoints[endpoint_count].name, name, sizeof(endpoints[0].name));
	endpoints[endpoint_count++].slot = slot;
	return slot;
}

/* Puts our capability `ours` into p's table at slot `theirs`. */
static bool give_cap(struct program *p, l4_cap_t ours, l4_cap_t theirs, unsigned rights)
{
	return !L4_INVOKE(p->task, L4_TASK_MAP, L4_ITEM_MAP | theirs << 12, l4_fpage_cap(ours, 0, rights)).error;
}

/* A badged copy of ours for p (kept by us to revoke it), given at slot theirs. */
static bool give_minted(struct program *p, l4_cap_t ours, l4_cap_t theirs, unsigned rights)
{
	l4_cap_t m = l4_slot_alloc();

	if (p->minted_count == L4_ENV_MAX_CAPS ||
	    L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, ours, m, rights, p->id).error)
		return false;
	p->minted[p->minted_count++] = m;
	return give_cap(p, m, theirs, rights);
}

static bool env_cap(struct l4_env *env, const char *name, l4_word_t slot)
{
	if (env->cap_count == L4_ENV_MAX_CAPS)
		return false;
	str_copy(env->caps[env->cap_count].name, name, L4_ENV_NAME_LEN);
	env->caps[env->cap_count++].slot = slot;
	return true;
}

/* Ports first..last to p, in aligned power-of-two blocks. */
static bool give_ports(struct program *p, unsigned first, unsigned last)
{
	for (unsigned port = first; port <= last;) {
		unsigned order = 0;
		while (order < 16 && !(port & (1u << order)) && port + (2u << order) - 1 <= last)
			order++;
		l4_word_t err = l4_sigma0_io(port, order);
		if (!err)
			err = L4_INVOKE(p->task, L4_TASK_MAP, L4_ITEM_MAP, l4_fpage_io(port, order)).error;
		if (err) {
			l4_printf("root: %s: I/O ports %#x+%u: error %lu\n", p->cfg->name, port, 1u << order,
				  (unsigned long)err);
			return false;
		}
		port += 1u << order;
	}
	return true;
}

/* The environment: arguments, capabilities, ports; false if it cannot be made. */
/* Kernel memory p's factory has paid for. */
static l4_word_t factory_used(struct program *p)
{
	return l4_factory_used(p->factory);
}

/* Bytes of memory sigma0 has not given out. */
static l4_word_t free_memory(void)
{
	struct l4_result r = l4_call(L4_CAP_PAGER, l4_tag(L4_SIGMA0_INFO, 0, 0), L4_TIMEOUT_NEVER);

	return r.error || l4_tag_label(r.tag) ? 0 : l4_utcb()->mr[1] * PAGE;
}

static bool make_env(struct program *p, struct l4_env *env)
{
	const struct cfg_program *c = p->cfg;
	l4_cap_t next = L4_CAP_FIRST_FREE;

	env->magic = L4_ENV_MAGIC;
	str_copy(env->name, c->name, L4_ENV_NAME_LEN);
	env->id = p->id;
	env->tsc_khz = l4_boot_info->tsc_khz;
	env->memory = c->memory;
	env->flags = env_flags(c);
	env->priority = c->priority;
	unsigned online = 1;
	if (l4_thread_get_cpu(L4_CAP_THREAD, &online) < 0 || !online)
		online = 1;
	env->vcpus = c->vcpus;
	for (unsigned i = 0; i < c->vcpus && i < L4_ENV_MAX_VCPUS; i++)
		env->vcpu_host[i] = c->nvcpu_host ? c->vcpu_host[i % c->nvcpu_host] : (unsigned char)(i % online);
	for (unsigned i = 0; i < config.count && i < L4_ENV_MAX_PROGRAMS; i++) {
		const struct cfg_program *q = &config.programs[i];
		str_copy(env->programs[i].name, q->name, L4_ENV_NAME_LEN);
		env->programs[i].flags = env_flags(q);
		env->program_count = i + 1;
	}
	unsigned at = 0;
	const char *arg = c->name;
	for (unsigned i = 0; arg; arg = cfg_arg(c, i++)) {
		for (unsigned k = 0; arg[k] && at + 1 < L4_ENV_ARGS_BYTES; k++)
			env->args[at++] = arg[k];
		if (at + 1 >= L4_ENV_ARGS_BYTES)
			break;
		env->args[at++] = 0;
		env->argc++;
	}
	for (unsigned i = 0; i < c->nserve; i++) {
		l4_cap_t ep = endpoint(c->serve[i]);
		if (ep == L4_CAP_NONE || !give_cap(p, ep, next, L4_CAP_RIGHTS_ALL) ||
		    !env_cap(env, c->serve[i], next++))
			return false;
	}
	for (unsigned i = 0; i < c->nuse; i++) {
		l4_cap_t ep = endpoint(c->use[i]);
		if (ep == L4_CAP_NONE || !give_minted(p, ep, next, L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT) ||
		    !env_cap(env, c->use[i], next++))
			return false;
		if (str_eq(c->use[i], "mem"))       /* the memory server pages it */
			p->mem_pager = p->minted[p->minted_count - 1];
	}
	/* The memory server gets memory where we do: from sigma0. */
	for (unsigned i = 0; i < c->nserve; i++)
		if (str_eq(c->serve[i], "mem") &&
		    (!give_cap(p, L4_CAP_PAGER, next, L4_CAP_RIGHTS_ALL) || !env_cap(env, "sigma0", next++)))
			return false;
	/* The kernel's console and machine exit: only where the configuration says. */
	if (c->debug && (!give_cap(p, L4_CAP_DEBUG, next, L4_CAP_RIGHT_WRITE) || !env_cap(env, "debug", next++)))
		return false;
	for (unsigned i = 0; i < c->nirqs; i++) {
		l4_cap_t irq = l4_slot_alloc();
		char name[8] = "irq";
		unsigned n = c->irqs[i], k = 3;
		if (n >= 100)
			name[k++] = (char)('0' + n / 100);
		if (n >= 10)
			name[k++] = (char)('0' + n / 10 % 10);
		name[k] = (char)('0' + n % 10);
		l4_word_t err = L4_INVOKE(L4_CAP_IRQ_CONTROL, n < 16 ? L4_IRQ_CONTROL_ISA : L4_IRQ_CONTROL_GSI,
					  irq, n, 0).error;
		if (err) {
			l4_printf("root: %s: interrupt line %u unavailable (error %lu)\n", c->name, n,
				  (unsigned long)err);
			return false;
		}
		p->minted[p->minted_count++] = irq;       /* ours to delete when it ends */
		if (!give_cap(p, irq, next, L4_CAP_RIGHTS_ALL) || !env_cap(env, name, next++))
			return false;
	}
	if (c->vm && c->memory) {
		/* Guest RAM: the program's memory, up front, in 4 MiB pieces of
		 * 2 MiB pages (the kernel keeps one mapping node per page), or
		 * whole GiBs in 1 GiB pages where both the program and its VM
		 * take them and sigma0 has a free one. */
		l4_word_t size = (c->memory + (1ull << CHUNK_ORDER) - 1) & ~((1ull << CHUNK_ORDER) - 1);
		if (size > (l4_word_t)MAX_CHUNKS << CHUNK_ORDER) {
			l4_printf("root: %s: memory above %lu MiB for a VM\n", c->name,
				  (unsigned long)((l4_word_t)MAX_CHUNKS << (CHUNK_ORDER - 20)));
			return false;
		}
		l4_word_t free = free_memory();
		if (size > free) {
			l4_printf("root: %s: memory %lu MiB is more than the %lu MiB free; not started\n",
				  c->name, (unsigned long)(size >> 20), (unsigned long)(free >> 20));
			return false;
		}
		/* Granted on: we keep no mapping of it (sigma0 takes it back at
		 * the end, chunks[]), and the program's quota pays for its nodes. */
		bool huge = l4_boot_info->page_sizes & l4_boot_info->vm_page_sizes & (1ull << HUGE_ORDER);
		l4_word_t q0 = factory_used(p), t0 = l4_rdtsc(), gibs = 0;
		unsigned order;
		for (l4_word_t off = 0; off < size; off += 1ull << order) {
			l4_word_t err, phys = ~0ull;
			order = HUGE_ORDER;
			if (huge && !(off & ((1ull << HUGE_ORDER) - 1)) && size - off >= 1ull << HUGE_ORDER)
				phys = l4_sigma0_alloc(L4_SIGMA0_ANY, HUGE_ORDER | L4_SIGMA0_LARGE,
						       l4_fpage_mem(RAM_VIEW, HUGE_ORDER, 0), &err);
			if (phys == ~0ull) {
				order = CHUNK_ORDER;
				phys = l4_sigma0_alloc(L4_SIGMA0_ANY, CHUNK_ORDER | L4_SIGMA0_LARGE,
						       l4_fpage_mem(RAM_VIEW, CHUNK_ORDER, 0), &err);
			}
			if (phys == ~0ull) {
				l4_printf("root: %s: no memory for %lu MiB of guest RAM (error %lu)\n", c->name,
					  (unsigned long)(size >> 20), (unsigned long)err);
				return false;
			}
			p->chunks[p->chunk_count] = (uint32_t)(phys / PAGE);
			p->chunk_orders[p->chunk_count++] = (uint8_t)order;
			p->ram += 1ull << order;
			gibs += order == HUGE_ORDER;
			if ((err = L4_INVOKE(p->task, L4_TASK_MAP, L4_ITEM_GRANT | (L4_ENV_RAM_ADDR + off),
					     l4_fpage_mem(RAM_VIEW, order, L4_FP_RWX)).error)) {
				l4_printf("root: %s: guest RAM not mapped (error %lu)\n", c->name, (unsigned long)err);
				return false;
			}
		}
		l4_word_t khz = l4_boot_info->tsc_khz ? l4_boot_info->tsc_khz : 1000000;
		char pages[48];
		l4_snprintf(pages, sizeof(pages), !gibs ? "2 MiB pages" : gibs << 30 == size ? "1 GiB pages" :
			    "1 GiB pages (%lu) and 2 MiB pages", (unsigned long)gibs);
		l4_printf("root: %s: %lu MiB of guest RAM in %s, given in %lu ms; its mapping nodes: %lu KiB of "
			  "the program's quota\n", c->name, (unsigned long)(size >> 20), pages,
			  (unsigned long)((l4_rdtsc() - t0) / khz), (unsigned long)((factory_used(p) - q0) >> 10));
		env->ram_addr = L4_ENV_RAM_ADDR;
		env->ram_size = size;
	}
	for (unsigned i = 0; i < c->nmodules && i < L4_ENV_MAX_MODULES; i++)
		if (!give_module(p, i, env))
			return false;
	for (unsigned i = 0; i < c->nports && i < L4_ENV_MAX_PORTS; i++) {
		if (!give_ports(p, c->ports[i].first, c->ports[i].last)) {
			l4_printf("root: %s: I/O ports %#x-%#x unavailable\n", c->name, c->ports[i].first,
				  c->ports[i].last);
			return false;
		}
		env->ports[env->port_count].first = c->ports[i].first;
		env->ports[env->port_count++].last = c->ports[i].last;
	}
	return true;
}

static void end_program(struct program *p, const char *how);

/* ---- client-gone notices, sent by their own thread */
#define NOTICES 256
static struct { l4_cap_t ep; l4_word_t id; } notices[NOTICES];
static volatile unsigned notice_head, notice_tail;
static l4_cap_t notice_signal;

static void notice_post(l4_cap_t ep, l4_word_t id)
{
	if (ep == L4_CAP_NONE || notice_head - notice_tail == NOTICES) {
		l4_printf("root: client-gone notice for program %lu dropped\n", (unsigned long)id);
		return;
	}
	notices[notice_head % NOTICES].ep = ep;
	notices[notice_head % NOTICES].id = id;
	notice_head = notice_head + 1;
	l4_send(notice_signal, 0, 0);       /* signal: wake the notifier */
}

/* Delivers each notice (a server has 5 s to take it: it may be busy). */
static long notifier(long arg)
{
	(void)arg;
	for (;;) {
		while (notice_tail != notice_head) {
			unsigned at = notice_tail % NOTICES;
			l4_utcb()->mr[0] = notices[at].id;
			struct l4_result r = l4_call(notices[at].ep, l4_tag(L4_SERVER_CLIENT_GONE, 1, 0), 5000000);
			if (r.error)
				l4_printf("root: client-gone notice for program %lu not taken (error %lu)\n",
					  (unsigned long)notices[at].id, (unsigned long)r.error);
			notice_tail = notice_tail + 1;
		}
		l4_recv(notice_signal, L4_TIMEOUT_NEVER);
	}
	return 0;
}

static bool start_program(struct program *p)
{
	const struct cfg_program *c = p->cfg;
	l4_word_t size, err;
	struct elf_image elf;

	p->started = true;

	const void *image = module(c->name, &size);
	if (!image) {
		l4_printf("root: %s: no boot module \"%s\"; not started\n", c->name, c->name);
		return false;
	}
	const char *why = elf_parse(image, size, &elf);
	if (why) {
		l4_printf("root: %s: module \"%s\" refused: %s; not started\n", c->name, c->name, why);
		return false;
	}
	p->factory = l4_slot_alloc();
	p->task = l4_slot_alloc();
	p->thread = l4_slot_alloc();
	p->pager = l4_slot_alloc();
	if ((err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_FACTORY, p->factory, c->quota).error)) {
		l4_printf("root: %s: no factory with %lu bytes (error %lu); not started\n", c->name,
			  (unsigned long)c->quota, (unsigned long)err);
		return false;
	}
	p->running = true;      /* from here on, end_program cleans up */
	if ((err = L4_INVOKE(p->factory, L4_FACTORY_TASK, p->task, CHILD_CAP_SLOTS).error) ||
	    (err = L4_INVOKE(p->factory, L4_FACTORY_THREAD, p->thread, p->task, L4_BOOT_UTCB_ADDR).error) ||
	    (err = L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_MINT, root_ep, p->pager, L4_CAP_RIGHT_WRITE, p->id).error)) {
		l4_printf("root: %s: objects not created (error %lu; quota %lu bytes)\n", c->name,
			  (unsigned long)err, (unsigned long)c->quota);
		end_program(p, "could not be started");
		return false;
	}
	l4_word_t name[2];
	pack_name(c->name, name);
	L4_INVOKE(p->task, L4_TASK_SET_NAME, name[0], name[1]);
	L4_INVOKE(p->thread, L4_THREAD_SET_NAME, name[0], name[1]);
	struct l4_env *env = NULL;
	bool ok = load_segments(p, image, &elf);
	for (l4_word_t va = L4_BOOT_STACK_TOP - STACK_SIZE; ok && va < L4_BOOT_STACK_TOP; va += PAGE)
		ok = give_page(p, va, L4_FP_RW) != 0;
	if (ok) {
		env = (struct l4_env *)give_page(p, L4_ENV_ADDR, L4_FP_R);
		ok = env && sizeof(*env) <= PAGE;
	}
	ok = ok && make_env(p, env) &&
	     give_cap(p, p->task, L4_CAP_TASK, L4_CAP_RIGHTS_ALL) &&
	     give_cap(p, p->thread, L4_CAP_THREAD, L4_CAP_RIGHTS_ALL) &&
	     give_cap(p, p->factory, L4_CAP_FACTORY, L4_CAP_RIGHTS_ALL) &&
	     give_cap(p, p->pager, L4_CAP_PAGER, L4_CAP_RIGHT_WRITE);
	if (!ok) {
		end_program(p, "could not be started (out of memory or capabilities)");
		return false;
	}
	l4_word_t regs[L4_REG_COUNT] = { 0 };
	regs[L4_REG_RIP] = elf.entry;
	regs[L4_REG_RSP] = L4_BOOT_STACK_TOP;
	regs[L4_REG_RFLAGS] = 0x202;
	regs[L4_REG_RDI] = L4_ENV_ADDR;
	l4_cap_t pager = p->mem_pager != L4_CAP_NONE ? p->mem_pager : p->pager;
	if ((err = L4_INVOKE(p->thread, L4_THREAD_SET_PAGER, pager).error) ||
	    (err = L4_INVOKE(p->thread, L4_THREAD_SET_EXC_HANDLER, p->pager).error) ||
	    (err = L4_INVOKE(p->thread, L4_THREAD_SET_PRIO, c->priority).error) ||
	    (err = L4_INVOKE(p->thread, L4_THREAD_SET_MCP, c->priority).error) ||
	    (err = l4_invoke(p->thread, L4_THREAD_WRITE_REGS, L4_REG_COUNT, regs).error) ||
	    (err = L4_INVOKE(p->thread, L4_THREAD_RESUME).error)) {
		l4_printf("root: %s: thread not started (error %lu)\n", c->name, (unsigned long)err);
		end_program(p, "could not be started");
		return false;
	}
	l4_printf("root: started %s (priority %u, quota %lu KiB, %lu KiB of memory)\n", c->name,
		  c->priority, (unsigned long)(c->quota >> 10), (unsigned long)(p->arena_used >> 10));
	return true;
}

/* Takes p down and returns what it had: its objects, capabilities and pages. */
static void end_program(struct program *p, const char *how)
{
	if (!p->running)
		return;
	p->running = false;
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, p->thread);
	/* The servers it used drop what they kept for it: told by the notifier
	 * thread, so a server busy calling us cannot miss the notice. */
	for (unsigned i = 0; i < p->cfg->nuse; i++)
		notice_post(endpoint(p->cfg->use[i]), p->id);
	l4_word_t t0 = l4_rdtsc(), ram = p->ram;
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, p->task);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, p->factory);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, p->pager);
	for (unsigned i = 0; i < p->minted_count; i++) {
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CANCEL_BADGED, p->minted[i]);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, p->minted[i]);
	}
	p->minted_count = 0;
	/* The pages go back to sigma0, which revokes every mapping of them. */
	for (l4_word_t i = 0; i < p->page_count; i++)
		L4_INVOKE(L4_CAP_PAGER, L4_SIGMA0_FREE, p->pages[i], 12);
	p->page_count = 0;
	for (unsigned i = 0; i < p->chunk_count; i++)
		L4_INVOKE(L4_CAP_PAGER, L4_SIGMA0_FREE, (l4_word_t)p->chunks[i] * PAGE, p->chunk_orders[i]);
	p->arena_used += p->ram;
	p->chunk_count = 0;
	p->ram = 0;
	l4_printf("root: %s %s; %lu KiB of memory returned\n", p->cfg->name, how,
		  (unsigned long)(p->arena_used >> 10));
	if (ram)
		l4_printf("root: %s: its %lu MiB of guest RAM torn down (with the program) in %lu ms\n",
			  p->cfg->name, (unsigned long)(ram >> 20),
			  (unsigned long)((l4_rdtsc() - t0) / (l4_boot_info->tsc_khz ? l4_boot_info->tsc_khz : 1000000)));
	p->arena_used = 0;
	/* The programs that wait for this one (`after`) start now. */
	for (unsigned i = 0; i < config.count; i++) {
		struct program *q = &programs[i];
		if (q->cfg && q->cfg->valid && !q->started && str_eq(q->cfg->after, p->cfg->name)) {
			l4_printf("root: %s ended: starting %s\n", p->cfg->name, q->cfg->name);
			start_program(q);
		}
	}
}

int main(int argc, char **argv)
{
	(void)argc, (void)argv;
	l4_word_t size;

	l4_printf("root: root task starting\n");
	const char *text = module("config", &size);
	if (!text) {
		l4_printf("root: no boot module \"config\": nothing to start\n");
		return 1;
	}
	unsigned errors = cfg_parse(text, size, &config, report, NULL);
	if (errors)
		l4_printf("root: config: %u error%s; programs with errors are not started\n", errors,
			  errors == 1 ? "" : "s");
	root_ep = l4_make(L4_FACTORY_ENDPOINT);
	notice_signal = l4_make(L4_FACTORY_NOTIFICATION);
	if (notice_signal == L4_CAP_NONE || l4_thread_start(notifier, 0, 200) == L4_CAP_NONE)
		l4_printf("root: no notifier thread: servers will not hear of ended programs\n");
	/* With a console server, our lines go through it too (unprefixed: they
	 * say "root:" themselves), so nothing else writes the serial port. */
	for (unsigned i = 0; i < config.count; i++)
		for (unsigned k = 0; config.programs[i].valid && k < config.programs[i].nserve; k++)
			if (str_eq(config.programs[i].serve[k], "log"))
				l4_log_set(endpoint("log"));
	unsigned started = 0, waiting = 0;
	for (unsigned i = 0; i < config.count; i++) {
		struct program *p = &programs[i];
		p->cfg = &config.programs[i];
		p->id = i + 1;
		p->mem_pager = L4_CAP_NONE;
		p->arena = ARENA_BASE + i * ARENA_SIZE;
		if (!p->cfg->valid || !p->cfg->name[0])
			continue;
		if (p->cfg->after[0])
			waiting++;
		else
			started += start_program(p);
	}
	if (waiting)
		l4_printf("root: %u of %u programs started, %u more when the programs they wait for have ended\n",
			  started, config.count, waiting);
	else
		l4_printf("root: %u of %u programs started\n", started, config.count);

	for (;;) {
		struct l4_result r = l4_recv(root_ep, L4_TIMEOUT_NEVER);
		if (r.error || !r.badge || r.badge > config.count)
			continue;
		struct program *p = &programs[r.badge - 1];
		l4_word_t label = l4_tag_label(r.tag), *mr = l4_utcb()->mr;
		if (label == L4_LABEL_PAGE_FAULT) {
			l4_printf("root: %s: page fault at %#lx (ip %#lx); ending it\n", p->cfg->name,
				  (unsigned long)mr[0], (unsigned long)mr[1]);
			end_program(p, "crashed");
		} else if (label == L4_LABEL_EXCEPTION) {
			/* (Exception 14: a page fault its pager's mapping could not resolve.) */
			l4_printf("root: %s: exception %lu (error %#lx) at ip %#lx; ending it\n", p->cfg->name,
				  (unsigned long)mr[L4_EXC_VECTOR], (unsigned long)mr[L4_EXC_ERROR],
				  (unsigned long)mr[L4_EXC_REGS + L4_REG_RIP]);
			end_program(p, "crashed");
		} else if (label == L4_ROOT_LOG && l4_tag_words(r.tag) >= 1 &&
			   mr[0] <= 8 * (l4_tag_words(r.tag) - 1)) {
			/* A line of a program without a console server: it named itself. */
			l4_printf("%.*s", (int)mr[0], (const char *)&mr[1]);
			l4_reply(l4_tag(0, 0, 0));
		} else if (label == L4_ROOT_EXIT) {
			l4_printf("root: %s exited with status %ld\n", p->cfg->name, (long)mr[0]);
			end_program(p, "ended");
		} else if (label == L4_ROOT_INFO && l4_tag_words(r.tag) >= 1) {
			l4_word_t id = mr[0];
			struct program *q = id && id <= config.count ? &programs[id - 1] : NULL;
			if (!q || !q->running) {
				l4_reply(l4_tag(L4_ENOENT, 0, 0));
				continue;
			}
			pack_name(q->cfg->name, mr);
			mr[2] = q->cfg->memory;
			mr[3] = env_flags(q->cfg);
			l4_reply(l4_tag(0, 4, 0));
		} else if (label == L4_ROOT_FAULT && l4_tag_words(r.tag) >= 3) {
			l4_word_t id = mr[0], addr = mr[1], ip = mr[2];
			struct program *q = id && id <= config.count ? &programs[id - 1] : NULL;
			bool pager = false;
			for (unsigned i = 0; i < p->cfg->nserve; i++)
				pager |= str_eq(p->cfg->serve[i], "mem");
			if (!pager || !q || !q->running || q->mem_pager == L4_CAP_NONE) {
				l4_reply(l4_tag(pager ? L4_ENOENT : L4_ERIGHTS, 0, 0));
				continue;
			}
			l4_reply(l4_tag(0, 0, 0));      /* first: ending q calls the reporter back */
			l4_printf("root: %s: page fault at %#lx (ip %#lx) its pager %s will not serve; ending it\n",
				  q->cfg->name, (unsigned long)addr, (unsigned long)ip, p->cfg->name);
			end_program(q, "crashed");
		} else {
			l4_reply(l4_tag(L4_ENOSYS, 0, 0));
		}
	}
}
