/*
 * Layer results shared by the proxies of one fleet through the registry
 * they front: what one instance scanned, it publishes as an artifact
 * (artifact.h) in fleet.repository, tagged by the layer's digest; an
 * instance missing a layer's result reads it from there before it
 * reads the layer back and scans it itself. The registry is the shared
 * database, each instance's LMDB its cache: nothing new runs next to
 * the registry.
 *
 * Publishing never delays a push: results queue for a thread of their
 * own, and one lost (queue full, registry down) only costs another
 * instance a scan. Look-ups for the loop run on a second thread, so
 * a pull held for them does not wait behind publishing.
 */
#ifndef PROXY_FLEET_RESULTS_H
#define PROXY_FLEET_RESULTS_H

#include <stddef.h>
#include <time.h>

struct conf;
struct event_base;
struct evbuffer;
struct regclient;
struct results;

/*
 * doc: the result (malloc'd, the callee's) or NULL: none to be had;
 * then by, if not NULL: the instance scanning it now (by its claim),
 * whose result is worth waiting for.
 */
typedef void (*results_cb)(void *arg, char *doc, const char *by);

/* NULL with err when the fleet is configured but cannot work. */
struct results	*results_new(struct event_base *, const struct conf *,
		    char *err, size_t errlen);
/* Stop the threads; queued look-ups are dropped uncalled. */
void		 results_stop(struct results *);
/* After results_stop and every scanner thread that used it. */
void		 results_free(struct results *);
/*
 * Look digest's result up on the look-up thread; cb(arg, ...) runs on
 * the loop. 0 queued, -1 not (the caller scans as without a fleet).
 */
int		 results_lookup(struct results *, const char *digest,
		    results_cb, void *arg);
/*
 * Tell the fleet this instance is scanning digest now (published on the
 * publisher's thread, like results), so others wait for its result;
 * renewed every third of fleet.claim_ttl until its result is published
 * or results_unclaim (the scan ended without one).
 */
void		 results_claim(struct results *, const char *digest);
void		 results_unclaim(struct results *, const char *digest);
/* Queue doc (copied) to be published as digest's result. */
void		 results_publish(struct results *, const char *digest,
		    const char *doc);
/*
 * The same look-up, blocking, for a scanner thread with its own
 * client: 1 found (*doc malloc'd), 0 not.
 */
int		 results_fetch(struct results *, struct regclient *,
		    const char *digest, char **doc);
/*
 * The same, waiting while another instance claims to be scanning it
 * (asking again after 50 ms, doubling up to every half second) until it is published, the claim
 * goes stale, until passes or *cancel is set. 1 found, 0 not (then
 * the caller scans it itself).
 */
int		 results_fetch_wait(struct results *, struct regclient *,
		    const char *digest, time_t until, const int *cancel,
		    char **doc);
void		 results_metrics(struct results *, struct evbuffer *);

#endif
