/* SPDX-License-Identifier: GPL-2.0-only */
/* vCPUs: a real-mode guest whose exits arrive here as IPC (Bochs has VT-x; QEMU not). */
#include "ktest.h"
#include "l4vcpu.h"

#define GUEST_CODE_GPA 0x1000ull
#define HOST_VIEW 0x27000000ull          /* where we see the guest's page */

/* mov ax, 0x1234; cpuid; out 0x80, al; hlt */
static const unsigned char guest_code[] = { 0xb8, 0x34, 0x12, 0x0f, 0xa2, 0xe6, 0x80, 0xf4 };

struct vm {
	l4_cap_t task, vcpu, ep;
};

/* A VM with one page of guest code at GUEST_CODE_GPA (seen by us at
 * view) and a vCPU whose exits come to vm->ep; false (and *err) where
 * there is no VT-x. */
static bool make_vm_with(struct vm *vm, const unsigned char *code, unsigned len, l4_word_t view,
			 l4_word_t *err)
{
	vm->task = l4_slot_alloc();
	vm->vcpu = l4_slot_alloc();
	vm->ep = l4_make(L4_FACTORY_ENDPOINT);
	if ((*err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm->task, 16).error))
		return false;
	if ((*err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, vm->vcpu, vm->task).error))
		return false;
	if (l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(view, 12, 0), err) == ~0ull)
		return false;
	for (unsigned i = 0; i < len; i++)
		((volatile unsigned char *)view)[i] = code[i];
	if ((*err = L4_INVOKE(vm->task, L4_TASK_MAP, L4_ITEM_MAP | GUEST_CODE_GPA,
			      l4_fpage_mem(view, 12, L4_FP_RWX)).error) ||
	    (*err = L4_INVOKE(vm->vcpu, L4_THREAD_SET_EXC_HANDLER, vm->ep).error) ||
	    (*err = L4_INVOKE(vm->vcpu, L4_THREAD_SET_PRIO, 50).error))
		return false;
	return true;
}

static bool make_vm(struct vm *vm, l4_word_t *err)
{
	return make_vm_with(vm, guest_code, sizeof(guest_code), HOST_VIEW, err);
}

static void drop_vm(struct vm *vm, l4_word_t view)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm->vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm->task);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(view, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* Replies to an exit with the register block regs, and an event (0: none). */
static l4_word_t resume_with(l4_word_t *regs, l4_word_t event)
{
	struct l4_vcpu_state s;

	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		s.gpr[i] = regs[i];
	return l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, event, 0, &s));
}


/* Receives the next exit; its reason, or ~0 on error. */
static l4_word_t next_exit(struct vm *vm)
{
	struct l4_result r = l4_recv(vm->ep, 2000000);

	if (r.error || l4_tag_label(r.tag) != L4_LABEL_VMEXIT)
		return ~0ull;
	return l4_utcb()->mr[L4_VMEXIT_REASON];
}

/* Resumes the guest past the exiting instruction (of length len). */
static l4_word_t skip(l4_word_t len, l4_word_t rax)
{
	struct l4_utcb *u = l4_utcb();
	l4_word_t regs[L4_REG_COUNT];

	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_STATE + i];
	regs[L4_REG_RIP] += len;
	if (rax != ~0ull)
		regs[L4_REG_RAX] = rax;
	return resume_with(regs, 0);
}

static void real_mode_guest_exits_to_vmm(void)
{
	struct vm vm;
	l4_word_t err, regs[L4_REG_COUNT];
	struct l4_utcb *u = l4_utcb();

	if (!make_vm(&vm, &err)) {
		/* Without VT-x, a vCPU is a clear error, nothing else. */
		l4_printf("ktest: (no VT-x here: vCPUs refused with error %lu)\n", (unsigned long)err);
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);

	/* 1: CPUID, with AX as the guest set it. */
	struct l4_result r = l4_recv(vm.ep, 1000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_VMEXIT);
	CHECK_EQ(l4_tag_words(r.tag), L4_VMEXIT_STATE + L4_REG_COUNT);
	CHECK_EQ(u->mr[L4_VMEXIT_GROUPS], L4_VCPU_GPR);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_CPUID);
	CHECK_EQ(u->mr[L4_VMEXIT_ILEN], 2);
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_STATE + i];
	CHECK_EQ(regs[L4_REG_RIP], GUEST_CODE_GPA + 3);
	CHECK_EQ(regs[L4_REG_RAX] & 0xffff, 0x1234);
	regs[L4_REG_RAX] = 0xabcd;                  /* what "CPUID" returns */
	regs[L4_REG_RIP] += u->mr[L4_VMEXIT_ILEN];
	CHECK_EQ(resume_with(regs, 0), L4_OK);

	/* 2: OUT 0x80, AL: the qualification names the port, AL is what we gave. */
	r = l4_recv(vm.ep, 1000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_IO);
	l4_word_t qual = u->mr[L4_VMEXIT_QUAL];
	CHECK_EQ(qual >> 16 & 0xffff, 0x80);        /* port */
	CHECK_EQ(qual & 7, 0);                      /* one byte */
	CHECK_EQ(qual >> 3 & 1, 0);                 /* out */
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0xcd);
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_STATE + i];
	regs[L4_REG_RIP] += u->mr[L4_VMEXIT_ILEN];
	CHECK_EQ(resume_with(regs, 0), L4_OK);

	/* 3: HLT. */
	r = l4_recv(vm.ep, 1000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_HLT);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RIP], GUEST_CODE_GPA + 7);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	drop_vm(&vm, HOST_VIEW);
}

/* mov al, [0x3000]; out 0x80, al; hlt: reads memory nothing maps (MMIO). */
static const unsigned char mmio_code[] = { 0xa0, 0x00, 0x30, 0xe6, 0x80, 0xf4 };

static void unmapped_access_is_an_ept_violation(void)
{
	struct vm vm;
	l4_word_t err;

	if (!make_vm_with(&vm, mmio_code, sizeof(mmio_code), HOST_VIEW + 0x1000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_EPT_VIOLATION);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_GPA], 0x3000);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_QUAL] & 1, 1);        /* a read */
	/* The VMM emulates the load (the instruction is 3 bytes) with 0x5a. */
	CHECK_EQ(skip(3, 0x5a), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x5a);
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	drop_vm(&vm, HOST_VIEW + 0x1000);
}

/*
 * Guest RAM in 2 MiB pages (sigma0's L4_SIGMA0_LARGE): the guest runs from
 * and reads them through large EPT entries (no EPT page table: the quota
 * pays for two nodes and the upper tables); a part of one is neither
 * unmapped nor mapped over; the whole goes with one unmap, and the guest's
 * next fetch from it is an EPT violation.
 */
#define LARGE_VIEW 0x2e000000ull

static void guest_ram_in_large_pages(void)
{
	struct vm vm = { l4_slot_alloc(), l4_slot_alloc(), l4_make(L4_FACTORY_ENDPOINT) };
	l4_word_t err;

	if ((err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm.task, 16).error) ||
	    (err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, vm.vcpu, vm.task).error)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	l4_word_t pa = l4_sigma0_alloc(L4_SIGMA0_ANY, 22 | L4_SIGMA0_LARGE, l4_fpage_mem(LARGE_VIEW, 22, 0), &err);
	CHECK(pa != ~0ull);
	for (unsigned i = 0; i < sizeof(mmio_code); i++)
		((volatile unsigned char *)LARGE_VIEW + GUEST_CODE_GPA)[i] = mmio_code[i];
	((volatile unsigned char *)LARGE_VIEW)[0x3000] = 0x77;
	l4_word_t q0 = l4_factory_used(L4_CAP_FACTORY);
	CHECK_EQ(l4_vm_map(vm.task, 0, LARGE_VIEW, 22, L4_FP_RWX), L4_OK);
	l4_word_t q1 = l4_factory_used(L4_CAP_FACTORY);
	l4_printf("ktest: (4 MiB of guest RAM in large pages: %lu bytes of kernel memory)\n", (unsigned long)(q1 - q0));
	CHECK(q1 - q0 <= 2 * 48 + 2 * 4096);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_SET_EXC_HANDLER, vm.ep).error, L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_SET_PRIO, 50).error, L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x77);
	l4_word_t regs[L4_REG_COUNT];
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = l4_utcb()->mr[L4_VMEXIT_STATE + i];
	CHECK_EQ(L4_INVOKE(vm.task, L4_TASK_UNMAP, l4_fpage_mem(0x3000, 12, L4_FP_RWX), L4_UNMAP_SELF).error, L4_EINVAL);
	CHECK_EQ(l4_vm_map(vm.task, 0x5000, LARGE_VIEW + 0x5000, 12, L4_FP_RWX), L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm.task, L4_TASK_UNMAP, l4_fpage_mem(0, 21, L4_FP_RWX), L4_UNMAP_SELF).error, L4_OK);
	regs[L4_REG_RIP] += 2;
	CHECK_EQ(resume_with(regs, 0), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_EPT_VIOLATION);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_GPA], GUEST_CODE_GPA + 5);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm.vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm.task);
	L4_INVOKE(L4_CAP_PAGER, L4_SIGMA0_FREE, pa, 22);
}

/* lidt [0x1010] (a zero-limit IDT); int3: #GP, #DF, triple fault. */
static const unsigned char triple_code[] = { 0x0f, 0x01, 0x1e, 0x10, 0x10, 0xcc };

static void triple_fault_reaches_vmm(void)
{
	struct vm vm;
	l4_word_t err;

	if (!make_vm_with(&vm, triple_code, sizeof(triple_code), HOST_VIEW + 0x2000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_TRIPLE_FAULT);
	/* The VMM stops it; we (the host) carry on. */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_INACTIVE);
	drop_vm(&vm, HOST_VIEW + 0x2000);
}

static void invalid_guest_state_reaches_vmm(void)
{
	struct vm vm;
	l4_word_t err;

	if (!make_vm(&vm, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	/* RIP above 4 GiB outside long mode is not a valid guest state. */
	L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_CPUID);
	CHECK_EQ(skip((1ull << 40) - GUEST_CODE_GPA - 3, ~0ull), L4_OK);
	l4_word_t reason = next_exit(&vm);
	CHECK(reason != ~0ull);
	CHECK_EQ(reason & L4_VMEXIT_ENTRY_FAILED, L4_VMEXIT_ENTRY_FAILED);
	CHECK_EQ(reason & 0xffff, L4_VMEXIT_INVALID_GUEST_STATE);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_vm(&vm, HOST_VIEW);
}

/* mov al, [0x1100]; out 0x80, al; hlt: what each VM's own memory holds. */
static const unsigned char read_code[] = { 0xa0, 0x00, 0x11, 0xe6, 0x80, 0xf4 };

static void two_vms_have_separate_memory(void)
{
	struct vm a, b;
	l4_word_t err;

	if (!make_vm_with(&a, read_code, sizeof(read_code), HOST_VIEW + 0x3000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	CHECK(make_vm_with(&b, read_code, sizeof(read_code), HOST_VIEW + 0x4000, &err));
	((volatile unsigned char *)HOST_VIEW + 0x3000)[0x100] = 0xaa;
	((volatile unsigned char *)HOST_VIEW + 0x4000)[0x100] = 0xbb;
	L4_INVOKE(a.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	L4_INVOKE(b.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	CHECK_EQ(next_exit(&a), L4_VMEXIT_IO);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0xaa);
	CHECK_EQ(next_exit(&b), L4_VMEXIT_IO);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0xbb);
	drop_vm(&a, HOST_VIEW + 0x3000);
	drop_vm(&b, HOST_VIEW + 0x4000);
}

/*
 * VMs made one after another on recycled frames (the kernel's allocator
 * hands the last VM's EPT root out again) see only their own memory: the
 * CPU tags guest-physical translations with the EPT pointer, so without
 * an INVEPT when an EPT is first used or torn down a VM could reach what
 * the last one on that root had mapped (review finding 4). Every other VM
 * has a page at 0x3000, the ones between nothing there: their read must
 * be an EPT violation, never the dead VM's page.
 *
 *   mov al, [0x1100]; out 0x80, al; mov al, [0x3000]; out 0x81, al; hlt
 */
static const unsigned char recycle_code[] = {
	0xa0, 0x00, 0x11, 0xe6, 0x80, 0xa0, 0x00, 0x30, 0xe6, 0x81, 0xf4,
};
#define RECYCLE_VIEW 0x27400000ull         /* (no other test uses these) */
#define RECYCLE_EXTRA_VIEW (RECYCLE_VIEW + 0x1000)

static void recreated_vms_see_only_their_memory(void)
{
	for (unsigned i = 0; i < 8; i++) {
		struct vm vm;
		l4_word_t err;
		if (!make_vm_with(&vm, recycle_code, sizeof(recycle_code), RECYCLE_VIEW, &err)) {
			CHECK_EQ(err, L4_ENOSYS);     /* (no VT-x here; any other error fails) */
			return;
		}
		((volatile unsigned char *)RECYCLE_VIEW)[0x100] = (unsigned char)(0x40 + i);
		bool extra = i % 2 == 0;
		if (extra) {
			CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(RECYCLE_EXTRA_VIEW, 12, 0), &err) != ~0ull);
			*(volatile unsigned char *)RECYCLE_EXTRA_VIEW = (unsigned char)(0x80 + i);
			CHECK_EQ(L4_INVOKE(vm.task, L4_TASK_MAP, L4_ITEM_MAP | 0x3000,
					   l4_fpage_mem(RECYCLE_EXTRA_VIEW, 12, L4_FP_RW)).error, L4_OK);
		}
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);
		CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
		CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x40 + i);
		CHECK_EQ(skip(2, ~0ull), L4_OK);
		if (extra) {
			CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
			CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_QUAL] >> 16 & 0xffff, 0x81);
			CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x80 + i);
		} else {
			CHECK_EQ(next_exit(&vm), L4_VMEXIT_EPT_VIOLATION);
			CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_GPA], 0x3000);
		}
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
		drop_vm(&vm, RECYCLE_VIEW);
		if (extra)
			L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(RECYCLE_EXTRA_VIEW, 12, L4_FP_RWX),
				  L4_UNMAP_SELF);
	}
}

static volatile unsigned long wakeups;

/* Wakes n times from 1 ms sleeps, then stops the vCPU (slot spinner). */
static long punctual(long spinner)
{
	for (long i = 0; i < 20; i++) {
		l4_sleep_us(1000);
		wakeups++;
	}
	return L4_INVOKE((l4_cap_t)spinner, L4_THREAD_STOP).error ? 0 : 1;
}

