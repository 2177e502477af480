/* wells_linux.c - wells host operations for the Linux kernel.
 *
 * wells runs entirely in one Linux task, the "host task" (a kthread of linux-module/ that calls
 * wells_run): its threads are contexts of that task on their own stacks. Nothing else ever
 * enters wells, so the only state shared with other Linux contexts is small and atomic:
 *
 *  - the hrtimer callback (hard interrupt context, also on PREEMPT_RT: the timer is started
 *    with a _HARD mode, else RT would run it in the ktimers thread) never calls into wells: switching stacks
 *    inside an interrupt handler is not allowed in Linux. It marks a tick pending and wakes
 *    the host task. The tick is delivered in the host task: by the idle callback (wells_run's
 *    loop ticks right after idle returns) and by the clock callback, which wells calls on
 *    every kernel entry that looks at time; inside a wells critical section the tick defers
 *    itself to the end of the section, exactly as a POSIX signal does in the user-space
 *    adapter. A wells thread that computes without ever calling wells is therefore not
 *    time-sliced by wells (Linux still preempts the host task as a whole).
 *  - the allocation counter is atomic; the console line buffer has a spinlock.
 *
 * Linux may preempt or migrate the host task at any point, wells critical sections included:
 * all of wells stops with it, and since no other context enters wells that is safe.
 */
#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/version.h>
#include <uapi/linux/sched/types.h>

#include "wells_linux.h"

/* Hard interrupt context on every kernel: on PREEMPT_RT a plain mode means a soft timer, run
 * by the ktimers thread at its priority, after any RT task above it. */
#define WELLS_HRTIMER_MODE HRTIMER_MODE_ABS_HARD

static atomic_long_t live_allocations = ATOMIC_LONG_INIT(0);

static struct {
	struct hrtimer timer;
	bool timer_ready;
	struct task_struct *host_task;
	atomic_t tick_pending;
	atomic64_t timer_fires;
	atomic64_t timer_fires_hardirq; /* of those, how many ran in hard interrupt context */
	u64 ticks_delivered; /* host task only */
	u64 idles;           /* host task only */
	struct wells_host_ops ops;
	spinlock_t console_lock;
	size_t console_len;
	char console_line[256];
} g;

/* ---- memory ------------------------------------------------------------------------------ */

void *wells_linux_alloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	if (size >= PAGE_SIZE)
		p = vmalloc(size); /* page aligned */
	else
		p = kmalloc(roundup_pow_of_two(size), GFP_KERNEL); /* naturally aligned */
	if (p)
		atomic_long_inc(&live_allocations);
	return p;
}

void wells_linux_free(void *ptr)
{
	if (!ptr)
		return;
	kvfree(ptr);
	atomic_long_dec(&live_allocations);
}

long wells_linux_live_allocations(void)
{
	return atomic_long_read(&live_allocations);
}

static void *linux_mem_alloc(void *ctx, size_t size, size_t align)
{
	void *p;

	(void)ctx;
	if (align == 0 || (align & (align - 1)) != 0)
		return NULL;
	if (align <= PAGE_SIZE) {
		if (size < PAGE_SIZE && size < align)
			size = align; /* kmalloc of a power of two >= align is aligned to it */
		return wells_linux_alloc(size);
	}
	/*
	 * More than a page: thread stacks on arm64, 16 KiB at 32 KiB alignment like the kernel's
	 * own (docs/linux-module.md). kmalloc of a power of two is aligned to that power.
	 */
	if (size > KMALLOC_MAX_SIZE || align > KMALLOC_MAX_SIZE)
		return NULL;
	p = kmalloc(roundup_pow_of_two(max(size, align)), GFP_KERNEL);
	if (p)
		atomic_long_inc(&live_allocations);
	return p;
}

static void linux_mem_free(void *ctx, void *ptr, size_t size, size_t align)
{
	(void)ctx;
	(void)size;
	(void)align;
	wells_linux_free(ptr);
}

/* ---- ticks ------------------------------------------------------------------------------- */

/* In the host task: run a tick the hrtimer left pending. */
static void deliver_pending_tick(void)
{
	if (current != READ_ONCE(g.host_task))
		return;
	if (!atomic_xchg(&g.tick_pending, 0))
		return;
	g.ticks_delivered++;
	wells_tick();
	/* Linux runs this kernel with voluntary preemption: give it a scheduling point about
	 * once per wells tick, so a busy wells never starves the CPU it shares. */
	cond_resched();
}

static enum hrtimer_restart on_hrtimer(struct hrtimer *timer)
{
	struct task_struct *task;

	(void)timer;
	atomic64_inc(&g.timer_fires);
	if (in_hardirq())
		atomic64_inc(&g.timer_fires_hardirq);
	atomic_set(&g.tick_pending, 1);
	task = READ_ONCE(g.host_task);
	if (task)
		wake_up_process(task);
	return HRTIMER_NORESTART;
}

static u64 linux_now_ns(void *ctx)
{
	u64 now = ktime_get_ns();

	(void)ctx;
	deliver_pending_tick();
	return now;
}

static void linux_timer_arm(void *ctx, u64 deadline_ns)
{
	(void)ctx;
	hrtimer_start(&g.timer, ns_to_ktime(deadline_ns), WELLS_HRTIMER_MODE);
}

static void linux_timer_cancel(void *ctx)
{
	(void)ctx;
	hrtimer_try_to_cancel(&g.timer);
}

