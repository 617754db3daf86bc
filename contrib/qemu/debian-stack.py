#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Layer tars of a container-like Debian 12 image, at two versions.

  debian-stack.py [--cache DIR] [--mirror URL] [--security URL] PKG[,PKG...]

prints four paths, one a line: base-a.tar, PKGS-a.tar, base-b.tar and
PKGS-b.tar (PKGS: the packages joined by '+'), all in DIR (default
/var/cache/erofs-tools/stack-debian), making those that are not there:

  base-a.tar  mmdebstrap --variant=minbase bookworm, from bookworm and
              bookworm-updates as the archive has them (version A: the
              image as released)
  base-b.tar  the same with bookworm-security too (version B: the image
              rebuilt with the security updates applied)
  PKGS-X.tar  the application layer: what installing PKG... adds to or
              changes in base-X (mmdebstrap --include=PKG,... from the
              same archives, compared with base-X file by file): new and
              changed entries, their parent directories, and an aufs
              whiteout (.wh.NAME) for what it removed
  PKGS-X.versions
              "X: PKG=VERSION ..." of the packages asked for

The base trees stay in DIR/work/base-X (the application layers are
computed against them); delete DIR to start afresh.  mmdebstrap runs as
root (mode root) and needs the archive: one base takes about 5 minutes,
an application layer as long as its mmdebstrap.
"""

import argparse
import fcntl
import os
import shutil
import stat
import subprocess
import sys
import tarfile

SUITE = "bookworm"


def die(msg):
    sys.exit("debian-stack.py: " + msg)


def note(msg):
    print("== debian-stack: " + msg, file=sys.stderr, flush=True)


def sources(a, side):
    src = ["deb %s %s main" % (a.mirror, SUITE),
           "deb %s %s-updates main" % (a.mirror, SUITE)]
    if side == "b":
        src.append("deb %s %s-security main" % (a.security, SUITE))
    return src


def mmdebstrap(a, side, target, include=None):
    if shutil.which("mmdebstrap") is None:
        die("no mmdebstrap (apt-get install mmdebstrap) to build %s" % target)
    cmd = ["mmdebstrap", "--quiet", "--mode=root", "--variant=minbase"]
    if include:
        cmd.append("--include=" + ",".join(include))
    cmd += [SUITE, target] + sources(a, side)
    note(" ".join(cmd))
    if subprocess.run(cmd, stdout=sys.stderr).returncode:
        shutil.rmtree(target, ignore_errors=True)
        die("mmdebstrap failed for %s" % target)


def same_file(p, q):
    with open(p, "rb") as f, open(q, "rb") as g:
        while True:
            x, y = f.read(1 << 20), g.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def xattrs(p):
    try:
        return {n: os.getxattr(p, n, follow_symlinks=False)
                for n in os.listxattr(p, follow_symlinks=False)}
    except OSError:
        return {}


def differs(app, base, rel):
    """True when app/rel is new or not what base/rel is."""
    p, q = os.path.join(app, rel), os.path.join(base, rel)
    s = os.lstat(p)
    try:
        t = os.lstat(q)
    except FileNotFoundError:
        return True
    if stat.S_IFMT(s.st_mode) != stat.S_IFMT(t.st_mode) or \
            s.st_mode != t.st_mode or s.st_uid != t.st_uid or \
            s.st_gid != t.st_gid or xattrs(p) != xattrs(q):
        return True
    if stat.S_ISREG(s.st_mode):
        return s.st_size != t.st_size or not same_file(p, q)
    if stat.S_ISLNK(s.st_mode):
        return os.readlink(p) != os.readlink(q)
    if stat.S_ISCHR(s.st_mode) or stat.S_ISBLK(s.st_mode):
        return s.st_rdev != t.st_rdev
    return False


def add(tf, root, rel):
    p = os.path.join(root, rel)
    ti = tf.gettarinfo(p, rel)
    ti.uname = ti.gname = ""            # numeric owners, as in base
    for n, v in xattrs(p).items():
        ti.pax_headers["SCHILY.xattr." + n] = v.decode("utf-8",
                                                       "surrogateescape")
    if ti.isreg():
        with open(p, "rb") as f:
            tf.addfile(ti, f)
    else:
        tf.addfile(ti)


def app_layer(app, base, out):
    """The tar of what app has that base has not, and base's removals."""
    entries, whiteouts = set(), []
    for d, dirs, files in os.walk(app):
        for n in dirs + files:
            rel = os.path.relpath(os.path.join(d, n), app)
            if differs(app, base, rel):
                entries.add(rel)
    for d, dirs, files in os.walk(base):
        reld = os.path.relpath(d, base)
        for n in list(dirs) + files:
            rel = os.path.normpath(os.path.join(reld, n))
            if not os.path.lexists(os.path.join(app, rel)):
                whiteouts.append(rel)
                if n in dirs:
                    dirs.remove(n)      # the whiteout hides all below
    for rel in list(entries) + whiteouts:
        d = os.path.dirname(rel)
        while d:
            entries.add(d)
            d = os.path.dirname(d)
    tmp = out + ".tmp"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tf:
        for rel in sorted(entries):
            add(tf, app, rel)
        for rel in sorted(whiteouts):
            ti = tarfile.TarInfo(os.path.join(os.path.dirname(rel),
                                              ".wh." + os.path.basename(rel)))
            ti.mode = 0o644
            tf.addfile(ti)
    os.rename(tmp, out)
    note("%s: %d entries, %d whiteouts" % (out, len(entries), len(whiteouts)))


