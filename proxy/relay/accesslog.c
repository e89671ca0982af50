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

void
accesslog_write(FILE *f, const struct accesslog_entry *e)
{
	json_t		*j;
	char		*line, url[512], user[128];

	if (f == NULL)
		return;
	log_escape(url, sizeof(url), e->url ? e->url : "", e->url_len);
	accesslog_user(e->authorization, user, sizeof(user));
	j = json_pack("{s:I, s:s, s:s*, s:s, s:s, s:s, s:s, s:s, s:i, s:I, "
	    "s:I, s:f, s:b, s:s*, s:s*}",
	    "time", (json_int_t)e->time,
	    "peer", e->peer,
	    "user", user[0] ? user : NULL,
	    "method", e->method,
	    "url", url,
	    "route", e->route,
	    "repository", e->repository,
	    "reference", e->reference,
	    "status", e->status,
	    "request_bytes", (json_int_t)e->request_bytes,
	    "response_bytes", (json_int_t)e->response_bytes,
	    "ms", e->ms,
	    "local", e->local,
	    "decision", e->decision,
	    "reason", e->reason);
	if (j != NULL && (line = json_dumps(j, JSON_COMPACT |
	    JSON_REAL_PRECISION(10))) != NULL) {
		fprintf(f, "%s\n", line);
		fflush(f);
		free(line);
	}
	json_decref(j);
}
