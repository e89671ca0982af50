#include "proxy/relay/accesslog.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Write e's line, read it back as JSON (strict: one object, whole line). */
static json_t *
line_of(const struct accesslog_entry *e, char *raw, size_t len)
{
	FILE	*f = tmpfile();
	size_t	 n;

	if (f == NULL)
		return NULL;
	accesslog_write(f, e);
	rewind(f);
	n = fread(raw, 1, len - 1, f);
	raw[n] = '\0';
	fclose(f);
	return json_loads(raw, JSON_REJECT_DUPLICATES, NULL);
}

int
main(void)
{
	struct accesslog_entry	 e = {
		.time = 1796643922, .peer = "127.0.0.1", .method = "GET",
		.url = "/v2/a/manifests/v1", .url_len = 18, .route = "manifest",
		.repository = "a", .reference = "v1", .status = 200,
		.request_bytes = 0, .response_bytes = 788, .ms = 2,
		.local = 0,
	};
	char			 raw[4096];
	json_t			*j;
	const char		*odd = "q\"b\\s\x01\x7f caf\xc3\xa9 \xff\xe2\x82 "
				    "\xed\xa0\x80 \xf0\x9f\x94\x91 end";

	j = line_of(&e, raw, sizeof(raw));
	ok(j != NULL && raw[strlen(raw) - 1] == '\n' &&
	    strchr(raw, '\n') == raw + strlen(raw) - 1, "one JSON line");
	is_int((long long)json_integer_value(json_object_get(j, "time")),
	    1796643922LL, "time");
	is_str(json_string_value(json_object_get(j, "url")),
	    "/v2/a/manifests/v1", "url");
	is_int((long long)json_integer_value(json_object_get(j,
	    "response_bytes")), 788LL, "response_bytes");
	ok(json_is_real(json_object_get(j, "ms")) &&
	    json_real_value(json_object_get(j, "ms")) == 2.0,
	    "a whole ms is still a real (2.0)");
	ok(json_is_false(json_object_get(j, "local")), "local false");
	ok(json_object_get(j, "user") == NULL &&
	    json_object_get(j, "decision") == NULL &&
	    json_object_get(j, "reason") == NULL,
	    "no user, decision or reason: the keys are left out");
	json_decref(j);

	e.ms = 0.1234567890123;
	e.local = 1;
	e.decision = "deny";
	e.reason = odd;
	e.authorization = "Basic YWxpY2U6c2VjcmV0";	/* alice:secret */
	e.url = "/v2/x\"y\n";
	e.url_len = 8;
	j = line_of(&e, raw, sizeof(raw));
	ok(j != NULL, "quotes, control bytes and bad UTF-8 still make JSON");
	is_str(json_string_value(json_object_get(j, "reason")),
	    "q\"b\\s\x01\x7f caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xf0\x9f\x94\x91 end",
	    "UTF-8 kept, each stray byte (cut sequence, surrogate) U+FFFD");
	is_str(json_string_value(json_object_get(j, "user")), "alice",
	    "Basic user, not its password");
	ok(strstr(raw, "secret") == NULL, "the password is not in the line");
	is_str(json_string_value(json_object_get(j, "url")), "/v2/x\\x22y\\x0a",
	    "url escaped as before (\\xHH)");
	ok(json_real_value(json_object_get(j, "ms")) > 0.123456788 &&
	    json_real_value(json_object_get(j, "ms")) < 0.123456790,
	    "ms with 10 significant digits");
	ok(json_is_true(json_object_get(j, "local")), "local true");
	json_decref(j);

	accesslog_write(NULL, &e);
	ok(1, "no file: nothing written, no crash");
	return done_testing();
}