def base(a, side):
    tar = os.path.join(a.cache, "base-%s.tar" % side)
    tree = os.path.join(a.cache, "work", "base-" + side)
    if os.path.exists(tar) and os.path.isdir(tree):
        return tar, tree
    shutil.rmtree(tree, ignore_errors=True)
    mmdebstrap(a, side, tree)
    tmp = tar + ".tmp"
    with open(tmp, "wb") as f:
        if subprocess.run(["tar", "--numeric-owner", "--xattrs",
                           "--xattrs-include=*", "-C", tree, "-cf", "-",
                           "."], stdout=f).returncode:
            die("cannot tar %s" % tree)
    os.rename(tmp, tar)
    return tar, tree


def app(a, side, pkgs, tree):
    name = "+".join(pkgs)
    tar = os.path.join(a.cache, "%s-%s.tar" % (name, side))
    ver = os.path.join(a.cache, "%s-%s.versions" % (name, side))
    if os.path.exists(tar) and os.path.exists(ver):
        return tar
    work = os.path.join(a.cache, "work", "%s-%s" % (name, side))
    shutil.rmtree(work, ignore_errors=True)
    mmdebstrap(a, side, work, pkgs)
    app_layer(work, tree, tar)
    r = subprocess.run(["dpkg-query", "--admindir=" + os.path.join(
        work, "var/lib/dpkg"), "-W", "-f=${Package}=${Version}\\n"] + pkgs,
        stdout=subprocess.PIPE, text=True)
    if r.returncode:
        die("dpkg-query found not all of %s in %s" % (name, work))
    with open(ver, "w") as f:
        f.write("%s: %s\n" % (side, " ".join(r.stdout.split())))
    shutil.rmtree(work)
    return tar


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cache", default="/var/cache/erofs-tools/stack-debian")
    ap.add_argument("--mirror", default="http://deb.debian.org/debian")
    ap.add_argument("--security",
                    default="http://deb.debian.org/debian-security")
    ap.add_argument("pkgs")
    a = ap.parse_args()
    pkgs = a.pkgs.split(",")
    if not all(p and all(c.isalnum() or c in ".+-" for c in p)
               for p in pkgs):
        die("'%s' is not PKG[,PKG...]" % a.pkgs)
    os.makedirs(os.path.join(a.cache, "work"), exist_ok=True)
    out = []
    for side in "ab":
        # one builder of a base (and its tree) at a time
        with open(os.path.join(a.cache, "work", "base-%s.lock" % side),
                  "w") as lk:
            fcntl.flock(lk, fcntl.LOCK_EX)
            tar, tree = base(a, side)
            out += [tar, app(a, side, pkgs, tree)]
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
