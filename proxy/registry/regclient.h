/*
 * A client of the OCI distribution API, for pulling what the scanner
 * needs (manifests, configs, layers) from a registry the way docker and
 * skopeo do: Basic credentials, or the Bearer token flow a 401 challenge
 * names; redirects followed (to blob storage, without our credentials);
 * every blob checked against its digest. Blocking: for the CLI and for
 * the proxy's scanner threads, never the event loop.
 */
#ifndef PROXY_REGISTRY_REGCLIENT_H
#define PROXY_REGISTRY_REGCLIENT_H

#include <stddef.h>
#include <stdio.h>

struct regclient {
	char		 base[300];	/* "https://host:port" */
	char		*basic;		/* "Basic ..." or NULL */
	char		*bearer;	/* "Bearer ..." for the last scope */
	const char	*ca_file;	/* NULL: the system store */
	int		 allow_http;
	int		 insecure;	/* TLS without verification */
	int		 status;	/* of the last response */
	const int	*cancel;	/* see fetch_req; NULL: none */
};

/* Everything a manifest request accepts. */
#define REGCLIENT_MANIFEST_TYPES					\
	"application/vnd.oci.image.index.v1+json, "			\
	"application/vnd.oci.image.manifest.v1+json, "			\
	"application/vnd.docker.distribution.manifest.list.v2+json, "	\
	"application/vnd.docker.distribution.manifest.v2+json"

/*
 * base: "https://host[:port]" or "http://..." (allowed only with
 * allow_http). user NULL: anonymous. 0 or -1.
 */
int	regclient_init(struct regclient *, const char *base, int allow_http,
	    const char *user, const char *pass, const char *ca_file);
struct conf;
/*
 * A client of the configured upstream: the scanner's account
 * (scanner.username, password_file) if account, else anonymous. 0 or
 * -1 with err.
 */
int	regclient_upstream(struct regclient *, const struct conf *,
	    int account, char *err, size_t errlen);
void	regclient_free(struct regclient *);
/*
 * Send this Authorization header value ("Basic ..." or "Bearer ...",
 * a client's own) instead of the account's. 0 or -1.
 */
int	regclient_set_authorization(struct regclient *, const char *);

/*
 * GET /v2/<repo>/manifests/<ref> into memory (at most max bytes).
 * *body is malloc'd; digest is the sha256 of the bytes received, and if
 * ref is a digest it must equal it. 0 or -1 with err.
 */
int	regclient_manifest(struct regclient *, const char *repo,
	    const char *ref, size_t max, char **body, size_t *len,
	    char digest[72], char *err, size_t errlen);

/* The registry's digest of len bytes: "sha256:<64 hex>". 0 or -1. */
int	regclient_digest_of(const void *data, size_t len, char digest[72]);
/* A digest this client can check and put in a path: sha256:<64 hex>. */
int	regclient_digest_ok(const char *digest);
/* GET a blob into path, checked against digest. 0 or -1 with err. */
int	regclient_blob(struct regclient *, const char *repo,
	    const char *digest, const char *path, unsigned long long max,
	    char *err, size_t errlen);
/* GET a blob into memory (at most max bytes), checked. 0 or -1 with err. */
int	regclient_blob_mem(struct regclient *, const char *repo,
	    const char *digest, size_t max, char **body, size_t *len,
	    char *err, size_t errlen);
/*
 * Put a blob the registry does not have yet (len bytes whose sha256 is
 * digest) in one request. 0 or -1 with err.
 */
int	regclient_push_blob(struct regclient *, const char *repo,
	    const char *digest, const void *body, size_t len, char *err,
	    size_t errlen);
/* The same from a file of len bytes, never read into memory. */
int	regclient_push_blob_file(struct regclient *, const char *repo,
	    const char *digest, const char *path, size_t len, char *err,
	    size_t errlen);
/* PUT a manifest of media type type under ref (a tag or its digest). */
int	regclient_push_manifest(struct regclient *, const char *repo,
	    const char *ref, const char *type, const char *body, size_t len,
	    char *err, size_t errlen);
/*
 * One request on a client's behalf: its own Authorization (NULL: none)
 * as it sent it, no token asked for, no redirect followed, so the
 * registry answers exactly what it would answer that client. body is
 * malloc'd (NUL-terminated). 0 when an answer came, -1 with err.
 */
struct regclient_answer {
	int	 status;
	char	*body;
	size_t	 len;
	char	 digest[72];		/* sha256 of the body */
	char	 content_type[256];
	char	 www_authenticate[1024];
};
int	regclient_as_client(struct regclient *, int method, const char *path,
	    const char *authorization, const char *accept,
	    const char *put_type, const void *put, size_t putlen, size_t max,
	    struct regclient_answer *, char *err, size_t errlen);
/*
 * GET a blob from byte offset on (a Range request; a registry that
 * answers with the whole blob is skipped into), each piece handed to
 * sink as it arrives; sink may block. Nothing is checked against the
 * digest here: the reader hashes what it gets. 0 or -1 with err.
 */
int	regclient_blob_stream(struct regclient *, const char *repo,
	    const char *digest, unsigned long long offset,
	    int (*sink)(void *, const void *, size_t), void *arg, char *err,
	    size_t errlen);

#endif
