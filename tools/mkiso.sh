#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/mkiso.sh OUT.iso KERNEL.elf "CMDLINE" [MODULE_FILE MODULE_NAME]...
#
# Builds a BIOS-bootable GRUB ISO: the kernel as /boot/kernel, loaded with
# `multiboot2 /boot/kernel CMDLINE`, and each module as /boot/NAME, loaded
# with `module2 /boot/NAME NAME`. Quiet on success; grub-mkrescue's output is
# shown only when it fails.
set -euo pipefail

prog=${0##*/}
die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
usage() {
	printf 'usage: %s OUT.iso KERNEL.elf "CMDLINE" [MODULE_FILE MODULE_NAME]...\n' "$prog" >&2
	exit 2
}

[[ $# -ge 3 ]] || usage
out=$1 kernel=$2 cmdline=$3
shift 3
(( $# % 2 == 0 )) || die "modules come in pairs MODULE_FILE MODULE_NAME (got an odd number of arguments)"

grub_dir=/usr/lib/grub/i386-pc
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found (packages grub-common, grub-pc-bin; run tools/setup.sh)"
[[ -d $grub_dir ]] || die "$grub_dir missing (package grub-pc-bin; run tools/setup.sh)"
command -v xorriso >/dev/null || die "xorriso not found (package xorriso; run tools/setup.sh)"
[[ -f $kernel ]] || die "kernel '$kernel' not found"
[[ $cmdline != *[[:cntrl:]]* ]] || die "the command line contains a control character (newline or tab?)"

# GRUB's script parser treats quotes, \, $, ; and so on specially: quote every
# word so the kernel gets the command line exactly, words separated by spaces.
grub_quote() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
words=()
read -r -a words <<<"$cmdline" || true
kernel_args=""
for w in "${words[@]}"; do
	kernel_args+=" $(grub_quote "$w")"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkiso.XXXXXX")
partial="$out.partial.$$"
trap 'rm -rf "$tmp" "$partial"' EXIT

root=$tmp/iso
mkdir -p "$root/boot/grub"
cp "$kernel" "$root/boot/kernel"

{
	printf 'set timeout=0\nset default=0\n\n'
	printf 'menuentry "l4" {\n'
	printf '\tmultiboot2 /boot/kernel%s\n' "$kernel_args"
	while [[ $# -gt 0 ]]; do
		file=$1 name=$2
		shift 2
		[[ -f $file ]] || die "module file '$file' not found"
		[[ $name =~ ^[A-Za-z0-9._+-]+$ && $name != . && $name != .. && $name != grub && $name != kernel ]] ||
			die "module name '$name' must be a plain file name (letters, digits, . _ + -), not kernel or grub"
		[[ ! -e $root/boot/$name ]] || die "module name '$name' given twice"
		cp "$file" "$root/boot/$name"
		printf '\tmodule2 /boot/%s %s\n' "$name" "$name"
	done
	printf '\tboot\n}\n'
} >"$root/boot/grub/grub.cfg"

mkdir -p "$(dirname "$out")" || die "cannot create the directory of '$out'"
# BIOS only (-d), no translations or themes: smaller and faster. Write next
# to OUT first, then rename, so a failed run never leaves a half-written ISO.
if ! grub-mkrescue -d "$grub_dir" --locales= --themes= -o "$partial" "$root" >"$tmp/log" 2>&1; then
	printf '%s: error: grub-mkrescue failed; its output:\n' "$prog" >&2
	sed 's/^/  /' "$tmp/log" >&2
	exit 1
fi
mv -f "$partial" "$out"
