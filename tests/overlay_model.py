#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""What a container sees: the merged tree of a stack of layer tars.

An independent model of how a container image runs: each layer tar is
applied in order, lowest first, onto one tree, the way image unpackers
(docker, containerd's tar applier) do it, with the aufs whiteouts that
layer tars carry:

  .wh..wh..opq in directory D   delete what the lower layers have in D
  .wh.NAME in directory D       delete D/NAME and everything below it
  an entry at a path            replaces the lower entry there, and all
                                below it, unless both are directories
                                (directories merge)
  an entry below a lower non-directory replaces that non-directory

with one exception, where the kernel is the judge: overlayfs always
merges the roots of its layers and never reads their opaque xattr
(ovl_get_root() in fs/overlayfs/super.c), so a .wh..wh..opq at the top
of a layer tar hides nothing here, where an unpacker would empty the
tree.

It knows nothing of EROFS or of how dump.erofs merges (from the top, by
lookups): it is the other side of the comparison.  Regular files keep
their inode (LAYER, first member name; a hard link member names its
target's), size and SHA-256, so that page cache can be counted per inode.

  manifest STACK...     print the merged tree of each STACK, one line per
                        entry: "STACK TYPE PATH DETAIL" (DETAIL: sha256
                        and size of a file, target of a symlink, "-")
  scan NAME DIR         the same lines for a directory tree on disk (a
                        mounted overlay), to compare with manifest

STACK is NAME=LAYER.tar,LAYER.tar,... lowest first.
"""

import hashlib
import os
import stat
import sys
import tarfile

WH = ".wh."
OPQ = ".wh..wh..opq"


class Node:
    """One entry of a merged tree: 'dir', 'reg', 'lnk' or 'other'."""

    def __init__(self, kind, inode=None, size=0, sha=None, target=None):
        self.kind, self.inode, self.size = kind, inode, size
        self.sha, self.target = sha, target


def norm(name):
    while name.startswith("./"):
        name = name[2:]
    return "" if name == "." else name.strip("/")


def below(tree, path):
    """Every path strictly below @path."""
    pre = path + "/" if path else ""
    return [p for p in tree if p != path and p.startswith(pre)]


def remove(tree, path):
    for p in below(tree, path):
        del tree[p]
    tree.pop(path, None)


def read_layer(tarpath, layer):
    """The members of a layer tar as (path, Node) and its whiteouts."""
    members, whiteouts, opaque, inodes = [], [], [], {}
    with tarfile.open(tarpath) as tf:
        for m in tf.getmembers():
            path = norm(m.name)
            base = path.rsplit("/", 1)[-1]
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            if base == OPQ:
                opaque.append(parent)
                continue
            if base.startswith(WH + WH):
                continue
            if base.startswith(WH):
                whiteouts.append((parent + "/" if parent else "") +
                                 base[len(WH):])
                continue
            if m.isdir():
                node = Node("dir")
            elif m.islnk():
                node = inodes[norm(m.linkname)]
            elif m.isreg():
                data = tf.extractfile(m).read()
                node = Node("reg", (layer, path), len(data),
                            hashlib.sha256(data).hexdigest())
                inodes[path] = node
            elif m.issym():
                node = Node("lnk", target=m.linkname)
            else:
                node = Node("other")
            members.append((path, node))
    return members, whiteouts, opaque


def apply_layer(tree, tarpath, layer):
    members, whiteouts, opaque = read_layer(tarpath, layer)
    for d in opaque:
        if not d:
            continue        # the root: see above
        for p in below(tree, d):
            del tree[p]
    for p in whiteouts:
        remove(tree, p)
    for path, node in members:
        parts = path.split("/") if path else []
        for i in range(len(parts)):
            anc = "/".join(parts[:i])
            if anc in tree and tree[anc].kind != "dir":
                remove(tree, anc)
            tree.setdefault(anc, Node("dir"))
        old = tree.get(path)
        if old and old.kind == "dir" and node.kind == "dir":
            continue
        if old:
            remove(tree, path)
        tree[path] = node
    tree.setdefault("", Node("dir"))


def merge(tars):
    """The merged tree of layer tars (lowest first): {path: Node}."""
    tree = {"": Node("dir")}
    for i, t in enumerate(tars):
        apply_layer(tree, t, i)
    return tree


def walk_key(path):
    """The order of a depth-first walk with names sorted bytewise."""
    return [os.fsencode(c) for c in path.split("/")] if path else []


def manifest_lines(name, tree):
    out = []
    for path in sorted(tree, key=walk_key):
        n = tree[path]
        detail = {"reg": f"{n.sha} {n.size}",
                  "lnk": n.target}.get(n.kind, "-")
        out.append(f"{name} {n.kind} /{path} {detail}")
    return out


def scan_tree(root):
    tree = {}

    def walk(d, rel):
        for e in os.listdir(d):
            p, r = os.path.join(d, e), (rel + "/" + e).lstrip("/")
            st = os.lstat(p)
            if stat.S_ISDIR(st.st_mode):
                tree[r] = Node("dir")
                walk(p, r)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    data = f.read()
                tree[r] = Node("reg", size=len(data),
                               sha=hashlib.sha256(data).hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                tree[r] = Node("lnk", target=os.readlink(p))
            else:
                tree[r] = Node("other")

    tree[""] = Node("dir")
    walk(root, "")
    return tree


def parse_stack(spec):
    name, layers = spec.split("=", 1)
    return name, layers.split(",")


def main(argv):
    if len(argv) >= 2 and argv[0] == "manifest":
        for spec in argv[1:]:
            name, tars = parse_stack(spec)
            print("\n".join(manifest_lines(name, merge(tars))))
        return 0
    if len(argv) == 3 and argv[0] == "scan":
        print("\n".join(manifest_lines(argv[1], scan_tree(argv[2]))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
