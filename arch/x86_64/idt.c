/* SPDX-License-Identifier: GPL-2.0-only */
/* Interrupt descriptor table, trap dispatch, and the exception panic. */
#include "arch.h"
#include <l4/msg.h>
#include "console.h"
#include "fault.h"
#include "fpu.h"
#include "sched.h"
#include "smp.h"
#include "apic.h"
#include "percpu.h"
#include "string.h"
#include "trap.h"
#include "x86.h"

#define IDT_ENTRIES 256
#define TRAP_STUB_SIZE 16            /* entry.S aligns each stub to 16 bytes */
#define GATE_INTERRUPT 0x8e          /* present, DPL0, 64-bit interrupt gate */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern char trap_stubs[];
extern char syscall_entry[];
extern const struct fixup __fixup_start[], __fixup_end[];

static struct idt_gate idt[IDT_ENTRIES];
static trap_handler handlers[IDT_ENTRIES];
static volatile unsigned breakpoint_hits;

static const char *const exception_names[VEC_EXCEPTIONS] = {
	[VEC_DE] = "#DE divide error",
	[VEC_DB] = "#DB debug",
	[VEC_NMI] = "NMI non-maskable interrupt",
	[VEC_BP] = "#BP breakpoint",
	[VEC_OF] = "#OF overflow",
	[VEC_BR] = "#BR bound range exceeded",
	[VEC_UD] = "#UD invalid opcode",
	[VEC_NM] = "#NM device not available",
	[VEC_DF] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[VEC_TS] = "#TS invalid TSS",
	[VEC_NP] = "#NP segment not present",
	[VEC_SS] = "#SS stack-segment fault",
	[VEC_GP] = "#GP general protection fault",
	[VEC_PF] = "#PF page fault",
	[VEC_MF] = "#MF x87 floating-point error",
	[VEC_AC] = "#AC alignment check",
	[VEC_MC] = "#MC machine check",
	[VEC_XM] = "#XM SIMD floating-point exception",
	[VEC_VE] = "#VE virtualization exception",
	[VEC_CP] = "#CP control protection",
};

