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

/* A VM with one page of guest code at GUEST_CODE_GPA and a vCPU whose
 * exits come to vm->ep; false (and *err) where there is no VT-x. */
static bool make_vm(struct vm *vm, l4_word_t *err)
{
	vm->task = l4_slot_alloc();
	vm->vcpu = l4_slot_alloc();
	vm->ep = l4_make(L4_FACTORY_ENDPOINT);
	if ((*err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VM, vm->task, 16).error))
		return false;
	if ((*err = L4_INVOKE(L4_CAP_FACTORY, L4_FACTORY_VCPU, vm->vcpu, vm->task).error))
		return false;
	if (l4_sigma0_alloc(L4_SIGMA0_ANY, 12, l4_fpage_mem(HOST_VIEW, 12, 0), err) == ~0ull)
		return false;
	for (unsigned i = 0; i < sizeof(guest_code); i++)
		((volatile unsigned char *)HOST_VIEW)[i] = guest_code[i];
	if ((*err = L4_INVOKE(vm->task, L4_TASK_MAP, L4_ITEM_MAP | GUEST_CODE_GPA,
			      l4_fpage_mem(HOST_VIEW, 12, L4_FP_RWX)).error) ||
	    (*err = L4_INVOKE(vm->vcpu, L4_THREAD_SET_EXC_HANDLER, vm->ep).error) ||
	    (*err = L4_INVOKE(vm->vcpu, L4_THREAD_SET_PRIO, 50).error))
		return false;
	return true;
}

static void drop_vm(struct vm *vm)
{
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm->vcpu);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_CAP_DELETE, vm->task);
	L4_INVOKE(L4_CAP_TASK, L4_TASK_UNMAP, l4_fpage_mem(HOST_VIEW, 12, L4_FP_RWX), L4_UNMAP_SELF);
}

/* Replies to an exit with the register block (from the message), RIP advanced. */
static l4_word_t resume_after(struct l4_utcb *u, l4_word_t *regs)
{
	for (unsigned i = 0; i < L4_REG_COUNT; i++)
		u->mr[i] = regs[i];
	return l4_reply(l4_tag(0, L4_REG_COUNT, 0));
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
	drop_vm(&vm);
}

const struct ktest ktests_vmx[] = {
	{ "vmx/real-mode-guest-exits-to-vmm", real_mode_guest_exits_to_vmm },
	{ NULL, NULL },
};
