/* SPDX-License-Identifier: BSD-2-Clause */
/* x86 instruction decoder (see decode.h; Intel SDM vol. 2, chapter 2 and appendix A). */
#include "decode.h"

/* Legacy prefixes (SDM 2.1.1). */
#define PFX_LOCK 0xf0
#define PFX_REPNE 0xf2
#define PFX_REP 0xf3
#define PFX_ES 0x26
#define PFX_CS 0x2e
#define PFX_SS 0x36
#define PFX_DS 0x3e
#define PFX_FS 0x64
#define PFX_GS 0x65
#define PFX_OPSIZE 0x66
#define PFX_ADDRSIZE 0x67
#define REX_FIRST 0x40                /* 40-4F: REX in 64-bit code (INC/DEC elsewhere) */
#define REX_LAST 0x4f
#define ESCAPE_0F 0x0f                /* two-byte opcode escape */

/* One-byte opcodes (SDM table A-2). */
#define OP_ALU_LAST 0x3b              /* 00-3B: ALU op (bits 5:3), form (bits 2:0) 0-3 */
#define OP_MOVSXD 0x63
#define OP_INSB 0x6c
#define OP_INSV 0x6d
#define OP_OUTSB 0x6e
#define OP_OUTSV 0x6f
#define OP_GRP1_EB_IB 0x80
#define OP_GRP1_EV_IZ 0x81
#define OP_GRP1_EB_IB_ALIAS 0x82      /* = 80, invalid in 64-bit code */
#define OP_GRP1_EV_IB 0x83
#define OP_TEST_EB_GB 0x84
#define OP_TEST_EV_GV 0x85
#define OP_XCHG_EB_GB 0x86
#define OP_XCHG_EV_GV 0x87
#define OP_MOV_EB_GB 0x88
#define OP_MOV_EV_GV 0x89
#define OP_MOV_GB_EB 0x8a
#define OP_MOV_GV_EV 0x8b
#define OP_MOV_AL_OB 0xa0
#define OP_MOV_AX_OV 0xa1
#define OP_MOV_OB_AL 0xa2
#define OP_MOV_OV_AX 0xa3
#define OP_MOVSB 0xa4
#define OP_MOVSV 0xa5
#define OP_STOSB 0xaa
#define OP_STOSV 0xab
#define OP_LODSB 0xac
#define OP_LODSV 0xad
#define OP_GRP11_EB_IB 0xc6           /* /0 MOV */
#define OP_GRP11_EV_IZ 0xc7
#define OP_GRP3_EB 0xf6               /* /0 /1 TEST, /2 NOT, /3 NEG */
#define OP_GRP3_EV 0xf7
#define OP_GRP4_EB 0xfe               /* /0 INC, /1 DEC */
#define OP_GRP5_EV 0xff               /* /0 INC, /1 DEC */

/* Two-byte opcodes, after 0F (SDM table A-3). */
#define OP2_BT 0xa3
#define OP2_BTS 0xab
#define OP2_CMPXCHG_EB 0xb0
#define OP2_CMPXCHG_EV 0xb1
#define OP2_BTR 0xb3
#define OP2_MOVZX_B 0xb6
#define OP2_MOVZX_W 0xb7
#define OP2_GRP8_EV_IB 0xba           /* /4 BT, /5 BTS, /6 BTR, /7 BTC */
#define OP2_BTC 0xbb
#define OP2_MOVSX_B 0xbe
#define OP2_MOVSX_W 0xbf
#define OP2_XADD_EB 0xc0
#define OP2_XADD_EV 0xc1
#define OP2_MOVNTI 0xc3

/* ModRM (SDM 2.1.5). */
#define MOD_REG 3u                    /* mod = 3: r/m is a register */
#define RM_SIB 4u                     /* 32/64-bit: rm = 100 means a SIB byte follows */
#define RM_DISP32 5u                  /* 32/64-bit, mod 0: disp32 (RIP-relative in 64-bit code) */
#define SIB_NO_INDEX 4u               /* index = 100 (without REX.X): none */
#define SIB_NO_BASE 5u                /* base = 101 with mod 0: disp32, no base */
#define RM16_DISP16 6u                /* 16-bit, mod 0: disp16, no base */

#define GRP8_FIRST 4u                 /* 0F BA /4../7: BT BTS BTR BTC */

