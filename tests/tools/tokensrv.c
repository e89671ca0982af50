/*
 * tokensrv: a minimal Docker registry token server for tests, so the
 * bearer-token flow (registry 401 -> client fetches a JWT from the realm
 * -> Authorization: Bearer through the proxy) runs against the real
 * docker-registry.
 *
 *   tokensrv PORT KEY.pem CERT.pem ISSUER USER:PASSWORD[@PREFIX]...
 *
 * GET /token?service=S&scope=repository:NAME:ACTIONS with the right basic
 * credentials answers {"token": JWT}; the JWT is RS256-signed and carries
 * the certificate in its x5c header, which the registry checks against
 * its rootcertbundle. Anything else gets 401. Loopback only. A user
 * given @PREFIX is granted only repositories whose names start with it
 * (an empty access list otherwise), so the registry answers each user
 * as a per-repository ACL would.
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static EVP_PKEY	*key;
static char	 x5c[8192];
static const char *issuer;
static char	 **users;		/* "user:password[@prefix]" */
static int	   nusers;

static void
b64url(const unsigned char *in, size_t len, char *out, size_t outlen)
{
	int	n;
	size_t	i, o = 0;
	char	tmp[16384];

	n = EVP_EncodeBlock((unsigned char *)tmp, in, (int)len);
	for (i = 0; i < (size_t)n && o + 1 < outlen; i++) {
		if (tmp[i] == '=')
			break;
		out[o++] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i];
	}
	out[o] = '\0';
}

static void
token_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	 q;
	const char		*auth, *scope, *service;
	char			 want[1024], enc[512], hdr[8192 + 128], claims[2048];
	char			 h64[16384], c64[4096], sig64[1024], jwt[24000];
	char			 access[600] = "[]", name[256], actions[128];
	char			 user[128] = "";
	const char		*prefix = NULL;
	int			 u;
	unsigned char		 sig[512];
	size_t			 siglen = sizeof(sig);
	EVP_MD_CTX		*md;
	struct evbuffer		*out = evbuffer_new();
	time_t			 now = time(NULL);

	evhttp_parse_query(evhttp_request_get_uri(req), &q);
	auth = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization");
	for (u = 0; u < nusers; u++) {
		char	 up[256];
		char	*at;

		snprintf(up, sizeof(up), "%s", users[u]);
		prefix = NULL;
		if ((at = strchr(up, '@')) != NULL) {
			*at = '\0';
			prefix = strchr(users[u], '@') + 1;
		}
		EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)up,
		    (int)strlen(up));
		snprintf(want, sizeof(want), "Basic %s", enc);
		if (auth != NULL && strcmp(auth, want) == 0) {
			snprintf(user, sizeof(user), "%.*s",
			    (int)strcspn(up, ":"), up);
			break;
		}
	}
	if (u == nusers) {
		evhttp_send_reply(req, 401, "Unauthorized", NULL);
		goto done;
	}
	service = evhttp_find_header(&q, "service");
	scope = evhttp_find_header(&q, "scope");
	if (scope != NULL && sscanf(scope, "repository:%255[^:]:%127s", name,
	    actions) == 2 && (prefix == NULL ||
	    strncmp(name, prefix, strlen(prefix)) == 0)) {
		char acts[160] = "";
		char *a, *save = NULL;

		for (a = strtok_r(actions, ",", &save); a != NULL;
		    a = strtok_r(NULL, ",", &save))
			snprintf(acts + strlen(acts), sizeof(acts) - strlen(acts),
			    "%s\"%s\"", *acts ? "," : "", a);
		snprintf(access, sizeof(access), "[{\"type\":\"repository\","
		    "\"name\":\"%s\",\"actions\":[%s]}]", name, acts);
	}
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"typ\":\"JWT\","
	    "\"x5c\":[\"%s\"]}", x5c);
	snprintf(claims, sizeof(claims), "{\"iss\":\"%s\",\"sub\":\"%s\","
	    "\"aud\":\"%s\",\"exp\":%lld,\"nbf\":%lld,\"iat\":%lld,"
	    "\"jti\":\"%lld\",\"access\":%s}", issuer, user,
	    service ? service : "",
	    (long long)now + 600, (long long)now - 10, (long long)now,
	    (long long)now, access);
	b64url((unsigned char *)hdr, strlen(hdr), h64, sizeof(h64));
	b64url((unsigned char *)claims, strlen(claims), c64, sizeof(c64));
	snprintf(jwt, sizeof(jwt), "%s.%s", h64, c64);
	md = EVP_MD_CTX_new();
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)jwt,
	    strlen(jwt)) != 1) {
		EVP_MD_CTX_free(md);
		evhttp_send_reply(req, 500, "Error", NULL);
		goto done;
	}
	EVP_MD_CTX_free(md);
	b64url(sig, siglen, sig64, sizeof(sig64));
	evbuffer_add_printf(out, "{\"token\":\"%s.%s\",\"access_token\":"
	    "\"%s.%s\",\"expires_in\":600}", jwt, sig64, jwt, sig64);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	evhttp_send_reply(req, 200, "OK", out);
 done:
	evhttp_clear_headers(&q);
	evbuffer_free(out);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evhttp		*http;
	FILE			*f;
	X509			*cert;
	unsigned char		*der = NULL;
	int			 dlen;

	if (argc < 6) {
		fprintf(stderr, "usage: tokensrv PORT KEY CERT ISSUER "
		    "USER:PASS[@PREFIX]...\n");
		return 2;
	}
	issuer = argv[4];
	users = argv + 5;
	nusers = argc - 5;
	if ((f = fopen(argv[2], "r")) == NULL ||
	    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL)
		return 1;
	fclose(f);
	if ((f = fopen(argv[3], "r")) == NULL ||
	    (cert = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		return 1;
	fclose(f);
	dlen = i2d_X509(cert, &der);
	if (dlen <= 0 || (size_t)dlen * 4 / 3 + 4 >= sizeof(x5c))
		return 1;
	EVP_EncodeBlock((unsigned char *)x5c, der, dlen);	/* std base64 */
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_cb(http, "/token", token_cb, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1",
	    (unsigned short)atoi(argv[1])) != 0)
		return 1;
	printf("tokensrv: ready\n");
	fflush(stdout);
	event_base_dispatch(base);
	return 0;
}
