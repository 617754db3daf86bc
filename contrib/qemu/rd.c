// SPDX-License-Identifier: GPL-2.0+
/*
 * rd mmap|splice SRC DST: copy every regular file under SRC to the same
 * path under DST, reading it through mmap(2) or splice(2), for the QEMU
 * guest.
 *
 * cat reads with read(2); these are the two other ways into the page
 * cache, and the guest checks that they give every file its own bytes
 * too (by sha256sum of DST).  One process for a whole tree: a process
 * per file takes minutes under TCG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int use_mmap;
static size_t src_len;
static const char *dst_root;

static int out(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

static int by_mmap(int fd, size_t size, int to)
{
	char *p;
	int ret;

	if (!size)
		return 0;
	p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return -1;
	ret = out(to, p, size);
	munmap(p, size);
	return ret;
}

/* file -> pipe by splice, pipe -> DST by read and write */
static int by_splice(int fd, int to)
{
	static char buf[65536];
	int pfd[2], ret = 0;
	ssize_t n, r;

	if (pipe(pfd))
		return -1;
	for (;;) {
		n = splice(fd, NULL, pfd[1], NULL, sizeof(buf), 0);
		if (n <= 0)
			break;
		while (n > 0) {
			r = read(pfd[0], buf, n);
			if (r <= 0 || out(to, buf, r)) {
				ret = -1;
				goto done;
			}
			n -= r;
		}
	}
	if (n < 0)
		ret = -1;
done:
	close(pfd[0]);
	close(pfd[1]);
	return ret;
}

/* mkdir -p of the directories above PATH */
static void parents(char *path)
{
	char *s;

	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
}

static int one(const char *path, const struct stat *st, int type,
	       struct FTW *ftw)
{
	char *dst;
	int fd, to, ret;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	if (asprintf(&dst, "%s/%s", dst_root, path + src_len) < 0)
		return -1;
	parents(dst);
	fd = open(path, O_RDONLY);
	to = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || to < 0) {
		fprintf(stderr, "rd: %s: %s\n", fd < 0 ? path : dst,
			strerror(errno));
		free(dst);
		return -1;
	}
	ret = use_mmap ? by_mmap(fd, st->st_size, to) : by_splice(fd, to);
	if (ret)
		fprintf(stderr, "rd: %s by %s: %s\n", path,
			use_mmap ? "mmap" : "splice", strerror(errno));
	close(fd);
	close(to);
	free(dst);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[1], "mmap") && strcmp(argv[1], "splice"))) {
		fprintf(stderr, "usage: rd mmap|splice SRC DST\n");
		return 2;
	}
	use_mmap = !strcmp(argv[1], "mmap");
	src_len = strlen(argv[2]);
	dst_root = argv[3];
	mkdir(dst_root, 0755);
	return nftw(argv[2], one, 16, FTW_PHYS) ? 1 : 0;
}
