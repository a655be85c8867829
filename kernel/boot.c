/* SPDX-License-Identifier: GPL-2.0-only */
#include "boot.h"
#include <l4/boot.h>
#include <l4/caps.h>
#include <l4/errno.h>
#include "arch.h"
#include "console.h"
#include "debug.h"
#include "elf.h"
#include "factory.h"
#include "ipc.h"
#include "layout.h"
#include "mapdb.h"
#include "mem.h"
#include "sched.h"
#include "string.h"
#include "task.h"
#include "thread.h"

#define BOOT_CAP_SLOTS 4096
#define ROOT_PRIO 100
#define SIGMA0_PRIO 255
#define SIGMA0_CAP_SLOTS 64
#define ROOT_SIGMA0_BADGE 1
#define KMEM_MIN (32ull << 20)

static struct task *sigma0_task;

/* The module whose command line's first word is name. */
static const struct mb2_module *find_module(const struct mb2_info *mb, const char *name)
{
	size_t n = strlen(name);

	for (unsigned i = 0; i < mb->module_count; i++) {
		const char *m = mb->modules[i].name;
		if (!memcmp(m, name, n) && (m[n] == '\0' || m[n] == ' '))
			return &mb->modules[i];
	}
	return NULL;
}

/* Maps one page of a segment: a page two segments share is filled once
 * and gets the union of their rights. */
static int load_page(struct task *t, struct quota *q, uint64_t va, unsigned rights,
		     const uint8_t *image, const struct elf_segment *s)
{
	uint64_t pa;
	unsigned old;

	if (space_lookup(&t->space, va, &pa, &old)) {
		rights |= old;
	} else {
		pa = kmem_page_alloc(q);
		if (!pa)
			return L4_ENOMEM;
	}
	/* The file bytes that fall into this page. */
	uint64_t lo = MAX(va, s->vaddr), hi = MIN(va + PAGE_SIZE, s->vaddr + s->filesz);
	if (lo < hi)
		memcpy((uint8_t *)phys_to_virt(pa) + (lo - va), image + s->offset + (lo - s->vaddr),
		       hi - lo);
	if (mapdb_lookup(t, va, NULL))
		return space_map(&t->space, va, pa, rights);
	int err = mapdb_insert_root(t, va, pa, rights, true, PAGE_SHIFT);
	if (err)
		kmem_page_free(q, pa);
	return err;
}

static int load_image(struct task *t, struct quota *q, const uint8_t *image,
		      const struct elf_image *img)
{
	for (unsigned i = 0; i < img->segment_count; i++) {
		const struct elf_segment *s = &img->segments[i];
		unsigned rights = SPACE_R | (s->flags & ELF_SEG_W ? SPACE_W : 0) |
				  (s->flags & ELF_SEG_X ? SPACE_X : 0);
		for (uint64_t va = ALIGN_DOWN(s->vaddr, PAGE_SIZE); va < s->vaddr + s->memsz;
		     va += PAGE_SIZE) {
			int err = load_page(t, q, va, rights, image, s);
			if (err)
				return err;
		}
	}
	return L4_OK;
}

static int map_fresh(struct task *t, struct quota *q, uint64_t va, unsigned rights, void **kva)
{
	uint64_t pa = kmem_page_alloc(q);

	if (!pa)
		return L4_ENOMEM;
	if (kva)
		*kva = phys_to_virt(pa);
	int err = mapdb_insert_root(t, va, pa, rights, true, PAGE_SHIFT);
	if (err)
		kmem_page_free(q, pa);
	return err;
}

