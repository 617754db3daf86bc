#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Help and man page agree: every option that a built tool's --help shows
# (long ones like --workers, short ones like -b) appears in its man page.
# Tools without a man page yet, or not built, are skipped.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
make_work
checked=0

# the man source as plain text: \- is -, font escapes gone
man_text() {
	sed -e '/^\.\\"/d' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\(em/--/g' "$1"
}

for tool in mkfs/mkfs.erofs fsck/fsck.erofs dump/dump.erofs; do
	bin=$top_builddir/$tool
	name=$(basename "$tool")
	man=$(ls "$top_srcdir/man/$name".[1-8] 2>/dev/null | head -n1)
	if [ ! -x "$bin" ]; then
		note "$name: not built, skipped"
		continue
	fi
	if [ -z "$man" ]; then
		note "$name: no man page yet, skipped"
		continue
	fi
	# --[no-]opt stands for --opt and --no-opt
	"$bin" --help 2>&1 |
		sed 's/--\[no-\]\([a-zA-Z0-9_-]*\)/--\1 --no-\1/g' >"$WORK/help" ||
		fail "$name --help failed"
	man_text "$man" | sed 's/--\[no-\]\([a-zA-Z0-9_-]*\)/--\1 --no-\1/g' \
		>"$WORK/man"
	longs=$(grep -o -- '--[a-zA-Z][a-zA-Z0-9_-]*' "$WORK/help" | sort -u)
	# short options: those in the option column of lines that start one
	shorts=$(sed -n 's/^ \{1,6\}\(-[^ ].*\)/\1/p' "$WORK/help" |
		sed 's/   .*//' | grep -o -- '\(^\|[ ,]\)-[a-zA-Z0-9]\b' |
		tr -d ' ,' | sort -u)
	[ -n "$longs" ] || fail "$name --help shows no long option"
	missing=
	for opt in $longs $shorts; do
		# the option as a word of its own: not the start of a longer one
		grep -q -- "\(^\|[^a-zA-Z0-9_-]\)$opt\([^a-zA-Z0-9_-]\|$\)" \
			"$WORK/man" || missing="$missing $opt"
	done
	[ -z "$missing" ] || fail "$name: not in $man:$missing"
	note "$name: $(echo $longs $shorts | wc -w) options, all in the man page"
	checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || skip "no built tool has a man page"
