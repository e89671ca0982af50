/*
 * Daemon configuration: a YAML file parsed into an immutable struct conf.
 * Everything is validated before the struct is handed out, so a bad
 * reload never replaces a good configuration.
 */
#ifndef CONF_CONF_H
#define CONF_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "conf/policy.h"

struct conf_upstream {
	char		*url;		/* as configured */
	int		 tls;		/* https */
	char		*host;		/* host part, no brackets */
	char		*port;		/* numeric string */
	char		*hostport;	/* for the Host header */
	char		*ca_file;	/* extra trust anchors; NULL: system */
	int		 verify;	/* verify chain and hostname */
	char		*server_name;	/* SNI/hostname override */
};

struct conf_tls {
	char		*cert;		/* PEM chain; NULL: plain HTTP */
	char		*key;
};

struct conf_limits {
	uint64_t	 max_header_bytes;
	uint64_t	 max_connections;
	uint64_t	 high_watermark;
	uint64_t	 low_watermark;
	uint64_t	 max_manifest_bytes;
	uint64_t	 splice_min;	/* raw bodies moved in-kernel; 0: never */
	uint64_t	 max_connections_per_ip; /* 0: no cap */
	uint64_t	 socket_buffer;	/* SO_SNDBUF/SO_RCVBUF; 0: kernel's */
};

struct conf_timeouts {
	uint64_t	 connect;	/* seconds */
	uint64_t	 idle;		/* idle keep-alive client */
	uint64_t	 io;		/* no progress on an active transfer */
	uint64_t	 header;	/* a whole request head, from its first byte */
};

/* The proxy's own pulls, for images it has never seen (unknown: scan). */
struct conf_scanner {
	char		*username;	/* NULL: anonymous */
	char		*password_file;	/* first line is the password */
	uint64_t	 wait;		/* seconds a pull waits for its scan */
	uint64_t	 max_jobs;	/* images scanned at once */
	uint64_t	 max_uploads;	/* upload scans at once; more wait */
	/*
	 * Where an upload scan that fell behind gets the bytes it missed:
	 * "registry" (read back once the blob is committed) or "disk"
	 * (spilled under state_dir as they pass, up to spill_max).
	 */
	char		*catch_up;
	uint64_t	 upload_buffer;	/* memory per upload scan */
	uint64_t	 spill_max;	/* bytes lagging upload scans keep */
	/* What one layer's scan may cost; past each, a limit finding. */
	uint64_t	 max_uncompressed;
	uint64_t	 max_entries;
	uint64_t	 max_db_file;
	uint64_t	 max_seconds;
	uint64_t	 max_depth;	/* archives within the layer */
	/*
	 * Language packages an OS package installed: "skip" (listed with
	 * their owner, not matched again as language packages) or
	 * "report" (matched like any other).
	 */
	char		*os_owned;
};

/*
 * An advisory feed the proxy keeps current by itself: an https:// URL
 * (an osv.dev-style zip export, a secdb JSON) fetched with conditional
 * GETs, or a local path (file or folder) imported when it changes.
 */
#define CONF_FEEDS_MAX	16
struct conf_feed {
	char		*name;
	char		*url;		/* or */
	char		*path;
	char		*ca_file;	/* NULL: the system store */
	uint64_t	 interval;	/* seconds between looks */
};

/*
 * Several proxies in front of one registry share layer results through
 * it (proxy/fleet/results.c). On when key_file is set.
 */
struct conf_fleet {
	char		*key_file;	/* shared secret results are signed with */
	char		*repository;	/* where results live */
	char		*instance;	/* this proxy's name; NULL: the host's */
	int		 publish;	/* publish this instance's results */
	int		 notify;	/* this instance sends the webhooks */
	int		 attach;	/* SBOM and report as referrers */
	uint64_t	 claim_ttl;	/* seconds a claim is believed */
};

struct conf {
	char			*path;		/* file it came from, or NULL */
	char			*text;		/* its contents as loaded */
	size_t			 textlen;
	char			*listen_host;
	char			*listen_port;
	struct conf_upstream	 upstream;
	struct conf_tls		 tls;
	struct conf_limits	 limits;
	struct conf_timeouts	 timeouts;
	struct conf_scanner	 scanner;
	struct conf_fleet	 fleet;
	/*
	 * admin.htpasswd: operator accounts (bcrypt, as htpasswd -B writes)
	 * that see every repository in the search API; NULL: none.
	 */
	char			*admin_htpasswd;
	uint64_t		 monitor_interval; /* seconds; 0: off */
	char			*log_level;
	char			*access_log;	/* path, "-" for stderr, NULL: off */
	char			*state_dir;	/* LMDB and reports */
	char			*user;		/* run as; NULL: as started */
	char			*webhooks[8];	/* http(s) URLs told of changes */
	int			 nwebhooks;
	struct conf_feed	 feeds[CONF_FEEDS_MAX];
	int			 nfeeds;
	struct policy		 policy;
};

/* Defaults only; caller frees with conf_free(). NULL on ENOMEM. */
struct conf	*conf_new(void);
/*
 * Parse the YAML file at path over the defaults. Returns NULL and writes a
 * one-line reason (with file and line) into err on any error.
 */
struct conf	*conf_load(const char *path, char *err, size_t errlen);
/* Same, from a string; name is used in messages. */
struct conf	*conf_load_string(const char *text, size_t len, const char *name,
		    char *err, size_t errlen);
void		 conf_free(struct conf *);
/* Split "scheme://host[:port]" into c->upstream. 0 or -1 (err filled). */
int		 conf_set_upstream(struct conf *, const char *url, char *err,
		    size_t errlen);
/* Split "host:port" / "[v6]:port" / ":port". 0 or -1 (err filled). */
int		 conf_set_listen(struct conf *, const char *addr, char *err,
		    size_t errlen);
/*
 * This proxy's name among a fleet's (results it publishes, events it
 * sends): fleet.instance, else the host's name.
 */
void		 conf_instance(const struct conf *, char *name, size_t len);
/* Parse sizes like 64k, 16M, 1G and plain integers. 0 or -1. */
int		 conf_parse_size(const char *s, uint64_t *out);

#endif
