#include "scan/catalog/elfsec.h"

#include <string.h>

void
elfsec_reset(struct elfsec *e, const char *name)
{
	e->state = 0;
	e->hdrlen = 0;
	e->start = e->end = e->seen = 0;
	e->namelen = strlen(name) + 1;
	if (e->namelen > sizeof(e->name))
		e->namelen = 0;		/* nothing can match */
	memcpy(e->name, name, e->namelen);
	e->nhits = 0;
	e->ncarry = 0;
}

/*
 * Note where the name (with its NUL) occurs in [off, off + len),
 * including across the edge with the last block.
 */
static void
elfsec_search(struct elfsec *e, const unsigned char *p, size_t len,
    uint64_t off)
{
	unsigned char	 edge[2 * ELFSEC_NAME];
	const unsigned char *q, *at;
	size_t		 n, take;

	if (e->namelen == 0 || len == 0)
		return;
	/* The edge: the last block's tail and this one's head. */
	take = len < e->namelen - 1 ? len : e->namelen - 1;
	memcpy(edge, e->carry, e->ncarry);
	memcpy(edge + e->ncarry, p, take);
	n = e->ncarry + take;
	for (q = edge; (at = memmem(q, n - (size_t)(q - edge), e->name,
	    e->namelen)) != NULL && (size_t)(at - edge) < e->ncarry;
	    q = at + 1)
		e->hits[e->nhits++ % ELFSEC_HITS] = off - e->ncarry +
		    (uint64_t)(at - edge);
	for (q = p; (at = memmem(q, len - (size_t)(q - p), e->name,
	    e->namelen)) != NULL; q = at + 1)
		e->hits[e->nhits++ % ELFSEC_HITS] = off + (uint64_t)(at - p);
	/* Keep the tail for the next edge. */
	if (len >= e->namelen - 1) {
		e->ncarry = e->namelen - 1;
		memcpy(e->carry, p + len - e->ncarry, e->ncarry);
	} else {
		size_t keep = e->ncarry + len > e->namelen - 1 ?
		    e->namelen - 1 - len : e->ncarry;

		memmove(e->carry, e->carry + e->ncarry - keep, keep);
		memcpy(e->carry + keep, p, len);
		e->ncarry = keep + len;
	}
}

/* Did the name occur at file offset at? */
static int
elfsec_hit(const struct elfsec *e, uint64_t at)
{
	unsigned	i, n = e->nhits < ELFSEC_HITS ? e->nhits : ELFSEC_HITS;

	for (i = 0; i < n; i++)
		if (e->hits[i] == at)
			return 1;
	return 0;
}

static uint64_t
elfsec_rd(const struct elfsec *e, const unsigned char *p, int n)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[e->le ? i : n - 1 - i] << (8 * i);
	return v;
}

/* The header is whole: where is the table, and what to keep. */
static void
elfsec_header(struct elfsec *e)
{
	const unsigned char	*h = e->hdr;
	uint64_t		 table;

	if (memcmp(h, "\177ELF", 4) != 0 || (h[4] != 1 && h[4] != 2) ||
	    (h[5] != 1 && h[5] != 2)) {
		e->state = -1;
		return;
	}
	e->is64 = h[4] == 2;
	e->le = h[5] == 1;
	e->shoff = elfsec_rd(e, h + (e->is64 ? 0x28 : 0x20), e->is64 ? 8 : 4);
	e->shentsize = (unsigned)elfsec_rd(e, h + (e->is64 ? 0x3a : 0x2e), 2);
	e->shnum = (unsigned)elfsec_rd(e, h + (e->is64 ? 0x3c : 0x30), 2);
	e->shstrndx = (unsigned)elfsec_rd(e, h + (e->is64 ? 0x3e : 0x32), 2);
	table = (uint64_t)e->shentsize * e->shnum;
	if (e->shoff < 64 || e->shentsize != (e->is64 ? 64u : 40u) ||
	    e->shnum == 0 || e->shstrndx >= e->shnum ||
	    table > ELFSEC_TABLE || e->shoff > UINT64_MAX - table) {
		e->state = -1;
		return;
	}
	e->start = e->shoff > ELFSEC_TAIL ? e->shoff - ELFSEC_TAIL : 0;
	e->end = e->shoff + table;
	e->state = 1;
}

