#include "conf/conf.h"
#include "tests/tap.h"

static struct conf *
load(const char *yaml, char *err, size_t errlen)
{
	return conf_load_string(yaml, strlen(yaml), "test.yaml", err, errlen);
}

static void
fails(const char *yaml, const char *want, const char *desc)
{
	char		 err[512] = "";
	struct conf	*c = load(yaml, err, sizeof(err));

	ok(c == NULL && strstr(err, want) != NULL, "%s", desc);
	if (c != NULL || strstr(err, want) == NULL)
		printf("#   error was: %s\n", err);
	conf_free(c);
}

int
main(void)
{
	char		 err[512];
	struct conf	*c;
	uint64_t	 v;

	c = load("listen: 0.0.0.0:8443\n"
	    "upstream:\n  url: https://registry.example.org\n"
	    "  ca_file: /etc/ca.pem\n  verify: no\n"
	    "tls:\n  cert: /c.pem\n  key: /k.pem\n"
	    "limits:\n  high_watermark: 4M\n  low_watermark: 1M\n"
	    "timeouts:\n  io: 30\n"
	    "log:\n  level: debug\n  access: '-'\n", err, sizeof(err));
	ok(c != NULL, "full config parses (%s)", c ? "ok" : err);
	if (c != NULL) {
		is_str(c->listen_host, "0.0.0.0", "listen host");
		is_str(c->listen_port, "8443", "listen port");
		is_int(c->upstream.tls, 1, "https upstream");
		is_str(c->upstream.host, "registry.example.org", "upstream host");
		is_str(c->upstream.port, "443", "default https port");
		is_str(c->upstream.hostport, "registry.example.org",
		    "Host header omits the default port");
		is_int(c->upstream.verify, 0, "verify: no");
		is_int(c->limits.high_watermark, 4 << 20, "4M");
		is_int(c->timeouts.io, 30, "io timeout");
		is_str(c->access_log, "-", "access log");
	}
	conf_free(c);

	c = load("upstream:\n  url: http://x\n", err, sizeof(err));
	ok(c != NULL && c->scanner.spill_max == 8ULL << 30,
	    "lagging scans may keep 8 GiB on disk by default");
	ok(c != NULL && strcmp(c->scanner.catch_up, "registry") == 0,
	    "lagging scans catch up from the registry by default");
	ok(c != NULL && c->scanner.upload_buffer == 4u << 20,
	    "each upload scan holds 4 MiB in memory by default");
	ok(c != NULL && c->limits.splice_min == 256u << 10,
	    "bodies from 256 KiB up move in-kernel by default");
	conf_free(c);
	c = load("upstream:\n  url: http://x\nuser: portcullis\n", err,
	    sizeof(err));
	ok(c != NULL && c->user != NULL && strcmp(c->user, "portcullis") == 0,
	    "user: the account to run as");
	conf_free(c);
	c = load("upstream:\n  url: http://x\nlimits:\n  splice_min: 0\n",
	    err, sizeof(err));
	ok(c != NULL && c->limits.splice_min == 0,
	    "limits.splice_min: 0 turns splicing off");
	conf_free(c);
	c = load("upstream:\n  url: http://x\nscanner:\n  catch_up: disk\n",
	    err, sizeof(err));
	ok(c != NULL && strcmp(c->scanner.catch_up, "disk") == 0,
	    "scanner.catch_up: disk");
	conf_free(c);
	c = load("upstream:\n  url: http://x\nscanner:\n  catch_up: tape\n",
	    err, sizeof(err));
	ok(c == NULL && strstr(err, "scanner.catch_up") != NULL,
	    "scanner.catch_up: tape is refused (%s)", err);
	conf_free(c);
	c = load("upstream:\n  url: http://x\nscanner:\n  spill_max: 512M\n",
	    err, sizeof(err));
	ok(c != NULL && c->scanner.spill_max == 512ULL << 20,
	    "scanner.spill_max: 512M");
	conf_free(c);

	c = load("upstream:\n  url: http://[::1]:5001\n", err, sizeof(err));
	ok(c != NULL && strcmp(c->upstream.host, "::1") == 0 &&
	    strcmp(c->upstream.hostport, "[::1]:5001") == 0,
	    "IPv6 upstream keeps brackets in Host");
	conf_free(c);

	c = load("upstream:\n  url: http://x\nwebhooks:\n  - https://hooks.example/a\n"
	    "  - http://127.0.0.1:9/b\n", err, sizeof(err));
	ok(c != NULL && c->nwebhooks == 2 &&
	    strcmp(c->webhooks[1], "http://127.0.0.1:9/b") == 0,
	    "webhooks list parsed");
	conf_free(c);
	fails("upstream:\n  url: http://x\nwebhooks:\n  - ftp://x/\n",
	    "webhooks: up to 8 http:// or https:// URLs", "non-http webhook rejected");
	fails("upstream:\n  url: ftp://x\n", "must start with http",
	    "non-http upstream rejected");
	fails("upstream:\n  url: http://x/v2/\n", "must not have a path",
	    "upstream with path rejected");
	fails("listen: 1.2.3.4:70000\nupstream:\n  url: http://x\n",
	    "invalid address", "port out of range rejected");
	fails("upstream:\n  url: http://x\nbogus: 1\n",
	    "test.yaml:3: unknown key \"bogus\"", "unknown key named with line");
	fails("upstream:\n  url: http://x\nlimits:\n  high_watermark: lots\n",
	    "is not a size", "bad size rejected");
	fails("upstream:\n  url: http://x\nlimits:\n  high_watermark: 1k\n"
	    "  low_watermark: 2k\n", "low_watermark must be below",
	    "inverted watermarks rejected");
	fails("upstream:\n  url: http://x\nfleet:\n  repository: a/b\n",
	    "fleet: needs fleet.key_file", "a fleet without its key rejected");
	fails("upstream:\n  url: http://x\nfleet:\n  key_file: /k\n"
	    "  repository: A/B\n", "is not a repository name",
	    "a fleet repository outside the name grammar rejected");
	{
		char		 ferr[256];
		struct conf	*fc = load("upstream:\n  url: http://x\n"
				    "fleet:\n  key_file: /k\n", ferr,
				    sizeof(ferr));

		ok(fc != NULL && fc->fleet.publish && strcmp(
		    fc->fleet.repository, "portcullis/results") == 0,
		    "fleet: a key file alone publishes to portcullis/results");
		conf_free(fc);
		fc = load("upstream:\n  url: http://x\n", ferr, sizeof(ferr));
		ok(fc != NULL && fc->fleet.key_file == NULL &&
		    fc->fleet.repository == NULL, "no fleet: section, no fleet");
		conf_free(fc);
	}
	fails("upstream:\n  url: http://x\nlimits:\n  socket_buffer: 1k\n",
	    "limits.socket_buffer must be 0", "tiny socket buffer rejected");
	fails("upstream:\n  url: http://x\nupstream:\n  verify: no\n",
	    "test.yaml:3: duplicate key \"upstream\"", "duplicate key rejected");
	fails("listen: 1.2.3.4:5000\n", "upstream.url is required",
	    "missing upstream rejected");
	fails("upstream: [a, b\n", "test.yaml:", "YAML syntax error located");
	fails("upstream:\n  url: http://x\ntls:\n  cert: /c.pem\n",
	    "go together", "cert without key rejected");
	fails("upstream:\n  url: http://x\nupstream.verify: [1]\n",
	    "lists are not accepted", "list value rejected");

	ok(conf_parse_size("64k", &v) == 0 && v == 65536, "64k");
	ok(conf_parse_size("2GiB", &v) == 0 && v == 2ULL << 30, "2GiB");
	ok(conf_parse_size("-1", &v) == -1, "negative size rejected");
	ok(conf_parse_size("99999999999999999999", &v) == -1,
	    "overflowing size rejected");
	ok(conf_parse_size("20000000000000G", &v) == -1,
	    "overflow through suffix rejected");
	return done_testing();
}
