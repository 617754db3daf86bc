// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * dump.erofs --ishare-report: walk every image and hand each entry's nid,
 * path, kind, size and fingerprint to the report in lib, which merges
 * layer stacks and counts.  Only metadata is read (inodes, directories,
 * xattrs), never file data: the fingerprint is what the image says,
 * which is all the kernel looks at when it decides to share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "erofs/ishare_report.h"
#include "erofs/print.h"
#include "dump.h"

struct walk_arg {
	struct erofs_ishare_report *r;
	bool layer;		/* every entry counts, not regular files only */
	u64 *untrusted;		/* files whose fingerprint cannot be trusted */
};

const char *dump_fp_untrusted(int err)
{
	return err == -ENOTUNIQ ? "more than one fingerprint entry" :
	       "value is not \"sha256:\" and 32 bytes";
}

/*
 * A file with two fingerprint entries or a malformed one is named and
 * counted as having none, so it never counts as shared; the walk goes on.
 */
static void untrusted_file(struct dump_image *d, const struct dump_entry *e,
			   int err)
{
	char esc[1024];

	erofs_escape(esc, sizeof(esc), e->path, strlen(e->path));
	erofs_err("%s: '%s' @ nid %llu: fingerprint untrustworthy: %s",
		  d->path, esc, (unsigned long long)e->vi->nid,
		  dump_fp_untrusted(err));
}

static int entry_fn(struct dump_image *d, const struct dump_entry *e,
		    void *arg)
{
	struct walk_arg *w = arg;
	u8 digest[32];
	int kind, err = -ENODATA;

	if (!w->layer && !S_ISREG(e->vi->mode))
		return 0;
	kind = erofs_ishare_kind(&d->img, e->vi);
	if (kind < 0)
		return dump_check(d, kind, "cannot read an xattr");
	if (kind == EROFS_ISHARE_REG) {
		err = erofs_inode_fingerprint(&d->img, e->vi, digest);
		if (err == -ENOTUNIQ || err == -EBADMSG) {
			untrusted_file(d, e, err);
			(*w->untrusted)++;
		} else if (err && err != -ENODATA) {
			return dump_check(d, err, "cannot read a fingerprint");
		}
	}
	err = erofs_ishare_report_add_entry(w->r, e->vi->nid, e->path, kind,
					    e->vi->size, err ? NULL : digest);
	return dump_check(d, err, "cannot add a file to the report");
}

/* add the image at @path, a layer of file @st unless NULL: 0 or -errno */
static int add_image(struct erofs_ishare_report *r, const char *path,
		     u64 offset, const struct stat *st, u64 *untrusted)
{
	char name[2 * EROFS_NAME_LEN + 32];
	struct walk_arg w = { r, st != NULL, untrusted };
	struct dump_image d;
	const char *fp;
	int err = dump_image_open(&d, path, offset);

	if (!err) {
		fp = erofs_fingerprint_name(&d.img, name, sizeof(name)) ?
			NULL : name;
		err = st ? erofs_ishare_report_add_layer(r, path, fp, st->st_dev,
							 st->st_ino) :
			   erofs_ishare_report_add_image(r, path, fp);
		err = dump_check(&d, err < 0 ? err : 0,
				 "cannot add the image to the report");
	}
	if (!err)
		err = dump_walk(&d, d.img.sbi.root_nid, entry_fn, &w);
	dump_image_close(&d);
	return err;
}

/*
 * The index of the layer at @path: a file added already (the same device
 * and inode, whatever path names it) is one mount and is not read again.
 */
static int add_layer(struct erofs_ishare_report *r, const char *path,
		     u64 offset, u64 *untrusted)
{
	struct stat st;
	int id, err;

	if (stat(path, &st))
		return erofs_err_ret(-errno, "%s: cannot stat: %s", path,
				     strerror(errno));
	id = erofs_ishare_report_find_layer(r, st.st_dev, st.st_ino);
	if (id != -ENOENT)
		return id;
	err = add_image(r, path, offset, &st, untrusted);
	return err ? err : erofs_ishare_report_find_layer(r, st.st_dev,
							  st.st_ino);
}

/* --stack NAME=LOWER,...,UPPER, checked for shape by dump/main.c */
static int add_stack(struct erofs_ishare_report *r, const char *spec,
		     u64 offset, u64 *untrusted)
{
	char *name = strdup(spec), *layer, *save = NULL;
	int *ids = calloc(strlen(spec), sizeof(*ids));
	unsigned int n = 0;
	int err = name && ids ? 0 : -ENOMEM;

	if (!err) {
		layer = strchr(name, '=');
		*layer++ = '\0';
		for (layer = strtok_r(layer, ",", &save); layer && !err;
		     layer = strtok_r(NULL, ",", &save)) {
			err = add_layer(r, layer, offset, untrusted);
			ids[n++] = err;
			err = err < 0 ? err : 0;
		}
	}
	if (!err)
		err = erofs_ishare_report_add_stack(r, name, ids, n);
	if (err == -EEXIST)
		erofs_err("stack '%s' is given twice", name);
	else if (err == -ELOOP)
		erofs_err("stack '%s' has the same layer twice", name);
	else if (err == -ENOMEM)
		erofs_err("out of memory");
	free(ids);
	free(name);
	return err;
}

int dump_ishare_report(char **images, int nimages,
		       const struct dump_report_cfg *cfg, FILE *out)
{
	struct erofs_ishare_report *r = erofs_ishare_report_new();
	int err = r ? 0 : -ENOMEM;
	u64 untrusted = 0;

	for (int i = 0; i < nimages && !err; i++)
		err = add_image(r, images[i], cfg->offset, NULL, &untrusted);
	for (int i = 0; i < cfg->nstacks && !err; i++)
		err = add_stack(r, cfg->stacks[i], cfg->offset, &untrusted);
	if (!err) {
		err = erofs_ishare_report_finish(r);
		if (err)
			erofs_err("cannot finish the report: %s",
				  erofs_strerror(err));
	} else if (err == -ENOMEM && !r) {
		erofs_err("out of memory");
	}
	if (!err && cfg->json)
		erofs_ishare_report_print_json(r, out, cfg->top);
	else if (!err)
		erofs_ishare_report_print_text(r, out, cfg->top);
	erofs_ishare_report_free(r);
	/* the report is complete, but it left files out of sharing */
	if (!err && untrusted)
		erofs_err("%llu %s with untrustworthy fingerprints, "
			  "counted as unshared", (unsigned long long)untrusted,
			  untrusted == 1 ? "file" : "files");
	return err || untrusted ? 1 : 0;
}
