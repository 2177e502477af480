/* wells_main.c - wells.ko: wells as a Linux kernel module.
 *
 * One kthread ("wells") is the host task: it calls wells_run, so every wells thread is a
 * context of that kthread on a stack from wells' own heap. A wells thread "control" (priority
 * 30) serves requests from /proc/wells/ through a one-slot mailbox, because only the host task
 * may call into wells: a reader or writer in another process posts a request and waits on a
 * completion that the control thread signals. Unload stops the demo, waits for the self-test,
 * lets every wells thread exit (wells_run returns), shuts wells down, cancels the hrtimer and
 * reports the allocations still live (0 unless a bug, or the leak=1 test parameter).
 *
 * Files (root only):
 *   /proc/wells/state     read: thread table (state, priorities, run time, switches), heap use
 *   /proc/wells/selftest  write "run": start the self-test; read: "not run", "running" or verdict
 *   /proc/wells/demo      write "start" | "stop"; read: "running"/"stopped" and its counters
 *   /proc/wells/bench     write "run": benchmarks (wells vs kthread+completion); read: figures
 *   /proc/wells/latency   write "run": tick-to-thread latency, idle and under an RT load;
 *                         read: percentiles and histograms
 *   /proc/wells/host      write "normal" | "fifo N" (1..99): Linux scheduling class of the host
 *                         kthread; read: the class it has now
 *   /proc/wells/trace     write "start": turn the event ring on (docs/traces.md); read: the
 *                         events since the last read, one "trace: event ..." line each, the
 *                         names of the wells threads, then "trace: next <sequence> dropped <n>"
 * Any other write is refused with -EINVAL and a dmesg line.
 */
#include <linux/completion.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "wells_linux.h"
#include "wells_module.h"

MODULE_LICENSE("Dual MIT/GPL");
MODULE_DESCRIPTION("wells safety kernel hosted in a Linux kthread");

static unsigned long heap_kib = 4096;
module_param(heap_kib, ulong, 0444);
MODULE_PARM_DESC(heap_kib, "wells kernel heap in KiB (default 4096)");

static int leak;
module_param(leak, int, 0444);
MODULE_PARM_DESC(leak, "test only: leak one allocation so unload reports it (default 0)");

static int host_prio;
module_param(host_prio, int, 0444);
MODULE_PARM_DESC(host_prio, "SCHED_FIFO priority of the wells host kthread, 1..99; 0 = SCHED_NORMAL (default)");

#define CONTROL_PRIORITY 30
#define SELFTEST_PRIORITY 20
#define CONTROL_POLL_MS 10
#define TEXT_SIZE 16384
#define TRACE_RING 4096

enum wm_req {
	WM_REQ_STATE,
	WM_REQ_SELFTEST_RUN,
	WM_REQ_SELFTEST_READ,
	WM_REQ_DEMO_START,
	WM_REQ_DEMO_STOP,
	WM_REQ_DEMO_READ,
	WM_REQ_BENCH,
	WM_REQ_LATENCY,
	WM_REQ_TRACE_START,
	WM_REQ_TRACE_READ,
};

/* The mailbox between /proc handlers (any process) and the control thread (in wells). */
static struct {
	struct mutex lock; /* one request at a time */
	struct completion done;
	atomic_t pending;
	enum wm_req req;
	struct wm_buf *out;
	struct wm_bench_result *bench;
	int result; /* 0 or -errno */
} ctl;

static struct task_struct *host_task;
static struct completion host_done;
static atomic_t stopping;
static wells_status run_status = WELLS_OK;
static wells_status stop_status = WELLS_OK;
static wells_heap_stats_t heap_at_end;
static struct proc_dir_entry *proc_dir;
static void *leaked;

static struct wm_bench_result last_bench; /* under ctl.lock */
static bool have_bench;
static struct wm_lat_result last_latency; /* under latency_lock */
static bool have_latency;
static DEFINE_MUTEX(latency_lock);

/* Control-thread state (only wells threads touch it). */
static wells_thread_t control_thread;
static wells_sem_t control_sem;
static wells_timer_t control_timer;
static wells_thread_t selftest_thread;
static enum { ST_NOT_RUN, ST_RUNNING, ST_DONE } selftest_state;
static bool trace_on;
static uint64_t trace_from; /* the next sequence a read of /proc/wells/trace shows */

/* ---- text helpers ------------------------------------------------------------------------ */

