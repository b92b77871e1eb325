/* Replays inputs through a fuzz target without libFuzzer: each file named
 * on the command line is one call of LLVMFuzzerTestOneInput, under a limit
 * of one second (a slower input fails as libFuzzer's -timeout=1 would).
 * Built with the sanitizers, it is how make test runs the seeds and every
 * finding kept in tests/fuzz/regress/. Prints "N passed, N failed". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static const char *current;

static void on_alarm(int sig)
{
	static const char msg[] = "replay: over 1 s on ";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0 || write(2, current, strlen(current)) < 0 ||
	    write(2, "\n", 1) < 0) {
		/* exiting either way */
	}
	_exit(1);
}

/* The whole file at path, in a block of exactly its size. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *p;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) < 0 || !(p = malloc((size_t)st.st_size + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(p, 1, (size_t)st.st_size, f);
	fclose(f);
	return p;
}

int main(int argc, char **argv)
{
	int i, passed = 0, failed = 0;

	signal(SIGALRM, on_alarm);
	for (i = 1; i < argc; i++) {
		size_t len = 0;
		uint8_t *p = slurp(argv[i], &len);

		if (!p) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			failed++;
			continue;
		}
		current = argv[i];
		alarm(1);
		LLVMFuzzerTestOneInput(p, len);
		alarm(0);
		free(p);
		passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
