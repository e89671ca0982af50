/*
 * Advisory feeds the proxy keeps current by itself (conf `feeds:`).
 *
 * One thread looks at each feed on its own interval: an https:// URL is
 * fetched with a conditional GET (If-None-Match / If-Modified-Since
 * from the last answer; 304 means current), a local path is imported
 * when its size or modification time changed. What came is imported
 * by a child process, `portcullis db import`, exactly as an operator
 * would: one LMDB transaction, so a pull is judged against the old data
 * or the new, never half an import; a failed fetch, a truncated or
 * corrupt download or a rejected import leaves the data in use as it
 * was. The import's new data version sets the monitor re-evaluating.
 * Parsing what a remote server sent happens in that child, not in the
 * proxy. Each feed's state (validators, when it was last current) is
 * kept in state_dir/feeds.json across restarts.
 */
#ifndef PROXY_GATE_FEEDS_H
#define PROXY_GATE_FEEDS_H

#include <stddef.h>
#include <time.h>

struct conf;
struct evbuffer;
struct json_t;
struct feeds;

/* NULL when conf has no feeds, or on error (logged). */
struct feeds	*feeds_start(const struct conf *);
void		 feeds_stop(struct feeds *);
/*
 * The feed that has gone longest without being current, if that is
 * longer than max_age seconds: 1, its name and age (-1: never current
 * since it was configured). 0: every feed is fresh.
 */
int		 feeds_stale(struct feeds *, unsigned long long max_age,
		    time_t now, char *name, size_t len, long long *age);
/* Per-feed gauges and counters, Prometheus text. */
void		 feeds_metrics(struct feeds *, struct evbuffer *);
/* dev.portcullis.feed.<name>.checked-at / .age into annotations. */
void		 feeds_annotate(struct feeds *, struct json_t *ann);

#endif