void wm_printf(struct wm_buf *b, const char *fmt, ...)
{
	va_list args;
	int n;

	if (b->len + 1 >= b->cap)
		return;
	va_start(args, fmt);
	n = vsnprintf(b->text + b->len, b->cap - b->len, fmt, args);
	va_end(args);
	if (n > 0)
		b->len = min(b->len + (size_t)n, b->cap - 1);
}

const char *wm_state_name(uint32_t state)
{
	static const char *const names[] = { "created", "ready", "running", "blocked",
					     "sleeping", "suspended", "exited" };

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

/* ---- the control thread (inside wells) --------------------------------------------------- */

static void format_state(struct wm_buf *b)
{
	wells_thread_t handles[64];
	size_t count = 0, i;
	wells_heap_stats_t heap;
	struct wells_linux_stats host;
	wells_status s;

	s = wells_thread_list(handles, ARRAY_SIZE(handles), &count);
	wm_printf(b, "wells threads: %zu (host kthread pid %d)\n", count,
		  host_task ? task_pid_nr(host_task) : -1);
	wm_printf(b, "%-3s %-16s %-9s %4s %4s %12s %10s\n", "#", "name", "state", "prio", "base",
		  "run_us", "switches");
	for (i = 0; s == WELLS_OK && i < min(count, ARRAY_SIZE(handles)); i++) {
		wells_thread_stats_t st;

		if (wells_thread_stats(handles[i], &st) != WELLS_OK)
			continue;
		st.name[sizeof st.name - 1] = 0;
		wm_printf(b, "%-3zu %-16s %-9s %4u %4u %12llu %10llu\n", i, st.name,
			  wm_state_name(st.state), st.priority, st.base_priority,
			  (unsigned long long)(st.run_time_ns / 1000),
			  (unsigned long long)st.switches);
	}
	if (wells_heap_stats(&heap) == WELLS_OK)
		wm_printf(b, "heap: total %zu used %zu free %zu peak %zu allocations %llu\n",
			  heap.total, heap.used, heap.free, heap.peak_used,
			  (unsigned long long)heap.allocations);
	wells_linux_stats(&host);
	wm_printf(b, "host: live allocations %ld, hrtimer fires %llu (in hard irq %llu), ticks delivered %llu, idles %llu\n",
		  wells_linux_live_allocations(), (unsigned long long)host.timer_fires,
		  (unsigned long long)host.timer_fires_hardirq,
		  (unsigned long long)host.ticks_delivered, (unsigned long long)host.idles);
	if (host_task && wells_linux_host_priority(host_task))
		wm_printf(b, "host kthread: SCHED_FIFO %d\n", wells_linux_host_priority(host_task));
	else
		wm_printf(b, "host kthread: SCHED_NORMAL\n");
	wm_printf(b, "selftest: %s; demo: %s\n",
		  selftest_state == ST_NOT_RUN ? "not run" :
		  selftest_state == ST_RUNNING ? "running" : wm_selftest_verdict,
		  wm_demo_running() ? "running" : "stopped");
}

/* The ring's events since the last read, as many as fit, in the line format of the QEMU images'
 * dumps (docs/traces.md), then every wells thread's name and where the next read starts. */
static void format_trace(struct wm_buf *b)
{
	static const char *const kinds[] = { "?", "switch", "wake", "block", "deadline-miss",
		"txn-begin", "txn-commit", "txn-abort", "txn-conflict", "set-loaded", "set-reverted",
		"syscall-enter", "syscall-exit", "irq-enter", "irq-exit", "hypercall", "vm-entry",
		"vm-exit", "set-pick", "exit" };
	wells_telemetry_event_t events[16];
	wells_thread_t handles[64];
	size_t count = 0, i;
	uint64_t dropped = 0, lost, next;

	if (!trace_on) {
		wm_printf(b, "off (write \"start\" to turn the ring on)\n");
		return;
	}
	/* A line is under 100 bytes; the names and the last line need a few KiB. */
	while (b->len + 4096 + ARRAY_SIZE(events) * 100 < b->cap) {
		if (wells_telemetry_read(trace_from, events, ARRAY_SIZE(events), sizeof events[0],
					 &count, &lost, &next) != WELLS_OK)
			break;
		dropped += lost;
		for (i = 0; i < count; i++) {
			const wells_telemetry_event_t *e = &events[i];

			wm_printf(b, "trace: event %llu %llu %s 0x%llx %llu\n",
				  (unsigned long long)e->sequence, (unsigned long long)e->time_ns,
				  e->kind < ARRAY_SIZE(kinds) ? kinds[e->kind] : "?",
				  (unsigned long long)e->subject, (unsigned long long)e->arg);
		}
		trace_from = next;
		if (count < ARRAY_SIZE(events))
			break;
	}
	if (wells_thread_list(handles, ARRAY_SIZE(handles), &count) == WELLS_OK) {
		for (i = 0; i < min(count, ARRAY_SIZE(handles)); i++) {
			wells_thread_stats_t st;

			if (wells_thread_stats(handles[i], &st) != WELLS_OK)
				continue;
			st.name[sizeof st.name - 1] = 0;
			wm_printf(b, "trace: thread 0x%llx %s\n", (unsigned long long)handles[i].raw,
				  st.name);
		}
	}
	wm_printf(b, "trace: next %llu dropped %llu\n", (unsigned long long)trace_from,
		  (unsigned long long)dropped);
}

/* Joins the self-test thread once it has exited. */
static void reap_selftest(bool wait)
{
	wells_thread_stats_t st;

	if (selftest_state != ST_RUNNING)
		return;
	if (!wait && (wells_thread_stats(selftest_thread, &st) != WELLS_OK ||
		      st.state != WELLS_THREAD_EXITED))
		return;
	wells_thread_join(selftest_thread, NULL, WELLS_WAIT_FOREVER);
	selftest_state = ST_DONE;
}

static int serve(enum wm_req req, struct wm_buf *out, struct wm_bench_result *bench)
{
	wells_status s;

	switch (req) {
	case WM_REQ_STATE:
		format_state(out);
		return 0;
	case WM_REQ_SELFTEST_RUN:
		if (selftest_state == ST_RUNNING)
			return -EBUSY;
		s = wells_thread_create(&selftest_thread, "selftest", SELFTEST_PRIORITY, 0,
					wm_selftest_thread, NULL);
		if (s == WELLS_OK)
			s = wells_thread_start(selftest_thread);
		if (s != WELLS_OK)
			return -ENOMEM;
		selftest_state = ST_RUNNING;
		return 0;
	case WM_REQ_SELFTEST_READ:
		wm_printf(out, "%s\n", selftest_state == ST_NOT_RUN ? "not run" :
				       selftest_state == ST_RUNNING ? "running" :
				       wm_selftest_verdict);
		return 0;
	case WM_REQ_DEMO_START:
		if (wm_demo_running())
			return -EBUSY;
		return wm_demo_start() == WELLS_OK ? 0 : -ENOMEM;
	case WM_REQ_DEMO_STOP:
		return wm_demo_stop() == WELLS_OK ? 0 : -EIO;
	case WM_REQ_DEMO_READ:
		wm_demo_report(out);
		return 0;
	case WM_REQ_BENCH:
		wm_bench_wells(bench);
		return bench->status == WELLS_OK ? 0 : -EIO;
	case WM_REQ_LATENCY:
		return wm_latency_wells() == WELLS_OK ? 0 : -EIO;
	case WM_REQ_TRACE_START:
		s = wells_telemetry_enable(TRACE_RING);
		if (s != WELLS_OK)
			return -ENOMEM;
		trace_on = true;
		return 0;
	case WM_REQ_TRACE_READ:
		format_trace(out);
		return 0;
	}
	return -EINVAL;
}

/* A wells timer looks at the mailbox every CONTROL_POLL_MS (in tick context, where it may
 * not block) and wakes the control thread only when there is something to do: the control
 * thread never preempts the others without a reason. */
static void control_poll(void *arg)
{
	(void)arg;
	if (atomic_read(&ctl.pending) || atomic_read(&stopping))
		wells_sem_post(control_sem); /* LIMIT when already posted: fine */
}

static int32_t control_main(void *arg)
{
	(void)arg;
	while (!atomic_read(&stopping)) {
		wells_sem_wait(control_sem, WELLS_WAIT_FOREVER);
		if (atomic_read_acquire(&ctl.pending)) {
			reap_selftest(false);
			ctl.result = serve(ctl.req, ctl.out, ctl.bench);
			atomic_set(&ctl.pending, 0);
			complete(&ctl.done);
		}
	}
	/* Unload: every wells thread we started ends before this one. */
	wm_demo_stop();
	reap_selftest(true);
	wells_timer_destroy(control_timer);
	wells_sem_destroy(control_sem);
	return 0;
}

/* ---- the host kthread -------------------------------------------------------------------- */

static int host_main(void *arg)
{
	(void)arg;
	run_status = wells_run();
	wells_heap_stats(&heap_at_end);
	stop_status = wells_linux_stop();
	complete(&host_done);
	while (!kthread_should_stop()) {
		set_current_state(TASK_INTERRUPTIBLE);
		if (!kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* ---- /proc/wells ------------------------------------------------------------------------- */

/* Posts a request to the control thread and waits for its answer. */
static int ctl_request(enum wm_req req, struct wm_buf *out, struct wm_bench_result *bench)
{
	int r;

	mutex_lock(&ctl.lock);
	if (atomic_read(&stopping)) {
		mutex_unlock(&ctl.lock);
		return -ENODEV;
	}
	reinit_completion(&ctl.done);
	ctl.req = req;
	ctl.out = out;
	ctl.bench = bench;
	ctl.result = 0;
	atomic_set_release(&ctl.pending, 1);
	wait_for_completion(&ctl.done);
	r = ctl.result;
	mutex_unlock(&ctl.lock);
	return r;
}

/* A read: ask the control thread for text and hand it to seq_file. */
static int show_request(struct seq_file *m, enum wm_req req)
{
	struct wm_buf b = { .cap = TEXT_SIZE };
	int r;

	b.text = wells_linux_alloc(TEXT_SIZE);
	if (!b.text)
		return -ENOMEM;
	b.text[0] = 0;
	r = ctl_request(req, &b, NULL);
	if (r == 0)
		seq_write(m, b.text, b.len);
	wells_linux_free(b.text);
	return r;
}

static int state_show(struct seq_file *m, void *v)
{
	return show_request(m, WM_REQ_STATE);
}

static int selftest_show(struct seq_file *m, void *v)
{
	return show_request(m, WM_REQ_SELFTEST_READ);
}

static int demo_show(struct seq_file *m, void *v)
{
	return show_request(m, WM_REQ_DEMO_READ);
}

static int bench_show(struct seq_file *m, void *v)
{
	struct wm_bench_result r;
	bool have;

	mutex_lock(&ctl.lock);
	r = last_bench;
	have = have_bench;
	mutex_unlock(&ctl.lock);
	if (!have) {
		seq_puts(m, "not run\n");
		return 0;
	}
	seq_printf(m, "iterations %llu\n", r.iterations);
	seq_printf(m, "wells_switch_ns %llu\n", r.wells_switch_ns);
	seq_printf(m, "wells_port_roundtrip_ns %llu\n", r.wells_port_rt_ns);
	seq_printf(m, "linux_kthread_handoff_ns %llu\n", r.linux_handoff_ns);
	seq_printf(m, "linux_kthread_roundtrip_ns %llu\n", r.linux_rt_ns);
	return 0;
}

/* Reads one short command word from user space; -EINVAL (with a dmesg line) if malformed. */
static int read_command(const char __user *ubuf, size_t count, char *word, size_t size,
			const char *file)
{
	char *s;

	if (count == 0 || count >= size) {
		pr_warn("wells: /proc/wells/%s: invalid write of %zu bytes\n", file, count);
		return -EINVAL;
	}
	if (copy_from_user(word, ubuf, count))
		return -EFAULT;
	word[count] = 0;
	s = strim(word);
	memmove(word, s, strlen(s) + 1);
	return 0;
}

static int invalid(const char *file, const char *word)
{
	size_t i;
	char shown[24];

	/* Show only printable characters of what was written. */
	for (i = 0; i < sizeof shown - 1 && word[i]; i++)
		shown[i] = isprint(word[i]) ? word[i] : '?';
	shown[i] = 0;
	pr_warn("wells: /proc/wells/%s: invalid command '%s' (-EINVAL)\n", file, shown);
	return -EINVAL;
}

static ssize_t selftest_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char word[16];
	int r = read_command(ubuf, count, word, sizeof word, "selftest");

	if (r)
		return r;
	if (strcmp(word, "run") != 0)
		return invalid("selftest", word);
	r = ctl_request(WM_REQ_SELFTEST_RUN, NULL, NULL);
	return r ? r : (ssize_t)count;
}

static ssize_t demo_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char word[16];
	int r = read_command(ubuf, count, word, sizeof word, "demo");

	if (r)
		return r;
	if (strcmp(word, "start") == 0)
		r = ctl_request(WM_REQ_DEMO_START, NULL, NULL);
	else if (strcmp(word, "stop") == 0)
		r = ctl_request(WM_REQ_DEMO_STOP, NULL, NULL);
	else
		return invalid("demo", word);
	return r ? r : (ssize_t)count;
}

static ssize_t bench_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	struct wm_bench_result r = { 0 };
	char word[16];
	int err = read_command(ubuf, count, word, sizeof word, "bench");

	if (err)
		return err;
	if (strcmp(word, "run") != 0)
		return invalid("bench", word);
	err = wm_bench_linux(&r); /* here, in the writer's process context */
	if (err)
		return err;
	err = ctl_request(WM_REQ_BENCH, NULL, &r);
	if (err)
		return err;
	mutex_lock(&ctl.lock);
	last_bench = r;
	have_bench = true;
	mutex_unlock(&ctl.lock);
	pr_info("wells: bench: switch %llu ns, port round trip %llu ns; kthread hand-off %llu ns, round trip %llu ns\n",
		r.wells_switch_ns, r.wells_port_rt_ns, r.linux_handoff_ns, r.linux_rt_ns);
	return count;
}

static int latency_show(struct seq_file *m, void *v)
{
	mutex_lock(&latency_lock);
	if (have_latency)
		wm_latency_report(m, &last_latency);
	else
		seq_puts(m, "not run\n");
	mutex_unlock(&latency_lock);
	return 0;
}

static int latency_measure(void)
{
	return ctl_request(WM_REQ_LATENCY, NULL, NULL);
}

static ssize_t latency_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char word[16];
	int r = read_command(ubuf, count, word, sizeof word, "latency");

	if (r)
		return r;
	if (strcmp(word, "run") != 0)
		return invalid("latency", word);
	mutex_lock(&latency_lock);
	r = wm_latency_linux(host_task, latency_measure, &last_latency);
	have_latency = r == 0;
	mutex_unlock(&latency_lock);
	return r ? r : (ssize_t)count;
}

