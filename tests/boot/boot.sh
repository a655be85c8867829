# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # BOOT_* are used by tests/run.sh and through ${!name}
#
# tests/boot/boot.sh: the emulator boot tests, sourced by tests/run.sh (which
# provides pass, fail, show_tail, and sources tools/emu.sh).
#
# Each boot test boots build/kernel.elf from its own ISO with its own command
# line, headless with a timeout; its files are build/tests/NAME.iso,
# NAME.serial (COM1) and NAME/ (the emulator's logs). boot_start runs the
# emulator (in the background, from tests/run.sh); boot_check judges the run
# afterwards from the serial output and how the emulator ended.
#
# CPUs: the emulator column qemu:N or bochs:N boots a machine with N CPUs
# (EMU_CPUS=N for tools/emu.sh); a plain qemu or bochs row boots EMU_CPUS
# from the environment, 1 if unset. The kernel uses one CPU today (the others
# stay halted); rows with several are for the multiprocessor work. Test names
# carry the column as it is (qemu:4/boot, qemu:4/selftest/NAME), so the same
# check on another CPU count is another test.

# The boot tests: name, emulator (qemu, bochs, or qemu:N / bochs:N for N
# CPUs), check (selftest, ktest, or fault KIND), boot modules (FILE:NAME,...
# with files in the build directory, or -), and the kernel command line.
KTEST_MODULES=sigma0.elf:sigma0,ktest.elf:roottask
# The concurrent fuzzer (ktest fuzz/concurrent-syscalls): 700,000 steps in
# each one-CPU QEMU ktest row (three seeds, 2.1 M steps; 10-40 s each),
# 1,050,000 in qemu-ktest-smp (the fuzzer makes half as many again with
# several CPUs, its threads spread over all four; 40-90 s on a two-core
# host), 80,000 in bochs-ktest, where it also runs VMs (30-40 s);
# fuzztime= bounds its time on a loaded machine.
FUZZ_QEMU="fuzzsteps=700000 fuzztime=60"
FUZZ_QEMU_SMP="fuzzsteps=700000 fuzztime=120"
FUZZ_BOCHS="fuzzsteps=80000 fuzztime=120"
# Rows with boot modules `cfg:FILE.cfg` boot that configuration as a user
# would (tools/mkimage.sh -k: the image is built even with errors in it),
# and check `expect` judges the run by FILE.expect (see boot_check_expect).
BOOT_TESTS=(
	"qemu-selftest   qemu  selftest  -               console=com1 loglevel=2 test=selftest"
	"qemu-fault-pf   qemu  fault-pf  -               console=com1 loglevel=2 test=pf"
	"qemu-fault-ud   qemu  fault-ud  -               console=com1 loglevel=2 test=ud"
	"qemu-fault-gp   qemu  fault-gp  -               console=com1 loglevel=2 test=gp"
	"qemu-fault-df   qemu  fault-df  -               console=com1 loglevel=2 test=df"
	"qemu-fault-stack qemu fault-stack -             console=com1 loglevel=2 test=stack"
	"qemu-fault-smp-panic qemu:4 fault-smp-panic -   console=com1 loglevel=2 test=smp-panic"
	"qemu-ktest      qemu  ktest     $KTEST_MODULES  console=com1 loglevel=2 $FUZZ_QEMU fuzzseed=1"
	"qemu-ktest-eager-fpu qemu ktest $KTEST_MODULES  console=com1 loglevel=2 fpu=eager $FUZZ_QEMU fuzzseed=2"
	"qemu-ktest-slowpath qemu ktest  $KTEST_MODULES  console=com1 loglevel=2 fastpath=off $FUZZ_QEMU fuzzseed=3"
	"bochs-selftest  bochs selftest  -               console=com1 loglevel=2 test=selftest"
	"bochs-fault-df  bochs fault-df  -               console=com1 loglevel=2 test=df"
	"bochs-ktest     bochs ktest     $KTEST_MODULES  console=com1 loglevel=2 $FUZZ_BOCHS fuzzseed=4"
	"bochs-ktest-vmx-slowpath bochs ktest $KTEST_MODULES console=com1 loglevel=2 fastpath=off fpu=eager ktest=vmx/"
	"qemu-ktest-smp  qemu:4 ktest    $KTEST_MODULES  console=com1 loglevel=2 $FUZZ_QEMU_SMP fuzzseed=5"
	"bochs-ktest-smp bochs:2 ktest   $KTEST_MODULES  console=com1 loglevel=2 ktest=smp/,irq/,vmx/vcpu-moves,vmx/unmap,vmx/long-mode,vmx/spinning-fpu,vmx/post,vmx/pause,vmx/apic-write,vmx/stopped,large/"
	"qemu-ktest-large qemu ktest $KTEST_MODULES  console=com1 loglevel=2 ktest=large/"
)

