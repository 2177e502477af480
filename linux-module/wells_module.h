/* wells_module.h - what the parts of wells.ko share (main, self-test, demo, benchmarks). */
#ifndef WELLS_MODULE_H
#define WELLS_MODULE_H

#include <linux/types.h>
#include "wells.h"

/* Text output into a caller's buffer (always NUL-terminated, cut when full). */
struct wm_buf {
	char *text;
	size_t cap;
	size_t len;
};
__printf(2, 3) void wm_printf(struct wm_buf *b, const char *fmt, ...);

/* Self-test (wells_selftest.c): runs in a wells thread, fills a verdict line. */
int32_t wm_selftest_thread(void *arg);
#define WM_VERDICT_LEN 160
extern char wm_selftest_verdict[WM_VERDICT_LEN]; /* "PASS n/n" or "FAIL ..." */

/* Demo workload (wells_demo.c), driven from the control thread. */
wells_status wm_demo_start(void);
wells_status wm_demo_stop(void);
bool wm_demo_running(void);
void wm_demo_report(struct wm_buf *b);

/* Benchmarks (wells_bench.c). wm_bench_wells runs in a wells thread; wm_bench_linux in a
 * normal Linux process context. */
struct wm_bench_result {
	u64 iterations;
	u64 wells_switch_ns;   /* one wells thread switch (yield ping-pong) */
	u64 wells_port_rt_ns;  /* one port message round trip between two wells threads */
	u64 linux_handoff_ns;  /* one kthread hand-off through a completion */
	u64 linux_rt_ns;       /* one round trip between two kthreads through completions */
	wells_status status;
};
void wm_bench_wells(struct wm_bench_result *r);
int wm_bench_linux(struct wm_bench_result *r);

/* Tick-to-thread latency (wells_bench.c): wm_latency_linux runs in the writer's process
 * context and calls measure() for each series, which must have the control thread run
 * wm_latency_wells. */
#define WM_LAT_BUCKETS 10
#define WM_LAT_SERIES 3
struct wm_lat_series {
	u32 samples, p50_ns, p99_ns, max_ns;
	u32 hist[WM_LAT_BUCKETS];
};
struct wm_lat_result {
	struct wm_lat_series series[WM_LAT_SERIES];
};
struct task_struct;
struct seq_file;
wells_status wm_latency_wells(void);
int wm_latency_linux(struct task_struct *host, int (*measure)(void), struct wm_lat_result *r);
void wm_latency_report(struct seq_file *m, const struct wm_lat_result *r);

/* The "expect" helper the self-test and demo use. */
const char *wm_state_name(uint32_t state);

#endif /* WELLS_MODULE_H */
