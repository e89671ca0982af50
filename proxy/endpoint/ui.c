#include "proxy/endpoint/ui.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/relay/session.h"

#include <event2/buffer.h>
#include <http_parser.h>
#include <string.h>

int
ui_reply(struct session *s, struct evbuffer *out)
{
	const char		*name = session_route(s)->ref;
	const struct ui_asset	*a;
	int			 close = session_reply_closes(s), head;

	head = session_method(s) == HTTP_HEAD;
	if (!head && session_method(s) != HTTP_GET) {
		session_set_status(s, 405);
		return ocierr_reply(out, 405, "UNSUPPORTED", "the dashboard "
		    "answers GET", NULL, close) == -1 ? -1 : 0;
	}
	if (*name == '\0')
		name = "index.html";
	for (a = ui_assets; a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			break;
	if (a->name == NULL) {
		session_set_status(s, 404);
		return ocierr_reply(out, 404, "NOT_FOUND", "no such file of the "
		    "dashboard", NULL, close) == -1 ? -1 : 0;
	}
	/*
	 * Its own files only: scripts from here, data from the API, no
	 * inline code, never framed (clickjacking), never sniffed.
	 */
	if (evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-cache\r\n"
	    "Content-Security-Policy: default-src 'self'; img-src 'self' data:; "
	    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'\r\n"
	    "X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n"
	    "%s\r\n", a->type, a->len, close ? "Connection: close\r\n" : "") ==
	    -1 || (!head && evbuffer_add_reference(out, a->data, a->len, NULL,
	    NULL) == -1))
		return -1;
	session_set_status(s, 200);
	session_set_response_bytes(s, head ? 0 : a->len);
	return 0;
}
