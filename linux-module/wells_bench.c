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
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/seq_file.h>
#include <linux/smp.h>
#include <linux/sort.h>

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

/* ---- tick-to-thread latency under a competing RT load ------------------------------------- */

/* A wells thread sleeps 1 ms, LAT_SAMPLES times, and records how late it ran: the path hrtimer
 * (hard irq) -> wake of the host kthread -> tick in the host kthread -> switch to the thread.
 * The competing load is a SCHED_FIFO 50 kthread on the host kthread's CPU, busy for 2 ms then
 * asleep for 1 ms, with a preemption point in its busy loop: with the host kthread SCHED_NORMAL wells waits behind it, with SCHED_FIFO 60
 * it preempts it. */
#define LAT_SAMPLES 200
#define LAT_PRIORITY 25
#define HOG_PRIORITY 50
#define HOG_BUSY_NS (2 * NSEC_PER_MSEC)
#define HOG_IDLE_US 1000
#define LAT_CPU 0

static u32 lat_ns[LAT_SAMPLES];
static wells_status lat_status;

static int32_t lat_thread(void *arg)
{
	int i;

	for (i = 0; i < LAT_SAMPLES; i++) {
		u64 t0 = wells_now_ns(), t1;

		lat_status = wells_thread_sleep(1);
		if (lat_status != WELLS_OK)
			return -1;
		t1 = wells_now_ns();
		lat_ns[i] = (u32)min_t(u64, t1 - t0 - NSEC_PER_MSEC, U32_MAX);
	}
	return 0;
}

/* In the control thread: one series of samples. */
wells_status wm_latency_wells(void)
{
	wells_thread_t t;
	wells_status s = spawn(&t, "latency", LAT_PRIORITY, lat_thread);

	if (s != WELLS_OK)
		return s;
	s = wells_thread_join(t, NULL, WELLS_WAIT_FOREVER);
	return s != WELLS_OK ? s : lat_status;
}

static int hog_main(void *arg)
{
	while (!kthread_should_stop()) {
		u64 end = ktime_get_ns() + HOG_BUSY_NS;

		/* cond_resched: preemptible as a user-space RT task would be, also on kernels
		 * with voluntary preemption (6.1, 6.12), where a kthread spinning in the kernel
		 * is preempted by nothing. */
		while (ktime_get_ns() < end && !kthread_should_stop())
			cond_resched();
		usleep_range(HOG_IDLE_US, HOG_IDLE_US);
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Histogram bucket upper bounds in microseconds; the last bucket is everything above. */
static const u32 lat_bounds_us[WM_LAT_BUCKETS - 1] = { 10, 20, 50, 100, 200, 500, 1000, 2000, 5000 };

static void summarize(struct wm_lat_series *out)
{
	int i, b;

	sort(lat_ns, LAT_SAMPLES, sizeof lat_ns[0], cmp_u32, NULL);
	out->samples = LAT_SAMPLES;
	out->p50_ns = lat_ns[LAT_SAMPLES / 2];
	out->p99_ns = lat_ns[LAT_SAMPLES * 99 / 100];
	out->max_ns = lat_ns[LAT_SAMPLES - 1];
	memset(out->hist, 0, sizeof out->hist);
	for (i = 0; i < LAT_SAMPLES; i++) {
		for (b = 0; b < WM_LAT_BUCKETS - 1 && lat_ns[i] >= lat_bounds_us[b] * 1000; b++)
			;
		out->hist[b]++;
	}
}

/* In the writer's process context: the three series (no load; RT load with the host kthread
 * SCHED_NORMAL; RT load with it SCHED_FIFO 60). measure() posts one series to wells. The host
 * kthread's class and CPUs are put back afterwards. */
int wm_latency_linux(struct task_struct *host, int (*measure)(void), struct wm_lat_result *r)
{
	static const struct { bool load; int host_fifo; } series[WM_LAT_SERIES] = {
		{ false, 0 }, { true, 0 }, { true, 60 },
	};
	int restore_prio = wells_linux_host_priority(host);
	int i, err = 0;

	err = set_cpus_allowed_ptr(host, cpumask_of(LAT_CPU));
	for (i = 0; i < WM_LAT_SERIES && !err; i++) {
		struct task_struct *hog = NULL;

		err = wells_linux_set_host_priority(host, series[i].host_fifo);
		if (!err && series[i].load) {
			hog = kthread_create(hog_main, NULL, "wells-rt-hog");
			if (IS_ERR(hog)) {
				err = PTR_ERR(hog);
				break;
			}
			kthread_bind(hog, LAT_CPU);
			err = wells_linux_set_host_priority(hog, HOG_PRIORITY);
			wake_up_process(hog);
		}
		if (!err)
			err = measure();
		if (hog)
			kthread_stop(hog);
		if (!err)
			summarize(&r->series[i]);
	}
	wells_linux_set_host_priority(host, restore_prio);
	set_cpus_allowed_ptr(host, cpu_possible_mask);
	return err;
}

void wm_latency_report(struct seq_file *m, const struct wm_lat_result *r)
{
	static const char *const names[WM_LAT_SERIES] = { "idle", "rtload_normal", "rtload_fifo" };
	int i, b;

	seq_puts(m, "buckets_us <10 <20 <50 <100 <200 <500 <1000 <2000 <5000 >=5000\n");
	for (i = 0; i < WM_LAT_SERIES; i++) {
		const struct wm_lat_series *s = &r->series[i];

		seq_printf(m, "lat_%s samples %u p50_ns %u p99_ns %u max_ns %u hist", names[i],
			   s->samples, s->p50_ns, s->p99_ns, s->max_ns);
		for (b = 0; b < WM_LAT_BUCKETS; b++)
			seq_printf(m, " %u", s->hist[b]);
		seq_puts(m, "\n");
	}
}
