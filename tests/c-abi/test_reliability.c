/* test_reliability.c - issue 14: the heap reserve holds against every caller-driven
 * allocation (no call aborts the process for lack of heap), transactions with restart always
 * end, host threads other than the wells one are refused, a stack overflow is reported, and
 * the less common status codes are the documented ones. */
#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>

static wells_sem_t sem;
static atomic_int waited, slept;

/* ---- heap reserve -------------------------------------------------------------------------- */

static atomic_int biggest_ring;

/* The reserve (docs/c-api.md: the last sixteenth of the heap, at least 16 KiB) is still free. */
static bool reserve_intact(void)
{
    wells_heap_stats_t h;
    CHECK_EQ(wells_heap_stats(&h), WELLS_OK);
    size_t reserve = h.total / 16 > 16384 ? h.total / 16 : 16384;
    return h.free >= reserve;
}

static int32_t waiter(void *arg)
{
    (void)arg;
    /* Close to the biggest ring the heap allows (the first that fits, going down). */
    int low = 65536;
    for (;;) {
        wells_status s = wells_telemetry_enable((size_t)low);
        CHECK(s == WELLS_OK || s == WELLS_ERR_NO_MEMORY);
        if (s == WELLS_OK || low <= 64)
            break;
        low -= 64;
    }
    CHECK(reserve_intact());
    atomic_store(&biggest_ring, low);
    atomic_store(&waited, (int)wells_sem_wait(sem, 5));
    atomic_store(&slept, (int)wells_thread_sleep(5));
    return 0;
}

/* Blocking calls need wait-queue and timer entries: they must find them after the biggest
 * telemetry ring a caller could get. */
