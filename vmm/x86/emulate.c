/* SPDX-License-Identifier: BSD-2-Clause */
/* Instruction emulation for MMIO and string I/O exits (see emulate.h). */
#include "emulate.h"

#define LOW16 0xffffull               /* 16-bit IP and offsets wrap here */
#define LOW32 0xffffffffull           /* 32-bit IP, offsets and linear addresses wrap here */
#define PAGE_MASK (X86_PAGE_SIZE - 1) /* offset within a 4 KiB page */
#define AF_BIT 0x10u                  /* AF: the carry out of bit 3 */

/* Working state of one x86_emulate call. */
struct emu {
	struct x86_cpu *cpu;          /* the working copy */
	const struct x86_emu_ops *ops;
	struct x86_emu_result *res;
	enum x86_mode mode;
	bool protected_mode;          /* CR0.PE and not virtual-8086 */
	bool check_pending;           /* the fault-GPA check is still to be made */
	bool touched;                 /* an access so far touches the fault page */
	uint64_t fault_page;
};

/* What an instruction does with its destination. */
#define READS_DST 1u
#define WRITES_DST 2u

static const uint8_t op_props[X86_OP_COUNT] = {
	[X86_OP_ADD] = READS_DST | WRITES_DST, [X86_OP_OR] = READS_DST | WRITES_DST,
	[X86_OP_ADC] = READS_DST | WRITES_DST, [X86_OP_SBB] = READS_DST | WRITES_DST,
	[X86_OP_AND] = READS_DST | WRITES_DST, [X86_OP_SUB] = READS_DST | WRITES_DST,
	[X86_OP_XOR] = READS_DST | WRITES_DST, [X86_OP_CMP] = READS_DST,
	[X86_OP_MOV] = WRITES_DST, [X86_OP_MOVZX] = WRITES_DST, [X86_OP_MOVSX] = WRITES_DST,
	[X86_OP_TEST] = READS_DST, [X86_OP_XCHG] = READS_DST | WRITES_DST,
	[X86_OP_BT] = READS_DST, [X86_OP_BTS] = READS_DST | WRITES_DST,
	[X86_OP_BTR] = READS_DST | WRITES_DST, [X86_OP_BTC] = READS_DST | WRITES_DST,
	[X86_OP_NOT] = READS_DST | WRITES_DST, [X86_OP_NEG] = READS_DST | WRITES_DST,
	[X86_OP_INC] = READS_DST | WRITES_DST, [X86_OP_DEC] = READS_DST | WRITES_DST,
	[X86_OP_CMPXCHG] = READS_DST | WRITES_DST, [X86_OP_XADD] = READS_DST | WRITES_DST,
};

/* ------------------------------------------------------------ values and registers */

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned size)
{
	uint64_t m = size_mask(size), sign = 1ull << (8 * size - 1);

	v &= m;
	return (v & sign) ? v | ~m : v;
}

static uint64_t reg_read(const struct x86_cpu *c, const struct x86_operand *o)
{
	uint64_t v = c->gpr[o->reg & (X86_NGPR - 1)];

	return o->hi8 ? (v >> 8) & 0xff : v & size_mask(o->size);
}

/* Writes merge into 8/16-bit registers and zero-extend 32-bit ones (SDM vol. 1, 3.4.1.1). */
static void reg_write(struct x86_cpu *c, const struct x86_operand *o, uint64_t v)
{
	uint64_t *r = &c->gpr[o->reg & (X86_NGPR - 1)];

	if (o->hi8)
		*r = (*r & ~0xff00ull) | (v & 0xff) << 8;
	else if (o->size == 4)
		*r = v & LOW32;
	else
		*r = (*r & ~size_mask(o->size)) | (v & size_mask(o->size));
}

/* A register of the given size as an operand (string registers, the accumulator). */
static struct x86_operand reg_of(unsigned reg, unsigned size)
{
	return (struct x86_operand){ X86_OPND_REG, (uint8_t)size, (uint8_t)reg, false };
}

/* ------------------------------------------------------------ flags */

/* PF, ZF, SF of a result of the given size. */
static uint64_t result_flags(uint64_t r, unsigned size)
{
	uint64_t f = 0;
	uint8_t low = (uint8_t)r;

	low ^= low >> 4;
	low ^= low >> 2;
	low ^= low >> 1;
	if (!(low & 1))
		f |= X86_RFLAGS_PF;
	if (!(r & size_mask(size)))
		f |= X86_RFLAGS_ZF;
	if ((r >> (8 * size - 1)) & 1)
		f |= X86_RFLAGS_SF;
	return f;
}

