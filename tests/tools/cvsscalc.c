/*
 * cvsscalc: for each CVSS vector on stdin, "<score> <vector>" on stdout
 * (score -1.0 for a vector refused), so a test can hold portcullis'
 * scoring against another implementation line by line.
 */
#include "scan/advisory/cvss.h"

#include <stdio.h>
#include <string.h>

int
main(void)
{
	char	line[1024];

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		printf("%.1f %s\n", strncmp(line, "CVSS:4.0/", 9) == 0 ?
		    cvss4_score(line) : cvss3_score(line), line);
	}
	return 0;
}
