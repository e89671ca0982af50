#include "proxy/gate/breakglass.h"
#include "store/db.h"
#include "conf/log.h"

#include <fnmatch.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* "YYYY-MM-DDTHH:MM:SSZ" of t. */
static void
breakglass_when(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	buf[0] = '\0';
	if (gmtime_r(&t, &tm) != NULL)
		strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
breakglass_digest_ok(const char *d)
{
	return d != NULL && strncmp(d, "sha256:", 7) == 0 && strlen(d) == 71 &&
	    strspn(d + 7, "0123456789abcdef") == 64;
}

/* Write a grant record; a full map is grown and the write tried again. */
static int
breakglass_put(struct store *st, const char *digest, json_t *rec)
{
	char			*text = json_dumps(rec, JSON_COMPACT |
				    JSON_SORT_KEYS);
	enum store_status	 s = STORE_ERROR;
	int			 tries;

	for (tries = 0; text != NULL && tries < 4; tries++) {
		s = store_digest_put(st, STORE_GRANTS, digest, text);
		if (s != STORE_FULL || store_grow(st) == -1)
			break;
	}
	free(text);
	if (s != STORE_OK)
		log_warnx("breakglass: cannot record the grant for %s", digest);
	return s == STORE_OK ? 0 : -1;
}

int
breakglass_grant(struct store *st, const char *digest, const char *repo_glob,
    const char *by, const char *reason, long seconds, time_t now)
{
	json_t	*rec;
	int	 rv;

	if (!breakglass_digest_ok(digest) || seconds <= 0 ||
	    seconds > BREAKGLASS_MAX_SECONDS || reason == NULL ||
	    *reason == '\0' || by == NULL || *by == '\0') {
		log_warnx("breakglass: a grant is for one sha256 digest, for "
		    "at most %ld s, with who and why", BREAKGLASS_MAX_SECONDS);
		return -1;
	}
	rec = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "digest", digest,
	    "repository", repo_glob && *repo_glob ? repo_glob : "*", "by", by,
	    "reason", reason, "granted", (json_int_t)now, "expires",
	    (json_int_t)(now + seconds));
	rv = rec != NULL ? breakglass_put(st, digest, rec) : -1;
	json_decref(rec);
	return rv;
}

int
breakglass_revoke(struct store *st, const char *digest, const char *by,
    time_t now)
{
	char	*text = NULL;
	json_t	*rec = NULL;
	int	 rv = -1;

	switch (store_digest_get(st, STORE_GRANTS, digest, &text)) {
	case STORE_NOTFOUND:
		rv = 1;
		goto done;
	case STORE_OK:
		break;
	default:
		goto done;
	}
	if ((rec = json_loads(text, 0, NULL)) == NULL) {
		log_warnx("breakglass: the grant for %s is unreadable", digest);
		goto done;
	}
	if (json_object_get(rec, "revoked") != NULL) {
		rv = 1;
		goto done;
	}
	json_object_set_new(rec, "revoked", json_integer((json_int_t)now));
	json_object_set_new(rec, "revoked_by", json_string(by ? by : ""));
	rv = breakglass_put(st, digest, rec);
 done:
	json_decref(rec);
	free(text);
	return rv;
}

static const char *
breakglass_state(json_t *rec, time_t now)
{
	if (json_object_get(rec, "revoked") != NULL)
		return "revoked";
	if ((time_t)json_integer_value(json_object_get(rec, "expires")) < now)
		return "expired";
	return "active";
}

struct breakglass_walk {
	json_t	*out;
	time_t	 now;
};

/* Each record with its state at now; an unreadable one says so. */
static int
breakglass_one(const char *digest, const char *json, void *arg)
{
	struct breakglass_walk	*w = arg;
	json_t			*rec = json_loads(json, 0, NULL);

	if (rec == NULL)
		rec = json_pack("{s:s, s:s}", "digest", digest, "state",
		    "unreadable");
	else
		json_object_set_new(rec, "state", json_string(
		    breakglass_state(rec, w->now)));
	json_array_append_new(w->out, rec);
	return 0;
}

json_t *
breakglass_records(struct store *st, time_t now)
{
	struct breakglass_walk w = { json_array(), now };

	if (w.out != NULL && store_digest_each(st, STORE_GRANTS, NULL,
	    breakglass_one, &w) == -1) {
		json_decref(w.out);
		w.out = NULL;
	}
	return w.out;
}

int
breakglass_list(struct store *st, FILE *out, time_t now)
{
	json_t	*all = breakglass_records(st, now), *rec;
	char	*line;
	size_t	 i;

	if (all == NULL)
		return -1;
	json_array_foreach(all, i, rec) {
		if ((line = json_dumps(rec, JSON_COMPACT |
		    JSON_SORT_KEYS)) != NULL)
			fprintf(out, "%s\n", line);
		free(line);
	}
	json_decref(all);
	return 0;
}

int
breakglass_check(struct store *st, const char *repo, const char *digest,
    time_t now, char *msg, size_t len)
{
	char		*text = NULL, until[32];
	json_t		*rec = NULL;
	const char	*glob;
	int		 rv = 0;

	if (st == NULL || digest == NULL)
		return 0;
	switch (store_digest_get(st, STORE_GRANTS, digest, &text)) {
	case STORE_NOTFOUND:
		return 0;
	case STORE_OK:
		break;
	default:
		snprintf(msg, len, "the break-glass grants cannot be read");
		return -1;
	}
	/* An unreadable grant grants nothing. */
	if ((rec = json_loads(text, 0, NULL)) == NULL ||
	    strcmp(breakglass_state(rec, now), "active") != 0)
		goto done;
	glob = json_string_value(json_object_get(rec, "repository"));
	if (glob == NULL || fnmatch(glob, repo ? repo : "", 0) != 0)
		goto done;
	breakglass_when((time_t)json_integer_value(json_object_get(rec,
	    "expires")), until, sizeof(until));
	snprintf(msg, len, "granted by %.100s until %s: %.200s",
	    json_string_value(json_object_get(rec, "by")), until,
	    json_string_value(json_object_get(rec, "reason")));
	rv = 1;
 done:
	json_decref(rec);
	free(text);
	return rv;
}

long
breakglass_duration(const char *s)
{
	char	*end;
	long	 n;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	n = strtol(s, &end, 10);
	if (n <= 0 || n > BREAKGLASS_MAX_SECONDS)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': n *= 60; break;
	case 'h': n *= 3600; break;
	case 'd': n *= 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return n;
}