/*
 * a op b for the eight group-1 operations at the given size, with the carry
 * in from *flags for ADC/SBB; sets CF PF AF ZF SF OF in *flags (AF is 0
 * after the logical operations, where the SDM leaves it undefined).
 */
static uint64_t alu(unsigned op, uint64_t a, uint64_t b, unsigned size, uint64_t *flags)
{
	uint64_t m = size_mask(size), msb = 1ull << (8 * size - 1);
	uint64_t carry_in = (*flags & X86_RFLAGS_CF) ? 1 : 0;
	uint64_t r, f = 0;

	a &= m;
	b &= m;
	switch (op) {
	case X86_OP_ADD:
	case X86_OP_ADC:
		r = (a + b + (op == X86_OP_ADC ? carry_in : 0)) & m;
		if (((a & b) | ((a | b) & ~r)) & msb)
			f |= X86_RFLAGS_CF;
		if ((a ^ r) & (b ^ r) & msb)
			f |= X86_RFLAGS_OF;
		if ((a ^ b ^ r) & AF_BIT)
			f |= X86_RFLAGS_AF;
		break;
	case X86_OP_SUB:
	case X86_OP_SBB:
	case X86_OP_CMP:
		r = (a - b - (op == X86_OP_SBB ? carry_in : 0)) & m;
		if (((~a & b) | ((~a | b) & r)) & msb)
			f |= X86_RFLAGS_CF;
		if ((a ^ b) & (a ^ r) & msb)
			f |= X86_RFLAGS_OF;
		if ((a ^ b ^ r) & AF_BIT)
			f |= X86_RFLAGS_AF;
		break;
	case X86_OP_OR:
		r = a | b;
		break;
	case X86_OP_XOR:
		r = a ^ b;
		break;
	default: /* AND, TEST */
		r = a & b;
		break;
	}
	*flags = (*flags & ~X86_RFLAGS_ARITH) | f | result_flags(r, size);
	return r;
}

/* ------------------------------------------------------------ results */

static int inject(struct emu *e, int status, uint8_t vector, bool has_error, uint32_t error)
{
	e->res->vector = vector;
	e->res->has_error = has_error;
	e->res->error_code = error;
	return status;
}

/* #GP(0), or #SS(0) when the access was through SS. */
static int seg_fault(struct emu *e, unsigned seg)
{
	return seg == X86_SS ? inject(e, X86_EMU_SS, X86_VEC_SS, true, 0)
			     : inject(e, X86_EMU_GP, X86_VEC_GP, true, 0);
}

static int page_fault(struct emu *e, uint64_t la, uint32_t error)
{
	e->res->cr2 = la;
	return inject(e, X86_EMU_PF, X86_VEC_PF, true, error);
}

static int vmm_error(struct emu *e, uint64_t gpa)
{
	e->res->bad_gpa = gpa;
	return X86_EMU_ERROR;
}

/* ------------------------------------------------------------ address translation */

static unsigned access_bits(const struct emu *e, bool write)
{
	unsigned a = write ? X86_ACCESS_WRITE : 0;

	if (e->mode != X86_MODE_64)
		a |= X86_ACCESS_LA32;
	if (e->cpu->cpl == 3)
		a |= X86_ACCESS_USER;
	if (e->cpu->rflags & X86_RFLAGS_AC)
		a |= X86_ACCESS_AC;
	return a;
}

/* Linear to guest-physical through x86_walk_range; a #PF reports the failed address in CR2. */
static int walk_span(struct emu *e, uint64_t la, unsigned len, unsigned access, unsigned seg,
		     struct x86_span *x)
{
	switch (x86_walk_range(&e->cpu->paging, &e->ops->ram, la, len, access, x)) {
	case X86_WALK_OK:
		return X86_EMU_DONE;
	case X86_WALK_FAULT:
		return page_fault(e, x->la, x->walk.pf_error);
	case X86_WALK_NONCANONICAL:
		return seg_fault(e, seg);
	default:
		return vmm_error(e, x->walk.table_gpa);
	}
}

