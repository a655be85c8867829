#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/bench.sh: the IPC benchmark (make bench). Boots sigma0 and the
# benchmark root task (bench/) in QEMU twice: plainly, where the TSC
# figures are cycles of the emulated CPU (host-load dependent), and under
# -icount shift=0,sleep=off, where the guest TSC advances by one per
# executed instruction, so the figures are deterministic path lengths.
# With a usable /dev/kvm it runs a third time under KVM (real cycles).
# Then the multiprocessor runs, each with only its cases (the kernel
# command line's bench=...): the cross-CPU round trips with 2 CPUs under
# icount (instructions of both CPUs) and under Bochs (ticks), and the
# throughput of N independent call/reply pairs on N = 1..4 CPUs under
# QEMU -smp 4 without icount (multi-threaded TCG: wall-clock time).
# Prints one table and writes build/bench/ipc.json. Figures never fail
# the run; a run that does not finish does.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
OUT=$BUILD/bench
TIMEOUT=${BENCH_TIMEOUT:-600}
# shellcheck source=emu.sh disable=SC1091
. "$ROOT/tools/emu.sh"

mkdir -p "$OUT"
# bench.iso runs every case that applies (on one CPU: the one-CPU cases);
# the others pick groups of cases (bench/main.c).
for kind in "" xcpu xcpu,scaling guestram; do
	"$ROOT/tools/mkiso.sh" "$OUT/bench${kind:+-${kind/,/-}}.iso" "$BUILD/kernel.elf" \
		"console=com1 loglevel=1${kind:+ bench=$kind}" \
		"$BUILD/sigma0.elf" sigma0 "$BUILD/bench.elf" roottask
done

# run MODE CPUS ISO [QEMU ARGUMENTS]: boot the benchmark ISO ($OUT/ISO) on
# CPUS CPUs; results in $OUT/MODE.serial. A MODE starting with bochs runs
# Bochs (the emulator here with VT-x), for the VM exit cases.
run() {
	local mode=$1 cpus=$2 iso=$3 emu=qemu
	shift 3
	# shellcheck disable=SC2034 # read by emu_run (tools/emu.sh)
	EMU_QEMU_EXTRA=("$@")
	[[ $mode != bochs* ]] || emu=bochs
	printf 'bench: running under %s (%s)...\n' "$emu" "$mode" >&2
	EMU_CPUS=$cpus emu_run "$emu" "$OUT/$iso" "$TIMEOUT" "$OUT/$mode.serial" "$OUT/$mode"
	if [[ $EMU_STATUS != ok || ($emu == qemu && $EMU_GUEST != 0) ]] ||
		! grep -aq '^bench: done' "$OUT/$mode.serial"; then
		printf 'bench: the %s run failed: %s\n' "$mode" "${EMU_DETAIL:-no "bench: done" line}" >&2
		tail -n 20 "$OUT/$mode.serial" >&2 || true
		exit 1
	fi
}

run icount 1 bench.iso -icount shift=0,sleep=off
run tcg 1 bench.iso
run bochs 1 bench.iso
modes=(icount tcg bochs)
# KVM is usable if a paused QEMU with it is still running after 3 s
# (without it, QEMU stops at once with an error).
kvm_ok=0
if [[ -r /dev/kvm && -w /dev/kvm ]]; then
	# (sh -c: a QEMU that aborts must not make this shell report it)
	rc=$(sh -c 'timeout 3 qemu-system-x86_64 -enable-kvm -cpu host -m 16 -display none \
		-nodefaults -S -monitor none </dev/null >/dev/null 2>&1; echo $?')
	((rc != 124)) || kvm_ok=1
fi
printf 'bench: KVM %s\n' "$( ((kvm_ok)) && echo "usable: a third run measures real cycles" || echo "not usable here")" >&2
if ((kvm_ok)) && [[ ${BENCH_KVM:-1} == 1 ]]; then
	run kvm 1 bench.iso -enable-kvm -cpu host && modes+=(kvm)
fi

