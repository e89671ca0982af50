/*
 * Classification of OCI distribution API paths. Names contain '/', so
 * the path is parsed from the right: the last component(s) say what the
 * request is for, the rest is the repository name.
 */
#ifndef PROXY_HTTP_ROUTE_H
#define PROXY_HTTP_ROUTE_H

#include <stddef.h>

enum route_kind {
	ROUTE_NONE = 0,		/* not part of the API: 404 */
	ROUTE_BASE,		/* /v2/ */
	ROUTE_CATALOG,		/* /v2/_catalog */
	ROUTE_MANIFEST,		/* /v2/<name>/manifests/<ref> */
	ROUTE_BLOB,		/* /v2/<name>/blobs/<digest> */
	ROUTE_UPLOAD_START,	/* /v2/<name>/blobs/uploads/ */
	ROUTE_UPLOAD,		/* /v2/<name>/blobs/uploads/<id> */
	ROUTE_TAGS,		/* /v2/<name>/tags/list */
	ROUTE_REFERRERS,	/* /v2/<name>/referrers/<digest> */
	ROUTE_STATUS,		/* /portcullis/v1/status/<name>/<ref> */
	ROUTE_SEARCH,		/* /portcullis/v1/search */
	ROUTE_OVERVIEW,		/* /portcullis/v1/overview */
	ROUTE_EVENTS,		/* /portcullis/v1/events */
	ROUTE_LOGIN,		/* /portcullis/v1/login */
	ROUTE_UI,		/* /portcullis/ui/<file> (ref: the file) */
	ROUTE_METRICS		/* /metrics */
};

enum route_error {
	ROUTE_OK = 0,
	ROUTE_ENAME,		/* NAME_INVALID */
	ROUTE_EREF,		/* TAG_INVALID (bad tag or digest) */
	ROUTE_EDIGEST,		/* DIGEST_INVALID */
	ROUTE_EPATH		/* malformed or unknown path */
};

#define ROUTE_NAME_MAX		255
#define ROUTE_REF_MAX		128
#define ROUTE_DIGEST_MAX	(16 + 1 + 128)

struct route {
	enum route_kind	 kind;
	char		 name[ROUTE_NAME_MAX + 1];	/* repository */
	char		 ref[ROUTE_DIGEST_MAX + 1];	/* tag, digest, upload id */
	int		 ref_is_digest;
	const char	*query;		/* borrowed: points into the URL */
};

/*
 * Classify the request target url (path plus optional query). Fills r
 * and returns ROUTE_OK or the reason it is not acceptable.
 */
enum route_error route_parse(const char *url, size_t len, struct route *r);
/* Distribution-spec repository name grammar. 1 if valid. */
int		 route_valid_name(const char *s, size_t len);
/* Tag grammar [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. 1 if valid. */
int		 route_valid_tag(const char *s, size_t len);
/* algorithm:encoded; sha256/sha512 lengths checked. 1 if valid. */
int		 route_valid_digest(const char *s, size_t len);
const char	*route_kind_name(enum route_kind);
/* Does the query (NULL: none) carry the parameter key (key=...)? 1/0 */
int		 route_query_has(const char *query, const char *key);

#endif
