#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/run-bochs.sh ISO [TIMEOUT_SECONDS]
#
# Boots ISO in Bochs (corei7_skylake_x: VT-x with EPT, VPID, unrestricted
# guest) and shows the serial console on this terminal while it runs. Bochs
# quits when the kernel executes the magic breakpoint `xchg %bx,%bx`, when
# you press Ctrl-A X (Ctrl-C if stdin is no terminal), or after TIMEOUT_SECONDS
# (default 0 = none). On a terminal, what you type goes to COM1.
# The VGA screen is a VNC server on the first free port from 5900.
# EMU_CPUS=N in the environment gives the machine N CPUs (default 1; `make
# run-bochs CPUS=N`); the kernel uses one today, the others stay halted.
#
# Exit status: 0 when the guest ended the run, when you stopped it or at
# the timeout; 1 for a triple fault or when Bochs failed. (Bochs cannot tell
# the guest's exit value: read it from the serial output.)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=emu.sh disable=SC1091
. "$here/emu.sh"

emu_interactive_args "$@"
iso=$EMU_ISO timeout=$EMU_TIMEOUT work=$EMU_WORK
keep=0 # 1: keep $work for a look after a Bochs failure
cleanup() { ((keep)) || rm -rf "$work"; }
trap cleanup EXIT

# On a terminal what is typed goes to the guest (tools/emu.sh), Ctrl-C too.
keys="Ctrl-C stops"
[[ ! -t 0 || ! -t 1 ]] || keys="what you type goes to COM1; Ctrl-A X stops"
if ((timeout > 0)); then
	echo "Bochs$EMU_MACHINE: serial console below; $keys (stops by itself after $timeout s)."
else
	echo "Bochs$EMU_MACHINE: serial console below; $keys."
fi
EMU_FOLLOW=1 emu_run bochs "$iso" "$timeout" "$work/serial.out" "$work"
# The serial output may end in the middle of a line.
if [[ -s $work/serial.out && $(tail -c 1 "$work/serial.out" | wc -l) -eq 0 ]]; then echo; fi

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
case $EMU_STATUS in
ok) say "$EMU_DETAIL" ;;
timeout) say "stopped after $timeout s" ;;
stopped) say "$EMU_DETAIL" ;;
*)
	say "$EMU_DETAIL"
	if [[ $EMU_STATUS == error ]]; then
		keep=1
		echo "(kept $work)" >&2
		grep -hvE "^[0-9]{11}i\[" "$work/bochs.log" "$work/bochs.out" 2>/dev/null | tail -n 15 | sed "s/^/  /" >&2 || true
	fi
	exit 1
	;;
esac
