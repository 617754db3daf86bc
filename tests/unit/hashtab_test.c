// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The chained hash table of lib/liberofs_hashtab.h: every node inserted is
 * found through its chain and met once by the walk, across the growths;
 * removing takes out that node only, also one of several equal hashes.
 */
#include <stdlib.h>
#include "liberofs_hashtab.h"
#include "check.h"

#define N	5000

struct item {
	struct erofs_hnode hnode;
	unsigned int key;
	unsigned int seen;
};

/* few distinct hashes, so that chains hold many nodes */
static u64 hash_of(unsigned int key)
{
	return (u64)(key % 97) * 0x9E3779B97F4A7C15ULL;
}

static struct item *find(const struct erofs_hashtab *h, unsigned int key)
{
	for (struct erofs_hnode *n = erofs_hashtab_chain(h, hash_of(key)); n;
	     n = n->next) {
		struct item *it = erofs_hnode_entry(n, struct item, hnode);

		if (it->key == key)
			return it;
	}
	return NULL;
}

static unsigned int walk(const struct erofs_hashtab *h)
{
	unsigned int count = 0;

	for (struct erofs_hnode *n = erofs_hashtab_next(h, NULL); n;
	     n = erofs_hashtab_next(h, n)) {
		erofs_hnode_entry(n, struct item, hnode)->seen++;
		count++;
	}
	return count;
}

int main(void)
{
	struct erofs_hashtab h = { 0 };
	struct item *items = calloc(N, sizeof(*items));
	unsigned int found = 0, once = 0;

	CHECK(!erofs_hashtab_chain(&h, 1) && !erofs_hashtab_next(&h, NULL));
	erofs_hashtab_remove(&h, &items[0].hnode);	/* empty: no-op */
	for (unsigned int i = 0; i < N; i++) {
		items[i].key = i;
		CHECK_EQ(erofs_hashtab_insert(&h, &items[i].hnode, hash_of(i)), 0);
	}
	CHECK_EQ(h.count, N);
	CHECK(h.cap >= N && !(h.cap & (h.cap - 1)));
	for (unsigned int i = 0; i < N; i++)
		found += find(&h, i) == &items[i];
	CHECK_EQ(found, N);
	CHECK_EQ(walk(&h), N);
	for (unsigned int i = 0; i < N; i++)
		once += items[i].seen == 1;
	CHECK_EQ(once, N);

	/* every third one out: the others stay, the walk skips them */
	for (unsigned int i = 0; i < N; i += 3)
		erofs_hashtab_remove(&h, &items[i].hnode);
	found = 0;
	for (unsigned int i = 0; i < N; i++)
		found += find(&h, i) == (i % 3 ? &items[i] : NULL);
	CHECK_EQ(found, N);
	CHECK_EQ(h.count, N - (N + 2) / 3);
	CHECK_EQ(walk(&h), h.count);

	erofs_hashtab_release(&h);
	CHECK(!h.buckets && !h.cap && !h.count);
	free(items);
	return check_exit("hashtab_test");
}
