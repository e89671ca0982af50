#include "scan/image/matchmemo.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MATCHMEMO_BUCKETS	8192

struct matchmemo_entry {
	struct matchmemo_entry		*next;
	char				*key;
	struct vulnmatch_finding	*f;
	int				 n;
};

struct matchmemo {
	struct matchmemo_entry	*b[MATCHMEMO_BUCKETS];
	char			 ver[64];
	size_t			 bytes, max;
};

struct matchmemo *
matchmemo_new(size_t max_bytes)
{
	struct matchmemo	*m = calloc(1, sizeof(*m));

	if (m != NULL)
		m->max = max_bytes;
	return m;
}

static void
matchmemo_clear(struct matchmemo *m)
{
	struct matchmemo_entry	*e, *next;
	size_t			 i;

	for (i = 0; i < MATCHMEMO_BUCKETS; i++) {
		for (e = m->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e->key);
			free(e->f);
			free(e);
		}
		m->b[i] = NULL;
	}
	m->bytes = 0;
}

void
matchmemo_free(struct matchmemo *m)
{
	if (m == NULL)
		return;
	matchmemo_clear(m);
	free(m);
}

/* "eco\x1fname\x1fversion\x1fsource\x1fsource_version" and its bucket. */
static size_t
matchmemo_key(const char *eco, const struct vulnmatch_pkg *p, char *key,
    size_t len)
{
	uint32_t	 h = 2166136261u;
	const char	*c;

	snprintf(key, len, "%s\x1f%s\x1f%s\x1f%s\x1f%s", eco, p->name,
	    p->version, p->source ? p->source : "", p->source_version ?
	    p->source_version : "");
	for (c = key; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 16777619u;
	return h % MATCHMEMO_BUCKETS;
}

/* Is the memo about ver? A memo of another version is emptied. */
static void
matchmemo_version(struct matchmemo *m, const char *ver)
{
	if (strcmp(m->ver, ver) == 0)
		return;
	matchmemo_clear(m);
	snprintf(m->ver, sizeof(m->ver), "%s", ver);
}

int
matchmemo_get(struct matchmemo *m, const char *ver, const char *eco,
    const struct vulnmatch_pkg *p, struct vulnmatch_finding **out)
{
	struct matchmemo_entry	*e;
	char			 key[1024];
	size_t			 b;

	*out = NULL;
	if (m == NULL || ver == NULL || ver[0] == '\0')
		return -1;
	matchmemo_version(m, ver);
	b = matchmemo_key(eco, p, key, sizeof(key));
	for (e = m->b[b]; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			break;
	if (e == NULL)
		return -1;
	if (e->n > 0) {
		if ((*out = calloc((size_t)e->n, sizeof(**out))) == NULL)
			return -1;	/* matched again, as if unknown */
		memcpy(*out, e->f, (size_t)e->n * sizeof(**out));
	}
	return e->n;
}

void
matchmemo_put(struct matchmemo *m, const char *ver, const char *eco,
    const struct vulnmatch_pkg *p, const struct vulnmatch_finding *f, int n)
{
	struct matchmemo_entry	*e;
	char			 key[1024];
	size_t			 b, sz;

	if (m == NULL || ver == NULL || ver[0] == '\0' || n < 0)
		return;
	matchmemo_version(m, ver);
	b = matchmemo_key(eco, p, key, sizeof(key));
	sz = sizeof(*e) + strlen(key) + 1 + (size_t)n * sizeof(*f);
	if (m->bytes + sz > m->max || (e = calloc(1, sizeof(*e))) == NULL)
		return;
	if ((e->key = strdup(key)) == NULL || (n > 0 &&
	    (e->f = malloc((size_t)n * sizeof(*f))) == NULL)) {
		free(e->key);
		free(e);
		return;
	}
	if (n > 0)
		memcpy(e->f, f, (size_t)n * sizeof(*f));
	e->n = n;
	e->next = m->b[b];
	m->b[b] = e;
	m->bytes += sz;
}
