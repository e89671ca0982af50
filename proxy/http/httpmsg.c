#include "proxy/http/httpmsg.h"

#include <event2/buffer.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
httpmsg_init(struct httpmsg *m, size_t limit)
{
	memset(m, 0, sizeof(*m));
	m->limit = limit;
}

void
httpmsg_clear(struct httpmsg *m)
{
	size_t		 i, limit = m->limit;
	const char	*seg = m->seg, *seg_end = m->seg_end;

	for (i = 0; i < m->nhdrs; i++) {
		free(m->hdrs[i].name);
		free(m->hdrs[i].value);
	}
	free(m->hdrs);
	free(m->url);
	free(m->status);
	httpmsg_init(m, limit);
	/* Cleared at a message's start, in the middle of a buffer. */
	m->seg = seg;
	m->seg_end = seg_end;
}

/* Append to a NUL-terminated growable string. */
static int
httpmsg_append(struct httpmsg *m, char **s, size_t *len, const char *at,
    size_t n)
{
	char	*ns;

	if (n > m->limit || m->bytes + n > m->limit)
		return -1;
	if ((ns = realloc(*s, *len + n + 1)) == NULL)
		return -1;
	memcpy(ns + *len, at, n);
	*len += n;
	ns[*len] = '\0';
	*s = ns;
	m->bytes += n;
	return 0;
}

int
httpmsg_add_url(struct httpmsg *m, const char *at, size_t n)
{
	return httpmsg_append(m, &m->url, &m->url_len, at, n);
}

int
httpmsg_add_status(struct httpmsg *m, const char *at, size_t n)
{
	return httpmsg_append(m, &m->status, &m->status_len, at, n);
}

/* RFC 9110 5.6.2: tchar. */
static int
httpmsg_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

void
httpmsg_segment(struct httpmsg *m, const char *at, size_t n)
{
	m->seg = at;
	m->seg_end = at + n;
}

int
httpmsg_add_field(struct httpmsg *m, const char *at, size_t n)
{
	struct httphdr	*h;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (!httpmsg_tchar((unsigned char)at[i]))
			return HTTPMSG_ENAME;

	if (m->nhdrs == 0 || m->in_value) {
		if (m->nhdrs == HTTPMSG_MAX_HEADERS)
			return -1;
		if (m->nhdrs == m->cap) {
			size_t	ncap = m->cap ? m->cap * 2 : 16;

			h = reallocarray(m->hdrs, ncap, sizeof(*h));
			if (h == NULL)
				return -1;
			m->hdrs = h;
			m->cap = ncap;
		}
		memset(&m->hdrs[m->nhdrs++], 0, sizeof(*h));
		m->in_value = 0;
		m->value_end = NULL;
		/* Count the ": " and CRLF a header costs on the wire. */
		m->bytes += 4;
	}
	h = &m->hdrs[m->nhdrs - 1];
	return httpmsg_append(m, &h->name, &h->name_len, at, n);
}

int
httpmsg_add_value(struct httpmsg *m, const char *at, size_t n)
{
	struct httphdr	*h;

	if (m->nhdrs == 0)
		return -1;
	h = &m->hdrs[m->nhdrs - 1];
	/*
	 * A further piece of the same value must start where the last one
	 * ended, or at the start of the next buffer when the last ended at
	 * the end of its own. Anything between them was a line break.
	 */
	if (m->in_value && m->value_end != NULL && at != m->value_end &&
	    !(at == m->seg && m->value_at_seg_end))
		return HTTPMSG_EFOLD;
	m->in_value = 1;
	m->value_end = at + n;
	m->value_at_seg_end = m->seg_end != NULL && at + n == m->seg_end;
	if (h->value == NULL && n == 0)
		return httpmsg_append(m, &h->value, &h->value_len, "", 0);
	return httpmsg_append(m, &h->value, &h->value_len, at, n);
}

const char *
httpmsg_get(const struct httpmsg *m, const char *name)
{
	size_t	i;

	for (i = 0; i < m->nhdrs; i++)
		if (m->hdrs[i].name != NULL &&
		    strcasecmp(m->hdrs[i].name, name) == 0)
			return m->hdrs[i].value != NULL ? m->hdrs[i].value : "";
	return NULL;
}

/* 1 if the comma-separated list contains token (case-insensitive). */
static int
httpmsg_list_has(const char *list, const char *token)
{
	size_t	tlen = strlen(token);

	while (*list != '\0') {
		const char	*end;
		size_t		 len;

		while (*list == ' ' || *list == '\t' || *list == ',')
			list++;
		end = list;
		while (*end != '\0' && *end != ',')
			end++;
		len = (size_t)(end - list);
		while (len > 0 && (list[len - 1] == ' ' || list[len - 1] == '\t'))
			len--;
		if (len == tlen && strncasecmp(list, token, len) == 0)
			return 1;
		list = end;
	}
	return 0;
}

int
httpmsg_is_hop(const struct httpmsg *m, const char *name)
{
	static const char *const hop[] = {
		"Connection", "Keep-Alive", "Proxy-Connection", "TE",
		"Trailer", "Transfer-Encoding", "Upgrade", "Content-Length",
		"Host", "Proxy-Authorization", "Proxy-Authenticate",
	};
	const char	*conn;
	size_t		 i;

	for (i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		if (strcasecmp(name, hop[i]) == 0)
			return 1;
	for (i = 0; i < m->nhdrs; i++) {
		if (strcasecmp(m->hdrs[i].name, "Connection") != 0 ||
		    (conn = m->hdrs[i].value) == NULL)
			continue;
		if (httpmsg_list_has(conn, name))
			return 1;
	}
	return 0;
}

int
httpmsg_write_headers(const struct httpmsg *m, struct evbuffer *out,
    int (*skip)(const char *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < m->nhdrs; i++) {
		const struct httphdr *h = &m->hdrs[i];

		if (h->name == NULL || httpmsg_is_hop(m, h->name))
			continue;
		if (skip != NULL && skip(h->name, arg))
			continue;
		if (evbuffer_add(out, h->name, h->name_len) == -1 ||
		    evbuffer_add(out, ": ", 2) == -1 ||
		    (h->value_len > 0 &&
		    evbuffer_add(out, h->value, h->value_len) == -1) ||
		    evbuffer_add(out, "\r\n", 2) == -1)
			return -1;
	}
	return 0;
}

int
httpmsg_parse_length(const char *s, unsigned long long *out)
{
	char			*end;
	unsigned long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}
