/*
 * One HTTP(S) request with libevent's HTTP client, the body streamed to
 * a file (never held whole) or collected in memory up to a bound, and
 * hashed on the way when asked. https verifies the server's chain and
 * name. Used by `portcullis db update` and the registry client.
 */
#ifndef PROXY_REGISTRY_FETCH_H
#define PROXY_REGISTRY_FETCH_H

#include <stddef.h>
#include <stdio.h>

struct fetch_req {
	/* In. */
	const char		*url;
	const char		*ca_file;	/* NULL: the system store */
	int			 allow_http;	/* plain http:// allowed */
	int			 insecure;	/* https without verification */
	const char		*accept;	/* NULL: none */
	const char		*authorization;	/* NULL: none */
	const char		*range;		/* Range header; NULL: none */
	/* Conditional GET (a 304 answers "unchanged"); NULL: none. */
	const char		*if_none_match;
	const char		*if_modified_since;
	/*
	 * Another method than GET (EVHTTP_REQ_PUT, _POST; 0: GET) and
	 * what it sends: put_body (put_len bytes, borrowed) as
	 * put_type.
	 */
	int			 method;
	const void		*put_body;
	size_t			 put_len;
	const char		*put_type;
	/* Or put_len bytes of this file, sent from the page cache. */
	const char		*put_file;
	unsigned long long	 max;		/* body bound */
	FILE			*out;		/* NULL: body into body/bodylen */
	/*
	 * Or a 2xx body handed on as it arrives (other answers still go
	 * to body/bodylen); sink may block, which holds the sender back.
	 * -1 from it ends the transfer (an error).
	 */
	int			(*sink)(void *, const void *, size_t);
	void			*sink_arg;
	int			 sha256;	/* hash the body into digest */
	/*
	 * Set (by another thread) to stop: the transfer ends within
	 * FETCH_CANCEL_POLL ms with "cancelled". NULL: runs to its end or
	 * its timeout.
	 */
	const int		*cancel;
	/* Out. */
	int			 status;
	char			*body;		/* malloc'd, NUL-terminated */
	size_t			 bodylen;
	char			 digest[72];	/* "sha256:<hex>" */
	char			 www_authenticate[1024];
	char			 location[2048];
	char			 content_type[256];
	char			 etag[256];
	char			 last_modified[128];
};

/*
 * Send the request and wait for the whole response. 0 when a response came
 * (any status: see status), -1 with a reason in err when none did, the
 * body broke a bound, or it ended short of its Content-Length. The
 * caller frees body.
 */
int	fetch_run(struct fetch_req *, char *err, size_t errlen);

/*
 * GET url (https only) into path; anything but 200 is an error.
 * ca_file NULL: the system store. max_bytes bounds the download.
 */
int	fetch_to_file(const char *url, const char *ca_file, const char *path,
	    unsigned long long max_bytes, char *err, size_t errlen);

#endif
