/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tests for vmm/x86/emulate.c: MMIO exits as the VMM sees them. A guest
 * (64-bit with 4-level paging, 32-bit protected mode, compatibility mode,
 * real mode) executes one instruction that the emulator fetches through the
 * guest's page tables, decodes and performs against guest RAM (the model of
 * test_walk.c) and a fake device that records every access. Each test
 * checks the registers, RFLAGS, RIP and the device accesses; faults check
 * the exception, its error code and CR2, and that nothing changed.
 *
 * String I/O exits (x86_emulate_io): INS and OUTS against fake ports, with
 * the checks the CPU leaves to the VMM because the exit comes first: the
 * CPL's user accesses (a user process's INS into a supervisor page faults
 * with P|W|U and CR2, reads no port and writes nothing), SMAP with and
 * without RFLAGS.AC, reserved address bits by MAXPHYADDR, the 4 GiB wrap and
 * the address size (SI/ESI/RSI and the count register), segment limits and
 * types, #AC, and an instruction that is not the exit's.
 *
 * On an x86-64 host a differential test runs random instructions of the
 * emulated set natively as well (on a heap buffer that the guest sees at the
 * same linear address, half MMIO, half RAM) and compares everything the CPU
 * defines. A random test feeds 200,000 byte strings to the emulator.
 */
#define _DEFAULT_SOURCE              /* mmap's MAP_ANONYMOUS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/unit/unit.h"
#include "tests/unit/util.h"
#include "vmm/x86/emulate.h"

/* ck_assert for hot paths: Check records every passing ck_assert, which is slow in loops. */
#define REQUIRE(expr)                                                                      \
	do {                                                                               \
		if (!(expr))                                                               \
			ck_abort_msg("%s:%d: assertion '%s' failed", __FILE__, __LINE__, #expr); \
	} while (0)

#include "gmem.h"

#define PTE_P (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_US (1ull << 2)
#define PTE_XD (1ull << 63)
#define RW_US (PTE_P | PTE_RW | PTE_US)
#define LEVELS4 4u

/* ------------------------------------------------------------ the guest's layout */

#define CODE_LA 0xffffffff81000000ull    /* two code pages */
#define CODE_GPA 0x200000ull
#define MMIO_LA 0xffffc90000000000ull    /* LAPIC page, next page, IOAPIC page */
#define LAPIC_GPA 0xfee00000ull
#define IOAPIC_GPA 0xfec00000ull
#define VGA_GPA 0xa0000ull               /* a device page for real mode */
#define RAM_LA 0x00007f0000000000ull     /* four user pages of RAM */
#define RAM_GPA 0x300000ull
#define RO_LA (RAM_LA + 0x10000)          /* a read-only user page */
#define RO_GPA 0x310000ull
#define NP_LA (RAM_LA + 0x20000)          /* not present */
#define MIX_LA (RAM_LA + 0x30000)         /* RAM page, then the LAPIC page */
#define MIX_GPA 0x320000ull

#define FLAGS_FIXED 0x2ull                /* RFLAGS bit 1 is always 1 */
#define CF X86_RFLAGS_CF
#define PF X86_RFLAGS_PF
#define AF X86_RFLAGS_AF
#define ZF X86_RFLAGS_ZF
#define SF X86_RFLAGS_SF
#define OF X86_RFLAGS_OF
#define DF X86_RFLAGS_DF
#define ARITH X86_RFLAGS_ARITH

#define CS_64 0xa09bu                     /* VMX access rights: P S code, L, G */
#define CS_32 0xc09bu                     /* P S code, D, G */
#define CS_16 0x009bu                     /* P S code */
#define DS_32 0xc093u                     /* P S data writable, B, G */
#define DS_16 0x0093u

/* ------------------------------------------------------------ the fake device */

#define LOG_MAX 64

struct access {
	char kind;                        /* 'r' or 'w' */
	uint64_t gpa;
	unsigned size;
	uint64_t val;
};

struct dev {
	uint8_t bytes[4][4096];           /* LAPIC, LAPIC + 4K, IOAPIC, VGA pages */
	struct access log[LOG_MAX];
	unsigned n;
	bool fail;                        /* refuse every access */
	bool anywhere;                    /* accept any address (the random test) */
	unsigned port_bytes;              /* bytes the ports gave so far (INS) */
};

static int dev_page(uint64_t gpa)
{
	switch (gpa >> 12) {
	case LAPIC_GPA >> 12: return 0;
	case (LAPIC_GPA >> 12) + 1: return 1;
	case IOAPIC_GPA >> 12: return 2;
	case VGA_GPA >> 12: return 3;
	default: return -1;
	}
}

/* Every device access is 1, 2, 4 or 8 bytes inside one page. */
static void dev_check(uint64_t gpa, unsigned size)
{
	if (!(size == 1 || size == 2 || size == 4 || size == 8) || (gpa & 0xfff) + size > 4096)
		ck_abort_msg("device access at %#llx size %u", (unsigned long long)gpa, size);
}

static void dev_log(struct dev *d, char kind, uint64_t gpa, unsigned size, uint64_t val)
{
	if (d->n < LOG_MAX)
		d->log[d->n] = (struct access){ kind, gpa, size, val };
	d->n++;
}

static int dev_read(void *ctx, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct dev *d = ctx;
	int p = dev_page(gpa);

	dev_check(gpa, size);
	if (d->fail || (p < 0 && !d->anywhere))
		return -1;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint64_t)(p < 0 ? 0xa5 : d->bytes[p][(gpa & 0xfff) + i]) << (8 * i);
	dev_log(d, 'r', gpa, size, *val);
	return 0;
}

static int dev_write(void *ctx, uint64_t gpa, unsigned size, uint64_t val)
{
	struct dev *d = ctx;
	int p = dev_page(gpa);

	dev_check(gpa, size);
	if (d->fail || (p < 0 && !d->anywhere))
		return -1;
	REQUIRE(size == 8 || val >> (8 * size) == 0);
	for (unsigned i = 0; p >= 0 && i < size; i++)
		d->bytes[p][(gpa & 0xfff) + i] = (uint8_t)(val >> (8 * i));
	dev_log(d, 'w', gpa, size, val);
	return 0;
}

/* Ports (INS, OUTS): reads give the bytes 0x30, 0x31, ... in turn; both are
 * logged as 'i' and 'o' with the port as the address. */
static int port_in(void *ctx, uint16_t port, unsigned size, uint32_t *val)
{
	struct dev *d = ctx;

	REQUIRE(size == 1 || size == 2 || size == 4);
	if (d->fail)
		return -1;
	*val = 0;
	for (unsigned i = 0; i < size; i++)
		*val |= (uint32_t)(uint8_t)(0x30 + d->port_bytes++) << (8 * i);
	dev_log(d, 'i', port, size, *val);
	return 0;
}

static int port_out(void *ctx, uint16_t port, unsigned size, uint32_t val)
{
	struct dev *d = ctx;

	REQUIRE(size == 1 || size == 2 || size == 4);
	if (d->fail)
		return -1;
	REQUIRE(size == 4 || val >> (8 * size) == 0);
	dev_log(d, 'o', port, size, val);
	return 0;
}

/* ------------------------------------------------------------ fixture */

static struct gmem *ram;
static struct dev dev;
static struct x86_emu_ops ops;
static struct x86_cpu cpu;
static struct x86_emu_result res;
static uint64_t cr3;

static void dev_set(uint64_t gpa, uint64_t v, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		dev.bytes[dev_page(gpa + i)][(gpa + i) & 0xfff] = (uint8_t)(v >> (8 * i));
}

static uint64_t dev_get(uint64_t gpa, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)dev.bytes[dev_page(gpa + i)][(gpa + i) & 0xfff] << (8 * i);
	return v;
}

static void map4(uint64_t la, uint64_t gpa, uint64_t flags)
{
	gmem_map(ram, LEVELS4, cr3, la, gpa, 1, flags);
}

static struct x86_seg seg(uint64_t base, uint32_t limit, uint32_t attr)
{
	return (struct x86_seg){ base, limit, attr };
}

/* The state of a 64-bit guest kernel at CPL 0 with the layout above. */
static void cpu_long(void)
{
	memset(&cpu, 0, sizeof(cpu));
	cpu.rip = CODE_LA;
	cpu.rflags = FLAGS_FIXED;
	cpu.seg[X86_CS] = seg(0, 0xffffffff, CS_64);
	for (unsigned s = 0; s < X86_NSEG; s++)
		if (s != X86_CS)
			cpu.seg[s] = seg(0, 0xffffffff, DS_32);
	cpu.paging = (struct x86_paging){
		.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_WP,
		.cr3 = cr3,
		.cr4 = X86_CR4_PAE,
		.efer = X86_EFER_LMA | X86_EFER_NXE,
		.maxphyaddr = 46,
	};
}

/* A 32-bit protected-mode guest: flat segments, no paging. */
static void cpu_protected32(void)
{
	cpu_long();
	cpu.paging = (struct x86_paging){ .cr0 = X86_CR0_PE, .maxphyaddr = 36 };
	cpu.seg[X86_CS] = seg(0, 0xffffffff, CS_32);
	cpu.rip = CODE_GPA + 0x100;
}

/* Real mode: segment = selector * 16, 16-bit offsets and IP, 64 KiB limits. */
static void cpu_real(void)
{
	cpu_long();
	cpu.paging = (struct x86_paging){ .maxphyaddr = 36 };
	cpu.seg[X86_CS] = seg(0x20000, 0xffff, CS_16);
	for (unsigned s = 0; s < X86_NSEG; s++)
		if (s != X86_CS)
			cpu.seg[s] = seg(0, 0xffff, DS_16);
	cpu.seg[X86_DS].base = VGA_GPA;
	cpu.seg[X86_ES].base = VGA_GPA;
	cpu.rip = 0x100;
}

/* Guest RAM, page tables and the device for the layout above, and a 64-bit guest. */
static void setup64(void)
{
	ram = gmem_new();
	memset(&dev, 0, sizeof(dev));
	ops = (struct x86_emu_ops){ { gmem_read, gmem_write, ram }, dev_read, dev_write, &dev,
				    port_in, port_out };
	cr3 = gmem_table(ram);
	map4(CODE_LA, CODE_GPA, PTE_P | PTE_RW);
	map4(CODE_LA + 0x1000, CODE_GPA + 0x1000, PTE_P | PTE_RW);
	map4(MMIO_LA, LAPIC_GPA, PTE_P | PTE_RW | PTE_XD);
	map4(MMIO_LA + 0x1000, LAPIC_GPA + 0x1000, PTE_P | PTE_RW | PTE_XD);
	map4(MMIO_LA + 0x2000, IOAPIC_GPA, PTE_P | PTE_RW | PTE_XD);
	for (unsigned i = 0; i < 4; i++) {
		map4(RAM_LA + 0x1000 * i, RAM_GPA + 0x1000 * i, RW_US);
		gmem_at(ram, RAM_GPA + 0x1000 * i);
	}
	map4(RO_LA, RO_GPA, PTE_P | PTE_US);
	map4(MIX_LA, MIX_GPA, RW_US);
	map4(MIX_LA + 0x1000, LAPIC_GPA, RW_US);
	gmem_at(ram, CODE_GPA);
	gmem_at(ram, CODE_GPA + 0x1000);
	gmem_at(ram, RO_GPA);
	gmem_at(ram, MIX_GPA);
	cpu_long();
	memset(&res, 0, sizeof(res));
}

static void teardown(void)
{
	gmem_delete(ram);
}

/* Puts code at the guest-physical address behind linear address la (RAM pages only). */
static void put_code_at(uint64_t gpa, const void *code, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*gmem_at(ram, gpa + i) = ((const uint8_t *)code)[i];
}

/* The code page the 64-bit guest executes from: rip's offset within CODE_LA. */
static void put_code(const void *code, size_t n)
{
	put_code_at(CODE_GPA + (cpu.rip - CODE_LA), code, n);
}

/* The state before the last emulation, and how many device accesses there were. */
static struct x86_cpu before;
static unsigned accesses_before;

static void snapshot(void)
{
	before = cpu;
	accesses_before = dev.n;
}

static int emulate_n(const void *code, size_t n, uint64_t fault_gpa, unsigned max_iter)
{
	put_code(code, n);
	snapshot();
	return x86_emulate(&cpu, fault_gpa, &ops, max_iter, &res);
}

#define EMU(code) emulate_n(code, sizeof(code) - 1, X86_EMU_NO_GPA, 1000)
#define EMU_GPA(code, gpa) emulate_n(code, sizeof(code) - 1, gpa, 1000)

static void expect_access(unsigned i, char kind, uint64_t gpa, unsigned size, uint64_t val)
{
	ck_assert_msg(i < dev.n, "access %u missing (%u seen)", i, dev.n);
	const struct access *a = &dev.log[i];
	ck_assert_msg(a->kind == kind && a->gpa == gpa && a->size == size && a->val == val,
		      "access %u: %c %#llx size %u val %#llx, want %c %#llx size %u val %#llx", i,
		      a->kind, (unsigned long long)a->gpa, a->size, (unsigned long long)a->val, kind,
		      (unsigned long long)gpa, size, (unsigned long long)val);
}

/* Done: RIP moved on by len, the other fields as given. */
static void expect_done(int r, unsigned len)
{
	ck_assert_msg(r == X86_EMU_DONE, "status %d (decode %d, vector %u)", r, res.decode,
		      res.vector);
	ck_assert_uint_eq(res.insn.len, len);
	ck_assert_uint_eq(cpu.rip, before.rip + len);
}

/* An exception to inject; nothing changed and nothing touched the device. */
static void expect_exception(int r, int status, uint8_t vector, uint32_t error)
{
	ck_assert_msg(r == status, "status %d, want %d", r, status);
	ck_assert_uint_eq(res.vector, vector);
	ck_assert_uint_eq(res.error_code, error);
	ck_assert_int_eq(res.has_error, vector != X86_VEC_UD);
	ck_assert_msg(!memcmp(&cpu, &before, sizeof(cpu)), "state changed");
	ck_assert_uint_eq(dev.n, accesses_before);
}

/* ------------------------------------------------------------ MOV */