/* a loop that never exits by itself */
static const unsigned char spin_code[] = { 0x40, 0xeb, 0xfd };   /* inc ax; jmp back */

static void spinning_guest_does_not_starve_native_threads(void)
{
	struct vm vm;
	l4_word_t err;

	if (!make_vm_with(&vm, spin_code, sizeof(spin_code), HOST_VIEW + 0x5000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	/* The guest spins at 120, above us; a native thread at 130 must still run on time. */
	wakeups = 0;
	L4_INVOKE(vm.vcpu, L4_THREAD_SET_PRIO, 120);
	l4_cap_t t = l4_thread_start(punctual, (long)vm.vcpu, 130);      /* it sleeps at once */
	L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	/* We (100) run again only when the guest (120) is stopped: punctual does that. */
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 1);
	CHECK_EQ(wakeups, 20);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(l4_utcb()->mr[0], L4_THREAD_INACTIVE);
	l4_thread_kill(t);
	drop_vm(&vm, HOST_VIEW + 0x5000);
}

/* wbinvd; rdpmc; monitor; mwait: each exits to the VMM (review finding 9:
 * they ran in the guest on the host's caches, counters and idle states). */
static const unsigned char host_resource_code[] = {
	0x0f, 0x09, 0x0f, 0x33, 0x0f, 0x01, 0xc8, 0x0f, 0x01, 0xc9, 0xf4,
};

static void host_resource_instructions_exit(void)
{
	static const struct { l4_word_t reason, len; } want[] = {
		{ L4_VMEXIT_WBINVD, 2 }, { L4_VMEXIT_RDPMC, 2 }, { L4_VMEXIT_MONITOR, 3 },
		{ L4_VMEXIT_MWAIT, 3 }, { L4_VMEXIT_HLT, 1 },
	};
	struct vm vm;
	l4_word_t err;

	if (!make_vm_with(&vm, host_resource_code, sizeof(host_resource_code), HOST_VIEW + 0xb000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);
	l4_word_t at = GUEST_CODE_GPA;
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_EQ(next_exit(&vm), want[i].reason);
		CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_STATE + L4_REG_RIP], at);
		at += want[i].len;
		if (i + 1 < sizeof(want) / sizeof(want[0]))
			CHECK_EQ(skip(want[i].len, ~0ull), L4_OK);
	}
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	drop_vm(&vm, HOST_VIEW + 0xb000);
}

/*
 * A guest spins for 2 s of its time while its VMM waits without a
 * timeout and nothing else runs: about 4,000 exits (the preemption timer,
 * timer interrupts) that the kernel handles itself. Each is a fresh kernel
 * entry on the top of the kernel stack; when an exit returned into the
 * code that had entered the guest, each nested a frame deeper and the
 * 16 KiB stack overflowed after a few hundred. The self-check's
 * high-water mark of the stack must not move.
 */
static long stop_after(long vcpu)
{
	l4_sleep_us(2000000);
	return (long)L4_INVOKE((l4_cap_t)vcpu, L4_THREAD_STOP).error;
}

/* How many exceptions the kernel delivered to vcpu's guest itself. */
static l4_word_t reflected(l4_cap_t vcpu)
{
	struct l4_result r = L4_INVOKE(vcpu, L4_THREAD_INFO);

	return r.error || l4_tag_words(r.tag) < 5 ? 0 : l4_utcb()->mr[4];
}

static l4_word_t stack_depth(void)
{
	return L4_INVOKE(L4_CAP_DEBUG, L4_DEBUG_CHECK).error ? ~0ull : l4_utcb()->mr[4];
}

static void long_spin_keeps_the_kernel_stack(void)
{
	struct vm vm;
	l4_word_t err;

	if (!make_vm_with(&vm, spin_code, sizeof(spin_code), HOST_VIEW + 0xa000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	l4_word_t before = stack_depth();
	CHECK(before < 8192);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_SET_PRIO, 120).error, L4_OK);
	l4_cap_t waker = l4_thread_start(stop_after, (long)vm.vcpu, 130);     /* it sleeps at once */
	CHECK(waker != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);
	/* We (100) run again once the waker has stopped the guest (120). */
	CHECK(l4_thread_join(waker));
	CHECK_EQ(l4_thread_result(waker), L4_OK);
	CHECK_EQ(l4_recv(vm.ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);         /* no exit for us */
	l4_printf("ktest: (kernel stack %lu bytes deep before, %lu after)\n", (unsigned long)before,
		  (unsigned long)stack_depth());
	CHECK(stack_depth() <= before + 512);
	l4_thread_kill(waker);
	drop_vm(&vm, HOST_VIEW + 0xa000);
}

/* vmcall; mov ecx, 0x10; rdmsr; wrmsr; mov si, 0x1100; mov cx, 3; mov dx, 0x80;
 * rep outsb; in al, 0x60; mov di, 0x1200; mov cx, 2; mov dx, 0x60; rep insb;
 * mov al, [0x1201]; out 0x80, al; hlt */
static const unsigned char instr_code[] = {
	0x0f, 0x01, 0xc1,
	0x66, 0xb9, 0x10, 0x00, 0x00, 0x00,
	0x0f, 0x32,
	0x0f, 0x30,
	0xbe, 0x00, 0x11,
	0xb9, 0x03, 0x00,
	0xba, 0x80, 0x00,
	0xf3, 0x6e,
	0xe4, 0x60,
	0xbf, 0x00, 0x12,
	0xb9, 0x02, 0x00,
	0xba, 0x60, 0x00,
	0xf3, 0x6c,
	0xa0, 0x01, 0x12,
	0xe6, 0x80,
	0xf4,
};

static void every_kind_of_exit_reaches_vmm(void)
{
	struct vm vm;
	l4_word_t err;
	struct l4_utcb *u = l4_utcb();

	if (!make_vm_with(&vm, instr_code, sizeof(instr_code), HOST_VIEW + 0x6000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_VMCALL);
	/* Reply and wait for the next exit in one call, as a VMM's loop does. */
	struct l4_vcpu_exit e;
	struct l4_vcpu_state st;
	l4_vcpu_exit_get(&e, &st);
	CHECK_EQ(e.groups, L4_VCPU_GPR);
	st.gpr[L4_REG_RIP] += e.ilen;
	struct l4_result r = l4_reply_wait(vm.ep, l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &st), 2000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_VMEXIT);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_RDMSR);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RCX] & 0xffffffff, 0x10);   /* the TSC's MSR */
	/* The VMM decides what the guest reads: EDX:EAX = 0x11:0x22. */
	l4_word_t regs[L4_REG_COUNT];
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_STATE + i];
	regs[L4_REG_RIP] += 2;
	regs[L4_REG_RAX] = 0x22;
	regs[L4_REG_RDX] = 0x11;
	CHECK_EQ(resume_with(regs, 0), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_WRMSR);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xffffffff, 0x22);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RDX] & 0xffffffff, 0x11);
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	l4_word_t qual = u->mr[L4_VMEXIT_QUAL];
	CHECK_EQ(qual >> 16 & 0xffff, 0x80);
	CHECK_EQ(qual >> 4 & 3, 3);                 /* string, REP */
	CHECK_EQ(u->mr[L4_VMEXIT_GLA], 0x1100);     /* where the string is */
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RCX] & 0xffff, 3);
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	/* IN: the VMM supplies AL. */
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	qual = u->mr[L4_VMEXIT_QUAL];
	CHECK_EQ(qual >> 16 & 0xffff, 0x60);
	CHECK_EQ(qual >> 3 & 7, 1);                 /* in, not string, no REP */
	CHECK_EQ(skip(2, 0x42), L4_OK);
	/* REP INSB: the VMM stores the bytes at ES:DI in guest memory itself. */
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	qual = u->mr[L4_VMEXIT_QUAL];
	CHECK_EQ(qual >> 16 & 0xffff, 0x60);
	CHECK_EQ(qual >> 3 & 7, 7);                 /* in, string, REP */
	CHECK_EQ(u->mr[L4_VMEXIT_GLA], 0x1200);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x42);
	((volatile unsigned char *)HOST_VIEW + 0x6000)[0x200] = 0x11;
	((volatile unsigned char *)HOST_VIEW + 0x6000)[0x201] = 0x22;
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_STATE + i];
	regs[L4_REG_RDI] += 2;
	regs[L4_REG_RCX] = 0;
	regs[L4_REG_RIP] += 2;
	CHECK_EQ(resume_with(regs, 0), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	CHECK_EQ(u->mr[L4_VMEXIT_QUAL] >> 16 & 0xffff, 0x80);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RAX] & 0xff, 0x22);
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	drop_vm(&vm, HOST_VIEW + 0x6000);
}

/* sti; hlt; then, at 0x1010, the handler of vector 0x20: out 0x80, al; hlt */
static const unsigned char irq_code[] = {
	0xfb, 0xf4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xe6, 0x80, 0xf4,
};

static void injected_interrupt_runs_guest_handler(void)
{
	struct vm vm;
	l4_word_t err;
	const l4_word_t ivt_view = HOST_VIEW + 0x8000;

	if (!make_vm_with(&vm, irq_code, sizeof(irq_code), HOST_VIEW + 0x7000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	/* The real-mode interrupt table at guest-physical 0: vector 0x20 -> 0000:1010. */
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(ivt_view, 12, 0), &err) != ~0ull);
	((volatile unsigned short *)ivt_view)[0x20 * 2] = 0x1010;
	((volatile unsigned short *)ivt_view)[0x20 * 2 + 1] = 0;
	CHECK_EQ(L4_INVOKE(vm.task, L4_TASK_MAP, L4_ITEM_MAP | 0, l4_fpage_mem(ivt_view, 12, L4_FP_RWX)).error,
		 L4_OK);
	L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	/* Past the HLT, with an external interrupt, vector 0x20, to inject. */
	struct l4_utcb *u = l4_utcb();
	l4_word_t regs[L4_REG_COUNT];
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_STATE + i];
	regs[L4_REG_RIP] += 1;
	CHECK_EQ(resume_with(regs, l4_event_interrupt(0x20)), L4_OK);
	/* The guest took it through its own table: the handler's OUT. */
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	CHECK_EQ(u->mr[L4_VMEXIT_STATE + L4_REG_RIP], 0x1010);      /* the OUT itself */
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	drop_vm(&vm, HOST_VIEW + 0x7000);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(ivt_view, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* ---------------------------------------------------------------- guests in every mode */

/* Guest-physical layout of the 32 KiB VMs below (seen by us at BIG_VIEW). */
#define G_CODE  0x1000ull       /* the guest's code */
#define G_GDT   0x2000ull       /* its GDT ... */
#define G_IDT   0x2100ull       /* ... and IDT */
#define G_TSS   0x2800ull
#define G_PML4  0x3000ull       /* long mode: PML4, PDPT, PD (2 MiB pages from 0) */
#define G_PDPT  0x4000ull
#define G_PD    0x5000ull
#define G_HANDLERS 0x6000ull    /* #UD at +0, vector 0x20 at +0x100, SYSCALL at +0x200 */
#define G_STACK 0x8000ull
#define BIG_VIEW 0x27100000ull
#define SEL_CODE32 0x08
#define SEL_DATA   0x10
#define SEL_CODE64 0x18
#define SEL_TSS    0x28

enum mode { REAL, PROT32, LONG64 };

static volatile unsigned char *big(l4_word_t gpa)
{
	return (volatile unsigned char *)(BIG_VIEW + gpa);
}

static void put(l4_word_t gpa, const unsigned char *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		big(gpa)[i] = b[i];
}

static void put64(l4_word_t gpa, l4_word_t v)
{
	*(volatile l4_word_t *)big(gpa) = v;
}

/* An IDT gate to handler (a 32-bit or a 64-bit interrupt gate). */
static void idt_gate(enum mode m, unsigned vector, l4_word_t handler)
{
	l4_word_t sel = m == LONG64 ? SEL_CODE64 : SEL_CODE32;
	l4_word_t low = (handler & 0xffff) | sel << 16 | 0x8eull << 40 | (handler >> 16 & 0xffff) << 48;

	if (m == LONG64) {
		put64(G_IDT + 16 * vector, low);
		put64(G_IDT + 16 * vector + 8, handler >> 32);
	} else {
		put64(G_IDT + 8 * vector, low);
	}
}

/* A 32 KiB VM at guest-physical 0 with code at G_CODE; false where there is no VT-x. */
static bool make_big_vm(struct vm *vm, const unsigned char *code, unsigned len, l4_word_t *err)
{
	vm->ep = l4_make(L4_FACTORY_ENDPOINT);
	if ((*err = l4_vm_create(&vm->task)))
		return false;
	if ((*err = l4_vcpu_create(vm->task, vm->ep, 50, &vm->vcpu)))
		return false;
	if (l4_sigma0_alloc(L4_SIGMA0_ANY, 15, l4_fpage_mem(BIG_VIEW, 15, 0), err) == ~0ull)
		return false;
	for (l4_word_t a = 0; a < 0x8000; a += 8)
		put64(a, 0);
	put(G_CODE, code, len);
	return !(*err = l4_vm_map(vm->task, 0, BIG_VIEW, 15, L4_FP_RWX));
}

/* The test ends here if err is L4_ENOSYS (no VT-x here) and fails on any other error. */
#define RETURN_IF_NO_VMX(err) do { \
	l4_word_t err_ = (err); \
	if (err_) { \
		CHECK_EQ(err_, L4_ENOSYS); \
		return; \
	} } while (0)
/* make_big_vm with code, or the test ends (RETURN_IF_NO_VMX). */
#define BIG_VM_OR_RETURN(vm, code) do { \
	l4_word_t e_ = 0; \
	/* (a refusal without an error code still fails the test) */ \
	RETURN_IF_NO_VMX(make_big_vm(vm, code, sizeof(code), &e_) ? L4_OK : e_ ? e_ : L4_ENOMEM); \
	} while (0)

static void drop_big_vm(struct vm *vm)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm->vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm->task);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(BIG_VIEW, 15, L4_FP_RWX), L4_UNMAP_SELF);
}

/* The state a VMM gives a guest to start it in mode m at G_CODE: flat
 * segments from a GDT it also writes, an IDT, and for long mode identity
 * page tables. */
