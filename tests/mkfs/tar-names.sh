#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# Names a tar member can carry that a directory cannot hold (issue 15):
# ".", "..", empty names and components, "//", names over 255 bytes, a NUL
# in a pax path, and --aufs whiteouts of "." and ".." (".wh..", ".wh...").
# Each archive either fails with one line (exit 1, no image) or makes an
# image that our fsck accepts: mkfs never writes an image its own fsck
# rejects.  The whiteouts of "." and ".." are dropped, as erofs-utils does.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
need_mkfs
: "${FSCK_EROFS:=$top_builddir/fsck/fsck.erofs}"
[ -x "$FSCK_EROFS" ] || fail "no fsck.erofs at $FSCK_EROFS"
make_work

$PYTHON - "$MKFS_EROFS" "$FSCK_EROFS" "$WORK" <<'PY' || fail "see above"
import io, os, subprocess, sys, tarfile
mkfs, fsck, work = sys.argv[1:]
R, D, S, L, C = (tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE,
                 tarfile.LNKTYPE, tarfile.CHRTYPE)

def m(name, type=R, data=b"", link="", pax=None):
    t = tarfile.TarInfo(name)
    t.type, t.linkname, t.mtime = type, link, 1700000000
    t.size = len(data) if type == R else 0
    t.pax_headers = pax or {}
    return t, data

# name: (members, whether mkfs must succeed); "d/." replaces an empty d
CASES = {
    "wh-dot": ([m("d/", D), m("d/f", data=b"1"), m("d/.wh..")], True),
    "wh-dotdot": ([m("d/", D), m("d/f", data=b"1"), m("d/.wh...")], True),
    "wh-root-dot": ([m("d/", D), m(".wh.."), m("./.wh...")], True),
    "wh-empty": ([m("d/.wh.")], False),
    "wh-of-wh": ([m("d/", D), m("d/.wh..wh.x")], True),
    "wh-long": ([m("d/", D), m("d/.wh." + "n" * 251)], True),
    "wh-opq-file": ([m("d", data=b"1"), m("d/.wh..wh..opq")], False),
    "dot": ([m("d/", D), m(".", data=b"x")], False),
    "empty": ([m("d/", D), m("", data=b"x")], False),
    "dot-in-dir": ([m("d/", D), m("d/.", data=b"x")], True),
    "dotdot": ([m("d/", D), m("d/..", data=b"x")], False),
    "dotdot-comp": ([m("d/", D), m("d/../../x", data=b"x")], False),
    "slashes": ([m("//d//", D), m("//d//./f", data=b"1")], True),
    "name-255": ([m("d/", D), m("d/" + "n" * 255, data=b"1")], True),
    "name-256": ([m("d/", D), m("d/" + "n" * 256, data=b"1")], False),
    "pax-nul": ([m("d/", D), m("d/a", data=b"1", pax={"path": "d/a\0b"})],
                True),
    "pax-path-dot": ([m("d/", D), m("a", data=b"1", pax={"path": "."})],
                     False),
    "link-dot": ([m("d/", D), m("d/h", L, link=".")], False),
    "link-dotdot": ([m("d/", D), m("d/h", L, link="..")], False),
    "root-chr": ([m("d/", D), m("./", C)], False),
}
bad = 0
for name, (members, ok) in CASES.items():
    tar, img = f"{work}/{name}.tar", f"{work}/{name}.img"
    f = io.BytesIO()
    with tarfile.open(fileobj=f, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for t, data in members:
            tf.addfile(t, io.BytesIO(data) if data else None)
    open(tar, "wb").write(f.getvalue())
    r = subprocess.run(["timeout", "60", mkfs, "--quiet", "--tar=f",
                        "--aufs", img, tar], capture_output=True, text=True)
    err = r.stderr.strip()
    if (r.returncode == 0) != ok:
        print(f"{name}: mkfs exit {r.returncode}, want {0 if ok else 1}: "
              f"{err}", file=sys.stderr)
        bad += 1
        continue
    if not ok:
        if r.returncode != 1 or err.count("\n") or os.path.exists(img):
            print(f"{name}: want one line, exit 1, no image: "
                  f"{r.returncode} {err}", file=sys.stderr)
            bad += 1
        else:
            print(f"ok: {name}: {err}")
        continue
    f = subprocess.run(["timeout", "60", fsck, img], capture_output=True,
                       text=True)
    if f.returncode:
        print(f"{name}: fsck exit {f.returncode}: {f.stdout}{f.stderr}",
              file=sys.stderr)
        bad += 1
    else:
        print(f"ok: {name}: fsck clean")
sys.exit(bad)
PY
echo "PASS: $T_NAME"
