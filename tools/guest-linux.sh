#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/guest-linux.sh OUTDIR
#
# The Linux guest of the VMM, from Debian packages only: Debian 12's own
# kernel (the package linux-image-amd64 depends on) as OUTDIR/vmlinuz, and
# an initramfs OUTDIR/initrd.gz of busybox-static with an /init that says
# "L4LINUX: /init reached", then either ends a Bochs run (`l4bench`: make
# bench, through /bin/l4end), runs one typed line and powers off (`l4test`:
# tests) or runs a shell on the console; and OUTDIR/rootfs.ext4, a root
# file system for the VMM's virtio disk that the initramfs switches to
# with `root=/dev/vda` on the guest's command line. Packages are fetched
# with `apt-get download` once and kept in OUTDIR; nothing else is fetched.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
[[ $# -eq 1 ]] || { printf 'usage: %s OUTDIR\n' "$prog" >&2; exit 2; }
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for tool in apt-get apt-cache dpkg-deb cpio gzip gcc mke2fs; do
	command -v "$tool" >/dev/null || die "$tool not found (run tools/setup.sh)"
done

if [[ ! -s $out/vmlinuz || ! -s $out/initrd.gz || ! -s $out/rootfs.ext4 ||
	$out/initrd.gz -ot $ROOT/tools/guest-linux.sh || $out/initrd.gz -ot $ROOT/tests/guests/l4end.S ||
	$out/initrd.gz -ot $ROOT/tests/guests/l4tsc.S || $out/initrd.gz -ot $ROOT/tests/guests/l4udp.c ]]; then
	work=$(mktemp -d "${TMPDIR:-/tmp}/guest-linux.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	# The versioned image package the meta-package points at.
	known() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'; }
	image=$(known)
	# A machine whose package lists were never fetched (a fresh container):
	# as root, fetch them; otherwise say what to run.
	if [[ -z $image && $(id -u) -eq 0 ]]; then
		apt-get update >"$work/update.log" 2>&1 || die "apt-get update failed: $(tail -n 1 "$work/update.log")"
		image=$(known)
	fi
	[[ -n $image ]] || die "apt-cache knows no linux-image-amd64 (run: sudo apt-get update)"
	(cd "$work" && apt-get download "$image" busybox-static >"$work/apt.log" 2>&1) ||
		die "apt-get download $image busybox-static failed: $(tail -n 1 "$work/apt.log")"
	dpkg-deb -x "$work"/linux-image-*.deb "$work/kernel"
	dpkg-deb -x "$work"/busybox-static_*.deb "$work/busybox"
	vmlinuz=$(find "$work/kernel/boot" -name "vmlinuz-*" -print -quit 2>/dev/null)
	[[ -f $vmlinuz ]] || die "no /boot/vmlinuz-* in $image"
	root=$work/initramfs
	mkdir -p "$root"/{bin,dev,proc,sys}
	cp "$work/busybox/bin/busybox" "$root/bin/busybox"
	# Debian's virtio modules for the VMM's virtio console, disk and
	# network card (virtio-pci), and ext4 for a root file system on the disk, in
	# dependency order (the kernel has them as modules).
	mkdir -p "$root/lib/modules"
	for mod in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev \
		drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci drivers/char/virtio_console \
		drivers/block/virtio_blk net/core/failover drivers/net/net_failover drivers/net/virtio_net \
		lib/crc16 fs/mbcache fs/jbd2/jbd2 crypto/crc32c_generic fs/ext4/ext4; do
		src=$(find "$work/kernel/lib/modules" -path "*/kernel/$mod.ko*" -print -quit)
		[[ -n $src ]] || die "no $mod module in $image"
		cp "$src" "$root/lib/modules/"
		printf '%s\n' "${src##*/}" >>"$root/lib/modules/order"
	done
	# Linux's own ATA driver (PIIX IDE, the SCSI disk), loaded only with
	# l4ata on the command line: make bench's bare Bochs reads its disk so.
	for mod in drivers/scsi/scsi_common drivers/scsi/scsi_mod drivers/ata/libata drivers/ata/ata_piix \
		crypto/crct10dif_common lib/crc-t10dif crypto/crct10dif_generic lib/crc64 lib/crc64-rocksoft \
		crypto/crc64_rocksoft_generic block/t10-pi drivers/scsi/sd_mod; do
		src=$(find "$work/kernel/lib/modules" -path "*/kernel/$mod.ko*" -print -quit)
		[[ -n $src ]] || die "no $mod module in $image"
		cp "$src" "$root/lib/modules/"
		printf '%s\n' "${src##*/}" >>"$root/lib/modules/order-ata"
	done
	gcc -nostdlib -static -o "$root/bin/l4end" "$ROOT/tests/guests/l4end.S" ||
		die "cannot build /bin/l4end from tests/guests/l4end.S"
	gcc -nostdlib -static -o "$root/bin/l4tsc" "$ROOT/tests/guests/l4tsc.S" ||
		die "cannot build /bin/l4tsc from tests/guests/l4tsc.S"
	gcc -nostdlib -static -O2 -fno-stack-protector -fno-pie -no-pie -o "$root/bin/l4udp" "$ROOT/tests/guests/l4udp.c" ||
		die "cannot build /bin/l4udp from tests/guests/l4udp.c"
	# /bin/l4net ROLE: a part of the network test (tests/boot/
	# bochs-linux-net.cfg: guests on the virtual switch with the native
	# endpoint at 10.0.0.10, address l4ip= from the command line):
	#   send      pings the receiver and the endpoint, asks the endpoint's
	#             UDP echo, starts the flooder, sends 1 MiB to the receiver
	#             twice (the flooder's VMM ends during the second) and
	#             compares checksums
	#   receive   pings the sender and the endpoint; takes the two files
	#             and serves their checksums; ends at the sender's word
	#   flood     on the word go, floods: broadcast datagrams and pings
	#             as fast as the receiver answers; on the word die, powers
	#             off at once (its VMM ends with frames in flight)
	#   isolated  on another segment: must reach nobody
	#   up        configures eth0 and pings the endpoint twice (make run)
	#   bench-send, bench-receive: make bench's network figures
	cat >"$root/bin/l4net" <<'NET'
#!/bin/busybox sh
say() { echo "L4LINUX: net: $*"; }
mkdir -p /tmp
# busybox nc ends when either side of it ends: a stdin that never does
# (fd 3, a FIFO we hold open) for the ends that only receive.
[ -p /tmp/hold ] || mkfifo /tmp/hold
exec 3<>/tmp/hold
A=10.0.0.1 B=10.0.0.2 C=10.0.0.3 N=10.0.0.10
ip=$(sed -n 's/.*l4ip=\([0-9.]*\).*/\1/p' /proc/cmdline)
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
ip link set eth0 up && ip addr add "${ip:-10.0.0.100}/24" brd + dev eth0
say "eth0 $(cat /sys/class/net/eth0/address) up as ${ip:-10.0.0.100}, carrier $(cat /sys/class/net/eth0/carrier)"
reach() { i=0; while [ $i -lt 120 ]; do ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0; i=$((i + 1)); done; return 1; }
pings() { echo "$(ping -c "$2" -W 2 "$1" 2>&1 | grep 'packet loss')"; }
case $1 in
send)
	reach $B || say "$B never answered"
	say "ping guest $B: $(pings $B 5)"
	say "ping native $N: $(pings $N 5)"
	l4udp echo $N 7 "echo-from-$ip"
	dd if=/dev/urandom of=/tmp/file bs=1024 count=1024 2>/dev/null
	sum=$(md5sum </tmp/file | cut -c1-32)
	reach $C && l4udp echo $C 6000 go
	for n in 1 2; do
		[ $n = 1 ] || (sleep 1; l4udp echo $C 6001 die) &
		t0=$(l4tsc)
		k=0; until nc $B 5000 </tmp/file; do k=$((k + 1)); [ $k -lt 30 ] || break; sleep 1; done
		t1=$(l4tsc)
		k=0; theirs=; while [ -z "$theirs" ] && [ $k -lt 30 ]; do theirs=$(nc $B 5001 <&3 2>/dev/null); k=$((k + 1)); [ -n "$theirs" ] || sleep 1; done
		[ "$theirs" = "$sum" ] && same=match || same="differ ($sum, $theirs)"
		say "transfer $n: 1048576 bytes to $B in $((t1 - t0)) ticks, checksums $same"
	done
	wait
	say "ping guest $B after: $(pings $B 3)"
	l4udp echo $B 6002 bye >/dev/null
	say "sender done"
	;;
receive)
	(for n in 1 2; do
		nc -l -p 5000 <&3 >/tmp/file
		say "received file $n: $(wc -c </tmp/file) bytes"
		md5sum </tmp/file | cut -c1-32 | nc -l -p 5001
	done; say "receiver done") &
	reach $A || say "$A never answered"
	say "ping guest $A: $(pings $A 5)"
	say "ping native $N: $(pings $N 5)"
	wait
	l4udp wait 6002 >/dev/null      # (the sender's last ping comes first)
	;;
flood)
	l4udp wait 6000
	l4udp flood 10.0.0.255 9 100000000 &
	ping -A -q -s 1400 $B >/dev/null 2>&1 &
	l4udp wait 6001
	say "powering off in the middle of the transfer: the VMM ends"
	poweroff -f
	;;
