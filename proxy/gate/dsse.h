/*
 * DSSE envelopes (github.com/secure-systems-lab/dsse, v1.0) of in-toto
 * statements, as `cosign attest` stores them: the signature is checked
 * over the spec's pre-authentication encoding, never the payload
 * alone, and only then is the statement read. Pure: bytes and key
 * files in, a verdict and the predicate out (attest.c fetches them).
 */
#ifndef PROXY_GATE_DSSE_H
#define PROXY_GATE_DSSE_H

#include <stddef.h>

#include "conf/policy.h"

#define DSSE_TYPE		"application/vnd.dsse.envelope.v1+json"
#define DSSE_INTOTO_TYPE	"application/vnd.in-toto+json"
#define DSSE_OPENVEX_NS		"https://openvex.dev/ns"
/* Largest envelope read: a VEX document for a whole distribution fits. */
#define DSSE_MAX_ENVELOPE	(4u << 20)

struct json_t;

/*
 * One envelope (env, envlen bytes): verified with one of keys, then
 * read as an in-toto statement whose subject is digest (sha256:...)
 * and whose predicate is OpenVEX. 1 (*predicate a new reference,
 * *signer the key that verified it), or 0 (why says why not).
 */
int	dsse_open(const char (*keys)[POLICY_KEY_MAX], int nkeys,
	    const char *env, size_t envlen, const char *digest,
	    struct json_t **predicate, const char **signer, char *why,
	    size_t whylen);

#endif