/* The bytes being decoded. */
struct cursor {
	const uint8_t *bytes;
	size_t avail;
	unsigned pos;
};

/* The next byte: TOO_LONG past 15 bytes, TRUNCATED past the input. */
static int next_byte(struct cursor *c, uint8_t *b)
{
	if (c->pos >= X86_INSN_MAX)
		return X86_DECODE_TOO_LONG;
	if (c->pos >= c->avail)
		return X86_DECODE_TRUNCATED;
	*b = c->bytes[c->pos++];
	return X86_DECODE_OK;
}

/* The next n (1, 2, 4, 8) bytes, little-endian, sign-extended to 64 bits. */
static int next_signed(struct cursor *c, unsigned n, int64_t *v)
{
	uint64_t u = 0;

	for (unsigned i = 0; i < n; i++) {
		uint8_t b;
		int r = next_byte(c, &b);
		if (r)
			return r;
		u |= (uint64_t)b << (8 * i);
	}
	if (n < 8 && (u >> (8 * n - 1)) & 1)
		u |= ~0ull << (8 * n);
	*v = (int64_t)u;
	return X86_DECODE_OK;
}

#define TRY(expr)                          \
	do {                               \
		int r_ = (expr);           \
		if (r_)                    \
			return r_;         \
	} while (0)

/* A register operand: byte registers 4-7 are AH..BH unless a REX prefix is present. */
static struct x86_operand reg_operand(const struct x86_insn *in, unsigned reg, unsigned size)
{
	struct x86_operand o = { X86_OPND_REG, (uint8_t)size, (uint8_t)reg, false };

	if (size == 1 && !in->rex && reg >= X86_RSP && reg <= X86_RDI) {
		o.reg = (uint8_t)(reg - X86_RSP);
		o.hi8 = true;
	}
	return o;
}

static struct x86_operand mem_operand(unsigned size)
{
	return (struct x86_operand){ X86_OPND_MEM, (uint8_t)size, X86_REG_NONE, false };
}

static struct x86_operand imm_operand(unsigned size)
{
	return (struct x86_operand){ X86_OPND_IMM, (uint8_t)size, X86_REG_NONE, false };
}

/* 16-bit addressing (SDM table 2-1): base and index of each rm. */
static const uint8_t rm16_base[8] = { X86_RBX, X86_RBX, X86_RBP, X86_RBP,
				      X86_RSI, X86_RDI, X86_RBP, X86_RBX };
static const uint8_t rm16_index[8] = { X86_RSI, X86_RDI, X86_RSI, X86_RDI,
				       X86_REG_NONE, X86_REG_NONE, X86_REG_NONE, X86_REG_NONE };

/* The memory operand of ModRM (mod != 3): SIB and displacement bytes (SDM tables 2-1..2-3). */
static int decode_modrm_mem(struct cursor *c, struct x86_insn *in, int seg_override)
{
	unsigned mod = in->modrm >> 6, rm = in->modrm & 7;
	struct x86_mem *m = &in->mem;
	unsigned disp_bytes = mod == 1 ? 1 : 0;
	bool ss_default = false;

	m->base = m->index = X86_REG_NONE;
	m->scale = 1;
	if (in->addrsize == 2) {
		if (mod == 0 && rm == RM16_DISP16) {
			disp_bytes = 2;
		} else {
			m->base = rm16_base[rm];
			m->index = rm16_index[rm];
			ss_default = m->base == X86_RBP;
		}
		if (mod == 2)
			disp_bytes = 2;
	} else {
		unsigned base = rm;
		if (rm == RM_SIB) {
			uint8_t sib;
			TRY(next_byte(c, &sib));
			unsigned index = ((sib >> 3) & 7) | ((in->rex & X86_REX_X) ? 8 : 0);
			if (index != SIB_NO_INDEX)
				m->index = (uint8_t)index;
			m->scale = (uint8_t)(1u << (sib >> 6));
			base = sib & 7;
			if (mod == 0 && base == SIB_NO_BASE) {
				disp_bytes = 4;
				base = X86_REG_NONE;
			}
		} else if (mod == 0 && rm == RM_DISP32) {
			disp_bytes = 4;
			base = X86_REG_NONE;
			m->rip_rel = in->mode == X86_MODE_64;
		}
		if (base != X86_REG_NONE) {
			m->base = (uint8_t)(base | ((in->rex & X86_REX_B) ? 8 : 0));
			ss_default = m->base == X86_RSP || m->base == X86_RBP;
		}
		if (mod == 2)
			disp_bytes = 4;
	}
	if (disp_bytes)
		TRY(next_signed(c, disp_bytes, &m->disp));
	if (seg_override >= 0)
		m->seg = (uint8_t)seg_override;
	else
		m->seg = ss_default ? X86_SS : X86_DS;
	return X86_DECODE_OK;
}

