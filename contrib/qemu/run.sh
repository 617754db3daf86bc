#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
#
# Prove in QEMU that EROFS page cache sharing happens, and how much it saves.
#
# From a Debian 12 machine, as root: installs what is missing, builds
# Debian's linux-source-6.12 with contrib/kernel/*.patch and our config
# fragment (cached, keyed by patches + config + source version), builds a
# busybox initramfs holding the image pairs, boots it, and prints for each
# pair the page cache that reading every file of both images takes without
# and with inode_share, next to the saving that dump.erofs --ishare-report
# predicts.  See contrib/qemu/README.md.
#
# Exit: 0 all checks passed, 1 a check failed, 77 something needed is
# missing and --no-install was given (or not root).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${EROFS_TOOLS_CACHE:-/var/cache/erofs-tools}
builddir=${EROFS_TOOLS_BUILD:-}
install=1
forge=0
gen_files=0
tolerance=2
jobs=2
keep=0
plan=0
kernel=
debian=()
pairs=()
stack_specs=()	# --stack NAME=LAYER,...: one group, "stack"
stack_gen=0	# --stack-generated[=N]: genstack.py's files in base
stack_debian=()	# --stack-debian PKG[,PKG...]: one group each
mkfs_a=()	# mkfs.erofs options of image A of the pairs run.sh makes
mkfs_b=()	# and of image B

usage() {
	cat <<EOF
Usage: $0 [OPTIONS]
Boot a patched 6.12 kernel in QEMU and measure EROFS page cache sharing.

Pairs (default: --generated --forge --debian perl-modules-5.36
--debian libssl3,openssl):
  --generated[=N]       a generated pair of trees, N files (default 200)
  --debian PKG[,PKG]    the two newest versions apt offers of PKG, unpacked
                        with dpkg -x; PKG=VER_A..VER_B takes these two
  --pair NAME A B       two images already made with mkfs --ishare_key,
                        or two directories to make them from
  --forge               also show what a forged fingerprint does
  --quick               --generated=60 --forge, a 60-file pair whose A
                        is compressed with lz4hc and B is not, and
                        --stack-generated=30 (what make check runs)
Layer stacks (container images as containerd's EROFS snapshotter runs
them: one image per layer, an overlayfs per container image):
  --stack NAME=LAYER[,LAYER...]
                        a stack of layer tars or directories, lowest
                        first; all --stack stacks are measured together,
                        a layer named in several is mounted once
  --stack-generated[=N] two generated stacks over one base layer of N
                        files (default 120), with whiteouts, an opaque
                        directory and replaced files (genstack.py)
  --stack-debian PKG[,PKG...]
                        Debian 12 minbase + PKG as released (A) and with
                        bookworm-security (B), two layers each, made by
                        debian-stack.py (cached); the guest also starts
                        the application from both (stack-apps.sh)
Images (of --generated, --debian and --pair directories; the pair's name
gets .ALG, or .A~B when A and B differ):
  --compress ALG[,LEVEL]
                        compress both images: mkfs.erofs -z ALG[,LEVEL]
                        (lz4, lz4hc, lzma, zstd)
  --mkfs-a 'OPTIONS'    more mkfs.erofs options for image A (one argument,
                        split at spaces), e.g. --mkfs-a '-z lz4hc,12 -C65536'
  --mkfs-b 'OPTIONS'    the same for image B
Other:
  --build-dir DIR       where mkfs/ fsck/ dump/ were built (default: $top
                        if built in the source tree, else $top/build)
  --cache DIR           kernel and download cache (default: $cache)
  --no-install          never call apt-get; exit 77 if something is missing
  --kernel-only         build (or find) the cached kernel and stop
  --kernel BZIMAGE      boot this kernel instead (one built by hand from
                        contrib/kernel/ with kernel.config)
  --plan                print the pairs, versions and tools it would use,
                        and stop (no kernel, no guest)
  --tolerance PP        allowed gap, in percentage points (default 2)
  --jobs N              make -j for the kernel (default 2)
  --keep                keep the work directory (and print where it is)
EOF
}

die() { echo "run.sh: $*" >&2; exit 1; }
skip() { echo "run.sh: SKIP: $*" >&2; exit 77; }
note() { echo "== $*" >&2; }
# a command line we cannot use: say what is wrong with it, exit 2
bad_usage() { echo "run.sh: $*; see --help" >&2; exit 2; }

