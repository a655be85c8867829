#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
#
# tests/run.sh [unit | tools | qemu | bochs | qemu:N | bochs:N | BOOT_TEST]...
#
# The whole test suite (`make test` builds what it needs first, then runs
# this). Without arguments it runs everything:
#   unit   build/unit-tests (Check): every Check test is one test, unit/TCASE/NAME
#   tools  tests/tools/*.sh, checks of the tools/ scripts (each prints PASS and
#          FAIL lines): terminal/NAME (what is typed reaches the guest, Ctrl-C too)
#   qemu   boot tests in QEMU: qemu/selftest/NAME, qemu/boot, qemu/fault-{pf,ud,gp,df}
#   bochs  boot tests in Bochs: bochs/selftest/NAME, bochs/boot, bochs/fault-df
# A BOOT_TEST is one row of tests/boot/boot.sh, such as qemu-fault-pf. Rows
# whose emulator column is qemu:N or bochs:N boot N CPUs (their tests are
# named qemu:N/...); `qemu` and `bochs` select them too, `qemu:N` and
# `bochs:N` only them.
#
# Prints `PASS name` or `FAIL name: why` per test (after a failed boot run,
# the last 25 lines of its serial output), and last exactly one line
# `N passed, M failed`. Exit status 0 only if nothing failed.
#
# Files: build/tests/ (BUILD=dir for another build directory). Environment:
# TEST_JOBS (runs at once; default: the number of CPUs), TEST_QEMU_TIMEOUT
# (60 s), TEST_BOCHS_TIMEOUT (180 s), EMU_CPUS (CPUs of the rows without :N,
# default 1: the kernel uses one CPU today; for the multiprocessor work).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=../tools/emu.sh disable=SC1091
. "$ROOT/tools/emu.sh"
# shellcheck source=boot/boot.sh disable=SC1091
. "$ROOT/tests/boot/boot.sh"

BUILD=${BUILD:-build}
case $BUILD in
/*) build_dir=$BUILD ;;
*) build_dir=$ROOT/$BUILD ;;
esac
KERNEL=$build_dir/kernel.elf
UNIT=$build_dir/unit-tests
TEST_OUT=$build_dir/tests
TAIL_LINES=25

# Set by boot_fields and boot_row.
name='' emu='' check='' modules='' cmdline=''
PASSED=0 FAILED=0
pass() {
	PASSED=$((PASSED + 1))
	printf 'PASS %s\n' "$1"
}
fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s: %s\n' "$1" "$2"
}
# show_tail FILE [WHAT]: the last lines of FILE, indented.
show_tail() {
	local file=$1 what=${2:-serial output}
	if [[ -s $file ]]; then
		printf '    last %d lines of %s (%s):\n' "$TAIL_LINES" "$what" "${file#"$ROOT"/}"
		tail -n "$TAIL_LINES" "$file" | tr -d '\r' | awk '{ print "      " $0 }'
	else
		printf '    %s is empty\n' "${file#"$ROOT"/}"
	fi
}

usage() {
	local row names=()
	for row in "${BOOT_TESTS[@]}"; do
		boot_fields "$row"
		names+=("$name")
	done
	printf 'usage: %s [unit | tools | qemu | bochs | qemu:N | bochs:N | BOOT_TEST]...\nboot tests: %s\n' "${0##*/}" "${names[*]}" >&2
	exit 2
}

