#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""shrink.py FSCK IMAGE COPY: truncate COPY (of IMAGE) while fsck checks it.

Starts fsck, stops it (SIGSTOP) as soon as /proc shows the image mapped,
cuts the copy to 64 KiB, lets fsck go on.  fsck must then exit 8 with a
one-line read error, not crash and not report a damaged image.  Prints
fsck's stderr; exit 0 when fsck behaved, 1 otherwise.
"""
import os
import signal
import subprocess
import sys
import time


def mapped(pid, path):
    try:
        with open('/proc/%d/maps' % pid) as f:
            return any(line.rstrip().endswith(path) for line in f)
    except OSError:
        return False


def attempt(fsck, img):
    p = subprocess.Popen([fsck, '--workers=1', img], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while p.poll() is None and not mapped(p.pid, img):
        if time.monotonic() > deadline:
            p.kill()
            sys.exit('fsck never mapped the image')
    try:
        os.kill(p.pid, signal.SIGSTOP)
    except ProcessLookupError:
        pass
    if p.poll() is not None:
        p.communicate()
        return None         # finished first: try again
    os.truncate(img, 65536)
    os.kill(p.pid, signal.SIGCONT)
    err = p.communicate()[1].decode(errors='replace')
    return p.returncode, err


def main():
    fsck, pristine, img = sys.argv[1:4]
    with open(pristine, 'rb') as f:
        saved = f.read()
    for _ in range(5):
        with open(img, 'wb') as f:
            f.write(saved)
        r = attempt(fsck, os.path.abspath(img))
        if r:
            break
    else:
        sys.exit('fsck always finished before it could be stopped')
    rc, err = r
    sys.stderr.write(err)
    lines = err.strip().splitlines()
    if rc != 8:
        sys.exit('fsck exited %d after the image shrank, wanted 8' % rc)
    if not lines or not any('read' in l for l in lines):
        sys.exit('no read error reported')
    return 0


if __name__ == '__main__':
    sys.exit(main())
