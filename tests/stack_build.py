#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Build container images as layer stacks, and what running them must show.

  stack_build.py OUTDIR NAME=LAYER[,LAYER...] [NAME=...]...

Each LAYER (lowest first) is a layer tar or a directory (tarred with
numeric owners and xattrs first).  Every distinct layer (the same path
given to several stacks is one layer) becomes OUTDIR/layers/LN.img with
exactly the mkfs argument list of containerd's EROFS snapshotter plus
--ishare_key:

  mkfs.erofs --tar=f --aufs --quiet -Enoinline_data --ishare_key LN.img < LN.tar

and OUTDIR gets, for a harness that mounts the layers and an overlay per
stack (on the host or in a QEMU guest):

  stacks.txt        one line per stack: NAME LN.img ... (lowest first)
  NAME.sha256       sha256sum lines ("DIGEST  ./path") of every regular
                    file the stack's merged view must show, computed from
                    the tars by tests/overlay_model.py (not by our tools)
  NAME.manifest     every entry of that merged view (overlay_model.py
                    manifest), to compare with `overlay_model.py scan`
  report.json       dump.erofs --ishare-report --json of all the stacks:
                    the prediction of the page cache reading every file
                    of every view takes, without and with sharing
  report.txt        the same report as text

Before it finishes, report.json is checked against the same merged trees
(tests/dump/ishare_stack.py check), so a wrong prediction stops here.
MKFS_EROFS, DUMP_EROFS and PYTHON name the tools (default: the build
tree next to this script's source tree, as in make check).
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import overlay_model as om          # noqa: E402


def tool(var, rel):
    top = os.environ.get("top_builddir", os.path.dirname(HERE))
    return os.environ.get(var, os.path.join(top, rel))


def run(args, stdin=None, stdout=None):
    r = subprocess.run(args, stdin=stdin, stdout=stdout)
    if r.returncode:
        sys.exit(f"stack_build: {' '.join(args)} failed ({r.returncode})")


def layer_tar(src, out):
    """A tar of the layer: the tar itself, or one made of a directory."""
    if not os.path.isdir(src):
        return src
    with open(out, "wb") as f:
        run(["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*",
             "-C", src, "-cf", "-", "."], stdout=f)
    return out


def parse(specs):
    stacks = []
    for spec in specs:
        name, _, layers = spec.partition("=")
        if not name or not layers or "/" in name or " " in name:
            sys.exit(f"stack_build: bad stack '{spec}': want NAME=LAYER,...")
        stacks.append((name, [os.path.realpath(x) for x in
                              layers.split(",")]))
    return stacks


def build(out, stacks, mkfs, dump, python, uuid_of=None):
    """Everything the module's doc names, for STACKS [(NAME, [LAYER...])]
    into OUT; UUID_OF(LAYER), when given, picks each image's -U.  Returns
    {LAYER: (IMAGE, TAR)} in the order the layers were made."""
    os.makedirs(os.path.join(out, "layers"), exist_ok=True)
    layers = {}         # source -> (image, tar)
    for _, srcs in stacks:
        for src in srcs:
            if src in layers:
                continue
            n = f"L{len(layers)}"
            img = os.path.join(out, "layers", n + ".img")
            tar = layer_tar(src, os.path.join(out, "layers", n + ".tar"))
            cmd = [mkfs, "--tar=f", "--aufs", "--quiet", "-Enoinline_data"]
            if uuid_of:
                cmd += ["-U", uuid_of(src)]
            with open(tar, "rb") as f:
                run(cmd + ["--ishare_key", img], stdin=f)
            layers[src] = (img, tar)
    args, specs = [dump, "--ishare-report"], []
    with open(os.path.join(out, "stacks.txt"), "w") as st:
        for name, srcs in stacks:
            imgs = [layers[s][0] for s in srcs]
            tars = [layers[s][1] for s in srcs]
            st.write(" ".join([name] + [os.path.basename(i) for i in imgs])
                     + "\n")
            args += ["--stack", f"{name}=" + ",".join(imgs)]
            specs.append(f"stack:{name}=" + ",".join(
                f"{i}@{t}" for i, t in zip(imgs, tars)))
            tree = om.merge(tars)
            with open(os.path.join(out, name + ".manifest"), "w") as f:
                f.write("\n".join(om.manifest_lines(name, tree)) + "\n")
            with open(os.path.join(out, name + ".sha256"), "w") as f:
                for path in sorted(tree, key=om.walk_key):
                    if tree[path].kind == "reg":
                        f.write(f"{tree[path].sha}  ./{path}\n")
    for fmt, extra in (("report.json", ["--json"]), ("report.txt", [])):
        with open(os.path.join(out, fmt), "w") as f:
            run(args + extra, stdout=f)
    run([python, os.path.join(HERE, "dump", "ishare_stack.py"), "check",
         os.path.join(out, "report.json"), os.path.join(out, "report.txt")]
        + specs, stdout=subprocess.DEVNULL)
    return layers


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out, stacks = argv[0], parse(argv[1:])
    build(out, stacks, tool("MKFS_EROFS", "mkfs/mkfs.erofs"),
          tool("DUMP_EROFS", "dump/dump.erofs"),
          os.environ.get("PYTHON", sys.executable))
    return 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
