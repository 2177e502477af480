/* sim_host.h - a wells host with simulated time: the clock only moves when a thread "works"
 * (sim_work) or when wells idles (it jumps to the next armed deadline), so every run of the
 * same workload gives exactly the same figures. */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stdint.h>
#include "wells.h"

/* Starts wells on the simulated host. */
wells_status sim_start(void);
/* Shuts wells down. */
wells_status sim_stop(void);
/* Simulated work: `ms` milliseconds of CPU, a timer interrupt after each one. */
void sim_work(uint32_t ms);
/* The simulated clock. */
uint64_t sim_now_ns(void);

#endif
