/*
 * Secret rules, each with a positive and a negative case in the shape
 * its vendor documents, through the streaming scanner (pieces of every
 * size, so a secret cut by a piece's edge is found once): AWS secret
 * keys and AWS's documented example (its own rule, never blocking),
 * Azure storage keys, Slack webhooks, npm tokens in .npmrc, Docker's
 * config.json auth, database URLs with a password, JWTs; GitHub and npm
 * tokens whose checksum holds (made by the base62-token npm package)
 * and one whose does not; registry, CI, cloud and chat tokens in their
 * vendors' shapes, credential files (.pypirc, .git-credentials,
 * pip.conf, kubeconfig client keys and tokens, .netrc, a GCP
 * service-account key, PGP, PuTTY and age keys); credential variables
 * in dotenv files judged by their values' entropy.
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
	check("root/.config/gh/hosts.yml",
	    "oauth_token: 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\n",
	    "github-token",
	    "a GitHub token whose CRC-32 checks (made by base62-token, npm)");
	check("docs/example.md",
	    "GITHUB_TOKEN=ghp_5zxaXCUJd7biGMKak4EDuRQHC8qBAm36BU7A\n",
	    "github-token(note)",
	    "one whose checksum fails is a note");
	check("root/.npmrc",
	    "//registry.npmjs.org/:_authToken=npm_nN7ARJHT4JhGMwwyoZEKi"
	    "xwfSc2i7N0Yi8xF\n",
	    "npm-auth-token,npm-token",
	    "a granular npm token (checksum checked)");
	check("root/.pypirc",
	    "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5v"
	    "cmcU89K1D5a0HECbLMQsNcCGctd76LCNUH1lS-2wLfKkaVE_tNMO66iv9b"
	    "4_b8p6k-csDZVefZO9jDOmlpFbYfogYtGEwbEFonsIX0eZ776Hehdz2GXn"
	    "Bo1nKo6\n",
	    "pypi-token",
	    "a PyPI token in .pypirc");
	check("root/.git-credentials",
	    "https://alice:Tq8vX2pLk9@git.example.com\n",
	    "url-password",
	    "a .git-credentials entry");
	check("etc/pip.conf",
	    "[global]\nindex-url = https://alice:Tq8vX2pLk9@pypi.exampl"
	    "e.com/simple\n",
	    "url-password",
	    "a pip.conf index with a password");
	check("usr/share/doc/x/README",
	    "clone https://alice:Tq8vX2pLk9@git.example.com\n",
	    "",
	    "an https URL with a password elsewhere is not");
	check("app/.env",
	    "GITLAB=glpat-Bj1zpi4i4zBGozlxQF0l\n",
	    "gitlab-token",
	    "a GitLab personal token");
	check("root/.config/age/key.txt",
	    "# created\nAGE-SECRET-KEY-1UFV2ZML85MZHYFW9Z67N4X6Z4PC7RTL"
	    "T5GEXF00GPTF4K2S4AGFK2FYYQ9\n",
	    "age-secret-key",
	    "an age secret key");
	check("root/key.asc",
	    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQdGBF...\n",
	    "private-key",
	    "a PGP private key block");
	check("root/key.asc",
	    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n",
	    "",
	    "a PGP public key is not");
	check("root/.ssh/id.ppk",
	    "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n",
	    "putty-private-key",
	    "a PuTTY private key");
	check("root/.kube/config",
	    "users:\n- name: admin\n  user:\n    client-key-data: LS0tL"
	    "S1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQogVup4q6tKkdeWJLKM107"
	    "lNdZx98dX7kbfueXaEj7bUIDd+3wslT+1/Tnek1JhSEhi3rzATTUC+097l"
	    "jWH1MbCqlj0BPzEdSBHhrwEgHJVwFd+JgG7T29UxT/==\n",
	    "kubeconfig-client-key",
	    "a kubeconfig client key");
	check("root/.kube/config",
	    "    client-key-data: QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQ"
	    "UFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUF"
	    "BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQ"
	    "UFBQUFB\n",
	    "",
	    "client-key-data that is no PEM is not");
	check("root/.kube/config",
	    "users:\n- name: deploy\n  user:\n    token: 07401b.f395accd"
	    "246ae52d\n",
	    "kubeconfig-token",
	    "a kubeconfig bearer token (a kubeadm bootstrap token's shape)");
	check("etc/kubernetes/admin.conf",
	    "    auth-provider:\n      config:\n        access-token: 'ya29"
	    ".a0AfH6SMBx3kLq9Zr8uTjW2vYpQ'\n",
	    "kubeconfig-token",
	    "an auth provider's access token in kubeadm's admin.conf");
	check("root/.kube/config",
	    "    token: ${KUBE_TOKEN}\n    tokenFile: /var/run/token\n",
	    "",
	    "a templated kubeconfig token is not");
	check("app/config.yaml",
	    "    token: 07401b.f395accd246ae52d\n",
	    "",
	    "token: outside a kubeconfig is not");
	check("root/.netrc",
	    "machine api.example.com\n  login alice\n  password Tq8vX2pLk9\n",
	    "netrc-password",
	    "a .netrc password");
	check("root/.netrc",
	    "machine api.example.com login alice password $NETRC_PASS\n",
	    "",
	    "a templated .netrc password is not");
	check("usr/share/doc/ftp/README",
	    "machine api.example.com login alice password Tq8vX2pLk9\n",
	    "",
	    "a netrc line outside a .netrc is not");
	check("app/.env",
	    "# settings\nexport API_KEY=\"q7Vx2Lm9Pw4Rt8Kz3Nb6\"\nDB_PASS=Xk2pQ9"
	    "vL4mRt\nDEBUG=true\n",
	    "env-file-secret,env-file-secret",
	    "random-looking credentials in a .env");
	check("app/.env.production",
	    "SECRET_KEY_BASE=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b\n",
	    "env-file-secret",
	    "a credential name with the word inside it, in .env.production");
	check("app/.env",
	    "API_KEY=your-api-key-here\nPASSWORD=changeme\nTOKEN=${TOKEN}"
	    "\nSESSION_ID=q7Vx2Lm9Pw4Rt8Kz3Nb6\nMONKEY=q7Vx2Lm9Pw4Rt8Kz3Nb6\n",
	    "",
	    "placeholders, templates and names that say nothing are not");
	check("app/.env.example",
	    "API_KEY=q7Vx2Lm9Pw4Rt8Kz3Nb6\n",
	    "",
	    "a .env.example template is not");
	check("app/settings.ini",
	    "API_KEY=q7Vx2Lm9Pw4Rt8Kz3Nb6\n",
	    "",
	    "the same line outside a dotenv file is not");
	check("app/.env",
	    "STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n",
	    "stripe-secret-key",
	    "a vendor token in a .env is that vendor's rule only");
	check("app/sa.json",
	    "{\n  \"type\": \"service_account\",\n  \"private_key_id\":"
	    " \"f2c799e2f8bf19ecd25e31b6e720554fd8803212\",\n",
	    "gcp-service-account-key",
	    "a GCP service-account key file");
	check("app/.env",
	    "SENDGRID=SG.TDVT6lgmbf7xUsP0P9gjcl.pDSA3lxl7kettuA1fToZ0Hp"
	    "XyT4V3cSykBX0hB0RfZS\n",
	    "sendgrid-api-key",
	    "a SendGrid key");
	check("app/.env",
	    "VAULT_TOKEN=hvs.cs1EPvZhWfZ5esavyL0dgpaqOkM5s2K0ksfMHM4OjH"
	    "WN9cpoQZI5LBIb8azk1tCR0nIbOvV1LUBuzfkJacmIynp--TcaiG1\n",
	    "vault-token",
	    "a HashiCorp Vault token");
	check("app/.env",
	    "DOPPLER_TOKEN=dp.pt.3hvAMEy7pMmtkoQllyV9w9ejbPnWj7WZOAfSq8"
	    "806s4\n",
	    "doppler-token",
	    "a Doppler token");
	check("app/.env",
	    "DO=dop_v1_daac6a7e00b0edd2477051587bf1f47afdba79d0d06d4064"
	    "0367c80e1a9aa771\n",
	    "digitalocean-token",
	    "a DigitalOcean token");
	check("app/.env",
	    "DATABRICKS=dapi948ab372f1978c491bc06b2aabd97362\n",
	    "databricks-token",
	    "a Databricks token");
	check("app/.env",
	    "SHOPIFY=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\n",
	    "shopify-token",
	    "a Shopify token");
	check("app/.env",
	    "LINEAR=lin_api_JklvSwONzW9VLAI3pItATjwTg8AyFwjypB7KZ0BK\n",
	    "linear-api-key",
	    "a Linear key");
	check("app/.env",
	    "NEWRELIC=NRAK-LM19EY80GA7P3UW3E9LSFGXV6RD\n",
	    "newrelic-user-key",
	    "a New Relic user key");
	check("app/.env",
	    "POSTMAN=PMAK-6d38d7a2de7b8bae27a072e9-b5b2caf443bc961a985b"
	    "994ddc0899ebf9\n",
	    "postman-api-key",
	    "a Postman key");
	check("root/.gem/credentials",
	    "---\n:rubygems_api_key: rubygems_aa91e5fbd602af081ffbc79ca"
	    "c8a8626b9530d9fbb66d5c9\n",
	    "rubygems-api-key",
	    "a RubyGems key in .gem/credentials");
	check("app/.env",
	    "ANTHROPIC_API_KEY=sk-ant-api03-kN_y5hNF4hXhpQjyzW55o7pdlSS"
	    "Jo_HlF3Bt-gfKcvaumxXYrUntkbjegb7Xb4Va5BpoBeYIivaMIkUbagzAr"
	    "E36G4WK6AA\n",
	    "anthropic-api-key",
	    "an Anthropic key");
	check("app/.env",
	    "GRAFANA=glsa_tG7TalpH0uCQqRq2PJQiyHggFDSAkxHp_c528b5fe\n",
	    "grafana-token",
	    "a Grafana service-account token");
	check("srv/notify.sh",
	    "curl https://discord.com/api/webhooks/048592757703044537/m"
	    "Ue5SqKBjCh99sRbriMm7NfP-LAAOoSCcEFc2IzyBVQ4tF4wuKSxyp1Q8RV"
	    "0TOw5j59l\n",
	    "discord-webhook-url",
	    "a Discord webhook");
	check("srv/notify.sh",
	    "curl https://acme.webhook.office.com/webhookb2/a1b2c3d4-11"
	    "11-2222-3333-444455556666@b1b2c3d4-1111-2222-3333-44445555"
	    "6666/IncomingWebhook/9643862e13709d40f139cd804b692a3d/c1b2"
	    "c3d4-1111-2222-3333-444455556666\n",
	    "teams-webhook-url",
	    "a Microsoft Teams webhook");
	check("app/.env",
	    "STRIPE=rk_live_3IJVcqjC0uLBCOzBxY4QuRBzlsXKSOoFOmmtHxrD\n",
	    "stripe-secret-key",
	    "a Stripe restricted key");
	check("app/.env",
	    "X=dapi948ab372f1978c491bc06b2aabd9736\nY=glpat-short\n",
	    "",
	    "too short is no token");
	/* Far into a file: the read-back keeps working past the first pieces. */
	memset(big, 'x', sizeof(big));
	memcpy(big + 3000, jwt, strlen(jwt));
	big[sizeof(big) - 1] = '\0';
	check("app/blob", big, "jwt", "a JWT 3000 bytes into a file");
	return done_testing();
}
