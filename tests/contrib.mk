# SPDX-License-Identifier: GPL-2.0+
# The kernel side (contrib/): our sharing patch booted in QEMU.  Skips (77)
# without root, qemu, busybox-static and a cached or buildable kernel.
TESTS += tests/contrib/harness.sh tests/contrib/qemu.sh
EXTRA_DIST += tests/contrib/harness.sh tests/contrib/qemu.sh \
	contrib/kernel/README.md \
	contrib/kernel/0001-erofs-read-the-fingerprint-prefix-id-from-the-superb.patch \
	contrib/kernel/0002-erofs-share-page-cache-of-fingerprinted-files-inode_.patch \
	contrib/kernel/0003-erofs-share-page-cache-of-compressed-files-too.patch \
	contrib/kernel/0004-erofs-read-plain-xattr-prefixes-outside-the-packed-inode.patch \
	contrib/qemu/README.md \
	contrib/qemu/run.sh \
	contrib/qemu/report.py \
	contrib/qemu/guest-init.sh \
	contrib/qemu/kernel.config \
	contrib/qemu/mnt.c \
	contrib/qemu/rd.c \
	contrib/qemu/genpair.py \
	contrib/qemu/genstack.py \
	contrib/qemu/stack-host.py \
	contrib/qemu/stack-apps.sh \
	contrib/qemu/debian-stack.py \
	contrib/qemu/forge-fingerprint.py
