#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0+
# shellcheck shell=dash
# /init of the QEMU guest that run.sh builds.  It measures the page cache
# that reading every file of each image pair takes without and with
# inode_share, checks that every file reads back its own bytes, shows what
# a forged fingerprint does, and powers off.  Lines the host parses start
# with "@@ ".
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /mnt/a /mnt/b /tmp
echo "@@ BOOT"

say() { echo "@@ $*"; }
cached_kb() { awk '/^Cached:/ { print $2 }' /proc/meminfo; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# how SRC is mounted: "file" mounts the image file itself (file-backed),
# "loop" goes through a loop device (block-device mount)
mount_img() {	# IMG DIR OPTS HOW
	src=$1
	if [ "$4" = loop ]; then
		src=$(losetup -f) && losetup "$src" "$1" || return 1
	fi
	/bin/mnt "$src" "$2" erofs "$3"
}

umount_img() {	# DIR
	dev=$(awk -v d="$1" '$2 == d { print $1 }' /proc/mounts)
	umount "$1"
	case "$dev" in /dev/loop*) losetup -d "$dev" ;; esac
}

sums() {	# DIR -> sorted "sha256  ./path" lines
	(cd "$1" && find . -type f -exec sha256sum {} + | sort -k2)
}

# one measurement: mount both, drop caches, walk the trees (directories
# and inodes are not what we compare), then read every file.  Without a
# managed cache of compressed clusters (cache_strategy=disabled), which
# holds compressed blocks next to the files' pages and which the report
# does not count; the other checks keep the default, readaround
measure() {	# PAIR LABEL OPTS HOW_B [OPTS_B]
	d=/pairs/$1
	say STEP "$1: reading both images, $2"
	mount_img "$d/a.img" /mnt/a "$3,cache_strategy=disabled" file ||
		{ say FAIL "$1" mount a; return; }
	mount_img "$d/b.img" /mnt/b "${5:-$3},cache_strategy=disabled" "$4" ||
		{ say FAIL "$1" mount b; umount_img /mnt/a; return; }
	drop
	find /mnt/a /mnt/b > /dev/null
	c0=$(cached_kb)
	find /mnt/a /mnt/b -type f -exec cat {} + > /dev/null
	c1=$(cached_kb)
	say RESULT "$1" "$2" $((c1 - c0))
	# every file must read back its own bytes, from the shared cache too
	sums /mnt/a > /tmp/a.got
	sums /mnt/b > /tmp/b.got
	if cmp -s /tmp/a.got "$d/a.sum" && cmp -s /tmp/b.got "$d/b.sum"; then
		say CHECK "$1" "$2" ok
	else
		say CHECK "$1" "$2" FAIL
	fi
	umount_img /mnt/b
	umount_img /mnt/a
}

# like sums, reading each file through mmap(2) or splice(2): /bin/rd
# copies the tree to /tmp/rd that way
rdsums() {	# mmap|splice DIR
	rm -rf /tmp/rd
	/bin/rd "$1" "$2" /tmp/rd || say FAIL "rd $1 $2"
	sums /tmp/rd
	rm -rf /tmp/rd
}

# mmap and splice read the shared page cache too: A fills it by read(2),
# B (on a loop device) reads it through mmap; then, from a cold cache, B
# fills it through splice and A reads it through mmap
modes() {	# PAIR
	d=/pairs/$1
	say STEP "$1: mmap and splice"
	mount_img "$d/a.img" /mnt/a ro,inode_share,domain_id=d file
	mount_img "$d/b.img" /mnt/b ro,inode_share,domain_id=d loop
	drop
	find /mnt/a -type f -exec cat {} + > /dev/null
	rdsums mmap /mnt/b > /tmp/b.got
	drop
	rdsums splice /mnt/b > /tmp/b2.got
	rdsums mmap /mnt/a > /tmp/a.got
	if cmp -s /tmp/a.got "$d/a.sum" && cmp -s /tmp/b.got "$d/b.sum" &&
	   cmp -s /tmp/b2.got "$d/b.sum"; then
		say CHECK "$1" modes ok
	else
		say CHECK "$1" modes FAIL
	fi
	umount_img /mnt/b
	umount_img /mnt/a
}

