#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/fuzz.sh: runs the concurrent fuzzer (ktest fuzz/concurrent-syscalls)
# over more seeds and steps than `make test` does (`make fuzz` builds first).
# Each seed is one boot of the kernel test suite restricted to that test,
# with a timeout; one line per seed, then `N seeds passed, M failed` and the
# failing seeds' last serial lines. Exit status 0 only if every seed passed.
#
# Environment (defaults in brackets):
#   FUZZ_SEEDS [8]          seeds under QEMU, from FUZZ_FIRST_SEED [100]
#   FUZZ_STEPS [1000000]    steps per QEMU seed
#   FUZZ_BOCHS_SEEDS [2]    seeds under Bochs (VT-x: VMs and vCPUs too),
#                           from FUZZ_FIRST_SEED + 1000
#   FUZZ_BOCHS_STEPS [300000]
#   FUZZ_JOBS [2]           runs at once
#   FUZZ_QEMU_TIMEOUT [300], FUZZ_BOCHS_TIMEOUT [1200]  seconds per run
#   FUZZ_CMDLINE            more kernel options (e.g. fastpath=off fpu=eager)
# Files: build/fuzz/SEED-EMU.{iso,serial} (BUILD=dir for another build directory).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
# shellcheck source=emu.sh disable=SC1091
. "$ROOT/tools/emu.sh"

BUILD=${BUILD:-build}
case $BUILD in
/*) build_dir=$BUILD ;;
*) build_dir=$ROOT/$BUILD ;;
esac
OUT=$build_dir/fuzz
SEEDS=${FUZZ_SEEDS:-8}
STEPS=${FUZZ_STEPS:-1000000}
BOCHS_SEEDS=${FUZZ_BOCHS_SEEDS:-2}
BOCHS_STEPS=${FUZZ_BOCHS_STEPS:-300000}
FIRST=${FUZZ_FIRST_SEED:-100}
JOBS=${FUZZ_JOBS:-2}
QEMU_TIMEOUT=${FUZZ_QEMU_TIMEOUT:-300}
BOCHS_TIMEOUT=${FUZZ_BOCHS_TIMEOUT:-1200}
EXTRA=${FUZZ_CMDLINE:-}

for f in kernel.elf sigma0.elf ktest.elf; do
	[[ -f $build_dir/$f ]] || emu_die "$build_dir/$f not found (build it: make all)"
done
mkdir -p "$OUT"

# run_seed EMU SEED STEPS TIMEOUT: one boot; writes OUT/SEED-EMU.result.
run_seed() {
	local emu=$1 seed=$2 steps=$3 timeout=$4 base=$OUT/$2-$1 start end
	rm -f "$base.result"
	# The fuzzer's own time budget ends it before the emulator's timeout.
	local budget=$((timeout * 2 / 3))
	if ! "$ROOT/tools/mkiso.sh" "$base.iso" "$build_dir/kernel.elf" \
		"console=com1 loglevel=2 ktest=fuzz/concurrent fuzzseed=$seed fuzzsteps=$steps fuzztime=$budget $EXTRA" \
		"$build_dir/sigma0.elf" sigma0 "$build_dir/ktest.elf" roottask >"$base.mkiso.log" 2>&1; then
		echo "FAIL mkiso" >"$base.result"
		return
	fi
	start=$(date +%s)
	emu_run "$emu" "$base.iso" "$timeout" "$base.serial" "$base"
	end=$(date +%s)
	local line verdict
	line=$(tr -d '\r' <"$base.serial" | grep -a 'steps in' | tail -n 1 | sed 's/^ktest: (cfuzz: //; s/)$//')
	if tr -d '\r' <"$base.serial" | grep -aq '^ktest: fuzz/concurrent-syscalls \.\.\. ok' &&
		[[ $EMU_STATUS == ok ]]; then
		verdict=PASS
	else
		verdict="FAIL ($EMU_STATUS: $EMU_DETAIL)"
	fi
	printf '%s %s seed %s: %s; %s s\n' "$verdict" "$emu" "$seed" "${line:-no summary}" "$((end - start))" \
		>"$base.result"
}

runs=()
for ((i = 0; i < SEEDS; i++)); do
	runs+=("qemu $((FIRST + i)) $STEPS $QEMU_TIMEOUT")
done
for ((i = 0; i < BOCHS_SEEDS; i++)); do
	runs+=("bochs $((FIRST + 1000 + i)) $BOCHS_STEPS $BOCHS_TIMEOUT")
done

printf 'fuzz: %d QEMU seeds x %d steps, %d Bochs seeds x %d steps, %d at once\n' \
	"$SEEDS" "$STEPS" "$BOCHS_SEEDS" "$BOCHS_STEPS" "$JOBS"
pids=()
for run in "${runs[@]}"; do
	# shellcheck disable=SC2086 # the run's words
	run_seed $run &
	pids+=($!)
	while (($(jobs -rp | wc -l) >= JOBS)); do
		wait -n || true
	done
done
wait || true

passed=0 failed=0 failures=()
for run in "${runs[@]}"; do
	read -r emu seed _ <<<"$run"
	result=$OUT/$seed-$emu.result
	if [[ -f $result ]]; then
		cat "$result"
	else
		printf 'FAIL %s seed %s: no result\n' "$emu" "$seed"
	fi
	if [[ -f $result ]] && grep -q '^PASS' "$result"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$seed-$emu")
	fi
done
for f in "${failures[@]}"; do
	printf '  last lines of %s:\n' "${OUT#"$ROOT"/}/$f.serial"
	tail -n 15 "$OUT/$f.serial" 2>/dev/null | tr -d '\r' | awk '{ print "    " $0 }'
done
printf '%d seeds passed, %d failed\n' "$passed" "$failed"
((failed == 0))
