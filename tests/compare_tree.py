#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Compare a source tree with what an image shows, field by field.

The image side is a mounted image (a directory) or, with --image, the image
file read by tests/erofs_parse.py.  For every path: names, type and mode,
uid, gid, mtime in nanoseconds, nlink, size and SHA-256 of regular files,
symlink targets, device numbers, every xattr (POSIX ACLs included), and the
hard-link sets (paths that share a source inode must share an image inode,
and no others).

Options say how mkfs was told to change things:
  --uid=N --gid=N        every uid/gid is N (--all-root, --force-uid/gid)
  --uid-offset=N --gid-offset=N
  --mtime=SEC            every mtime is SEC.0 (-T, --ignore-mtime)
  --clamp-mtime=SEC      mtimes at or past SEC are SEC.0, older ones stay
                         (SOURCE_DATE_EPOCH)
  --ishare=NAME          non-empty regular files carry NAME = "sha256:" +
                         digest; a NAME in the source is not copied
  --ishare-hidden        ... but the image side cannot show it (a base
                         index 0 NAME on a mount)
  --no-xattrs            the image has no xattrs (-x -1)
  --exclude=REL          REL and everything under it is left out
  --fields=F,F,...       compare only these (of mode type perm uid gid
                         mtime_ns nlink rdev size sha256 target xattrs links)