# Every tests/boot/NAME.cfg with a NAME.expect is a row qemu-NAME, or NAME
# run in Bochs if NAME starts with bochs- (its own cmdline line should end
# the machine: poweroff=N). A line "# config: PATH" in NAME.expect boots
# PATH (from the repository's root) instead of NAME.cfg: a configuration
# users boot, such as config/linux.cfg (make run), tested as it is. A line
# "# cpus: N" boots the row with N CPUs (emulator column qemu:N or bochs:N).
# "# memory: N" gives the machine N MiB (EMU_MEM; default 512). "# disk:
# FILE" gives it a hard disk (EMU_DISK, tools/emu.sh: QEMU's primary IDE
# master, Bochs's ata0-slave): a fresh copy, for each run, of FILE in the
# build directory (make builds it), so what a run writes never reaches the
# next one; "# disk-errors: FILE" (QEMU rows) makes the reads and writes
# that FILE's blkdebug rules name fail (EMU_DISK_ERRORS; FILE from the
# repository's root); "# disk-fsck: yes" checks the disk's ext4 file
# system after the run with the host's e2fsck -fn (test NAME/disk-fsck).
declare -A BOOT_ROW_TIMEOUT=() BOOT_ROW_MEM=() BOOT_ROW_DISK=() BOOT_ROW_DISK_ERRORS=()
for expect_file in "$ROOT"/tests/boot/*.expect; do
	[[ -f $expect_file ]] || continue
	expect_name=${expect_file##*/}
	expect_name=${expect_name%.expect}
	# A line "# timeout: N" in the .expect file gives the row N seconds.
	expect_timeout=$(sed -n 's/^# timeout: \([0-9][0-9]*\)$/\1/p' "$expect_file" | head -n 1)
	[[ -z $expect_timeout ]] || BOOT_ROW_TIMEOUT[$expect_name]=$expect_timeout
	expect_mem=$(sed -n 's/^# memory: \([0-9][0-9]*\)$/\1/p' "$expect_file" | head -n 1)
	[[ -z $expect_mem ]] || BOOT_ROW_MEM[$expect_name]=$expect_mem
	expect_disk=$(sed -n 's/^# disk: *//p' "$expect_file" | head -n 1)
	[[ -z $expect_disk ]] || BOOT_ROW_DISK[$expect_name]=$expect_disk
	expect_disk=$(sed -n 's/^# disk-errors: *//p' "$expect_file" | head -n 1)
	[[ -z $expect_disk ]] || BOOT_ROW_DISK_ERRORS[$expect_name]=$ROOT/$expect_disk
	expect_config=$(sed -n 's/^# config: //p' "$expect_file" | head -n 1)
	[[ -n $expect_config ]] || expect_config=tests/boot/$expect_name.cfg
	expect_cpus=$(sed -n 's/^# cpus: *//p' "$expect_file" | head -n 1)
	if [[ $expect_name == bochs-* ]]; then
		BOOT_TESTS+=("$expect_name bochs${expect_cpus:+:$expect_cpus} expect cfg:$expect_config console=com1 loglevel=2")
	else
		BOOT_TESTS+=("qemu-$expect_name qemu${expect_cpus:+:$expect_cpus} expect cfg:$expect_config console=com1 loglevel=2")
	fi
