#include "proxy/endpoint/metrics.h"
#include "proxy/gate/attach.h"
#include "proxy/gate/referrers.h"
#include "proxy/gate/feeds.h"
#include "proxy/gate/gate.h"
#include "proxy/gate/pushgate.h"
#include "proxy/relay/relay.h"
#include "proxy/relay/session.h"
#include "proxy/relay/server.h"

#include <event2/buffer.h>

int
metrics_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	struct evbuffer	*body;
	int		 rv = -1;

	if ((body = evbuffer_new()) == NULL)
		return -1;
	server_metrics(session_server(s), body);
	gate_metrics(g, body);
	feeds_metrics(g->feeds, body);
	pushgate_metrics(g, body);
	referrers_metrics(body);
	attach_metrics(body);
	session_set_status(s, 200);
	if (evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain; version=0.0.4\r\n"
	    "Content-Length: %zu\r\nConnection: %s\r\n\r\n",
	    evbuffer_get_length(body),
	    session_keepalive(s) ? "keep-alive" : "close") == -1)
		goto done;
	session_set_response_bytes(s, evbuffer_get_length(body));
	if (evbuffer_add_buffer(out, body) == -1)
		goto done;
	rv = 0;
 done:
	evbuffer_free(body);
	return rv;
}
