# SPDX-License-Identifier: GPL-2.0+
# Sourced by the script tests: paths, skips, a scratch directory that is
# cleaned up whatever happens, and helpers to build, mount and compare.
#
# Exit codes follow automake: 0 pass, 77 skip, 99 hard error, else fail.

set -eu

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MKFS_EROFS:=$top_builddir/mkfs/mkfs.erofs}"
: "${PYTHON:=python3}"
: "${FAULT_SHIM:=$top_builddir/tests/shim/fault.so}"
TESTS_DIR=$top_srcdir/tests
GEN_TREE="$PYTHON $TESTS_DIR/gen_tree.py"
COMPARE="$PYTHON $TESTS_DIR/compare_tree.py"
PARSE="$PYTHON $TESTS_DIR/erofs_parse.py"
# Debian's erofs-utils 1.5, the peer we compare with: never ours
DEBIAN_FSCK=/usr/bin/fsck.erofs
. "$TESTS_DIR/build-kind.sh"

T_NAME=$(basename "$0" .sh)
WORK=
MOUNTS=
LOOPS=

skip() {
	echo "SKIP: $T_NAME: $*"
	exit 77
}

fail() {
	echo "FAIL: $T_NAME: $*" >&2
	exit 1
}

note() {
	echo "--- $*"
}

is_root() {
	[ "$(id -u)" = 0 ]
}

need_root() {
	is_root || skip "needs root"
}

# not_in_sanitizer_build [WHY]: for tests whose outcome the sanitizers
# cannot change: they build their own copy of the source (the tarball, the
# Debian package; the default WHY), or check only the suite's own Python
# and shell tooling, or a kernel in QEMU.  The sanitizer build of the
# suite would only repeat them, so they run in the other build alone.
not_in_sanitizer_build() {
	if in_sanitizer_build; then
		skip "${1:-builds its own copy of the source}: checked by the build without sanitizers"
	fi
}

need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c"
	done
}

need_mkfs() {
	[ -x "$MKFS_EROFS" ] || fail "no mkfs.erofs at $MKFS_EROFS"
}

# root, a loop device and a kernel that mounts EROFS
need_kernel_mount() {
	need_root
	need_cmd losetup mount umount
	[ -e /dev/loop-control ] || skip "no /dev/loop-control"
	grep -qw erofs /proc/filesystems 2>/dev/null ||
		modprobe erofs 2>/dev/null || true
	grep -qw erofs /proc/filesystems || skip "kernel cannot mount erofs"
	losetup -f >/dev/null 2>&1 || skip "no free loop device"
}

cleanup() {
	# a failure inside expect_fail comes here with its IFS='|'
	local IFS=$' \t\n'

	set +e
	cd /
	for m in $MOUNTS; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for l in $LOOPS; do
		losetup -d "$l" 2>/dev/null
	done
	if [ -n "$WORK" ]; then
		mountpoint -q "$WORK" && umount "$WORK"
		rm -rf "$WORK"
	fi
}

