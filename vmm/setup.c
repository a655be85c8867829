/* SPDX-License-Identifier: BSD-2-Clause */
/* Guest set-up: see setup.h. */
#include "setup.h"
#include "board.h"
#include "l4net.h"
#include "loader/e820.h"
#include "loader/linux.h"
#include "loader/mptable.h"

#define PAT_POWER_UP 0x0007040600070406ull   /* IA32_PAT after reset */
#define DR7_POWER_UP 0x400u

static bool starts_with(const char *s, const char *prefix)
{
	while (*prefix && *s == *prefix)
		s++, prefix++;
	return !*prefix;
}

void setup_options(int argc, char **argv, struct vmm_options *o,
		   int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2))))
{
	unsigned n = 0;
	int first = 1;
	bool bad_mac = false;

	*o = (struct vmm_options){ 0 };
	for (; first < argc && starts_with(argv[first], "vmm."); first++) {
		if (__builtin_strcmp(argv[first], "vmm.end_machine") == 0)
			o->end_machine = true;
		else if (__builtin_strcmp(argv[first], "vmm.vid") == 0)
			o->vid = true;
		else if (__builtin_strcmp(argv[first], "vmm.novapic") == 0)
			o->vid = false;
		else if (starts_with(argv[first], "vmm.disk=") && argv[first][9] &&
			 __builtin_strlen(argv[first] + 9) < sizeof(o->disk))
			__builtin_memcpy(o->disk, argv[first] + 9, __builtin_strlen(argv[first] + 9) + 1);
		else if (starts_with(argv[first], "vmm.disk="))
			print("vmm: %s: not a volume name (1-15 characters): no disk\n", argv[first]);
		else if (__builtin_strcmp(argv[first], "vmm.net") == 0)
			o->net = true;
		else if (starts_with(argv[first], "vmm.mac=") && l4_net_mac_parse(argv[first] + 8, o->mac))
			o->net = o->mac_given = true;
		else if (starts_with(argv[first], "vmm.mac=")) {
			print("vmm: %s: not a unicast Ethernet address (xx:xx:xx:xx:xx:xx): no NIC\n", argv[first]);
			bad_mac = true;
		} else
			print("vmm: unknown option %s ignored\n", argv[first]);
	}
	if (bad_mac) {
		/* (Whatever else asked for one: a NIC with an address not meant is worse than none.) */
		o->net = o->mac_given = false;
		__builtin_memset(o->mac, 0, sizeof(o->mac));
	}
	for (int i = first; i < argc; i++) {
		/* The last console= is Linux's /dev/console: input goes there. */
		if (starts_with(argv[i], "console="))
			o->input_virtio = starts_with(argv[i] + 8, "hvc");
		if (i > first && n + 2 < sizeof(o->cmdline))
			o->cmdline[n++] = ' ';
		for (const char *a = argv[i]; *a && n + 2 < sizeof(o->cmdline); a++)
			o->cmdline[n++] = *a;
	}
	o->cmdline[n] = 0;
}

const struct l4_env_module *setup_module(const struct l4_env *env, const char *name)
{
	for (unsigned i = 0; i < env->module_count && i < L4_ENV_MAX_MODULES; i++) {
		const char *a = env->modules[i].name;
		unsigned k = 0;
		while (k < L4_ENV_NAME_LEN - 1 && a[k] && a[k] == name[k])
			k++;
		if (a[k] == name[k])
			return &env->modules[i];
	}
	return NULL;
}

_Static_assert(L4_ENV_MAX_MODULES - 1 <= MB_MAX_MODULES, "every other module can be a multiboot one");

unsigned setup_multiboot_modules(const struct l4_env *env, struct mb_module *mods,
				 char (*strings)[SETUP_MB_STRING])
{
	const struct l4_env_module *kernel = setup_module(env, "kernel");
	unsigned n = 0;

	for (unsigned i = 0; i < env->module_count && i < L4_ENV_MAX_MODULES; i++) {
		const struct l4_env_module *m = &env->modules[i];
		char *s = strings[n];
		unsigned k = 0;
		if (m == kernel)
			continue;
		for (unsigned j = 0; j < L4_ENV_NAME_LEN - 1 && m->name[j]; j++)
			s[k++] = m->name[j];
		if (m->args[0])
			s[k++] = ' ';
		for (unsigned j = 0; j < L4_ENV_MODULE_ARGS_LEN - 1 && m->args[j]; j++)
			s[k++] = m->args[j];
		s[k] = 0;
		mods[n++] = (struct mb_module){ (const uint8_t *)m->addr, m->size, s };
	}
	return n;
}

