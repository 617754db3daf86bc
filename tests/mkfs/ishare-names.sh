#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Fingerprint NAMEs the format cannot hold, or that collide with another
# prefix: one error line naming the NAME, exit 1, destination untouched.
# And the NAMEs that must work.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
make_work
mkdir -p "$WORK/src"
echo data >"$WORK/src/f"
dest=$(existing_dest "$WORK/out")
long=trusted.$(printf 'n%.0s' $(seq 256))

bad() {
	local words=$1

	shift
	expect_fail "$dest" "$words" "$MKFS_EROFS" "$@" "$dest" "$WORK/src"
}

bad "''|empty" --ishare_key=
bad "''|empty" --xattr-inode-digest=
bad "trusted.|nothing after" --ishare_key=trusted.
bad "user.|nothing after" --ishare_key=user.
# control bytes show as '?', so that the message stays one line
bad "trusted.a?b|control" --ishare_key=$'trusted.a\001b'
bad "trusted.a?b|control" --ishare_key=$'trusted.a\nb'
bad "trusted.a b|space" --ishare_key='trusted.a b'
bad "trusted.a?'|control" --ishare_key=$'trusted.a\177'
bad "system.posix_acl_access|ACL" --ishare_key=system.posix_acl_access
bad "$long|255" --ishare_key="$long"
bad "trusted.x|already" --xattr-prefix=trusted.x --ishare_key=trusted.x
bad "trusted.x|already" --ishare_key=trusted.x --xattr-prefix=trusted.x
bad "user.p|already" --xattr-prefix=user.p --xattr-inode-digest=user.p
bad "trusted.b|one fingerprint" --ishare_key=trusted.a \
	--xattr-inode-digest=trusted.b
bad "erofs.fingerprint.v1|one fingerprint" --ishare_key \
	--xattr-inode-digest

note "NAMEs that work"
for name in trusted.a user.fp security.fp erofs.fp x "$(printf 'é%.0s' \
	$(seq 100))" "trusted.$(printf 'n%.0s' $(seq 255))"; do
	mkfs_ok --ishare_key="$name" "$WORK/ok.img" "$WORK/src"
	$PARSE check-ishare "$WORK/ok.img" "$WORK/src" --name "$name" ||
		fail "$name: fingerprints"
done