static int host_show(struct seq_file *m, void *v)
{
	int prio = wells_linux_host_priority(host_task);

	if (prio)
		seq_printf(m, "fifo %d\n", prio);
	else
		seq_puts(m, "normal\n");
	return 0;
}

/* Runs in the writer's context: the Linux scheduling class is Linux's business, wells is
 * not involved. */
static ssize_t host_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char word[16];
	int prio, r = read_command(ubuf, count, word, sizeof word, "host");

	if (r)
		return r;
	if (strcmp(word, "normal") == 0)
		prio = 0;
	else if (strncmp(word, "fifo ", 5) != 0 || kstrtoint(word + 5, 10, &prio) != 0 || prio < 1 ||
		 prio > WELLS_LINUX_MAX_FIFO)
		return invalid("host", word);
	r = wells_linux_set_host_priority(host_task, prio);
	if (r)
		return r;
	pr_info("wells: host kthread now %s %d\n", prio ? "SCHED_FIFO" : "SCHED_NORMAL", prio);
	return count;
}

static int trace_show(struct seq_file *m, void *v)
{
	return show_request(m, WM_REQ_TRACE_READ);
}

static ssize_t trace_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	char word[16];
	int r = read_command(ubuf, count, word, sizeof word, "trace");

	if (r)
		return r;
	if (strcmp(word, "start") != 0)
		return invalid("trace", word);
	r = ctl_request(WM_REQ_TRACE_START, NULL, NULL);
	return r ? r : (ssize_t)count;
}

