#include "proxy/http/route.h"

#include <string.h>

static int
route_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * path-component = [a-z0-9]+ (separator [a-z0-9]+)*
 * separator = [_.] | "__" | [-]+
 */
static int
route_valid_component(const char *s, size_t len)
{
	size_t	i = 0;

	if (len == 0 || !route_alnum(s[0]) || !route_alnum(s[len - 1]))
		return 0;
	while (i < len) {
		if (route_alnum(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '.') {
			i++;
		} else if (s[i] == '_') {
			i++;
			if (i < len && s[i] == '_')
				i++;
		} else if (s[i] == '-') {
			while (i < len && s[i] == '-')
				i++;
		} else
			return 0;
		if (i >= len || !route_alnum(s[i]))
			return 0;
	}
	return 1;
}

int
route_valid_name(const char *s, size_t len)
{
	size_t	start = 0, i;

	if (len == 0 || len > ROUTE_NAME_MAX)
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '/') {
			if (!route_valid_component(s + start, i - start))
				return 0;
			start = i + 1;
		}
	}
	return 1;
}

int
route_valid_tag(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > ROUTE_REF_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];
		int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_';

		if (i == 0 ? !word : !(word || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

int
route_valid_digest(const char *s, size_t len)
{
	const char	*colon;
	size_t		 alen, elen, i;

	if (len > ROUTE_DIGEST_MAX ||
	    (colon = memchr(s, ':', len)) == NULL)
		return 0;
	alen = (size_t)(colon - s);
	elen = len - alen - 1;
	if (alen == 0 || elen < 32)
		return 0;
	for (i = 0; i < alen; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '+' || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	for (i = alen + 1; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '=' || s[i] == '_' || s[i] == '-'))
			return 0;
	/* The registered algorithms have fixed lowercase-hex lengths. */
	if ((alen == 6 && memcmp(s, "sha256", 6) == 0 && elen != 64) ||
	    (alen == 6 && memcmp(s, "sha512", 6) == 0 && elen != 128))
		return 0;
	if (alen == 6 && memcmp(s, "sha", 3) == 0)
		for (i = alen + 1; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'f') ||
			    (s[i] >= '0' && s[i] <= '9')))
				return 0;
	return 1;
}

static int
route_suffix(const char *p, size_t plen, const char *suf, size_t *cut)
{
	size_t	slen = strlen(suf);

	if (plen <= slen || memcmp(p + plen - slen, suf, slen) != 0)
		return 0;
	*cut = plen - slen;
	return 1;
}

/* Split ".../<segment>/<last>" at the second-to-last slash. */
static int
route_split_last(const char *p, size_t plen, const char *seg, size_t *namelen,
    const char **last, size_t *lastlen)
{
	const char	*slash;
	size_t		 seglen = strlen(seg), i;

	for (i = plen; i > 0; i--)
		if (p[i - 1] == '/')
			break;
	if (i == 0)
		return 0;
	slash = p + i - 1;
	*last = slash + 1;
	*lastlen = plen - i;
	if ((size_t)(slash - p) < seglen + 1 ||
	    memcmp(slash - seglen, seg, seglen) != 0 ||
	    slash[-(long)seglen - 1] != '/')
		return 0;
	*namelen = (size_t)(slash - p) - seglen - 1;
	return 1;
}

/* The proxy's own endpoints at fixed paths. */
static const struct {
	const char	*path;
	enum route_kind	 kind;
} route_fixed[] = {
	{ "/metrics", ROUTE_METRICS },
	{ "/portcullis/v1/search", ROUTE_SEARCH },
	{ "/portcullis/v1/overview", ROUTE_OVERVIEW },
	{ "/portcullis/v1/events", ROUTE_EVENTS },
	{ "/portcullis/v1/login", ROUTE_LOGIN },
	/* The dashboard's page (it names its files whole). */
	{ "/portcullis/ui", ROUTE_UI },
};

