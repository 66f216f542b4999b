/*
 * xr_journal_cli: `xroute journal`, reading a journal from the command
 * line (docs/journal.md "xroute journal"): query, export, salvage, check,
 * and replay (docs/journal.md "Replay").
 */
#ifndef XR_JOURNAL_CLI_H
#define XR_JOURNAL_CLI_H

/**
 * Run `xroute journal SUBCOMMAND ...`.
 *
 * @param argc  number of arguments in argv.
 * @param argv  argv[0] = "journal", argv[1] the subcommand (query, export,
 *              salvage, check, replay, --help), then its arguments.
 * @return the exit status: 0 success (query: signals matched; salvage:
 *         nothing lost; check: no damage; replay: no decision differs); 1
 *         query matched nothing, salvage lost rows, check found damage,
 *         export could not write its output, or replay found differences;
 *         2 usage error or a journal that cannot be read (the message, on
 *         stderr, names the option or the file and the cause); replay also
 *         for an unknown run or a replay that could not run.
 * Thread: the process's main thread (it writes stdout and stderr).
 */
int xr_journal_main(int argc, char **argv);

#endif /* XR_JOURNAL_CLI_H */
