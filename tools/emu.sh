# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# shellcheck disable=SC2034 # EMU_* results are for the scripts that source this
#
# tools/emu.sh: shared by tools/run-qemu.sh, tools/run-bochs.sh and tests/.
# Source it; it defines functions and runs nothing.
#
#   emu_run EMU ISO TIMEOUT SERIAL WORKDIR
#
# boots ISO in EMU (qemu or bochs) and returns when the emulator has ended.
# TIMEOUT is in seconds, 0 for none. SERIAL is the file that receives COM1
# (emptied first); for qemu, "-" means this terminal instead (interactive,
# `-serial mon:stdio`, Ctrl-A X quits). WORKDIR (created if needed) receives
# the emulator's own files: qemu.cmd (the command line) and qemu.log, or
# bochsrc, cmds, bochs.log, bochs.out.
# EMU_CPUS (default 1): the number of CPUs of the machine, `-smp N` for QEMU
# (multi-threaded TCG; round-robin on one thread under -icount), `cpu:
# count=N` in the bochsrc (interleaved on one thread).
# EMU_MEM (default 512): the machine's memory in MiB, `-m N` for QEMU,
# `megs: N` in the bochsrc (above 2048: `memory: guest=N, host=2048`, the
# most Bochs keeps resident).
# EMU_DISK (optional): a raw disk image, the machine's hard disk: for QEMU
# `-drive file=...,format=raw,if=ide,index=0`, the primary IDE channel's
# master (its CD-ROM is the secondary master); for Bochs `ata0-slave`
# (ata0-master is the boot CD-ROM there) with 16 heads and 63 sectors per
# track, so there its size must be whole cylinders of 516096 bytes. The emulator
# writes to the file itself. EMU_DISK_ERRORS (QEMU only): a file of
# blkdebug rules (QEMU's docs/devel/testing/blkdebug) that make chosen
# reads and writes of that disk fail, as a failing disk's would.
# With EMU_FOLLOW=1, bochs's SERIAL file is also shown on stdout while it runs,
# and when stdin is a terminal, what is typed goes to the guest's COM1 (Ctrl-A
# X stops Bochs; Ctrl-C goes to the guest).
# EMU_SERIAL_INPUT (headless runs, both emulators): text typed on COM1 once
# each line of EMU_SERIAL_INPUT_AFTER, an extended regex, matches a line of
# SERIAL, or, without one, EMU_SERIAL_INPUT_DELAY (3) seconds after the start.
#
# It always returns 0 and sets:
#   EMU_STATUS  ok            the guest ended the run itself: wrote port 0xf4
#                             (qemu) or hit the magic breakpoint (bochs)
#               timeout       still running after TIMEOUT seconds (a hang?)
#               triple-fault  the CPU triple-faulted (shutdown instead of reset)
#               stopped       the emulator ended without the guest asking: the
#                             user quit or interrupted, or the guest reset or
#                             powered off the machine another way
#               error         the emulator failed
#   EMU_EXIT    the emulator's exit status (124 for a timeout)
#   EMU_GUEST   qemu: the value V the guest wrote to port 0xf4 (QEMU exits
#               with 2*V+1); empty for bochs, which cannot report it
#   EMU_DETAIL  one line for people saying what happened
#
# The kernel ends a run by waiting for the UART to drain, writing V to port
# 0xf4 (0 success, 1 test failure, 2 panic), then `xchg %bx,%bx`, then halting.

EMU_QEMU_BIN=${QEMU:-qemu-system-x86_64}
EMU_BOCHS_BIN=${BOCHS:-bochs}

