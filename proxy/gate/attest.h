/*
 * OpenVEX an image carries itself, signed: in-toto statements in DSSE
 * envelopes, as `cosign attest --type openvex --key` makes them, found
 * among the image's OCI referrers (the registry's API, or the fallback
 * index the proxy keeps) and under cosign's sha256-<hex>.att tag. One
 * is believed only when a key of policy.vex_keys signed it and its
 * statement's subject is the image: anyone who may push to a
 * repository may attach a document, and a VEX statement lets findings
 * by. What was found, and what was set aside and why, is recorded under
 * "vex:<repo>@<digest>" in the images database; the gate weighs the
 * statements with the policy's vex files.
 */
#ifndef PROXY_GATE_ATTEST_H
#define PROXY_GATE_ATTEST_H

#include <stddef.h>
#include <time.h>

#include "conf/policy.h"

struct gate;
struct policy;
struct regclient;
struct store;
struct vex_set;

/* At most this many referrers, and layers of each, are looked at. */
#define ATTEST_MAX_REFERRERS	32
#define ATTEST_MAX_LAYERS	8
/* An attestation's manifest is small; all envelopes read, bounded. */
#define ATTEST_MAX_MANIFEST	(256u << 10)
#define ATTEST_MAX_BYTES	(16u << 20)

#define ATTEST_KEY_LEN		400
void	attest_record_key(const char *repo, const char *digest,
	    char key[ATTEST_KEY_LEN]);

/*
 * Blocking (a scanner thread's): look for repo@digest's OpenVEX
 * attestations with rc's account, verify each with keys, and make the
 * record (*record, malloc'd JSON). 0, or -1 with err if the registry
 * could not tell (nothing to record: the check is tried again).
 */
int	attest_fetch(struct regclient *, const char (*keys)[POLICY_KEY_MAX],
	    int nkeys, const char *repo, const char *digest, char **record,
	    char *err, size_t errlen);

struct json_t;
/*
 * The statements of repo@digest's recorded attestations that a key the
 * policy still names signed, added to set; *checked when the record
 * was made; *report (if not NULL) the record for a report:
 * {checked_at, documents: [{ref, signer, statements, trusted}],
 * ignored: [{ref, why}]}. 1, 0 (no record, or the policy reads none),
 * -1 unreadable.
 */
int	attest_vex_get(struct store *, const struct policy *, const char *repo,
	    const char *digest, struct vex_set *set, time_t *checked,
	    struct json_t **report);
struct verdict;
/*
 * verdict_eval of scan, weighing repo@digest's recorded attestations
 * (if the policy reads any). attest_vex_get's return, but 2 when the
 * record holds statements a trusted key signed; *checked (if not
 * NULL): when the record was made, 0 none.
 */
int	attest_verdict(struct store *, const struct policy *,
	    struct json_t *scan, const char *repo, const char *digest,
	    time_t now, struct verdict *v, time_t *checked);

/* A manifest naming subject (or its .att tag) was pushed: look again. */
void	attest_forget(struct gate *, const char *repo, const char *subject);

#endif
