/*
 * What an advisory import did, counted by each reader (osv.c, secdb.c)
 * and reported by the command that ran it.
 */
#ifndef SCAN_ADVISORY_TALLY_H
#define SCAN_ADVISORY_TALLY_H

struct tally {
	unsigned long	records;	/* accepted */
	unsigned long	entries;	/* (ecosystem, package) rows written */
	unsigned long	withdrawn;	/* removed */
	unsigned long	rejected;	/* malformed, named in the log */
	unsigned long	unknown_eco;	/* affected entries we cannot order */
	unsigned long	secdb_docs;	/* Alpine secdb documents read */
	unsigned long	secdb_fixes;	/* ... (package, id) advisories */
	unsigned long	not_affected;	/* ... ids under "0": never affected */
};

#endif
