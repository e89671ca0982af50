#include "conf/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_level = LOG_LEVEL_INFO;

void
log_init(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return log_level;
}

static void
log_vemit(const char *tag, const char *fmt, va_list ap, const char *suffix)
{
	char		 ts[32];
	struct timespec	 now;
	struct tm	 tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf per line keeps concurrent writers' lines whole. */
	char line[2048];
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		line[0] = '\0';
	if (suffix != NULL)
		fprintf(stderr, "%s.%03ldZ portcullis %s: %s: %s\n", ts,
		    now.tv_nsec / 1000000, tag, line, suffix);
	else
		fprintf(stderr, "%s.%03ldZ portcullis %s: %s\n", ts,
		    now.tv_nsec / 1000000, tag, line);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	if (log_level < LOG_LEVEL_WARN)
		return;
	va_start(ap, fmt);
	log_vemit("warn", fmt, ap, strerror(saved));
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LEVEL_WARN)
		return;
	va_start(ap, fmt);
	log_vemit("warn", fmt, ap, NULL);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LEVEL_INFO)
		return;
	va_start(ap, fmt);
	log_vemit("info", fmt, ap, NULL);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_level < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vemit("debug", fmt, ap, NULL);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vemit("fatal", fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vemit("fatal", fmt, ap, NULL);
	va_end(ap);
	exit(1);
}

char *
log_escape(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, o = 0;

	if (dstlen == 0)
		return dst;
	for (i = 0; i < srclen; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			if (o + 1 >= dstlen)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= dstlen)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0xf];
		}
	}
	dst[o] = '\0';
	return dst;
}