/* Segment type and limit checks outside 64-bit mode (SDM vol. 3A, 5.3 and 5.5). */
static int seg_check(struct emu *e, unsigned seg, uint64_t off, unsigned size, bool write)
{
	const struct x86_seg *s = &e->cpu->seg[seg];
	uint64_t last = off + size - 1;
	unsigned type = s->attr & X86_SEG_TYPE;

	if (e->protected_mode) {
		if (s->attr & X86_SEG_UNUSABLE)
			return seg_fault(e, seg);
		if (type & X86_SEG_TYPE_CODE) {
			if (write || !(type & X86_SEG_TYPE_READABLE))
				return seg_fault(e, seg);
		} else {
			if (write && !(type & X86_SEG_TYPE_WRITABLE))
				return seg_fault(e, seg);
			if (type & X86_SEG_TYPE_EXPDOWN) {
				uint64_t upper = (s->attr & X86_SEG_DB) ? LOW32 : LOW16;
				if (off <= s->limit || last > upper)
					return seg_fault(e, seg);
				return X86_EMU_DONE;
			}
		}
	}
	if (last > s->limit)
		return seg_fault(e, seg);
	return X86_EMU_DONE;
}

/*
 * Translates the size-byte operand at seg:off for a read or a write: checks
 * segmentation, then walks each page the access touches.
 */
static int translate(struct emu *e, unsigned seg, uint64_t off, unsigned size, bool write,
		     struct x86_span *x)
{
	const struct x86_cpu *c = e->cpu;
	bool la57 = c->paging.cr4 & X86_CR4_LA57;
	uint64_t la;
	int r;

	if (e->mode == X86_MODE_64) {
		la = off + ((seg == X86_FS || seg == X86_GS) ? c->seg[seg].base : 0);
		if (!x86_canonical(la, la57) || !x86_canonical(la + size - 1, la57) ||
		    la + size - 1 < la)
			return seg_fault(e, seg);
	} else {
		if ((r = seg_check(e, seg, off, size, write)))
			return r;
		la = (c->seg[seg].base + off) & LOW32;
	}
	/* Alignment checks: after segmentation, before the walk (see emulate.h). */
	if (c->cpl == 3 && (c->paging.cr0 & X86_CR0_AM) && (c->rflags & X86_RFLAGS_AC) &&
	    (la & (size - 1)))
		return inject(e, X86_EMU_AC, X86_VEC_AC, true, 0);

	if ((r = walk_span(e, la, size, access_bits(e, write), seg, x)))
		return r;
	for (unsigned i = 0; i < x->n; i++)
		if ((x->gpa[i] & ~PAGE_MASK) == e->fault_page)
			e->touched = true;
	return X86_EMU_DONE;
}

/* Before the first access: the fault-GPA check (see emulate.h). */
static int gate(struct emu *e)
{
	if (!e->check_pending)
		return X86_EMU_DONE;
	e->check_pending = false;
	return e->touched ? X86_EMU_DONE : X86_EMU_RETRY;
}

/* ------------------------------------------------------------ memory accesses */

/* Size of the next MMIO access of a piece (see emulate.h). */
static unsigned mmio_chunk(uint64_t gpa, unsigned left, unsigned total)
{
	if (left == total && (total == 1 || total == 2 || total == 4 || total == 8))
		return total;
	for (unsigned n = 4; n > 1; n /= 2)
		if (n <= left && !(gpa & (n - 1)))
			return n;
	return 1;
}

/* One piece: RAM if the RAM callback takes it, else MMIO. */
static int piece_access(struct emu *e, uint64_t gpa, uint8_t *buf, unsigned len, bool write)
{
	const struct x86_emu_ops *o = e->ops;

	if (write ? (o->ram.write && !o->ram.write(o->ram.ctx, gpa, buf, len))
		  : (o->ram.read && !o->ram.read(o->ram.ctx, gpa, buf, len)))
		return X86_EMU_DONE;
	for (unsigned done = 0, n; done < len; done += n) {
		uint64_t v = 0;
		n = mmio_chunk(gpa + done, len - done, len);
		if (write) {
			for (unsigned i = 0; i < n; i++)
				v |= (uint64_t)buf[done + i] << (8 * i);
			if (!o->mmio_write || o->mmio_write(o->mmio_ctx, gpa + done, n, v))
				return vmm_error(e, gpa + done);
		} else {
			if (!o->mmio_read || o->mmio_read(o->mmio_ctx, gpa + done, n, &v))
				return vmm_error(e, gpa + done);
			for (unsigned i = 0; i < n; i++)
				buf[done + i] = (uint8_t)(v >> (8 * i));
		}
	}
	return X86_EMU_DONE;
}