START_TEST(test_mov_loads)
{
	dev_set(LAPIC_GPA + 0x20, 0x12345678, 4);     /* LAPIC ID register */
	dev_set(LAPIC_GPA + 0x30, 0x0000000001050014ull, 8);

	/* readl: mov eax,[rdi] zero-extends into RAX */
	cpu.gpr[X86_RAX] = ~0ull;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x20;
	cpu.rflags = FLAGS_FIXED | CF | ZF;
	expect_done(EMU_GPA("\x8b\x07", LAPIC_GPA + 0x20), 2);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x12345678);
	ck_assert_uint_eq(cpu.rflags, FLAGS_FIXED | CF | ZF);
	ck_assert_uint_eq(dev.n, 1);
	expect_access(0, 'r', LAPIC_GPA + 0x20, 4, 0x12345678);

	/* readb: mov al,[rdi+1] merges */
	cpu.gpr[X86_RAX] = ~0ull;
	expect_done(EMU("\x8a\x47\x01"), 3);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xffffffffffffff56ull);
	/* mov ah,[rdi]: bits 15:8 */
	expect_done(EMU("\x8a\x27"), 2);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xffffffffffff7856ull);
	/* readw: mov si,[rdi+2] merges */
	cpu.gpr[X86_RSI] = 0x1111111111111111ull;
	expect_done(EMU("\x66\x8b\x77\x02"), 4);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], 0x1111111111111234ull);
	/* readq into r9 with a SIB and index */
	cpu.gpr[X86_RCX] = 2;
	expect_done(EMU("\x4c\x8b\x4c\x8f\x08"), 5);   /* mov r9,[rdi+rcx*4+8] */
	ck_assert_uint_eq(cpu.gpr[X86_R9], 0x0000000001050014ull);
	expect_access(dev.n - 1, 'r', LAPIC_GPA + 0x30, 8, 0x0000000001050014ull);
	/* moffs: mov eax,[0xffffc90000000020] */
	cpu.gpr[X86_RAX] = 0;
	expect_done(EMU("\xa1\x20\x00\x00\x00\x00\xc9\xff\xff"), 9);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x12345678);
	/* RIP-relative: mov edx,[rip+0x100] reads the code page itself. */
	cpu.rip = CODE_LA;
	put_code_at(CODE_GPA + 0x106, "\xef\xbe\xad\xde", 4);
	expect_done(EMU("\x8b\x15\x00\x01\x00\x00"), 6);
	ck_assert_uint_eq(cpu.gpr[X86_RDX], 0xdeadbeef);
}
END_TEST

START_TEST(test_mov_zero_sign_extend)
{
	dev_set(LAPIC_GPA + 0x40, 0x8081828384858687ull, 8);
	cpu.gpr[X86_RDI] = MMIO_LA + 0x40;

	cpu.gpr[X86_RAX] = ~0ull;
	expect_done(EMU("\x0f\xb6\x07"), 3);              /* movzx eax,byte [rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x87);
	expect_access(0, 'r', LAPIC_GPA + 0x40, 1, 0x87);
	cpu.gpr[X86_RAX] = ~0ull;
	expect_done(EMU("\x66\x0f\xb6\x07"), 4);          /* movzx ax,byte [rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xffffffffffff0087ull);
	expect_done(EMU("\x48\x0f\xb7\x07"), 4);          /* movzx rax,word [rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x8687);
	expect_done(EMU("\x0f\xbe\x07"), 3);              /* movsx eax,byte [rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xffffff87);
	expect_done(EMU("\x48\x0f\xbf\x07"), 4);          /* movsx rax,word [rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xffffffffffff8687ull);
	expect_done(EMU("\x48\x63\x07"), 3);              /* movsxd rax,dword [rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xffffffff84858687ull);
	expect_done(EMU("\x63\x07"), 2);                  /* movsxd eax,dword [rdi]: a move */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x84858687);
	expect_access(dev.n - 1, 'r', LAPIC_GPA + 0x40, 4, 0x84858687);
	cpu.gpr[X86_RBX] = 0;
	expect_done(EMU("\x0f\xbe\x7f\x07"), 4);          /* movsx edi,byte [rdi+7] */
	ck_assert_uint_eq(cpu.gpr[X86_RDI], 0xffffff80);
}
END_TEST

START_TEST(test_mov_stores)
{
	cpu.gpr[X86_RDI] = MMIO_LA + 0x300;               /* LAPIC ICR low */
	cpu.gpr[X86_RSI] = 0xaaaaaaaa000c4500ull;
	cpu.gpr[X86_RAX] = 0x1122334455667788ull;

	expect_done(EMU_GPA("\x89\x37", LAPIC_GPA + 0x300), 2);    /* writel: mov [rdi],esi */
	ck_assert_uint_eq(dev.n, 1);
	expect_access(0, 'w', LAPIC_GPA + 0x300, 4, 0x000c4500);
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x300, 4), 0x000c4500);
	ck_assert(!memcmp(cpu.gpr, before.gpr, sizeof(cpu.gpr)));
	expect_done(EMU("\x88\x67\x10"), 3);              /* mov [rdi+0x10],ah */
	expect_access(1, 'w', LAPIC_GPA + 0x310, 1, 0x77);
	expect_done(EMU("\x40\x88\x77\x11"), 4);          /* mov [rdi+0x11],sil */
	expect_access(2, 'w', LAPIC_GPA + 0x311, 1, 0x00);
	expect_done(EMU("\x66\x89\x47\x12"), 4);          /* mov [rdi+0x12],ax */
	expect_access(3, 'w', LAPIC_GPA + 0x312, 2, 0x7788);
	expect_done(EMU("\x48\x89\x47\x18"), 4);          /* mov [rdi+0x18],rax */
	expect_access(4, 'w', LAPIC_GPA + 0x318, 8, 0x1122334455667788ull);
	expect_done(EMU("\xc7\x07\xef\xbe\xad\xde"), 6);  /* mov dword [rdi],imm */
	expect_access(5, 'w', LAPIC_GPA + 0x300, 4, 0xdeadbeef);
	expect_done(EMU("\x48\xc7\x47\x20\xfe\xff\xff\xff"), 8);   /* mov qword [rdi+0x20],-2 */
	expect_access(6, 'w', LAPIC_GPA + 0x320, 8, 0xfffffffffffffffeull);
	expect_done(EMU("\x66\xc7\x07\x34\x12"), 5);      /* mov word [rdi],0x1234 */
	expect_access(7, 'w', LAPIC_GPA + 0x300, 2, 0x1234);
	expect_done(EMU("\xc6\x47\x01\xab"), 4);          /* mov byte [rdi+1],0xab */
	expect_access(8, 'w', LAPIC_GPA + 0x301, 1, 0xab);
	expect_done(EMU("\x0f\xc3\x37"), 3);              /* movnti [rdi],esi */
	expect_access(9, 'w', LAPIC_GPA + 0x300, 4, 0x000c4500);
	expect_done(EMU("\xa3\x00\x20\x00\x00\x00\xc9\xff\xff"), 9);   /* mov [IOAPIC],eax */
	expect_access(10, 'w', IOAPIC_GPA, 4, 0x55667788);
	ck_assert_uint_eq(dev.n, 11);
	/* A store through the IOAPIC mapping with r12 as base (SIB needed). */
	cpu.gpr[X86_R12] = MMIO_LA + 0x2000;
	expect_done(EMU("\x41\x89\x44\x24\x10"), 5);      /* mov [r12+0x10],eax */
	expect_access(11, 'w', IOAPIC_GPA + 0x10, 4, 0x55667788);
	/* Guest RAM is written as RAM, without the device. */
	cpu.gpr[X86_RBX] = RAM_LA + 0x18;
	expect_done(EMU("\x48\x89\x03"), 3);              /* mov [rbx],rax */
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x18, 8), 0x1122334455667788ull);
	ck_assert_uint_eq(dev.n, 12);
}
END_TEST

/* ------------------------------------------------------------ ALU and flags */

struct alu_case {
	const char *text;
	const char *code;
	unsigned len;
	unsigned size;                    /* of the memory operand at LAPIC + 0x100 */
	uint64_t mem, rax, rcx, flags;
	uint64_t want_mem, want_rax, want_rcx, want_flags;
	bool writes;                      /* the device sees a write */
};

#define A(text, code, size, mem, rax, rcx, fl, wmem, wrax, wrcx, wfl, wr)                    \
	{ text, code, sizeof(code) - 1, size, mem, rax, rcx, fl, wmem, wrax, wrcx, wfl, wr }

static const struct alu_case alu_cases[] = {
	A("add [rdi],eax overflow", "\x01\x07", 4, 0x7fffffff, 1, 0, 0, 0x80000000, 1, 0,
	  OF | SF | AF | PF, true),
	A("add byte [rdi],al carry", "\x00\x07", 1, 0xff, 1, 0, 0, 0x00, 1, 0, CF | ZF | AF | PF,
	  true),
	A("adc [rdi],eax carry in", "\x11\x07", 4, 0xffffffff, 0, 0, CF, 0, 0, 0, CF | ZF | AF | PF,
	  true),
	A("adc [rdi],eax no carry", "\x11\x07", 4, 0x10, 0x20, 0, 0, 0x30, 0x20, 0, PF, true),
	A("sub [rdi],eax borrow", "\x29\x07", 4, 0, 1, 0, 0, 0xffffffff, 1, 0, CF | SF | AF | PF,
	  true),
	A("sbb [rdi],eax borrow in", "\x19\x07", 4, 5, 3, 0, CF, 1, 3, 0, 0, true),
	A("sbb byte [rdi],al to -1", "\x18\x07", 1, 0, 0, 0, CF, 0xff, 0, 0, CF | SF | AF | PF,
	  true),
	A("cmp dword [rdi],-128", "\x83\x3f\x80", 4, 0x80, 0, 0, 0, 0x80, 0, 0, CF | PF, false),
	A("cmp [rdi],eax equal", "\x39\x07", 4, 0x1234, 0x1234, 0, CF | SF, 0x1234, 0x1234, 0,
	  ZF | PF, false),
	A("cmp eax,[rdi] signed overflow", "\x3b\x07", 4, 1, 0x80000000, 0, 0, 1, 0x80000000, 0,
	  OF | AF | PF, false),
	A("and [rdi],eax", "\x21\x07", 4, 0xf0f0, 0xff00, 0, CF | OF | AF, 0xf000, 0xff00, 0, PF,
	  true),
	A("or byte [rdi],0x80", "\x80\x0f\x80", 1, 0x01, 0, 0, CF | ZF, 0x81, 0, 0, SF | PF, true),
	A("xor [rdi],rax to zero", "\x48\x31\x07", 8, 0x8000000000000001ull,
	  0x8000000000000001ull, 0, SF, 0, 0x8000000000000001ull, 0, ZF | PF, true),
	A("test [rdi],eax", "\x85\x07", 4, 0x80000000, 0x80000000, 0, CF | OF, 0x80000000,
	  0x80000000, 0, SF | PF, false),
	A("test byte [rdi],1 zero", "\xf6\x07\x01", 1, 0xfe, 0, 0, 0, 0xfe, 0, 0, ZF | PF, false),
	A("inc dword [rdi] keeps CF", "\xff\x07", 4, 0xffffffff, 0, 0, CF, 0, 0, 0,
	  CF | ZF | AF | PF, true),
	A("inc qword [rdi]", "\x48\xff\x07", 8, 0x7fffffffffffffffull, 0, 0, 0,
	  0x8000000000000000ull, 0, 0, OF | SF | AF | PF, true),
	A("dec byte [rdi]", "\xfe\x0f", 1, 0x80, 0, 0, 0, 0x7f, 0, 0, OF | AF, true),
	A("dec word [rdi] keeps CF", "\x66\xff\x0f", 2, 1, 0, 0, CF | SF, 0, 0, 0, CF | ZF | PF,
	  true),
	A("neg dword [rdi] of 0", "\xf7\x1f", 4, 0, 0, 0, CF, 0, 0, 0, ZF | PF, true),
	A("neg dword [rdi] of 1", "\xf7\x1f", 4, 1, 0, 0, 0, 0xffffffff, 0, 0, CF | SF | AF | PF,
	  true),
	A("neg byte [rdi] of 0x80", "\xf6\x1f", 1, 0x80, 0, 0, 0, 0x80, 0, 0, CF | OF | SF, true),
	A("not dword [rdi] keeps flags", "\xf7\x17", 4, 0x0f0f0f0f, 0, 0, ARITH, 0xf0f0f0f0, 0, 0,
	  ARITH, true),
	A("add word [rdi],0x8000", "\x66\x81\x07\x00\x80", 2, 0x8000, 0, 0, 0, 0, 0, 0,
	  CF | OF | ZF | PF, true),
	A("sub dword [rdi],imm8 -1", "\x83\x2f\xff", 4, 5, 0, 0, 0, 6, 0, 0, CF | AF | PF, true),
	A("add qword [rdi],imm32 sign-extended", "\x48\x81\x07\x00\x00\x00\x80", 8, 0x80000000ull,
	  0, 0, 0, 0, 0, 0, CF | ZF | PF, true),
	A("sub al,[rdi] into a register", "\x2a\x07", 1, 0x20, 0xabcd10, 0, 0, 0x20, 0xabcdf0, 0,
	  CF | SF | PF, false),
	A("add rax,[rdi]", "\x48\x03\x07", 8, 0xffffffffffffffffull, 2, 0, 0,
	  0xffffffffffffffffull, 1, 0, CF | AF, false),
	A("or ecx,[rdi] zero-extends", "\x0b\x0f", 4, 0x100, 0, 0xffffffff00000001ull, 0, 0x100, 0,
	  0x101, 0, false),
	A("adc ch,[rdi]", "\x12\x2f", 1, 0x7f, 0, 0x1234, CF, 0x7f, 0, 0x9234, OF | SF | AF, false),
	A("xadd [rdi],ecx", "\x0f\xc1\x0f", 4, 0xfffffffe, 0, 3, 0, 1, 0, 0xfffffffe, CF | AF,
	  true),
	A("lock xadd byte [rdi],cl", "\xf0\x0f\xc0\x0f", 1, 0x7f, 0, 0xff01, 0, 0x80, 0, 0xff7f,
	  OF | SF | AF, true),
};

