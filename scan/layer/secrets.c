#include "scan/layer/secrets.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

enum secrets_charset {
	CS_UPPER_DIGIT,		/* [A-Z0-9] */
	CS_ALNUM,		/* [A-Za-z0-9] */
	CS_ALNUM_US,		/* [A-Za-z0-9_] */
	CS_ALNUM_US_DASH,	/* [A-Za-z0-9_-] */
	CS_KEYLINE,		/* rest of a PEM BEGIN line */
	CS_BASE64,		/* [A-Za-z0-9+/] */
	CS_BASE64_PAD,		/* [A-Za-z0-9+/=] */
	CS_TOKEN,		/* [A-Za-z0-9_.-] */
	CS_PATH,		/* [A-Za-z0-9/] */
	CS_HEX,			/* [0-9a-f] */
	CS_TOKEN_PATH,		/* [A-Za-z0-9_.-/] */
	CS_BECH32		/* [0-9A-Z] less 1, B, I, O (age keys) */
};

/* A check a value must pass beyond its shape. */
enum secrets_check {
	SC_NONE,
	/*
	 * GitHub's and npm's tokens end in 6 base62 characters, a CRC-32
	 * of the 30 before: a value that fails it is an example or a
	 * mangled token, reported as a note, never blocking.
	 */
	SC_CRC62,
	SC_PEM64		/* base64 of a PEM block: starts "LS0t" */
};

/* How what follows an anchor is read. */
enum secrets_kind {
	SK_TOKEN,		/* the value follows the anchor at once */
	SK_KV,			/* a key: separators (= : quotes), then the value */
	SK_URLPASS,		/* "://" after a database scheme: user:password@ */
	SK_DOCKERAUTH,		/* a key, then base64 of "user:password" */
	SK_JWT			/* header.payload.signature, base64url */
};

/*
 * Files whose http(s) URLs with a password are credentials: git's
 * store helper, pip's index, PyPI's upload configuration.
 */
static const char *const secrets_cred_files[] = {
	".git-credentials", "pip.conf", ".pypirc"
};

/* The schemes of URLs whose password opens a database or a broker. */
static const char *const secrets_db_schemes[] = {
	"postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "redis",
	"rediss", "amqp", "amqps"
};

