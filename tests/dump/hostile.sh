#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Hostile images (issue 15): names from the image never reach the terminal
# raw (ESC, control characters and newlines are escaped in --ls, --path's
# output and the text of --ishare-report).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work

note "names with ESC, control characters and newlines are escaped"
mkdir -p "$WORK/src"
evil=$'red\e[31mX\nfake line\x01\x7f'
echo shared >"$WORK/src/$evil"
echo shared >"$WORK/src/plain"
ln -s "$evil" "$WORK/src/lnk"
mkfs_img "$WORK/n.img" "$WORK/src" --ishare_key
dump_ok --ls --path=/ "$WORK/n.img" >"$WORK/ls.out"
dump_ok --path="/$evil" "$WORK/n.img" >"$WORK/path.out"
dump_ok --path=/lnk "$WORK/n.img" >"$WORK/lnk.out"
dump_ok --ishare-report "$WORK/n.img" "$WORK/n.img" >"$WORK/rep.out"
for o in ls path lnk rep; do
	if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$WORK/$o.out"; then
		fail "$o: a control character reached the output"
	fi
	if grep -q '^fake line' "$WORK/$o.out"; then
		fail "$o: a name split a line"
	fi
	grep -qF 'red\x1b[31mX\x0afake line\x01\x7f' "$WORK/$o.out" ||
		fail "$o: the escaped name is missing: $(cat "$WORK/$o.out")"
done
echo "ok: names escaped"
