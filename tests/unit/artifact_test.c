/*
 * A layer result as the fleet shares it (proxy/fleet/artifact.c): the
 * gzip round trip and its bounds (corrupt, truncated, larger than
 * allowed: all refused), and the signed manifest: accepted for the
 * layer, scanner version and blob it names with the key that made it;
 * refused with any other key, for another layer, another scanner
 * version, or once any claim in it (blob digest, size, layer) is
 * edited, which is what an attacker who can push to the results
 * repository would do.
 */
#include "proxy/fleet/artifact.h"
#include "tests/tap.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LAYER	"sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER	"sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define BLOB	"sha256:3333333333333333333333333333333333333333333333333333333333333333"

static void
key_of(struct artifact_key *k, const char *text)
{
	char	path[] = "/tmp/artifact_test.XXXXXX", err[256];
	int	fd = mkstemp(path);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	if (artifact_key_load(k, path, err, sizeof(err)) == -1)
		memset(k, 0, sizeof(*k));
	unlink(path);
}

/* m with one annotation or layer field replaced, as JSON text. */
static char *
edit(const char *m, const char *where, const char *key, json_t *val)
{
	json_t	*j = json_loads(m, 0, NULL), *o;
	char	*s;

	o = strcmp(where, "layer") == 0 ? json_array_get(json_object_get(j,
	    "layers"), 0) : json_object_get(j, "annotations");
	json_object_set_new(o, key, val);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	return s;
}

static int
check(const struct artifact_key *k, const char *m, const char *layer,
    int scanner, char *why, size_t whylen)
{
	char	blob[72];
	size_t	size;

	return artifact_check(k, m, strlen(m), layer, scanner, blob, &size,
	    why, whylen);
}

int
main(void)
{
	struct artifact_key	 k, k2, shortk;
	unsigned char		*gz;
	char			*out, *m, *e, why[256], tag[80], blob[72];
	char			 doc[20000];
	size_t			 gzlen, outlen, i, size;

	/* gzip round trip, and the bounds on the way back. */
	for (i = 0; i < sizeof(doc) - 1; i++)
		doc[i] = "{\"digest\":\"sha256:ab\"}"[i % 22];
	doc[sizeof(doc) - 1] = '\0';
	ok(artifact_gzip(doc, strlen(doc), &gz, &gzlen) == 0 && gz[0] == 0x1f &&
	    gz[1] == 0x8b, "gzip makes a gzip member");
	ok(artifact_gunzip(gz, gzlen, sizeof(doc), &out, &outlen) == 0 &&
	    outlen == strlen(doc) && strcmp(out, doc) == 0,
	    "gunzip gives the same bytes back");
	free(out);
	ok(artifact_gunzip(gz, gzlen, 1000, &out, &outlen) == -1 && out == NULL,
	    "a document larger than the bound is refused, not cut");
	ok(artifact_gunzip(gz, gzlen / 2, sizeof(doc), &out, &outlen) == -1,
	    "a truncated member is refused");
	gz[gzlen / 2] ^= 0xff;
	gz[gzlen / 2 + 1] ^= 0xff;
	ok(artifact_gunzip(gz, gzlen, sizeof(doc), &out, &outlen) == -1,
	    "a corrupt member is refused");
	ok(artifact_gunzip("not gzip at all", 15, 100, &out, &outlen) == -1,
	    "bytes that are not gzip are refused");
	free(gz);

	ok(artifact_tag(LAYER, tag, sizeof(tag)) == 0 && strcmp(tag,
	    "sha256-1111111111111111111111111111111111111111111111111111111111111111")
	    == 0, "the tag is the digest with '-' for ':'");
	ok(artifact_tag("sha256:XYZ", tag, sizeof(tag)) == -1,
	    "no tag for what is not a sha256 digest");

	key_of(&k, "0123456789abcdef0123456789abcdef\n");
	key_of(&k2, "0123456789abcdef0123456789abcdeF\n");
	key_of(&shortk, "short\n");
	is_int(k.len, 32, "the key file's newline is not part of the key");
	is_int(shortk.len, 0, "a key shorter than 16 bytes is refused");

	m = artifact_manifest(&k, LAYER, BLOB, 1234, "px1", 4);
	ok(m != NULL, "a manifest is made");
	ok(artifact_check(&k, m, strlen(m), LAYER, 4, blob, &size, why,
	    sizeof(why)) == 1 && strcmp(blob, BLOB) == 0 && size == 1234,
	    "it checks with the same key, naming its blob and size");
	ok(check(&k2, m, LAYER, 4, why, sizeof(why)) == 0 &&
	    strstr(why, "signature") != NULL,
	    "another key's holder cannot pass it off (%s)", why);
	ok(check(&k, m, OTHER, 4, why, sizeof(why)) == 0,
	    "it is no result for another layer (%s)", why);
	ok(check(&k, m, LAYER, 5, why, sizeof(why)) == 0 &&
	    strstr(why, "scanner version") != NULL,
	    "another scanner version's result is not used (%s)", why);

	e = edit(m, "layer", "digest", json_string(OTHER));
	ok(check(&k, e, LAYER, 4, why, sizeof(why)) == 0,
	    "a swapped blob is refused (%s)", why);
	free(e);
	e = edit(m, "layer", "size", json_integer(1235));
	ok(check(&k, e, LAYER, 4, why, sizeof(why)) == 0,
	    "an edited size is refused (%s)", why);
	free(e);
	e = edit(m, "annotations", ARTIFACT_ANN_LAYER, json_string(OTHER));
	ok(check(&k, e, OTHER, 4, why, sizeof(why)) == 0,
	    "a result relabelled for another layer is refused (%s)", why);
	free(e);
	e = edit(m, "annotations", ARTIFACT_ANN_SCANNER, json_string("5"));
	ok(check(&k, e, LAYER, 5, why, sizeof(why)) == 0,
	    "a relabelled scanner version is refused (%s)", why);
	free(e);
	e = edit(m, "layer", "size", json_integer(ARTIFACT_MAX_BLOB + 1));
	ok(check(&k, e, LAYER, 4, why, sizeof(why)) == 0,
	    "a blob past the bound is not fetched (%s)", why);
	free(e);
	ok(check(&k, "{\"layers\":", LAYER, 4, why, sizeof(why)) == 0,
	    "broken JSON is refused (%s)", why);
	ok(check(&k, "[]", LAYER, 4, why, sizeof(why)) == 0,
	    "a JSON array is refused (%s)", why);
	free(m);
	done_testing();
}
