/*
 * The tags list's pages (?n=, ?last=), which docker-registry 2.8
 * ignores: the proxy reads the whole list with the caller's
 * credentials (asclient.h), sorts it as the spec orders it (lexically),
 * and answers the page asked for, with a Link header to the next one.
 * A list asked for without n or last is relayed as it is (the relay
 * tells them apart: route_query_has).
 */
#ifndef PROXY_GATE_TAGSLIST_H
#define PROXY_GATE_TAGSLIST_H

struct evbuffer;
struct gate;
struct session;

/* The local hook for it: as referrers_reply. */
int	tagslist_reply(struct gate *, struct session *, struct evbuffer *out);

#endif
