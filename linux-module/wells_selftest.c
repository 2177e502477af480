/* wells_selftest.c - the self-test of wells.ko: runs in a wells thread inside the kernel and
 * exercises the C API on the Linux host ops (clock, hrtimer ticks, memory): time, bad
 * handles, mutex, semaphore, event, port, timer, preemption, priority inheritance, time
 * slicing, join, and heap balance. The verdict is one line: "PASS n/n" or "FAIL ...".
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "wells_linux.h"
#include "wells_module.h"

char wm_selftest_verdict[WM_VERDICT_LEN];

static int checks, failures;
static char first_failure[120];

static void fail(const char *what, int line)
{
	failures++;
	if (failures == 1)
		snprintf(first_failure, sizeof first_failure, "line %d: %s", line, what);
	printk(KERN_WARNING "wells: selftest: FAILED line %d: %s\n", line, what);
}

#define CHECK(cond)                            \
	do {                                   \
		checks++;                      \
		if (!(cond))                   \
			fail(#cond, __LINE__); \
	} while (0)

static wells_thread_t spawn(const char *name, uint32_t priority, wells_thread_entry entry,
			    void *arg)
{
	wells_thread_t t = { 0 };

	CHECK(wells_thread_create(&t, name, priority, 0, entry, arg) == WELLS_OK);
	CHECK(wells_thread_start(t) == WELLS_OK);
	return t;
}

/* ---- helpers run as threads -------------------------------------------------------------- */

static int32_t return_42(void *arg)
{
	return 42;
}

static int32_t post_later(void *arg)
{
	wells_sem_t *sem = arg;

	wells_thread_sleep(5);
	return wells_sem_post(*sem);
}

static volatile int high_ran;
static int32_t set_flag(void *arg)
{
	high_ran = 1;
	return 0;
}

static wells_mutex_t pi_mutex;
static uint32_t pi_seen_priority;
static int32_t pi_low(void *arg)
{
	wells_thread_t self;
	wells_thread_stats_t st;

	if (wells_mutex_lock(pi_mutex, WELLS_WAIT_FOREVER) != WELLS_OK)
		return -1;
	wells_thread_sleep(20); /* the self-test (priority 20) blocks on the mutex meanwhile */
	if (wells_thread_self(&self) == WELLS_OK && wells_thread_stats(self, &st) == WELLS_OK)
		pi_seen_priority = st.priority;
	wells_mutex_unlock(pi_mutex);
	return 0;
}

static volatile int spin_b_started;
static volatile int spin_a_saw_b;
static int32_t spin_a(void *arg)
{
	uint64_t end = wells_now_ns() + 40ull * 1000 * 1000;

	while (wells_now_ns() < end)
		if (spin_b_started)
			spin_a_saw_b = 1;
	return 0;
}

static int32_t spin_b(void *arg)
{
	uint64_t end = wells_now_ns() + 40ull * 1000 * 1000;

	spin_b_started = 1;
	while (wells_now_ns() < end)
		;
	return 0;
}

static volatile int timer_calls;
static void count_call(void *arg)
{
	timer_calls++;
}

/* One of each object, used a little and destroyed; one thread started and joined. */
static void churn(void)
{
	wells_mutex_t m;
	wells_sem_t sem;
	wells_event_t ev;
	wells_port_t port;
	wells_timer_t timer;
	wells_thread_t t;
	uint64_t msg = 1;

	CHECK(wells_mutex_create(&m) == WELLS_OK && wells_mutex_lock(m, 0) == WELLS_OK &&
	      wells_mutex_unlock(m) == WELLS_OK && wells_mutex_destroy(m) == WELLS_OK);
	CHECK(wells_sem_create(&sem, 1, 1) == WELLS_OK && wells_sem_wait(sem, 0) == WELLS_OK &&
	      wells_sem_destroy(sem) == WELLS_OK);
	CHECK(wells_event_create(&ev, 0) == WELLS_OK && wells_event_destroy(ev) == WELLS_OK);
	CHECK(wells_port_create(&port, sizeof msg, 2) == WELLS_OK &&
	      wells_port_send(port, &msg, sizeof msg, 0) == WELLS_OK &&
	      wells_port_destroy(port) == WELLS_OK);
	CHECK(wells_timer_create(&timer, count_call, NULL) == WELLS_OK &&
	      wells_timer_start(timer, 1000, 0) == WELLS_OK && wells_timer_destroy(timer) == WELLS_OK);
	t = spawn("churn", 10, return_42, NULL);
	CHECK(wells_thread_join(t, NULL, 1000) == WELLS_OK);
	CHECK(wells_thread_sleep(1) == WELLS_OK);
}

