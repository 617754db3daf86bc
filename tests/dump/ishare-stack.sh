#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare-report --stack: container images as overlayfs stacks of layer
# images, made from layer tars with exactly containerd's mkfs arguments.
# The layers hold whiteouts (of a file, a directory, one name of a hard
# link, nothing at all), opaque directories (the root too), shadowed
# files, a directory over a file and a file over a directory, empty
# files and duplicates; one layer is used by three stacks (once through a
# hard link to its image file: one mount), a copy of it is another mount.
# Every figure of the report equals what tests/dump/ishare_stack.py
# computes from the tars applied in order (tests/overlay_model.py); as
# root, the kernel's overlay of the mounted layers shows the same files
# with the same SHA-256 as that model.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work
STACK="$PYTHON $TESTS_DIR/dump/ishare_stack.py"
MODEL="$PYTHON $TESTS_DIR/overlay_model.py"
W=$WORK

$STACK layers "$W" || fail "cannot write the layer tars"
for l in base app1 app2 top2 top3; do
	# containerd's EROFS snapshotter, with --ishare_key in its options
	"$MKFS_EROFS" --tar=f --aufs --quiet -Enoinline_data --ishare_key \
		"$W/$l.img" <"$W/$l.tar" || fail "mkfs of layer $l failed"
done
ln "$W/base.img" "$W/base-link.img"
cp "$W/base.img" "$W/base-copy.img"

WEB1="$W/base.img,$W/app1.img"
WEB2="$W/base-link.img,$W/app2.img,$W/top2.img"
COPY="$W/base-copy.img,$W/app1.img"
BARE="$W/base.img,$W/top3.img"
ARGS=("$W/app2.img" --stack "web1=$WEB1" --stack "web2=$WEB2"
	--stack "copy=$COPY" --stack "bare=$BARE")
SPECS=("image:$W/app2.img=$W/app2.tar"
	"stack:web1=$W/base.img@$W/base.tar,$W/app1.img@$W/app1.tar"
	"stack:web2=$W/base-link.img@$W/base.tar,$W/app2.img@$W/app2.tar,$W/top2.img@$W/top2.tar"
	"stack:copy=$W/base-copy.img@$W/base.tar,$W/app1.img@$W/app1.tar"
	"stack:bare=$W/base.img@$W/base.tar,$W/top3.img@$W/top3.tar")

dump_ok --ishare-report --json "${ARGS[@]}" >"$W/r.json"
dump_ok --ishare-report "${ARGS[@]}" >"$W/r.txt"
[ ! -s "$WORK/dump.err" ] || fail "unexpected warning: $(cat "$WORK/dump.err")"
$STACK check "$W/r.json" "$W/r.txt" "${SPECS[@]}" || {
	cat "$W/r.txt"
	fail "report differs from the merged trees"
}

# a few figures spelled out by hand: base is one mount for three stacks
grep -q "\"path\": \"$W/base.img\", .*\"stacks\": 3," "$W/r.json" ||
	fail "base.img should be one layer in three stacks"
grep -q "\"path\": \"$W/base-copy.img\", .*\"stacks\": 1," "$W/r.json" ||
	fail "the copy of base.img should be a mount of its own"
# overlayfs ignores an opaque root: top3 hides only base's /dup/a
grep -q '"name": "bare", .*"files": 15, .*"hidden_files": 1,' "$W/r.json" ||
	fail "the opaque root of top3 should hide nothing in bare"

note "usage errors"
dump_fails "--stack need --ishare-report" --stack "a=$W/base.img"
dump_fails "invalid --stack" --ishare-report --stack "$W/base.img"
dump_fails "invalid --stack" --ishare-report --stack "a=$W/base.img,"
dump_fails "invalid --stack" --ishare-report --stack "=$W/base.img"
dump_fails "the same layer twice" --ishare-report \
	--stack "a=$W/base.img,$W/base-link.img"
dump_fails "given twice" --ishare-report --stack "a=$W/base.img" \
	--stack "a=$W/app1.img"
dump_fails "no-such.img" --ishare-report --stack "a=$W/no-such.img"

# the kernel's view: overlayfs of the mounted layers, as containerd
# stacks them (lowerdir lists the top layer first)
if ! is_root || ! grep -qw overlay /proc/filesystems 2>/dev/null; then
	note "no root or no overlayfs: kernel check skipped"
	exit 0
fi
need_kernel_mount
for l in base base-copy app1 app2 top2 top3; do
	mount_image "$W/$l.img" "$W/l/$l"
done
# ovl NAME LAYER...: the stack NAME of mounted layers, lowest first
ovl() {
	local name=$1

	shift
	mount_overlay "$W/o/$name" "${@/#/$W/l/}"
}
ovl web1 base app1
ovl web2 base app2 top2
ovl copy base-copy app1
ovl bare base top3
for s in web1:base,app1 web2:base,app2,top2 copy:base,app1 bare:base,top3; do
	name=${s%%:*}
	tars=$W/${s#*:}.tar
	tars=${tars//,/.tar,$W/}
	$MODEL manifest "$name=$tars" >"$W/want.$name"
	$MODEL scan "$name" "$W/o/$name" >"$W/got.$name"
	diff -u "$W/want.$name" "$W/got.$name" >&2 ||
		fail "the kernel's merged view of $name differs from the model"
	note "$name: kernel shows $(grep -c ' reg ' "$W/got.$name") files, as the model"
done
