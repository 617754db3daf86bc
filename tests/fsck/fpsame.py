#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Do two images carry the same fingerprints, path by path?

fpsame.py REPORT.json

REPORT is `dump.erofs --ishare-report --json A B` of exactly two images.
Files with equal fingerprints land in one group, across both images, so
the fingerprints of A and B agree path by path when every fingerprinted
path of A sits in the same group as that path of B, and B has no path
that A lacks.  A group lists one path per inode, so every fingerprinted
inode of each image must show up in some group: a file whose
fingerprint matches nothing in the other image is in none.  Both images
must count the same fingerprinted files, and at least one.  Prints each difference; exits 1 if any.
"""
import json
import sys


def main():
    rep = json.load(open(sys.argv[1]))
    a, b = (im['path'] for im in rep['images'])
    na, nb = (im['fingerprinted_files'] for im in rep['images'])
    group = {}
    for k, g in enumerate(rep['groups']):
        for m in g['members']:
            img, path = m.split(':', 1)
            group[(img, path)] = k
    pa = {p for (img, p) in group if img == a}
    pb = {p for (img, p) in group if img == b}
    bad = []
    if na != nb or not na:
        bad.append('fingerprinted files: %d in %s, %d in %s' % (na, a, nb, b))
    for img, n, paths in ((a, na, pa), (b, nb, pb)):
        if len(paths) != n:
            bad.append('%s: %d of %d fingerprinted files match the other '
                       'image' % (img, len(paths), n))
    for p in sorted(pa | pb):
        if group.get((a, p)) != group.get((b, p)):
            bad.append('%s: fingerprint differs' % p)
    for line in bad:
        print(line)
    print('%d paths compared, %d differences' % (len(pa | pb), len(bad)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
