#include "proxy/fleet/artifact.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int
artifact_sha256_ok(const char *d)
{
	size_t	i;

	if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return 0;
	for (i = 7; i < 71; i++)
		if (!((d[i] >= '0' && d[i] <= '9') || (d[i] >= 'a' &&
		    d[i] <= 'f')))
			return 0;
	return 1;
}

int
artifact_tag(const char *digest, char *tag, size_t len)
{
	if (!artifact_sha256_ok(digest) || len < 72)
		return -1;
	snprintf(tag, len, "sha256-%s", digest + 7);
	return 0;
}

int
artifact_key_load(struct artifact_key *key, const char *path, char *err,
    size_t errlen)
{
	FILE	*f;
	size_t	 n;
	int	 rv = -1;

	memset(key, 0, sizeof(*key));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "fleet.key_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = fread(key->k, 1, sizeof(key->k), f);
	if (!feof(f)) {
		snprintf(err, errlen, "fleet.key_file %s: longer than %d bytes",
		    path, ARTIFACT_KEY_MAX - 1);
		goto done;
	}
	while (n > 0 && (key->k[n - 1] == '\n' || key->k[n - 1] == '\r'))
		n--;
	if (n < ARTIFACT_KEY_MIN) {
		snprintf(err, errlen, "fleet.key_file %s: shorter than %d "
		    "bytes (e.g. openssl rand -hex 32)", path,
		    ARTIFACT_KEY_MIN);
		goto done;
	}
	key->len = n;
	rv = 0;
 done:
	fclose(f);
	if (rv == -1)
		explicit_bzero(key, sizeof(*key));
	return rv;
}

int
artifact_gzip(const void *in, size_t len, unsigned char **out, size_t *outlen)
{
	z_stream	z;
	uLong		cap;
	int		rv = -1;

	memset(&z, 0, sizeof(z));
	*out = NULL;
	/* windowBits 15 + 16: a gzip wrapper, as the media type says. */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)len) + 32;
	if ((*out = malloc(cap)) == NULL)
		goto done;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = *out;
	z.avail_out = (uInt)cap;
	if (len > UINT32_MAX || deflate(&z, Z_FINISH) != Z_STREAM_END)
		goto done;
	*outlen = z.total_out;
	rv = 0;
 done:
	deflateEnd(&z);
	if (rv == -1) {
		free(*out);
		*out = NULL;
	}
	return rv;
}

int
artifact_gunzip(const void *in, size_t len, size_t max, char **out,
    size_t *outlen)
{
	z_stream	 z;
	size_t		 cap = max < 65536 ? max + 1 : 65536, n = 0;
	char		*buf = NULL, *nb;
	int		 zr = Z_OK, rv = -1;

	memset(&z, 0, sizeof(z));
	*out = NULL;
	if (len > UINT32_MAX || inflateInit2(&z, 15 + 16) != Z_OK)
		return -1;
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	while (zr != Z_STREAM_END) {
		if (n == cap || buf == NULL) {
			if (buf != NULL && cap >= max + 1)
				goto done;	/* past the bound */
			if (buf != NULL)
				cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL)
				goto done;
			buf = nb;
		}
		z.next_out = (Bytef *)buf + n;
		z.avail_out = (uInt)(cap - n);
		zr = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
		if (zr != Z_OK && zr != Z_STREAM_END)
			goto done;	/* corrupt, or ends short */
		if (zr == Z_OK && z.avail_in == 0 && z.avail_out != 0)
			goto done;	/* truncated */
	}
	if (n > max)
		goto done;
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	buf = NULL;
	rv = 0;
 done:
	inflateEnd(&z);
	free(buf);
	return rv;
}

/* HMAC-SHA256 of msg with key, in hex. */
static void
artifact_hmac_hex(const struct artifact_key *key, const char *msg, size_t n,
    char hex[65])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned	mdlen = 0, i;

	HMAC(EVP_sha256(), key->k, (int)key->len, (const unsigned char *)msg,
	    n, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	hex[64] = '\0';
}

/* What the MAC covers: every claim a reader acts on. */
static void
artifact_mac(const struct artifact_key *key, const char *layer,
    const char *blob, size_t blobsize, int scanner, char hex[65])
{
	char	msg[256];
	int	n;

	n = snprintf(msg, sizeof(msg), "portcullis layer result v1\n%s\n%s\n"
	    "%zu\n%d\n", layer, blob, blobsize, scanner);
	artifact_hmac_hex(key, msg, (size_t)n, hex);
}


