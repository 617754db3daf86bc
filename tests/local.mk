# SPDX-License-Identifier: GPL-2.0+
# `make check`: unit tests of lib in C, and script tests that build images,
# mount them with the kernel and compare them with their source.  Scripts
# that need root, loop devices or a tool that is missing exit 77 (SKIP).
#
# A full run is `tests/run-suite.sh BUILDDIR` (README.md): it runs
# `make check` and ends with the line "N passed, M failed[, K skipped]",
# counted from the .trs files of every test in TESTS.

# --- unit tests of lib ---------------------------------------------------
UNIT_TESTS = \
	tests/unit/crc32c_test \
	tests/unit/xattr_prefix_test \
	tests/unit/ondisk_test \
	tests/unit/fingerprint_test \
	tests/unit/zread_test \
	tests/unit/znoise_test \
	tests/unit/hashtab_test
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)
tests_unit_crc32c_test_SOURCES = tests/unit/crc32c_test.c tests/unit/check.h
tests_unit_crc32c_test_LDADD = $(EROFS_LIBS)
tests_unit_xattr_prefix_test_SOURCES = tests/unit/xattr_prefix_test.c \
	tests/unit/check.h
tests_unit_xattr_prefix_test_LDADD = $(EROFS_LIBS)
tests_unit_ondisk_test_SOURCES = tests/unit/ondisk_test.c tests/unit/check.h
tests_unit_ondisk_test_LDADD = $(EROFS_LIBS)
tests_unit_fingerprint_test_SOURCES = tests/unit/fingerprint_test.c \
	tests/unit/check.h
tests_unit_fingerprint_test_LDADD = $(EROFS_LIBS)
tests_unit_zread_test_SOURCES = tests/unit/zread_test.c tests/unit/check.h
tests_unit_zread_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
tests_unit_zread_test_LDADD = $(EROFS_LIBS)
tests_unit_znoise_test_SOURCES = tests/unit/znoise_test.c tests/unit/check.h
tests_unit_znoise_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
tests_unit_znoise_test_LDADD = $(EROFS_LIBS)
tests_unit_hashtab_test_SOURCES = tests/unit/hashtab_test.c tests/unit/check.h
tests_unit_hashtab_test_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/lib
tests_unit_hashtab_test_LDADD = $(EROFS_LIBS)

# --- script tests: how they run -------------------------------------------
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL) $(top_srcdir)/tests/timed.sh
TESTS += tests/harness-selftest.sh
EXTRA_DIST += tests/lib.sh tests/build-kind.sh tests/summary.sh tests/run-suite.sh tests/timed.sh \
	tests/harness-selftest.sh

# --- the release tarball and the Debian package -----------------------------
# The two longest tests (each builds its own copy), listed first so that
# `make -j2 check` runs the rest beside them instead of waiting for them
# at the end.
TESTS += tests/dist.sh tests/deb.sh
EXTRA_DIST += tests/dist.sh tests/deb.sh

# Everything a script needs to find, as absolute paths.  ASan and UBSan
# exit with codes no test expects from a tool, so a sanitizer report can
# never pass for a clean exit 1.
#
# `python3` is resolved once, to the interpreter itself, and put first on
# the tests' PATH: a version manager's shim (pyenv's is a chain of bash
# scripts) costs about 0.4 s of CPU per call, and the suite makes
# hundreds of calls.
AM_TESTS_ENVIRONMENT = \
	PATH='$(abs_top_builddir)/tests/bin':"$$PATH"; export PATH; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	MKFS_EROFS='$(abs_top_builddir)/mkfs/mkfs.erofs'; export MKFS_EROFS; \
	FSCK_EROFS='$(abs_top_builddir)/fsck/fsck.erofs'; export FSCK_EROFS; \
	DUMP_EROFS='$(abs_top_builddir)/dump/dump.erofs'; export DUMP_EROFS; \
	FAULT_SHIM='$(abs_top_builddir)/tests/shim/fault.so'; \
	export FAULT_SHIM; \
	PYTHON="$${PYTHON:-python3}"; export PYTHON; \
	ASAN_OPTIONS="exitcode=86:detect_leaks=1:$${ASAN_OPTIONS:-}"; \
	export ASAN_OPTIONS; \
	UBSAN_OPTIONS="exitcode=87:print_stacktrace=1:$${UBSAN_OPTIONS:-}"; \
	export UBSAN_OPTIONS;

