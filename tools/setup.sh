#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/setup.sh: make sure the Debian packages the build and the tests need
# are installed. Prints nothing when they are. Otherwise, as root, installs
# the missing ones with apt-get (no questions asked, works without a
# terminal); as another user, prints the apt-get command to run and fails.
set -euo pipefail

prog=${0##*/}
packages=(gcc binutils make qemu-system-x86 bochs bochsbios vgabios
	grub-pc-bin grub-common xorriso mtools check pkg-config cpio gzip e2fsprogs)

command -v dpkg-query >/dev/null 2>&1 ||
	{ printf '%s: error: dpkg-query not found: this script knows Debian (12) only; install by hand: %s\n' \
		"$prog" "${packages[*]}" >&2; exit 1; }

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ $status == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

if ((EUID != 0)); then
	printf '%s: missing Debian packages: %s\n' "$prog" "${missing[*]}" >&2
	printf 'Install them with:\n  sudo apt-get install -y --no-install-recommends %s\n' "${missing[*]}" >&2
	exit 1
fi

printf '%s: installing %s\n' "$prog" "${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update ||
	{ printf '%s: error: apt-get update failed\n' "$prog" >&2; exit 1; }
apt-get install -y --no-install-recommends "${missing[@]}" </dev/null ||
	{ printf '%s: error: apt-get install failed for: %s\n' "$prog" "${missing[*]}" >&2; exit 1; }
