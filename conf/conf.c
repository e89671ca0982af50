#include "conf/conf.h"
#include "conf/log.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <yaml.h>

enum conf_type {
	CONF_STR,
	CONF_SIZE,
	CONF_SECONDS,
	CONF_BOOL,
	CONF_LISTEN,
	CONF_UPSTREAM
};

/* Every accepted key, by dotted path. Unknown keys are errors. */
static const struct conf_key {
	const char	*path;
	enum conf_type	 type;
	size_t		 off;
} conf_keys[] = {
	{ "listen",		CONF_LISTEN,	0 },
	{ "upstream.url",	CONF_UPSTREAM,	0 },
	{ "upstream.ca_file",	CONF_STR, offsetof(struct conf, upstream.ca_file) },
	{ "upstream.verify",	CONF_BOOL, offsetof(struct conf, upstream.verify) },
	{ "upstream.server_name", CONF_STR, offsetof(struct conf, upstream.server_name) },
	{ "tls.cert",		CONF_STR, offsetof(struct conf, tls.cert) },
	{ "tls.key",		CONF_STR, offsetof(struct conf, tls.key) },
	{ "limits.max_header_bytes", CONF_SIZE, offsetof(struct conf, limits.max_header_bytes) },
	{ "limits.max_connections", CONF_SIZE, offsetof(struct conf, limits.max_connections) },
	{ "limits.high_watermark", CONF_SIZE, offsetof(struct conf, limits.high_watermark) },
	{ "limits.low_watermark", CONF_SIZE, offsetof(struct conf, limits.low_watermark) },
	{ "limits.max_manifest_bytes", CONF_SIZE, offsetof(struct conf, limits.max_manifest_bytes) },
	{ "limits.splice_min",	CONF_SIZE, offsetof(struct conf, limits.splice_min) },
	{ "limits.max_connections_per_ip", CONF_SIZE, offsetof(struct conf, limits.max_connections_per_ip) },
	{ "limits.socket_buffer", CONF_SIZE, offsetof(struct conf, limits.socket_buffer) },
	{ "timeouts.connect",	CONF_SECONDS, offsetof(struct conf, timeouts.connect) },
	{ "timeouts.idle",	CONF_SECONDS, offsetof(struct conf, timeouts.idle) },
	{ "timeouts.io",	CONF_SECONDS, offsetof(struct conf, timeouts.io) },
	{ "timeouts.header",	CONF_SECONDS, offsetof(struct conf, timeouts.header) },
	{ "scanner.username",	CONF_STR, offsetof(struct conf, scanner.username) },
	{ "scanner.password_file", CONF_STR, offsetof(struct conf, scanner.password_file) },
	{ "scanner.wait",	CONF_SECONDS, offsetof(struct conf, scanner.wait) },
	{ "scanner.max_jobs",	CONF_SIZE, offsetof(struct conf, scanner.max_jobs) },
	{ "scanner.max_uploads", CONF_SIZE, offsetof(struct conf, scanner.max_uploads) },
	{ "scanner.upload_buffer", CONF_SIZE, offsetof(struct conf, scanner.upload_buffer) },
	{ "scanner.catch_up",	CONF_STR, offsetof(struct conf, scanner.catch_up) },
	{ "scanner.spill_max",	CONF_SIZE, offsetof(struct conf, scanner.spill_max) },
	{ "scanner.max_uncompressed", CONF_SIZE, offsetof(struct conf, scanner.max_uncompressed) },
	{ "scanner.max_entries", CONF_SIZE, offsetof(struct conf, scanner.max_entries) },
	{ "scanner.max_db_file", CONF_SIZE, offsetof(struct conf, scanner.max_db_file) },
	{ "scanner.max_seconds", CONF_SECONDS, offsetof(struct conf, scanner.max_seconds) },
	{ "scanner.max_depth",	CONF_SIZE, offsetof(struct conf, scanner.max_depth) },
	{ "scanner.os_owned_language_packages", CONF_STR, offsetof(struct conf, scanner.os_owned) },
	{ "fleet.key_file",	CONF_STR, offsetof(struct conf, fleet.key_file) },
	{ "fleet.repository",	CONF_STR, offsetof(struct conf, fleet.repository) },
	{ "fleet.instance",	CONF_STR, offsetof(struct conf, fleet.instance) },
	{ "fleet.publish",	CONF_BOOL, offsetof(struct conf, fleet.publish) },
	{ "fleet.notify",	CONF_BOOL, offsetof(struct conf, fleet.notify) },
	{ "fleet.attach",	CONF_BOOL, offsetof(struct conf, fleet.attach) },
	{ "fleet.claim_ttl",	CONF_SECONDS, offsetof(struct conf, fleet.claim_ttl) },
	{ "admin.htpasswd",	CONF_STR, offsetof(struct conf, admin_htpasswd) },
	{ "monitor.interval",	CONF_SECONDS, offsetof(struct conf, monitor_interval) },
	{ "log.level",		CONF_STR, offsetof(struct conf, log_level) },
	{ "log.access",		CONF_STR, offsetof(struct conf, access_log) },
	{ "state_dir",		CONF_STR, offsetof(struct conf, state_dir) },
	{ "user",		CONF_STR, offsetof(struct conf, user) },
};

