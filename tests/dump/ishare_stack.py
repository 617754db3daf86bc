#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""The check of dump.erofs --ishare-report --stack against merged trees.

  layers DIR            write the layer tars of the test into DIR
  expect SPEC...        print the expected report as JSON
  check JSON TEXT SPEC...
                        compare the report's --json output (JSON) and its
                        text output (TEXT) with the expectation

SPEC is image:IMG=TAR (an image given alone) or stack:NAME=IMG@TAR,...
(a stack, lowest layer first), in the order given to dump.erofs, every
image made from its TAR by mkfs.erofs --tar=f --aufs --ishare_key.

The expectation comes from tests/overlay_model.py: each stack's tars are
applied in order into one tree (whiteouts and opaque directories
processed as image unpackers do), and what that tree holds is what the
stack reads.  The counting rule is the one of tests/dump/ishare_check.py
(each inode's size rounded up to 4 KiB without sharing, each distinct
SHA-256 of a non-empty file once with sharing), with mounts as a host
makes them: a layer image file (device and inode) is mounted once for
every stack that uses it, an image given alone is a mount of its own.
"""

import json
import os
import random
import re
import sys
import tarfile
import io

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import overlay_model as om          # noqa: E402
import ishare_check as ic           # noqa: E402

NAME = "trusted.erofs.fingerprint"


class Tar:
    """A layer tar written member by member, with fixed times and owners."""

    def __init__(self, path):
        self.tf = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)

    def _info(self, name, kind, mode):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime = kind, mode, 1700000000
        return ti

    def dir(self, *names):
        for n in names:
            self.tf.addfile(self._info(n, tarfile.DIRTYPE, 0o755))

    def file(self, name, data):
        ti = self._info(name, tarfile.REGTYPE, 0o644)
        ti.size = len(data)
        self.tf.addfile(ti, io.BytesIO(data))

    def link(self, name, target):
        ti = self._info(name, tarfile.LNKTYPE, 0o644)
        ti.linkname = target
        self.tf.addfile(ti)

    def symlink(self, name, target):
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tf.addfile(ti)

    def close(self):
        self.tf.close()


def data(seed, n):
    return random.Random(seed).randbytes(n)


def write_layers(d):
    t = Tar(os.path.join(d, "base.tar"))
    t.dir("etc", "etc/conf.d", "usr", "usr/bin", "usr/sbin", "usr/lib",
          "usr/share", "usr/share/doc", "var", "var/cache", "opt", "dup")
    t.file("etc/passwd", data("passwd0", 300))
    t.file("etc/empty", b"")
    t.file("etc/conf.d/a.conf", data("a.conf", 100))
    t.file("etc/conf.d/b.conf", data("b.conf", 5000))
    t.file("usr/bin/x", data("x", 9000))
    t.link("usr/sbin/x", "usr/bin/x")
    t.file("usr/lib/libc.so", data("libc", 70000))
    t.link("usr/lib/libc.so.6", "usr/lib/libc.so")
    t.file("usr/lib/libz.so", data("libz", 12000))
    t.symlink("usr/lib/libm.so", "libc.so")
    t.file("usr/share/doc/README", data("readme", 2000))
    t.file("usr/share/doc/COPYING", data("copying", 4096))
    t.file("var/cache/c1", data("c1", 5000))
    t.file("var/cache/c2", data("c2", 100))
    t.file("opt/tool", data("tool", 3000))
    t.file("dup/a", data("dup", 6000))
    t.file("dup/b", data("dup", 6000))
    t.file(".wh.ghost", b"")        # a whiteout in the lowest layer
    t.close()

    t = Tar(os.path.join(d, "app1.tar"))
    t.dir("etc", "etc/conf.d", "usr", "usr/sbin", "usr/lib", "usr/share",
          "var", "var/cache", "opt", "opt/tool", "app")
    t.file("etc/passwd", data("passwd1", 320))
    t.file("etc/conf.d/.wh.a.conf", b"")
    t.symlink("etc/conf.d/b.conf", "a.conf")
    t.file("usr/sbin/.wh.x", b"")      # one name of a hard link goes
    t.file("usr/share/.wh.doc", b"")   # a whole directory goes
    t.file("var/cache/.wh..wh..opq", b"")
    t.file("var/cache/new", data("new", 700))
    t.file("opt/tool/bin", data("bin", 1500))  # a directory over a file
    t.file("usr/lib/libz.so", data("libz", 12000))  # the same bytes
    t.file("app/main", data("main1", 20000))
    t.file("app/data", data("data", 10000))
    t.file("app/empty", b"")
    t.file("app/dup1", data("appdup", 8000))
    t.file("app/dup2", data("appdup", 8000))
    t.close()

    t = Tar(os.path.join(d, "app2.tar"))
    t.dir("etc", "usr", "usr/lib", "app", "var", "var/cache")
    t.file("etc/passwd", data("passwd1", 320))
    t.file("usr/lib/.wh.libc.so", b"")  # libc.so.6 stays
    t.file("app/main", data("main2", 25000))
    t.file("app/data", data("data", 10000))
    t.file("newdir/sub/f", data("f", 50))   # no directory members
    t.file("var/cache/c1", data("c1-new", 5000))
    t.close()

    t = Tar(os.path.join(d, "top2.tar"))
    t.dir("etc")
    t.file("etc/.wh..wh..opq", b"")
    t.file("etc/hostname", data("hostname", 10))
    t.file("etc/passwd", data("passwd2", 330))
    t.file("var", data("var", 40))       # a file over a directory
    t.close()

    t = Tar(os.path.join(d, "top3.tar"))
    t.file(".wh..wh..opq", b"")          # the root is opaque
    t.file("only", data("only", 4097))
    t.file("dup/a", data("dup", 6000))
    t.close()


def pages(n):
    return ic.pages(n)


def layer_inodes(tar):
    """{ident: (size, sha, first path in walk order)} of a layer tar's
    regular inodes"""
    members, _, _ = om.read_layer(tar, 0)
    out = {}
    for path, n in sorted(members, key=lambda m: om.walk_key(m[0])):
        if n.kind == "reg":
            out.setdefault(n.inode[1], (n.size, n.sha, "/" + path))
    return out


class Model:
    def __init__(self, specs):
        self.mounts, self.stacks = [], []
        for spec in specs:
            kind, rest = spec.split(":", 1)
            if kind == "image":
                img, tar = rest.split("=", 1)
                self.new_mount(img, tar, None)
            else:
                self.add_stack(rest)

    def new_mount(self, img, tar, key):
        self.mounts.append({"path": img, "key": key, "stacks": 0,
                            "inodes": layer_inodes(tar)})
        return len(self.mounts) - 1

    def add_stack(self, rest):
        name, layers = rest.split("=", 1)
        idx, tars = [], []
        for lay in layers.split(","):
            img, tar = lay.split("@", 1)
            st = os.stat(img)
            key = (st.st_dev, st.st_ino)
            found = [i for i, m in enumerate(self.mounts) if m["key"] == key]
            i = found[0] if found else self.new_mount(img, tar, key)
            self.mounts[i]["stacks"] += 1
            idx.append(i)
            tars.append(tar)
        tree = om.merge(tars)
        # the merged tree's files, as (mount, inode) -> [paths]
        shown = {}
        for path, n in tree.items():
            if n.kind == "reg":
                pos, ident = n.inode
                shown.setdefault((idx[pos], ident), []).append(path)
        self.stacks.append({"name": name, "layers": idx, "shown": shown})


def with_sharing(files):
    """files: (size, sha) of inodes read once each."""
    fps = {sha for size, sha in files if size}
    by_sha = {sha: size for size, sha in files if size}
    return sum(pages(by_sha[s]) for s in fps)


def expect(specs):
    m = Model(specs)
    read = {}      # (mount, ident) -> "/path" that names it
    for mi, mount in enumerate(m.mounts):
        if mount["key"] is None:
            for ident, (_, _, path) in mount["inodes"].items():
                read[(mi, ident)] = path
    stacks = []
    for s in m.stacks:
        for k, paths in s["shown"].items():
            read.setdefault(k, "/" + min(paths, key=om.walk_key))
        files = [m.mounts[k[0]]["inodes"][k[1]][:2] for k in s["shown"]]
        all_ = [v[:2] for i in s["layers"]
                for v in m.mounts[i]["inodes"].values()]
        without = sum(pages(f[0]) for f in files)
        with_ = with_sharing(files)
        stacks.append({
            "name": s["name"],
            "layers": [m.mounts[i]["path"] for i in s["layers"]],
            "files": len(files), "bytes": sum(f[0] for f in files),
            "hidden_files": len(all_) - len(files),
            "hidden_bytes": sum(f[0] for f in all_) - sum(f[0] for f in files),
            "page_cache_bytes_without": without,
            "page_cache_bytes_with": with_,
            "saved_bytes": without - with_,
            "saved_percent": 100.0 * (without - with_) / without
            if without else 0.0})
    # sharing across mounts, and groups, over what is read
    by_sha = {}
    for (mi, ident), path in read.items():
        size, sha, _ = m.mounts[mi]["inodes"][ident]
        if size:
            by_sha.setdefault(sha, []).append((mi, ident, size, path))
    images, layers = [], []
    for mi, mount in enumerate(m.mounts):
        ino = mount["inodes"]
        im = {"path": mount["path"], "fingerprint_name": NAME}
        if mount["key"] is not None:
            im["stacks"] = mount["stacks"]
        im.update({"files": len(ino),
                   "fingerprinted_files": sum(1 for v in ino.values() if v[0]),
                   "bytes": sum(v[0] for v in ino.values())})
        if mount["key"] is not None:
            hidden = [ino[i][0] for i in ino if (mi, i) not in read]
            im["hidden_files"] = len(hidden)
            im["hidden_bytes"] = sum(hidden)
        shared = [mem for g in by_sha.values() if len({x[0] for x in g}) > 1
                  for mem in g if mem[0] == mi]
        im["shared_files"] = len(shared)
        im["shared_bytes"] = sum(x[2] for x in shared)
        (layers if mount["key"] is not None else images).append(im)
    groups = [{"fingerprint": sha, "size": g[0][2],
               "members": sorted(f"{m.mounts[x[0]]['path']}:{x[3]}"
                                 for x in g)}
              for sha, g in by_sha.items() if len(g) > 1]
    groups.sort(key=lambda g: -ic.saved(g))
    sizes = [m.mounts[mi]["inodes"][i][:2] for mi, i in read]
    without = sum(pages(s) for s, _ in sizes)
    with_ = with_sharing(sizes)
    return {"images": images, "layers": layers, "stacks": stacks,
            "groups": groups,
            "total": {"files": len(sizes), "bytes": sum(s for s, _ in sizes),
                      "page_cache_bytes_without": without,
                      "page_cache_bytes_with": with_,
                      "saved_bytes": without - with_,
                      "saved_percent": 100.0 * (without - with_) / without
                      if without else 0.0}}


def close(what, got, want):
    ic.same(what, {k: v for k, v in got.items() if k != "saved_percent"},
            {k: v for k, v in want.items() if k != "saved_percent"})
    if abs(got["saved_percent"] - want["saved_percent"]) > 0.006:
        ic.same(what + " saved_percent", got["saved_percent"],
                want["saved_percent"])


STACK_RE = re.compile(r"stack (\S+): (\S+)$")
SHOWS_RE = re.compile(r"  shows (\d+) files, .*; hides (\d+) files, .*$")
CACHE_RE = re.compile(r"  page cache: .* \((\d+) bytes\) without sharing, "
                      r".* \((\d+) bytes\) with, saved .* \((\d+) bytes, "
                      r"([0-9.]+)%\)$")


def check_stack_text(text, stacks):
    got, cur = [], None
    for line in text.splitlines():
        m = STACK_RE.match(line)
        if m:
            cur = [m[1], m[2].split(",")]
            got.append(cur)
        elif cur and SHOWS_RE.match(line):
            cur += [int(x) for x in SHOWS_RE.match(line).groups()]
        elif cur and CACHE_RE.match(line):
            g = CACHE_RE.match(line).groups()
            cur += [int(x) for x in g[:3]] + [round(float(g[3]), 1)]
    ic.same("text stacks", got,
            [[s["name"], s["layers"], s["files"], s["hidden_files"],
              s["page_cache_bytes_without"], s["page_cache_bytes_with"],
              s["saved_bytes"], round(s["saved_percent"], 1)]
             for s in stacks])


def check(rep, text, exp):
    ic.same("top-level keys", set(rep), set(exp))
    ic.same("images", rep["images"], exp["images"])
    ic.same("layers", rep["layers"], exp["layers"])
    ic.same("stack count", len(rep["stacks"]), len(exp["stacks"]))
    for g, w in zip(rep["stacks"], exp["stacks"]):
        close(f"stack {w['name']}", g, w)
    close("total", rep["total"], exp["total"])
    ic.same("groups", sorted((g["fingerprint"], g["size"],
                              tuple(sorted(g["members"])))
                             for g in rep["groups"]),
            sorted((g["fingerprint"], g["size"], tuple(g["members"]))
                   for g in exp["groups"]))
    savings = [ic.saved(g) for g in rep["groups"]]
    ic.same("groups in decreasing saving", savings,
            sorted(savings, reverse=True))
    ic.check_text(text, rep, len(exp["groups"]))
    check_stack_text(text, rep["stacks"])


def main(argv):
    if len(argv) == 2 and argv[0] == "layers":
        write_layers(argv[1])
        return 0
    if len(argv) >= 2 and argv[0] == "expect":
        json.dump(expect(argv[1:]), sys.stdout, indent=1)
        print()
        return 0
    if len(argv) >= 4 and argv[0] == "check":
        with open(argv[1]) as f:
            rep = json.load(f)
        with open(argv[2]) as f:
            text = f.read()
        exp = expect(argv[3:])
        try:
            check(rep, text, exp)
        except ic.Mismatch as e:
            print(f"mismatch: {e}", file=sys.stderr)
            return 1
        for s in exp["stacks"]:
            print(f"ok: stack {s['name']}: {s['files']} files, "
                  f"{s['hidden_files']} hidden, "
                  f"{s['page_cache_bytes_without']} -> "
                  f"{s['page_cache_bytes_with']} bytes")
        t = exp["total"]
        print(f"ok: total {t['files']} files, "
              f"{t['page_cache_bytes_without']} -> "
              f"{t['page_cache_bytes_with']} bytes, "
              f"{t['saved_percent']:.2f}% saved, {len(exp['groups'])} groups")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