START_TEST(test_alu)
{
	for (size_t i = 0; i < sizeof(alu_cases) / sizeof(alu_cases[0]); i++) {
		const struct alu_case *c = &alu_cases[i];
		uint64_t mask = c->size >= 8 ? ~0ull : (1ull << (8 * c->size)) - 1;

		setup64();
		dev_set(LAPIC_GPA + 0x100, c->mem, c->size);
		cpu.gpr[X86_RDI] = MMIO_LA + 0x100;
		cpu.gpr[X86_RAX] = c->rax;
		cpu.gpr[X86_RCX] = c->rcx;
		cpu.rflags = FLAGS_FIXED | c->flags;
		int r = emulate_n(c->code, c->len, LAPIC_GPA + 0x100, 1000);
		ck_assert_msg(r == X86_EMU_DONE, "%s: status %d", c->text, r);
		ck_assert_msg(cpu.rip == CODE_LA + c->len, "%s: rip", c->text);
		ck_assert_msg(dev_get(LAPIC_GPA + 0x100, c->size) == (c->want_mem & mask),
			      "%s: memory %#llx, want %#llx", c->text,
			      (unsigned long long)dev_get(LAPIC_GPA + 0x100, c->size),
			      (unsigned long long)c->want_mem);
		ck_assert_msg(cpu.gpr[X86_RAX] == c->want_rax, "%s: rax %#llx, want %#llx", c->text,
			      (unsigned long long)cpu.gpr[X86_RAX], (unsigned long long)c->want_rax);
		ck_assert_msg(cpu.gpr[X86_RCX] == c->want_rcx, "%s: rcx %#llx, want %#llx", c->text,
			      (unsigned long long)cpu.gpr[X86_RCX], (unsigned long long)c->want_rcx);
		ck_assert_msg(cpu.rflags == (FLAGS_FIXED | c->want_flags),
			      "%s: rflags %#llx, want %#llx", c->text, (unsigned long long)cpu.rflags,
			      (unsigned long long)(FLAGS_FIXED | c->want_flags));
		/* One read of the operand, then one write if the instruction stores. */
		ck_assert_msg(dev.n == (c->writes ? 2u : 1u), "%s: %u accesses", c->text, dev.n);
		expect_access(0, 'r', LAPIC_GPA + 0x100, c->size, c->mem & mask);
		if (c->writes)
			expect_access(1, 'w', LAPIC_GPA + 0x100, c->size, c->want_mem & mask);
		teardown();
	}
}
END_TEST

/* ------------------------------------------------------------ XCHG, CMPXCHG */

START_TEST(test_xchg_cmpxchg)
{
	cpu.gpr[X86_RDI] = MMIO_LA + 0x300;
	dev_set(LAPIC_GPA + 0x300, 0x11111111, 4);

	/* The ICR write of Linux's X86_BUG_11AP path: xchg [rdi],eax. */
	cpu.gpr[X86_RAX] = 0xffffffff000c4500ull;
	expect_done(EMU("\x87\x07"), 2);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x11111111);
	expect_access(0, 'r', LAPIC_GPA + 0x300, 4, 0x11111111);
	expect_access(1, 'w', LAPIC_GPA + 0x300, 4, 0x000c4500);
	/* xchg [rdi+4],bh */
	dev_set(LAPIC_GPA + 0x304, 0x5a, 1);
	cpu.gpr[X86_RBX] = 0x1234;
	expect_done(EMU("\x86\x7f\x04"), 3);
	ck_assert_uint_eq(cpu.gpr[X86_RBX], 0x5a34);
	expect_access(3, 'w', LAPIC_GPA + 0x304, 1, 0x12);

	/* cmpxchg [rdi],ecx: equal -> store ecx, ZF */
	dev.n = 0;
	dev_set(LAPIC_GPA + 0x300, 7, 4);
	cpu.gpr[X86_RAX] = 0xaaaaaaaa00000007ull;
	cpu.gpr[X86_RCX] = 9;
	expect_done(EMU("\xf0\x0f\xb1\x0f"), 4);
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x300, 4), 9);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xaaaaaaaa00000007ull);   /* not written */
	ck_assert_uint_eq(cpu.rflags & ARITH, ZF | PF);
	ck_assert_uint_eq(dev.n, 2);
	expect_access(1, 'w', LAPIC_GPA + 0x300, 4, 9);
	/* different -> EAX gets the value (zero-extended), no store, ZF clear */
	dev.n = 0;
	cpu.gpr[X86_RCX] = 5;
	expect_done(EMU("\x0f\xb1\x0f"), 3);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 9);
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x300, 4), 9);
	ck_assert_uint_eq(dev.n, 1);
	ck_assert_uint_eq(cpu.rflags & ARITH, CF | SF | AF);           /* 7 - 9 = 0xfffffffe */
	/* a register destination gets its old value back (32-bit: zero-extended) */
	cpu.gpr[X86_RAX] = 1;
	cpu.gpr[X86_RDX] = 0xffffffff00000002ull;
	expect_done(EMU("\x0f\xb1\xca"), 3);              /* cmpxchg edx,ecx */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 2);
	ck_assert_uint_eq(cpu.gpr[X86_RDX], 2);
	/* byte form: cmpxchg [rdi],cl with AL */
	dev_set(LAPIC_GPA + 0x300, 0x42, 1);
	cpu.gpr[X86_RAX] = 0x1142;
	cpu.gpr[X86_RCX] = 0x77;
	expect_done(EMU("\x0f\xb0\x0f"), 3);
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x300, 1), 0x77);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x1142);
}
END_TEST

/* ------------------------------------------------------------ bit tests */

START_TEST(test_bit_ops)
{
	cpu.gpr[X86_RDI] = MMIO_LA + 0x100;
	dev_set(LAPIC_GPA + 0x100, 0x80000010, 4);
	dev_set(LAPIC_GPA + 0x0fc, 0x80000000, 4);

	cpu.rflags = FLAGS_FIXED | ZF | SF;
	expect_done(EMU("\x0f\xba\x27\x04"), 4);          /* bt dword [rdi],4 */
	ck_assert_uint_eq(cpu.rflags, FLAGS_FIXED | CF | ZF | SF);   /* ZF SF untouched */
	ck_assert_uint_eq(dev.n, 1);
	expect_done(EMU("\x0f\xba\x27\x25"), 4);          /* bt dword [rdi],37: imm mod 32 */
	ck_assert_uint_eq(cpu.rflags & CF, 0);
	expect_done(EMU("\x0f\xba\x2f\x00"), 4);          /* bts dword [rdi],0 */
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x100, 4), 0x80000011);
	ck_assert_uint_eq(cpu.rflags & CF, 0);
	expect_done(EMU("\xf0\x0f\xba\x37\x1f"), 5);      /* lock btr dword [rdi],31 */
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x100, 4), 0x00000011);
	ck_assert_uint_eq(cpu.rflags & CF, CF);
	expect_done(EMU("\x0f\xba\x3f\x01"), 4);          /* btc dword [rdi],1 */
	ck_assert_uint_eq(dev_get(LAPIC_GPA + 0x100, 4), 0x00000013);
	/* Register bit offsets select a dword around the base: -1 is bit 31 of [rdi-4]. */
	dev.n = 0;
	cpu.gpr[X86_RAX] = 0xffffffff;
	expect_done(EMU("\x0f\xa3\x07"), 3);              /* bt [rdi],eax */
	expect_access(0, 'r', LAPIC_GPA + 0x0fc, 4, 0x80000000);
	ck_assert_uint_eq(cpu.rflags & CF, CF);
	cpu.gpr[X86_RAX] = 32 + 4;
	expect_done(EMU("\x0f\xab\x07"), 3);              /* bts [rdi],eax: bit 4 of [rdi+4] */
	expect_access(1, 'r', LAPIC_GPA + 0x104, 4, 0);
	expect_access(2, 'w', LAPIC_GPA + 0x104, 4, 0x10);
	cpu.gpr[X86_RAX] = 0x1000ffff;                    /* 16-bit: -1 -> bit 15 of [rdi-2] */
	expect_done(EMU("\x66\x0f\xb3\x07"), 4);          /* btr [rdi],ax */
	expect_access(3, 'r', LAPIC_GPA + 0x0fe, 2, 0x8000);
	expect_access(4, 'w', LAPIC_GPA + 0x0fe, 2, 0);
	cpu.gpr[X86_RAX] = 64 * 3 + 63;                   /* 64-bit: bit 63 of [rdi+24] */
	expect_done(EMU("\x48\x0f\xbb\x07"), 4);          /* btc [rdi],rax */
	expect_access(5, 'r', LAPIC_GPA + 0x118, 8, 0);
	expect_access(6, 'w', LAPIC_GPA + 0x118, 8, 0x8000000000000000ull);
	/* A register operand: offset modulo 32. */
	cpu.gpr[X86_RDX] = 0xffffffff00000001ull;
	cpu.gpr[X86_RCX] = 32;
	expect_done(EMU("\x0f\xab\xca"), 3);              /* bts edx,ecx */
	ck_assert_uint_eq(cpu.gpr[X86_RDX], 1);         /* zero-extended, bit 0 was set */
	ck_assert_uint_eq(cpu.rflags & CF, CF);
}
END_TEST

/* ------------------------------------------------------------ string instructions */

START_TEST(test_rep_movs_to_mmio)
{
	/* memcpy_toio: rep movsb from RAM to the device. */
	for (unsigned i = 0; i < 16; i++)
		*gmem_at(ram, RAM_GPA + 0x40 + i) = (uint8_t)(0xc0 + i);
	cpu.gpr[X86_RSI] = RAM_LA + 0x40;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x200;
	cpu.gpr[X86_RCX] = 16;
	expect_done(EMU_GPA("\xf3\xa4", LAPIC_GPA + 0x200), 2);
	ck_assert_uint_eq(dev.n, 16);
	for (unsigned i = 0; i < 16; i++)
		expect_access(i, 'w', LAPIC_GPA + 0x200 + i, 1, 0xc0 + i);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], RAM_LA + 0x50);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], MMIO_LA + 0x210);
	ck_assert_uint_eq(res.iterations, 16);

	/* __iowrite32_copy: rep movsd. */
	dev.n = 0;
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RSI] = RAM_LA + 0x40;
	cpu.gpr[X86_RCX] = 4;
	expect_done(EMU("\xf3\xa5"), 2);
	ck_assert_uint_eq(dev.n, 4);
	expect_access(0, 'w', LAPIC_GPA + 0x210, 4, 0xc3c2c1c0);
	expect_access(3, 'w', LAPIC_GPA + 0x21c, 4, 0xcfcecdcc);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], MMIO_LA + 0x220);
}
END_TEST

START_TEST(test_rep_movs_from_mmio)
{
	/* memcpy_fromio with rep movsq, backwards (DF = 1). */
	for (unsigned i = 0; i < 4; i++)
		dev_set(LAPIC_GPA + 0x80 + 8 * i, 0x1111111111111111ull * (i + 1), 8);
	cpu.rflags = FLAGS_FIXED | DF;
	cpu.gpr[X86_RSI] = MMIO_LA + 0x98;
	cpu.gpr[X86_RDI] = RAM_LA + 0x118;
	cpu.gpr[X86_RCX] = 4;
	expect_done(EMU("\xf3\x48\xa5"), 3);
	ck_assert_uint_eq(dev.n, 4);
	expect_access(0, 'r', LAPIC_GPA + 0x98, 8, 0x4444444444444444ull);
	expect_access(3, 'r', LAPIC_GPA + 0x80, 8, 0x1111111111111111ull);
	for (unsigned i = 0; i < 4; i++)
		ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x100 + 8 * i, 8),
				  0x1111111111111111ull * (i + 1));
	ck_assert_uint_eq(cpu.gpr[X86_RSI], MMIO_LA + 0x78);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], RAM_LA + 0xf8);
	ck_assert_uint_eq(cpu.rflags, FLAGS_FIXED | DF);

	/* MMIO to MMIO, one element, no REP: movsw. */
	dev.n = 0;
	cpu.rflags = FLAGS_FIXED;
	cpu.gpr[X86_RSI] = MMIO_LA + 0x80;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x2000;
	cpu.gpr[X86_RCX] = 99;
	expect_done(EMU("\x66\xa5"), 2);
	expect_access(0, 'r', LAPIC_GPA + 0x80, 2, 0x1111);
	expect_access(1, 'w', IOAPIC_GPA, 2, 0x1111);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 99);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], MMIO_LA + 0x82);
}
END_TEST

START_TEST(test_rep_stos_lods)
{
	/* memset_io: rep stosb, then rep stosd with a 32-bit address size. */
	cpu.gpr[X86_RAX] = 0x12345678;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x400;
	cpu.gpr[X86_RCX] = 3;
	expect_done(EMU("\xf3\xaa"), 2);
	ck_assert_uint_eq(dev.n, 3);
	expect_access(2, 'w', LAPIC_GPA + 0x402, 1, 0x78);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], MMIO_LA + 0x403);
	/* stosq to RAM */
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RDI] = RAM_LA + 0x800;
	cpu.gpr[X86_RCX] = 2;
	expect_done(EMU("\xf3\x48\xab"), 3);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x808, 8), 0x12345678);
	ck_assert_uint_eq(dev.n, 3);
	/* lodsd: loads EAX (zero-extended), moves RSI */
	dev_set(LAPIC_GPA + 0x500, 0xcafef00d, 4);
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RAX] = ~0ull;
	cpu.gpr[X86_RSI] = MMIO_LA + 0x500;
	expect_done(EMU("\xad"), 1);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xcafef00d);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], MMIO_LA + 0x504);
	/* rep lodsb: every element is read, AL keeps the last */
	dev.n = 0;
	cpu.gpr[X86_RSI] = MMIO_LA + 0x500;
	cpu.gpr[X86_RCX] = 4;
	expect_done(EMU("\xf3\xac"), 2);
	ck_assert_uint_eq(dev.n, 4);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xcafef0ca);
	/* REP with a zero count does nothing but move RIP */
	dev.n = 0;
	cpu.gpr[X86_RCX] = 0;
	expect_done(EMU("\xf3\xa4"), 2);
	ck_assert_uint_eq(dev.n, 0);
	ck_assert(!memcmp(cpu.gpr, before.gpr, sizeof(cpu.gpr)));
	/* REPNE acts as REP on MOVS/STOS */
	cpu.gpr[X86_RCX] = 2;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x600;
	expect_done(EMU("\xf2\xaa"), 2);
	ck_assert_uint_eq(dev.n, 2);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0);
}
END_TEST

