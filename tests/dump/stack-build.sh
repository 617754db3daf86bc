#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# tests/stack_build.py, the host side of running container images as
# layer stacks (as the QEMU stack mode will): from layer tars and a layer
# directory it builds one image per distinct layer with containerd's mkfs
# arguments, stacks.txt, each stack's expected files (NAME.sha256,
# NAME.manifest) and the report's prediction, checked against the merged
# trees.  As root, the harness's steps done here on the host: mount every
# layer once, an overlay per line of stacks.txt, and every file of each
# view must match NAME.sha256, and nothing else be there.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work
W=$WORK
export MKFS_EROFS DUMP_EROFS PYTHON

$PYTHON "$TESTS_DIR/dump/ishare_stack.py" layers "$W" ||
	fail "cannot write the layer tars"
# a layer given as a directory, with aufs whiteouts as plain files
mkdir -p "$W/dirlayer/etc" "$W/dirlayer/usr/lib"
echo dir-passwd >"$W/dirlayer/etc/passwd"
: >"$W/dirlayer/usr/lib/.wh.libz.so"
: >"$W/dirlayer/etc/.wh..wh..opq"
$PYTHON "$TESTS_DIR/stack_build.py" "$W/out" "web1=$W/base.tar,$W/app1.tar" \
	"dirs=$W/base.tar,$W/dirlayer" ||
	fail "stack_build.py failed"

O=$W/out
printf 'web1 L0.img L1.img\ndirs L0.img L2.img\n' >"$W/want.stacks"
cmp -s "$W/want.stacks" "$O/stacks.txt" ||
	fail "stacks.txt: $(cat "$O/stacks.txt")"
for f in layers/L0.img layers/L1.img layers/L2.img layers/L2.tar \
	web1.sha256 web1.manifest dirs.sha256 dirs.manifest report.json \
	report.txt; do
	[ -s "$O/$f" ] || fail "no $f"
done
[ ! -e "$O/layers/L0.tar" ] || fail "a layer tar was copied"
grep -q '"name": "dirs", .*"hidden_files": 5,' "$O/report.json" ||
	fail "dirs should hide base's /etc files and libz.so: $(grep '"dirs"' "$O/report.json")"
grep -q ' \./usr/lib/libz\.so$' "$O/dirs.sha256" &&
	fail "the directory layer's whiteout did not apply"
grep -q ' \./etc/passwd$' "$O/dirs.sha256" ||
	fail "the directory layer's /etc/passwd is missing"
note "$(wc -l <"$O/web1.sha256") and $(wc -l <"$O/dirs.sha256") files expected"

if ! is_root || ! grep -qw overlay /proc/filesystems 2>/dev/null; then
	note "no root or no overlayfs: mount check skipped"
	exit 0
fi
need_kernel_mount
for img in "$O"/layers/*.img; do
	mount_image "$img" "$W/l/$(basename "$img" .img)"
done
while read -r name layers; do
	dirs=()
	for l in $layers; do
		dirs+=("$W/l/${l%.img}")
	done
	mount_overlay "$W/o/$name" "${dirs[@]}"
	(cd "$W/o/$name" && sha256sum -c --quiet "$O/$name.sha256") ||
		fail "$name: a file differs from $name.sha256"
	got=$(cd "$W/o/$name" && find . -type f | wc -l)
	[ "$got" = "$(wc -l <"$O/$name.sha256")" ] ||
		fail "$name: the overlay shows $got files"
	$PYTHON "$TESTS_DIR/overlay_model.py" scan "$name" "$W/o/$name" |
		diff -u "$O/$name.manifest" - >&2 ||
		fail "$name: the overlay differs from $name.manifest"
	note "$name: $got files, as expected"
done <"$O/stacks.txt"
