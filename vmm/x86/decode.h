/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * x86 instruction decoder for the instructions that touch memory-mapped
 * devices: what a guest's drivers (Linux's readl/writel, memcpy_toio,
 * memset_io, the atomic bit operations) execute on an MMIO page. It
 * decodes in 16-bit (real mode, 16-bit protected mode), 32-bit and 64-bit
 * code, with every legacy prefix, REX, ModRM/SIB and displacement form
 * (Intel SDM vol. 2, chapter 2), and these instructions:
 *
 *   MOV 88 89 8A 8B, C6 /0 C7 /0, A0-A3 (moffs); MOVNTI 0F C3 (as MOV)
 *   MOVZX 0F B6 B7, MOVSX 0F BE BF, MOVSXD 63 (64-bit code only)
 *   ADD OR ADC SBB AND SUB XOR CMP: the ModRM forms 00-3B, 80 81 82 83
 *   TEST 84 85, F6 F7 /0 (and /1: TEST in AMD's manual, and on Intel CPUs)
 *   XCHG 86 87, CMPXCHG 0F B0 B1, XADD 0F C0 C1
 *   BT BTS BTR BTC 0F A3 AB B3 BB, 0F BA /4-/7
 *   NOT NEG F6 F7 /2 /3, INC DEC FE FF /0 /1
 *   MOVS A4 A5, STOS AA AB, LODS AC AD (REP/REPNE allowed)
 *   INS 6C 6D, OUTS 6E 6F (REP/REPNE allowed): string port I/O, for the
 *   VMM's I/O exits; the port is DX, a 2-byte register operand (INS's
 *   source, OUTS's destination), and REX.W does not widen them (4 bytes
 *   at most, as on the CPU)
 *
 * Register-to-register forms (ModRM.mod = 3) of these are decoded too.
 * Everything else, and LOCK where the CPU raises #UD (not a lockable
 * instruction, or a register destination), is X86_DECODE_UNSUPPORTED. The
 * decoder reads only bytes[0..avail) and never more than 15 bytes.
 */
#ifndef VMM_X86_DECODE_H
#define VMM_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X86_INSN_MAX 15u              /* architectural instruction length limit */

/* Code size of the code segment (CS.L, CS.D, real mode). */
enum x86_mode {
	X86_MODE_16,
	X86_MODE_32,
	X86_MODE_64,
};

enum x86_decode_status {
	X86_DECODE_OK = 0,
	X86_DECODE_TRUNCATED,         /* the instruction goes on past avail bytes */
	X86_DECODE_UNSUPPORTED,       /* not an instruction we emulate, or invalid: #UD */
	X86_DECODE_TOO_LONG,          /* more than 15 bytes: the CPU raises #GP(0) */
};

/* General registers in x86 encoding order. */
enum x86_reg {
	X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
	X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
	X86_NGPR,
	X86_REG_NONE = 0xff,
};

/* Segment registers in x86 encoding order (as in segment override prefixes). */
enum x86_seg_reg {
	X86_ES, X86_CS, X86_SS, X86_DS, X86_FS, X86_GS,
	X86_NSEG,
};

/* What an instruction does. The first eight are in ModRM.reg order of group 1. */
enum x86_op {
	X86_OP_ADD, X86_OP_OR, X86_OP_ADC, X86_OP_SBB,
	X86_OP_AND, X86_OP_SUB, X86_OP_XOR, X86_OP_CMP,
	X86_OP_MOV,       /* also MOVNTI */
	X86_OP_MOVZX,
	X86_OP_MOVSX,     /* also MOVSXD */
	X86_OP_TEST,
	X86_OP_XCHG,
	X86_OP_BT, X86_OP_BTS, X86_OP_BTR, X86_OP_BTC,
	X86_OP_NOT, X86_OP_NEG, X86_OP_INC, X86_OP_DEC,
	X86_OP_CMPXCHG,
	X86_OP_XADD,
	X86_OP_MOVS, X86_OP_STOS, X86_OP_LODS,
	X86_OP_INS, X86_OP_OUTS,
	X86_OP_COUNT,
};

enum x86_operand_kind {
	X86_OPND_NONE,
	X86_OPND_REG,                 /* reg (and hi8) */
	X86_OPND_MEM,                 /* described by insn.mem */
	X86_OPND_IMM,                 /* insn.imm */
};

struct x86_operand {
	uint8_t kind;                 /* enum x86_operand_kind */
	uint8_t size;                 /* bytes: 1, 2, 4, 8 */
	uint8_t reg;                  /* REG: enum x86_reg */
	bool hi8;                     /* REG, size 1: AH/CH/DH/BH, bits 15:8 of reg 0-3 */
};

/*
 * A memory operand: segment:(base + index * scale + disp), the sum taken
 * modulo the address size; rip_rel adds the address of the next instruction
 * instead of a base. String instructions: base is rSI for the source (seg
 * DS or the override), rDI for the destination (always ES); MOVS has both
 * and mem describes the source, INS has ES:rDI, OUTS the source.
 */
struct x86_mem {
	uint8_t seg;                  /* enum x86_seg_reg: the override, else DS or SS */
	uint8_t base, index;          /* enum x86_reg or X86_REG_NONE */
	uint8_t scale;                /* 1, 2, 4, 8 */
	bool rip_rel;
	int64_t disp;                 /* sign-extended (moffs: the offset itself) */
};

#define X86_REP_NONE 0
#define X86_REP_E 0xf3                /* REP / REPE prefix */
#define X86_REP_NE 0xf2               /* REPNE prefix (REP for MOVS/STOS/LODS) */

#define X86_REX_W 0x8                 /* REX: 64-bit operand size */
#define X86_REX_R 0x4                 /* REX: ModRM.reg extension */
#define X86_REX_X 0x2                 /* REX: SIB.index extension */
#define X86_REX_B 0x1                 /* REX: ModRM.rm / SIB.base extension */

struct x86_insn {
	uint8_t len;                  /* bytes, prefixes included */
	uint8_t op;                   /* enum x86_op */
	uint8_t mode;                 /* enum x86_mode it was decoded for */
	uint8_t opsize;               /* operand size: 1, 2, 4, 8 (the destination's) */
	uint8_t addrsize;             /* address size: 2, 4, 8 */
	uint8_t rep;                  /* X86_REP_* (the last F2/F3 prefix) */
	uint8_t rex;                  /* the REX byte in effect, 0 if none */
	bool lock;
	bool twobyte;                 /* opcode follows 0F */
	uint8_t opcode;               /* the (last) opcode byte */
	uint8_t modrm;                /* ModRM byte, if the instruction has one */
	struct x86_operand dst, src;  /* dst is written (except CMP, TEST, BT) */
	struct x86_mem mem;           /* when dst or src is X86_OPND_MEM */
	uint64_t imm;                 /* src X86_OPND_IMM, sign-extended to 64 bits */
};

/*
 * Decodes the instruction at bytes[0..avail) as code of the given mode.
 * Returns enum x86_decode_status; *out is complete only for X86_DECODE_OK.
 */
int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out);

/*
 * The effective address (segment offset) of in's memory operand, given the
 * general registers and, for RIP-relative operands, the address of the
 * next instruction; truncated to the address size.
 */
uint64_t x86_insn_ea(const struct x86_insn *in, const uint64_t gpr[X86_NGPR], uint64_t next_rip);

/* The mnemonic of an enum x86_op, "?" for others (for logs). */
const char *x86_op_name(unsigned op);

#endif