/* Reads ModRM (and its memory operand); r/m of size rm_size becomes *rm_op. */
static int decode_modrm(struct cursor *c, struct x86_insn *in, int seg_override, unsigned rm_size,
			struct x86_operand *rm_op)
{
	TRY(next_byte(c, &in->modrm));
	if (in->modrm >> 6 == MOD_REG) {
		unsigned rm = (in->modrm & 7) | ((in->rex & X86_REX_B) ? 8 : 0);
		*rm_op = reg_operand(in, rm, rm_size);
		return X86_DECODE_OK;
	}
	*rm_op = mem_operand(rm_size);
	return decode_modrm_mem(c, in, seg_override);
}

/* ModRM.reg as a register operand of the given size. */
static struct x86_operand modrm_reg(const struct x86_insn *in, unsigned size)
{
	unsigned reg = ((in->modrm >> 3) & 7) | ((in->rex & X86_REX_R) ? 8 : 0);

	return reg_operand(in, reg, size);
}

/* ModRM.reg as an opcode extension (/digit). */
static unsigned modrm_digit(const struct x86_insn *in)
{
	return (in->modrm >> 3) & 7;
}

/* An immediate of n bytes into in->imm. */
static int decode_imm(struct cursor *c, struct x86_insn *in, unsigned n)
{
	int64_t v;

	TRY(next_signed(c, n, &v));
	in->imm = (uint64_t)v;
	return X86_DECODE_OK;
}

/* Size of an Iz immediate: 2 bytes for 16-bit operands, else 4 (sign-extended to 8). */
static unsigned iz_bytes(const struct x86_insn *in)
{
	return in->opsize == 2 ? 2 : 4;
}

/* "op r/m, reg" (reg_is_src) or "op reg, r/m" with both operands of the given size. */
static int form_rm_reg(struct cursor *c, struct x86_insn *in, int seg, unsigned size,
		       bool rm_is_dst)
{
	struct x86_operand rm;

	TRY(decode_modrm(c, in, seg, size, &rm));
	if (rm_is_dst) {
		in->dst = rm;
		in->src = modrm_reg(in, size);
	} else {
		in->dst = modrm_reg(in, size);
		in->src = rm;
	}
	return X86_DECODE_OK;
}

/* A string instruction: source DS:rSI (or the override), destination ES:rDI. */
static void form_string(struct x86_insn *in, int seg_override, unsigned size)
{
	struct x86_mem *m = &in->mem;

	m->seg = seg_override >= 0 ? (uint8_t)seg_override : X86_DS;
	m->base = X86_RSI;
	m->index = X86_REG_NONE;
	m->scale = 1;
	switch (in->op) {
	case X86_OP_MOVS:
		in->dst = mem_operand(size);
		in->src = mem_operand(size);
		break;
	case X86_OP_STOS:
		m->seg = X86_ES;
		m->base = X86_RDI;
		in->dst = mem_operand(size);
		in->src = reg_operand(in, X86_RAX, size);
		break;
	case X86_OP_INS:
		m->seg = X86_ES;
		m->base = X86_RDI;
		in->dst = mem_operand(size);
		in->src = reg_operand(in, X86_RDX, 2);
		break;
	case X86_OP_OUTS:
		in->dst = reg_operand(in, X86_RDX, 2);
		in->src = mem_operand(size);
		break;
	default: /* LODS */
		in->dst = reg_operand(in, X86_RAX, size);
		in->src = mem_operand(size);
		break;
	}
}

