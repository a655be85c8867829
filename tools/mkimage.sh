#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# tools/mkimage.sh [-k] [-D VAR=VALUE]... [-c EXTRA_CMDLINE] [-o OUT.iso] CONFIG
#
# -k: build the image even if CONFIG has errors (they are still reported;
# the root task reports them again at boot and skips the bad programs).
#
# Builds a bootable GRUB ISO from a boot configuration (docs/config.md) with
# tools/mkiso.sh: the kernel ${BUILD}/kernel.elf, then the boot modules
# sigma0 (${BUILD}/sigma0.elf), roottask (${BUILD}/roottask.elf), config
# (the CONFIG file itself) and every module the configuration names (as
# `cfgtool modules` lists them: each program's file as NAME, each data
# module as PROGRAM.NAME).
#
# Paths in CONFIG: each ${VAR} is replaced by the value of -D VAR=VALUE
# (BUILD defaults to this repository's build directory, ROOT to this
# repository; a relative BUILD or ROOT given with -D is made absolute from
# the current directory); a path that is still relative after that is taken
# from CONFIG's directory.
#
# The kernel command line is CONFIG's cmdline followed by each -c EXTRA
# (at most 255 bytes: the kernel keeps no more). The ISO goes to OUT.iso,
# by default ${BUILD}/NAME.iso for a CONFIG named NAME.cfg.
#
# Needs ${BUILD}/cfgtool (make builds it). Every error is one line naming
# the configuration file and line (CONFIG:LINE: ...) or the missing file;
# exit status 1 on errors, 2 on bad usage.
set -euo pipefail

prog=${0##*/}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CMDLINE_MAX=255   # the kernel's copy of its command line (include/l4/boot.h) holds 255 bytes

die() { printf '%s: error: %s\n' "$prog" "$*" >&2; exit 1; }
usage() {
	printf 'usage: %s [-k] [-D VAR=VALUE]... [-c EXTRA_CMDLINE] [-o OUT.iso] CONFIG\n' "$prog" >&2
	exit 2
}

declare -A vars=([BUILD]=$ROOT/build [ROOT]=$ROOT)
extra=""
out=""
keep=()
while getopts ':D:c:o:kh' opt; do
	case $opt in
	D)
		[[ $OPTARG =~ ^([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] ||
			die "-D '$OPTARG': expected VAR=VALUE (VAR: letters, digits and _)"
		vars[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		;;
	c) extra+="${extra:+ }$OPTARG" ;;
	o) out=$OPTARG ;;
	k) keep=(-k) ;;
	h) usage ;;
	:) printf '%s: error: option -%s needs a value\n' "$prog" "$OPTARG" >&2; usage ;;
	*) printf '%s: error: unknown option -%s\n' "$prog" "$OPTARG" >&2; usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $# -eq 1 ]] || usage
config=$1

[[ -f $config ]] || die "configuration file '$config' not found"
[[ -r $config ]] || die "configuration file '$config' cannot be read"
config_dir=$(cd "$(dirname "$config")" && pwd)

# Both name directories; expanded into paths taken from CONFIG's directory,
# a relative value would change its meaning.
for var in ROOT BUILD; do
	[[ ${vars[$var]} == /* ]] || vars[$var]=$PWD/${vars[$var]}
done
build=${vars[BUILD]}

cfgtool=$build/cfgtool
[[ -x $cfgtool ]] || die "'$cfgtool' not found: run make first (it builds cfgtool)"

# cfgtool prints each error as CONFIG:LINE: message.
if [[ ${#keep[@]} -eq 0 ]]; then
	"$cfgtool" check "$config" || exit 1
else
	# -k: errors are reported (here and by the root task at boot), and the
	# image is built anyway: for testing how the system treats a bad file.
	"$cfgtool" check "$config" || printf '%s: -k: building the image anyway\n' "$prog" >&2
fi
cmdline=$("$cfgtool" "${keep[@]}" cmdline "$config" 2>/dev/null)
modules=$("$cfgtool" "${keep[@]}" modules "$config" 2>/dev/null)

if [[ -n $extra ]]; then
	cmdline+="${cmdline:+ }$extra"
fi
(( ${#cmdline} <= CMDLINE_MAX )) ||
	die "the kernel command line (cmdline of '$config' and -c) is ${#cmdline} bytes, more than $CMDLINE_MAX"

# config_line PROGRAM [MODULE]: the line of CONFIG that gives PROGRAM's file
# (or its data module MODULE), found by words; empty if not found that way
# (quoted names, say): the messages still name the module.
config_line() {
	awk -v prog="$1" -v mod="$2" '
		{ sub(/\r$/, "") }
		$1 == "program" { inside = ($2 == prog || $2 ~ "^" prog "#") }
		inside && mod == "" && $1 == "file" { print NR; exit }
		inside && mod != "" && $1 == "module" && $2 == mod { print NR; exit }
	' "$config"
}

# where MODULE_NAME: "CONFIG:LINE" (the line that gives the module) to
# begin a message with; MODULE_NAME is PROGRAM or PROGRAM.MODULE.
where() {
	local prog=${1%%.*} mod="" line
	if [[ $1 == *.* ]]; then
		mod=${1#*.}
	fi
	line=$(config_line "$prog" "$mod") || line=""
	printf '%s%s' "$config" "${line:+:$line}"
}

# expand PATH MODULE_NAME: PATH with each ${VAR} replaced, into $expanded.
expand() {
	local rest=$1 name=$2 var open=\$\{
	expanded=""
	while [[ $rest == *"$open"* ]]; do
		expanded+=${rest%%"$open"*}
		rest=${rest#*"$open"}
		[[ $rest == *'}'* ]] ||
			die "$(where "$name"): module '$name': '$1' has a '\${' without its '}'"
		var=${rest%%'}'*}
		rest=${rest#*'}'}
		[[ $var =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] ||
			die "$(where "$name"): module '$name': '\${$var}' in '$1' is not a variable name"
		[[ -n ${vars[$var]+set} ]] ||
			die "$(where "$name"): module '$name': \${$var} in '$1' is not defined (give -D $var=VALUE)"
		expanded+=${vars[$var]}
	done
	expanded+=$rest
}

files=("$build/sigma0.elf" sigma0 "$build/roottask.elf" roottask "$config" config)
for ((i = 0; i < ${#files[@]}; i += 2)); do
	[[ -f ${files[i]} ]] || die "'${files[i]}' (boot module ${files[i + 1]}) not found: run make first"
done
[[ -f $build/kernel.elf ]] || die "'$build/kernel.elf' (the kernel) not found: run make first"

while IFS= read -r entry; do
	[[ -n $entry ]] || continue
	name=${entry%%$'\t'*}
	path=${entry#*$'\t'}
	expand "$path" "$name"
	case $expanded in
	/*) file=$expanded ;;
	*) file=$config_dir/$expanded ;;
	esac
	if [[ ! -f $file ]]; then
		die "$(where "$name"): module '$name': file '$file' not found (from '$path')"
	fi
	files+=("$file" "$name")
done <<<"$modules"

if [[ -z $out ]]; then
	base=${config##*/}
	out=$build/${base%.cfg}.iso
fi

exec "$ROOT/tools/mkiso.sh" "$out" "$build/kernel.elf" "$cmdline" "${files[@]}"
