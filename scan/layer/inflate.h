#ifndef SCAN_LAYER_INFLATE_H
#define SCAN_LAYER_INFLATE_H

/*
 * A gzip layer inflated in a thread of its own, a few blocks ahead of
 * the scan: decompression and the rest of the scan (tar, secrets,
 * catalogs) then run on two cores at once instead of one after the
 * other. The thread also hashes the compressed bytes (the layer's
 * digest) and, once the scan has stopped asking, reads the rest of the
 * source without inflating it, as the scan did itself before.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <sys/types.h>

struct inflater;

/* The source, as layer.h's layer_read_fn: n bytes at *buf, 0 end, -1. */
typedef ssize_t (*inflater_source_fn)(void *arg, const void **buf);

/*
 * Start on readfn's stream, whose first nfirst bytes (first) were read
 * already and are still readfn's (until its next call, which the thread
 * makes). md and *compressed are updated by the thread until
 * inflater_finish() returns. NULL: out of memory or no thread (logged).
 */
struct inflater	*inflater_start(inflater_source_fn readfn, void *arg,
		    const void *first, size_t nfirst, EVP_MD_CTX *md,
		    uint64_t *compressed);
/*
 * The next inflated bytes, valid until the next call: n > 0, 0 at the
 * end of the last gzip member, -1 on an error (inflater_error()).
 */
ssize_t		 inflater_read(struct inflater *, const void **buf);
/* Why the last read said -1; *source: the source failed, not the data. */
const char	*inflater_error(struct inflater *, int *source);
/*
 * No more reads: stop inflating, hash the rest of the source, wait for
 * the thread. 1 the source was read to its end, 0 it failed.
 */
int		 inflater_finish(struct inflater *);
void		 inflater_free(struct inflater *);

#endif