/* Whether LOCK is allowed (SDM vol. 2, LOCK): a lockable op with a memory destination. */
static bool lock_allowed(const struct x86_insn *in)
{
	if (in->dst.kind != X86_OPND_MEM)
		return false;
	switch (in->op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB:
	case X86_OP_AND: case X86_OP_SUB: case X86_OP_XOR:
	case X86_OP_XCHG: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC:
	case X86_OP_NOT: case X86_OP_NEG: case X86_OP_INC: case X86_OP_DEC:
	case X86_OP_CMPXCHG: case X86_OP_XADD:
		return true;
	default:
		return false;
	}
}

static int decode_twobyte(struct cursor *c, struct x86_insn *in, int seg, bool simd_prefix)
{
	unsigned v = in->opsize;

	TRY(next_byte(c, &in->opcode));
	in->twobyte = true;
	switch (in->opcode) {
	case OP2_BT:
	case OP2_BTS:
	case OP2_BTR:
	case OP2_BTC:
		in->op = in->opcode == OP2_BT ? X86_OP_BT : in->opcode == OP2_BTS ? X86_OP_BTS :
			 in->opcode == OP2_BTR ? X86_OP_BTR : X86_OP_BTC;
		return form_rm_reg(c, in, seg, v, true);
	case OP2_GRP8_EV_IB:
		TRY(decode_modrm(c, in, seg, v, &in->dst));
		if (modrm_digit(in) < GRP8_FIRST)
			return X86_DECODE_UNSUPPORTED;
		in->op = (uint8_t)(X86_OP_BT + modrm_digit(in) - GRP8_FIRST);
		in->src = imm_operand(1);
		return decode_imm(c, in, 1);
	case OP2_CMPXCHG_EB:
	case OP2_CMPXCHG_EV:
		in->op = X86_OP_CMPXCHG;
		in->opsize = in->opcode == OP2_CMPXCHG_EB ? 1 : in->opsize;
		return form_rm_reg(c, in, seg, in->opsize, true);
	case OP2_XADD_EB:
	case OP2_XADD_EV:
		in->op = X86_OP_XADD;
		in->opsize = in->opcode == OP2_XADD_EB ? 1 : in->opsize;
		return form_rm_reg(c, in, seg, in->opsize, true);
	case OP2_MOVZX_B:
	case OP2_MOVZX_W:
	case OP2_MOVSX_B:
	case OP2_MOVSX_W:
		in->op = (in->opcode == OP2_MOVZX_B || in->opcode == OP2_MOVZX_W) ? X86_OP_MOVZX
										 : X86_OP_MOVSX;
		TRY(decode_modrm(c, in, seg,
				 (in->opcode == OP2_MOVZX_B || in->opcode == OP2_MOVSX_B) ? 1 : 2,
				 &in->src));
		in->dst = modrm_reg(in, v);
		return X86_DECODE_OK;
	case OP2_MOVNTI:
		/* NP 0F C3: a 66/F2/F3 prefix makes it undefined; memory only. */
		if (simd_prefix)
			return X86_DECODE_UNSUPPORTED;
		in->op = X86_OP_MOV;
		TRY(form_rm_reg(c, in, seg, v, true));
		return in->dst.kind == X86_OPND_MEM ? X86_DECODE_OK : X86_DECODE_UNSUPPORTED;
	default:
		return X86_DECODE_UNSUPPORTED;
	}
}

