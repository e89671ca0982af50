#include "proxy/gate/dsse.h"
#include "proxy/gate/cosign.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
dsse_open(const char (*keys)[POLICY_KEY_MAX], int nkeys,
    const char *env, size_t envlen, const char *digest, json_t **predicate,
    const char **signer, char *why, size_t whylen)
{
	json_t		*e = NULL, *st = NULL, *sig, *sub;
	const char	*ptype, *p64, *type;
	unsigned char	*payload = NULL;
	char		*pae = NULL;
	size_t		 plen = 0, palen, i;
	int		 k, rv = 0, n = 0;

	*predicate = NULL;
	*signer = NULL;
	if (strncmp(digest, "sha256:", 7) != 0) {
		snprintf(why, whylen, "only sha256 subjects are read");
		goto done;
	}
	if ((e = json_loadb(env, envlen, 0, NULL)) == NULL) {
		snprintf(why, whylen, "the envelope is not JSON");
		goto done;
	}
	ptype = json_string_value(json_object_get(e, "payloadType"));
	p64 = json_string_value(json_object_get(e, "payload"));
	if (ptype == NULL || strcmp(ptype, DSSE_INTOTO_TYPE) != 0 ||
	    p64 == NULL) {
		snprintf(why, whylen, "not a DSSE envelope of an in-toto "
		    "statement");
		goto done;
	}
	if ((payload = cosign_base64(p64, DSSE_MAX_ENVELOPE, &plen)) ==
	    NULL) {
		snprintf(why, whylen, "the payload is not base64");
		goto done;
	}
	/* PAE: "DSSEv1" SP len(type) SP type SP len(body) SP body. */
	palen = strlen(ptype) + plen + 64;
	if ((pae = malloc(palen)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	k = snprintf(pae, palen, "DSSEv1 %zu %s %zu ", strlen(ptype), ptype,
	    plen);
	memcpy(pae + k, payload, plen);
	palen = (size_t)k + plen;
	snprintf(why, whylen, "it carries no signature");
	json_array_foreach(json_object_get(e, "signatures"), i, sig) {
		const char *s = json_string_value(json_object_get(sig, "sig"));

		if (s == NULL || n++ == 8)
			break;
		for (k = 0; k < nkeys && *signer == NULL; k++)
			if (cosign_sig_ok(keys[k], pae, palen, s, why,
			    whylen) == 1)
				*signer = keys[k];
		if (*signer != NULL)
			break;
	}
	if (*signer == NULL) {
		if (n > 0)
			snprintf(why, whylen, "not signed by any of "
			    "policy.vex_keys");
		goto done;
	}
	/* Signed: now what it says may be read. */
	if ((st = json_loadb((const char *)payload, plen, 0, NULL)) == NULL ||
	    (type = json_string_value(json_object_get(st, "_type"))) == NULL ||
	    strncmp(type, "https://in-toto.io/Statement/", 29) != 0) {
		snprintf(why, whylen, "the signed payload is not an in-toto "
		    "statement");
		goto done;
	}
	type = json_string_value(json_object_get(st, "predicateType"));
	if (type == NULL || strncmp(type, DSSE_OPENVEX_NS,
	    strlen(DSSE_OPENVEX_NS)) != 0) {
		snprintf(why, whylen, "a %.200s attestation, not OpenVEX",
		    type ? type : "untyped");
		goto done;
	}
	json_array_foreach(json_object_get(st, "subject"), i, sub) {
		const char *h = json_string_value(json_object_get(
		    json_object_get(sub, "digest"), "sha256"));

		if (h != NULL && strcmp(h, digest + 7) == 0)
			break;
	}
	if (i == json_array_size(json_object_get(st, "subject"))) {
		/* Signed for another image: never this one's. */
		snprintf(why, whylen, "its subject is another image");
		goto done;
	}
	if (!json_is_object(json_object_get(st, "predicate"))) {
		snprintf(why, whylen, "the statement has no predicate");
		goto done;
	}
	*predicate = json_incref(json_object_get(st, "predicate"));
	rv = 1;
 done:
	if (rv == 0)
		*signer = NULL;
	json_decref(st);
	json_decref(e);
	free(payload);
	free(pae);
	return rv;
}