/* Copy what of [off, off + len) falls in the kept range. */
static void
elfsec_keep(struct elfsec *e, const unsigned char *p, size_t len,
    uint64_t off)
{
	uint64_t	from = off > e->start ? off : e->start;
	uint64_t	to = off + len < e->end ? off + len : e->end;

	if (from >= to)
		return;
	memcpy(e->buf + (from - e->start), p + (from - off), (size_t)(to -
	    from));
	e->seen += to - from;
}

void
elfsec_feed(struct elfsec *e, const void *blk, size_t len, uint64_t off)
{
	const unsigned char	*p = blk;

	if (e->state < 0)
		return;
	if (e->state == 0) {
		/* Sparse or out of order before the header: not for us. */
		if (off != e->hdrlen) {
			e->state = -1;
			return;
		}
		while (e->hdrlen < sizeof(e->hdr) && len > 0) {
			e->hdr[e->hdrlen++] = *p++;
			len--;
			off++;
		}
		if (e->hdrlen < sizeof(e->hdr))
			return;
		elfsec_header(e);
		if (e->state != 1)
			return;
		/* The header itself may fall in the range (a tiny file). */
		elfsec_keep(e, e->hdr, sizeof(e->hdr), 0);
	}
	elfsec_keep(e, p, len, off);
	elfsec_search(e, p, len, off);
}

int
elfsec_capture(struct elfsec *e, uint64_t off, uint64_t size)
{
	elfsec_reset(e, "");
	e->namelen = 0;
	if (size > sizeof(e->buf) || off > UINT64_MAX - size) {
		e->state = -1;
		return -1;
	}
	e->start = off;
	e->end = off + size;
	e->state = 1;
	e->hdrlen = sizeof(e->hdr);	/* no header to wait for */
	return 0;
}

const void *
elfsec_bytes(const struct elfsec *e, uint64_t off, uint64_t size)
{
	if (e->state != 1 || e->seen != e->end - e->start || off < e->start ||
	    off > e->end || size > e->end - off)
		return NULL;
	return e->buf + (off - e->start);
}

int
elfsec_find(const struct elfsec *e, uint64_t *off, uint64_t *size)
{
	const unsigned char	*tab, *sh, *str;
	uint64_t		 stroff, strsize, nm;
	unsigned		 i;
	int			 w = e->is64 ? 8 : 4;

	if (e->state != 1 || e->hdrlen != sizeof(e->hdr) || e->namelen == 0 ||
	    (tab = elfsec_bytes(e, e->shoff, (uint64_t)e->shentsize *
	    e->shnum)) == NULL)
		return 0;
	/* The name table: sh_offset and sh_size of section shstrndx. */
	sh = tab + (size_t)e->shstrndx * e->shentsize;
	stroff = elfsec_rd(e, sh + (e->is64 ? 24 : 16), w);
	strsize = elfsec_rd(e, sh + (e->is64 ? 32 : 20), w);
	if (stroff > UINT64_MAX - strsize)
		return 0;
	/* Kept whole, or else known by where the name occurred. */
	str = elfsec_bytes(e, stroff, strsize);
	for (i = 0; i < e->shnum; i++) {
		sh = tab + (size_t)i * e->shentsize;
		nm = elfsec_rd(e, sh, 4);
		if (nm >= strsize || strsize - nm < e->namelen)
			continue;
		if (str != NULL ? memcmp(str + nm, e->name, e->namelen) != 0 :
		    !elfsec_hit(e, stroff + nm))
			continue;
		/* SHT_NOBITS (8) has no bytes in the file. */
		if (elfsec_rd(e, sh + 4, 4) == 8)
			continue;
		*off = elfsec_rd(e, sh + (e->is64 ? 24 : 16), w);
		*size = elfsec_rd(e, sh + (e->is64 ? 32 : 20), w);
		return 1;
	}
	return 0;
}