/* A REP instruction stops after max_iter iterations with RIP on the instruction. */
START_TEST(test_rep_bounded)
{
	cpu.gpr[X86_RAX] = 0xab;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x400;
	cpu.gpr[X86_RCX] = 10;
	int r = emulate_n("\xf3\xaa", 2, LAPIC_GPA + 0x400, 4);
	ck_assert_int_eq(r, X86_EMU_CONTINUE);
	ck_assert_uint_eq(cpu.rip, CODE_LA);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 6);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], MMIO_LA + 0x404);
	ck_assert_uint_eq(res.iterations, 4);
	ck_assert_uint_eq(dev.n, 4);
	r = emulate_n("\xf3\xaa", 2, X86_EMU_NO_GPA, 4);
	ck_assert_int_eq(r, X86_EMU_CONTINUE);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 2);
	r = emulate_n("\xf3\xaa", 2, X86_EMU_NO_GPA, 4);
	ck_assert_int_eq(r, X86_EMU_DONE);
	ck_assert_uint_eq(res.iterations, 2);
	ck_assert_uint_eq(cpu.rip, CODE_LA + 2);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0);
	ck_assert_uint_eq(dev.n, 10);
	/* Exactly max_iter iterations left: done, not continue. */
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RCX] = 3;
	ck_assert_int_eq(emulate_n("\xf3\xaa", 2, X86_EMU_NO_GPA, 3), X86_EMU_DONE);
	/* max_iter 0 counts as 1. */
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RCX] = 3;
	ck_assert_int_eq(emulate_n("\xf3\xaa", 2, X86_EMU_NO_GPA, 0), X86_EMU_CONTINUE);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 2);
}
END_TEST

/* A fault in a later iteration keeps the iterations done; RIP stays. */
START_TEST(test_rep_fault_midway)
{
	/* rep stosd from RAM_LA + 0x3ff8 runs into the unmapped page after RAM. */
	map4(RAM_LA + 0x4000, 0, 0);
	cpu.gpr[X86_RAX] = 0x01020304;
	cpu.gpr[X86_RDI] = RAM_LA + 0x3ff8;
	cpu.gpr[X86_RCX] = 5;
	int r = EMU("\xf3\xab");
	ck_assert_int_eq(r, X86_EMU_PF);
	ck_assert_uint_eq(res.error_code, X86_PF_W);
	ck_assert_uint_eq(res.cr2, RAM_LA + 0x4000);
	ck_assert_uint_eq(res.iterations, 2);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 3);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], RAM_LA + 0x4000);
	ck_assert_uint_eq(cpu.rip, CODE_LA);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x3ffc, 4), 0x01020304);
}
END_TEST

/* ------------------------------------------------------------ page-crossing accesses */

START_TEST(test_split_accesses)
{
	/* A dword across the two LAPIC pages: two 2-byte device accesses, lower first. */
	cpu.gpr[X86_RDI] = MMIO_LA + 0xffe;
	cpu.gpr[X86_RAX] = 0xa1b2c3d4;
	expect_done(EMU_GPA("\x89\x07", LAPIC_GPA + 0x1000), 2);
	ck_assert_uint_eq(dev.n, 2);
	expect_access(0, 'w', LAPIC_GPA + 0xffe, 2, 0xc3d4);
	expect_access(1, 'w', LAPIC_GPA + 0x1000, 2, 0xa1b2);
	/* ... and read back as one value */
	cpu.gpr[X86_RAX] = 0;
	expect_done(EMU("\x8b\x07"), 2);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0xa1b2c3d4);
	/* A qword with 3 bytes in RAM and 5 in the device: 4 + 1 device bytes, aligned. */
	dev.n = 0;
	cpu.gpr[X86_RDI] = MIX_LA + 0xffd;
	cpu.gpr[X86_RAX] = 0x8877665544332211ull;
	expect_done(EMU("\x48\x89\x07"), 3);
	ck_assert_uint_eq(gmem_get(ram, MIX_GPA + 0xffd, 3), 0x332211);
	ck_assert_uint_eq(dev.n, 2);
	expect_access(0, 'w', LAPIC_GPA, 4, 0x77665544);
	expect_access(1, 'w', LAPIC_GPA + 4, 1, 0x88);
	cpu.gpr[X86_RAX] = 0;
	expect_done(EMU("\x48\x8b\x07"), 3);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x8877665544332211ull);
	/* An unaligned access inside a page stays one access. */
	dev.n = 0;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x101;
	expect_done(EMU("\x89\x07"), 2);
	ck_assert_uint_eq(dev.n, 1);
	expect_access(0, 'w', LAPIC_GPA + 0x101, 4, 0x44332211);
	/* A split write whose second page is read-only faults before writing anything. */
	dev.n = 0;
	map4(RAM_LA + 0x4000, RO_GPA, PTE_P | PTE_US);
	cpu.gpr[X86_RDI] = RAM_LA + 0x3ffe;
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x3ffe, 2), 0);
	int r = EMU("\x89\x07");
	ck_assert_int_eq(r, X86_EMU_PF);
	ck_assert_uint_eq(res.error_code, X86_PF_P | X86_PF_W);
	ck_assert_uint_eq(res.cr2, RAM_LA + 0x4000);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x3ffe, 2), 0);
}
END_TEST

/* An instruction split over two code pages is fetched from both. */
START_TEST(test_fetch_across_pages)
{
	cpu.rip = CODE_LA + 0xffd;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x300;
	/* c7 07 | imm32: 3 bytes on the first page, 3 on the second */
	expect_done(EMU("\xc7\x07\x01\x02\x03\x04"), 6);
	expect_access(0, 'w', LAPIC_GPA + 0x300, 4, 0x04030201);
	ck_assert_uint_eq(res.nbytes, 15);
	/* The second page not present: #PF on the fetch with CR2 at its start. */
	map4(CODE_LA + 0x1000, 0, 0);
	dev.n = 0;
	cpu.rip = CODE_LA + 0xffd;
	int r = EMU("\xc7\x07\x01\x02\x03\x04");
	expect_exception(r, X86_EMU_PF, X86_VEC_PF, X86_PF_ID);
	ck_assert_uint_eq(res.cr2, CODE_LA + 0x1000);
	/* An instruction that ends on the first page does not touch the second. */
	cpu.rip = CODE_LA + 0xffe;
	expect_done(EMU("\x89\x07"), 2);
}
END_TEST

/* ------------------------------------------------------------ faults */

START_TEST(test_data_faults)
{
	/* not present: read, error code 0 */
	cpu.gpr[X86_RDI] = NP_LA + 0x10;
	expect_exception(EMU("\x8b\x07"), X86_EMU_PF, X86_VEC_PF, 0);
	ck_assert_uint_eq(res.cr2, NP_LA + 0x10);
	/* read-only: a write, and a read-modify-write that only reads first */
	cpu.gpr[X86_RDI] = RO_LA;
	expect_exception(EMU("\x89\x07"), X86_EMU_PF, X86_VEC_PF, X86_PF_P | X86_PF_W);
	expect_exception(EMU("\x01\x07"), X86_EMU_PF, X86_VEC_PF, X86_PF_P | X86_PF_W);
	expect_exception(EMU("\x0f\xb1\x0f"), X86_EMU_PF, X86_VEC_PF, X86_PF_P | X86_PF_W);
	expect_done(EMU("\x8b\x07"), 2);                  /* reading is fine */
	cpu.rip = CODE_LA;
	expect_done(EMU("\x39\x07"), 2);                  /* so is CMP */
	/* a user-mode access to the supervisor-only device mapping */
	cpu.rip = CODE_LA;
	cpu.cpl = 3;
	map4(CODE_LA, CODE_GPA, PTE_P | PTE_US);
	cpu.gpr[X86_RDI] = MMIO_LA;
	expect_exception(EMU("\x89\x07"), X86_EMU_PF, X86_VEC_PF, X86_PF_P | X86_PF_W | X86_PF_U);
	ck_assert_uint_eq(res.cr2, MMIO_LA);
	/* SMAP: a supervisor access to a user page, unless RFLAGS.AC */
	cpu.cpl = 0;
	map4(CODE_LA, CODE_GPA, PTE_P);
	cpu.paging.cr4 |= X86_CR4_SMAP;
	cpu.gpr[X86_RDI] = RAM_LA;
	expect_exception(EMU("\x8b\x07"), X86_EMU_PF, X86_VEC_PF, X86_PF_P);
	cpu.rflags |= X86_RFLAGS_AC;
	expect_done(EMU("\x8b\x07"), 2);
	/* non-canonical: #GP(0), or #SS(0) through RSP/RBP */
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RDI] = 0x0000800000000000ull;
	expect_exception(EMU("\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.gpr[X86_RBP] = 0x8000000000000000ull;
	expect_exception(EMU("\x8b\x45\x00"), X86_EMU_SS, X86_VEC_SS, 0);
	/* an access that runs off the canonical end */
	cpu.gpr[X86_RDI] = 0x00007ffffffffffeull;
	expect_exception(EMU("\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	/* FS/GS bases count in 64-bit mode; the others do not. */
	cpu.seg[X86_GS].base = MMIO_LA;
	cpu.seg[X86_DS].base = 0x1000;
	dev_set(LAPIC_GPA + 0x20, 0x99, 4);
	cpu.gpr[X86_RDI] = 0x20;
	expect_done(EMU("\x65\x8b\x07"), 3);              /* mov eax,gs:[rdi] */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x99);
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x20;
	expect_done(EMU("\x3e\x8b\x07"), 3);              /* ds: base ignored */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x99);
}
END_TEST

START_TEST(test_fetch_faults)
{
	/* RIP on a page that is not present: #PF with I/D (NXE is on). */
	cpu.rip = NP_LA;
	snapshot();
	expect_exception(x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1, &res), X86_EMU_PF,
			 X86_VEC_PF, X86_PF_ID);
	ck_assert_uint_eq(res.cr2, NP_LA);
	/* Executing from the execute-disabled device mapping. */
	cpu.rip = MMIO_LA;
	snapshot();
	expect_exception(x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1, &res), X86_EMU_PF,
			 X86_VEC_PF, X86_PF_P | X86_PF_ID);
	/* User code on a supervisor page. */
	cpu.rip = CODE_LA;
	cpu.cpl = 3;
	snapshot();
	expect_exception(x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1, &res), X86_EMU_PF,
			 X86_VEC_PF, X86_PF_P | X86_PF_U | X86_PF_ID);
	/* A non-canonical RIP. */
	cpu.cpl = 0;
	cpu.rip = 0x0000900000000000ull;
	snapshot();
	expect_exception(x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1, &res), X86_EMU_GP,
			 X86_VEC_GP, 0);
	/* Code mapped to the device (executable): not RAM, the VMM's error. */
	map4(MMIO_LA + 0x1000, LAPIC_GPA + 0x1000, PTE_P);
	cpu.rip = MMIO_LA + 0x1000;
	snapshot();
	ck_assert_int_eq(x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1, &res), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, LAPIC_GPA + 0x1000);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	ck_assert_uint_eq(dev.n, 0);
}
END_TEST

START_TEST(test_invalid_instructions)
{
	cpu.gpr[X86_RDI] = MMIO_LA;
	expect_exception(EMU("\x0f\x0b"), X86_EMU_UD, X86_VEC_UD, 0);      /* ud2 */
	ck_assert_int_eq(res.decode, X86_DECODE_UNSUPPORTED);
	ck_assert_uint_eq(res.nbytes, 15);
	ck_assert_uint_eq(res.bytes[0], 0x0f);
	expect_exception(EMU("\xf7\x37"), X86_EMU_UD, X86_VEC_UD, 0);      /* div [rdi] */
	expect_exception(EMU("\xf0\x8b\x07"), X86_EMU_UD, X86_VEC_UD, 0);  /* lock mov */
	expect_exception(EMU("\x82\x07\x01"), X86_EMU_UD, X86_VEC_UD, 0);  /* 82 in 64-bit */
	/* 16 bytes: #GP(0) */
	expect_exception(EMU("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x8b\x07"),
			 X86_EMU_GP, X86_VEC_GP, 0);
	ck_assert_int_eq(res.decode, X86_DECODE_TOO_LONG);
	/* 15 bytes are fine */
	expect_done(EMU("\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x8b\x07"), 15);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0);
}
END_TEST

START_TEST(test_vmm_errors)
{
	/* A device callback that fails: the VMM's error, nothing changed. */
	cpu.gpr[X86_RDI] = MMIO_LA + 0x10;
	dev.fail = true;
	ck_assert_int_eq(EMU("\x8b\x07"), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, LAPIC_GPA + 0x10);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	dev.fail = false;
	/* A guest-physical address nobody claims. */
	map4(RAM_LA + 0x5000, 0x7000000, RW_US);
	cpu.gpr[X86_RDI] = RAM_LA + 0x5008;
	ck_assert_int_eq(EMU("\x89\x07"), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, 0x7000008);
	/* A page table outside RAM (on the data access). */
	gmem_put(ram, gmem_entry(ram, LEVELS4, cr3, RAM_LA + 0x200000, 2), 0xfec00000 | RW_US, 8);
	cpu.gpr[X86_RDI] = RAM_LA + 0x200000;
	ck_assert_int_eq(EMU("\x8b\x07"), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, 0xfec00000);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	/* CR3 outside RAM (on the fetch). */
	cpu.paging.cr3 = 0x7000000;
	ck_assert_int_eq(EMU("\x8b\x07"), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, 0x7000000 + 511 * 8);
	/* No RAM callbacks at all: every access goes to the device; the fetch cannot work. */
	cpu.paging.cr3 = cr3;
	ops.ram.read = NULL;
	ck_assert_int_eq(EMU("\x8b\x07"), X86_EMU_ERROR);
	ck_assert_uint_eq(dev.n, 0);
}
END_TEST

/* The fault GPA is checked before anything happens. */
START_TEST(test_fault_gpa_check)
{
	cpu.gpr[X86_RDI] = MMIO_LA + 0x20;
	cpu.gpr[X86_RAX] = 5;
	/* The access is on another page than the exit said: retry, nothing done. */
	ck_assert_int_eq(EMU_GPA("\x89\x07", IOAPIC_GPA), X86_EMU_RETRY);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	ck_assert_uint_eq(dev.n, 0);
	/* Same page, other offset: done (the exit GPA says which page, not which byte). */
	expect_done(EMU_GPA("\x89\x07", LAPIC_GPA + 0x800), 2);
	ck_assert_uint_eq(dev.n, 1);
	/* An instruction without memory operands cannot have faulted. */
	cpu.rip = CODE_LA;
	ck_assert_int_eq(EMU_GPA("\x01\xc8", LAPIC_GPA), X86_EMU_RETRY);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	/* ... but is executed without the check. */
	cpu.gpr[X86_RCX] = 7;
	expect_done(EMU("\x01\xc8"), 2);                  /* add eax,ecx */
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 12);
	/* MOVS: either side may be the faulting page. */
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RSI] = RAM_LA;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x2000;
	cpu.gpr[X86_RCX] = 1;
	expect_done(EMU_GPA("\xf3\xa4", IOAPIC_GPA), 2);
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RSI] = MMIO_LA;
	cpu.gpr[X86_RDI] = RAM_LA;
	cpu.gpr[X86_RCX] = 1;
	expect_done(EMU_GPA("\xf3\xa4", LAPIC_GPA), 2);
	/* A REP with nothing to do touched nothing. */
	cpu.rip = CODE_LA;
	ck_assert_int_eq(EMU_GPA("\xf3\xa4", LAPIC_GPA), X86_EMU_RETRY);
	/* A split access matches on its second page too. */
	cpu.rip = CODE_LA;
	cpu.gpr[X86_RDI] = MIX_LA + 0xffe;
	expect_done(EMU_GPA("\x89\x07", LAPIC_GPA), 2);
}
END_TEST

