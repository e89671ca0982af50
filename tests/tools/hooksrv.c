/*
 * hooksrv: a webhook receiver for tests. Appends each POST body, one per
 * line, to FILE and answers 204.   hooksrv PORT FILE   (127.0.0.1 only)
 */
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>

static const char *file;

static void
hook_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	FILE		*f = fopen(file, "a");
	size_t		 n = evbuffer_get_length(in);

	if (f != NULL) {
		fwrite(evbuffer_pullup(in, -1), 1, n, f);
		fputc('\n', f);
		fclose(f);
	}
	evhttp_send_reply(req, 204, "No Content", NULL);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	struct evhttp		*http;

	if (argc != 3)
		return 2;
	file = argv[2];
	base = event_base_new();
	http = evhttp_new(base);
	evhttp_set_gencb(http, hook_cb, NULL);
	if (evhttp_bind_socket(http, "127.0.0.1",
	    (unsigned short)atoi(argv[1])) != 0)
		return 1;
	event_base_dispatch(base);
	return 0;
}