void
artifact_data_mac(const struct artifact_key *key, const char *blob,
    size_t size, const char *version, char hex[65])
{
	char	msg[512];
	int	n;

	n = snprintf(msg, sizeof(msg), "portcullis advisory data v1\n%s\n"
	    "%zu\n%.200s\n", blob, size, version);
	artifact_hmac_hex(key, msg, (size_t)n, hex);
}

int
artifact_data_ok(const struct artifact_key *key, const char *blob,
    size_t size, const char *version, const char *mac)
{
	char	want[65];

	if (mac == NULL || strlen(mac) != 64)
		return 0;
	artifact_data_mac(key, blob, size, version, want);
	return CRYPTO_memcmp(mac, want, 64) == 0;
}

/*
 * An artifact manifest of type, the spec's empty config, one layer
 * (ltype, ldigest, lsize) and ann (taken over; NULL: out of memory).
 * malloc'd JSON with sorted keys (the same bytes from every instance),
 * or NULL.
 */
static char *
artifact_pack(const char *type, const char *ltype, const char *ldigest,
    size_t lsize, json_t *ann)
{
	json_t	*m;
	char	*s = NULL;

	if (ann == NULL)
		return NULL;
	m = json_pack("{s:i, s:s, s:s, s:{s:s, s:s, s:i}, s:[{s:s, s:s, "
	    "s:I}], s:o}", "schemaVersion", 2, "mediaType",
	    ARTIFACT_MANIFEST_TYPE, "artifactType", type, "config",
	    "mediaType", ARTIFACT_EMPTY_TYPE, "digest", ARTIFACT_EMPTY_DIGEST,
	    "size", 2, "layers", "mediaType", ltype, "digest", ldigest, "size",
	    (json_int_t)lsize, "annotations", ann);
	if (m != NULL)
		s = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	return s;
}

char *
artifact_manifest(const struct artifact_key *key, const char *layer,
    const char *blob, size_t blobsize, const char *instance, int scanner)
{
	char	 mac[65], ver[16];

	if (!artifact_sha256_ok(layer) || !artifact_sha256_ok(blob))
		return NULL;
	artifact_mac(key, layer, blob, blobsize, scanner, mac);
	snprintf(ver, sizeof(ver), "%d", scanner);
	return artifact_pack(ARTIFACT_TYPE, ARTIFACT_BLOB_TYPE, blob,
	    blobsize, json_pack("{s:s, s:s, s:s, s:s}", ARTIFACT_ANN_LAYER,
	    layer, ARTIFACT_ANN_SCANNER, ver, ARTIFACT_ANN_MAC, mac,
	    ARTIFACT_ANN_INSTANCE, instance ? instance : ""));
}

int
artifact_check(const struct artifact_key *key, const char *manifest,
    size_t len, const char *layer, int scanner, char blob[72],
    size_t *blobsize, char *why, size_t whylen)
{
	json_t		*m, *ann, *l;
	const char	*at, *dg, *lay, *ver, *mac;
	char		 want[65];
	json_int_t	 size;
	int		 rv = 0;

	if ((m = json_loadb(manifest, len, 0, NULL)) == NULL ||
	    !json_is_object(m)) {
		snprintf(why, whylen, "not JSON");
		goto done;
	}
	ann = json_object_get(m, "annotations");
	at = json_string_value(json_object_get(m, "artifactType"));
	lay = json_string_value(json_object_get(ann, ARTIFACT_ANN_LAYER));
	ver = json_string_value(json_object_get(ann, ARTIFACT_ANN_SCANNER));
	mac = json_string_value(json_object_get(ann, ARTIFACT_ANN_MAC));
	l = json_array_get(json_object_get(m, "layers"), 0);
	dg = json_string_value(json_object_get(l, "digest"));
	size = json_integer_value(json_object_get(l, "size"));
	if (at == NULL || strcmp(at, ARTIFACT_TYPE) != 0 ||
	    json_array_size(json_object_get(m, "layers")) != 1 ||
	    !artifact_sha256_ok(dg) || size <= 0 || size >
	    ARTIFACT_MAX_BLOB || lay == NULL || ver == NULL || mac == NULL) {
		snprintf(why, whylen, "not a portcullis layer result");
		goto done;
	}
	if (strcmp(lay, layer) != 0) {
		snprintf(why, whylen, "a result for another layer (%.80s)", lay);
		goto done;
	}
	if (atoi(ver) != scanner) {
		snprintf(why, whylen, "made by scanner version %.10s, this is "
		    "%d", ver, scanner);
		goto done;
	}
	artifact_mac(key, layer, dg, (size_t)size, scanner, want);
	if (strlen(mac) != 64 || CRYPTO_memcmp(mac, want, 64) != 0) {
		snprintf(why, whylen, "its signature does not verify with "
		    "fleet.key_file (forged, or another fleet's)");
		goto done;
	}
	snprintf(blob, 72, "%s", dg);
	*blobsize = (size_t)size;
	rv = 1;
 done:
	json_decref(m);
	return rv;
}

