/*
 * Catching up an upload scan that fell behind. Rather than keep the
 * bytes it had no time for (memory or disk the push would pay for),
 * the feed drops them; once the registry has committed the blob, a
 * thread reads them back from it (a Range request from the first
 * dropped byte) and hands them to the scan, which checks the digest
 * over everything it saw.
 *
 * The read uses the pushing client's own Authorization (it has just
 * written the blob, so it may read it); if the registry refuses that
 * and a scanner account is configured, the account. The credentials
 * live only as long as the read and are wiped after it.
 */
#ifndef PROXY_GATE_READBACK_H
#define PROXY_GATE_READBACK_H

#include <stdint.h>

#include <stddef.h>

struct conf;
struct feed;
struct readback;

/*
 * Where a read from offset 0 leaves the blob's first cap bytes (len of
 * them) and its length so far, for the loop to look at once the read
 * has ended (a small blob may be an image config).
 */
struct readback_head {
	char		*buf;
	size_t		 cap, len;
	uint64_t	 total;
};

/*
 * Start the read of repo's blob digest from offset into feed, then
 * feed_finish() (or feed_abort() if it failed). ended(arg) runs on the
 * thread when it is over. authorization NULL: none; head NULL: not
 * kept. NULL on error
 * (nothing started: the caller aborts the feed).
 */
struct readback	*readback_start(const struct conf *, const char *repo,
		    const char *digest, uint64_t offset,
		    const char *authorization, struct feed *,
		    struct readback_head *, void (*ended)(void *), void *arg);
/*
 * Stop the read soon (shutdown): it ends within a fraction of a second
 * as a failed one, whatever the registry does. Any thread.
 */
void		 readback_cancel(struct readback *);
/*
 * Wait for the thread (after ended) and free. 0 if the scan got every
 * byte it asked for, -1 if not (logged).
 */
int		 readback_join(struct readback *);

#endif
