/*
 * A bounded byte queue between the event loop (producer) and a scanner
 * thread (consumer), so layers can be scanned while they stream through
 * the proxy without blocking the loop or buffering a blob.
 *
 * The producer never blocks: feed_push() refuses bytes beyond the bound
 * and the caller stops reading its socket until the consumer's drain
 * callback (run from the consumer thread) says there is room again. The
 * consumer blocks in feed_read() until bytes, the end, or an abort.
 */
#ifndef SCAN_LAYER_FEED_H
#define SCAN_LAYER_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scan/layer/layer.h"

struct feed;
struct feed_budget;

/*
 * Disk all spilling feeds may hold at once (bytes in their files). A
 * feed refused by it falls back to backpressure: its scan reads on and
 * the producer waits for the drain, so the disk cannot fill.
 */
struct feed_budget *feed_budget_new(uint64_t max);
void		 feed_budget_free(struct feed_budget *);
uint64_t	 feed_budget_used(struct feed_budget *);

/* What happens to bytes past the memory bound. */
enum feed_behind {
	FEED_BEHIND_WAIT,	/* refused: the producer waits for the drain */
	/*
	 * To an unlinked file under spill_dir (up to spill_max bytes, and
	 * within budget if not NULL); the producer never waits.
	 */
	FEED_BEHIND_SPILL,
	/*
	 * Dropped, counted: the producer never waits, and whoever can get
	 * the same bytes again (the registry, once it has the blob) hands
	 * them in with feed_refill() from feed_dropped_from() on.
	 */
	FEED_BEHIND_DROP
};

struct feed_opts {
	size_t			 bound;		/* bytes held in memory */
	enum feed_behind	 behind;
	const char		*spill_dir;	/* FEED_BEHIND_SPILL */
	uint64_t		 spill_max;
	struct feed_budget	*budget;	/* NULL: only spill_max */
	/* A second pass (layer_scan_links): kept by the caller till joined. */
	const struct layer_link	*links;
	size_t			 nlinks;
};

/*
 * Start a scanner thread on a new feed. Unless behind is
 * FEED_BEHIND_WAIT, uploads do not wait for it: once it has fallen
 * behind it waits for the stream's end (or the refill) and runs at a
 * lower priority.
 * done(result, rv, arg) runs on the scanner thread when the scan ends;
 * it owns result (layer_result_free + free). drained(arg) runs on the
 * scanner thread whenever the queue falls below half the bound after
 * having been full. NULL on error.
 */
struct feed	*feed_start(const struct feed_opts *,
		    const struct layer_limits *,
		    void (*done)(struct layer_result *, int rv, void *),
		    void (*drained)(void *), void *arg);
/* Queue bytes (copied). 0, or -1 when full or finished: retry later. */
int		 feed_push(struct feed *, const void *buf, size_t len);
/* Queue bytes even past the bound (a producer that cannot stop mid-
 * message); it must stop reading until drained. 0 or -1. */
int		 feed_push_force(struct feed *, const void *buf, size_t len);
/* Bytes free before the bound. */
size_t		 feed_room(struct feed *);
/* Bytes that went through the spill file, and that the scan took, so far. */
void		 feed_counts(struct feed *, uint64_t *spilled,
		    uint64_t *consumed);
/*
 * FEED_BEHIND_DROP: the offset of the first byte dropped, or UINT64_MAX
 * when none was (or the scan has ended and needs no more).
 */
uint64_t	 feed_dropped_from(struct feed *);
/*
 * Does the scan still want the bytes pushed from now on? Not once they
 * are being dropped, or the scan has ended or been given up: then the
 * producer may pass them by (the upload counts them).
 */
int		 feed_wants_bytes(struct feed *);
/*
 * The dropped bytes again, in order from feed_dropped_from(), before
 * feed_finish(). Blocks while the queue is full (a thread of its own,
 * never the event loop). 0, or -1 once nobody will read them (the scan
 * ended or the feed was aborted): stop.
 */
int		 feed_refill(struct feed *, const void *buf, size_t len);
/* No more bytes: the scan finishes with what it has. */
void		 feed_finish(struct feed *);
/* Give up: the scan ends with an error as soon as it next reads. */
void		 feed_abort(struct feed *);
/* Wait for the thread and free the feed (after finish or abort). */
void		 feed_join(struct feed *);

#endif
