#include "proxy/relay/accesslog.h"
#include "conf/log.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

FILE *
accesslog_open(const char *path)
{
	FILE	*f;

	if (strcmp(path, "-") == 0)
		return stdout;
	if ((f = fopen(path, "a")) == NULL)
		log_warn("access log %s", path);
	return f;
}

void
accesslog_close(FILE *f)
{
	if (f != NULL && f != stdout)
		fclose(f);
}

/* Informational only: the registry, not the proxy, checks them. */
void
accesslog_user(const char *auth, char *out, size_t len)
{
	const char	*p, *e;
	unsigned char	 dec[512];
	char		 b64[700];
	size_t		 n, i;
	int		 dl, basic;
	json_t		*claims;

	out[0] = '\0';
	if (auth == NULL)
		return;
	if ((basic = strncasecmp(auth, "Basic ", 6) == 0)) {
		p = auth + 6;
		n = strlen(p);
	} else if (strncasecmp(auth, "Bearer ", 7) == 0 &&
	    (p = strchr(auth + 7, '.')) != NULL &&
	    (e = strchr(++p, '.')) != NULL) {
		n = (size_t)(e - p);
	} else
		return;
	if (n == 0 || n > sizeof(b64) - 4)
		return;
	/* base64url to base64, padded, as EVP_DecodeBlock wants. */
	for (i = 0; i < n; i++)
		b64[i] = p[i] == '-' ? '+' : p[i] == '_' ? '/' : p[i];
	while (i % 4)
		b64[i++] = '=';
	b64[i] = '\0';
	if ((dl = EVP_DecodeBlock(dec, (unsigned char *)b64, (int)i)) <= 0)
		return;
	while (dl > 0 && dec[dl - 1] == '\0')
		dl--;
	if (basic) {
		const unsigned char *colon = memchr(dec, ':', (size_t)dl);

		if (colon != NULL)
			log_escape(out, len, (const char *)dec,
			    (size_t)(colon - dec));
		return;
	}
	if ((claims = json_loadb((const char *)dec, (size_t)dl, 0, NULL)) !=
	    NULL && json_string_value(json_object_get(claims, "sub")) != NULL) {
		const char *sub = json_string_value(json_object_get(claims,
		    "sub"));

		log_escape(out, len, sub, strlen(sub));
	}
	json_decref(claims);
}

/* Length of the well-formed UTF-8 sequence at p (at most n bytes), 0 if not. */
static size_t
accesslog_utf8(const unsigned char *p, size_t n)
{
	size_t		len, i;
	unsigned int	cp;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong, surrogate or past U+10FFFF: not text. */
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/*
 * ,"key":"value" as JSON, value NULL leaving the pair out. Text that is
 * not UTF-8 becomes U+FFFD byte by byte: the line is always written.
 */
static void
accesslog_str(FILE *f, const char *key, const char *v)
{
	const unsigned char	*p = (const unsigned char *)v;
	size_t			 n, k;

	if (v == NULL)
		return;
	fprintf(f, ",\"%s\":\"", key);
	n = strlen(v);
	while (n > 0) {
		if (*p == '"' || *p == '\\') {
			putc_unlocked('\\', f);
			putc_unlocked(*p, f);
			k = 1;
		} else if (*p >= 0x20 && *p < 0x7f) {
			putc_unlocked(*p, f);
			k = 1;
		} else if (*p < 0x80) {
			fprintf(f, "\\u%04x", *p);
			k = 1;
		} else if ((k = accesslog_utf8(p, n)) > 0)
			fwrite(p, 1, k, f);
		else {
			fputs("\\ufffd", f);
			k = 1;
		}
		p += k;
		n -= k;
	}
	putc_unlocked('"', f);
}

/*
 * Written by hand, not built as a jansson object and dumped: a line per
 * request, and the object's allocations were a tenth of what relaying
 * a manifest GET costs the loop (tests/bench/get_bench.sh, perf).
 */
void
accesslog_write(FILE *f, const struct accesslog_entry *e)
{
	char		url[512], user[128], ms[64];

	if (f == NULL)
		return;
	log_escape(url, sizeof(url), e->url ? e->url : "", e->url_len);
	accesslog_user(e->authorization, user, sizeof(user));
	/* As jansson printed a real: 10 significant digits, a point kept. */
	snprintf(ms, sizeof(ms), "%.10g", e->ms);
	if (strpbrk(ms, ".en") == NULL)
		snprintf(ms + strlen(ms), sizeof(ms) - strlen(ms), ".0");
	flockfile(f);
	fprintf(f, "{\"time\":%lld", (long long)e->time);
	accesslog_str(f, "peer", e->peer);
	accesslog_str(f, "user", user[0] ? user : NULL);
	accesslog_str(f, "method", e->method);
	accesslog_str(f, "url", url);
	accesslog_str(f, "route", e->route);
	accesslog_str(f, "repository", e->repository);
	accesslog_str(f, "reference", e->reference);
	fprintf(f, ",\"status\":%d,\"request_bytes\":%llu,"
	    "\"response_bytes\":%llu,\"ms\":%s,\"local\":%s", e->status,
	    (unsigned long long)e->request_bytes,
	    (unsigned long long)e->response_bytes, ms,
	    e->local ? "true" : "false");
	accesslog_str(f, "decision", e->decision);
	accesslog_str(f, "reason", e->reason);
	fputs("}\n", f);
	fflush(f);
	funlockfile(f);
}
