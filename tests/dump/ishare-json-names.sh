#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Names that are UTF-8, not UTF-8, or hold control characters, C1
# controls, a bidirectional override and JSON's own quote and backslash.
# --ishare-report --json: the output is valid UTF-8 JSON, UTF-8 names
# appear as themselves (not as one escape per byte), and every member
# decodes back to the exact bytes of its source name with Python's
# surrogateescape, so no two names print alike.  The text report and
# --ls: UTF-8 names as themselves, everything else that could drive the
# terminal or reorder the line as \xNN.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/dump/common.sh"
need_dump
make_work

mkdir "$WORK/a"
$PYTHON - "$WORK/a" <<'PY'
import os, sys
names = [b"caf\xc3\xa9.txt", "日本語".encode(), "\U0001f600".encode(),
         b"latin1-\xe9", b"latin1-\xc3", b"cut-\xe6\x97", b"ctl-\x1b[31m\x7f",
         b"surrogate-\xed\xa0\x80", b"above-\xf4\x90\x80\x80",
         b"overlong-\xc0\xaf", b'quote"back\\slash', b"c1-\xc2\x9b",
         b"bidi-\xe2\x80\xae"]
for i, n in enumerate(names):
    with open(os.path.join(sys.argv[1].encode(), n), "wb") as f:
        f.write(bytes([65 + i]) * (100 + i))
PY
cp -a "$WORK/a" "$WORK/b"
mkfs_img "$WORK/a.img" "$WORK/a" --ishare_key
mkfs_img "$WORK/b.img" "$WORK/b" --ishare_key
dump_ok --ishare-report --json --top=100 "$WORK/a.img" "$WORK/b.img" \
	>"$WORK/r.json"

$PYTHON - "$WORK" <<'PY' || fail "JSON names do not round-trip"
import json, os, sys
work = sys.argv[1]
raw = open(os.path.join(work, "r.json"), "rb").read()
text = raw.decode("utf-8")          # strict: the output is valid UTF-8
rep = json.loads(text)
want = sorted(os.listdir(os.path.join(work, "a").encode()))
for img in ("a.img", "b.img"):
    got = []
    for g in rep["groups"]:
        for m in g["members"]:
            b = m.encode("utf-8", "surrogateescape")
            prefix = os.path.join(work, img).encode() + b":/"
            if b.startswith(prefix):
                got.append(b[len(prefix):])
    if sorted(got) != want:
        sys.exit("%s: members %r, want %r" % (img, sorted(got), want))
for n in ("café.txt", "日本語", "\U0001f600"):
    if ('/%s"' % n).encode() not in raw:
        sys.exit("UTF-8 name %r is not printed as itself" % n)
PY

dump_ok --ishare-report --top=100 "$WORK/a.img" "$WORK/b.img" >"$WORK/r.txt"
dump_ok --ls --path / "$WORK/a.img" >"$WORK/ls.txt"
for f in "$WORK/r.txt" "$WORK/ls.txt"; do
	for want in 'café.txt' '日本語' '😀' 'latin1-\xe9' 'cut-\xe6\x97' \
		'ctl-\x1b[31m\x7f' 'c1-\xc2\x9b' 'bidi-\xe2\x80\xae' \
		'surrogate-\xed\xa0\x80' 'quote"back\\slash'; do
		grep -qF -- "$want" "$f" ||
			fail "$(basename "$f"): no '$want' in: $(cat "$f")"
	done
	! LC_ALL=C grep -q "$(printf '[\033\177]')" "$f" ||
		fail "$(basename "$f"): a raw control character"
done
# and the text report names the same files as the JSON one
T=trusted.erofs.fingerprint
dump_ok --ishare-report "$WORK/a.img" "$WORK/b.img" >"$WORK/all.txt"
dump_ok --ishare-report --json "$WORK/a.img" "$WORK/b.img" >"$WORK/all.json"
$CHECK check "$WORK/all.json" "$WORK/all.txt" "$WORK/a.img=$WORK/a=$T" \
	"$WORK/b.img=$WORK/b=$T" >/dev/null || fail "text and JSON reports differ"