static int mem_read(struct emu *e, const struct x86_span *x, uint64_t *val)
{
	uint8_t buf[8] = { 0 };
	unsigned off = 0;
	int r;

	for (unsigned i = 0; i < x->n; i++) {
		if ((r = piece_access(e, x->gpa[i], buf + off, x->len[i], false)))
			return r;
		off += x->len[i];
	}
	*val = 0;
	for (unsigned i = 0; i < off; i++)
		*val |= (uint64_t)buf[i] << (8 * i);
	return X86_EMU_DONE;
}

static int mem_write(struct emu *e, const struct x86_span *x, uint64_t val)
{
	uint8_t buf[8];
	unsigned off = 0;
	int r;

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	for (unsigned i = 0; i < x->n; i++) {
		if ((r = piece_access(e, x->gpa[i], buf + off, x->len[i], true)))
			return r;
		off += x->len[i];
	}
	return X86_EMU_DONE;
}

/* ------------------------------------------------------------ instructions */

static bool is_bit_op(unsigned op)
{
	return op == X86_OP_BT || op == X86_OP_BTS || op == X86_OP_BTR || op == X86_OP_BTC;
}

/* floor(v / 2^shift) for a signed 64-bit v, without relying on >> of negatives. */
static uint64_t floor_shift(uint64_t v, unsigned shift)
{
	return (v >> 63) ? ~(~v >> shift) : v >> shift;
}

/*
 * BT* with a register bit offset and a memory base: the offset is signed
 * and selects an operand-size unit anywhere around the base (SDM vol. 2, BT).
 */
static uint64_t bit_op_ea(const struct x86_insn *in, uint64_t ea, uint64_t bit_offset)
{
	unsigned bits_log2 = in->opsize == 2 ? 4 : in->opsize == 4 ? 5 : 6;
	uint64_t delta = floor_shift(sign_extend(bit_offset, in->opsize), bits_log2) * in->opsize;

	return (ea + delta) & size_mask(in->addrsize);
}

static int read_operand(struct emu *e, const struct x86_insn *in, const struct x86_operand *o,
			const struct x86_span *x, uint64_t *v)
{
	switch (o->kind) {
	case X86_OPND_REG:
		*v = reg_read(e->cpu, o);
		return X86_EMU_DONE;
	case X86_OPND_IMM:
		*v = in->imm;
		return X86_EMU_DONE;
	default:
		return mem_read(e, x, v);
	}
}

