/*
 * The inflater thread (ISA-L's igzip) against what zlib compressed: the
 * same bytes out, whatever the source's read sizes (1 byte to 64 KiB);
 * several gzip members read as one stream, as libarchive reads them;
 * trailing non-gzip bytes ignored but hashed; a truncated member and a
 * corrupt one end in an error that names gzip, never in silence; a
 * failing source is told apart from bad data; and a consumer that stops
 * early still gets the digest of every byte of the source.
 */
#include "scan/layer/inflate.h"
#include "tests/tap.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct src {
	const unsigned char	*p;
	size_t			 n, off, step;
	int			 fail_at_end;
};

static ssize_t
src_read(void *arg, const void **buf)
{
	struct src	*s = arg;
	size_t		 k = s->n - s->off;

	if (k == 0)
		return s->fail_at_end ? -1 : 0;
	if (k > s->step)
		k = s->step;
	*buf = s->p + s->off;
	s->off += k;
	return (ssize_t)k;
}

/*
 * data (n bytes) as one gzip member, appended to *out; full: its header
 * with a file name, a comment, an extra field and a header CRC.
 */
static void
gzx(const unsigned char *data, size_t n, unsigned char **out, size_t *outn,
    int full)
{
	z_stream	z;
	gz_header	h;
	size_t		cap = deflateBound(NULL, (uLong)n) + 256;
	static unsigned char extra[] = "PC\004\000pcpc";

	memset(&z, 0, sizeof(z));
	memset(&h, 0, sizeof(h));
	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	if (full) {
		h.name = (Bytef *)"layer.tar";
		h.comment = (Bytef *)"made by the inflater test";
		h.extra = extra;
		h.extra_len = 8;
		h.hcrc = 1;
		deflateSetHeader(&z, &h);
	}
	*out = realloc(*out, *outn + cap);
	z.next_in = (unsigned char *)(uintptr_t)data;
	z.avail_in = (uInt)n;
	z.next_out = *out + *outn;
	z.avail_out = (uInt)cap;
	deflate(&z, Z_FINISH);
	*outn += cap - z.avail_out;
	deflateEnd(&z);
}

static void
gz(const unsigned char *data, size_t n, unsigned char **out, size_t *outn)
{
	gzx(data, n, out, outn, 0);
}

static void
sha(const unsigned char *p, size_t n, unsigned char md[32])
{
	EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
}

/*
 * Inflate src in pieces of step; read at most stop bytes (0: all).
 * Returns what came out; *rv the last read's answer, *ok finish's.
 */
static unsigned char *
run(const unsigned char *in, size_t inn, size_t step, int fail_at_end,
    size_t stop, size_t *outn, ssize_t *rv, int *ok, unsigned char md[32],
    uint64_t *compressed, int *source)
{
	struct src	 s = { in, inn, 0, step, fail_at_end };
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	struct inflater	*f;
	const void	*first = NULL, *b;
	ssize_t		 n0, n;
	unsigned char	*out = NULL;
	unsigned int	 mdlen;

	*outn = 0;
	*compressed = 0;
	*source = 0;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	n0 = src_read(&s, &first);
	f = inflater_start(src_read, &s, first, (size_t)n0, ctx, compressed);
	while ((n = inflater_read(f, &b)) > 0) {
		out = realloc(out, *outn + (size_t)n);
		memcpy(out + *outn, b, (size_t)n);
		*outn += (size_t)n;
		if (stop > 0 && *outn >= stop)
			break;
	}
	*rv = n;
	if (n < 0)
		(void)inflater_error(f, source);
	*ok = inflater_finish(f);
	inflater_free(f);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	return out;
}

