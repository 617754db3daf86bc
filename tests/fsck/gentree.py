#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0+
"""Build a deterministic source tree that exercises the reader.

gentree.py DIR [--seed N] [--small] [--longname N]

Every file content is unique (so a block address pointing at another file
can never pass a fingerprint check), sizes sit around block boundaries,
and the tree has what an image can hold: hard links, symlinks of all
lengths, fifos, sockets, devices and odd owners (as root), xattrs private
and shared, long and odd names, a multi-block directory, deep nesting,
nanosecond mtimes and special mode bits.
"""
import argparse
import os
import random
import socket
import stat

SIZES = [0, 1, 7, 100, 511, 512, 513, 1023, 1024, 2047, 4095, 4096, 4097,
         8191, 8192, 12289, 65536, 70001, 300000]


def content(rng, n, tag):
    """n unique bytes: a header naming the file, then seeded noise/text."""
    head = ('<%s>' % tag).encode()
    if rng.random() < 0.5:
        body = rng.randbytes(max(n, 0))
    else:
        words = [b'erofs', b'block', b'inode', b'xattr', b'\n', b' ']
        body = b''.join(rng.choice(words) for _ in range(n // 3 + 1))
    return (head + body)[:n]


def set_time(path, rng):
    ns = rng.randrange(10**9, 2 * 10**9) * 10**9 + rng.randrange(10**9)
    os.utime(path, ns=(ns, ns), follow_symlinks=False)


def setx(path, name, value):
    try:
        os.setxattr(path, name, value, follow_symlinks=False)
    except OSError:
        pass


def make_files(root, rng, names, root_user):
    for i, size in enumerate(SIZES):
        p = os.path.join(root, 'f%02d_%d' % (i, size))
        with open(p, 'wb') as f:
            f.write(content(rng, size, p))
        names.append(p)
    # a sparse file: holes before and after some data
    p = os.path.join(root, 'sparse')
    with open(p, 'wb') as f:
        f.truncate(3 * 1024 * 1024)
        f.seek(1024 * 1024 + 100)
        f.write(content(rng, 5000, p))
    names.append(p)
    # modes
    for mode in (0o4755, 0o2750, 0o1777, 0o000, 0o444):
        p = os.path.join(root, 'mode%o' % mode)
        with open(p, 'wb') as f:
            f.write(content(rng, 50, p))
        os.chmod(p, mode)
        names.append(p)
    if root_user:
        for uid, gid in ((1000, 1000), (70000, 80000), (65535, 0)):
            p = os.path.join(root, 'own%d' % uid)
            with open(p, 'wb') as f:
                f.write(content(rng, 30, p))
            os.chown(p, uid, gid)
            names.append(p)


def make_links(root, rng, names):
    os.symlink('f00_0', os.path.join(root, 'sym_short'))
    os.symlink('x' * 200 + '/' + 'y' * 800, os.path.join(root, 'sym_long'))
    os.symlink('/nonexistent/target', os.path.join(root, 'sym_dangling'))
    os.symlink('../' * 3 + 'etc/passwd', os.path.join(root, 'sym_up'))
    src = os.path.join(root, 'hard_a')
    with open(src, 'wb') as f:
        f.write(content(rng, 6000, src))
    os.makedirs(os.path.join(root, 'hl'), exist_ok=True)
    os.link(src, os.path.join(root, 'hard_b'))
    os.link(src, os.path.join(root, 'hl', 'hard_c'))
    names.append(src)


def make_specials(root, root_user):
    os.mkfifo(os.path.join(root, 'fifo'))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        s = socket.socket(socket.AF_UNIX)
        s.bind('sock')
        s.close()
    finally:
        os.chdir(cwd)
    if root_user:
        os.mknod(os.path.join(root, 'null'), stat.S_IFCHR | 0o666,
                 os.makedev(1, 3))
        os.mknod(os.path.join(root, 'blk'), stat.S_IFBLK | 0o660,
                 os.makedev(259, 70000))


def make_xattrs(root, names, root_user):
    for i, p in enumerate(names):
        if i % 3 == 0:
            setx(p, 'user.private%d' % i, b'value-%d' % i)
        if i % 4 == 0:
            setx(p, 'user.shared', b'the same value everywhere')
        if i % 5 == 0:
            setx(p, 'user.big', bytes(range(256)) * 8)
        if root_user and i % 6 == 0:
            setx(p, 'trusted.t%d' % i, b'trusted')
    setx(root, 'user.rootdir', b'on the root')


def make_dirs(root, rng, names, small, longname):
    big = os.path.join(root, 'bigdir')
    os.mkdir(big)
    for i in range(60 if small else 400):
        p = os.path.join(big, 'entry-%04d-%s' % (i, 'n' * (i % 40)))
        with open(p, 'wb') as f:
            f.write(content(rng, rng.choice((0, 10, 300)), p))
    odd = os.path.join(root, 'odd')
    os.mkdir(odd)
    for name in ('with space', 'new\nline', 'tab\there', 'ünïcødé',
                 '-dash', '.hidden', '..dots', 'a' * longname, 'back\\slash',
                 "quote'd"):
        p = os.path.join(odd, name)
        with open(p, 'wb') as f:
            f.write(content(rng, 20, p))
    deep = root
    for i in range(40 if not small else 12):
        deep = os.path.join(deep, 'd%d' % i)
        os.mkdir(deep)
    with open(os.path.join(deep, 'bottom'), 'wb') as f:
        f.write(content(rng, 1234, deep))
    os.mkdir(os.path.join(root, 'empty'))
    os.chmod(os.path.join(root, 'empty'), 0o700)


def set_times(root, rng):
    for dirpath, dirs, files in os.walk(root, topdown=False):
        for n in files + dirs:
            set_time(os.path.join(dirpath, n), rng)
        set_time(dirpath, rng)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--small', action='store_true')
    # Debian's mkfs.erofs 1.5 fails on 255-byte names
    ap.add_argument('--longname', type=int, default=255)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    root_user = os.geteuid() == 0
    os.makedirs(a.dir)
    names = []
    make_files(a.dir, rng, names, root_user)
    make_links(a.dir, rng, names)
    make_specials(a.dir, root_user)
    make_dirs(a.dir, rng, names, a.small, a.longname)
    make_xattrs(a.dir, names, root_user)
    set_times(a.dir, rng)


if __name__ == '__main__':
    main()
