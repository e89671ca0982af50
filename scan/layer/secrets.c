#include "scan/layer/secrets.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum secrets_charset {
	CS_UPPER_DIGIT,		/* [A-Z0-9] */
	CS_ALNUM,		/* [A-Za-z0-9] */
	CS_ALNUM_US,		/* [A-Za-z0-9_] */
	CS_ALNUM_US_DASH,	/* [A-Za-z0-9_-] */
	CS_KEYLINE		/* rest of a PEM BEGIN line */
};

static const struct secrets_rule {
	const char		*rule;
	const char		*anchor;
	enum secrets_charset	 cs;
	size_t			 min, max;	/* length after the anchor */
} secrets_rules[] = {	/* rules whose anchors share two first bytes: adjacent */
	/* A BEGIN line is short; bounded so a match fits SECRETS_CARRY. */
	{ "private-key", "-----BEGIN ", CS_KEYLINE, 0, 200 },
	{ "aws-access-key-id", "AKIA", CS_UPPER_DIGIT, 16, 16 },
	{ "aws-access-key-id", "ASIA", CS_UPPER_DIGIT, 16, 16 },
	{ "github-token", "ghp_", CS_ALNUM, 36, 36 },
	{ "github-token", "gho_", CS_ALNUM, 36, 36 },
	{ "github-token", "ghu_", CS_ALNUM, 36, 36 },
	{ "github-token", "ghs_", CS_ALNUM, 36, 36 },
	{ "github-token", "ghr_", CS_ALNUM, 36, 36 },
	{ "github-fine-grained-token", "github_pat_", CS_ALNUM_US, 82, 82 },
	{ "gitlab-token", "glpat-", CS_ALNUM_US_DASH, 20, 20 },
	{ "slack-token", "xoxb-", CS_ALNUM_US_DASH, 10, 200 },
	{ "slack-token", "xoxp-", CS_ALNUM_US_DASH, 10, 200 },
	{ "slack-token", "xoxa-", CS_ALNUM_US_DASH, 10, 200 },
	{ "stripe-secret-key", "sk_live_", CS_ALNUM, 24, 99 },
	{ "google-api-key", "AIza", CS_ALNUM_US_DASH, 35, 35 },
	{ "npm-token", "npm_", CS_ALNUM, 36, 36 },
};

static int
secrets_in(enum secrets_charset cs, unsigned char c)
{
	switch (cs) {
	case CS_UPPER_DIGIT: return isupper(c) || isdigit(c);
	case CS_ALNUM: return isalnum(c);
	case CS_ALNUM_US: return isalnum(c) || c == '_';
	case CS_ALNUM_US_DASH: return isalnum(c) || c == '_' || c == '-';
	case CS_KEYLINE: return c != '\n' && c != '\0';
	}
	return 0;
}

void
secrets_redact(const char *s, size_t n, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.*s… (%zu characters, redacted)",
	    (int)(n < 4 ? n : 4), s, n);
}

/* Line number of offset off, counting from a known (pos, line). */
static unsigned
secrets_line(const char *buf, size_t off, size_t *pos, unsigned *line)
{
	while (*pos < off) {
		const char *nl = memchr(buf + *pos, '\n', off - *pos);

		if (nl == NULL) {
			*pos = off;
			break;
		}
		(*line)++;
		*pos = (size_t)(nl - buf) + 1;
	}
	return *line;
}

/*
 * Anchors by their first two bytes: one pass over the file looks each
 * position's two bytes up in this 64 KiB table (a byte per pair: one
 * load and a test, no bit arithmetic, in the hottest loop of a scan)
 * and compares whole anchors only where it says so; the value is the
 * first rule with that pair, plus one.
 */
#define SECRETS_NRULES	(sizeof(secrets_rules) / sizeof(secrets_rules[0]))
static uint8_t		secrets_pairs[65536];
static size_t		secrets_alen[SECRETS_NRULES];
static pthread_once_t	secrets_once = PTHREAD_ONCE_INIT;

static void
secrets_init(void)
{
	size_t	r;

	for (r = SECRETS_NRULES; r-- > 0; ) {
		const unsigned char *a = (const unsigned char *)
		    secrets_rules[r].anchor;

		secrets_alen[r] = strlen(secrets_rules[r].anchor);
		secrets_pairs[a[0] | (unsigned)a[1] << 8] = (uint8_t)(r + 1);
	}
}

