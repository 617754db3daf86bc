#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""A generated container-like pair of layer stacks, for run.sh --stack-generated.

  genstack.py [--files N] [--seed S] OUTDIR

writes three layer tars into OUTDIR, as an image builder would:

  base.tar    N files of random bytes (1 to 96 KiB), a hard link, a
              symlink, an empty file, directories etc/ lib/ share/ var/
  app-a.tar   the application at version A on top of base: new files,
              some base files replaced (upper hides lower), a whiteout
              of a base file and of a whole base directory, an opaque
              directory (etc/ keeps only what the layer has), a file
              where base has a directory and a directory where base has
              a file, some files with the same bytes as base's
  app-b.tar   version B: app-a's tree with a third of its files changed

so that run.sh stacks them as genA=base,app-a and genB=base,app-b: one
base layer mounted once for both, and every overlay rule at work.  The
same seed gives the same tars (fixed times and owners).
"""

import argparse
import io
import os
import random
import tarfile


class Layer:
    def __init__(self, path):
        self.tf = tarfile.open(path, "w", format=tarfile.PAX_FORMAT)
        self.dirs = set()

    def _info(self, name, kind, mode):
        ti = tarfile.TarInfo(name)
        ti.type, ti.mode, ti.mtime = kind, mode, 1700000000
        return ti

    def dir(self, name):
        parts = name.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d not in self.dirs:
                self.dirs.add(d)
                self.tf.addfile(self._info(d, tarfile.DIRTYPE, 0o755))

    def _parent(self, name):
        if "/" in name:
            self.dir(name.rsplit("/", 1)[0])

    def file(self, name, data, mode=0o644):
        self._parent(name)
        ti = self._info(name, tarfile.REGTYPE, mode)
        ti.size = len(data)
        self.tf.addfile(ti, io.BytesIO(data))

    def link(self, name, target):
        self._parent(name)
        ti = self._info(name, tarfile.LNKTYPE, 0o644)
        ti.linkname = target
        self.tf.addfile(ti)

    def symlink(self, name, target):
        self._parent(name)
        ti = self._info(name, tarfile.SYMTYPE, 0o777)
        ti.linkname = target
        self.tf.addfile(ti)

    def whiteout(self, name):
        """aufs whiteout: .wh.NAME hides NAME of the layers below."""
        d, _, base = name.rpartition("/")
        self.file((d + "/" if d else "") + ".wh." + base, b"")

    def opaque(self, d):
        """aufs opaque marker: D hides what the layers below have in it."""
        self.file(d + "/.wh..wh..opq", b"")

    def close(self):
        self.tf.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=120)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("out")
    a = ap.parse_args()
    if a.files < 20:
        ap.error("--files: at least 20")
    rnd = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)

    def blob(lo=1024, hi=96 * 1024):
        return rnd.randbytes(rnd.randint(lo, hi))

    dirs = ["lib", "lib/sub", "share", "share/doc", "var"]
    base = {}
    for i in range(a.files):
        base["%s/f%03d" % (dirs[i % len(dirs)], i)] = blob()
    for i in range(5):
        base["etc/conf%d" % i] = blob(100, 3000)
    base["opt/tool"] = blob()
    t = Layer(os.path.join(a.out, "base.tar"))
    t.dir("srv/data")
    for n in sorted(base):
        t.file(n, base[n])
    t.link("lib/hardlink", "lib/f000")
    t.symlink("lib/current", "f005")
    t.file("var/empty", b"")
    t.close()

    # etc/ goes opaque and share/doc/ is whited out whole in the app
    names = sorted(n for n in base
                   if not n.startswith(("etc/", "share/doc/")))
    replaced = names[1:len(names) // 6]              # upper hides lower
    gone = names[len(names) // 6:len(names) // 6 + 3]
    app = {}
    for n in replaced:
        app[n] = blob()
    for i in range(a.files // 2):
        app["app/bin/p%03d" % i] = blob()
    for i in range(4):                              # base's bytes again
        app["app/copy%d" % i] = base[names[-1 - i]]
    app["etc/app.conf"] = blob(100, 3000)           # etc/ is opaque
    app["srv/data"] = blob()                        # a file over a dir
    app["opt/tool/run"] = blob()                    # a dir over a file

    def layer(path, files):
        t = Layer(path)
        t.opaque("etc")
        for n in gone:
            t.whiteout(n)
        t.whiteout("share/doc")
        for n in sorted(files):
            t.file(n, files[n])
        t.close()

    layer(os.path.join(a.out, "app-a.tar"), app)
    keys = sorted(app)
    for n in rnd.sample(keys, len(keys) // 3):
        app[n] = blob()
    layer(os.path.join(a.out, "app-b.tar"), app)


if __name__ == "__main__":
    main()
