/* test_lifecycle.c - wells life cycle, host table checks, heap accounting, host-context rules,
 * handle validation and NULL pointers, through include/wells.h. */
#include "check.h"

#include <stdlib.h>
#include <time.h>

/* ---- a host table of our own, for the cases that call wells_init directly ------------------- */

static unsigned d_allocs, d_frees;
static void *d_ptr;
static size_t d_size, d_align;
static bool d_free_matches, d_fail_alloc;

static uint64_t d_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
static void d_arm(void *ctx, uint64_t deadline) { (void)ctx; (void)deadline; }
static void d_cancel(void *ctx) { (void)ctx; }
static void d_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    if (write(1, text, len) < 0) {
    }
}
static void *d_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    d_allocs++;
    if (d_fail_alloc)
        return NULL;
    size_t a = align < sizeof(void *) ? sizeof(void *) : align;
    d_ptr = aligned_alloc(a, (size + a - 1) / a * a);
    d_size = size;
    d_align = align;
    return d_ptr;
}
static void d_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx;
    d_frees++;
    d_free_matches = ptr == d_ptr && size == d_size && align == d_align;
    free(ptr);
}
static void d_idle(void *ctx) { (void)ctx; }
static void d_panic(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    if (write(2, msg, len) < 0) {
    }
    abort();
}

static struct wells_host_ops dummy_ops(void)
{
    struct wells_host_ops ops;
    memset(&ops, 0, sizeof ops);
    ops.version = WELLS_HOST_OPS_VERSION;
    ops.size = (uint32_t)sizeof ops;
    ops.now_ns = d_now;
    ops.timer_arm = d_arm;
    ops.timer_cancel = d_cancel;
    ops.console_write = d_write;
    ops.mem_alloc = d_alloc;
    ops.mem_free = d_free;
    ops.idle = d_idle;
    ops.panic = d_panic;
    return ops;
}

static void reset_dummy(void)
{
    d_allocs = d_frees = 0;
    d_ptr = NULL;
    d_size = d_align = 0;
    d_free_matches = false;
    d_fail_alloc = false;
}

/* ---- cases ----------------------------------------------------------------------------------- */

static int32_t return_arg(void *arg) { return (int32_t)(intptr_t)arg; }

static void calls_before_init(void)
{
    wells_thread_t t = { 0x0001000100000001ull };
    wells_mutex_t m;
    wells_sem_t s;
    wells_event_t e;
    wells_port_t p;
    wells_timer_t tm = { 0x0001000100000001ull };
    wells_heap_stats_t hs;

    CHECK_INT(wells_now_ns(), 0);
    wells_tick(); /* a stray tick before init must be harmless */
    wells_critical_enter();
    wells_critical_exit();
    CHECK_EQ(wells_run(), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_shutdown(), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_thread_start(t), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_mutex_create(&m), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_sem_create(&s, 0, 1), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_event_create(&e, 0), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_port_create(&p, 4, 4), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_timer_start(tm, 10, 0), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_thread_sleep(1), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_print("must not print\n"), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_heap_stats(&hs), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_posix_stop(), WELLS_ERR_NOT_INITIALIZED);

    /* and the same once more after a shutdown */
    START_WELLS();
    STOP_WELLS();
    CHECK_INT(wells_now_ns(), 0);
    CHECK_EQ(wells_mutex_create(&m), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_heap_stats(&hs), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_shutdown(), WELLS_ERR_NOT_INITIALIZED);
}

static void noop_timer(void *arg) { (void)arg; }

/* Last in main: a library that allocates before checking for init could hang here. */
static void create_with_callback_before_init(void)
{
    wells_thread_t t;
    wells_timer_t tm;
    CHECK_EQ(wells_thread_create(&t, "t", 10, 0, return_arg, NULL), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_timer_create(&tm, noop_timer, NULL), WELLS_ERR_NOT_INITIALIZED);
    START_WELLS();
    STOP_WELLS();
    CHECK_EQ(wells_thread_create(&t, "t", 10, 0, return_arg, NULL), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_timer_create(&tm, noop_timer, NULL), WELLS_ERR_NOT_INITIALIZED);
}