# Several CPUs: the cross-CPU cases with 2 (under icount QEMU runs the
# CPUs in turn on one host thread: the count is both CPUs' instructions;
# Bochs interleaves them too, and its TSC counts ticks, in each of which
# every CPU runs about one instruction); then the scaling case without
# icount, where QEMU runs each CPU on a host thread of its own (with the
# cross-CPU cases again, for their TCG cycles).
run icount-smp2 2 bench-xcpu.iso -icount shift=0,sleep=off
run bochs-smp2 2 bench-xcpu.iso
# Guest RAM: Bochs (its EPT has 2 MiB pages) with 3 GiB.
EMU_MEM=3072 run bochs-guestram 1 bench-guestram.iso
host_cores=$(nproc) host_load=$(cut -d' ' -f1-3 /proc/loadavg)
run tcg-smp4 4 bench-xcpu-scaling.iso -accel tcg,thread=multi
modes+=(icount-smp2 bochs-smp2 tcg-smp4 bochs-guestram)
if ((kvm_ok)) && [[ ${BENCH_KVM:-1} == 1 ]]; then
	run kvm-smp2 2 bench-xcpu.iso -enable-kvm -cpu host && modes+=(kvm-smp2)
fi

# The table and the JSON, from "bench: NAME ITERATIONS MIN MEDIAN MAX" lines.
declare -A unit=([icount]=instructions [tcg]=cycles [kvm]=cycles [bochs]=instructions
	[icount-smp2]=instructions [bochs-smp2]=ticks [tcg-smp4]=cycles [kvm-smp2]=cycles)
