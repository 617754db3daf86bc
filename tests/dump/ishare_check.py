#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""The check of a page-cache sharing report against its source trees.

The trees come from tests/gen_tree.py --shape=share-pair or share-many.

  expect SPEC...        print the expected report as JSON
  check [--top N] JSON TEXT SPEC...
                        compare dump.erofs --ishare-report --json output
                        (JSON) and text output (TEXT) with what the
                        source trees say, computed here with SHA-256

SPEC is IMAGE=SOURCE=NAME: the image path as given to dump.erofs, the
tree it was built from, and its fingerprint NAME ('-' for none).

The expectation follows the contract of the report: every regular file
is counted once per inode (hard links once, the first path in a
depth-first walk with names sorted bytewise), non-empty files of an
image with a NAME carry SHA-256(content) under that NAME, files with
equal (NAME, digest) form a group, and page cache is each inode's size
rounded up to 4 KiB, without sharing, and each distinct fingerprint
once with sharing.
"""

import hashlib
import json
import os
import re
import stat
import sys

PAGE = 4096
IMAGE_KEYS = {"path", "fingerprint_name", "files", "fingerprinted_files",
              "bytes", "shared_files", "shared_bytes"}
GROUP_KEYS = {"fingerprint", "size", "members"}
TOTAL_KEYS = {"files", "bytes", "page_cache_bytes_without", "page_cache_bytes_with",
              "saved_bytes", "saved_percent"}


def pages(size):
    return (size + PAGE - 1) // PAGE * PAGE


def scan(src):
    """Regular files, one per inode, in the order the image walk sees."""
    seen, out = set(), []

    def walk(d, rel):
        for name in sorted(os.listdir(d), key=os.fsencode):
            p, r = os.path.join(d, name), rel + "/" + name
            st = os.lstat(p)
            if stat.S_ISDIR(st.st_mode):
                walk(p, r)
            elif stat.S_ISREG(st.st_mode):
                if (st.st_dev, st.st_ino) in seen:
                    continue
                seen.add((st.st_dev, st.st_ino))
                with open(p, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                out.append((r, st.st_size, digest))

    walk(src, "")
    return out


def parse_spec(spec):
    img, src, name = spec.rsplit("=", 2)
    return img, src, None if name == "-" else name


def expect(specs):
    images, files = [], []
    for i, spec in enumerate(specs):
        img, src, name = parse_spec(spec)
        im = {"path": img, "fingerprint_name": name, "files": 0,
              "fingerprinted_files": 0, "bytes": 0, "shared_files": 0,
              "shared_bytes": 0}
        for path, size, digest in scan(src):
            key = (name, digest) if name and size else None
            files.append((i, f"{img}:{path}", size, key))
            im["files"] += 1
            im["bytes"] += size
            im["fingerprinted_files"] += key is not None
        images.append(im)
    by_key = {}
    for f in files:
        if f[3]:
            by_key.setdefault(f[3], []).append(f)
    without = sum(pages(f[2]) for f in files)
    with_ = sum(pages(f[2]) for f in files if not f[3])
    with_ += sum(pages(m[0][2]) for m in by_key.values())
    groups = []
    for (name, digest), members in by_key.items():
        if len({m[0] for m in members}) > 1:
            for m in members:
                images[m[0]]["shared_files"] += 1
                images[m[0]]["shared_bytes"] += m[2]
        if len(members) > 1:
            groups.append({"fingerprint": digest, "size": members[0][2],
                           "members": sorted(m[1] for m in members)})
    groups.sort(key=lambda g: -saved(g))
    pct = 100.0 * (without - with_) / without if without else 0.0
    return {"images": images, "groups": groups,
            "total": {"files": len(files),
                      "bytes": sum(f[2] for f in files),
                      "page_cache_bytes_without": without,
                      "page_cache_bytes_with": with_,
                      "saved_bytes": without - with_,
                      "saved_percent": pct}}


def saved(g):
    return (len(g["members"]) - 1) * pages(g["size"])


class Mismatch(Exception):
    pass


def same(what, got, want):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def check_keys(rep):
    same("top-level keys", set(rep),
         {"images", "layers", "stacks", "groups", "total"})
    same("layers and stacks", (rep["layers"], rep["stacks"]), ([], []))
    for im in rep["images"]:
        same("image keys", set(im), IMAGE_KEYS)
    for g in rep["groups"]:
        same("group keys", set(g), GROUP_KEYS)
        if not re.fullmatch(r"[0-9a-f]{64}", g["fingerprint"]):
            raise Mismatch(f"bad fingerprint {g['fingerprint']!r}")
    same("total keys", set(rep["total"]), TOTAL_KEYS)


def check_json(rep, exp, top):
    check_keys(rep)
    same("images", rep["images"], exp["images"])
    t, e = rep["total"], exp["total"]
    for k in ("files", "bytes", "page_cache_bytes_without",
              "page_cache_bytes_with", "saved_bytes"):
        same(k, t[k], e[k])
    if abs(t["saved_percent"] - e["saved_percent"]) > 0.006:
        same("saved_percent", t["saved_percent"], e["saved_percent"])
    savings = [saved(g) for g in rep["groups"]]
    same("groups in decreasing saving", savings, sorted(savings, reverse=True))
    want = exp["groups"][:top] if top else exp["groups"]
    same("group savings", savings, [saved(g) for g in want])
    got = {(g["fingerprint"], g["size"], tuple(sorted(g["members"])))
           for g in rep["groups"]}
    if top:    # ties at the cut may pick either group: compare the rest
        allowed = {(g["fingerprint"], g["size"], tuple(g["members"]))
                   for g in exp["groups"]}
        if not got <= allowed:
            raise Mismatch(f"groups not in the expected set: {got - allowed}")
        return
    same("groups", got, {(g["fingerprint"], g["size"], tuple(g["members"]))
                         for g in want})


IMAGE_RE = re.compile(r"image (.*): (\d+) files \((\d+) fingerprinted\), "
                      r".*; shares (\d+) files, .* with other images$")
GROUP_RE = re.compile(r"  ([0-9a-f]{64})  .* x(\d+), saves .*$")
TOTAL_RE = re.compile(r"  (without sharing|with sharing|saved): +\S+ \S+ "
                      r"\((\d+) bytes(?:, ([0-9.]+)%)?\)$")


def unescape(name):
    """A name as the text report prints it (\\xNN for a byte that could
    drive a terminal or is not UTF-8, \\\\ for a backslash) back to what
    json.load() gives for the same name (bytes that are not UTF-8 as
    surrogateescape's lone surrogates)."""
    b, out, i = name.encode("utf-8", "surrogateescape"), bytearray(), 0
    while i < len(b):
        if b[i:i + 2] == b"\\\\":
            out += b"\\"
            i += 2
        elif b[i:i + 2] == b"\\x" and len(b) >= i + 4:
            out.append(int(b[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(b[i])
            i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_text(text):
    """The numbers of the text report, in the shape of the JSON one."""
    rep = {"images": [], "groups": [], "total": {}, "ngroups": None}
    group = None
    for line in text.splitlines():
        m = IMAGE_RE.match(line)
        if m:
            rep["images"].append((m[1], int(m[2]), int(m[3]), int(m[4])))
            continue
        m = re.match(r"sharing groups: (\d+)", line)
        if m:
            rep["ngroups"] = int(m[1])
            continue
        m = GROUP_RE.match(line)
        if m:
            group = {"fingerprint": m[1], "count": int(m[2]), "members": []}
            rep["groups"].append(group)
            continue
        if line.startswith("    ") and group:
            group["members"].append(unescape(line[4:]))
            continue
        m = TOTAL_RE.match(line)
        if m:
            rep["total"][m[1]] = int(m[2])
            if m[3]:
                rep["total"]["percent"] = float(m[3])
    return rep


def check_text(text, rep, nexpected):
    t = parse_text(text)
    same("text images", t["images"],
         [(i["path"], i["files"], i["fingerprinted_files"],
           i["shared_files"]) for i in rep["images"]])
    same("text group count", t["ngroups"], nexpected)
    same("text groups", [(g["fingerprint"], g["count"], g["members"])
                         for g in t["groups"]],
         [(g["fingerprint"], len(g["members"]), g["members"])
          for g in rep["groups"]])
    tot = rep["total"]
    same("text totals", t["total"].get("without sharing"),
         tot["page_cache_bytes_without"])
    same("text totals", t["total"].get("with sharing"),
         tot["page_cache_bytes_with"])
    same("text totals", t["total"].get("saved"), tot["saved_bytes"])
    if abs(t["total"].get("percent", -1) - tot["saved_percent"]) > 0.051:
        same("text percent", t["total"].get("percent"), tot["saved_percent"])


def cmd_check(args):
    top = 0
    if args[0] == "--top":
        top, args = int(args[1]), args[2:]
    with open(args[0]) as f:
        rep = json.load(f)
    with open(args[1]) as f:
        text = f.read()
    exp = expect(args[2:])
    try:
        check_json(rep, exp, top)
        check_text(text, rep, len(exp["groups"]))
    except Mismatch as e:
        print(f"mismatch: {e}", file=sys.stderr)
        return 1
    print(f"ok: {len(exp['images'])} images, {len(exp['groups'])} groups "
          f"({len(rep['groups'])} listed), "
          f"{exp['total']['page_cache_bytes_without']} -> "
          f"{exp['total']['page_cache_bytes_with']} bytes, "
          f"{exp['total']['saved_percent']:.2f}% saved")
    return 0


def main(argv):
    if argv and argv[0] == "expect":
        json.dump(expect(argv[1:]), sys.stdout, indent=1)
        print()
    elif len(argv) >= 4 and argv[0] == "check":
        return cmd_check(argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
