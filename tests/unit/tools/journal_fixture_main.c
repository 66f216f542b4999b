/*
 * journal-fixture: the journal fixtures (tests/common/journal_fixture.h)
 * as a program, for tests/unit/tools/test_journal_cli.sh.
 *
 *   journal-fixture sample FILE
 *   journal-fixture bulk FILE NSIGNALS
 *   journal-fixture leaf FILE TABLE NTH     prints "PGNO FIRST LAST PAGE_SIZE"
 *   journal-fixture smash FILE PGNO PAGE_SIZE OFFSET LEN BYTE
 *
 * Exit status 0, or 1 with the message on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "journal_fixture.h"

int
main(int argc, char **argv)
{
	char err[512] = "usage: journal-fixture sample|bulk|leaf|smash FILE ...";
	int rc = -1;

	if (argc == 3 && strcmp(argv[1], "sample") == 0) {
		rc = jfx_sample(argv[2], err, sizeof(err));
	} else if (argc == 4 && strcmp(argv[1], "bulk") == 0) {
		rc = jfx_bulk(argv[2], strtoll(argv[3], NULL, 10), err, sizeof(err));
	} else if (argc == 5 && strcmp(argv[1], "leaf") == 0) {
		int64_t pg, first, last, psz;
		rc = jfx_leaf(argv[2], argv[3], (unsigned)strtoul(argv[4], NULL, 10), &pg, &first,
			      &last, &psz, err, sizeof(err));
		if (rc == 0)
			printf("%lld %lld %lld %lld\n", (long long)pg, (long long)first,
			       (long long)last, (long long)psz);
	} else if (argc == 8 && strcmp(argv[1], "smash") == 0) {
		rc = jfx_smash(argv[2], strtoll(argv[3], NULL, 10), strtoll(argv[4], NULL, 10),
			       strtoll(argv[5], NULL, 10), strtoll(argv[6], NULL, 10),
			       (int)strtol(argv[7], NULL, 0), err, sizeof(err));
	}
	if (rc != 0) {
		fprintf(stderr, "journal-fixture: %s\n", err);
		return 1;
	}
	return 0;
}