/* ------------------------------------------------------------ other modes */

static void setup32(void)
{
	setup64();
	cpu_protected32();
}

static int emulate32(const void *code, size_t n)
{
	put_code_at(cpu.seg[X86_CS].base + cpu.rip, code, n);
	snapshot();
	return x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1000, &res);
}

#define EMU32(code) emulate32(code, sizeof(code) - 1)

START_TEST(test_protected_mode_32)
{
	dev_set(IOAPIC_GPA + 0x10, 0x00170011, 4);
	cpu.gpr[X86_RAX] = 0xffffffff00000000ull;
	/* mov eax,[0xfec00010]: absolute disp32, not RIP-relative */
	expect_done(EMU32("\x8b\x05\x10\x00\xc0\xfe"), 6);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x00170011);
	expect_access(0, 'r', IOAPIC_GPA + 0x10, 4, 0x00170011);
	/* DS base is added; the linear address wraps at 4 GiB */
	cpu.seg[X86_DS].base = 0xfff00000;
	cpu.gpr[X86_RDI] = 0xfef00010;                    /* + base = 0x1fee00010 */
	expect_done(EMU32("\x89\x07"), 2);
	expect_access(1, 'w', LAPIC_GPA + 0x10, 4, 0x00170011);
	cpu.seg[X86_DS].base = 0xfee00000;
	cpu.gpr[X86_RDI] = 0x100000040;                   /* upper half ignored: EDI = 0x40 */
	expect_done(EMU32("\x89\x07"), 2);
	expect_access(2, 'w', LAPIC_GPA + 0x40, 4, 0x00170011);
	/* 16-bit addressing inside 32-bit code: [bx+si] */
	cpu.seg[X86_DS].base = 0xfec00000;
	cpu.gpr[X86_RBX] = 0x12340008;
	cpu.gpr[X86_RSI] = 0x8;
	expect_done(EMU32("\x67\x8b\x00"), 3);
	expect_access(3, 'r', IOAPIC_GPA + 0x10, 4, 0x00170011);
	/* rep movsw with 16-bit addresses: CX, SI, DI only, their upper bits kept */
	cpu.seg[X86_DS].base = 0;
	cpu.seg[X86_ES].base = 0xfee00000;
	gmem_put(ram, 0x1234, 0xbeef, 2);
	cpu.gpr[X86_RSI] = 0xaaaa1234;
	cpu.gpr[X86_RDI] = 0xbbbb0100;
	cpu.gpr[X86_RCX] = 0xcccc0001;
	expect_done(EMU32("\x67\xf3\x66\xa5"), 4);
	expect_access(4, 'w', LAPIC_GPA + 0x100, 2, 0xbeef);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], 0xaaaa1236);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], 0xbbbb0102);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0xcccc0000);
	/* 32-bit paging guest: the same through its page tables */
	uint64_t pd = gmem_table(ram);
	gmem_map(ram, 2, pd, 0xc0000000, CODE_GPA, 1, PTE_P | PTE_RW);
	gmem_map(ram, 2, pd, 0xf0000000, LAPIC_GPA, 1, PTE_P | PTE_RW);
	cpu.paging.cr0 |= X86_CR0_PG;
	cpu.paging.cr3 = pd;
	cpu.rip = 0xc0000000;
	cpu.seg[X86_ES].base = 0;
	cpu.gpr[X86_RDI] = 0xf0000300;
	cpu.gpr[X86_RAX] = 0x4500;
	put_code_at(CODE_GPA, "\x89\x07", 2);
	snapshot();
	expect_done(x86_emulate(&cpu, LAPIC_GPA, &ops, 1, &res), 2);
	expect_access(5, 'w', LAPIC_GPA + 0x300, 4, 0x4500);
}
END_TEST

START_TEST(test_segment_checks)
{
	cpu.gpr[X86_RDI] = 0xfee00ffc;
	/* Limit: the last byte must be inside. */
	cpu.seg[X86_DS].limit = 0xfee00ffe;
	expect_exception(EMU32("\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.seg[X86_DS].limit = 0xfee00fff;
	expect_done(EMU32("\x8b\x07"), 2);
	/* Through SS the fault is #SS. */
	cpu.rip = CODE_GPA + 0x100;
	cpu.seg[X86_SS].limit = 0xfff;
	cpu.gpr[X86_RBP] = 0xffe;
	expect_exception(EMU32("\x8b\x45\x00"), X86_EMU_SS, X86_VEC_SS, 0);
	expect_exception(EMU32("\x36\x8b\x07"), X86_EMU_SS, X86_VEC_SS, 0);
	/* A read-only data segment refuses writes, not reads. */
	cpu.seg[X86_ES].attr = 0xc091;
	cpu.gpr[X86_RDI] = 0xfee00010;
	expect_exception(EMU32("\x26\x89\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.gpr[X86_RCX] = 1;
	expect_exception(EMU32("\xf3\xab"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.gpr[X86_RCX] = 0;                             /* no iteration, no access, no fault */
	expect_done(EMU32("\xf3\xab"), 2);
	cpu.rip = CODE_GPA + 0x100;
	expect_done(EMU32("\x26\x8b\x07"), 3);
	/* A code segment: readable ones can be read, never written. */
	cpu.rip = CODE_GPA + 0x100;
	expect_done(EMU32("\x2e\x8b\x07"), 3);
	cpu.rip = CODE_GPA + 0x100;
	expect_exception(EMU32("\x2e\x89\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.seg[X86_FS].attr = 0xc099;                    /* execute-only */
	expect_exception(EMU32("\x64\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	/* An unusable (null) segment. */
	cpu.seg[X86_GS].attr = X86_SEG_UNUSABLE;
	expect_exception(EMU32("\x65\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	/* Expand-down: valid offsets are above the limit, up to 0xffff without B. */
	cpu.seg[X86_DS] = seg(0xfee00000, 0x0fff, 0x0097);
	cpu.gpr[X86_RDI] = 0xffc;
	expect_exception(EMU32("\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.gpr[X86_RDI] = 0x1000;
	expect_done(EMU32("\x8b\x07"), 2);
	cpu.rip = CODE_GPA + 0x100;
	cpu.gpr[X86_RDI] = 0xfffe;
	expect_exception(EMU32("\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.seg[X86_DS].attr = 0xc097;                    /* B: up to 4 GiB */
	cpu.seg[X86_DS].base = 0xfedf0012;                /* + 0xfffe = LAPIC + 0x10 */
	expect_done(EMU32("\x8b\x07"), 2);
	/* The code segment limit bounds the fetch. */
	cpu.rip = CODE_GPA + 0x100;
	cpu.seg[X86_CS].limit = CODE_GPA + 0x101;         /* 2 bytes */
	expect_done(EMU32("\x8b\x07"), 2);
	cpu.rip = CODE_GPA + 0x100;
	expect_exception(EMU32("\x8b\x47\x01"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.rip = CODE_GPA + 0x102;
	expect_exception(EMU32("\x8b\x07"), X86_EMU_GP, X86_VEC_GP, 0);
}
END_TEST

/* Compatibility mode: 32-bit code under 4-level paging. */
START_TEST(test_compatibility_mode)
{
	map4(0x10000000, CODE_GPA, PTE_P);
	map4(0xfee00000, LAPIC_GPA, PTE_P | PTE_RW);
	cpu.seg[X86_CS] = seg(0, 0xffffffff, CS_32);
	cpu.rip = 0x10000000;
	cpu.gpr[X86_RDI] = 0xfffffffffee00030ull;          /* only EDI counts */
	cpu.gpr[X86_RAX] = 0x12;
	put_code_at(CODE_GPA, "\x89\x07", 2);
	snapshot();
	expect_done(x86_emulate(&cpu, LAPIC_GPA, &ops, 1, &res), 2);
	ck_assert_uint_eq(res.insn.mode, X86_MODE_32);
	expect_access(0, 'w', LAPIC_GPA + 0x30, 4, 0x12);
	/* 48 is DEC EAX here, not REX.W. */
	cpu.rip = 0x10000000;
	put_code_at(CODE_GPA, "\x48\x89\x07", 3);
	snapshot();
	expect_exception(x86_emulate(&cpu, LAPIC_GPA, &ops, 1, &res), X86_EMU_UD, X86_VEC_UD, 0);
}
END_TEST

static void setup16(void)
{
	setup64();
	cpu_real();
}

START_TEST(test_real_mode)
{
	ck_assert_int_eq(x86_cpu_mode(&cpu), X86_MODE_16);
	cpu.gpr[X86_RBX] = 0x10;
	cpu.gpr[X86_RAX] = 0x4142;
	expect_done(EMU32("\x88\x27"), 2);                /* mov [bx],ah */
	expect_access(0, 'w', VGA_GPA + 0x10, 1, 0x41);
	ck_assert_uint_eq(cpu.rip, 0x102);
	/* rep stosw with CX/DI */
	cpu.gpr[X86_RDI] = 0x20;
	cpu.gpr[X86_RCX] = 0xffff0002;
	expect_done(EMU32("\xf3\xab"), 2);
	expect_access(1, 'w', VGA_GPA + 0x20, 2, 0x4142);
	expect_access(2, 'w', VGA_GPA + 0x22, 2, 0x4142);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0xffff0000);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], 0x24);
	/* 32-bit operand: mov eax,[bp+si+4] through SS */
	cpu.seg[X86_SS].base = VGA_GPA;
	dev_set(VGA_GPA + 0x38, 0x89abcdef, 4);
	cpu.gpr[X86_RBP] = 0x30;
	cpu.gpr[X86_RSI] = 0x4;
	expect_done(EMU32("\x66\x8b\x42\x04"), 4);
	ck_assert_uint_eq(cpu.gpr[X86_RAX], 0x89abcdef);
	/* Offsets wrap at 64 KiB; a word at 0xffff is past the limit: #GP. */
	cpu.gpr[X86_RBX] = 0xffff;
	cpu.gpr[X86_RSI] = 0;
	expect_exception(EMU32("\x8b\x00"), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.gpr[X86_RSI] = 0x11;                          /* bx + si = 0x10010 -> 0x10 */
	expect_done(EMU32("\x8a\x00"), 2);
	expect_access(4, 'r', VGA_GPA + 0x10, 1, 0x41);
	/* IP wraps at 64 KiB. */
	cpu.rip = 0xfffe;
	cpu.gpr[X86_RBX] = 0x10;
	put_code_at(0x20000 + 0xfffe, "\x88\x27", 2);
	snapshot();
	ck_assert_int_eq(x86_emulate(&cpu, X86_EMU_NO_GPA, &ops, 1, &res), X86_EMU_DONE);
	ck_assert_uint_eq(cpu.rip, 0);
	/* Virtual-8086 mode is 16-bit code too. */
	cpu.paging.cr0 = X86_CR0_PE;
	cpu.rflags |= X86_RFLAGS_VM;
	ck_assert_int_eq(x86_cpu_mode(&cpu), X86_MODE_16);
}
END_TEST

START_TEST(test_rflags_rf)
{
	cpu.gpr[X86_RDI] = MMIO_LA;
	cpu.rflags = FLAGS_FIXED | X86_RFLAGS_RF | X86_RFLAGS_TF | DF;
	expect_done(EMU("\x8b\x07"), 2);
	ck_assert_uint_eq(cpu.rflags, FLAGS_FIXED | X86_RFLAGS_TF | DF);
	/* An unfinished REP keeps RF (the instruction is still to complete). */
	cpu.rip = CODE_LA;
	cpu.rflags = FLAGS_FIXED | X86_RFLAGS_RF;
	cpu.gpr[X86_RCX] = 5;
	ck_assert_int_eq(emulate_n("\xf3\xaa", 2, X86_EMU_NO_GPA, 2), X86_EMU_CONTINUE);
	ck_assert_uint_eq(cpu.rflags, FLAGS_FIXED | X86_RFLAGS_RF);
}
END_TEST

/* ------------------------------------------------------------ string I/O exits */

#define KDATA_LA 0xffff888000100000ull   /* a supervisor-only data page */
#define KDATA_GPA 0x360000ull
#define UCODE_LA (RAM_LA + 0x40000)       /* user code (CPL 3) */
#define UCODE_GPA 0x370000ull
#define LOW_LA 0x100000ull                /* below 4 GiB: addr32 in 64-bit code */
#define LOW_GPA 0x380000ull
#define WRAP_HI_GPA 0x390000ull           /* behind linear 0xfffff000 (compatibility mode) */
#define WRAP_LO_GPA 0x3a0000ull           /* behind linear 0 */
#define WIDE_LA (RAM_LA + 0x50000)        /* behind a frame with address bit 40 */
#define WIDE_GPA 0x10000390000ull
#define PORT 0x1f0u
#define FILL 0x5a                         /* what pages hold before a refused INS */
#define AM X86_CR0_AM
#define AC X86_RFLAGS_AC
#define E_P X86_PF_P
#define E_W X86_PF_W
#define E_U X86_PF_U
#define E_RSVD X86_PF_RSVD

static uint64_t io_code_la, io_code_gpa;  /* a code address and where it lives */

static void setup_io(void)
{
	setup64();
	map4(KDATA_LA, KDATA_GPA, PTE_P | PTE_RW);
	map4(UCODE_LA, UCODE_GPA, PTE_P | PTE_US);
	map4(LOW_LA, LOW_GPA, PTE_P | PTE_RW);
	memset(gmem_at(ram, KDATA_GPA), FILL, 4096);
	memset(gmem_at(ram, RAM_GPA), FILL, 4096);
	gmem_at(ram, UCODE_GPA);
	gmem_at(ram, LOW_GPA);
	io_code_la = CODE_LA;
	io_code_gpa = CODE_GPA;
	cpu.gpr[X86_RDX] = PORT;
}

/* The guest at CPL 3 (a user process with IOPL 3 or the port in its TSS bitmap). */
static void cpu_user(void)
{
	cpu.cpl = 3;
	cpu.rip = io_code_la = UCODE_LA;
	io_code_gpa = UCODE_GPA;
}

/* An I/O exit's qualification (SDM table 27-5) for INS (in) or OUTS of size bytes at port. */
static uint64_t qual(bool in, bool rep, unsigned size, uint16_t port)
{
	return (uint64_t)(size - 1) | (in ? X86_IO_QUAL_IN : 0) | X86_IO_QUAL_STRING |
	       (rep ? X86_IO_QUAL_REP : 0) | (uint64_t)port << 16;
}

static int emulate_io(const void *code, size_t n, uint64_t q, unsigned max_iter)
{
	put_code_at(io_code_gpa + (cpu.rip - io_code_la), code, n);
	snapshot();
	return x86_emulate_io(&cpu, q, &ops, max_iter, &res);
}

#define IO(code, q) emulate_io(code, sizeof(code) - 1, q, 1000)
#define INSB_REP qual(true, true, 1, PORT)

/* The page at gpa still holds FILL from offset off for n bytes. */
static void expect_untouched(uint64_t gpa, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		ck_assert_msg(*gmem_at(ram, gpa + i) == FILL, "byte %#llx written",
			      (unsigned long long)(gpa + i));
}

START_TEST(test_io_ins_outs)
{
	/* rep insb: the port's bytes into RAM, RDI and RCX moved on */
	cpu.gpr[X86_RDI] = RAM_LA + 0x10;
	cpu.gpr[X86_RCX] = 4;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x10, 4), 0x33323130);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], RAM_LA + 0x14);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0);
	ck_assert_uint_eq(dev.n, 4);
	expect_access(3, 'i', PORT, 1, 0x33);
	/* rep outsw downwards (DF): from RSI, then RSI - 2 */
	gmem_put(ram, RAM_GPA + 0x20, 0xbbbbaaaa, 4);
	cpu.rflags = FLAGS_FIXED | DF;
	cpu.gpr[X86_RSI] = RAM_LA + 0x22;
	cpu.gpr[X86_RCX] = 2;
	expect_done(IO("\x66\xf3\x6f", qual(false, true, 2, PORT)), 3);
	expect_access(4, 'o', PORT, 2, 0xbbbb);
	expect_access(5, 'o', PORT, 2, 0xaaaa);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], RAM_LA + 0x1e);
	/* insd with REX.W is still 4 bytes; into a device page it is an MMIO write */
	cpu.rflags = FLAGS_FIXED;
	cpu.gpr[X86_RDI] = MMIO_LA + 0x40;
	expect_done(IO("\x48\x6d", qual(true, false, 4, PORT)), 2);
	expect_access(6, 'i', PORT, 4, 0x37363534);
	expect_access(7, 'w', LAPIC_GPA + 0x40, 4, 0x37363534);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], MMIO_LA + 0x44);
	/* outsb fs: from FS's base */
	cpu.seg[X86_FS].base = RAM_LA;
	cpu.gpr[X86_RSI] = 0x10;
	expect_done(IO("\x64\x6e", qual(false, false, 1, PORT)), 2);
	expect_access(8, 'o', PORT, 1, 0x30);
	/* A bounded REP: two iterations, then CONTINUE with RIP on the instruction */
	cpu.gpr[X86_RDI] = RAM_LA + 0x100;
	cpu.gpr[X86_RCX] = 5;
	ck_assert_int_eq(emulate_io("\xf3\x6c", 2, INSB_REP, 2), X86_EMU_CONTINUE);
	ck_assert_uint_eq(cpu.rip, before.rip);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 3);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], RAM_LA + 0x102);
	ck_assert_uint_eq(res.iterations, 2);
	/* A count of 0 touches nothing, not even the port */
	cpu.gpr[X86_RCX] = 0;
	unsigned n = dev.n;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	ck_assert_uint_eq(dev.n, n);
}
END_TEST

/* CPL 3 makes a user access: a supervisor-only page faults with P|W|U, CR2 = the address. */
START_TEST(test_io_user_to_supervisor_page)
{
	cpu_user();
	cpu.gpr[X86_RDI] = KDATA_LA + 0x80;
	cpu.gpr[X86_RCX] = 16;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_PF, X86_VEC_PF, E_P | E_W | E_U);
	ck_assert_uint_eq(res.cr2, KDATA_LA + 0x80);
	expect_untouched(KDATA_GPA, 4096);
	ck_assert_uint_eq(dev.port_bytes, 0);          /* the port was not read */
	/* OUTS reads: P|U */
	cpu.gpr[X86_RSI] = KDATA_LA + 0xff0;
	expect_exception(IO("\xf3\x6e", qual(false, true, 1, PORT)), X86_EMU_PF, X86_VEC_PF,
			 E_P | E_U);
	ck_assert_uint_eq(res.cr2, KDATA_LA + 0xff0);
	/* Not present at CPL 3: W|U */
	cpu.gpr[X86_RDI] = NP_LA;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_PF, X86_VEC_PF, E_W | E_U);
	/* A read-only user page: P|W|U */
	cpu.gpr[X86_RDI] = RO_LA;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_PF, X86_VEC_PF, E_P | E_W | E_U);
	/* A user page is fine */
	cpu.gpr[X86_RDI] = RAM_LA;
	cpu.gpr[X86_RCX] = 2;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA, 2), 0x3130);
	/* The same instruction at CPL 0 writes the supervisor page. */
	cpu_long();
	cpu.gpr[X86_RDX] = PORT;
	io_code_la = CODE_LA;
	io_code_gpa = CODE_GPA;
	cpu.gpr[X86_RDI] = KDATA_LA;
	cpu.gpr[X86_RCX] = 1;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	ck_assert_uint_eq(*gmem_at(ram, KDATA_GPA), 0x32);
}
END_TEST