# unmounting one image leaves the other readable; the last unmount frees
lifetime() {	# PAIR
	d=/pairs/$1
	say STEP "$1: unmounting one user, then the last"
	drop
	base=$(cached_kb)
	mount_img "$d/a.img" /mnt/a ro,inode_share,domain_id=d file
	mount_img "$d/b.img" /mnt/b ro,inode_share,domain_id=d file
	find /mnt/a -type f -exec cat {} + > /dev/null
	umount_img /mnt/a
	sums /mnt/b > /tmp/b.got
	cmp -s /tmp/b.got "$d/b.sum" && r=ok || r=FAIL
	umount_img /mnt/b
	left=$(( $(cached_kb) - base ))
	say LIFETIME "$1" "$r" "$left"
}

for p in /pairs/*/; do
	[ -d "$p" ] || continue
	p=$(basename "$p")
	measure "$p" without ro file
	measure "$p" with ro,inode_share,domain_id=d file
	measure "$p" with-loop ro,inode_share,domain_id=d loop
	measure "$p" two-domains ro,inode_share,domain_id=d file \
		ro,inode_share,domain_id=e
	modes "$p"
	lifetime "$p"
done

# /stacks/GROUP: layers/LN.img, stacks.txt ("NAME LN.img ..." lowest
# first), NAME.sha256 (every file of NAME's merged view, from the tars on
# the host) and, for --stack-debian, apps.txt ("APP STACK_A STACK_B")
# layers of GROUP mounted file-backed at /l/GROUP/LN, each once
mount_layers() {	# GROUP OPTS
	for img in /stacks/$1/layers/*.img; do
		l=/l/$1/$(basename "$img" .img)
		mkdir -p "$l"
		mount_img "$img" "$l" "$2" file || { say FAIL "$1" mount "$l"; return 1; }
	done
}

umount_layers() {	# GROUP
	for l in /l/$1/*; do
		umount "$l"
	done
}

# overlayfs wants the upper layer first
lowerdirs() {	# GROUP NAME
	awk -v n="$2" -v g="/l/$1/" '$1 == n {
		s = ""
		for (i = NF; i >= 2; i--) {
			sub(/\.img$/, "", $i)
			s = s (s == "" ? "" : ":") g $i
		}
		print s
	}' "/stacks/$1/stacks.txt"
}

# the merged view of every stack of GROUP at /o/NAME, read-only
mount_views() {	# GROUP
	for n in $(awk '{ print $1 }' "/stacks/$1/stacks.txt"); do
		mkdir -p "/o/$n"
		/bin/mnt overlay "/o/$n" overlay "lowerdir=$(lowerdirs "$1" "$n")" ||
			{ say FAIL "$1" overlay "$n"; return 1; }
	done
}

umount_views() {	# GROUP
	for n in $(awk '{ print $1 }' "/stacks/$1/stacks.txt"); do
		umount "/o/$n"
	done
}

# read every file of every merged view of GROUP; then every file's
# sha256 must be the host's and no other file be there
stack_measure() {	# GROUP LABEL OPTS
	g=$1
	say STEP "stacks $g: reading every file of every view, $2"
	mount_layers "$g" "$3" || return
	mount_views "$g" || { umount_layers "$g"; return; }
	drop
	find /o > /dev/null
	c0=$(cached_kb)
	find /o -type f -exec cat {} + > /dev/null
	c1=$(cached_kb)
	say SRESULT "$g" "$2" $((c1 - c0))
	r=ok
	for n in $(awk '{ print $1 }' "/stacks/$g/stacks.txt"); do
		(cd "/o/$n" && sha256sum -c -s "/stacks/$g/$n.sha256") ||
			{ r=FAIL; say FAIL "$g" "$2" "$n: a file's bytes differ"; }
		got=$(find "/o/$n" -type f | wc -l)
		want=$(wc -l < "/stacks/$g/$n.sha256")
		[ "$got" = "$want" ] ||
			{ r=FAIL; say FAIL "$g" "$2" "$n: $got files, want $want"; }
	done
	say SCHECK "$g" "$2" "$r"
	umount_views "$g"
	umount_layers "$g"
}

# file pages only: the upper directories and /dev/shm of the running
# applications are tmpfs (Shmem, part of Cached), not layer data
file_kb() {
	awk '/^Cached:/ { c = $2 } /^Shmem:/ { s = $2 } END { print c - s }' \
		/proc/meminfo
}

# start APP from both merged views at once, as containers: each view an
# overlay with a writable upper directory on tmpfs, /proc mounted; then
# the page cache they hold
stack_run() {	# GROUP APP STACK_A STACK_B LABEL OPTS
	g=$1
	say STEP "stacks $g: starting $2 from $3 and $4, $5"
	mount_layers "$g" "$6" || return
	mkdir -p /rw
	mount -t tmpfs tmpfs /rw
	for n in "$3" "$4"; do
		mkdir -p "/rw/$n/u" "/rw/$n/w" "/r/$n"
		mount -t overlay overlay -o "lowerdir=$(lowerdirs "$g" "$n"),upperdir=/rw/$n/u,workdir=/rw/$n/w" "/r/$n" ||
			say FAIL "$g" "$5" "overlay $n"
		mount -t proc proc "/r/$n/proc"
	done
	drop
	c0=$(file_kb)
	t0=$(date +%s)
	r=ok
	stack-apps start "$2" "/r/$3" "/r/$4" || r=FAIL
	c1=$(file_kb)
	say SRUN "$g" "$5" $((c1 - c0)) "$r" $(( $(date +%s) - t0 ))
	stack-apps stop "$2" "/r/$3" "/r/$4"
	for n in "$3" "$4"; do
		umount "/r/$n/proc"
		umount "/r/$n"
	done
	umount /rw
	umount_layers "$g"
}

if [ -d /stacks ]; then
	ifconfig lo 127.0.0.1 up
fi
for g in /stacks/*/; do
	[ -d "$g" ] || continue
	g=$(basename "$g")
	stack_measure "$g" without ro
	stack_measure "$g" with ro,inode_share,domain_id=s
	[ -f "/stacks/$g/apps.txt" ] || continue
	read -r app sa sb < "/stacks/$g/apps.txt"
	stack_run "$g" "$app" "$sa" "$sb" without ro
	stack_run "$g" "$app" "$sa" "$sb" with ro,inode_share,domain_id=s
