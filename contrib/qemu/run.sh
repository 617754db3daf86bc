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
builddir=${EROFS_TOOLS_BUILD:-$top}
install=1
forge=0
gen_files=0
tolerance=2
jobs=2
keep=0
debian=()
pairs=()

usage() {
	cat <<EOF
Usage: $0 [OPTIONS]
Boot a patched 6.12 kernel in QEMU and measure EROFS page cache sharing.

Pairs (default: --generated --forge --debian perl-modules-5.36
--debian libssl3,openssl):
  --generated[=N]       a generated pair of trees, N files (default 200)
  --debian PKG[,PKG]    the two newest versions apt offers of PKG, unpacked
                        with dpkg -x
  --pair NAME A.IMG B.IMG
                        two images already made with mkfs --ishare_key
  --forge               also show what a forged fingerprint does
  --quick               --generated=60 --forge (what make check runs)
Other:
  --build-dir DIR       where mkfs/ fsck/ dump/ were built (default: $top)
  --cache DIR           kernel and download cache (default: $cache)
  --no-install          never call apt-get; exit 77 if something is missing
  --kernel-only         build (or find) the cached kernel and stop
  --tolerance PP        allowed gap, in percentage points (default 2)
  --jobs N              make -j for the kernel (default 2)
  --keep                keep the work directory
EOF
}

die() { echo "run.sh: $*" >&2; exit 1; }
skip() { echo "run.sh: SKIP: $*" >&2; exit 77; }
note() { echo "== $*" >&2; }

kernel_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--generated) gen_files=200 ;;
	--generated=*) gen_files=${1#*=} ;;
	--debian) shift; debian+=("$1") ;;
	--pair) pairs+=("$2:$3:$4"); shift 3 ;;
	--forge) forge=1 ;;
	--quick) gen_files=60; forge=1 ;;
	--build-dir) shift; builddir=$1 ;;
	--cache) shift; cache=$1 ;;
	--no-install) install=0 ;;
	--kernel-only) kernel_only=1 ;;
	--tolerance) shift; tolerance=$1 ;;
	--jobs) shift; jobs=$1 ;;
	--keep) keep=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done