/* Every instruction but the string ones: at most one memory operand. */
static int exec_basic(struct emu *e, const struct x86_insn *in, uint64_t next_rip)
{
	struct x86_cpu *c = e->cpu;
	unsigned props = op_props[in->op], size = in->opsize;
	struct x86_span x = { 0 };
	uint64_t src = 0, dst = 0, res = 0, flags = c->rflags;
	bool write_dst = props & WRITES_DST;
	struct x86_operand acc_cmpxchg = reg_of(X86_RAX, size);
	int r;

	const struct x86_operand *mem = in->dst.kind == X86_OPND_MEM ? &in->dst
				      : in->src.kind == X86_OPND_MEM ? &in->src : NULL;
	if (mem) {
		uint64_t ea = x86_insn_ea(in, c->gpr, next_rip);
		if (is_bit_op(in->op) && in->src.kind == X86_OPND_REG)
			ea = bit_op_ea(in, ea, reg_read(c, &in->src));
		bool write = mem == &in->dst && write_dst;
		if ((r = translate(e, in->mem.seg, ea, mem->size, write, &x)))
			return r;
	}
	if ((r = gate(e)))
		return r;
	if (in->src.kind != X86_OPND_NONE && (r = read_operand(e, in, &in->src, &x, &src)))
		return r;
	if ((props & READS_DST) && (r = read_operand(e, in, &in->dst, &x, &dst)))
		return r;

	switch (in->op) {
	case X86_OP_ADD: case X86_OP_OR: case X86_OP_ADC: case X86_OP_SBB:
	case X86_OP_AND: case X86_OP_SUB: case X86_OP_XOR: case X86_OP_CMP:
		res = alu(in->op, dst, src, size, &flags);
		break;
	case X86_OP_TEST:
		alu(X86_OP_AND, dst, src, size, &flags);
		break;
	case X86_OP_MOV:
	case X86_OP_MOVZX:
		res = src;
		break;
	case X86_OP_MOVSX:
		res = sign_extend(src, in->src.size);
		break;
	case X86_OP_XCHG:
		res = src;
		break;
	case X86_OP_BT: case X86_OP_BTS: case X86_OP_BTR: case X86_OP_BTC: {
		uint64_t bit = 1ull << (src & (8ull * size - 1));
		flags = (flags & ~X86_RFLAGS_CF) | ((dst & bit) ? X86_RFLAGS_CF : 0);
		res = in->op == X86_OP_BTS ? dst | bit
		    : in->op == X86_OP_BTR ? dst & ~bit
					   : dst ^ bit;   /* BTC; BT writes nothing */
		break;
	}
	case X86_OP_NOT:
		res = ~dst;
		break;
	case X86_OP_NEG:
		res = alu(X86_OP_SUB, 0, dst, size, &flags);
		break;
	case X86_OP_INC:
	case X86_OP_DEC: {
		uint64_t cf = flags & X86_RFLAGS_CF;
		res = alu(in->op == X86_OP_INC ? X86_OP_ADD : X86_OP_SUB, dst, 1, size, &flags);
		flags = (flags & ~X86_RFLAGS_CF) | cf;
		break;
	}
	case X86_OP_CMPXCHG:
		alu(X86_OP_CMP, reg_read(c, &acc_cmpxchg), dst, size, &flags);
		if (flags & X86_RFLAGS_ZF) {
			res = src;
		} else {
			/* Intel CPUs write the old value back: a register gets it
			 * (zero-extended; AMD leaves it alone), a device register
			 * is left alone (see emulate.h). */
			res = dst;
			write_dst = in->dst.kind == X86_OPND_REG;
		}
		break;
	case X86_OP_XADD:
		res = alu(X86_OP_ADD, dst, src, size, &flags);
		break;
	default:
		return inject(e, X86_EMU_UD, X86_VEC_UD, false, 0);
	}

	/* Memory first: it is the last thing that can fail. Then the registers,
	 * the destination last (XCHG/XADD on one register: the destination wins). */
	if (write_dst && in->dst.kind == X86_OPND_MEM && (r = mem_write(e, &x, res)))
		return r;
	if (in->op == X86_OP_XCHG || in->op == X86_OP_XADD)
		reg_write(c, &in->src, dst);
	if (in->op == X86_OP_CMPXCHG && !(flags & X86_RFLAGS_ZF))
		reg_write(c, &acc_cmpxchg, dst);
	if (write_dst && in->dst.kind == X86_OPND_REG)
		reg_write(c, &in->dst, res);
	c->rflags = flags;
	return X86_EMU_DONE;
}

static bool is_string_op(unsigned op)
{
	return op == X86_OP_MOVS || op == X86_OP_STOS || op == X86_OP_LODS || op == X86_OP_INS ||
	       op == X86_OP_OUTS;
}

/* INS: the port's value (after the destination's checks: see emulate.h). */
static int port_in(struct emu *e, uint16_t port, unsigned size, uint64_t *v)
{
	uint32_t val = 0;

	if (!e->ops->pio_in || e->ops->pio_in(e->ops->mmio_ctx, port, size, &val))
		return vmm_error(e, port);
	*v = val & size_mask(size);
	return X86_EMU_DONE;
}

/* OUTS: the value to the port. */
static int port_out(struct emu *e, uint16_t port, unsigned size, uint64_t v)
{
	if (!e->ops->pio_out || e->ops->pio_out(e->ops->mmio_ctx, port, size, (uint32_t)v))
		return vmm_error(e, port);
	return X86_EMU_DONE;
}

/*
 * One iteration of MOVS, STOS, LODS, INS or OUTS: the memory operands'
 * checks first, then the accesses (the source, port or memory, first), then
 * the registers. The source is memory at seg:rSI, the accumulator (STOS) or
 * the port DX (INS); the destination memory at ES:rDI, the accumulator
 * (LODS) or the port DX (OUTS).
 */
