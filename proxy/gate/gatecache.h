/*
 * Decisions already made, kept in memory so a pull of a judged image
 * costs a hash lookup instead of parsing its scan document again. An
 * entry is good for one repository and digest, for the advisory data
 * version it was made with, and for GATECACHE_TTL seconds (allowlist
 * entries expire with time), or less when what it rests on is to be
 * looked at again sooner (gatecache_put_until). Direct-mapped: a collision just evicts.
 */
#ifndef PROXY_GATE_GATECACHE_H
#define PROXY_GATE_GATECACHE_H

#include <stddef.h>
#include <time.h>

#define GATECACHE_TTL	30

struct gatecache;

struct gatecache *gatecache_new(size_t slots);
void	 gatecache_free(struct gatecache *);
/* 1 with *deny and msg set on a hit, 0 on a miss. */
int	 gatecache_get(struct gatecache *, const char *repo, const char *digest,
	    const char *data_version, time_t now, int *deny, char *msg,
	    size_t len);
void	 gatecache_put(struct gatecache *, const char *repo, const char *digest,
	    const char *data_version, time_t now, int deny, const char *msg);
/*
 * The same for a decision that holds only before until (sooner than
 * GATECACHE_TTL: what it was made from is to be looked at again).
 */
void	 gatecache_put_until(struct gatecache *, const char *repo,
	    const char *digest, const char *data_version, time_t now,
	    time_t until, int deny, const char *msg);
/* Drop every decision: the policy, or the time it looks at, moved on. */
void	 gatecache_clear(struct gatecache *);
/* Drop the decision for repo@digest: what it was made from changed. */
void	 gatecache_forget(struct gatecache *, const char *repo,
	    const char *digest);

#endif
