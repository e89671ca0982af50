/*
 * CVSS v4.0 base (and threat/environmental) score from a vector string.
 *
 * v4.0 has no closed-form equations: a vector falls into one of 270
 * "MacroVectors" (six equivalence sets EQ1-EQ6), each scored by experts,
 * and the score is interpolated down from the MacroVector's value by how
 * far the vector lies from that MacroVector's highest-severity vectors
 * (specification section 8.2). The tables below are the specification's
 * data: MacroVector scores (FIRST's reference calculator, cvss_lookup),
 * the highest-severity vectors of each EQ level (tables 24-30) and their
 * depths. The code is ours; tests/unit/cvss_test.c and
 * tests/integration/db_cvss4.sh check it against an independent
 * implementation on every v4 vector in the corpus.
 */
#include "scan/advisory/cvss.h"

#include <math.h>
#include <string.h>

enum {
	C4_AV, C4_AC, C4_AT, C4_PR, C4_UI, C4_VC, C4_VI, C4_VA, C4_SC, C4_SI, C4_SA,
	C4_E, C4_CR, C4_IR, C4_AR,
	C4_MAV, C4_MAC, C4_MAT, C4_MPR, C4_MUI, C4_MVC, C4_MVI, C4_MVA, C4_MSC,
	C4_MSI, C4_MSA,
	C4_S, C4_AU, C4_R, C4_V, C4_RE, C4_U,
	C4_COUNT,
	C4_BASE = C4_SA + 1		/* metrics a vector must carry */
};

/*
 * Each metric's name and its values in order of severity, highest first:
 * a value's position is its severity level for the distance in 8.2.
 * "X" (not defined) is accepted for every non-base metric; the
 * supplemental metrics (S..U) do not change the score.
 */
static const struct cvss4_metric {
	const char	*name;
	const char	*levels;
} cvss4_metrics[C4_COUNT] = {
	{ "AV", "NALP" }, { "AC", "LH" }, { "AT", "NP" }, { "PR", "NLH" },
	{ "UI", "NPA" }, { "VC", "HLN" }, { "VI", "HLN" }, { "VA", "HLN" },
	{ "SC", "HLN" }, { "SI", "SHLN" }, { "SA", "SHLN" },
	{ "E", "APU" }, { "CR", "HML" }, { "IR", "HML" }, { "AR", "HML" },
	{ "MAV", "NALP" }, { "MAC", "LH" }, { "MAT", "NP" }, { "MPR", "NLH" },
	{ "MUI", "NPA" }, { "MVC", "HLN" }, { "MVI", "HLN" },
	{ "MVA", "HLN" }, { "MSC", "HLN" }, { "MSI", "SHLN" },
	{ "MSA", "SHLN" },
	{ "S", "NP" }, { "AU", "NY" }, { "R", "AUI" }, { "V", "DC" },
	{ "RE", "LMH" }, { "U", "" },
};

/*
 * MacroVector scores in tenths, [EQ1][EQ2][EQ3][EQ6][EQ4 * 3 + EQ5];
 * -1 where the MacroVector does not exist (EQ3=2 with EQ6=0).
 */
