#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# erofs-utils dump.erofs options added for drop-in use: --blkid-udev
# prints the udev lines erofs-utils prints, each of which libblkid (when
# it knows EROFS) prints the same for the image; --device is refused by
# name.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work
mkdir -p "$WORK/src/d"
echo hello >"$WORK/src/d/f"
UUID=6b1d6e0a-5c1e-4d5e-9f00-0123456789ab
mkfs_img "$WORK/a.img" "$WORK/src" -L "two words"

expect="ID_FS_UUID=$UUID
ID_FS_UUID_ENC=$UUID
ID_FS_TYPE=erofs
ID_FS_USAGE=filesystem"

note "--blkid-udev: four lines, and nothing else even with -s"
dump_ok --blkid-udev "$WORK/a.img" >"$WORK/udev"
[ "$(cat "$WORK/udev")" = "$expect" ] ||
	fail "--blkid-udev printed: $(cat "$WORK/udev")"
dump_ok -s -S --blkid-udev "$WORK/a.img" >"$WORK/udev2"
cmp -s "$WORK/udev" "$WORK/udev2" || fail "--blkid-udev with -s -S differs"
[ ! -s "$WORK/dump.err" ] || fail "--blkid-udev wrote to stderr"

note "--blkid-udev with --offset, and a cleared UUID"
{ head -c 8192 /dev/zero; cat "$WORK/a.img"; } >"$WORK/off.img"
dump_ok --offset=8192 --blkid-udev "$WORK/off.img" >"$WORK/udev3"
cmp -s "$WORK/udev" "$WORK/udev3" || fail "--blkid-udev --offset differs"
mkfs_ok -U clear "$WORK/z.img" "$WORK/src"
dump_ok --blkid-udev "$WORK/z.img" | grep -qx \
	'ID_FS_UUID=00000000-0000-0000-0000-000000000000' ||
	fail "--blkid-udev: cleared UUID"

if command -v blkid >/dev/null &&
	blkid -p -o udev "$WORK/a.img" 2>/dev/null | grep -q '^ID_FS_TYPE=erofs$'
then
	note "every line is what libblkid says"
	blkid -p -o udev "$WORK/a.img" >"$WORK/blkid"
	while read -r line; do
		grep -qxF "$line" "$WORK/blkid" ||
			fail "blkid does not say '$line': $(cat "$WORK/blkid")"
	done <"$WORK/udev"
else
	note "blkid does not know erofs: compared with the expected lines only"
fi

note "--blkid-udev on a damaged image: exit 1"
cp "$WORK/a.img" "$WORK/bad.img"
printf '\0\0\0\0' | dd of="$WORK/bad.img" bs=1 seek=1024 conv=notrunc \
	status=none
dump_fails "bad.img" --blkid-udev "$WORK/bad.img"

note "--device: refused by name"
dump_fails "--device is not supported" --device="$WORK/a.img" "$WORK/a.img"
[ ! -s "$WORK/fail.out" ] || fail "--device printed something"