/* Nothing is ready: sleep until the hrtimer wakes us (at most 100 ms; wells_run ticks and
 * re-decides after every return). */
static void linux_idle(void *ctx)
{
	(void)ctx;
	g.idles++;
	set_current_state(TASK_INTERRUPTIBLE);
	if (!atomic_read(&g.tick_pending))
		schedule_timeout(msecs_to_jiffies(100));
	__set_current_state(TASK_RUNNING);
	/* wells_run runs a tick right after idle returns: that one is the pending tick. */
	atomic_set(&g.tick_pending, 0);
}

/* ---- console ----------------------------------------------------------------------------- */

static void flush_line_locked(void)
{
	if (g.console_len == 0)
		return;
	printk(KERN_INFO "wells: %.*s\n", (int)g.console_len, g.console_line);
	g.console_len = 0;
}

/* wells writes text in pieces; printk wants whole lines: assemble them here. */
static void linux_console_write(void *ctx, const char *text, size_t len)
{
	unsigned long flags;
	size_t i;

	(void)ctx;
	spin_lock_irqsave(&g.console_lock, flags);
	for (i = 0; i < len; i++) {
		char c = text[i];

		if (c == '\n') {
			if (g.console_len == 0)
				printk(KERN_INFO "wells:\n");
			flush_line_locked();
			continue;
		}
		if (g.console_len == sizeof g.console_line)
			flush_line_locked();
		g.console_line[g.console_len++] = c;
	}
	spin_unlock_irqrestore(&g.console_lock, flags);
}

static void linux_panic(void *ctx, const char *msg, size_t len)
{
	(void)ctx;
	panic("wells: %.*s\n", (int)len, msg);
}

/* ---- life cycle -------------------------------------------------------------------------- */

wells_status wells_linux_start(size_t heap_size)
{
	wells_status s;

	spin_lock_init(&g.console_lock);
	g.console_len = 0;
	atomic_set(&g.tick_pending, 0);
	atomic64_set(&g.timer_fires, 0);
	atomic64_set(&g.timer_fires_hardirq, 0);
	g.ticks_delivered = 0;
	g.idles = 0;
	WRITE_ONCE(g.host_task, NULL);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
	/* 6.13 added hrtimer_setup (function set with the timer); later kernels drop hrtimer_init. */
	hrtimer_setup(&g.timer, on_hrtimer, CLOCK_MONOTONIC, WELLS_HRTIMER_MODE);
#else
	hrtimer_init(&g.timer, CLOCK_MONOTONIC, WELLS_HRTIMER_MODE);
	g.timer.function = on_hrtimer;
#endif
	g.timer_ready = true;

	memset(&g.ops, 0, sizeof g.ops);
	g.ops.version = WELLS_HOST_OPS_VERSION;
	g.ops.size = (uint32_t)sizeof g.ops;
	g.ops.ctx = NULL;
	g.ops.heap_size = heap_size;
	g.ops.now_ns = linux_now_ns;
	g.ops.timer_arm = linux_timer_arm;
	g.ops.timer_cancel = linux_timer_cancel;
	g.ops.console_write = linux_console_write;
	g.ops.mem_alloc = linux_mem_alloc;
	g.ops.mem_free = linux_mem_free;
	g.ops.idle = linux_idle;
	g.ops.panic = linux_panic;

	s = wells_init(&g.ops);
	if (s != WELLS_OK) {
		hrtimer_cancel(&g.timer);
		g.timer_ready = false;
	}
	return s;
}

void wells_linux_set_host_task(struct task_struct *task)
{
	WRITE_ONCE(g.host_task, task);
	if (task && atomic_read(&g.tick_pending))
		wake_up_process(task);
}

wells_status wells_linux_stop(void)
{
	unsigned long flags;
	wells_status s = wells_shutdown();

	if (g.timer_ready) {
		hrtimer_cancel(&g.timer); /* waits for a running callback */
		g.timer_ready = false;
	}
	WRITE_ONCE(g.host_task, NULL);
	atomic_set(&g.tick_pending, 0);
	spin_lock_irqsave(&g.console_lock, flags);
	flush_line_locked();
	spin_unlock_irqrestore(&g.console_lock, flags);
	return s;
}

bool wells_linux_timer_active(void)
{
	return g.timer_ready && hrtimer_active(&g.timer);
}

void wells_linux_stats(struct wells_linux_stats *out)
{
	out->timer_fires = (u64)atomic64_read(&g.timer_fires);
	out->timer_fires_hardirq = (u64)atomic64_read(&g.timer_fires_hardirq);
	out->ticks_delivered = g.ticks_delivered;
	out->idles = g.idles;
}

/* ---- Linux scheduling of the host task ----------------------------------------------------- */

int wells_linux_set_host_priority(struct task_struct *task, int fifo_priority)
{
	struct sched_attr attr = { .size = sizeof attr };

	if (fifo_priority < 0 || fifo_priority > WELLS_LINUX_MAX_FIFO)
		return -EINVAL;
	if (fifo_priority == 0) {
		attr.sched_policy = SCHED_NORMAL;
	} else {
		attr.sched_policy = SCHED_FIFO;
		attr.sched_priority = fifo_priority;
	}
	/* _nocheck: the module decides, not the permissions of whoever wrote /proc/wells/host
	 * (root only anyway). */
	return sched_setattr_nocheck(task, &attr);
}

int wells_linux_host_priority(struct task_struct *task)
{
	return task->policy == SCHED_FIFO ? task->rt_priority : 0;
}
