#include "scan/secrets.h"

#include <ctype.h>
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
} secrets_rules[] = {
	{ "private-key", "-----BEGIN ", CS_KEYLINE, 0, 0 },
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
	case CS_KEYLINE: return c != '\n';
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

int
secrets_scan(const char *buf, size_t len, const char *path,
    struct findings *out)
{
	size_t	r, probe = len < 8192 ? len : 8192;

	if (memchr(buf, '\0', probe) != NULL)
		return 0;	/* binary */
	for (r = 0; r < sizeof(secrets_rules) / sizeof(secrets_rules[0]); r++) {
		const struct secrets_rule *sr = &secrets_rules[r];
		size_t		 al = strlen(sr->anchor), off = 0, lpos = 0;
		unsigned	 line = 1;
		const char	*hit;

		while (off < len && (hit = memmem(buf + off, len - off,
		    sr->anchor, al)) != NULL) {
			size_t	start = (size_t)(hit - buf), end = start + al;
			size_t	n;
			char	red[96];

			off = end;
			/* Must start a token: no word character before it. */
			if (start > 0 && (isalnum((unsigned char)buf[start - 1]) ||
			    buf[start - 1] == '_'))
				continue;
			while (end < len && secrets_in(sr->cs,
			    (unsigned char)buf[end]) &&
			    (sr->max == 0 || end - start - al < sr->max))
				end++;
			n = end - start - al;
			if (sr->cs == CS_KEYLINE) {
				/* "-----BEGIN ... PRIVATE KEY-----" */
				if (n < 16 || memmem(hit, end - start,
				    "PRIVATE KEY-----", 16) == NULL)
					continue;
			} else {
				if (n < sr->min)
					continue;
				/* Too long: part of something bigger. */
				if (end < len && secrets_in(sr->cs,
				    (unsigned char)buf[end]))
					continue;
			}
			if (sr->cs == CS_KEYLINE)
				snprintf(red, sizeof(red), "%.*s",
				    (int)(end - start < 60 ? end - start : 60),
				    hit);
			else
				secrets_redact(hit, end - start, red,
				    sizeof(red));
			if (findings_add(out, FINDING_SECRET, sr->rule, path,
			    secrets_line(buf, start, &lpos, &line), red) == -1)
				return -1;
		}
	}
	return 0;
}
