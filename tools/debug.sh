#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/debug.sh ISO KERNEL.elf [TIMEOUT_SECONDS]   (make debug)
#
# Boots ISO in QEMU (TCG, as tools/run-qemu.sh does) stopped before its
# first instruction, with QEMU's gdb server on 127.0.0.1:GDB_PORT (default
# 1234; QEMU's -s -S, but on the loopback interface only), and first prints
# the gdb command that attaches with KERNEL.elf's symbols. The serial
# console and QEMU's monitor are on this terminal: Ctrl-A X quits, Ctrl-A C
# switches to the monitor. TIMEOUT_SECONDS (default 0 = none) stops QEMU
# after that long.
#
# Exit status as tools/run-qemu.sh's: 0 when the guest ended the run with
# success, when you quit, or at the timeout; the guest's value V when it
# wrote V > 0 (1 test failure, 2 panic); 1 for a triple fault or when QEMU
# failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=emu.sh disable=SC1091
. "$here/emu.sh"

if [[ $# -lt 2 || $# -gt 3 ]]; then
	printf 'usage: %s ISO KERNEL.elf [TIMEOUT_SECONDS]   (timeout 0 = none)\n' "${0##*/}" >&2
	exit 2
fi
kernel=$2
[[ -f $kernel ]] || emu_die "kernel '$kernel' not found (build it with 'make kernel')"
emu_interactive_args "$1" "${3:-0}"
iso=$EMU_ISO timeout=$EMU_TIMEOUT work=$EMU_WORK

port=${GDB_PORT:-1234}
if ! [[ $port =~ ^[0-9]{1,5}$ ]] || ((10#$port < 1 || 10#$port > 65535)); then
	emu_die "GDB_PORT '$port' is not a TCP port number"
fi
port=$((10#$port))
# A listening socket on the port, from /proc/net (not by connecting: a
# connection to another QEMU's gdb server would stop that machine).
hexport=$(printf '%04X' "$port")
if grep -qsE "^ *[0-9]+: [0-9A-F]+:$hexport [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6; then
	emu_die "something already listens on TCP port $port (another make debug?); choose another with GDB_PORT=N"
fi

# The kernel's ELF is x86-64 (entered in 32-bit mode at _start, linked in
# the higher half): gdb takes its architecture from the file, and QEMU's
# x86-64 gdb server always sends the 64-bit registers.
gdb_cmd="gdb $(printf '%q' "$(emu_abspath "$kernel")") -ex 'target remote localhost:$port'"

cat <<EOF
QEMU is stopped before the first instruction (the BIOS's); in another terminal:

    $gdb_cmd

then, for example, 'break panic_begin' (every kernel panic) and 'continue'.
Serial console below; press Ctrl-A X to quit, Ctrl-A C for QEMU's monitor.
EOF
((timeout == 0)) || echo "(QEMU stops by itself after $timeout s.)"

# shellcheck disable=SC2034 # read by emu_run (tools/emu.sh)
EMU_QEMU_EXTRA=(-gdb "tcp:127.0.0.1:$port" -S)
emu_run qemu "$iso" "$timeout" - "$work"

emu_qemu_outcome "$timeout"
