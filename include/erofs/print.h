/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * Messages: one line on stderr, "prog: error: what failed: why".
 * erofs_err_ret() reports and hands back the error code in one statement.
 */
#ifndef __EROFS_PRINT_H
#define __EROFS_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum erofs_log_level {
	EROFS_LOG_SILENT = -2,	/* not even errors: the fuzz targets */
	EROFS_LOG_QUIET = 0,	/* errors only */
	EROFS_LOG_INFO = 1,
	EROFS_LOG_DEBUG = 2,
};

void erofs_log_init(const char *progname, int level);
/*
 * Print only the first error of the process: for a tool that stops at the
 * first failure, where threads failing at once must not add lines.
 */
void erofs_log_first_error_only(bool on);
int erofs_log_level(void);
/*
 * A progress line is drawn on @fd (-1: no longer).  Until then every
 * message to that terminal, ours or a tool's after erofs_log_line_start(),
 * first erases the line, whose cursor rests at its start, so the message
 * replaces it and the next frame is drawn below.
 */
void erofs_log_tty_line(int fd);
void erofs_log_line_start(FILE *f);
void erofs_msg(int level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define erofs_err(fmt, ...) erofs_msg(-1, "error", fmt, ##__VA_ARGS__)
#define erofs_warn(fmt, ...) erofs_msg(0, "warning", fmt, ##__VA_ARGS__)
#define erofs_info(fmt, ...) erofs_msg(EROFS_LOG_INFO, NULL, fmt, ##__VA_ARGS__)
#define erofs_dbg(fmt, ...) erofs_msg(EROFS_LOG_DEBUG, "debug", fmt, \
				      ##__VA_ARGS__)
#define erofs_err_ret(ret, fmt, ...) \
	(erofs_err(fmt, ##__VA_ARGS__), (ret))

/*
 * A name from an image, fit for one line of text: printable ASCII and
 * valid UTF-8 are kept, a backslash doubled, anything else (control
 * characters, ESC, newlines, DEL, C1 controls, bidirectional overrides,
 * bytes that are not valid UTF-8) written as \xNN per byte, so that a
 * hostile name can neither split a line, drive the terminal nor reorder
 * what is shown.  erofs_escape() truncates to @outsz (4 * len + 1 always
 * fits); erofs_fput_escaped() writes it all.
 */
void erofs_escape(char *out, size_t outsz, const void *name, size_t len);
void erofs_fput_escaped(FILE *out, const void *name, size_t len);
/* the length of the valid UTF-8 sequence at @p (of @left bytes): shortest
 * form, no UTF-16 surrogates, at most U+10FFFF; 0 when none starts there */
size_t erofs_utf8_len(const void *p, size_t left);

/* strerror() for a negative errno, without a static buffer of ours */
const char *erofs_strerror(int err);

#endif