done

# /forge: good.img holds /good; forged.img holds /evil, another file of
# the same size whose fingerprint was patched to good's; mkfs.img was made
# by our mkfs from a tree where /evil carried that forged xattr
if [ -d /forge ]; then
	f=/forge
	say STEP "forged fingerprint"
	mount_img $f/good.img /mnt/a ro,inode_share,domain_id=f file
	mount_img $f/forged.img /mnt/b ro,inode_share,domain_id=f file
	cat /mnt/a/good > /dev/null
	got=$(sha256sum /mnt/b/evil | cut -d' ' -f1)
	umount_img /mnt/b
	drop
	mount_img $f/forged.img /mnt/b ro file
	own=$(sha256sum /mnt/b/evil | cut -d' ' -f1)
	umount_img /mnt/b
	mount_img $f/mkfs.img /mnt/b ro,inode_share,domain_id=f file
	fixed=$(sha256sum /mnt/b/evil | cut -d' ' -f1)
	umount_img /mnt/b
	umount_img /mnt/a
	say FORGE shared "${got:--}" unshared "${own:--}" mkfs "${fixed:--}"
fi
# an ishare_xattr_prefix_id that names no long prefix must be refused
if [ -f /forge/badid.img ]; then
	if /bin/mnt /forge/badid.img /mnt/a erofs ro,inode_share,domain_id=f 2>/dev/null; then
		umount_img /mnt/a
		say BADID accepted
	else
		say BADID refused
	fi
fi
say DONE
reboot -f
