// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Directories: blocks of dirents (nid, nameoff, file type) followed by
 * their names, packed back to back; the last name of a block ends at the
 * first NUL or the block's end.  Names are strictly sorted across the
 * whole directory, which is what lets the kernel binary-search them.
 */
#include <stdlib.h>
#include <string.h>
#include "erofs/print.h"
#include "liberofs_reader.h"

#define DIRENT_SIZE	sizeof(struct erofs_dirent)

int erofs_dir_iter_init(struct erofs_dir_iter *it, struct erofs_image *img,
			const struct erofs_inode *dir, u64 pnid)
{
	memset(it, 0, sizeof(*it));
	it->img = img;
	it->dir = dir;
	it->pnid = pnid;
	it->blksz = erofs_blksiz(&img->sbi);
	it->nblks = DIV_ROUND_UP(dir->size, it->blksz);
	return 0;
}

/*
 * Suspended iterators hold no buffers: a walk keeps one per level.  A
 * compressed directory decodes its extent again when resumed, once per
 * subdirectory walked, not once per block.
 */
void erofs_dir_iter_suspend(struct erofs_dir_iter *it)
{
	free(it->buf);
	it->buf = NULL;
	erofs_zreader_free(it->zr);
	it->zr = NULL;
}

void erofs_dir_iter_release(struct erofs_dir_iter *it)
{
	erofs_dir_iter_suspend(it);
}

static unsigned int block_len(const struct erofs_dir_iter *it)
{
	u64 left = it->dir->size - it->lblk * it->blksz;

	return left < it->blksz ? left : it->blksz;
}

static int dir_report(struct erofs_dir_iter *it, bool quiet,
		      enum erofs_problem_id id, const char *what)
{
	char name[4 * EROFS_NAME_LEN + 1];

	if (it->de.name && it->de.namelen) {
		erofs_escape(name, sizeof(name), it->de.name, it->de.namelen);
		return erofs_reportf(it->img, quiet, id, it->dir->nid,
				     "%s at block %llu entry %u '%s'", what,
				     (unsigned long long)it->lblk, it->idx,
				     name);
	}
	return erofs_reportf(it->img, quiet, id, it->dir->nid,
			     "%s at block %llu entry %u", what,
			     (unsigned long long)it->lblk, it->idx);
}

static int dir_problem(struct erofs_dir_iter *it, enum erofs_problem_id id,
		       const char *what)
{
	return dir_report(it, false, id, what);
}

/*
 * A bad entry or block.  A wrong size or block address makes every block
 * garbage: only the first DIR_SHOWN faults of a directory are reported,
 * the others are counted and summed up at its end.
 */
#define DIR_SHOWN	2

static int dir_fault(struct erofs_dir_iter *it, enum erofs_problem_id id,
		     const char *what)
{
	if (!it->nbad++)
		it->first_bad = id;
	return dir_report(it, it->nbad > DIR_SHOWN, id, what);
}

/* a fault in the entry's name or type: skip it, the rest still parses */
static int entry_fault(struct erofs_dir_iter *it, enum erofs_problem_id id,
		       const char *what)
{
	dir_fault(it, id, what);
	return 1;
}

/*
 * A directory has data in every block: a hole (an unmapped extent, read
 * as zeros) is one problem for the directory, however many blocks or
 * names it takes.  -EFSCORRUPTED skips the block; a failed map is left
 * to the read, which says why.
 */
static int check_hole(struct erofs_dir_iter *it)
{
	struct erofs_map map = { .la = it->lblk * it->blksz };

	if (erofs_map_blocks(it->img, it->dir, &map, EROFS_RD_QUIET) ||
	    (map.flags & EROFS_MAP_MAPPED))
		return 0;
	if (!it->hole_seen) {
		it->hole_seen = true;
		if (!it->nbad++)
			it->first_bad = EROFS_PB_INODE_DATA;
		erofs_report(it->img, EROFS_PB_INODE_DATA, it->dir->nid,
			     "hole in the directory's data at block %llu",
			     (unsigned long long)it->lblk);
	}
	return -EFSCORRUPTED;
}

/* the block's bytes; one decoder for all the blocks of a compressed one */
static int read_block(struct erofs_dir_iter *it, unsigned int len,
		      bool fresh)
{
	if (erofs_inode_is_compressed(it->dir) && !it->zr) {
		it->zr = erofs_zreader_alloc();
		if (!it->zr)
			return -ENOMEM;
	}
	return erofs_read_data_zr(it->img, it->dir, it->buf, len,
				  it->lblk * it->blksz,
				  fresh ? 0 : EROFS_RD_QUIET, it->zr);
}

