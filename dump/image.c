// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs's view of an image: open it read-only, and turn the reader's
 * problem reports into at most one error line per image.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "dump.h"

static void dump_report(void *arg, const struct erofs_problem *p)
{
	struct dump_image *d = arg;

	if (erofs_problem_severity(p->id) == EROFS_SEV_WARN) {
		erofs_warn("%s: %s", d->path, p->msg);
		return;
	}
	if (d->failed)
		return;
	d->failed = true;
	if (p->nid == EROFS_NID_NONE)
		erofs_err("%s: %s", d->path, p->msg);
	else
		erofs_err("%s: %s @ nid %llu", d->path, p->msg,
			  (unsigned long long)p->nid);
}

int dump_fail(struct dump_image *d, int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (err > 0)
		err = -err;
	if (d->failed)
		return err;
	d->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	erofs_err("%s: %s", d->path, msg);
	return err;
}

int dump_check(struct dump_image *d, int err, const char *what)
{
	if (err >= 0)
		return err;
	return dump_fail(d, err, "%s: %s", what, erofs_strerror(err));
}

int dump_image_open(struct dump_image *d, const char *path, u64 offset)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->path = path;
	err = erofs_image_open(&d->img, path, offset);
	if (err) {
		d->failed = true;	/* the reader printed why */
		return err;
	}
	d->img.report = dump_report;
	d->img.report_arg = d;
	err = erofs_image_read_super(&d->img);
	if (!err && d->failed)
		err = -EFSCORRUPTED;	/* e.g. a bad checksum: do not go on */
	return dump_check(d, err, "cannot read the superblock");
}

void dump_image_close(struct dump_image *d)
{
	erofs_image_close(&d->img);
}

static u64 nid_hash(u64 key, u64 cap)
{
	return (key * 0x9E3779B97F4A7C15ULL) >> 7 & (cap - 1);
}

static int nidset_grow(struct dump_nidset *s)
{
	u64 cap = s->cap ? s->cap * 2 : 256;
	u64 *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (u64 i = 0; i < s->cap; i++) {
		u64 h;

		if (!s->slots[i])
			continue;
		for (h = nid_hash(s->slots[i], cap); slots[h];
		     h = (h + 1) & (cap - 1))
			;
		slots[h] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int dump_nidset_add(struct dump_nidset *s, u64 nid)
{
	u64 key = nid + 1, h;

	if (s->count * 2 >= s->cap && nidset_grow(s))
		return -ENOMEM;
	for (h = nid_hash(key, s->cap); s->slots[h]; h = (h + 1) & (s->cap - 1))
		if (s->slots[h] == key)
			return 0;
	s->slots[h] = key;
	s->count++;
	return 1;
}

void dump_nidset_release(struct dump_nidset *s)
{
	free(s->slots);
	memset(s, 0, sizeof(*s));
}
