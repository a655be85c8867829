/* SPDX-License-Identifier: GPL-2.0-only */
/* vCPUs: a real-mode guest whose exits arrive here as IPC (Bochs has VT-x; QEMU not). */
#include "ktest.h"
#include <l4/vcpu.h>

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

/* Replies to an exit with the register block (from the message), RIP advanced. */
static l4_word_t resume_after(struct l4_utcb *u, l4_word_t *regs)
{
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		u->mr[i] = regs[i];
	return l4_reply(l4_tag(0, L4_REG_COUNT, 0));
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
		regs[i] = u->mr[L4_VMEXIT_REGS + i];
	regs[L4_REG_RIP] += len;
	if (rax != ~0ull)
		regs[L4_REG_RAX] = rax;
	return resume_after(u, regs);
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
	CHECK_EQ(l4_tag_words(r.tag), L4_VMEXIT_WORDS);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_CPUID);
	CHECK_EQ(u->mr[L4_VMEXIT_ILEN], 2);
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_REGS + i];
	CHECK_EQ(regs[L4_REG_RIP], GUEST_CODE_GPA + 3);
	CHECK_EQ(regs[L4_REG_RAX] & 0xffff, 0x1234);
	regs[L4_REG_RAX] = 0xabcd;                  /* what "CPUID" returns */
	regs[L4_REG_RIP] += u->mr[L4_VMEXIT_ILEN];
	CHECK_EQ(resume_after(u, regs), L4_OK);

	/* 2: OUT 0x80, AL: the qualification names the port, AL is what we gave. */
	r = l4_recv(vm.ep, 1000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_IO);
	l4_word_t qual = u->mr[L4_VMEXIT_QUAL];
	CHECK_EQ(qual >> 16 & 0xffff, 0x80);        /* port */
	CHECK_EQ(qual & 7, 0);                      /* one byte */
	CHECK_EQ(qual >> 3 & 1, 0);                 /* out */
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RAX] & 0xff, 0xcd);
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_REGS + i];
	regs[L4_REG_RIP] += u->mr[L4_VMEXIT_ILEN];
	CHECK_EQ(resume_after(u, regs), L4_OK);

	/* 3: HLT. */
	r = l4_recv(vm.ep, 1000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_HLT);
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RIP], GUEST_CODE_GPA + 7);
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
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_REGS + L4_REG_RAX] & 0xff, 0x5a);
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	drop_vm(&vm, HOST_VIEW + 0x1000);
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
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_REGS + L4_REG_RAX] & 0xff, 0xaa);
	CHECK_EQ(next_exit(&b), L4_VMEXIT_IO);
	CHECK_EQ(l4_utcb()->mr[L4_VMEXIT_REGS + L4_REG_RAX] & 0xff, 0xbb);
	drop_vm(&a, HOST_VIEW + 0x3000);
	drop_vm(&b, HOST_VIEW + 0x4000);
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

/* vmcall; mov ecx, 0x10; rdmsr; wrmsr; mov si, 0x1100; mov cx, 3; mov dx, 0x80;
 * rep outsb; hlt */
static const unsigned char instr_code[] = {
	0x0f, 0x01, 0xc1,
	0x66, 0xb9, 0x10, 0x00, 0x00, 0x00,
	0x0f, 0x32,
	0x0f, 0x30,
	0xbe, 0x00, 0x11,
	0xb9, 0x03, 0x00,
	0xba, 0x80, 0x00,
	0xf3, 0x6e,
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
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		u->mr[i] = u->mr[L4_VMEXIT_REGS + i];
	u->mr[L4_REG_RIP] += 3;
	struct l4_result r = l4_reply_wait(vm.ep, l4_tag(0, L4_REG_COUNT, 0), 2000000);
	CHECK_EQ(r.error, L4_OK);
	CHECK_EQ(l4_tag_label(r.tag), L4_LABEL_VMEXIT);
	CHECK_EQ(u->mr[L4_VMEXIT_REASON], L4_VMEXIT_RDMSR);
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RCX] & 0xffffffff, 0x10);   /* the TSC's MSR */
	/* The VMM decides what the guest reads: EDX:EAX = 0x11:0x22. */
	l4_word_t regs[L4_REG_COUNT];
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		regs[i] = u->mr[L4_VMEXIT_REGS + i];
	regs[L4_REG_RIP] += 2;
	regs[L4_REG_RAX] = 0x22;
	regs[L4_REG_RDX] = 0x11;
	CHECK_EQ(resume_after(u, regs), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_WRMSR);
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RAX] & 0xffffffff, 0x22);
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RDX] & 0xffffffff, 0x11);
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	l4_word_t qual = u->mr[L4_VMEXIT_QUAL];
	CHECK_EQ(qual >> 16 & 0xffff, 0x80);
	CHECK_EQ(qual >> 4 & 3, 3);                 /* string, REP */
	CHECK_EQ(u->mr[L4_VMEXIT_GLA], 0x1100);     /* where the string is */
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RCX] & 0xffff, 3);
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
		regs[i] = u->mr[L4_VMEXIT_REGS + i];
	regs[L4_REG_RIP] += 1;
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		u->mr[i] = regs[i];
	u->mr[L4_VMEXIT_INJECT] = 1u << 31 | 0x20;
	CHECK_EQ(l4_reply(l4_tag(0, L4_REG_COUNT + 1, 0)), L4_OK);
	/* The guest took it through its own table: the handler's OUT. */
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_IO);
	CHECK_EQ(u->mr[L4_VMEXIT_REGS + L4_REG_RIP], 0x1010);      /* the OUT itself */
	CHECK_EQ(skip(2, ~0ull), L4_OK);
	CHECK_EQ(next_exit(&vm), L4_VMEXIT_HLT);
	drop_vm(&vm, HOST_VIEW + 0x7000);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(ivt_view, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

const struct ktest ktests_vmx[] = {
	{ "vmx/every-kind-of-exit-reaches-vmm", every_kind_of_exit_reaches_vmm },
	{ "vmx/injected-interrupt-runs-guest-handler", injected_interrupt_runs_guest_handler },
	{ "vmx/real-mode-guest-exits-to-vmm", real_mode_guest_exits_to_vmm },
	{ "vmx/unmapped-access-is-an-ept-violation", unmapped_access_is_an_ept_violation },
	{ "vmx/triple-fault-reaches-vmm", triple_fault_reaches_vmm },
	{ "vmx/invalid-guest-state-reaches-vmm", invalid_guest_state_reaches_vmm },
	{ "vmx/two-vms-have-separate-memory", two_vms_have_separate_memory },
	{ "vmx/spinning-guest-does-not-starve-native-threads", spinning_guest_does_not_starve_native_threads },
	{ NULL, NULL },
};
