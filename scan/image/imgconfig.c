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
