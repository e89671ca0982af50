#include "proxy/http/httpmsg.h"
#include "tests/tap.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>

/* One request head as three reads delivered it. */
static const char r1[] = "Conn", r2[] = "ection: keep-alive, X-Sec",
    r3[] = "ret\r\n";

int
main(void)
{
	struct httpmsg	 m;
	struct evbuffer	*out = evbuffer_new();
	char		*s;
	size_t		 n, i;
	unsigned long long v;

	httpmsg_init(&m, 1024);
	/* Pieces split wherever a read ended: three reads here. */
	httpmsg_segment(&m, r1, strlen(r1));
	ok(httpmsg_add_field(&m, r1, 4) == 0 &&
	    (httpmsg_segment(&m, r2, strlen(r2)), 1) &&
	    httpmsg_add_field(&m, r2, 6) == 0 &&
	    httpmsg_add_value(&m, r2 + 8, 17) == 0 &&
	    (httpmsg_segment(&m, r3, strlen(r3)), 1) &&
	    httpmsg_add_value(&m, r3, 3) == 0, "split header pieces");
	httpmsg_add_field(&m, "X-Secret", 8);
	httpmsg_add_value(&m, "hop", 3);
	httpmsg_add_field(&m, "Authorization", 13);
	httpmsg_add_value(&m, "Bearer abc", 10);
	httpmsg_add_field(&m, "Transfer-Encoding", 17);
	httpmsg_add_value(&m, "chunked", 7);
	httpmsg_add_field(&m, "Accept", 6);
	httpmsg_add_value(&m, "", 0);
	is_str(httpmsg_get(&m, "connection"), "keep-alive, X-Secret",
	    "case-insensitive lookup joins pieces");
	is_str(httpmsg_get(&m, "accept"), "", "empty value kept");
	ok(httpmsg_is_hop(&m, "x-secret"), "header named by Connection is hop");
	ok(httpmsg_is_hop(&m, "Transfer-Encoding"), "TE is hop");
	ok(!httpmsg_is_hop(&m, "Authorization"), "Authorization passes");
	httpmsg_write_headers(&m, out, NULL, NULL);
	n = evbuffer_get_length(out);
	s = calloc(1, n + 1);
	evbuffer_remove(out, s, n);
	is_str(s, "Authorization: Bearer abc\r\nAccept: \r\n",
	    "only end-to-end headers written");
	free(s);
	httpmsg_clear(&m);
	is_int(m.nhdrs, 0, "clear empties");
	is_int(m.limit, 1024, "clear keeps the limit");

	/* The limit bounds the whole head, not a single piece. */
	httpmsg_init(&m, 1024);
	for (i = 0; i < 100; i++)
		if (httpmsg_add_field(&m, "X-Padding", 9) == -1 ||
		    httpmsg_add_value(&m, "0123456789", 10) == -1)
			break;
	ok(i < 100 && m.bytes <= 1024, "head limit enforced after %zu", i);
	httpmsg_clear(&m);

	httpmsg_init(&m, 1 << 20);
	for (i = 0; i < 300; i++)
		if (httpmsg_add_field(&m, "A", 1) == -1 ||
		    httpmsg_add_value(&m, "b", 1) == -1)
			break;
	is_int(i, HTTPMSG_MAX_HEADERS, "header count bounded");
	httpmsg_clear(&m);

	ok(httpmsg_parse_length("123", &v) == 0 && v == 123, "length 123");
	ok(httpmsg_parse_length("12a", &v) == -1, "length with junk refused");
	ok(httpmsg_parse_length("-1", &v) == -1, "negative length refused");
	ok(httpmsg_parse_length("", &v) == -1, "empty length refused");
	evbuffer_free(out);
	/* Strict field names and no obs-fold (RFC 9110 5.6.2, 9112 5.2). */
	httpmsg_init(&m, 1024);
	is_int(httpmsg_add_field(&m, "Content-Length ", 15), HTTPMSG_ENAME,
	    "whitespace before the colon is refused");
	httpmsg_clear(&m);
	httpmsg_init(&m, 1024);
	is_int(httpmsg_add_field(&m, "Bad Name", 8), HTTPMSG_ENAME,
	    "a name with a space is refused");
	httpmsg_clear(&m);
	httpmsg_init(&m, 1024);
	{
		/* "X-A: one\r\n two": the parser hands "one", then " two". */
		static const char w[] = "X-A: one\r\n two\r\n";

		httpmsg_segment(&m, w, strlen(w));
		ok(httpmsg_add_field(&m, w, 3) == 0 &&
		    httpmsg_add_value(&m, w + 5, 3) == 0, "a value's first line");
		is_int(httpmsg_add_value(&m, w + 10, 4), HTTPMSG_EFOLD,
		    "its continuation on a new line (obs-fold) is refused");
	}
	httpmsg_clear(&m);
	httpmsg_init(&m, 1024);
	{
		/* The same fold, cut at the line break by two reads. */
		static const char a[] = "X-A: one\r\n", b[] = " two\r\n";

		httpmsg_segment(&m, a, strlen(a));
		httpmsg_add_field(&m, a, 3);
		httpmsg_add_value(&m, a + 5, 3);
		httpmsg_segment(&m, b, strlen(b));
		is_int(httpmsg_add_value(&m, b, 4), HTTPMSG_EFOLD,
		    "a fold is refused when a read ends at the line break");
	}
	httpmsg_clear(&m);
	return done_testing();
}