static void status_names(void)
{
    static const wells_status all[] = {
        WELLS_OK, WELLS_ERR_INVALID_ARGUMENT, WELLS_ERR_INVALID_HANDLE, WELLS_ERR_WRONG_KIND,
        WELLS_ERR_NO_MEMORY, WELLS_ERR_LIMIT, WELLS_ERR_TIMEOUT, WELLS_ERR_WOULD_BLOCK,
        WELLS_ERR_NOT_OWNER, WELLS_ERR_DEADLOCK, WELLS_ERR_DESTROYED, WELLS_ERR_BAD_STATE,
        WELLS_ERR_NOT_INITIALIZED, WELLS_ERR_ALREADY_INITIALIZED, WELLS_ERR_BAD_CONTEXT,
        WELLS_ERR_OWNER_DIED, WELLS_ERR_ABI_MISMATCH, WELLS_ERR_ABORTED, WELLS_ERR_ACCESS_DENIED,
        WELLS_ERR_SEALED, WELLS_ERR_NOT_SUPPORTED,
    };
    const size_t n = sizeof all / sizeof all[0];
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(all[i], -(int)i); /* the values of the table in docs/c-api.md */
        const char *name = wells_status_str(all[i]);
        if (!CHECK(name != NULL))
            continue;
        CHECK(strcmp(name, "unknown status") != 0);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(name, wells_status_str(all[j])) != 0);
    }
    CHECK(strcmp(wells_status_str(1), "unknown status") == 0);
    CHECK(strcmp(wells_status_str(-21), "unknown status") == 0);
    CHECK(strcmp(wells_status_str(INT32_MIN), "unknown status") == 0);
}

static void init_rejects_bad_tables(void)
{
    reset_dummy();
    struct wells_host_ops ops;
    CHECK_EQ(wells_init(NULL), WELLS_ERR_INVALID_ARGUMENT);

    ops = dummy_ops();
    ops.version = WELLS_HOST_OPS_VERSION + 1;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_ABI_MISMATCH);
    ops.version = 0;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_ABI_MISMATCH);

    ops = dummy_ops();
    ops.size = (uint32_t)sizeof ops - 8;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_ABI_MISMATCH);
    ops.size = (uint32_t)sizeof ops + 8;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_ABI_MISMATCH);
    ops.size = 0;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_ABI_MISMATCH);

    ops = dummy_ops();
    ops.now_ns = NULL;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_INVALID_ARGUMENT);
    ops = dummy_ops();
    ops.timer_arm = NULL;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_INVALID_ARGUMENT);
    ops = dummy_ops();
    ops.timer_cancel = NULL;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_INVALID_ARGUMENT);
    ops = dummy_ops();
    ops.console_write = NULL;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_INVALID_ARGUMENT);
    ops = dummy_ops();
    ops.mem_alloc = NULL;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_INVALID_ARGUMENT);
    ops = dummy_ops();
    ops.mem_free = NULL;
    CHECK_EQ(wells_init(&ops), WELLS_ERR_INVALID_ARGUMENT);

    CHECK_INT(d_allocs, 0); /* a rejected table is never used */
    wells_heap_stats_t hs;
    CHECK_EQ(wells_heap_stats(&hs), WELLS_ERR_NOT_INITIALIZED);
}

