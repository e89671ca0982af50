/*
 * libFuzzer target: every version comparator on arbitrary bytes. The
 * input is split at the first NUL into two versions. Checks antisymmetry
 * as well as memory safety.
 */
#include "scan/version/version.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int
sign(int x)
{
	return x < 0 ? -1 : x > 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, *a, *b;
	int	 s;

	if ((buf = malloc(size + 2)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	buf[size + 1] = '\0';
	a = buf;
	b = buf + strlen(buf) + 1;
	if (b > buf + size)
		b = buf + size + 1;
	for (s = VERSION_DPKG; s <= VERSION_GEM; s++) {
		int ab = sign(version_cmp(s, a, b));
		int ba = sign(version_cmp(s, b, a));

		if (ab != -ba || version_cmp(s, a, a) != 0)
			abort();
	}
	free(buf);
	return 0;
}