# Print an error naming the calling script and fail.
emu_die() {
	printf '%s: error: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# emu_check_timeout VALUE: a whole number of seconds.
emu_check_timeout() {
	[[ $1 =~ ^[0-9]+$ ]] || emu_die "timeout '$1' is not a whole number of seconds (0 = none)"
}

# emu_abspath PATH: print PATH made absolute (it need not exist).
emu_abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

# emu_need PROGRAM PACKAGE
emu_need() {
	command -v "$1" >/dev/null 2>&1 ||
		emu_die "$1 not found (Debian package $2; run tools/setup.sh or 'make deps')"
}

# emu_check_cpus: EMU_CPUS, if set, is a number of CPUs (1 or more), and
# EMU_MEM, if set, MiB of memory (16 to 65536).
emu_check_cpus() {
	[[ ${EMU_CPUS:-1} =~ ^[1-9][0-9]*$ ]] ||
		emu_die "EMU_CPUS='$EMU_CPUS' is not a number of CPUs (1 or more)"
	[[ ${EMU_MEM:-512} =~ ^[1-9][0-9]*$ ]] && ((${EMU_MEM:-512} >= 16 && ${EMU_MEM:-512} <= 65536)) ||
		emu_die "EMU_MEM='$EMU_MEM' is not MiB of memory (16 to 65536)"
}

# emu_interactive_args "$@": the arguments of tools/run-*.sh, ISO [TIMEOUT];
# sets EMU_ISO, EMU_TIMEOUT and EMU_WORK (a temporary folder, removed at exit),
# and EMU_MACHINE: "" for one CPU, else " (N CPUs)", for the greeting.
emu_interactive_args() {
	if [[ $# -lt 1 || $# -gt 2 ]]; then
		printf 'usage: %s ISO [TIMEOUT_SECONDS]   (timeout 0 = none)\n' "${0##*/}" >&2
		exit 2
	fi
	EMU_ISO=$1 EMU_TIMEOUT=${2:-0}
	emu_check_timeout "$EMU_TIMEOUT"
	emu_check_cpus
	EMU_MACHINE=''
	[[ ${EMU_CPUS:-1} == 1 ]] || EMU_MACHINE=" ($EMU_CPUS CPUs)"
	[[ -f $EMU_ISO ]] || emu_die "ISO '$EMU_ISO' not found (build it with 'make iso')"
	EMU_WORK=$(mktemp -d "${TMPDIR:-/tmp}/${0##*/}.XXXXXX")
	trap 'rm -rf "$EMU_WORK"' EXIT
}

# emu_check_disk [bochs]: EMU_DISK, if set, is a file the emulators can take
# (made absolute here); for bochs, whole cylinders, and EMU_DISK_CYLINDERS
# says how many.
emu_check_disk() {
	[[ -n ${EMU_DISK:-} ]] || return 0
	EMU_DISK=$(emu_abspath "$EMU_DISK")
	[[ -f $EMU_DISK ]] || emu_die "disk image '$EMU_DISK' not found"
	[[ $EMU_DISK =~ ^[^[:space:],\"\']+$ ]] ||
		emu_die "the emulators cannot take a disk path with spaces, commas or quotes: '$EMU_DISK'"
	local size
	size=$(stat -c %s "$EMU_DISK")
	[[ ${1:-} != bochs ]] || ((size > 0 && size % 516096 == 0)) ||
		emu_die "disk image '$EMU_DISK' is $size bytes: Bochs takes whole cylinders of 16 heads x 63 sectors (516096 bytes)"
	EMU_DISK_CYLINDERS=$((size / 516096))
	[[ -z ${EMU_DISK_ERRORS:-} ]] || {
		EMU_DISK_ERRORS=$(emu_abspath "$EMU_DISK_ERRORS")
		[[ -f $EMU_DISK_ERRORS && $EMU_DISK_ERRORS =~ ^[^[:space:],:\"\']+$ ]] ||
			emu_die "disk error rules '$EMU_DISK_ERRORS': no such file, or a path with spaces, commas, colons or quotes"
	}
}

# emu_qemu_args ISO: the command shared by every QEMU run, in EMU_CMD.
# EMU_QEMU_EXTRA (an array) or EMU_QEMU_EXTRA_ARGS (a string of words, from
# the environment) add arguments, such as -icount, or -enable-kvm -cpu host
# (which replaces the default -cpu max); the CPU count comes from EMU_CPUS.
EMU_QEMU_EXTRA=()
emu_qemu_args() {
	[[ $1 != *,* ]] || emu_die "QEMU cannot take an ISO path with a comma: '$1'"
	emu_check_cpus
	EMU_CMD=("$EMU_QEMU_BIN" -m "${EMU_MEM:-512}" -cdrom "$1" -display none -no-reboot
		-device "isa-debug-exit,iobase=0xf4,iosize=4")
	((${#EMU_QEMU_EXTRA[@]} == 0)) || EMU_CMD+=("${EMU_QEMU_EXTRA[@]}")
	# The same from the environment, as words (tools/run-linux.sh).
	if [[ -n ${EMU_QEMU_EXTRA_ARGS:-} ]]; then
		local -a words
		read -r -a words <<<"$EMU_QEMU_EXTRA_ARGS"
		EMU_CMD+=("${words[@]}")
	fi
	if [[ -n ${EMU_DISK:-} ]]; then
		emu_check_disk
		local file=$EMU_DISK
		[[ -z ${EMU_DISK_ERRORS:-} ]] || file=blkdebug:$EMU_DISK_ERRORS:$EMU_DISK
		EMU_CMD+=(-drive "file=$file,format=raw,if=ide,index=0")
	fi
	[[ " ${EMU_CMD[*]} " == *" -cpu "* ]] || EMU_CMD+=(-cpu max)
	[[ " ${EMU_CMD[*]} " != *" -smp "* ]] || emu_die "give the number of CPUs as EMU_CPUS=N, not -smp"
	EMU_CMD+=(-smp "${EMU_CPUS:-1}")
}

# emu_bochs_rc ISO SERIAL LOG: print the bochsrc (the recipe measured in
# /work/shared/EMULATORS.md; keep the sound: line, see there). Paths absolute.
# SERIAL "tcp:PORT": COM1 is a TCP server on 127.0.0.1:PORT instead of a file
# (Bochs waits for the connection before it starts; the way to type input).
# EMU_CPUS CPUs (cpu: count=N).
emu_bochs_rc() {
	local com1="mode=file, dev=$2" mem="megs: ${EMU_MEM:-512}"
	emu_check_cpus
	((${EMU_MEM:-512} <= 2048)) || mem="memory: guest=$EMU_MEM, host=2048"
	[[ $2 != tcp:* ]] || com1="mode=socket-server, dev=127.0.0.1:${2#tcp:}"
	cat <<EOF
# Generated by tools/emu.sh; edits are lost.
$mem
# reset_on_triple_fault=0: a triple fault is a Bochs panic (fatal, exit 1)
# instead of a reboot that would run until the timeout.
cpu: model=corei7_skylake_x, count=${EMU_CPUS:-1}, ips=200000000, reset_on_triple_fault=0
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path=$1, status=inserted
boot: cdrom
com1: enabled=1, $com1
# rfb has no port option in Bochs 2.7: it takes the first free TCP port from
# 5900 to 5949 (on all interfaces), so parallel runs do not collide.
# timeout=0: do not wait for a VNC client.
display_library: rfb, options="timeout=0"
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
magic_break: enabled=1
clock: sync=none
log: $3
panic: action=fatal
error: action=report
info: action=ignore
EOF
	if [[ -n ${EMU_DISK:-} ]]; then
		emu_check_disk bochs
		[[ -z ${EMU_DISK_ERRORS:-} ]] || emu_die "disk errors (EMU_DISK_ERRORS) need QEMU's blkdebug; Bochs has none"
		printf 'ata0-slave: type=disk, path=%s, mode=flat, cylinders=%s, heads=16, spt=63\n' \
			"$EMU_DISK" "$EMU_DISK_CYLINDERS"
	fi
}

# Headless bochs runs go into a network namespace of their own when the
# system allows it (root, or unprivileged user namespaces): their rfb server
# then listens on no real interface. Otherwise they run as they are.
EMU_NETNS=
emu_netns_probe() {
	[[ -z $EMU_NETNS ]] || return 0
	if unshare --net true >/dev/null 2>&1; then
		EMU_NETNS="unshare --net"
	elif unshare --net --map-root-user true >/dev/null 2>&1; then
		EMU_NETNS="unshare --net --map-root-user"
	else
		EMU_NETNS=none
	fi
}

# emu_first_error FILE...: the first line of the files that looks like an
# emulator error, without the emulator's prefixes.
emu_first_error() {
	grep -hE 'PANIC|[Ee]rror|[Ff]ailed|[Cc]ould not|[Cc]annot|No such' "$@" 2>/dev/null |
		grep -vE 'LTDL_LIBRARY_PATH|^ALSA lib|warning' | head -n 1 | cut -c1-200 || true
}

# emu_type_input SERIAL: print EMU_SERIAL_INPUT once each line (a regex) of
# EMU_SERIAL_INPUT_AFTER matches a line of the file SERIAL, or
# EMU_SERIAL_INPUT_DELAY (3) seconds in.
emu_type_input() {
	if [[ -n ${EMU_SERIAL_INPUT_AFTER:-} ]]; then
		local re
		while IFS= read -r re; do
			[[ -n $re ]] || continue
			# (Not `tr | grep -q`: grep's early exit would kill tr with SIGPIPE.)
			until grep -aqE -- "$re" < <(tr -d '\r' <"$1"); do sleep 1; done
		done <<<"$EMU_SERIAL_INPUT_AFTER"
	else
		sleep "${EMU_SERIAL_INPUT_DELAY:-3}"
	fi
	printf '%s' "$EMU_SERIAL_INPUT"
}

# emu_free_port: print a loopback TCP port that nothing listens on.
emu_free_port() {
	local port tries
	for tries in {1..50}; do
		port=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return 0; }
	done
	emu_die "no free TCP port on 127.0.0.1 for Bochs's serial port"
}

# emu_bochs_connect PORT PID: open fd 3 to Bochs's serial port (it listens a
# moment after it starts); fails if Bochs (PID) ends first or after 60 s.
emu_bochs_connect() {
	local tries
	for tries in {1..300}; do
		# (The braces: `exec ... 2>/dev/null` would silence this shell for good.)
		{ exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
	return 1
}

# emu_terminal_to_fd3 PID: what is typed on this terminal goes to fd 3, one
# character at a time, until PID ends; Ctrl-A X interrupts PID (Ctrl-A Ctrl-A
# types a Ctrl-A). The terminal is restored afterwards. Fails if the user
# stopped PID.
emu_terminal_to_fd3() {
	local pid=$1 saved hex h out ctrl_a=0 quit=0
	saved=$(stty -g)
	# No echo, no line editing, no signals from keys: all go to the guest,
	# Ctrl-C too. Output processing stays on, so the guest's lines still
	# look right. min 0 time 5: a read returns what was typed, or nothing
	# after 0.5 s, so the loop notices when PID ends. The bytes are read by
	# dd, never by bash's `read -n/-N`: that puts the terminal into cbreak
	# mode for each read, which turns ISIG back on, and a Ctrl-C typed then
	# would be a SIGINT to the emulator (in the terminal's foreground
	# process group) instead of a byte for the guest.
	stty -icanon -echo -isig -ixon -icrnl min 0 time 5
	while kill -0 "$pid" 2>/dev/null; do
		hex=$(dd bs=256 count=1 2>/dev/null | od -An -v -tx1)
		# (Nothing read and no terminal any more: it hung up.)
		[[ -n $hex || -t 0 ]] || break
		out=''
		for h in $hex; do
			if ((ctrl_a)); then
				ctrl_a=0
				if [[ $h == 78 || $h == 58 ]]; then       # x, X
					quit=1
					break
				fi
			elif [[ $h == 01 ]]; then
				ctrl_a=1
				continue
			fi
			out+="\\x$h"
		done
		if [[ -n $out ]]; then
			printf '%b' "$out" >&3 2>/dev/null || break
		fi
		if ((quit)); then
			kill -INT "$pid" 2>/dev/null || true
			break
		fi
	done
	stty "$saved"
	((!quit))
}

emu_run() {
	local emu=$1 iso=$2 timeout=$3 serial=$4 work=$5
	EMU_STATUS=error EMU_EXIT='' EMU_GUEST='' EMU_DETAIL=''
	emu_check_timeout "$timeout"
	emu_check_cpus
	[[ -f $iso ]] || emu_die "ISO '$iso' not found"
	mkdir -p "$work" || emu_die "cannot create '$work'"
	work=$(cd "$work" && pwd)
	iso=$(emu_abspath "$iso")
	if [[ $serial != - ]]; then
		serial=$(emu_abspath "$serial")
		: >"$serial" || emu_die "cannot write '$serial'"
	fi
	case $emu in
	qemu) emu_run_qemu "$iso" "$timeout" "$serial" "$work" ;;
	bochs) emu_run_bochs "$iso" "$timeout" "$serial" "$work" ;;
	*) emu_die "unknown emulator '$emu' (qemu or bochs)" ;;
	esac
	return 0
}

# emu_qemu_record WORKDIR: EMU_CMD, quoted for the shell, in WORKDIR/qemu.cmd.
emu_qemu_record() {
	local line
	line=$(printf '%q ' "${EMU_CMD[@]}")
	printf '%s\n' "${line% }" >"$1/qemu.cmd"
}

emu_run_qemu() {
	local iso=$1 timeout=$2 serial=$3 work=$4 rc=0
	local log=$work/qemu.log debug=$work/qemu-debug.log
	emu_need "$EMU_QEMU_BIN" qemu-system-x86
	emu_qemu_args "$iso"
	# -d cpu_reset logs "Triple fault" before the (suppressed) reset.
	EMU_CMD+=(-d cpu_reset -D "$debug")
	rm -f "$debug"
	# --foreground: the emulator stays in the terminal's process group, so
	# Ctrl-C and the terminal reach it. Each way records the whole command
	# line in qemu.cmd first.
	if [[ $serial == - ]]; then
		EMU_CMD+=(-serial mon:stdio)
		emu_qemu_record "$work"
		timeout --foreground -k 5 "$timeout" "${EMU_CMD[@]}" 2> >(tee "$log" >&2) || rc=$?
	elif [[ -n ${EMU_SERIAL_INPUT:-} ]]; then
		# Typed input: the serial port is a pair of FIFOs; what the guest
		# sends goes to the serial file, and EMU_SERIAL_INPUT is typed when
		# emu_type_input says.
		local fifo=$work/serial-pipe reader writer
		rm -f "$fifo.in" "$fifo.out"
		mkfifo "$fifo.in" "$fifo.out" || emu_die "cannot make FIFOs $fifo.in/.out"
		cat "$fifo.out" >"$serial" &
		reader=$!
		{ emu_type_input "$serial"; sleep "$timeout"; } >"$fifo.in" &
		writer=$!
		EMU_CMD+=(-serial "pipe:$fifo" -monitor none)
		emu_qemu_record "$work"
		timeout --foreground -k 5 "$timeout" "${EMU_CMD[@]}" </dev/null >"$log" 2>&1 || rc=$?
		kill "$writer" 2>/dev/null || true
		wait "$reader" 2>/dev/null || true
		rm -f "$fifo.in" "$fifo.out"
	else
		[[ $serial != *,* ]] || emu_die "QEMU cannot take a serial file path with a comma: '$serial'"
		EMU_CMD+=(-serial "file:$serial" -monitor none)
		emu_qemu_record "$work"
		timeout --foreground -k 5 "$timeout" "${EMU_CMD[@]}" </dev/null >"$log" 2>&1 || rc=$?
	fi
	EMU_EXIT=$rc
	if ((rc == 124 || rc == 137)); then
		EMU_STATUS=timeout EMU_DETAIL="still running after $timeout s (a hang?); stopped"
	elif ((rc == 0)) && grep -qs 'Triple fault' "$debug"; then
		EMU_STATUS=triple-fault EMU_DETAIL="triple fault: the CPU reset itself (QEMU ran with -no-reboot)"
	elif ((rc == 0)); then
		EMU_STATUS=stopped EMU_DETAIL="QEMU exited with status 0: the guest reset or powered off the machine, or QEMU was told to quit"
	elif ((rc % 2 == 1 && rc < 128)) && grep -qs '^CPU Reset' "$debug"; then
		# QEMU also exits 1 when it cannot start; then the machine never reset.
		EMU_STATUS=ok EMU_GUEST=$(((rc - 1) / 2))
		EMU_DETAIL="the guest ended the run with value $EMU_GUEST at port 0xf4"
	else
		local why
		why=$(grep -hE '^qemu-system-[^:]*: ' "$log" 2>/dev/null | grep -v 'warning' | head -n 1 || true)
		((rc > 128 && rc < 160)) && why="${why:-killed by signal $((rc - 128))}"
		EMU_STATUS=error EMU_DETAIL="QEMU failed with exit status $rc${why:+: $why}"
	fi
}

emu_run_bochs() {
	local iso=$1 timeout=$2 serial=$3 work=$4 rc=0 pid tail_pid=''
	local -a prefix=()
	EMU_INTERRUPTS=0
	local rcfile=$work/bochsrc cmds=$work/cmds log=$work/bochs.log out=$work/bochs.out
	[[ $serial != - ]] || emu_die "bochs needs a serial file (EMU_FOLLOW=1 shows it live)"
	emu_need "$EMU_BOCHS_BIN" bochs
	local f
	for f in /usr/share/bochs/BIOS-bochs-latest /usr/share/vgabios/vgabios.bin; do
		[[ -f $f ]] || emu_die "$f missing (packages bochsbios, vgabios; run tools/setup.sh)"
	done
	for f in "$iso" "$serial" "$log"; do
		[[ $f =~ ^[^[:space:],\"\']+$ ]] ||
			emu_die "Bochs cannot take a path with spaces, commas or quotes: '$f'"
	done
	# Typed input: COM1 is a TCP server, and a bridge from this shell
	# carries the guest's output to SERIAL and the input to the guest.
	local typing='' port='' com1=$serial reader='' writer='' connected=0
	if [[ ${EMU_FOLLOW:-0} == 1 && -t 0 && -t 1 ]]; then
		typing=terminal
	elif [[ -n ${EMU_SERIAL_INPUT:-} ]]; then
		typing=text
	fi
	if [[ -n $typing ]]; then
		port=$(emu_free_port)
		com1=tcp:$port
	fi
	emu_bochs_rc "$iso" "$com1" "$log" >"$rcfile"
	# The debugger runs these: continue; after the magic breakpoint, quit.
	printf 'c\nquit\n' >"$cmds"
	rm -f "$log"
	if [[ ${EMU_FOLLOW:-0} != 1 && -z $typing ]]; then
		# Headless: in a network namespace of its own where possible. (Not
		# with typed input: the bridge must reach Bochs's port, and a new
		# namespace's loopback is down, which only `ip` could change.)
		emu_netns_probe
		[[ $EMU_NETNS == none ]] || read -r -a prefix <<<"$EMU_NETNS"
	fi
	# Bochs stays in the terminal's process group (--foreground), so Ctrl-C
	# reaches it: it stops and its debugger reads `quit`. (Not while the
	# terminal is bridged to the guest: then its keys make no signals, and
	# Ctrl-A X stops Bochs.)
	(cd "$work" && exec "${prefix[@]}" timeout --foreground -k 5 "$timeout" \
		"$EMU_BOCHS_BIN" -q -f "$rcfile" -rc "$cmds" </dev/null >"$out" 2>&1) &
	pid=$!
	if [[ -n $typing ]] && emu_bochs_connect "$port" "$pid"; then
		connected=1
		cat <&3 >>"$serial" &
		reader=$!
		if [[ $typing == text ]]; then
			emu_type_input "$serial" >&3 &
			writer=$!
		fi
	fi
	if [[ ${EMU_FOLLOW:-0} == 1 ]]; then
		tail -n +1 -f --pid="$pid" "$serial" &
		tail_pid=$!
		# A second Ctrl-C sends Bochs SIGTERM.
		# shellcheck disable=SC2064 # $pid is meant to expand now
		trap "EMU_INTERRUPTS=\$((EMU_INTERRUPTS + 1)); ((EMU_INTERRUPTS < 2)) || kill -TERM $pid 2>/dev/null || true" INT
		if [[ $typing == terminal ]] && ((connected)); then
			emu_terminal_to_fd3 "$pid" || EMU_INTERRUPTS=1
		fi
	fi
	while :; do
		rc=0
		wait "$pid" || rc=$?
		# A trapped signal ends `wait` early; bash keeps the real status.
		kill -0 "$pid" 2>/dev/null || break
	done
	trap - INT
	[[ -z $writer ]] || kill "$writer" 2>/dev/null || true
	[[ -z $reader ]] || wait "$reader" 2>/dev/null || true
	((!connected)) || exec 3>&-
	[[ -z $tail_pid ]] || wait "$tail_pid" || true
	if [[ -n $typing ]] && ((!connected)) && ((rc == 0)); then
		rc=1
		printf 'Bochs never accepted a connection to its serial port 127.0.0.1:%s\n' "$port" >>"$out"
	fi
	EMU_EXIT=$rc
	if ((rc == 124 || rc == 137)); then
		EMU_STATUS=timeout EMU_DETAIL="still running after $timeout s (a hang?); stopped"
	elif grep -qsE '3rd \([0-9]+\) exception with no resolution' "$log"; then
		EMU_STATUS=triple-fault
		EMU_DETAIL="triple fault: $(grep -hE -m1 '3rd \([0-9]+\) exception' "$log" | sed 's/.*exception(): //')"
	elif ((rc == 0)) && grep -qs 'Magic breakpoint' "$out"; then
		EMU_STATUS=ok EMU_DETAIL="the guest ended the run (magic breakpoint)"
	elif ((EMU_INTERRUPTS > 0)); then
		EMU_STATUS=stopped EMU_DETAIL="Bochs stopped by the user (Ctrl-A X or Ctrl-C)"
	elif ((rc == 0)); then
		EMU_STATUS=stopped EMU_DETAIL="Bochs quit without the guest's magic breakpoint (interrupted?)"
	else
		local why
		why=$(emu_first_error "$log" "$out")
		EMU_STATUS=error EMU_DETAIL="Bochs failed with exit status $rc${why:+: $why} (see $log, $out)"
	fi
}

# emu_qemu_outcome TIMEOUT: after an interactive QEMU run (tools/run-qemu.sh,
# tools/debug.sh), say how it ended and exit with the guest's status (0
# success, 1 test failure, 2 panic), 0 after the timeout or a stop, 1 on errors.
emu_qemu_outcome() {
	local say_to=${0##*/}
	case $EMU_STATUS in
	ok)
		case $EMU_GUEST in
		0) printf '\n%s: %s\n' "$say_to" "$EMU_DETAIL (success)" >&2 ;;
		1) printf '\n%s: %s\n' "$say_to" "$EMU_DETAIL (self-test failure)" >&2 ;;
		2) printf '\n%s: %s\n' "$say_to" "$EMU_DETAIL (kernel panic)" >&2 ;;
		*) printf '\n%s: %s\n' "$say_to" "$EMU_DETAIL" >&2 ;;
		esac
		exit "$EMU_GUEST"
		;;
	timeout) printf '\n%s: stopped after %s s\n' "$say_to" "$1" >&2 ;;
	stopped) printf '\n%s: %s\n' "$say_to" "$EMU_DETAIL" >&2 ;;
	*)
		printf '\n%s: %s\n' "$say_to" "$EMU_DETAIL" >&2
		exit 1
		;;
	esac
}