done
unset expect_file expect_name expect_timeout expect_config expect_cpus expect_mem expect_disk
# The ktest rows run the concurrent fuzzer too (see FUZZ_QEMU).
BOOT_ROW_TIMEOUT[ktest]=150
BOOT_ROW_TIMEOUT[ktest-eager-fpu]=150
BOOT_ROW_TIMEOUT[ktest-slowpath]=150
BOOT_ROW_TIMEOUT[ktest-smp]=300
BOOT_ROW_TIMEOUT[bochs-ktest]=420
# 3 GiB: a whole free GiB for 1 GiB pages (ktest large/; qemu-ktest-large
# runs them on one CPU, the smp rows on several).
BOOT_ROW_MEM[ktest-smp]=3072
BOOT_ROW_MEM[bochs-ktest-smp]=3072
BOOT_ROW_MEM[ktest-large]=3072

# Seconds before a run counts as a hang.
BOOT_TIMEOUT_qemu=${TEST_QEMU_TIMEOUT:-60}
BOOT_TIMEOUT_bochs=${TEST_BOCHS_TIMEOUT:-180}

# boot_fields "TABLE ROW": set name, emu, check, modules, cmdline. emu is
# the column as it is, with its :N (${emu%%:*} is the emulator).
boot_fields() {
	local row=$1
	read -r name emu check modules cmdline <<<"$row"
	[[ $emu =~ ^(qemu|bochs)(:[1-9][0-9]*)?$ ]] ||
		emu_die "boot test $name: emulator '$emu' is not qemu, bochs, qemu:N or bochs:N (N CPUs)"
}

# boot_start NAME EMU MODULES CMDLINE: build the ISO, run it, and write the
# outcome to NAME.result (EMU_* variables, see tools/emu.sh). Runs in a subshell.
boot_start() {
	local name=$1 emu=$2 mods=$3 cmdline=$4 timeout m
	local base=$TEST_OUT/$name margs=()
	# The CPUs for emu_run: the row's :N, else the environment's.
	local EMU_CPUS=${EMU_CPUS:-1}
	[[ $emu != *:* ]] || EMU_CPUS=${emu#*:}
	mkdir -p "$base"
	rm -f "$base/result" "$base.serial"
	timeout=BOOT_TIMEOUT_${emu%%:*}
	timeout=${!timeout}
	local row_name=${name#qemu-}
	[[ -z ${BOOT_ROW_TIMEOUT[$row_name]:-} ]] || timeout=${BOOT_ROW_TIMEOUT[$row_name]}
	local EMU_MEM=${BOOT_ROW_MEM[$row_name]:-${EMU_MEM:-512}}
	local EMU_DISK=${EMU_DISK:-} disk=${BOOT_ROW_DISK[$row_name]:-}
	local EMU_DISK_ERRORS=${BOOT_ROW_DISK_ERRORS[$row_name]:-}
	local built=0 tool
	if [[ $mods == cfg:* ]]; then
		# "# input: TEXT" in the .expect file: typed on the serial port, with
		# Enter, 3 s in or, given "# input-after: REGEX" lines, once each
		# of them matches a line.
		local typed after expect_file
		expect_file=$(boot_expect_of "$name")
		typed=$(sed -n 's/^# input: //p' "$expect_file" 2>/dev/null | head -n 1)
		after=$(sed -n 's/^# input-after: //p' "$expect_file" 2>/dev/null)
		[[ -z $typed ]] || export EMU_SERIAL_INPUT="$typed"$'\r' EMU_SERIAL_INPUT_AFTER="$after"
		tool=mkimage.sh
		"$ROOT/tools/mkimage.sh" -k -D BUILD="$(dirname "$KERNEL")" -c "$cmdline" -o "$base.iso" \
			"$ROOT/${mods#cfg:}" >"$base/mkiso.log" 2>&1 && built=1
	else
		if [[ $mods != - ]]; then
			IFS=, read -r -a m <<<"$mods"
			for mod in "${m[@]}"; do
				margs+=("$(dirname "$KERNEL")/${mod%%:*}" "${mod#*:}")
			done
		fi
		tool=mkiso.sh
		"$ROOT/tools/mkiso.sh" "$base.iso" "$KERNEL" "$cmdline" "${margs[@]}" 2>"$base/mkiso.log" && built=1
	fi
	if ((built)) && [[ -n $disk ]]; then
		EMU_DISK=$base/disk.img
		if ! cp "$(dirname "$KERNEL")/$disk" "$EMU_DISK" 2>>"$base/mkiso.log"; then
			built=0
			printf 'disk image %s not found in the build directory (make builds it)\n' "$disk" >>"$base/mkiso.log"
		fi
	fi
	if ((built)); then
		emu_run "${emu%%:*}" "$base.iso" "$timeout" "$base.serial" "$base"
	else
		EMU_STATUS=build-error EMU_EXIT='' EMU_GUEST=''
		EMU_DETAIL="tools/$tool failed: $(grep -v -- '-k:' "$base/mkiso.log" | tail -n 1)"
	fi
	printf 'EMU_STATUS=%q EMU_EXIT=%q EMU_GUEST=%q EMU_DETAIL=%q\n' \
		"$EMU_STATUS" "$EMU_EXIT" "$EMU_GUEST" "$EMU_DETAIL" >"$base/result"
}

# boot_outcome EMU WANT_GUEST: print why the run did not end as a clean exit
# of the guest (with value WANT_GUEST under QEMU); print nothing if it did.
boot_outcome() {
	local emu=$1 want=$2
	case $EMU_STATUS in
	ok)
		if [[ ${emu%%:*} == qemu && $EMU_GUEST != "$want" ]]; then
			printf 'QEMU exit status %s: the guest wrote %s to port 0xf4, expected %s (exit status %s)' \
				"$EMU_EXIT" "$EMU_GUEST" "$want" $((want * 2 + 1))
		fi
		;;
	timeout) printf 'hang: %s' "$EMU_DETAIL" ;;
	*) printf '%s' "$EMU_DETAIL" ;;
	esac
}

