/* wells_bench.c - benchmarks of wells.ko, each beside the same hand-off done with Linux
 * primitives in the same run:
 *   wells thread switch      two wells threads of one priority yielding to each other
 *   wells port round trip    request on one port, reply on another, between two wells threads
 *   kthread hand-off         two kthreads on one CPU passing a turn through two completions
 *                            (one hand-off = complete + the other side waking from its wait)
 *   kthread round trip       two hand-offs
 * Times come from ktime (ns); figures are per operation, averaged over ITERATIONS.
 */
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/smp.h>

#include "wells_linux.h"
#include "wells_module.h"

#define ITERATIONS 20000
#define BENCH_PRIORITY 20

/* ---- wells ------------------------------------------------------------------------------- */

static volatile int yield_go;
static int32_t yielder(void *arg)
{
	int i;

	while (!yield_go)
		wells_thread_yield();
	for (i = 0; i < ITERATIONS; i++)
		wells_thread_yield();
	return 0;
}

static wells_port_t ping, pong;
static int32_t echo(void *arg)
{
	uint64_t m;
	int i;

	for (i = 0; i < ITERATIONS; i++) {
		if (wells_port_receive(ping, &m, sizeof m, WELLS_WAIT_FOREVER) != WELLS_OK)
			return -1;
		if (wells_port_send(pong, &m, sizeof m, WELLS_WAIT_FOREVER) != WELLS_OK)
			return -1;
	}
	return 0;
}

static wells_status spawn(wells_thread_t *t, const char *name, uint32_t prio,
			  wells_thread_entry entry)
{
	wells_status s = wells_thread_create(t, name, prio, 0, entry, NULL);

	return s == WELLS_OK ? wells_thread_start(*t) : s;
}

/* In a wells thread (the control thread, priority 30): the measured threads run below it. */
void wm_bench_wells(struct wm_bench_result *r)
{
	wells_thread_t a, b;
	uint64_t t0, t1, m;
	int i;
	wells_status s;

	r->iterations = ITERATIONS;
	/* Switch: two yielders at one priority; 2 * ITERATIONS switches between them. The
	 * control thread (higher priority) waits in join, so it does not take part. */
	yield_go = 0;
	s = spawn(&a, "bench-yield-a", BENCH_PRIORITY, yielder);
	if (s == WELLS_OK)
		s = spawn(&b, "bench-yield-b", BENCH_PRIORITY, yielder);
	if (s != WELLS_OK)
		goto out;
	t0 = wells_now_ns();
	yield_go = 1;
	wells_thread_join(a, NULL, WELLS_WAIT_FOREVER);
	wells_thread_join(b, NULL, WELLS_WAIT_FOREVER);
	t1 = wells_now_ns();
	r->wells_switch_ns = (t1 - t0) / (2 * ITERATIONS);

	/* Port round trip: this thread sends on ping and waits on pong; echo answers. */
	s = wells_port_create(&ping, sizeof m, 1);
	if (s == WELLS_OK)
		s = wells_port_create(&pong, sizeof m, 1);
	if (s == WELLS_OK)
		s = spawn(&a, "bench-echo", BENCH_PRIORITY, echo);
	if (s != WELLS_OK)
		goto out;
	t0 = wells_now_ns();
	for (i = 0; i < ITERATIONS && s == WELLS_OK; i++) {
		m = i;
		s = wells_port_send(ping, &m, sizeof m, WELLS_WAIT_FOREVER);
		if (s == WELLS_OK)
			s = wells_port_receive(pong, &m, sizeof m, WELLS_WAIT_FOREVER);
	}
	t1 = wells_now_ns();
	wells_thread_join(a, NULL, WELLS_WAIT_FOREVER);
	wells_port_destroy(ping);
	wells_port_destroy(pong);
	r->wells_port_rt_ns = (t1 - t0) / ITERATIONS;
out:
	r->status = s;
}

/* ---- Linux ------------------------------------------------------------------------------- */

static struct completion to_b, to_a;

static int kthread_b(void *arg)
{
	int i;

	for (i = 0; i < ITERATIONS; i++) {
		wait_for_completion(&to_b);
		complete(&to_a);
	}
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

struct a_args {
	struct wm_bench_result *r;
	struct completion finished;
};

static int kthread_a(void *arg)
{
	struct a_args *args = arg;
	u64 t0, t1;
	int i;

	t0 = ktime_get_ns();
	for (i = 0; i < ITERATIONS; i++) {
		complete(&to_b);
		wait_for_completion(&to_a);
	}
	t1 = ktime_get_ns();
	args->r->linux_rt_ns = (t1 - t0) / ITERATIONS;
	args->r->linux_handoff_ns = (t1 - t0) / (2 * ITERATIONS);
	complete(&args->finished);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* In process context: two kthreads bound to one CPU, like wells' one host task. */
int wm_bench_linux(struct wm_bench_result *r)
{
	struct a_args args = { .r = r };
	struct task_struct *a, *b;
	unsigned int cpu = raw_smp_processor_id();

	init_completion(&to_a);
	init_completion(&to_b);
	init_completion(&args.finished);
	b = kthread_create(kthread_b, NULL, "wells-bench-b");
	if (IS_ERR(b))
		return PTR_ERR(b);
	a = kthread_create(kthread_a, &args, "wells-bench-a");
	if (IS_ERR(a)) {
		kthread_stop(b); /* never woken: kthread_stop runs nothing of it */
		return PTR_ERR(a);
	}
	kthread_bind(a, cpu);
	kthread_bind(b, cpu);
	wake_up_process(b);
	wake_up_process(a);
	wait_for_completion(&args.finished);
	kthread_stop(a);
	kthread_stop(b);
	return 0;
}
