#!/bin/bash
# SPDX-License-Identifier: GPL-2.0+
# The kernel side: boot our patched 6.12 kernel in QEMU and check that a
# small generated pair shares page cache as dump.erofs --ishare-report
# predicts (within 2 percentage points), that every file reads back its
# own bytes, what a forged fingerprint does, and that a small generated
# pair of layer stacks (two overlays over one shared base layer, with
# whiteouts, an opaque directory and replaced files) shares as predicted
# with every file of each merged view right (contrib/qemu/run.sh
# --quick).  Runs when the cached kernel exists, or when the packages to
# build one are installed (the first build takes long: see
# contrib/qemu/README.md); skips (77) otherwise.  Never installs anything.
set -eu
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
not_in_sanitizer_build "checks the kernel in QEMU; the host tools run sanitized elsewhere"

run=$top_srcdir/contrib/qemu/run.sh
cache=${EROFS_TOOLS_CACHE:-/var/cache/erofs-tools}
is_root || skip "needs root (kernel cache in $cache)"
command -v qemu-system-x86_64 > /dev/null || skip "no qemu-system-x86_64"
[ -x /bin/busybox ] || skip "no busybox-static"
key=$(cat "$top_srcdir"/contrib/kernel/*.patch \
	"$top_srcdir/contrib/qemu/kernel.config" | sha256sum | cut -c1-16)
if [ ! -f "$cache/kernel/$key/bzImage" ]; then
	[ -f /usr/src/linux-source-6.12.tar.xz ] ||
		skip "no cached kernel and no linux-source-6.12 to build one"
	[ "${EROFS_QEMU_BUILD:-1}" = 1 ] ||
		skip "no cached kernel and EROFS_QEMU_BUILD=0"
fi
rc=0
bash "$run" --no-install --quick --build-dir "$top_builddir" || rc=$?
[ $rc = 0 ] || [ $rc = 77 ] || fail "contrib/qemu/run.sh --quick exited $rc"
exit $rc
