/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * What every fuzz target shares.  Each target defines
 * LLVMFuzzerTestOneInput(); with --enable-fuzzing it is linked with
 * libFuzzer, otherwise with replay.c, which feeds it each file of its
 * committed corpus in make check.  Images are read from memory
 * (erofs_image_open_mem), superblock checksums are not verified (a
 * mutated image would never get past them), and nothing is printed.
 */
#ifndef __EROFS_FUZZ_H
#define __EROFS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "erofs/print.h"
#include "erofs/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* walks stay small: a mutated image may claim millions of entries */
#define FUZZ_MAX_INODES	256
#define FUZZ_MAX_DEPTH	8
#define FUZZ_MAX_DATA	(1U << 20)

static inline void fuzz_ignore(void *arg, const struct erofs_problem *p)
{
	(void)arg;
	(void)p;
}

/* the image in @data with its superblock read: 0, or the reader's error */
static inline int fuzz_image_open(struct erofs_image *img,
				  const uint8_t *data, size_t size)
{
	erofs_log_init("fuzz", EROFS_LOG_SILENT);
	erofs_image_open_mem(img, data, size, "fuzz");
	img->skip_csum = true;
	img->report = fuzz_ignore;
	return erofs_image_read_super(img);
}

/*
 * Visit the root and what its directories name, breadth first, each nid
 * once, at most FUZZ_MAX_INODES inodes; @fn gets each inode that reads.
 * False when the tree had more.  fuzz_walk.c.
 */
bool fuzz_walk(struct erofs_image *img,
	       void (*fn)(struct erofs_image *img,
			  const struct erofs_inode *vi));

#endif
