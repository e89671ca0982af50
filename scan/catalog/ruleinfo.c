#include "scan/catalog/ruleinfo.h"

#include <string.h>

#define S	"secret"
#define M	"misconfiguration"
#define L	"limit"

const struct ruleinfo ruleinfo_all[] = {
	{ "private-key", S, "HIGH", "Private key",
	    "Remove the key from the image; mount it at run time from a "
	    "secret store or a volume, and rotate it." },
	{ "aws-access-key-id", S, "HIGH", "AWS access key id",
	    "Deactivate the key in IAM; give the workload a role instead." },
	{ "aws-secret-access-key", S, "CRITICAL", "AWS secret access key",
	    "Deactivate the key pair in IAM; give the workload a role." },
	{ "azure-storage-account-key", S, "CRITICAL",
	    "Azure storage account key",
	    "Rotate the storage account key; use a managed identity or SAS." },
	{ "github-token", S, "HIGH", "GitHub token",
	    "Revoke the token on GitHub; pass it at build time, not in the "
	    "image." },
	{ "github-fine-grained-token", S, "HIGH",
	    "GitHub fine-grained token", "Revoke the token on GitHub." },
	{ "gitlab-token", S, "HIGH", "GitLab personal access token",
	    "Revoke the token on GitLab." },
	{ "slack-token", S, "HIGH", "Slack token",
	    "Revoke the token in the Slack app settings." },
	{ "slack-webhook-url", S, "MEDIUM", "Slack incoming webhook URL",
	    "Regenerate the incoming webhook." },
	{ "stripe-secret-key", S, "CRITICAL", "Stripe live secret key",
	    "Roll the key in the Stripe dashboard." },
	{ "google-api-key", S, "MEDIUM", "Google API key",
	    "Regenerate the key and restrict it to its API and callers." },
	{ "npm-token", S, "HIGH", "npm access token",
	    "Revoke it (npm token revoke); pass it at build time." },
	{ "npm-auth-token", S, "HIGH", "npm registry token in .npmrc",
	    "Revoke it; write .npmrc at build time only, or use a build "
	    "secret." },
	{ "docker-config-auth", S, "HIGH",
	    "Registry credentials in .docker/config.json",
	    "Change the registry password; log in at run time." },
	{ "database-url-password", S, "HIGH",
	    "Database or broker URL with a password",
	    "Change the password; read the URL from the environment at run "
	    "time." },
	{ "jwt", S, "MEDIUM", "JSON Web Token",
	    "Expire the token; whoever pulls the image can read it." },
	{ "shadow-password-hash", S, "HIGH", "Password hash in /etc/shadow",
	    "Lock the accounts in the build (passwd -l), or set passwords "
	    "at run time." },
	{ "url-password", S, "HIGH",
	    "URL with a password in a credentials file",
	    "Change the password; use a credential helper or a build "
	    "secret instead of .git-credentials, pip.conf or .pypirc." },
	{ "pypi-token", S, "HIGH", "PyPI API token",
	    "Revoke the token on PyPI; upload from CI with trusted "
	    "publishing." },
	{ "pypirc-password", S, "HIGH", "Password in .pypirc",
	    "Change the password; keep .pypirc out of the image." },
	{ "rubygems-api-key", S, "HIGH", "RubyGems API key",
	    "Revoke the key on rubygems.org." },
	{ "age-secret-key", S, "HIGH", "age secret key",
	    "Remove the key; re-encrypt what it protects to a new one." },
	{ "putty-private-key", S, "HIGH", "PuTTY private key",
	    "Remove the key from the image and rotate it." },
	{ "vault-token", S, "CRITICAL", "HashiCorp Vault token",
	    "Revoke the token (vault token revoke); use a short-lived "
	    "auth method at run time." },
	{ "doppler-token", S, "HIGH", "Doppler token",
	    "Revoke the token in Doppler." },
	{ "digitalocean-token", S, "CRITICAL", "DigitalOcean token",
	    "Revoke the token in the DigitalOcean control panel." },
	{ "databricks-token", S, "HIGH", "Databricks token",
	    "Revoke the token in the Databricks workspace." },
	{ "shopify-token", S, "HIGH", "Shopify access token",
	    "Rotate the app's token in Shopify." },
	{ "linear-api-key", S, "MEDIUM", "Linear API key",
	    "Revoke the key in Linear's settings." },
	{ "newrelic-user-key", S, "MEDIUM", "New Relic user key",
	    "Delete the key in New Relic's API keys page." },
	{ "postman-api-key", S, "MEDIUM", "Postman API key",
	    "Regenerate the key in Postman." },
	{ "sendgrid-api-key", S, "HIGH", "SendGrid API key",
	    "Delete the key in SendGrid." },
	{ "discord-webhook-url", S, "MEDIUM", "Discord webhook URL",
	    "Delete and recreate the webhook." },
	{ "teams-webhook-url", S, "MEDIUM", "Microsoft Teams webhook URL",
	    "Remove the connector and create a new one." },
	{ "kubeconfig-client-key", S, "CRITICAL",
	    "Kubernetes client key in a kubeconfig",
	    "Revoke the client certificate; mount kubeconfig at run time." },
	{ "gcp-service-account-key", S, "CRITICAL",
	    "GCP service-account key file",
	    "Delete the key in IAM; use workload identity." },
	{ "grafana-token", S, "HIGH", "Grafana service-account token",
	    "Revoke the token in Grafana." },
	{ "anthropic-api-key", S, "HIGH", "Anthropic API key",
	    "Revoke the key in the Anthropic console." },
	{ "root-user", M, "MEDIUM", "Image runs as root",
	    "Add a USER instruction naming an unprivileged account." },
	{ "secret-in-env", M, "HIGH", "Credential in the image config",
	    "Pass it at run time (environment, secret store); ENV and build "
	    "history are readable by whoever pulls the image." },
	{ "no-healthcheck", M, "LOW", "No HEALTHCHECK",
	    "Add a HEALTHCHECK so the runtime can tell a hung container." },
	{ "ssh-port-exposed", M, "MEDIUM", "Port 22 exposed",
	    "Do not run an SSH server in a container; use exec." },
	{ "remote-add", M, "MEDIUM", "ADD of a remote URL",
	    "Download with a checksum check (curl + sha256sum) or COPY a "
	    "verified file." },
	{ "apt-recommends", M, "LOW",
	    "apt-get install without --no-install-recommends",
	    "Install with --no-install-recommends: fewer packages to patch." },
	{ "latest-base", M, "LOW", "Base image named by latest or no tag",
	    "Name the base by a version tag or a digest." },
	{ "sudo-installed", M, "MEDIUM", "sudo installed",
	    "Remove sudo: a container needs no privilege escalation." },
	{ "ssh-server-installed", M, "MEDIUM", "SSH server installed",
	    "Remove the SSH server; reach containers with exec." },
	{ "setuid-file", M, "MEDIUM", "setuid or setgid file",
	    "Drop the bit (chmod u-s,g-s) unless the image needs it." },
	{ "world-writable", M, "MEDIUM", "World-writable file or directory",
	    "chmod o-w, or set the sticky bit on shared directories." },
	{ "package-cache", M, "LOW", "Package-manager cache left behind",
	    "Clean the cache in the same RUN step that fills it." },
	{ "path-traversal", M, "HIGH", "Layer entry outside the root",
	    "Rebuild the layer: its tar names a path above /." },
	{ "config-invalid", L, "HIGH", "Image config not readable",
	    "Rebuild the image; its config is not valid JSON." },
	{ "corrupt", L, "HIGH", "Corrupt or truncated layer",
	    "Push the image again; the layer cannot be read to its end." },
	{ "unreadable", L, "HIGH", "Layer not readable",
	    "Push the image again, or check the registry's storage." },
	{ "max-uncompressed", L, "HIGH", "Layer larger than the scan limit",
	    "Raise scanner.max_uncompressed or split the layer." },
	{ "max-entries", L, "HIGH", "Layer with more entries than the limit",
	    "Raise scanner.max_entries or split the layer." },
	{ "max-entry", L, "HIGH", "Archive entry larger than the limit",
	    "Raise scanner.max_db_file, or keep such files out of jars." },
	{ "max-seconds", L, "HIGH", "Layer scan out of time",
	    "Raise scanner.max_seconds." },
	{ "max-depth", L, "HIGH", "Archives nested deeper than the limit",
	    "Raise scanner.max_depth, or flatten the archives." },
	{ "max-db-file", L, "HIGH", "Package database larger than the limit",
	    "Raise scanner.max_db_file." },
	{ "linked-package-db", L, "HIGH",
	    "Package database behind a link not in the layer",
	    "Put the database itself in the layer, not a link to it." },
	{ "rust-deps-unread", L, "HIGH",
	    "Rust binary's dependency list not read yet",
	    "Scan the layer again; a second pass reads it." },
	{ "unreadable-package-db", L, "HIGH", "Package database not readable",
	    "Rebuild the image; the database is damaged." },
	{ "unreadable-archive", L, "HIGH", "Archive inside the layer not "
	    "readable", "Rebuild the archive." },
	{ NULL, NULL, NULL, NULL, NULL }
};

const struct ruleinfo *
ruleinfo_find(const char *id)
{
	size_t	i;

	for (i = 0; id != NULL && ruleinfo_all[i].id != NULL; i++)
		if (strcmp(ruleinfo_all[i].id, id) == 0)
			return &ruleinfo_all[i];
	return NULL;
}