static ssize_t read_only_write(struct file *f, const char __user *ubuf, size_t count, loff_t *pos)
{
	pr_warn("wells: /proc/wells/state is read-only (-EINVAL)\n");
	return -EINVAL;
}

#define WM_PROC_FILE(name, writer)                                                      \
	static int name##_open(struct inode *inode, struct file *file)                  \
	{                                                                               \
		return single_open_size(file, name##_show, NULL, TEXT_SIZE);            \
	}                                                                               \
	static const struct proc_ops name##_ops = {                                     \
		.proc_open = name##_open,                                               \
		.proc_read = seq_read,                                                  \
		.proc_lseek = seq_lseek,                                                \
		.proc_release = single_release,                                         \
		.proc_write = writer,                                                   \
	}

WM_PROC_FILE(state, read_only_write);
WM_PROC_FILE(selftest, selftest_write);
WM_PROC_FILE(demo, demo_write);
WM_PROC_FILE(bench, bench_write);
WM_PROC_FILE(host, host_write);
WM_PROC_FILE(latency, latency_write);
WM_PROC_FILE(trace, trace_write);

/* ---- load / unload ----------------------------------------------------------------------- */

static int __init wells_module_init(void)
{
	wells_status s;

	mutex_init(&ctl.lock);
	init_completion(&ctl.done);
	init_completion(&host_done);
	atomic_set(&ctl.pending, 0);
	atomic_set(&stopping, 0);
	selftest_state = ST_NOT_RUN;
	have_bench = false;
	have_latency = false;
	trace_on = false;
	trace_from = 0;
	if (host_prio < 0 || host_prio > WELLS_LINUX_MAX_FIFO) {
		pr_err("wells: host_prio=%d: must be 0 (SCHED_NORMAL) or 1..%d (SCHED_FIFO)\n",
		       host_prio, WELLS_LINUX_MAX_FIFO);
		return -EINVAL;
	}

	s = wells_linux_start(heap_kib * 1024);
	if (s != WELLS_OK) {
		pr_err("wells: wells_init failed: %s\n", wells_status_str(s));
		return -ENOMEM;
	}
	s = wells_sem_create(&control_sem, 0, 1);
	if (s == WELLS_OK)
		s = wells_timer_create(&control_timer, control_poll, NULL);
	if (s == WELLS_OK)
		s = wells_timer_start(control_timer, CONTROL_POLL_MS, CONTROL_POLL_MS);
	if (s == WELLS_OK)
		s = wells_thread_create(&control_thread, "control", CONTROL_PRIORITY, 0,
					control_main, NULL);
	if (s == WELLS_OK)
		s = wells_thread_start(control_thread);
	if (s != WELLS_OK) {
		pr_err("wells: cannot start the control thread: %s\n", wells_status_str(s));
		wells_linux_stop();
		return -ENOMEM;
	}
	host_task = kthread_create(host_main, NULL, "wells");
	if (IS_ERR(host_task)) {
		int err = PTR_ERR(host_task);

		host_task = NULL;
		wells_linux_stop();
		return err;
	}
	if (host_prio) {
		int err = wells_linux_set_host_priority(host_task, host_prio);

		if (err)
			pr_warn("wells: cannot make the host kthread SCHED_FIFO %d (%d): it stays SCHED_NORMAL\n",
				host_prio, err);
	}
	wells_linux_set_host_task(host_task);
	wake_up_process(host_task);

	proc_dir = proc_mkdir("wells", NULL);
	if (!proc_dir || !proc_create("state", 0400, proc_dir, &state_ops) ||
	    !proc_create("selftest", 0600, proc_dir, &selftest_ops) ||
	    !proc_create("demo", 0600, proc_dir, &demo_ops) ||
	    !proc_create("bench", 0600, proc_dir, &bench_ops) ||
	    !proc_create("host", 0600, proc_dir, &host_ops) ||
	    !proc_create("latency", 0600, proc_dir, &latency_ops) ||
	    !proc_create("trace", 0600, proc_dir, &trace_ops))
		pr_warn("wells: cannot create all of /proc/wells\n");

	if (leak)
		leaked = wells_linux_alloc(64); /* deliberately never freed: unload must report it */
	pr_info("wells: loaded: heap %lu KiB, host kthread pid %d %s %d%s\n", heap_kib,
		task_pid_nr(host_task),
		wells_linux_host_priority(host_task) ? "SCHED_FIFO" : "SCHED_NORMAL",
		wells_linux_host_priority(host_task), leak ? ", leak test on" : "");
	return 0;
}

static void __exit wells_module_exit(void)
{
	long live;

	proc_remove(proc_dir); /* waits for readers and writers still inside */
	atomic_set(&stopping, 1);
	wait_for_completion(&host_done);
	kthread_stop(host_task);
	live = wells_linux_live_allocations();
	pr_info("wells: unload: wells_run %s (every wells thread exited), shutdown %s, heap allocations before shutdown %llu\n",
		wells_status_str(run_status), wells_status_str(stop_status),
		(unsigned long long)heap_at_end.allocations);
	pr_info("wells: unloaded: live allocations %ld, timer armed %s\n", live,
		wells_linux_timer_active() ? "yes" : "no");
}

module_init(wells_module_init);
module_exit(wells_module_exit);