# OPTION needs N arguments, none of which looks like an option
need_args() {	# OPTION N WHAT ARGS...
	local opt=$1 n=$2 what=$3 i
	shift 3
	[ $# -ge "$n" ] || bad_usage "$opt needs $what"
	for ((i = 1; i <= n; i++)); do
		case ${!i} in
		-*|'') bad_usage "$opt needs $what, not '${!i}'" ;;
		esac
	done
}

kernel_only=0
quick=0
while [ $# -gt 0 ]; do
	case $1 in
	--generated) gen_files=200 ;;
	--generated=*) gen_files=${1#*=}
		[[ $gen_files =~ ^[1-9][0-9]*$ ]] ||
			bad_usage "--generated=N needs a file count, not '$gen_files'" ;;
	--debian) need_args "$1" 1 "a package: PKG[,PKG] or PKG=VER_A..VER_B" \
			"${@:2}"
		debian+=("$2"); shift ;;
	--pair) need_args "$1" 3 "NAME A B (images or directories)" "${@:2}"
		[[ $2 =~ ^[A-Za-z0-9._+-]+$ ]] ||
			bad_usage "--pair NAME: '$2' is not a plain name (letters, digits, ._+-)"
		for i in "$3" "$4"; do
			[ -r "$i" ] && { [ -f "$i" ] || [ -d "$i" ]; } ||
				bad_usage "--pair $2: no image file or directory '$i'"
			[[ $i != *:* ]] || bad_usage "--pair $2: ':' in '$i'"
		done
		pairs+=("$2:$3:$4"); shift 3 ;;
	--compress) need_args "$1" 1 "ALG[,LEVEL] (lz4, lz4hc, lzma, zstd)" \
			"${@:2}"
		mkfs_a+=(-z "$2"); mkfs_b+=(-z "$2"); shift ;;
	--mkfs-a|--mkfs-b)
		[ $# -ge 2 ] && [ -n "$2" ] ||
			bad_usage "$1 needs mkfs.erofs options, quoted as one argument"
		read -ra i <<< "$2"
		if [ "$1" = --mkfs-a ]; then mkfs_a+=("${i[@]}"); else mkfs_b+=("${i[@]}"); fi
		shift ;;
	--forge) forge=1 ;;
	--quick) gen_files=60; forge=1; quick=1; stack_gen=30 ;;
	--stack) need_args "$1" 1 "NAME=LAYER[,LAYER...] (tars or directories)" \
			"${@:2}"
		[[ $2 =~ ^[A-Za-z0-9._+-]+=[^=]+$ ]] ||
			bad_usage "--stack: '$2' is not NAME=LAYER[,LAYER...] (NAME of letters, digits, ._+-)"
		IFS=, read -ra i <<< "${2#*=}"
		for l in "${i[@]}"; do
			[ -r "$l" ] && { [ -f "$l" ] || [ -d "$l" ]; } ||
				bad_usage "--stack ${2%%=*}: no layer tar or directory '$l'"
		done
		stack_specs+=("$2"); shift ;;
	--stack-generated) stack_gen=120 ;;
	--stack-generated=*) stack_gen=${1#*=}
		[[ $stack_gen =~ ^[1-9][0-9]*$ ]] && [ "$stack_gen" -ge 20 ] ||
			bad_usage "--stack-generated=N needs a file count of 20 or more, not '$stack_gen'" ;;
	--stack-debian) need_args "$1" 1 "packages: PKG[,PKG...]" "${@:2}"
		[[ $2 =~ ^[a-z0-9][a-z0-9.+-]*(,[a-z0-9][a-z0-9.+-]*)*$ ]] ||
			bad_usage "--stack-debian: '$2' is not PKG[,PKG...]"
		stack_debian+=("$2"); shift ;;
	--build-dir|--cache|--tolerance|--jobs|--kernel)
		need_args "$1" 1 "a value" "${@:2}"
		case $1 in
		--kernel) [ -f "$2" ] || bad_usage "--kernel: no file '$2'"
			kernel=$(realpath "$2") ;;
		--build-dir) builddir=$2 ;;
		--cache) cache=$2 ;;
		--tolerance) tolerance=$2 ;;
		--jobs) jobs=$2 ;;
		esac
		shift ;;
	--no-install) install=0 ;;
	--kernel-only) kernel_only=1 ;;
	--plan) plan=1 ;;
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	*) bad_usage "unknown option '$1'" ;;
	esac
	shift
