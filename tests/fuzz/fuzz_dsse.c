/*
 * libFuzzer target: what a signed VEX attestation brings from the
 * registry, on arbitrary bytes. The first byte picks: a DSSE envelope
 * (checked with a key made at start: base64, the pre-authentication
 * encoding, the signature and JSON parsing on any input) or an OpenVEX
 * document (read as a verified attestation's predicate is). Anyone who
 * may push to a repository may attach either to an image.
 */
#include "proxy/gate/dsse.h"
#include "conf/vex.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char	key[1][POLICY_KEY_MAX];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY	*k;
	FILE		*f;
	int		 fd;

	(void)argc;
	(void)argv;
	snprintf(key[0], sizeof(key[0]), "/tmp/fuzz_dsse.XXXXXX");
	if ((k = EVP_EC_gen("P-256")) == NULL || (fd = mkstemp(key[0])) < 0 ||
	    (f = fdopen(fd, "w")) == NULL || PEM_write_PUBKEY(f, k) != 1)
		abort();
	fclose(f);
	EVP_PKEY_free(k);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vex_set	 set;
	json_t		*pred = NULL, *doc;
	const char	*signer;
	char		 why[300];

	if (size < 1)
		return 0;
	if (data[0] % 2 == 0) {
		if (dsse_open((const char (*)[POLICY_KEY_MAX])key, 1,
		    (const char *)data + 1, size - 1, "sha256:"
		    "1111111111111111111111111111111111111111111111111111111111111111",
		    &pred, &signer, why, sizeof(why)) == 1)
			abort();	/* nothing here is signed by that key */
		json_decref(pred);
		return 0;
	}
	memset(&set, 0, sizeof(set));
	if ((doc = json_loadb((const char *)data + 1, size - 1, 0,
	    NULL)) != NULL) {
		vex_load_doc(&set, doc, "fuzz", why, sizeof(why));
		json_decref(doc);
	}
	vex_clear(&set);
	return 0;
}