static int decode_opcode(struct cursor *c, struct x86_insn *in, int seg, bool simd_prefix)
{
	uint8_t op = in->opcode;
	unsigned v = in->opsize;
	int64_t moffs;

	if (op <= OP_ALU_LAST && (op & 7) <= 3) {
		/* 0: Eb,Gb  1: Ev,Gv  2: Gb,Eb  3: Gv,Ev */
		in->op = (uint8_t)(op >> 3);
		in->opsize = (op & 1) ? in->opsize : 1;
		return form_rm_reg(c, in, seg, in->opsize, !(op & 2));
	}
	switch (op) {
	case ESCAPE_0F:
		return decode_twobyte(c, in, seg, simd_prefix);
	case OP_MOVSXD:
		if (in->mode != X86_MODE_64)
			return X86_DECODE_UNSUPPORTED;      /* ARPL */
		in->op = X86_OP_MOVSX;
		TRY(decode_modrm(c, in, seg, v == 8 ? 4 : v, &in->src));
		in->dst = modrm_reg(in, v);
		return X86_DECODE_OK;
	case OP_GRP1_EB_IB_ALIAS:
		if (in->mode == X86_MODE_64)
			return X86_DECODE_UNSUPPORTED;
		/* fall through */
	case OP_GRP1_EB_IB:
	case OP_GRP1_EV_IZ:
	case OP_GRP1_EV_IB:
		in->opsize = (op == OP_GRP1_EV_IZ || op == OP_GRP1_EV_IB) ? in->opsize : 1;
		TRY(decode_modrm(c, in, seg, in->opsize, &in->dst));
		in->op = (uint8_t)modrm_digit(in);
		in->src = imm_operand(in->opsize);
		return decode_imm(c, in, op == OP_GRP1_EV_IZ ? iz_bytes(in) : 1);
	case OP_TEST_EB_GB:
	case OP_TEST_EV_GV:
	case OP_XCHG_EB_GB:
	case OP_XCHG_EV_GV:
		in->op = op <= OP_TEST_EV_GV ? X86_OP_TEST : X86_OP_XCHG;
		in->opsize = (op & 1) ? in->opsize : 1;
		return form_rm_reg(c, in, seg, in->opsize, true);
	case OP_MOV_EB_GB:
	case OP_MOV_EV_GV:
	case OP_MOV_GB_EB:
	case OP_MOV_GV_EV:
		in->op = X86_OP_MOV;
		in->opsize = (op & 1) ? in->opsize : 1;
		return form_rm_reg(c, in, seg, in->opsize, !(op & 2));
	case OP_MOV_AL_OB:
	case OP_MOV_AX_OV:
	case OP_MOV_OB_AL:
	case OP_MOV_OV_AX:
		in->op = X86_OP_MOV;
		in->opsize = (op & 1) ? in->opsize : 1;
		TRY(next_signed(c, in->addrsize, &moffs));
		in->mem = (struct x86_mem){ seg >= 0 ? (uint8_t)seg : X86_DS, X86_REG_NONE,
					    X86_REG_NONE, 1, false, moffs };
		if (op <= OP_MOV_AX_OV) {
			in->dst = reg_operand(in, X86_RAX, in->opsize);
			in->src = mem_operand(in->opsize);
		} else {
			in->dst = mem_operand(in->opsize);
			in->src = reg_operand(in, X86_RAX, in->opsize);
		}
		return X86_DECODE_OK;
	case OP_MOVSB:
	case OP_MOVSV:
	case OP_STOSB:
	case OP_STOSV:
	case OP_LODSB:
	case OP_LODSV:
		in->op = op <= OP_MOVSV ? X86_OP_MOVS : op <= OP_STOSV ? X86_OP_STOS : X86_OP_LODS;
		in->opsize = (op & 1) ? in->opsize : 1;
		form_string(in, seg, in->opsize);
		return X86_DECODE_OK;
	case OP_INSB:
	case OP_INSV:
	case OP_OUTSB:
	case OP_OUTSV:
		in->op = op <= OP_INSV ? X86_OP_INS : X86_OP_OUTS;
		in->opsize = !(op & 1) ? 1 : in->opsize == 2 ? 2 : 4;   /* (REX.W: still 4) */
		form_string(in, seg, in->opsize);
		return X86_DECODE_OK;
	case OP_GRP11_EB_IB:
	case OP_GRP11_EV_IZ:
		in->opsize = (op & 1) ? in->opsize : 1;
		TRY(decode_modrm(c, in, seg, in->opsize, &in->dst));
		if (modrm_digit(in) != 0)
			return X86_DECODE_UNSUPPORTED;      /* XABORT/XBEGIN or undefined */
		in->op = X86_OP_MOV;
		in->src = imm_operand(in->opsize);
		return decode_imm(c, in, (op & 1) ? iz_bytes(in) : 1);
	case OP_GRP3_EB:
	case OP_GRP3_EV:
		in->opsize = (op & 1) ? in->opsize : 1;
		TRY(decode_modrm(c, in, seg, in->opsize, &in->dst));
		switch (modrm_digit(in)) {
		case 0:
		case 1:
			in->op = X86_OP_TEST;
			in->src = imm_operand(in->opsize);
			return decode_imm(c, in, (op & 1) ? iz_bytes(in) : 1);
		case 2:
			in->op = X86_OP_NOT;
			return X86_DECODE_OK;
		case 3:
			in->op = X86_OP_NEG;
			return X86_DECODE_OK;
		default:
			return X86_DECODE_UNSUPPORTED;      /* MUL IMUL DIV IDIV */
		}
	case OP_GRP4_EB:
	case OP_GRP5_EV:
		in->opsize = (op & 1) ? in->opsize : 1;
		TRY(decode_modrm(c, in, seg, in->opsize, &in->dst));
		if (modrm_digit(in) > 1)
			return X86_DECODE_UNSUPPORTED;      /* CALL JMP PUSH, or undefined */
		in->op = modrm_digit(in) == 0 ? X86_OP_INC : X86_OP_DEC;
		return X86_DECODE_OK;
	default:
		return X86_DECODE_UNSUPPORTED;
	}
}