static const struct secrets_rule {
	const char		*rule;
	const char		*anchor;
	enum secrets_kind	 kind;
	enum secrets_charset	 cs;
	size_t			 min, max;	/* length of the value */
	enum secrets_check	 check;
	/*
	 * What must stand right before the anchor (NULL: nothing). A
	 * token whose prefix starts with a pair of letters common in text
	 * ("do", "sh", "li", "ru") is anchored on a rarer part of it, so
	 * the scan stops at fewer places; the rest is read back.
	 */
	const char		*before;
} secrets_rules[] = {	/* rules whose anchors share two first bytes: adjacent */
	/* A BEGIN line is short; bounded so a match fits SECRETS_CARRY. */
	{ "private-key", "-----BEGIN ", SK_TOKEN, CS_KEYLINE, 0, 200, SC_NONE, NULL },
	{ "aws-access-key-id", "AKIA", SK_TOKEN, CS_UPPER_DIGIT, 16, 16,
	    SC_NONE, NULL },
	{ "aws-access-key-id", "ASIA", SK_TOKEN, CS_UPPER_DIGIT, 16, 16,
	    SC_NONE, NULL },
	{ "aws-secret-access-key", "AWS_SECRET_ACCESS_KEY", SK_KV, CS_BASE64,
	    40, 40, SC_NONE, NULL },
	{ "aws-secret-access-key", "aws_secret_access_key", SK_KV, CS_BASE64,
	    40, 40, SC_NONE, NULL },
	{ "azure-storage-account-key", ";AccountKey=", SK_TOKEN,
	    CS_BASE64_PAD, 86, 88, SC_NONE, NULL },
	{ "github-token", "ghp_", SK_TOKEN, CS_ALNUM, 36, 36, SC_CRC62, NULL },
	{ "github-token", "gho_", SK_TOKEN, CS_ALNUM, 36, 36, SC_CRC62, NULL },
	{ "github-token", "ghu_", SK_TOKEN, CS_ALNUM, 36, 36, SC_CRC62, NULL },
	{ "github-token", "ghs_", SK_TOKEN, CS_ALNUM, 36, 36, SC_CRC62, NULL },
	{ "github-token", "ghr_", SK_TOKEN, CS_ALNUM, 36, 36, SC_CRC62, NULL },
	{ "github-fine-grained-token", "github_pat_", SK_TOKEN, CS_ALNUM_US,
	    82, 82, SC_NONE, NULL },
	{ "gitlab-token", "lpat-", SK_TOKEN, CS_ALNUM_US_DASH, 20, 20,
	    SC_NONE, "g" },
	{ "gitlab-token", "lptt-", SK_TOKEN, CS_HEX, 40, 40, SC_NONE, "g" },
	{ "gitlab-token", "lrt-", SK_TOKEN, CS_ALNUM_US_DASH, 20, 20,
	    SC_NONE, "g" },
	{ "gitlab-token", "gldt-", SK_TOKEN, CS_ALNUM_US_DASH, 20, 20,
	    SC_NONE, NULL },
	{ "grafana-token", "glsa_", SK_TOKEN, CS_ALNUM_US, 41, 41, SC_NONE, NULL },
	{ "slack-token", "xoxb-", SK_TOKEN, CS_ALNUM_US_DASH, 10, 200,
	    SC_NONE, NULL },
	{ "slack-token", "xoxp-", SK_TOKEN, CS_ALNUM_US_DASH, 10, 200,
	    SC_NONE, NULL },
	{ "slack-token", "xoxa-", SK_TOKEN, CS_ALNUM_US_DASH, 10, 200,
	    SC_NONE, NULL },
	{ "slack-webhook-url", "slack.com/services/T", SK_TOKEN, CS_PATH, 30,
	    100, SC_NONE, NULL },
	{ "stripe-secret-key", "sk_live_", SK_TOKEN, CS_ALNUM, 24, 99,
	    SC_NONE, NULL },
	{ "anthropic-api-key", "sk-ant-api03-", SK_TOKEN, CS_ALNUM_US_DASH,
	    90, 110, SC_NONE, NULL },
	{ "stripe-secret-key", "rk_live_", SK_TOKEN, CS_ALNUM, 24, 99,
	    SC_NONE, NULL },
	{ "google-api-key", "AIza", SK_TOKEN, CS_ALNUM_US_DASH, 35, 35,
	    SC_NONE, NULL },
	{ "npm-token", "npm_", SK_TOKEN, CS_ALNUM, 36, 36, SC_CRC62, NULL },
	{ "npm-auth-token", ":_authToken=", SK_TOKEN, CS_TOKEN, 20, 200,
	    SC_NONE, NULL },
	/* "pypi-" + base64 of the macaroon's "\x02\x01\x08pypi.org". */
	{ "pypi-token", "i-AgEIcHlwaS5vcmc", SK_TOKEN, CS_ALNUM_US_DASH,
	    50, 300, SC_NONE, "pyp" },
	{ "rubygems-api-key", "ygems_", SK_TOKEN, CS_HEX, 48, 48, SC_NONE, "rub" },
	{ "age-secret-key", "AGE-SECRET-KEY-1", SK_TOKEN, CS_BECH32, 58, 58,
	    SC_NONE, NULL },
	{ "putty-private-key", "PuTTY-User-Key-File-", SK_TOKEN, CS_TOKEN, 1,
	    3, SC_NONE, NULL },
	{ "vault-token", "hvs.", SK_TOKEN, CS_ALNUM_US_DASH, 90, 120, SC_NONE, NULL },
	{ "doppler-token", "dp.pt.", SK_TOKEN, CS_ALNUM, 43, 43, SC_NONE, NULL },
	{ "digitalocean-token", "p_v1_", SK_TOKEN, CS_HEX, 64, 64, SC_NONE, "do" },
	{ "databricks-token", "dapi", SK_TOKEN, CS_HEX, 32, 32, SC_NONE, NULL },
	{ "shopify-token", "hpat_", SK_TOKEN, CS_HEX, 32, 32, SC_NONE, "s" },
	{ "shopify-token", "hpss_", SK_TOKEN, CS_HEX, 32, 32, SC_NONE, "s" },
	{ "shopify-token", "hpca_", SK_TOKEN, CS_HEX, 32, 32, SC_NONE, "s" },
	{ "linear-api-key", "n_api_", SK_TOKEN, CS_ALNUM, 40, 40, SC_NONE, "li" },
	{ "newrelic-user-key", "NRAK-", SK_TOKEN, CS_UPPER_DIGIT, 27, 27,
	    SC_NONE, NULL },
	{ "postman-api-key", "PMAK-", SK_TOKEN, CS_ALNUM_US_DASH, 59, 59,
	    SC_NONE, NULL },
	{ "sendgrid-api-key", "SG.", SK_TOKEN, CS_TOKEN, 66, 66, SC_NONE, NULL },
	{ "discord-webhook-url", "/api/webhooks/", SK_TOKEN,
	    CS_TOKEN_PATH, 70, 120, SC_NONE, "discord.com" },
	{ "teams-webhook-url", "/webhookb2/", SK_TOKEN,
	    CS_TOKEN_PATH, 36, 300, SC_NONE, "webhook.office.com" },
	/* kubeconfig: a client key, base64 of a PEM block ("LS0t" is "---"). */
	{ "kubeconfig-client-key", "-key-data", SK_KV, CS_BASE64_PAD,
	    100, 0, SC_PEM64, "client" },
	/* A GCP service account's key file names its key by id. */
	{ "gcp-service-account-key", "_key_id\"", SK_KV, CS_HEX,
	    40, 40, SC_NONE, "\"private" },
	{ "docker-config-auth", "\"auth\"", SK_DOCKERAUTH, CS_BASE64_PAD,
	    8, 400, SC_NONE, NULL },
	/* Found from their middle, then read back to their start. */
	{ "jwt", ".eyJ", SK_JWT, CS_TOKEN, 0, 0, SC_NONE, NULL },
	{ "database-url-password", "://", SK_URLPASS, CS_TOKEN, 0, 0, SC_NONE, NULL },
};

