/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 instructions as inline functions, and architectural constants. */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include "types.h"

/* Control register bits. */
#define CR0_PE   (1ull << 0)
#define CR0_MP   (1ull << 1)
#define CR0_EM   (1ull << 2)
#define CR0_TS   (1ull << 3)
#define CR0_NE   (1ull << 5)
#define CR0_WP   (1ull << 16)   /* supervisor writes honour read-only pages */
#define CR0_PG   (1ull << 31)
#define CR4_PAE  (1ull << 5)
#define CR4_PGE  (1ull << 7)    /* global pages */
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_VMXE (1ull << 13)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP (1ull << 20)
#define CR4_SMAP (1ull << 21)

/* Model-specific registers. */
#define MSR_IA32_APIC_BASE        0x1b
#define MSR_IA32_FEATURE_CONTROL  0x3a
#define MSR_IA32_VMX_BASIC        0x480
#define MSR_IA32_VMX_PINBASED     0x481
#define MSR_IA32_VMX_PROCBASED    0x482
#define MSR_IA32_VMX_EXIT         0x483
#define MSR_IA32_VMX_ENTRY        0x484
#define MSR_IA32_VMX_MISC         0x485
#define MSR_IA32_VMX_PROCBASED2   0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_CR0_FIXED0   0x486        /* CR0 bits that must be 1 in VMX operation */
#define MSR_IA32_VMX_CR0_FIXED1   0x487        /* CR0 bits that may be 1 */
#define MSR_IA32_VMX_CR4_FIXED0   0x488
#define MSR_IA32_VMX_CR4_FIXED1   0x489
#define MSR_IA32_VMX_TRUE_PINBASED  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED 0x48e
#define MSR_EFER                  0xc0000080
#define MSR_STAR                  0xc0000081   /* syscall/sysret segment selectors */
#define MSR_LSTAR                 0xc0000082   /* 64-bit syscall entry point */
#define MSR_SFMASK                0xc0000084   /* RFLAGS bits cleared on syscall */
#define MSR_FS_BASE               0xc0000100
#define MSR_GS_BASE               0xc0000101
#define MSR_KERNEL_GS_BASE        0xc0000102

#define EFER_SCE (1ull << 0)    /* syscall/sysret */
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)    /* long mode active */
#define EFER_NXE (1ull << 11)   /* execute-disable bit in page tables */

/* Exception vectors (Intel SDM vol. 3, table 6-1). */
enum {
	VEC_DE = 0, VEC_DB = 1, VEC_NMI = 2, VEC_BP = 3, VEC_OF = 4, VEC_BR = 5,
	VEC_UD = 6, VEC_NM = 7, VEC_DF = 8, VEC_TS = 10, VEC_NP = 11, VEC_SS = 12,
	VEC_GP = 13, VEC_PF = 14, VEC_MF = 16, VEC_AC = 17, VEC_MC = 18, VEC_XM = 19,
	VEC_VE = 20, VEC_CP = 21, VEC_EXCEPTIONS = 32,
};

/* Interrupt vectors the kernel uses. */
#define VEC_PIC_BASE      0x20   /* 8259 IRQs 0-15, remapped and masked */
#define VEC_LAPIC_TIMER   0x40
#define VEC_IRQ_BASE      0x50   /* I/O APIC line n arrives at VEC_IRQ_BASE + n */
#define VEC_IPI_CALL      0xf0   /* another CPU asks for a remote call (smp_poll) */
#define VEC_IPI_RESCHEDULE 0xf1  /* another CPU made something ready here */
#define VEC_LAPIC_ERROR   0xfe
#define VEC_SPURIOUS      0xff

/* Page-fault error code bits. */
#define PF_PRESENT (1u << 0)
#define PF_WRITE   (1u << 1)
#define PF_USER    (1u << 2)
#define PF_RSVD    (1u << 3)
#define PF_FETCH   (1u << 4)

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_FIXED (1ull << 1)   /* always 1 */
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_IOPL (3ull << 12)
#define RFLAGS_NT (1ull << 14)
#define RFLAGS_AC (1ull << 18)
/* What user code may set: the arithmetic flags, DF, TF, AC (and IF stays on). */
#define RFLAGS_USER_MASK 0x40dd5ull

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(sub));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

#define DEFINE_CR(n) \
	static inline uint64_t read_cr##n(void) \
	{ uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(uint64_t v) \
	{ __asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void irq_enable(void)  { __asm__ volatile("sti" : : : "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void cpu_relax(void)   { __asm__ volatile("pause" : : : "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

/* Waits for an interrupt with interrupts enabled, atomically (sti's shadow). */
static inline void halt_until_irq(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

#endif
