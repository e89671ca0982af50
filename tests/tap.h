/*
 * Minimal TAP producer (picotest style). Each test program prints its
 * plan at the end ("done_testing"), so the number of checks need not be
 * counted by hand. Run under automake's tap-driver.sh.
 */
#ifndef TESTS_TAP_H
#define TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) do {					\
	long long _g = (long long)(got), _w = (long long)(want);	\
	if (!ok(_g == _w, __VA_ARGS__))					\
		printf("#   got %lld, want %lld\n", _g, _w);		\
} while (0)
#define is_str(got, want, ...) do {					\
	const char *_g = (got), *_w = (want);				\
	int _eq = (_g == NULL && _w == NULL) ||				\
	    (_g != NULL && _w != NULL && strcmp(_g, _w) == 0);		\
	if (!ok(_eq, __VA_ARGS__))					\
		printf("#   got \"%s\", want \"%s\"\n",			\
		    _g ? _g : "(null)", _w ? _w : "(null)");		\
} while (0)

static int __attribute__((format(printf, 4, 5)))
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!pass) {
		tap_failures++;
		printf("#   at %s:%d\n", file, line);
	}
	return pass;
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}

#endif
