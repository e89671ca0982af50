#include "proxy/http/tls.h"
#include "conf/log.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <string.h>

void
tls_log_errors(const char *prefix)
{
	unsigned long	e;
	char		buf[256];
	int		any = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", prefix, buf);
		any = 1;
	}
	if (!any)
		log_warnx("%s: failed", prefix);
}

SSL_CTX *
tls_server_ctx(const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_log_errors(cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		tls_log_errors(key);
		goto fail;
	}
	return ctx;
 fail:
	log_warnx("%s: cannot set up TLS with %s", __func__, cert);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *
tls_client_ctx(const char *ca_file, int verify)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
			tls_log_errors(ca_file);
			goto fail;
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		tls_log_errors("system trust store");
		goto fail;
	}
	SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	return ctx;
 fail:
	log_warnx("%s: cannot set up upstream TLS", __func__);
	SSL_CTX_free(ctx);
	return NULL;
}

SSL *
tls_client_ssl(SSL_CTX *ctx, const char *host, int verify)
{
	SSL		*ssl;
	unsigned char	 addr[16];
	int		 is_ip;

	if ((ssl = SSL_new(ctx)) == NULL) {
		tls_log_errors("SSL_new");
		return NULL;
	}
	is_ip = inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1;
	/* RFC 6066: SNI carries DNS names only. */
	if (!is_ip && SSL_set_tlsext_host_name(ssl, host) != 1)
		goto fail;
	if (verify) {
		if (is_ip) {
			X509_VERIFY_PARAM *p = SSL_get0_param(ssl);

			if (X509_VERIFY_PARAM_set1_ip_asc(p, host) != 1)
				goto fail;
		} else if (SSL_set1_host(ssl, host) != 1)
			goto fail;
	}
	return ssl;
 fail:
	tls_log_errors(host);
	SSL_free(ssl);
	return NULL;
}