static void fill_boot_info(struct l4_boot_info *bi, const struct mb2_info *mb,
			   const struct factory *f)
{
	bi->magic = L4_BOOT_INFO_MAGIC;
	bi->tsc_khz = arch_tsc_khz();
	bi->kernel_quota = f->quota.limit;
	for (unsigned order = PAGE_SHIFT; order <= PAGE_SHIFT_1G; order += 9) {
		struct space task = { .guest = false }, vm = { .guest = true };
		bi->page_sizes |= space_order_ok(&task, order) ? 1ull << order : 0;
		bi->vm_page_sizes |= space_order_ok(&vm, order) ? 1ull << order : 0;
	}
	for (unsigned i = 0; i < mb->module_count && i < L4_BOOT_MAX_MODULES; i++) {
		struct l4_boot_module *m = &bi->modules[bi->module_count++];
		m->phys = mb->modules[i].start;
		m->size = mb->modules[i].end - mb->modules[i].start;
		size_t n = MIN(strlen(mb->modules[i].name), (size_t)L4_BOOT_NAME_LEN - 1);
		memcpy(m->name, mb->modules[i].name, n);
	}
	for (unsigned i = 0; i < mem.sigma0_count && i < L4_BOOT_MAX_REGIONS; i++) {
		bi->regions[i].phys = mem.sigma0[i].base;
		bi->regions[i].size = mem.sigma0[i].end - mem.sigma0[i].base;
		bi->region_count++;
	}
	size_t n = MIN(strlen(mb->cmdline), sizeof(bi->cmdline) - 1);
	memcpy(bi->cmdline, mb->cmdline, n);
}

/* Loads a boot task; its image pages are its own (mapdb roots), so it can map them on. */
static int start_task(const struct mb2_info *mb, const struct mb2_module *m, const char *name,
		      struct factory *f, uint64_t cap_slots, uint8_t prio, struct thread **out)
{
	struct elf_image img;
	const uint8_t *image = phys_to_virt(m->start);
	const char *why = elf_parse(image, m->end - m->start, &img);
	struct task *t;
	struct thread *th;
	void *info;
	int err;

	if (why) {
		kprintf("boot: module \"%s\" refused: %s\n", name, why);
		return L4_EINVAL;
	}
	if ((err = task_create(f, cap_slots, false, &t)))
		return err;
	task_set_name(t, name);
	if ((err = load_image(t, &f->quota, image, &img)))
		return err;
	for (uint64_t va = L4_BOOT_STACK_TOP - L4_BOOT_STACK_SIZE; va < L4_BOOT_STACK_TOP;
	     va += PAGE_SIZE)
		if ((err = map_fresh(t, &f->quota, va, SPACE_W, NULL)))
			return err;
	if ((err = map_fresh(t, &f->quota, L4_BOOT_INFO_ADDR, 0, &info)))
		return err;
	fill_boot_info(info, mb, f);
	if ((err = thread_create(f, t, L4_BOOT_UTCB_ADDR, &th)))
		return err;
	thread_set_name(th, name);

	cap_install_root(&t->caps.slots[L4_CAP_TASK], &t->obj, L4_CAP_RIGHTS_ALL, 0);
	cap_install_root(&t->caps.slots[L4_CAP_THREAD], &th->obj, L4_CAP_RIGHTS_ALL, 0);

	regs_init_user(&th->regs, img.entry, L4_BOOT_STACK_TOP);
	regs_set_boot_arg(&th->regs, L4_BOOT_INFO_ADDR);
	th->prio = prio;
	th->mcp = PRIO_LEVELS - 1;
	th->state = TS_READY;
	sched_enqueue(th);
	kprintf("boot: started %s (entry %#llx, %u segments)\n", name,
		(unsigned long long)img.entry, img.segment_count);
	*out = th;
	return L4_OK;
}

bool boot_is_sigma0(const struct task *t)
{
	return t && t == sigma0_task;
}

