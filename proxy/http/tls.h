/*
 * OpenSSL contexts: one for terminating client TLS, one for talking to
 * an https upstream (chain and hostname verified, SNI sent).
 */
#ifndef PROXY_HTTP_TLS_H
#define PROXY_HTTP_TLS_H

#include <openssl/ssl.h>

/* Server context from a PEM chain and key. NULL on error (logged). */
SSL_CTX	*tls_server_ctx(const char *cert, const char *key);
/* Client context; ca_file NULL means the system store. NULL on error. */
SSL_CTX	*tls_client_ctx(const char *ca_file, int verify);
/*
 * New client SSL for host: SNI (unless host is an IP literal) and
 * hostname or IP verification when verify is set. NULL on error.
 */
SSL	*tls_client_ssl(SSL_CTX *, const char *host, int verify);
/* Log and clear the OpenSSL error queue under a prefix. */
void	 tls_log_errors(const char *prefix);

#endif