done
if [ "$gen_files" = 0 ] && [ ${#debian[@]} = 0 ] && [ ${#pairs[@]} = 0 ] &&
   [ $forge = 0 ] && [ $kernel_only = 0 ] && [ ${#stack_specs[@]} = 0 ] &&
   [ "$stack_gen" = 0 ] && [ ${#stack_debian[@]} = 0 ]; then
	gen_files=200
	forge=1
	# shellcheck disable=SC2054 # a comma joins packages into one pair
	debian=(perl-modules-5.36 libssl3,openssl)
fi

# the tools: --build-dir, else the source tree when built in place, else
# build/ beside it (the out-of-tree build of README.md)
find_tools() {
	local d t
	if [ -z "$builddir" ]; then
		for d in "$top" "$top/build"; do
			[ -x "$d/mkfs/mkfs.erofs" ] && { builddir=$d; break; }
		done
		[ -n "$builddir" ] || die "no mkfs/mkfs.erofs in $top or" \
			"$top/build: build the tools first (README.md) or give --build-dir DIR"
	fi
	MKFS=$builddir/mkfs/mkfs.erofs
	FSCK=$builddir/fsck/fsck.erofs
	DUMP=$builddir/dump/dump.erofs
	for t in "$MKFS" "$FSCK" "$DUMP"; do
		[ -x "$t" ] || die "no $t: build the tools first (or --build-dir)"
	done
}

# options that mkfs.erofs refuses stop the run before the kernel build
check_mkfs_opts() {	# a|b OPTIONS...
	local side=$1 t msg
	shift
	[ $# -gt 0 ] || return 0
	t=$(mktemp -d "${TMPDIR:-/tmp}/erofs-qemu-opts.XXXXXX")
	mkdir "$t/d"
	echo x > "$t/d/x"
	if ! msg=$("$MKFS" --quiet --ishare_key "$@" "$t/i" "$t/d" 2>&1); then
		rm -rf "$t"
		die "mkfs.erofs options of image ${side^^} ($*): $(echo "$msg" | head -1)"
	fi
	rm -rf "$t"
}

# a word for a set of mkfs options: plain, lz4hc, zstd,15, lz4_-C65536...
opts_label() {	# OPTIONS...
	local s="$*"
	[ -n "$s" ] || { echo plain; return; }
	s=${s//-z /}
	s=${s// /_}
	echo "${s//[^A-Za-z0-9._,+=-]/_}"
}

# what the pair names of this run end with: "" without options
pair_suffix() {
	local a b
	[ ${#mkfs_a[@]} -gt 0 ] || [ ${#mkfs_b[@]} -gt 0 ] || return 0
	a=$(opts_label ${mkfs_a[@]+"${mkfs_a[@]}"})
	b=$(opts_label ${mkfs_b[@]+"${mkfs_b[@]}"})
	if [ "$a" = "$b" ]; then echo ".$a"; else echo ".$a~$b"; fi
}

# --debian SPEC -> "PKG=VER ..." for image A and for image B in deb_a and
# deb_b: the two newest versions apt offers, or the two of PKG=VER_A..VER_B
declare -A deb_a deb_b
resolve_debian() {	# SPEC
	local spec=$1 item p want v va vb
	local -a have
	for item in ${spec//,/ }; do
		p=${item%%=*}
		want=
		[ "$p" = "$item" ] || want=${item#*=}
		mapfile -t have < <(apt-cache madison "$p" 2>/dev/null |
				    awk -F'|' '{ gsub(/ /, "", $2); print $2 }' |
				    sort -uVr)
		[ ${#have[@]} -gt 0 ] || die "--debian $spec: apt knows no package" \
			"'$p' (if it exists, apt-get update may be needed)"
		if [ -n "$want" ]; then
			va=${want%%..*}
			vb=${want#*..}
			[ "$va" != "$want" ] && [ -n "$va" ] && [ -n "$vb" ] ||
				die "--debian $spec: '$item' is not PKG=VER_A..VER_B"
			for v in "$va" "$vb"; do
				printf '%s\n' "${have[@]}" | grep -qxF -- "$v" ||
					die "--debian $spec: apt offers no version" \
					"$v of $p (it offers: ${have[*]})"
			done
			deb_a[$spec]+="$p=$va "
			deb_b[$spec]+="$p=$vb "
			continue
		fi
		[ ${#have[@]} -ge 2 ] || die "--debian $spec: apt offers only one" \
			"version of $p (${have[0]}), two are needed; apt-get update" \
			"may list more, or name two with $p=VER_A..VER_B"
		deb_a[$spec]+="$p=${have[1]} "
		deb_b[$spec]+="$p=${have[0]} "
	done
}

# --- what we need on the host ----------------------------------------------
kernel_tar=/usr/src/linux-source-6.12.tar.xz
pkgs=(linux-source-6.12 qemu-system-x86 busybox-static bc bison flex
      libelf-dev libssl-dev make gcc libc6-dev cpio xz-utils python3 patch)

missing_pkgs() {
	local p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || echo "$p"
	done
}

ensure_deps() {
	local miss
	if [ -n "$kernel" ] || [ -f "$cache/kernel/$(kernel_key)/bzImage" ]; then
		pkgs=(qemu-system-x86 busybox-static gcc libc6-dev cpio python3)
	fi
	# debian-stack.py makes the layers it does not find in its cache
	[ ${#stack_debian[@]} = 0 ] || pkgs+=(mmdebstrap)
	miss=$(missing_pkgs | tr '\n' ' ')
	[ -z "$miss" ] && return 0
	[ $install = 1 ] || skip "missing packages: $miss"
	[ "$(id -u)" = 0 ] || skip "not root; missing packages: $miss"
	note "installing $miss"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $miss >&2
}

# --- the kernel ------------------------------------------------------------
# keyed by what we control, so that a cache restored on a machine without
# linux-source-6.12 is found; the source version is recorded beside it
kernel_key() {
	cat "$top"/contrib/kernel/*.patch "$here/kernel.config" |
		sha256sum | cut -c1-16
}

# every CONFIG_X=y of the fragment must have survived olddefconfig
check_config() {	# .config
	local want bad=0
	for want in $(grep '^CONFIG_.*=y$' "$here/kernel.config"); do
		grep -qx "$want" "$1" || { echo "run.sh: $want lost" >&2; bad=1; }
	done
	return $bad
}

# CMD..., saying every minute that WHAT is still going on
ticking() {	# WHAT CMD...
	local what=$1 t0 tick rc=0
	shift
	t0=$(date +%s)
	(
		n=0
		while sleep 5; do
			n=$((n + 5))
			[ $((n % 60)) = 0 ] &&
				note "$what, $((n / 60)) min so far"
		done
	) &
	tick=$!
	"$@" || rc=$?
	kill $tick 2>/dev/null || true
	wait $tick 2>/dev/null || true
	note "$what: done in $(( $(date +%s) - t0 )) s"
	return $rc
}

build_kernel() {	# -> sets $bzimage
	local key dir src t0
	if [ -n "$kernel" ]; then
		bzimage=$kernel
		note "kernel: $bzimage (--kernel)"
		return 0
	fi
	key=$(kernel_key)
	dir=$cache/kernel/$key
	bzimage=$dir/bzImage
	if [ -f "$bzimage" ]; then
		note "kernel: cached $bzimage"
		return 0
	fi
	[ -f "$kernel_tar" ] || skip "no $kernel_tar"
	t0=$(date +%s)
	mkdir -p "$dir"
	rm -rf "$dir/build"
	mkdir "$dir/build"
	note "kernel: unpacking $kernel_tar"
	tar -C "$dir/build" -xf "$kernel_tar"
	src=$dir/build/linux-source-6.12
	for p in "$top"/contrib/kernel/*.patch; do
		patch -d "$src" -p1 --quiet < "$p" || die "$p does not apply"
	done
	note "kernel: configuring (tinyconfig + $here/kernel.config)"
	make -s -C "$src" tinyconfig > /dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$src" "$src/.config" \
		"$here/kernel.config" > /dev/null
	make -s -C "$src" olddefconfig > /dev/null
	check_config "$src/.config" || die "kernel config fragment not applied"
	note "kernel: building with nice -n 19 make -j$jobs: about 7 min on" \
		"two idle cores, 20 min or more on a loaded machine"
	# under make check, MAKEFLAGS names a jobserver whose descriptors
	# the test driver did not pass on: the kernel's make runs its own
	ticking "kernel: building" \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		nice -n 19 make -s -C "$src" -j"$jobs" bzImage >&2
	cp "$src/.config" "$dir/config"
	dpkg-query -W -f='${Version}\n' linux-source-6.12 > "$dir/source-version"
	cp "$src/arch/x86/boot/bzImage" "$bzimage.tmp"
	mv "$bzimage.tmp" "$bzimage"
	rm -rf "$dir/build"
	echo "$(( $(date +%s) - t0 ))" > "$dir/build-seconds"
	note "kernel: built in $(cat "$dir/build-seconds") s: $bzimage"
}

# --- images ----------------------------------------------------------------

mkimg() {	# DIR IMG [MKFS OPTIONS...]
	local dir=$1 img=$2
	shift 2
	"$MKFS" --quiet --ishare_key "$@" "$img" "$dir" > /dev/null ||
		die "mkfs.erofs $* failed on $dir"
}

# image A or B of a pair that run.sh makes, with that side's options
mkimg_a() { mkimg "$1" "$2" ${mkfs_a[@]+"${mkfs_a[@]}"}; }
mkimg_b() { mkimg "$1" "$2" ${mkfs_b[@]+"${mkfs_b[@]}"}; }

# "sha256  ./path" of every regular file, as the guest prints them,
# from a tree that our fsck extracts (not from the kernel)
img_sums() {	# IMG OUT
	local x=$work/extract
	rm -rf "$x"
	"$FSCK" --extract="$x" "$1" > /dev/null || die "fsck.erofs failed on $1"
	(cd "$x" && find . -type f -exec sha256sum {} + | LC_ALL=C sort -k2) \
		> "$2"
	rm -rf "$x"
}

add_pair() {	# NAME A.IMG B.IMG
	local d=$initrd/pairs/$1
	mkdir -p "$d"
	cp "$2" "$d/a.img"
	cp "$3" "$d/b.img"
	img_sums "$d/a.img" "$d/a.sum"
	img_sums "$d/b.img" "$d/b.sum"
	"$DUMP" --ishare-report --json "$d/a.img" "$d/b.img" > "$work/$1.json" ||
		die "dump.erofs --ishare-report failed on $1"
	# each image alone: what two different domains should take
	"$DUMP" --ishare-report --json "$d/a.img" > "$work/$1.a.json" &&
	"$DUMP" --ishare-report --json "$d/b.img" > "$work/$1.b.json" ||
		die "dump.erofs --ishare-report failed on $1"
	echo "$1" >> "$work/pairs"
}

pair_generated() {
	local g=$work/gen text=()
	# random bytes do not compress: text when a side compresses
	[[ " ${mkfs_a[*]-} ${mkfs_b[*]-} " != *" -z "* ]] || text=(--text)
	python3 "$here/genpair.py" --files "$gen_files" ${text[@]+"${text[@]}"} "$g"
	mkimg_a "$g/a" "$g/a.img"
	mkimg_b "$g/b" "$g/b.img"
	add_pair "generated-$gen_files$(pair_suffix)" "$g/a.img" "$g/b.img"
	rm -rf "$g"
}

# a generated pair with these options instead of the run's
pair_generated_with() {	# N 'OPTIONS A' 'OPTIONS B'
	local -a mkfs_a mkfs_b
	read -ra mkfs_a <<< "$2"
	read -ra mkfs_b <<< "$3"
	gen_files=$1 pair_generated
}

# the versions resolve_debian chose, downloaded once into the cache
pair_debian() {	# SPEC
	local spec=$1 name=${1%%[,=]*} p i dir at debs=$cache/debs
	local -a va vb
	read -ra va <<< "${deb_a[$spec]}"
	read -ra vb <<< "${deb_b[$spec]}"
	mkdir -p "$debs"
	for i in a b; do
		dir=$work/deb/$i
		mkdir -p "$dir"
		local -n list=v$i
		for p in "${list[@]}"; do
			at=$debs/${p%%=*}/${p#*=}
			if ! ls "$at"/*.deb > /dev/null 2>&1; then
				mkdir -p "$at"
				(cd "$at" && apt-get download -qq \
				    -o APT::Sandbox::User=root "$p" >&2) ||
					die "cannot download $p"
			fi
			dpkg -x "$(ls "$at"/*.deb | head -1)" "$dir"
		done
		"mkimg_$i" "$dir" "$work/deb/$i.img"
	done
	name+=$(pair_suffix)
	note "pair $name: a = ${va[*]}, b = ${vb[*]}"
	echo "$name: a = ${va[*]}; b = ${vb[*]}" >> "$work/versions"
	add_pair "$name" "$work/deb/a.img" "$work/deb/b.img"
	rm -rf "$work/deb"
}

# --pair NAME A B: images as they are, directories made with the options
pair_given() {	# NAME:A:B
	local n a b
	IFS=: read -r n a b <<< "$1"
	if [ -d "$a" ] || [ -d "$b" ]; then
		n+=$(pair_suffix)
		if [ -d "$a" ]; then mkimg_a "$a" "$work/$n.a.img"; a=$work/$n.a.img; fi
		if [ -d "$b" ]; then mkimg_b "$b" "$work/$n.b.img"; b=$work/$n.b.img; fi
	fi
	add_pair "$n" "$a" "$b"
}

# /forge/good.img holds /good; forged.img holds /evil (same size, other
# bytes) with good's fingerprint patched in by forge-fingerprint.py;
# mkfs.img is what our mkfs makes when /evil carries that xattr already
make_forge() {
	local f=$work/forge fp
	mkdir -p "$f/g" "$f/e" "$initrd/forge"
	head -c 65536 /dev/urandom > "$f/g/good"
	head -c 65536 /dev/urandom > "$f/e/evil"
	echo other > "$f/e/other"
	mkimg "$f/g" "$initrd/forge/good.img"
	mkimg "$f/e" "$f/evil.img"
	python3 "$here/forge-fingerprint.py" "$f/evil.img" \
		"$initrd/forge/forged.img" "$f/e/evil" "$f/g/good"
	fp=$(python3 -c 'import hashlib,sys
print((b"sha256:" + hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).hex())' "$f/g/good")
	python3 -c 'import os,sys
os.setxattr(sys.argv[1], "trusted.erofs.fingerprint", bytes.fromhex(sys.argv[2]))' \
		"$f/e/evil" "$fp"
	mkimg "$f/e" "$initrd/forge/mkfs.img"
	# ishare_xattr_prefix_id (0x69) = xattr_prefix_count (0x5b); clear
	# sb_csum (compat bit 0) so that only the id can make mount fail
	python3 - "$initrd/forge/good.img" "$initrd/forge/badid.img" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
sb = 1024
b[sb + 0x69] = b[sb + 0x5b]
b[sb + 8] &= 0xfe
open(sys.argv[2], "wb").write(b)
PY
	sha256sum "$f/g/good" | cut -d' ' -f1 > "$work/forge.good"
	sha256sum "$f/e/evil" | cut -d' ' -f1 > "$work/forge.evil"
	set +e
	"$FSCK" "$initrd/forge/forged.img" > "$work/forge.fsck" 2>&1
	echo $? > "$work/forge.fsck.rc"
	"$FSCK" "$initrd/forge/mkfs.img" > "$work/forge.mkfs.fsck" 2>&1
	echo $? > "$work/forge.mkfs.fsck.rc"
	set -e
	rm -rf "$f"
}

# --- layer stacks ----------------------------------------------------------
# a group of stacks the guest measures together: every distinct layer
# made into an image the way containerd makes it (stack-host.py), what
# each merged view must hold, and dump.erofs's prediction, checked on the
# host against the merged trees before anything boots
add_stack_group() {	# GROUP NAME=LAYER,...
	local g=$1
	shift
	note "stack group $g: $*"
	python3 "$here/stack-host.py" "$MKFS" "$DUMP" "$initrd/stacks/$g" "$@" ||
		die "stack group $g: the host side failed"
	echo "$g" >> "$work/stack-groups"
}

stack_generated() {
	local g=$work/genstack
	python3 "$here/genstack.py" --files "$stack_gen" "$g"
	add_stack_group "generated-$stack_gen" \
		"genA=$g/base.tar,$g/app-a.tar" "genB=$g/base.tar,$g/app-b.tar"
	rm -rf "$g"
}

# Debian 12 minbase + PKG..., as released (a) and with the security
# updates (b): two layers per image, from debian-stack.py's cache
stack_debian_group() {	# PKG[,PKG...]
	local name=${1//,/+} d
	local -a t
	d=$cache/stack-debian
	mapfile -t t < <(python3 "$here/debian-stack.py" --cache "$d" "$1")
	[ ${#t[@]} = 4 ] || die "--stack-debian $1: debian-stack.py failed"
	add_stack_group "$name" "$name.a=${t[0]},${t[1]}" "$name.b=${t[2]},${t[3]}"
	echo "$name $name.a $name.b" > "$initrd/stacks/$name/apps.txt"
	echo "$name: a = $(sed 's/^a: //' "$d/$name-a.versions");" \
		"b = $(sed 's/^b: //' "$d/$name-b.versions")" >> "$work/versions"
}

# --- the guest -------------------------------------------------------------
make_initrd() {
	mkdir -p "$initrd/bin" "$initrd/proc" "$initrd/sys" "$initrd/dev" \
		"$initrd/tmp" "$initrd/mnt"
	cp /bin/busybox "$initrd/bin/busybox"
	gcc -static -Os -o "$initrd/bin/mnt" "$here/mnt.c"
	gcc -static -Os -o "$initrd/bin/rd" "$here/rd.c"
	cp "$here/stack-apps.sh" "$initrd/bin/stack-apps"
	cp "$here/guest-init.sh" "$initrd/init"
	chmod +x "$initrd/bin/stack-apps"
	chmod +x "$initrd/init"
	(cd "$initrd" && find . | cpio -o -H newc --quiet) > "$work/initrd.cpio"
}

# rootfstype=ramfs: 6.12 mounts EROFS only from files whose mapping can
# read_folio, which tmpfs (the default initramfs root) cannot.  While the
# guest runs, its "@@ STEP" lines say what it is doing.
# the guest's "@@ STEP" lines not shown yet (uses qemu()'s locals)
show_steps() {
	local n
	n=$(grep -c '^@@ STEP' "$work/guest.log" || true)
	[ "$n" -gt "$shown" ] || return 0
	grep '^@@ STEP' "$work/guest.log" | tr -d '\r' |
		sed -n "$((shown + 1)),${n}p" |
		while read -r _ _ what; do
			note "guest, ${waited} s: $what"
		done
	shown=$n
}

qemu() {	# PROBE_SECONDS ACCEL...
	local mb probe=$1 pid waited=0 booted=0 shown=0
	shift
	mb=$(( $(stat -c %s "$work/initrd.cpio") * 3 / 1048576 + 384 ))
	note "boot: $*, ${mb} MiB"
	: > "$work/guest.log"
	timeout 3600 qemu-system-x86_64 "$@" -m "$mb" -smp 1 \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$bzimage" -initrd "$work/initrd.cpio" \
		-append "console=ttyS0 rdinit=/init rootfstype=ramfs panic=-1 loglevel=4" \
		< /dev/null > "$work/guest.log" 2>&1 &
	pid=$!
	while kill -0 $pid 2>/dev/null; do
		# an accelerator that cannot boot the guest shows no sign of life
		if [ $booted = 0 ]; then
			if grep -q '@@ BOOT' "$work/guest.log"; then
				booted=1
			elif [ "$probe" -gt 0 ] && [ $waited -ge "$probe" ]; then
				kill $pid 2>/dev/null || true
				wait $pid 2>/dev/null || true
				note "boot: no sign of life with $* after ${waited} s"
				return 1
			fi
		fi
		show_steps
		sleep 1
		waited=$((waited + 1))
	done
	wait $pid || true
	show_steps
	tr -d '\r' < "$work/guest.log" > "$work/guest.txt"
	if [ $booted = 0 ] && [ "$probe" -gt 0 ] &&
	   ! grep -q '@@ BOOT' "$work/guest.txt"; then
		note "boot: $* exited without a sign of life"
		return 1
	fi
	grep -q '^@@ DONE' "$work/guest.txt"
}

# KVM when it answers and boots (the default CPU model: -cpu host can trip
# over MSRs under nested virtualisation), else TCG; a guest that boots
# prints its first line within seconds, so 20 s without one means stuck
boot() {
	local t0 mib
	t0=$(date +%s)
	mib=$(du -sm "$initrd/pairs" | cut -f1)
	[ ! -s "$work/pairs" ] && [ ! -d "$initrd/forge" ] ||
	note "guest: reads its $mib MiB of pair images about ten times" \
		"(mounted four ways, checksums, lifetime): seconds with KVM," \
		"about $(( mib / 3 + 10 )) s under TCG"
	if [ -s "$work/stack-groups" ]; then
		mib=$(du -sm "$initrd/stacks" | cut -f1)
		apps=
		[ ${#stack_debian[@]} = 0 ] || apps=", then starts the"
		[ ${#stack_debian[@]} = 0 ] || apps+=" applications of"
		[ ${#stack_debian[@]} = 0 ] || apps+=" --stack-debian"
		note "guest: reads every view of its $mib MiB of layer images" \
			"twice (without and with sharing, and every file's" \
			"sha256 each time)$apps: about $(( mib / 3 + 10 )) s" \
			"under TCG${apps:+, plus a minute or two per application}"
	fi
	if ! { python3 -c 'import os; os.close(os.open("/dev/kvm", os.O_RDWR))' \
			2>/dev/null && qemu 20 -accel kvm; }; then
		qemu 0 -accel tcg || {
			tail -40 "$work/guest.txt" >&2
			die "guest did not finish (log above)"
		}
	fi
	boot_seconds=$(( $(date +%s) - t0 ))
}

# --- report ----------------------------------------------------------------
report() {
	python3 "$here/report.py" "$work" "$tolerance"
}

for d in "${debian[@]}"; do resolve_debian "$d"; done
find_tools
check_mkfs_opts a ${mkfs_a[@]+"${mkfs_a[@]}"}
check_mkfs_opts b ${mkfs_b[@]+"${mkfs_b[@]}"}
if [ $plan = 1 ]; then
	echo "tools: $builddir"
	sfx=$(pair_suffix)
	[ -z "$sfx" ] || echo "mkfs options: a = ${mkfs_a[*]-}; b = ${mkfs_b[*]-}"
	[ "$gen_files" = 0 ] ||
		echo "pair generated-$gen_files$sfx: genpair.py --files $gen_files"
	[ $quick = 0 ] ||
		echo "pair generated-60.lz4hc~plain: genpair.py --files 60 --text"
	for d in "${debian[@]}"; do
		echo "pair ${d%%[,=]*}$sfx: a = ${deb_a[$d]% }; b = ${deb_b[$d]% }"
	done
	for p in "${pairs[@]}"; do
		IFS=: read -r n a b <<< "$p"
		[ ! -d "$a" ] && [ ! -d "$b" ] || n+=$sfx
		echo "pair $n: a = $a; b = $b"
	done
	[ "$stack_gen" = 0 ] || echo "stacks generated-$stack_gen:" \
		"genA = base,app-a; genB = base,app-b (genstack.py --files $stack_gen)"
	[ ${#stack_specs[@]} = 0 ] || echo "stacks stack: ${stack_specs[*]}"
	for d in "${stack_debian[@]}"; do
		echo "stacks ${d//,/+}: ${d//,/+}.a = base-a,${d//,/+}-a;" \
			"${d//,/+}.b = base-b,${d//,/+}-b (debian-stack.py; cache $cache/stack-debian)"
	done
	[ $forge = 0 ] || echo "forge: yes"
	echo "kernel: ${kernel:-$cache/kernel/$(kernel_key)/bzImage}"
	exit 0
fi
ensure_deps
build_kernel
[ $kernel_only = 1 ] && exit 0
work=$(mktemp -d "${TMPDIR:-/tmp}/erofs-qemu.XXXXXX")
if [ $keep = 1 ]; then
	trap 'echo "run.sh: kept work directory $work" >&2' EXIT
else
	trap 'rm -rf "$work"' EXIT
fi
initrd=$work/initrd
mkdir -p "$initrd/pairs"
: > "$work/pairs"

[ "$gen_files" = 0 ] || pair_generated
[ $quick = 0 ] || pair_generated_with 60 "-z lz4hc" ""
for d in "${debian[@]}"; do pair_debian "$d"; done
for p in "${pairs[@]}"; do pair_given "$p"; done
[ $forge = 0 ] || make_forge
: > "$work/stack-groups"
[ "$stack_gen" = 0 ] || stack_generated
[ ${#stack_specs[@]} = 0 ] || add_stack_group stack "${stack_specs[@]}"
for d in "${stack_debian[@]}"; do stack_debian_group "$d"; done
make_initrd
boot
[ -f "$work/versions" ] && cat "$work/versions"
echo "guest: boot and measurements took ${boot_seconds} s"
report
