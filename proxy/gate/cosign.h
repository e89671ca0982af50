/*
 * cosign signatures, the way `cosign sign --key` stores them: an OCI
 * artifact tagged sha256-<hex>.sig in the image's repository, each layer
 * a "simple signing" JSON payload that names the image's manifest
 * digest, with the base64 signature of the payload's bytes in the
 * layer annotation dev.cosignproject.cosign/signature. Verified with a
 * configured public key (PEM; ECDSA P-256 as cosign generates, or any
 * key OpenSSL verifies with SHA-256).
 */
#ifndef PROXY_GATE_COSIGN_H
#define PROXY_GATE_COSIGN_H

#include <stddef.h>

#define COSIGN_PAYLOAD_TYPE	"application/vnd.dev.cosign.simplesigning.v1+json"
#define COSIGN_SIG_ANNOTATION	"dev.cosignproject.cosign/signature"
/* Largest payload read: real ones are a few hundred bytes. */
#define COSIGN_MAX_PAYLOAD	(64u << 10)
/* Largest base64 signature: an RSA-8192 one is 1.4 kB. */
#define COSIGN_MAX_SIG		8192

/*
 * Where the outcome of checking repository@digest is kept in the store's
 * images database: per repository, as cosign looks for the signature in
 * the image's own. Fits in COSIGN_KEY_LEN.
 */
#define COSIGN_KEY_LEN	400
void	cosign_record_key(const char *repo, const char *digest,
	    char key[COSIGN_KEY_LEN]);
/*
 * Where cosign keeps what it attaches to digest without the referrers
 * API: "sha256:<hex>" -> "sha256-<hex>.KIND", KIND "sig" (signatures)
 * or "att" (attestations). 0 or -1.
 */
int	cosign_tag(const char *digest, const char *kind, char *tag,
	    size_t len);
/* The other way: is tag "sha256-<hex>.KIND"? 0 (digest set) or -1. */
int	cosign_tag_digest(const char *tag, const char *kind,
	    char digest[72]);
/*
 * Does sig_b64 sign payload with the key in key_file, and does the
 * payload name digest? 1 yes, 0 no (why says), -1 the key is unusable.
 */
int	cosign_verify(const char *key_file, const char *payload, size_t len,
	    const char *sig_b64, const char *digest, char *why, size_t whylen);
/*
 * Does sig_b64 sign the len bytes of data with the key in key_file
 * (SHA-256)? 1 yes, 0 no (why says), -1 the key is unusable.
 */
int	cosign_sig_ok(const char *key_file, const void *data, size_t len,
	    const char *sig_b64, char *why, size_t whylen);
/*
 * base64, standard or URL-safe, padded or not, of at most max
 * characters, to malloc'd bytes (*outlen of them); NULL on junk.
 */
unsigned char *cosign_base64(const char *b64, size_t max, size_t *outlen);

#endif
