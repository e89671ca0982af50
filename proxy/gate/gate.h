/*
 * The gate: may this manifest be pulled? Decided from the scan result
 * recorded for its digest and the configured policy, evaluated afresh
 * on every pull so a policy change applies at once.
 *
 * struct gate is what the gate's parts share: the store, the uploads
 * being scanned, the scans it runs, the decisions it cached, and its
 * counters. The relay knows nothing of it: hold.c and tap.c implement
 * the relay's hooks (proxy/relay/relay.h), the only place where the
 * gate meets the relay.
 */
#ifndef PROXY_GATE_GATE_H
#define PROXY_GATE_GATE_H

#include <sys/queue.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <openssl/ssl.h>

struct conf;
struct event_base;
struct evdns_base;
struct evbuffer;
struct feed_budget;
struct gatecache;
struct monitor;
struct store;
struct upload;
struct notify;
struct scanjob;
struct hold;

struct gate_stats {
	uint64_t	allowed;		/* pulls let through */
	uint64_t	denied;
	uint64_t	unknown;		/* no scan result recorded */
	uint64_t	cached;			/* decided from the cache */
	uint64_t	scan_waits;		/* uploads paused for a scan */
	uint64_t	layers_scanned;		/* uploads scanned and recorded */
	uint64_t	readbacks;		/* lagging scans read back */
	uint64_t	readback_failures;	/* ... whose bytes never came */
	uint64_t	images_recorded;	/* manifests judged at first pull */
	uint64_t	images_rematched;	/* re-matched after new advisories */
	uint64_t	verdicts_changed;	/* ... and allow/deny flipped */
};

struct gate {
	struct event_base	*base;
	struct evdns_base	*dns;		/* webhook hosts */
	struct conf		*conf;		/* policy swapped on reload */
	SSL_CTX			*notify_ctx;	/* webhooks over https, lazily */
	struct store		*store;		/* NULL until it can be opened */
	time_t			 store_tried;
	TAILQ_HEAD(, upload)	 uploads;	/* being scanned */
	unsigned		 nuploads;
	TAILQ_HEAD(, notify)	 notifies;	/* webhooks in flight */
	TAILQ_HEAD(, scanjob)	 scanjobs;	/* images the proxy pulls to scan */
	unsigned		 nscanjobs;
	TAILQ_HEAD(, hold)	 holds;		/* pulls waiting for a decision */
	struct monitor		*monitor;	/* re-evaluation on new data */
	struct gatecache	*gatecache;	/* decisions already made */
	struct feed_budget	*spill_budget;	/* disk for lagging scans */
	struct gate_stats	 stats;
};

/*
 * Open the store under conf->state_dir (its feeds spill there) and
 * start the monitor. conf stays the caller's. NULL on error (logged).
 */
struct gate	*gate_new(struct event_base *, struct evdns_base *,
		    struct conf *);
/* Stop every scan, upload and webhook, close the store. */
void		 gate_free(struct gate *);
/*
 * The store under state_dir, created on first use; NULL when it cannot be
 * opened (then retried at most every few seconds).
 */
struct store	*gate_store(struct gate *);
/* Append the gate's counters, Prometheus text exposition, to out. */
void		 gate_metrics(struct gate *, struct evbuffer *out);

enum gate_decision {
	GATE_ALLOW = 0,
	GATE_DENY,
	GATE_SCAN,	/* never seen, policy says scan it first (msg says so) */
	GATE_WAIT,	/* pushed through us, a layer still being scanned */
	GATE_SIGN	/* its cosign signature is yet to be checked */
};

/* msg receives the user-facing reason for a deny. */
enum gate_decision gate_manifest(struct gate *, const char *repository,
		    const char *digest, char *msg, size_t len);
/*
 * The decision for an image with no scan result (store_error: the store
 * could not be read), without counting it as a pull. msg as above.
 */
enum gate_decision gate_unscanned(struct gate *, const char *repository,
		    const char *digest, int store_error, char *msg,
		    size_t len);

#endif