static void set_gate(unsigned vec, uintptr_t handler, unsigned ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = SEL_KCODE,
		.ist = (uint8_t)ist,
		.type = GATE_INTERRUPT,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_ENTRIES; v++)
		set_gate(v, (uintptr_t)trap_stubs + v * TRAP_STUB_SIZE, 0);
	idt[VEC_DF].ist = IST_DF;
	idt[VEC_NMI].ist = IST_NMI;
	idt[VEC_MC].ist = IST_MC;
	idt[VEC_DB].ist = IST_DB;

	struct desc_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void idt_reload(void)
{
	struct desc_ptr idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void arch_trap_init(void)
{
	gdt_init();
	idt_init();
}

void trap_set_handler(unsigned vector, trap_handler h)
{
	if (vector >= VEC_EXCEPTIONS && vector < IDT_ENTRIES)
		handlers[vector] = h;
}

static const struct fixup *find_fixup(uint64_t rip)
{
	for (const struct fixup *f = __fixup_start; f < __fixup_end; f++)
		if (f->insn == rip)
			return f;
	return NULL;
}

static void dump_registers(const struct trap_frame *tf)
{
	kprintf("RIP=%016lx CS=%04lx RFLAGS=%016lx\n", tf->rip, tf->cs, tf->rflags);
	kprintf("RSP=%016lx SS=%04lx vector=%lu error=%#lx\n", tf->rsp, tf->ss, tf->vector,
		tf->error);
	kprintf("CR0=%016lx CR2=%016lx CR3=%016lx CR4=%016lx\n", read_cr0(), read_cr2(),
		read_cr3(), read_cr4());
	kprintf("RAX=%016lx RBX=%016lx RCX=%016lx RDX=%016lx\n", tf->rax, tf->rbx, tf->rcx,
		tf->rdx);
	kprintf("RSI=%016lx RDI=%016lx RBP=%016lx R8 =%016lx\n", tf->rsi, tf->rdi, tf->rbp,
		tf->r8);
	kprintf("R9 =%016lx R10=%016lx R11=%016lx R12=%016lx\n", tf->r9, tf->r10, tf->r11,
		tf->r12);
	kprintf("R13=%016lx R14=%016lx R15=%016lx\n", tf->r13, tf->r14, tf->r15);
}

static NORETURN void exception_panic(const struct trap_frame *tf)
{
	const char *name = exception_names[tf->vector];
	const char *mode = (tf->cs & 3) ? "user" : "kernel", *stack;
	unsigned on_cpu;

	/* An overflow faults on the guard page (CR2), and the #PF that cannot
	 * push its frame there becomes a #DF. */
	if ((tf->vector == VEC_PF || tf->vector == VEC_DF) && !(tf->cs & 3) &&
	    (stack = stack_guard_hit(read_cr2(), &on_cpu)))
		panic_begin("%s in kernel mode at %#lx: kernel stack overflow into the guard page of CPU %u's %s stack",
			    name, read_cr2(), on_cpu, stack);
	else if (tf->vector == VEC_PF)
		panic_begin("%s in %s mode at %#lx: %s, %s%s%s", name, mode, read_cr2(),
			    tf->error & PF_PRESENT ? "protection violation" : "page not present",
			    tf->error & PF_FETCH ? "instruction fetch" :
			    tf->error & PF_WRITE ? "write" : "read",
			    tf->error & PF_USER ? ", user" : "",
			    tf->error & PF_RSVD ? ", reserved bit set" : "");
	else
		panic_begin("%s in %s mode", name ? name : "reserved exception", mode);
	dump_registers(tf);
	panic_end();
}

/* An interrupt from another CPU: its work needs no lock (smp.h). */
static bool ipi(uint64_t vector)
{
	if (vector != VEC_IPI_CALL && vector != VEC_IPI_RESCHEDULE)
		return false;
	lapic_eoi();
	smp_poll();
	return true;
}

void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector == VEC_BP) {
		breakpoint_hits++;   /* int3 is a trap: RIP already points past it */
		return;
	}
	/* A SYSCALL made with the trap flag set traps after it, at the
	 * entry (SFMASK has cleared the flag there): go on. The flag comes
	 * back with the user's RFLAGS, and the next instruction traps in
	 * user mode. */
	if (tf->vector == VEC_DB && tf->rip == (uintptr_t)syscall_entry)
		return;
	if (tf->vector < VEC_EXCEPTIONS) {
		const struct fixup *f;
		if ((tf->vector == VEC_PF || tf->vector == VEC_GP) && !(tf->cs & 3) &&
		    (f = find_fixup(tf->rip))) {
			tf->rip = f->landing;
			tf->rax = 1;
			return;
		}
		exception_panic(tf);
	}
	if (tf->vector == VEC_SPURIOUS)
		return;     /* the LAPIC expects no EOI for its spurious vector */
	if (ipi(tf->vector))
		return;
	if (handlers[tf->vector]) {
		if (tf->vector == VEC_LAPIC_TIMER && timer_tick_idle())
			return;
		/* In kernel mode interrupts come only while this CPU holds no
		 * lock (idle, or between a VM exit and the kernel's work). */
		kernel_lock();
		handlers[tf->vector]((unsigned)tf->vector);
		kernel_unlock();
		return;
	}
	/* The 8259s are masked, but a spurious IRQ 7 or 15 can still arrive. */
	if (tf->vector == VEC_PIC_BASE + 7 || tf->vector == VEC_PIC_BASE + 15)
		return;
	klog(LOG_WARN, "trap: unexpected interrupt vector %lu ignored\n", tf->vector);
}

/*
 * An exception or interrupt in user mode: the frame is the current
 * thread's saved registers (see entry.S). Faults become IPC to the
 * thread's handler; interrupts run their handlers; then the scheduler
 * decides who runs.
 */
