/*
 * The fleet's copy of the advisory data (scan/advisory/replica.c): the
 * real records of tests/data/osv imported, exported, and imported into
 * a second store that held other data hold exactly the same records
 * (advisories, their index by id, severities by alias) and the same
 * data version, and match a package the same way; a file cut short, one
 * whose end record miscounts, and one that is not such a file at all
 * are refused with the second store left exactly as it was.
 */
#include "scan/advisory/replica.h"
#include "scan/advisory/osv.h"
#include "scan/advisory/vulnmatch.h"
#include "store/db.h"
#include "tests/tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct dump {
	char	*buf;
	size_t	 len, n;
};

static int
dump_cb(enum store_adv_part part, const void *k, size_t kl, const void *v,
    size_t vl, void *arg)
{
	struct dump	*d = arg;
	char		*nb;

	if ((nb = realloc(d->buf, d->len + kl + vl + 16)) == NULL)
		return -1;
	d->buf = nb;
	d->buf[d->len++] = (char)('0' + part);
	memcpy(d->buf + d->len, k, kl);
	d->len += kl;
	d->buf[d->len++] = '=';
	memcpy(d->buf + d->len, v, vl);
	d->len += vl;
	d->buf[d->len++] = '\n';
	d->n++;
	return 0;
}

static struct dump
dump_of(struct store *st)
{
	struct dump	d = { NULL, 0, 0 };

	store_adv_dump(st, dump_cb, &d);
	return d;
}

static int
same(const struct dump *a, const struct dump *b)
{
	return a->len == b->len && a->n == b->n && a->len > 0 &&
	    memcmp(a->buf, b->buf, a->len) == 0;
}

/* Copy src to dst, keeping only its first len bytes after inflating. */
static void
cut(const char *src, const char *dst, size_t keep, int bump_count)
{
	gzFile	in = gzopen(src, "rb"), out = gzopen(dst, "wb");
	char	buf[1 << 16];
	size_t	total = 0;
	int	n;

	while ((n = gzread(in, buf, sizeof(buf))) > 0) {
		size_t take = (size_t)n;

		if (keep > 0 && total + take > keep)
			take = keep - total;
		if (bump_count && take == (size_t)n && gzeof(in))
			buf[take - 1]++;	/* the count's last byte */
		gzwrite(out, buf, (unsigned)take);
		total += take;
		if (keep > 0 && total >= keep)
			break;
	}
	gzclose(in);
	gzclose(out);
}

int
main(void)
{
	const char		*top = getenv("top_srcdir");
	char			 tmp[] = "/tmp/replica_test.XXXXXX";
	char			 a[300], b[300], file[300], bad[300], osv[600];
	char			 va[64], vb[64], ver[64], before[64];
	char			*paths[1];
	struct store		*sa, *sb;
	struct tally		 t;
	struct dump		 da, db, d0, dx;
	struct vulnmatch_pkg	 pkg;
	struct vulnmatch_finding *fa = NULL, *fb = NULL;
	uint64_t		 n = 0, m = 0;
	FILE			*f;
	int			 na, nb;

	if (top == NULL)
		top = ".";
	if (mkdtemp(tmp) == NULL)
		return 1;
	snprintf(a, sizeof(a), "%s/a", tmp);
	snprintf(b, sizeof(b), "%s/b", tmp);
	snprintf(file, sizeof(file), "%s/adv.gz", tmp);
	snprintf(bad, sizeof(bad), "%s/bad.gz", tmp);
	snprintf(osv, sizeof(osv), "%s/tests/data/osv", top);
	paths[0] = osv;
	sa = store_open(a, 0);
	sb = store_open(b, 0);
	ok(sa != NULL && sb != NULL, "two stores");
	/* Arguments are evaluated in no set order: the call comes first. */
	na = osv_import(sa, paths, 1, 0, &t);
	ok(na == 0 && t.records > 0,
	    "tests/data/osv imported into the first (%lu records)", t.records);
	/* The second holds other data first: a copy replaces it. */
	if (store_write_begin(sb) == 0) {
		store_adv_put(sb, "OTHER-1", 0, "npm", "left-pad", "{}");
		store_meta_put(sb, "sev:OTHER-1", "HIGH 7.5 OTHER-1");
		store_meta_put(sb, "data_version", "old");
		store_write_commit(sb);
	}
	na = replica_export(sa, file, va, sizeof(va), &n);
	ok(na == 0 && n > 0, "exported %llu records, version %s",
	    (unsigned long long)n, va);
	ok(replica_is(file), "the file is recognised as advisory data");
	ok(!replica_is(osv) && !replica_is("/nonexistent"),
	    "a folder or a missing file is not");
	na = replica_import(sb, file, vb, sizeof(vb), &m);
	ok(na == 0 && m == n, "imported into the second store (%llu records)",
	    (unsigned long long)m);
	da = dump_of(sa);
	db = dump_of(sb);
	ok(same(&da, &db), "the second holds exactly the first's advisory "
	    "data (%zu records), the other data gone", db.n);
	store_meta_get(sb, "data_version", ver, sizeof(ver));
	is_str(ver, va, "and its data version");
	memset(&pkg, 0, sizeof(pkg));
	pkg.name = "lodash";
	pkg.version = "4.17.20";
	na = vulnmatch_package(sa, "npm", &pkg, &fa);
	nb = vulnmatch_package(sb, "npm", &pkg, &fb);
	ok(na > 0 && na == nb && strcmp(fa[0].id, fb[0].id) == 0 &&
	    strcmp(fa[0].severity, fb[0].severity) == 0,
	    "lodash 4.17.20 matches the same way in both (%d findings, %s %s)",
	    nb, nb > 0 ? fb[0].id : "-", nb > 0 ? fb[0].severity : "-");
	free(fa);
	free(fb);

	/* What is refused leaves the store as it was. */
	store_meta_get(sb, "data_version", before, sizeof(before));
	d0 = dump_of(sb);
	cut(file, bad, 200, 0);
	ok(replica_import(sb, bad, ver, sizeof(ver), &m) == -1,
	    "a file cut short is refused");
	cut(file, bad, 0, 1);
	ok(replica_import(sb, bad, ver, sizeof(ver), &m) == -1,
	    "a file whose end record miscounts is refused");
	f = fopen(bad, "w");
	fputs("not advisory data\n", f);
	fclose(f);
	ok(replica_import(sb, bad, ver, sizeof(ver), &m) == -1,
	    "a file that is not advisory data is refused");
	dx = dump_of(sb);
	store_meta_get(sb, "data_version", ver, sizeof(ver));
	ok(same(&d0, &dx) && strcmp(ver, before) == 0,
	    "after all three the store is unchanged");
	free(da.buf);
	free(db.buf);
	free(d0.buf);
	free(dx.buf);
	store_close(sa);
	store_close(sb);
	{
		char cmd[400];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
		if (system(cmd) != 0)
			return 1;
	}
	done_testing();
}
