/* wells_demo.c - the demo workload of wells.ko: a producer and a consumer over a port, and
 * three workers contending for one mutex at priorities 5, 15 and 25 (priority inheritance
 * keeps the low one from holding up the high one). Started and stopped from the control
 * thread (/proc/wells/demo); its counters appear when /proc/wells/demo is read.
 */
#include <linux/kernel.h>
#include <linux/string.h>

#include "wells_linux.h"
#include "wells_module.h"

#define WORKERS 3

static const uint32_t worker_priority[WORKERS] = { 5, 15, 25 };
static const char *const worker_name[WORKERS] = { "mutex-lo", "mutex-mid", "mutex-hi" };

static struct {
	bool running;
	volatile int stop;
	wells_port_t port;
	wells_mutex_t mutex;
	wells_thread_t producer, consumer, workers[WORKERS];
	uint64_t produced, consumed, out_of_order;
	uint64_t locked[WORKERS];
	uint64_t shared_counter;
	uint64_t runs; /* times the demo was started */
} d;

static int32_t producer_main(void *arg)
{
	uint64_t seq = 0;

	while (!d.stop) {
		wells_status s = wells_port_send(d.port, &seq, sizeof seq, 20);

		if (s == WELLS_OK) {
			seq++;
			d.produced++;
		} else if (s != WELLS_ERR_TIMEOUT) {
			return s;
		}
		wells_thread_sleep(1);
	}
	return 0;
}

static int32_t consumer_main(void *arg)
{
	uint64_t expect = 0, got;

	while (!d.stop) {
		wells_status s = wells_port_receive(d.port, &got, sizeof got, 20);

		if (s == WELLS_ERR_TIMEOUT)
			continue;
		if (s != WELLS_OK)
			return s;
		if (got != expect)
			d.out_of_order++;
		expect = got + 1;
		d.consumed++;
	}
	return 0;
}

static int32_t worker_main(void *arg)
{
	int i = (int)(uintptr_t)arg;

	while (!d.stop) {
		wells_status s = wells_mutex_lock(d.mutex, 50);

		if (s == WELLS_ERR_TIMEOUT)
			continue;
		if (s != WELLS_OK)
			return s;
		d.shared_counter++;
		d.locked[i]++;
		wells_thread_sleep(1); /* hold it a while: the others queue up */
		wells_mutex_unlock(d.mutex);
		wells_thread_sleep(2 + i);
	}
	return 0;
}

bool wm_demo_running(void)
{
	return d.running;
}

static wells_status start_thread(wells_thread_t *t, const char *name, uint32_t priority,
				 wells_thread_entry entry, void *arg)
{
	wells_status s = wells_thread_create(t, name, priority, 0, entry, arg);

	if (s == WELLS_OK)
		s = wells_thread_start(*t);
	return s;
}

wells_status wm_demo_start(void)
{
	wells_status s;
	int i;

	if (d.running)
		return WELLS_ERR_BAD_STATE;
	d.stop = 0;
	d.produced = d.consumed = d.out_of_order = d.shared_counter = 0;
	for (i = 0; i < WORKERS; i++)
		d.locked[i] = 0;
	s = wells_port_create(&d.port, sizeof(uint64_t), 8);
	if (s != WELLS_OK)
		return s;
	s = wells_mutex_create(&d.mutex);
	if (s != WELLS_OK) {
		wells_port_destroy(d.port);
		return s;
	}
	d.running = true;
	d.runs++;
	/* Threads that fail to start leave zero handles; stop() skips them. */
	memset(&d.producer, 0, sizeof d.producer);
	memset(&d.consumer, 0, sizeof d.consumer);
	memset(d.workers, 0, sizeof d.workers);
	s = start_thread(&d.producer, "producer", 10, producer_main, NULL);
	if (s == WELLS_OK)
		s = start_thread(&d.consumer, "consumer", 12, consumer_main, NULL);
	for (i = 0; s == WELLS_OK && i < WORKERS; i++)
		s = start_thread(&d.workers[i], worker_name[i], worker_priority[i], worker_main,
				 (void *)(uintptr_t)i);
	if (s != WELLS_OK)
		wm_demo_stop();
	else
		printk(KERN_INFO "wells: demo started (producer/consumer over a port, mutex at priorities 5/15/25)\n");
	return s;
}

static void join(wells_thread_t *t)
{
	if (t->raw == 0)
		return;
	if (wells_thread_join(*t, NULL, 2000) != WELLS_OK)
		printk(KERN_WARNING "wells: demo: a thread did not stop in time\n");
	t->raw = 0;
}

wells_status wm_demo_stop(void)
{
	int i;

	if (!d.running)
		return WELLS_OK;
	d.stop = 1;
	join(&d.producer);
	join(&d.consumer);
	for (i = 0; i < WORKERS; i++)
		join(&d.workers[i]);
	wells_port_destroy(d.port);
	wells_mutex_destroy(d.mutex);
	d.running = false;
	printk(KERN_INFO "wells: demo stopped: produced %llu consumed %llu out-of-order %llu, mutex %llu/%llu/%llu\n",
	       d.produced, d.consumed, d.out_of_order, d.locked[0], d.locked[1], d.locked[2]);
	return WELLS_OK;
}

void wm_demo_report(struct wm_buf *b)
{
	wm_printf(b, "%s\n", d.running ? "running" : "stopped");
	wm_printf(b, "runs %llu produced %llu consumed %llu out_of_order %llu\n", d.runs,
		  d.produced, d.consumed, d.out_of_order);
	wm_printf(b, "mutex lo %llu mid %llu hi %llu total %llu\n", d.locked[0], d.locked[1],
		  d.locked[2], d.shared_counter);
}
