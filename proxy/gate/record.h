/*
 * Images pushed through the proxy: the manifest is remembered when the
 * registry accepts it, and judged from the layers scanned on the way in
 * (the first pull builds the full scan document once and stores it).
 */
#ifndef PROXY_GATE_RECORD_H
#define PROXY_GATE_RECORD_H

#include <stddef.h>

struct gate;
struct evbuffer;
struct store;

/*
 * The registry accepted this manifest from a client that sent
 * authorization (NULL: none): remember it as pending, and read back
 * the layers the proxy has no result for, with those credentials.
 * 0: recorded (or not an image: nothing to judge); -1: the store
 * refused it (counted and logged).
 */
int	record_manifest(struct gate *, const char *repository,
	    const char *digest, struct evbuffer *body,
	    const char *authorization);
/*
 * A manifest recorded as pushed whose layers are not all scanned nor
 * being scanned: how many are missing (0: none, or not such a
 * manifest), the first into first. With backfill, each gets a
 * read-back with authorization (anonymous if NULL; the scanner account
 * if the registry refuses) unless its last one failed moments ago.
 */
int	record_missing(struct gate *, const char *digest, const char *repo,
	    int backfill, const char *authorization, char *first,
	    size_t firstlen);
/*
 * The stored form of such a manifest, waiting to be judged: malloc'd
 * JSON, or NULL. Pure (scanner threads build it too).
 */
struct json_t;
char	*record_pending_doc(const char *repository, struct json_t *manifest);
/*
 * An artifact (an SBOM, a signature, a report): a manifest none of
 * whose layers is a filesystem layer (a media type naming tar or
 * rootfs, or none) or a WebAssembly module (wasm). No runtime unpacks
 * or runs it: it
 * is recorded as judged, with nothing found, and its blobs are not
 * scanned. Its blobs' results are never recorded either, so labelling
 * a real layer an artifact's cannot stand in for scanning it in an
 * image. 1 or 0.
 */
int	 record_is_artifact(struct json_t *manifest);
/*
 * The scan document for a manifest digest as a malloc'd JSON string,
 * building it from recorded layer results when needed. NULL when the
 * image is unknown (never scanned, or a layer was not seen); *error is
 * set when the store could not be read.
 */
char	*record_scan_doc(struct gate *, const char *digest, int *error);
/*
 * The same for a decision: a large image's document without its
 * package list when the store has it current (see imagedoc.h).
 */
char	*record_verdict_doc(struct gate *, const char *digest, int *error);
struct verdict;
/*
 * An image's decision went from before to after (what: "new advisory
 * data", "a policy change"...; cause: the webhook event's "cause"). If
 * it flipped: counted, logged, and the webhooks told.
 */
void	 record_flip(struct gate *, const char *digest, const char *repo,
	    const struct verdict *before, const struct verdict *after,
	    const char *what, const char *cause);
/*
 * An image was scanned again and left pending; old is its document
 * from before. If it had been judged, judge it now and report a
 * changed verdict as new advisory data would (log, /metrics, webhooks).
 */
void	 record_rescanned(struct gate *, const char *digest,
	    const char *old);
/*
 * A manifest pushed through the proxy whose document cannot be built
 * yet because a layer of it (or of an index's image) is still being
 * scanned: 1, else 0.
 */
int	 record_in_flight(struct gate *, const char *digest);
/* The same, with the first such layer's digest into first. */
int	 record_in_flight_layer(struct gate *, const char *digest,
	    char *first, size_t firstlen);
/*
 * The base image an image is built on, told by its layers: the recorded
 * image, in a repository matching one of rule's allowed bases, whose
 * layers are the longest proper prefix of doc's layer_digests.
 * "repository@digest" (malloc'd) or NULL.
 */
struct policy_rule;
char	*record_find_base(struct gate *, struct json_t *doc,
	    const char *digest, const struct policy_rule *rule);

#endif
