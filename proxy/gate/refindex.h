/*
 * Which recorded manifests use a blob: REFINDEX_PREFIX
 * "<blob>@<manifest>" keys in the images database, written with every
 * manifest recorded (its config and layers), so that a blob GET can be
 * judged by the images it belongs to with one prefix read, not a walk
 * of every image.
 */
#ifndef PROXY_GATE_REFINDEX_H
#define PROXY_GATE_REFINDEX_H

#include <stddef.h>

#define REFINDEX_PREFIX		"ref:"
#define REFINDEX_KEY_LEN	200

struct json_t;
struct store;

/*
 * cb(digest, arg) for each blob manifest m uses: its config, then its
 * layers. 0, or the first -1 cb returned.
 */
int	refindex_blobs(struct json_t *m, int (*cb)(const char *blob, void *arg),
	    void *arg);
/* Such a key into out; -1 if none fits. */
int	refindex_key(const char *blob, const char *manifest, char *out,
	    size_t len);
/*
 * The keys of manifest m (its config and layers), recorded as digest,
 * each handed to put(key, arg). 0, or the first -1 put returned.
 */
int	refindex_keys(struct json_t *m, const char *digest,
	    int (*put)(const char *key, void *arg), void *arg);
/* Write them (a failure is logged). */
void	refindex_put(struct store *, struct json_t *m, const char *digest);
/*
 * cb(manifest digest, arg) for each recorded manifest using blob; cb
 * returning non-zero stops. 0, or -1 when the store cannot be read.
 */
int	refindex_each(struct store *, const char *blob,
	    int (*cb)(const char *manifest, void *arg), void *arg);
/*
 * File every pending manifest of a store from before the index, once
 * (meta "ref_index"). 0 or -1.
 */
int	refindex_build(struct store *);

#endif
