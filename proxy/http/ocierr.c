#include "proxy/http/ocierr.h"
#include "conf/log.h"

#include <event2/buffer.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

const char *
ocierr_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	}
	return "Error";
}

int
ocierr_reply(struct evbuffer *out, int status, const char *code,
    const char *message, json_t *detail, int close)
{
	json_t	*root = NULL, *err;
	char	*body = NULL;
	int	 rv = -1;

	root = json_pack("{s:[{s:s, s:s}]}", "errors", "code", code,
	    "message", message);
	if (root == NULL)
		goto done;
	if (detail != NULL) {
		err = json_array_get(json_object_get(root, "errors"), 0);
		if (json_object_set(err, "detail", detail) == -1)
			goto done;
	}
	if ((body = json_dumps(root, JSON_COMPACT |
	    JSON_REAL_PRECISION(10))) == NULL)
		goto done;
	if (evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json; charset=utf-8\r\n"
	    "Docker-Distribution-API-Version: registry/2.0\r\n"
	    "Content-Length: %zu\r\n"
	    "%s"
	    "\r\n%s\n", status, ocierr_reason(status), strlen(body) + 1,
	    close ? "Connection: close\r\n" : "", body) == -1)
		goto done;
	rv = (int)strlen(body) + 1;
 done:
	if (rv == -1)
		log_warnx("%s: cannot build %d %s reply", __func__, status,
		    code);
	free(body);
	json_decref(root);
	return rv;
}