void trap_from_user(struct trap_frame *tf);
void trap_from_user(struct trap_frame *tf)
{
	/* These arrive on IST stacks, not in a TCB, and are fatal anyway. */
	if (tf->vector == VEC_NMI || tf->vector == VEC_DF || tf->vector == VEC_MC)
		exception_panic(tf);

	/* Read before the lock: if another CPU preempts the thread meanwhile
	 * (sched_stall), the frame is that thread's, not this entry's. */
	uint64_t vector = tf->vector;
	struct thread *entered = this_cpu->current;    /* (whose entry this is) */
	if (entered && vector == VEC_DB) {
		/* #DB arrives on its IST stack (see trap.h): the registers go to
		 * the TCB, and the trap (the instruction is done: it would not
		 * recur) waits in the thread, in case another CPU preempts it
		 * meanwhile (sched_stall; what that CPU then does to the
		 * thread comes after both). */
		if (tf != &entered->regs)
			entered->regs = *tf;
		entered->trap_pending = (uint32_t)vector + 1;
	}
	ipi(vector);
	kernel_lock();
	struct thread *cur = sched_current();
	if (entered)
		entered->resume_sysret = false;
	if (cur && vector == VEC_DB)
		cur->trap_pending = 0;              /* (not preempted: raised below) */
	if (vector >= VEC_EXCEPTIONS) {
		/* An interrupt is this CPU's to handle, whoever it interrupted. */
		if (vector != VEC_SPURIOUS && handlers[vector])
			handlers[vector]((unsigned)vector);
	} else if (!cur) {
		/* Preempted from another CPU meanwhile (sched_stall): a fault
		 * recurs when the thread runs again, a trap is raised then
		 * (trap_pending, sched_exit_kernel; user mode cannot raise #BP
		 * or #OF). */
	} else if (vector == VEC_PF) {
		uint64_t access = (tf->error & PF_WRITE ? L4_FAULT_WRITE : 0) |
				  (tf->error & PF_FETCH ? L4_FAULT_EXEC : 0) |
				  (tf->error & PF_PRESENT ? L4_FAULT_PRESENT : 0);
		fault_page(cur, read_cr2(), access);
	} else if (tf->vector == VEC_NM && fpu_trap(cur)) {
		/* the FPU is the thread's now: retry the instruction */
	} else {
		fault_exception(cur, tf->vector, tf->error);
	}
	sched_exit_kernel();
}

bool arch_test_breakpoint(void)
{
	unsigned before = breakpoint_hits;

	__asm__ volatile("int3" : : : "memory");
	return breakpoint_hits == before + 1;
}

bool arch_probe_read(const void *addr)
{
	uint64_t faulted = 0;
	uint8_t tmp;

	__asm__ volatile("1: movb (%[a]), %[t]\n2:\n" FIXUP_ENTRY("1b", "2b")
			 : "+a"(faulted), [t] "=&r"(tmp) : [a] "r"(addr) : "memory");
	return !faulted;
}

bool arch_probe_write(void *addr)
{
	uint64_t faulted = 0;
	uint8_t tmp;

	/* Writes back the byte it read: a successful probe changes nothing. */
	__asm__ volatile("1: movb (%[a]), %[t]\n2: movb %[t], (%[a])\n3:\n"
			 FIXUP_ENTRY("1b", "3b") FIXUP_ENTRY("2b", "3b")
			 : "+a"(faulted), [t] "=&r"(tmp) : [a] "r"(addr) : "memory");
	return !faulted;
}

bool arch_provoke_fault(const char *name)
{
	/* Addresses chosen to be unmapped (null page) and non-canonical. */
	const uintptr_t null_page = 0x10, non_canonical = 0x8000000000000000ull;
	const uintptr_t unmapped_stack = 0xdead000;

	if (streq(name, "pf"))
		__asm__ volatile("movq (%0), %%rax" : : "r"(null_page) : "rax", "memory");
	else if (streq(name, "ud"))
		__asm__ volatile("ud2");
	else if (streq(name, "gp"))
		__asm__ volatile("movq (%0), %%rax" : : "r"(non_canonical) : "rax", "memory");
	else if (streq(name, "stack"))
		/* Pushes down the kernel stack until they reach its guard page. */
		__asm__ volatile("1: pushq $0\n jmp 1b" : : : "memory");
	else if (streq(name, "df"))
		/* The #PF cannot push its frame on an unmapped stack: #DF, on IST1. */
		__asm__ volatile("movq %0, %%rsp\npushq $0" : : "r"(unmapped_stack) : "memory");
	else
		return false;
	return true;
}
