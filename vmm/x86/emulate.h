/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Instruction emulation for MMIO and string I/O exits. When a guest touches
 * a page of an emulated device (an EPT violation), the VMM calls x86_emulate
 * with the guest's state and the faulting guest-physical address; for INS
 * and OUTS it calls x86_emulate_io (below). It fetches the
 * instruction at CS:RIP through the guest's page tables (walk.h), decodes
 * it (decode.h), performs its memory accesses (guest RAM through the RAM
 * callbacks, everything else through the MMIO callbacks) and updates the
 * registers, RFLAGS and RIP exactly as the CPU would.
 *
 * Memory accesses: every memory operand goes through segmentation (limits
 * and types outside 64-bit mode, canonical checks in it) and the page walk,
 * for the whole instruction before its first access, so an access that
 * faults has no side effect. An access that crosses a 4 KiB page boundary
 * is split in two, each half translated on its own, the lower half first.
 * Each piece is offered to ram.read/ram.write first; if that refuses it
 * (not RAM), it goes to the MMIO callbacks: as one access when its size is
 * 1, 2, 4 or 8 (even unaligned), else as naturally aligned 1/2/4-byte
 * accesses in ascending address order. A read-modify-write (ALU, XCHG,
 * XADD, BTS...) is one MMIO read and one MMIO write; LOCK makes no
 * difference (a device access is atomic by nature; RAM operands are not
 * updated atomically against other vCPUs). CMPXCHG writes a memory
 * destination only when the comparison succeeds (the CPU writes the old
 * value back on failure; repeating a write could trigger a device
 * register's side effect); a register destination gets its old value back
 * on failure as on Intel CPUs (zero-extended for 32 bits; AMD CPUs leave it).
 *
 * The faulting GPA guards against races: unless it is X86_EMU_NO_GPA, an
 * instruction none of whose accesses (in its first iteration) touches that
 * GPA's page is not executed but reported as X86_EMU_RETRY: the guest
 * changed its page tables or its code since the exit, and resuming it
 * re-executes the instruction natively or exits again.
 *
 * REP string instructions (MOVS, STOS, LODS with F3 or F2; rCX counts,
 * RFLAGS.DF gives the direction, source and destination may each be RAM
 * or MMIO) run at most max_iter iterations per call (0 counts as 1). If
 * the count is not exhausted by then the result is X86_EMU_CONTINUE: rSI,
 * rDI and rCX are updated and RIP still points at the instruction, as
 * after an interrupt between iterations on real hardware, so the VMM can
 * check for interrupts, then call again (with X86_EMU_NO_GPA) or simply
 * resume the guest. A fault in a later iteration keeps the iterations done.
 *
 * String I/O exits (x86_emulate_io): INS and OUTS exit before the CPU
 * makes any check of their memory operand. The exit has priority over the
 * #GP of an unusable segment or an offset beyond the limit and over #AC
 * (SDM vol. 3C, 25.1.1), and no page was walked; only the I/O permission
 * checks (IOPL, the TSS bitmap) come before it, and they are the guest
 * kernel's. So the emulator runs the instruction like any other: the
 * segment and limit checks, the access as the CPL makes it (3: a user
 * access; SS.DPL, see x86state.h), SMAP for supervisor accesses (INS and
 * OUTS make explicit accesses, which RFLAGS.AC lets through), #AC at CPL 3,
 * linear addresses wrapping at 4 GiB outside 64-bit mode, and the address
 * size of the instruction (a 67 prefix: SI/DI/CX, ESI/EDI/ECX or
 * RSI/RDI/RCX, wrapping at their width). INS translates its destination
 * before it reads the port, so an INS that faults consumes no data (the CPU
 * restarts it after the fault).
 *
 * Alignment checks: at CPL 3 with CR0.AM and RFLAGS.AC, a data operand whose
 * linear address is not a multiple of its size raises #AC(0), after the
 * segment checks and before the page walk (as Bochs orders them).
 *
 * Flags the SDM leaves undefined: AF after AND/OR/XOR/TEST is cleared; OF,
 * SF, AF and PF after BT/BTS/BTR/BTC are left unchanged. RFLAGS.RF is
 * cleared when an instruction completes, as on the CPU.
 *
 * Not modelled: single-step traps (RFLAGS.TF: the VMM injects #DB after
 * X86_EMU_DONE if it wants them), protection keys, I/O breakpoints and data
 * breakpoints (DR7).
 */
#ifndef VMM_X86_EMULATE_H
#define VMM_X86_EMULATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "walk.h"

/* RFLAGS bits (SDM vol. 1, 3.4.3). */
#define X86_RFLAGS_CF (1ull << 0)     /* carry */
#define X86_RFLAGS_PF (1ull << 2)     /* parity of the low byte */
#define X86_RFLAGS_AF (1ull << 4)     /* carry out of bit 3 */
#define X86_RFLAGS_ZF (1ull << 6)     /* zero */
#define X86_RFLAGS_SF (1ull << 7)     /* sign */
#define X86_RFLAGS_TF (1ull << 8)     /* single step */
#define X86_RFLAGS_DF (1ull << 10)    /* string direction: 1 = down */
#define X86_RFLAGS_OF (1ull << 11)    /* signed overflow */
#define X86_RFLAGS_RF (1ull << 16)    /* resume: suppress instruction breakpoints once */
#define X86_RFLAGS_VM (1ull << 17)    /* virtual-8086 mode */
#define X86_RFLAGS_AC (1ull << 18)    /* alignment check / SMAP override */
#define X86_RFLAGS_ARITH (X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | \
			  X86_RFLAGS_SF | X86_RFLAGS_OF)

