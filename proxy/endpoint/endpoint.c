#include "proxy/endpoint/endpoint.h"
#include "proxy/endpoint/metrics.h"
#include "proxy/endpoint/overview.h"
#include "proxy/endpoint/search.h"
#include "proxy/endpoint/ui.h"
#include "proxy/endpoint/status.h"
#include "proxy/gate/asclient.h"
#include "proxy/gate/referrers.h"
#include "proxy/gate/tagslist.h"
#include "proxy/http/ocierr.h"
#include "proxy/http/route.h"
#include "proxy/relay/relay.h"
#include "proxy/relay/session.h"

int
endpoint_reply(void *arg, struct session *s, struct evbuffer *out)
{
	int	n;

	switch (session_route(s)->kind) {
	case ROUTE_METRICS:
		return metrics_reply(arg, s, out);
	case ROUTE_STATUS:
		return status_reply(arg, s, out);
	case ROUTE_SEARCH:
		return search_reply(arg, s, out);
	case ROUTE_OVERVIEW:
	case ROUTE_EVENTS:
	case ROUTE_LOGIN:
		return overview_reply(arg, s, out);
	case ROUTE_UI:
		return ui_reply(s, out);
	case ROUTE_REFERRERS:
		return referrers_reply(arg, s, out);
	case ROUTE_TAGS:
		return tagslist_reply(arg, s, out);
	default:
		break;
	}
	session_set_status(s, 404);
	if ((n = ocierr_reply(out, 404, "UNSUPPORTED",
	    "no such portcullis endpoint", NULL, session_reply_closes(s))) ==
	    -1)
		return -1;
	session_set_response_bytes(s, (uint64_t)n);
	return 0;
}

void
endpoint_gone(void *arg, struct session *s)
{
	status_gone(s);
	asclient_gone(s);
}