static const signed char cvss4_mv[3][2][3][2][9] = {
	{
	    {
		{ { 100, 98, 95, 100, 93, 91, 93, 89, 81 },
		  { 99, 95, 92, 96, 87, 81, 90, 80, 68 } },
		{ { 98, 95, 90, 93, 89, 81, 88, 78, 69 },
		  { 95, 92, 84, 92, 81, 65, 80, 70, 48 } },
		{ { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
		  { 92, 82, 72, 79, 69, 50, 69, 55, 27 } },
	    },
	    {
		{ { 99, 95, 92, 95, 90, 84, 92, 82, 72 },
		  { 97, 92, 85, 91, 83, 71, 81, 71, 53 } },
		{ { 95, 92, 85, 92, 80, 70, 84, 71, 50 },
		  { 93, 85, 73, 82, 72, 59, 70, 52, 30 } },
		{ { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
		  { 86, 75, 52, 71, 52, 29, 63, 29, 17 } },
	    },
	},
	{
	    {
		{ { 98, 94, 91, 94, 86, 77, 87, 74, 63 },
		  { 95, 87, 81, 89, 74, 64, 75, 63, 49 } },
		{ { 94, 88, 76, 86, 74, 59, 72, 57, 52 },
		  { 89, 77, 67, 76, 58, 50, 57, 52, 25 } },
		{ { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
		  { 83, 70, 54, 65, 58, 26, 53, 21, 13 } },
	    },
	    {
		{ { 95, 88, 76, 90, 75, 61, 77, 68, 52 },
		  { 90, 76, 70, 77, 62, 53, 66, 59, 30 } },
		{ { 89, 76, 62, 74, 57, 47, 61, 57, 24 },
		  { 78, 67, 58, 59, 57, 23, 52, 29, 16 } },
		{ { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
		  { 71, 59, 30, 58, 26, 15, 23, 13, 6 } },
	    },
	},
	{
	    {
		{ { 93, 86, 75, 86, 74, 56, 70, 52, 40 },
		  { 87, 72, 58, 74, 61, 34, 54, 40, 22 } },
		{ { 85, 74, 62, 72, 55, 46, 53, 34, 19 },
		  { 75, 55, 51, 57, 41, 19, 36, 19, 8 } },
		{ { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
		  { 64, 51, 20, 47, 21, 11, 24, 9, 4 } },
	    },
	    {
		{ { 88, 73, 60, 73, 59, 41, 54, 45, 20 },
		  { 75, 53, 50, 55, 40, 20, 43, 22, 11 } },
		{ { 75, 58, 40, 61, 48, 20, 46, 17, 8 },
		  { 55, 45, 21, 51, 18, 9, 18, 7, 2 } },
		{ { -1, -1, -1, -1, -1, -1, -1, -1, -1 },
		  { 53, 24, 14, 24, 12, 5, 10, 3, 1 } },
	    },
	},
};

/* Highest-severity vectors of one EQ level, as level indexes. */
struct cvss4_max {
	int		 n;
	signed char	 v[5][6];
};

/* EQ1 (AV, PR, UI), table 24. */
static const struct cvss4_max cvss4_eq1[3] = {
	{ 1, { { 0, 0, 0 } } },
	{ 3, { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } },
	{ 2, { { 3, 0, 0 }, { 1, 1, 1 } } },
};
/* EQ2 (AC, AT), table 25. */
static const struct cvss4_max cvss4_eq2[2] = {
	{ 1, { { 0, 0 } } },
	{ 2, { { 1, 0 }, { 0, 1 } } },
};
/* EQ3 and EQ6 together (VC, VI, VA, CR, IR, AR), table 30. */
static const struct cvss4_max cvss4_eq36[3][2] = {
	{ { 1, { { 0, 0, 0, 0, 0, 0 } } },
	  { 2, { { 0, 0, 1, 1, 1, 0 }, { 0, 0, 0, 1, 1, 1 } } } },
	{ { 2, { { 1, 0, 0, 0, 0, 0 }, { 0, 1, 0, 0, 0, 0 } } },
	  { 5, { { 1, 0, 1, 0, 1, 0 }, { 1, 0, 0, 0, 1, 1 },
		 { 0, 1, 0, 1, 0, 1 }, { 0, 1, 1, 1, 0, 0 },
		 { 1, 1, 0, 0, 0, 1 } } } },
	{ { 0, { { 0 } } },
	  { 1, { { 1, 1, 1, 0, 0, 0 } } } },
};
/* EQ4 (SC, SI, SA), table 27; SI and SA count S as level 0. */
static const struct cvss4_max cvss4_eq4[3] = {
	{ 1, { { 0, 0, 0 } } },
	{ 1, { { 0, 1, 1 } } },
	{ 1, { { 1, 2, 2 } } },
};
/* How many severity steps each EQ level spans. */
static const int cvss4_depth1[3] = { 0, 3, 4 };
static const int cvss4_depth2[2] = { 0, 1 };
static const int cvss4_depth36[3][2] = { { 6, 5 }, { 7, 7 }, { -1, 9 } };
static const int cvss4_depth4[3] = { 5, 4, 3 };

/* Split the vector into level indexes; -1 = not given or X. 0/-1. */
static int
cvss4_parse(const char *vec, int lv[C4_COUNT])
{
	const char	*p;
	int		 i;

	for (i = 0; i < C4_COUNT; i++)
		lv[i] = -2;			/* not seen */
	if (vec == NULL || strncmp(vec, "CVSS:4.0/", 9) != 0)
		return -1;
	for (p = vec + 9; *p != '\0';) {
		size_t		 len = strcspn(p, "/");
		const char	*colon = memchr(p, ':', len);
		size_t		 klen, vlen;
		const char	*val, *at;

		if (colon == NULL)
			return -1;
		klen = (size_t)(colon - p);
		val = colon + 1;
		vlen = len - klen - 1;
		for (i = 0; i < C4_COUNT; i++)
			if (strlen(cvss4_metrics[i].name) == klen &&
			    strncmp(cvss4_metrics[i].name, p, klen) == 0)
				break;
		if (i == C4_COUNT || lv[i] != -2 || vlen == 0)
			return -1;
		if (vlen == 1 && *val == 'X' && i >= C4_BASE)
			lv[i] = -1;
		else if (i == C4_U)
			lv[i] = -1;		/* Clear/Green/...: no score */
		else if (vlen == 1 && (at = strchr(cvss4_metrics[i].levels,
		    *val)) != NULL &&
		    !((i == C4_SI || i == C4_SA) && *val == 'S'))
			lv[i] = (int)(at - cvss4_metrics[i].levels);
		else
			return -1;
		p += len;
		if (*p == '/' && *++p == '\0')
			return -1;
	}
	for (i = 0; i < C4_BASE; i++)
		if (lv[i] < 0)
			return -1;
	for (i = C4_BASE; i < C4_COUNT; i++)
		if (lv[i] == -2)
			lv[i] = -1;
	return 0;
}

/*
 * The value a metric counts with: its modified (M*) value when given;
 * an undefined E counts as A (attacked), undefined CR/IR/AR as H.
 */
static int
cvss4_real(const int lv[C4_COUNT], int m)
{
	if (m < C4_BASE && lv[C4_MAV + m] >= 0)
		return lv[C4_MAV + m];
	return lv[m] < 0 ? 0 : lv[m];
}

/*
 * Severity distance of the vector from the first highest vector of its
 * EQ level that it does not exceed anywhere (8.2 step 1.b); 0 if none.
 */
static int
cvss4_distance(const struct cvss4_max *mx, const int *have, int n)
{
	int	 i, j, sum;

	for (i = 0; i < mx->n; i++) {
		for (sum = 0, j = 0; j < n; j++) {
			int d = have[j] - mx->v[i][j];

			if (d < 0)
				break;
			sum += d;
		}
		if (j == n)
			return sum;
	}
	return 0;
}

/*
 * One EQ's part of the mean (8.2 step 1): the score gap to the next
 * lower MacroVector times how far into its depth this vector lies.
 */
static double
cvss4_part(double value, double next, const struct cvss4_max *mx,
    const int *have, int n, int depth)
{
	return fabs(value - next) * cvss4_distance(mx, have, n) / (depth + 1);
}

double
cvss4_score(const char *vec)
{
	int	 lv[C4_COUNT], r[C4_COUNT], m;
	int	 eq1, eq2, eq3, eq4, eq5, eq6, lower = 0;
	int	 h1[3], h2[2], h36[6], h4[3];
	double	 value, next, mean = 0;

	if (cvss4_parse(vec, lv) == -1)
		return -1;
	for (m = 0; m <= C4_AR; m++)
		r[m] = cvss4_real(lv, m);
	/* Nothing affected, here or downstream: no score to give. */
	if (r[C4_VC] == 2 && r[C4_VI] == 2 && r[C4_VA] == 2 && r[C4_SC] == 2 &&
	    r[C4_SI] == 3 && r[C4_SA] == 3)
		return 0.0;

	/* The MacroVector (8.1): levels 0 (worst) upward. */
	if (r[C4_AV] == 0 && r[C4_PR] == 0 && r[C4_UI] == 0)
		eq1 = 0;
	else if ((r[C4_AV] == 0 || r[C4_PR] == 0 || r[C4_UI] == 0) &&
	    r[C4_AV] != 3)
		eq1 = 1;
	else
		eq1 = 2;
	eq2 = (r[C4_AC] == 0 && r[C4_AT] == 0) ? 0 : 1;
	if (r[C4_VC] == 0 && r[C4_VI] == 0)
		eq3 = 0;
	else if (r[C4_VC] == 0 || r[C4_VI] == 0 || r[C4_VA] == 0)
		eq3 = 1;
	else
		eq3 = 2;
	if (r[C4_SI] == 0 || r[C4_SA] == 0)
		eq4 = 0;
	else if (r[C4_SC] == 0 || r[C4_SI] == 1 || r[C4_SA] == 1)
		eq4 = 1;
	else
		eq4 = 2;
	eq5 = r[C4_E];
	eq6 = ((r[C4_CR] == 0 && r[C4_VC] == 0) ||
	    (r[C4_IR] == 0 && r[C4_VI] == 0) ||
	    (r[C4_AR] == 0 && r[C4_VA] == 0)) ? 0 : 1;

#define MV(a, b, c, f, d, e)	cvss4_mv[a][b][c][f][(d) * 3 + (e)]
	value = MV(eq1, eq2, eq3, eq6, eq4, eq5) / 10.0;

	/* 8.2 step 1: per EQ, the score gap to the next lower MacroVector
	 * times how far into its depth this vector already lies. */
	h1[0] = r[C4_AV]; h1[1] = r[C4_PR]; h1[2] = r[C4_UI];
	h2[0] = r[C4_AC]; h2[1] = r[C4_AT];
	h36[0] = r[C4_VC]; h36[1] = r[C4_VI]; h36[2] = r[C4_VA];
	h36[3] = r[C4_CR]; h36[4] = r[C4_IR]; h36[5] = r[C4_AR];
	h4[0] = r[C4_SC]; h4[1] = r[C4_SI]; h4[2] = r[C4_SA];

	if (eq1 < 2) {
		mean += cvss4_part(value, MV(eq1 + 1, eq2, eq3, eq6, eq4, eq5) /
		    10.0, &cvss4_eq1[eq1], h1, 3, cvss4_depth1[eq1]);
		lower++;
	}
	if (eq2 < 1) {
		mean += cvss4_part(value, MV(eq1, eq2 + 1, eq3, eq6, eq4, eq5) /
		    10.0, &cvss4_eq2[eq2], h2, 2, cvss4_depth2[eq2]);
		lower++;
	}
	/* EQ3 and EQ6 move together: 00 -> 01 or 10 (the higher), 01 ->
	 * 11, 10 -> 11, 11 -> 21; 21 is the bottom. */
	if (!(eq3 == 2 && eq6 == 1)) {
		if (eq3 == 0 && eq6 == 0)
			next = fmax(MV(eq1, eq2, 1, 0, eq4, eq5),
			    MV(eq1, eq2, 0, 1, eq4, eq5)) / 10.0;
		else if (eq6 == 0)
			next = MV(eq1, eq2, eq3, 1, eq4, eq5) / 10.0;
		else
			next = MV(eq1, eq2, eq3 + 1, eq6, eq4, eq5) / 10.0;
		mean += cvss4_part(value, next, &cvss4_eq36[eq3][eq6], h36, 6,
		    cvss4_depth36[eq3][eq6]);
		lower++;
	}
	if (eq4 < 2) {
		mean += cvss4_part(value, MV(eq1, eq2, eq3, eq6, eq4 + 1, eq5) /
		    10.0, &cvss4_eq4[eq4], h4, 3, cvss4_depth4[eq4]);
		lower++;
	}
	/* EQ5 has one metric, so its distance is always 0: it only
	 * counts towards the mean's divisor. */
	if (eq5 < 2)
		lower++;
#undef MV
	if (lower > 0)
		value -= mean / lower;
	value = fmin(fmax(value, 0.0), 10.0);
	return round(value * 10.0 + 1e-9) / 10.0;
}