/* Segment access rights in the VMX format (SDM vol. 3C, 24.4.1). */
#define X86_SEG_TYPE 0xfu             /* descriptor type, below */
#define X86_SEG_TYPE_WRITABLE 0x2u    /* data: writable */
#define X86_SEG_TYPE_READABLE 0x2u    /* code: readable */
#define X86_SEG_TYPE_EXPDOWN 0x4u     /* data: expand-down */
#define X86_SEG_TYPE_CODE 0x8u        /* code segment */
#define X86_SEG_L (1u << 13)          /* CS: 64-bit code */
#define X86_SEG_DB (1u << 14)         /* CS: 32-bit code; SS/expand-down: 4 GiB upper bound */
#define X86_SEG_UNUSABLE (1u << 16)   /* segment register is unusable (null selector) */

/* Exception vectors (SDM vol. 3A, table 6-1). */
#define X86_VEC_UD 6                  /* invalid opcode */
#define X86_VEC_SS 12                 /* stack-segment fault */
#define X86_VEC_GP 13                 /* general protection */
#define X86_VEC_PF 14                 /* page fault */
#define X86_VEC_AC 17                 /* alignment check */

/* I/O exit qualification (SDM vol. 3C, table 27-5). */
#define X86_IO_QUAL_SIZE(q) ((unsigned)((q) & 7) + 1)   /* bytes: 1, 2 or 4 */
#define X86_IO_QUAL_IN (1u << 3)      /* IN or INS (else OUT or OUTS) */
#define X86_IO_QUAL_STRING (1u << 4)  /* INS or OUTS */
#define X86_IO_QUAL_REP (1u << 5)     /* with a REP prefix */
#define X86_IO_QUAL_PORT(q) ((uint16_t)((q) >> 16))

#define X86_EMU_NO_GPA (~0ull)        /* fault_gpa: no race check */
#define X86_EMU_NOT_DECODED (-1)      /* x86_emu_result.decode: nothing was decoded */

struct x86_seg {
	uint64_t base;
	uint32_t limit;               /* in bytes, granularity applied (as VMX reports it) */
	uint32_t attr;                /* VMX access rights */
};

/* The guest state the emulator reads and updates. */
struct x86_cpu {
	uint64_t gpr[X86_NGPR];       /* enum x86_reg order */
	uint64_t rip, rflags;
	unsigned cpl;                 /* 3: user-mode accesses */
	struct x86_seg seg[X86_NSEG]; /* enum x86_seg_reg order */
	struct x86_paging paging;     /* CR0, CR3, CR4, EFER, MAXPHYADDR, PDPTEs */
};

