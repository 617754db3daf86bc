// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The page-cache sharing report of dump.erofs --ishare-report.  It needs
 * only each file's size and fingerprint, never file data.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "erofs/reader.h"
#include "liberofs_ishare.h"

struct erofs_ishare_report *erofs_ishare_report_new(void)
{
	return calloc(1, sizeof(struct erofs_ishare_report));
}

void erofs_ishare_report_free(struct erofs_ishare_report *r)
{
	if (!r)
		return;
	for (u64 i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	for (u32 i = 0; i < r->nimages; i++)
		ishare_image_release(&r->images[i]);
	ishare_stacks_free(r);
	for (int i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->files);
	free(r->images);
	free(r->names);
	free(r->groups);
	free(r->seen);
	free(r->seen_file);
	free(r);
}

static int name_id(struct erofs_ishare_report *r, const char *name)
{
	char **p;

	if (!name)
		return -1;
	for (int i = 0; i < r->nnames; i++)
		if (!strcmp(r->names[i], name))
			return i;
	p = realloc(r->names, (r->nnames + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	r->names = p;
	r->names[r->nnames] = strdup(name);
	if (!r->names[r->nnames])
		return -ENOMEM;
	return r->nnames++;
}

static int image_new(struct erofs_ishare_report *r, const char *path,
		     const char *fp_name)
{
	struct rimage *p = realloc(r->images, (r->nimages + 1) * sizeof(*p));
	int id;

	if (!p)
		return -ENOMEM;
	r->images = p;
	id = name_id(r, fp_name);
	if (id < -1)
		return id;
	memset(&p[r->nimages], 0, sizeof(*p));
	p[r->nimages].path = strdup(path);
	if (!p[r->nimages].path)
		return -ENOMEM;
	p[r->nimages].name_id = id;
	r->nseen = 0;
	if (r->seen)
		memset(r->seen, 0, r->seen_cap * sizeof(*r->seen));
	return r->nimages++;
}

int erofs_ishare_report_add_image(struct erofs_ishare_report *r,
				  const char *path, const char *fp_name)
{
	return image_new(r, path, fp_name);
}

int erofs_ishare_report_add_layer(struct erofs_ishare_report *r,
				  const char *path, const char *fp_name,
				  u64 dev, u64 ino)
{
	int id = image_new(r, path, fp_name);

	if (id >= 0) {
		r->images[id].layer = true;
		r->images[id].dev = dev;
		r->images[id].ino = ino;
	}
	return id;
}

int erofs_ishare_report_find_layer(const struct erofs_ishare_report *r,
				   u64 dev, u64 ino)
{
	for (u32 i = 0; i < r->nimages; i++)
		if (r->images[i].layer && r->images[i].dev == dev &&
		    r->images[i].ino == ino)
			return i;
	return -ENOENT;
}

static int seen_grow(struct erofs_ishare_report *r)
{
	u64 cap = r->seen_cap ? r->seen_cap * 2 : 1024;
	u64 *tab = calloc(cap, sizeof(*tab));
	u64 *idx = calloc(cap, sizeof(*idx));
	u64 h;

	if (!tab || !idx) {
		free(tab);
		free(idx);
		return -ENOMEM;
	}
	for (u64 i = 0; i < r->seen_cap; i++) {
		if (!r->seen[i])
			continue;
		h = r->seen[i] * 0x9E3779B97F4A7C15ULL;
		while (tab[h & (cap - 1)])
			h++;
		tab[h & (cap - 1)] = r->seen[i];
		idx[h & (cap - 1)] = r->seen_file[i];
	}
	free(r->seen);
	free(r->seen_file);
	r->seen = tab;
	r->seen_file = idx;
	r->seen_cap = cap;
	return 0;
}

/*
 * An open-addressing map of inode keys (+1, so that 0 marks empty) to
 * their files[] index: *file gets the index of @key, @next if it is new.
 */
static int seen_insert(struct erofs_ishare_report *r, u64 key, u64 next,
		       u64 *file, bool *dup)
{
	u64 h;

	if (r->nseen * 2 >= r->seen_cap) {
		int err = seen_grow(r);

		if (err)
			return err;
	}
	key++;
	for (h = key * 0x9E3779B97F4A7C15ULL; r->seen[h & (r->seen_cap - 1)];
	     h++) {
		if (r->seen[h & (r->seen_cap - 1)] == key) {
			*file = r->seen_file[h & (r->seen_cap - 1)];
			*dup = true;
			return 0;
		}
	}
	r->seen[h & (r->seen_cap - 1)] = key;
	r->seen_file[h & (r->seen_cap - 1)] = next;
	r->nseen++;
	*file = next;
	*dup = false;
	return 0;
}

/* a regular inode of the current image, once: its index in *file */
static int add_reg(struct erofs_ishare_report *r, u64 key, const char *path,
		   u64 size, const u8 *digest, u64 *file)
{
	struct rimage *img = &r->images[r->nimages - 1];
	struct rfile *f;
	bool dup;
	int err = seen_insert(r, key, r->nfiles, file, &dup);

	if (err || dup)
		return err;
	if (r->nfiles == r->files_cap) {
		/* from 64: most images compared are small or few */
		u64 cap = r->files_cap ? r->files_cap * 2 : 64;

		f = realloc(r->files, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		r->files = f;
		r->files_cap = cap;
	}
	f = &r->files[r->nfiles];
	memset(f, 0, sizeof(*f));
	/* a layer's file is read, and named, where a stack shows it */
	if (!img->layer) {
		f->path = strdup(path);
		if (!f->path)
			return -ENOMEM;
		f->read = true;
	}
	f->size = size;
	f->image = r->nimages - 1;
	f->name_id = img->name_id;
	f->has_fp = digest && img->name_id >= 0;
	if (f->has_fp)
		memcpy(f->digest, digest, 32);
	r->nfiles++;
	img->files++;
	img->bytes += size;
	img->fp_files += f->has_fp;
	return 0;
}

int erofs_ishare_report_add_entry(struct erofs_ishare_report *r, u64 key,
				  const char *path, enum erofs_ishare_kind kind,
				  u64 size, const u8 *digest)
{
	struct rimage *img = &r->images[r->nimages - 1];
	u64 file = ISHARE_NO_FILE;
	int err = 0;

	if (kind == EROFS_ISHARE_REG)
		err = add_reg(r, key, path, size, digest, &file);
	if (err || !img->layer)
		return err;
	return ishare_entry_add(img, path, kind, file);
}

int erofs_ishare_report_add_file(struct erofs_ishare_report *r, u64 key,
				 const char *path, u64 size,
				 const u8 *digest)
{
	return erofs_ishare_report_add_entry(r, key, path, EROFS_ISHARE_REG,
					     size, digest);
}

static int cmp_files(const void *a, const void *b)
{
	const struct rfile *x = a, *y = b;
	int c = ishare_cmp_fp(x, y);

	if (c)
		return c;
	if (x->image != y->image)
		return x->image < y->image ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int cmp_groups(const void *a, const void *b)
{
	const struct rgroup *x = a, *y = b;

	if (x->saved != y->saved)
		return x->saved > y->saved ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* one run of equal fingerprints: count it, and mark cross-image sharing */
static void account_run(struct erofs_ishare_report *r, u64 first, u64 n)
{
	const struct rfile *f = &r->files[first];
	bool cross = f->image != r->files[first + n - 1].image;

	r->with += ishare_pages(f->size);
	if (cross) {
		for (u64 i = first; i < first + n; i++) {
			r->images[r->files[i].image].shared_files++;
			r->images[r->files[i].image].shared_bytes +=
				r->files[i].size;
		}
	}
	if (n > 1)
		r->groups[r->ngroups++] = (struct rgroup){
			first, n, (n - 1) * ishare_pages(f->size) };
}

static void warn_names(const struct erofs_ishare_report *r)
{
	for (u32 i = 0; i < r->nimages; i++)
		if (r->images[i].name_id < 0)
			erofs_warn("%s has no fingerprints: its files are counted "
				   "as unshared", r->images[i].path);
	for (u32 i = 0; i < r->nimages; i++)
		if (r->images[i].layer && !r->images[i].nstacks)
			erofs_warn("layer %s is in no stack", r->images[i].path);
	if (r->nnames > 1)
		erofs_warn("images use %d different fingerprint names: the "
			   "kernel shares only between images of the same name",
			   r->nnames);
}

/* files no view shows cost nothing: count them as hidden and drop them */
static void drop_unread(struct erofs_ishare_report *r)
{
	u64 n = 0;

	for (u64 i = 0; i < r->nfiles; i++) {
		struct rfile *f = &r->files[i];

		if (!f->read) {
			r->images[f->image].hidden_files++;
			r->images[f->image].hidden_bytes += f->size;
			free(f->path);
			continue;
		}
		r->bytes += f->size;
		r->files[n++] = *f;
	}
	r->nfiles = n;
}

int erofs_ishare_report_finish(struct erofs_ishare_report *r)
{
	u64 i = 0;
	int err;

	warn_names(r);
	err = ishare_merge_stacks(r);
	if (err)
		return err;
	drop_unread(r);
	if (r->nfiles)
		qsort(r->files, r->nfiles, sizeof(*r->files), cmp_files);
	r->groups = malloc((r->nfiles / 2 + 1) * sizeof(*r->groups));
	if (!r->groups)
		return -ENOMEM;
	for (u64 k = 0; k < r->nfiles; k++)
		r->without += ishare_pages(r->files[k].size);
	while (i < r->nfiles && r->files[i].has_fp) {
		u64 n = 1;

		while (i + n < r->nfiles && ishare_same_fp(&r->files[i], &r->files[i + n]))
			n++;
		account_run(r, i, n);
		i += n;
	}
	for (; i < r->nfiles; i++)
		r->with += ishare_pages(r->files[i].size);
	if (r->ngroups)
		qsort(r->groups, r->ngroups, sizeof(*r->groups), cmp_groups);
	return 0;
}

/* 64 hex digits and a NUL: one call per group, so no printf per byte */
static void hex(const u8 *d, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 32; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
}

static const char *human(u64 v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double d = v;
	int u = -1;

	if (v < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", v);
		return buf;
	}
	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %ciB", d, units[u]);
	return buf;
}

static double percent(u64 without, u64 with)
{
	return without ? 100.0 * (without - with) / without : 0;
}

static double saved_percent(const struct erofs_ishare_report *r)
{
	return percent(r->without, r->with);
}

/* a name in the text report, escaped as fsck escapes names */
static void text_name(FILE *out, const char *s)
{
	size_t len = strlen(s), size = 4 * len + 8;
	char *esc = malloc(size);

	if (!esc) {
		fputs("?", out);
		return;
	}
	erofs_escape(esc, size, s, len);
	fputs(esc, out);
	free(esc);
}

static void text_layer(const struct rimage *m, FILE *out)
{
	char a[32], b[32], c[32];

	fputs("layer ", out);
	text_name(out, m->path);
	fprintf(out, ": %" PRIu64 " files (%" PRIu64 " fingerprinted), %s; "
		"in %u stacks; %" PRIu64 " files, %s hidden in every stack; "
		"shares %" PRIu64 " files, %s with other images\n", m->files,
		m->fp_files, human(m->bytes, a, sizeof(a)), m->nstacks,
		m->hidden_files, human(m->hidden_bytes, b, sizeof(b)),
		m->shared_files, human(m->shared_bytes, c, sizeof(c)));
}

static void text_stack(const struct erofs_ishare_report *r,
		       const struct rstack *s, FILE *out)
{
	char a[32], b[32], c[32];

	fputs("stack ", out);
	text_name(out, s->name);
	for (unsigned int l = 0; l < s->nlayers; l++) {
		fputs(l ? "," : ": ", out);
		text_name(out, r->images[s->layers[l]].path);
	}
	fprintf(out, "\n  shows %" PRIu64 " files, %s; hides %" PRIu64
		" files, %s\n", s->files, human(s->bytes, a, sizeof(a)),
		s->hidden_files, human(s->hidden_bytes, b, sizeof(b)));
	fprintf(out, "  page cache: %s (%" PRIu64 " bytes) without sharing, "
		"%s (%" PRIu64 " bytes) with, saved %s (%" PRIu64
		" bytes, %.1f%%)\n", human(s->without, a, sizeof(a)),
		s->without, human(s->with, b, sizeof(b)), s->with,
		human(s->without - s->with, c, sizeof(c)),
		s->without - s->with, percent(s->without, s->with));
}

void erofs_ishare_report_print_text(const struct erofs_ishare_report *r,
				    FILE *out, unsigned long top)
{
	u64 shown = top && top < r->ngroups ? top : r->ngroups;
	char a[32], b[32], fp[65];

	for (u32 i = 0; i < r->nimages; i++) {
		const struct rimage *m = &r->images[i];

		if (m->layer) {
			text_layer(m, out);
			continue;
		}
		fprintf(out, "image %s: %" PRIu64 " files (%" PRIu64
			" fingerprinted), %s; shares %" PRIu64
			" files, %s with other images\n", m->path, m->files,
			m->fp_files, human(m->bytes, a, sizeof(a)),
			m->shared_files, human(m->shared_bytes, b, sizeof(b)));
	}
	for (u32 i = 0; i < r->nstacks; i++)
		text_stack(r, &r->stacks[i], out);
	fprintf(out, "\nsharing groups: %" PRIu64, r->ngroups);
	if (shown < r->ngroups)
		fprintf(out, " (largest %" PRIu64 " shown)", shown);
	fputs("\n", out);
	for (u64 g = 0; g < shown; g++) {
		const struct rgroup *grp = &r->groups[g];
		const struct rfile *f = &r->files[grp->first];

		hex(f->digest, fp);
		fprintf(out, "  %s  %s x%" PRIu64 ", saves %s\n", fp,
			human(f->size, a, sizeof(a)), grp->count,
			human(grp->saved, b, sizeof(b)));
		for (u64 k = 0; k < grp->count; k++) {
			fprintf(out, "    %s:", r->images[f[k].image].path);
			erofs_fput_escaped(out, f[k].path, strlen(f[k].path));
			fputc('\n', out);
		}
	}
	fprintf(out, "\npage cache to read every file once:\n");
	fprintf(out, "  files:           %" PRIu64 ", %s (%" PRIu64 " bytes)\n",
		r->nfiles, human(r->bytes, a, sizeof(a)), r->bytes);
	fprintf(out, "  without sharing: %s (%" PRIu64 " bytes)\n",
		human(r->without, a, sizeof(a)), r->without);
	fprintf(out, "  with sharing:    %s (%" PRIu64 " bytes)\n",
		human(r->with, a, sizeof(a)), r->with);
	fprintf(out, "  saved:           %s (%" PRIu64 " bytes, %.1f%%)\n",
		human(r->without - r->with, a, sizeof(a)),
		r->without - r->with, saved_percent(r));
}

/*
 * A JSON string of a name from an image.  Names are bytes: valid UTF-8
 * goes out as it is, control characters as \u00XX, and each byte that
 * is not part of valid UTF-8 as the lone surrogate \udcXX, the
 * convention of Python's "surrogateescape", so that the exact bytes can
 * be recovered and two different names never print alike.
 */
static void json_str(FILE *out, const char *s)
{
	const unsigned char *end = (const void *)(s + strlen(s));

	fputc('"', out);
	for (const unsigned char *c = (const void *)s; *c; c++) {
		size_t n;

		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(out, "\\u%04x", *c);
		else if (*c < 0x80)
			fputc(*c, out);
		else if ((n = erofs_utf8_len(c, end - c)) != 0) {
			fwrite(c, 1, n, out);
			c += n - 1;
		} else {
			fprintf(out, "\\udc%02x", *c);
		}
	}
	fputc('"', out);
}

static void json_member(FILE *out, const char *image, const char *path)
{
	size_t len = strlen(image) + strlen(path) + 2;
	char *s = malloc(len);

	if (!s) {
		fputs("\"\"", out);
		return;
	}
	snprintf(s, len, "%s:%s", image, path);
	json_str(out, s);
	free(s);
}

/* an image's or a layer's name, fingerprint name and file counts */
static void json_image(const struct erofs_ishare_report *r,
		       const struct rimage *m, bool first, FILE *out)
{
	fputs(first ? "\n    {\"path\": " : ",\n    {\"path\": ", out);
	json_str(out, m->path);
	fputs(", \"fingerprint_name\": ", out);
	if (m->name_id >= 0)
		json_str(out, r->names[m->name_id]);
	else
		fputs("null", out);
	if (m->layer)
		fprintf(out, ", \"stacks\": %u", m->nstacks);
	fprintf(out, ", \"files\": %" PRIu64 ", \"fingerprinted_files\": %"
		PRIu64 ", \"bytes\": %" PRIu64, m->files, m->fp_files,
		m->bytes);
	if (m->layer)
		fprintf(out, ", \"hidden_files\": %" PRIu64
			", \"hidden_bytes\": %" PRIu64, m->hidden_files,
			m->hidden_bytes);
	fprintf(out, ", \"shared_files\": %" PRIu64 ", \"shared_bytes\": %"
		PRIu64 "}", m->shared_files, m->shared_bytes);
}

static void json_images(const struct erofs_ishare_report *r, bool layers,
			FILE *out)
{
	bool first = true;

	fputs(layers ? "\n  ],\n  \"layers\": [" : "{\n  \"images\": [", out);
	for (u32 i = 0; i < r->nimages; i++) {
		if (r->images[i].layer != layers)
			continue;
		json_image(r, &r->images[i], first, out);
		first = false;
	}
}

static void json_stacks(const struct erofs_ishare_report *r, FILE *out)
{
	fputs("\n  ],\n  \"stacks\": [", out);
	for (u32 i = 0; i < r->nstacks; i++) {
		const struct rstack *s = &r->stacks[i];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_str(out, s->name);
		fputs(", \"layers\": [", out);
		for (unsigned int l = 0; l < s->nlayers; l++) {
			if (l)
				fputs(", ", out);
			json_str(out, r->images[s->layers[l]].path);
		}
		fprintf(out, "], \"files\": %" PRIu64 ", \"bytes\": %" PRIu64
			", \"hidden_files\": %" PRIu64 ", \"hidden_bytes\": %"
			PRIu64 ", \"page_cache_bytes_without\": %" PRIu64
			", \"page_cache_bytes_with\": %" PRIu64
			", \"saved_bytes\": %" PRIu64
			", \"saved_percent\": %.2f}", s->files, s->bytes,
			s->hidden_files, s->hidden_bytes, s->without, s->with,
			s->without - s->with, percent(s->without, s->with));
	}
}

void erofs_ishare_report_print_json(const struct erofs_ishare_report *r,
				    FILE *out, unsigned long top)
{
	u64 shown = top && top < r->ngroups ? top : r->ngroups;
	char fp[65];

	json_images(r, false, out);
	json_images(r, true, out);
	json_stacks(r, out);
	fputs("\n  ],\n  \"groups\": [", out);
	for (u64 g = 0; g < shown; g++) {
		const struct rfile *f = &r->files[r->groups[g].first];

		hex(f->digest, fp);
		fprintf(out, "%s    {\"fingerprint\": \"%s\", \"size\": %" PRIu64
			", \"members\": [", g ? ",\n" : "\n", fp, f->size);
		for (u64 k = 0; k < r->groups[g].count; k++) {
			if (k)
				fputs(", ", out);
			json_member(out, r->images[f[k].image].path, f[k].path);
		}
		fputs("]}", out);
	}
	fprintf(out, "\n  ],\n  \"total\": {\"files\": %" PRIu64
		", \"bytes\": %" PRIu64 ", \"page_cache_bytes_without\": %"
		PRIu64 ", \"page_cache_bytes_with\": %" PRIu64
		", \"saved_bytes\": %" PRIu64 ", \"saved_percent\": %.2f}\n}\n",
		r->nfiles, r->bytes, r->without, r->with, r->without - r->with,
		saved_percent(r));
}
