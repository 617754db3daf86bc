#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The Debian package (debian/): dpkg-buildpackage -us -uc -b on a copy of
# the tree (DEB_BUILD_OPTIONS=nocheck: the suite running this is the
# check), lintian without errors, the package's relations and contents,
# then an install into a throwaway dpkg root (dpkg --root), where each
# tool's --version, a small mkfs and an fsck of it run.  The machine's own
# erofs-utils, which other tests use as a peer, must stay as it was.
# Skips without dpkg-buildpackage and debhelper; outside a git checkout.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
not_in_sanitizer_build
need_cmd dpkg dpkg-deb dpkg-buildpackage dh dpkg-checkbuilddeps
WORK_SIZE=1g make_work
unset MAKEFLAGS MFLAGS MAKELEVEL
copy_source "$WORK/src"
cd "$WORK/src"
dpkg-checkbuilddeps >"$WORK/bdeps" 2>&1 ||
	skip "missing build dependencies: $(cat "$WORK/bdeps")"

peer_state() {
	dpkg-query -W -f='${Status} ${Version}\n' erofs-utils 2>&1 || true
	sha256sum /usr/bin/mkfs.erofs /usr/bin/fsck.erofs \
		/usr/bin/dump.erofs 2>&1 || true
}
peer_state >"$WORK/peer.before"

version=$(dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
start=$(date +%s)
DEB_BUILD_OPTIONS="nocheck parallel=2" nice dpkg-buildpackage -us -uc -b \
	>"$WORK/build.log" 2>&1 ||
	{ tail -30 "$WORK/build.log"; fail "dpkg-buildpackage failed"; }
deb=$WORK/erofs-tools_${version}_$arch.deb
[ -f "$deb" ] || fail "no $deb"
note "built $(basename "$deb") in $(($(date +%s) - start)) s"

if command -v lintian >/dev/null; then
	lintian --fail-on error "$WORK/erofs-tools_${version}_$arch.changes" \
		>"$WORK/lintian" 2>&1 ||
		{ cat "$WORK/lintian"; fail "lintian reports errors"; }
	note "lintian: $(grep -c '^E:' "$WORK/lintian") errors," \
		"$(grep -c '^W:' "$WORK/lintian") warnings"
else
	note "lintian not installed: not run"
fi

# relations: shared libraries from shlibs, Debian's erofs-utils replaced
field() { dpkg-deb -f "$deb" "$1"; }
for lib in libc6 liblz4-1 liblzma5 libzstd1 libuuid1 libssl3 libxxhash0 \
	   zlib1g libselinux1; do
	field Depends | grep -q "\b$lib\b" || fail "Depends lacks $lib: $(field Depends)"
done
[ "$(field Conflicts)" = erofs-utils ] && [ "$(field Replaces)" = erofs-utils ] ||
	fail "Conflicts/Replaces: '$(field Conflicts)' / '$(field Replaces)'"

# contents: the tools, their man pages, the completion, the docs
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$WORK/contents"
for f in /usr/bin/mkfs.erofs /usr/bin/fsck.erofs /usr/bin/dump.erofs \
	 /usr/share/man/man1/mkfs.erofs.1.gz /usr/share/man/man8/fsck.erofs.8.gz \
	 /usr/share/man/man1/dump.erofs.1.gz \
	 /usr/share/bash-completion/completions/mkfs.erofs \
	 /usr/share/bash-completion/completions/fsck.erofs \
	 /usr/share/bash-completion/completions/dump.erofs \
	 /usr/share/doc/erofs-tools/copyright \
	 /usr/share/doc/erofs-tools/README.md.gz \
	 /usr/share/doc/erofs-tools/changelog.gz; do
	grep -qxF "$f" "$WORK/contents" || fail "$f not in the package"
done

# install into a throwaway root: its own dpkg database, none of the host's
root=$WORK/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
# the dependencies are the host's libraries, not packages of this root
dpkg --root="$root" --force-depends --force-script-chrootless \
	--log=/dev/null -i "$deb" >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; fail "dpkg --root -i failed"; }
dpkg --root="$root" -s erofs-tools | grep -q '^Status: install ok installed' ||
	fail "not installed in $root"
for t in mkfs.erofs fsck.erofs dump.erofs; do
	"$root/usr/bin/$t" --version | head -n1 |
		grep -qxF "$t (erofs-tools) $version" ||
		fail "$root/usr/bin/$t --version: $("$root/usr/bin/$t" --version)"
done
mkdir -p "$WORK/tree/dir"
echo hello >"$WORK/tree/dir/file"
head -c 100000 /dev/urandom >"$WORK/tree/random"
"$root/usr/bin/mkfs.erofs" --quiet -zlz4hc --ishare_key "$WORK/t.img" \
	"$WORK/tree" || fail "installed mkfs.erofs failed"
"$root/usr/bin/fsck.erofs" "$WORK/t.img" >"$WORK/fsck.log" 2>&1 ||
	{ cat "$WORK/fsck.log"; fail "installed fsck.erofs failed"; }
"$root/usr/bin/dump.erofs" -s "$WORK/t.img" >/dev/null ||
	fail "installed dump.erofs failed"
note "installed in a throwaway root: --version, mkfs, fsck and dump run"

peer_state >"$WORK/peer.after"
cmp -s "$WORK/peer.before" "$WORK/peer.after" ||
	fail "the machine's erofs-utils changed: $(diff "$WORK/peer.before" "$WORK/peer.after")"