int
artifact_claim_tag(const char *digest, char *tag, size_t len)
{
	if (!artifact_sha256_ok(digest) || len < 72 + 9)
		return -1;
	snprintf(tag, len, "sha256-%s.scanning", digest + 7);
	return 0;
}

/* What a claim's MAC covers. */
static void
artifact_claim_mac(const struct artifact_key *key, const char *layer,
    const char *instance, long long started, char hex[65])
{
	char	msg[512];
	int	n;

	n = snprintf(msg, sizeof(msg), "portcullis layer claim v1\n%s\n"
	    "%.200s\n%lld\n", layer, instance, started);
	artifact_hmac_hex(key, msg, (size_t)n, hex);
}

char *
artifact_claim(const struct artifact_key *key, const char *layer,
    const char *instance, time_t started)
{
	char	 mac[65], when[24];

	if (!artifact_sha256_ok(layer))
		return NULL;
	artifact_claim_mac(key, layer, instance, (long long)started, mac);
	snprintf(when, sizeof(when), "%lld", (long long)started);
	/* The empty blob stands for the one layer the spec wants. */
	return artifact_pack(ARTIFACT_CLAIM_TYPE, ARTIFACT_EMPTY_TYPE,
	    ARTIFACT_EMPTY_DIGEST, 2, json_pack("{s:s, s:s, s:s, s:s}",
	    ARTIFACT_ANN_LAYER, layer, ARTIFACT_ANN_INSTANCE, instance,
	    ARTIFACT_ANN_STARTED, when, ARTIFACT_ANN_MAC, mac));
}

int
artifact_claim_check(const struct artifact_key *key, const char *manifest,
    size_t len, const char *layer, time_t *started, char *instance,
    size_t ilen, char *why, size_t whylen)
{
	json_t		*m, *ann;
	const char	*at, *lay, *inst, *when, *mac;
	char		 want[65], *end;
	long long	 t;
	int		 rv = 0;

	if ((m = json_loadb(manifest, len, 0, NULL)) == NULL) {
		snprintf(why, whylen, "not JSON");
		return 0;
	}
	ann = json_object_get(m, "annotations");
	at = json_string_value(json_object_get(m, "artifactType"));
	lay = json_string_value(json_object_get(ann, ARTIFACT_ANN_LAYER));
	inst = json_string_value(json_object_get(ann, ARTIFACT_ANN_INSTANCE));
	when = json_string_value(json_object_get(ann, ARTIFACT_ANN_STARTED));
	mac = json_string_value(json_object_get(ann, ARTIFACT_ANN_MAC));
	if (at == NULL || strcmp(at, ARTIFACT_CLAIM_TYPE) != 0 ||
	    lay == NULL || inst == NULL || when == NULL || mac == NULL ||
	    strcmp(lay, layer) != 0) {
		snprintf(why, whylen, "not a portcullis claim on this layer");
		goto done;
	}
	t = strtoll(when, &end, 10);
	if (*when == '\0' || *end != '\0') {
		snprintf(why, whylen, "a claim with no time");
		goto done;
	}
	artifact_claim_mac(key, layer, inst, t, want);
	if (strlen(mac) != 64 || CRYPTO_memcmp(mac, want, 64) != 0) {
		snprintf(why, whylen, "its signature does not verify with "
		    "fleet.key_file");
		goto done;
	}
	*started = (time_t)t;
	snprintf(instance, ilen, "%s", inst);
	rv = 1;
 done:
	json_decref(m);
	return rv;
}
