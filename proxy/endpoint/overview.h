/*
 * The operator's JSON, for the dashboard: /portcullis/v1/overview (this
 * instance, its advisory data and feeds, counters, the policy in force
 * with each exception's state and the images it covers, VEX statements,
 * break-glass grants) and /portcullis/v1/events (recent refusals,
 * allows an exception or a grant made, refused pushes, flips). Both
 * only for operators (admin.htpasswd): they name every repository and
 * who pulled what. /portcullis/v1/login is where a browser signs in:
 * the only one that answers 401 with a challenge.
 */
#ifndef PROXY_ENDPOINT_OVERVIEW_H
#define PROXY_ENDPOINT_OVERVIEW_H

struct evbuffer;
struct gate;
struct session;

/* 0, -1 (out of memory), or 1: answered later from a thread. */
int	overview_reply(struct gate *, struct session *, struct evbuffer *out);

#endif
