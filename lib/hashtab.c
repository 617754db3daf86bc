// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The chained hash table of liberofs_hashtab.h.  It doubles when it holds
 * as many nodes as chains, so a chain is one node long on average.
 */
#include <errno.h>
#include <stdlib.h>
#include "liberofs_hashtab.h"

#define HASHTAB_MIN_CAP	256

static int hashtab_grow(struct erofs_hashtab *h)
{
	u64 cap = h->cap ? h->cap * 2 : HASHTAB_MIN_CAP;
	struct erofs_hnode **b = calloc(cap, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (u64 i = 0; i < h->cap; i++) {
		struct erofs_hnode *n = h->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (cap - 1)];
			b[n->hash & (cap - 1)] = n;
		}
	}
	free(h->buckets);
	h->buckets = b;
	h->cap = cap;
	return 0;
}

/* add @node, which must not be in a table, under @hash */
int erofs_hashtab_insert(struct erofs_hashtab *h, struct erofs_hnode *node,
			 u64 hash)
{
	struct erofs_hnode **chain;

	if (h->count >= h->cap && hashtab_grow(h))
		return -ENOMEM;
	chain = &h->buckets[hash & (h->cap - 1)];
	node->hash = hash;
	node->next = *chain;
	*chain = node;
	h->count++;
	return 0;
}

/* take @node out, if it is in @h */
void erofs_hashtab_remove(struct erofs_hashtab *h, struct erofs_hnode *node)
{
	struct erofs_hnode **pp;

	if (!h->cap)
		return;
	for (pp = &h->buckets[node->hash & (h->cap - 1)]; *pp;
	     pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			h->count--;
			return;
		}
	}
}

/*
 * Every node once, in no useful order: the first for a NULL @node, then
 * the one after @node, NULL at the end.  @node may be freed once the
 * next one is known.
 */
struct erofs_hnode *erofs_hashtab_next(const struct erofs_hashtab *h,
				       const struct erofs_hnode *node)
{
	u64 i = 0;

	if (node) {
		if (node->next)
			return node->next;
		i = (node->hash & (h->cap - 1)) + 1;
	}
	for (; i < h->cap; i++)
		if (h->buckets[i])
			return h->buckets[i];
	return NULL;
}

/* the table's own memory; the nodes are the caller's */
void erofs_hashtab_release(struct erofs_hashtab *h)
{
	free(h->buckets);
	h->buckets = NULL;
	h->cap = h->count = 0;
}