# A scratch directory; as root a private tmpfs, so that big xattrs, every
# xattr namespace and nanosecond times work whatever /tmp is.
make_work() {
	WORK=$(mktemp -d "${TMPDIR:-/tmp}/erofs-$T_NAME.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	if is_root; then
		mount -t tmpfs -o "size=${WORK_SIZE:-256m},mode=0755" tmpfs "$WORK"
	fi
}

# mount_image IMAGE DIR: read-only through a loop device
mount_image() {
	mkdir -p "$2"
	mount -t erofs -o loop,ro "$1" "$2" || fail "cannot mount $1"
	MOUNTS="$2 $MOUNTS"
}

# mount_overlay DIR LAYER...: a read-only overlayfs at DIR of the layer
# directories (mounted images), lowest first as image layers are listed
# (lowerdir= wants the top first); unmounted at exit
mount_overlay() {
	local dir=$1 lower="" l

	shift
	for l in "$@"; do
		lower="$l${lower:+:$lower}"
	done
	mkdir -p "$dir"
	mount -t overlay overlay -o "ro,lowerdir=$lower" "$dir" ||
		fail "cannot mount an overlay at $dir"
	MOUNTS="$dir $MOUNTS"
}

# attach_loop FILE: a loop device over FILE in $LOOP, detached at exit
attach_loop() {
	LOOP=$(losetup -f --show "$1") || fail "cannot attach $1"
	LOOPS="$LOOP $LOOPS"
}

umount_image() {
	umount "$1" || fail "cannot unmount $1"
	MOUNTS=$(echo " $MOUNTS " | sed "s| $1 | |")
}

# mkfs_ok ARGS...: run our mkfs, which must succeed quietly
mkfs_ok() {
	"$MKFS_EROFS" --quiet "$@" || fail "mkfs.erofs $* failed with $?"
}

# roundtrip NAME "MKFS ARGS" "COMPARE ARGS": build, mount, compare, and read
# the image with the independent parser too
roundtrip() {
	local name=$1 margs=$2 cargs=$3 img=$WORK/$1.img mnt=$WORK/mnt-$1

	note "$name: mkfs.erofs $margs"
	# shellcheck disable=SC2086
	mkfs_ok $margs "$img" "$WORK/src"
	mount_image "$img" "$mnt"
	# shellcheck disable=SC2086
	$COMPARE $cargs "$WORK/src" "$mnt" || fail "$name: mount differs"
	umount_image "$mnt"
	# shellcheck disable=SC2086
	$COMPARE --image $cargs "$WORK/src" "$img" ||
		fail "$name: parsed image differs"
	rm -f "$img"
}

sha_of() {
	sha256sum "$1" | cut -d' ' -f1
}

# state of a destination's directory: names, and the destination's hash
dest_state() {
	local dest=$1 dir

	dir=$(dirname "$dest")
	if [ -d "$dir" ]; then
		ls -A "$dir" | LC_ALL=C sort
	else
		echo "(no directory $dir)"
	fi
	# a device, FIFO or directory by its type: reading a FIFO would block
	if [ -f "$dest" ] || [ -b "$dest" ]; then
		sha_of "$dest"
	else
		stat -c '%F %t:%T' "$dest" 2>/dev/null || echo "(no $dest)"
	fi
}

# expect_fail DEST 'WORD|WORD...' [--] COMMAND ARGS...
#
# COMMAND (mkfs.erofs, maybe behind env or setpriv) must exit 1 with exactly
# one error line on stderr (a usage error may add the "Try ... --help"
# hint) containing every WORD, and leave DEST's directory as it was: no new
# file there, an existing DEST byte-identical.
expect_fail() {
	local dest=$1 words=$2 before after rc=0 line w

	shift 2
	[ "$1" != -- ] || shift
	before=$(dest_state "$dest")
	"$@" >"$WORK/fail.out" 2>"$WORK/fail.err" || rc=$?
	after=$(dest_state "$dest")
	grep -v "^Try '.*--help' for more information\.$" "$WORK/fail.err" \
		>"$WORK/fail.lines" || true
	line=$(head -n1 "$WORK/fail.lines")
	note "exit $rc: $line"
	[ "$rc" = 1 ] || fail "exit status $rc, want 1: $(cat "$WORK/fail.err")"
	[ "$(wc -l <"$WORK/fail.lines")" = 1 ] ||
		fail "want one error line, got: $(cat "$WORK/fail.err")"
	case $line in
	*mkfs.erofs:*) ;;
	*) fail "error line does not name the program: $line" ;;
	esac
	local IFS='|'
	for w in $words; do
		case $line in
		*"$w"*) ;;
		*) fail "no '$w' in the error line: $line" ;;
		esac
	done
	[ "$before" = "$after" ] ||
		fail "destination changed: before [$before] after [$after]"
}

# existing_dest DIR: a directory holding a file the tests must not touch
existing_dest() {
	mkdir -p "$1"
	head -c 10000 /dev/urandom >"$1/existing.img"
	echo "$1/existing.img"
}

# copy_source DEST: the files of the git tree (tracked, and new ones not
# ignored) as the work tree has them, without build directories; lists
# them, sorted, in DEST.files.  Skips outside a git checkout (a tarball)
# and inside a package build, which must not build itself again.
copy_source() {
	need_cmd git tar
	[ -z "${EROFS_TOOLS_PACKAGE_BUILD:-}" ] ||
		skip "inside a package build (debian/rules)"
	git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 ||
		skip "$top_srcdir is not a git checkout"
	git -C "$top_srcdir" ls-files -z --cached --others --exclude-standard |
		(cd "$top_srcdir" &&
		 xargs -0 sh -c 'for f; do [ -e "$f" ] && echo "$f"; done' _) |
		sort >"$1.files"
	mkdir -p "$1"
	tar -C "$top_srcdir" -cf - -T "$1.files" | tar -C "$1" -xf -
}