static void init_with_own_table(void)
{
    /* optional callbacks left out, default heap size */
    reset_dummy();
    struct wells_host_ops ops = dummy_ops();
    ops.idle = NULL;
    ops.panic = NULL;
    if (!CHECK_EQ(wells_init(&ops), WELLS_OK))
        return;
    wells_heap_stats_t hs;
    memset(&hs, 0, sizeof hs);
    CHECK_EQ(wells_heap_stats(&hs), WELLS_OK);
    CHECK(hs.total > WELLS_DEFAULT_HEAP_SIZE / 2 && hs.total <= WELLS_DEFAULT_HEAP_SIZE);
    CHECK(hs.used + hs.free == hs.total);
    CHECK(hs.peak_used >= hs.used);
    CHECK_INT(d_allocs, 1);
    CHECK(d_size >= hs.total);
    CHECK(wells_now_ns() > 0);
    CHECK_EQ(wells_shutdown(), WELLS_OK);
    CHECK_INT(d_frees, 1);
    CHECK(d_free_matches); /* mem_free gets back what mem_alloc gave, with the same size/align */
    CHECK_INT(d_allocs, 1);

    /* an explicit heap size */
    reset_dummy();
    ops = dummy_ops();
    ops.heap_size = 128 * 1024;
    if (!CHECK_EQ(wells_init(&ops), WELLS_OK))
        return;
    CHECK_EQ(wells_heap_stats(&hs), WELLS_OK);
    CHECK(hs.total > 64 * 1024 && hs.total <= 128 * 1024);
    CHECK_EQ(wells_shutdown(), WELLS_OK);
    CHECK_INT(d_frees, 1);

    /* mem_alloc failing: no init, nothing to free */
    reset_dummy();
    d_fail_alloc = true;
    ops = dummy_ops();
    CHECK_EQ(wells_init(&ops), WELLS_ERR_NO_MEMORY);
    CHECK_EQ(wells_heap_stats(&hs), WELLS_ERR_NOT_INITIALIZED);
    CHECK_INT(d_frees, 0);
    reset_dummy();
}

static void double_init(void)
{
    START_WELLS();
    struct wells_host_ops ops = dummy_ops();
    reset_dummy();
    CHECK_EQ(wells_init(&ops), WELLS_ERR_ALREADY_INITIALIZED);
    CHECK_EQ(wells_posix_start(0), WELLS_ERR_ALREADY_INITIALIZED);
    CHECK_INT(d_allocs, 0);
    STOP_WELLS();
    CHECK_EQ(wells_posix_stop(), WELLS_ERR_NOT_INITIALIZED);
    CHECK_EQ(wells_shutdown(), WELLS_ERR_NOT_INITIALIZED);
}

static void init_run_shutdown_cycles(void)
{
    for (int i = 0; i < 20; i++) {
        START_WELLS();
        wells_thread_t t = spawn("cycle", 10, return_arg, (void *)(intptr_t)(i + 100));
        CHECK_EQ(wells_run(), WELLS_OK);
        int32_t code = -1;
        CHECK_EQ(wells_thread_join(t, &code, WELLS_NO_WAIT), WELLS_OK);
        CHECK_INT(code, i + 100);
        STOP_WELLS();
    }
}

