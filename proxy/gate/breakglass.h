/*
 * Break-glass: an operator's time-limited, audited override for one
 * image digest, for an emergency redeploy of an image the policy
 * refuses. A grant is a record in the store (STORE_GRANTS), written by
 * `portcullis breakglass grant` on the proxy's host; while it holds, a
 * pull the policy refuses is let by, and each such pull is counted,
 * logged and named in the access log with who granted it and why.
 * Revoking keeps the record (the audit trail), marked revoked.
 */
#ifndef PROXY_GATE_BREAKGLASS_H
#define PROXY_GATE_BREAKGLASS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

struct json_t;
struct store;

/* How an allow a grant made is worded ("repo@digest allowed by ..."). */
#define BREAKGLASS_ALLOWED	"allowed by break-glass"

/* The longest grant: break-glass is for an emergency, not a policy. */
#define BREAKGLASS_MAX_SECONDS	(7L * 86400)

/*
 * Grant repo_glob@digest (a repository glob; "*": any) for seconds from
 * now, by whom and why. 0, or -1 (logged).
 */
int	breakglass_grant(struct store *, const char *digest,
	    const char *repo_glob, const char *by, const char *reason,
	    long seconds, time_t now);
/* Revoke digest's grant, by whom. 0, 1 none held, -1 error (logged). */
int	breakglass_revoke(struct store *, const char *digest, const char *by,
	    time_t now);
/*
 * Every grant on record with its state at now ("active", "expired",
 * "revoked"), a new JSON array; NULL if the store cannot be read.
 */
struct json_t	*breakglass_records(struct store *, time_t now);
/* The same, a JSON line each. 0 or -1. */
int	breakglass_list(struct store *, FILE *, time_t now);
/*
 * Does a grant hold for repo@digest at now? 1 (msg: "granted by WHO
 * until WHEN: WHY"), 0 no, -1 the store cannot say (msg: why).
 */
int	breakglass_check(struct store *, const char *repo,
	    const char *digest, time_t now, char *msg, size_t len);
/* "90m", "4h", "2d", "3600" -> seconds; -1 if not a duration. */
long	breakglass_duration(const char *);

#endif