# boot_check_suite EMU SUITE SERIAL: one test per `SUITE: NAME ... RESULT`
# line (the kernel's `selftest` or the user-level `ktest`); sets SUITE_WHY
# to the reasons the run as a whole fails (summary, panic, exit status).
SUITE_WHY=()
boot_check_suite() {
	local emu=$1 suite=$2 serial=$3 line rest tname res lines=0 outcome summary panic
	SUITE_WHY=()
	while IFS= read -r line; do
		[[ $line == "$suite: "* ]] || continue
		rest=${line#"$suite": }
		if [[ $rest =~ ^(.+)\ \.\.\.\ (.*)$ ]]; then
			lines=$((lines + 1))
			tname=${BASH_REMATCH[1]} res=${BASH_REMATCH[2]}
			if [[ $res == ok ]]; then
				pass "$emu/$suite/$tname"
			elif [[ $res =~ ^FAIL\ \((.*)\)$ ]]; then
				fail "$emu/$suite/$tname" "${BASH_REMATCH[1]}"
			else
				fail "$emu/$suite/$tname" "unexpected result '$res'"
			fi
		elif [[ $rest == *' ...'* ]]; then
			lines=$((lines + 1))
			fail "$emu/$suite/$rest" "incomplete line '$line' (the run stopped here?)"
		fi
	done < <(tr -d '\r' <"$serial")

	outcome=$(boot_outcome "$emu" 0)
	[[ -z $outcome ]] || SUITE_WHY+=("$outcome")
	summary=$(tr -d '\r' <"$serial" | grep -a -m1 -E "^$suite summary: " || true)
	if [[ -z $summary ]]; then
		SUITE_WHY+=("no '$suite summary:' line")
	elif [[ $summary =~ ^$suite\ summary:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
		((BASH_REMATCH[2] == 0)) || SUITE_WHY+=("$summary")
		((BASH_REMATCH[1] + BASH_REMATCH[2] == lines)) ||
			SUITE_WHY+=("the summary counts $((BASH_REMATCH[1] + BASH_REMATCH[2])) tests, but there are $lines '$suite:' lines")
	else
		SUITE_WHY+=("cannot read the summary line '$summary'")
	fi
	((lines > 0)) || SUITE_WHY+=("no '$suite:' lines")
	panic=$(boot_first_panic "$serial")
	[[ -z $panic ]] || SUITE_WHY+=("$panic")
}

# boot_check_selftest EMU SERIAL: one test per `selftest:` line, then EMU/boot.
boot_check_selftest() {
	local emu=$1 serial=$2 why=()
	boot_check_suite "$emu" selftest "$serial"
	why=("${SUITE_WHY[@]}")
	grep -aqE '^memory map:' "$serial" || why+=("no 'memory map:' line")
	if [[ ${emu%%:*} == qemu ]]; then
		grep -aqE '^vmx: not supported' "$serial" || why+=("no 'vmx: not supported' line (QEMU TCG has no VT-x)")
	else
		grep -aqE '^vmx: supported \(.*\<ept\>' "$serial" ||
			why+=("no 'vmx: supported (... ept ...)' line (Bochs corei7_skylake_x has VT-x with EPT)")
		grep -aqE '^vmx: on \(VMXON done' "$serial" || why+=("no 'vmx: on (VMXON done' line")
	fi
	boot_verdict "$emu/boot" "${why[@]}"
}

# boot_check_ktest EMU NAME SERIAL: the kernel test suite, run as the root
# task: one test per `ktest:` line, then EMU/NAME for the run as a whole.
boot_check_ktest() {
	local emu=$1 name=$2 serial=$3 why=()
	boot_check_suite "$emu" ktest "$serial"
	why=("${SUITE_WHY[@]}")
	grep -aqE '^sigma0: .* serving' "$serial" || why+=("sigma0 did not start")
	boot_verdict "$emu/$name" "${why[@]}"
}

# boot_check_expect EMU NAME SERIAL EXPECT: one test per line "TEST|REGEX" of
# the file EXPECT (# comments, blank lines skipped): some serial line must
# match the extended regular expression; then EMU/NAME: no panic, and the
# machine ended by poweroff=N (status 0).
boot_check_expect() {
	local emu=$1 name=$2 serial=$3 expect=$4 why=() row outcome panic
	if [[ ! -f $expect ]]; then
		fail "$emu/$name" "no expectations file ${expect#"$ROOT"/}"
		return
	fi
	while IFS= read -r row; do
		[[ -n $row && $row != '#'* ]] || continue
		# (Not `tr | grep -q`: grep's early exit would kill tr with SIGPIPE,
		# failing the pipe under pipefail at random.)
		if grep -aqE -- "${row#*|}" < <(tr -d '\r' <"$serial"); then
			pass "$emu/$name/${row%%|*}"
		else
			fail "$emu/$name/${row%%|*}" "no line matching '${row#*|}'"
		fi
	done <"$expect"
	# "# disk-fsck: yes": the row's disk (an ext4 file system) is
	# consistent after the run, by the host's e2fsck -fn.
	local img=${serial%.serial}/disk.img
	if grep -q '^# disk-fsck: yes$' "$expect"; then
		if [[ ! -f $img ]]; then
			fail "$emu/$name/disk-fsck" "no disk image $img"
		elif e2fsck -fn "$img" >"${serial%.serial}/fsck.log" 2>&1; then
			pass "$emu/$name/disk-fsck"
		else
			fail "$emu/$name/disk-fsck" "e2fsck -fn found errors: $(tail -n 3 "${serial%.serial}/fsck.log" | tr '\n' ' ')"
		fi
	fi
	outcome=$(boot_outcome "$emu" 0)
	[[ -z $outcome ]] || why+=("$outcome")
	panic=$(boot_first_panic "$serial")
	[[ -z $panic ]] || why+=("$panic")
	grep -aqE '^(poweroff after|debug: task .* ends the machine with status 0)' "$serial" ||
		why+=("no 'poweroff after' line (nor a program ending the machine with status 0)")
	boot_verdict "$emu/$name" "${why[@]}"
}

# boot_first_panic SERIAL: print the first PANIC line, if any.
boot_first_panic() {
	tr -d '\r' <"$1" | grep -a -m1 -E '^PANIC' || true
}

# boot_verdict NAME [REASON]...: PASS NAME if there is no reason to fail it.
boot_verdict() {
	local name=$1 joined='' r
	shift
	for r in "$@"; do
		joined+=${joined:+; }$r
	done
	if [[ -z $joined ]]; then
		pass "$name"
	else
		fail "$name" "$joined"
	fi
}

# boot_check_fault EMU KIND SERIAL: the kernel must panic with #KIND, dump
# registers, and end the machine (QEMU: value 2, exit status 5).
boot_check_fault() {
	local emu=$1 kind=${2^^} serial=$3 why=() outcome first name=${2}
	# A kernel stack overflow is a #DF that names the guard page it hit.
	local also='' want
	[[ $kind != STACK ]] || { kind=DF also='kernel stack overflow into the guard page'; }
	# Odd CPUs fault at once, the others spin with interrupts off: one
	# report, and every other CPU stopped by its NMI.
	local cpus=${emu#*:} stopped='' panics
	[[ $kind != SMP-PANIC ]] || { kind=PF stopped="panic: the other $((cpus - 1)) CPUs stopped"; }
	want="PANIC: #$kind${also:+ ... $also}"
	first=$(boot_first_panic "$serial")
	panics=$(tr -d '\r' <"$serial" | grep -a -c '^PANIC' || true)
	if [[ -n $stopped ]] && ((panics != 1)); then
		why+=("$panics PANIC lines, expected one report")
	elif [[ -n $stopped ]] && ! tr -d '\r' <"$serial" | grep -a -q -x "$stopped"; then
		why+=("no '$stopped' line")
	fi
	if [[ -z $first ]]; then
		why+=("no '$want' line")
	elif [[ ! $first =~ ^PANIC:\ \#$kind([^A-Za-z0-9]|$) || $first != *"$also"* ]]; then
		why+=("the first panic is '$first', expected '$want'")
	elif ! sed -n "/^PANIC/,\$p" < <(tr -d '\r' <"$serial") | grep -a 'RIP=' >/dev/null; then
		why+=("no register dump (RIP=) after the PANIC line")
	fi
	outcome=$(boot_outcome "$emu" 2)
	[[ -z $outcome ]] || why+=("$outcome")
	boot_verdict "$emu/fault-$name" "${why[@]}"
}

# boot_expect_of NAME: the expectations file of the row NAME.
boot_expect_of() {
	printf '%s/tests/boot/%s.expect' "$ROOT" "${1#qemu-}"
}

# boot_check NAME EMU CHECK: judge a finished run.
boot_check() {
	local name=$1 emu=$2 check=$3 base=$TEST_OUT/$1 before=$FAILED
	local test=$emu/$check
	[[ $check != selftest ]] || test=$emu/boot
	[[ $check != ktest && $check != expect ]] || test=$emu/$name
	if [[ ! -f $base/result ]]; then
		fail "$test" "the run did not finish: $(grep -v '^$' "$base/job.log" 2>/dev/null | tail -n 1)"
		return
	fi
	EMU_STATUS='' EMU_EXIT='' EMU_GUEST='' EMU_DETAIL=''
	# shellcheck disable=SC1090,SC1091 # written by boot_start
	. "$base/result"
	if [[ $EMU_STATUS == build-error ]]; then
		fail "$test" "$EMU_DETAIL"
		return
	fi
	[[ -f $base.serial ]] || : >"$base.serial"
	case $check in
	selftest) boot_check_selftest "$emu" "$base.serial" ;;
	ktest) boot_check_ktest "$emu" "$name" "$base.serial" ;;
	expect) boot_check_expect "$emu" "$name" "$base.serial" "$(boot_expect_of "$name")" ;;
	fault-*) boot_check_fault "$emu" "${check#fault-}" "$base.serial" ;;
	*) fail "$emu/$check" "tests/boot/boot.sh: unknown check '$check'" ;;
	esac
	((FAILED == before)) || show_tail "$base.serial"
}
