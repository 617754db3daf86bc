// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * Tables of inodes the walk has reached.  Memory follows the inodes
 * actually reached, not the image size: the nid set is a bitmap in
 * 512-byte leaves, one per 4096 inode slots (128 KiB of metadata), found
 * by open addressing; hard links get an entry each.
 */
#include <stdlib.h>
#include <string.h>
#include "liberofs_fsck.h"

#define LEAF_BITS	12
#define LEAF_NIDS	(1U << LEAF_BITS)

struct nid_leaf {
	u64 key;		/* nid >> LEAF_BITS */
	u64 bits[LEAF_NIDS / 64];
};

static u64 hash64(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	return x;
}

static int nid_set_grow(struct nid_set *s)
{
	u64 cap = s->cap ? s->cap * 2 : 64;
	struct nid_leaf **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (u64 i = 0; i < s->cap; i++) {
		struct nid_leaf *l = s->slots[i];
		u64 j;

		if (!l)
			continue;
		for (j = hash64(l->key) & (cap - 1); slots[j]; j = (j + 1) & (cap - 1))
			;
		slots[j] = l;
	}
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
	return 0;
}

int nid_set_test_and_add(struct nid_set *s, u64 nid)
{
	u64 key = nid >> LEAF_BITS, j, bit = nid & (LEAF_NIDS - 1);
	struct nid_leaf *l;
	bool was;

	if ((s->used + 1) * 2 > s->cap && nid_set_grow(s))
		return -ENOMEM;
	for (j = hash64(key) & (s->cap - 1); s->slots[j];
	     j = (j + 1) & (s->cap - 1))
		if (s->slots[j]->key == key)
			break;
	l = s->slots[j];
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			return -ENOMEM;
		l->key = key;
		s->slots[j] = l;
		s->used++;
	}
	was = l->bits[bit / 64] & (1ULL << (bit % 64));
	l->bits[bit / 64] |= 1ULL << (bit % 64);
	return was;
}

void nid_set_release(struct nid_set *s)
{
	for (u64 i = 0; i < s->cap; i++)
		free(s->slots[i]);
	free(s->slots);
	memset(s, 0, sizeof(*s));
}

static int link_map_grow(struct link_map *m)
{
	u64 cap = m->cap ? m->cap * 2 : 64;
	struct link_ent *ents = calloc(cap, sizeof(*ents));

	if (!ents)
		return -ENOMEM;
	for (u64 i = 0; i < m->cap; i++) {
		struct link_ent *e = &m->ents[i];
		u64 j;

		if (!e->found)
			continue;
		for (j = hash64(e->nid) & (cap - 1); ents[j].found;
		     j = (j + 1) & (cap - 1))
			;
		ents[j] = *e;
	}
	free(m->ents);
	m->ents = ents;
	m->cap = cap;
	return 0;
}

/* entries in use always have found >= 1 */
struct link_ent *link_map_get(struct link_map *m, u64 nid, bool create)
{
	u64 j;

	if (create && (m->used + 1) * 2 > m->cap && link_map_grow(m))
		return NULL;
	if (!m->cap)
		return NULL;
	for (j = hash64(nid) & (m->cap - 1); m->ents[j].found;
	     j = (j + 1) & (m->cap - 1))
		if (m->ents[j].nid == nid)
			return &m->ents[j];
	if (!create)
		return NULL;
	m->ents[j] = (struct link_ent){ .nid = nid, .found = 1 };
	m->used++;
	return &m->ents[j];
}

void link_map_release(struct link_map *m)
{
	for (u64 i = 0; i < m->cap; i++)
		free(m->ents[i].path);
	free(m->ents);
	memset(m, 0, sizeof(*m));
}
