#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --ishare_key on compressed images: every non-empty regular file carries
# the SHA-256 of its uncompressed content, the same value as in the
# uncompressed build, whether the file ended up compressed or not.
. "$(dirname "$0")/common.sh"
need_kernel_mount
command -v getfattr >/dev/null || skip "needs getfattr"
setup

NAME=trusted.erofs.fingerprint
gen_tree "$WORK/src" --small

# path and fingerprint (hex) of every regular file on a mounted image
fingerprints() {
	(cd "$MNT" && find . -type f -size +0 -print0 | sort -z |
	 xargs -0 -r getfattr -h -e hex -n "$NAME" --absolute-names |
	 grep -v '^$')
}

mkfs --ishare_key "$WORK/plain.img" "$WORK/src" || fail "mkfs plain"
mount -o loop,ro "$WORK/plain.img" "$MNT" || fail "plain image does not mount"
fingerprints >"$WORK/plain.fp"
umount "$MNT"
# the plain build's values are the files' digests
(cd "$WORK/src" && find . -type f -size +0 -print0 | sort -z |
 xargs -0 sha256sum) | while read -r sum path; do
	want="0x$(printf sha256: | od -An -tx1 | tr -d ' \n')$sum"
	grep -A1 -F "# file: $path" "$WORK/plain.fp" | grep -qF "$NAME=$want" ||
		fail "$path: fingerprint is not sha256:$sum"
done

for opts in "-zlz4hc" "-zlz4 -C16384" "-zlzma -C65536" "-zzstd,5" \
	    "-zlz4hc -Eztailpacking" "-zlz4hc -Efragments" \
	    "-zzstd -Eall-fragments -C16384" \
	    "-zzstd -C131072 -Efragments,dedupe"; do
	# shellcheck disable=SC2086
	mkfs --ishare_key $opts "$WORK/z.img" "$WORK/src" || fail "mkfs $opts"
	roundtrip "$WORK/z.img" "$WORK/src"
	mount -o loop,ro "$WORK/z.img" "$MNT" || fail "$opts: does not mount"
	fingerprints >"$WORK/z.fp"
	umount "$MNT"
	diff "$WORK/plain.fp" "$WORK/z.fp" >&2 ||
		fail "$opts: fingerprints differ from the uncompressed build"
done
echo "PASS: $T_NAME"