/*
 * A block that cannot be read (reported by the reader): the rest of its
 * extent cannot be either, and a hostile size makes that millions of
 * blocks, each failing and reported alike.  Go on after the extent, or
 * give up the directory when it cannot even be mapped.
 */
static void skip_extent(struct erofs_dir_iter *it)
{
	struct erofs_map map = { .la = it->lblk * it->blksz };
	u64 end;

	if (erofs_map_blocks(it->img, it->dir, &map, EROFS_RD_QUIET) ||
	    !erofs_add_ok(map.la, map.llen, &end) || end <= map.la) {
		it->lblk = it->nblks - 1;	/* the caller steps past it */
		return;
	}
	end = DIV_ROUND_UP(end, it->blksz);
	if (end > it->lblk + 1)
		it->lblk = (end < it->nblks ? end : it->nblks) - 1;
}

/* read block lblk; a fresh block's header gives its entry count */
static int load_block(struct erofs_dir_iter *it, bool fresh)
{
	unsigned int len = block_len(it), nameoff;
	int err;

	if (!it->buf) {
		it->buf = malloc(it->blksz);
		if (!it->buf)
			return -ENOMEM;
	}
	err = fresh ? check_hole(it) : 0;
	if (!err)
		err = read_block(it, len, fresh);
	if (err == -EFSCORRUPTED)
		skip_extent(it);
	if (err)
		return err;
	if (!fresh)
		return 0;
	it->idx = 0;
	it->count = 0;
	it->block_bad = false;
	nameoff = len >= DIRENT_SIZE ?
		le16_to_cpu(((struct erofs_dirent *)it->buf)->nameoff) : 0;
	if (nameoff < DIRENT_SIZE || nameoff % DIRENT_SIZE || nameoff >= len) {
		it->de.name = NULL;
		it->block_bad = true;
		return dir_fault(it, EROFS_PB_DIRENT_NAMEOFF,
				 "first nameoff is not a whole number of dirents inside the block");
	}
	it->count = nameoff / DIRENT_SIZE;
	return 0;
}

/*
 * Fill it->de from entry it->idx.  0: good; 1: a bad name or type, skip
 * the entry; -EFSCORRUPTED: bad offsets, the rest of the block is lost.
 */
static int parse_entry(struct erofs_dir_iter *it)
{
	const struct erofs_dirent *de = (void *)(it->buf + it->idx * DIRENT_SIZE);
	unsigned int len = block_len(it), off = le16_to_cpu(de->nameoff), end;

	it->de = (struct erofs_dirent_info){ .nid = le64_to_cpu(de->nid),
		.ftype = de->file_type, .lblk = it->lblk, .index = it->idx };
	if (off < it->count * DIRENT_SIZE || off >= len)
		return dir_fault(it, EROFS_PB_DIRENT_NAMEOFF,
				 "nameoff outside the name area");
	if (it->idx + 1 < it->count) {
		end = le16_to_cpu(de[1].nameoff);
		if (end <= off || end > len)
			return dir_fault(it, EROFS_PB_DIRENT_NAMEOFF,
					 "next nameoff not after this one");
	} else {
		end = off + strnlen((char *)it->buf + off, len - off);
	}
	it->de.name = (char *)it->buf + off;
	it->de.namelen = end - off;
	if (!it->de.namelen || it->de.namelen > EROFS_NAME_LEN)
		return entry_fault(it, EROFS_PB_DIRENT_NAMELEN,
				   "name length not in 1..255");
	if (memchr(it->de.name, '/', it->de.namelen) ||
	    memchr(it->de.name, '\0', it->de.namelen))
		return entry_fault(it, EROFS_PB_DIRENT_NAME,
				   "name with '/' or a NUL byte");
	if (it->de.ftype >= EROFS_FT_MAX)
		return entry_fault(it, EROFS_PB_DIRENT_FTYPE, "bad file type");
	return 0;
}

/*
 * Names strictly increase.  A name out of order is reported but still
 * returned (one damaged name must not hide all that follow it); a name
 * equal to the previous one is skipped, so it is never extracted twice.
 */
static int check_order(struct erofs_dir_iter *it)
{
	unsigned int n = it->prevlen < it->de.namelen ? it->prevlen :
							 it->de.namelen;
	int c = memcmp(it->prev, it->de.name, n);
	bool dup = !c && it->prevlen == it->de.namelen;

	if (it->prevlen && (c > 0 || (!c && it->prevlen >= it->de.namelen)))
		entry_fault(it, EROFS_PB_DIRENT_ORDER, dup ?
			    "name repeats the previous one" :
			    "name not after the previous one");
	memcpy(it->prev, it->de.name, it->de.namelen);
	it->prevlen = it->de.namelen;
	return dup;
}

