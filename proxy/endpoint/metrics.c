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
#include <stdlib.h>
#include <string.h>

/*
 * What each metric means, in one place: every "# TYPE" the parts write
 * gets its "# HELP" from here (Prometheus' own checker, promtool check
 * metrics, wants one for each). A name missing here is said so in its
 * help text, which the tests look for.
 */
static const struct {
	const char	*name, *help;
} metrics_help[] = {
	{ "portcullis_connections_total", "client connections accepted" },
	{ "portcullis_connections_open", "client connections open now" },
	{ "portcullis_connections_refused_total", "client connections closed "
	    "at once, by reason (limits)" },
	{ "portcullis_requests_total", "requests relayed or answered" },
	{ "portcullis_client_errors_total", "requests refused as malformed or "
	    "not allowed" },
	{ "portcullis_upstream_errors_total", "requests the registry could not "
	    "be asked or answered badly" },
	{ "portcullis_request_head_timeouts_total", "request heads not "
	    "finished within timeouts.header" },
	{ "portcullis_bytes_from_client_total", "request body bytes" },
	{ "portcullis_bytes_to_client_total", "response body bytes" },
	{ "portcullis_bytes_spliced_total", "body bytes moved in-kernel "
	    "(splice)" },
	{ "portcullis_throttle_events_total", "times a side was paused by the "
	    "watermarks" },
	{ "portcullis_gate_decisions_total", "pull decisions, by outcome" },
	{ "portcullis_gate_unscanned_total", "pulls of images with no scan "
	    "result" },
	{ "portcullis_gate_cache_hits_total", "decisions taken from the cache" },
	{ "portcullis_gate_decide_cpu_seconds_total", "CPU the decide hook "
	    "spent on the decisions timed (one in 16), on cache hits and on "
	    "the rest" },
	{ "portcullis_gate_decide_timed_total", "decisions timed for "
	    "portcullis_gate_decide_cpu_seconds_total, on cache hits and on "
	    "the rest" },
	{ "portcullis_gate_decided_uncached_total", "decisions not from the "
	    "cache" },
	{ "portcullis_layers_scanned_total", "layers scanned and recorded" },
	{ "portcullis_layers_from_fleet_total", "layers recorded from the "
	    "fleet's results instead of a scan" },
	{ "portcullis_uploads_scanning", "upload scans running" },
	{ "portcullis_uploads_deferred", "uploads waiting for a scanner" },
	{ "portcullis_uploads_deferred_total", "uploads read back later, no "
	    "scanner being free" },
	{ "portcullis_store_errors_total", "writes the store refused" },
	{ "portcullis_blobs_denied_total", "blob downloads refused" },
	{ "portcullis_pushes_unrecorded", "manifest pushes the proxy could not "
	    "record (refused at pull)" },
	{ "portcullis_pulls_denied_unrecorded_total", "pulls refused: pushed "
	    "but never recorded" },
	{ "portcullis_pulls_on_stale_data_total", "pulls judged on advisory "
	    "data older than max_data_age" },
	{ "portcullis_breakglass_allowed_total", "manifest requests the "
	    "policy refused and a break-glass grant let by" },
	{ "portcullis_decisions_excepted_total", "decisions an exception or a "
	    "VEX statement turned from deny to allow" },
	{ "portcullis_vex_attestation_checks_total", "looks for an image's "
	    "signed VEX attestations" },
	{ "portcullis_vex_attestations_total", "VEX attestations found, read "
	    "(a trusted key signed them for the image) or set aside" },
	{ "portcullis_policy_exceptions", "policy exceptions, in force and "
	    "expired" },
	{ "portcullis_policy_vex_statements", "OpenVEX statements the policy "
	    "reads" },
	{ "portcullis_upload_scan_waits_total", "uploads paused for their "
	    "scan" },
	{ "portcullis_upload_readbacks_total", "upload scans caught up from "
	    "the registry" },
	{ "portcullis_upload_readback_failures_total", "read-backs that did "
	    "not get their bytes" },
	{ "portcullis_spill_bytes", "bytes lagging upload scans keep on disk" },
	{ "portcullis_images_rematched_total", "images matched again on new "
	    "advisory data" },
	{ "portcullis_verdicts_changed_total", "decisions that flipped" },
	{ "portcullis_scans_running", "images the proxy is pulling to scan" },
	{ "portcullis_monitor_sweep_seconds", "the last re-evaluation sweep's "
	    "length" },
	{ "portcullis_monitor_sweep_images", "images the last sweep "
	    "re-evaluated" },
	{ "portcullis_monitor_turn_seconds_max", "the last sweep's longest "
	    "loop turn" },
	{ "portcullis_pushes_judged_total", "manifest pushes the push gate "
	    "judged and let by" },
	{ "portcullis_pushes_accepted_unjudged_total", "manifest pushes let by "
	    "unjudged (push_timeout)" },
	{ "portcullis_pushes_refused_total", "manifest pushes refused, by "
	    "reason" },
	{ "portcullis_feed_age_seconds", "seconds since each feed was last "
	    "current (-1: never)" },
	{ "portcullis_feed_imports_total", "imports of each feed" },
	{ "portcullis_feed_failures_total", "failed looks at each feed" },
	{ "portcullis_referrers_served_total", "referrers lists the proxy "
	    "answered" },
	{ "portcullis_referrers_index_added_total", "manifests added to a "
	    "subject's referrers index" },
	{ "portcullis_referrers_index_failures_total", "referrers index "
	    "updates that failed" },
	{ "portcullis_attached_total", "images an SBOM and report were "
	    "attached to" },
	{ "portcullis_attach_failures_total", "attachments that failed" },
};

static const char *
metrics_help_of(const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < sizeof(metrics_help) / sizeof(metrics_help[0]); i++)
		if (strlen(metrics_help[i].name) == len &&
		    memcmp(metrics_help[i].name, name, len) == 0)
			return metrics_help[i].help;
	return "no help text for this metric yet";
}

/* body with a HELP line before every TYPE that has none, into out. */
static int
metrics_with_help(struct evbuffer *body, struct evbuffer *out)
{
	char	*line, prev[160] = "";
	size_t	 n, nl;

	while ((line = evbuffer_readln(body, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (strncmp(line, "# TYPE ", 7) == 0) {
			nl = strcspn(line + 7, " ");
			if (strncmp(prev, "# HELP ", 7) != 0 ||
			    strncmp(prev + 7, line + 7, nl) != 0 ||
			    prev[7 + nl] != ' ')
				evbuffer_add_printf(out, "# HELP %.*s %s\n",
				    (int)nl, line + 7, metrics_help_of(line + 7,
				    nl));
		}
		if (evbuffer_add_printf(out, "%s\n", line) == -1) {
			free(line);
			return -1;
		}
		snprintf(prev, sizeof(prev), "%s", line);
		free(line);
	}
	return 0;
}

int
metrics_reply(struct gate *g, struct session *s, struct evbuffer *out)
{
	struct evbuffer	*raw, *body;
	int		 rv = -1;

	if ((raw = evbuffer_new()) == NULL)
		return -1;
	if ((body = evbuffer_new()) == NULL) {
		evbuffer_free(raw);
		return -1;
	}
	server_metrics(session_server(s), raw);
	gate_metrics(g, raw);
	feeds_metrics(g->feeds, raw);
	pushgate_metrics(g, raw);
	referrers_metrics(raw);
	attach_metrics(raw);
	if (metrics_with_help(raw, body) == -1)
		goto done;
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
	evbuffer_free(raw);
	evbuffer_free(body);
	return rv;
}
