#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""The host side of run.sh's stack mode: layer images, expectations, report.

  stack-host.py MKFS DUMP OUTDIR NAME=LAYER[,LAYER...] [NAME=...]...

Each LAYER (lowest first) is a layer tar or a directory (tarred with
numeric owners and xattrs first).  Every distinct layer (the same path in
several stacks is one layer, mounted once in the guest) becomes
OUTDIR/layers/LN.img with containerd's EROFS snapshotter's mkfs argument
list, tar on stdin, plus --ishare_key:

  mkfs.erofs --tar=f --aufs --quiet -Enoinline_data -U UUID --ishare_key LN.img

(UUID: derived from the layer's path, so that a rerun gives the same
image).  OUTDIR then gets:

  stacks.txt    one line per stack: NAME LN.img ... (lowest first)
  NAME.sha256   "DIGEST  ./path" of every regular file of the stack's
                merged view, from tests/overlay_model.py applying the
                tars in order (not from our tools)
  report.json   dump.erofs --ishare-report --json --stack ... of all the
                stacks: the page cache that reading every file of every
                merged view should take without and with sharing
  layers.txt    LN.img SIZE LAYER: which layer each image is

(and NAME.manifest, report.txt), and report.json is checked against the
same merged trees by tests/dump/ishare_stack.py check, so that a wrong
prediction stops the run here rather than being "confirmed" by the
kernel.  All but the UUIDs, layers.txt and the checks of the command
line is tests/stack_build.py's work, which make check tests.
"""

import os
import sys
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests"))
import stack_build as sb           # noqa: E402


def die(msg):
    sys.exit("stack-host.py: " + msg)


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    mkfs, dump, out = argv[:3]
    stacks = []
    for spec in argv[3:]:
        name, _, lay = spec.partition("=")
        if not name or not lay or not all(
                c.isalnum() or c in "._+-" for c in name):
            die("bad stack '%s': want NAME=LAYER,... (NAME of letters, "
                "digits, ._+-)" % spec)
        srcs = [os.path.realpath(x) for x in lay.split(",")]
        for s in srcs:
            if not os.path.exists(s):
                die("stack %s: no layer tar or directory '%s'" % (name, s))
        stacks.append((name, srcs))
    layers = sb.build(out, stacks, mkfs, dump, sys.executable,
                      uuid_of=lambda src: str(
                          uuid.uuid5(uuid.NAMESPACE_URL, "file://" + src)))
    with open(os.path.join(out, "layers.txt"), "w") as lt:
        for src, (img, tar) in layers.items():
            lt.write("%s %d %s\n" % (os.path.basename(img),
                                     os.path.getsize(img), src))
            if tar.startswith(out + "/"):
                os.unlink(tar)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