# results SERIAL: its "bench: NAME ITERATIONS MIN MEDIAN MAX" lines.
results() { tr -d '\r' <"$1" | grep -aE '^bench: [a-z_0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' || true; }
# median_in SERIAL NAME: the median of case NAME in SERIAL (nothing if none).
median_in() { tr -d '\r' <"$1" | awk -v n="$2" '$1 == "bench:" && $2 == n { print $5 }'; }
# The scaling case's lines: "bench: pairs N: TOTAL round trips in MS ms, PER_S per s (per pair: ...)".
pairs=$(tr -d '\r' <"$OUT/tcg-smp4.serial" | grep -aE '^bench: pairs [0-9]+: [0-9]+ round trips' || true)
base=$(awk '$3 == "1:" { print $10 }' <<<"$pairs")
# ratio A: A / base with two decimals, or NULL without a base.
ratio() { awk -v a="$1" -v b="${base:-0}" -v none="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "%s", none }'; }
json=$OUT/ipc.json
{
	printf '{"results": ['
	sep=''
	for m in "${modes[@]}"; do
		while read -r _ name iters min median max; do
			printf '%s\n  {"name": "%s", "mode": "%s", "unit": "%s", "iterations": %s, "min": %s, "median": %s, "max": %s}' \
				"$sep" "$name" "$m" "${unit[$m]}" "$iters" "$min" "$median" "$max"
			sep=','
		done < <(results "$OUT/$m.serial")
	done
	printf '\n],\n"scaling": {"name": "call_reply_pairs", "mode": "tcg-smp4", "host_cores": %s, "host_load": "%s", "pairs": [' \
		"$host_cores" "$host_load"
	sep=''
	while read -r _ _ n total _ _ _ ms _ per_s _; do
		[[ -n $n ]] || continue
		printf '%s\n  {"n": %s, "round_trips": %s, "ms": %s, "round_trips_per_s": %s, "ratio": %s}' "$sep" \
			"${n%:}" "$total" "$ms" "$per_s" "$(ratio "$per_s" null)"
		sep=','
	done <<<"$pairs"
	printf '\n]}}\n'
} >"$json"

printf '\n%-24s %28s %12s' "case" "instructions (min/median/max)" "TCG cycles"
((kvm_ok)) && printf ' %12s' "KVM cycles"
printf '\n'
# rows ICOUNT TCG KVM: the table's rows for the cases in run ICOUNT, with
# their medians in runs TCG and KVM ("-" where a run has none or did not run).
rows() {
	local tcg kvm
	while read -r _ name iters min median max; do
		tcg=$(median_in "$OUT/$2.serial" "$name")
		printf '%-24s %8s %9s %9s  %12s' "$name" "$min" "$median" "$max" "${tcg:--}"
		if ((kvm_ok)); then
			kvm=''
			[[ " ${modes[*]} " != *" $3 "* ]] || kvm=$(median_in "$OUT/$3.serial" "$name")
			printf ' %12s' "${kvm:--}"
		fi
		printf '\n'
	done < <(results "$OUT/$1.serial")
}
rows icount tcg kvm

# VM exits: only Bochs offers VT-x here; its TSC counts instructions.
printf '\nVM exit round trips under Bochs (exit, IPC to the VMM task, emulate, reply, resume), instructions:\n'
while read -r _ name iters min median max; do
	printf '%-24s %8s %9s %9s\n' "$name" "$min" "$median" "$max"
done < <(tr -d '\r' <"$OUT/bochs.serial" | grep -aE '^bench: vmexit_[a-z_0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$')
printf '(KVM in Bochs: a CPUID exit handled in the kernel 1,271; a port I/O exit to QEMU and back 7,406)\n'

# Across CPUs: we on CPU 0, the partner in the other task on CPU 1.
printf '\nAcross CPUs, QEMU -smp 2 (we on CPU 0, the partner in the other task on CPU 1), instructions of both CPUs:\n'
rows icount-smp2 tcg-smp4 kvm-smp2
printf 'Under Bochs with 2 CPUs, ticks (both CPUs run at once, each about one instruction per tick):\n'
while read -r _ name iters min median max; do
	printf '%-24s %8s %9s %9s\n' "$name" "$min" "$median" "$max"
done < <(results "$OUT/bochs-smp2.serial")
printf '(call_reply_xcpu_0: call + reply-and-wait, 0 words, the general path and an IPI each way;\n'
printf ' notify_xcpu: a round trip of two wakes: we signal, the partner wakes on CPU 1 and signals back,\n'
printf ' we wake (notify_wake above is one wake on one CPU). TCG cycles: QEMU -smp 4 without icount,\n'
printf ' where waking a halted CPU wakes its host thread. vcpu_post_xcpu: an interrupt for a vCPU\n'
printf ' running on CPU 1, from the post (L4_THREAD_VCPU_POST) to its handler'"'"'s first instruction,\n'
printf ' which exits to us: the kernel'"'"'s part of one vCPU'"'"'s IPI to another; vcpu_write_post_xcpu: the\n'
printf ' same by VCPU_WRITE, which stops the vCPU and takes its VMCS to CPU 0.)\n'

# The scaling case: N pairs on N CPUs, wall-clock time.
printf '\nThroughput of N independent call/reply pairs on N CPUs (pair k: a client and a server in the other\n'
printf 'task, both on CPU k, an endpoint each: the fast path), QEMU -smp 4 without icount, a host thread\n'
printf 'per CPU; host cores (nproc): %s, load average before the run: %s\n' "$host_cores" "$host_load"
printf '%-8s %16s %12s   %s\n' "pairs" "round trips/s" "ratio to 1" "per pair (round trips)"
# shellcheck disable=SC2034 # (total, ms: fields skipped by name)
while read -r _ _ n total _ _ _ ms _ per_s _ _ _ _ each; do
	[[ -n $n ]] || continue
	printf '%-8s %16s %12s   %s\n' "${n%:}" "$per_s" "$(ratio "$per_s" -)" "${each%)}"
done <<<"$pairs"
grep -a '^bench: pairs [0-9]*: failed' "$OUT/tcg-smp4.serial" | sed 's/^bench: /  /' || true
printf '(%s ms per N. More pairs than host cores cannot scale: their CPUs share the host cores, and\n' \
	"$(awk 'NR == 1 { print $8 }' <<<"$pairs")"
printf ' on a loaded host they share them with other programs too.)\n'

# Guest RAM: "bench: guest_ram MIB KIND pages: set up T (from sigma0 S), torn
# down D; kernel memory K KiB, P KiB per GiB, A KiB after".
printf '\nGuest RAM under Bochs (3 GiB machine), as the root task and a VMM set it up: from sigma0 in 4 MiB\n'
printf 'pieces (or whole GiBs in 1 GiB pages) into the VMM, then into the VM'"'"'s EPT; torn down by deleting\n'
printf 'the VM and freeing it to sigma0.\n'
printf '%-22s %14s %14s %14s %16s\n' "guest RAM" "set up (ticks)" "of it sigma0" "torn down" "kernel memory"
declare -A gram_kib=()
while read -r _ _ mib _ kind _ _ _ setup _ _ sigma0 _ _ down _ _ kib _; do
	label=${kind/MiB/ MiB}
	label=${label/GiB/ GiB}
	printf '%-22s %14s %14s %14s %12s KiB\n' "$mib MiB, ${label/KiB/ KiB} pages" "$setup" "${sigma0%%)*}" \
		"${down%;}" "$kib"
	gram_kib[$mib-$kind]=$kib
done < <(tr -d '\r' <"$OUT/bochs-guestram.serial" | grep -aE '^bench: guest_ram [0-9]+ MiB [0-9A-Za-z]+ pages:' || true)
grep -a '^bench: guest_ram .*error' "$OUT/bochs-guestram.serial" | sed 's/^bench: /  /' || true
if [[ -n ${gram_kib[1024-2MiB]:-} && -n ${gram_kib[2048-2MiB]:-} ]]; then
	printf 'Kernel memory per GiB of guest RAM in 2 MiB pages (2 GiB less 1 GiB): %s KiB (the VMM'"'"'s mapping\n' \
		"$((gram_kib[2048-2MiB] - gram_kib[1024-2MiB]))"
	printf ' and the EPT: 2 x 512 nodes of 48 bytes and a page table each); 4 KiB pages: %s KiB per GiB\n' \
		"${gram_kib[1024-4KiB]:--}"
	printf ' (with sigma0 splitting its large roots; 1 GiB of 4 KiB pages in the VMM and the EPT alone: 28,672 KiB).\n'
fi
[[ -z ${gram_kib[1024-1GiB]:-} ]] ||
	printf 'Kernel memory for 1 GiB of guest RAM in one 1 GiB page: %s KiB (a node each for the VMM and the EPT,\n and their upper tables).\n' \
		"${gram_kib[1024-1GiB]}"

# Guest IPIs and a storming neighbour: Bochs with 2 CPUs, the test rows'
# configurations (tests/boot/bochs-vmm-smp*.cfg), whose programs print the
# figures: the multiboot guest tests/guests/mbsmp.S (4 vCPUs on host CPUs
# 0, 1, 0, 1) times IPIs from its BSP, and tests/programs/neighbour.c
# times native round trips beside a VM that storms in alternate periods.
for row in bochs-vmm-smp bochs-vmm-smp-storm; do
	printf 'bench: running under bochs (%s)...\n' "$row" >&2
	"$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -c "console=com1 loglevel=1" -o "$OUT/$row.iso" \
		"$ROOT/tests/boot/$row.cfg" >"$OUT/$row.mkimage.log" 2>&1 ||
		{ printf 'bench: tools/mkimage.sh failed for %s\n' "$row" >&2; exit 1; }
	EMU_CPUS=2 emu_run bochs "$OUT/$row.iso" "$TIMEOUT" "$OUT/$row.serial" "$OUT/$row"
	if [[ $EMU_STATUS != ok ]] || ! grep -aqE 'mbsmp: all checks passed|neighbour: round trip' "$OUT/$row.serial"; then
		printf 'bench: the %s run failed: %s\n' "$row" "${EMU_DETAIL:-no figures}" >&2
		tail -n 20 "$OUT/$row.serial" >&2 || true
		exit 1
	fi
done
printf '\nGuest IPIs through the VMM under Bochs with 2 CPUs, TSC ticks from the sender'"'"'s ICR write (vCPU 0,\n'
printf 'host CPU 0) to the first instruction of the target'"'"'s handler (32 IPIs each):\n'
printf '%-44s %9s %9s %9s\n' "target" "min" "median" "max"
while read -r v state min median max; do
	case "$v $state" in
	"1 halted") label="vCPU 1 at HLT, on host CPU 1" ;;
	"1 running") label="vCPU 1 running, on host CPU 1 (kick: IPI)" ;;
	"2 halted") label="vCPU 2 at HLT, on host CPU 0 (the sender's)" ;;
	*) label="vCPU $v, $state" ;;
	esac
	printf '%-44s %9s %9s %9s\n' "$label" "$min" "$median" "$max"
