#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/run-linux.sh ISO [TIMEOUT_SECONDS]
#
# Boots an image with VM guests (config/linux.cfg) where VT-x is: QEMU with
# KVM if /dev/kvm works and offers VMX to its guests (nested), else Bochs.
# Says which at the start.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ $# -ge 1 ]] || { printf 'usage: %s ISO [TIMEOUT_SECONDS]\n' "${0##*/}" >&2; exit 2; }
iso=$1 timeout=${2:-0}

kvm_nested=0
if [[ -r /dev/kvm && -w /dev/kvm ]] && grep -qsE '^(Y|1)$' /sys/module/kvm_intel/parameters/nested; then
	rc=$(sh -c 'timeout 3 qemu-system-x86_64 -enable-kvm -cpu host,+vmx -m 16 -display none \
		-nodefaults -S -monitor none </dev/null >/dev/null 2>&1; echo $?')
	((rc != 124)) || kvm_nested=1
fi
if ((kvm_nested)); then
	echo "run-linux: QEMU with KVM (nested VT-x)"
	# shellcheck disable=SC2034 # read by tools/emu.sh
	export EMU_QEMU_EXTRA_ARGS="-enable-kvm -cpu host,+vmx"
	exec "$ROOT/tools/run-qemu.sh" "$iso" "$timeout"
fi
echo "run-linux: Bochs (no usable KVM with nested VT-x here; QEMU's own CPU has no VT-x)"
exec "$ROOT/tools/run-bochs.sh" "$iso" "$timeout"
