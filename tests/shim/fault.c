// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * LD_PRELOAD shim that makes a source file vanish or change size at the
 * worst moment, to test how mkfs reacts to a tree that changes under it.
 *
 *   FAULT_PATH  the file, matched as the end of the path given to open()
 *               (so "/dir/name" or "name" both work)
 *   FAULT_MODE  vanish      unlink the file just before open()
 *               grow        append a byte just before open()
 *               shrink      cut the last byte just before open()
 *               grow-late   append a byte after open(), at the first
 *                           fstat() of it or read from it
 *               shrink-late truncate it to 0 at the same moment
 *               eio         every read of it fails with EIO, also through
 *                           copy_file_range(), sendfile() and splice()
 *               slow        every read of it first waits 200 ms, and
 *                           mapping it fails, so that a reader falls
 *                           back to reads
 *
 * The file really changes: the shim never lies about what is on disk.
 * Only "eio" fakes a result; "slow" makes a tool take its time.  It is
 * built without sanitizers; run ASan binaries with
 * ASAN_OPTIONS=verify_asan_link_order=0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_int fault_fd = -1;
static atomic_int late_done;
static char fault_full[4096];

static const char *mode_is(void)
{
	const char *m = getenv("FAULT_MODE");

	return m ? m : "";
}

static int matches(const char *path)
{
	const char *want = getenv("FAULT_PATH");
	size_t lp, lw;

	if (!want || !*want || !path)
		return 0;
	lp = strlen(path);
	lw = strlen(want);
	if (lp < lw || strcmp(path + lp - lw, want))
		return 0;
	return lp == lw || want[0] == '/' || path[lp - lw - 1] == '/';
}

static void append_byte(const char *path)
{
	int (*real_open)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	int fd = real_open(path, O_WRONLY | O_APPEND);

	if (fd >= 0) {
		if (write(fd, "+", 1) != 1)
			abort();
		close(fd);
	}
}

static void before_open(const char *path)
{
	const char *m = mode_is();
	struct stat st;

	if (!strcmp(m, "vanish")) {
		unlink(path);
	} else if (!strcmp(m, "grow")) {
		append_byte(path);
	} else if (!strcmp(m, "shrink") && !stat(path, &st) && st.st_size) {
		if (truncate(path, st.st_size - 1))
			abort();
	}
}

static int after_open(const char *path, int fd)
{
	if (fd >= 0) {
		strncpy(fault_full, path, sizeof(fault_full) - 1);
		atomic_store(&late_done, 0);
		atomic_store(&fault_fd, fd);
	}
	return fd;
}

int open(const char *path, int flags, ...)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, "open");
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!matches(path))
		return real(path, flags, mode);
	before_open(path);
	return after_open(path, real(path, flags, mode));
}

int open64(const char *path, int flags, ...)
{
	int (*real)(const char *, int, ...) = dlsym(RTLD_NEXT, "open64");
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (!matches(path))
		return real(path, flags, mode);
	before_open(path);
	return after_open(path, real(path, flags, mode));
}

/* once per open: mkfs may fstat() first, or read straight away */
static void after_fstat(int fd)
{
	const char *m = mode_is();

	if (fd < 0 || fd != atomic_load(&fault_fd) ||
	    atomic_exchange(&late_done, 1))
		return;
	if (!strcmp(m, "grow-late")) {
		append_byte(fault_full);
	} else if (!strcmp(m, "shrink-late")) {
		if (truncate(fault_full, 0))
			abort();
	}
}

int fstat(int fd, struct stat *st)
{
	int (*real)(int, struct stat *) = dlsym(RTLD_NEXT, "fstat");
	int ret = real(fd, st);

	after_fstat(fd);
	return ret;
}

int fstat64(int fd, struct stat64 *st)
{
	int (*real)(int, struct stat64 *) = dlsym(RTLD_NEXT, "fstat64");
	int ret = real(fd, st);

	after_fstat(fd);
	return ret;
}

static int fails_read(int fd)
{
	after_fstat(fd);
	if (fd < 0 || fd != atomic_load(&fault_fd))
		return 0;
	if (!strcmp(mode_is(), "slow"))
		usleep(200000);
	if (strcmp(mode_is(), "eio"))
		return 0;
	errno = EIO;
	return 1;
}

ssize_t read(int fd, void *buf, size_t len)
{
	ssize_t (*real)(int, void *, size_t) = dlsym(RTLD_NEXT, "read");

	return fails_read(fd) ? -1 : real(fd, buf, len);
}

ssize_t pread(int fd, void *buf, size_t len, off_t pos)
{
	ssize_t (*real)(int, void *, size_t, off_t) = dlsym(RTLD_NEXT, "pread");

	return fails_read(fd) ? -1 : real(fd, buf, len, pos);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t pos)
{
	ssize_t (*real)(int, void *, size_t, off_t) =
		dlsym(RTLD_NEXT, "pread64");

	return fails_read(fd) ? -1 : real(fd, buf, len, pos);
}

static int fails_map(int fd)
{
	if (fd < 0 || fd != atomic_load(&fault_fd) || strcmp(mode_is(), "slow"))
		return 0;
	errno = ENODEV;
	return 1;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t pos)
{
	void *(*real)(void *, size_t, int, int, int, off_t) =
		dlsym(RTLD_NEXT, "mmap");

	return fails_map(fd) ? MAP_FAILED :
		real(addr, len, prot, flags, fd, pos);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t pos)
{
	void *(*real)(void *, size_t, int, int, int, off_t) =
		dlsym(RTLD_NEXT, "mmap64");

	return fails_map(fd) ? MAP_FAILED :
		real(addr, len, prot, flags, fd, pos);
}

ssize_t copy_file_range(int in, loff_t *in_off, int out, loff_t *out_off,
			size_t len, unsigned int flags)
{
	ssize_t (*real)(int, loff_t *, int, loff_t *, size_t, unsigned int) =
		dlsym(RTLD_NEXT, "copy_file_range");

	return fails_read(in) ? -1 : real(in, in_off, out, out_off, len, flags);
}

ssize_t sendfile(int out, int in, off_t *off, size_t len)
{
	ssize_t (*real)(int, int, off_t *, size_t) = dlsym(RTLD_NEXT, "sendfile");

	return fails_read(in) ? -1 : real(out, in, off, len);
}

ssize_t splice(int in, loff_t *in_off, int out, loff_t *out_off, size_t len,
	       unsigned int flags)
{
	ssize_t (*real)(int, loff_t *, int, loff_t *, size_t, unsigned int) =
		dlsym(RTLD_NEXT, "splice");

	return fails_read(in) ? -1 : real(in, in_off, out, out_off, len, flags);
}

int close(int fd)
{
	int (*real)(int) = dlsym(RTLD_NEXT, "close");
	int old = fd;

	atomic_compare_exchange_strong(&fault_fd, &old, -1);
	return real(fd);
}
