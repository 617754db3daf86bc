/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Private to lib: a chained hash table whose nodes live inside the
 * caller's structs (as the kernel's hlist), so that looking a key up
 * allocates nothing and one struct may sit in a table and a list at once.
 * The caller hashes and compares keys; the table keeps each node's hash
 * to grow without asking for it again.
 */
#ifndef __LIBEROFS_HASHTAB_H
#define __LIBEROFS_HASHTAB_H

#include <stddef.h>
#include "erofs/defs.h"

struct erofs_hnode {
	struct erofs_hnode *next;
	u64 hash;
};

struct erofs_hashtab {
	struct erofs_hnode **buckets;
	u64 cap;			/* a power of two, or 0 before the first */
	u64 count;
};

/* the struct of type @type whose member @member is the node @ptr */
#define erofs_hnode_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* the first node of the chain where @hash would be; walk on with ->next */
static inline struct erofs_hnode *
erofs_hashtab_chain(const struct erofs_hashtab *h, u64 hash)
{
	return h->cap ? h->buckets[hash & (h->cap - 1)] : NULL;
}

int erofs_hashtab_insert(struct erofs_hashtab *h, struct erofs_hnode *node,
			 u64 hash);
void erofs_hashtab_remove(struct erofs_hashtab *h, struct erofs_hnode *node);
struct erofs_hnode *erofs_hashtab_next(const struct erofs_hashtab *h,
				       const struct erofs_hnode *node);
void erofs_hashtab_release(struct erofs_hashtab *h);

#endif