static void
conf_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Online cores, at least 2 (one scan may wait on its read-back). */
static size_t
conf_cores(void)
{
	long	n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 2 ? 2 : (size_t)n;
}

struct conf *
conf_new(void)
{
	struct conf	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->listen_host = strdup("127.0.0.1")) == NULL ||
	    (c->listen_port = strdup("5000")) == NULL ||
	    (c->log_level = strdup("info")) == NULL ||
	    (c->scanner.catch_up = strdup("registry")) == NULL ||
	    (c->scanner.os_owned = strdup("skip")) == NULL ||
	    (c->state_dir = strdup("/var/lib/portcullis")) == NULL) {
		conf_free(c);
		return NULL;
	}
	c->upstream.verify = 1;
	policy_default(&c->policy);
	c->limits.max_header_bytes = 64 * 1024;
	c->limits.max_connections = 1024;
	/* A few socket buffers' worth: enough to keep the pipe full. */
	c->limits.high_watermark = 1024 * 1024;
	c->limits.low_watermark = 256 * 1024;
	c->limits.max_manifest_bytes = 4 * 1024 * 1024;
	/* Below this the pipe's set-up costs more than the copies. */
	c->limits.splice_min = 256 * 1024;
	/* One address cannot take every slot; 0 turns the cap off. */
	c->limits.max_connections_per_ip = 256;
	c->timeouts.connect = 10;
	c->timeouts.idle = 120;
	c->timeouts.io = 300;
	c->timeouts.header = 30;
	c->scanner.wait = 120;
	c->scanner.max_jobs = 4;
	/*
	 * Scanning is CPU-bound: more live scans than cores only add
	 * memory (a buffer, a decompressor and a thread each). Uploads past
	 * it are relayed untouched and read back when a scanner is free.
	 */
	c->scanner.max_uploads = conf_cores();
	c->scanner.spill_max = 8ULL << 30;
	c->scanner.upload_buffer = 4ULL << 20;
	/* As scan/layer/layer.c's layer_limits_default. */
	c->scanner.max_uncompressed = 16ULL << 30;
	c->scanner.max_entries = 2000000;
	c->scanner.max_db_file = 64ULL << 20;
	c->scanner.max_seconds = 600;
	c->scanner.max_depth = 4;
	c->monitor_interval = 30;
	c->fleet.publish = 1;
	c->fleet.notify = 1;
	c->fleet.attach = 1;
	c->fleet.claim_ttl = 30;
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	free(c->path);
	free(c->listen_host);
	free(c->listen_port);
	free(c->upstream.url);
	free(c->upstream.host);
	free(c->upstream.port);
	free(c->upstream.hostport);
	free(c->upstream.ca_file);
	free(c->upstream.server_name);
	free(c->scanner.username);
	free(c->scanner.password_file);
	free(c->scanner.catch_up);
	free(c->scanner.os_owned);
	free(c->fleet.key_file);
	free(c->fleet.repository);
	free(c->fleet.instance);
	free(c->admin_htpasswd);
	free(c->tls.cert);
	free(c->tls.key);
	free(c->log_level);
	free(c->access_log);
	free(c->state_dir);
	free(c->user);
	free(c->text);
	while (c->nwebhooks > 0)
		free(c->webhooks[--c->nwebhooks]);
	while (c->nfeeds > 0) {
		struct conf_feed *f = &c->feeds[--c->nfeeds];

		free(f->name);
		free(f->url);
		free(f->path);
		free(f->ca_file);
	}
	policy_clear(&c->policy);
	free(c);
}

