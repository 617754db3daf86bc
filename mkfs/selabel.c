// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * mkfs.erofs --file-contexts: labels from libselinux's file backend, the
 * lookup setfiles and erofs-utils use, so the rules mean exactly what
 * they mean to them (PCRE regexes, .homedirs, .local, .subs and
 * .subs_dist files, <<none>>).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <selinux/label.h>
#include <selinux/selinux.h>
#include "erofs/print.h"
#include "selabel.h"

struct mkfs_selabel {
	struct selabel_handle *handle;
	const char *file;	/* the file_contexts file, for messages */
	char *mount_point;	/* without trailing slashes; "" for "/" */
	char *label;		/* the last one looked up */
	char *path;		/* the last path looked up */
	size_t path_cap;
};

/* libselinux's complaints, kept for our one error line */
static char last_log[512];

static int keep_log(int type, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	(void)type;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	n = strlen(last_log);
	while (n && (last_log[n - 1] == '\n' || last_log[n - 1] == ' '))
		last_log[--n] = '\0';
	return 0;
}

int mkfs_selabel_open(struct mkfs_selabel **out, const char *path,
		      const char *mount_point)
{
	struct selinux_opt opts[] = { { SELABEL_OPT_PATH, path } };
	struct mkfs_selabel *db = calloc(1, sizeof(*db));
	size_t n;

	*out = NULL;
	if (!db)
		return -ENOMEM;
	db->file = path;
	db->mount_point = strdup(mount_point ? mount_point : "");
	if (!db->mount_point) {
		free(db);
		return -ENOMEM;
	}
	n = strlen(db->mount_point);
	while (n && db->mount_point[n - 1] == '/')
		db->mount_point[--n] = '\0';
	last_log[0] = '\0';
	selinux_set_callback(SELINUX_CB_LOG,
			     (union selinux_callback){ .func_log = keep_log });
	errno = 0;
	db->handle = selabel_open(SELABEL_CTX_FILE, opts, 1);
	if (!db->handle) {
		int err = errno ? -errno : -EINVAL;
		const char *why = last_log;

		/* libselinux names the file first: once is enough */
		n = strlen(path);
		if (!strncmp(why, path, n) && why[n] == ':')
			for (why += n + 1; *why == ' '; why++)
				;
		erofs_err("cannot use file contexts '%s': %s", path,
			  *why ? why : strerror(-err));
		mkfs_selabel_close(db);
		return err;
	}
	*out = db;
	return 0;
}

const char *mkfs_selabel_lookup(void *arg, const char *rel, u32 mode)
{
	struct mkfs_selabel *db = arg;
	size_t need = strlen(db->mount_point) + strlen(rel) + 2;

	if (need > db->path_cap) {
		char *p = realloc(db->path, need);

		if (!p)
			return NULL;
		db->path = p;
		db->path_cap = need;
	}
	/* the root is the mount point itself */
	snprintf(db->path, need, "%s/%s", db->mount_point, rel);
	if (!*rel && *db->mount_point)
		db->path[need - 2] = '\0';
	freecon(db->label);
	db->label = NULL;
	last_log[0] = '\0';
	if (!selabel_lookup(db->handle, &db->label, db->path, mode & S_IFMT))
		return db->label;
	db->label = NULL;
	if (errno == ENOENT) {		/* no rule, or <<none>> */
		errno = 0;
		return NULL;
	}
	/* libselinux compiles a rule's regex when it first needs it */
	erofs_err("cannot label '%s' with the rules of '%s': %s", db->path,
		  db->file, last_log[0] ? last_log : errno && errno != EINVAL ?
		  strerror(errno) : "a regular expression there does not compile");
	errno = errno ?: EINVAL;
	return NULL;
}

void mkfs_selabel_close(struct mkfs_selabel *db)
{
	if (!db)
		return;
	if (db->handle)
		selabel_close(db->handle);
	freecon(db->label);
	free(db->path);
	free(db->mount_point);
	free(db);
}
