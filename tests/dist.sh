#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The release tarball: it holds every file of the git tree but .ci/ and
# .gitignore; `make dist` gives the same bytes twice for one
# SOURCE_DATE_EPOCH, whatever the files' own times; and `make distcheck`
# (build out of tree from the tarball, with its source read-only, then
# install, uninstall, distclean) passes with DISTCHECK_TESTS, tests that
# read the tarball's fixtures, man pages, completion and scripts.  Plain
# `make distcheck` runs the whole suite instead.  Works on a copy of the
# source tree, so the build tree running this is left alone; skipped
# outside a git checkout (a tarball's own test run) or without autoreconf.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
not_in_sanitizer_build
need_cmd autoreconf make tar gzip
WORK_SIZE=1g make_work
: "${DISTCHECK_TESTS:=tests/version.sh tests/completion.sh \
tests/man-options.sh tests/fsck/fixtures.sh tests/mkfs/roundtrip-4k.sh \
tests/unit/crc32c_test}"
# not the outer make's jobs, flags or TESTS
unset MAKEFLAGS MFLAGS MAKELEVEL
copy_source "$WORK/src"
cd "$WORK/src"
./autogen.sh >"$WORK/autogen.log" 2>&1 || { cat "$WORK/autogen.log"; fail "autogen.sh"; }
mkdir build && cd build
../configure >"$WORK/configure.log" 2>&1 ||
	{ tail "$WORK/configure.log"; fail "configure"; }
grep -q '^am__tar = .*--sort=name' Makefile ||
	skip "tar cannot make reproducible archives (needs GNU tar 1.28)"

# the same bytes twice, the files' times changed in between
export SOURCE_DATE_EPOCH=1700000000
make dist >"$WORK/dist.log" 2>&1 || { tail "$WORK/dist.log"; fail "make dist"; }
tarball=$(ls erofs-tools-*.tar.gz)
mv "$tarball" "$WORK/first.tar.gz"
find .. -path ../build -prune -o -type f -exec touch -d @1600000000 {} +
make dist >"$WORK/dist.log" 2>&1 || { tail "$WORK/dist.log"; fail "make dist"; }
cmp -s "$tarball" "$WORK/first.tar.gz" ||
	fail "two make dist with SOURCE_DATE_EPOCH differ"
note "$tarball: $(sha256sum <"$tarball" | cut -c1-16), twice"

# every file of the tree is in it
tar -tzf "$tarball" | sed -n "s|^${tarball%.tar.gz}/||p" | sort >"$WORK/members"
missing=$(grep -v -e '^\.ci/' -e '^\.gitignore$' "$WORK/src.files" |
	comm -23 - "$WORK/members")
[ -z "$missing" ] || fail "not in $tarball:" $missing
[ -z "$(tar -tvzf "$tarball" | grep -v ' 0/0 ')" ] ||
	fail "members not owned by 0/0"
note "$(wc -l <"$WORK/members") members, every file of the tree"

# build, test, install and clean up from the tarball
unset SOURCE_DATE_EPOCH
nice make -j2 distcheck TESTS="$DISTCHECK_TESTS" >"$WORK/distcheck.log" 2>&1 ||
	{ grep -E '^(FAIL|ERROR)|rror' "$WORK/distcheck.log" | head -20
	  tail -20 "$WORK/distcheck.log"; fail "make distcheck"; }
grep -q "archives ready for distribution" "$WORK/distcheck.log" ||
	fail "make distcheck did not finish"
note "make distcheck: $(grep -c '^PASS:' "$WORK/distcheck.log") tests passed" \
	"from the tarball"
