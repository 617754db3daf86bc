#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# --file-contexts and --mount-point: every path of the mounted image has
# the security.selinux label the file_contexts rules give it (last match
# wins, exact paths over regexes, file types, <<none>>, .local, .subs and
# .subs_dist files), the source's own label is replaced, and Debian's
# mkfs.erofs 1.5 labels the same tree the same way (both use libselinux).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
need_kernel_mount
need_cmd getfattr setfattr
make_work
S=$WORK/src
mkdir -p "$S/usr/bin" "$S/usr/lib/sub" "$S/etc" "$S/var/run" "$S/home/u" \
	"$S/opt/tool" "$S/srv"
for f in usr/bin/sh usr/lib/libc.so usr/lib/sub/x etc/passwd etc/shadow \
	var/run/pid home/u/.bashrc top opt/tool/run srv/data; do
	echo "$f" >"$S/$f"
done
ln -s sh "$S/usr/bin/bash"
ln -s /x "$S/etc/link"
mkfifo "$S/var/run/fifo"
# a label in the source that the rules must replace, or drop (<<none>>)
setfattr -n security.selinux -v system_u:object_r:old_t:s0 "$S/etc/passwd"
setfattr -n security.selinux -v system_u:object_r:old_t:s0 "$S/var/run/pid"
setfattr -n user.keep -v yes "$S/etc/passwd"
FC=$WORK/fc/file_contexts
mkdir -p "$WORK/fc"
cat >"$FC" <<'EOF'
# comment, then a blank line

/.*			system_u:object_r:default_t:s0
/			system_u:object_r:root_t:s0
/usr(/.*)?		system_u:object_r:usr_t:s0
/usr/bin(/.*)?		system_u:object_r:bin_t:s0
/usr/bin/bash	-l	system_u:object_r:shell_link_t:s0
/usr/lib/.*\.so	--	system_u:object_r:lib_t:s0
/usr/lib/sub(/.*)?	-d	system_u:object_r:libdir_t:s0
/etc/passwd		system_u:object_r:passwd_t:s0
/etc/.*			system_u:object_r:etc_t:s0
/var/run/.*	-p	system_u:object_r:fifo_t:s0
/var/run/pid		<<none>>
/home/[^/]+(/.*)?	system_u:object_r:home_t:s0
/top			system_u:object_r:top_t:s0
EOF
echo '/srv(/.*)?	system_u:object_r:local_t:s0' >"$FC.local"
echo '/opt /usr/lib' >"$FC.subs_dist"

# labels MNT: "path label" for every path, "-" for none
labels() {
	(cd "$1" && find . | LC_ALL=C sort | while read -r p; do
		printf '%s %s\n' "$p" "$(getfattr -h --only-values \
			-n security.selinux "$p" 2>/dev/null || echo -)"
	done)
}

mkfs_ok --file-contexts="$FC" "$WORK/a.img" "$S"
mount_image "$WORK/a.img" "$WORK/mnt"
labels "$WORK/mnt" >"$WORK/got"
[ "$(getfattr -h --absolute-names --only-values -n user.keep \
	"$WORK/mnt/etc/passwd")" = yes ] ||
	fail "other xattrs of a labelled file were lost"