/* A fault in a later iteration keeps the ones done; the faulting one read no port. */
START_TEST(test_io_fault_midway)
{
	cpu_user();
	map4(KDATA_LA - 0x1000, RAM_GPA + 0x2000, RW_US);   /* a user page, then the kernel's */
	cpu.gpr[X86_RDI] = KDATA_LA - 2;
	cpu.gpr[X86_RCX] = 5;
	ck_assert_int_eq(emulate_io("\xf3\x6c", 2, INSB_REP, 64), X86_EMU_PF);
	ck_assert_uint_eq(res.error_code, E_P | E_W | E_U);
	ck_assert_uint_eq(res.cr2, KDATA_LA);
	ck_assert_uint_eq(res.iterations, 2);
	ck_assert_uint_eq(dev.port_bytes, 2);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x2ffe, 2), 0x3130);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], KDATA_LA);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 3);
	ck_assert_uint_eq(cpu.rip, before.rip);          /* the guest's handler returns to it */
	expect_untouched(KDATA_GPA, 16);
}
END_TEST

/* SMAP: a supervisor access to a user page faults unless RFLAGS.AC (explicit accesses). */
START_TEST(test_io_smap)
{
	cpu.paging.cr4 |= X86_CR4_SMAP;
	cpu.gpr[X86_RDI] = RAM_LA + 0x40;
	cpu.gpr[X86_RCX] = 2;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_PF, X86_VEC_PF, E_P | E_W);
	ck_assert_uint_eq(res.cr2, RAM_LA + 0x40);
	expect_untouched(RAM_GPA, 4096);
	cpu.gpr[X86_RSI] = RAM_LA + 0x40;
	expect_exception(IO("\x6e", qual(false, false, 1, PORT)), X86_EMU_PF, X86_VEC_PF, E_P);
	/* With AC (STAC) both go through */
	cpu.rflags = FLAGS_FIXED | AC;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	ck_assert_uint_eq(gmem_get(ram, RAM_GPA + 0x40, 2), 0x3130);
	cpu.gpr[X86_RSI] = RAM_LA + 0x40;
	expect_done(IO("\x6e", qual(false, false, 1, PORT)), 1);
	expect_access(2, 'o', PORT, 1, 0x30);
	/* SMAP never stops user accesses; supervisor pages are no user pages */
	cpu.rflags = FLAGS_FIXED;
	cpu.gpr[X86_RDI] = KDATA_LA;
	cpu.gpr[X86_RCX] = 1;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	cpu_user();
	cpu.gpr[X86_RDI] = RAM_LA + 0x80;
	cpu.gpr[X86_RCX] = 1;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
}
END_TEST

/* Reserved bits follow MAXPHYADDR: address bit 40 exists with 46 bits, not with 39. */
START_TEST(test_io_maxphyaddr)
{
	map4(WIDE_LA, WIDE_GPA, RW_US);
	gmem_at(ram, WIDE_GPA);
	cpu.gpr[X86_RDI] = WIDE_LA + 8;
	cpu.gpr[X86_RCX] = 1;
	cpu.paging.maxphyaddr = 39;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_PF, X86_VEC_PF, E_P | E_W | E_RSVD);
	ck_assert_uint_eq(res.cr2, WIDE_LA + 8);
	cpu.paging.maxphyaddr = 46;
	expect_done(IO("\xf3\x6c", INSB_REP), 2);
	ck_assert_uint_eq(*gmem_at(ram, WIDE_GPA + 8), 0x30);
	/* At CPL 3 the error code says so too */
	cpu_user();
	cpu.paging.maxphyaddr = 40;
	cpu.gpr[X86_RDI] = WIDE_LA + 9;
	cpu.gpr[X86_RCX] = 1;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_PF, X86_VEC_PF,
			 E_P | E_W | E_U | E_RSVD);
}
END_TEST

/* Address size and the 32-bit wrap: linear addresses, rSI/rDI/rCX at their width. */
START_TEST(test_io_address_size_and_wrap)
{
	/* Compatibility mode: ES base + EDI wraps at 4 GiB, the access split in two */
	map4(0x10000000, CODE_GPA, PTE_P);
	map4(0xfffff000, WRAP_HI_GPA, PTE_P | PTE_RW);
	map4(0, WRAP_LO_GPA, PTE_P | PTE_RW);
	gmem_at(ram, WRAP_HI_GPA + 0xfff);
	gmem_at(ram, WRAP_LO_GPA);
	cpu.seg[X86_CS] = seg(0, 0xffffffff, CS_32);
	cpu.seg[X86_ES].base = 0x1000;
	cpu.rip = io_code_la = 0x10000000;
	cpu.gpr[X86_RDI] = 0xffffeffe;
	expect_done(IO("\x6d", qual(true, false, 4, PORT)), 1);
	ck_assert_uint_eq(gmem_get(ram, WRAP_HI_GPA + 0xffe, 2), 0x3130);
	ck_assert_uint_eq(gmem_get(ram, WRAP_LO_GPA, 2), 0x3332);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], 0xfffff002);
	/* The second half faulting reports its own address, the wrapped one */
	map4(0, WRAP_LO_GPA, PTE_P);
	cpu.rip = 0x10000000;
	cpu.gpr[X86_RDI] = 0xffffeffe;
	expect_exception(IO("\x6d", qual(true, false, 4, PORT)), X86_EMU_PF, X86_VEC_PF,
			 E_P | E_W);
	ck_assert_uint_eq(res.cr2, 0);

	/* 64-bit code with addr32 (67): EDI and ECX, zero-extended when written */
	cpu_long();
	cpu.gpr[X86_RDX] = PORT;
	io_code_la = CODE_LA;
	cpu.gpr[X86_RDI] = 0xffffffff00000000ull | LOW_LA;
	cpu.gpr[X86_RCX] = 0xffffffff00000002ull;
	expect_done(IO("\x67\xf3\x6c", INSB_REP), 3);
	ck_assert_uint_eq(gmem_get(ram, LOW_GPA, 2), 0x3534);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], LOW_LA + 2);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0);
	/* rep outsb with addr32: ESI */
	cpu.gpr[X86_RSI] = 0x8000000000000000ull | LOW_LA;
	cpu.gpr[X86_RCX] = 0x100000001ull;             /* ECX = 1: one byte */
	expect_done(IO("\x67\xf3\x6e", qual(false, true, 1, PORT)), 3);
	expect_access(dev.n - 1, 'o', PORT, 1, 0x34);
	ck_assert_uint_eq(cpu.gpr[X86_RSI], LOW_LA + 1);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0);
	/* Non-canonical RDI: #GP(0) */
	cpu.gpr[X86_RDI] = 0x0000800000000000ull;
	cpu.gpr[X86_RCX] = 1;
	expect_exception(IO("\xf3\x6c", INSB_REP), X86_EMU_GP, X86_VEC_GP, 0);

	/* 32-bit code with addr16 (67): DI and CX wrap at 64 KiB, their upper halves kept */
	cpu_protected32();
	cpu.gpr[X86_RDX] = PORT;
	io_code_la = io_code_gpa = 0;                        /* no paging */
	cpu.seg[X86_ES].base = RAM_GPA;
	gmem_at(ram, RAM_GPA + 0xf000);
	cpu.gpr[X86_RDI] = 0x1234ffff;
	cpu.gpr[X86_RCX] = 0xcccc0002;
	expect_done(IO("\x67\xf3\x6c", INSB_REP), 3);
	ck_assert_uint_eq(*gmem_at(ram, RAM_GPA + 0xffff), 0x36);
	ck_assert_uint_eq(*gmem_at(ram, RAM_GPA), 0x37);
	ck_assert_uint_eq(cpu.gpr[X86_RDI], 0x12340001);
	ck_assert_uint_eq(cpu.gpr[X86_RCX], 0xcccc0000);
}
END_TEST

