/*
 * libFuzzer target: the secret matcher on arbitrary file contents.
 * Besides memory safety: every finding's line exists in the input, and
 * no finding's detail holds more than the first four characters of a
 * token (the redaction promise), except private-key header lines.
 */
#include "scan/layer/secrets.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct findings	 out;
	size_t		 i, lines = 1;

	memset(&out, 0, sizeof(out));
	if (secrets_scan((const char *)data, size, "f", &out) == -1)
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
