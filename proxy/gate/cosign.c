#include "proxy/gate/cosign.h"
#include "conf/log.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
cosign_record_key(const char *repo, const char *digest,
    char key[COSIGN_KEY_LEN])
{
	snprintf(key, COSIGN_KEY_LEN, "sig:%s@%s", repo, digest);
}

int
cosign_tag(const char *digest, const char *kind, char *tag, size_t len)
{
	if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 ||
	    strlen(digest) != 71)
		return -1;
	return snprintf(tag, len, "sha256-%s.%s", digest + 7, kind) >=
	    (int)len ? -1 : 0;
}

int
cosign_tag_digest(const char *tag, const char *kind, char digest[72])
{
	if (strncmp(tag, "sha256-", 7) != 0 || strspn(tag + 7,
	    "0123456789abcdef") != 64 || tag[71] != '.' ||
	    strcmp(tag + 72, kind) != 0)
		return -1;
	snprintf(digest, 72, "sha256:%.64s", tag + 7);
	return 0;
}

unsigned char *
cosign_base64(const char *b64, size_t max, size_t *outlen)
{
	size_t		 n = strlen(b64), pad = 0, i;
	unsigned char	*out = NULL;
	char		*std = NULL;
	int		 dl;

	if (n == 0 || n > max)
		return NULL;
	/* URL-safe letters and missing padding (DSSE allows both). */
	if ((std = malloc(n + 3)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		std[i] = b64[i] == '-' ? '+' : b64[i] == '_' ? '/' : b64[i];
	while (n % 4 != 0 && n - strlen(b64) < 2)
		std[n++] = '=';
	std[n] = '\0';
	if (n % 4 != 0 || (out = malloc(n / 4 * 3 + 1)) == NULL)
		goto fail;
	if ((dl = EVP_DecodeBlock(out, (const unsigned char *)std,
	    (int)n)) < 0)
		goto fail;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	while (pad < 2 && n > pad && std[n - 1 - pad] == '=')
		pad++;
	*outlen = (size_t)dl - pad;
	free(std);
	return out;
 fail:
	free(out);
	free(std);
	return NULL;
}

int
cosign_sig_ok(const char *key_file, const void *data, size_t len,
    const char *sig_b64, char *why, size_t whylen)
{
	EVP_PKEY	*key = NULL;
	EVP_MD_CTX	*md = NULL;
	FILE		*f;
	unsigned char	*sig = NULL;
	size_t		 siglen = 0;
	int		 rv = 0;

	if ((f = fopen(key_file, "r")) == NULL ||
	    (key = PEM_read_PUBKEY(f, NULL, NULL, NULL)) == NULL) {
		if (f != NULL)
			fclose(f);
		snprintf(why, whylen, "%s is not a PEM public key", key_file);
		return -1;
	}
	fclose(f);
	if ((sig = cosign_base64(sig_b64, COSIGN_MAX_SIG, &siglen)) == NULL) {
		snprintf(why, whylen, "the signature is not base64");
		goto done;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestVerify(md, sig, siglen, data, len) != 1) {
		snprintf(why, whylen, "the signature does not verify with "
		    "%s", key_file);
		goto done;
	}
	rv = 1;
 done:
	free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return rv;
}

int
cosign_verify(const char *key_file, const char *payload, size_t len,
    const char *sig_b64, const char *digest, char *why, size_t whylen)
{
	json_t		*j = NULL;
	const char	*named;
	int		 rv;

	if ((rv = cosign_sig_ok(key_file, payload, len, sig_b64, why,
	    whylen)) != 1) {
		/* The message the gate has always given for these. */
		if (rv == 0 && strstr(why, "does not verify") != NULL)
			snprintf(why, whylen, "the signature does not verify "
			    "with signature_key");
		else if (rv == -1)
			snprintf(why, whylen, "signature_key %s is not a PEM "
			    "public key", key_file);
		return rv;
	}
	/* Signed by us, but for this image? */
	j = json_loadb(payload, len, 0, NULL);
	named = json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "critical"), "image"), "docker-manifest-digest"));
	if (named == NULL || strcmp(named, digest) != 0) {
		snprintf(why, whylen, "the signed payload names %s, not this "
		    "image", named ? named : "no image");
		rv = 0;
	}
	json_decref(j);
	return rv;
}
