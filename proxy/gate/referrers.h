/*
 * The OCI 1.1 referrers API for a registry without one (docker-registry
 * 2.8 has none): GET /v2/<name>/referrers/<digest> is answered from the
 * distribution-spec's fallback, an image index tagged <alg>-<hex> in
 * the same repository, which lives in the registry, so every instance
 * of a fleet answers the same list; and each manifest with a subject
 * pushed through the proxy is added to that index. Both run with the
 * caller's own credentials, so the caller sees and changes what the
 * registry lets it. A registry with its own API is passed through (the
 * first answer tells which kind it is).
 */
#ifndef PROXY_GATE_REFERRERS_H
#define PROXY_GATE_REFERRERS_H

#include <stddef.h>

struct evbuffer;
struct gate;
struct session;

/*
 * The local hook for a referrers GET: 1 (the reply comes later through
 * session_local_release), 0 (out holds it), -1 out of memory.
 */
int	referrers_reply(struct gate *, struct session *, struct evbuffer *out);
struct json_t;

/*
 * The registry took manifest digest (m, len bytes; NULL: not JSON) in
 * repo, pushed with authorization: when it names a subject, add it to
 * the subject's index, off the loop.
 */
void	referrers_put(struct gate *, const char *repo, const char *digest,
	    struct json_t *m, size_t len, const char *authorization);
/*
 * A manifest PUT's whole body (m; NULL: not JSON), before the registry
 * answers: if it names a subject, the answer says OCI-Subject (the
 * spec's sign that the referrers list is kept for the client, here by
 * the proxy).
 */
void	referrers_subject_header(struct session *, struct json_t *m);
/*
 * The registry deleted manifest digest in repo (for a caller with
 * authorization): if it was added to a subject's referrers through
 * this proxy, it is taken out of that index, off the loop.
 */
void	referrers_deleted(struct gate *, const char *repo, const char *digest,
	    const char *authorization);
void	referrers_metrics(struct evbuffer *);
/*
 * cb(g, repo, subject) runs on the loop when this proxy has added a
 * referrer to subject's index or taken one out (what reads them, such
 * as the VEX attestations' check, looks again).
 */
void	referrers_on_change(void (*cb)(struct gate *, const char *repo,
	    const char *subject));

struct regclient;
/*
 * Blocking (a thread's): add the descriptor desc to subject's referrers
 * index in repo, as a caller (caller 1: with its authorization as it
 * sent it, NULL: none) or with rc's own account (caller 0). Written,
 * then read back (another writer may have written over it) up to three
 * times. 0 or -1 with err.
 */
int	referrers_index_add(struct regclient *, int caller,
	    const char *authorization, const char *repo, const char *subject,
	    struct json_t *desc, char *err, size_t errlen);
/*
 * Blocking: subject's referrers in repo (an image index) as rc's own
 * account sees them: the registry's API where it has one, else the
 * fallback index (none: an empty one). NULL with err.
 */
struct json_t *referrers_list(struct regclient *, const char *repo,
	    const char *subject, char *err, size_t errlen);

#endif