void
conf_instance(const struct conf *c, char *name, size_t len)
{
	if (c->fleet.instance != NULL)
		snprintf(name, len, "%s", c->fleet.instance);
	else if (gethostname(name, len) != 0)
		snprintf(name, len, "?");
	name[len - 1] = '\0';
}

int
conf_parse_size(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	uint64_t		 mult = 1;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K': mult = 1ULL << 10; break;
		case 'M': mult = 1ULL << 20; break;
		case 'G': mult = 1ULL << 30; break;
		default: return -1;
		}
		end++;
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
		if (*end != '\0')
			return -1;
	}
	if (v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int
conf_valid_port(const char *p, int allow_zero)
{
	char	*end;
	long	 v;

	if (*p == '\0')
		return 0;
	errno = 0;
	v = strtol(p, &end, 10);
	return errno == 0 && *end == '\0' && (v > 0 || allow_zero) && v < 65536;
}

/* Split [v6]:port or host:port. On success host/port are malloc'd. */
static int
conf_split_hostport(const char *s, const char *defport, int allow_zero,
    char **host, char **port)
{
	const char	*colon, *hs, *he;

	*host = *port = NULL;
	if (s[0] == '[') {
		if ((he = strchr(s, ']')) == NULL)
			return -1;
		hs = s + 1;
		colon = he[1] == ':' ? he + 1 : NULL;
		if (he[1] != '\0' && colon == NULL)
			return -1;
	} else {
		hs = s;
		colon = strrchr(s, ':');
		if (colon != NULL && strchr(s, ':') != colon)
			return -1;	/* bare IPv6 needs brackets */
		he = colon != NULL ? colon : s + strlen(s);
	}
	if ((*host = strndup(hs, (size_t)(he - hs))) == NULL)
		return -1;
	*port = strdup(colon != NULL ? colon + 1 : defport);
	if (*port == NULL || !conf_valid_port(*port, allow_zero)) {
		free(*host);
		free(*port);
		*host = *port = NULL;
		return -1;
	}
	return 0;
}

int
conf_set_listen(struct conf *c, const char *addr, char *err, size_t errlen)
{
	char	*host, *port;

	if (conf_split_hostport(addr, "5000", 1, &host, &port) == -1) {
		conf_err(err, errlen, "listen: invalid address \"%s\" "
		    "(want host:port)", addr);
		return -1;
	}
	if (*host == '\0') {
		free(host);
		host = strdup("0.0.0.0");
	}
	free(c->listen_host);
	free(c->listen_port);
	c->listen_host = host;
	c->listen_port = port;
	return 0;
}

int
conf_set_upstream(struct conf *c, const char *url, char *err, size_t errlen)
{
	const char	*rest, *slash;
	char		*auth = NULL, *host = NULL, *port = NULL, *hp = NULL;
	int		 tls, rv = -1;

	if (strncasecmp(url, "http://", 7) == 0) {
		tls = 0;
		rest = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		tls = 1;
		rest = url + 8;
	} else {
		conf_err(err, errlen, "upstream.url: \"%s\" must start with "
		    "http:// or https://", url);
		goto done;
	}
	slash = strchr(rest, '/');
	if (slash != NULL && slash[1] != '\0') {
		conf_err(err, errlen, "upstream.url: \"%s\" must not have a "
		    "path (the registry API lives at /v2/)", url);
		goto done;
	}
	auth = slash != NULL ? strndup(rest, (size_t)(slash - rest)) :
	    strdup(rest);
	if (auth == NULL || *auth == '\0' || strchr(auth, '@') != NULL ||
	    conf_split_hostport(auth, tls ? "443" : "80", 0, &host, &port) == -1 ||
	    *host == '\0') {
		conf_err(err, errlen, "upstream.url: invalid host in \"%s\"",
		    url);
		goto done;
	}
	/* Host header: omit the default port, bracket IPv6. */
	{
		int	 v6 = strchr(host, ':') != NULL;
		int	 dflt = strcmp(port, tls ? "443" : "80") == 0;
		size_t	 n = strlen(host) + strlen(port) + 4;

		if ((hp = malloc(n)) == NULL)
			goto done;
		snprintf(hp, n, "%s%s%s%s%s", v6 ? "[" : "", host,
		    v6 ? "]" : "", dflt ? "" : ":", dflt ? "" : port);
	}
	free(c->upstream.url);
	free(c->upstream.host);
	free(c->upstream.port);
	free(c->upstream.hostport);
	c->upstream.url = strdup(url);
	c->upstream.tls = tls;
	c->upstream.host = host;
	c->upstream.port = port;
	c->upstream.hostport = hp;
	host = port = hp = NULL;
	rv = c->upstream.url != NULL ? 0 : -1;
 done:
	free(auth);
	free(host);
	free(port);
	free(hp);
	return rv;
}

static int
conf_parse_bool(const char *s, int *out)
{
	if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcasecmp(s, "on") || !strcmp(s, "1"))
		*out = 1;
	else if (!strcasecmp(s, "false") || !strcasecmp(s, "no") ||
	    !strcasecmp(s, "off") || !strcmp(s, "0"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
conf_apply(struct conf *c, const char *path, const char *val,
    unsigned long line, const char *name, char *err, size_t errlen)
{
	const struct conf_key	*k = NULL;
	size_t			 i;
	char			 sub[512];

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (strcmp(conf_keys[i].path, path) == 0)
			k = &conf_keys[i];
	if (k == NULL) {
		conf_err(err, errlen, "%s:%lu: unknown key \"%s\"", name, line,
		    path);
		return -1;
	}
	switch (k->type) {
	case CONF_STR: {
		char	**dst = (char **)((char *)c + k->off);
		free(*dst);
		if ((*dst = strdup(val)) == NULL) {
			conf_err(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	case CONF_SIZE:
	case CONF_SECONDS:
		if (conf_parse_size(val, (uint64_t *)((char *)c + k->off)) ==
		    -1) {
			conf_err(err, errlen, "%s:%lu: %s: \"%s\" is not a %s",
			    name, line, path, val, k->type == CONF_SIZE ?
			    "size (e.g. 65536, 64k, 16M)" : "number of seconds");
			return -1;
		}
		return 0;
	case CONF_BOOL:
		if (conf_parse_bool(val, (int *)((char *)c + k->off)) == -1) {
			conf_err(err, errlen, "%s:%lu: %s: \"%s\" is not a "
			    "boolean", name, line, path, val);
			return -1;
		}
		return 0;
	case CONF_LISTEN:
	case CONF_UPSTREAM:
		if ((k->type == CONF_LISTEN ? conf_set_listen :
		    conf_set_upstream)(c, val, sub, sizeof(sub)) == -1) {
			conf_err(err, errlen, "%s:%lu: %s", name, line, sub);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* webhooks: a list of http:// or https:// URLs. */
static int
conf_webhooks(struct conf *c, yaml_document_t *doc, yaml_node_t *v,
    const char *name, char *err, size_t errlen)
{
	yaml_node_item_t	*it;
	unsigned long		 line = (unsigned long)v->start_mark.line + 1;

	if (v->type != YAML_SEQUENCE_NODE) {
		conf_err(err, errlen, "%s:%lu: webhooks is a list of URLs",
		    name, line);
		return -1;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	    it++) {
		yaml_node_t *n = yaml_document_get_node(doc, *it);
		const char *u = n && n->type == YAML_SCALAR_NODE ?
		    (const char *)n->data.scalar.value : NULL;

		if (u == NULL || c->nwebhooks == 8 ||
		    (strncmp(u, "http://", 7) && strncmp(u, "https://", 8))) {
			conf_err(err, errlen, "%s:%lu: webhooks: up to 8 "
			    "http:// or https:// URLs", name, line);
			return -1;
		}
		if ((c->webhooks[c->nwebhooks] = strdup(u)) == NULL)
			return -1;
		c->nwebhooks++;
	}
	return 0;
}

/*
 * admin.htpasswd: readable, each line user:hash with a bcrypt hash
 * ($2y$, $2b$, $2a$: htpasswd -B), the only kind checked at requests.
 */
static int
conf_htpasswd_ok(const char *path, const char *name, char *err,
    size_t errlen)
{
	FILE	*f;
	char	 line[1024], *colon;
	int	 n = 0, lineno = 0, rv = -1;

	if ((f = fopen(path, "r")) == NULL) {
		conf_err(err, errlen, "%s: admin.htpasswd %s: %s", name, path,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    (strncmp(colon + 1, "$2y$", 4) != 0 &&
		    strncmp(colon + 1, "$2b$", 4) != 0 &&
		    strncmp(colon + 1, "$2a$", 4) != 0)) {
			conf_err(err, errlen, "%s: admin.htpasswd %s:%d: not "
			    "user:bcrypt-hash (htpasswd -B makes them)", name,
			    path, lineno);
			goto done;
		}
		n++;
	}
	if (n == 0) {
		conf_err(err, errlen, "%s: admin.htpasswd %s has no account",
		    name, path);
		goto done;
	}
	rv = 0;
 done:
	fclose(f);
	return rv;
}

/* Lowercase path components of [a-z0-9._/-], as the spec's grammar. */
static int
conf_valid_repository(const char *s)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > 200 || s[0] == '/' || s[n - 1] == '/')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
		    s[i] == '-' || s[i] == '/'))
			return 0;
	return 1;
}

/*
 * "oci://REPOSITORY:TAG": advisory data `portcullis db push` put in the
 * registry the proxy fronts. 1 if url is one.
 */
static int
conf_oci_ref(const char *url)
{
	const char	*r, *colon;
	char		 repo[256];
	size_t		 tl;

	if (strncmp(url, "oci://", 6) != 0)
		return 0;
	r = url + 6;
	if ((colon = strrchr(r, ':')) == NULL || colon == r ||
	    (size_t)(colon - r) >= sizeof(repo))
		return 0;
	snprintf(repo, sizeof(repo), "%.*s", (int)(colon - r), r);
	tl = strlen(colon + 1);
	return conf_valid_repository(repo) && tl > 0 && tl <= 128 &&
	    strspn(colon + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRST"
	    "UVWXYZ0123456789_.-") == tl && colon[1] != '.' && colon[1] != '-';
}

/* One feed: name, url or path, interval, ca_file. */
static int
conf_feed(struct conf_feed *f, yaml_document_t *doc, yaml_node_t *n,
    const char *name, char *err, size_t errlen)
{
	yaml_node_pair_t	*pair;
	unsigned long		 line = (unsigned long)n->start_mark.line + 1;
	const char		*bad = NULL;
	char			*end;

	f->interval = 3600;
	if (n->type != YAML_MAPPING_NODE) {
		conf_err(err, errlen, "%s:%lu: a feed is a mapping (name, url "
		    "or path, interval, ca_file)", name, line);
		return -1;
	}
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(doc, pair->value);
		const char *ks = k && k->type == YAML_SCALAR_NODE ?
		    (const char *)k->data.scalar.value : "";
		const char *vs = v && v->type == YAML_SCALAR_NODE ?
		    (const char *)v->data.scalar.value : NULL;
		char **dst = !strcmp(ks, "name") ? &f->name :
		    !strcmp(ks, "url") ? &f->url : !strcmp(ks, "path") ?
		    &f->path : !strcmp(ks, "ca_file") ? &f->ca_file : NULL;

		if (vs == NULL) {
			bad = ks;
			break;
		}
		if (!strcmp(ks, "interval")) {
			f->interval = strtoull(vs, &end, 10);
			if (*end != '\0' || f->interval == 0) {
				bad = ks;
				break;
			}
			continue;
		}
		if (dst == NULL || *dst != NULL) {
			bad = ks;
			break;
		}
		if ((*dst = strdup(vs)) == NULL)
			return -1;
	}
	if (bad != NULL) {
		conf_err(err, errlen, "%s:%lu: feeds: \"%s\" is not a feed key "
		    "(name, url, path, interval in seconds, ca_file), or its "
		    "value is wrong", name, line, bad);
		return -1;
	}
	if (f->name == NULL || strlen(f->name) > 64 ||
	    strspn(f->name, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
	    strlen(f->name) || (f->url == NULL) == (f->path == NULL) ||
	    (f->url != NULL && strncmp(f->url, "https://", 8) != 0 &&
	    !conf_oci_ref(f->url))) {
		conf_err(err, errlen, "%s:%lu: a feed needs a name (a-z, 0-9, "
		    "-_.) and either an https:// or oci://REPOSITORY:TAG url, or "
		    "a path", name, line);
		return -1;
	}
	return 0;
}

/* feeds: a list of feeds (see struct conf_feed). */
static int
conf_feeds(struct conf *c, yaml_document_t *doc, yaml_node_t *v,
    const char *name, char *err, size_t errlen)
{
	yaml_node_item_t	*it;
	int			 i;

	if (v->type != YAML_SEQUENCE_NODE) {
		conf_err(err, errlen, "%s:%lu: feeds is a list", name,
		    (unsigned long)v->start_mark.line + 1);
		return -1;
	}
	for (it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	    it++) {
		yaml_node_t *n = yaml_document_get_node(doc, *it);

		if (n == NULL || c->nfeeds == CONF_FEEDS_MAX) {
			conf_err(err, errlen, "%s: feeds: at most %d", name,
			    CONF_FEEDS_MAX);
			return -1;
		}
		/* Counted first: conf_free frees a half-read one too. */
		if (conf_feed(&c->feeds[c->nfeeds++], doc, n, name, err,
		    errlen) == -1)
			return -1;
		for (i = 0; i < c->nfeeds - 1; i++)
			if (strcmp(c->feeds[i].name,
			    c->feeds[c->nfeeds - 1].name) == 0) {
				conf_err(err, errlen, "%s: feeds: two named "
				    "\"%s\"", name, c->feeds[i].name);
				return -1;
			}
	}
	return 0;
}

/* Walk a mapping; nested mappings extend the dotted path. */
static int
conf_walk(struct conf *c, yaml_document_t *doc, yaml_node_t *node,
    const char *prefix, const char *name, char *err, size_t errlen)
{
	yaml_node_pair_t	*pair, *prev;

	if (node->type != YAML_MAPPING_NODE) {
		conf_err(err, errlen, "%s:%lu: %s must be a mapping", name,
		    (unsigned long)node->start_mark.line + 1,
		    *prefix ? prefix : "the document");
		return -1;
	}
	for (pair = node->data.mapping.pairs.start;
	    pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t	*k = yaml_document_get_node(doc, pair->key);
		yaml_node_t	*v = yaml_document_get_node(doc, pair->value);
		char		 path[256];
		unsigned long	 line;

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
			conf_err(err, errlen, "%s: keys must be scalars", name);
			return -1;
		}
		line = (unsigned long)k->start_mark.line + 1;
		for (prev = node->data.mapping.pairs.start; prev < pair;
		    prev++) {
			yaml_node_t *pk = yaml_document_get_node(doc, prev->key);

			if (pk != NULL && pk->type == YAML_SCALAR_NODE &&
			    strcmp((char *)pk->data.scalar.value,
			    (char *)k->data.scalar.value) == 0) {
				conf_err(err, errlen, "%s:%lu: duplicate key "
				    "\"%s\"", name, line,
				    (char *)k->data.scalar.value);
				return -1;
			}
		}
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", prefix,
		    *prefix ? "." : "", (char *)k->data.scalar.value) >=
		    sizeof(path)) {
			conf_err(err, errlen, "%s:%lu: key too long", name,
			    line);
			return -1;
		}
		if (strcmp(path, "webhooks") == 0) {
			if (conf_webhooks(c, doc, v, name, err, errlen) == -1)
				return -1;
		} else if (strcmp(path, "feeds") == 0) {
			if (conf_feeds(c, doc, v, name, err, errlen) == -1)
				return -1;
		} else if (strcmp(path, "policy") == 0) {
			/* Lists and rules: the policy parses itself. */
			if (policy_parse(doc, v, &c->policy, name, err,
			    errlen) == -1)
				return -1;
		} else if (v->type == YAML_MAPPING_NODE) {
			if (conf_walk(c, doc, v, path, name, err, errlen) == -1)
				return -1;
		} else if (v->type == YAML_SCALAR_NODE) {
			if (conf_apply(c, path, (char *)v->data.scalar.value,
			    line, name, err, errlen) == -1)
				return -1;
		} else {
			conf_err(err, errlen, "%s:%lu: %s: lists are not "
			    "accepted here", name, line, path);
			return -1;
		}
	}
	return 0;
}

static int
conf_validate(struct conf *c, const char *name, char *err, size_t errlen)
{
	int	i;

	if (c->upstream.url == NULL) {
		conf_err(err, errlen, "%s: upstream.url is required", name);
		return -1;
	}
	if ((c->tls.cert == NULL) != (c->tls.key == NULL)) {
		conf_err(err, errlen, "%s: tls.cert and tls.key go together",
		    name);
		return -1;
	}
	if (c->limits.low_watermark >= c->limits.high_watermark ||
	    c->limits.high_watermark == 0) {
		conf_err(err, errlen, "%s: limits.low_watermark must be below "
		    "limits.high_watermark", name);
		return -1;
	}
	if (c->limits.socket_buffer != 0 &&
	    (c->limits.socket_buffer < 4096 ||
	    c->limits.socket_buffer > (64ULL << 20))) {
		conf_err(err, errlen, "%s: limits.socket_buffer must be 0 (the "
		    "kernel's) or 4k to 64M", name);
		return -1;
	}
	if (c->limits.max_header_bytes < 1024) {
		conf_err(err, errlen, "%s: limits.max_header_bytes must be at "
		    "least 1024", name);
		return -1;
	}
	if (strcmp(c->log_level, "error") && strcmp(c->log_level, "warn") &&
	    strcmp(c->log_level, "info") && strcmp(c->log_level, "debug")) {
		conf_err(err, errlen, "%s: log.level must be error, warn, info "
		    "or debug", name);
		return -1;
	}
	if (c->timeouts.connect == 0 || c->timeouts.io == 0 ||
	    c->timeouts.idle == 0 || c->timeouts.header == 0) {
		conf_err(err, errlen, "%s: timeouts must be positive", name);
		return -1;
	}
	if (c->scanner.max_uncompressed == 0 || c->scanner.max_entries == 0 ||
	    c->scanner.max_db_file == 0 || c->scanner.max_seconds == 0 ||
	    c->scanner.max_depth > 32) {
		conf_err(err, errlen, "%s: scanner.max_uncompressed, "
		    "max_entries, max_db_file and max_seconds must be positive, "
		    "max_depth at most 32", name);
		return -1;
	}
	if (strcmp(c->scanner.os_owned, "skip") != 0 &&
	    strcmp(c->scanner.os_owned, "report") != 0) {
		conf_err(err, errlen, "%s: scanner.os_owned_language_packages "
		    "must be skip or report", name);
		return -1;
	}
	if (c->fleet.claim_ttl < 3 || c->fleet.claim_ttl > 3600) {
		conf_err(err, errlen, "%s: fleet.claim_ttl must be 3 to 3600 "
		    "seconds", name);
		return -1;
	}
	if (c->scanner.wait == 0 || c->scanner.max_jobs == 0 ||
	    c->scanner.max_uploads == 0) {
		conf_err(err, errlen, "%s: scanner.wait, scanner.max_jobs and "
		    "scanner.max_uploads must be positive", name);
		return -1;
	}
	if (c->scanner.upload_buffer < 16384 ||
	    c->scanner.upload_buffer > (1ULL << 30)) {
		conf_err(err, errlen, "%s: scanner.upload_buffer must be "
		    "between 16k and 1G", name);
		return -1;
	}
	if (strcmp(c->scanner.catch_up, "registry") != 0 &&
	    strcmp(c->scanner.catch_up, "disk") != 0) {
		conf_err(err, errlen, "%s: scanner.catch_up must be registry "
		    "or disk", name);
		return -1;
	}
	for (i = 0; i < c->nfeeds; i++)
		if (c->feeds[i].url != NULL && strncmp(c->feeds[i].url,
		    "oci://", 6) == 0 && c->fleet.key_file == NULL) {
			conf_err(err, errlen, "%s: feed %s: an oci:// feed needs "
			    "fleet.key_file (the data is imported only if signed "
			    "with it)", name, c->feeds[i].name);
			return -1;
		}
	if (c->fleet.key_file == NULL && (c->fleet.repository != NULL ||
	    c->fleet.instance != NULL)) {
		conf_err(err, errlen, "%s: fleet: needs fleet.key_file (the "
		    "secret every instance signs and checks results with)",
		    name);
		return -1;
	}
	if (c->fleet.key_file != NULL && c->fleet.repository == NULL &&
	    (c->fleet.repository = strdup("portcullis/results")) == NULL) {
		conf_err(err, errlen, "out of memory");
		return -1;
	}
	if (c->fleet.repository != NULL && !conf_valid_repository(
	    c->fleet.repository)) {
		conf_err(err, errlen, "%s: fleet.repository \"%s\" is not a "
		    "repository name", name, c->fleet.repository);
		return -1;
	}
	if (c->admin_htpasswd != NULL && conf_htpasswd_ok(c->admin_htpasswd,
	    name, err, errlen) == -1)
		return -1;
	if ((c->scanner.username == NULL) != (c->scanner.password_file ==
	    NULL)) {
		conf_err(err, errlen, "%s: scanner.username and "
		    "scanner.password_file go together", name);
		return -1;
	}
	return 0;
}

struct conf *
conf_load_string(const char *text, size_t len, const char *name, char *err,
    size_t errlen)
{
	yaml_parser_t	 parser;
	yaml_document_t	 doc;
	yaml_node_t	*root;
	struct conf	*c = NULL;
	int		 have_doc = 0, ok = 0;

	if (!yaml_parser_initialize(&parser)) {
		conf_err(err, errlen, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		conf_err(err, errlen, "%s:%lu: %s", name,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "YAML syntax error");
		goto done;
	}
	have_doc = 1;
	if ((c = conf_new()) == NULL) {
		conf_err(err, errlen, "out of memory");
		goto done;
	}
	root = yaml_document_get_root_node(&doc);
	if (root != NULL && !(root->type == YAML_SCALAR_NODE &&
	    root->data.scalar.length == 0) &&
	    conf_walk(c, &doc, root, "", name, err, errlen) == -1)
		goto done;
	if (conf_validate(c, name, err, errlen) == -1)
		goto done;
	ok = 1;
 done:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (!ok) {
		conf_free(c);
		c = NULL;
	}
	return c;
}

struct conf *
conf_load(const char *path, char *err, size_t errlen)
{
	FILE		*f;
	char		*buf = NULL;
	size_t		 len = 0, cap = 0, n;
	struct conf	*c = NULL;

	if ((f = fopen(path, "r")) == NULL) {
		conf_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len + 4096 > cap) {
			char *nb;

			if (cap > (1 << 20)) {
				conf_err(err, errlen, "%s: larger than 1 MiB",
				    path);
				goto done;
			}
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL) {
				conf_err(err, errlen, "out of memory");
				goto done;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		conf_err(err, errlen, "%s: read error", path);
		goto done;
	}
	if ((c = conf_load_string(buf, len, path, err, errlen)) != NULL &&
	    (c->path = strdup(path)) == NULL) {
		conf_free(c);
		c = NULL;
	}
	if (c != NULL) {
		c->text = buf;		/* what was loaded, as it was */
		c->textlen = len;
		buf = NULL;
	}
 done:
	fclose(f);
	free(buf);
	return c;
}
