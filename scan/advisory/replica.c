#include "scan/advisory/replica.h"
#include "store/db.h"
#include "conf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Bounds on what an import accepts: LMDB's key limit, a large record. */
#define REPLICA_MAX_KEY		511
#define REPLICA_MAX_VAL		(64u << 20)
#define REPLICA_END		'E'

static const char replica_kinds[] = { 'A', 'I', 'S' };

struct replica_out {
	gzFile		 gz;
	uint64_t	 n;
};

static void
replica_be32(unsigned char *b, uint32_t v)
{
	b[0] = (unsigned char)(v >> 24);
	b[1] = (unsigned char)(v >> 16);
	b[2] = (unsigned char)(v >> 8);
	b[3] = (unsigned char)v;
}

static uint32_t
replica_get32(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* One record out. 0 or -1. */
static int
replica_put(gzFile gz, char kind, const void *k, size_t kl, const void *v,
    size_t vl)
{
	unsigned char	h[9];

	h[0] = (unsigned char)kind;
	replica_be32(h + 1, (uint32_t)kl);
	replica_be32(h + 5, (uint32_t)vl);
	if (gzwrite(gz, h, 9) != 9 || (kl > 0 && gzwrite(gz, k,
	    (unsigned)kl) != (int)kl) || (vl > 0 && gzwrite(gz, v,
	    (unsigned)vl) != (int)vl))
		return -1;
	return 0;
}

static int
replica_dump_cb(enum store_adv_part part, const void *k, size_t kl,
    const void *v, size_t vl, void *arg)
{
	struct replica_out	*o = arg;

	if (kl > REPLICA_MAX_KEY || vl > REPLICA_MAX_VAL ||
	    replica_put(o->gz, replica_kinds[part], k, kl, v, vl) == -1)
		return -1;
	o->n++;
	return 0;
}

int
replica_export(struct store *st, const char *path, char *ver, size_t verlen,
    uint64_t *records)
{
	struct replica_out	o = { NULL, 0 };
	unsigned char		cnt[8];
	int			i, rv = -1;

	if (store_meta_get(st, "data_version", ver, verlen) != STORE_OK) {
		log_warnx("replica: the store has no advisory data to export");
		return -1;
	}
	if ((o.gz = gzopen(path, "wb6")) == NULL) {
		log_warn("replica: %s", path);
		return -1;
	}
	if (gzputs(o.gz, REPLICA_MAGIC) == -1 ||
	    store_adv_dump(st, replica_dump_cb, &o) == -1)
		goto done;
	for (i = 0; i < 8; i++)
		cnt[i] = (unsigned char)(o.n >> (56 - 8 * i));
	if (replica_put(o.gz, REPLICA_END, ver, strlen(ver), cnt, 8) == -1)
		goto done;
	*records = o.n;
	rv = 0;
 done:
	if (gzclose(o.gz) != Z_OK)
		rv = -1;
	if (rv == -1) {
		log_warnx("replica: cannot write %s", path);
		remove(path);
	}
	return rv;
}

int
replica_is(const char *path)
{
	gzFile	gz;
	char	buf[sizeof(REPLICA_MAGIC)];
	int	n;

	if ((gz = gzopen(path, "rb")) == NULL)
		return 0;
	n = gzread(gz, buf, (unsigned)strlen(REPLICA_MAGIC));
	gzclose(gz);
	return n == (int)strlen(REPLICA_MAGIC) &&
	    memcmp(buf, REPLICA_MAGIC, (size_t)n) == 0;
}

/*
 * Stage every record of an open file in the write transaction. 0 with
 * ver and *records, -1 bad file, -2 the store is full.
 */
static int
replica_read(struct store *st, gzFile gz, char *ver, size_t verlen,
    uint64_t *records)
{
	unsigned char		 h[9], *buf = NULL, *nb;
	size_t			 cap = 0, kl, vl;
	uint64_t		 n = 0, want = 0;
	enum store_status	 s;
	enum store_adv_part	 part;
	int			 i, rv = -1;

	for (;;) {
		if (gzread(gz, h, 9) != 9) {
			log_warnx("replica: the file ends before its end record");
			goto done;
		}
		kl = replica_get32(h + 1);
		vl = replica_get32(h + 5);
		if (kl > REPLICA_MAX_KEY || vl > REPLICA_MAX_VAL) {
			log_warnx("replica: a record past the bounds");
			goto done;
		}
		if (kl + vl + 1 > cap) {
			if ((nb = realloc(buf, kl + vl + 1)) == NULL)
				goto done;
			buf = nb;
			cap = kl + vl + 1;
		}
		if (kl + vl > 0 && gzread(gz, buf, (unsigned)(kl + vl)) !=
		    (int)(kl + vl)) {
			log_warnx("replica: the file ends inside a record");
			goto done;
		}
		if (h[0] == REPLICA_END)
			break;
		for (i = 0; i < 3 && replica_kinds[i] != (char)h[0]; i++)
			;
		if (i == 3 || kl == 0) {
			log_warnx("replica: an unknown record kind");
			goto done;
		}
		part = (enum store_adv_part)i;
		s = store_adv_raw_put(st, part, buf, kl, buf + kl, vl);
		if (s == STORE_FULL) {
			rv = -2;
			goto done;
		}
		if (s != STORE_OK)
			goto done;
		n++;
	}
	if (vl != 8 || kl == 0 || kl >= verlen) {
		log_warnx("replica: a malformed end record");
		goto done;
	}
	for (i = 0; i < 8; i++)
		want = want << 8 | buf[kl + (size_t)i];
	if (want != n) {
		log_warnx("replica: %llu records, the end record says %llu",
		    (unsigned long long)n, (unsigned long long)want);
		goto done;
	}
	memcpy(ver, buf, kl);
	ver[kl] = '\0';
	*records = n;
	rv = 0;
 done:
	free(buf);
	return rv;
}

struct replica_in {
	const char	*path;
	char		*ver;
	size_t		 verlen;
	uint64_t	*records;
};

/* store_write_retry's stage: the old data out, the file's in. */
static int
replica_stage(struct store *st, void *arg)
{
	struct replica_in	*in = arg;
	gzFile			 gz;
	char			 magic[sizeof(REPLICA_MAGIC)];
	int			 rv = -1;

	if ((gz = gzopen(in->path, "rb")) == NULL) {
		log_warn("replica: %s", in->path);
		return -1;
	}
	if (gzread(gz, magic, (unsigned)strlen(REPLICA_MAGIC)) !=
	    (int)strlen(REPLICA_MAGIC) || memcmp(magic, REPLICA_MAGIC,
	    strlen(REPLICA_MAGIC)) != 0)
		log_warnx("replica: %s is not portcullis advisory data",
		    in->path);
	else if (store_adv_clear(st) == STORE_OK &&
	    (rv = replica_read(st, gz, in->ver, in->verlen, in->records)) == 0)
		switch (store_meta_put(st, "data_version", in->ver)) {
		case STORE_OK:
			break;
		case STORE_FULL:
			rv = -2;
			break;
		default:
			rv = -1;
		}
	gzclose(gz);
	return rv;
}

int
replica_import(struct store *st, const char *path, char *ver, size_t verlen,
    uint64_t *records)
{
	struct replica_in	in = { path, ver, verlen, records };

	if (store_write_retry(st, replica_stage, &in) == -1) {
		log_warnx("replica: %s not imported; the advisory data is "
		    "unchanged", path);
		return -1;
	}
	return 0;
}
