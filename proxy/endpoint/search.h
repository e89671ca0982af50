/*
 * The search API, GET /portcullis/v1/search: judged images by advisory
 * id or alias, by package (name, with an optional version range and
 * type), by repository glob and by verdict, a page at a time, answered
 * from the search index (proxy/gate/searchindex.c) on a thread. Each
 * result is shown only if the caller's own credentials may read that
 * manifest in that repository (the registry is asked, the answer kept
 * briefly), or to an operator (admin.htpasswd); what a caller may not
 * read changes nothing in what it gets, neither results nor counts.
 */
#ifndef PROXY_ENDPOINT_SEARCH_H
#define PROXY_ENDPOINT_SEARCH_H

struct evbuffer;
struct gate;
struct session;

/* 0, -1 (out of memory), or 1: answered later from the thread. */
int	search_reply(struct gate *, struct session *, struct evbuffer *out);

#endif