static int exec_string_once(struct emu *e, const struct x86_insn *in)
{
	struct x86_cpu *c = e->cpu;
	unsigned size = in->opsize, as = in->addrsize;
	struct x86_operand rsi = reg_of(X86_RSI, as), rdi = reg_of(X86_RDI, as);
	struct x86_operand acc = reg_of(X86_RAX, size);
	uint16_t port = (uint16_t)c->gpr[X86_RDX];
	uint64_t step = (c->rflags & X86_RFLAGS_DF) ? -(uint64_t)size : size;
	struct x86_span sx = { 0 }, dx = { 0 };
	uint64_t v = 0;
	int r;

	bool src_mem = in->src.kind == X86_OPND_MEM, dst_mem = in->dst.kind == X86_OPND_MEM;
	if (src_mem && (r = translate(e, in->mem.seg, reg_read(c, &rsi), size, false, &sx)))
		return r;
	if (dst_mem && (r = translate(e, X86_ES, reg_read(c, &rdi), size, true, &dx)))
		return r;
	if ((r = gate(e)))
		return r;                  /* (r is X86_EMU_DONE from here on unless an access fails) */
	if (src_mem)
		r = mem_read(e, &sx, &v);
	else if (in->op == X86_OP_INS)
		r = port_in(e, port, size, &v);
	else
		v = reg_read(c, &acc);
	if (r)
		return r;
	if (dst_mem)
		r = mem_write(e, &dx, v);
	else if (in->op == X86_OP_OUTS)
		r = port_out(e, port, size, v);
	else
		reg_write(c, &acc, v);
	if (r)
		return r;
	if (src_mem)
		reg_write(c, &rsi, reg_read(c, &rsi) + step);
	if (dst_mem)
		reg_write(c, &rdi, reg_read(c, &rdi) + step);
	return X86_EMU_DONE;
}

/* A string instruction with or without REP; *done tells whether it completed. */
static int exec_string(struct emu *e, const struct x86_insn *in, unsigned max_iter, bool *done)
{
	struct x86_operand rcx = reg_of(X86_RCX, in->addrsize);
	int r;

	*done = true;
	if (in->rep == X86_REP_NONE)
		return exec_string_once(e, in);
	for (unsigned i = 0; i < max_iter; i++) {
		if (!reg_read(e->cpu, &rcx))
			return gate(e);            /* no access at all: nothing touched */
		if ((r = exec_string_once(e, in)))
			return r;
		e->res->iterations++;
		reg_write(e->cpu, &rcx, reg_read(e->cpu, &rcx) - 1);
	}
	*done = !reg_read(e->cpu, &rcx);
	return X86_EMU_DONE;
}

/* ------------------------------------------------------------ fetch */

/* Fetches and decodes the instruction at CS:RIP (SDM vol. 3A, 6.15: fetch faults first). */
static int fetch(struct emu *e, struct x86_insn *in)
{
	const struct x86_cpu *c = e->cpu;
	const struct x86_seg *cs = &c->seg[X86_CS];
	uint8_t *buf = e->res->bytes;
	unsigned avail = X86_INSN_MAX, access = access_bits(e, false) | X86_ACCESS_FETCH;
	struct x86_span x;
	uint64_t la;
	int r;

	if (e->mode == X86_MODE_64) {
		la = c->rip;
	} else {
		uint64_t ip = c->rip & (e->mode == X86_MODE_16 ? LOW16 : LOW32);
		if (ip > cs->limit)
			return seg_fault(e, X86_CS);
		if (cs->limit - ip + 1 < avail)
			avail = (unsigned)(cs->limit - ip + 1);
		la = (cs->base + ip) & LOW32;
	}
	unsigned first = (unsigned)(X86_PAGE_SIZE - (la & PAGE_MASK));
	if (first > avail)
		first = avail;
	if ((r = walk_span(e, la, first, access, X86_CS, &x)))
		return r;
	if (!e->ops->ram.read || e->ops->ram.read(e->ops->ram.ctx, x.gpa[0], buf, first))
		return vmm_error(e, x.gpa[0]);
	e->res->nbytes = first;
	e->res->decode = x86_decode(buf, first, e->mode, in);
	/* Only an instruction that goes on past the page makes the CPU fetch the next one. */
	if (e->res->decode == X86_DECODE_TRUNCATED && first < avail) {
		uint64_t la2 = la + first;
		if (e->mode != X86_MODE_64)
			la2 &= LOW32;
		if ((r = walk_span(e, la2, avail - first, access, X86_CS, &x)))
			return r;
		if (e->ops->ram.read(e->ops->ram.ctx, x.gpa[0], buf + first, avail - first))
			return vmm_error(e, x.gpa[0]);
		e->res->nbytes = avail;
		e->res->decode = x86_decode(buf, avail, e->mode, in);
	}
	switch (e->res->decode) {
	case X86_DECODE_OK:
		return X86_EMU_DONE;
	case X86_DECODE_UNSUPPORTED:
		return inject(e, X86_EMU_UD, X86_VEC_UD, false, 0);
	default: /* longer than 15 bytes, or than the code segment */
		return inject(e, X86_EMU_GP, X86_VEC_GP, true, 0);
	}
}