enum route_error
route_parse(const char *url, size_t len, struct route *r)
{
	const char	*q, *p, *last;
	size_t		 plen, namelen, lastlen, i;

	memset(r, 0, sizeof(*r));
	r->kind = ROUTE_NONE;
	q = memchr(url, '?', len);
	plen = q != NULL ? (size_t)(q - url) : len;
	r->query = q != NULL ? q + 1 : NULL;
	for (i = 0; i < plen; i++)
		if (url[i] == '%' || url[i] == '\0' || url[i] == '\\')
			return ROUTE_EPATH;	/* no encoded tricks */
	for (i = 0; i < sizeof(route_fixed) / sizeof(route_fixed[0]); i++)
		if (plen == strlen(route_fixed[i].path) &&
		    memcmp(url, route_fixed[i].path, plen) == 0) {
			r->kind = route_fixed[i].kind;
			return ROUTE_OK;
		}
	if (plen >= 15 && memcmp(url, "/portcullis/ui/", 15) == 0 &&
	    plen - 15 < sizeof(r->ref)) {
		/* One file name, no folders: the table is flat. */
		if (memchr(url + 15, '/', plen - 15) != NULL)
			return ROUTE_EPATH;
		memcpy(r->ref, url + 15, plen - 15);
		r->ref[plen - 15] = '\0';
		r->kind = ROUTE_UI;
		return ROUTE_OK;
	}
	if (plen > 22 && memcmp(url, "/portcullis/v1/status/", 22) == 0) {
		/* /portcullis/v1/status/<name>/<tag or digest> */
		const char *st = url + 22, *sl = NULL;

		for (i = plen; i > 22; i--)
			if (url[i - 1] == '/') {
				sl = url + i - 1;
				break;
			}
		if (sl == NULL || sl <= st || (size_t)(url + plen - sl - 1) >
		    ROUTE_DIGEST_MAX)
			return ROUTE_EPATH;
		lastlen = (size_t)(url + plen - sl - 1);
		if (route_valid_digest(sl + 1, lastlen))
			r->ref_is_digest = 1;
		else if (!route_valid_tag(sl + 1, lastlen))
			return ROUTE_EREF;
		if (!route_valid_name(st, (size_t)(sl - st)))
			return ROUTE_ENAME;
		memcpy(r->name, st, (size_t)(sl - st));
		r->name[sl - st] = '\0';
		memcpy(r->ref, sl + 1, lastlen);
		r->ref[lastlen] = '\0';
		r->kind = ROUTE_STATUS;
		return ROUTE_OK;
	}
	if (plen >= 11 && memcmp(url, "/portcullis", 11) == 0)
		return ROUTE_EPATH;
	if (plen < 3 || memcmp(url, "/v2", 3) != 0)
		return ROUTE_EPATH;
	if (plen == 3 || (plen == 4 && url[3] == '/')) {
		r->kind = ROUTE_BASE;
		return ROUTE_OK;
	}
	if (url[3] != '/')
		return ROUTE_EPATH;
	p = url + 4;
	plen -= 4;
	if (plen == 8 && memcmp(p, "_catalog", 8) == 0) {
		r->kind = ROUTE_CATALOG;
		return ROUTE_OK;
	}
	if (route_suffix(p, plen, "/tags/list", &namelen)) {
		r->kind = ROUTE_TAGS;
		goto name;
	}
	if (route_suffix(p, plen, "/blobs/uploads/", &namelen) ||
	    route_suffix(p, plen, "/blobs/uploads", &namelen)) {
		r->kind = ROUTE_UPLOAD_START;
		goto name;
	}
	if (route_split_last(p, plen, "manifests", &namelen, &last, &lastlen)) {
		r->kind = ROUTE_MANIFEST;
		if (route_valid_digest(last, lastlen))
			r->ref_is_digest = 1;
		else if (!route_valid_tag(last, lastlen))
			return memchr(last, ':', lastlen) ? ROUTE_EDIGEST :
			    ROUTE_EREF;
	} else if (route_split_last(p, plen, "uploads", &namelen, &last,
	    &lastlen) && namelen > 6 &&
	    memcmp(p + namelen - 6, "/blobs", 6) == 0) {
		r->kind = ROUTE_UPLOAD;
		namelen -= 6;
		/* Upload ids are opaque but must be one safe segment. */
		if (lastlen == 0 || lastlen > ROUTE_DIGEST_MAX)
			return ROUTE_EPATH;
		for (i = 0; i < lastlen; i++)
			if (last[i] == '/' || (unsigned char)last[i] < 0x21 ||
			    (unsigned char)last[i] > 0x7e)
				return ROUTE_EPATH;
	} else if (route_split_last(p, plen, "blobs", &namelen, &last,
	    &lastlen)) {
		r->kind = ROUTE_BLOB;
		if (!route_valid_digest(last, lastlen))
			return ROUTE_EDIGEST;
		r->ref_is_digest = 1;
	} else if (route_split_last(p, plen, "referrers", &namelen, &last,
	    &lastlen)) {
		r->kind = ROUTE_REFERRERS;
		if (!route_valid_digest(last, lastlen))
			return ROUTE_EDIGEST;
		r->ref_is_digest = 1;
	} else
		return ROUTE_EPATH;
	memcpy(r->ref, last, lastlen);
	r->ref[lastlen] = '\0';
 name:
	if (!route_valid_name(p, namelen)) {
		r->kind = ROUTE_NONE;
		return ROUTE_ENAME;
	}
	memcpy(r->name, p, namelen);
	r->name[namelen] = '\0';
	return ROUTE_OK;
}

const char *
route_kind_name(enum route_kind k)
{
	switch (k) {
	case ROUTE_BASE: return "base";
	case ROUTE_CATALOG: return "catalog";
	case ROUTE_MANIFEST: return "manifest";
	case ROUTE_BLOB: return "blob";
	case ROUTE_UPLOAD_START: return "upload-start";
	case ROUTE_UPLOAD: return "upload";
	case ROUTE_TAGS: return "tags";
	case ROUTE_REFERRERS: return "referrers";
	case ROUTE_STATUS: return "status";
	case ROUTE_SEARCH: return "search";
	case ROUTE_OVERVIEW: return "overview";
	case ROUTE_EVENTS: return "events";
	case ROUTE_LOGIN: return "login";
	case ROUTE_UI: return "ui";
	case ROUTE_METRICS: return "metrics";
	case ROUTE_NONE: break;
	}
	return "none";
}

int
route_query_has(const char *query, const char *key)
{
	size_t		 kl = strlen(key);
	const char	*p = query;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return 1;
		if ((p = strchr(p, '&')) != NULL)
			p++;
	}
	return 0;
}
