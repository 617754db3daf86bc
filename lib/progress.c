// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The progress line.  The drawing thread wakes every 250 ms, reads the
 * counters and writes the whole line in one write(): "\r", the text cut
 * to the terminal's width (a wrapped line could not be redrawn), "\e[K",
 * and "\r" again, so that the cursor rests at the start of the line and
 * a message printed meanwhile replaces it (erofs_log_tty_line()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "erofs/print.h"
#include "erofs/progress.h"

#define PROGRESS_TICK_NS	250000000L

struct erofs_progress {
	_Atomic u64 files, bytes;
	pthread_mutex_t lock;		/* the fields below */
	pthread_cond_t wake;
	pthread_t thread;
	bool stop;
	int fd;
	const char *phase;		/* NULL: nothing to show yet */
	u64 files_total, bytes_total;
	struct timespec phase_start;
};

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* the unit that shows @v in at most 4 digits before the point */
static unsigned int unit_of(double v, const char **name)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (v >= 10000 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	*name = unit[u];
	return u;
}

static double in_unit(double v, unsigned int u)
{
	while (u--)
		v /= 1024;
	return v;
}

/*
 * "writing data: 2011/2970 files, 240.9/300.0 MiB (80%), 85.2 MiB/s,
 * 0:01 left", and less of it while totals or a rate are not known yet.
 */
static size_t format_line(struct erofs_progress *p, char *s, size_t len)
{
	u64 files = atomic_load_explicit(&p->files, memory_order_relaxed);
	u64 bytes = atomic_load_explicit(&p->bytes, memory_order_relaxed);
	double secs = seconds_since(&p->phase_start), rate;
	const char *un, *rn;
	unsigned int u, r;
	size_t n;

	n = snprintf(s, len, "%s: %llu", p->phase, (unsigned long long)files);
	if (p->files_total)
		n += snprintf(s + n, len - n, "/%llu",
			      (unsigned long long)p->files_total);
	n += snprintf(s + n, len - n, " files");
	if (!bytes && !p->bytes_total)
		return n;
	u = unit_of(p->bytes_total > bytes ? p->bytes_total : bytes, &un);
	n += snprintf(s + n, len - n, ", %.*f", u ? 1 : 0, in_unit(bytes, u));
	if (p->bytes_total)
		n += snprintf(s + n, len - n, "/%.*f %s (%u%%)", u ? 1 : 0,
			      in_unit(p->bytes_total, u), un,
			      (unsigned int)(bytes >= p->bytes_total ? 100 :
					     bytes * 100 / p->bytes_total));
	else
		n += snprintf(s + n, len - n, " %s", un);
	/* a rate needs a second of history to mean something */
	if (secs < 1 || !bytes)
		return n;
	rate = bytes / secs;
	r = unit_of(rate, &rn);
	n += snprintf(s + n, len - n, ", %.1f %s/s", in_unit(rate, r), rn);
	if (p->bytes_total > bytes) {
		u64 left = (p->bytes_total - bytes) / rate + 1;

		n += snprintf(s + n, len - n, ", %llu:%02llu left",
			      (unsigned long long)left / 60,
			      (unsigned long long)left % 60);
	}
	return n;
}

static void draw(struct erofs_progress *p)
{
	char line[320], out[sizeof(line) + 16];
	struct winsize ws;
	size_t n, cols = 80;

	if (!p->phase)
		return;
	if (!ioctl(p->fd, TIOCGWINSZ, &ws) && ws.ws_col)
		cols = ws.ws_col;
	n = format_line(p, line, sizeof(line));
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	if (n > cols - 1)
		n = cols - 1;
	/*
	 * Unchanged frames are sent too: a message may have erased the
	 * line since, and four short writes a second cost nothing.
	 */
	n = snprintf(out, sizeof(out), "\r%.*s\033[K\r", (int)n, line);
	/* a short or failed write only costs one frame */
	if (write(p->fd, out, n) < 0)
		return;
}

static void *display_fn(void *arg)
{
	struct erofs_progress *p = arg;
	struct timespec t;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += PROGRESS_TICK_NS;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->wake, &p->lock, &t);
		if (!p->stop)
			draw(p);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct erofs_progress *erofs_progress_start(int fd)
{
	struct erofs_progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fd = fd;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->wake, NULL);
	if (pthread_create(&p->thread, NULL, display_fn, p)) {
		pthread_cond_destroy(&p->wake);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	erofs_log_tty_line(fd);
	return p;
}

void erofs_progress_stop(struct erofs_progress *p)
{
	static const char clear[] = "\r\033[K";

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	erofs_log_tty_line(-1);
	if (write(p->fd, clear, sizeof(clear) - 1) < 0)
		errno = 0;	/* nothing to clear on a closed terminal */
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void erofs_progress_phase(struct erofs_progress *p, const char *phase,
			  u64 files_total, u64 bytes_total)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->phase = phase;
	p->files_total = files_total;
	p->bytes_total = bytes_total;
	atomic_store(&p->files, 0);
	atomic_store(&p->bytes, 0);
	clock_gettime(CLOCK_MONOTONIC, &p->phase_start);
	pthread_mutex_unlock(&p->lock);
}

void erofs_progress_add(struct erofs_progress *p, u64 files, u64 bytes)
{
	if (!p)
		return;
	atomic_fetch_add_explicit(&p->files, files, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->bytes, bytes, memory_order_relaxed);
}