done < <(tr -d '\r' <"$OUT/bochs-vmm-smp.serial" | sed -nE \
	's/.*mbsmp: IPI to vCPU ([0-9]+) (at HLT|running): min ([0-9]+) median ([0-9]+) max ([0-9]+) .*/\1 \2 \3 \4 \5/p' |
	sed 's/ at HLT / halted /')
printf '(The path: the sender'"'"'s ICR write exits (MMIO; with vmm.vid an APIC write); the VMM'"'"'s local APIC\n'
printf ' model; at its lock'"'"'s release a\n'
printf ' kick: the target'"'"'s handler, waiting at its HLT, wakes, or L4_THREAD_VCPU_POST asks a running\n'
printf ' target for an interrupt window, by an IPI to its CPU; the window exit; the injection. No\n'
printf ' posted-interrupt descriptors here: Bochs has none. The kernel'"'"'s part alone: vcpu_post_xcpu.)\n'
tr -d '\r' <"$OUT/bochs-vmm-smp-storm.serial" | grep -a '^neighbour: round trip' | sed 's/^neighbour: /Native IPC beside a storming VM (Bochs, 2 CPUs): /' | fold -s -w 110
printf '(tests/programs/neighbour.c on CPU 0, call/reply within one task, in batches a millisecond apart;\n'
printf ' the VM'"'"'s 4 vCPUs on both CPUs storm in even periods of 2^25 TSC ticks: IPIs to all, start-up IPIs\n'
printf ' to running vCPUs, a vCPU that sends itself INIT; in odd ones they are calm. Target: within 5%%.)\n'

