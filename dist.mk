# SPDX-License-Identifier: GPL-2.0+
# The release tarball (`make dist`, `make distcheck`): everything a build
# and the whole test suite need, and the tools around them.  Only .ci/
# and .gitignore stay out; tests/dist.sh fails on any other file of the
# git tree that is missing.
EXTRA_DIST += autogen.sh README.md docs/erofs-utils-options.md \
	bench/README.md bench/common.sh bench/compress bench/compress-matrix.sh \
	bench/fsck bench/fuzz \
	bench/gen-tree bench/ishare bench/mkfs bench/pairs bench/progress \
	bench/report \
	debian/changelog debian/control debian/copyright debian/rules \
	debian/source/format debian/erofs-tools.docs

# Reproducible: configure.ac gives tar its options; gzip, reading the
# archive from a pipe, records neither a name nor a time.

# distcheck installs under its own prefix, the completions too
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-bash-completion-dir="$$dc_install_base/share/bash-completion/completions"