/* The anchor of sr is at buf[start]: a secret if what follows fits. */
static int
secrets_match(const struct secrets_rule *sr, const char *buf, size_t len,
    size_t start, const char *path, struct findings *out, size_t *lpos,
    unsigned *line)
{
	size_t		 al = strlen(sr->anchor), end = start + al, n;
	const char	*hit = buf + start;
	char		 red[96];

	/* Must start a token: no word character before it. */
	if (start > 0 && (isalnum((unsigned char)buf[start - 1]) ||
	    buf[start - 1] == '_'))
		return 0;
	while (end < len && secrets_in(sr->cs, (unsigned char)buf[end]) &&
	    (sr->max == 0 || end - start - al < sr->max))
		end++;
	n = end - start - al;
	if (sr->cs == CS_KEYLINE) {
		/* "-----BEGIN ... PRIVATE KEY-----" */
		if (n < 16 || memmem(hit, end - start, "PRIVATE KEY-----",
		    16) == NULL)
			return 0;
		snprintf(red, sizeof(red), "%.*s",
		    (int)(end - start < 60 ? end - start : 60), hit);
	} else {
		if (n < sr->min)
			return 0;
		/* Too long: part of something bigger. */
		if (end < len && secrets_in(sr->cs, (unsigned char)buf[end]))
			return 0;
		secrets_redact(hit, end - start, red, sizeof(red));
	}
	return findings_add(out, FINDING_SECRET, sr->rule, path,
	    secrets_line(buf, start, lpos, line), red);
}

/*
 * Look for anchors at buf[from, to) of a window of len bytes; matches
 * may read up to len. line is the line number at buf[0].
 */
static int
secrets_window(const char *buf, size_t len, size_t from, size_t to,
    unsigned char prev, const char *path, struct findings *out,
    unsigned line)
{
	const unsigned char	*u = (const unsigned char *)buf;
	size_t			 i, r, lpos = 0;
	unsigned		 first;

	pthread_once(&secrets_once, secrets_init);
	if (len < 2)
		return 0;	/* an anchor is two bytes at least */
	if (to > len - 1)
		to = len - 1;
	for (i = from; i < to; i++) {
		if ((first = secrets_pairs[u[i] | (unsigned)u[i + 1] << 8]) ==
		    0)
			continue;
		/* The token-start check needs the byte before buf[0]. */
		if (i == 0 && prev != 0 && (isalnum(prev) || prev == '_'))
			continue;
		/* Rules sharing a first pair are next to each other. */
		for (r = first - 1; r < SECRETS_NRULES &&
		    secrets_rules[r].anchor[0] == buf[i] &&
		    secrets_rules[r].anchor[1] == buf[i + 1]; r++) {
			const struct secrets_rule *sr = &secrets_rules[r];
			size_t al = secrets_alen[r];

			if (len - i >= al && memcmp(buf + i, sr->anchor,
			    al) == 0 && secrets_match(sr, buf, len, i, path,
			    out, &lpos, &line) == -1)
				return -1;
		}
	}
	return 0;
}

void
secrets_stream_begin(struct secrets_stream *ss, const char *path,
    struct findings *out)
{
	memset(ss, 0, sizeof(*ss));
	ss->line = 1;
	ss->path = path;
	ss->out = out;
}

/* Count the lines in what leaves the window. */
static void
secrets_stream_drop(struct secrets_stream *ss, size_t n)
{
	const char	*p = ss->win, *e = ss->win + n;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		ss->line++;
		p++;
	}
	ss->prev = (unsigned char)ss->win[n - 1];
	memmove(ss->win, ss->win + n, ss->len - n);
	ss->len -= n;
}

int
secrets_stream_feed(struct secrets_stream *ss, const void *data, size_t n)
{
	size_t	upto;

	if (n == 0)
		return 0;
	if (ss->len + n > ss->cap) {
		size_t	 ncap = ss->cap ? ss->cap : 16384;
		char	*nw;

		while (ncap < ss->len + n)
			ncap *= 2;
		if ((nw = realloc(ss->win, ncap)) == NULL)
			return -1;
		ss->win = nw;
		ss->cap = ncap;
	}
	memcpy(ss->win + ss->len, data, n);
	ss->len += n;
	if (ss->len <= SECRETS_CARRY)
		return 0;
	/*
	 * Anchors in the last SECRETS_CARRY bytes wait for the next piece,
	 * where what follows them is known; they are looked at once.
	 */
	upto = ss->len - SECRETS_CARRY;
	if (secrets_window(ss->win, ss->len, 0, upto, ss->prev, ss->path,
	    ss->out, ss->line) == -1)
		return -1;
	secrets_stream_drop(ss, upto);
	return 0;
}

int
secrets_stream_end(struct secrets_stream *ss)
{
	int	rv = 0;

	if (ss->len > 0)
		rv = secrets_window(ss->win, ss->len, 0, ss->len, ss->prev,
		    ss->path, ss->out, ss->line);
	secrets_stream_abort(ss);
	return rv;
}

void
secrets_stream_abort(struct secrets_stream *ss)
{
	free(ss->win);
	ss->win = NULL;
	ss->len = ss->cap = 0;
}

int
secrets_scan(const char *buf, size_t len, const char *path,
    struct findings *out)
{
	/* An empty file has no buffer at all: memchr(NULL) is undefined. */
	if (len == 0)
		return 0;
	return secrets_window(buf, len, 0, len, 0, path, out, 1);
}
