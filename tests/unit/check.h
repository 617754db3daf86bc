/* SPDX-License-Identifier: GPL-2.0+ OR MIT */
/*
 * A few assertion helpers for the unit tests: each failed check prints one
 * line naming the file, line and values, and the test keeps going so that
 * one run shows every failure.  check_exit() gives automake's exit code.
 */
#ifndef __EROFS_TESTS_CHECK_H
#define __EROFS_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static unsigned int check_failures, check_count;

#define CHECK(cond) do {						\
	check_count++;							\
	if (!(cond)) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
	}								\
} while (0)

#define CHECK_EQ(got, want) do {					\
	unsigned long long g_ = (unsigned long long)(got);		\
	unsigned long long w_ = (unsigned long long)(want);		\
	check_count++;							\
	if (g_ != w_) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: %s is 0x%llx, want 0x%llx\n",	\
			__FILE__, __LINE__, #got, g_, w_);		\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	check_count++;							\
	if (!g_ || strcmp(g_, w_)) {					\
		check_failures++;					\
		fprintf(stderr, "%s:%d: %s is '%s', want '%s'\n",	\
			__FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_);\
	}								\
} while (0)

/* 0 when every check passed; 1 otherwise, and 99 if nothing was checked */
static inline int check_exit(const char *name)
{
	if (!check_count) {
		fprintf(stderr, "%s: no checks ran\n", name);
		return 99;
	}
	printf("%s: %u checks, %u failed\n", name, check_count,
	       check_failures);
	return check_failures ? 1 : 0;
}

#endif
