/*
 * The status endpoint, /portcullis/status/<name>/<reference>: an image's
 * scan result as OCI-annotation style keys plus the report. It answers
 * only callers the registry lets read the manifest: the relay first asks
 * the registry with the caller's own credentials (a HEAD on the
 * manifest), and the reply is built from what it said.
 */
#ifndef PROXY_ENDPOINT_STATUS_H
#define PROXY_ENDPOINT_STATUS_H

struct evbuffer;
struct gate;
struct session;

/*
 * The whole reply to out: 0, or -1 (out of memory); or 1: the document
 * is large and the reply is built on a thread, for
 * session_local_release() to send.
 */
int	status_reply(struct gate *, struct session *, struct evbuffer *out);
/* s went away: a reply being built for it is dropped when done. */
void	status_gone(struct session *);
/* Shutdown: wait for the threads, drop their results. */
void	status_shutdown(void);

#endif
