/*
 * The dashboard's static files, served at /portcullis/ui/ from arrays
 * compiled into the binary (proxy/endpoint/ui/embed.sh makes them from
 * the files in proxy/endpoint/ui/): no files on disk, no CDN. The page
 * reads only the JSON API, with the browser's own credentials.
 */
#ifndef PROXY_ENDPOINT_UI_H
#define PROXY_ENDPOINT_UI_H

#include <stddef.h>

struct evbuffer;
struct session;

struct ui_asset {
	const char		*name;		/* "index.html" */
	const char		*type;		/* Content-Type */
	const unsigned char	*data;
	size_t			 len;
};

/* The generated table, ended by a NULL name. */
extern const struct ui_asset ui_assets[];

/* The reply for the path after /portcullis/ui/ ("" is index.html). */
int	ui_reply(struct session *, struct evbuffer *out);

#endif