int x86_decode(const uint8_t *bytes, size_t avail, enum x86_mode mode, struct x86_insn *out)
{
	struct cursor c = { bytes, avail, 0 };
	struct x86_insn in = { 0 };
	bool opsize_prefix = false, addrsize_prefix = false, simd_prefix = false;
	int seg = -1;
	uint8_t b;

	if (mode != X86_MODE_16 && mode != X86_MODE_32 && mode != X86_MODE_64)
		return X86_DECODE_UNSUPPORTED;
	in.mode = (uint8_t)mode;
	/* Prefixes: at most 15 bytes, which next_byte enforces. */
	for (;;) {
		TRY(next_byte(&c, &b));
		if (mode == X86_MODE_64 && b >= REX_FIRST && b <= REX_LAST) {
			in.rex = b;               /* only a REX right before the opcode counts */
			continue;
		}
		switch (b) {
		case PFX_LOCK:
			in.lock = true;
			break;
		case PFX_REPNE:
		case PFX_REP:
			in.rep = b;
			simd_prefix = true;
			break;
		case PFX_ES: seg = X86_ES; break;
		case PFX_CS: seg = X86_CS; break;
		case PFX_SS: seg = X86_SS; break;
		case PFX_DS: seg = X86_DS; break;
		case PFX_FS: seg = X86_FS; break;
		case PFX_GS: seg = X86_GS; break;
		case PFX_OPSIZE:
			opsize_prefix = true;
			simd_prefix = true;
			break;
		case PFX_ADDRSIZE:
			addrsize_prefix = true;
			break;
		default:
			goto opcode;
		}
		in.rex = 0;                       /* a legacy prefix after REX cancels it */
	}
opcode:
	in.opcode = b;
	switch (mode) {
	case X86_MODE_64:
		in.addrsize = addrsize_prefix ? 4 : 8;
		in.opsize = (in.rex & X86_REX_W) ? 8 : opsize_prefix ? 2 : 4;
		break;
	case X86_MODE_32:
		in.addrsize = addrsize_prefix ? 2 : 4;
		in.opsize = opsize_prefix ? 2 : 4;
		break;
	default:
		in.addrsize = addrsize_prefix ? 4 : 2;
		in.opsize = opsize_prefix ? 4 : 2;
		break;
	}
	TRY(decode_opcode(&c, &in, seg, simd_prefix));
	if (in.lock && !lock_allowed(&in))
		return X86_DECODE_UNSUPPORTED;
	in.len = (uint8_t)c.pos;
	*out = in;
	return X86_DECODE_OK;
}

uint64_t x86_insn_ea(const struct x86_insn *in, const uint64_t gpr[X86_NGPR], uint64_t next_rip)
{
	const struct x86_mem *m = &in->mem;
	uint64_t ea = (uint64_t)m->disp;

	if (m->base < X86_NGPR)
		ea += gpr[m->base];
	if (m->index < X86_NGPR)
		ea += gpr[m->index] * m->scale;
	if (m->rip_rel)
		ea += next_rip;
	return in->addrsize >= 8 ? ea : ea & ((1ull << (8 * in->addrsize)) - 1);
}

const char *x86_op_name(unsigned op)
{
	static const char *const names[X86_OP_COUNT] = {
		"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp",
		"mov", "movzx", "movsx", "test", "xchg",
		"bt", "bts", "btr", "btc", "not", "neg", "inc", "dec",
		"cmpxchg", "xadd", "movs", "stos", "lods", "ins", "outs",
	};

	return op < X86_OP_COUNT ? names[op] : "?";
}
