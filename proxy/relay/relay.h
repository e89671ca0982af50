/*
 * What the relay offers the layers above it, and all it knows of them.
 *
 * The relay moves requests and responses between clients and the
 * registry. Three things are not its business and go through hooks:
 * - a tap on a request body (blob uploads to scan, manifests to record),
 *   which may pause the client until it has caught up;
 * - a decision on a manifest or blob the registry is about to hand out:
 *   pass it, refuse it with a message, or hold it until
 *   session_release();
 * - a decision on a request before any of it goes upstream (a manifest
 *   PUT under the push gate): send it, refuse it, or hold it until
 *   session_admit_release();
 * - replies to the proxy's own endpoints (/metrics, the status query).
 * A hook left NULL means: relay as is. What a hook may read of a
 * session, and how it hands a decision back, is in session.h.
 */
#ifndef PROXY_RELAY_RELAY_H
#define PROXY_RELAY_RELAY_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct session;

enum relay_decision {
	RELAY_ALLOW = 0,
	RELAY_DENY,		/* 403 DENIED with the message */
	RELAY_HOLD		/* response held until session_release() */
};

struct relay_tap;
struct relay_tap_ops {
	/* Body bytes in order. 1: stop reading until session_tap_resume(). */
	int	(*feed)(struct relay_tap *, const void *, size_t);
	/* 0 once the rest of the body may bypass the tap (splice). */
	int	(*wants)(struct relay_tap *);
	/* Bytes that went by without the tap (counted only). */
	void	(*skip)(struct relay_tap *, uint64_t);
	/*
	 * The registry answered the request with status (the response head
	 * is readable through the accessors below), or 0: the session ended
	 * first. complete: the whole body was relayed. Frees the tap.
	 */
	void	(*close)(struct relay_tap *, int status, int complete);
};
/* A hook's tap starts with this. */
struct relay_tap {
	const struct relay_tap_ops	*ops;
};

struct relay_hooks {
	/* A request head was routed: its body's tap, or NULL. */
	struct relay_tap *(*tap)(void *arg, struct session *);
	/*
	 * The registry answered a manifest GET/HEAD with 200, or a blob
	 * GET with 200 or 206. msg (of len) receives the reason of a
	 * RELAY_DENY.
	 */
	enum relay_decision (*decide)(void *arg, struct session *, char *msg,
		    size_t len);
	/*
	 * A request head was routed: 1 if the whole request is to be
	 * judged before the registry sees any of it (a manifest PUT under
	 * the push gate). Its body is then kept (bounded by
	 * limits.max_manifest_bytes; larger is refused with 413) and
	 * handed to admit once complete.
	 */
	int	(*admit_wanted)(void *arg, struct session *);
	/*
	 * RELAY_ALLOW: send the request upstream, whole; RELAY_DENY: answer
	 * 403 DENIED with msg (of len), the registry never hearing of it;
	 * RELAY_HOLD: decided later with session_admit_release(). body is
	 * only read.
	 */
	enum relay_decision (*admit)(void *arg, struct session *,
		    struct evbuffer *body, char *msg, size_t len);
	/* A held session (decision, admit or local reply) went away first. */
	void	(*gone)(void *arg, struct session *);
	/*
	 * Reply to a request for the proxy's own endpoint (route kinds
	 * ROUTE_METRICS, ROUTE_STATUS; the latter after the registry
	 * answered the caller's access probe, see session_status()).
	 * Writes a whole response to out: 0, or -1 (out of memory); or,
	 * for ROUTE_STATUS, 1: the reply is built elsewhere and comes with
	 * session_local_release(), the session held until then (gone()
	 * says if it ends first).
	 */
	int	(*local)(void *arg, struct session *, struct evbuffer *out);
	void	*arg;
};

#endif
