/*
 * A request the proxy answers itself from what the registry tells the
 * caller: the work runs on a thread of its own with the caller's own
 * Authorization (regclient_as_client), so the loop never waits on the
 * registry and the caller sees exactly what the registry lets it see;
 * then, on the loop, the session gets the reply (or, for work with no
 * session, done runs). The referrers API and the tags list's pages use
 * it.
 */
#ifndef PROXY_GATE_ASCLIENT_H
#define PROXY_GATE_ASCLIENT_H

#include <stddef.h>

struct conf;
struct evbuffer;
struct gate;
struct regclient;
struct session;

struct asclient {
	struct session		*s;		/* NULL: none, or it went away */
	const struct conf	*conf;
	int			 account;	/* rc is the scanner's account */
	char			*auth;		/* the caller's; wiped */
	void			*arg;		/* the work's own */
	/* The reply, filled by the work. */
	int			 status;	/* 200, 401, 403, 404, or 502 */
	char			*body;		/* malloc'd */
	size_t			 len;
	const char		*content_type;
	char			 headers[512];	/* more header lines, CRLF each */
	char			 www_auth[1024];
	/* Thread: the work. Loop, after any reply: arg's release. */
	void			(*work)(struct asclient *, struct regclient *);
	void			(*done)(struct asclient *);
};

/*
 * Start work for s (NULL: none) with authorization (NULL: none); done
 * (if not NULL) always runs at the end, also at shutdown. 0, or -1 (too
 * many at once, or no thread: nothing started, arg untouched).
 */
int	asclient_start(struct gate *, struct session *, const char *auth,
	    void (*work)(struct asclient *, struct regclient *),
	    void (*done)(struct asclient *), void *arg);
/* The same for work of the proxy's own, with the scanner's account. */
int	asclient_start_account(struct gate *,
	    void (*work)(struct asclient *, struct regclient *),
	    void (*done)(struct asclient *), void *arg);
/*
 * The reply when asclient_start could not: 503, retry. What a local
 * hook returns then (0, or -1 out of memory).
 */
int	asclient_busy(struct session *, struct evbuffer *out);
/* s went away: its reply is dropped. */
void	asclient_gone(struct session *);
/* Shutdown: wait for every thread. */
void	asclient_shutdown(void);

#endif
