/*
 * sim_venue.h: the entry point of `xroute sim-venue` (tools/sim_venue.c),
 * dispatched from tools/xroute.c's main. Private to tools/.
 */
#ifndef XR_TOOLS_SIM_VENUE_H
#define XR_TOOLS_SIM_VENUE_H

/**
 * Run `xroute sim-venue` with @p argv (argv[0] = "sim-venue"): options,
 * the venue, the loop until SIGTERM or SIGINT.
 * @return the exit status: 0 stopped by a signal; 1 a runtime error; 2
 *         usage, configuration or store error (the message names the file,
 *         section or option).
 * Thread: the process's main thread (it installs signal handlers).
 */
int xr_sim_venue_main(int argc, char **argv);

#endif /* XR_TOOLS_SIM_VENUE_H */
