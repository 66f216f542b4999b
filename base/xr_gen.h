/*
 * xr_gen: `xroute gen`, the synthetic signal file generator
 * (docs/signals.md, "Generating signal files").
 */
#ifndef XR_GEN_H
#define XR_GEN_H

/**
 * Run `xroute gen`: write a deterministic, realistic signal file.
 *
 * @param argc  number of arguments in argv.
 * @param argv  argv[0] = "gen", then the options (--signals N --users U
 *              --symbols S --seed X -o FILE [--rate PER_S]
 *              [--error-ppm P] [--start-ns T]; -o - is stdout; --help).
 * @return 0 on success (and for --help, which prints the usage to
 *         stdout), 2 on a usage error (message and usage on stderr), 1 if
 *         the output cannot be opened or written or memory runs out
 *         (message on stderr).
 * Thread: any; not reentrant with respect to its output file.
 */
int xr_gen_main(int argc, char **argv);

/** The usage text `xroute gen --help` prints to stdout (and a usage error
 * to stderr), NUL-terminated. */
extern const char xr_gen_usage[];

#endif /* XR_GEN_H */
