/*
 * Image checks from a built image's config and history: a HEALTHCHECK,
 * port 22, ADD of a remote URL, apt-get install without
 * --no-install-recommends, a base named by a moving tag; each with an
 * image that has it and one that does not. And the policy naming them.
 */
#include "conf/conf.h"
#include "scan/image/imgconfig.h"
#include "scan/image/verdict.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* The misconfiguration rules found in a config, comma-joined. */
static const char *
rules(const char *cfg, const char *history)
{
	static char	 out[512];
	char		 json[4096];
	struct findings	 f = { NULL, 0, 0 };
	size_t		 i, o = 0;

	snprintf(json, sizeof(json), "{\"config\":{\"User\":\"app\"%s%s},"
	    "\"history\":[%s]}", *cfg ? "," : "", cfg, history);
	imgconfig_scan(json, strlen(json), &f);
	out[0] = '\0';
	for (i = 0; i < f.n; i++)
		if (f.v[i].kind == FINDING_MISCONFIG)
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s",
			    o ? "," : "", f.v[i].rule);
	findings_free(&f);
	return out;
}

#define HC	"\"Healthcheck\":{\"Test\":[\"CMD\",\"true\"]}"

int
main(void)
{
	char		 err[512] = "";
	struct conf	*c;
	struct verdict	 v;
	json_t		*doc;

	is_str(rules("", ""), "no-healthcheck", "no HEALTHCHECK");
	is_str(rules(HC, ""), "", "a HEALTHCHECK: nothing");
	is_str(rules("\"Healthcheck\":{\"Test\":[\"NONE\"]}", ""),
	    "no-healthcheck", "HEALTHCHECK NONE counts as none");
	is_str(rules(HC ",\"ExposedPorts\":{\"22/tcp\":{}}", ""),
	    "ssh-port-exposed", "port 22 exposed");
	is_str(rules(HC ",\"ExposedPorts\":{\"8080/tcp\":{}}", ""), "",
	    "another port: nothing");
	is_str(rules(HC, "{\"created_by\":\"ADD https://example.com/app.tgz "
	    "/opt/ # buildkit\"}"), "remote-add", "ADD of a remote URL");
	is_str(rules(HC, "{\"created_by\":\"/bin/sh -c #(nop) ADD file:4b03b5"
	    " in / \"}"), "", "ADD of a local file: nothing");
	is_str(rules(HC, "{\"created_by\":\"RUN /bin/sh -c apt-get update && "
	    "apt-get install -y curl # buildkit\"}"), "apt-recommends",
	    "apt-get install without --no-install-recommends");
	is_str(rules(HC, "{\"created_by\":\"RUN /bin/sh -c apt-get install -y "
	    "--no-install-recommends curl\"}"), "",
	    "with --no-install-recommends: nothing");
	is_str(rules(HC ",\"Labels\":{\"org.opencontainers.image.base.name\":"
	    "\"docker.io/library/debian:latest\"}", ""), "latest-base",
	    "a base tagged latest");
	is_str(rules(HC ",\"Labels\":{\"org.opencontainers.image.base.name\":"
	    "\"registry:5000/debian\"}", ""), "latest-base",
	    "a base with no tag (a registry port is no tag)");
	is_str(rules(HC ",\"Labels\":{\"org.opencontainers.image.base.name\":"
	    "\"debian:12.8\"}", ""), "", "a pinned base: nothing");
	is_str(rules(HC ",\"Labels\":{\"org.opencontainers.image.base.name\":"
	    "\"debian@sha256:0123\"}", ""), "", "a base by digest: nothing");

	/* The policy blocks the ones it names, and no others. */
	{
		const char *y = "upstream:\n  url: http://x\npolicy:\n"
		    "  misconfig: [no-healthcheck, sudo-installed]\n";

		c = conf_load_string(y, strlen(y), "t.yaml", err, 512);
	}
	ok(c != NULL, "misconfig names the new ids (%s)", err);
	doc = json_loads("{\"vulnerabilities\":[],\"secrets\":[],"
	    "\"misconfigurations\":[{\"rule\":\"no-healthcheck\"},"
	    "{\"rule\":\"latest-base\"}]}", 0, NULL);
	verdict_eval(doc, &c->policy, "team/app", NULL, 0, &v);
	ok(v.deny && v.misconfigs == 1 && strstr(v.message, "no-healthcheck")
	    != NULL, "the named rule blocks, the other does not (%s)",
	    v.message);
	conf_free(c);
	{
		const char *y = "upstream:\n  url: http://x\npolicy:\n"
		    "  misconfig: [no-such-check]\n";

		c = conf_load_string(y, strlen(y), "t.yaml", err, 512);
	}
	ok(c == NULL && strstr(err, "unknown misconfig rule") != NULL,
	    "an unknown id is refused (%s)", err);
	json_decref(doc);
	return done_testing();
}