# The Linux boot under Bochs, bare and under the hypervisor, both ended by
# /bin/l4end (the magic breakpoint) at /init: Bochs ticks from power-on,
# same bochsrc and ips; and under the hypervisor with APIC virtualization
# (vmm.vid; off by default). BENCH_LINUX=0 skips it (about 12 minutes).
bochs_ticks() { awk '/^Next at t=/ { t = $3 } END { sub("t=", "", t); print t }' "$1"; }
if [[ ${BENCH_LINUX:-1} == 1 && -s $BUILD/guest/vmlinuz && -s $BUILD/guest/initrd.gz ]]; then
	bare=$OUT/linux-bare
	rm -rf "$bare" && mkdir -p "$bare/iso/boot/grub"
	cp "$BUILD/guest/vmlinuz" "$BUILD/guest/initrd.gz" "$bare/iso/boot/"
	printf 'set timeout=0\nset default=0\nmenuentry "linux" {\n\tlinux /boot/vmlinuz %s\n\tinitrd /boot/initrd.gz\n\tboot\n}\n' \
		"console=ttyS0 earlyprintk=ttyS0 nokaslr l4bench" >"$bare/iso/boot/grub/grub.cfg"
	grub-mkrescue -d /usr/lib/grub/i386-pc --locales= --themes= -o "$OUT/linux-bare.iso" "$bare/iso" \
		>"$bare/mkrescue.log" 2>&1 || { printf 'bench: grub-mkrescue failed\n' >&2; exit 1; }
	"$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -o "$OUT/linux-vmm.iso" "$ROOT/config/bench-linux.cfg"
	# The same with APIC virtualization (interrupts posted to the CPU, EOIs
	# without exits), to measure what it saves.
	sed 's/^\([[:space:]]*args[[:space:]]*\)/\1vmm.vid /' "$ROOT/config/bench-linux.cfg" >"$OUT/vid.cfg"
	"$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -o "$OUT/linux-vid.iso" "$OUT/vid.cfg"
	declare -A ticks=()
	for kind in bare vmm vid; do
		printf 'bench: Linux boot under Bochs (%s)...\n' "$kind" >&2
		emu_run bochs "$OUT/linux-$kind.iso" "${BENCH_LINUX_TIMEOUT:-1500}" "$OUT/linux-$kind.serial" "$OUT/linux-$kind"
		if [[ $EMU_STATUS != ok ]] || ! grep -aq 'L4LINUX: /init reached' "$OUT/linux-$kind.serial"; then
			printf 'bench: the Linux boot (%s) did not reach /init: %s\n' "$kind" "$EMU_DETAIL" >&2
			tail -n 15 "$OUT/linux-$kind.serial" >&2 || true
			exit 1
		fi
		ticks[$kind]=$(bochs_ticks "$OUT/linux-$kind/bochs.out")
	done
	printf '\nLinux boot to /init under Bochs (ips=200000000), ticks from power-on:\n'
	printf '%-24s %14s\n' "bare (GRUB, no hypervisor)" "${ticks[bare]}" "under the hypervisor" "${ticks[vmm]}" \
		"... vmm.vid" "${ticks[vid]}"
	awk -v a="${ticks[vmm]}" -v b="${ticks[bare]}" 'BEGIN { printf "%-24s %14.3f (target <= 1.05; KVM with QEMU: 1.004)\n", "ratio", a / b }'
	for kind in vmm vid; do
		[[ $kind == vmm ]] && printf 'Under the hypervisor:\n' || printf 'With APIC virtualization (vmm.vid):\n'
		tr -d '\r' <"$OUT/linux-$kind.serial" | grep -a 'vmm: exits:' | head -n 1 | sed 's/^[a-z]*: vmm: /  VM exits by reason: /'
		tr -d '\r' <"$OUT/linux-$kind.serial" | grep -aE 'vmm: (handling them|port I/O|interrupts:)' | head -n 3 |
			sed 's/^[a-z]*: vmm: /  /'
	done