# ------------------------------------------------------------ selection
[[ $# -gt 0 ]] || set -- unit tools qemu bochs
want_unit=0 want_tools=0
boot_rows=()
for arg in "$@"; do
	found=0
	[[ $arg != unit ]] || { want_unit=1; found=1; }
	[[ $arg != tools ]] || { want_tools=1; found=1; }
	for row in "${BOOT_TESTS[@]}"; do
		boot_fields "$row"
		if [[ $arg == "${emu%%:*}" || $arg == "$emu" || $arg == "$name" ]]; then
			found=1
			[[ " ${boot_rows[*]} " == *" $name "* ]] || boot_rows+=("$name")
		fi
	done
	((found)) || { printf '%s: unknown test or group %s\n' "${0##*/}" "'$arg'" >&2; usage; }
done

# boot_row NAME: set name, emu, check, modules, cmdline from the table.
boot_row() {
	local row
	for row in "${BOOT_TESTS[@]}"; do
		boot_fields "$row"
		[[ $name != "$1" ]] || return 0
	done
	return 1
}

# ------------------------------------------------------------ unit tests
unit_start() {
	rm -f "$TEST_OUT/unit/stdout" "$TEST_OUT/unit/stderr" "$TEST_OUT/unit/status"
	local rc=0
	[[ -x $UNIT ]] || return 0
	# A test that takes long on a loaded machine is slow, not wrong: only a
	# hang (minutes) fails on time.
	CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-300} CK_VERBOSITY=verbose "$UNIT" </dev/null >"$TEST_OUT/unit/stdout" 2>"$TEST_OUT/unit/stderr" || rc=$?
	echo "$rc" >"$TEST_OUT/unit/status"
}

# Check's verbose lines: FILE:LINE:RESULT:TCASE:TEST:ITERATION: MESSAGE with
# RESULT P (passed), F (failed) or E (error: crash, sanitizer, timeout).
unit_check() {
	local out=$TEST_OUT/unit/stdout err=$TEST_OUT/unit/stderr rc line n=0 before=$FAILED
	local re='^[^:]+:[0-9]+:([PFE]):([^:]*):([^:]+):([0-9]+):[ ]?(.*)$'
	if [[ ! -x $UNIT ]]; then
		fail unit "${UNIT#"$ROOT"/} not found (build it: make $BUILD/unit-tests)"
		return
	fi
	if [[ ! -f $TEST_OUT/unit/status ]]; then
		fail unit "the run did not finish: $(grep -v '^$' "$TEST_OUT/unit/job.log" 2>/dev/null | tail -n 1)"
		return
	fi
	rc=$(<"$TEST_OUT/unit/status")
	while IFS= read -r line; do
		[[ $line =~ $re ]] || continue
		n=$((n + 1))
		local result=${BASH_REMATCH[1]} tname=unit/${BASH_REMATCH[2]}/${BASH_REMATCH[3]}
		local iter=${BASH_REMATCH[4]} msg=${BASH_REMATCH[5]}
		[[ $iter == 0 ]] || tname+="#$iter"
		((${#msg} <= 300)) || msg="${msg:0:300}..."
		case $result in
		P) pass "$tname" ;;
		F) fail "$tname" "$msg" ;;
		E) fail "$tname" "error: $msg" ;;
		esac
	done <"$out"

	local summary
	summary=$(grep -m1 -E '^[0-9]+%: Checks: [0-9]+' "$out" || true)
	if [[ -z $summary ]]; then
		if ((rc > 128)); then
			fail unit "no Check summary line: ${UNIT#"$ROOT"/} was killed by signal $((rc - 128))"
		else
			fail unit "no Check summary line: ${UNIT#"$ROOT"/} crashed or is not a Check runner (exit status $rc)"
		fi
	elif [[ $summary =~ Checks:\ ([0-9]+) ]] && ((BASH_REMATCH[1] != n)); then
		fail unit "Check ran ${BASH_REMATCH[1]} tests but printed $n results (is CK_VERBOSITY=verbose honoured?)"
	elif ((rc != 0 && FAILED == before)); then
		fail unit "${UNIT#"$ROOT"/} exited with status $rc although every test passed"
	fi
	if ((FAILED != before)); then
		# Sanitizer reports say more than the end of the stderr.
		if grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error:' "$err"; then
			printf '    sanitizer reports in %s:\n' "${err#"$ROOT"/}"
			grep -E 'ERROR: [A-Za-z]+Sanitizer|runtime error:|^SUMMARY: ' "$err" | head -n "$TAIL_LINES" | sed 's/^/      /'
		else
			show_tail "$err" "the unit tests' stderr"
		fi
	fi
}

# ------------------------------------------------------------ tools
# Each tests/tools/NAME.sh OUTDIR prints `PASS name` / `FAIL name: why` lines.
tools_start() {
	local t
	rm -f "$TEST_OUT/tools/"*.out
	for t in "$ROOT"/tests/tools/*.sh; do
		BUILD=$build_dir "$t" "$TEST_OUT/tools/$(basename "$t" .sh)" \
			</dev/null >"$TEST_OUT/tools/$(basename "$t" .sh).out" 2>&1
	done
}

tools_check() {
	local t out line n
	for t in "$ROOT"/tests/tools/*.sh; do
		out=$TEST_OUT/tools/$(basename "$t" .sh).out
		n=0
		while IFS= read -r line; do
			if [[ $line =~ ^PASS\ (.+)$ ]]; then
				pass "${BASH_REMATCH[1]}"
			elif [[ $line =~ ^FAIL\ ([^:]+):\ (.*)$ ]]; then
				fail "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			else
				continue
			fi
			n=$((n + 1))
		done <"$out"
		((n > 0)) || fail "tools/$(basename "$t" .sh)" "no results: $(tail -n 1 "$out" 2>/dev/null)"
	done
}

# ------------------------------------------------------------ run
mkdir -p "$TEST_OUT"
if [[ ${#boot_rows[@]} -gt 0 && ! -f $KERNEL ]]; then
	# Every boot test fails the same way; say it once per test.
	for n in "${boot_rows[@]}"; do
		boot_row "$n"
		mkdir -p "$TEST_OUT/$n"
		rm -f "$TEST_OUT/$n.serial"
		printf 'EMU_STATUS=build-error EMU_EXIT= EMU_GUEST= EMU_DETAIL=%q\n' \
			"${KERNEL#"$ROOT"/} not found (build it: make $BUILD/kernel.elf)" >"$TEST_OUT/$n/result"
	done
	skip_boot=1
else
	skip_boot=0
fi

# Run the jobs, at most TEST_JOBS at a time, longest first; report in order.
jobs_max=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
[[ $jobs_max =~ ^[1-9][0-9]*$ ]] || emu_die "TEST_JOBS='$jobs_max' is not a positive number"
pids=()
# shellcheck disable=SC2317 # called from the trap
on_signal() {
	trap - INT TERM
	((${#pids[@]} == 0)) || kill "${pids[@]}" 2>/dev/null || true
	printf '\n%s: interrupted\n' "${0##*/}" >&2
	exit 130
}
trap on_signal INT TERM

