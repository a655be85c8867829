/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A thread's saved user registers, and how system calls find their
 * arguments in them (convention in include/l4/syscall.h).
 */
#ifndef ARCH_REGS_H
#define ARCH_REGS_H

#include "trap.h"

#define VEC_SYSCALL 0x100   /* trap_frame.vector of a syscall entry */

typedef struct trap_frame arch_regs;

static inline uint64_t regs_sysno(const arch_regs *r) { return r->rax; }
static inline uint64_t regs_cap(const arch_regs *r)   { return r->rdi; }
static inline uint64_t regs_tag(const arch_regs *r)   { return r->rsi; }
static inline uint64_t regs_arg(const arch_regs *r)   { return r->rdx; }

/* The result of a system call or of a completed IPC. */
static inline void regs_set_result(arch_regs *r, uint64_t error, uint64_t tag, uint64_t badge)
{
	r->rax = error;
	r->rsi = tag;
	r->rdx = badge;
}

static inline void regs_set_error(arch_regs *r, uint64_t error)
{
	r->rax = error;
}

static inline uint64_t regs_ip(const arch_regs *r) { return r->rip; }
static inline uint64_t regs_sp(const arch_regs *r) { return r->rsp; }

/* Fresh user registers: start at ip with stack sp, interrupts on. */
void regs_init_user(arch_regs *r, uint64_t ip, uint64_t sp);

/* The first argument register of a fresh thread (RDI). */
static inline void regs_set_boot_arg(arch_regs *r, uint64_t v)
{
	r->rdi = v;
}

/* Sets ip/sp from untrusted values; false if not canonical user addresses. */
bool regs_set_ip_sp(arch_regs *r, uint64_t ip, uint64_t sp);

/* The register block of include/l4/thread.h (L4_REG_COUNT words). */
void regs_to_words(const arch_regs *r, uint64_t *w);
/* Sets registers from a block; false (nothing changed) if RIP or RSP is
 * not a user address. Privileged RFLAGS bits are ignored. */
bool regs_from_words(arch_regs *r, const uint64_t *w);

/* True if va is a canonical address in the user half. */
static inline bool user_addr_ok(uint64_t va)
{
	return va < 0x0000800000000000ull;
}

#endif