/* 1: a "." or ".." to hide from the caller after reporting it */
static int check_dots(struct erofs_dir_iter *it)
{
	const struct erofs_dirent_info *de = &it->de;

	if (de->namelen == 1 && de->name[0] == '.') {
		if (it->seen_dot || de->nid != it->dir->nid) {
			dir_problem(it, EROFS_PB_DIR_DOT, it->seen_dot ?
				    "second '.'" : "'.' does not point at the directory");
			it->seen_dot = true;
			return 1;
		}
		it->seen_dot = true;
	} else if (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.') {
		if (it->seen_dotdot ||
		    (it->pnid != EROFS_NID_NONE && de->nid != it->pnid)) {
			dir_problem(it, EROFS_PB_DIR_DOTDOT, it->seen_dotdot ?
				    "second '..'" : "'..' does not point at the parent");
			it->seen_dotdot = true;
			return 1;
		}
		it->seen_dotdot = true;
	}
	return 0;
}

static int finish(struct erofs_dir_iter *it)
{
	if (it->nbad > DIR_SHOWN)
		erofs_report(it->img, it->first_bad, it->dir->nid,
			     "%u more problems in this directory not shown",
			     it->nbad - DIR_SHOWN);
	/* after a fault they were most likely lost with the bad block */
	if (!it->seen_dot && !it->dir->dot_omitted && !it->nbad)
		erofs_report(it->img, EROFS_PB_DIR_DOT, it->dir->nid,
			     "no '.' entry");
	if (!it->seen_dotdot && !it->nbad)
		erofs_report(it->img, EROFS_PB_DIR_DOTDOT, it->dir->nid,
			     "no '..' entry");
	erofs_dir_iter_suspend(it);
	return 0;
}

/* the next block with its header parsed, or the suspended one re-read */
static int ensure_block(struct erofs_dir_iter *it)
{
	int err;

	if (it->have_block && it->buf)
		return 0;
	err = load_block(it, !it->have_block);
	if (!err)
		it->have_block = true;
	return err;
}

int erofs_dir_iter_next(struct erofs_dir_iter *it)
{
	int err;

	while (it->lblk < it->nblks) {
		err = ensure_block(it);
		if (err == -EFSCORRUPTED || (!err && it->idx >= it->count)) {
			it->lblk++;		/* reported, or done: next block */
			it->have_block = false;
			continue;
		}
		if (err)
			return err;
		err = parse_entry(it);
		if (!err)
			err = check_order(it);
		if (err < 0) {
			it->count = it->idx;	/* skip the rest of the block */
			it->block_bad = true;
			continue;
		}
		if (err) {
			it->idx++;		/* skip this entry */
			continue;
		}
		it->idx++;
		if (check_dots(it))
			continue;
		return 1;
	}
	if (!it->done) {
		it->done = true;
		finish(it);
	}
	return 0;
}

int erofs_dir_iterate(struct erofs_image *img, const struct erofs_inode *dir,
		      int (*fn)(const struct erofs_dirent_info *de, void *arg),
		      void *arg)
{
	struct erofs_dir_iter it;
	int ret;

	erofs_dir_iter_init(&it, img, dir, EROFS_NID_NONE);
	while ((ret = erofs_dir_iter_next(&it)) > 0) {
		ret = fn(&it.de, arg);
		if (ret)
			break;
	}
	erofs_dir_iter_release(&it);
	return ret;
}

struct lookup_ctx {
	const char *name;
	size_t len;
	u64 nid;
	bool found;
};

static int lookup_fn(const struct erofs_dirent_info *de, void *arg)
{
	struct lookup_ctx *lc = arg;

	if (de->namelen != lc->len || memcmp(de->name, lc->name, lc->len))
		return 0;
	lc->nid = de->nid;
	lc->found = true;
	return 1;
}

int erofs_lookup_path(struct erofs_image *img, const char *path, u64 *nid,
		      u64 *pnid)
{
	u64 cur = img->sbi.root_nid, parent = cur;
	const char *p = path;

	while (*p) {
		struct lookup_ctx lc = { 0 };
		struct erofs_inode dir;
		int err;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		lc.name = p;
		lc.len = strcspn(p, "/");
		p += lc.len;
		if (lc.len == 1 && lc.name[0] == '.')
			continue;
		err = erofs_read_inode(img, cur, &dir);
		if (err)
			return err;
		if (erofs_mode_to_ftype(dir.mode) != EROFS_FT_DIR)
			return -ENOTDIR;
		err = erofs_dir_iterate(img, &dir, lookup_fn, &lc);
		if (err < 0)
			return err;
		if (!lc.found)
			return -ENOENT;
		parent = cur;
		cur = lc.nid;
	}
	*nid = cur;
	if (pnid)
		*pnid = parent;
	return 0;
}
