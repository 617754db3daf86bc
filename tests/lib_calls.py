#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Calls between the library's files must run one way.

  lib_calls.py OBJDIR

Reads the symbol tables (nm) of the library's objects in OBJDIR (the
build's lib/), draws which file calls or uses which other file's
symbols, and prints every circle: a set of files that reach one another
(a strongly connected component of more than one file), with the
symbols behind each arrow.  Exit 1 when there is a circle, 0 when the
files form layers, 2 when there are no objects to read.
"""

import glob
import os
import re
import subprocess
import sys


def graph(objdir):
    defs, uses = {}, {}
    for obj in sorted(glob.glob(os.path.join(objdir, "*.o"))):
        name = re.sub(r"^lib[a-z]*_a-", "", os.path.basename(obj))[:-2]
        out = subprocess.run(["nm", obj], capture_output=True, text=True,
                             check=True).stdout
        uses[name] = set()
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in "TDBR":
                defs[f[2]] = name
            elif len(f) == 2 and f[0] == "U":
                uses[name].add(f[1])
    calls = {n: {defs[s] for s in u if defs.get(s, n) != n}
             for n, u in uses.items()}
    return calls, defs, uses


def circles(calls):
    """Tarjan's strongly connected components, without recursion."""
    index, low, on, stack, out, n = {}, {}, set(), [], [], 0
    for root in sorted(calls):
        if root in index:
            continue
        work = [(root, iter(sorted(calls[root])))]
        index[root] = low[root] = n
        n += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = n
                    n += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(calls[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    calls, defs, uses = graph(argv[0])
    if not calls:
        print("lib_calls.py: no objects in %s" % argv[0], file=sys.stderr)
        return 2
    found = circles(calls)
    for comp in found:
        print("circle: " + " ".join(comp))
        for a in comp:
            for b in sorted(calls[a] & set(comp)):
                syms = sorted(s for s in uses[a] if defs.get(s) == b)
                print("  %s -> %s: %s" % (a, b, " ".join(syms)))
    print("%d files, %d circles" % (len(calls), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
