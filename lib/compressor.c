// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * The table of compressors that -z can name, and their life cycle.
 */
#include <errno.h>
#include <string.h>
#include "compressor.h"

static const struct z_erofs_compressor_ops *const compressors[] = {
	&z_erofs_lz4_ops,
	&z_erofs_lz4hc_ops,
	&z_erofs_lzma_ops,
	&z_erofs_zstd_ops,
};

const struct z_erofs_compressor_ops *z_erofs_compressor_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(compressors); i++)
		if (!strcmp(compressors[i]->name, name))
			return compressors[i];
	return NULL;
}

const struct z_erofs_compressor_ops *z_erofs_compressor_at(unsigned int i)
{
	return i < ARRAY_SIZE(compressors) ? compressors[i] : NULL;
}

int z_erofs_compressor_init(struct z_erofs_compressor *c,
			    const struct z_erofs_alg_cfg *cfg)
{
	memset(c, 0, sizeof(*c));
	c->ops = cfg->ops;
	c->level = cfg->level;
	c->dict_size = cfg->dict_size;
	return c->ops->init ? c->ops->init(c) : 0;
}

void z_erofs_compressor_exit(struct z_erofs_compressor *c)
{
	if (c->ops && c->ops->exit)
		c->ops->exit(c);
	c->ops = NULL;
	c->priv = NULL;
}