isolated)
	say "ping native $N from another segment: $(pings $N 3)"
	say "ping guest $A from another segment: $(pings $A 3)"
	say "isolated done"
	;;
up)
	say "ping native $N: $(pings $N 2)"
	;;
bench-send)
	# make bench (config/bench-net.cfg): round trips and a transfer, timed
	# by the TSC (Bochs ticks); each "bench:" line is a marker at which the
	# VMM prints its statistics.
	reach $B; reach $N
	dd if=/dev/urandom of=/tmp/file bs=1024 count=1024 2>/dev/null
	say "bench: starts"
	t0=$(l4tsc); ping -c 50 -A -q $B >/dev/null; t1=$(l4tsc)
	say "bench: ping guest: 50 round trips in $((t1 - t0)) ticks"
	t0=$(l4tsc); ping -c 50 -A -q $N >/dev/null; t1=$(l4tsc)
	say "bench: ping native: 50 round trips in $((t1 - t0)) ticks"
	t0=$(l4tsc); nc $B 5000 </tmp/file; t1=$(l4tsc)
	say "bench: transfer: 1048576 bytes in $((t1 - t0)) ticks"
	usleep 300000     # (the VMM's line goes out)
	/bin/l4end
	;;
bench-receive)
	nc -l -p 5000 <&3 >/dev/null
	;;
