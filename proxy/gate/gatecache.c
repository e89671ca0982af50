#include "proxy/gate/gatecache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gatecache_entry {
	char	repo[256];
	char	digest[80];
	char	version[64];
	time_t	at;		/* 0: empty */
	time_t	until;		/* good before this */
	int	deny;
	char	msg[800];
};

struct gatecache {
	size_t			 n;
	struct gatecache_entry	*e;
};

struct gatecache *
gatecache_new(size_t slots)
{
	struct gatecache	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->e = calloc(slots, sizeof(*c->e))) == NULL) {
		free(c);
		return NULL;
	}
	c->n = slots;
	return c;
}

void
gatecache_clear(struct gatecache *c)
{
	size_t	i;

	for (i = 0; i < c->n; i++)
		c->e[i].at = 0;
}

void
gatecache_free(struct gatecache *c)
{
	if (c == NULL)
		return;
	free(c->e);
	free(c);
}

/* FNV-1a over repository and digest. */
static struct gatecache_entry *
gatecache_slot(struct gatecache *c, const char *repo, const char *digest)
{
	uint64_t	 h = 1469598103934665603ULL;
	const char	*p;

	for (p = repo; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ '@') * 1099511628211ULL;
	for (p = digest; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	return &c->e[h % c->n];
}

int
gatecache_get(struct gatecache *c, const char *repo, const char *digest,
    const char *version, time_t now, int *deny, char *msg, size_t len)
{
	struct gatecache_entry *e;

	if (c == NULL)
		return 0;
	e = gatecache_slot(c, repo, digest);
	if (e->at == 0 || now - e->at >= GATECACHE_TTL || now < e->at ||
	    now >= e->until ||
	    strcmp(e->repo, repo) != 0 || strcmp(e->digest, digest) != 0 ||
	    strcmp(e->version, version) != 0)
		return 0;
	*deny = e->deny;
	snprintf(msg, len, "%s", e->msg);
	return 1;
}

void
gatecache_put(struct gatecache *c, const char *repo, const char *digest,
    const char *version, time_t now, int deny, const char *msg)
{
	gatecache_put_until(c, repo, digest, version, now, now +
	    GATECACHE_TTL, deny, msg);
}

void
gatecache_put_until(struct gatecache *c, const char *repo,
    const char *digest, const char *version, time_t now, time_t until,
    int deny, const char *msg)
{
	struct gatecache_entry *e;

	if (c == NULL || strlen(repo) >= sizeof(e->repo) ||
	    strlen(digest) >= sizeof(e->digest) ||
	    strlen(version) >= sizeof(e->version))
		return;		/* too long to key: simply not cached */
	e = gatecache_slot(c, repo, digest);
	memcpy(e->repo, repo, strlen(repo) + 1);
	memcpy(e->digest, digest, strlen(digest) + 1);
	memcpy(e->version, version, strlen(version) + 1);
	e->at = now;
	e->until = until;
	e->deny = deny;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
}

void
gatecache_forget(struct gatecache *c, const char *repo, const char *digest)
{
	struct gatecache_entry *e;

	if (c == NULL)
		return;
	e = gatecache_slot(c, repo, digest);
	if (strcmp(e->repo, repo) == 0 && strcmp(e->digest, digest) == 0)
		e->at = 0;
}
