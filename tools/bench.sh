#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/bench.sh: the IPC benchmark (make bench). Boots sigma0 and the
# benchmark root task (bench/) in QEMU twice: plainly, where the TSC
# figures are cycles of the emulated CPU (host-load dependent), and under
# -icount shift=0,sleep=off, where the guest TSC advances by one per
# executed instruction, so the figures are deterministic path lengths.
# With a usable /dev/kvm it runs a third time under KVM (real cycles).
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
"$ROOT/tools/mkiso.sh" "$OUT/bench.iso" "$BUILD/kernel.elf" "console=com1 loglevel=1" \
	"$BUILD/sigma0.elf" sigma0 "$BUILD/bench.elf" roottask

# run MODE [QEMU ARGUMENTS]: boot the benchmark; results in $OUT/MODE.serial.
# MODE bochs runs Bochs (the emulator here with VT-x), for the VM exit cases.
run() {
	local mode=$1 emu=qemu
	shift
	# shellcheck disable=SC2034 # read by emu_run (tools/emu.sh)
	EMU_QEMU_EXTRA=("$@")
	[[ $mode != bochs ]] || emu=bochs
	printf 'bench: running under %s (%s)...\n' "$emu" "$mode" >&2
	emu_run "$emu" "$OUT/bench.iso" "$TIMEOUT" "$OUT/$mode.serial" "$OUT/$mode"
	if [[ $EMU_STATUS != ok || ($emu == qemu && $EMU_GUEST != 0) ]] ||
		! grep -aq '^bench: done' "$OUT/$mode.serial"; then
		printf 'bench: the %s run failed: %s\n' "$mode" "${EMU_DETAIL:-no "bench: done" line}" >&2
		tail -n 20 "$OUT/$mode.serial" >&2 || true
		exit 1
	fi
}

run icount -icount shift=0,sleep=off
run tcg
run bochs
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
	run kvm -enable-kvm -cpu host && modes+=(kvm)
fi

# The table and the JSON, from "bench: NAME ITERATIONS MIN MEDIAN MAX" lines.
declare -A unit=([icount]=instructions [tcg]=cycles [kvm]=cycles [bochs]=instructions)
json=$OUT/ipc.json
{
	printf '{"results": ['
	sep=''
	for m in "${modes[@]}"; do
		while read -r _ name iters min median max; do
			printf '%s\n  {"name": "%s", "mode": "%s", "unit": "%s", "iterations": %s, "min": %s, "median": %s, "max": %s}' \
				"$sep" "$name" "$m" "${unit[$m]}" "$iters" "$min" "$median" "$max"
			sep=','
		done < <(tr -d '\r' <"$OUT/$m.serial" | grep -aE '^bench: [a-z_0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$')
	done
	printf '\n]}\n'
} >"$json"

printf '\n%-24s %28s %12s' "case" "instructions (min/median/max)" "TCG cycles"
((kvm_ok)) && printf ' %12s' "KVM cycles"
printf '\n'
while read -r _ name iters min median max; do
	tcg=$(tr -d '\r' <"$OUT/tcg.serial" | awk -v n="$name" '$1 == "bench:" && $2 == n { print $5 }')
	printf '%-24s %8s %9s %9s  %12s' "$name" "$min" "$median" "$max" "${tcg:--}"
	if ((kvm_ok)); then
		kvm=$(tr -d '\r' <"$OUT/kvm.serial" | awk -v n="$name" '$1 == "bench:" && $2 == n { print $5 }')
		printf ' %12s' "${kvm:--}"
	fi
	printf '\n'
done < <(tr -d '\r' <"$OUT/icount.serial" | grep -aE '^bench: [a-z_0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$')

# VM exits: only Bochs offers VT-x here; its TSC counts instructions.
printf '\nVM exit round trips under Bochs (exit, IPC to the VMM task, emulate, reply, resume), instructions:\n'
while read -r _ name iters min median max; do
	printf '%-24s %8s %9s %9s\n' "$name" "$min" "$median" "$max"
done < <(tr -d '\r' <"$OUT/bochs.serial" | grep -aE '^bench: vmexit_[a-z_0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$')
printf '(KVM in Bochs: a CPUID exit handled in the kernel 1,271; a port I/O exit to QEMU and back 7,406)\n'

# The Linux boot under Bochs, bare and under the hypervisor, both ended by
# /bin/l4end (the magic breakpoint) at /init: Bochs ticks from power-on,
# same bochsrc and ips; and under the hypervisor without APIC
# virtualization. BENCH_LINUX=0 skips it (about 12 minutes).
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
	# The same without APIC virtualization (interrupts injected at windows,
	# EOIs by MMIO), to measure what it saves.
	sed 's/^\([[:space:]]*args[[:space:]]*\)/\1vmm.novapic /' "$ROOT/config/bench-linux.cfg" >"$OUT/novapic.cfg"
	"$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -o "$OUT/linux-novapic.iso" "$OUT/novapic.cfg"
	declare -A ticks=()
	for kind in bare vmm novapic; do
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
		"... vmm.novapic" "${ticks[novapic]}"
	awk -v a="${ticks[vmm]}" -v b="${ticks[bare]}" 'BEGIN { printf "%-24s %14.3f (target <= 1.05; KVM with QEMU: 1.004)\n", "ratio", a / b }'
	for kind in vmm novapic; do
		[[ $kind == vmm ]] && printf 'Under the hypervisor:\n' || printf 'Without APIC virtualization (vmm.novapic):\n'
		tr -d '\r' <"$OUT/linux-$kind.serial" | grep -a 'vmm: exits:' | head -n 1 | sed 's/^[a-z]*: vmm: /  VM exits by reason: /'
		tr -d '\r' <"$OUT/linux-$kind.serial" | grep -aE 'vmm: (handling them|port I/O|interrupts:)' | head -n 3 |
			sed 's/^[a-z]*: vmm: /  /'
	done
fi

# The benchmark issue's targets, as information (figures never fail a run).
med() { tr -d '\r' <"$OUT/icount.serial" | awk -v n="$1" '$1 == "bench:" && $2 == n { print $5 }'; }
c0=$(med call_reply_inter_0) c60=$(med call_reply_inter_60)
printf '\ncall_reply_inter_0: %s instructions (target <= 400; seL4 fast path measured here: 395)\n' "$c0"
printf 'call_reply_inter_60: %s instructions (target <= %s = 400 + 2 per word)\n' "$c60" $((400 + 2 * 60))
printf 'results: %s\n' "${json#"$ROOT"/}"