/* AWS's documented example keys: reported, as such, never blocking. */
static const char *const secrets_examples[] = {
	"AKIAIOSFODNN7EXAMPLE",
	"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
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
	case CS_BASE64: return isalnum(c) || c == '+' || c == '/';
	case CS_BASE64_PAD: return isalnum(c) || c == '+' || c == '/' ||
	    c == '=';
	case CS_TOKEN: return isalnum(c) || c == '_' || c == '.' || c == '-';
	case CS_PATH: return isalnum(c) || c == '/';
	case CS_HEX: return isdigit(c) || (c >= 'a' && c <= 'f');
	case CS_TOKEN_PATH: return isalnum(c) || c == '_' || c == '.' ||
	    c == '-' || c == '/';
	case CS_BECH32: return (isupper(c) || isdigit(c)) && c != '1' &&
	    c != 'B' && c != 'I' && c != 'O';
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

/* Is the value at v (n bytes) one of AWS's documented example keys? */
static int
secrets_example(const char *v, size_t n)
{
	size_t	i;

	for (i = 0; i < sizeof(secrets_examples) / sizeof(*secrets_examples);
	    i++)
		if (strlen(secrets_examples[i]) == n &&
		    memcmp(secrets_examples[i], v, n) == 0)
			return 1;
	return 0;
}

/* Bytes of cs from buf[at], at most max (0: no bound). */
static size_t
secrets_span(enum secrets_charset cs, const char *buf, size_t len, size_t at,
    size_t max)
{
	size_t	end = at;

	while (end < len && secrets_in(cs, (unsigned char)buf[end]) &&
	    (max == 0 || end - at < max))
		end++;
	return end - at;
}

/* After a key: up to 8 bytes of quotes and blanks around one = or :. */
static size_t
secrets_separator(const char *buf, size_t len, size_t at)
{
	size_t	i;
	int	seen = 0;

	for (i = at; i < len && i - at < 8; i++) {
		if (buf[i] == '=' || buf[i] == ':') {
			if (seen++)
				return 0;
		} else if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '"' &&
		    buf[i] != '\'')
			break;
	}
	return seen ? i - at : 0;
}

