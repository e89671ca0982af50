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
#ifndef SCAN_FEED_H
#define SCAN_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "scan/layer.h"

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

/*
 * Start a scanner thread on a new feed holding at most bound bytes in
 * memory. With spill_dir, bytes past the bound go to an unlinked file
 * there (up to spill_max bytes, and within budget if not NULL) instead
 * of stopping the producer, and the scanner runs at a lower priority:
 * uploads do not wait for it.
 * done(result, rv, arg) runs on the scanner thread when the scan ends;
 * it owns result (layer_result_free + free). drained(arg) runs on the
 * scanner thread whenever the queue falls below half the bound after
 * having been full. NULL on error.
 */
struct feed	*feed_start(size_t bound, const char *spill_dir,
		    uint64_t spill_max, struct feed_budget *budget,
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
/* No more bytes: the scan finishes with what it has. */
void		 feed_finish(struct feed *);
/* Give up: the scan ends with an error as soon as it next reads. */
void		 feed_abort(struct feed *);
/* Wait for the thread and free the feed (after finish or abort). */
void		 feed_join(struct feed *);

#endif