static void mode_state(enum mode m, struct l4_vcpu_state *s)
{
	static const l4_word_t gdt[] = {
		0, 0x00cf9b000000ffffull /* 0x08 code32 */, 0x00cf93000000ffffull /* 0x10 data */,
		0x00af9b000000ffffull /* 0x18 code64 */,
	};
	for (unsigned i = 0; i < sizeof(gdt) / sizeof(gdt[0]); i++)
		put64(G_GDT + 8 * i, gdt[i]);
	put64(G_PML4, G_PDPT | 3);
	put64(G_PDPT, G_PD | 3);
	put64(G_PD, 0x83);                       /* 2 MiB at 0, present, writable */
	for (unsigned i = 0; i < sizeof(*s) / sizeof(l4_word_t); i++)
		((l4_word_t *)s)[i] = 0;
	s->gpr[L4_REG_RIP] = G_CODE;
	s->gpr[L4_REG_RSP] = G_STACK;
	s->gpr[L4_REG_RFLAGS] = 2;
	bool lm = m == LONG64;
	s->cr[L4_CR_CR0] = 0x11 | (lm ? 0x80000000ull : 0) | 0x20;      /* PE, ET, NE (+ PG) */
	s->cr[L4_CR_CR3] = lm ? G_PML4 : 0;
	s->cr[L4_CR_CR4] = lm ? 0x20 : 0;                                /* PAE */
	s->cr[L4_CR_DR7] = 0x400;
	s->cr[L4_CR_EFER] = lm ? 0x500 | 1 : 0;                          /* LME, LMA, SCE */
	l4_word_t code_ar = lm ? 0xa9b : 0xc9b, data = L4_SEG_WORD(SEL_DATA, 0xc93, 0xffffffff);
	s->seg[2 * L4_SEG_CS] = L4_SEG_WORD(lm ? SEL_CODE64 : SEL_CODE32, code_ar, 0xffffffff);
	s->seg[2 * L4_SEG_ES] = s->seg[2 * L4_SEG_SS] = s->seg[2 * L4_SEG_DS] = data;
	s->seg[2 * L4_SEG_FS] = s->seg[2 * L4_SEG_GS] = data;
	s->seg[2 * L4_SEG_LDTR] = L4_SEG_WORD(0, L4_SEG_AR_UNUSABLE, 0);
	s->seg[2 * L4_SEG_TR] = L4_SEG_WORD(SEL_TSS, 0x8b, 0x67);
	s->seg[2 * L4_SEG_TR + 1] = G_TSS;
	s->dt[L4_DT_GDTR_BASE] = G_GDT;
	s->dt[L4_DT_GDTR_LIMIT] = 0x27;
	s->dt[L4_DT_IDTR_BASE] = G_IDT;
	s->dt[L4_DT_IDTR_LIMIT] = lm ? 16 * 0x21 - 1 : 8 * 0x21 - 1;
	s->msr[L4_MSR_PAT] = 0x0007040600070406ull;
}

/* Waits for the next exit: its reason (~0 on error) with *e and *s filled. */
static l4_word_t get_exit(struct vm *vm, struct l4_vcpu_exit *e, struct l4_vcpu_state *s)
{
	if (next_exit(vm) == ~0ull)
		return ~0ull;
	l4_vcpu_exit_get(e, s);
	return e->reason;
}

/* A VM running code in 64-bit mode, its exits carrying the groups of mask.
 * Error code (L4_ENOSYS: no VT-x here). */
static l4_word_t long_mode_vm(struct vm *vm, const unsigned char *code, unsigned len, unsigned mask)
{
	l4_word_t err;
	if (!make_big_vm(vm, code, len, &err))
		return err;
	struct l4_vcpu_state s;
	mode_state(LONG64, &s);
	if ((err = l4_vcpu_config(vm->vcpu, 0, mask, NULL, 0)) ||
	    (err = l4_vcpu_write(vm->vcpu, L4_VCPU_ALL, 0, 0, 0, &s)) ||
	    (err = L4_INVOKE(vm->vcpu, L4_THREAD_RESUME).error))
		drop_big_vm(vm);
	return err;
}

/* Resumes past the instruction with the registers of *s and maybe an event. */
static l4_word_t step(struct l4_vcpu_exit *e, struct l4_vcpu_state *s, l4_word_t event)
{
	s->gpr[L4_REG_RIP] += e->ilen;
	return l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, event, 0, s));
}

/*
 * mov eax/rax, MAGIC; cpuid; out 0x80, al; sti; hlt; ud2
 * The VMM injects vector 0x20 at the HLT (handler: out 0x81, al; iret) and
 * reflects the #UD it intercepts (handler: out 0x82, al; hlt).
 */
static void guest_in_mode(enum mode m)
{
	unsigned char code[32], n = 0;
	if (m == LONG64) {
		static const unsigned char mov64[] = { 0x48, 0xb8, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };
		for (unsigned i = 0; i < sizeof(mov64); i++)
			code[n++] = mov64[i];
	} else {
		static const unsigned char mov32[] = { 0xb8, 0x78, 0x56, 0x34, 0x12 };
		for (unsigned i = 0; i < sizeof(mov32); i++)
			code[n++] = mov32[i];
	}
	static const unsigned char rest[] = { 0x0f, 0xa2, 0xe6, 0x80, 0xfb, 0xf4, 0x0f, 0x0b };
	for (unsigned i = 0; i < sizeof(rest); i++)
		code[n++] = rest[i];
	struct vm vm;
	l4_word_t err;
	if (!make_big_vm(&vm, code, n, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	static const unsigned char ud_handler[] = { 0xe6, 0x82, 0xf4 };
	static const unsigned char irq32[] = { 0xe6, 0x81, 0xcf };
	static const unsigned char irq64[] = { 0xe6, 0x81, 0x48, 0xcf };
	put(G_HANDLERS, ud_handler, sizeof(ud_handler));
	if (m == LONG64)
		put(G_HANDLERS + 0x100, irq64, sizeof(irq64));
	else
		put(G_HANDLERS + 0x100, irq32, sizeof(irq32));
	idt_gate(m, 6, G_HANDLERS);
	idt_gate(m, 0x20, G_HANDLERS + 0x100);

	/* #UD exits; CPUID exits bring the control and segment state too, exceptions the event. */
	uint8_t masks[L4_VMEXIT_REASONS] = { 0 };
	masks[L4_VMEXIT_CPUID] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG;
	masks[L4_VMEXIT_EXCEPTION] = L4_VCPU_GPR | L4_VCPU_INTR;
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 1u << 6, L4_VCPU_GPR, masks, L4_VMEXIT_CPUID + 1), L4_OK);
	struct l4_vcpu_state s;
	mode_state(m, &s);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);

	struct l4_vcpu_exit e;
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);
	CHECK_EQ(e.groups, L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG);
	CHECK_EQ(s.gpr[L4_REG_RAX], m == LONG64 ? 0x0123456789abcdefull : 0x12345678);
	CHECK_EQ(s.cr[L4_CR_CR0] & 0x80000001ull, m == LONG64 ? 0x80000001ull : 1);
	CHECK_EQ(s.cr[L4_CR_CR0] & 0x20, 0x20);
	CHECK_EQ(s.cr[L4_CR_CR4] & (1u << 13), 0);          /* VMXE stays hidden */
	CHECK_EQ(s.cr[L4_CR_EFER] & 0x400, m == LONG64 ? 0x400 : 0);
	CHECK_EQ(s.seg[2 * L4_SEG_CS] & 0xffff, m == LONG64 ? SEL_CODE64 : SEL_CODE32);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x80);
	CHECK_EQ(e.groups, L4_VCPU_GPR);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_HLT);
	CHECK_EQ(step(&e, &s, l4_event_interrupt(0x20)), L4_OK);
	/* Through the guest's own IDT into its handler; its IRET returns to the UD2. */
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x81);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS + 0x100);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_EXCEPTION);
	CHECK_EQ(e.groups, L4_VCPU_GPR | L4_VCPU_INTR);
	CHECK_EQ(s.intr[L4_INTR_EXIT_INFO] & 0x800007ffull, 0x80000306ull);  /* valid, hw exception, #UD */
	CHECK_EQ(s.gpr[L4_REG_RIP], G_CODE + n - 2);
	/* Reflected: the guest's #UD handler runs, RIP unchanged. */
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(0, 0, l4_event_exception(6, false), 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x82);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

static void protected_mode_guest(void)
{
	guest_in_mode(PROT32);
}

static void long_mode_guest(void)
{
	guest_in_mode(LONG64);
}

/*
 * Two long-mode guests at one priority spin for 50 ms, each checking that
 * xmm0 and the upper half of ymm1 still hold its own value, beside a
 * native thread at that priority doing the same with its registers: time
 * slices switch the FPU between all three, lazily or eagerly (fpu=eager).
 * A VMCS whose host CR0 kept the TS bit of the moment it was made set TS
 * at every exit behind the FPU code's back: the next switch panicked the
 * kernel with #NM (review finding 3).
 *
 *   mov rax, K; movq xmm0, rax; vperm2f128 ymm1, ymm0, ymm0, 0
 *   xor ebx, ebx; xor edx, edx
 * loop: vextractf128 xmm2, ymm1, 1; movq rcx, xmm2; cmp rcx, rax; jne fail
 *   movq rcx, xmm0; cmp rcx, rax; jne fail; inc rbx; jmp loop
 * fail: inc rdx; out 0x99, al; jmp $
 * (Without AVX the two VEX instructions are SSE moves: movdqa, 2 NOPs.)
 */
static const unsigned char fpu_spin_code[] = {
	0x48, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0,
	0x66, 0x48, 0x0f, 0x6e, 0xc0,
	0xc4, 0xe3, 0x7d, 0x06, 0xc8, 0x00,
	0x31, 0xdb, 0x31, 0xd2,
	0xc4, 0xe3, 0x7d, 0x19, 0xca, 0x01,
	0x66, 0x48, 0x0f, 0x7e, 0xd1,
	0x48, 0x39, 0xc1, 0x75, 0x0f,
	0x66, 0x48, 0x0f, 0x7e, 0xc1,
	0x48, 0x39, 0xc1, 0x75, 0x05,
	0x48, 0xff, 0xc3, 0xeb, 0xe1,
	0x48, 0xff, 0xc2, 0xe6, 0x99, 0xeb, 0xfe,
};
#define FPU_SPIN_PRIO 60
#define BIG_VIEW2 0x27200000ull

static bool cpu_has_avx(void)
{
	unsigned int a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return (c & (1u << 28)) && (c & (1u << 27));
}

static volatile unsigned long native_fpu_checks;

/* The native neighbour: its own value in xmm5 and ymm6's upper half. */
static long native_fpu_checker(long v)
{
	bool avx = cpu_has_avx();
	unsigned long long lo, hi = (unsigned long long)v;

	__asm__ volatile("movq %0, %%xmm5" : : "r"((unsigned long long)v));
	if (avx)
		__asm__ volatile("vinsertf128 $1, %%xmm5, %%ymm6, %%ymm6" : : : "memory");
	for (;;) {
		__asm__ volatile("movq %%xmm5, %0" : "=r"(lo));
		if (avx)
			__asm__ volatile("vextractf128 $1, %%ymm6, %%xmm7\nmovq %%xmm7, %0" : "=r"(hi));
		if (lo != (unsigned long long)v || hi != (unsigned long long)v)
			return 0;
		native_fpu_checks++;
	}
}

static void spinning_fpu_guests_at_one_priority(void)
{
	unsigned char code[sizeof(fpu_spin_code)];
	struct vm a, b;
	l4_word_t err;
	bool avx = cpu_has_avx();

	for (unsigned i = 0; i < sizeof(code); i++)
		code[i] = fpu_spin_code[i];
	if (!avx) {
		static const unsigned char movdqa_10[] = { 0x66, 0x0f, 0x6f, 0xc8, 0x90, 0x90 };
		static const unsigned char movdqa_21[] = { 0x66, 0x0f, 0x6f, 0xd1, 0x90, 0x90 };
		for (unsigned i = 0; i < 6; i++) {
			code[15 + i] = movdqa_10[i];
			code[25 + i] = movdqa_21[i];
		}
		l4_printf("ktest: (no AVX: the guests check SSE state only)\n");
	}
	const l4_word_t value[2] = { 0x1111222233334444ull, 0x5555666677778888ull };
	for (unsigned i = 0; i < 8; i++)
		code[2 + i] = (unsigned char)(value[0] >> (8 * i));
	if (!make_big_vm(&a, code, sizeof(code), &err)) {
		RETURN_IF_NO_VMX(err ? err : L4_ENOMEM);
	}
	struct l4_vcpu_state s;
	mode_state(LONG64, &s);
	s.cr[L4_CR_CR0] |= 0x2;                                  /* MP; EM and TS clear */
	s.cr[L4_CR_CR4] |= 0x600 | (avx ? 0x40000u : 0);         /* OSFXSR, OSXMMEXCPT, OSXSAVE */
	/* The second VM: a copy of the first's memory, its own value. */
	b.ep = a.ep;
	CHECK_EQ(l4_vm_create(&b.task), L4_OK);
	CHECK_EQ(l4_vcpu_create(b.task, b.ep, 50, &b.vcpu), L4_OK);
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 15, l4_fpage_mem(BIG_VIEW2, 15, 0), &err) != ~0ull);
	for (l4_word_t off = 0; off < 0x8000; off += 8)
		*(volatile l4_word_t *)(BIG_VIEW2 + off) = *(volatile l4_word_t *)(BIG_VIEW + off);
	for (unsigned i = 0; i < 8; i++)
		((volatile unsigned char *)BIG_VIEW2)[G_CODE + 2 + i] = (unsigned char)(value[1] >> (8 * i));
	CHECK_EQ(l4_vm_map(b.task, 0, BIG_VIEW2, 15, L4_FP_RWX), L4_OK);
	const struct vm *vms[2] = { &a, &b };
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ(l4_vcpu_write(vms[i]->vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
		CHECK_EQ(L4_INVOKE(vms[i]->vcpu, L4_THREAD_SET_PRIO, FPU_SPIN_PRIO).error, L4_OK);
	}
	/* We (100) sleep 50 ms while the three share the CPU in 10 ms slices. */
	native_fpu_checks = 0;
	l4_cap_t n = l4_thread_start(native_fpu_checker, 0x0badcafe0badcafeull, FPU_SPIN_PRIO);
	CHECK(n != L4_CAP_NONE);
	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ(L4_INVOKE(vms[i]->vcpu, L4_THREAD_RESUME).error, L4_OK);
	l4_sleep_us(50000);
	for (unsigned i = 0; i < 2; i++)
		CHECK_EQ(L4_INVOKE(vms[i]->vcpu, L4_THREAD_STOP).error, L4_OK);
	long native_result = l4_thread_result(n);
	unsigned long native_checks = native_fpu_checks;
	l4_thread_kill(n);
	CHECK_EQ(native_result, -1);                 /* still running: never saw a wrong value */
	CHECK(native_checks > 0);
	/* Neither guest saw a wrong value (it would have exited at OUT 0x99) ... */
	CHECK_EQ(l4_recv(a.ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	unsigned long checks[2];
	for (unsigned i = 0; i < 2; i++) {
		CHECK_EQ(l4_vcpu_read(vms[i]->vcpu, L4_VCPU_GPR, &s), L4_OK);
		CHECK_EQ(s.gpr[L4_REG_RAX], value[i]);
		CHECK_EQ(s.gpr[L4_REG_RDX], 0);
		checks[i] = s.gpr[L4_REG_RBX];
		CHECK(checks[i] > 0);                   /* ... and both ran */
	}
	l4_printf("ktest: (checks: guests %lu and %lu, native thread %lu)\n", checks[0], checks[1],
		  native_checks);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b.vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, b.task);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(BIG_VIEW2, 15, L4_FP_RWX), L4_UNMAP_SELF);
	drop_big_vm(&a);
}

