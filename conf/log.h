/*
 * Logging in the relayd style: log_warn() appends strerror(errno),
 * log_warnx() does not. fatal()/fatalx() are for start-up errors and
 * broken invariants only, never for anything a remote side sent.
 */
#ifndef CONF_LOG_H
#define CONF_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

void	log_init(int level);
int	log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Copy attacker-controlled bytes into dst as printable ASCII, escaping
 * everything else (like httpd's stravis). Always NUL-terminates.
 * Returns dst.
 */
char	*log_escape(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