esac
NET
	chmod +x "$root/bin/l4net"
	# /bin/l4work N: a workload on N CPUs at once (make test's SMP row):
	# N busy loops, loop k pinned to CPU k by taskset, each saying where it
	# ran when done (awk, its child, inherits the pinning).
	cat >"$root/bin/l4work" <<'WORK'
#!/bin/busybox sh
n=${1:-$(nproc)} k=0
while [ "$k" -lt "$n" ]; do
	taskset -c "$k" sh -c 'i=0; while [ $i -lt 3000 ]; do i=$((i + 1)); done
		echo "L4LINUX: loop $0 of 3000 steps done on cpu $(awk "{ print \$39 }" /proc/self/stat)"' "$k" &
	k=$((k + 1))
done
wait
echo "L4LINUX: $n loops done"
WORK
	chmod +x "$root/bin/l4work"
	# /bin/l4rc: what both roots run once mounted: the virtio console,
	# the bench's end, the test's typed command, else a shell.
	cat >"$root/bin/l4rc" <<'RC'
#!/bin/busybox sh
# The virtio console, if the VMM offers one: a line on it.
# (Only where there is a virtio device: on bare Bochs, whose TSC runs 17 times
# slower than Linux believes, a needless wait would cost 17 G ticks of the bench.)
if grep -qs 0x1af4 /sys/bus/pci/devices/*/vendor; then
	for i in 1 2 3 4 5; do [ -e /dev/hvc0 ] && break; sleep 1; done
fi
if [ -e /dev/hvc0 ]; then
	echo "L4LINUX: hello over virtio" >/dev/hvc0
	echo "L4LINUX: virtio console /dev/hvc0 written"
fi
if grep -qw l4bench /proc/cmdline; then
	usleep 300000     # (the VMM prints its exit counts at the marker)
	/bin/l4end        # ends the Bochs run here (make bench)
fi
# l4net=ROLE: a part of the network test (bochs-linux-net).
role=$(sed -n 's/.*l4net=\([a-z-]*\).*/\1/p' /proc/cmdline)
if [ -n "$role" ]; then
	/bin/l4net "$role"
	[ "$role" = up ] || { sync; poweroff -f; }