/*
 * A long-mode guest that spins checking its FPU state (as above) is moved
 * from CPU to CPU while it runs, and its registers are read from CPU 0
 * while it runs elsewhere: each move and each read VMCLEARs its VMCS on
 * the CPU that has it (a remote call) and the next entry launches it on
 * the new one. It must go on counting on every CPU and never see a wrong
 * FPU value; native threads keep their own FPU state beside it. On one CPU
 * only the moves to CPU 0 and the reads are left.
 */
/* pause; jmp $-2: a guest that spins on PAUSE, as on a lock or for an IPI's answer. */
static const unsigned char pause_code[] = { 0xf3, 0x90, 0xeb, 0xfc };
static volatile unsigned long low_runs;

static long low_prio_counter(long arg)
{
	(void)arg;
	for (;;)
		low_runs++;
	return 0;
}

/* How many exits the kernel handled itself for vcpu (timer, interrupts, PAUSE loops). */
static l4_word_t kernel_exits(l4_cap_t vcpu)
{
	struct l4_result r = L4_INVOKE(vcpu, L4_THREAD_INFO);

	return r.error || l4_tag_words(r.tag) < 4 ? 0 : l4_utcb()->mr[3];
}

/* A vCPU spinning on PAUSE gives the CPU to the threads of its priority
 * there (PAUSE-loop exiting: every VT-x CPU since 2010 and Bochs have it)
 * and to no thread below it. Each of our 50 yields lets the vCPU run; it
 * must hand the CPU back long before its time slice (10 ms) ends, as
 * the vCPU that a spinning guest waits for would need. */
static void pause_loop_yields_to_its_priority(void)
{
	struct vm vm;
	l4_word_t err;

	if (!make_vm_with(&vm, pause_code, sizeof(pause_code), HOST_VIEW + 0x6000, &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		return;
	}
	long cpu = l4_thread_get_cpu(L4_CAP_THREAD, NULL);
	CHECK(cpu >= 0);
	l4_cap_t low = l4_thread_start(low_prio_counter, 0, 90);
	CHECK(low != L4_CAP_NONE);
	CHECK_EQ(l4_thread_set_cpu(low, (unsigned)cpu), L4_OK);
	CHECK_EQ(l4_thread_set_cpu(vm.vcpu, (unsigned)cpu), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_SET_PRIO, 100).error, L4_OK);     /* ours */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);
	l4_yield();
	unsigned long low0 = low_runs;
	l4_word_t exits0 = kernel_exits(vm.vcpu);
	unsigned long long t0 = l4_rdtsc();
	for (unsigned i = 0; i < 50; i++)
		l4_yield();
	unsigned long long per_yield = (l4_rdtsc() - t0) / 50, slice = 10ull * l4_boot_info->tsc_khz;
	l4_word_t exits = kernel_exits(vm.vcpu) - exits0;
	unsigned long low_ran = low_runs - low0;
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	l4_printf("ktest: (50 yields to a PAUSE-looping vCPU: %llu TSC ticks each, a time slice is %llu; "
		  "%lu kernel exits)\n", per_yield, slice, (unsigned long)exits);
	CHECK(exits >= 50);                      /* each yield: the vCPU ran into a PAUSE-loop exit */
	CHECK(per_yield < slice / 4);
	CHECK_EQ(low_ran, 0);                    /* nothing below us ran meanwhile */
	/* Moved to every other CPU and back while it spins (its PAUSE exits
	 * yield there), then deleted while it spins: nothing of it stays. */
	unsigned online = 1;
	l4_thread_get_cpu(L4_CAP_THREAD, &online);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, GUEST_CODE_GPA, 0x2000).error, L4_OK);
	for (unsigned c = 0; c < online; c++) {
		CHECK_EQ(l4_thread_set_cpu(vm.vcpu, c), L4_OK);
		l4_sleep_us(2000);
	}
	CHECK_EQ(l4_thread_set_cpu(vm.vcpu, (unsigned)cpu), L4_OK);
	l4_yield();
	l4_thread_kill(low);
	drop_vm(&vm, HOST_VIEW + 0x6000);
}

static void vcpu_moves_between_cpus_while_running(void)
{
	unsigned char code[sizeof(fpu_spin_code)];
	struct vm vm;
	l4_word_t err;
	unsigned online = 1;

	for (unsigned i = 0; i < sizeof(code); i++)
		code[i] = fpu_spin_code[i];
	if (!cpu_has_avx()) {
		static const unsigned char movdqa_10[] = { 0x66, 0x0f, 0x6f, 0xc8, 0x90, 0x90 };
		static const unsigned char movdqa_21[] = { 0x66, 0x0f, 0x6f, 0xd1, 0x90, 0x90 };
		for (unsigned i = 0; i < 6; i++) {
			code[15 + i] = movdqa_10[i];
			code[25 + i] = movdqa_21[i];
		}
	}
	const l4_word_t value = 0x0123456789abcdefull;
	for (unsigned i = 0; i < 8; i++)
		code[2 + i] = (unsigned char)(value >> (8 * i));
	if (!make_big_vm(&vm, code, sizeof(code), &err)) {
		RETURN_IF_NO_VMX(err ? err : L4_ENOMEM);
	}
	CHECK(l4_thread_get_cpu(L4_CAP_THREAD, &online) == 0);
	struct l4_vcpu_state s;
	mode_state(LONG64, &s);
	s.cr[L4_CR_CR0] |= 0x2;
	s.cr[L4_CR_CR4] |= 0x600 | (cpu_has_avx() ? 0x40000u : 0);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_SET_PRIO, FPU_SPIN_PRIO).error, L4_OK);
	native_fpu_checks = 0;
	l4_cap_t n = l4_thread_start(native_fpu_checker, 0x0badcafe0badcafeull, FPU_SPIN_PRIO);
	CHECK(n != L4_CAP_NONE);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	l4_word_t last = 0;
	unsigned moves = 4 * online + 4, m;
	for (m = 0; m < moves; m++) {
		unsigned to = (m + 1) % online;
		if (l4_thread_set_cpu(vm.vcpu, to) || l4_thread_get_cpu(vm.vcpu, NULL) != to)
			break;
		/* Until it has run there (on CPU 0: while we sleep, in turn with
		 * the native thread at its priority, 10 ms slices). */
		l4_word_t now = last;
		for (unsigned wait = 0; now == last && wait < 100; wait++) {
			l4_sleep_us(2000);
			if (l4_vcpu_read(vm.vcpu, L4_VCPU_GPR, &s))
				break;
			now = s.gpr[L4_REG_RBX];
		}
		if (now == last || s.gpr[L4_REG_RAX] != value || s.gpr[L4_REG_RDX])
			break;                              /* did not run, or saw a wrong value */
		last = now;
	}
	/* Stopped before any check can end the test: a guest left spinning
	 * would starve the tests after this one. */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	long native_result = l4_thread_result(n);
	l4_thread_kill(n);
	CHECK_EQ(l4_vcpu_read(vm.vcpu, L4_VCPU_GPR, &s), L4_OK);
	l4_printf("ktest: (%u of %u moves over %u CPUs, %lu checks in the guest)\n", m, moves, online,
		  (unsigned long)s.gpr[L4_REG_RBX]);
	CHECK_EQ(m, moves);                                /* it ran after every move */
	CHECK_EQ(s.gpr[L4_REG_RAX], value);
	CHECK_EQ(s.gpr[L4_REG_RDX], 0);                    /* never a wrong FPU value */
	CHECK_EQ(native_result, -1);
	CHECK(native_fpu_checks > 0);
	CHECK_EQ(l4_recv(vm.ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);   /* no OUT 0x99 */
	drop_big_vm(&vm);
}

/*
 * #AC and #DB always exit to the kernel, which delivers them to the guest
 * itself unless the VMM asked for them (review finding 8: with an empty
 * exception bitmap a guest could make the CPU loop delivering them, the
 * CVE-2015-5307/8104 pattern, and hold the host CPU for good).
 */
#define G_USER_CODE (G_CODE + 0x40)

/* The guest at CPL 0 with user segments (0x30 data, 0x38 64-bit code),
 * user-accessible memory, its TSS's RSP0 and CR0 bits or-ed in. */
static void user_mode_state(struct l4_vcpu_state *s, l4_word_t cr0)
{
	mode_state(LONG64, s);
	put64(G_GDT + 0x30, 0x00cff3000000ffffull);          /* user data */
	put64(G_GDT + 0x38, 0x00affb000000ffffull);          /* user code, 64-bit */
	s->dt[L4_DT_GDTR_LIMIT] = 0x3f;
	put64(G_PML4, G_PDPT | 7);                           /* user-accessible at every level */
	put64(G_PDPT, G_PD | 7);
	put64(G_PD, 0x87);                                   /* 2 MiB at 0 */
	put64(G_TSS + 4, G_STACK);                           /* RSP0 */
	s->cr[L4_CR_CR0] |= cr0;
}

/*
 * The loop itself (CVE-2015-5307): a 32-bit guest at CPL 3 with a
 * misaligned stack whose #AC gate leads to CPL 3 code, so delivering #AC
 * pushes onto that stack and raises #AC again. Without the exit the CPU
 * would deliver for ever (Bochs gives up with a triple fault); with it,
 * each round is an exit the kernel reflects, the host stays responsive
 * and the VMM hears nothing until it stops the guest.
 */
/* Runs vm's vCPU (its state written, stopped) at 120, above us, while a
 * native thread at 130 wakes from 20 sleeps of 1 ms and then stops it: the
 * host stays responsive, nothing reaches the VMM, the stack does not grow. */
static void run_beside_punctual_thread(struct vm *vm)
{
	l4_word_t depth = stack_depth();

	wakeups = 0;
	CHECK_EQ(L4_INVOKE(vm->vcpu, L4_THREAD_SET_PRIO, 120).error, L4_OK);
	l4_cap_t t = l4_thread_start(punctual, (long)vm->vcpu, 130);
	CHECK_EQ(L4_INVOKE(vm->vcpu, L4_THREAD_RESUME).error, L4_OK);
	CHECK(l4_thread_join(t));
	CHECK_EQ(l4_thread_result(t), 1);
	CHECK_EQ(wakeups, 20);
	l4_thread_kill(t);
	CHECK_EQ(l4_recv(vm->ep, L4_TIMEOUT_POLL).error, L4_ETIMEOUT);
	CHECK(stack_depth() <= depth + 512);
}

static void alignment_check_loop_does_not_hold_the_cpu(void)
{
	static const unsigned char code[] = {
		0x66, 0xb8, 0x33, 0x00, 0x8e, 0xd8, 0x8e, 0xc0,        /* DS, ES: user data */
		0x6a, 0x33, 0x68, 0x01, 0x70, 0x00, 0x00, 0x68, 0x02, 0x00, 0x04, 0x00,
		0x6a, 0x3b, 0x68, (unsigned char)G_USER_CODE, (unsigned char)(G_USER_CODE >> 8), 0x00, 0x00,
		0xcf,
	};
	static const unsigned char user[] = { 0x8b, 0x05, 0x01, 0x68, 0x00, 0x00, 0xeb, 0xfe };
	struct vm vm;
	struct l4_vcpu_state s;

	BIG_VM_OR_RETURN(&vm, code);
	put(G_USER_CODE, user, sizeof(user));
	mode_state(PROT32, &s);
	put64(G_GDT + 0x30, 0x00cff3000000ffffull);          /* user data */
	put64(G_GDT + 0x38, 0x00cffb000000ffffull);          /* user code, 32-bit */
	s.dt[L4_DT_GDTR_LIMIT] = 0x3f;
	l4_word_t handler = G_USER_CODE + 6;                   /* (its jmp $; never reached) */
	put64(G_IDT + 8 * 17, (handler & 0xffff) | 0x3bull << 16 | 0xeeull << 40 | (handler >> 16) << 48);
	s.cr[L4_CR_CR0] |= 1ull << 18;                          /* CR0.AM */
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	run_beside_punctual_thread(&vm);         /* (and no triple fault) */
	if (ktest_failed())
		return;
	l4_printf("ktest: (the kernel delivered %lu #AC)\n", (unsigned long)reflected(vm.vcpu));
	CHECK(reflected(vm.vcpu) > 0);          /* each one an exit, not the CPU's own loop */
	drop_big_vm(&vm);
}