static void run_without_threads(void)
{
    START_WELLS();
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

static int32_t lock_sleep_unlock(void *arg)
{
    wells_mutex_t m = *(wells_mutex_t *)arg;
    CHECK_EQ(wells_mutex_lock(m, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(2), WELLS_OK);
    CHECK_EQ(wells_mutex_unlock(m), WELLS_OK);
    return 0;
}

/* One of every object, used a little, then destroyed: the heap is back where it started. */
static void create_and_destroy_everything(void)
{
    wells_mutex_t m;
    wells_sem_t s;
    wells_event_t e;
    wells_port_t p;
    wells_timer_t tm;
    wells_heap_stats_t hs;
    CHECK_EQ(wells_mutex_create(&m), WELLS_OK);
    CHECK_EQ(wells_sem_create(&s, 1, 4), WELLS_OK);
    CHECK_EQ(wells_event_create(&e, WELLS_EVENT_AUTO_RESET), WELLS_OK);
    CHECK_EQ(wells_port_create(&p, 64, 16), WELLS_OK);
    CHECK_EQ(wells_timer_create(&tm, noop_timer, NULL), WELLS_OK);
    char msg[64] = "hello";
    CHECK_EQ(wells_port_send(p, msg, sizeof msg, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_timer_start(tm, 1000, 0), WELLS_OK);
    wells_thread_t t1 = spawn("a", 10, lock_sleep_unlock, &m);
    wells_thread_t t2 = spawn("b", 11, lock_sleep_unlock, &m);
    CHECK_EQ(wells_heap_stats(&hs), WELLS_OK);
    CHECK(hs.allocations > 0);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_thread_join(t1, NULL, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_thread_join(t2, NULL, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_timer_destroy(tm), WELLS_OK);
    CHECK_EQ(wells_port_destroy(p), WELLS_OK);
    CHECK_EQ(wells_event_destroy(e), WELLS_OK);
    CHECK_EQ(wells_sem_destroy(s), WELLS_OK);
    CHECK_EQ(wells_mutex_destroy(m), WELLS_OK);
}

static int32_t exit_with_call(void *arg)
{
    wells_thread_exit((int32_t)(intptr_t)arg);
    return -1;
}

/* Tables inside wells may grow on first use and keep their capacity, so the baseline is taken
 * after one warm-up round; every later round must come back to it exactly. */
static void heap_returns_to_baseline(void)
{
    START_WELLS();
    wells_heap_stats_t start, base, during, after;
    CHECK_EQ(wells_heap_stats(&start), WELLS_OK);
    CHECK(start.used + start.free == start.total);
    CHECK(start.allocations > 0 || start.used == 0);

    create_and_destroy_everything(); /* warm-up */
    CHECK_EQ(wells_heap_stats(&base), WELLS_OK);
    CHECK(base.used < start.used + 16 * 1024); /* growth on first use stays small */

    wells_mutex_t m;
    CHECK_EQ(wells_mutex_create(&m), WELLS_OK);
    wells_thread_t t;
    CHECK_EQ(wells_thread_create(&t, "unstarted", 10, 0, return_arg, NULL), WELLS_OK);
    CHECK_EQ(wells_heap_stats(&during), WELLS_OK);
    CHECK(during.used >= base.used + WELLS_DEFAULT_STACK_SIZE);
    CHECK(during.allocations > base.allocations);
    CHECK_EQ(wells_thread_start(t), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_thread_join(t, NULL, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_mutex_destroy(m), WELLS_OK);
    CHECK_EQ(wells_heap_stats(&after), WELLS_OK);
    CHECK_INT(after.used, base.used);
    CHECK_INT(after.allocations, base.allocations);

    for (int round = 0; round < 3; round++) {
        create_and_destroy_everything();
        CHECK_EQ(wells_heap_stats(&after), WELLS_OK);
        CHECK_INT(after.used, base.used);
        CHECK_INT(after.allocations, base.allocations);
        CHECK_INT(after.free, base.free);
        CHECK(after.peak_used >= during.used);
    }

    /* a thread that ends with wells_thread_exit instead of returning leaves nothing behind */
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(wells_thread_create(&t, "exits", 10, 0, exit_with_call, (void *)(intptr_t)4),
                 WELLS_OK);
        CHECK_EQ(wells_thread_start(t), WELLS_OK);
        CHECK_EQ(wells_run(), WELLS_OK);
        int32_t code = 0;
        CHECK_EQ(wells_thread_join(t, &code, WELLS_NO_WAIT), WELLS_OK);
        CHECK_INT(code, 4);
    }
    CHECK_EQ(wells_heap_stats(&after), WELLS_OK);
    CHECK_INT(after.used, base.used);
    CHECK_INT(after.allocations, base.allocations);
    STOP_WELLS();
}

static wells_mutex_t many[200000];

static void heap_exhaustion(void)
{
    if (!CHECK_EQ(wells_posix_start(256 * 1024), WELLS_OK))
        return;
    wells_heap_stats_t base, hs;
    CHECK_EQ(wells_heap_stats(&base), WELLS_OK);
    CHECK(base.total <= 256 * 1024);

    wells_thread_t t;
    CHECK_EQ(wells_thread_create(&t, "huge", 10, 1024 * 1024, return_arg, NULL),
             WELLS_ERR_NO_MEMORY);
    CHECK_EQ(wells_heap_stats(&hs), WELLS_OK);
    CHECK_INT(hs.used, base.used);

    /* objects until the heap or the object table gives out, twice: the same number fit and
     * the heap comes back to the same use (the table keeps its grown capacity) */
    size_t fits[2] = { 0, 0 };
    size_t used_after[2] = { 0, 0 };
    wells_status st = WELLS_OK;
    for (int fill = 0; fill < 2; fill++) {
        size_t n = 0;
        while (n < sizeof many / sizeof many[0]) {
            st = wells_mutex_create(&many[n]);
            if (st != WELLS_OK)
                break;
            n++;
        }
        CHECK(st == WELLS_ERR_NO_MEMORY || st == WELLS_ERR_LIMIT);
        CHECK(n > 0);
        for (size_t i = 0; i < n; i++)
            if (!CHECK_EQ(wells_mutex_destroy(many[i]), WELLS_OK))
                break;
        CHECK_EQ(wells_heap_stats(&hs), WELLS_OK);
        fits[fill] = n;
        used_after[fill] = hs.used;
    }
    CHECK_INT(fits[1], fits[0]);
    CHECK_INT(used_after[1], used_after[0]);

    /* threads with default stacks until the heap gives out; shutdown frees them */
    wells_thread_t ts[64];
    size_t nt = 0;
    while (nt < 64) {
        st = wells_thread_create(&ts[nt], "fill", 10, 0, return_arg, NULL);
        if (st != WELLS_OK)
            break;
        nt++;
    }
    CHECK_EQ(st, WELLS_ERR_NO_MEMORY);
    CHECK(nt >= 1 && nt < 4); /* 256 KiB holds at most 3 stacks of 64 KiB */
    /* after running out, the kernel still works */
    if (nt > 0) {
        CHECK_EQ(wells_thread_start(ts[0]), WELLS_OK);
        CHECK_EQ(wells_run(), WELLS_OK);
    }
    STOP_WELLS();
}

static int32_t wait_forever_on(void *arg)
{
    wells_sem_t s = *(wells_sem_t *)arg;
    wells_sem_wait(s, WELLS_WAIT_FOREVER);
    CHECK(false); /* never woken */
    return 0;
}

static wells_mutex_t dl_m1, dl_m2;
static int32_t dl_a(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_mutex_lock(dl_m1, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    wells_mutex_lock(dl_m2, WELLS_WAIT_FOREVER);
    CHECK(false);
    return 0;
}
static int32_t dl_b(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_mutex_lock(dl_m2, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    wells_mutex_lock(dl_m1, WELLS_WAIT_FOREVER);
    CHECK(false);
    return 0;
}

static void run_reports_deadlock(void)
{
    START_WELLS();
    wells_sem_t s;
    CHECK_EQ(wells_sem_create(&s, 0, 1), WELLS_OK);
    wells_thread_t t = spawn("stuck", 10, wait_forever_on, &s);
    CHECK_EQ(wells_run(), WELLS_ERR_DEADLOCK);
    wells_thread_stats_t st;
    CHECK_EQ(wells_thread_stats(t, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_BLOCKED);
    STOP_WELLS(); /* shutdown reclaims the blocked thread */

    START_WELLS();
    CHECK_EQ(wells_mutex_create(&dl_m1), WELLS_OK);
    CHECK_EQ(wells_mutex_create(&dl_m2), WELLS_OK);
    spawn("dl-a", 10, dl_a, NULL);
    spawn("dl-b", 10, dl_b, NULL);
    CHECK_EQ(wells_run(), WELLS_ERR_DEADLOCK);
    STOP_WELLS();
}

static int32_t try_shutdown(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_shutdown(), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_posix_stop(), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_init(NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_posix_start(0), WELLS_ERR_ALREADY_INITIALIZED);
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK); /* the tick still works */
    CHECK(ms_since(t0) >= 20);
    return 7;
}

static void shutdown_inside_thread(void)
{
    START_WELLS();
    wells_thread_t t = spawn("shut", 10, try_shutdown, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    int32_t code = 0;
    CHECK_EQ(wells_thread_join(t, &code, WELLS_NO_WAIT), WELLS_OK);
    CHECK_INT(code, 7);
    STOP_WELLS();
}

static int32_t sleeper(void *arg)
{
    wells_thread_sleep((uint32_t)(intptr_t)arg);
    return 0;
}

/* From host main, outside wells_run, a call that has to wait is BAD_CONTEXT unless its timeout
 * is NO_WAIT. `live` is a thread that has not exited yet, or an invalid handle. */
static void host_context_rules_once(wells_thread_t live)
{
    wells_thread_t self;
    wells_mutex_t m;
    wells_sem_t s;
    wells_event_t e;
    wells_port_t p;
    CHECK_EQ(wells_thread_self(&self), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_thread_exit(3), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_thread_sleep(10), WELLS_ERR_BAD_CONTEXT);
    if (live.raw != 0) {
        CHECK_EQ(wells_thread_join(live, NULL, 10), WELLS_ERR_BAD_CONTEXT);
        CHECK_EQ(wells_thread_join(live, NULL, WELLS_WAIT_FOREVER), WELLS_ERR_BAD_CONTEXT);
        CHECK_EQ(wells_thread_join(live, NULL, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    }

    CHECK_EQ(wells_sem_create(&s, 0, 1), WELLS_OK);
    CHECK_EQ(wells_sem_wait(s, 100), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_sem_wait(s, WELLS_WAIT_FOREVER), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_sem_wait(s, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_sem_post(s), WELLS_OK);
    CHECK_EQ(wells_sem_wait(s, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_sem_destroy(s), WELLS_OK);

    CHECK_EQ(wells_mutex_create(&m), WELLS_OK);
    CHECK_EQ(wells_mutex_lock(m, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_mutex_lock(m, WELLS_WAIT_FOREVER), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_mutex_destroy(m), WELLS_OK);

    CHECK_EQ(wells_event_create(&e, 0), WELLS_OK);
    CHECK_EQ(wells_event_wait(e, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_event_wait(e, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_event_set(e), WELLS_OK);
    CHECK_EQ(wells_event_wait(e, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_event_destroy(e), WELLS_OK);

    uint32_t v = 1, out = 0;
    CHECK_EQ(wells_port_create(&p, sizeof v, 1), WELLS_OK);
    CHECK_EQ(wells_port_receive(p, &out, sizeof out, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_port_receive(p, &out, sizeof out, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_port_send(p, &v, sizeof v, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_port_send(p, &v, sizeof v, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_port_send(p, &v, sizeof v, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_port_receive(p, &out, sizeof out, WELLS_NO_WAIT), WELLS_OK);
    CHECK_INT(out, 1);
    CHECK_EQ(wells_port_destroy(p), WELLS_OK);
}

static void host_context_rules(void)
{
    START_WELLS();
    wells_thread_t t = spawn("sleeper", 10, sleeper, (void *)(intptr_t)20);
    host_context_rules_once(t); /* before wells_run */
    CHECK_EQ(wells_run(), WELLS_OK);
    host_context_rules_once((wells_thread_t){ 0 }); /* after wells_run */
    CHECK_EQ(wells_thread_join(t, NULL, WELLS_NO_WAIT), WELLS_OK);
    STOP_WELLS();
}

/* docs/c-api.md: "a call that may block made outside a wells thread ... with a timeout other
 * than WELLS_NO_WAIT" is BAD_CONTEXT -- also when this time it would not have had to wait, so
 * that host code with a timeout fails every time, not only when it happens to be unlucky. */
static void host_timeout_refused_even_when_available(void)
{
    START_WELLS();
    wells_sem_t s;
    wells_event_t e;
    wells_port_t p;
    uint32_t v = 1;
    CHECK_EQ(wells_sem_create(&s, 1, 1), WELLS_OK);
    CHECK_EQ(wells_sem_wait(s, 100), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_sem_wait(s, WELLS_WAIT_FOREVER), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_event_create(&e, WELLS_EVENT_INITIALLY_SET), WELLS_OK);
    CHECK_EQ(wells_event_wait(e, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_port_create(&p, sizeof v, 2), WELLS_OK);
    CHECK_EQ(wells_port_send(p, &v, sizeof v, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_port_send(p, &v, sizeof v, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_port_receive(p, &v, sizeof v, 10), WELLS_ERR_BAD_CONTEXT);
    wells_thread_t t = spawn("quick", 10, return_arg, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    wells_status j = wells_thread_join(t, NULL, 10);
    CHECK_EQ(j, WELLS_ERR_BAD_CONTEXT); /* exited, still refused */
    if (j != WELLS_OK)
        CHECK_EQ(wells_thread_join(t, NULL, WELLS_NO_WAIT), WELLS_OK);
    STOP_WELLS();
}

/* ---- handles --------------------------------------------------------------------------------- */

struct all_handles {
    wells_thread_t t;
    wells_mutex_t m;
    wells_sem_t s;
    wells_event_t e;
    wells_port_t p;
    wells_timer_t tm;
};

/* Every call taking a handle, with valid other arguments and no blocking, expects `want`. */
static void expect_all_handles(const struct all_handles *h, wells_status want)
{
    wells_thread_stats_t ts;
    uint32_t v = 0, msg = 0;
    CHECK_EQ(wells_thread_start(h->t), want);
    CHECK_EQ(wells_thread_join(h->t, NULL, WELLS_NO_WAIT), want);
    CHECK_EQ(wells_thread_suspend(h->t), want);
    CHECK_EQ(wells_thread_resume(h->t), want);
    CHECK_EQ(wells_thread_set_priority(h->t, 10), want);
    CHECK_EQ(wells_thread_set_affinity(h->t, WELLS_CPUS_ALL), want);
    CHECK_EQ(wells_thread_affinity(h->t, &v), want);
    CHECK_EQ(wells_thread_stats(h->t, &ts), want);
    CHECK_EQ(wells_mutex_lock(h->m, WELLS_NO_WAIT), want);
    CHECK_EQ(wells_mutex_unlock(h->m), want);
    CHECK_EQ(wells_mutex_destroy(h->m), want);
    CHECK_EQ(wells_sem_wait(h->s, WELLS_NO_WAIT), want);
    CHECK_EQ(wells_sem_post(h->s), want);
    CHECK_EQ(wells_sem_value(h->s, &v), want);
    CHECK_EQ(wells_sem_destroy(h->s), want);
    CHECK_EQ(wells_event_wait(h->e, WELLS_NO_WAIT), want);
    CHECK_EQ(wells_event_set(h->e), want);
    CHECK_EQ(wells_event_reset(h->e), want);
    CHECK_EQ(wells_event_destroy(h->e), want);
    CHECK_EQ(wells_port_send(h->p, &msg, sizeof msg, WELLS_NO_WAIT), want);
    CHECK_EQ(wells_port_receive(h->p, &msg, sizeof msg, WELLS_NO_WAIT), want);
    CHECK_EQ(wells_port_count(h->p, &v), want);
    CHECK_EQ(wells_port_destroy(h->p), want);
    CHECK_EQ(wells_timer_start(h->tm, 10, 0), want);
    CHECK_EQ(wells_timer_cancel(h->tm), want);
    CHECK_EQ(wells_timer_destroy(h->tm), want);
}

static void create_all(struct all_handles *h)
{
    CHECK_EQ(wells_thread_create(&h->t, "h", 10, 0, return_arg, NULL), WELLS_OK);
    CHECK_EQ(wells_mutex_create(&h->m), WELLS_OK);
    CHECK_EQ(wells_sem_create(&h->s, 0, 1), WELLS_OK);
    CHECK_EQ(wells_event_create(&h->e, 0), WELLS_OK);
    CHECK_EQ(wells_port_create(&h->p, sizeof(uint32_t), 2), WELLS_OK);
    CHECK_EQ(wells_timer_create(&h->tm, noop_timer, NULL), WELLS_OK);
}

static void invalid_handles(void)
{
    START_WELLS();
    struct all_handles h;

    memset(&h, 0, sizeof h);
    expect_all_handles(&h, WELLS_ERR_INVALID_HANDLE); /* zeroed */

    h.t.raw = h.m.raw = h.s.raw = h.e.raw = h.p.raw = h.tm.raw = 0xdeadbeef12345678ull;
    expect_all_handles(&h, WELLS_ERR_INVALID_HANDLE); /* forged */
    h.t.raw = h.m.raw = h.s.raw = h.e.raw = h.p.raw = h.tm.raw = UINT64_MAX;
    expect_all_handles(&h, WELLS_ERR_INVALID_HANDLE);

    /* stale: destroyed (the thread: run and joined) */
    create_all(&h);
    CHECK_EQ(wells_thread_start(h.t), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_thread_join(h.t, NULL, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_mutex_destroy(h.m), WELLS_OK);
    CHECK_EQ(wells_sem_destroy(h.s), WELLS_OK);
    CHECK_EQ(wells_event_destroy(h.e), WELLS_OK);
    CHECK_EQ(wells_port_destroy(h.p), WELLS_OK);
    CHECK_EQ(wells_timer_destroy(h.tm), WELLS_OK);
    expect_all_handles(&h, WELLS_ERR_INVALID_HANDLE);

    /* stale stays stale when the slots are used again */
    struct all_handles fresh;
    create_all(&fresh);
    expect_all_handles(&h, WELLS_ERR_INVALID_HANDLE);
    CHECK(fresh.m.raw != h.m.raw);
    CHECK(fresh.t.raw != h.t.raw);
    CHECK_EQ(wells_mutex_destroy(fresh.m), WELLS_OK);
    CHECK_EQ(wells_sem_destroy(fresh.s), WELLS_OK);
    STOP_WELLS();
}

static void wrong_kind_handles(void)
{
    START_WELLS();
    struct all_handles h;
    create_all(&h);
    uint32_t v = 0;
    wells_thread_stats_t ts;
    CHECK_EQ(wells_sem_post((wells_sem_t){ h.m.raw }), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_sem_wait((wells_sem_t){ h.m.raw }, WELLS_NO_WAIT), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_sem_destroy((wells_sem_t){ h.m.raw }), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_mutex_lock((wells_mutex_t){ h.s.raw }, WELLS_NO_WAIT), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_mutex_destroy((wells_mutex_t){ h.t.raw }), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_event_set((wells_event_t){ h.p.raw }), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_port_count((wells_port_t){ h.e.raw }, &v), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_timer_start((wells_timer_t){ h.t.raw }, 10, 0), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_thread_stats((wells_thread_t){ h.tm.raw }, &ts), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_thread_start((wells_thread_t){ h.m.raw }), WELLS_ERR_WRONG_KIND);
    /* the objects were not harmed */
    CHECK_EQ(wells_mutex_destroy(h.m), WELLS_OK);
    CHECK_EQ(wells_sem_destroy(h.s), WELLS_OK);
    CHECK_EQ(wells_event_destroy(h.e), WELLS_OK);
    CHECK_EQ(wells_port_destroy(h.p), WELLS_OK);
    CHECK_EQ(wells_timer_destroy(h.tm), WELLS_OK);
    CHECK_EQ(wells_thread_start(h.t), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

static int32_t self_null(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_self(NULL), WELLS_ERR_INVALID_ARGUMENT);
    return 0;
}

static void null_pointers(void)
{
    START_WELLS();
    struct all_handles h;
    create_all(&h);
    size_t count = 0;
    wells_thread_t list[4];
    uint32_t msg = 0;
    CHECK_EQ(wells_thread_create(NULL, "x", 10, 0, return_arg, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_mutex_create(NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_sem_create(NULL, 0, 1), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_event_create(NULL, 0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_create(NULL, 4, 4), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_timer_create(NULL, noop_timer, NULL), WELLS_ERR_INVALID_ARGUMENT);
    wells_timer_t tm;
    CHECK_EQ(wells_timer_create(&tm, NULL, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_sem_value(h.s, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_count(h.p, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_send(h.p, NULL, sizeof msg, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_receive(h.p, NULL, sizeof msg, WELLS_NO_WAIT),
             WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_stats(h.t, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_heap_stats(NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_list(NULL, 4, &count), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_list(list, 4, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_self(NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_print(NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_print(""), WELLS_OK);
    /* nothing was stored by the failed calls; the valid objects still work */
    CHECK_EQ(wells_port_send(h.p, &msg, sizeof msg, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_port_count(h.p, &msg), WELLS_OK);
    CHECK_INT(msg, 1);
    CHECK_EQ(wells_thread_start(h.t), WELLS_OK);
    spawn("self-null", 10, self_null, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

int main(void)
{
    RUN(calls_before_init);
    RUN(status_names);
    RUN(init_rejects_bad_tables);
    RUN(init_with_own_table);
    RUN(double_init);
    RUN(init_run_shutdown_cycles);
    RUN(run_without_threads);
    RUN(heap_returns_to_baseline);
    RUN(heap_exhaustion);
    RUN(run_reports_deadlock);
    RUN(shutdown_inside_thread);
    RUN(host_context_rules);
    RUN(host_timeout_refused_even_when_available);
    RUN(invalid_handles);
    RUN(wrong_kind_handles);
    RUN(null_pointers);
    RUN(create_with_callback_before_init);
    return check_summary();
}
