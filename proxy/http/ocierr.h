/*
 * OCI distribution error bodies: {"errors":[{"code","message","detail"}]}.
 * The codes are the spec's; clients (docker, podman, skopeo) print the
 * message, so it must say what happened in words a user can act on.
 */
#ifndef PROXY_HTTP_OCIERR_H
#define PROXY_HTTP_OCIERR_H

#include <stddef.h>

struct evbuffer;
struct json_t;

/*
 * Append a complete HTTP/1.1 response (status line, headers, JSON body)
 * to out. detail may be NULL; it is borrowed. close adds
 * "Connection: close". Returns the body's length (for the access log)
 * or -1.
 */
int	ocierr_reply(struct evbuffer *out, int status, const char *code,
	    const char *message, struct json_t *detail, int close);
/* Reason phrase for a status code ("Bad Gateway"). */
const char *ocierr_reason(int status);

#endif
