/*
 * The access log: one JSON line per request (who, what, how it ended,
 * and what the hooks decided), for the audit trail.
 */
#ifndef PROXY_RELAY_ACCESSLOG_H
#define PROXY_RELAY_ACCESSLOG_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* What one request's line says; strings may be NULL where noted. */
struct accesslog_entry {
	time_t		 time;
	const char	*peer;
	const char	*authorization;	/* the user is read from it; NULL */
	const char	*method;
	const char	*url;		/* NULL */
	size_t		 url_len;
	const char	*route;
	const char	*repository;
	const char	*reference;
	int		 status;
	uint64_t	 request_bytes;
	uint64_t	 response_bytes;
	double		 ms;
	int		 local;
	const char	*decision;	/* the hooks': "allow", "deny"; NULL */
	const char	*reason;	/* NULL */
};

/* path "-" is stdout. NULL on error (logged). */
FILE	*accesslog_open(const char *path);
void	 accesslog_close(FILE *);
/*
 * Who made a request, for the audit trail: the user of Basic
 * credentials, or the "sub" a bearer token claims. Escaped; "" when
 * unknown.
 */
void	 accesslog_user(const char *authorization, char *out, size_t len);
/* The line for one request; nothing when f is NULL. */
void	 accesslog_write(FILE *f, const struct accesslog_entry *);

#endif
