/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * One updating line on a terminal while a tool works: the phase, files
 * and bytes done (of the total when known), the rate and the time left.
 * Workers only add to two atomic counters; a thread of its own draws the
 * line at most four times a second, so the work pays next to nothing.
 * Every function takes NULL and then does nothing: lib calls them
 * unconditionally, and the tool starts a display only when stderr is a
 * terminal and it was not asked to be quiet.
 */
#ifndef __EROFS_PROGRESS_H
#define __EROFS_PROGRESS_H

#include "erofs/defs.h"

struct erofs_progress;

/*
 * Start drawing on @fd, a terminal.  NULL when no thread could be
 * started: the work goes on without a display.
 */
struct erofs_progress *erofs_progress_start(int fd);
/* Stop drawing and clear the line. */
void erofs_progress_stop(struct erofs_progress *p);
/*
 * A new phase ("scanning", "compressing", ...): the counters restart at
 * 0; @files_total and @bytes_total are 0 when unknown.
 */
void erofs_progress_phase(struct erofs_progress *p, const char *phase,
			  u64 files_total, u64 bytes_total);
/* @files and @bytes more are done; any thread */
void erofs_progress_add(struct erofs_progress *p, u64 files, u64 bytes);

#endif
