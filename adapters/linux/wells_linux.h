/* wells_linux.h - wells host operations for the Linux kernel (adapters/linux).
 *
 * The adapter owns everything wells needs from Linux: memory (counted), the clock (ktime), an
 * hrtimer for wells' one-shot timer, printk with a "wells: " prefix, and the delivery of ticks.
 * Only this folder and linux-module/ call Linux APIs. See docs/linux-module.md.
 */
#ifndef WELLS_LINUX_H
#define WELLS_LINUX_H

#include <linux/types.h>
#include "wells.h"

struct task_struct;

/* Counted allocations: every byte the module takes from Linux goes through these, so unload
 * can report how many are still live (must be 0). Small sizes come from kmalloc, large ones
 * (>= 1 page, e.g. the wells heap) from vmalloc. May sleep. */
void *wells_linux_alloc(size_t size);
void wells_linux_free(void *ptr);
long wells_linux_live_allocations(void);

/* Starts wells (wells_init) with a heap of heap_size bytes (0: WELLS_DEFAULT_HEAP_SIZE) and
 * names the Linux task that will call wells_run: ticks are delivered to it. */
wells_status wells_linux_start(size_t heap_size);
void wells_linux_set_host_task(struct task_struct *task);

/* wells_shutdown, then cancels the hrtimer and waits for a running callback to finish.
 * Returns wells_shutdown's status. Leaves no timer armed. */
wells_status wells_linux_stop(void);

/* True when the hrtimer is armed or its callback runs now. */
bool wells_linux_timer_active(void);

/* Counters for the state table. */
struct wells_linux_stats {
	u64 timer_fires;     /* hrtimer callbacks */
	u64 timer_fires_hardirq; /* of those, run in hard interrupt context (all, on RT too) */
	u64 ticks_delivered; /* wells_tick calls made in the host task */
	u64 idles;           /* times the host task slept waiting for a tick */
};
void wells_linux_stats(struct wells_linux_stats *out);

/* The Linux scheduling class of the host task: 0 = SCHED_NORMAL (the default), 1..99 =
 * SCHED_FIFO at that priority, so RT tasks below it cannot starve wells. Returns 0 or -errno. */
#define WELLS_LINUX_MAX_FIFO 99
int wells_linux_set_host_priority(struct task_struct *task, int fifo_priority);
/* 0 for SCHED_NORMAL (or any non-FIFO class), else the SCHED_FIFO priority. */
int wells_linux_host_priority(struct task_struct *task);

/* printk with the "wells: " prefix (for the module's own messages). */
#define wells_pr(fmt, ...) printk(KERN_INFO "wells: " fmt, ##__VA_ARGS__)

#endif /* WELLS_LINUX_H */