if [ "$gen_files" = 0 ] && [ ${#debian[@]} = 0 ] && [ ${#pairs[@]} = 0 ] &&
   [ $forge = 0 ] && [ $kernel_only = 0 ]; then
	gen_files=200
	forge=1
	# shellcheck disable=SC2054 # a comma joins packages into one pair
	debian=(perl-modules-5.36 libssl3,openssl)
fi

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
	if [ -f "$cache/kernel/$(kernel_key)/bzImage" ]; then
		pkgs=(qemu-system-x86 busybox-static gcc libc6-dev cpio python3)
	fi
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

build_kernel() {	# -> sets $bzimage
	local key dir src t0
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
	note "kernel: building with nice -n 19 make -j$jobs (takes a while)"
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
MKFS=$builddir/mkfs/mkfs.erofs
FSCK=$builddir/fsck/fsck.erofs
DUMP=$builddir/dump/dump.erofs

mkimg() {	# DIR IMG
	"$MKFS" --quiet --ishare_key "$2" "$1" > /dev/null ||
		die "mkfs.erofs failed on $1"
}

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
	local g=$work/gen
	python3 "$here/genpair.py" --files "$gen_files" "$g"
	mkimg "$g/a" "$g/a.img"
	mkimg "$g/b" "$g/b.img"
	add_pair "generated-$gen_files" "$g/a.img" "$g/b.img"
	rm -rf "$g"
}

# the two newest versions of each package that apt knows
pair_debian() {	# PKG[,PKG...]
	local spec=$1 name=${1%%,*} p v i dir debs=$cache/debs
	local -a va vb
	mkdir -p "$debs"
	for p in ${spec//,/ }; do
		mapfile -t v < <(apt-cache madison "$p" | awk '{ print $3 }' |
				 sort -uVr | head -2)
		[ ${#v[@]} = 2 ] || die "apt offers fewer than two versions of $p"
		vb+=("$p=${v[0]}")
		va+=("$p=${v[1]}")
	done
	for i in a b; do
		dir=$work/deb/$i
		mkdir -p "$dir"
		local -n list=v$i
		for p in "${list[@]}"; do
			local at=$debs/${p%%=*}/${p#*=}
			if ! ls "$at"/*.deb > /dev/null 2>&1; then
				mkdir -p "$at"
				(cd "$at" && apt-get download -qq \
				    -o APT::Sandbox::User=root "$p" >&2) ||
					die "cannot download $p"
			fi
			dpkg -x "$(ls "$at"/*.deb | head -1)" "$dir"
		done
		mkimg "$dir" "$work/deb/$i.img"
	done
	note "pair $name: a = ${va[*]}, b = ${vb[*]}"
	echo "$name: a = ${va[*]}; b = ${vb[*]}" >> "$work/versions"
	add_pair "$name" "$work/deb/a.img" "$work/deb/b.img"
	rm -rf "$work/deb"
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

# --- the guest -------------------------------------------------------------
make_initrd() {
	mkdir -p "$initrd/bin" "$initrd/proc" "$initrd/sys" "$initrd/dev" \
		"$initrd/tmp" "$initrd/mnt"
	cp /bin/busybox "$initrd/bin/busybox"
	gcc -static -Os -o "$initrd/bin/mnt" "$here/mnt.c"
	cp "$here/guest-init.sh" "$initrd/init"
	chmod +x "$initrd/init"
	(cd "$initrd" && find . | cpio -o -H newc --quiet) > "$work/initrd.cpio"
}

# rootfstype=ramfs: 6.12 mounts EROFS only from files whose mapping can
# read_folio, which tmpfs (the default initramfs root) cannot
qemu() {	# PROBE_SECONDS ACCEL...
	local mb probe=$1 pid waited=0
	shift
	mb=$(( $(stat -c %s "$work/initrd.cpio") * 3 / 1048576 + 384 ))
	note "boot: $*, ${mb} MiB"
	timeout 3600 qemu-system-x86_64 "$@" -m "$mb" -smp 1 \
		-nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$bzimage" -initrd "$work/initrd.cpio" \
		-append "console=ttyS0 rdinit=/init rootfstype=ramfs panic=-1 loglevel=4" \
		< /dev/null > "$work/guest.log" 2>&1 &
	pid=$!
	# an accelerator that cannot boot the guest shows no sign of life
	while [ "$probe" -gt 0 ] && ! grep -q '@@ BOOT' "$work/guest.log"; do
		if [ $waited -ge "$probe" ] || ! kill -0 $pid 2>/dev/null; then
			kill $pid 2>/dev/null || true
			wait $pid 2>/dev/null || true
			note "boot: no sign of life with $* after ${waited} s"
			return 1
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait $pid || true
	tr -d '\r' < "$work/guest.log" > "$work/guest.txt"
	grep -q '^@@ DONE' "$work/guest.txt"
}

# KVM when it answers and boots (the default CPU model: -cpu host can trip
# over MSRs under nested virtualisation), else TCG; a guest that boots
# prints its first line within seconds, so 20 s without one means stuck
boot() {
	local t0
	t0=$(date +%s)
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
	python3 - "$work" "$tolerance" <<'EOF'
import json, os, sys
work, tol = sys.argv[1], float(sys.argv[2])
res, checks, life, bad = {}, {}, {}, 0
for line in open(os.path.join(work, "guest.txt")):
    f = line.split()
    if not f or f[0] != "@@":
        continue
    if f[1] == "RESULT":
        res[(f[2], f[3])] = int(f[4])
    elif f[1] == "CHECK":
        checks[(f[2], f[3])] = f[4]
    elif f[1] == "LIFETIME":
        life[f[2]] = (f[3], int(f[4]))
    elif f[1] == "FAIL":
        print("guest: " + " ".join(f[2:]))
        bad = 1
names = open(os.path.join(work, "pairs")).read().split() \
    if os.path.exists(os.path.join(work, "pairs")) else []
hdr = "%-22s %9s %9s %9s %9s %9s %8s  %s" % (
    "pair", "A+B MiB", "without", "with", "measured", "ideal", "loop", "checks")
print(hdr)
print("-" * len(hdr))
for n in names:
    rep = json.load(open(os.path.join(work, n + ".json")))
    ideal = rep["total"]["saved_percent"]
    size = sum(i["bytes"] for i in rep["images"]) / 1048576
    wo, wi = res.get((n, "without")), res.get((n, "with"))
    lo = res.get((n, "with-loop"))
    if not wo or wi is None:
        print("%-22s no result" % n)
        bad = 1
        continue
    meas = 100.0 * (wo - wi) / wo
    loop = 100.0 * (wo - lo) / wo if lo is not None else float("nan")
    ok = [checks.get((n, k)) == "ok"
          for k in ("without", "with", "with-loop", "two-domains")]
    # images of two domains share only within each image
    two = res.get((n, "two-domains"))
    alone = sum(json.load(open(os.path.join(work, "%s.%s.json" % (n, i))))
                ["total"]["page_cache_bytes_with"] for i in "ab") // 1024
    apart = two is not None and abs(two - alone) <= max(64, alone // 200)
    lt = life.get(n, ("?", 0))
    # after the last unmount, at most a few pages may stay behind
    lt_ok = lt[0] == "ok" and lt[1] <= 64
    good = all(ok) and lt_ok and apart and abs(meas - ideal) <= tol and \
        abs(loop - ideal) <= tol
    bad |= not good
    print("%-22s %9.1f %7.1fMi %7.1fMi %8.2f%% %8.2f%% %7.2f%%  %s" % (
        n, size, wo / 1024, wi / 1024, meas, ideal, loop,
        "ok" if good else "FAIL (bytes %s, unmount %s/%d KiB left, "
        "two domains %s KiB, expected %d)" % (
            "ok" if all(ok) else "WRONG", lt[0], lt[1], two, alone)))
forge = [l.split() for l in open(os.path.join(work, "guest.txt"))
         if l.startswith("@@ FORGE")]
if forge:
    f = forge[0]
    got, own, fixed = f[3], f[5], f[7]
    good = open(os.path.join(work, "forge.good")).read().strip()
    evil = open(os.path.join(work, "forge.evil")).read().strip()
    rc = open(os.path.join(work, "forge.fsck.rc")).read().strip()
    rc2 = open(os.path.join(work, "forge.mkfs.fsck.rc")).read().strip()
    print()
    print("forged fingerprint (file /evil given the fingerprint of /good):")
    print("  shared mount serves /good's bytes for /evil: %s" %
          ("yes" if got == good else "NO"))
    print("  unshared mount reads /evil's own bytes:     %s" %
          ("yes" if own == evil else "NO"))
    print("  our mkfs, source xattr forged, own bytes:   %s" %
          ("yes" if fixed == evil else "NO"))
    print("  fsck.erofs on the forged image exits:       %s" % rc)
    print("  fsck.erofs on our mkfs's image exits:       %s" % rc2)
    badid = [l.split()[2] for l in open(os.path.join(work, "guest.txt"))
             if l.startswith("@@ BADID")]
    print("  prefix id >= xattr_prefix_count, mount:   %s" %
          (badid[0] if badid else "?"))
    bad |= not (got == good and own == evil and fixed == evil and
                rc == "4" and rc2 == "0" and badid == ["refused"])
print()
print("result: %s" % ("PASS" if not bad else "FAIL"))
sys.exit(1 if bad else 0)
EOF
}

ensure_deps
build_kernel
[ $kernel_only = 1 ] && exit 0
for t in "$MKFS" "$FSCK" "$DUMP"; do
	[ -x "$t" ] || die "no $t: build the tools first (or --build-dir)"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/erofs-qemu.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
initrd=$work/initrd
mkdir -p "$initrd/pairs"
: > "$work/pairs"

[ "$gen_files" = 0 ] || pair_generated
for d in "${debian[@]}"; do pair_debian "$d"; done
for p in "${pairs[@]}"; do
	IFS=: read -r n a b <<< "$p"
	add_pair "$n" "$a" "$b"
done
[ $forge = 0 ] || make_forge
make_initrd
boot
[ -f "$work/versions" ] && cat "$work/versions"
echo "guest: boot and measurements took ${boot_seconds} s"
report