bool setup_mptable(uint8_t *ram, uint64_t ram_size, unsigned cpus, unsigned pci)
{
	struct mptable_config mp = {
		.cpus = cpus, .lapic_base = (uint32_t)LAPIC_DEFAULT_BASE, .ioapic_id = BOARD_IOAPIC_ID(cpus),
		.ioapic_version = IOAPIC_VERSION, .ioapic_base = (uint32_t)IOAPIC_DEFAULT_BASE,
		.ioapic_pins = IOAPIC_PINS, .pci_count = 1, .pci = { { BOARD_VIRTIO_SLOT, BOARD_VIRTIO_IRQ } },
	};
	if (pci & SETUP_PCI_DISK) {
		mp.pci[mp.pci_count].slot = BOARD_DISK_SLOT;
		mp.pci[mp.pci_count++].pin = BOARD_DISK_IRQ;
	}
	if (pci & SETUP_PCI_NET) {
		mp.pci[mp.pci_count].slot = BOARD_NET_SLOT;
		mp.pci[mp.pci_count++].pin = BOARD_NET_IRQ;
	}
	return ram_size >= SETUP_MPTABLE_GPA + SETUP_MPTABLE_SIZE &&
	       mptable_write(ram + SETUP_MPTABLE_GPA, SETUP_MPTABLE_SIZE, SETUP_MPTABLE_GPA, &mp);
}

bool setup_load(const struct l4_env *env, uint8_t *ram, uint64_t ram_size, const char *cmdline, unsigned cpus,
		unsigned pci, struct cpustate *cpu,
		int (*print)(const char *fmt, ...) __attribute__((format(printf, 1, 2))))
{
	const struct l4_env_module *kernel = setup_module(env, "kernel"), *initrd = setup_module(env, "initrd");
	struct e820_map map;
	char msg[160];

	if (!kernel) {
		print("vmm: no guest kernel (`module kernel FILE`)\n");
		return false;
	}
	if (e820_build(&map, ram_size) != LOADER_OK) {
		print("vmm: %lu bytes of RAM make no PC memory map\n", (unsigned long)ram_size);
		return false;
	}
	/* (The loaders see guest RAM below the hole, where it is linear: they
	 * place the kernel, initrd and tables there.) */
	struct guest_ram gram = { .ram = ram, .size = ram_size < E820_MMIO_START ? ram_size : E820_MMIO_START,
				  .map = &map };
	struct mb_module mods[L4_ENV_MAX_MODULES];
	char strings[L4_ENV_MAX_MODULES][SETUP_MB_STRING];
	struct multiboot_boot mb = { .image = (const uint8_t *)kernel->addr, .image_len = kernel->size,
				     .cmdline = cmdline, .modules = mods };
	mb.module_count = setup_multiboot_modules(env, mods, strings);
	struct multiboot_layout mbl;
	int st = multiboot_load(&mb, &gram, cpu, &mbl, msg, sizeof(msg));
	if (st != LOADER_OK && mb.module_count) {
		/* A multiboot kernel that loads without its modules: one of them is at fault. */
		struct multiboot_boot bare = mb;
		bare.module_count = 0;
		if (multiboot_load(&bare, &gram, cpu, NULL, NULL, 0) == LOADER_OK) {
			print("vmm: multiboot kernel refused: %s\n", msg);
			return false;
		}
	}
	if (st == LOADER_OK) {
		print("vmm: multiboot kernel loaded (%lu bytes, entry %#lx, %u module%s)\n", (unsigned long)kernel->size,
		      (unsigned long)cpu->rip, mb.module_count, mb.module_count == 1 ? "" : "s");
		return true;
	}
	struct linux_boot lb = { .kernel = (const uint8_t *)kernel->addr, .kernel_len = kernel->size,
				 .initrd = initrd ? (const uint8_t *)initrd->addr : NULL,
				 .initrd_len = initrd ? initrd->size : 0, .cmdline = cmdline };
	struct linux_layout ll;
	char why[160];
	if (linux_load(&lb, &gram, cpu, &ll, why, sizeof(why)) != LOADER_OK) {
		print("vmm: kernel refused: as a Linux bzImage: %s; as multiboot: %s\n", why, msg);
		return false;
	}
	print("vmm: Linux kernel loaded (%lu bytes, initrd %lu bytes, command line \"%s\")\n",
	      (unsigned long)kernel->size, (unsigned long)(initrd ? initrd->size : 0), cmdline);
	/* MP tables in the BIOS area (reserved in the e820 map), where Linux
	 * looks: it runs its interrupts through the I/O APIC. */
	if (!setup_mptable(ram, ram_size, cpus, pci))
		print("vmm: no MP tables: the guest stays with the 8259s\n");
	return true;
}

