#include "proxy/http/route.h"
#include "tests/tap.h"

static void
route_is(const char *url, enum route_error want_err, enum route_kind want,
    const char *name, const char *ref)
{
	struct route	 r;
	enum route_error e = route_parse(url, strlen(url), &r);

	is_int(e, want_err, "%s: error %d", url, (int)want_err);
	if (want_err != ROUTE_OK)
		return;
	is_str(route_kind_name(r.kind), route_kind_name(want), "%s: kind",
	    url);
	is_str(r.name, name, "%s: name", url);
	is_str(r.ref, ref, "%s: ref", url);
}

int
main(void)
{
	const char *d = "sha256:"
	    "6046080ae0c03e0504b62a2254ac94f20d96ee63d5f45cf3754e01bd222bcbe4";
	char	url[512];

	route_is("/v2/", ROUTE_OK, ROUTE_BASE, "", "");
	route_is("/v2", ROUTE_OK, ROUTE_BASE, "", "");
	route_is("/v2/_catalog?n=10", ROUTE_OK, ROUTE_CATALOG, "", "");
	route_is("/v2/library/alpine/manifests/3.19", ROUTE_OK,
	    ROUTE_MANIFEST, "library/alpine", "3.19");
	snprintf(url, sizeof(url), "/v2/a/b/c/manifests/%s", d);
	route_is(url, ROUTE_OK, ROUTE_MANIFEST, "a/b/c", d);
	snprintf(url, sizeof(url), "/v2/team/app/blobs/%s", d);
	route_is(url, ROUTE_OK, ROUTE_BLOB, "team/app", d);
	route_is("/v2/team/app/blobs/uploads/", ROUTE_OK, ROUTE_UPLOAD_START,
	    "team/app", "");
	snprintf(url, sizeof(url), "/v2/team/app/blobs/uploads/?mount=%s"
	    "&from=team/other", d);
	route_is(url, ROUTE_OK, ROUTE_UPLOAD_START, "team/app", "");
	route_is("/v2/team/app/blobs/uploads/0f6a-11ee?_state=abc%3D",
	    ROUTE_OK, ROUTE_UPLOAD, "team/app", "0f6a-11ee");
	route_is("/v2/team/app/tags/list?n=5&last=a", ROUTE_OK, ROUTE_TAGS,
	    "team/app", "");
	snprintf(url, sizeof(url), "/v2/x/referrers/%s?artifactType=a", d);
	route_is(url, ROUTE_OK, ROUTE_REFERRERS, "x", d);
	/* A repository may itself contain the words the API uses. */
	snprintf(url, sizeof(url), "/v2/blobs/manifests/blobs/%s", d);
	route_is(url, ROUTE_OK, ROUTE_BLOB, "blobs/manifests", d);
	route_is("/v2/tags/list/tags/list", ROUTE_OK, ROUTE_TAGS, "tags/list",
	    "");

	/* The operator's endpoints and the dashboard's files. */
	route_is("/portcullis/v1/search?advisory=CVE-1", ROUTE_OK, ROUTE_SEARCH,
	    "", "");
	route_is("/portcullis/v1/searchx", ROUTE_EPATH, 0, 0, 0);
	route_is("/portcullis/v1/overview", ROUTE_OK, ROUTE_OVERVIEW, "", "");
	route_is("/portcullis/v1/events?limit=5", ROUTE_OK, ROUTE_EVENTS, "",
	    "");
	route_is("/portcullis/v1/login", ROUTE_OK, ROUTE_LOGIN, "", "");
	route_is("/portcullis/ui", ROUTE_OK, ROUTE_UI, "", "");
	route_is("/portcullis/ui/", ROUTE_OK, ROUTE_UI, "", "");
	route_is("/portcullis/ui/app.js", ROUTE_OK, ROUTE_UI, "", "app.js");
	route_is("/portcullis/ui/../conf", ROUTE_EPATH, 0, 0, 0);
	route_is("/portcullis/ui/%2e%2e", ROUTE_EPATH, 0, 0, 0);
	/* Our status endpoint: repository and reference from the right. */
	route_is("/portcullis/v1/status/team/app/v1", ROUTE_OK, ROUTE_STATUS,
	    "team/app", "v1");
	snprintf(url, sizeof(url), "/portcullis/v1/status/a/b/%s", d);
	route_is(url, ROUTE_OK, ROUTE_STATUS, "a/b", d);
	route_is("/portcullis/v1/status/Team/v1", ROUTE_ENAME, 0, 0, 0);
	route_is("/portcullis/v1/other", ROUTE_EPATH, 0, 0, 0);
	route_is("/portcullis/v1/status/onlyname", ROUTE_EPATH, 0, 0, 0);

	/* Grammar violations, each with the spec's error code. */
	route_is("/v2/Upper/manifests/latest", ROUTE_ENAME, 0, 0, 0);
	route_is("/v2/a//b/manifests/latest", ROUTE_ENAME, 0, 0, 0);
	route_is("/v2/../etc/manifests/latest", ROUTE_ENAME, 0, 0, 0);
	route_is("/v2/a-/manifests/latest", ROUTE_ENAME, 0, 0, 0);
	route_is("/v2/a___b/manifests/latest", ROUTE_ENAME, 0, 0, 0);
	route_is("/v2/a/manifests/.hidden", ROUTE_EREF, 0, 0, 0);
	route_is("/v2/a/manifests/sha256:abc", ROUTE_EDIGEST, 0, 0, 0);
	route_is("/v2/a/blobs/latest", ROUTE_EDIGEST, 0, 0, 0);
	route_is("/v2/a/blobs/sha256:"
	    "6046080AE0C03E0504B62A2254AC94F20D96EE63D5F45CF3754E01BD222BCBE4",
	    ROUTE_EDIGEST, 0, 0, 0);
	route_is("/v2/a%2fb/manifests/latest", ROUTE_EPATH, 0, 0, 0);
	route_is("/v3/", ROUTE_EPATH, 0, 0, 0);
	route_is("/v2x", ROUTE_EPATH, 0, 0, 0);
	route_is("/v2/manifests/latest", ROUTE_EPATH, 0, 0, 0);
	route_is("/v2/a/unknown/x", ROUTE_EPATH, 0, 0, 0);

	ok(route_valid_name("a.b_c__d-e--f/g0", 16), "separators accepted");
	ok(!route_valid_name("a.-b", 4), "mixed separators rejected");
	memset(url, 'a', 256);
	ok(!route_valid_name(url, 256), "256-byte name rejected");
	ok(route_valid_name(url, 255), "255-byte name accepted");
	ok(route_valid_tag("v1.2.3-rc_1", 11), "tag accepted");
	ok(!route_valid_tag("-v1", 3), "tag may not start with '-'");
	memset(url, 't', 129);
	ok(!route_valid_tag(url, 129), "129-byte tag rejected");
	ok(route_query_has("n=2&last=b", "n") && route_query_has("n=2&last=b",
	    "last") && route_query_has("a=1&n=", "n"),
	    "query parameters found wherever they stand");
	ok(!route_query_has("nn=2", "n") && !route_query_has("last", "last") &&
	    !route_query_has("x=n=1", "n") && !route_query_has(NULL, "n"),
	    "and not in longer names, without '=', inside values, or no query");
	return done_testing();
}
