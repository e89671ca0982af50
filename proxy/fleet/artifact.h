/*
 * A layer's scan result as an OCI artifact, the form in which proxies
 * in front of one registry share what they scanned (results.c): the
 * result document gzipped as the one layer, the spec's empty config,
 * tagged by the scanned layer's digest, and an HMAC over what it
 * claims, made with a secret every instance of the fleet holds. The
 * registry's access control alone cannot be trusted with it: with
 * docker-registry's htpasswd, every user who may push may push there,
 * and a forged "clean" result would let a layer by unscanned.
 */
#ifndef PROXY_FLEET_ARTIFACT_H
#define PROXY_FLEET_ARTIFACT_H

#include <stddef.h>
#include <time.h>

#define ARTIFACT_TYPE		"application/vnd.portcullis.layer-result.v1+json"
#define ARTIFACT_BLOB_TYPE	"application/vnd.portcullis.layer-result.v1+json+gzip"
#define ARTIFACT_MANIFEST_TYPE	"application/vnd.oci.image.manifest.v1+json"
#define ARTIFACT_EMPTY_TYPE	"application/vnd.oci.empty.v1+json"
/* sha256 of "{}", the spec's empty descriptor. */
#define ARTIFACT_EMPTY_DIGEST	\
	"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define ARTIFACT_ANN_LAYER	"io.portcullis.layer.digest"
#define ARTIFACT_ANN_SCANNER	"io.portcullis.scanner.version"
#define ARTIFACT_ANN_MAC	"io.portcullis.result.hmac-sha256"
#define ARTIFACT_ANN_INSTANCE	"io.portcullis.instance"
/* Bounds on what is read back: a huge image's result is some MiB. */
#define ARTIFACT_MAX_MANIFEST	(64u << 10)
#define ARTIFACT_MAX_BLOB	(64u << 20)
#define ARTIFACT_MAX_DOC	(512u << 20)
#define ARTIFACT_KEY_MIN	16
#define ARTIFACT_KEY_MAX	1024

struct artifact_key {
	unsigned char	k[ARTIFACT_KEY_MAX];
	size_t		len;
};

/* "sha256-<hex>" for a sha256 digest. 0 or -1 (not one). */
int	artifact_tag(const char *digest, char *tag, size_t len);
/* The secret from a file (trailing newline dropped). 0 or -1 with err. */
int	artifact_key_load(struct artifact_key *, const char *path, char *err,
	    size_t errlen);
/* gzip len bytes into *out (malloc'd). 0 or -1. */
int	artifact_gzip(const void *in, size_t len, unsigned char **out,
	    size_t *outlen);
/*
 * gunzip into *out (malloc'd, NUL-terminated), at most max bytes. 0 or
 * -1 (corrupt, truncated, too large).
 */
int	artifact_gunzip(const void *in, size_t len, size_t max, char **out,
	    size_t *outlen);
/*
 * The manifest publishing blob (blobsize bytes) as layer's result.
 * malloc'd JSON or NULL.
 */
char	*artifact_manifest(const struct artifact_key *, const char *layer,
	    const char *blob, size_t blobsize, const char *instance,
	    int scanner);
/*
 * Whether manifest (len bytes) is a result for layer, made by a holder
 * of key with scanner version scanner: 1 and blob (its digest, 72
 * bytes) and *blobsize set; 0 and why if not.
 */
int	artifact_check(const struct artifact_key *, const char *manifest,
	    size_t len, const char *layer, int scanner, char blob[72],
	    size_t *blobsize, char *why, size_t whylen);

/*
 * The HMAC (hex) over advisory data `db push` publishes: its blob's
 * digest and size and its data version. A feed oci:// imports it only
 * if it verifies: whoever may push to that repository could otherwise
 * replace the fleet's advisories with none.
 */
#define ARTIFACT_ANN_DATA_MAC	"io.portcullis.data.hmac-sha256"
void	artifact_data_mac(const struct artifact_key *, const char *blob,
	    size_t size, const char *version, char hex[65]);
/* 1 if mac (hex) is that HMAC, compared in constant time. */
int	artifact_data_ok(const struct artifact_key *, const char *blob,
	    size_t size, const char *version, const char *mac);

/*
 * A claim: "this instance is scanning layer since started", tagged
 * sha256-<hex>.scanning next to where the result will be, so another
 * instance missing the result waits for it rather than scanning the
 * layer too. Signed like a result (a forged one could only make an
 * instance wait up to scanner.wait, then scan it itself).
 */
#define ARTIFACT_CLAIM_TYPE	"application/vnd.portcullis.layer-claim.v1+json"
#define ARTIFACT_ANN_STARTED	"io.portcullis.claim.started"
int	artifact_claim_tag(const char *digest, char *tag, size_t len);
char	*artifact_claim(const struct artifact_key *, const char *layer,
	    const char *instance, time_t started);
/* 1 (started, instance set) if manifest is a claim on layer by key. */
int	artifact_claim_check(const struct artifact_key *, const char *manifest,
	    size_t len, const char *layer, time_t *started, char *instance,
	    size_t ilen, char *why, size_t whylen);

#endif
