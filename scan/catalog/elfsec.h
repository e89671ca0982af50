/*
 * One named section of an ELF file that streams past once: the header
 * (at the start) says where the section header table is (near the
 * end); the bytes just before it and the table itself are kept, and
 * where the section's name occurs in the file is noted as it passes,
 * so at the end of the file the section is found by name even when the
 * name table lies far before the table (unstripped binaries put the
 * symbol names between them). Its bytes are at hand when they fell in
 * what was kept (a section added after linking); otherwise the caller
 * reads the file again and captures just that range (elfsec_capture).
 */
#ifndef SCAN_CATALOG_ELFSEC_H
#define SCAN_CATALOG_ELFSEC_H

#include <stddef.h>
#include <stdint.h>

#define ELFSEC_TAIL	(64 * 1024)	/* kept before the header table */
#define ELFSEC_TABLE	(64 * 1024)	/* the header table, at most */
#define ELFSEC_NAME	16		/* a name's bytes, NUL included */
#define ELFSEC_HITS	16		/* its last occurrences kept */

struct elfsec {
	int		 state;		/* -1 off, 0 header, 1 keeping */
	unsigned char	 hdr[64];
	size_t		 hdrlen;
	int		 is64, le;
	uint64_t	 shoff;
	unsigned	 shentsize, shnum, shstrndx;
	uint64_t	 start, end;	/* the file range kept */
	uint64_t	 seen;		/* bytes of it received */
	char		 name[ELFSEC_NAME];	/* searched, with its NUL */
	size_t		 namelen;
	uint64_t	 hits[ELFSEC_HITS];	/* where it occurs: a ring */
	unsigned	 nhits;
	unsigned char	 carry[ELFSEC_NAME];	/* the last block's end */
	size_t		 ncarry;
	unsigned char	 buf[ELFSEC_TAIL + ELFSEC_TABLE];
};

/* Look for the section called name (shorter than ELFSEC_NAME). */
void		 elfsec_reset(struct elfsec *, const char *name);
/* The next block of the file, at offset off within it. */
void		 elfsec_feed(struct elfsec *, const void *, size_t,
		    uint64_t off);
/*
 * At the end of the file: the section, as *off and *size in the file.
 * 1 found, 0 not (not ELF, no such section, a table that does not fit
 * or lies).
 */
int		 elfsec_find(const struct elfsec *, uint64_t *off,
		    uint64_t *size);
/* The bytes [off, off + size) if they were kept whole, else NULL. */
const void	*elfsec_bytes(const struct elfsec *, uint64_t off,
		    uint64_t size);
/*
 * Keep exactly [off, off + size) of the next file (size at most
 * sizeof(buf)); elfsec_bytes hands them over at its end. 0, or -1 when
 * it is too large.
 */
int		 elfsec_capture(struct elfsec *, uint64_t off, uint64_t size);

#endif