int
main(void)
{
	static const size_t	 steps[] = { 1, 7, 4096, 65536 };
	size_t			 big = 3 << 20, i, gzn = 0, outn, k, first;
	unsigned char		*plain = malloc(big), *g = NULL, *out;
	unsigned char		 want[32], got[32];
	uint64_t		 comp;
	ssize_t			 rv;
	int			 okf, source;

	/* Text-like and random parts, so blocks both shrink and grow. */
	srand(7);
	for (i = 0; i < big; i++)
		plain[i] = i % 3000 < 2000 ? (unsigned char)("portcullis "[i % 11])
		    : (unsigned char)rand();
	gz(plain, big / 2, &g, &gzn);
	first = gzn;
	gz(plain + big / 2, big - big / 2, &g, &gzn);	/* a second member */
	sha(g, gzn, want);
	for (k = 0; k < sizeof(steps) / sizeof(*steps); k++) {
		out = run(g, gzn, steps[k], 0, 0, &outn, &rv, &okf, got, &comp,
		    &source);
		ok(rv == 0 && outn == big && memcmp(out, plain, big) == 0 &&
		    okf && comp == gzn && memcmp(got, want, 32) == 0,
		    "two members in pieces of %zu: the same bytes, every "
		    "compressed byte hashed", steps[k]);
		free(out);
	}

	/* Trailing bytes that are no gzip: ignored, yet hashed. */
	g = realloc(g, gzn + 1024);
	memset(g + gzn, 0, 1024);
	sha(g, gzn + 1024, want);
	out = run(g, gzn + 1024, 4096, 0, 0, &outn, &rv, &okf, got, &comp,
	    &source);
	ok(rv == 0 && outn == big && okf && comp == gzn + 1024 &&
	    memcmp(got, want, 32) == 0,
	    "trailing zeros after the last member: ignored, hashed");
	free(out);

	/* Cut inside the second member: an error, not a short stream. */
	out = run(g, gzn - 100, 4096, 0, 0, &outn, &rv, &okf, got, &comp,
	    &source);
	ok(rv == -1 && !source && outn < big,
	    "a member cut short ends in an error (%zd, %zu bytes out)", rv,
	    outn);
	free(out);

	/* A flipped byte in the first member's data: an error. */
	g[gzn / 4] ^= 0x55;
	sha(g, gzn + 1024, want);
	out = run(g, gzn + 1024, 4096, 0, 0, &outn, &rv, &okf, got, &comp,
	    &source);
	ok(rv == -1 && !source && okf && memcmp(got, want, 32) == 0,
	    "corrupt data ends in an error; the rest is still hashed");
	g[gzn / 4] ^= 0x55;
	free(out);

	/* The first member's CRC-32 off by one bit: an error naming it. */
	g[first - 5] ^= 0x01;
	{
		struct src	 s2 = { g, gzn, 0, 4096, 0 };
		EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
		struct inflater	*f;
		const void	*f0 = NULL, *b;
		ssize_t		 n0 = src_read(&s2, &f0), n;
		uint64_t	 c2 = 0;
		const char	*why;
		int		 src2 = 0;

		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		f = inflater_start(src_read, &s2, f0, (size_t)n0, ctx, &c2);
		while ((n = inflater_read(f, &b)) > 0)
			;
		why = n < 0 ? inflater_error(f, &src2) : NULL;
		ok(n == -1 && why != NULL && strstr(why, "check") != NULL,
		    "a member whose CRC-32 does not match: an error (%s)",
		    why ? why : "none");
		inflater_finish(f);
		inflater_free(f);
		EVP_MD_CTX_free(ctx);
	}
	g[first - 5] ^= 0x01;

	/* A header with every optional field: read past, same bytes. */
	{
		unsigned char	*h = NULL;
		size_t		 hn = 0;

		gzx(plain, big, &h, &hn, 1);
		gzx(plain, 1000, &h, &hn, 1);	/* and a second such member */
		for (k = 0; k < sizeof(steps) / sizeof(*steps); k++) {
			out = run(h, hn, steps[k], 0, 0, &outn, &rv, &okf, got,
			    &comp, &source);
			ok(rv == 0 && okf && outn == big + 1000 &&
			    memcmp(out, plain, big) == 0 &&
			    memcmp(out + big, plain, 1000) == 0,
			    "headers with a name, comment, extra field and "
			    "header CRC, in pieces of %zu: the same bytes out",
			    steps[k]);
			free(out);
		}
		/* A name that never ends: refused at 8 KiB, not gathered on. */
		memcpy(h, "\x1f\x8b\x08\x08\0\0\0\0\0\x03", 10);
		memset(h + 10, 'n', hn - 10);
		out = run(h, hn, 4096, 0, 0, &outn, &rv, &okf, got, &comp,
		    &source);
		ok(rv == -1 && outn == 0, "a member header past 8 KiB: an error");
		free(out);
		free(h);
	}

	/* The source itself fails: told apart from bad data. */
	out = run(g, gzn - 100, 4096, 1, 0, &outn, &rv, &okf, got, &comp,
	    &source);
	ok(rv == -1 && source && !okf, "a failing source is the source's "
	    "failure, and finish says so");
	free(out);

	/* The scan stops after 256 KiB: every byte of the source hashed. */
	sha(g, gzn + 1024, want);
	out = run(g, gzn + 1024, 4096, 0, 256 * 1024, &outn, &rv, &okf, got,
	    &comp, &source);
	ok(okf && comp == gzn + 1024 && memcmp(got, want, 32) == 0 &&
	    memcmp(out, plain, 256 * 1024) == 0,
	    "a consumer that stops early: the whole source still hashed");
	free(out);
	free(g);
	free(plain);
	return done_testing();
}