/*
 * Callbacks. ram: see walk.h (read must not be NULL for anything to work;
 * write NULL makes every write go to MMIO and leaves A/D bits alone).
 * mmio_read/mmio_write: an access of size 1, 2, 4 or 8 bytes at gpa;
 * nonzero aborts the emulation with X86_EMU_ERROR. pio_in/pio_out (INS,
 * OUTS): a port access of size 1, 2 or 4 bytes, also with mmio_ctx; NULL
 * or nonzero aborts with X86_EMU_ERROR.
 */
struct x86_emu_ops {
	struct x86_guest_ram ram;
	int (*mmio_read)(void *ctx, uint64_t gpa, unsigned size, uint64_t *val);
	int (*mmio_write)(void *ctx, uint64_t gpa, unsigned size, uint64_t val);
	void *mmio_ctx;
	int (*pio_in)(void *ctx, uint16_t port, unsigned size, uint32_t *val);
	int (*pio_out)(void *ctx, uint16_t port, unsigned size, uint32_t val);
};

enum x86_emu_status {
	X86_EMU_DONE = 0,             /* executed, RIP advanced */
	X86_EMU_CONTINUE,             /* REP stopped after max_iter iterations (see above) */
	X86_EMU_RETRY,                /* does not touch fault_gpa's page: nothing done */
	X86_EMU_UD,                   /* inject #UD: unsupported or invalid instruction */
	X86_EMU_GP,                   /* inject #GP(error_code): segment limit/type,
					 non-canonical address, instruction > 15 bytes */
	X86_EMU_SS,                   /* inject #SS(error_code): the same for SS accesses */
	X86_EMU_PF,                   /* inject #PF(error_code), CR2 = cr2 */
	X86_EMU_AC,                   /* inject #AC(0): a misaligned operand at CPL 3 */
	X86_EMU_ERROR,                /* the VMM's problem: code or a page table outside RAM
					 (bad_gpa), or an MMIO callback failed (bad_gpa), or
					 a port callback (bad_gpa = the port) */
};

struct x86_emu_result {
	uint8_t vector;               /* UD, GP, SS, PF, AC: the exception to inject */
	bool has_error;               /* whether it pushes error_code */
	uint32_t error_code;
	uint64_t cr2;                 /* PF: the faulting linear address */
	uint64_t bad_gpa;             /* ERROR: the address that was not RAM / failed */
	int decode;                   /* enum x86_decode_status of the fetched bytes,
					 X86_EMU_NOT_DECODED if the fetch failed first */
	struct x86_insn insn;         /* the instruction, when decode is X86_DECODE_OK */
	uint8_t bytes[X86_INSN_MAX];  /* the bytes fetched (for logs) */
	unsigned nbytes;
	unsigned iterations;          /* REP: iterations done by this call */
};

/* The code size CS and the mode give (64-bit needs EFER.LMA and CS.L). */
enum x86_mode x86_cpu_mode(const struct x86_cpu *cpu);

/*
 * Emulates the instruction at CS:RIP. *cpu is updated on X86_EMU_DONE and
 * X86_EMU_CONTINUE, and by the iterations a REP instruction completed
 * before a fault; otherwise it is unchanged. Returns enum x86_emu_status,
 * with the details in *res.
 */
int x86_emulate(struct x86_cpu *cpu, uint64_t fault_gpa, const struct x86_emu_ops *ops,
		unsigned max_iter, struct x86_emu_result *res);

/*
 * A string I/O exit (INS or OUTS; io_qual is its exit qualification):
 * emulates the instruction at CS:RIP as x86_emulate does (see "String I/O
 * exits" above), with the same results. If that instruction is not the
 * one the exit describes (INS for IN, OUTS for OUT, the size, the port in
 * DX), nothing is done: X86_EMU_RETRY (the guest changed it since).
 */
int x86_emulate_io(struct x86_cpu *cpu, uint64_t io_qual, const struct x86_emu_ops *ops,
		   unsigned max_iter, struct x86_emu_result *res);

#endif
