/* What the C benchmarks share: a clock, and a callback that reads only. */
#ifndef TESTS_BENCH_BENCH_H
#define TESTS_BENCH_BENCH_H

#include <stddef.h>
#include <time.h>

static inline double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A store_adv_each callback that only counts what it is handed. */
static inline int
noop_cb(const char *json, size_t len, void *arg)
{
	(void)json;
	(*(size_t *)arg) += len;
	return 0;
}

#endif