/* Does base64 text (n bytes) decode to "user:password"? */
static int
secrets_userpass_b64(const char *b, size_t n)
{
	static const char	 al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned		 acc = 0, bits = 0;
	size_t			 i, user = 0;
	const char		*p;
	unsigned char		 c;

	for (i = 0; i < n && b[i] != '='; i++) {
		if ((p = strchr(al, b[i])) == NULL)
			return 0;
		acc = acc << 6 | (unsigned)(p - al);
		if ((bits += 6) >= 8) {
			bits -= 8;
			c = (unsigned char)(acc >> bits);
			if (c == ':')
				return user > 0;
			if (c < 0x20 || c == 0x7f)
				return 0;
			user++;
		}
	}
	return 0;
}

/* "user:password@" at buf[at]: the password's span, or 0 (a placeholder too). */
static size_t
secrets_userinfo(const char *buf, size_t len, size_t at, size_t *pass)
{
	static const char *const placeholders[] = { "password", "pass",
	    "passwd", "secret", "changeme", "xxx", "xxxx", "****", "...",
	    "pwd", "user", "username" };
	size_t	u, p, i;

	for (u = at; u < len && u - at < 64 && buf[u] != ':' &&
	    buf[u] != '@' && buf[u] != '/' && !isspace((unsigned char)buf[u]);
	    u++)
		;
	if (u == at || u >= len || buf[u] != ':')
		return 0;
	for (p = u + 1; p < len && p - u - 1 < 128 && buf[p] != '@' &&
	    buf[p] != '/' && !isspace((unsigned char)buf[p]) && buf[p] != '"' &&
	    buf[p] != '\''; p++)
		;
	if (p == u + 1 || p >= len || buf[p] != '@')
		return 0;
	/* Templates and documentation: ${DB_PASSWORD}, <password>, "password". */
	if (buf[u + 1] == '$' || buf[u + 1] == '<' || buf[u + 1] == '%' ||
	    buf[u + 1] == '{')
		return 0;
	for (i = 0; i < sizeof(placeholders) / sizeof(*placeholders); i++)
		if (strlen(placeholders[i]) == p - u - 1 &&
		    strncasecmp(placeholders[i], buf + u + 1, p - u - 1) == 0)
			return 0;
	*pass = u + 1;
	return p - u - 1;
}

/*
 * GitHub's and npm's checksum: the last 6 of the 36 characters are
 * CRC-32 of the 30 before, in base62 over 0-9A-Za-z, zero-padded.
 */