bool boot_sigma0_fault(struct thread *t, uint64_t addr)
{
	uint64_t page = ALIGN_DOWN(addr, PAGE_SIZE);

	if (!sigma0_task || t->task != sigma0_task || !mem_sigma0_owns(page))
		return false;
	/* The largest page all of which is sigma0's and no frame of which has
	 * a root yet (mapdb.h: it splits when sigma0 hands out part of it). */
	for (unsigned order = PAGE_SHIFT_1G; order > PAGE_SHIFT; order -= 9) {
		uint64_t large = ALIGN_DOWN(addr, 1ull << order);
		if (mem_sigma0_owns_range(large, 1ull << order) && space_order_ok(&sigma0_task->space, order) &&
		    mapdb_insert_root(sigma0_task, large, large, SPACE_RWX, false, order) == L4_OK)
			return true;
	}
	return mapdb_insert_root(sigma0_task, page, page, SPACE_RWX, false, PAGE_SHIFT) == L4_OK;
}

bool boot_start_tasks(const struct mb2_info *mb, uint64_t kmem, struct kobj *irq_control)
{
	const struct mb2_module *root = find_module(mb, "roottask");
	const struct mb2_module *s0 = find_module(mb, "sigma0");
	struct thread *root_th, *s0_th = NULL;
	struct endpoint *pager;
	int err;

	if (!root) {
		kprintf("boot: no \"roottask\" module: no user tasks\n");
		return false;
	}
	mapdb_init(mem.phys_limit);
	kmem_init(mem.phys_limit);
	/* The kernel keeps kmem bytes; sigma0 gets the rest of free memory. */
	if (!kmem)
		kmem = MAX(KMEM_MIN, mem.frames.free * PAGE_SIZE / 4);
	uint64_t given = s0 ? mem_split(mb, kmem) : 0;
	struct factory *f = factory_boot(mem.frames.free * PAGE_SIZE);
	kprintf("boot: kernel memory %llu MiB, sigma0 memory %llu MiB\n",
		(unsigned long long)(f->quota.limit >> 20), (unsigned long long)(given >> 20));

	if (s0) {
		if ((err = start_task(mb, s0, "sigma0", f, SIGMA0_CAP_SLOTS, SIGMA0_PRIO, &s0_th)) ||
		    (err = endpoint_create(f, &pager))) {
			kprintf("boot: cannot start sigma0 (error %d)\n", err);
			return false;
		}
		sigma0_task = s0_th->task;
		cap_install_root(&sigma0_task->caps.slots[L4_CAP_PAGER], &pager->obj,
				 L4_CAP_RIGHTS_ALL, 0);
	} else {
		kprintf("boot: no \"sigma0\" module: the root task runs without a pager\n");
	}
	if ((err = start_task(mb, root, "roottask", f, BOOT_CAP_SLOTS, ROOT_PRIO, &root_th))) {
		kprintf("boot: cannot start the root task (error %d)\n", err);
		return false;
	}
	struct task *rt = root_th->task;
	cap_install_root(&rt->caps.slots[L4_CAP_FACTORY], &f->obj, L4_CAP_RIGHTS_ALL, 0);
	cap_install_root(&rt->caps.slots[L4_CAP_IRQ_CONTROL], irq_control, L4_CAP_RIGHTS_ALL, 0);
	/* The kernel console and machine exit: the boot tasks only (debug.h). */
	cap_install_root(&rt->caps.slots[L4_CAP_DEBUG], debug_object(), L4_CAP_RIGHTS_ALL, 0);
	if (s0_th) {
		struct cap *p = &sigma0_task->caps.slots[L4_CAP_PAGER];
		cap_derive(p, &rt->caps.slots[L4_CAP_PAGER], L4_CAP_RIGHT_WRITE | L4_CAP_RIGHT_GRANT,
			   true, ROOT_SIGMA0_BADGE);
		cap_derive(&rt->caps.slots[L4_CAP_PAGER], &root_th->pager, L4_CAP_RIGHTS_ALL, false, 0);
		cap_derive(&rt->caps.slots[L4_CAP_DEBUG], &sigma0_task->caps.slots[L4_CAP_DEBUG],
			   L4_CAP_RIGHT_WRITE, false, 0);
	}
	return true;
}
