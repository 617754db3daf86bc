#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The comparer must see every kind of difference: two generations of the
# tree compare equal, then one change at a time (content, mode, mtime by
# one nanosecond, an xattr, an ACL, a name, a symlink target, a hard link,
# an owner, a device number) must make it fail and name the path and field.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
not_in_sanitizer_build "checks the comparer, not the tools"
need_cmd setfacl setfattr
make_work
$GEN_TREE --no-big "$WORK/a" 2>/dev/null

$GEN_TREE --no-big --order=reverse "$WORK/b" 2>/dev/null
$COMPARE "$WORK/a" "$WORK/b" || fail "two generations of the tree differ"

# changed 'EXPECTED OUTPUT' 'SHELL COMMANDS run in the copy'
changed() {
	local expect=$1 cmd=$2

	rm -rf "$WORK/b"
	$GEN_TREE --no-big "$WORK/b" 2>/dev/null
	(cd "$WORK/b" && eval "$cmd") || fail "cannot apply: $cmd"
	if $COMPARE "$WORK/a" "$WORK/b" >"$WORK/out" 2>&1; then
		fail "not noticed: $cmd"
	fi
	grep -qF -- "$expect" "$WORK/out" ||
		fail "'$cmd': no '$expect' in: $(cat "$WORK/out")"
	note "$cmd: $(grep -F -- "$expect" "$WORK/out" | head -n1)"
}

keep_time() {	# keep_time FILE COMMAND...: change FILE, keep its mtime
	local f=$1 t

	shift
	t=$(stat -c %y "$f")
	"$@"
	touch -h -d "$t" "$f"
}

flip() {	# flip FILE: change one byte in the middle
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 1; open(p, "wb").write(b)' "$1"
}

changed "sizes/s004096: sha256" 'keep_time sizes/s004096 flip sizes/s004096'
changed "sizes/s004097: size" 'keep_time sizes/s004097 truncate -s 4096 sizes/s004097'
changed "sizes/s000513: mode" 'chmod 0640 sizes/s000513'
changed "dirs/sub1: mode" 'chmod -t dirs/sub1'
changed "names/A: mtime_ns" \
	'python3 -c "import os; s=os.stat(\"names/A\"); os.utime(\"names/A\", ns=(s.st_atime_ns, s.st_mtime_ns + 1))"'
changed "xattrs/shared3: xattr user.shared" \
	'setfattr -n user.shared -v other xattrs/shared3'
changed "xattrs/many: xattr user.attr07" 'setfattr -x user.attr07 xattrs/many'
changed "xattrs/many: xattr user.new" 'setfattr -n user.new -v 1 xattrs/many'
changed "xattrs/acl: xattr system.posix_acl_access" \
	'setfacl -m u:1234:r-- xattrs/acl'
changed "xattrs/acl-dir: xattr system.posix_acl_default" \
	'setfacl -k xattrs/acl-dir'
changed "names/new: not in the source" 'touch names/new'
changed "names/a0: missing in the image" 'rm names/a0'
changed "special/l: target" 'ln -sfn y special/l'
changed "special/fifo: mode" 'rm special/fifo && touch special/fifo'
changed "links/b/third: hard links" \
	'cp -a links/orig t && mv t links/b/third'
changed "links/orig: nlink" 'rm links/a/other-dir'
if is_root; then
	changed "sizes/s000511: uid" 'chown -h 1 sizes/s000511'
	changed "sizes/s004095: gid" 'chgrp -h 2 sizes/s004095'
	changed "special/null: rdev" \
		'rm special/null && mknod special/null c 1 5'
	changed "xattrs/many: xattr trusted.overlay.opaque" \
		'setfattr -n trusted.overlay.opaque -v n xattrs/many'
fi