fi

# The guest's disk under Bochs: 16 MiB written and read in 64 KiB O_DIRECT
# blocks on an ext4 file system (/bin/l4disk bench, timed by the guest's
# TSC, which counts Bochs ticks), under the hypervisor (virtio-blk, the
# VMM, the block server, the ATA driver: config/bench-disk.cfg) and on bare
# Bochs (Linux's own ATA driver, ata_piix, on the same image), same bochsrc
# and ips. BENCH_DISK=0 skips it (about 8 minutes).
if [[ ${BENCH_DISK:-1} == 1 && -s $BUILD/guest/rootfs.ext4 ]]; then
	dbare=$OUT/disk-bare
	rm -rf "$dbare" && mkdir -p "$dbare/iso/boot/grub"
	cp "$BUILD/guest/vmlinuz" "$BUILD/guest/initrd.gz" "$dbare/iso/boot/"
	printf 'set timeout=0\nset default=0\nmenuentry "linux" {\n\tlinux /boot/vmlinuz %s\n\tinitrd /boot/initrd.gz\n\tboot\n}\n' \
		"console=ttyS0 earlyprintk=ttyS0 nokaslr l4ata root=/dev/sda l4disk=bench" >"$dbare/iso/boot/grub/grub.cfg"
	grub-mkrescue -d /usr/lib/grub/i386-pc --locales= --themes= -o "$OUT/disk-bare.iso" "$dbare/iso" \
		>"$dbare/mkrescue.log" 2>&1 || { printf 'bench: grub-mkrescue failed\n' >&2; exit 1; }
	"$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -o "$OUT/disk-vmm.iso" "$ROOT/config/bench-disk.cfg" >/dev/null
	declare -A dw=() dr=()
	for kind in bare vmm; do
		printf 'bench: the guest disk under Bochs (%s)...\n' "$kind" >&2
		cp "$BUILD/guest/rootfs.ext4" "$OUT/disk-$kind.img"
		EMU_DISK=$OUT/disk-$kind.img emu_run bochs "$OUT/disk-$kind.iso" "${BENCH_LINUX_TIMEOUT:-1500}" \
			"$OUT/disk-$kind.serial" "$OUT/disk-$kind"
		line=$(tr -d '\r' <"$OUT/disk-$kind.serial" | grep -a 'L4LINUX: disk: bench: write' | head -n 1)
		if [[ $EMU_STATUS != ok || -z $line ]]; then
			printf 'bench: the disk run (%s) printed no figures: %s\n' "$kind" "${EMU_DETAIL:-}" >&2
			tail -n 15 "$OUT/disk-$kind.serial" >&2 || true
			exit 1
		fi
		read -r dw[$kind] dr[$kind] < <(sed -E 's/.*write 16 MiB ([0-9]+) ticks, read 16 MiB ([0-9]+) ticks.*/\1 \2/' <<<"$line")
	done
	printf '\nGuest disk under Bochs: 16 MiB in 64 KiB O_DIRECT blocks on ext4, Bochs ticks per MiB\n'
	printf '%-44s %14s %14s\n' "" "write" "read"
	printf '%-44s %14s %14s\n' "bare Bochs (Linux's ata_piix on the disk)" $((dw[bare] / 16)) $((dr[bare] / 16)) \
		"hypervisor (virtio-blk, VMM, blk, ata)" $((dw[vmm] / 16)) $((dr[vmm] / 16))
	awk -v a="${dw[vmm]}" -v b="${dw[bare]}" -v c="${dr[vmm]}" -v d="${dr[bare]}" \
		'BEGIN { printf "%-44s %14.2f %14.2f\n", "ratio", a / b, c / d }'
	# The VMM's statistics at "bench: starts" and after the figures: the
	# exits and the disk thread's time in between.
	tr -d '\r' <"$OUT/disk-vmm.serial" | awk '
		/vmm: exits: [0-9]+:/ { e[n++] = $4 + 0 }
		/vmm: disk: [0-9]+ requests/ { r[m] = $4; t[m] = $8; s[m] = $13; m++ }
		END {
			if (n < 2 || m < 2) exit
			printf "Under the hypervisor, per MiB moved (32 MiB): %.0f VM exits; %.1f disk requests, ", (e[n-1] - e[n-2]) / 32, (r[m-1] - r[m-2]) / 32
			printf "%.0f ticks in the VMM'"'"'s disk thread of which %.0f in the block server and the ATA driver (the rest: copies and the virtio ring)\n", (t[m-1] - t[m-2]) / 32, (s[m-1] - s[m-2]) / 32
		}'