umount_image "$WORK/mnt"
cat >"$WORK/want" <<'EOF'
. system_u:object_r:root_t:s0
./etc system_u:object_r:default_t:s0
./etc/link system_u:object_r:etc_t:s0
./etc/passwd system_u:object_r:passwd_t:s0
./etc/shadow system_u:object_r:etc_t:s0
./home system_u:object_r:default_t:s0
./home/u system_u:object_r:home_t:s0
./home/u/.bashrc system_u:object_r:home_t:s0
./opt system_u:object_r:usr_t:s0
./opt/tool system_u:object_r:usr_t:s0
./opt/tool/run system_u:object_r:usr_t:s0
./srv system_u:object_r:local_t:s0
./srv/data system_u:object_r:local_t:s0
./top system_u:object_r:top_t:s0
./usr system_u:object_r:usr_t:s0
./usr/bin system_u:object_r:bin_t:s0
./usr/bin/bash system_u:object_r:shell_link_t:s0
./usr/bin/sh system_u:object_r:bin_t:s0
./usr/lib system_u:object_r:usr_t:s0
./usr/lib/libc.so system_u:object_r:lib_t:s0
./usr/lib/sub system_u:object_r:libdir_t:s0
./usr/lib/sub/x system_u:object_r:usr_t:s0
./var system_u:object_r:default_t:s0
./var/run system_u:object_r:default_t:s0
./var/run/fifo system_u:object_r:fifo_t:s0
./var/run/pid -
EOF
diff -u "$WORK/want" "$WORK/got" || fail "labels differ from the rules"
note "--file-contexts: $(wc -l <"$WORK/got") paths labelled as the rules say"

if [ -x /usr/bin/mkfs.erofs ] &&
	/usr/bin/mkfs.erofs --help 2>&1 | grep -q -- --file-contexts; then
	/usr/bin/mkfs.erofs --file-contexts="$FC" "$WORK/deb.img" "$S" \
		>/dev/null 2>&1 || fail "Debian's mkfs.erofs failed"
	mount_image "$WORK/deb.img" "$WORK/mnt-deb"
	labels "$WORK/mnt-deb" >"$WORK/deb"
	umount_image "$WORK/mnt-deb"
	diff -u "$WORK/deb" "$WORK/got" ||
		fail "labels differ from Debian's mkfs.erofs (libselinux)"
	note "Debian's mkfs.erofs 1.5 gives the same labels"
fi

note "--mount-point prefixes every path looked up"
cat >"$WORK/fc2" <<'EOF'
/system(/.*)?		u:object_r:system_file:s0
/system/usr/bin(/.*)?	u:object_r:exec_file:s0
/usr(/.*)?		u:object_r:wrong:s0
EOF
mkfs_ok --file-contexts="$WORK/fc2" --mount-point=/system/ "$WORK/b.img" "$S"
mount_image "$WORK/b.img" "$WORK/mnt-b"
labels "$WORK/mnt-b" >"$WORK/got2"
umount_image "$WORK/mnt-b"
grep -q '^\. u:object_r:system_file:s0$' "$WORK/got2" &&
grep -q '^\./usr/bin/sh u:object_r:exec_file:s0$' "$WORK/got2" &&
grep -q '^\./usr/lib u:object_r:system_file:s0$' "$WORK/got2" &&
! grep -q -e wrong -e ' -$' "$WORK/got2" ||
	fail "--mount-point: $(cat "$WORK/got2")"

note "-x -1 drops labels too; a bad file fails in one line"
mkfs_ok -x -1 --file-contexts="$FC" "$WORK/c.img" "$S"
mount_image "$WORK/c.img" "$WORK/mnt-c"
[ "$(labels "$WORK/mnt-c" | grep -vc ' -$')" = 0 ] || fail "-x -1 kept labels"
umount_image "$WORK/mnt-c"
dest=$(existing_dest "$WORK/out")
printf '/usr(  system_u:object_r:x:s0\n' >"$WORK/badre"
# libselinux compiles a regex when a lookup first needs it: no line then
expect_fail "$dest" "badre|regular expression" "$MKFS_EROFS" \
	--file-contexts="$WORK/badre" "$dest" "$S"
printf '/usr -x system_u:object_r:x:s0\n' >"$WORK/badtype"
expect_fail "$dest" "badtype|line 1|invalid file type" "$MKFS_EROFS" \
	--file-contexts="$WORK/badtype" "$dest" "$S"
printf '\n/usr\n' >"$WORK/short"
expect_fail "$dest" "short|line 2|missing fields" "$MKFS_EROFS" \
	--file-contexts="$WORK/short" "$dest" "$S"
expect_fail "$dest" "nonexistent" "$MKFS_EROFS" \
	--file-contexts="$WORK/nonexistent" "$dest" "$S"