Prints one line per difference (at most 50) and exits 1 if there is any.
"""

import argparse
import hashlib
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import erofs_parse  # noqa: E402


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return {}
    return {os.fsencode(n): os.getxattr(path, n, follow_symlinks=False)
            for n in names}


def dir_model(root):
    """Path (bytes, relative, b'' for root) -> attributes, from lstat."""
    root = os.fsencode(root)
    out, digests = {}, {}
    stack = [b""]
    while stack:
        rel = stack.pop()
        full = os.path.join(root, rel) if rel else root
        st = os.lstat(full)
        m = dict(mode=st.st_mode, uid=st.st_uid, gid=st.st_gid,
                 mtime_ns=st.st_mtime_ns, nlink=st.st_nlink,
                 ino=(st.st_dev, st.st_ino), xattrs=read_xattrs(full),
                 rdev=st.st_rdev if stat.S_ISCHR(st.st_mode) or
                 stat.S_ISBLK(st.st_mode) else 0)
        if stat.S_ISREG(st.st_mode):
            m["size"] = st.st_size
            if m["ino"] not in digests:     # once per hard-linked inode
                digests[m["ino"]] = sha256_file(full)
            m["sha256"] = digests[m["ino"]]
        elif stat.S_ISLNK(st.st_mode):
            m["target"] = os.readlink(full)
        elif stat.S_ISDIR(st.st_mode):
            for name in os.listdir(full):
                stack.append(os.path.join(rel, name) if rel else name)
        out[rel] = m
    return out


def expected(src, args):
    """The source model turned into what the image should show."""
    name = os.fsencode(args.ishare) if args.ishare else None
    excl = [os.fsencode(e).strip(b"/") for e in args.exclude]
    out = {}
    for path, m in src.items():
        if any(path == e or path.startswith(e + b"/") for e in excl):
            continue
        m = dict(m)
        if args.uid is not None:
            m["uid"] = args.uid
        m["uid"] = (m["uid"] + args.uid_offset) & 0xFFFFFFFF
        if args.gid is not None:
            m["gid"] = args.gid
        m["gid"] = (m["gid"] + args.gid_offset) & 0xFFFFFFFF
        if args.mtime is not None:
            m["mtime_ns"] = args.mtime * 10**9
        if args.clamp_mtime is not None and \
                m["mtime_ns"] >= args.clamp_mtime * 10**9:
            m["mtime_ns"] = args.clamp_mtime * 10**9
        xattrs = {} if args.no_xattrs else dict(m["xattrs"])
        if name:
            xattrs.pop(name, None)
            if stat.S_ISREG(m["mode"]) and m["size"] and \
                    not args.ishare_hidden:
                xattrs[name] = b"sha256:" + bytes.fromhex(m["sha256"])
        m["xattrs"] = xattrs
        out[path] = m
    recount_links(out)
    return out


def recount_links(model):
    """nlink as mkfs must count it: links and subdirs inside the tree."""
    links, subdirs = {}, {}
    for path, m in model.items():
        if stat.S_ISDIR(m["mode"]):
            if path:
                parent = os.path.dirname(path)
                subdirs[parent] = subdirs.get(parent, 0) + 1
        else:
            links[m["ino"]] = links.get(m["ino"], 0) + 1
    for path, m in model.items():
        if stat.S_ISDIR(m["mode"]):
            m["nlink"] = 2 + subdirs.get(path, 0)
        else:
            m["nlink"] = links[m["ino"]]


def show(v):
    if isinstance(v, list) and len(v) > 6:
        return "[%s, ... %d paths]" % (", ".join(show(x) for x in v[:4]),
                                        len(v))
    if isinstance(v, bytes):
        r = repr(v)
        return r if len(r) < 80 else r[:60] + "...(%d bytes)" % len(v)
    if isinstance(v, int) and v > 0o777 and v < 0o200000:
        return "0%o" % v
    return repr(v)


class Diff:
    def __init__(self):
        self.count = 0

    def __call__(self, path, what, want, got):
        self.count += 1
        if self.count <= 50:
            print("%s: %s: source %s, image %s" %
                  (path.decode(errors="backslashreplace") or "/", what,
                   show(want), show(got)))


def link_groups(model):
    """The paths of each non-directory inode, as one frozenset per inode."""
    groups = {}
    for path, m in model.items():
        if not stat.S_ISDIR(m["mode"]):
            groups.setdefault(m["ino"], []).append(path)
    return [frozenset(g) for g in groups.values()]


FIELDS = ("mode", "uid", "gid", "mtime_ns", "nlink", "rdev", "size",
          "sha256", "target")
ALL_FIELDS = FIELDS + ("type", "perm", "xattrs", "links")


def derived(m, f):
    if f == "type":
        return stat.S_IFMT(m["mode"])
    if f == "perm":
        return stat.S_IMODE(m["mode"]) & 0o777
    return m.get(f)


def compare(want, got, diff, fields):
    for path in sorted(set(want) - set(got)):
        diff(path, "missing in the image", "present", "absent")
    for path in sorted(set(got) - set(want)):
        diff(path, "not in the source", "absent", "present")
    for path in sorted(set(want) & set(got)):
        w, g = want[path], got[path]
        for f in fields:
            if f in ("xattrs", "links"):
                continue
            if derived(w, f) != derived(g, f):
                diff(path, f, derived(w, f), derived(g, f))
        if "xattrs" not in fields:
            continue
        for name in sorted(set(w["xattrs"]) | set(g["xattrs"])):
            wv, gv = w["xattrs"].get(name), g["xattrs"].get(name)
            if wv != gv:
                diff(path, "xattr " + name.decode(errors="replace"), wv, gv)
    if "links" not in fields:
        return len(set(want) & set(got))
    got_group = {}
    for g in link_groups(got):
        for p in g:
            got_group[p] = g
    for g in link_groups(want):
        first = min(g)
        h = got_group.get(first)
        if h is not None and h != g:
            diff(min(g ^ h), "hard links", sorted(g), sorted(h))
    return len(set(want) & set(got))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", action="store_true",
                    help="IMAGE_SIDE is an image file, not a mount")
    ap.add_argument("--uid", type=int)
    ap.add_argument("--gid", type=int)
    ap.add_argument("--uid-offset", type=int, default=0)
    ap.add_argument("--gid-offset", type=int, default=0)
    ap.add_argument("--mtime", type=int)
    ap.add_argument("--clamp-mtime", type=int)
    ap.add_argument("--ishare")
    ap.add_argument("--ishare-hidden", action="store_true")
    ap.add_argument("--no-xattrs", action="store_true")
    ap.add_argument("--exclude", action="append", default=[])
    ap.add_argument("--fields", default=",".join(FIELDS + ("xattrs",
                                                             "links")))
    ap.add_argument("source")
    ap.add_argument("image_side")
    args = ap.parse_args()

    fields = args.fields.split(",")
    for f in fields:
        if f not in ALL_FIELDS:
            ap.error("unknown field %r" % f)
    want = expected(dir_model(args.source), args)
    if args.image:
        try:
            got = erofs_parse.model(erofs_parse.Image.open(args.image_side))
        except erofs_parse.Corrupt as e:
            print("compare_tree: %s: %s" % (args.image_side, e))
            return 1
    else:
        got = dir_model(args.image_side)
    diff = Diff()
    n = compare(want, got, diff, fields)
    if diff.count > 50:
        print("... %d differences in all" % diff.count)
    print("compare_tree: %d paths compared, %d differences" % (n, diff.count),
          file=sys.stderr)
    return 1 if diff.count or not n else 0


if __name__ == "__main__":
    sys.exit(main())