start() { # start NAME COMMAND...: run COMMAND in the background
	local name=$1
	shift
	while (($(jobs -rp | wc -l) >= jobs_max)); do
		wait -n || true
	done
	mkdir -p "$TEST_OUT/$name"
	"$@" >"$TEST_OUT/$name/job.log" 2>&1 </dev/null &
	pids+=($!)
}

order=()
((!want_unit)) || order+=(unit)
# Bochs rows by their timeout, longest first (the Linux boots take minutes).
while read -r _ n; do
	order+=("$n")
done < <(for n in "${boot_rows[@]}"; do
	boot_row "$n"
	[[ ${emu%%:*} == bochs ]] || continue
	printf '%s %s\n' "${BOOT_ROW_TIMEOUT[$n]:-$BOOT_TIMEOUT_bochs}" "$n"
done | sort -s -k1,1nr)
for n in "${boot_rows[@]}"; do
	boot_row "$n"
	[[ ${emu%%:*} == bochs ]] || order+=("$n")
done
((!want_tools)) || order+=(tools)
printf 'running: %s (%d at a time)\n' "${order[*]}" "$jobs_max"
for n in "${order[@]}"; do
	if [[ $n == unit ]]; then
		start unit unit_start
	elif [[ $n == tools ]]; then
		start tools tools_start
	elif ((!skip_boot)); then
		boot_row "$n"
		start "$n" boot_start "$name" "$emu" "$modules" "$cmdline"
	fi
done
for pid in "${pids[@]}"; do
	wait "$pid" || true
done
pids=()

((!want_unit)) || unit_check
((!want_tools)) || tools_check
for n in "${boot_rows[@]}"; do
	boot_row "$n"
	boot_check "$name" "$emu" "$check"
done

printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
((FAILED == 0))
