/* test_threads.c - wells threads through include/wells.h: create/start/join, bad arguments,
 * sleep, priorities, round-robin, preemption by the tick, suspend/resume, affinity (CPU 0 only
 * in this one-CPU library), stats, list, critical sections, and the registers C keeps across a call (FP ones included) surviving a switch. */
#include "check.h"

#include <stdint.h>

#define MS 1000000ull

static int32_t return_arg(void *arg) { return (int32_t)(intptr_t)arg; }

/* ---- create / start / join ------------------------------------------------------------------- */

static int32_t exit_with_arg(void *arg)
{
    wells_thread_exit((int32_t)(intptr_t)arg);
    CHECK(false); /* wells_thread_exit does not return in a wells thread */
    return 0;
}

static int32_t join_parent(void *arg)
{
    (void)arg;
    wells_thread_stats_t st;
    int32_t code = 0;
    wells_thread_t a = spawn("returns", 10, return_arg, (void *)(intptr_t)42);
    wells_thread_t b = spawn("exits", 10, exit_with_arg, (void *)(intptr_t)-7);
    CHECK_EQ(wells_thread_join(a, &code, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK); /* not run yet */
    CHECK_EQ(wells_thread_join(a, &code, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_INT(code, 42);
    CHECK_EQ(wells_thread_join(b, &code, 1000), WELLS_OK);
    CHECK_INT(code, -7);
    /* joined handles are stale */
    CHECK_EQ(wells_thread_join(a, &code, WELLS_WAIT_FOREVER), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_thread_stats(b, &st), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_thread_start(a), WELLS_ERR_INVALID_HANDLE);
    /* a higher-priority child has already exited when spawn returns: join with NO_WAIT works */
    wells_thread_t c = spawn("fast", 20, return_arg, (void *)(intptr_t)3);
    CHECK_EQ(wells_thread_stats(c, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_EXITED);
    CHECK_INT(st.exit_code, 3);
    CHECK_EQ(wells_thread_join(c, NULL, WELLS_NO_WAIT), WELLS_OK);
    return 5;
}

static void create_start_join(void)
{
    START_WELLS();
    wells_thread_t p = spawn("parent", 12, join_parent, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    int32_t code = 0;
    CHECK_EQ(wells_thread_join(p, &code, WELLS_NO_WAIT), WELLS_OK);
    CHECK_INT(code, 5);
    CHECK_EQ(wells_thread_join(p, &code, WELLS_NO_WAIT), WELLS_ERR_INVALID_HANDLE);
    STOP_WELLS();
}

static void create_bad_arguments(void)
{
    START_WELLS();
    wells_thread_t t, ok[4];
    wells_thread_stats_t st;
    CHECK_EQ(wells_thread_create(NULL, "x", 10, 0, return_arg, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_create(&t, "x", 10, 0, NULL, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_create(&t, "x", 32, 0, return_arg, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_create(&t, "x", UINT32_MAX, 0, return_arg, NULL),
             WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_create(&t, "x", 10, WELLS_MIN_STACK_SIZE - 1, return_arg, NULL),
             WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_create(&t, "x", 10, 1, return_arg, NULL), WELLS_ERR_INVALID_ARGUMENT);

    /* the edges that are valid */
    CHECK_EQ(wells_thread_create(&ok[0], "min-stack", WELLS_PRIORITY_MIN, WELLS_MIN_STACK_SIZE,
                                 return_arg, (void *)(intptr_t)1),
             WELLS_OK);
    CHECK_EQ(wells_thread_create(&ok[1], "max-prio", WELLS_PRIORITY_MAX, 0, return_arg,
                                 (void *)(intptr_t)2),
             WELLS_OK);
    CHECK_EQ(wells_thread_create(&ok[2], NULL, WELLS_PRIORITY_DEFAULT, 0, return_arg,
                                 (void *)(intptr_t)3),
             WELLS_OK);
    static const char long_name[] = "a-thread-name-that-is-longer-than-31-bytes";
    CHECK_EQ(wells_thread_create(&ok[3], long_name, 10, 0, return_arg, (void *)(intptr_t)4),
             WELLS_OK);

    CHECK_EQ(wells_thread_stats(ok[0], &st), WELLS_OK);
    CHECK(strcmp(st.name, "min-stack") == 0);
    CHECK_INT(st.state, WELLS_THREAD_CREATED);
    CHECK_INT(st.base_priority, WELLS_PRIORITY_MIN);
    CHECK_INT(st.priority, WELLS_PRIORITY_MIN);
    CHECK_INT(st.switches, 0);
    CHECK_EQ(wells_thread_stats(ok[1], &st), WELLS_OK);
    CHECK_INT(st.base_priority, WELLS_PRIORITY_MAX);
    CHECK_EQ(wells_thread_stats(ok[2], &st), WELLS_OK);
    CHECK(strcmp(st.name, "thread") == 0);
    CHECK_EQ(wells_thread_stats(ok[3], &st), WELLS_OK);
    CHECK(memchr(st.name, 0, sizeof st.name) != NULL);
    CHECK_INT(strlen(st.name), 31);
    CHECK(strncmp(st.name, long_name, 31) == 0);

    for (int i = 0; i < 4; i++)
        CHECK_EQ(wells_thread_start(ok[i]), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    for (int i = 0; i < 4; i++) {
        int32_t code = 0;
        CHECK_EQ(wells_thread_join(ok[i], &code, WELLS_NO_WAIT), WELLS_OK);
        CHECK_INT(code, i + 1);
    }
    STOP_WELLS();
}

static void start_twice(void)
{
    START_WELLS();
    wells_thread_t t;
    CHECK_EQ(wells_thread_create(&t, "twice", 10, 0, return_arg, NULL), WELLS_OK);
    CHECK_EQ(wells_thread_start(t), WELLS_OK);
    CHECK_EQ(wells_thread_start(t), WELLS_ERR_BAD_STATE);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_thread_start(t), WELLS_ERR_BAD_STATE); /* exited, not joined */
    CHECK_EQ(wells_thread_join(t, NULL, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_thread_start(t), WELLS_ERR_INVALID_HANDLE);
    STOP_WELLS();
}

static int32_t join_myself(void *arg)
{
    (void)arg;
    wells_thread_t me;
    CHECK_EQ(wells_thread_self(&me), WELLS_OK);
    CHECK_EQ(wells_thread_join(me, NULL, WELLS_WAIT_FOREVER), WELLS_ERR_DEADLOCK);
    CHECK_EQ(wells_thread_join(me, NULL, 10), WELLS_ERR_DEADLOCK);
    return 0;
}

static void join_self(void)
{
    START_WELLS();
    spawn("selfjoin", 10, join_myself, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

static volatile int jt_stop;

static int32_t keep_running(void *arg)
{
    (void)arg;
    while (!jt_stop)
        CHECK_EQ(wells_thread_sleep(5), WELLS_OK);
    return 9;
}

static int32_t join_with_timeout(void *arg)
{
    wells_thread_t w = *(wells_thread_t *)arg;
    wells_thread_stats_t st;
    int32_t code = 0;
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_thread_join(w, &code, 50), WELLS_ERR_TIMEOUT);
    uint64_t el = wells_now_ns() - t0;
    CHECK(el >= 50 * MS);
    CHECK(el < (50 + IDLE_LATE_MS) * MS);
    CHECK_EQ(wells_thread_stats(w, &st), WELLS_OK); /* still valid after a timed-out join */
    jt_stop = 1;
    CHECK_EQ(wells_thread_join(w, &code, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_INT(code, 9);
    CHECK_EQ(wells_thread_join(w, &code, WELLS_WAIT_FOREVER), WELLS_ERR_INVALID_HANDLE);
    return 0;
}

static void join_timeout(void)
{
    START_WELLS();
    jt_stop = 0;
    static wells_thread_t w;
    w = spawn("worker", 10, keep_running, NULL);
    spawn("joiner", 12, join_with_timeout, &w);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

/* ---- time -------------------------------------------------------------------------------------- */

static int32_t sleeps(void *arg)
{
    (void)arg;
    static const uint32_t asked[] = { 1, 5, 20, 50, 3 };
    CHECK_EQ(wells_thread_sleep(0), WELLS_OK);
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        uint64_t t0 = wells_now_ns();
        CHECK_EQ(wells_thread_sleep(asked[i]), WELLS_OK);
        uint64_t el = wells_now_ns() - t0;
        CHECK(el >= asked[i] * MS);
        CHECK(el < (asked[i] + IDLE_LATE_MS) * MS);
    }
    return 0;
}

static void sleep_duration(void)
{
    START_WELLS();
    uint64_t a = wells_now_ns();
    uint64_t b = wells_now_ns();
    CHECK(a > 0 && b >= a);
    spawn("sleeper", 10, sleeps, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

/* ---- priorities -------------------------------------------------------------------------------- */

static int order[16];
static atomic_int norder;

static void record(int id)
{
    int i = atomic_fetch_add(&norder, 1);
    if (i < 16)
        order[i] = id;
}

static int32_t record_arg(void *arg)
{
    record((int)(intptr_t)arg);
    return 0;
}

static int32_t boss(void *arg)
{
    (void)arg;
    wells_thread_t t[5];
    record(100);
    t[0] = spawn("p25", 25, record_arg, (void *)(intptr_t)25); /* higher: runs at once */
    record(101);
    t[1] = spawn("p5", 5, record_arg, (void *)(intptr_t)5);
    t[2] = spawn("p15", 15, record_arg, (void *)(intptr_t)15);
    t[3] = spawn("p10", 10, record_arg, (void *)(intptr_t)10);
    t[4] = spawn("p10b", 10, record_arg, (void *)(intptr_t)11);
    busy_ms(30); /* ticks arrive, but nothing of lower priority may run */
    CHECK_INT(atomic_load(&norder), 3);
    record(102);
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK); /* now they run, highest first */
    for (int i = 0; i < 5; i++)
        CHECK_EQ(wells_thread_join(t[i], NULL, 1000), WELLS_OK);
    return 0;
}

static void priority_order(void)
{
    START_WELLS();
    atomic_store(&norder, 0);
    spawn("boss", 20, boss, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    static const int want[] = { 100, 25, 101, 102, 15, 10, 11, 5 };
    CHECK_INT(atomic_load(&norder), 8);
    for (int i = 0; i < 8; i++)
        CHECK_INT(order[i], want[i]);
    STOP_WELLS();
}

static volatile int ran_x;
static int32_t set_flag(void *arg)
{
    (void)arg;
    ran_x = 1;
    return 0;
}

static int32_t changer(void *arg)
{
    (void)arg;
    wells_thread_stats_t st;
    wells_thread_t me, x, y;
    CHECK_EQ(wells_thread_self(&me), WELLS_OK);
    x = spawn("x", 5, set_flag, NULL);
    CHECK_INT(ran_x, 0);
    CHECK_EQ(wells_thread_set_priority(x, 32), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_stats(x, &st), WELLS_OK);
    CHECK_INT(st.base_priority, 5);
    CHECK_INT(st.state, WELLS_THREAD_READY);
    CHECK_EQ(wells_thread_set_priority(x, 20), WELLS_OK); /* above us: runs before this returns */
    CHECK_INT(ran_x, 1);
    CHECK_EQ(wells_thread_join(x, NULL, WELLS_NO_WAIT), WELLS_OK);

    ran_x = 0;
    y = spawn("y", 5, set_flag, NULL);
    CHECK_INT(ran_x, 0);
    CHECK_EQ(wells_thread_set_priority(me, 3), WELLS_OK); /* below y: y runs now */
    CHECK_INT(ran_x, 1);
    CHECK_EQ(wells_thread_stats(me, &st), WELLS_OK);
    CHECK_INT(st.base_priority, 3);
    CHECK_INT(st.priority, 3);
    CHECK_EQ(wells_thread_join(y, NULL, WELLS_NO_WAIT), WELLS_OK);
    return 0;
}

static void set_priority_preempts(void)
{
    START_WELLS();
    ran_x = 0;
    spawn("changer", 10, changer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

/* ---- affinity ----------------------------------------------------------------------------- */

static int32_t pin_self(void *arg)
{
    (void)arg;
    wells_thread_t me;
    uint32_t cpus = 0;
    CHECK_EQ(wells_thread_self(&me), WELLS_OK);
    /* pinned to the CPU it runs on: it goes on running */
    CHECK_EQ(wells_thread_set_affinity(me, 1), WELLS_OK);
    CHECK_EQ(wells_thread_affinity(me, &cpus), WELLS_OK);
    CHECK_INT(cpus, 1);
    CHECK_EQ(wells_thread_set_affinity(me, 2), WELLS_ERR_INVALID_ARGUMENT);
    return 9;
}

static void thread_affinity(void)
{
    START_WELLS();
    wells_thread_t t;
    wells_mutex_t m;
    uint32_t cpus = 0;
    CHECK_INT(WELLS_CPUS_ALL, 1);
    CHECK_EQ(wells_thread_create(&t, "pinned", 10, 0, pin_self, NULL), WELLS_OK);
    CHECK_EQ(wells_thread_affinity(t, &cpus), WELLS_OK);
    CHECK_INT(cpus, WELLS_CPUS_ALL);
    /* empty; CPUs this library does not have (one CPU per process), with CPU 0 or alone */
    static const uint32_t bad[] = { 0, 2, 3, 1u << 7, 1u << 31, UINT32_MAX };
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_EQ(wells_thread_set_affinity(t, bad[i]), WELLS_ERR_INVALID_ARGUMENT);
        CHECK_EQ(wells_thread_affinity(t, &cpus), WELLS_OK);
        CHECK_INT(cpus, WELLS_CPUS_ALL); /* a refused set changes nothing */
    }
    CHECK_EQ(wells_thread_affinity(t, NULL), WELLS_ERR_INVALID_ARGUMENT);
    /* bad handles: never valid, of another kind */
    CHECK_EQ(wells_thread_set_affinity((wells_thread_t){ 0 }, 1), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_thread_affinity((wells_thread_t){ 0 }, &cpus), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_mutex_create(&m), WELLS_OK);
    CHECK_EQ(wells_thread_set_affinity((wells_thread_t){ m.raw }, 1), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_thread_affinity((wells_thread_t){ m.raw }, &cpus), WELLS_ERR_WRONG_KIND);
    /* set before the start: pinned from its first run */
    CHECK_EQ(wells_thread_set_affinity(t, 1), WELLS_OK);
    CHECK_EQ(wells_thread_start(t), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    /* exited, not joined: read, not changed */
    CHECK_EQ(wells_thread_affinity(t, &cpus), WELLS_OK);
    CHECK_INT(cpus, 1);
    CHECK_EQ(wells_thread_set_affinity(t, 1), WELLS_ERR_BAD_STATE);
    int32_t code = 0;
    CHECK_EQ(wells_thread_join(t, &code, WELLS_NO_WAIT), WELLS_OK);
    CHECK_INT(code, 9);
    /* joined: the handle is stale */
    CHECK_EQ(wells_thread_set_affinity(t, 1), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_thread_affinity(t, &cpus), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_mutex_destroy(m), WELLS_OK);
    STOP_WELLS();
}

static char yield_trace[32];
static atomic_int yield_len;

static int32_t yielder(void *arg)
{
    char c = (char)(intptr_t)arg;
    for (int i = 0; i < 5; i++) {
        int n = atomic_fetch_add(&yield_len, 1);
        if (n < 31)
            yield_trace[n] = c;
        CHECK_EQ(wells_thread_yield(), WELLS_OK);
    }
    return 0;
}

static void yield_alternates(void)
{
    START_WELLS();
    memset(yield_trace, 0, sizeof yield_trace);
    atomic_store(&yield_len, 0);
    spawn("A", 10, yielder, (void *)(intptr_t)'A');
    spawn("B", 10, yielder, (void *)(intptr_t)'B');
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK(strcmp(yield_trace, "ABABABABAB") == 0);
    STOP_WELLS();
}

/* ---- time slices and preemption -------------------------------------------------------------- */

static volatile int rr_stop;
static volatile uint64_t rr_count[2];

static int32_t spinner(void *arg)
{
    int i = (int)(intptr_t)arg;
    while (!rr_stop)
        rr_count[i]++;
    return 0;
}

static int32_t rr_judge(void *arg)
{
    wells_thread_t *s = arg;
    wells_thread_stats_t st;
    CHECK_EQ(wells_thread_sleep(200), WELLS_OK);
    CHECK(rr_count[0] > 0);
    CHECK(rr_count[1] > 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(wells_thread_stats(s[i], &st), WELLS_OK);
        CHECK(st.run_time_ns >= 80 * MS); /* each got about half of the 200 ms */
        CHECK(st.switches >= 3);          /* 10 ms slices: switched many times */
    }
    rr_stop = 1;
    for (int i = 0; i < 2; i++)
        CHECK_EQ(wells_thread_join(s[i], NULL, 1000), WELLS_OK);
    return 0;
}

static void round_robin_time_slices(void)
{
    START_WELLS();
    rr_stop = 0;
    rr_count[0] = rr_count[1] = 0;
    static wells_thread_t s[2];
    s[0] = spawn("spin-0", 10, spinner, (void *)(intptr_t)0);
    s[1] = spawn("spin-1", 10, spinner, (void *)(intptr_t)1);
    spawn("judge", 20, rr_judge, s);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

static volatile int pre_flag;
static uint64_t pre_t0, pre_woke;

static int32_t spin_on_flag(void *arg)
{
    (void)arg;
    while (!pre_flag) {
        /* no wells call: only the tick can take the CPU away */
    }
    return 0;
}

static int32_t wake_and_set(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(50), WELLS_OK);
    pre_woke = wells_now_ns();
    pre_flag = 1;
    return 0;
}

static void preemption(void)
{
    START_WELLS();
    pre_flag = 0;
    pre_woke = 0;
    spawn("low-spin", 5, spin_on_flag, NULL);
    spawn("high", 20, wake_and_set, NULL);
    pre_t0 = wells_now_ns();
    CHECK_EQ(wells_run(), WELLS_OK); /* hangs (watchdog) if the tick cannot preempt */
    CHECK(pre_woke - pre_t0 >= 50 * MS);
    CHECK(pre_woke - pre_t0 < (50 + BUSY_LATE_MS) * MS); /* a spinner has the CPU meanwhile */
    STOP_WELLS();
}

/* ---- suspend / resume ---------------------------------------------------------------------- */

static volatile int sr_stop;
static volatile uint64_t sr_count;

static int32_t sr_worker(void *arg)
{
    (void)arg;
    while (!sr_stop)
        sr_count++;
    return 0;
}

static int32_t sr_controller(void *arg)
{
    wells_thread_t w = *(wells_thread_t *)arg;
    wells_thread_stats_t st;
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK);
    CHECK(sr_count > 0);
    CHECK_EQ(wells_thread_resume(w), WELLS_ERR_BAD_STATE); /* not suspended */
    CHECK_EQ(wells_thread_suspend(w), WELLS_OK);
    CHECK_EQ(wells_thread_stats(w, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_SUSPENDED);
    uint64_t c1 = sr_count;
    CHECK_EQ(wells_thread_sleep(50), WELLS_OK); /* nothing else to run: w must stay still */
    CHECK(sr_count == c1);
    CHECK_EQ(wells_thread_resume(w), WELLS_OK);
    CHECK_EQ(wells_thread_stats(w, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_READY);
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK);
    CHECK(sr_count > c1);
    sr_stop = 1;
    CHECK_EQ(wells_thread_join(w, NULL, 1000), WELLS_OK);
    return 0;
}

static void suspend_resume(void)
{
    START_WELLS();
    sr_stop = 0;
    sr_count = 0;
    static wells_thread_t w;
    w = spawn("worker", 5, sr_worker, NULL);
    spawn("controller", 15, sr_controller, &w);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

/* ---- stats and list -------------------------------------------------------------------------- */

static volatile int st_stop;
static wells_sem_t st_sem;
static wells_thread_t st_t[5];

static int32_t st_spin(void *arg)
{
    (void)arg;
    while (!st_stop) {
    }
    return 0;
}

static int32_t st_block(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_sem_wait(st_sem, 2000), WELLS_OK);
    return 0;
}

static int32_t st_sleep(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(500), WELLS_OK); /* long enough for a slow host, too */
    return 0;
}

static int32_t st_observer(void *arg)
{
    (void)arg;
    wells_thread_stats_t st;
    wells_thread_t me;
    CHECK_EQ(wells_thread_sleep(30), WELLS_OK);

    CHECK_EQ(wells_thread_self(&me), WELLS_OK);
    CHECK_EQ(wells_thread_stats(me, &st), WELLS_OK);
    CHECK(strcmp(st.name, "observer") == 0);
    CHECK_INT(st.state, WELLS_THREAD_RUNNING);
    CHECK_INT(st.base_priority, 20);
    CHECK_INT(st.priority, 20);
    CHECK(st.switches > 0);

    CHECK_EQ(wells_thread_stats(st_t[0], &st), WELLS_OK);
    CHECK(strcmp(st.name, "created") == 0);
    CHECK_INT(st.state, WELLS_THREAD_CREATED);
    CHECK_INT(st.run_time_ns, 0);

    CHECK_EQ(wells_thread_stats(st_t[1], &st), WELLS_OK);
    CHECK(strcmp(st.name, "spinning") == 0);
    CHECK_INT(st.state, WELLS_THREAD_READY);
    CHECK_INT(st.base_priority, 5);
    CHECK(st.switches > 0);
    CHECK(st.run_time_ns >= 5 * MS); /* it had the CPU for most of our 30 ms sleep */
    CHECK(st.run_time_ns < 1000 * MS);

    CHECK_EQ(wells_thread_stats(st_t[2], &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_BLOCKED);
    CHECK(st.switches > 0);

    CHECK_EQ(wells_thread_stats(st_t[3], &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_SLEEPING);

    CHECK_EQ(wells_thread_stats(st_t[4], &st), WELLS_OK);
    CHECK(strcmp(st.name, "exited") == 0);
    CHECK_INT(st.state, WELLS_THREAD_EXITED);
    CHECK_INT(st.exit_code, 33);
    CHECK(st.switches > 0);

    st_stop = 1;
    CHECK_EQ(wells_sem_post(st_sem), WELLS_OK);
    CHECK_EQ(wells_thread_start(st_t[0]), WELLS_OK);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(wells_thread_join(st_t[i], NULL, 2000), WELLS_OK);
    return 0;
}

static void thread_stats(void)
{
    START_WELLS();
    st_stop = 0;
    CHECK_EQ(wells_sem_create(&st_sem, 0, 1), WELLS_OK);
    CHECK_EQ(wells_thread_create(&st_t[0], "created", 10, 0, return_arg, NULL), WELLS_OK);
    st_t[1] = spawn("spinning", 5, st_spin, NULL);
    st_t[2] = spawn("blocked", 10, st_block, NULL);
    st_t[3] = spawn("sleeping", 10, st_sleep, NULL);
    st_t[4] = spawn("exited", 25, return_arg, (void *)(intptr_t)33);
    spawn("observer", 20, st_observer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

static bool in_list(const wells_thread_t *list, size_t n, wells_thread_t t)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].raw == t.raw)
            return true;
    return false;
}

static int32_t list_from_inside(void *arg)
{
    (void)arg;
    wells_thread_t list[8], me;
    size_t count = 0;
    CHECK_EQ(wells_thread_self(&me), WELLS_OK);
    CHECK_EQ(wells_thread_list(list, 8, &count), WELLS_OK);
    CHECK(count >= 1 && count <= 8);
    CHECK(in_list(list, count < 8 ? count : 8, me));
    return 0;
}

static void thread_list(void)
{
    START_WELLS();
    wells_thread_t t[3], list[8];
    size_t count = 99;
    CHECK_EQ(wells_thread_list(list, 8, &count), WELLS_OK);
    CHECK_INT(count, 0);
    CHECK_EQ(wells_thread_create(&t[0], "l0", 10, 0, return_arg, NULL), WELLS_OK);
    CHECK_EQ(wells_thread_create(&t[1], "l1", 10, 0, return_arg, NULL), WELLS_OK);
    CHECK_EQ(wells_thread_create(&t[2], "l2", 10, 0, list_from_inside, NULL), WELLS_OK);
    CHECK_EQ(wells_thread_list(list, 8, &count), WELLS_OK);
    CHECK_INT(count, 3);
    for (int i = 0; i < 3; i++)
        CHECK(in_list(list, 3, t[i]));
    memset(list, 0, sizeof list);
    CHECK_EQ(wells_thread_list(list, 1, &count), WELLS_OK); /* capacity too small: count says so */
    CHECK_INT(count, 3);
    CHECK(in_list(t, 3, list[0]));
    CHECK_INT(list[1].raw, 0); /* nothing written past capacity */
    CHECK_EQ(wells_thread_list(list, 0, &count), WELLS_OK);
    CHECK_INT(count, 3);
    count = 0;
    CHECK_EQ(wells_thread_list(NULL, 0, &count), WELLS_OK); /* just the count */
    CHECK_INT(count, 3);

    for (int i = 0; i < 3; i++)
        CHECK_EQ(wells_thread_start(t[i]), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_thread_list(list, 8, &count), WELLS_OK);
    CHECK_INT(count, 3); /* exited but not joined */
    CHECK_EQ(wells_thread_join(t[1], NULL, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_thread_list(list, 8, &count), WELLS_OK);
    CHECK_INT(count, 2);
    CHECK(!in_list(list, 2, t[1]));
    STOP_WELLS();
}

/* ---- critical sections --------------------------------------------------------------------- */

static uint64_t cs_end, cs_after, cs_high_woke, cs_timer_fired;

static int32_t cs_high(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    cs_high_woke = wells_now_ns();
    return 0;
}

static void cs_timer(void *arg)
{
    (void)arg;
    cs_timer_fired = wells_now_ns();
}

static int32_t cs_low(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_yield(), WELLS_OK);
    wells_critical_enter();
    busy_ms(25);
    wells_critical_enter(); /* nested */
    busy_ms(15);
    wells_critical_exit(); /* still inside the outer section */
    busy_ms(10);
    /* Both deadlines have passed. The host timer's tick for them normally came inside the
     * section already; on a loaded host its signal can come later than the section's end, so
     * the test makes one as the host would: inside a section it must be deferred too. */
    wells_tick();
    cs_end = wells_now_ns();
    wells_critical_exit(); /* the deferred tick runs here: cs_high preempts us */
    cs_after = wells_now_ns();
    return 0;
}

static void critical_section_defers_tick(void)
{
    START_WELLS();
    cs_end = cs_after = cs_high_woke = cs_timer_fired = 0;
    wells_timer_t tm;
    CHECK_EQ(wells_timer_create(&tm, cs_timer, NULL), WELLS_OK);
    CHECK_EQ(wells_timer_start(tm, 20, 0), WELLS_OK);
    spawn("cs-high", 20, cs_high, NULL);
    spawn("cs-low", 5, cs_low, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK(cs_end != 0 && cs_high_woke != 0 && cs_timer_fired != 0);
    CHECK(cs_high_woke >= cs_end);   /* not inside the section ... */
    CHECK(cs_high_woke <= cs_after); /* ... but as soon as it ended */
    CHECK(cs_timer_fired >= cs_end);
    CHECK(cs_timer_fired <= cs_after);
    CHECK_EQ(wells_timer_destroy(tm), WELLS_OK);
    STOP_WELLS();
}

/* ---- registers kept across a switch ------------------------------------------------------- */

/* Eight doubles live across every yield: the compiler keeps them in the callee-saved FP
 * registers where the ABI has them (d8-d15 on arm64), so a switch that forgot them would hand
 * one thread's values to the other. Each thread computes the same chain from its own seed; the
 * results must match the chain computed without switches. */
#define FP_ROUNDS 200

static double fp_chain(double seed, bool yield)
{
    double a = seed, b = seed + 1, c = seed + 2, d = seed + 3;
    double e = seed + 4, f = seed + 5, g = seed + 6, h = seed + 7;
    for (int i = 0; i < FP_ROUNDS; i++) {
        if (yield)
            wells_thread_yield();
        a = a * 0.5 + b;
        b = b * 0.5 + c;
        c = c * 0.5 + d;
        d = d * 0.5 + e;
        e = e * 0.5 + f;
        f = f * 0.5 + g;
        g = g * 0.5 + h;
        h = h * 0.5 + a;
    }
    return a + b + c + d + e + f + g + h;
}

static double fp_result[2];

static int32_t fp_thread(void *arg)
{
    intptr_t index = (intptr_t)arg;
    fp_result[index] = fp_chain((double)(index * 100 + 1), true);
    return 0;
}

static void fp_registers_survive_switch(void)
{
    START_WELLS();
    spawn("fp0", 10, fp_thread, (void *)(intptr_t)0);
    spawn("fp1", 10, fp_thread, (void *)(intptr_t)1);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK(fp_result[0] == fp_chain(1, false));
    CHECK(fp_result[1] == fp_chain(101, false));
    STOP_WELLS();
}

int main(void)
{
    RUN(create_start_join);
    RUN(create_bad_arguments);
    RUN(start_twice);
    RUN(join_self);
    RUN(join_timeout);
    RUN(sleep_duration);
    RUN(priority_order);
    RUN(set_priority_preempts);
    RUN(yield_alternates);
    RUN(round_robin_time_slices);
    RUN(preemption);
    RUN(suspend_resume);
    RUN(thread_affinity);
    RUN(thread_stats);
    RUN(thread_list);
    RUN(critical_section_defers_tick);
    RUN(fp_registers_survive_switch);
    return check_summary();
}