static void alignment_check_is_reflected(void)
{
	/* At CPL 0: iretq to CPL 3 with RFLAGS.AC; there mov eax, [0x6801]. */
	static const unsigned char code[] = {
		0x6a, 0x33, 0x68, 0x00, 0x70, 0x00, 0x00, 0x68, 0x02, 0x00, 0x04, 0x00,
		0x6a, 0x3b, 0x68, (unsigned char)G_USER_CODE, (unsigned char)(G_USER_CODE >> 8), 0x00, 0x00,
		0x48, 0xcf,
	};
	static const unsigned char user[] = { 0x8b, 0x04, 0x25, 0x01, 0x68, 0x00, 0x00, 0xeb, 0xfe };
	static const unsigned char ac_handler[] = { 0xe6, 0x85, 0xf4 };      /* out 0x85, al; hlt */
	struct vm vm;
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;

	BIG_VM_OR_RETURN(&vm, code);
	put(G_USER_CODE, user, sizeof(user));
	put(G_HANDLERS + 0x300, ac_handler, sizeof(ac_handler));
	idt_gate(LONG64, 17, G_HANDLERS + 0x300);
	uint8_t masks[L4_VMEXIT_REASONS] = { 0 };
	masks[L4_VMEXIT_EXCEPTION] = L4_VCPU_GPR | L4_VCPU_INTR;
	for (int vmm_asks = 0; vmm_asks < 2; vmm_asks++) {
		user_mode_state(&s, 1ull << 18);                     /* CR0.AM */
		CHECK_EQ(l4_vcpu_config(vm.vcpu, vmm_asks ? 1u << 17 : 0, L4_VCPU_GPR, masks,
					L4_VMEXIT_EXCEPTION + 1), L4_OK);
		CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
		if (vmm_asks) {
			/* Asked for: the VMM gets it (hardware exception 17, error code 0). */
			CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_EXCEPTION);
			CHECK_EQ(s.intr[L4_INTR_EXIT_INFO] & 0x80000fffull, 0x80000b11ull);
			CHECK_EQ(s.gpr[L4_REG_RIP], G_USER_CODE);
		} else {
			/* Not asked for: the guest's own handler runs; the VMM sees its OUT. */
			CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
			CHECK_EQ(e.qual >> 16, 0x85);
			CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS + 0x300);
			CHECK_EQ(reflected(vm.vcpu), 1);     /* the kernel delivered it */
		}
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	}
	drop_big_vm(&vm);
}

/* pushfq; or qword [rsp], TF; popfq; then inc rbx; jmp back: a #DB after
 * every instruction, whose handler (inc rcx; iretq) steps on. */
static void debug_trap_storm_is_reflected(void)
{
	static const unsigned char code[] = {
		0x9c, 0x48, 0x81, 0x0c, 0x24, 0x00, 0x01, 0x00, 0x00, 0x9d,
		0x48, 0xff, 0xc3, 0xeb, 0xfb,
	};
	static const unsigned char db_handler[] = { 0x48, 0xff, 0xc1, 0x48, 0xcf };
	struct vm vm;
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;

	BIG_VM_OR_RETURN(&vm, code);
	put(G_HANDLERS + 0x400, db_handler, sizeof(db_handler));
	idt_gate(LONG64, 1, G_HANDLERS + 0x400);
	mode_state(LONG64, &s);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	run_beside_punctual_thread(&vm);         /* a storm of exits the kernel handles */
	if (ktest_failed())
		return;
	CHECK_EQ(l4_vcpu_read(vm.vcpu, L4_VCPU_GPR, &s), L4_OK);
	l4_printf("ktest: (%lu #DB delivered by the kernel, %lu loop steps)\n",
		  (unsigned long)s.gpr[L4_REG_RCX], (unsigned long)s.gpr[L4_REG_RBX]);
	CHECK(s.gpr[L4_REG_RCX] > 100);
	CHECK(s.gpr[L4_REG_RCX] <= 2 * s.gpr[L4_REG_RBX] + 2);     /* two instructions a step */
	/* Every #DB was an exit (the last one may be injected but not delivered yet). */
	CHECK(reflected(vm.vcpu) - s.gpr[L4_REG_RCX] <= 1);
	/* A VMM that asks for #DB gets the first one. */
	mode_state(LONG64, &s);
	uint8_t masks[L4_VMEXIT_REASONS] = { 0 };
	masks[L4_VMEXIT_EXCEPTION] = L4_VCPU_GPR | L4_VCPU_INTR;
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 1u << 1, L4_VCPU_GPR, masks, L4_VMEXIT_EXCEPTION + 1), L4_OK);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_EXCEPTION);
	CHECK_EQ(s.intr[L4_INTR_EXIT_INFO] & 0x80000fffull, 0x80000301ull);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	drop_big_vm(&vm);
}

/*
 * Long mode: mov rax, 0xdead000; mov cr2, rax; syscall -> at LSTAR:
 * swapgs; cpuid; mov rax, cr2; out 0x80, al; hlt. The guest's own
 * SYSCALL MSRs, KERNEL_GS_BASE and CR2 are in place while it runs, and
 * the host's (our system calls) everywhere else.
 */
static void guest_msrs_and_cr2_are_its_own(void)
{
	static const unsigned char code[] = {
		0x48, 0xc7, 0xc0, 0x00, 0xd0, 0xea, 0x0d,     /* mov rax, 0xdead000 */
		0x0f, 0x22, 0xd0,                             /* mov cr2, rax */
		0x0f, 0x05,                                   /* syscall */
	};
	static const unsigned char handler[] = {
		0x0f, 0x01, 0xf8,                             /* swapgs */
		0x0f, 0xa2,                                   /* cpuid */
		0x0f, 0x20, 0xd0,                             /* mov rax, cr2 */
		0xe6, 0x80, 0xf4,                             /* out 0x80, al; hlt */
	};
	struct vm vm;
	l4_word_t err;
	BIG_VM_OR_RETURN(&vm, code);
	put(G_HANDLERS + 0x200, handler, sizeof(handler));
	uint8_t masks[L4_VMEXIT_REASONS] = { 0 };
	masks[L4_VMEXIT_CPUID] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_MSR;
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 0, L4_VCPU_GPR, masks, L4_VMEXIT_CPUID + 1), L4_OK);
	struct l4_vcpu_state s;
	mode_state(LONG64, &s);
	s.msr[L4_MSR_LSTAR] = G_HANDLERS + 0x200;
	s.msr[L4_MSR_STAR] = (l4_word_t)SEL_CODE64 << 32;
	s.msr[L4_MSR_FMASK] = 0x200;
	s.msr[L4_MSR_KERNEL_GS_BASE] = 0x5555000;
	s.seg[2 * L4_SEG_GS + 1] = 0x1234000;
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);

	struct l4_vcpu_exit e;
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);
	CHECK_EQ(e.groups, L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_MSR);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS + 0x203);          /* SYSCALL went to LSTAR */
	CHECK_EQ(s.gpr[L4_REG_RCX], G_CODE + sizeof(code));       /* return address */
	CHECK_EQ(s.gpr[L4_REG_RFLAGS] & 0x200, 0);                /* FMASK cleared IF */
	CHECK_EQ(s.seg[2 * L4_SEG_GS + 1], 0x5555000);            /* SWAPGS swapped ... */
	CHECK_EQ(s.msr[L4_MSR_KERNEL_GS_BASE], 0x1234000);        /* ... both ways */
	CHECK_EQ(s.msr[L4_MSR_LSTAR], G_HANDLERS + 0x200);
	CHECK_EQ(s.cr[L4_CR_CR2], 0xdead000);
	/* Our own page faults change the real CR2 while the guest waits. */
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(BIG_VIEW + 0x10000, 12, 0), &err) != ~0ull);
	big(0x10000)[0] = 1;
	s.cr[L4_CR_CR2] = 0xbeef000;                              /* the VMM may set it too */
	s.gpr[L4_REG_RIP] += e.ilen;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR | L4_VCPU_CR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(s.gpr[L4_REG_RAX], 0xbeef000);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(BIG_VIEW + 0x10000, 12, L4_FP_RWX), L4_UNMAP_SELF);
	drop_big_vm(&vm);
}

/*
 * Long mode: WRMSR LSTAR, FS_BASE, SYSENTER_CS and RDMSR FS_BASE run
 * without exits (the MSR bitmap passes the guest's own MSRs); WRMSR
 * TSC_AUX, a host MSR, exits. The VMM finds the values in the MSR and
 * segment groups.
 */
static void guest_owned_msrs_do_not_exit(void)
{
	static const unsigned char code[] = {
		0xb9, 0x82, 0x00, 0x00, 0xc0,                 /* mov ecx, LSTAR */
		0xb8, 0x44, 0x33, 0x22, 0x11,                 /* mov eax, 0x11223344 */
		0x31, 0xd2, 0x0f, 0x30,                       /* xor edx, edx; wrmsr */
		0xb9, 0x00, 0x01, 0x00, 0xc0,                 /* mov ecx, FS_BASE */
		0xb8, 0x00, 0x70, 0x00, 0x00, 0x0f, 0x30,     /* mov eax, 0x7000; wrmsr */
		0x31, 0xc0, 0x0f, 0x32, 0x89, 0xc3,           /* xor eax, eax; rdmsr; mov ebx, eax */
		0xb9, 0x74, 0x01, 0x00, 0x00,                 /* mov ecx, SYSENTER_CS */
		0xb8, 0x10, 0x00, 0x00, 0x00, 0x0f, 0x30,     /* mov eax, 0x10; wrmsr */
		0xb9, 0x03, 0x01, 0x00, 0xc0, 0x0f, 0x30,     /* mov ecx, TSC_AUX; wrmsr: exits */
	};
	struct vm vm;
	RETURN_IF_NO_VMX(long_mode_vm(&vm, code, sizeof(code), L4_VCPU_GPR));
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_WRMSR);
	CHECK_EQ(s.gpr[L4_REG_RCX], 0xc0000103);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_CODE + sizeof(code) - 2);
	CHECK_EQ(s.gpr[L4_REG_RBX], 0x7000);                      /* RDMSR read the guest's FS base */
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	CHECK_EQ(l4_vcpu_read(vm.vcpu, L4_VCPU_MSR | L4_VCPU_SEG, &s), L4_OK);
	CHECK_EQ(s.msr[L4_MSR_LSTAR], 0x11223344);
	CHECK_EQ(s.msr[L4_MSR_SYSENTER_CS], 0x10);
	CHECK_EQ(s.seg[2 * L4_SEG_FS + 1], 0x7000);
	drop_big_vm(&vm);
}

/*
 * Long mode, TPR shadow: MOV to and from CR8 do not exit; the VMM sees CR8
 * in the CR group and sets it and the TPR threshold; lowering CR8 below
 * the threshold exits after the MOV; a threshold above CR8 fails the entry.
 */
