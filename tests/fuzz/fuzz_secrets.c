/*
 * libFuzzer target: the secret matcher on arbitrary file contents.
 * Besides memory safety: every finding's line exists in the input, and
 * no finding's detail holds more than the first four characters of a
 * token (the redaction promise), except private-key header lines. The
 * first byte picks the file's name, so the rules that hold only in some
 * files (kubeconfig, .netrc, .env, .pypirc, credential stores) run too.
 */
#include "scan/layer/secrets.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "f", "root/.kube/config",
	    "root/.netrc", "app/.env", "root/.pypirc", "root/.git-credentials",
	    "etc/kubernetes/admin.conf", "app/.env.production" };
	struct findings	 out;
	size_t		 i, lines = 1;
	const char	*path = paths[size > 0 ? data[0] % 8 : 0];

	memset(&out, 0, sizeof(out));
	if (secrets_scan((const char *)data, size, path, &out) == -1)
		abort();
	for (i = 0; i < size; i++)
		if (data[i] == '\n')
			lines++;
	for (i = 0; i < out.n; i++) {
		const struct finding *f = &out.v[i];

		if (f->line < 1 || f->line > lines)
			abort();
		if (strcmp(f->rule, "private-key") != 0 &&
		    strstr(f->detail, "redacted") == NULL)
			abort();
	}
	findings_free(&out);
	return 0;
}
