/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System calls (x86-64, `syscall` instruction).
 *
 * Register convention:
 *   in:  RAX system call number (L4_SYS_*)
 *        RDI capability slot (destination or source, per call)
 *        RSI message tag (msg.h)
 *        RDX timeout (below)
 *   out: RAX error code (errno.h; 0 = success)
 *        RSI the received message's tag
 *        RDX the received badge (the sender's capability badge; 0 for a reply)
 *   RCX and R11 are destroyed (the syscall instruction uses them);
 *   every other register is preserved. Message registers live in the UTCB.
 *
 * Timeouts (RDX on entry): L4_TIMEOUT_POLL (0) never blocks,
 * L4_TIMEOUT_NEVER waits for ever, any other value is relative, in
 * microseconds, and bounds the whole system call's blocking.
 *
 * Calls:
 *   L4_SYS_CALL        send to RDI (an endpoint) and wait for the reply.
 *                      The receiver gets a one-shot reply right; no
 *                      capability to the caller is needed. On a kernel
 *                      object's capability, CALL invokes the object:
 *                      the tag's label selects the operation (see the
 *                      object's header) and the reply comes at once.
 *   L4_SYS_REPLY_WAIT  reply with tag RSI to the last caller (if any),
 *                      then wait on endpoint or notification RDI.
 *   L4_SYS_SEND        send to RDI; on a notification, signal it.
 *   L4_SYS_RECV        wait on endpoint or notification RDI.
 *   L4_SYS_REPLY       reply with tag RSI to the last caller, no wait.
 *   L4_SYS_YIELD       give up the rest of the time slice.
 * (The kernel's console and machine exit are invocations of a capability
 * that only some tasks hold: debug.h.)
 */
#ifndef L4_SYSCALL_H
#define L4_SYSCALL_H

#include "types.h"

enum l4_syscall {
	L4_SYS_CALL = 0,
	L4_SYS_REPLY_WAIT = 1,
	L4_SYS_SEND = 2,
	L4_SYS_RECV = 3,
	L4_SYS_REPLY = 4,
	L4_SYS_YIELD = 5,
	L4_SYS_COUNT
};

#define L4_TIMEOUT_POLL  0ull
#define L4_TIMEOUT_NEVER (~0ull)

struct l4_result {
	l4_word_t error;
	l4_word_t tag;
	l4_word_t badge;
};

static inline struct l4_result l4_syscall(l4_word_t nr, l4_word_t cap, l4_word_t tag,
					  l4_word_t arg)
{
	struct l4_result r;

	__asm__ volatile("syscall"
			 : "=a"(r.error), "=S"(r.tag), "=d"(r.badge)
			 : "a"(nr), "D"(cap), "S"(tag), "d"(arg)
			 : "rcx", "r11", "memory");
	return r;
}

static inline struct l4_result l4_call(l4_cap_t cap, l4_word_t tag, l4_word_t timeout)
{
	return l4_syscall(L4_SYS_CALL, cap, tag, timeout);
}

static inline struct l4_result l4_reply_wait(l4_cap_t cap, l4_word_t tag, l4_word_t timeout)
{
	return l4_syscall(L4_SYS_REPLY_WAIT, cap, tag, timeout);
}

static inline struct l4_result l4_send(l4_cap_t cap, l4_word_t tag, l4_word_t timeout)
{
	return l4_syscall(L4_SYS_SEND, cap, tag, timeout);
}

static inline struct l4_result l4_recv(l4_cap_t cap, l4_word_t timeout)
{
	return l4_syscall(L4_SYS_RECV, cap, 0, timeout);
}

static inline l4_word_t l4_reply(l4_word_t tag)
{
	return l4_syscall(L4_SYS_REPLY, L4_CAP_NONE, tag, 0).error;
}

static inline void l4_yield(void)
{
	l4_syscall(L4_SYS_YIELD, L4_CAP_NONE, 0, 0);
}

#endif
