#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""No call circles between the reader's library files.

layers.py BUILDDIR [PREFIX]: from `nm` of BUILDDIR/lib/*.o, which file
calls which; fail, naming them, if files whose name starts with PREFIX
(reader_) call each other in a circle, directly or through others.
"""
import glob
import os
import subprocess
import sys


def graph(build):
    defs, uses = {}, {}
    for obj in sorted(glob.glob(os.path.join(build, 'lib', '*.o'))):
        name = os.path.basename(obj).replace('liberofs_a-', '')[:-2] + '.c'
        out = subprocess.run(['nm', obj], capture_output=True, text=True,
                             check=True).stdout
        uses[name] = set()
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'TDRB':
                defs[f[2]] = name
            elif len(f) == 2 and f[0] == 'U':
                uses[name].add(f[1])
    return {a: {defs[s] for s in u if defs.get(s, a) != a}
            for a, u in uses.items()}


def circles(edges):
    """Strongly connected components of more than one file (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    build, prefix = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ''
    edges = graph(build)
    if len(edges) < 2:
        raise SystemExit('no objects under %s/lib' % build)
    edges = {a: {b for b in e if b.startswith(prefix)}
             for a, e in edges.items() if a.startswith(prefix)}
    bad = circles(edges)
    for comp in bad:
        print('call circle: ' + ' <-> '.join(comp))
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