static void telemetry_ring_keeps_the_reserve(void)
{
    START_WELLS();
    CHECK_EQ(wells_sem_create(&sem, 0, 1), WELLS_OK);
    spawn("waiter", 10, waiter, NULL);
    CHECK_EQ(wells_telemetry_enable(65536), WELLS_ERR_NO_MEMORY);
    CHECK_EQ(wells_telemetry_enable(65537), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_telemetry_enable(0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(atomic_load(&waited), WELLS_ERR_TIMEOUT);
    CHECK_EQ(atomic_load(&slept), WELLS_OK);
    CHECK(atomic_load(&biggest_ring) > 1000);
    STOP_WELLS();
}

#define BIG_OBJECTS 200
#define BIG_SIZE (48 * 1024)
static wells_shared_t big[BIG_OBJECTS];
static size_t big_size[BIG_OBJECTS];
static int big_count;
static wells_txn_t big_txn;
static atomic_int write_no_memory;

static int32_t big_writer(void *arg)
{
    (void)arg;
    static uint8_t data[BIG_SIZE];
    for (int i = 0; i < big_count; i++) {
        wells_status s = wells_txn_write(big_txn, big[i], data, big_size[i]);
        CHECK(s == WELLS_OK || s == WELLS_ERR_NO_MEMORY);
        if (s == WELLS_ERR_NO_MEMORY)
            atomic_store(&write_no_memory, 1);
    }
    CHECK(reserve_intact());
    atomic_store(&slept, (int)wells_thread_sleep(5));
    atomic_store(&waited, (int)wells_sem_wait(sem, 5));
    return 0;
}

/* Buffered transaction writes are copies made for the caller: they stop at the reserve too. */
static void txn_writes_keep_the_reserve(void)
{
    START_WELLS();
    CHECK_EQ(wells_sem_create(&sem, 0, 1), WELLS_OK);
    CHECK_EQ(wells_txn_create(&big_txn, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(big_txn, spawn("big-writer", 10, big_writer, NULL)), WELLS_OK);
    /* Objects down to the reserve, big ones first, so the copies can go down to the last bytes. */
    big_count = 0;
    for (size_t size = BIG_SIZE; size >= 64; size /= 2) {
        while (big_count < BIG_OBJECTS && wells_shared_create(&big[big_count], size) == WELLS_OK)
            big_size[big_count++] = size;
    }
    CHECK(big_count > 2);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&write_no_memory), 1);
    CHECK_EQ(atomic_load(&slept), WELLS_OK);
    CHECK_EQ(atomic_load(&waited), WELLS_ERR_TIMEOUT);
    STOP_WELLS();
}

/* ---- restart and a member that ends without voting ------------------------------------------ */

static wells_shared_t obj;
static wells_txn_t rtxn;
static atomic_int voter_runs, voter_outcome;
static uint32_t vote_timeout;

static int32_t restart_voter(void *arg)
{
    (void)arg;
    uint64_t v = 1;
    atomic_fetch_add(&voter_runs, 1);
    CHECK_EQ(wells_txn_write(rtxn, obj, &v, sizeof v), WELLS_OK);
    atomic_store(&voter_outcome, (int)wells_txn_vote(rtxn, 1, vote_timeout));
    return 0;
}

static int32_t restart_leaver(void *arg)
{
    (void)arg;
    uint64_t v = 2;
    CHECK_EQ(wells_txn_write(rtxn, obj, &v, sizeof v), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    return 0; /* without voting */
}

/* A restart cannot bring back a member that ended, whose vote it needs: it aborts for good. */
static void restart_with_an_ended_member_aborts_for_good(void)
{
    uint32_t timeouts[] = {WELLS_WAIT_FOREVER, 500};
    for (int i = 0; i < 2; i++) {
        START_WELLS();
        vote_timeout = timeouts[i];
        atomic_store(&voter_runs, 0);
        atomic_store(&voter_outcome, 1);
        CHECK_EQ(wells_shared_create(&obj, sizeof(uint64_t)), WELLS_OK);
        CHECK_EQ(wells_txn_create(&rtxn, WELLS_WAIT_FOREVER), WELLS_OK);
        CHECK_EQ(wells_txn_set_policy(rtxn, WELLS_TXN_RESTART, 3), WELLS_OK);
        wells_thread_t a, b;
        CHECK_EQ(wells_thread_create(&a, "voter", 10, 0, restart_voter, NULL), WELLS_OK);
        CHECK_EQ(wells_thread_create(&b, "leaver", 10, 0, restart_leaver, NULL), WELLS_OK);
        CHECK_EQ(wells_txn_add_member(rtxn, a), WELLS_OK);
        CHECK_EQ(wells_txn_add_member(rtxn, b), WELLS_OK);
        CHECK_EQ(wells_thread_start(a), WELLS_OK);
        CHECK_EQ(wells_thread_start(b), WELLS_OK);
        CHECK_EQ(wells_run(), WELLS_OK);
        wells_txn_state_t st;
        CHECK_EQ(wells_txn_state(rtxn, &st), WELLS_OK);
        CHECK_INT(st.state, WELLS_TXN_ABORTED);
        CHECK_INT(st.reason, WELLS_TXN_ABORT_MEMBER_ENDED);
        CHECK_EQ(atomic_load(&voter_outcome), WELLS_ERR_ABORTED);
        CHECK_INT(atomic_load(&voter_runs), 1);
        uint64_t v = 7, version = 0;
        CHECK_EQ(wells_shared_read(obj, &v, sizeof v, &version), WELLS_OK);
        CHECK_INT(v, 0);
        STOP_WELLS();
    }
}

/* ---- calls from a host thread other than the wells one ------------------------------------- */

static pthread_t wells_host;
static wells_sem_t fsem;
static atomic_int spinner_running, foreign_done, in_wells, overlaps, woken_elsewhere;
static atomic_int foreign_post, foreign_sleep, foreign_create, foreign_self, foreign_value;

static void enter_wells_code(void)
{
    if (atomic_fetch_add(&in_wells, 1) != 0)
        atomic_fetch_add(&overlaps, 1);
}

static int32_t foreign_waiter(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_sem_wait(fsem, 2000), WELLS_OK);
    enter_wells_code();
    if (!pthread_equal(pthread_self(), wells_host))
        atomic_store(&woken_elsewhere, 1);
    busy_ms(20);
    atomic_fetch_sub(&in_wells, 1);
    return 0;
}

static int32_t foreign_spinner(void *arg)
{
    (void)arg;
    enter_wells_code();
    atomic_store(&spinner_running, 1);
    uint64_t t0 = wells_now_ns();
    while (!atomic_load(&foreign_done) && ms_since(t0) < 2000) {
    }
    atomic_fetch_sub(&in_wells, 1);
    CHECK_EQ(wells_sem_post(fsem), WELLS_OK); /* the waiter's wake-up, from a wells thread */
    return 0;
}

static void *foreign_thread(void *arg)
{
    (void)arg;
    while (!atomic_load(&spinner_running))
        usleep(100);
    atomic_store(&foreign_post, (int)wells_sem_post(fsem));
    usleep(30000); /* time for a waiter wrongly woken here to run alongside the spinner */
    atomic_store(&foreign_sleep, (int)wells_thread_sleep(1));
    wells_mutex_t m;
    atomic_store(&foreign_create, (int)wells_mutex_create(&m));
    wells_thread_t me;
    atomic_store(&foreign_self, (int)wells_thread_self(&me));
    uint32_t value;
    atomic_store(&foreign_value, (int)wells_sem_value(fsem, &value));
    wells_tick(); /* deferred to the wells host thread, like an interrupt */
    atomic_store(&foreign_done, 1);
    return NULL;
}

/* One CPU: a call from another host thread could run wells code there while the wells host
 * thread runs another wells thread. Such calls are refused with BAD_CONTEXT. */
static void calls_from_other_host_threads_are_refused(void)
{
    START_WELLS();
    wells_host = pthread_self();
    CHECK_EQ(wells_sem_create(&fsem, 0, 2), WELLS_OK);
    spawn("waiter", 10, foreign_waiter, NULL);
    spawn("spinner", 5, foreign_spinner, NULL);
    pthread_t other;
    CHECK(pthread_create(&other, NULL, foreign_thread, NULL) == 0);
    CHECK_EQ(wells_run(), WELLS_OK);
    pthread_join(other, NULL);
    CHECK_EQ(atomic_load(&foreign_post), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(atomic_load(&foreign_sleep), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(atomic_load(&foreign_create), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(atomic_load(&foreign_self), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(atomic_load(&foreign_value), WELLS_ERR_BAD_CONTEXT);
    CHECK_INT(atomic_load(&overlaps), 0);
    CHECK_INT(atomic_load(&woken_elsewhere), 0);
    STOP_WELLS();
}

/* ---- stack overflow -------------------------------------------------------------------------- */

static volatile int recursion_limit = 1 << 30; /* far past any stack */

static int recurse(volatile uint8_t *above, int depth)
{
    if (depth > recursion_limit)
        return 0;
    volatile uint8_t frame[512];
    frame[0] = (uint8_t)depth;
    frame[511] = above ? above[0] : 0;
    return recurse(frame, depth + 1) + frame[1];
}

static int32_t overflower(void *arg)
{
    (void)arg;
    return recurse(NULL, 0);
}

/* In a child: a wells thread runs past its stack. The guard page stops it and the adapter
 * names the cause before the process dies of SIGSEGV. */
static void a_stack_overflow_is_reported(void)
{
    int fds[2];
    if (!CHECK(pipe(fds) == 0))
        return;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        alarm(20);
        if (wells_posix_start(0) != WELLS_OK)
            _exit(3);
        wells_thread_t t;
        if (wells_thread_create(&t, "deep", 10, WELLS_MIN_STACK_SIZE, overflower, NULL) != WELLS_OK ||
            wells_thread_start(t) != WELLS_OK)
            _exit(4);
        wells_run();
        _exit(5); /* must not get here */
    }
    close(fds[1]);
    char text[1024];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof text - 1 && (n = read(fds[0], text + got, sizeof text - 1 - got)) > 0)
        got += (size_t)n;
    text[got] = 0;
    close(fds[0]);
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    CHECK(strstr(text, "wells: stack overflow") != NULL);
    if (strstr(text, "stack overflow") == NULL)
        printf("# child's stderr: %s\n", text);
}

/* ---- codes docs/c-api.md lists that are easy to miss ----------------------------------------- */

static atomic_int inner_run, inner_vote, inner_unlock;

static int32_t codes_inner(void *arg)
{
    (void)arg;
    atomic_store(&inner_run, (int)wells_run());
    wells_txn_t t;
    CHECK_EQ(wells_txn_create(&t, WELLS_WAIT_FOREVER), WELLS_OK);
    atomic_store(&inner_vote, (int)wells_txn_vote(t, 1, WELLS_NO_WAIT)); /* not a member */
    wells_mutex_t m;
    CHECK_EQ(wells_mutex_create(&m), WELLS_OK);
    atomic_store(&inner_unlock, (int)wells_mutex_unlock(m)); /* not locked */
    return 0;
}

static int32_t never_started(void *arg)
{
    (void)arg;
    return 0;
}

static void documented_codes(void)
{
    START_WELLS();
    wells_mutex_t m;
    CHECK_EQ(wells_mutex_create(&m), WELLS_OK);
    /* Only a wells thread can own a mutex, so host main is refused even with NO_WAIT. */
    CHECK_EQ(wells_mutex_lock(m, WELLS_NO_WAIT), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_mutex_unlock(m), WELLS_ERR_NOT_OWNER);
    /* A created, unstarted thread could never end: BAD_STATE whatever the timeout. */
    wells_thread_t t;
    CHECK_EQ(wells_thread_create(&t, "unstarted", 10, 0, never_started, NULL), WELLS_OK);
    CHECK_EQ(wells_thread_join(t, NULL, WELLS_NO_WAIT), WELLS_ERR_BAD_STATE);
    CHECK_EQ(wells_thread_resume(t), WELLS_ERR_BAD_STATE);
    wells_shared_t s;
    CHECK_EQ(wells_shared_create(&s, 0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_thread_yield(), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_init(NULL), WELLS_ERR_INVALID_ARGUMENT);
    spawn("inner", 10, codes_inner, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(atomic_load(&inner_run), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(atomic_load(&inner_vote), WELLS_ERR_BAD_STATE);
    CHECK_EQ(atomic_load(&inner_unlock), WELLS_ERR_NOT_OWNER);
    STOP_WELLS();
}

/* ---- no switch inside a critical section ---------------------------------------------------- */

static wells_sem_t csem;
static atomic_int high_ran, high_ran_inside, low_after;

static int32_t high_waiter(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_sem_wait(csem, 1000), WELLS_OK);
    atomic_store(&high_ran, 1);
    CHECK_EQ(wells_thread_sleep(1), WELLS_OK); /* would be BAD_CONTEXT with the section held */
    return 0;
}

static int32_t low_poster(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(5), WELLS_OK); /* the waiter blocks first */
    wells_critical_enter();
    CHECK_EQ(wells_sem_post(csem), WELLS_OK);
    atomic_store(&high_ran_inside, atomic_load(&high_ran));
    wells_critical_exit();
    CHECK_EQ(wells_thread_yield(), WELLS_OK);
    atomic_store(&low_after, 1);
    return 0;
}

/* Waking a higher thread inside a critical section must not switch to it there: it would run
 * with the section (ticks masked) held by a thread that is not running. */
static void no_switch_inside_a_critical_section(void)
{
    START_WELLS();
    CHECK_EQ(wells_sem_create(&csem, 0, 1), WELLS_OK);
    spawn("high", 20, high_waiter, NULL);
    spawn("low", 5, low_poster, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&high_ran_inside), 0);
    CHECK_INT(atomic_load(&high_ran), 1);
    CHECK_INT(atomic_load(&low_after), 1);
    STOP_WELLS();
}

int main(void)
{
    RUN(telemetry_ring_keeps_the_reserve);
    RUN(txn_writes_keep_the_reserve);
    RUN(restart_with_an_ended_member_aborts_for_good);
    RUN(calls_from_other_host_threads_are_refused);
    RUN(a_stack_overflow_is_reported);
    RUN(documented_codes);
    RUN(no_switch_inside_a_critical_section);
    return check_summary();
}
