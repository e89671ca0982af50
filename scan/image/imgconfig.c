#include "scan/image/imgconfig.h"
#include "scan/layer/secrets.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Environment variable names that hold credentials by convention. */
static const char *const imgconfig_secret_names[] = {
	"PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "APIKEY",
	"PRIVATE_KEY", "ACCESS_KEY", "CREDENTIALS", "AUTH"
};

static int
imgconfig_secret_name(const char *name, size_t n)
{
	char	up[128];
	size_t	i;

	if (n >= sizeof(up))
		n = sizeof(up) - 1;
	for (i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[n] = '\0';
	for (i = 0; i < sizeof(imgconfig_secret_names) /
	    sizeof(imgconfig_secret_names[0]); i++)
		if (strstr(up, imgconfig_secret_names[i]) != NULL)
			return 1;
	return 0;
}

/* A RUN line of the history that installs with apt without --no-install-recommends. */
static int
imgconfig_apt_recommends(const char *cb)
{
	const char	*p;

	for (p = cb; (p = strstr(p, "apt")) != NULL; p++)
		if ((strncmp(p, "apt-get install", 15) == 0 ||
		    strncmp(p, "apt install", 11) == 0) &&
		    strstr(p, "--no-install-recommends") == NULL)
			return 1;
	return 0;
}

/*
 * What a built image's config and history tell (the image checks of
 * the CIS Docker Benchmark that a config can show, and the best-known
 * scanner's Dockerfile checks that a history still shows).
 */
static int
imgconfig_checks(json_t *root, json_t *cfg, struct findings *out)
{
	json_t		*hc = json_object_get(cfg, "Healthcheck"), *h;
	const char	*base = json_string_value(json_object_get(json_object_get(
			    cfg, "Labels"), "org.opencontainers.image.base.name"));
	const char	*test0 = json_string_value(json_array_get(
			    json_object_get(hc, "Test"), 0));
	const char	*slash;
	size_t		 i;
	int		 rv = 0, remote = 0, apt = 0;

	if (hc == NULL || (test0 != NULL && strcmp(test0, "NONE") == 0))
		rv |= findings_add(out, FINDING_MISCONFIG, "no-healthcheck",
		    "config", 0, "no HEALTHCHECK: the runtime cannot tell a "
		    "hung container from a healthy one");
	if (json_object_get(json_object_get(cfg, "ExposedPorts"), "22/tcp"))
		rv |= findings_add(out, FINDING_MISCONFIG, "ssh-port-exposed",
		    "config", 0, "port 22 is exposed: containers are reached "
		    "with exec, not ssh");
	json_array_foreach(json_object_get(root, "history"), i, h) {
		const char *cb = json_string_value(json_object_get(h,
		    "created_by"));

		if (cb == NULL)
			continue;
		if (!remote && (strstr(cb, "ADD http://") != NULL ||
		    strstr(cb, "ADD https://") != NULL)) {
			remote = 1;
			rv |= findings_add(out, FINDING_MISCONFIG, "remote-add",
			    "config:history", 0, "ADD of a remote URL: "
			    "unverified content; fetch it with a checksum, or "
			    "COPY it");
		}
		if (!apt && imgconfig_apt_recommends(cb)) {
			apt = 1;
			rv |= findings_add(out, FINDING_MISCONFIG,
			    "apt-recommends", "config:history", 0, "apt-get "
			    "install without --no-install-recommends: more "
			    "packages, more to patch");
		}
	}
	/* A base named by a moving tag: "latest", or none at all. */
	slash = base ? strrchr(base, '/') : NULL;
	if (base != NULL && strchr(base, '@') == NULL &&
	    (strchr(slash ? slash : base, ':') == NULL ||
	    (strlen(base) > 7 && strcmp(base + strlen(base) - 7, ":latest") ==
	    0)))
		rv |= findings_add(out, FINDING_MISCONFIG, "latest-base",
		    "config", 0, "the base image is named by a moving tag "
		    "(latest): the build is not reproducible; pin a version "
		    "or a digest");
	return rv ? -1 : 0;
}

int
imgconfig_scan(const char *json, size_t len, struct findings *out)
{
	json_t		*root, *cfg, *env, *e, *hist, *h;
	json_error_t	 err;
	const char	*user;
	char		 msg[200];
	size_t		 i;
	int		 rv = 0;

	if ((root = json_loadb(json, len, 0, &err)) == NULL ||
	    !json_is_object(root)) {
		findings_add(out, FINDING_ERROR, "config-invalid", "config", 0,
		    root ? "config is not a JSON object" : err.text);
		json_decref(root);
		return -1;
	}
	cfg = json_object_get(root, "config");
	user = json_string_value(json_object_get(cfg, "User"));
	if (user == NULL || *user == '\0' || strcmp(user, "root") == 0 ||
	    strcmp(user, "0") == 0 || strncmp(user, "0:", 2) == 0 ||
	    strncmp(user, "root:", 5) == 0) {
		snprintf(msg, sizeof(msg), "the image runs as root (User is "
		    "%s%s%s)", user && *user ? "\"" : "", user && *user ? user :
		    "unset", user && *user ? "\"" : "");
		if (findings_add(out, FINDING_MISCONFIG, "root-user", "config",
		    0, msg) == -1)
			rv = -1;
	}
	env = json_object_get(cfg, "Env");
	json_array_foreach(env, i, e) {
		const char	*kv = json_string_value(e), *eq;
		size_t		 vl;

		if (kv == NULL || (eq = strchr(kv, '=')) == NULL)
			continue;
		vl = strlen(eq + 1);
		if (vl == 0 || !imgconfig_secret_name(kv, (size_t)(eq - kv)))
			continue;
		snprintf(msg, sizeof(msg), "environment variable %.*s carries "
		    "a value (%zu characters, redacted)", (int)(eq - kv), kv,
		    vl);
		if (findings_add(out, FINDING_MISCONFIG, "secret-in-env",
		    "config", 0, msg) == -1)
			rv = -1;
	}
	if (imgconfig_checks(root, cfg, out) == -1)
		rv = -1;
	/* Tokens pasted into RUN lines end up in the history. */
	hist = json_object_get(root, "history");
	json_array_foreach(hist, i, h) {
		const char *cb = json_string_value(json_object_get(h,
		    "created_by"));

		if (cb != NULL && secrets_scan(cb, strlen(cb), "config:history",
		    out) == -1)
			rv = -1;
	}
	json_decref(root);
	return rv;
}
