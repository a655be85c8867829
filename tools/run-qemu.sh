#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/run-qemu.sh ISO [TIMEOUT_SECONDS]
#
# Boots ISO in QEMU (TCG, no VT-x) with the serial console and QEMU's monitor
# on this terminal: Ctrl-A X quits, Ctrl-A C switches to the monitor.
# TIMEOUT_SECONDS (default 0 = none) stops QEMU after that long.
# EMU_CPUS=N in the environment gives the machine N CPUs (default 1; `make
# run-native CPUS=N`); the kernel uses one today, the others stay halted.
#
# Exit status: 0 when the guest ended the run with success (it wrote 0 to
# port 0xf4, QEMU exit status 1), when you quit, or at the timeout; the
# guest's value V when it wrote V > 0 (1 test failure, 2 panic); 1 for a
# triple fault or when QEMU failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=emu.sh disable=SC1091
. "$here/emu.sh"

emu_interactive_args "$@"
iso=$EMU_ISO timeout=$EMU_TIMEOUT work=$EMU_WORK

if ((timeout > 0)); then
	echo "QEMU$EMU_MACHINE: serial console below; press Ctrl-A X to quit (stops by itself after $timeout s)."
else
	echo "QEMU$EMU_MACHINE: serial console below; press Ctrl-A X to quit."
fi
emu_run qemu "$iso" "$timeout" - "$work"

emu_qemu_outcome "$timeout"
