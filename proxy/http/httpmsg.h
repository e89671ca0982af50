/*
 * Storage for one HTTP message head as libhttp-parser delivers it: the
 * URL and header fields may arrive in pieces, split wherever the read
 * buffer ended, so every callback appends. The total is bounded by a
 * limit so a peer cannot grow a head without end.
 */
#ifndef PROXY_HTTP_HTTPMSG_H
#define PROXY_HTTP_HTTPMSG_H

#include <stddef.h>

struct evbuffer;

struct httphdr {
	char	*name;
	char	*value;
	size_t	 name_len;
	size_t	 value_len;
};

struct httpmsg {
	char		*url;		/* request target, NUL-terminated */
	size_t		 url_len;
	char		*status;	/* response reason phrase */
	size_t		 status_len;
	struct httphdr	*hdrs;
	size_t		 nhdrs;
	size_t		 cap;
	size_t		 bytes;		/* all head bytes so far */
	size_t		 limit;
	int		 in_value;	/* last piece was a value */
	/*
	 * The buffer the parser is reading (httpmsg_segment) and where the
	 * last value piece ended: a value piece that does not continue it
	 * follows a line break, which is obs-fold.
	 */
	const char	*seg, *seg_end;
	const char	*value_end;	/* NULL: none yet */
	int		 value_at_seg_end;
};

#define HTTPMSG_MAX_HEADERS	256

void	 httpmsg_init(struct httpmsg *, size_t limit);
/* Free all storage; the struct can be reused after httpmsg_init. */
void	 httpmsg_clear(struct httpmsg *);
/*
 * Append pieces. -1 when the head passes its limit or on ENOMEM;
 * HTTPMSG_ENAME when a field name is not an RFC 9110 token (whitespace
 * before the colon among them), HTTPMSG_EFOLD when a value continues on
 * a new line (obs-fold). Strict, unlike the parser: what the proxy
 * forwards is re-serialised from names and values, and a name another
 * server would read differently is how requests get smuggled.
 */
#define HTTPMSG_ENAME	(-2)
#define HTTPMSG_EFOLD	(-3)
int	 httpmsg_add_url(struct httpmsg *, const char *, size_t);
int	 httpmsg_add_status(struct httpmsg *, const char *, size_t);
int	 httpmsg_add_field(struct httpmsg *, const char *, size_t);
int	 httpmsg_add_value(struct httpmsg *, const char *, size_t);
/* The parser is about to read [at, at + n): pieces point into it. */
void	 httpmsg_segment(struct httpmsg *, const char *at, size_t n);
/* First header named name (case-insensitive), or NULL. Borrowed. */
const char *httpmsg_get(const struct httpmsg *, const char *name);
/*
 * 1 if the header must not be forwarded: hop-by-hop headers (RFC 9110
 * 7.6.1), the framing headers we regenerate, Host, and any header the
 * message's own Connection header lists.
 */
int	 httpmsg_is_hop(const struct httpmsg *, const char *name);
/*
 * Write "Name: value\r\n" for every forwardable header. A header for
 * which skip(name, arg) returns 1 is left out too (skip may be NULL).
 * 0 or -1.
 */
int	 httpmsg_write_headers(const struct httpmsg *, struct evbuffer *,
	    int (*skip)(const char *, void *), void *arg);
/* Parse a Content-Length value strictly (digits only). 0 or -1. */
int	 httpmsg_parse_length(const char *, unsigned long long *);

#endif