/* ------------------------------------------------------------ entry */

enum x86_mode x86_cpu_mode(const struct x86_cpu *cpu)
{
	uint32_t cs = cpu->seg[X86_CS].attr;

	if ((cpu->paging.efer & X86_EFER_LMA) && (cs & X86_SEG_L))
		return X86_MODE_64;
	if (!(cpu->paging.cr0 & X86_CR0_PE) || (cpu->rflags & X86_RFLAGS_VM))
		return X86_MODE_16;
	return (cs & X86_SEG_DB) ? X86_MODE_32 : X86_MODE_16;
}

/* Whether in is the string I/O instruction an exit with qualification q describes. */
static bool io_exit_matches(const struct x86_insn *in, const struct x86_cpu *cpu, uint64_t q)
{
	return (q & X86_IO_QUAL_STRING) &&
	       in->op == ((q & X86_IO_QUAL_IN) ? X86_OP_INS : X86_OP_OUTS) &&
	       in->opsize == X86_IO_QUAL_SIZE(q) &&
	       (uint16_t)cpu->gpr[X86_RDX] == X86_IO_QUAL_PORT(q);
}

/* x86_emulate and x86_emulate_io; io: an I/O exit's qualification io_qual. */
static int emulate(struct x86_cpu *cpu, uint64_t fault_gpa, bool io, uint64_t io_qual,
		   const struct x86_emu_ops *ops, unsigned max_iter, struct x86_emu_result *res)
{
	struct x86_cpu work = *cpu;
	struct x86_insn in;
	struct emu e = {
		.cpu = &work,
		.ops = ops,
		.res = res,
		.mode = x86_cpu_mode(cpu),
		.protected_mode = (cpu->paging.cr0 & X86_CR0_PE) && !(cpu->rflags & X86_RFLAGS_VM),
		.check_pending = fault_gpa != X86_EMU_NO_GPA,
		.fault_page = fault_gpa & ~PAGE_MASK,
	};
	bool done = true;
	int r;

	*res = (struct x86_emu_result){ .decode = X86_EMU_NOT_DECODED };
	if ((r = fetch(&e, &in)))
		return r;
	res->insn = in;
	if (io && !io_exit_matches(&in, cpu, io_qual))
		return X86_EMU_RETRY;

	uint64_t next_rip = work.rip + in.len;
	if (e.mode == X86_MODE_16)
		next_rip &= LOW16;
	else if (e.mode == X86_MODE_32)
		next_rip &= LOW32;

	if (is_string_op(in.op))
		r = exec_string(&e, &in, max_iter ? max_iter : 1, &done);
	else
		r = exec_basic(&e, &in, next_rip);
	if (r == X86_EMU_RETRY)
		return r;
	if (r == X86_EMU_DONE && done) {
		work.rip = next_rip;
		work.rflags &= ~X86_RFLAGS_RF;
	}
	/* Faults come before any register update of their instruction or iteration. */
	*cpu = work;
	if (r == X86_EMU_DONE && !done)
		return X86_EMU_CONTINUE;
	return r;
}

int x86_emulate(struct x86_cpu *cpu, uint64_t fault_gpa, const struct x86_emu_ops *ops,
		unsigned max_iter, struct x86_emu_result *res)
{
	return emulate(cpu, fault_gpa, false, 0, ops, max_iter, res);
}

int x86_emulate_io(struct x86_cpu *cpu, uint64_t io_qual, const struct x86_emu_ops *ops,
		   unsigned max_iter, struct x86_emu_result *res)
{
	return emulate(cpu, X86_EMU_NO_GPA, true, io_qual, ops, max_iter, res);
}
