#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2317 # (predicates called through wait_for and check)
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/tools/terminal.sh: what is typed on the terminal of tools/run-*.sh
# goes to the guest's serial port, Ctrl-C too, and Ctrl-C does not stop the
# emulator (only Ctrl-A X does). Run by tests/run.sh (group `tools`); prints
# one `PASS name` or `FAIL name: why` line per check.
#
# The terminal is a real one: a pseudo-terminal from util-linux's `script`,
# whose input the test types byte by byte.
#   terminal/bochs-*: tools/emu.sh's bridge from the terminal to Bochs's
#     serial port (emu_terminal_to_fd3), with a stand-in for Bochs started as
#     tools/emu.sh starts Bochs (`timeout --foreground`, in the terminal's
#     foreground process group, so a SIGINT from the terminal would reach
#     it). Ctrl-C (0x03) must arrive at the serial side and the emulator live
#     on; Ctrl-A Ctrl-A types 0x01; Ctrl-A X stops the emulator.
#   terminal/qemu-*: tools/run-qemu.sh itself boots tests/boot/console.cfg in
#     QEMU (`-serial mon:stdio`); a line with a Ctrl-C typed at the input
#     program's prompt must reach it, and the run end by the guest's own
#     poweroff, not by the Ctrl-C.
#
# Usage: tests/tools/terminal.sh OUTDIR (BUILD: the build directory).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# ---- inside the pseudo-terminal (script runs this): the bridge and a stand-in emulator
if [[ ${1:-} == --bridge ]]; then
	dir=$2
	# shellcheck source=../../tools/emu.sh disable=SC1091
	. "$ROOT/tools/emu.sh"
	timeout --foreground 60 sleep 60 &
	emu=$!
	echo "$emu" >"$dir/emu.pid"
	tty >"$dir/tty"
	rc=0
	emu_terminal_to_fd3 "$emu" 3>"$dir/serial" || rc=$?
	echo "$rc" >"$dir/bridge.rc"
	wait "$emu"
	echo "$?" >"$dir/emu.rc"
	exit 0
fi

out=${1:?usage: tests/tools/terminal.sh OUTDIR}
BUILD=${BUILD:-build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
mkdir -p "$out"
out=$(cd "$out" && pwd)

pass() { printf 'PASS terminal/%s\n' "$1"; }
fail() { printf 'FAIL terminal/%s: %s\n' "$1" "$2"; }
check() { # check NAME WHY-IF-FAILED CONDITION...
	local name=$1 why=$2
	shift 2
	if "$@"; then pass "$name"; else fail "$name" "$why"; fi
}
# wait_for SECONDS COMMAND...: until COMMAND succeeds; false after SECONDS.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.1
	done
}
command -v script >/dev/null || { fail setup "script not found (package bsdutils, essential in Debian)"; exit 0; }

# ---- the Bochs bridge
dir=$out/bridge
rm -rf "$dir"
mkdir -p "$dir"
raw_off() { stty -F "$(cat "$dir/tty")" -a 2>/dev/null | grep -q -- '-isig'; }
alive() { kill -0 "$(cat "$dir/emu.pid")" 2>/dev/null; }
serial_is() { [[ $(od -An -tx1 -v "$dir/serial" 2>/dev/null | tr -d ' \n') == "$1" ]]; }
{
	# The bridge's terminal mode first (signals from keys off), then the keys.
	wait_for 10 test -s "$dir/tty" && wait_for 5 raw_off
	printf 'ab\003cd'
	wait_for 5 serial_is 6162036364
	alive && echo yes >"$dir/alive-after-ctrl-c"
	printf '\001\001'                # Ctrl-A Ctrl-A: one Ctrl-A for the guest
	wait_for 5 serial_is 616203636401
	printf '\001x'                   # Ctrl-A X: the end
	wait_for 10 test -s "$dir/emu.rc"
} | timeout 60 script -qefc "$(printf '%q --bridge %q' "${BASH_SOURCE[0]}" "$dir")" /dev/null \
	>"$dir/terminal.out" 2>&1
typed=$(od -An -tx1 -v "$dir/serial" 2>/dev/null | tr -d '\n' | sed 's/^ *//')
check bochs-ctrl-c-reaches-guest "the serial side got '${typed:-nothing}', not 61 62 03 63 64 (ab ^C cd)" \
	serial_is 616203636401
check bochs-ctrl-c-keeps-emulator "the emulator was gone after Ctrl-C (a SIGINT from the terminal?)" \
	test -s "$dir/alive-after-ctrl-c"
check bochs-ctrl-a-x-stops "the bridge returned $(cat "$dir/bridge.rc" 2>/dev/null || echo nothing) (1: the user stopped it), the emulator's status $(cat "$dir/emu.rc" 2>/dev/null || echo unknown)" \
	test "$(cat "$dir/bridge.rc" 2>/dev/null)" = 1 -a -s "$dir/emu.rc"

# ---- QEMU: tools/run-qemu.sh on a terminal
dir=$out/qemu
rm -rf "$dir"
mkdir -p "$dir"
iso=$dir/console.iso
if ! "$ROOT/tools/mkimage.sh" -D BUILD="$BUILD" -c "console=com1 loglevel=2" -o "$iso" \
	"$ROOT/tests/boot/console.cfg" >"$dir/mkimage.log" 2>&1; then
	fail qemu-setup "tools/mkimage.sh failed: $(tail -n 1 "$dir/mkimage.log")"
	exit 0
fi
term=$dir/terminal.out
prompt() { grep -aq 'typist: type a line> ' "$term"; }
ended() { grep -aq 'run-qemu.sh: ' "$term"; }
{
	wait_for 60 prompt
	printf 'ab\003cd\r'
	wait_for 60 ended
} | timeout 90 script -qefc "$(printf '%q %q 60' "$ROOT/tools/run-qemu.sh" "$iso")" /dev/null >"$term" 2>&1
check qemu-ctrl-c-reaches-guest "no 'typist: typed: \"ab^Ccd\"' line (see ${term#"$ROOT"/})" \
	grep -aq $'typist: typed: "ab\003cd"' "$term"
check qemu-ctrl-c-keeps-emulator "the run did not end by the guest's poweroff (see ${term#"$ROOT"/})" \
	grep -aq 'run-qemu.sh: the guest ended the run with value 0 at port 0xf4 (success)' "$term"
exit 0