/* ---- the test ---------------------------------------------------------------------------- */

int32_t wm_selftest_thread(void *arg)
{
	wells_heap_stats_t heap0, heap1;
	wells_mutex_t m, zero_mutex = { 0 }, wrong;
	wells_sem_t sem;
	wells_event_t ev;
	wells_port_t port;
	wells_timer_t timer;
	wells_thread_t t, a, b;
	uint64_t msg, got, t0, dt;
	uint32_t n;
	int32_t code;
	int i;

	checks = 0;
	failures = 0;
	first_failure[0] = 0;
	CHECK(wells_heap_stats(&heap0) == WELLS_OK);

	/* Clock and sleep through the hrtimer. */
	t0 = wells_now_ns();
	CHECK(wells_thread_sleep(10) == WELLS_OK);
	dt = wells_now_ns() - t0;
	/* The test boot runs under QEMU -icount: the guest's time follows its instructions, so
	 * a loaded host cannot stretch the sleep and the bound can be tight. */
	CHECK(dt >= 10ull * 1000 * 1000 && dt < 12ull * 1000 * 1000);

	/* Bad input is refused, never a crash. */
	CHECK(wells_mutex_create(NULL) == WELLS_ERR_INVALID_ARGUMENT);
	CHECK(wells_mutex_lock(zero_mutex, WELLS_NO_WAIT) == WELLS_ERR_INVALID_HANDLE);
	CHECK(wells_sem_create(&sem, 3, 2) == WELLS_ERR_INVALID_ARGUMENT);
	CHECK(wells_thread_create(&t, "small", 10, 1024, return_42, NULL) ==
	      WELLS_ERR_INVALID_ARGUMENT);
	CHECK(wells_thread_create(&t, "prio", 99, 0, return_42, NULL) ==
	      WELLS_ERR_INVALID_ARGUMENT);

	/* Mutex. */
	CHECK(wells_mutex_create(&m) == WELLS_OK);
	CHECK(wells_mutex_lock(m, WELLS_WAIT_FOREVER) == WELLS_OK);
	CHECK(wells_mutex_lock(m, WELLS_WAIT_FOREVER) == WELLS_ERR_DEADLOCK);
	CHECK(wells_mutex_unlock(m) == WELLS_OK);
	CHECK(wells_mutex_unlock(m) == WELLS_ERR_NOT_OWNER);

	/* Semaphore: would block, times out, then a post from another thread wakes us. */
	CHECK(wells_sem_create(&sem, 0, 2) == WELLS_OK);
	wrong.raw = sem.raw;
	CHECK(wells_mutex_lock(wrong, WELLS_NO_WAIT) == WELLS_ERR_WRONG_KIND);
	CHECK(wells_sem_wait(sem, WELLS_NO_WAIT) == WELLS_ERR_WOULD_BLOCK);
	CHECK(wells_sem_wait(sem, 5) == WELLS_ERR_TIMEOUT);
	t = spawn("poster", 10, post_later, &sem);
	CHECK(wells_sem_wait(sem, 1000) == WELLS_OK);
	CHECK(wells_thread_join(t, &code, 1000) == WELLS_OK && code == WELLS_OK);
	CHECK(wells_sem_destroy(sem) == WELLS_OK);
	CHECK(wells_sem_post(sem) == WELLS_ERR_INVALID_HANDLE);

	/* Event, auto-reset. */
	CHECK(wells_event_create(&ev, WELLS_EVENT_AUTO_RESET) == WELLS_OK);
	CHECK(wells_event_set(ev) == WELLS_OK);
	CHECK(wells_event_wait(ev, WELLS_NO_WAIT) == WELLS_OK);
	CHECK(wells_event_wait(ev, WELLS_NO_WAIT) == WELLS_ERR_WOULD_BLOCK);
	CHECK(wells_event_destroy(ev) == WELLS_OK);

	/* Port: FIFO, full, wrong length, empty. */
	CHECK(wells_port_create(&port, sizeof msg, 4) == WELLS_OK);
	for (i = 0; i < 4; i++) {
		msg = 100 + i;
		CHECK(wells_port_send(port, &msg, sizeof msg, WELLS_NO_WAIT) == WELLS_OK);
	}
	CHECK(wells_port_send(port, &msg, sizeof msg, WELLS_NO_WAIT) == WELLS_ERR_WOULD_BLOCK);
	CHECK(wells_port_send(port, &msg, 3, WELLS_NO_WAIT) == WELLS_ERR_INVALID_ARGUMENT);
	CHECK(wells_port_count(port, &n) == WELLS_OK && n == 4);
	for (i = 0; i < 4; i++)
		CHECK(wells_port_receive(port, &got, sizeof got, WELLS_NO_WAIT) == WELLS_OK &&
		      got == 100 + (uint64_t)i);
	CHECK(wells_port_receive(port, &got, sizeof got, WELLS_NO_WAIT) == WELLS_ERR_WOULD_BLOCK);
	CHECK(wells_port_destroy(port) == WELLS_OK);

	/* Preemption: a higher-priority thread runs before start returns. */
	high_ran = 0;
	t = spawn("high", 25, set_flag, NULL);
	CHECK(high_ran == 1);
	CHECK(wells_thread_join(t, NULL, 1000) == WELLS_OK);

	/* Priority inheritance: the low owner runs at our priority while we wait. */
	pi_mutex = m;
	pi_seen_priority = 0;
	t = spawn("pi-low", 5, pi_low, NULL);
	CHECK(wells_thread_sleep(5) == WELLS_OK);
	CHECK(wells_mutex_lock(m, 1000) == WELLS_OK);
	CHECK(pi_seen_priority == 20);
	CHECK(wells_mutex_unlock(m) == WELLS_OK);
	CHECK(wells_thread_join(t, NULL, 1000) == WELLS_OK);
	CHECK(wells_mutex_destroy(m) == WELLS_OK);

	/* Time slicing between two busy threads of one priority (ticks reach busy threads). */
	spin_b_started = 0;
	spin_a_saw_b = 0;
	a = spawn("spin-a", 10, spin_a, NULL);
	b = spawn("spin-b", 10, spin_b, NULL);
	CHECK(wells_thread_join(a, NULL, 2000) == WELLS_OK);
	CHECK(wells_thread_join(b, NULL, 2000) == WELLS_OK);
	CHECK(spin_a_saw_b == 1);

	/* Periodic timer from the hrtimer. */
	timer_calls = 0;
	CHECK(wells_timer_create(&timer, count_call, NULL) == WELLS_OK);
	t0 = wells_now_ns();
	CHECK(wells_timer_start(timer, 2, 2) == WELLS_OK);
	CHECK(wells_thread_sleep(30) == WELLS_OK);
	CHECK(wells_timer_cancel(timer) == WELLS_OK);
	/* Measured, not assumed: every 2 ms period that ended before the cancel fired once (one
	 * may still have been on its way), none more. */
	dt = (wells_now_ns() - t0) / (2ull * 1000 * 1000);
	CHECK(timer_calls <= dt && timer_calls + 1 >= dt && dt >= 15);
	CHECK(wells_timer_destroy(timer) == WELLS_OK);

	/* Join: exit code, then the handle is stale. */
	t = spawn("exit42", 10, return_42, NULL);
	CHECK(wells_thread_join(t, &code, 1000) == WELLS_OK && code == 42);
	CHECK(wells_thread_join(t, &code, WELLS_NO_WAIT) == WELLS_ERR_INVALID_HANDLE);

	/* Object life cycles leave nothing behind: after a first round (which may grow tables
	 * that stay), more rounds of create/destroy/join keep the allocation count flat. */
	churn();
	CHECK(wells_heap_stats(&heap0) == WELLS_OK);
	for (i = 0; i < 3; i++)
		churn();
	CHECK(wells_heap_stats(&heap1) == WELLS_OK);
	CHECK(heap1.allocations == heap0.allocations);
	if (heap1.allocations != heap0.allocations)
		printk(KERN_WARNING "wells: selftest: heap allocations %llu before, %llu after\n",
		       (unsigned long long)heap0.allocations, (unsigned long long)heap1.allocations);

	if (failures == 0)
		snprintf(wm_selftest_verdict, sizeof wm_selftest_verdict, "PASS %d/%d", checks,
			 checks);
	else
		snprintf(wm_selftest_verdict, sizeof wm_selftest_verdict, "FAIL %d/%d: %s",
			 checks - failures, checks, first_failure);
	printk(KERN_INFO "wells: selftest: %s\n", wm_selftest_verdict);
	return failures == 0 ? 0 : 1;
}