fi
# l4disk=PHASE: a phase of the disk test (bochs-linux-disk), then off.
phase=$(sed -n 's/.*l4disk=\([a-z]*\).*/\1/p' /proc/cmdline)
[ -z "$phase" ] || [ ! -x /bin/l4disk ] || exec /bin/l4disk "$phase"
if grep -qw l4test /proc/cmdline; then
	# A line typed on the console (the test types one) runs as a command.
	printf 'L4LINUX: type a command> '
	if read -t 300 -r line; then eval "$line"; else echo "L4LINUX: nothing typed"; fi
	echo "L4LINUX: test done, powering off"
	sync
	poweroff -f
fi
exec setsid cttyhack sh
RC
	chmod +x "$root/bin/l4rc"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "L4LINUX: /init reached ($(uname -sr), $(grep -c ^processor /proc/cpuinfo) cpu, $(awk '/MemTotal/ { print $2 }' /proc/meminfo) kB)"
# Debian's modules: virtio (console, disk), ext4; with l4ata Linux's own ATA driver.
while read -r mod; do insmod "/lib/modules/$mod" 2>/dev/null; done </lib/modules/order
if grep -qw l4ata /proc/cmdline; then
	while read -r mod; do insmod "/lib/modules/$mod" 2>/dev/null; done </lib/modules/order-ata
fi
# root=/dev/vda: the root file system is on the VMM's virtio disk (ext4).
# (root=/dev/sda: on the machine's own ATA disk: bare Bochs, with l4ata.)
rootdev=$(sed -n 's|.*root=\(/dev/[sv]da\).*|\1|p' /proc/cmdline)
if [ -n "$rootdev" ]; then
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -b "$rootdev" ] && break; sleep 1; done
	mkdir -p /newroot
	if mount -t ext4 "$rootdev" /newroot; then
		mount --move /proc /newroot/proc && mount --move /sys /newroot/sys && mount --move /dev /newroot/dev
		exec switch_root /newroot /sbin/init
	fi
	echo "L4LINUX: no root file system on $rootdev: staying in the initramfs"
fi
exec /bin/l4rc
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -9 >"$work/initrd.gz"
	# The root file system for the virtio disk (root=/dev/vda): busybox,
	# the test tools and the modules, an /sbin/init that says where it
	# runs and goes on as the initramfs would. ext4 (with a journal), built
	# without root by mke2fs -d; 130 cylinders of 16 heads and 63 sectors
	# (65,520 KiB: Bochs takes disks of whole cylinders).
	disk=$work/rootfs
	mkdir -p "$disk"/{bin,sbin,dev,proc,sys,tmp,root,lib}
	cp -a "$root/bin/." "$disk/bin/"
	cp -a "$root/lib/modules" "$disk/lib/"
	cat >"$disk/sbin/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