/* The exit comes before the segment checks (SDM 25.1.1): the emulator makes them. */
START_TEST(test_io_segment_checks)
{
	cpu_protected32();
	cpu.gpr[X86_RDX] = PORT;
	io_code_la = io_code_gpa = 0;                        /* no paging */
	cpu.seg[X86_ES] = seg(RAM_GPA, 0xfff, DS_32);
	cpu.gpr[X86_RDI] = 0xfff;
	expect_exception(IO("\x66\x6d", qual(true, false, 2, PORT)), X86_EMU_GP, X86_VEC_GP, 0);
	ck_assert_uint_eq(dev.port_bytes, 0);
	cpu.gpr[X86_RDI] = 0xffe;
	expect_done(IO("\x66\x6d", qual(true, false, 2, PORT)), 2);
	/* An unusable ES, a read-only ES */
	cpu.rip = before.rip;
	cpu.seg[X86_ES].attr = X86_SEG_UNUSABLE;
	expect_exception(IO("\x6c", qual(true, false, 1, PORT)), X86_EMU_GP, X86_VEC_GP, 0);
	cpu.seg[X86_ES].attr = 0xc091;
	expect_exception(IO("\x6c", qual(true, false, 1, PORT)), X86_EMU_GP, X86_VEC_GP, 0);
	/* OUTS through SS beyond its limit: #SS(0); a read-only segment can be read */
	cpu.seg[X86_SS] = seg(RAM_GPA, 0x7ff, DS_32);
	cpu.gpr[X86_RSI] = 0x800;
	expect_exception(IO("\x36\x6e", qual(false, false, 1, PORT)), X86_EMU_SS, X86_VEC_SS, 0);
	cpu.gpr[X86_RSI] = 0x7ff;
	expect_done(IO("\x36\x6e", qual(false, false, 1, PORT)), 2);
	cpu.rip = before.rip;
	expect_done(IO("\x26\x6e", qual(false, false, 1, PORT)), 2);
	/* An execute-only code segment cannot be read */
	cpu.rip = before.rip;
	cpu.seg[X86_FS] = seg(RAM_GPA, 0xfff, 0xc099);
	expect_exception(IO("\x64\x6e", qual(false, false, 1, PORT)), X86_EMU_GP, X86_VEC_GP, 0);
}
END_TEST

/* #AC at CPL 3 with CR0.AM and RFLAGS.AC; the exit comes before it too. */
START_TEST(test_io_alignment_check)
{
	cpu_user();
	cpu.paging.cr0 |= AM;
	cpu.rflags = FLAGS_FIXED | AC;
	cpu.gpr[X86_RDI] = RAM_LA + 1;
	expect_exception(IO("\x66\x6d", qual(true, false, 2, PORT)), X86_EMU_AC, X86_VEC_AC, 0);
	ck_assert_uint_eq(dev.port_bytes, 0);
	cpu.gpr[X86_RSI] = RAM_LA + 6;
	expect_exception(IO("\x6f", qual(false, false, 4, PORT)), X86_EMU_AC, X86_VEC_AC, 0);
	cpu.gpr[X86_RDI] = RAM_LA + 2;
	expect_done(IO("\x66\x6d", qual(true, false, 2, PORT)), 2);
	/* Bytes are always aligned; no AC, no AM or CPL 0: no check */
	cpu_user();
	cpu.gpr[X86_RDI] = RAM_LA + 1;
	expect_done(IO("\x6c", qual(true, false, 1, PORT)), 1);
	cpu_user();
	cpu.rflags = FLAGS_FIXED;
	expect_done(IO("\x66\x6d", qual(true, false, 2, PORT)), 2);
	cpu_user();
	cpu.rflags = FLAGS_FIXED | AC;
	cpu.paging.cr0 &= ~AM;
	expect_done(IO("\x66\x6d", qual(true, false, 2, PORT)), 2);
	cpu_long();
	cpu.gpr[X86_RDX] = PORT;
	io_code_la = CODE_LA;
	io_code_gpa = CODE_GPA;
	cpu.paging.cr0 |= AM;
	cpu.rflags = FLAGS_FIXED | AC;
	cpu.gpr[X86_RDI] = KDATA_LA + 1;
	expect_done(IO("\x66\x6d", qual(true, false, 2, PORT)), 2);
}
END_TEST

/* The instruction at RIP must be the one the exit describes; else nothing happens. */
START_TEST(test_io_exit_mismatch)
{
	cpu.gpr[X86_RDI] = cpu.gpr[X86_RSI] = RAM_LA;
	cpu.gpr[X86_RCX] = 1;
	ck_assert_int_eq(IO("\x6e", qual(true, false, 1, PORT)), X86_EMU_RETRY);
	ck_assert_int_eq(IO("\x6c", qual(false, false, 1, PORT)), X86_EMU_RETRY);
	ck_assert_int_eq(IO("\x6c", qual(true, false, 2, PORT)), X86_EMU_RETRY);
	ck_assert_int_eq(IO("\x66\x6d", qual(true, false, 4, PORT)), X86_EMU_RETRY);
	ck_assert_int_eq(IO("\x6c", qual(true, false, 1, PORT + 1)), X86_EMU_RETRY);
	ck_assert_int_eq(IO("\x6c", qual(true, false, 1, PORT) & ~(uint64_t)X86_IO_QUAL_STRING),
			 X86_EMU_RETRY);
	ck_assert_int_eq(IO("\x8b\x07", qual(true, false, 4, PORT)), X86_EMU_RETRY);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	ck_assert_uint_eq(dev.n, 0);
	expect_untouched(RAM_GPA, 4096);
}
END_TEST

/* A port callback that fails (or is missing) is the VMM's error, with the port. */
START_TEST(test_io_port_error)
{
	cpu.gpr[X86_RDI] = RAM_LA;
	ops.pio_in = NULL;
	ck_assert_int_eq(IO("\x6c", qual(true, false, 1, PORT)), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, PORT);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
	expect_untouched(RAM_GPA, 1);
	dev.fail = true;
	cpu.gpr[X86_RSI] = RAM_LA;
	ck_assert_int_eq(IO("\x6e", qual(false, false, 1, PORT)), X86_EMU_ERROR);
	ck_assert_uint_eq(res.bad_gpa, PORT);
	ck_assert(!memcmp(&cpu, &before, sizeof(cpu)));
}
END_TEST

/* ------------------------------------------------------------ native comparison */

#if defined(__x86_64__)
/* The state the native run starts with and ends with. */
struct native {
	uint64_t gpr[X86_NGPR];           /* RSP is neither loaded nor stored */
	uint64_t rflags;
};

void x86emu_test_native_run(struct native *n, const void *code);

/* Loads n's registers and flags, calls code (which ends in RET), stores them back. */
__asm__(".pushsection .text\n"
	".type x86emu_test_native_run, @function\n"
	"x86emu_test_native_run:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"	mov %rdi, x86emu_test_state(%rip)\n"
	"	mov %rsi, x86emu_test_code(%rip)\n"
	"	pushq 128(%rdi)\n popfq\n"
	"	mov 0(%rdi), %rax\n mov 8(%rdi), %rcx\n mov 16(%rdi), %rdx\n"
	"	mov 24(%rdi), %rbx\n mov 40(%rdi), %rbp\n mov 48(%rdi), %rsi\n"
	"	mov 64(%rdi), %r8\n mov 72(%rdi), %r9\n mov 80(%rdi), %r10\n"
	"	mov 88(%rdi), %r11\n mov 96(%rdi), %r12\n mov 104(%rdi), %r13\n"
	"	mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n mov 56(%rdi), %rdi\n"
	"	call *x86emu_test_code(%rip)\n"
	"	pushfq\n push %rax\n"
	"	mov x86emu_test_state(%rip), %rax\n"
	"	mov %rcx, 8(%rax)\n mov %rdx, 16(%rax)\n mov %rbx, 24(%rax)\n"
	"	mov %rbp, 40(%rax)\n mov %rsi, 48(%rax)\n mov %rdi, 56(%rax)\n"
	"	mov %r8, 64(%rax)\n mov %r9, 72(%rax)\n mov %r10, 80(%rax)\n"
	"	mov %r11, 88(%rax)\n mov %r12, 96(%rax)\n mov %r13, 104(%rax)\n"
	"	mov %r14, 112(%rax)\n mov %r15, 120(%rax)\n"
	"	pop %rcx\n mov %rcx, 0(%rax)\n pop %rcx\n mov %rcx, 128(%rax)\n"
	"	cld\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n"
	".size x86emu_test_native_run, .-x86emu_test_native_run\n"
	".popsection\n"
	".pushsection .bss\n"
	".balign 8\n"
	"x86emu_test_state: .zero 8\n"
	"x86emu_test_code: .zero 8\n"
	".popsection\n");

/* One generated instruction and what the comparison may ignore. */
struct gen {
	uint8_t b[X86_INSN_MAX];
	unsigned n;
	uint64_t undefined_flags;
	int vendor_reg;                   /* a register whose bits 63:32 are vendor-specific */
	bool string;
};

/* Opcode templates: escape 0F?, opcode, ModRM digit (-1: a register), immediate bytes
 * (4 means Iz), flags undefined afterwards, memory only, LOCK allowed. */
struct tmpl {
	bool twobyte;
	uint8_t op;
	int digit;
	unsigned imm;
	uint64_t undefined;
	bool mem_only, lockable;
};

#define BT_UNDEF (OF | SF | AF | PF)
static const struct tmpl tmpls[] = {
	/* ALU r/m,reg and reg,r/m: filled in by gen_insn for 00-3B */
	{ false, 0x80, -2, 1, 0, false, true },           /* group 1 Eb,Ib (digit random) */
	{ false, 0x81, -2, 4, 0, false, true },
	{ false, 0x83, -2, 1, 0, false, true },
	{ false, 0x84, -1, 0, AF, false, false },
	{ false, 0x85, -1, 0, AF, false, false },
	{ false, 0x86, -1, 0, 0, false, true },
	{ false, 0x87, -1, 0, 0, false, true },
	{ false, 0x88, -1, 0, 0, false, false },
	{ false, 0x89, -1, 0, 0, false, false },
	{ false, 0x8a, -1, 0, 0, false, false },
	{ false, 0x8b, -1, 0, 0, false, false },
	{ false, 0x63, -1, 0, 0, false, false },
	{ false, 0xc6, 0, 1, 0, false, false },
	{ false, 0xc7, 0, 4, 0, false, false },
	{ false, 0xf6, 0, 1, AF, false, false },
	{ false, 0xf6, 1, 1, AF, false, false },
	{ false, 0xf6, 2, 0, 0, false, true },
	{ false, 0xf6, 3, 0, 0, false, true },
	{ false, 0xf7, 0, 4, AF, false, false },
	{ false, 0xf7, 2, 0, 0, false, true },
	{ false, 0xf7, 3, 0, 0, false, true },
	{ false, 0xfe, 0, 0, 0, false, true },
	{ false, 0xfe, 1, 0, 0, false, true },
	{ false, 0xff, 0, 0, 0, false, true },
	{ false, 0xff, 1, 0, 0, false, true },
	{ true, 0xa3, -1, 0, BT_UNDEF, false, false },
	{ true, 0xab, -1, 0, BT_UNDEF, false, true },
	{ true, 0xb3, -1, 0, BT_UNDEF, false, true },
	{ true, 0xbb, -1, 0, BT_UNDEF, false, true },
	{ true, 0xba, 4, 1, BT_UNDEF, false, false },
	{ true, 0xba, 5, 1, BT_UNDEF, false, true },
	{ true, 0xba, 6, 1, BT_UNDEF, false, true },
	{ true, 0xba, 7, 1, BT_UNDEF, false, true },
	{ true, 0xb0, -1, 0, 0, false, true },
	{ true, 0xb1, -1, 0, 0, false, true },
	{ true, 0xc0, -1, 0, 0, false, true },
	{ true, 0xc1, -1, 0, 0, false, true },
	{ true, 0xb6, -1, 0, 0, false, false },
	{ true, 0xb7, -1, 0, 0, false, false },
	{ true, 0xbe, -1, 0, 0, false, false },
	{ true, 0xbf, -1, 0, 0, false, false },
	{ true, 0xc3, -1, 0, 0, true, false },
};

#define NBUF 8192u                         /* two pages: the first MMIO, the second RAM */
#define NATIVE_RAM_GPA 0x340000ull
#define NATIVE_RUNS 50000u

/* A register index that is not RSP (or AH..BH, which share encodings with SPL..DIL). */
static unsigned any_reg(void)
{
	unsigned r;

	do
		r = (unsigned)(rnd() % 16);
	while (r == X86_RSP);
	return r;
}

static void put(struct gen *g, uint8_t b)
{
	ck_assert_uint_lt(g->n, X86_INSN_MAX);
	g->b[g->n++] = b;
}

/*
 * A random instruction of the emulated set whose memory operand (if any)
 * lies in buf, with the registers it uses set up in gpr; false if the
 * choice does not work (base and index collide), to be drawn again.
 */
