/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/x86/decode.c: a table of encodings (16-, 32- and 64-bit
 * code; prefixes, REX, ModRM/SIB, RIP-relative and 16-bit addressing, the
 * register and Linux MMIO accessor forms, string port I/O) with every field
 * of the result; truncation at every length; the 15-byte limit; encodings
 * that must be refused (#UD); effective-address arithmetic. Every decode reads from a
 * heap buffer of exactly the bytes offered, so AddressSanitizer reports any
 * read past them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/x86/decode.h"

/* ck_assert for hot paths: Check records every passing ck_assert, which is slow in loops. */
#define REQUIRE(expr)                                                                      \
	do {                                                                               \
		if (!(expr))                                                               \
			ck_abort_msg("%s:%d: assertion '%s' failed", __FILE__, __LINE__, #expr); \
	} while (0)

#define M16 X86_MODE_16
#define M32 X86_MODE_32
#define M64 X86_MODE_64

enum {
	rax = X86_RAX, rcx = X86_RCX, rdx = X86_RDX, rbx = X86_RBX,
	rsp = X86_RSP, rbp = X86_RBP, rsi = X86_RSI, rdi = X86_RDI,
	r8 = X86_R8, r9 = X86_R9, r10 = X86_R10, r11 = X86_R11,
	r12 = X86_R12, r13 = X86_R13, r14 = X86_R14, r15 = X86_R15,
	none = X86_REG_NONE,
};

/* One encoding and everything its decode must say. */
struct dcase {
	uint8_t mode;
	const char *bytes;
	unsigned len;
	const char *text;
	uint8_t op, opsize, addrsize;
	struct x86_operand dst, src;
	struct x86_mem mem;           /* compared when an operand is memory */
	uint64_t imm;                 /* compared when src is an immediate */
	uint8_t rep;
	bool lock;
};

#define T(md, b, t, o, os, as, d, s, m, ...)                                              \
	{ .mode = md, .bytes = b, .len = sizeof(b) - 1, .text = t, .op = X86_OP_##o,           \
	  .opsize = os, .addrsize = as, .dst = d, .src = s, .mem = m, __VA_ARGS__ }
#define R(r, sz) { X86_OPND_REG, sz, r, false }
#define AH { X86_OPND_REG, 1, X86_RAX, true }
#define CH { X86_OPND_REG, 1, X86_RCX, true }
#define DH { X86_OPND_REG, 1, X86_RDX, true }
#define BH { X86_OPND_REG, 1, X86_RBX, true }
#define MEM(sz) { X86_OPND_MEM, sz, X86_REG_NONE, false }
#define IMM(sz) { X86_OPND_IMM, sz, X86_REG_NONE, false }
#define NOOP { X86_OPND_NONE, 0, 0, false }
#define EA(seg, base, index, scale, disp) { X86_##seg, base, index, scale, false, disp }
#define RIPREL(disp) { X86_DS, none, none, 1, true, disp }
#define NOMEM { 0, 0, 0, 0, false, 0 }
#define REP X86_REP_E
#define REPNE X86_REP_NE

static const struct dcase cases[] = {
	/* ---- 64-bit: Linux's readl/writel and friends */
	T(M64, "\x8b\x07", "mov eax,[rdi]", MOV, 4, 8, R(rax, 4), MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x89\x37", "mov [rdi],esi", MOV, 4, 8, MEM(4), R(rsi, 4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x8b\x07", "mov rax,[rdi]", MOV, 8, 8, R(rax, 8), MEM(8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x89\x37", "mov [rdi],rsi", MOV, 8, 8, MEM(8), R(rsi, 8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x8b\x07", "mov ax,[rdi]", MOV, 2, 8, R(rax, 2), MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x89\x37", "mov [rdi],si", MOV, 2, 8, MEM(2), R(rsi, 2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x8a\x07", "mov al,[rdi]", MOV, 1, 8, R(rax, 1), MEM(1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x40\x88\x37", "mov [rdi],sil", MOV, 1, 8, MEM(1), R(rsi, 1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x88\x27", "mov [rdi],ah", MOV, 1, 8, MEM(1), AH, EA(DS, rdi, none, 1, 0)),
	T(M64, "\x88\x3f", "mov [rdi],bh", MOV, 1, 8, MEM(1), BH, EA(DS, rdi, none, 1, 0)),
	T(M64, "\x8a\x2f", "mov ch,[rdi]", MOV, 1, 8, CH, MEM(1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x40\x88\x27", "mov [rdi],spl", MOV, 1, 8, MEM(1), R(rsp, 1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x44\x89\x07", "mov [rdi],r8d", MOV, 4, 8, MEM(4), R(r8, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x45\x8a\x3f", "mov r15b,[r15]", MOV, 1, 8, R(r15, 1), MEM(1),
	  EA(DS, r15, none, 1, 0)),
	T(M64, "\x41\x89\x04\x24", "mov [r12],eax", MOV, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, r12, none, 1, 0)),
	T(M64, "\x41\x8b\x45\x00", "mov eax,[r13+0]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, r13, none, 1, 0)),
	T(M64, "\x8b\x87\xf0\x00\x00\x00", "mov eax,[rdi+0xf0]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, 0xf0)),
	T(M64, "\x8b\x47\x10", "mov eax,[rdi+0x10]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, 0x10)),
	T(M64, "\x8b\x47\xf0", "mov eax,[rdi-0x10]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, -0x10)),
	T(M64, "\x8b\x87\x00\x00\x00\x80", "mov eax,[rdi-0x80000000]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, -0x80000000ll)),
	T(M64, "\x8b\x05\x78\x56\x34\x12", "mov eax,[rip+0x12345678]", MOV, 4, 8, R(rax, 4), MEM(4),
	  RIPREL(0x12345678)),
	T(M64, "\x48\x8b\x05\xf0\xff\xff\xff", "mov rax,[rip-0x10]", MOV, 8, 8, R(rax, 8), MEM(8),
	  RIPREL(-0x10)),
	T(M64, "\x67\x8b\x05\x10\x00\x00\x00", "mov eax,[eip+0x10]", MOV, 4, 4, R(rax, 4), MEM(4),
	  RIPREL(0x10)),
	T(M64, "\x89\x0d\x00\x01\x00\x00", "mov [rip+0x100],ecx", MOV, 4, 8, MEM(4), R(rcx, 4),
	  RIPREL(0x100)),
	T(M64, "\x8b\x04\x25\x00\x00\xe0\xfe", "mov eax,[0xfffffffffee00000]", MOV, 4, 8, R(rax, 4),
	  MEM(4), EA(DS, none, none, 1, (int32_t)0xfee00000)),
	T(M64, "\x8b\x04\x8d\x00\x10\x00\x00", "mov eax,[rcx*4+0x1000]", MOV, 4, 8, R(rax, 4),
	  MEM(4),
	  EA(DS, none, rcx, 4, 0x1000)),
	T(M64, "\x8b\x44\x8f\x08", "mov eax,[rdi+rcx*4+8]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, rcx, 4, 8)),
	T(M64, "\x4a\x8b\x04\xc7", "mov rax,[rdi+r8*8]", MOV, 8, 8, R(rax, 8), MEM(8),
	  EA(DS, rdi, r8, 8, 0)),
	T(M64, "\x42\x8b\x04\x27", "mov eax,[rdi+r12]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, r12, 1, 0)),
	T(M64, "\x4f\x8b\x54\x4d\x80", "mov r10,[r13+r9*2-0x80]", MOV, 8, 8, R(r10, 8), MEM(8),
	  EA(DS, r13, r9, 2, -0x80)),
	T(M64, "\x8b\x04\x24", "mov eax,[rsp]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(SS, rsp, none, 1, 0)),
	T(M64, "\x8b\x45\x08", "mov eax,[rbp+8]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(SS, rbp, none, 1, 8)),
	T(M64, "\x8b\x44\x24\x08", "mov eax,[rsp+8]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(SS, rsp, none, 1, 8)),
	T(M64, "\x8b\x04\x20", "mov eax,[rax] (SIB, no index)", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rax, none, 1, 0)),
	T(M64, "\x8b\x04\x60", "mov eax,[rax] (SIB, no index, scale 2)", MOV, 4, 8, R(rax, 4),
	  MEM(4),
	  EA(DS, rax, none, 2, 0)),
	T(M64, "\x8b\x44\x05\x00", "mov eax,[rbp+rax] (SIB base rbp, disp8)", MOV, 4, 8, R(rax, 4),
	  MEM(4), EA(SS, rbp, rax, 1, 0)),
	T(M64, "\x41\x8b\x04\x05\x10\x00\x00\x00", "mov eax,[rax+0x10] (REX.B, SIB no base)", MOV,
	  4,
	  8, R(rax, 4), MEM(4), EA(DS, none, rax, 1, 0x10)),
	T(M64, "\x65\x8b\x04\x25\x10\x00\x00\x00", "mov eax,gs:[0x10]", MOV, 4, 8, R(rax, 4),
	  MEM(4),
	  EA(GS, none, none, 1, 0x10)),
	T(M64, "\x64\x48\x8b\x04\x25\x28\x00\x00\x00", "mov rax,fs:[0x28]", MOV, 8, 8, R(rax, 8),
	  MEM(8), EA(FS, none, none, 1, 0x28)),
	T(M64, "\x2e\x8b\x07", "mov eax,cs:[rdi]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(CS, rdi, none, 1, 0)),
	T(M64, "\x67\x8b\x07", "mov eax,[edi]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x67\x89\x07", "mov [edi],ax", MOV, 2, 4, MEM(2), R(rax, 2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\xc7\x07\x78\x56\x34\x12", "mov dword [rdi],0x12345678", MOV, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 0), .imm = 0x12345678),
	T(M64, "\x48\xc7\x07\xff\xff\xff\xff", "mov qword [rdi],-1", MOV, 8, 8, MEM(8), IMM(8),
	  EA(DS, rdi, none, 1, 0), .imm = ~0ull),
	T(M64, "\x66\xc7\x07\x34\x12", "mov word [rdi],0x1234", MOV, 2, 8, MEM(2), IMM(2),
	  EA(DS, rdi, none, 1, 0), .imm = 0x1234),
	T(M64, "\xc6\x07\xab", "mov byte [rdi],0xab", MOV, 1, 8, MEM(1), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = (uint64_t)(int8_t)0xab),
	T(M64, "\xc7\x87\x00\x03\x00\x00\x01\x00\x00\x00", "mov dword [rdi+0x300],1", MOV, 4, 8,
	  MEM(4), IMM(4), EA(DS, rdi, none, 1, 0x300), .imm = 1),
	T(M64, "\xc7\x05\xf6\xff\xff\xff\x01\x00\x00\x00", "mov dword [rip-10],1", MOV, 4, 8,
	  MEM(4),
	  IMM(4), RIPREL(-10), .imm = 1),
	T(M64, "\x41\xc7\x44\x24\x10\x00\x00\x00\x80", "mov dword [r12+0x10],0x80000000", MOV, 4, 8,
	  MEM(4), IMM(4), EA(DS, r12, none, 1, 0x10), .imm = 0xffffffff80000000ull),
	T(M64, "\xa1\x00\x00\xe0\xfe\x00\x00\x00\x00", "mov eax,[moffs64 0xfee00000]", MOV, 4, 8,
	  R(rax, 4), MEM(4), EA(DS, none, none, 1, 0xfee00000)),
	T(M64, "\xa3\x20\x03\xe0\xfe\x00\x00\x00\x00", "mov [moffs64 0xfee00320],eax", MOV, 4, 8,
	  MEM(4), R(rax, 4), EA(DS, none, none, 1, 0xfee00320)),
	T(M64, "\xa0\x00\x00\xc0\xfe\x00\x00\x00\x00", "mov al,[moffs64]", MOV, 1, 8, R(rax, 1),
	  MEM(1),
	  EA(DS, none, none, 1, 0xfec00000)),
	T(M64, "\xa2\x10\x00\xc0\xfe\x00\x00\x00\x00", "mov [moffs64],al", MOV, 1, 8, MEM(1),
	  R(rax, 1),
	  EA(DS, none, none, 1, 0xfec00010)),
	T(M64, "\x48\xa1\x00\x00\x00\x00\x00\x00\x00\x80", "mov rax,[moffs64 high]", MOV, 8, 8,
	  R(rax, 8), MEM(8), EA(DS, none, none, 1, (int64_t)0x8000000000000000ull)),
	T(M64, "\x67\xa1\x00\x00\xe0\xfe", "mov eax,[moffs32]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(DS, none, none, 1, (int32_t)0xfee00000)),
	T(M64, "\x65\x66\xa3\x08\x00\x00\x00\x00\x00\x00\x00", "mov gs:[moffs64 8],ax", MOV, 2, 8,
	  MEM(2), R(rax, 2), EA(GS, none, none, 1, 8)),
	T(M64, "\x0f\xc3\x07", "movnti [rdi],eax", MOV, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x0f\xc3\x0f", "movnti [rdi],rcx", MOV, 8, 8, MEM(8), R(rcx, 8),
	  EA(DS, rdi, none, 1, 0)),

	/* ---- 64-bit: zero/sign extension */
	T(M64, "\x0f\xb6\x07", "movzx eax,byte [rdi]", MOVZX, 4, 8, R(rax, 4), MEM(1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0f\xb7\x07", "movzx eax,word [rdi]", MOVZX, 4, 8, R(rax, 4), MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x0f\xb6\x07", "movzx rax,byte [rdi]", MOVZX, 8, 8, R(rax, 8), MEM(1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x0f\xb6\x07", "movzx ax,byte [rdi]", MOVZX, 2, 8, R(rax, 2), MEM(1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x44\x0f\xb7\x4f\x02", "movzx r9d,word [rdi+2]", MOVZX, 4, 8, R(r9, 4), MEM(2),
	  EA(DS, rdi, none, 1, 2)),
	T(M64, "\x0f\xbe\x07", "movsx eax,byte [rdi]", MOVSX, 4, 8, R(rax, 4), MEM(1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x0f\xbf\x07", "movsx rax,word [rdi]", MOVSX, 8, 8, R(rax, 8), MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x0f\xbe\x07", "movsx ax,byte [rdi]", MOVSX, 2, 8, R(rax, 2), MEM(1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x63\x07", "movsxd rax,dword [rdi]", MOVSX, 8, 8, R(rax, 8), MEM(4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x4c\x63\x47\x04", "movsxd r8,dword [rdi+4]", MOVSX, 8, 8, R(r8, 8), MEM(4),
	  EA(DS, rdi, none, 1, 4)),
	T(M64, "\x63\x07", "movsxd eax,dword [rdi]", MOVSX, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0f\xb6\xc4", "movzx eax,ah", MOVZX, 4, 8, R(rax, 4), AH, NOMEM),
	T(M64, "\x40\x0f\xb6\xc4", "movzx eax,spl", MOVZX, 4, 8, R(rax, 4), R(rsp, 1), NOMEM),

	/* ---- 64-bit: string instructions (memcpy_toio, memset_io, __iowrite32_copy) */
	T(M64, "\xa4", "movsb", MOVS, 1, 8, MEM(1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\xf3\xa4", "rep movsb", MOVS, 1, 8, MEM(1), MEM(1), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M64, "\xf3\xa5", "rep movsd", MOVS, 4, 8, MEM(4), MEM(4), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M64, "\xf3\x48\xa5", "rep movsq", MOVS, 8, 8, MEM(8), MEM(8), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M64, "\x66\xa5", "movsw", MOVS, 2, 8, MEM(2), MEM(2), EA(DS, rsi, none, 1, 0)),
	T(M64, "\xf2\xa4", "repne movsb", MOVS, 1, 8, MEM(1), MEM(1), EA(DS, rsi, none, 1, 0),
	  .rep = REPNE),
	T(M64, "\x67\xf3\xa4", "rep movsb (addr32)", MOVS, 1, 4, MEM(1), MEM(1),
	  EA(DS, rsi, none, 1, 0), .rep = REP),
	T(M64, "\x64\xa4", "movsb fs:", MOVS, 1, 8, MEM(1), MEM(1), EA(FS, rsi, none, 1, 0)),
	T(M64, "\xf3\xaa", "rep stosb", STOS, 1, 8, MEM(1), R(rax, 1), EA(ES, rdi, none, 1, 0),
	  .rep = REP),
	T(M64, "\xf3\x48\xab", "rep stosq", STOS, 8, 8, MEM(8), R(rax, 8), EA(ES, rdi, none, 1, 0),
	  .rep = REP),
	T(M64, "\x65\xab", "stosd (override ignored)", STOS, 4, 8, MEM(4), R(rax, 4),
	  EA(ES, rdi, none, 1, 0)),
	T(M64, "\xac", "lodsb", LODS, 1, 8, R(rax, 1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\xad", "lodsd", LODS, 4, 8, R(rax, 4), MEM(4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x48\xad", "lodsq", LODS, 8, 8, R(rax, 8), MEM(8), EA(DS, rsi, none, 1, 0)),
	T(M64, "\xf3\x66\xad", "rep lodsw", LODS, 2, 8, R(rax, 2), MEM(2), EA(DS, rsi, none, 1, 0),
	  .rep = REP),

	/* ---- 64-bit: string port I/O (the VMM's I/O exits); the port is DX */
	T(M64, "\x6c", "insb", INS, 1, 8, MEM(1), R(rdx, 2), EA(ES, rdi, none, 1, 0)),
	T(M64, "\xf3\x6d", "rep insd", INS, 4, 8, MEM(4), R(rdx, 2), EA(ES, rdi, none, 1, 0),
	  .rep = REP),
	T(M64, "\x66\xf3\x6d", "rep insw", INS, 2, 8, MEM(2), R(rdx, 2), EA(ES, rdi, none, 1, 0),
	  .rep = REP),
	T(M64, "\xf3\x48\x6d", "rep insd (REX.W: no insq)", INS, 4, 8, MEM(4), R(rdx, 2),
	  EA(ES, rdi, none, 1, 0), .rep = REP),
	T(M64, "\x67\xf3\x6c", "rep insb (addr32)", INS, 1, 4, MEM(1), R(rdx, 2),
	  EA(ES, rdi, none, 1, 0), .rep = REP),
	T(M64, "\x26\x6c", "insb (override ignored)", INS, 1, 8, MEM(1), R(rdx, 2),
	  EA(ES, rdi, none, 1, 0)),
	T(M64, "\x6e", "outsb", OUTS, 1, 8, R(rdx, 2), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x64\xf3\x6f", "rep outsd fs:", OUTS, 4, 8, R(rdx, 2), MEM(4),
	  EA(FS, rsi, none, 1, 0), .rep = REP),
	T(M64, "\xf2\x66\x6f", "repne outsw", OUTS, 2, 8, R(rdx, 2), MEM(2),
	  EA(DS, rsi, none, 1, 0), .rep = REPNE),

	/* ---- 64-bit: ALU, ModRM forms */
	T(M64, "\x00\x07", "add [rdi],al", ADD, 1, 8, MEM(1), R(rax, 1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x01\x07", "add [rdi],eax", ADD, 4, 8, MEM(4), R(rax, 4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x02\x07", "add al,[rdi]", ADD, 1, 8, R(rax, 1), MEM(1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x03\x07", "add eax,[rdi]", ADD, 4, 8, R(rax, 4), MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x01\x07", "add [rdi],rax", ADD, 8, 8, MEM(8), R(rax, 8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x01\x07", "add [rdi],ax", ADD, 2, 8, MEM(2), R(rax, 2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x08\x0f", "or [rdi],cl", OR, 1, 8, MEM(1), R(rcx, 1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x09\x0f", "or [rdi],ecx", OR, 4, 8, MEM(4), R(rcx, 4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0a\x0f", "or cl,[rdi]", OR, 1, 8, R(rcx, 1), MEM(1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0b\x0f", "or ecx,[rdi]", OR, 4, 8, R(rcx, 4), MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x10\x17", "adc [rdi],dl", ADC, 1, 8, MEM(1), R(rdx, 1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x11\x17", "adc [rdi],edx", ADC, 4, 8, MEM(4), R(rdx, 4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x12\x17", "adc dl,[rdi]", ADC, 1, 8, R(rdx, 1), MEM(1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x13\x17", "adc edx,[rdi]", ADC, 4, 8, R(rdx, 4), MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x18\x1f", "sbb [rdi],bl", SBB, 1, 8, MEM(1), R(rbx, 1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x19\x1f", "sbb [rdi],ebx", SBB, 4, 8, MEM(4), R(rbx, 4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x1a\x1f", "sbb bl,[rdi]", SBB, 1, 8, R(rbx, 1), MEM(1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x1b\x1f", "sbb ebx,[rdi]", SBB, 4, 8, R(rbx, 4), MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x20\x06", "and [rsi],al", AND, 1, 8, MEM(1), R(rax, 1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x21\x06", "and [rsi],eax", AND, 4, 8, MEM(4), R(rax, 4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x22\x06", "and al,[rsi]", AND, 1, 8, R(rax, 1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x23\x06", "and eax,[rsi]", AND, 4, 8, R(rax, 4), MEM(4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x28\x06", "sub [rsi],al", SUB, 1, 8, MEM(1), R(rax, 1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x29\x06", "sub [rsi],eax", SUB, 4, 8, MEM(4), R(rax, 4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x2a\x06", "sub al,[rsi]", SUB, 1, 8, R(rax, 1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x2b\x06", "sub eax,[rsi]", SUB, 4, 8, R(rax, 4), MEM(4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x30\x06", "xor [rsi],al", XOR, 1, 8, MEM(1), R(rax, 1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x31\x06", "xor [rsi],eax", XOR, 4, 8, MEM(4), R(rax, 4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x32\x06", "xor al,[rsi]", XOR, 1, 8, R(rax, 1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x33\x06", "xor eax,[rsi]", XOR, 4, 8, R(rax, 4), MEM(4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x38\x06", "cmp [rsi],al", CMP, 1, 8, MEM(1), R(rax, 1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x39\x06", "cmp [rsi],eax", CMP, 4, 8, MEM(4), R(rax, 4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x3a\x06", "cmp al,[rsi]", CMP, 1, 8, R(rax, 1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M64, "\x3b\x06", "cmp eax,[rsi]", CMP, 4, 8, R(rax, 4), MEM(4), EA(DS, rsi, none, 1, 0)),
	T(M64, "\xf0\x01\x07", "lock add [rdi],eax", ADD, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0), .lock = true),
	T(M64, "\xf0\x4c\x09\x3f", "lock or [rdi],r15", OR, 8, 8, MEM(8), R(r15, 8),
	  EA(DS, rdi, none, 1, 0), .lock = true),

	/* ---- 64-bit: group 1 with immediates */
	T(M64, "\x80\x0f\x01", "or byte [rdi],1", OR, 1, 8, MEM(1), IMM(1), EA(DS, rdi, none, 1, 0),
	  .imm = 1),
	T(M64, "\x80\x27\xfe", "and byte [rdi],0xfe", AND, 1, 8, MEM(1), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = (uint64_t)-2),
	T(M64, "\x81\x27\xff\xff\xff\x00", "and dword [rdi],0xffffff", AND, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 0), .imm = 0xffffff),
	T(M64, "\x83\x0f\x01", "or dword [rdi],1", OR, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 0), .imm = 1),
	T(M64, "\x83\x3f\x00", "cmp dword [rdi],0", CMP, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x83\x07\xff", "add qword [rdi],-1", ADD, 8, 8, MEM(8), IMM(8),
	  EA(DS, rdi, none, 1, 0), .imm = ~0ull),
	T(M64, "\x66\x81\x07\x34\x12", "add word [rdi],0x1234", ADD, 2, 8, MEM(2), IMM(2),
	  EA(DS, rdi, none, 1, 0), .imm = 0x1234),
	T(M64, "\x66\x83\x07\x80", "add word [rdi],-128", ADD, 2, 8, MEM(2), IMM(2),
	  EA(DS, rdi, none, 1, 0), .imm = (uint64_t)-128),
	T(M64, "\x83\x57\x04\x01", "adc dword [rdi+4],1", ADC, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 4), .imm = 1),
	T(M64, "\x83\x5f\x04\x01", "sbb dword [rdi+4],1", SBB, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 4), .imm = 1),
	T(M64, "\x81\x6f\x08\x00\x01\x00\x00", "sub dword [rdi+8],0x100", SUB, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 8), .imm = 0x100),
	T(M64, "\x48\x81\x77\x08\x00\x00\x00\x80", "xor qword [rdi+8],-0x80000000", XOR, 8, 8,
	  MEM(8),
	  IMM(8), EA(DS, rdi, none, 1, 8), .imm = 0xffffffff80000000ull),
	T(M64, "\xf0\x83\x44\x24\xfc\x00", "lock add dword [rsp-4],0", ADD, 4, 8, MEM(4), IMM(4),
	  EA(SS, rsp, none, 1, -4), .lock = true),
	T(M64, "\x83\x3c\x25\x00\x03\xe0\xfe\x00", "cmp dword [0xfffffffffee00300],0", CMP, 4, 8,
	  MEM(4), IMM(4), EA(DS, none, none, 1, (int32_t)0xfee00300)),

	/* ---- 64-bit: TEST, XCHG, CMPXCHG, XADD */
	T(M64, "\x84\x07", "test [rdi],al", TEST, 1, 8, MEM(1), R(rax, 1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x85\x07", "test [rdi],eax", TEST, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x85\x07", "test [rdi],rax", TEST, 8, 8, MEM(8), R(rax, 8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf6\x07\x01", "test byte [rdi],1", TEST, 1, 8, MEM(1), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = 1),
	T(M64, "\xf6\x0f\x80", "test byte [rdi],0x80 (/1)", TEST, 1, 8, MEM(1), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = (uint64_t)-128),
	T(M64, "\xf7\x07\x00\x00\x01\x00", "test dword [rdi],0x10000", TEST, 4, 8, MEM(4), IMM(4),
	  EA(DS, rdi, none, 1, 0), .imm = 0x10000),
	T(M64, "\x66\xf7\x07\x01\x00", "test word [rdi],1", TEST, 2, 8, MEM(2), IMM(2),
	  EA(DS, rdi, none, 1, 0), .imm = 1),
	T(M64, "\x48\xf7\x47\x08\x00\x00\x00\x80", "test qword [rdi+8],imm", TEST, 8, 8, MEM(8),
	  IMM(8),
	  EA(DS, rdi, none, 1, 8), .imm = 0xffffffff80000000ull),
	T(M64, "\x86\x07", "xchg [rdi],al", XCHG, 1, 8, MEM(1), R(rax, 1), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x87\x07", "xchg [rdi],eax", XCHG, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x87\x07", "xchg [rdi],rax", XCHG, 8, 8, MEM(8), R(rax, 8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x87\x82\x00\x03\x00\x00", "xchg [rdx+0x300],eax", XCHG, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdx, none, 1, 0x300)),
	T(M64, "\xf0\x87\x07", "lock xchg [rdi],eax", XCHG, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0), .lock = true),
	T(M64, "\x0f\xb0\x0f", "cmpxchg [rdi],cl", CMPXCHG, 1, 8, MEM(1), R(rcx, 1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0f\xb1\x0f", "cmpxchg [rdi],ecx", CMPXCHG, 4, 8, MEM(4), R(rcx, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf0\x48\x0f\xb1\x0f", "lock cmpxchg [rdi],rcx", CMPXCHG, 8, 8, MEM(8), R(rcx, 8),
	  EA(DS, rdi, none, 1, 0), .lock = true),
	T(M64, "\xf0\x0f\xc1\x07", "lock xadd [rdi],eax", XADD, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0), .lock = true),
	T(M64, "\x0f\xc0\x07", "xadd [rdi],al", XADD, 1, 8, MEM(1), R(rax, 1),
	  EA(DS, rdi, none, 1, 0)),

	/* ---- 64-bit: bit tests */
	T(M64, "\x0f\xa3\x07", "bt [rdi],eax", BT, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x0f\xa3\x07", "bt [rdi],rax", BT, 8, 8, MEM(8), R(rax, 8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x0f\xa3\x07", "bt [rdi],ax", BT, 2, 8, MEM(2), R(rax, 2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0f\xab\x07", "bts [rdi],eax", BTS, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0f\xb3\x07", "btr [rdi],eax", BTR, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x0f\xbb\x07", "btc [rdi],eax", BTC, 4, 8, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf0\x48\x0f\xab\x37", "lock bts [rdi],rsi", BTS, 8, 8, MEM(8), R(rsi, 8),
	  EA(DS, rdi, none, 1, 0), .lock = true),
	T(M64, "\x0f\xba\x27\x05", "bt dword [rdi],5", BT, 4, 8, MEM(4), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = 5),
	T(M64, "\x0f\xba\x2f\x05", "bts dword [rdi],5", BTS, 4, 8, MEM(4), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = 5),
	T(M64, "\x0f\xba\x37\x05", "btr dword [rdi],5", BTR, 4, 8, MEM(4), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = 5),
	T(M64, "\x0f\xba\x3f\x05", "btc dword [rdi],5", BTC, 4, 8, MEM(4), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = 5),
	T(M64, "\xf0\x48\x0f\xba\x6f\x08\x3f", "lock bts qword [rdi+8],63", BTS, 8, 8, MEM(8),
	  IMM(1),
	  EA(DS, rdi, none, 1, 8), .imm = 63, .lock = true),

	/* ---- 64-bit: NOT, NEG, INC, DEC */
	T(M64, "\xf6\x17", "not byte [rdi]", NOT, 1, 8, MEM(1), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf7\x17", "not dword [rdi]", NOT, 4, 8, MEM(4), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf6\x1f", "neg byte [rdi]", NEG, 1, 8, MEM(1), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\xf7\x1f", "neg qword [rdi]", NEG, 8, 8, MEM(8), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf0\xf7\x1f", "lock neg dword [rdi]", NEG, 4, 8, MEM(4), NOOP,
	  EA(DS, rdi, none, 1, 0), .lock = true),
	T(M64, "\xfe\x07", "inc byte [rdi]", INC, 1, 8, MEM(1), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xfe\x0f", "dec byte [rdi]", DEC, 1, 8, MEM(1), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xff\x07", "inc dword [rdi]", INC, 4, 8, MEM(4), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xff\x0f", "dec dword [rdi]", DEC, 4, 8, MEM(4), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\xff\x07", "inc qword [rdi]", INC, 8, 8, MEM(8), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\xff\x0f", "dec word [rdi]", DEC, 2, 8, MEM(2), NOOP, EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf0\xff\x07", "lock inc dword [rdi]", INC, 4, 8, MEM(4), NOOP,
	  EA(DS, rdi, none, 1, 0), .lock = true),

	/* ---- 64-bit: register forms */
	T(M64, "\x89\xc8", "mov eax,ecx", MOV, 4, 8, R(rax, 4), R(rcx, 4), NOMEM),
	T(M64, "\x8b\xc1", "mov eax,ecx (8B)", MOV, 4, 8, R(rax, 4), R(rcx, 4), NOMEM),
	T(M64, "\x88\xe0", "mov al,ah", MOV, 1, 8, R(rax, 1), AH, NOMEM),
	T(M64, "\x40\x88\xe0", "mov al,spl", MOV, 1, 8, R(rax, 1), R(rsp, 1), NOMEM),
	T(M64, "\x01\xc8", "add eax,ecx", ADD, 4, 8, R(rax, 4), R(rcx, 4), NOMEM),
	T(M64, "\x48\x31\xc0", "xor rax,rax", XOR, 8, 8, R(rax, 8), R(rax, 8), NOMEM),
	T(M64, "\x4d\x01\xc8", "add r8,r9", ADD, 8, 8, R(r8, 8), R(r9, 8), NOMEM),
	T(M64, "\x83\xc1\xff", "add ecx,-1", ADD, 4, 8, R(rcx, 4), IMM(4), NOMEM, .imm = ~0ull),
	T(M64, "\x0f\xa3\xc8", "bt eax,ecx", BT, 4, 8, R(rax, 4), R(rcx, 4), NOMEM),
	T(M64, "\xf6\xdc", "neg ah", NEG, 1, 8, AH, NOOP, NOMEM),

	/* ---- 64-bit: prefix combinations */
	T(M64, "\x66\x48\x8b\x07", "mov rax,[rdi] (REX.W beats 66)", MOV, 8, 8, R(rax, 8), MEM(8),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x48\x66\x8b\x07", "mov ax,[rdi] (REX before 66 ignored)", MOV, 2, 8, R(rax, 2),
	  MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x41\x3e\x8b\x07", "mov eax,ds:[rdi] (REX before DS ignored)", MOV, 4, 8, R(rax, 4),
	  MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x44\x48\x8b\x07", "mov rax,[rdi] (two REX: the last counts)", MOV, 8, 8, R(rax, 8),
	  MEM(8), EA(DS, rdi, none, 1, 0)),
	T(M64, "\x40\x8a\x27", "mov spl,[rdi] (REX 40)", MOV, 1, 8, R(rsp, 1), MEM(1),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf3\x8b\x07", "rep mov eax,[rdi] (rep ignored)", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, 0), .rep = REP),
	T(M64, "\x3e\x8b\x07", "mov eax,ds:[rdi]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x26\x8b\x07", "mov eax,es:[rdi]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(ES, rdi, none, 1, 0)),
	T(M64, "\x36\x8b\x07", "mov eax,ss:[rdi]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(SS, rdi, none, 1, 0)),
	T(M64, "\x3e\x8b\x04\x24", "mov eax,ds:[rsp]", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(DS, rsp, none, 1, 0)),
	T(M64, "\x64\x65\x8b\x07", "mov eax,gs:[rdi] (last override)", MOV, 4, 8, R(rax, 4), MEM(4),
	  EA(GS, rdi, none, 1, 0)),
	T(M64, "\x66\x66\x66\x8b\x07", "mov ax,[rdi] (66 66 66)", MOV, 2, 8, R(rax, 2), MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M64, "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x8b\x07",
	  "mov ax,[rdi] (15 bytes)", MOV, 2, 8, R(rax, 2), MEM(2), EA(DS, rdi, none, 1, 0)),
	T(M64, "\xf2\xf3\xa4", "rep movsb (F2 F3: last)", MOVS, 1, 8, MEM(1), MEM(1),
	  EA(DS, rsi, none, 1, 0), .rep = REP),
	T(M64, "\xf3\xf0\x0f\xb1\x0f", "xrelease lock cmpxchg", CMPXCHG, 4, 8, MEM(4), R(rcx, 4),
	  EA(DS, rdi, none, 1, 0), .rep = REP, .lock = true),

	/* ---- 32-bit code */
	T(M32, "\x8b\x07", "mov eax,[edi]", MOV, 4, 4, R(rax, 4), MEM(4), EA(DS, rdi, none, 1, 0)),
	T(M32, "\x66\x8b\x07", "mov ax,[edi]", MOV, 2, 4, R(rax, 2), MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M32, "\x89\x30", "mov [eax],esi", MOV, 4, 4, MEM(4), R(rsi, 4), EA(DS, rax, none, 1, 0)),
	T(M32, "\x8b\x05\x00\x00\xe0\xfe", "mov eax,[0xfee00000]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(DS, none, none, 1, (int32_t)0xfee00000)),
	T(M32, "\x8b\x44\x8f\x08", "mov eax,[edi+ecx*4+8]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(DS, rdi, rcx, 4, 8)),
	T(M32, "\x8b\x0c\x95\x00\x00\x00\x00", "mov ecx,[edx*4]", MOV, 4, 4, R(rcx, 4), MEM(4),
	  EA(DS, none, rdx, 4, 0)),
	T(M32, "\x8b\x04\x24", "mov eax,[esp]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(SS, rsp, none, 1, 0)),
	T(M32, "\x8b\x45\x08", "mov eax,[ebp+8]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(SS, rbp, none, 1, 8)),
	T(M32, "\x8a\x67\x01", "mov ah,[edi+1]", MOV, 1, 4, AH, MEM(1), EA(DS, rdi, none, 1, 1)),
	T(M32, "\xa1\x00\x00\xe0\xfe", "mov eax,[moffs32]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(DS, none, none, 1, (int32_t)0xfee00000)),
	T(M32, "\x67\xa1\x00\x10", "mov eax,[moffs16]", MOV, 4, 2, R(rax, 4), MEM(4),
	  EA(DS, none, none, 1, 0x1000)),
	T(M32, "\x67\x8b\x07", "mov eax,[bx] (addr16)", MOV, 4, 2, R(rax, 4), MEM(4),
	  EA(DS, rbx, none, 1, 0)),
	T(M32, "\x67\x8b\x46\x08", "mov eax,[bp+8] (addr16)", MOV, 4, 2, R(rax, 4), MEM(4),
	  EA(SS, rbp, none, 1, 8)),
	T(M32, "\x82\x07\x01", "add byte [edi],1 (82)", ADD, 1, 4, MEM(1), IMM(1),
	  EA(DS, rdi, none, 1, 0), .imm = 1),
	T(M32, "\xf3\xa5", "rep movsd", MOVS, 4, 4, MEM(4), MEM(4), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M32, "\xf3\x66\xa5", "rep movsw", MOVS, 2, 4, MEM(2), MEM(2), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M32, "\x66\xf3\xab", "rep stosw", STOS, 2, 4, MEM(2), R(rax, 2), EA(ES, rdi, none, 1, 0),
	  .rep = REP),
	T(M32, "\x67\xf3\xa4", "rep movsb (addr16)", MOVS, 1, 2, MEM(1), MEM(1),
	  EA(DS, rsi, none, 1, 0), .rep = REP),
	T(M32, "\xf3\x6c", "rep insb", INS, 1, 4, MEM(1), R(rdx, 2), EA(ES, rdi, none, 1, 0),
	  .rep = REP),
	T(M32, "\x66\x6d", "insw", INS, 2, 4, MEM(2), R(rdx, 2), EA(ES, rdi, none, 1, 0)),
	T(M32, "\x67\x6e", "outsb (addr16)", OUTS, 1, 2, R(rdx, 2), MEM(1),
	  EA(DS, rsi, none, 1, 0)),
	T(M32, "\x2e\xf3\x6f", "rep outsd cs:", OUTS, 4, 4, R(rdx, 2), MEM(4),
	  EA(CS, rsi, none, 1, 0), .rep = REP),
	T(M32, "\xc7\x05\x00\x03\xe0\xfe\x00\x00\x00\x00", "mov dword [0xfee00300],0", MOV, 4, 4,
	  MEM(4), IMM(4), EA(DS, none, none, 1, (int32_t)0xfee00300)),
	T(M32, "\x0f\xb6\x87\x00\x01\x00\x00", "movzx eax,byte [edi+0x100]", MOVZX, 4, 4, R(rax, 4),
	  MEM(1), EA(DS, rdi, none, 1, 0x100)),
	T(M32, "\xf0\x0f\xc1\x01", "lock xadd [ecx],eax", XADD, 4, 4, MEM(4), R(rax, 4),
	  EA(DS, rcx, none, 1, 0), .lock = true),
	T(M32, "\x26\x89\x07", "mov es:[edi],eax", MOV, 4, 4, MEM(4), R(rax, 4),
	  EA(ES, rdi, none, 1, 0)),
	T(M32, "\x87\x03", "xchg [ebx],eax", XCHG, 4, 4, MEM(4), R(rax, 4),
	  EA(DS, rbx, none, 1, 0)),
	T(M32, "\x0f\xba\x20\x1f", "bt dword [eax],31", BT, 4, 4, MEM(4), IMM(1),
	  EA(DS, rax, none, 1, 0), .imm = 31),
	T(M32, "\x81\x0d\x00\x00\xc0\xfe\x00\x00\x01\x00", "or dword [0xfec00000],0x10000", OR, 4,
	  4,
	  MEM(4), IMM(4), EA(DS, none, none, 1, (int32_t)0xfec00000), .imm = 0x10000),
	T(M32, "\x0f\xb1\x0b", "cmpxchg [ebx],ecx", CMPXCHG, 4, 4, MEM(4), R(rcx, 4),
	  EA(DS, rbx, none, 1, 0)),
	T(M32, "\x65\xa1\x14\x00\x00\x00", "mov eax,gs:[0x14]", MOV, 4, 4, R(rax, 4), MEM(4),
	  EA(GS, none, none, 1, 0x14)),
	T(M32, "\x0f\xc3\x07", "movnti [edi],eax", MOV, 4, 4, MEM(4), R(rax, 4),
	  EA(DS, rdi, none, 1, 0)),

	/* ---- 16-bit code: every 16-bit addressing form */
	T(M16, "\x8b\x00", "mov ax,[bx+si]", MOV, 2, 2, R(rax, 2), MEM(2), EA(DS, rbx, rsi, 1, 0)),
	T(M16, "\x8b\x01", "mov ax,[bx+di]", MOV, 2, 2, R(rax, 2), MEM(2), EA(DS, rbx, rdi, 1, 0)),
	T(M16, "\x8b\x02", "mov ax,[bp+si]", MOV, 2, 2, R(rax, 2), MEM(2), EA(SS, rbp, rsi, 1, 0)),
	T(M16, "\x8b\x03", "mov ax,[bp+di]", MOV, 2, 2, R(rax, 2), MEM(2), EA(SS, rbp, rdi, 1, 0)),
	T(M16, "\x8b\x04", "mov ax,[si]", MOV, 2, 2, R(rax, 2), MEM(2), EA(DS, rsi, none, 1, 0)),
	T(M16, "\x8b\x05", "mov ax,[di]", MOV, 2, 2, R(rax, 2), MEM(2), EA(DS, rdi, none, 1, 0)),
	T(M16, "\x8b\x06\x34\x12", "mov ax,[0x1234]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(DS, none, none, 1, 0x1234)),
	T(M16, "\x8b\x07", "mov ax,[bx]", MOV, 2, 2, R(rax, 2), MEM(2), EA(DS, rbx, none, 1, 0)),
	T(M16, "\x8b\x46\x08", "mov ax,[bp+8]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(SS, rbp, none, 1, 8)),
	T(M16, "\x8b\x40\xff", "mov ax,[bx+si-1]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(DS, rbx, rsi, 1, -1)),
	T(M16, "\x8b\x87\x00\x01", "mov ax,[bx+0x100]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(DS, rbx, none, 1, 0x100)),
	T(M16, "\x8b\x86\x00\x80", "mov ax,[bp-0x8000]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(SS, rbp, none, 1, -0x8000)),
	T(M16, "\x3e\x8b\x46\x02", "mov ax,ds:[bp+2]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(DS, rbp, none, 1, 2)),
	T(M16, "\x66\x8b\x07", "mov eax,[bx]", MOV, 4, 2, R(rax, 4), MEM(4),
	  EA(DS, rbx, none, 1, 0)),
	T(M16, "\x67\x8b\x07", "mov ax,[edi] (addr32)", MOV, 2, 4, R(rax, 2), MEM(2),
	  EA(DS, rdi, none, 1, 0)),
	T(M16, "\x67\x8b\x04\x8f", "mov ax,[edi+ecx*4] (addr32)", MOV, 2, 4, R(rax, 2), MEM(2),
	  EA(DS, rdi, rcx, 4, 0)),
	T(M16, "\x67\x66\x8b\x05\x00\x00\xe0\xfe", "mov eax,[0xfee00000] (addr32)", MOV, 4, 4,
	  R(rax, 4), MEM(4), EA(DS, none, none, 1, (int32_t)0xfee00000)),
	T(M16, "\x88\x27", "mov [bx],ah", MOV, 1, 2, MEM(1), AH, EA(DS, rbx, none, 1, 0)),
	T(M16, "\xc7\x07\x34\x12", "mov word [bx],0x1234", MOV, 2, 2, MEM(2), IMM(2),
	  EA(DS, rbx, none, 1, 0), .imm = 0x1234),
	T(M16, "\x66\xc7\x07\x78\x56\x34\x12", "mov dword [bx],0x12345678", MOV, 4, 2, MEM(4),
	  IMM(4),
	  EA(DS, rbx, none, 1, 0), .imm = 0x12345678),
	T(M16, "\xa1\x00\x10", "mov ax,[0x1000]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(DS, none, none, 1, 0x1000)),
	T(M16, "\x67\xa1\x00\x00\x00\x10", "mov ax,[moffs32]", MOV, 2, 4, R(rax, 2), MEM(2),
	  EA(DS, none, none, 1, 0x10000000)),
	T(M16, "\xa4", "movsb", MOVS, 1, 2, MEM(1), MEM(1), EA(DS, rsi, none, 1, 0)),
	T(M16, "\xf3\xa4", "rep movsb", MOVS, 1, 2, MEM(1), MEM(1), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M16, "\xf3\x66\xa5", "rep movsd", MOVS, 4, 2, MEM(4), MEM(4), EA(DS, rsi, none, 1, 0),
	  .rep = REP),
	T(M16, "\x26\xac", "lodsb es:", LODS, 1, 2, R(rax, 1), MEM(1), EA(ES, rsi, none, 1, 0)),
	T(M16, "\x6d", "insw", INS, 2, 2, MEM(2), R(rdx, 2), EA(ES, rdi, none, 1, 0)),
	T(M16, "\x66\x6f", "outsd", OUTS, 4, 2, R(rdx, 2), MEM(4), EA(DS, rsi, none, 1, 0)),
	T(M16, "\x36\xf3\x6e", "rep outsb ss:", OUTS, 1, 2, R(rdx, 2), MEM(1),
	  EA(SS, rsi, none, 1, 0), .rep = REP),
	T(M16, "\x26\x8b\x07", "mov ax,es:[bx]", MOV, 2, 2, R(rax, 2), MEM(2),
	  EA(ES, rbx, none, 1, 0)),
	T(M16, "\x0f\xb6\x07", "movzx ax,byte [bx]", MOVZX, 2, 2, R(rax, 2), MEM(1),
	  EA(DS, rbx, none, 1, 0)),
	T(M16, "\x66\x0f\xb7\x07", "movzx eax,word [bx]", MOVZX, 4, 2, R(rax, 4), MEM(2),
	  EA(DS, rbx, none, 1, 0)),
	T(M16, "\x81\x3e\x00\x10\x34\x12", "cmp word [0x1000],0x1234", CMP, 2, 2, MEM(2), IMM(2),
	  EA(DS, none, none, 1, 0x1000), .imm = 0x1234),
	T(M16, "\x83\x06\x00\x10\x01", "add word [0x1000],1", ADD, 2, 2, MEM(2), IMM(2),
	  EA(DS, none, none, 1, 0x1000), .imm = 1),
	T(M16, "\xf6\x06\x00\x10\x80", "test byte [0x1000],0x80", TEST, 1, 2, MEM(1), IMM(1),
	  EA(DS, none, none, 1, 0x1000), .imm = (uint64_t)-128),
	T(M16, "\x0f\xab\x07", "bts [bx],ax", BTS, 2, 2, MEM(2), R(rax, 2),
	  EA(DS, rbx, none, 1, 0)),
	T(M16, "\xfe\x0f", "dec byte [bx]", DEC, 1, 2, MEM(1), NOOP, EA(DS, rbx, none, 1, 0)),
	T(M16, "\x86\x3c", "xchg [si],bh", XCHG, 1, 2, MEM(1), BH, EA(DS, rsi, none, 1, 0)),
	T(M16, "\x89\x1e\x00\x20", "mov [0x2000],bx", MOV, 2, 2, MEM(2),
	  R(rbx, 2), EA(DS, none, none, 1, 0x2000)),
};

/* Decodes the first n bytes of c from an exact heap copy. */
static int decode_n(const struct dcase *c, size_t n, struct x86_insn *in)
{
	uint8_t *buf = alloc_copy(c->bytes, n);
	int r = x86_decode(buf, n, c->mode, in);

	free(buf);
	return r;
}

static void check_operand(const struct dcase *c, const char *which, const struct x86_operand *got,
			  const struct x86_operand *want)
{
	ck_assert_msg(got->kind == want->kind, "%s: %s kind %u, want %u", c->text, which, got->kind,
		      want->kind);
	if (want->kind == X86_OPND_NONE)
		return;
	ck_assert_msg(got->size == want->size, "%s: %s size %u, want %u", c->text, which, got->size,
		      want->size);
	if (want->kind == X86_OPND_REG)
		ck_assert_msg(got->reg == want->reg && got->hi8 == want->hi8,
			      "%s: %s reg %u hi8 %d, want %u %d", c->text, which, got->reg, got->hi8,
			      want->reg, want->hi8);
}

START_TEST(test_table)
{
	unsigned n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		struct x86_insn in;

		n++;
		ck_assert_msg(decode_n(c, c->len, &in) == X86_DECODE_OK, "%s: not decoded",
			      c->text);
		ck_assert_msg(in.len == c->len, "%s: length %u, want %u", c->text, in.len, c->len);
		ck_assert_msg(in.mode == c->mode, "%s: mode", c->text);
		ck_assert_msg(in.op == c->op, "%s: op %s, want %s", c->text, x86_op_name(in.op),
			      x86_op_name(c->op));
		ck_assert_msg(in.opsize == c->opsize, "%s: opsize %u, want %u", c->text, in.opsize,
			      c->opsize);
		ck_assert_msg(in.addrsize == c->addrsize, "%s: addrsize %u, want %u", c->text,
			      in.addrsize, c->addrsize);
		ck_assert_msg(in.rep == c->rep, "%s: rep %#x, want %#x", c->text, in.rep, c->rep);
		ck_assert_msg(in.lock == c->lock, "%s: lock", c->text);
		check_operand(c, "dst", &in.dst, &c->dst);
		check_operand(c, "src", &in.src, &c->src);
		if (c->src.kind == X86_OPND_IMM)
			ck_assert_msg(in.imm == c->imm, "%s: imm %#llx, want %#llx", c->text,
				      (unsigned long long)in.imm, (unsigned long long)c->imm);
		if (c->dst.kind == X86_OPND_MEM || c->src.kind == X86_OPND_MEM) {
			const struct x86_mem *g = &in.mem, *w = &c->mem;
			ck_assert_msg(g->seg == w->seg, "%s: seg %u, want %u", c->text, g->seg,
				      w->seg);
			ck_assert_msg(g->base == w->base, "%s: base %u, want %u", c->text, g->base,
				      w->base);
			ck_assert_msg(g->index == w->index, "%s: index %u, want %u", c->text, g->index,
				      w->index);
			ck_assert_msg(g->scale == w->scale, "%s: scale %u, want %u", c->text, g->scale,
				      w->scale);
			ck_assert_msg(g->rip_rel == w->rip_rel, "%s: rip_rel", c->text);
			ck_assert_msg(g->disp == w->disp, "%s: disp %lld, want %lld", c->text,
				      (long long)g->disp, (long long)w->disp);
		}
	}
	ck_assert_uint_ge(n, 150);
}
END_TEST

/* Every proper prefix of a valid instruction is truncated, never refused. */
START_TEST(test_truncated_at_every_length)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		struct x86_insn in;

		for (unsigned n = 0; n < c->len; n++)
			ck_assert_msg(decode_n(c, n, &in) == X86_DECODE_TRUNCATED,
				      "%s: %u of %u bytes not reported truncated", c->text, n, c->len);
	}
}
END_TEST

/* Bytes after the instruction are not part of it. */
START_TEST(test_trailing_bytes_ignored)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct dcase *c = &cases[i];
		uint8_t buf[X86_INSN_MAX + 5];
		struct x86_insn in;

		memset(buf, 0x66, sizeof(buf));
		memcpy(buf, c->bytes, c->len);
		uint8_t *copy = alloc_copy(buf, sizeof(buf));
		ck_assert_int_eq(x86_decode(copy, sizeof(buf), c->mode, &in), X86_DECODE_OK);
		ck_assert_msg(in.len == c->len, "%s: length %u with trailing bytes", c->text,
			      in.len);
		free(copy);
	}
}
END_TEST

/* Decodes n bytes from an exact heap copy (malloc: alloc_copy's checks are slow in loops). */
static int decode_bytes(const void *bytes, size_t n, enum x86_mode mode, struct x86_insn *in)
{
	uint8_t *buf = malloc(n ? n : 1);

	REQUIRE(buf);
	memcpy(buf, bytes, n);
	int r = x86_decode(buf, n, mode, in);

	free(buf);
	return r;
}

START_TEST(test_too_long)
{
	uint8_t b[20];
	struct x86_insn in;

	/* 14 prefixes + opcode + ModRM = 16 bytes: #GP, even with all of them present. */
	memset(b, 0x66, 14);
	b[14] = 0x8b;
	b[15] = 0x07;
	ck_assert_int_eq(decode_bytes(b, 16, M64, &in), X86_DECODE_TOO_LONG);
	ck_assert_int_eq(decode_bytes(b, 15, M64, &in), X86_DECODE_TOO_LONG);
	/* 15 prefixes and nothing else. */
	memset(b, 0xf3, 20);
	ck_assert_int_eq(decode_bytes(b, 20, M32, &in), X86_DECODE_TOO_LONG);
	/* Fewer than 15 bytes offered: just truncated. */
	ck_assert_int_eq(decode_bytes(b, 14, M32, &in), X86_DECODE_TRUNCATED);
	/* cs, 66, 67, lock, gs, REX.W + add qword [eax+ecx*4+0x100],imm32: 17 bytes. */
	static const uint8_t lng[] = { 0x2e, 0x66, 0x67, 0xf0, 0x65, 0x48, 0x81, 0x84, 0x88,
				       0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80 };
	ck_assert_int_eq(decode_bytes(lng, sizeof(lng), M64, &in), X86_DECODE_TOO_LONG);
	ck_assert_int_eq(decode_bytes(lng, 15, M64, &in), X86_DECODE_TOO_LONG);
	ck_assert_int_eq(decode_bytes(lng, 14, M64, &in), X86_DECODE_TRUNCATED);
	/* Without cs, 66 and 67 it fits: 14 bytes. */
	ck_assert_int_eq(decode_bytes(lng + 3, 14, M64, &in), X86_DECODE_OK);
	ck_assert_uint_eq(in.len, 14);
	ck_assert_uint_eq(in.opsize, 8);
	ck_assert_uint_eq(in.addrsize, 8);
	ck_assert(in.lock);
	ck_assert_uint_eq(in.mem.seg, X86_GS);
	ck_assert_uint_eq(in.imm, 0xffffffff80000000ull);
}
END_TEST

/* Encodings the decoder must refuse, with the mode they are tried in. */
static const struct {
	uint8_t mode;
	const char *bytes;
	unsigned len;
	const char *text;
} refused[] = {
#define U(mode, b, text) { mode, b, sizeof(b) - 1, text }
	U(M64, "\x90", "nop"),
	U(M64, "\xc3", "ret"),
	U(M64, "\x0f\x0b", "ud2"),
	U(M64, "\x0f\x05", "syscall"),
	U(M64, "\x0f\x01\xc1", "vmcall"),
	U(M64, "\xe8\x00\x00\x00\x00", "call rel32"),
	U(M64, "\xff\x17", "call [rdi]"),
	U(M64, "\xff\x27", "jmp [rdi]"),
	U(M64, "\xff\x37", "push [rdi]"),
	U(M64, "\xff\x3f", "ff /7"),
	U(M64, "\x8f\x07", "pop [rdi]"),
	U(M64, "\xf7\x27", "mul dword [rdi]"),
	U(M64, "\xf7\x3f", "idiv dword [rdi]"),
	U(M64, "\xf6\x37", "div byte [rdi]"),
	U(M64, "\xfe\x17", "fe /2"),
	U(M64, "\xfe\x3f", "fe /7"),
	U(M64, "\xc6\x4f\x01\x00", "c6 /1"),
	U(M64, "\xc7\xf8\x00\x00\x00\x00", "xbegin"),
	U(M64, "\x0f\xba\x07\x05", "0f ba /0"),
	U(M64, "\x0f\xba\x1f\x05", "0f ba /3"),
	U(M64, "\x82\x07\x01", "82 in 64-bit code"),
	U(M64, "\x04\x01", "add al,1 (no memory form)"),
	U(M64, "\x3d\x00\x00\x00\x00", "cmp eax,imm32"),
	U(M64, "\x0f\x10\x07", "movups"),
	U(M64, "\x66\x0f\x6f\x07", "movdqa"),
	U(M64, "\xf3\x0f\x6f\x07", "movdqu"),
	U(M64, "\xc5\xfa\x6f\x07", "vmovdqu"),
	U(M64, "\x66\x0f\xc3\x07", "66 movnti"),
	U(M64, "\xf3\x0f\xc3\x07", "f3 movnti"),
	U(M64, "\x0f\xc3\xc0", "movnti with a register"),
	U(M64, "\xf0\x8b\x07", "lock mov"),
	U(M64, "\xf0\x89\x07", "lock mov store"),
	U(M64, "\xf0\x01\xc0", "lock add eax,eax"),
	U(M64, "\xf0\x03\x07", "lock add eax,[rdi]"),
	U(M64, "\xf0\x0f\xa3\x07", "lock bt"),
	U(M64, "\xf0\x0f\xba\x27\x01", "lock bt imm"),
	U(M64, "\xf0\x39\x07", "lock cmp"),
	U(M64, "\xf0\x83\x3f\x00", "lock cmp imm"),
	U(M64, "\xf0\x85\x07", "lock test"),
	U(M64, "\xf0\xf6\x07\x01", "lock test imm"),
	U(M64, "\xf0\xa4", "lock movsb"),
	U(M64, "\xf0\x87\xc0", "lock xchg eax,eax"),
	U(M64, "\xf0\x0f\xb6\x07", "lock movzx"),
	U(M64, "\xf0\xc7\x07\x00\x00\x00\x00", "lock mov imm"),
	U(M64, "\x8c\x07", "mov [rdi],es"),
	U(M64, "\x8e\x07", "mov es,[rdi]"),
	U(M64, "\x0f\x20\xc0", "mov rax,cr0"),
	U(M64, "\xa6", "cmpsb"),
	U(M64, "\xae", "scasb"),
	U(M64, "\xf0\x6c", "lock insb"),
	U(M32, "\xf0\xf3\x6f", "lock rep outsd"),
	U(M64, "\xd1\x27", "shl dword [rdi],1"),
	U(M64, "\x0f\xaf\x07", "imul eax,[rdi]"),
	U(M64, "\x0f\x38\x00\x07", "pshufb"),
	U(M64, "\x0f\xc7\x0f", "cmpxchg8b"),
	U(M64, "\x0f\x44\x07", "cmove"),
	U(M64, "\x0f\x94\x07", "sete [rdi]"),
	U(M64, "\x06", "push es"),
	U(M32, "\x63\x07", "arpl in 32-bit code"),
	U(M32, "\x40", "inc eax"),
	U(M32, "\x48\x8b\x07", "dec eax; mov"),
	U(M16, "\x63\x07", "arpl in 16-bit code"),
	U(M32, "\xc4\x07", "les"),
#undef U
};

START_TEST(test_refused)
{
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct x86_insn in;
		int r = decode_bytes(refused[i].bytes, refused[i].len, refused[i].mode, &in);
		ck_assert_msg(r == X86_DECODE_UNSUPPORTED, "%s: %d, want unsupported",
			      refused[i].text, r);
	}
	/* An unknown mode is refused, not guessed. */
	struct x86_insn in;
	ck_assert_int_eq(decode_bytes("\x8b\x07", 2, (enum x86_mode)3, &in),
			 X86_DECODE_UNSUPPORTED);
}
END_TEST

/* A refused opcode is reported from the bytes that identify it, not read further. */
START_TEST(test_refused_without_more_bytes)
{
	struct x86_insn in;

	ck_assert_int_eq(decode_bytes("\x90", 1, M64, &in), X86_DECODE_UNSUPPORTED);
	ck_assert_int_eq(decode_bytes("\x0f\x0b", 2, M64, &in), X86_DECODE_UNSUPPORTED);
	ck_assert_int_eq(decode_bytes("\xe8", 1, M64, &in), X86_DECODE_UNSUPPORTED);
	ck_assert_int_eq(decode_bytes("\xff\x17", 2, M64, &in), X86_DECODE_UNSUPPORTED);
	/* ... but a group opcode needs its ModRM byte to tell. */
	ck_assert_int_eq(decode_bytes("\xff", 1, M64, &in), X86_DECODE_TRUNCATED);
	ck_assert_int_eq(decode_bytes("\x0f", 1, M64, &in), X86_DECODE_TRUNCATED);
	ck_assert_int_eq(decode_bytes("\x48", 1, M64, &in), X86_DECODE_TRUNCATED);
	ck_assert_int_eq(decode_bytes("\x48", 1, M32, &in), X86_DECODE_UNSUPPORTED);
}
END_TEST

/* Effective addresses: sums wrap at the address size; RIP-relative adds the next RIP. */
START_TEST(test_effective_address)
{
	uint64_t gpr[X86_NGPR];
	struct x86_insn in;

	for (unsigned i = 0; i < X86_NGPR; i++)
		gpr[i] = 0x1111111100000000ull * (i + 1) + 0x1000 * i;
	gpr[X86_RDI] = 0xffff800000001000ull;
	gpr[X86_RCX] = 3;

	/* mov eax,[rdi+rcx*4+8] */
	ck_assert_int_eq(decode_bytes("\x8b\x44\x8f\x08", 4, M64, &in), X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), 0xffff800000001014ull);
	/* mov eax,[rdi-0x80000000]: disp32 is sign-extended */
	ck_assert_int_eq(decode_bytes("\x8b\x87\x00\x00\x00\x80", 6, M64, &in), X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), 0xffff7fff80001000ull);
	/* addr32: mov eax,[edi+ecx*4+8] wraps at 4 GiB and ignores the upper halves */
	gpr[X86_RDI] = 0x12345678fffffff8ull;
	ck_assert_int_eq(decode_bytes("\x67\x8b\x44\x8f\x08", 5, M64, &in), X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), 0xc);
	/* RIP-relative: from the end of the instruction, immediates included */
	ck_assert_int_eq(decode_bytes("\xc7\x05\xf6\xff\xff\xff\x01\x00\x00\x00", 10, M64, &in),
			 X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0xffffffff81000000ull + in.len),
			  0xffffffff81000000ull);
	/* EIP-relative with addr32 wraps at 4 GiB */
	ck_assert_int_eq(decode_bytes("\x67\x8b\x05\x10\x00\x00\x00", 7, M64, &in), X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0xfffffff8), 0x8);
	/* 16-bit: [bx+si-1] wraps at 64 KiB */
	gpr[X86_RBX] = 0xabcd0000;
	gpr[X86_RSI] = 0;
	ck_assert_int_eq(decode_bytes("\x8b\x40\xff", 3, M16, &in), X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), 0xffff);
	/* 16-bit: [bp+di+0x7fff] */
	gpr[X86_RBP] = 0x9000;
	gpr[X86_RDI] = 0x8000;
	ck_assert_int_eq(decode_bytes("\x8b\x83\xff\x7f", 4, M16, &in), X86_DECODE_OK);
	ck_assert_uint_eq(in.mem.seg, X86_SS);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), (0x9000 + 0x8000 + 0x7fff) & 0xffff);
	/* moffs64 is taken whole */
	ck_assert_int_eq(decode_bytes("\x48\xa1\x08\x07\x06\x05\x04\x03\x02\x81", 10, M64, &in),
			 X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), 0x8102030405060708ull);
	/* moffs32 in 32-bit code */
	ck_assert_int_eq(decode_bytes("\xa3\x00\x03\xe0\xfe", 5, M32, &in), X86_DECODE_OK);
	ck_assert_uint_eq(x86_insn_ea(&in, gpr, 0), 0xfee00300);
}
END_TEST

START_TEST(test_op_names)
{
	ck_assert_str_eq(x86_op_name(X86_OP_MOV), "mov");
	ck_assert_str_eq(x86_op_name(X86_OP_CMPXCHG), "cmpxchg");
	ck_assert_str_eq(x86_op_name(X86_OP_LODS), "lods");
	ck_assert_str_eq(x86_op_name(X86_OP_INS), "ins");
	ck_assert_str_eq(x86_op_name(X86_OP_OUTS), "outs");
	ck_assert_str_eq(x86_op_name(X86_OP_COUNT), "?");
	for (unsigned op = 0; op < X86_OP_COUNT; op++)
		ck_assert_ptr_nonnull(x86_op_name(op));
}
END_TEST

/* Random bytes in every mode: the length is never above 15 or the bytes offered. */
START_TEST(test_random_decode)
{
	rnd_seed(0xdec0de);
	for (unsigned i = 0; i < 100000; i++) {
		uint8_t b[X86_INSN_MAX];
		size_t n = rnd() % (X86_INSN_MAX + 1);
		for (size_t j = 0; j < n; j++)
			b[j] = (uint8_t)rnd();
		/* Bias towards bytes that are prefixes or opcodes we know. */
		static const uint8_t known[] = { 0x66, 0x67, 0xf0, 0xf3, 0x48, 0x41,
						 0x0f, 0x8b, 0x89, 0xc7, 0x81, 0xa5 };
		if (n && rnd() % 2)
			b[rnd() % n] = known[rnd() % sizeof(known)];
		struct x86_insn in;
		int r = decode_bytes(b, n, (enum x86_mode)(rnd() % 3), &in);
		REQUIRE(r >= X86_DECODE_OK && r <= X86_DECODE_TOO_LONG);
		if (r == X86_DECODE_OK) {
			REQUIRE(in.len >= 1 && in.len <= n);
			REQUIRE(in.op < X86_OP_COUNT);
			REQUIRE(in.opsize == 1 || in.opsize == 2 || in.opsize == 4 ||
				in.opsize == 8);
			REQUIRE(in.addrsize == 2 || in.addrsize == 4 || in.addrsize == 8);
		}
	}
}
END_TEST

Suite *x86_decode_suite(void)
{
	Suite *s = suite_create("x86_decode");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_truncated_at_every_length);
	tcase_add_test(tc, test_trailing_bytes_ignored);
	tcase_add_test(tc, test_too_long);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_refused_without_more_bytes);
	tcase_add_test(tc, test_effective_address);
	tcase_add_test(tc, test_op_names);
	suite_add_tcase(s, tc);
	add_random_tcase(s, "random", NULL, NULL, test_random_decode);
	return s;
}
