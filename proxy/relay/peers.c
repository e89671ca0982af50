#include "proxy/relay/peers.h"
#include "conf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Chained buckets; entries exist only while an address has connections. */
#define PEERS_BUCKETS	1024

struct peer {
	struct peer	*next;
	uint64_t	 n;
	char		 addr[64];
};

struct peers {
	struct peer	*b[PEERS_BUCKETS];
	uint64_t	 cap;
};

/* FNV-1a: addresses are short, and the bucket count is a power of 2. */
static unsigned
peers_hash(const char *s)
{
	uint32_t	h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h & (PEERS_BUCKETS - 1);
}

struct peers *
peers_new(uint64_t cap)
{
	struct peers	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	p->cap = cap;
	return p;
}

void
peers_free(struct peers *p)
{
	struct peer	*e, *next;
	size_t		 i;

	if (p == NULL)
		return;
	for (i = 0; i < PEERS_BUCKETS; i++)
		for (e = p->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(p);
}

static struct peer **
peers_slot(struct peers *p, const char *addr)
{
	struct peer	**e = &p->b[peers_hash(addr)];

	while (*e != NULL && strcmp((*e)->addr, addr) != 0)
		e = &(*e)->next;
	return e;
}

int
peers_add(struct peers *p, const char *addr)
{
	struct peer	**e = peers_slot(p, addr);

	if (*e == NULL) {
		if ((*e = calloc(1, sizeof(**e))) == NULL) {
			log_warn("%s", __func__);
			return -1;
		}
		snprintf((*e)->addr, sizeof((*e)->addr), "%s", addr);
	}
	if (p->cap > 0 && (*e)->n >= p->cap)
		return -1;
	(*e)->n++;
	return 0;
}

void
peers_del(struct peers *p, const char *addr)
{
	struct peer	**e = peers_slot(p, addr), *gone;

	if (*e == NULL)
		return;
	if ((*e)->n > 0)
		(*e)->n--;
	if ((*e)->n == 0) {
		gone = *e;
		*e = gone->next;
		free(gone);
	}
}