void setup_state(const struct cpustate *c, struct l4_vcpu_state *s)
{
	__builtin_memset(s, 0, sizeof(*s));
	s->gpr[L4_REG_RAX] = c->rax, s->gpr[L4_REG_RBX] = c->rbx, s->gpr[L4_REG_RCX] = c->rcx;
	s->gpr[L4_REG_RDX] = c->rdx, s->gpr[L4_REG_RSI] = c->rsi, s->gpr[L4_REG_RDI] = c->rdi;
	s->gpr[L4_REG_RBP] = c->rbp, s->gpr[L4_REG_RSP] = c->rsp, s->gpr[L4_REG_R8] = c->r8;
	s->gpr[L4_REG_R9] = c->r9, s->gpr[L4_REG_R10] = c->r10, s->gpr[L4_REG_R11] = c->r11;
	s->gpr[L4_REG_R12] = c->r12, s->gpr[L4_REG_R13] = c->r13, s->gpr[L4_REG_R14] = c->r14;
	s->gpr[L4_REG_R15] = c->r15;
	s->gpr[L4_REG_RIP] = c->rip;
	s->gpr[L4_REG_RFLAGS] = c->rflags;
	s->cr[L4_CR_CR0] = c->cr0;
	s->cr[L4_CR_CR3] = c->cr3;
	s->cr[L4_CR_CR4] = c->cr4;
	s->cr[L4_CR_DR7] = DR7_POWER_UP;
	s->cr[L4_CR_EFER] = c->efer;
	const struct cpu_segment *seg[8] = { &c->es, &c->cs, &c->ss, &c->ds, &c->fs, &c->gs, &c->ldtr, &c->tr };
	for (unsigned i = 0; i < 8; i++) {
		s->seg[2 * i] = L4_SEG_WORD(seg[i]->selector, L4_SEG_AR(seg[i]->ar), seg[i]->limit);
		s->seg[2 * i + 1] = seg[i]->base;
	}
	s->dt[L4_DT_GDTR_BASE] = c->gdtr.base;
	s->dt[L4_DT_GDTR_LIMIT] = c->gdtr.limit;
	s->dt[L4_DT_IDTR_BASE] = c->idtr.base;
	s->dt[L4_DT_IDTR_LIMIT] = c->idtr.limit;
	s->msr[L4_MSR_PAT] = PAT_POWER_UP;
}

void setup_exit_masks(uint8_t *masks, bool vapic)
{
	for (unsigned r = 0; r < L4_VMEXIT_REASONS; r++)
		masks[r] = 0;                     /* (the default: the GPRs) */
	masks[L4_VMEXIT_EPT_VIOLATION] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG;
	masks[L4_VMEXIT_RDMSR] = masks[L4_VMEXIT_WRMSR] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | L4_VCPU_MSR;
	/* (Every exit has CR8, the local APIC's task priority; window exits
	 * carry the CR group to change it or the TPR threshold.) */
	masks[L4_VMEXIT_IRQ_WINDOW] = masks[L4_VMEXIT_NMI_WINDOW] = masks[L4_VMEXIT_TPR_BELOW] =
		L4_VCPU_GPR | L4_VCPU_CR;
	masks[L4_VMEXIT_CR] = masks[L4_VMEXIT_DR] = masks[L4_VMEXIT_CPUID] = L4_VCPU_GPR | L4_VCPU_CR;
	/* (APIC virtualization: the CPU's interrupt state where it matters.) */
	masks[L4_VMEXIT_APIC_ACCESS] = L4_VCPU_GPR | L4_VCPU_CR | L4_VCPU_SEG | (vapic ? L4_VCPU_APIC : 0);
	masks[L4_VMEXIT_HLT] = L4_VCPU_GPR | (vapic ? L4_VCPU_APIC : 0);
}
