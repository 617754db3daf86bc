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

and report.json is checked against the same merged trees by
tests/dump/ishare_stack.py check, so that a wrong prediction stops the
run here rather than being "confirmed" by the kernel.
"""

import os
import subprocess
import sys
import uuid

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests"))
import overlay_model as om          # noqa: E402


def die(msg):
    sys.exit("stack-host.py: " + msg)


def run(args, stdin=None, stdout=None):
    r = subprocess.run(args, stdin=stdin, stdout=stdout)
    if r.returncode:
        die("%s failed (exit %d)" % (" ".join(args), r.returncode))


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
    os.makedirs(os.path.join(out, "layers"), exist_ok=True)
    layers = {}         # source -> (image, tar)
    with open(os.path.join(out, "layers.txt"), "w") as lt:
        for _, srcs in stacks:
            for src in srcs:
                if src in layers:
                    continue
                n = "L%d" % len(layers)
                img = os.path.join(out, "layers", n + ".img")
                tar = src
                if os.path.isdir(src):
                    tar = os.path.join(out, n + ".tar")
                    with open(tar, "wb") as f:
                        run(["tar", "--numeric-owner", "--xattrs",
                             "--xattrs-include=*", "-C", src, "-cf", "-",
                             "."], stdout=f)
                u = str(uuid.uuid5(uuid.NAMESPACE_URL, "file://" + src))
                with open(tar, "rb") as f:
                    run([mkfs, "--tar=f", "--aufs", "--quiet",
                         "-Enoinline_data", "-U", u, "--ishare_key", img],
                        stdin=f)
                layers[src] = (img, tar)
                lt.write("%s.img %d %s\n" % (n, os.path.getsize(img), src))
    args, specs = [dump, "--ishare-report"], []
    with open(os.path.join(out, "stacks.txt"), "w") as st:
        for name, srcs in stacks:
            imgs = [layers[s][0] for s in srcs]
            tars = [layers[s][1] for s in srcs]
            st.write(" ".join([name] + [os.path.basename(i) for i in imgs])
                     + "\n")
            args += ["--stack", name + "=" + ",".join(imgs)]
            specs.append("stack:%s=" % name + ",".join(
                "%s@%s" % (i, t) for i, t in zip(imgs, tars)))
            tree = om.merge(tars)
            with open(os.path.join(out, name + ".sha256"), "w") as f:
                for path in sorted(tree, key=om.walk_key):
                    if tree[path].kind == "reg":
                        f.write("%s  ./%s\n" % (tree[path].sha, path))
    for fmt, extra in (("report.json", ["--json"]), ("report.txt", [])):
        with open(os.path.join(out, fmt), "w") as f:
            run(args + extra, stdout=f)
    run([sys.executable, os.path.join(TOP, "tests", "dump", "ishare_stack.py"),
         "check", os.path.join(out, "report.json"),
         os.path.join(out, "report.txt")] + specs, stdout=subprocess.DEVNULL)
    for _, (img, tar) in layers.items():
        if tar.startswith(out + "/"):
            os.unlink(tar)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
