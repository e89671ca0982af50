/*
 * Secret rules, each with a positive and a negative case in the shape
 * its vendor documents, through the streaming scanner (pieces of every
 * size, so a secret cut by a piece's edge is found once): AWS secret
 * keys and AWS's documented example (its own rule, never blocking),
 * Azure storage keys, Slack webhooks, npm tokens in .npmrc, Docker's
 * config.json auth, database URLs with a password, JWTs.
 */
#include "scan/layer/secrets.h"
#include "tests/tap.h"

#include <stdlib.h>

/* The rules found in text fed in pieces of step bytes, comma-joined. */
static const char *
scan(const char *path, const char *text, size_t step)
{
	static char		 out[512];
	struct findings		 f = { NULL, 0, 0 };
	struct secrets_stream	 ss;
	size_t			 i, n = strlen(text), o = 0;

	secrets_stream_begin(&ss, path, &f);
	for (i = 0; i < n; i += step)
		secrets_stream_feed(&ss, text + i, n - i < step ? n - i : step);
	secrets_stream_end(&ss);
	out[0] = '\0';
	for (i = 0; i < f.n; i++)
		o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s%s",
		    i ? "," : "", f.v[i].rule, f.v[i].kind == FINDING_NOTE ?
		    "(note)" : "");
	findings_free(&f);
	return out;
}

/* The same text fed whole and in pieces of 1, 7 and 300 bytes: one answer. */
static void
check(const char *path, const char *text, const char *want, const char *what)
{
	static const size_t	steps[] = { 100000, 1, 7, 300 };
	char			got[4][512];
	size_t			k;

	for (k = 0; k < 4; k++)
		snprintf(got[k], sizeof(got[k]), "%s", scan(path, text,
		    steps[k]));
	ok(strcmp(got[0], want) == 0 && strcmp(got[1], want) == 0 &&
	    strcmp(got[2], want) == 0 && strcmp(got[3], want) == 0,
	    "%s: \"%s\" (%s / %s / %s / %s)", what, want, got[0], got[1],
	    got[2], got[3]);
}

int
main(void)
{
	char		 big[4096];
	const char	*jwt = " eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhYmMifQ."
			    "dGhpc2lzYXNpZ25hdHVyZQ ";

	check("app/.aws/credentials", "[default]\naws_access_key_id = "
	    "AKIAZ7QXKJ3L2M4N5P6Q\naws_secret_access_key = "
	    "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\n",
	    "aws-access-key-id,aws-secret-access-key",
	    "an AWS key pair in a credentials file");
	check("app/.env", "AWS_SECRET_ACCESS_KEY=\"k9X2m7PqR4tV8wY1zA3bC5dE6fG0"
	    "hJ+L/N2pQ4rS\"\n", "aws-secret-access-key",
	    "an AWS secret key in .env, quoted");
	check("app/.env", "AWS_SECRET_ACCESS_KEY=${AWS_SECRET}\n"
	    "aws_secret_access_key = tooshortvalue\n", "",
	    "a template or a short value is no AWS secret key");
	check("docs/example.md", "aws_access_key_id=AKIAIOSFODNN7EXAMPLE\n"
	    "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
	    "aws-access-key-id(note),aws-secret-access-key(note)",
	    "AWS's documented example keys are notes, not secrets");
	check("etc/app.conf", "DefaultEndpointsProtocol=https;AccountName=acct;"
	    "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4"
	    "I6tq/K1SZFPTOtr/KBHBeksoGMGw==;EndpointSuffix=core.windows.net\n",
	    "azure-storage-account-key", "an Azure storage connection string");
	check("etc/app.conf", "AccountKey=short;", "",
	    "a short AccountKey is not one");
	check("srv/notify.sh", "curl -X POST https://hooks.slack.com/services/"
	    "T0A1B2C3D/B4E5F6G7H/1a2b3c4d5e6f7g8h9i0j1k2l\n",
	    "slack-webhook-url", "a Slack incoming webhook URL");
	check("srv/notify.sh", "see https://hooks.slack.com/services/ for "
	    "details\n", "", "Slack's documentation URL is no webhook");
	check("root/.npmrc", "//registry.npmjs.org/:_authToken=2f6b1c8e-4d3a-"
	    "4b5c-9e8f-7a6b5c4d3e2f\n", "npm-auth-token",
	    "a legacy npm token in .npmrc");
	check("root/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
	    "", "an .npmrc reading its token from the environment");
	check("root/.docker/config.json", "{\"auths\": {\"registry.example.com\":"
	    " {\"auth\": \"Y2k6czNjcjN0LXBhc3M=\"}}}\n", "docker-config-auth",
	    "a registry password in .docker/config.json");
	check("app/package.json", "{\"auth\": \"Zm9vYmFy\", \"author\": "
	    "\"someone\"}\n", "", "base64 without user:password is no auth");
	check("app/.env", "DATABASE_URL=postgres://app:Zq8v3Kp2Lw@db.internal:"
	    "5432/app\nREDIS_URL=rediss://default:Xw7Yq2Rz@cache:6380\n",
	    "database-url-password,database-url-password",
	    "database and broker URLs with a password");
	check("usr/share/doc/app/README", "postgres://user:password@localhost/"
	    "db\nmysql://root:${DB_PASSWORD}@db/app\nhttps://user:pw@example."
	    "com/\npostgres://localhost/db\n", "",
	    "placeholders, templates and other schemes are not");
	check("app/config.js", "const t = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVC"
	    "J9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2"
	    "MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\";\n", "jwt",
	    "a JWT (found by its middle, read back to its start)");
	check("app/config.js", "eyJhbGciOiJIUzI1NiJ9 and .eyJ alone\n", "",
	    "pieces of a JWT are not one");
	/* Far into a file: the read-back keeps working past the first pieces. */
	memset(big, 'x', sizeof(big));
	memcpy(big + 3000, jwt, strlen(jwt));
	big[sizeof(big) - 1] = '\0';
	check("app/blob", big, "jwt", "a JWT 3000 bytes into a file");
	return done_testing();
}