static int
secrets_crc62(const char *v, size_t n)
{
	static const char	 al[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz";
	char			 want[7];
	unsigned long		 crc;
	int			 i;

	if (n != 36)
		return 0;
	crc = crc32(0L, (const Bytef *)v, 30);
	for (i = 5; i >= 0; i--) {
		want[i] = al[crc % 62];
		crc /= 62;
	}
	return memcmp(want, v + 30, 6) == 0;
}

/* Is path's last component one of names? */
static int
secrets_basename_is(const char *path, const char *const names[], size_t n)
{
	const char	*b = strrchr(path, '/');
	size_t		 i;

	b = b ? b + 1 : path;
	for (i = 0; i < n; i++)
		if (strcmp(b, names[i]) == 0)
			return 1;
	return 0;
}

/* The anchor of sr is at buf[start]: a secret if what follows fits. */
static int
secrets_match(const struct secrets_rule *sr, const char *buf, size_t len,
    size_t start, const char *path, struct findings *out, size_t *lpos,
    unsigned *line)
{
	size_t		 al = strlen(sr->anchor), v = start + al, n = 0, sep;
	size_t		 h, pl, sg;
	const char	*rule = sr->rule;
	enum finding_kind kind = FINDING_SECRET;
	char		 red[160];
	const char	*first = sr->before ? sr->before : sr->anchor;

	/* The part of the token before its anchor, read back. */
	if (sr->before != NULL) {
		size_t bl = strlen(sr->before);

		if (start < bl || memcmp(buf + start - bl, sr->before, bl) != 0)
			return 0;
		start -= bl;
		al += bl;
	}
	/* A word anchor must start a token: no word character before it. */
	if ((isalnum((unsigned char)first[0]) || first[0] == '_') &&
	    start > 0 && (isalnum((unsigned char)buf[start - 1]) ||
	    buf[start - 1] == '_'))
		return 0;
	switch (sr->kind) {
	case SK_TOKEN:
		n = secrets_span(sr->cs, buf, len, v, sr->max);
		if (sr->cs == CS_KEYLINE) {
			/* "-----BEGIN ... PRIVATE KEY-----" */
			if (n < 16 || (memmem(buf + start, al + n,
			    "PRIVATE KEY-----", 16) == NULL &&
			    memmem(buf + start, al + n,
			    "PGP PRIVATE KEY BLOCK-----", 26) == NULL))
				return 0;
			snprintf(red, sizeof(red), "%.*s", (int)(al + n < 60 ?
			    al + n : 60), buf + start);
			goto found;
		}
		break;
	case SK_KV:
	case SK_DOCKERAUTH:
		if ((sep = secrets_separator(buf, len, v)) == 0)
			return 0;
		v += sep;
		n = secrets_span(sr->cs, buf, len, v, sr->max);
		if (sr->kind == SK_DOCKERAUTH && (n < sr->min ||
		    !secrets_userpass_b64(buf + v, n)))
			return 0;
		break;
	case SK_URLPASS:
		/* A database scheme before "://", starting a token. */
		for (h = 0; h < sizeof(secrets_db_schemes) /
		    sizeof(*secrets_db_schemes); h++) {
			sg = strlen(secrets_db_schemes[h]);
			if (start >= sg && memcmp(buf + start - sg,
			    secrets_db_schemes[h], sg) == 0 && (start == sg ||
			    !isalnum((unsigned char)buf[start - sg - 1])))
				break;
		}
		/* http(s) only in the files that keep such URLs. */
		if (h == sizeof(secrets_db_schemes) /
		    sizeof(*secrets_db_schemes)) {
			if (!secrets_basename_is(path, secrets_cred_files,
			    sizeof(secrets_cred_files) /
			    sizeof(*secrets_cred_files)) ||
			    !((start >= 5 && memcmp(buf + start - 5, "https",
			    5) == 0) || (start >= 4 && memcmp(buf + start - 4,
			    "http", 4) == 0)))
				return 0;
			rule = "url-password";
		}
		/* The password, redacted; the scheme names what it opens. */
		if ((n = secrets_userinfo(buf, len, v, &pl)) == 0)
			return 0;
		secrets_redact(buf + pl, n, red, sizeof(red));
		goto found;
	case SK_JWT:
		/* eyJ<header>.eyJ<payload>.<signature>: the header is behind. */
		for (h = start; h > 0 && start - h < 100 &&
		    secrets_in(CS_ALNUM_US_DASH, (unsigned char)buf[h - 1]); h--)
			;
		if (start - h < 10 || memcmp(buf + h, "eyJ", 3) != 0)
			return 0;
		/* Bounded so a whole token fits SECRETS_CARRY (longer: missed). */
		pl = secrets_span(CS_ALNUM_US_DASH, buf, len, v, 280);
		if (pl < 10 || v + pl >= len || buf[v + pl] != '.')
			return 0;
		sg = secrets_span(CS_ALNUM_US_DASH, buf, len, v + pl + 1, 100);
		if (sg < 16)
			return 0;
		secrets_redact(buf + h, v + pl + 1 + sg - h, red, sizeof(red));
		start = h;
		goto found;
	}
	if (n < sr->min)
		return 0;
	/* Too long: part of something bigger. */
	if (v + n < len && secrets_in(sr->cs, (unsigned char)buf[v + n]))
		return 0;
	if (sr->check == SC_PEM64 && (n < 4 || memcmp(buf + v, "LS0t", 4)))
		return 0;
	/* Documented examples open nothing: shown, as notes. */
	if (secrets_example(buf + v - (sr->kind == SK_TOKEN ? al : 0),
	    n + (sr->kind == SK_TOKEN ? al : 0)))
		kind = FINDING_NOTE;
	secrets_redact(buf + (sr->kind == SK_TOKEN ? start : v), sr->kind ==
	    SK_TOKEN ? al + n : n, red, sizeof(red));
	if (sr->check == SC_CRC62 && !secrets_crc62(buf + v, n)) {
		kind = FINDING_NOTE;
		snprintf(red + strlen(red), sizeof(red) - strlen(red), " (its "
		    "checksum does not match: an example or a mangled token)");
	}
 found:
	return findings_add(out, kind, rule, path,
	    secrets_line(buf, start, lpos, line), red);
}

/*
 * Is path a kubeconfig? ~/.kube/config, a file called kubeconfig or
 * *.kubeconfig, kubeadm's .conf files right under /etc/kubernetes.
 */
static int
secrets_kubeconfig(const char *path)
{
	const char	*b = strrchr(path, '/');
	size_t		 n = strlen(path);

	b = b ? b + 1 : path;
	return strcmp(b, "kubeconfig") == 0 ||
	    (n >= 11 && strcmp(path + n - 11, ".kubeconfig") == 0) ||
	    (n >= 12 && strcmp(path + n - 12, ".kube/config") == 0) ||
	    (strncmp(path, "etc/kubernetes/", 15) == 0 &&
	    strchr(path + 15, '/') == NULL && n >= 20 &&
	    strcmp(path + n - 5, ".conf") == 0);
}

/* Is path a netrc (ftp, curl, git and pip read ~/.netrc)? */
static int
secrets_netrc(const char *path)
{
	static const char *const names[] = { ".netrc", "_netrc" };

	return secrets_basename_is(path, names, 2);
}

/*
 * Keys that are everywhere in text ("token:", "password") but are
 * credentials in a few kinds of file: not anchors of the main table,
 * looked for only in those files, which are small. A key must start a
 * word; the value follows blanks (and quotes, for YAML).
 */
static const struct secrets_keyed {
	const char	*rule;
	int		(*file)(const char *);
	const char	*key;
	size_t		 min;		/* value length */
	int		 yaml;		/* quotes allowed around the value */
} secrets_keyed[] = {
	/*
	 * A user's bearer token, an auth provider's access-token,
	 * refresh-token or id-token; a JWT value is the jwt rule's.
	 */
	{ "kubeconfig-token", secrets_kubeconfig, "token:", 16, 1 },
	/* "machine host login user password secret", any layout. */
	{ "netrc-password", secrets_netrc, "password", 1, 0 },
};

#define SECRETS_NKEYED	(sizeof(secrets_keyed) / sizeof(secrets_keyed[0]))

/* Every rule id: the anchored ones, the keyed ones, the .env one. */
const char *
secrets_rule_id(size_t i)
{
	if (i < SECRETS_NRULES)
		return secrets_rules[i].rule;
	if (i < SECRETS_NRULES + SECRETS_NKEYED)
		return secrets_keyed[i - SECRETS_NRULES].rule;
	if (i == SECRETS_NRULES + SECRETS_NKEYED)
		return "env-file-secret";
	return NULL;
}

/*
 * Is path a dotenv file (.env, .env.production, .env.local), and not
 * one of the templates projects ship (.env.example, .sample, .template,
 * .dist, .defaults)?
 */
static int
secrets_dotenv(const char *path)
{
	static const char *const tmpl[] = { ".example", ".sample",
	    ".template", ".dist", ".defaults", ".tmpl" };
	const char	*b = strrchr(path, '/');
	size_t		 i, n;

	b = b ? b + 1 : path;
	if (strncmp(b, ".env", 4) != 0 || (b[4] != '\0' && b[4] != '.'))
		return 0;
	n = strlen(b);
	for (i = 0; i < sizeof(tmpl) / sizeof(*tmpl); i++)
		if (n >= strlen(tmpl[i]) &&
		    strcmp(b + n - strlen(tmpl[i]), tmpl[i]) == 0)
			return 0;
	return 1;
}

/* Shannon entropy of v (n bytes), in bits per character. */
static double
secrets_entropy(const char *v, size_t n)
{
	unsigned	count[256] = { 0 };
	double		 h = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		count[(unsigned char)v[i]]++;
	for (i = 0; i < 256; i++)
		if (count[i] > 0) {
			double p = (double)count[i] / (double)n;

			h -= p * log2(p);
		}
	return h;
}

/* Does a variable's name say it holds a credential? */
static int
secrets_credname(const char *name, size_t n)
{
	static const char *const words[] = { "KEY", "SECRET", "TOKEN",
	    "PASSWORD", "PASSWD", "PWD", "PASS", "CREDENTIALS", "AUTH" };
	size_t	i, wl, k;

	for (i = 0; i < sizeof(words) / sizeof(*words); i++) {
		wl = strlen(words[i]);
		/* As the name's last word: API_KEY, DB_PASS, githubToken. */
		if (n >= wl && strncasecmp(name + n - wl, words[i], wl) == 0 &&
		    (n == wl || !isalpha((unsigned char)name[n - wl - 1]) ||
		    (isupper((unsigned char)name[n - wl]) &&
		    islower((unsigned char)name[n - wl - 1]))))
			return 1;
		/* Or inside it as a word: SECRET_KEY_BASE, TOKEN_SIGNING. */
		for (k = 0; k + wl < n; k++)
			if (strncasecmp(name + k, words[i], wl) == 0 &&
			    (k == 0 || name[k - 1] == '_') && name[k + wl] == '_')
				return 1;
	}
	return 0;
}

/*
 * The anchored rules at buf[from, to) of a window of len bytes; matches
 * may read up to len. prev: the byte before buf[0] (0: none); line: the
 * line number at buf[0].
 */
static int
secrets_anchors(const char *buf, size_t len, size_t from, size_t to,
    unsigned char prev, const char *path, struct findings *out,
    unsigned line)
{
	const unsigned char	*u = (const unsigned char *)buf;
	size_t			 i, r, lpos = 0;
	unsigned		 first;

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

			/* A third byte first: common pairs cost little. */
			if (len - i < al || buf[i + 2] != sr->anchor[2] ||
			    memcmp(buf + i, sr->anchor, al) != 0)
				continue;
			if (secrets_match(sr, buf, len, i, path, out, &lpos,
			    &line) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * Does an anchored rule match in a line (buf[from, len))? 1, 0, or -1
 * out of memory.
 */
static int
secrets_known(const char *buf, size_t len, size_t from, const char *path)
{
	struct findings	 f = { NULL, 0, 0 };
	int		 rv;

	rv = secrets_anchors(buf, len, from, len, 0, path, &f, 1);
	if (rv == 0 && f.n > 0)
		rv = 1;
	findings_free(&f);
	return rv;
}

/*
 * NAME=value lines of a dotenv file whose name says credential and
 * whose value looks random: 8 or more characters, 3.5 bits of entropy
 * per character or more (gitleaks' bar for keys with no fixed shape),
 * so placeholders ("changeme", "your-api-key-here") stay quiet. A value
 * another rule knows (a JWT, a vendor's token) is left to that rule.
 */
static int
secrets_dotenv_scan(const char *buf, size_t len, size_t from, size_t to,
    const char *path, struct findings *out, unsigned line)
{
	size_t		 at = from, ls, eq, v, n, lpos = 0;
	const char	*nl;
	unsigned	 ln;
	int		 known;
	char		 red[160];

	/* Lines starting in [from, to): the first one may start before. */
	while (at > 0 && at < to && buf[at - 1] != '\n')
		at++;
	while (at < to) {
		ls = at;
		nl = memchr(buf + at, '\n', len - at);
		at = nl ? (size_t)(nl - buf) + 1 : len;
		if (nl == NULL && len - ls > SECRETS_CARRY)
			break;		/* no line end in sight */
		if (len - ls >= 7 && memcmp(buf + ls, "export ", 7) == 0)
			ls += 7;
		for (eq = ls; eq < at && (isalnum((unsigned char)buf[eq]) ||
		    buf[eq] == '_'); eq++)
			;
		if (eq == ls || eq >= at || buf[eq] != '=' ||
		    !secrets_credname(buf + ls, eq - ls))
			continue;
		v = eq + 1;
		if (v < at && (buf[v] == '"' || buf[v] == '\''))
			v++;
		for (n = 0; v + n < at && n < 400 && buf[v + n] != '"' &&
		    buf[v + n] != '\'' && !isspace((unsigned char)buf[v + n]);
		    n++)
			;
		if (n < 8 || buf[v] == '$' || buf[v] == '<' || buf[v] == '{' ||
		    secrets_entropy(buf + v, n) < 3.5)
			continue;
		if ((known = secrets_known(buf, v + n, ls, path)) == -1)
			return -1;
		if (known)
			continue;
		ln = secrets_line(buf, ls, &lpos, &line);
		secrets_redact(buf + v, n, red, sizeof(red));
		if (findings_add(out, FINDING_SECRET, "env-file-secret", path,
		    ln, red) == -1)
			return -1;
	}
	return 0;
}

static int
secrets_keyed_scan(const struct secrets_keyed *k, const char *buf,
    size_t len, size_t from, size_t to, const char *path,
    struct findings *out, unsigned line)
{
	const char	*p;
	size_t		 kl = strlen(k->key), at = from, v, n, lpos = 0;
	char		 red[160];

	while (at < to && (p = memmem(buf + at, len - at, k->key, kl)) !=
	    NULL && (size_t)(p - buf) < to) {
		at = (size_t)(p - buf) + kl;
		if (p > buf && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		for (v = at; v < len && v - at < 8 && (buf[v] == ' ' ||
		    buf[v] == '\t' || (k->yaml && (buf[v] == '"' ||
		    buf[v] == '\''))); v++)
			;
		if (v == at && !k->yaml)
			continue;	/* "passwords": another word */
		if (k->yaml)
			n = secrets_span(CS_TOKEN, buf, len, v, 400);
		else
			for (n = 0; v + n < len && n < 400 &&
			    !isspace((unsigned char)buf[v + n]); n++)
				;
		if (n < k->min || (n >= 3 && memcmp(buf + v, "eyJ", 3) == 0) ||
		    buf[v] == '$' || buf[v] == '<' || buf[v] == '{')
			continue;
		secrets_redact(buf + v, n, red, sizeof(red));
		if (findings_add(out, FINDING_SECRET, k->rule, path,
		    secrets_line(buf, (size_t)(p - buf), &lpos, &line),
		    red) == -1)
			return -1;
	}
	return 0;
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
	size_t	i;

	pthread_once(&secrets_once, secrets_init);
	if (len < 2)
		return 0;	/* an anchor is two bytes at least */
	for (i = 0; i < SECRETS_NKEYED; i++)
		if (secrets_keyed[i].file(path) && secrets_keyed_scan(
		    &secrets_keyed[i], buf, len, from, to, path, out,
		    line) == -1)
			return -1;
	if (secrets_dotenv(path) && secrets_dotenv_scan(buf, len, from, to,
	    path, out, line) == -1)
		return -1;
	return secrets_anchors(buf, len, from, to, prev, path, out, line);
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
	size_t	upto, drop;

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
	if (secrets_window(ss->win, ss->len, ss->seen, upto, ss->prev,
	    ss->path, ss->out, ss->line) == -1)
		return -1;
	/* Keep SECRETS_BACK bytes of what was looked at: some rules read back. */
	drop = upto > SECRETS_BACK ? upto - SECRETS_BACK : 0;
	if (drop > 0)
		secrets_stream_drop(ss, drop);
	ss->seen = upto - drop;
	return 0;
}

int
secrets_stream_end(struct secrets_stream *ss)
{
	int	rv = 0;

	if (ss->len > 0)
		rv = secrets_window(ss->win, ss->len, ss->seen, ss->len,
		    ss->prev, ss->path, ss->out, ss->line);
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