static void cr8_is_the_tpr_shadow(void)
{
	static const unsigned char code[] = {
		0xb8, 0x05, 0x00, 0x00, 0x00,                 /* mov eax, 5 */
		0x44, 0x0f, 0x22, 0xc0,                       /* mov cr8, rax */
		0x44, 0x0f, 0x20, 0xc3,                       /* mov rbx, cr8 */
		0x0f, 0xa2,                                   /* cpuid: exits */
		0x44, 0x0f, 0x20, 0xc1,                       /* mov rcx, cr8 (the VMM's 9) */
		0xb8, 0x06, 0x00, 0x00, 0x00,                 /* mov eax, 6 */
		0x44, 0x0f, 0x22, 0xc0,                       /* mov cr8, rax: 6 >= 4 */
		0xb8, 0x02, 0x00, 0x00, 0x00,                 /* mov eax, 2 */
		0x44, 0x0f, 0x22, 0xc0,                       /* mov cr8, rax: 2 < 4, exits */
		0xf4,                                         /* hlt */
	};
	struct vm vm;
	RETURN_IF_NO_VMX(long_mode_vm(&vm, code, sizeof(code), L4_VCPU_GPR | L4_VCPU_CR));
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);
	CHECK_EQ(s.gpr[L4_REG_RBX], 5);
	CHECK_EQ(s.cr[L4_CR_TPR], L4_TPR(5, 0));
	CHECK_EQ(e.cr8, 5);                                       /* in every exit's header too */
	s.gpr[L4_REG_RIP] += e.ilen;
	s.cr[L4_CR_TPR] = L4_TPR(9, 4);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR | L4_VCPU_CR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_TPR_BELOW);
	CHECK_EQ(s.gpr[L4_REG_RCX], 9);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_CODE + sizeof(code) - 1);   /* past the MOV */
	CHECK_EQ(s.cr[L4_CR_TPR], L4_TPR(2, 4));
	CHECK_EQ(e.cr8, 2);
	s.cr[L4_CR_TPR] = L4_TPR(2, 0);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_CR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_HLT);
	/* Bad state from the VMM: a threshold above CR8. */
	s.gpr[L4_REG_RIP] += e.ilen;
	s.cr[L4_CR_TPR] = L4_TPR(1, 3);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR | L4_VCPU_CR, 0, 0, 0, &s)), L4_OK);
	struct l4_result r = l4_recv(vm.ep, 2000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK(UTCB0->mr[L4_VMEXIT_REASON] & L4_VMEXIT_ENTRY_FAILED);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

/* cli; cpuid; sti; nop; hlt (real mode, vector 0x20 -> 0:0x6100: out 0x81, al; hlt) */
static void interrupt_window_exit(void)
{
	static const unsigned char code[] = { 0xfa, 0x0f, 0xa2, 0xfb, 0x90, 0xf4 };
	static const unsigned char handler[] = { 0xe6, 0x81, 0xf4 };
	struct vm vm;
	BIG_VM_OR_RETURN(&vm, code);
	put(G_HANDLERS + 0x100, handler, sizeof(handler));
	put64(0x20 * 4, G_HANDLERS + 0x100);                        /* IVT: 0000:6100 */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, G_CODE, G_STACK).error, L4_OK);
	struct l4_vcpu_exit e;
	struct l4_vcpu_state s;
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);
	CHECK_EQ(s.gpr[L4_REG_RFLAGS] & 0x200, 0);                 /* interrupts off: ask for the window */
	s.gpr[L4_REG_RIP] += e.ilen;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, L4_VCPU_REQ_IRQ_WINDOW, 0, 0, &s)), L4_OK);
	/* It opens after STI and the one instruction STI still blocks. */
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IRQ_WINDOW);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_CODE + 5);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(0, 0, l4_event_interrupt(0x20), 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x81);
	/* The request was answered: it does not come again. */
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_HLT);
	/* An NMI window (where virtual NMIs exist) opens at once. */
	l4_word_t r = l4_vcpu_write(vm.vcpu, 0, L4_VCPU_REQ_NMI_WINDOW, 0, 0, &s);
	if (r == L4_OK) {
		CHECK_EQ(l4_reply(0), L4_OK);
		CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_NMI_WINDOW);
	} else {
		CHECK_EQ(r, L4_ENOSYS);
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

/* The transfer masks decide what each exit carries; the default is the GPRs. */
static void transfer_masks_choose_the_state_sent(void)
{
	static const unsigned char code[] = { 0x0f, 0xa2, 0xe6, 0x80, 0xf4 };   /* cpuid; out; hlt */
	struct vm vm;
	BIG_VM_OR_RETURN(&vm, code);
	/* All six groups (60 words) do not fit an exit's 64 registers. */
	uint8_t masks[L4_VMEXIT_REASONS] = { 0 };
	masks[L4_VMEXIT_IO] = L4_VCPU_ALL;
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 0, 0, masks, L4_VMEXIT_IO + 1), L4_EINVAL);
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 0, L4_VCPU_ALL, NULL, 0), L4_EINVAL);
	const unsigned most = L4_VCPU_ALL & ~L4_VCPU_DT;             /* 56 words */
	CHECK(l4_vcpu_words(most) <= L4_VMEXIT_MAX_STATE);
	masks[L4_VMEXIT_IO] = most;
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 0, 0, masks, L4_VMEXIT_IO + 1), L4_OK);   /* default: nothing */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, G_CODE, G_STACK).error, L4_OK);
	struct l4_result r = l4_recv(vm.ep, 2000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_words(r.tag), L4_VMEXIT_STATE);
	CHECK_EQ(UTCB0->mr[L4_VMEXIT_REASON], L4_VMEXIT_CPUID);
	CHECK_EQ(UTCB0->mr[L4_VMEXIT_GROUPS], 0);
	/* No state came, so RIP moves on through a write of the GPRs read first. */
	struct l4_vcpu_state s;
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_ILEN], 2);
	CHECK_EQ(l4_vcpu_read(vm.vcpu, L4_VCPU_GPR | L4_VCPU_SEG, &s), L4_OK);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_CODE);
	CHECK_EQ(s.seg[2 * L4_SEG_CS + 1], 0);                       /* real mode, CS base 0 */
	CHECK_EQ(s.seg[2 * L4_SEG_CS] >> 32, 0xffff);
	s.gpr[L4_REG_RIP] += 2;
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_GPR, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(l4_reply(0), L4_OK);
	r = l4_recv(vm.ep, 2000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(UTCB0->mr[L4_VMEXIT_REASON], L4_VMEXIT_IO);
	CHECK_EQ(l4_tag_words(r.tag), L4_VMEXIT_STATE + l4_vcpu_words(most));
	CHECK(l4_tag_words(r.tag) <= L4_MR_COUNT);
	CHECK_EQ(UTCB0->mr[L4_VMEXIT_GROUPS], most);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

/* Bad vCPU requests get error codes; a malformed reply stops only that vCPU. */
static void vcpu_operations_check_their_arguments(void)
{
	static const unsigned char code[] = { 0x0f, 0xa2, 0xf4 };
	struct vm vm;
	l4_word_t err;
	if (!make_big_vm(&vm, code, sizeof(code), &err)) {
		CHECK_EQ(err, L4_ENOSYS);
		CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, L4_THREAD_VCPU_READ, L4_VCPU_GPR).error, L4_EINVAL);
		return;
	}
	struct l4_vcpu_state s;
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_READ, 0x80).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_READ).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, L4_THREAD_VCPU_READ, L4_VCPU_GPR).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, L4_THREAD_VCPU_CONFIG, 0, 0).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_CONFIG, 0, 0x80).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_CONFIG, 1ull << 32, 0).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_CONFIG, 0).error, L4_EINVAL);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_WRITE, L4_VCPU_GPR, 0, 0).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_WRITE, 1u << 12, 0, 0).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_WRITE, 0, 0, 0).error, L4_OK);
	/* Events the VM entry would not take (Bochs would stop the machine at some). */
	static const l4_word_t bad_events[] = {
		L4_EVENT_VALID | 7u << 8,                          /* "other event" */
		L4_EVENT_VALID | 1u << 8 | 0x20,                   /* reserved type */
		L4_EVENT_VALID | L4_EVENT_NMI | 3,                 /* NMI is vector 2 */
		L4_EVENT_VALID | L4_EVENT_HW_EXC | 40,             /* exceptions end at 31 */
		L4_EVENT_VALID | L4_EVENT_HW_EXC | L4_EVENT_ERROR_CODE | 6,   /* #UD has none */
		L4_EVENT_VALID | L4_EVENT_EXTINT | L4_EVENT_ERROR_CODE | 0x20,
		L4_EVENT_VALID | L4_EVENT_EXTINT | 1u << 12 | 0x20,          /* reserved bit */
	};
	for (unsigned i = 0; i < sizeof(bad_events) / sizeof(bad_events[0]); i++)
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_WRITE, 0, bad_events[i], 0).error, L4_EMSG);
	/* A read-only vCPU capability reads but does not write. */
	l4_cap_t ro = l4_slot_alloc();
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_COPY, vm.vcpu, ro, L4_CAP_RIGHT_READ).error, L4_OK);
	CHECK_EQ(l4_vcpu_read(ro, L4_VCPU_DT, &s), L4_OK);
	CHECK_EQ(s.dt[L4_DT_IDTR_LIMIT], 0xffff);
	CHECK_EQ(l4_vcpu_write(ro, L4_VCPU_DT, 0, 0, 0, &s), L4_ERIGHTS);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, ro);
	/* A reply that does not match its header: the vCPU stops, we go on. */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, G_CODE, G_STACK).error, L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_CPUID);
	UTCB0->mr[0] = L4_VCPU_GPR;
	CHECK_EQ(l4_reply(l4_tag(0, 5, 0)), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_INFO).error, L4_OK);
	CHECK_EQ(UTCB0->mr[0], L4_THREAD_INACTIVE);
	CHECK_EQ(l4_recv(vm.ep, 0).error, L4_ETIMEOUT);
	drop_big_vm(&vm);
}

/* Long mode without PAE is no valid state: the entry fails, the VMM hears why. */
static void bad_state_from_vmm_fails_the_entry(void)
{
	static const unsigned char code[] = { 0xf4 };
	struct vm vm;
	BIG_VM_OR_RETURN(&vm, code);
	struct l4_vcpu_state s;
	mode_state(LONG64, &s);
	s.cr[L4_CR_CR4] = 0;
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	l4_word_t reason = next_exit(&vm);
	CHECK_EQ(reason, L4_VMEXIT_ENTRY_FAILED | L4_VMEXIT_INVALID_GUEST_STATE);
	/* Fixed, it runs. */
	mode_state(LONG64, &s);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_ALL, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

/* mov al, [0x3000]; out 0x80, al; mov al, [0x3000]; hlt: between the two
 * loads the VMM takes the page back; the second load must not see it. */
static void unmap_takes_memory_from_the_guest(void)
{
	static const unsigned char code[] = { 0xa0, 0x00, 0x30, 0xe6, 0x80, 0xa0, 0x00, 0x30, 0xf4 };
	struct vm vm;
	BIG_VM_OR_RETURN(&vm, code);
	big(0x3000)[0] = 0x5c;
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, G_CODE, G_STACK).error, L4_OK);
	struct l4_vcpu_exit e;
	struct l4_vcpu_state s;
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(s.gpr[L4_REG_RAX] & 0xff, 0x5c);
	/* Revoke what we gave (our own mapping stays). */
	CHECK_EQ(L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(BIG_VIEW + 0x3000, 12, L4_FP_RWX), 0).error,
		 L4_OK);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_EPT_VIOLATION);
	CHECK_EQ(e.gpa, 0x3000);
	CHECK_EQ(big(0x3000)[0], 0x5c);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

/*
 * EPT shootdown: a real-mode guest on the last CPU reads guest page 0x3000
 * in a loop and exits at OUT 0x99 if it ever sees anything but 0x5c. We
 * (CPU 0) revoke the page from the VM while it spins and at once write a
 * poison byte into the frame through our own mapping: the guest must take
 * an EPT violation at 0x3000, never read the poison (its CPU's cached
 * guest-physical translation is flushed before the unmap returns). Then
 * the page comes back and the guest goes on; 20 rounds. On one CPU the
 * guest runs while we sleep.
 *
 * loop: mov al, [0x3000]; cmp al, 0x5c; jne bad; inc bx; jmp loop
 * bad:  out 0x99, al; hlt
 */
static void unmap_flushes_a_guest_on_another_cpu(void)
{
	static const unsigned char code[] = {
		0xa0, 0x00, 0x30, 0x3c, 0x5c, 0x75, 0x03, 0x43, 0xeb, 0xf6, 0xe6, 0x99, 0xf4,
	};
	struct vm vm;
	unsigned online = 1;
	BIG_VM_OR_RETURN(&vm, code);
	CHECK(l4_thread_get_cpu(L4_CAP_THREAD, &online) == 0);
	big(0x3000)[0] = 0x5c;
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_START, G_CODE, G_STACK).error, L4_OK);
	CHECK_EQ(l4_thread_set_cpu(vm.vcpu, online - 1), L4_OK);
	struct l4_vcpu_exit e;
	struct l4_vcpu_state s;
	unsigned round;
	l4_word_t reason = 0, gpa = 0;
	for (round = 0; round < 20; round++) {
		l4_sleep_us(2000);                       /* it spins, reading the page */
		if (L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(BIG_VIEW + 0x3000, 12, L4_FP_RWX),
			      0).error)
			break;
		big(0x3000)[0] = 0xee;                   /* poison: the guest must not see it */
		reason = get_exit(&vm, &e, &s);
		gpa = e.gpa;
		if (reason != L4_VMEXIT_EPT_VIOLATION || gpa != 0x3000)
			break;
		big(0x3000)[0] = 0x5c;
		if (l4_vm_map(vm.task, 0x3000, BIG_VIEW + 0x3000, 12, L4_FP_RWX) ||
		    l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &s)))    /* the load again */
			break;
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	l4_printf("ktest: (%u rounds, guest on CPU %u of %u)\n", round, online - 1, online);
	CHECK_EQ(reason, L4_VMEXIT_EPT_VIOLATION);       /* not OUT 0x99: no poison seen */
	CHECK_EQ(gpa, 0x3000);
	CHECK_EQ(round, 20);
	drop_big_vm(&vm);
}

/* ---------------------------------------------------------------- APIC virtualization */

#define APIC_GPA  0xfee00000ull
#define APIC_VIEW 0x27200000ull        /* our page the VM has at APIC_GPA */
#define IN_VEC(w, v) (((w)[(v) / 64] >> ((v) % 64)) & 1)

/* A vector's handler: out port, al; mov dword [rbx + 0xb0], 0 (EOI); iretq. */
static void eoi_handler(unsigned vector, l4_word_t at, unsigned char port)
{
	const unsigned char h[] = { 0xe6, port, 0xc7, 0x83, 0xb0, 0, 0, 0, 0, 0, 0, 0, 0x48, 0xcf };

	put(at, h, sizeof(h));
	idt_gate(LONG64, vector, at);
}

/* The state for long mode with the local APIC page at APIC_GPA (a 2 MiB
 * page, PDPT[3] sharing the PD), an IDT up to vector 0x3f with an EOI
 * handler for 0x30 (OUT 0x81 first), and our page for the APIC-access page
 * at APIC_VIEW. False without memory. */
static bool apic_guest(struct l4_vcpu_state *s)
{
	l4_word_t err;

	mode_state(LONG64, s);
	put64(G_PDPT + 8 * 3, G_PD | 3);
	put64(G_PD + 8 * 503, APIC_GPA | 0x83);
	s->dt[L4_DT_IDTR_LIMIT] = 16 * 0x40 - 1;
	eoi_handler(0x30, G_HANDLERS + 0x100, 0x81);
	return l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(APIC_VIEW, 12, 0), &err) != ~0ull;
}

/*
 * Long mode with the local APIC page at 0xfee00000 (apic_guest). Without exits: the TPR by MMIO is CR8, posted
 * interrupts are delivered by the guest's priority, EOIs clear them, a
 * self-IPI posts itself. With exits: other registers (the VMM emulates),
 * the EOI of a vector posted with its EOI-exit bit, an ICR write that is
 * not a self-IPI (with the value). The frame mapped there is never read
 * or written by the guest. Bad arguments are refused.
 */
