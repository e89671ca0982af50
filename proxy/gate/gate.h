/*
 * struct gate is what the gate's parts share: the store, the uploads
 * being scanned, the scans it runs, the pulls it holds, the decisions
 * it cached, and its counters. It is plain state: gate.c only makes,
 * frees and reports it, and includes none of the parts, so each part
 * can take it without a circle (workers.c starts and stops them).
 * The relay knows nothing of it: hold.c and tap.c implement the relay's
 * hooks (proxy/relay/relay.h), the only place where the gate meets the
 * relay.
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
struct pushhold;
struct journal;
struct events;
struct feeds;
struct results;

struct gate_stats {
	uint64_t	allowed;		/* pulls let through */
	uint64_t	denied;
	uint64_t	unknown;		/* no scan result recorded */
	uint64_t	cached;			/* decided from the cache */
	/*
	 * CPU the decide hook spent, ns, on the decisions timed (one in
	 * 16, decide_seq counts them off): on cache hits, and on the rest.
	 */
	uint64_t	decide_seq;
	uint64_t	cpu_cached_ns;
	uint64_t	cpu_other_ns;
	uint64_t	timed_cached;
	uint64_t	timed_other;
	uint64_t	decided_other;		/* ... how many of the rest */
	uint64_t	scan_waits;		/* uploads paused for a scan */
	uint64_t	layers_scanned;		/* uploads scanned and recorded */
	uint64_t	layers_from_fleet;	/* ... recorded from the fleet's */
	uint64_t	readbacks;		/* lagging scans read back */
	uint64_t	readback_failures;	/* ... whose bytes never came */
	uint64_t	images_recorded;	/* manifests judged at first pull */
	uint64_t	images_rematched;	/* re-matched after new advisories */
	uint64_t	verdicts_changed;	/* ... and allow/deny flipped */
	/*
	 * The monitor's last finished sweep: how long it took, and its
	 * longest loop turn (a batch of images), what a pull waiting
	 * behind it could lose; microseconds.
	 */
	uint64_t	sweep_us;
	uint64_t	sweep_turn_max_us;
	uint64_t	sweep_images;
	uint64_t	uploads_deferred;	/* no scanner free: read back */
	uint64_t	store_errors;		/* writes the store refused */
	uint64_t	blobs_denied;		/* blob GETs refused */
	uint64_t	denied_unrecorded;	/* pushed, never recorded */
	uint64_t	stale_data;		/* pulls decided on stale data */
	uint64_t	breakglass;		/* refused, let by a grant */
	uint64_t	excepted;		/* allowed thanks to exceptions/VEX */
	uint64_t	vex_checks;		/* looks for VEX attestations */
	uint64_t	vex_read;		/* ... attestations believed */
	uint64_t	vex_set_aside;		/* ... attestations not */
	uint64_t	pushes_judged;		/* manifest PUTs the push gate let by */
	uint64_t	pushes_late;		/* ... unjudged: push_timeout accept */
	uint64_t	pushes_refused[8];	/* ... refused, by pushgate reason */
};

/*
 * A digest whose result could not be made lately: its read-back failed
 * (for a while: it may be retried), or the store refused to record it
 * (until this process ends). Decisions say so instead of "unknown".
 */
#define GATE_FAILED_MAX		256
#define GATE_FAILED_TTL		60	/* seconds, for read-backs */
struct gate_failure {
	char	digest[80];
	char	why[120];
	time_t	expires;	/* 0: not until a restart */
};

struct gate {
	struct event_base	*base;
	struct evdns_base	*dns;		/* webhook hosts */
	struct conf		*conf;		/* policy swapped on reload */
	SSL_CTX			*notify_ctx;	/* webhooks over https, lazily */
	struct store		*store;		/* NULL until it can be opened */
	time_t			 store_tried;
	struct journal		*journal;	/* manifest pushes in flight */
	struct feeds		*feeds;		/* advisory feeds; NULL: none */
	struct results		*results;	/* the fleet's; NULL: alone */
	struct matchmemo	*matchmemo;	/* while the monitor sweeps */
	TAILQ_HEAD(, upload)	 uploads;	/* being scanned */
	unsigned		 nuploads;	/* ... with a scanner */
	unsigned		 ndeferred;	/* ... waiting for one */
	TAILQ_HEAD(, notify)	 notifies;	/* webhooks in flight */
	TAILQ_HEAD(, scanjob)	 scanjobs;	/* images the proxy pulls to scan */
	unsigned		 nscanjobs;
	TAILQ_HEAD(, hold)	 holds;		/* pulls waiting for a decision */
	TAILQ_HEAD(, pushhold)	 pushholds;	/* pushes waiting for one */
	struct monitor		*monitor;	/* re-evaluation on new data */
	struct gatecache	*gatecache;	/* decisions already made */
	struct events		*events;	/* recent, for the dashboard */
	struct feed_budget	*spill_budget;	/* disk for lagging scans */
	struct gate_stats	 stats;
	struct gate_failure	 failed[GATE_FAILED_MAX];	/* a ring */
	unsigned		 failed_next;
	time_t			 store_failed_at; /* last write refused; 0 */
	time_t			 stale_logged;	/* last "feed is stale" line */
	/* An upload's scan result was stored (hold_uploads_done). */
	void			(*layers_done)(struct gate *);
};

/*
 * Open the store under conf->state_dir (upload feeds spill there).
 * conf stays the caller's. NULL on error (logged).
 */
struct gate	*gate_new(struct event_base *, struct evdns_base *,
		    struct conf *);
/* Close the store; workers_stop() has stopped every part first. */
void		 gate_free(struct gate *);
/*
 * The store under state_dir, created on first use; NULL when it cannot be
 * opened (then retried at most every few seconds).
 */
struct store	*gate_store(struct gate *);
/*
 * Recording digest's result failed (why). gate_store_failed: the store
 * refused a write: counted, logged, remembered until a restart, and
 * images the proxy has not recorded are refused for a while.
 */
void		 gate_note_failed(struct gate *, const char *digest,
		    const char *why);
void		 gate_store_failed(struct gate *, const char *digest,
		    const char *why);
/* Why digest could not be recorded lately, or NULL. */
const char	*gate_failed_recently(struct gate *, const char *digest);
/* Append the gate's counters, Prometheus text exposition, to out. */
void		 gate_metrics(struct gate *, struct evbuffer *out);

#endif
