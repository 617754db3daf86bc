// SPDX-License-Identifier: GPL-2.0+ OR MIT
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "erofs/defs.h"
#include "erofs/print.h"

/*
 * The only process-wide state in lib: who we are and how chatty to be,
 * set once by a tool's main() before any thread starts; and whether a
 * progress line is on the terminal, which its messages must erase.
 */
static const char *log_prog = "erofs";
static int log_level = EROFS_LOG_INFO;
static bool log_first_error_only;
static atomic_bool log_error_printed;
/* a progress line is drawn on this fd (-1: none); stdout is that tty too */
static atomic_int log_tty_fd = -1;
static atomic_bool log_tty_stdout;

void erofs_log_init(const char *progname, int level)
{
	const char *slash = strrchr(progname, '/');

	log_prog = slash ? slash + 1 : progname;
	log_level = level;
}

void erofs_log_first_error_only(bool on)
{
	log_first_error_only = on;
}

void erofs_log_tty_line(int fd)
{
	atomic_store(&log_tty_stdout, fd >= 0 && isatty(STDOUT_FILENO));
	atomic_store(&log_tty_fd, fd);
}

void erofs_log_line_start(FILE *f)
{
	int fd = atomic_load(&log_tty_fd);

	if (fd < 0)
		return;
	if ((f == stderr && fd == STDERR_FILENO) ||
	    (f == stdout && atomic_load(&log_tty_stdout)))
		fputs("\033[K", f);
}

int erofs_log_level(void)
{
	return log_level;
}

void erofs_msg(int level, const char *tag, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (level > log_level)
		return;
	/* the first failure is the cause; workers failing with it are not */
	if (level < 0 && log_first_error_only &&
	    atomic_exchange(&log_error_printed, true))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/*
	 * One message is one line: a newline or another control byte in a
	 * path or name must neither split it nor drive the terminal.
	 */
	for (char *c = line; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	/* info goes to stdout; warnings and errors to stderr, prefixed */
	erofs_log_line_start(tag ? stderr : stdout);
	if (!tag)
		fprintf(stdout, "%s\n", line);
	else
		fprintf(stderr, "%s: %s: %s\n", log_prog, tag, line);
}

const char *erofs_strerror(int err)
{
	if (err == -EFSCORRUPTED)
		return "filesystem image is corrupted";
	return strerror(err < 0 ? -err : err);
}

size_t erofs_utf8_len(const void *p, size_t left)
{
	const u8 *c = p;
	u32 cp;
	size_t n;

	if (!left || c[0] < 0xc2 || c[0] > 0xf4)
		return 0;
	n = c[0] >= 0xf0 ? 4 : c[0] >= 0xe0 ? 3 : 2;
	if (n > left)
		return 0;
	cp = c[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((c[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (c[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * How many bytes at @s (of @left) go out as they are: a printable ASCII
 * byte, or a UTF-8 sequence that is neither a C1 control (U+0080-U+009F,
 * which some terminals obey like ESC) nor a bidirectional override or
 * isolate (U+202A-U+202E, U+2066-U+2069, which reorder what is shown);
 * 0 when the byte at @s must be escaped.
 */
static size_t plain_len(const u8 *s, size_t left)
{
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] < 0x7f && s[0] != '\\';
	n = erofs_utf8_len(s, left);
	if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
		return 0;
	if (n == 3 && s[0] == 0xe2 &&
	    ((s[1] == 0x80 && s[2] >= 0xaa && s[2] <= 0xae) ||
	     (s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)))
		return 0;
	return n;
}

/* the escaped form of the byte @c, NUL-terminated in @out[5]; its length */
static size_t escape_byte(char out[5], u8 c)
{
	static const char hex[] = "0123456789abcdef";

	out[0] = '\\';
	if (c == '\\') {
		out[1] = '\\';
		out[2] = '\0';
		return 2;
	}
	out[1] = 'x';
	out[2] = hex[c >> 4];
	out[3] = hex[c & 15];
	out[4] = '\0';
	return 4;
}

void erofs_escape(char *out, size_t outsz, const void *name, size_t len)
{
	const u8 *s = name;
	size_t o = 0;

	for (size_t i = 0; i < len && o + 5 < outsz;) {
		size_t n = plain_len(s + i, len - i);

		if (!n) {
			o += escape_byte(out + o, s[i++]);
			continue;
		}
		if (o + n + 5 >= outsz)
			break;
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	if (outsz)
		out[o < outsz ? o : outsz - 1] = '\0';
}

void erofs_fput_escaped(FILE *out, const void *name, size_t len)
{
	const u8 *s = name;
	size_t run = 0, i = 0;
	char buf[5];

	/* plain runs in one fwrite: a listing of many names stays cheap */
	while (i < len) {
		size_t n = plain_len(s + i, len - i);

		if (n) {
			i += n;
			continue;
		}
		fwrite(s + run, 1, i - run, out);
		escape_byte(buf, s[i]);
		fputs(buf, out);
		run = ++i;
	}
	fwrite(s + run, 1, len - run, out);
}