static bool gen_insn(struct gen *g, uint64_t *gpr, uint64_t buf)
{
	unsigned kind = (unsigned)(rnd() % 10);

	memset(g, 0, sizeof(*g));
	g->vendor_reg = -1;
	if (kind == 0) {                            /* MOVS/STOS/LODS, maybe REP */
		static const uint8_t str[] = { 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad };
		g->string = true;
		if (rnd() % 2)
			put(g, 0x66);
		if (rnd() % 2)
			put(g, 0xf3);
		if (rnd() % 2)
			put(g, 0x48);
		put(g, str[rnd() % 6]);
		gpr[X86_RSI] = buf + 0x100 + rnd() % (NBUF - 0x200);
		gpr[X86_RDI] = buf + 0x100 + rnd() % (NBUF - 0x200);
		gpr[X86_RCX] = rnd() % 9;
		return true;
	}
	if (kind == 1) {                            /* MOV moffs64 */
		uint64_t a = buf + rnd() % (NBUF - 8);
		if (rnd() % 2)
			put(g, 0x48);
		put(g, (uint8_t)(0xa0 + rnd() % 4));
		for (unsigned i = 0; i < 8; i++)
			put(g, (uint8_t)(a >> (8 * i)));
		return true;
	}

	struct tmpl t;
	int digit;
	if (kind <= 4) {                            /* 00-3B: op in bits 5:3, form in 1:0 */
		uint8_t op = (uint8_t)((rnd() % 8) << 3 | rnd() % 4);
		unsigned alu = op >> 3;
		t = (struct tmpl){ false, op, -1, 0, 0, false, !(op & 2) && alu != X86_OP_CMP };
		digit = -1;
		if (alu == X86_OP_OR || alu == X86_OP_AND || alu == X86_OP_XOR)
			t.undefined = AF;
	} else {
		t = tmpls[rnd() % (sizeof(tmpls) / sizeof(tmpls[0]))];
		digit = t.digit == -2 ? (int)(rnd() % 8) : t.digit;
		if (t.digit == -2) {                    /* group 1: digit = ALU op */
			if (digit == X86_OP_OR || digit == X86_OP_AND || digit == X86_OP_XOR)
				t.undefined = AF;
			t.lockable = digit != X86_OP_CMP;
		}
	}
	g->undefined_flags = t.undefined;

	/* Registers: base b and index x (memory), ModRM.reg r, r/m register m. */
	bool mem = t.mem_only || rnd() % 4;
	unsigned b = any_reg(), x = any_reg(), r = any_reg(), m = any_reg();
	bool sib = mem && (rnd() % 2 || (b & 7) == X86_RSP), index = sib && rnd() % 2;
	bool opsize16 = rnd() % 4 == 0 && !(t.twobyte && t.op == 0xc3);
	uint8_t rex = (uint8_t)(rnd() % 2 ? 0x40 | (rnd() % 2) << 3 : 0);

	if (rex) {
		if (digit < 0)
			rex |= (uint8_t)((r >> 3) << 2);
		rex |= (uint8_t)(mem ? (b >> 3) | (index ? (x >> 3) << 1 : 0) : m >> 3);
	} else {                                    /* registers 0-7 only, none of them RSP */
		b = (b & 7) == X86_RSP ? X86_RBX : b & 7;
		x = (x & 7) == X86_RSP ? X86_RBX : x & 7;
		r = (r & 7) == X86_RSP ? X86_RDX : r & 7;
		m = (m & 7) == X86_RSP ? X86_RCX : m & 7;
	}
	if (index && x == b)
		return false;
	if (opsize16)
		put(g, 0x66);
	if (mem && t.lockable && rnd() % 3 == 0)
		put(g, 0xf0);
	if (rex)
		put(g, rex);
	if (t.twobyte)
		put(g, 0x0f);
	put(g, t.op);

	unsigned reg_field = digit >= 0 ? (unsigned)digit : r & 7;
	if (!mem) {
		put(g, (uint8_t)(0xc0 | reg_field << 3 | (m & 7)));
	} else {
		unsigned mod = 1 + (unsigned)(rnd() % 2);      /* disp8 or disp32 */
		unsigned log2_scale = (unsigned)(rnd() % 4), scale = 1u << log2_scale;
		int64_t disp = (int64_t)(rnd() % 256) - 128;
		uint64_t idx = index ? rnd() % 16 : 0;
		put(g, (uint8_t)(mod << 6 | reg_field << 3 | (sib ? 4 : (b & 7))));
		if (sib)
			put(g, (uint8_t)(log2_scale << 6 | (index ? (x & 7) : 4) << 3 | (b & 7)));
		for (unsigned i = 0; i < (mod == 1 ? 1u : 4u); i++)
			put(g, (uint8_t)((uint64_t)disp >> (8 * i)));
		/* The operand lands in buf, maybe across its middle (MMIO | RAM). */
		if (index)
			gpr[x] = idx;
		gpr[b] = buf + 0x400 + rnd() % (NBUF - 0x800) - (uint64_t)disp - idx * scale;
	}
	/* Iz: 2 bytes for a 16-bit operand (66 without REX.W), else 4. */
	unsigned imm = t.imm == 4 ? (opsize16 && !(rex & X86_REX_W) ? 2 : 4) : t.imm;
	for (unsigned i = 0; i < imm; i++)
		put(g, (uint8_t)rnd());
	/* CMPXCHG r32 that fails: Intel writes the destination back (zero-extending
	 * it), AMD leaves it alone. */
	if (t.twobyte && t.op == 0xb1 && !mem && !(rex & X86_REX_W) && !opsize16)
		g->vendor_reg = (int)m;
	/* BT* with a register offset: a small one, not in an address register. */
	if (t.twobyte && (t.op == 0xa3 || t.op == 0xab || t.op == 0xb3 || t.op == 0xbb)) {
		if (mem && (r == b || (index && r == x)))
			return false;
		gpr[r] = (uint64_t)((int64_t)(rnd() % 1024) - 512);
	}
	return true;
}

START_TEST(test_native_comparison)
{
	uint8_t *host = aligned_alloc(4096, NBUF);
	uint8_t *code = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	uint64_t buf = (uint64_t)(uintptr_t)host;
	unsigned compared = 0;

	ck_assert_ptr_nonnull(host);
	ck_assert_ptr_ne(code, MAP_FAILED);
	/* The guest sees buf at the same linear address: first page MMIO, second RAM. */
	map4(buf, LAPIC_GPA, RW_US);
	map4(buf + 4096, NATIVE_RAM_GPA, RW_US);
	gmem_at(ram, NATIVE_RAM_GPA);
	rnd_seed(0x5eed);

	for (unsigned i = 0; i < NATIVE_RUNS; i++) {
		struct native n;
		struct gen g;

		for (unsigned j = 0; j < X86_NGPR; j++)
			n.gpr[j] = rnd();
		n.gpr[X86_RSP] = 0;
		while (!gen_insn(&g, n.gpr, buf))
			;
		n.rflags = FLAGS_FIXED | (rnd() & ARITH) | (g.string && rnd() % 2 ? DF : 0);
		if (g.string && (n.rflags & DF)) {      /* keep the copy inside buf going down */
			n.gpr[X86_RSI] += 0x80;
			n.gpr[X86_RDI] += 0x80;
		}
		for (unsigned j = 0; j < NBUF; j += 8)
			put64(host + j, rnd());
		memcpy(dev.bytes[0], host, 4096);
		memcpy(gmem_at(ram, NATIVE_RAM_GPA), host + 4096, 4096);

		/* The emulator first (the native run changes buf). */
		memcpy(cpu.gpr, n.gpr, sizeof(n.gpr));
		cpu.rflags = n.rflags;
		cpu.rip = CODE_LA;
		dev.n = 0;
		int r = emulate_n(g.b, g.n, X86_EMU_NO_GPA, 1000);
		char text[64];
		int len = 0;
		for (unsigned j = 0; j < g.n; j++)
			len += snprintf(text + len, sizeof(text) - (size_t)len, "%02x ", g.b[j]);
		if (r != X86_EMU_DONE || res.insn.len != g.n)
			ck_abort_msg("%s: status %d decode %d length %u", text, r, res.decode,
				     res.insn.len);

		/* Then the CPU. */
		REQUIRE(!mprotect(code, 4096, PROT_READ | PROT_WRITE));
		memcpy(code, g.b, g.n);
		code[g.n] = 0xc3;                   /* ret */
		REQUIRE(!mprotect(code, 4096, PROT_READ | PROT_EXEC));
		x86emu_test_native_run(&n, code);

		if (g.vendor_reg >= 0 && (cpu.gpr[g.vendor_reg] & 0xffffffff) ==
					     (n.gpr[g.vendor_reg] & 0xffffffff))
			n.gpr[g.vendor_reg] = cpu.gpr[g.vendor_reg];
		for (unsigned j = 0; j < X86_NGPR; j++)
			if (j != X86_RSP && cpu.gpr[j] != n.gpr[j])
				ck_abort_msg("%s: reg %u is %#llx, the CPU has %#llx", text, j,
					     (unsigned long long)cpu.gpr[j],
					     (unsigned long long)n.gpr[j]);
		uint64_t mask = ~g.undefined_flags & (ARITH | DF);
		if ((cpu.rflags & mask) != (n.rflags & mask))
			ck_abort_msg("%s: rflags %#llx, the CPU has %#llx (compared %#llx)", text,
				     (unsigned long long)cpu.rflags, (unsigned long long)n.rflags,
				     (unsigned long long)mask);
		if (memcmp(dev.bytes[0], host, 4096))
			ck_abort_msg("%s: MMIO page differs", text);
		if (memcmp(gmem_at(ram, NATIVE_RAM_GPA), host + 4096, 4096))
			ck_abort_msg("%s: RAM page differs", text);
		compared++;
	}
	ck_assert_uint_eq(compared, NATIVE_RUNS);
	munmap(code, 4096);
	free(host);
}
END_TEST
#endif

/* ------------------------------------------------------------ random bytes */

START_TEST(test_random_emulate)
{
	static const uint8_t known[] = { 0x66, 0x67, 0xf0, 0xf3, 0xf2, 0x48, 0x4c, 0x41,
					 0x0f, 0x8b, 0x89, 0xa5, 0xab, 0xc7, 0x81, 0xf7,
					 0x6c, 0x6f };

	rnd_seed(0xe3a1);
	for (unsigned i = 0; i < 200000; i++) {
		/* Stray stores may hit the page tables: start afresh now and then. */
		if (i % 4096 == 0) {
			teardown();
			setup64();
			dev.anywhere = true;
		}
		uint8_t b[X86_INSN_MAX];
		for (unsigned j = 0; j < sizeof(b); j++)
			b[j] = (uint8_t)rnd();
		if (rnd() % 2)                      /* favour prefixes and opcodes we know */
			b[rnd() % 4] = known[rnd() % sizeof(known)];

		/* Mode, RIP (sometimes at a page end: fetches across pages), registers. */
		unsigned mode = (unsigned)(rnd() % 3);
		uint64_t code_gpa;
		if (mode == 0) {
			cpu_long();
			cpu.rip = CODE_LA + (rnd() % 2 ? 0x1000 - rnd() % 16 : rnd() % 0x1000);
			code_gpa = CODE_GPA + (cpu.rip - CODE_LA);
		} else if (mode == 1) {
			cpu_protected32();
			if (rnd() % 2)
				cpu.seg[X86_DS].limit = (uint32_t)rnd();
			code_gpa = cpu.rip;
		} else {
			cpu_real();
			code_gpa = cpu.seg[X86_CS].base + cpu.rip;
		}
		for (unsigned j = 0; j < X86_NGPR; j++) {
			switch (rnd() % 4) {
			case 0: cpu.gpr[j] = rnd(); break;
			case 1: cpu.gpr[j] = MMIO_LA + rnd() % 0x3000; break;
			case 2: cpu.gpr[j] = RAM_LA + rnd() % 0x5000; break;
			default: cpu.gpr[j] = rnd() % 0x10000; break;
			}
		}
		cpu.gpr[X86_RCX] &= 0xff;               /* bounded REP counts */
		cpu.rflags = FLAGS_FIXED | (rnd() & (ARITH | DF));
		cpu.cpl = rnd() % 4 == 0 ? 3 : 0;
		put_code_at(code_gpa, b, sizeof(b));
		snapshot();
		uint64_t fault = rnd() % 2 ? X86_EMU_NO_GPA : LAPIC_GPA;
		int r = x86_emulate(&cpu, fault, &ops, 1 + (unsigned)(rnd() % 64), &res);

		REQUIRE(r >= X86_EMU_DONE && r <= X86_EMU_ERROR);
		REQUIRE(res.nbytes <= X86_INSN_MAX);
		if (res.decode == X86_DECODE_OK) {
			REQUIRE(res.insn.len >= 1 && res.insn.len <= res.nbytes);
			REQUIRE(!memcmp(res.bytes, b, res.insn.len));
		}
		uint64_t ip_mask = mode == 0 ? ~0ull : mode == 1 ? 0xffffffffull : 0xffff;
		if (r == X86_EMU_DONE)
			REQUIRE(cpu.rip == ((before.rip + res.insn.len) & ip_mask));
		else
			REQUIRE(cpu.rip == before.rip);
		/* Only DONE, CONTINUE and a fault after some REP iterations change the state. */
		if (r != X86_EMU_DONE && r != X86_EMU_CONTINUE && res.iterations == 0)
			REQUIRE(!memcmp(&cpu, &before, sizeof(cpu)));
		if (r == X86_EMU_CONTINUE)
			REQUIRE(res.insn.rep != X86_REP_NONE && res.iterations > 0);
		if (r == X86_EMU_PF)
			REQUIRE((res.error_code & ~0x1fu) == 0);
	}
}
END_TEST

Suite *x86_emulate_suite(void)
{
	Suite *s = suite_create("x86_emulate");
	TCase *tc = tcase_create("long_mode");

	tcase_add_checked_fixture(tc, setup64, teardown);
	tcase_add_test(tc, test_mov_loads);
	tcase_add_test(tc, test_mov_zero_sign_extend);
	tcase_add_test(tc, test_mov_stores);
	tcase_add_test(tc, test_xchg_cmpxchg);
	tcase_add_test(tc, test_bit_ops);
	tcase_add_test(tc, test_rep_movs_to_mmio);
	tcase_add_test(tc, test_rep_movs_from_mmio);
	tcase_add_test(tc, test_rep_stos_lods);
	tcase_add_test(tc, test_rep_bounded);
	tcase_add_test(tc, test_rep_fault_midway);
	tcase_add_test(tc, test_split_accesses);
	tcase_add_test(tc, test_fetch_across_pages);
	tcase_add_test(tc, test_data_faults);
	tcase_add_test(tc, test_fetch_faults);
	tcase_add_test(tc, test_invalid_instructions);
	tcase_add_test(tc, test_vmm_errors);
	tcase_add_test(tc, test_fault_gpa_check);
	tcase_add_test(tc, test_compatibility_mode);
	tcase_add_test(tc, test_rflags_rf);
	suite_add_tcase(s, tc);

	tc = tcase_create("alu");
	tcase_add_test(tc, test_alu);
	suite_add_tcase(s, tc);

	tc = tcase_create("legacy_modes");
	tcase_add_checked_fixture(tc, setup32, teardown);
	tcase_add_test(tc, test_protected_mode_32);
	tcase_add_test(tc, test_segment_checks);
	suite_add_tcase(s, tc);

	tc = tcase_create("string_io");
	tcase_add_checked_fixture(tc, setup_io, teardown);
	tcase_add_test(tc, test_io_ins_outs);
	tcase_add_test(tc, test_io_user_to_supervisor_page);
	tcase_add_test(tc, test_io_fault_midway);
	tcase_add_test(tc, test_io_smap);
	tcase_add_test(tc, test_io_maxphyaddr);
	tcase_add_test(tc, test_io_address_size_and_wrap);
	tcase_add_test(tc, test_io_segment_checks);
	tcase_add_test(tc, test_io_alignment_check);
	tcase_add_test(tc, test_io_exit_mismatch);
	tcase_add_test(tc, test_io_port_error);
	suite_add_tcase(s, tc);

	tc = tcase_create("real_mode");
	tcase_add_checked_fixture(tc, setup16, teardown);
	tcase_add_test(tc, test_real_mode);
	suite_add_tcase(s, tc);

#if defined(__x86_64__)
	add_random_tcase(s, "native", setup64, teardown, test_native_comparison);
#endif
	add_random_tcase(s, "random", setup64, teardown, test_random_emulate);
	return s;
}
