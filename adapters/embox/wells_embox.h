/* wells_embox.h - host operations for wells in an embox task (adapters/embox/README.md).
 *
 * Usage, from one embox thread (a shell command's main):
 *     wells_embox_start(0);          // wells_init with this adapter's host ops, starts the ticker
 *     ... create threads, ports, ... // wells_* calls
 *     wells_run();                   // runs the wells threads on this embox thread
 *     wells_embox_stop();            // stops the ticker, wells_shutdown
 */
#ifndef WELLS_EMBOX_H
#define WELLS_EMBOX_H

#include <stddef.h>
#include <stdint.h>

#include <wells.h>

/* How often the ticker thread looks at wells' deadline, microseconds. */
#define WELLS_EMBOX_TICK_PERIOD_US 1000

/* Fills a struct wells_host_ops, calls wells_init (heap_size 0 = wells' default), then starts
 * the ticker thread. Returns wells_init's status, or WELLS_ERR_LIMIT when embox refuses the
 * thread (wells is shut down again then). WELLS_ERR_ALREADY_INITIALIZED after a start without
 * a stop. */
wells_status wells_embox_start(size_t heap_size);

/* Stops the ticker, then wells_shutdown. Returns wells_shutdown's status; when that fails
 * (e.g. WELLS_ERR_BAD_CONTEXT from a wells thread) the ticker is started again. */
wells_status wells_embox_stop(void);

/* Ticks the ticker handed to wells since the last start (for the statistics). */
uint64_t wells_embox_ticks(void);

#endif /* WELLS_EMBOX_H */
