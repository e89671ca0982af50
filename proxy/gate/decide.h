/*
 * The gate's decision: may this manifest be pulled? Decided from the
 * scan result recorded for its digest and the configured policy,
 * evaluated afresh on every pull so a policy change applies at once.
 */
#ifndef PROXY_GATE_DECIDE_H
#define PROXY_GATE_DECIDE_H

#include <stddef.h>

struct gate;

enum gate_decision {
	GATE_ALLOW = 0,
	GATE_DENY,
	GATE_SCAN,	/* never seen, policy says scan it first (msg says so) */
	GATE_WAIT,	/* pushed through us, a layer still being scanned */
	GATE_SIGN,	/* its cosign signature is yet to be checked */
	GATE_VEX	/* refused unless signed VEX attestations, yet to be
			   looked for, say otherwise (msg: the refusal) */
};

/*
 * msg receives the user-facing reason for a deny. authorization: the
 * puller's (NULL: none), for reading back what a pushed image lacks.
 * why (NULL: not wanted) receives the policy's verdict when one was
 * evaluated (zeroed otherwise: a cached or an unscanned decision).
 */
struct verdict;
enum gate_decision decide_manifest(struct gate *, const char *repository,
		    const char *digest, const char *authorization, char *msg,
		    size_t len, struct verdict *why);
/*
 * The decision for an image with no scan result (store_error: the store
 * could not be read), without counting it as a pull. msg as above.
 */
enum gate_decision decide_unscanned(struct gate *, const char *repository,
		    const char *digest, int store_error, char *msg,
		    size_t len);

/*
 * What a pull of an image with no scan document would meet, without
 * starting anything or counting it: incomplete (pushed, a layer never
 * scanned) or unscanned.
 */
enum gate_decision decide_unrecorded(struct gate *, const char *repository,
		    const char *digest, int store_error, char *msg,
		    size_t len);

/*
 * May this blob be downloaded from repository? Refused when it carries
 * a finding the policy blocks (a secret, unscanned content), or when
 * every recorded image using it is refused; a blob no judged image
 * uses follows unknown_images. msg as above.
 */
enum gate_decision decide_blob(struct gate *, const char *repository,
		    const char *digest, char *msg, size_t len);

#endif