echo "L4LINUX: root file system $(awk '$2 == "/" && $1 != "rootfs" { print $1 " (" $3 ")" }' /proc/mounts) reached"
exec /bin/l4rc
INIT
	chmod +x "$disk/sbin/init"
	# /bin/l4disk PHASE: the disk test, in three boots of the same disk
	# (tests/boot/bochs-linux-disk.cfg): write files, sync, power off
	# cleanly; read them back, then write files each fsync'd (and its
	# checksum recorded, fsync'd too) while other writes go unsynced, and
	# stop hard (an immediate reset, nothing flushed); after the journal's
	# replay every fsync'd file must be whole.
	cat >"$disk/bin/l4disk" <<'DISK'
#!/bin/busybox sh
say() { echo "L4LINUX: disk: $*"; }
off() { sync; mount -o remount,ro / 2>/dev/null; poweroff -f; }
check() {   # check FILE-OF-SUMS: "N of M match"
	(cd /data && md5sum -c "$1" >/tmp/check 2>&1)
	echo "$(grep -c ': OK$' /tmp/check) of $(wc -l <"/data/$1") match"
}
case $1 in
write)
	mkdir -p /data
	i=0
	for kib in 1 7 64 300 1024; do
		dd if=/dev/urandom of=/data/file$i bs=1024 count=$kib 2>/dev/null
		i=$((i + 1))
	done
	(cd /data && md5sum file* >SUMS)
	sync
	say "wrote $i files, $(du -sk /data | cut -f1) KiB, sums $(md5sum </data/SUMS | cut -c1-32)"
	say "clean power-off"
	off
	;;
crash)
	say "read back after a clean power-off: $(check SUMS), sums $(md5sum </data/SUMS | cut -c1-32)"
	# Unsynced writes meanwhile, in the background.
	(n=0; while :; do dd if=/dev/urandom of=/data/junk$n bs=4096 count=32 2>/dev/null; n=$((n + 1)); done) &
	for n in 1 2 3 4 5 6 7 8; do
		dd if=/dev/urandom of=/data/durable$n bs=4096 count=16 conv=fsync 2>/dev/null
		sync /data
		(cd /data && md5sum durable$n) >>/data/DURABLE
		sync /data/DURABLE
		say "durable$n fsynced"
	done
	say "stopping hard"
	echo b >/proc/sysrq-trigger
	;;
recover)
	dmesg | grep -E 'EXT4-fs \(vda\)' | sed 's/^/L4LINUX: disk: kernel: /'
	say "after the hard stop: fsynced files: $(check DURABLE); first files: $(check SUMS)"
	off
	;;
bench)
	# make bench: 16 MiB written and read back in 64 KiB blocks, past the
	# page cache (O_DIRECT), timed in TSC ticks (Bochs ticks).
	mkdir -p /data
	say "bench: starts"     # (the VMM's statistics here and after)
	t0=$(l4tsc)
	dd if=/dev/zero of=/data/bench bs=65536 count=256 oflag=direct 2>/dev/null
	t1=$(l4tsc)
	dd if=/data/bench of=/dev/null bs=65536 iflag=direct 2>/dev/null
	t2=$(l4tsc)
	say "bench: write 16 MiB $((t1 - t0)) ticks, read 16 MiB $((t2 - t1)) ticks"
	rm /data/bench
	sync
	usleep 300000     # (the VMM's line goes out)
	/bin/l4end
	;;
*)
	say "unknown phase '$1'"
	;;
esac
DISK
	chmod +x "$disk/bin/l4disk"
	mke2fs -q -t ext4 -L l4root -d "$disk" "$work/rootfs.ext4" 65520k ||
		die "mke2fs could not build the root file system"
	cp "$vmlinuz" "$out/vmlinuz"
	cp "$work/initrd.gz" "$out/initrd.gz"
	cp "$work/rootfs.ext4" "$out/rootfs.ext4"
	printf '%s: %s, a busybox initramfs and root file system in %s\n' "$prog" "${vmlinuz##*/}" "$out"
fi