static void apic_virtualization(void)
{
	static const unsigned char code[] = {
		0xbb, 0x00, 0x00, 0xe0, 0xfe,                          /* mov ebx, 0xfee00000 */
		0xc7, 0x83, 0x80, 0x00, 0x00, 0x00, 0x50, 0, 0, 0,     /* mov dword [rbx+0x80], 0x50 */
		0x44, 0x0f, 0x20, 0xc1,                                /* mov rcx, cr8 */
		0xc7, 0x83, 0x20, 0x03, 0x00, 0x00, 0, 0, 1, 0,        /* mov dword [rbx+0x320], 0x10000 */
		0x8b, 0x43, 0x30,                                      /* mov eax, [rbx+0x30] */
		0x0f, 0xa2,                                            /* cpuid (A) */
		0xfb, 0x90, 0x0f, 0xa2,                                /* sti; nop; cpuid (B) */
		0x31, 0xc0, 0x44, 0x0f, 0x22, 0xc0,                    /* xor eax, eax; mov cr8, rax */
		0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x33, 0, 4, 0,     /* mov dword [rbx+0x300], 0x40033 */
		0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x40, 0, 0xc, 0,   /* mov dword [rbx+0x300], 0xc0040 */
		0xf4,                                                  /* hlt */
	};
	struct vm vm;
	l4_word_t err;
	BIG_VM_OR_RETURN(&vm, code);
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	CHECK(apic_guest(&s));
	eoi_handler(0x31, G_HANDLERS + 0x180, 0x82);
	eoi_handler(0x33, G_HANDLERS + 0x200, 0x83);
	volatile uint32_t *page = (volatile uint32_t *)APIC_VIEW;
	page[0x30 / 4] = 0xdeadbeef;
	page[0x320 / 4] = 0;
	/* Nothing mapped there yet; bad flags, no address, a post without VID. */
	l4_word_t no_vid = l4_vcpu_apic(vm.vcpu, APIC_GPA, 0);
	if (no_vid == L4_ENOSYS) {                    /* (no APIC-access virtualization here) */
		drop_big_vm(&vm);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
		return;
	}
	CHECK_EQ(no_vid, L4_EFAULT);
	CHECK_EQ(l4_vm_map(vm.task, APIC_GPA, APIC_VIEW, 12, L4_FP_R | L4_FP_W), L4_OK);
	CHECK_EQ(l4_vcpu_apic(vm.vcpu, APIC_GPA | 2, L4_VAPIC_VID), L4_EINVAL);
	CHECK_EQ(l4_vcpu_apic(vm.vcpu, 0, L4_VAPIC_VID), L4_EINVAL);
	CHECK_EQ(l4_vcpu_apic(vm.vcpu, APIC_GPA, 0), L4_OK);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, 0, L4_VCPU_POST(0x30, false), 0, 0, &s), L4_EMSG);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_APIC, 0, 0, 0, &s), L4_EMSG);
	err = l4_vcpu_apic(vm.vcpu, APIC_GPA, L4_VAPIC_VID);
	if (err == L4_ENOSYS) {                       /* APIC-access page without VID */
		drop_big_vm(&vm);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
		return;
	}
	CHECK_EQ(err, L4_OK);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, 0, L4_VCPU_POST(5, false), 0, 0, &s), L4_EMSG);
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 0, L4_VCPU_GPR | L4_VCPU_APIC, NULL, 0), L4_OK);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);

	/* The LVT write and the version read exit before the instruction. */
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_APIC_ACCESS);
	CHECK_EQ(e.qual & 0xffff, 0x1320);                        /* a write, at 0x320 */
	CHECK_EQ(e.gpa, APIC_GPA + 0x320);
	CHECK_EQ(e.cr8, 5);                                       /* the TPR write was CR8 */
	CHECK(e.groups & L4_VCPU_APIC);
	s.gpr[L4_REG_RIP] += 10;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_APIC_ACCESS);
	CHECK_EQ(e.qual & 0xffff, 0x0030);                        /* a read, at 0x30 */
	CHECK_EQ(e.gpa, APIC_GPA + 0x30);
	s.gpr[L4_REG_RIP] += 3;
	s.gpr[L4_REG_RAX] = 0x50014;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);         /* A */
	CHECK_EQ(s.gpr[L4_REG_RCX], 5);
	CHECK_EQ(s.gpr[L4_REG_RAX], 0x50014);
	/* Vector 0x30 (class 3) waits below the task priority (class 5). */
	s.gpr[L4_REG_RIP] += e.ilen;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, L4_VCPU_POST(0x30, false), 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);         /* B */
	CHECK_EQ(L4_APIC_RVI(s.apic[L4_APIC_STATUS]), 0x30);
	CHECK(IN_VEC(&s.apic[L4_APIC_IRR], 0x30));
	CHECK(!IN_VEC(&s.apic[L4_APIC_ISR], 0x30));
	/* The VMM lowering CR8 to 0 lets it in: the handler runs, 0x30 in service.
	 * (The guest's own MOV to CR8 after the handler changes nothing.) */
	s.gpr[L4_REG_RIP] += e.ilen;
	s.cr[L4_CR_TPR] = L4_TPR(0, 0);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR | L4_VCPU_CR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x81);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS + 0x100);
	CHECK_EQ(*(volatile l4_word_t *)big(s.gpr[L4_REG_RSP]), G_CODE + 38);   /* at the entry */
	CHECK_EQ(L4_APIC_SVI(s.apic[L4_APIC_STATUS]), 0x30);
	CHECK(IN_VEC(&s.apic[L4_APIC_ISR], 0x30));
	CHECK(!IN_VEC(&s.apic[L4_APIC_IRR], 0x30));
	/* 0x31 with its EOI-exit bit: it comes after 0x30's EOI (no exit) and IRET. */
	s.gpr[L4_REG_RIP] += e.ilen;
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, L4_VCPU_POST(0x31, true), 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x82);
	CHECK_EQ(L4_APIC_SVI(s.apic[L4_APIC_STATUS]), 0x31);
	CHECK(!IN_VEC(&s.apic[L4_APIC_ISR], 0x30));
	CHECK(IN_VEC(&s.apic[L4_APIC_EOI_EXIT], 0x31));
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_EOI);           /* after the write */
	CHECK_EQ(e.qual, 0x31);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS + 0x180 + 12);
	CHECK(!IN_VEC(&s.apic[L4_APIC_ISR], 0x31));
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(0, 0, 0, 0, &s)), L4_OK);
	/* The self-IPI: posted and taken without an exit of its own. */
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(e.qual >> 16, 0x83);
	CHECK_EQ(L4_APIC_SVI(s.apic[L4_APIC_STATUS]), 0x33);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	/* An IPI to the others: the VMM's, after the write, with the value. */
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_APIC_WRITE);
	CHECK_EQ(e.qual, 0x300 | 0xc0040ull << 32);
	CHECK_EQ(s.gpr[L4_REG_RIP], G_CODE + sizeof(code) - 1);
	CHECK_EQ(s.apic[L4_APIC_ISR] | s.apic[L4_APIC_ISR + 1] | s.apic[L4_APIC_IRR] | s.apic[L4_APIC_IRR + 1], 0);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(0, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_HLT);
	CHECK_EQ(page[0x30 / 4], 0xdeadbeef);                    /* the frame was never touched */
	CHECK_EQ(page[0x320 / 4], 0);
	/* Off again: the APIC group reads as zeros, posts are refused. */
	CHECK_EQ(l4_vcpu_apic(vm.vcpu, 0, 0), L4_OK);
	s.apic[L4_APIC_EOI_EXIT] = 1;
	CHECK_EQ(l4_vcpu_read(vm.vcpu, L4_VCPU_APIC, &s), L4_OK);
	CHECK_EQ(s.apic[L4_APIC_EOI_EXIT], 0);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, 0, L4_VCPU_POST(0x30, false), 0, 0, &s), L4_EMSG);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/*
 * L4_THREAD_VCPU_POST: an interrupt for a vCPU that runs (on CPU 1 where
 * there are two), the way one vCPU's VMM thread interrupts another: the
 * guest spins with interrupts on; each post must reach its handler (which
 * exits with OUT 0x81, then EOIs and returns to the loop) without the
 * VMM's help, and a window request gets the window exit. The same by
 * VCPU_WRITE (which stops the vCPU) for comparison, in TSC ticks from the
 * post to the handler's exit. Bad posts are refused.
 */
static void post_to_a_running_vcpu(void)
{
	static const unsigned char code[] = {
		0xbb, 0x00, 0x00, 0xe0, 0xfe,          /* mov ebx, 0xfee00000 */
		0xfb,                                  /* sti */
		0xf3, 0x90, 0xeb, 0xfc,                /* 1: pause; jmp 1b */
	};
	struct vm vm;
	l4_word_t err;
	unsigned online = 1;
	BIG_VM_OR_RETURN(&vm, code);
	CHECK(l4_thread_get_cpu(L4_CAP_THREAD, &online) == 0);
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	CHECK(apic_guest(&s));
	CHECK_EQ(l4_vm_map(vm.task, APIC_GPA, APIC_VIEW, 12, L4_FP_R | L4_FP_W), L4_OK);
	/* Without virtual-interrupt delivery a post has nowhere to go. */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_POST(0x30, false)).error, L4_ENOSYS);
	err = l4_vcpu_apic(vm.vcpu, APIC_GPA, L4_VAPIC_VID);
	if (err == L4_ENOSYS) {
		drop_big_vm(&vm);
		L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
		return;
	}
	CHECK_EQ(err, L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_POST(5, false)).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, 0).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_POST(0x30, false) | 1).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_REQ_EOI_EXIT).error, L4_EMSG);
	CHECK_EQ(L4_INVOKE(L4_CAP_THREAD, L4_THREAD_VCPU_POST, L4_VCPU_POST(0x30, false)).error, L4_EINVAL);
	CHECK_EQ(l4_vcpu_config(vm.vcpu, 0, L4_VCPU_GPR, NULL, 0), L4_OK);
	CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &s), L4_OK);
	if (online > 1)
		CHECK_EQ(l4_thread_set_cpu(vm.vcpu, 1), L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	unsigned long long ticks[2] = { 0, 0 };
	for (unsigned round = 0; round < 40; round++) {
		bool by_write = round % 2;
		if (online > 1)      /* (in its loop on CPU 1 by now, most rounds) */
			for (volatile int i = 0; i < 2000; i++)
				;
		unsigned long long t0 = l4_rdtsc();
		if (by_write)
			CHECK_EQ(l4_vcpu_write(vm.vcpu, 0, L4_VCPU_POST(0x30, false), 0, 0, &s), L4_OK);
		else
			CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_POST(0x30, false)).error, L4_OK);
		CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
		ticks[by_write] += l4_rdtsc() - t0;
		CHECK_EQ(e.qual >> 16, 0x81);
		CHECK_EQ(s.gpr[L4_REG_RIP], G_HANDLERS + 0x100);
		CHECK_EQ(step(&e, &s, 0), L4_OK);
	}
	l4_printf("ktest: (a post to a running vCPU%s reaches its handler in %llu ticks; by VCPU_WRITE, "
		  "which stops it, %llu)\n", online > 1 ? " on another CPU" : "", ticks[0] / 20, ticks[1] / 20);
	/* A window request: the VMM's exit when the guest can take an interrupt. */
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_REQ_IRQ_WINDOW).error, L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IRQ_WINDOW);
	/* Many posts of one vector while it waits for our reply: one interrupt. */
	for (int i = 0; i < 5; i++)
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_POST, L4_VCPU_POST(0x30, false)).error, L4_OK);
	CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(L4_VCPU_GPR, 0, 0, 0, &s)), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(l4_recv(vm.ep, 20000).error, L4_ETIMEOUT);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
	drop_big_vm(&vm);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* The VM of apic_guest with virtual-interrupt delivery, its exits carrying
 * the GPRs, its state written: an error code (L4_ENOSYS: the CPU has no
 * virtual-interrupt delivery). drop_vid_vm undoes it. */
static l4_word_t vid_vm(struct vm *vm, struct l4_vcpu_state *s)
{
	if (!apic_guest(s))
		return L4_ENOMEM;
	l4_word_t err = l4_vm_map(vm->task, APIC_GPA, APIC_VIEW, 12, L4_FP_R | L4_FP_W);
	if (!err)
		err = l4_vcpu_apic(vm->vcpu, APIC_GPA, L4_VAPIC_VID);
	if (!err)
		err = l4_vcpu_config(vm->vcpu, 0, L4_VCPU_GPR, NULL, 0);
	return err ? err : l4_vcpu_write(vm->vcpu, L4_VCPU_ALL, 0, 0, 0, s);
}

static void drop_vid_vm(struct vm *vm)
{
	drop_big_vm(vm);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* The guest of the next two tests: it counts in ECX and writes the ICR
 * (an IPI to the others: an APIC-write exit) in a loop; a HLT after it for
 * a new state. */
static const unsigned char icr_loop_code[] = {
	0xbb, 0x00, 0x00, 0xe0, 0xfe,                          /* mov ebx, 0xfee00000 */
	0x31, 0xc9,                                            /* xor ecx, ecx */
	0xff, 0xc1,                                            /* 1: inc ecx */
	0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x40, 0, 0xc, 0,   /* mov dword [rbx+0x300], 0xc0040 */
	0xeb, 0xf2,                                            /* jmp 1b */
	0xf4,                                                  /* hlt */
};
#define ICR_LOOP_HLT (G_CODE + sizeof(icr_loop_code) - 1)

/* The VM of vid_vm running icr_loop_code, its vCPU on CPU 1 (not started):
 * L4_OK; L4_ENOSYS (the VM dropped) without virtual-interrupt delivery or
 * a second CPU. */
static l4_word_t icr_loop_vm(struct vm *vm, struct l4_vcpu_state *s)
{
	unsigned online = 1;
	l4_word_t err = l4_thread_get_cpu(L4_CAP_THREAD, &online) < 0 ? L4_EINVAL : vid_vm(vm, s);

	if (err == L4_ENOSYS || (!err && online < 2)) {
		drop_vid_vm(vm);
		return L4_ENOSYS;
	}
	return err ? err : (l4_word_t)l4_thread_set_cpu(vm->vcpu, 1);
}

/* icr_loop_vm, or the test ends (skipped where it cannot run). */
#define ICR_LOOP_VM_OR_RETURN(vm, s) do { \
	BIG_VM_OR_RETURN(vm, icr_loop_code); \
	l4_word_t err_ = icr_loop_vm(vm, s); \
	if (err_ == L4_ENOSYS) \
		return; \
	CHECK_EQ(err_, L4_OK); \
	} while (0)

/*
 * A trap-like exit (an APIC write: the guest's write is done, its RIP
 * past it) reaches the VMM even when another CPU stops the vCPU while its
 * CPU handles the exit: it does not recur as a faulting exit would, so a
 * dropped one is an IPI lost for good (a Linux guest hung so). The guest
 * on CPU 1 counts in ECX and writes the ICR (an IPI to the others) in a
 * loop; after each reply we query the vCPU 0 to 3 times (each query stops
 * it where it is, sched_stall, as a VMM thread's query would), so that
 * queries land all along its way to the next exit; every count must come,
 * in order.
 */
static void apic_write_survives_a_stall(void)
{
	struct vm vm;
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	ICR_LOOP_VM_OR_RETURN(&vm, &s);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	l4_word_t reason = 0, got = 0, qual = 0;
	unsigned n, queries = 0;
	for (n = 1; n <= 2000; n++) {
		reason = get_exit(&vm, &e, &s);
		got = s.gpr[L4_REG_RCX];
		qual = e.qual;
		if (reason != L4_VMEXIT_APIC_WRITE || got != n || qual != (0x300 | 0xc0040ull << 32) ||
		    l4_reply(l4_vcpu_reply_prepare(0, 0, 0, 0, &s)) != L4_OK)
			break;
		for (unsigned q = 0; q < n % 4; q++, queries++)
			L4_INVOKE(vm.vcpu, L4_THREAD_INFO);
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	l4_printf("ktest: (%u APIC-write exits in order, %u queries of the running vCPU between them)\n",
		  n - 1, queries);
	drop_vid_vm(&vm);
	CHECK_EQ(reason, L4_VMEXIT_APIC_WRITE);
	CHECK_EQ(got, n > 2000 ? 2000 : n);
	CHECK_EQ(qual, 0x300 | 0xc0040ull << 32);
	CHECK_EQ(n, 2001);
}

/*
 * An exit that waits in a stopped vCPU (trap_pending) goes when it runs
 * again, unless the VMM gave it a new state meanwhile. The guest of
 * apic_write_survives_a_stall on CPU 1; after a reply we stop it at once
 * (its next exit may be under way on CPU 1), write it a garbage state (refused,
 * changing nothing), then in turn: resume it as it
 * was (the counts must go on in order: nothing lost), or write it a new
 * state at a HLT and resume it (the next exit must be that HLT: nothing
 * of the old state comes).
 */
static void stopped_vcpu_keeps_or_drops_its_exit(void)
{
	struct vm vm;
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	ICR_LOOP_VM_OR_RETURN(&vm, &s);
	struct l4_vcpu_state start = s;
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	l4_word_t count = 0, bad = 0, reason = 0;
	unsigned round, halts = 0;
	for (round = 0; round < 300 && !bad; round++) {
		reason = get_exit(&vm, &e, &s);
		if (reason != L4_VMEXIT_APIC_WRITE || s.gpr[L4_REG_RCX] != count + 1) {
			bad = 1;
			break;
		}
		count++;
		CHECK_EQ(l4_reply(l4_vcpu_reply_prepare(0, 0, 0, 0, &s)), L4_OK);
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
		/* A garbage state (an NMI with vector 5) is refused and drops nothing. */
		CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_GPR, 0, L4_EVENT_VALID | L4_EVENT_NMI | 5, 0, &s), L4_EMSG);
		if (round % 2) {
			/* A new state at the HLT: the exit there, and none before. */
			struct l4_vcpu_state h = start;
			h.gpr[L4_REG_RIP] = ICR_LOOP_HLT;
			CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &h), L4_OK);
			CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
			reason = get_exit(&vm, &e, &s);
			if (reason != L4_VMEXIT_HLT || s.gpr[L4_REG_RIP] != ICR_LOOP_HLT) {
				bad = 2;
				break;
			}
			halts++;
			/* And from the start again (ECX counts from 0). */
			CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_STOP).error, L4_OK);
			CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &start), L4_OK);
			count = 0;
		}
		CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	}
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	l4_printf("ktest: (%u rounds of stop and resume, %u of them with a new state)\n", round, halts);
	drop_vid_vm(&vm);
	CHECK_EQ(bad, 0);
	CHECK_EQ(halts, 150);
}

