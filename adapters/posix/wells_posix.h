/* wells_posix.h - host operations for wells in a POSIX process (Linux user space, later embox).
 *
 * Usage, from one host thread:
 *     wells_posix_start(0);          // wells_init with this adapter's host ops
 *     ... create threads, ports, ... // wells_* calls
 *     wells_run();                   // runs the wells threads on this host thread
 *     wells_posix_stop();            // wells_shutdown, then the timer and signal are put back
 *
 * The host thread that calls wells_posix_start receives the tick signal, so it must be the
 * thread that calls wells_run. See adapters/posix/README.md for the rules that follow from
 * running wells threads inside a signal-driven host thread.
 */
#ifndef WELLS_POSIX_H
#define WELLS_POSIX_H

#include <stddef.h>

#include "wells.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills a struct wells_host_ops, installs the tick signal, calls wells_init.
 * heap_size 0 = WELLS_DEFAULT_HEAP_SIZE. Returns wells_init's status, or WELLS_ERR_LIMIT when the
 * OS refuses the signal handler or the timer; on any error nothing is left installed. A second
 * start without a stop returns WELLS_ERR_ALREADY_INITIALIZED. */
wells_status wells_posix_start(size_t heap_size);

/* Clocks for wells_posix_start_clock. */
#define WELLS_POSIX_CLOCK_MONOTONIC 0 /* the host's CLOCK_MONOTONIC (what wells_posix_start uses) */
#define WELLS_POSIX_CLOCK_CPU 1       /* the host thread's CPU time plus the idle time skipped */

/* wells_posix_start with a chosen clock. WELLS_POSIX_CLOCK_CPU counts only the CPU time the
 * wells host thread used, and when wells has nothing to run it jumps straight to the next
 * deadline instead of waiting: time then follows the work wells did, like QEMU's -icount,
 * whatever else loads the machine (the timing tests use it). Its timer expires on the host
 * kernel's scheduler tick while a wells thread computes (a few ms late at most), exactly when
 * wells is idle. WELLS_ERR_INVALID_ARGUMENT for an unknown clock. */
wells_status wells_posix_start_clock(size_t heap_size, int clock);

/* wells_shutdown, then deletes the timer and restores the previous signal disposition and mask.
 * Returns wells_shutdown's status; if that is an error other than WELLS_ERR_NOT_INITIALIZED
 * (e.g. WELLS_ERR_BAD_CONTEXT when called from a wells thread) the adapter stays installed. */
wells_status wells_posix_stop(void);

#ifdef __cplusplus
}
#endif

#endif /* WELLS_POSIX_H */
