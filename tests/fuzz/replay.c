/*
 * replay: the corpus driver shared by the fuzz targets (tests/fuzz/), for
 * the builds without libFuzzer. It feeds every file named, and every file
 * in every directory named, to the target's LLVMFuzzerTestOneInput() as an
 * exact-size copy (as libFuzzer passes it, so ASan sees any over-read);
 * the target traps on a broken invariant. Exit 0 if every input was read,
 * 1 if one could not be or none was found, 2 on usage.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"

const char *xr_fuzz_input = "(no input yet)";
static const char *xr__prog = "fuzz";

/* Replay: every file named, and every file in every directory named. */

static int
xr__replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", xr__prog, path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(data, cap);
			if (p == NULL) {
				fprintf(stderr, "%s: %s: out of memory\n", xr__prog, path);
				free(data);
				fclose(f);
				return -1;
			}
			data = p;
		}
		size_t r = fread(data + size, 1, cap - size, f);
		size += r;
		if (r == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		fprintf(stderr, "%s: %s: read error\n", xr__prog, path);
		free(data);
		return -1;
	}
	/* An exact-size copy, as libFuzzer passes: ASan sees any over-read. */
	uint8_t *exact = malloc(size ? size : 1);
	if (exact == NULL) {
		free(data);
		return -1;
	}
	memcpy(exact, data, size);
	free(data);
	xr_fuzz_input = path;
	LLVMFuzzerTestOneInput(exact, size);
	free(exact);
	(*count)++;
	return 0;
}

static int
xr__replay(const char *path, size_t *count)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", xr__prog, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return xr__replay_file(path, count);
	DIR *d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", xr__prog, path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		if (e->d_name[0] == '.')
			continue;
		char sub[4096];
		if (snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name) >= (int)sizeof(sub)) {
			fprintf(stderr, "%s: %s/%s: path too long\n", xr__prog, path, e->d_name);
			rc = -1;
			continue;
		}
		if (xr__replay(sub, count) != 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *slash = strrchr(argv[0], '/');
	xr__prog = slash != NULL ? slash + 1 : argv[0];
	size_t count = 0;
	int rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", xr__prog);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (xr__replay(argv[i], &count) != 0)
			rc = 1;
	if (count == 0) {
		fprintf(stderr, "%s: no input found\n", xr__prog);
		return 1;
	}
	printf("%s: %zu inputs replayed, every invariant held\n", xr__prog, count);
	return rc;
}