check_DATA = tests/bin/python3
tests/bin/python3:
	$(AM_V_GEN)$(MKDIR_P) tests/bin && \
	py=$$($${PYTHON:-python3} -c 'import sys; print(sys.executable)') && \
	test -x "$$py" && ln -sf "$$py" $@
CLEANFILES += tests/bin/python3

# The tests and their extensions, for tests/run-suite.sh; the summary line
# of the last run.
list-tests:
	@echo $(TESTS)
list-test-extensions:
	@echo $(TEST_EXTENSIONS)
check-summary:
	@$(SHELL) $(top_srcdir)/tests/summary.sh --ext '$(TEST_EXTENSIONS)' \
		$(TESTS)
.PHONY: list-tests list-test-extensions check-summary

# The other test areas append `TESTS += ...` in their own fragments.
include tests/fsck.mk
include tests/dump.mk
include tests/compress.mk
include tests/contrib.mk
include tests/fuzz.mk

# --- the awkward tree, the comparer, the independent image parser --------
EXTRA_DIST += tests/gen_tree.py tests/compare_tree.py tests/erofs_parse.py \
	tests/lib_calls.py \
	tests/overlay_model.py tests/stack_build.py
MKFS_TOOL_TESTS = \
	tests/lib-calls.sh \
	tests/mkfs/parser-selftest.sh \
	tests/mkfs/compare-selftest.sh \
	tests/mkfs/image-parse.sh
TESTS += $(MKFS_TOOL_TESTS)
EXTRA_DIST += $(MKFS_TOOL_TESTS)

# --- kernel round trips ---------------------------------------------------
MKFS_KERNEL_TESTS = \
	tests/mkfs/roundtrip-4k.sh \
	tests/mkfs/roundtrip-512.sh \
	tests/mkfs/roundtrip-options.sh \
	tests/mkfs/inode-packing.sh \
	tests/mkfs/upstream-options.sh \
	tests/mkfs/file-contexts.sh \
	tests/mkfs/limits.sh
TESTS += $(MKFS_KERNEL_TESTS)
EXTRA_DIST += $(MKFS_KERNEL_TESTS)

# --- reproducible builds, bad inputs, Debian's fsck.erofs -----------------
# The fault-injection shim is preloaded into sanitized binaries too, so it
# is built without sanitizer flags (its own CFLAGS/LDFLAGS replace AM_*).
check_PROGRAMS += tests/shim/fault.so
tests_shim_fault_so_SOURCES = tests/shim/fault.c
tests_shim_fault_so_CFLAGS = -fPIC $(WARN_CFLAGS)
tests_shim_fault_so_LDFLAGS = -shared
tests_shim_fault_so_LDADD = -ldl
MKFS_INPUT_TESTS = \
	tests/mkfs/reproducible.sh \
	tests/mkfs/bad-args.sh \
	tests/mkfs/bad-source.sh \
	tests/mkfs/bad-env.sh \
	tests/mkfs/blockdev.sh \
	tests/mkfs/debian-fsck.sh \
	tests/mkfs/tar.sh \
	tests/mkfs/tar-peers.sh \
	tests/mkfs/tar-names.sh \
	tests/mkfs/tmpdir.sh
TESTS += $(MKFS_INPUT_TESTS)
EXTRA_DIST += $(MKFS_INPUT_TESTS)

# --- page-cache sharing fingerprints ---------------------------------------
MKFS_ISHARE_TESTS = \
	tests/mkfs/ishare.sh \
	tests/mkfs/ishare-names.sh
TESTS += $(MKFS_ISHARE_TESTS)
EXTRA_DIST += $(MKFS_ISHARE_TESTS)

# --- man pages, and that they cover every option of --help ----------------
dist_man_MANS += man/mkfs.erofs.1
TESTS += tests/man-options.sh
EXTRA_DIST += tests/man-options.sh

# --- what the tools say about themselves ------------------------------------
TESTS += tests/version.sh tests/completion.sh tests/progress.sh
EXTRA_DIST += tests/version.sh tests/completion.sh tests/progress.sh \
	tests/pty_run.py