fi

# Guest networking under Bochs (config/bench-net.cfg): two Linux guests and
# the native endpoint on the virtual switch; linux-a times (TSC: Bochs
# ticks) 50 pings to linux-b and 50 to the endpoint (busybox ping -A: the
# next as soon as the answer is in; a ping's start is in the figure) and
# 1 MiB sent to linux-b with busybox nc (TCP). Its VMM prints its exit and
# network counters at each "bench:" line. BENCH_NET=0 skips it (about 6
# minutes).
if [[ ${BENCH_NET:-1} == 1 && -s $BUILD/guest/initrd.gz ]]; then
	"$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -o "$OUT/net.iso" "$ROOT/config/bench-net.cfg" >/dev/null
	printf 'bench: guest networking under Bochs...\n' >&2
	EMU_MEM=1024 emu_run bochs "$OUT/net.iso" "${BENCH_LINUX_TIMEOUT:-1500}" "$OUT/net.serial" "$OUT/net"
	net=$(tr -d '\r' <"$OUT/net.serial")
	figure() { sed -n "s/.*L4LINUX: net: bench: $1 \([0-9]*\) ticks.*/\1/p" <<<"$net" | head -n 1; }
	pg=$(figure 'ping guest: 50 round trips in') pn=$(figure 'ping native: 50 round trips in')
	tx=$(figure 'transfer: 1048576 bytes in')
	if [[ $EMU_STATUS != ok || -z $pg || -z $pn || -z $tx ]]; then
		printf 'bench: the network run printed no figures: %s\n' "${EMU_DETAIL:-}" >&2
		tail -n 15 "$OUT/net.serial" >&2 || true
		exit 1
	fi
	printf '\nGuest networking under Bochs (virtio-net, the VMM, the virtual switch), Bochs ticks\n'
	printf '%-58s %14s\n' "ping, guest to guest: a round trip" $((pg / 50)) \
		"ping, guest to the native endpoint: a round trip" $((pn / 50)) \
		"1 MiB guest to guest (TCP, busybox nc)" "$tx"
	awk -v t="$tx" 'BEGIN { printf "%-58s %14.2f\n", "  MiB per G ticks", 1e9 / t }'
	# linux-a's VMM at the markers: exits and network counters; the last
	# interval is the transfer.
	awk '
		/^linux-a: vmm: exits: [0-9]+:/ { e[n++] = $4 + 0 }
		/^linux-a: vmm: net: tx / { f[m] = $5 + $12; w[m] = $(NF - 11) + $(NF - 5) + $(NF - 1); m++ }
		END {
			if (n < 4 || m < 4) exit
			fr = f[m-1] - f[m-2]
			if (fr <= 0) exit
			printf "During the transfer, per frame through the sender'"'"'s NIC (%d frames): %.1f VM exits, %.2f notifications (the switch'"'"'s and the guest'"'"'s wake-ups of the net thread, and doorbells)\n", fr, (e[n-1] - e[n-2]) / fr, (w[m-1] - w[m-2]) / fr
		}' <<<"$net"
fi

# The benchmark issue's targets, as information (figures never fail a run).
med() { tr -d '\r' <"$OUT/icount.serial" | awk -v n="$1" '$1 == "bench:" && $2 == n { print $5 }'; }
c0=$(med call_reply_inter_0) c60=$(med call_reply_inter_60)
printf '\ncall_reply_inter_0: %s instructions (target <= 400; seL4 fast path measured here: 395)\n' "$c0"
printf 'call_reply_inter_60: %s instructions (target <= %s = 400 + 2 per word)\n' "$c60" $((400 + 2 * 60))
printf 'results: %s\n' "${json#"$ROOT"/}"