/*
 * A self-IPI the guest sends with interrupts off (virtualized: no exit)
 * is taken once, by the guest's handler. A CPU takes it after the STI;
 * Bochs 2.7 takes it at the first host interrupt meanwhile, inside the
 * CLI section (InterruptAcknowledge delivers a pending virtual interrupt
 * before it looks at the host's, whatever RFLAGS.IF). This is why the VMM
 * leaves virtual-interrupt delivery off unless asked (vmm.vid): Linux
 * sends itself IPIs with interrupts off. Either way is accepted here
 * (the CPU's behaviour, not the kernel's); which one is printed.
 */
static void self_ipi_with_interrupts_off(void)
{
	static const unsigned char code[] = {
		0xbb, 0x00, 0x00, 0xe0, 0xfe,                          /* mov ebx, 0xfee00000 */
		0xfa,                                                  /* cli */
		0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x30, 0, 4, 0,     /* mov dword [rbx+0x300], 0x40030 */
		0xb9, 0x00, 0x00, 0x40, 0x00,                          /* mov ecx, 0x400000 */
		0xff, 0xc9, 0x75, 0xfc,                                /* 1: dec ecx; jnz 1b (CPL 0: no PAUSE) */
		0xfb, 0x90,                                            /* sti; nop */
		0xf4,                                                  /* hlt */
	};
	struct vm vm;
	BIG_VM_OR_RETURN(&vm, code);
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	l4_word_t err = vid_vm(&vm, &s);
	if (err == L4_ENOSYS) {
		drop_vid_vm(&vm);
		return;
	}
	CHECK_EQ(err, L4_OK);
	CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
	l4_word_t reason = get_exit(&vm, &e, &s), port = e.qual >> 16, at = s.gpr[L4_REG_RIP];
	l4_word_t rsp = s.gpr[L4_REG_RSP], rcx = s.gpr[L4_REG_RCX];
	l4_word_t rip = *(volatile l4_word_t *)big(rsp), rfl = *(volatile l4_word_t *)big(rsp + 16);
	bool after_sti = rip >= G_CODE + 26 && rip <= G_CODE + 27 && (rfl & 0x200) && rcx == 0;   /* (STI's shadow) */
	bool in_cli = rip >= G_CODE + 21 && rip <= G_CODE + 25 && !(rfl & 0x200);
	if (reason == L4_VMEXIT_IO && port == 0x81)          /* the handler: EOI, IRET, on to HLT */
		CHECK_EQ(step(&e, &s, 0), L4_OK);
	l4_word_t last = get_exit(&vm, &e, &s);
	l4_printf("ktest: (a self-IPI sent with interrupts off was taken %s)\n",
		  after_sti ? "after the STI, as a CPU does" :
		  in_cli ? "inside the CLI section at a host interrupt (the Bochs 2.7 erratum)" : "elsewhere");
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_vid_vm(&vm);
	CHECK_EQ(reason, L4_VMEXIT_IO);
	CHECK_EQ(port, 0x81);
	CHECK_EQ(at, G_HANDLERS + 0x100);
	CHECK(after_sti || in_cli);
	CHECK_EQ(last, L4_VMEXIT_HLT);                 /* taken once */
}

/* ---------------------------------------------------------------- fuzzing */

#define VMX_FUZZ_STEPS 3000

static uint64_t vrng = 0x9e3779b97f4a7c15ull;

static uint64_t vrnd(void)
{
	return ktest_random(&vrng);
}

/* A message for a reply or VCPU_WRITE: mostly well-formed headers with
 * random groups, requests, events and state; sometimes anything. Its
 * words (for the tag), up to 70 (more than the registers hold). */
static unsigned random_vcpu_message(const struct l4_vcpu_state *good)
{
	l4_word_t *mr = l4_utcb()->mr;
	unsigned groups = (unsigned)vrnd() & 0x7f, n;

	if (vrnd() % 4 == 0) {
		n = (unsigned)(vrnd() % 71);
		for (unsigned i = 0; i < n && i < L4_MR_COUNT; i++)
			mr[i] = vrnd() % 2 ? vrnd() : vrnd() % 256;
		return n;
	}
	mr[L4_VCPU_REPLY_GROUPS] = groups | (vrnd() % 2 ? vrnd() & 0xffff00u : 0);
	mr[L4_VCPU_REPLY_INJECT] = vrnd() % 2 ? 0 : (vrnd() % 2 ? vrnd() : L4_EVENT_VALID | (vrnd() & 0xfff));
	mr[L4_VCPU_REPLY_ERROR] = vrnd();
	n = L4_VCPU_REPLY_STATE + l4_vcpu_words(groups);
	for (unsigned i = L4_VCPU_REPLY_STATE; i < n && i < L4_MR_COUNT; i++) {
		l4_word_t w = i - L4_VCPU_REPLY_STATE < sizeof(*good) / sizeof(l4_word_t) ?
				      ((const l4_word_t *)good)[i - L4_VCPU_REPLY_STATE] : 0;
		mr[i] = vrnd() % 8 ? w : vrnd() % 2 ? w ^ 1ull << (vrnd() % 64) : vrnd();
	}
	return vrnd() % 16 ? n : n + (unsigned)(vrnd() % 3) - 1;
}

/*
 * Thousands of random replies to exits, VCPU_WRITE/READ/CONFIG/APIC
 * operations, stops and restarts against a long-mode guest with an APIC
 * page: bad messages are refused or stop the vCPU, bad guest state fails
 * the entry, and the kernel, this task and a fresh VM go on.
 */
static void random_vcpu_operations(void)
{
	static const unsigned char code[] = { 0x0f, 0xa2, 0xe6, 0x80, 0xfb, 0xf4, 0xeb, 0xf8 };
	struct vm vm;
	struct l4_vcpu_state good;
	l4_word_t err;
	RETURN_IF_NO_VMX(long_mode_vm(&vm, code, sizeof(code), L4_VCPU_GPR));
	mode_state(LONG64, &good);
	put64(G_PDPT + 8 * 3, G_PD | 3);
	put64(G_PD + 8 * 503, APIC_GPA | 0x83);
	CHECK(l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(APIC_VIEW, 12, 0), &err) != ~0ull);
	CHECK_EQ(l4_vm_map(vm.task, APIC_GPA, APIC_VIEW, 12, L4_FP_R | L4_FP_W), L4_OK);
	unsigned long exits = 0, refused = 0, restarts = 0, entry_failures = 0;
	for (unsigned step = 0; step < VMX_FUZZ_STEPS; step++) {
		l4_word_t *mr = l4_utcb()->mr;
		switch (vrnd() % 8) {
		case 0: case 1: case 2: case 3: {        /* the next exit, a random reply */
			struct l4_result r = l4_recv(vm.ep, 20000);
			if (r.error)
				break;
			exits++;
			entry_failures += (mr[L4_VMEXIT_REASON] & L4_VMEXIT_ENTRY_FAILED) != 0;
			unsigned n = random_vcpu_message(&good);
			refused += l4_reply(l4_tag(0, n, 0)) != L4_OK;
			break;
		}
		case 4: {                                 /* VCPU_WRITE */
			unsigned n = random_vcpu_message(&good);
			refused += l4_call(vm.vcpu, l4_tag(L4_THREAD_VCPU_WRITE, n, 0), L4_TIMEOUT_NEVER).error != 0;
			break;
		}
		case 5:                                   /* VCPU_READ, VCPU_CONFIG */
			if (vrnd() % 2) {
				refused += L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_READ, vrnd() % 2 ? vrnd() % 256 : vrnd()).error != 0;
			} else {
				unsigned n = (unsigned)(vrnd() % (2 + L4_VMEXIT_REASONS + 2));
				for (unsigned i = 0; i < n && i < L4_MR_COUNT; i++)
					mr[i] = vrnd() % 4 ? vrnd() % 0x80 : vrnd();
				refused += l4_call(vm.vcpu, l4_tag(L4_THREAD_VCPU_CONFIG, n, 0), L4_TIMEOUT_NEVER).error != 0;
			}
			break;
		case 6: {                                 /* VCPU_APIC */
			l4_word_t a[] = { 0, APIC_GPA, APIC_GPA | L4_VAPIC_VID, vrnd() & ~0xfffull, vrnd() };
			refused += L4_INVOKE(vm.vcpu, L4_THREAD_VCPU_APIC, a[vrnd() % 5]).error != 0;
			break;
		}
		default:                                  /* stop, or back to a good state */
			if (vrnd() % 4 == 0) {
				L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
			} else {
				struct l4_result info = L4_INVOKE(vm.vcpu, L4_THREAD_INFO);
				if (!info.error && mr[0] == L4_THREAD_INACTIVE) {
					CHECK_EQ(l4_vcpu_write(vm.vcpu, L4_VCPU_ALL, 0, 0, 0, &good), L4_OK);
					CHECK_EQ(L4_INVOKE(vm.vcpu, L4_THREAD_RESUME).error, L4_OK);
					restarts++;
				}
			}
			break;
		}
	}
	l4_printf("ktest: (vCPU fuzzing: %lu exits, %lu entry failures, %lu refused, %lu restarts)\n",
		  exits, entry_failures, refused, restarts);
	CHECK(exits > 100 && refused > 100 && restarts > 10);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(APIC_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
	/* A fresh VM works as ever. */
	struct l4_vcpu_state s;
	struct l4_vcpu_exit e;
	CHECK_EQ(long_mode_vm(&vm, code, sizeof(code), L4_VCPU_GPR), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_CPUID);
	CHECK_EQ(step(&e, &s, 0), L4_OK);
	CHECK_EQ(get_exit(&vm, &e, &s), L4_VMEXIT_IO);
	L4_INVOKE(vm.vcpu, L4_THREAD_STOP);
	drop_big_vm(&vm);
}

const struct ktest ktests_vmx[] = {
	{ "vmx/vcpu-moves-between-cpus-while-running", vcpu_moves_between_cpus_while_running },
	{ "vmx/unmap-flushes-a-guest-on-another-cpu", unmap_flushes_a_guest_on_another_cpu },
	{ "vmx/guest-ram-in-large-pages", guest_ram_in_large_pages },
	{ "vmx/post-to-a-running-vcpu", post_to_a_running_vcpu },
	{ "vmx/apic-write-survives-a-stall", apic_write_survives_a_stall },
	{ "vmx/stopped-vcpu-keeps-or-drops-its-exit", stopped_vcpu_keeps_or_drops_its_exit },
	{ "vmx/self-ipi-with-interrupts-off", self_ipi_with_interrupts_off },
	{ "vmx/every-kind-of-exit-reaches-vmm", every_kind_of_exit_reaches_vmm },
	{ "vmx/host-resource-instructions-exit", host_resource_instructions_exit },
	{ "vmx/injected-interrupt-runs-guest-handler", injected_interrupt_runs_guest_handler },
	{ "vmx/real-mode-guest-exits-to-vmm", real_mode_guest_exits_to_vmm },
	{ "vmx/unmapped-access-is-an-ept-violation", unmapped_access_is_an_ept_violation },
	{ "vmx/triple-fault-reaches-vmm", triple_fault_reaches_vmm },
	{ "vmx/invalid-guest-state-reaches-vmm", invalid_guest_state_reaches_vmm },
	{ "vmx/two-vms-have-separate-memory", two_vms_have_separate_memory },
	{ "vmx/recreated-vms-see-only-their-memory", recreated_vms_see_only_their_memory },
	{ "vmx/spinning-guest-does-not-starve-native-threads", spinning_guest_does_not_starve_native_threads },
	{ "vmx/pause-loop-yields-to-its-priority", pause_loop_yields_to_its_priority },
	{ "vmx/long-spin-keeps-the-kernel-stack", long_spin_keeps_the_kernel_stack },
	{ "vmx/protected-mode-guest", protected_mode_guest },
	{ "vmx/long-mode-guest", long_mode_guest },
	{ "vmx/guest-msrs-and-cr2-are-its-own", guest_msrs_and_cr2_are_its_own },
	{ "vmx/guest-owned-msrs-do-not-exit", guest_owned_msrs_do_not_exit },
	{ "vmx/cr8-is-the-tpr-shadow", cr8_is_the_tpr_shadow },
	{ "vmx/interrupt-window-exit", interrupt_window_exit },
	{ "vmx/transfer-masks-choose-the-state-sent", transfer_masks_choose_the_state_sent },
	{ "vmx/vcpu-operations-check-their-arguments", vcpu_operations_check_their_arguments },
	{ "vmx/bad-state-from-vmm-fails-the-entry", bad_state_from_vmm_fails_the_entry },
	{ "vmx/unmap-takes-memory-from-the-guest", unmap_takes_memory_from_the_guest },
	{ "vmx/apic-virtualization", apic_virtualization },
	{ "vmx/random-vcpu-operations", random_vcpu_operations },
	{ "vmx/spinning-fpu-guests-at-one-priority", spinning_fpu_guests_at_one_priority },
	{ "vmx/alignment-check-is-reflected", alignment_check_is_reflected },
	{ "vmx/alignment-check-loop-does-not-hold-the-cpu", alignment_check_loop_does_not_hold_the_cpu },
	{ "vmx/debug-trap-storm-is-reflected", debug_trap_storm_is_reflected },
	{ NULL, NULL },
};
