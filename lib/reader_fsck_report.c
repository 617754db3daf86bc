// SPDX-License-Identifier: GPL-2.0+ OR MIT
/*
 * How the fsck engine hands a problem to the tool: with its path, and
 * after the results of every earlier file, so that problems come out in
 * walk order.  Below the walk, the data checks and extraction, which all
 * report; below it only the pool, which it flushes.
 */
#include <stdarg.h>
#include <stdio.h>
#include "liberofs_fsck.h"

static void emit(struct fsck_ctx *ctx, enum erofs_problem_id id, u64 nid,
		 const char *path, const char *fmt, va_list ap)
{
	struct erofs_problem p = { .id = id, .nid = nid, .path = path };
	char msg[512];

	if (path && !*path)	/* "": about the image, not one path */
		p.path = NULL;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	p.msg = msg;
	ctx->cfg->report(ctx->cfg->report_arg, &p);
}

void fsck_emit(struct fsck_ctx *ctx, enum erofs_problem_id id, u64 nid,
	       const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(ctx, id, nid, path, fmt, ap);
	va_end(ap);
}

void fsck_problem(struct fsck_ctx *ctx, enum erofs_problem_id id, u64 nid,
		  const char *path, const char *fmt, ...)
{
	va_list ap;

	if (ctx->mute)
		return;
	fsck_pool_flush(ctx->pool);	/* earlier files print first */
	va_start(ap, fmt);
	emit(ctx, id, nid, path ? path : ctx->path, fmt, ap);
	va_end(ap);
}
