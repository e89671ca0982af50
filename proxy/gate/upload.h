/*
 * Blob uploads scanned as they stream through the proxy. Each upload
 * session (the registry's upload UUID) gets a scanner thread fed through
 * a bounded feed; every PATCH/PUT body byte is fed in order as it is
 * relayed. When the registry accepts the blob (201 with its digest) the
 * scan is finished and, if the scanner saw exactly those bytes (same
 * sha256), its result is stored under the digest. Config blobs (small
 * JSON, not tar) are stored as configs. Nothing is stored for uploads
 * the registry refused, that were cancelled, or whose chunks the proxy
 * did not see from the start.
 */
#ifndef PROXY_GATE_UPLOAD_H
#define PROXY_GATE_UPLOAD_H

#include <stddef.h>
#include <stdint.h>

struct gate;
struct upload;

/* Called in the loop when the feed drained: the waiter may send more. */
typedef void	(*upload_resume_cb)(void *arg);

/*
 * The upload a request body belongs to, created on its first bytes.
 * start is the Content-Range start of a PATCH (0 when absent). NULL
 * when this upload is not being scanned (started elsewhere, or out of
 * order): the body is relayed all the same. With every scanner busy
 * the upload is deferred: read back from the registry once committed.
 */
struct upload	*upload_for(struct gate *, const char *repo,
		    const char *uuid, uint64_t start);
/* The upload being scanned under uuid, or NULL. */
struct upload	*upload_find(struct gate *, const char *uuid);
/* Feed body bytes. Returns 1 if the caller should stop reading. */
int		 upload_feed(struct upload *, const void *, size_t);
/*
 * Does the upload's scan need the next body bytes? 0 once it is
 * dropping them (or over): the body may then bypass the proxy's memory,
 * counted with upload_skip.
 */
int		 upload_wants_bytes(struct upload *);
void		 upload_skip(struct upload *, uint64_t);
/* Call cb(arg) once the feed drains (one waiter at a time). */
void		 upload_wait(struct upload *, upload_resume_cb, void *arg);
void		 upload_unwait(struct upload *, void *arg);
/*
 * The registry accepted the blob with this digest, for a client that
 * sent this Authorization (NULL: none): a scan that fell behind reads
 * the bytes it missed back with it.
 */
void		 upload_commit(struct upload *, const char *digest,
		    const char *authorization);
/* The upload failed or its bytes are no longer trustworthy. */
void		 upload_abort(struct upload *);
/*
 * A request of the upload ended (a PATCH the registry took): if no
 * byte and no commit follows within UPLOAD_IDLE_SETTLE seconds (the
 * PUT went to another proxy of a fleet, or the client gave up), its
 * scan is ended and kept under the digest of what it saw: a result is
 * true of any blob with those bytes, whoever commits it. The scanner
 * is free again either way.
 */
void		 upload_paused(struct upload *);
#define UPLOAD_IDLE_SETTLE	5
/*
 * A blob the registry has but the proxy has no result for (mounted
 * from elsewhere, pushed behind its back, or its scan lost to a crash
 * or a store error): read it back whole from the registry, with
 * authorization (NULL: the scanner account), and scan it as an upload.
 * Nothing when it is being scanned already. A layer (config 0) is
 * looked for among the fleet's results first. 0 or -1.
 */
int		 upload_backfill(struct gate *, const char *repo,
		    const char *digest, const char *authorization, int config);
/*
 * Is a blob with this digest accepted by the registry but still being
 * scanned (or waiting for a scanner)? Its result is not in the store yet.
 */
int		 upload_scanning(struct gate *, const char *digest);
/* Abort every upload (shutdown). */
void		 upload_shutdown(struct gate *);

#endif
