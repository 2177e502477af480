/* test_sync.c - wells mutexes (errors, priority inheritance, owner died), counting semaphores,
 * events, and destroying objects that threads wait on, through include/wells.h. */
#include "check.h"

#define MS 1000000ull

static int order[16];
static atomic_int norder;

static void record(int id)
{
    int i = atomic_fetch_add(&norder, 1);
    if (i < 16)
        order[i] = id;
}

/* ---- mutex ------------------------------------------------------------------------------------- */

static wells_mutex_t mx;
static wells_sem_t mx_locked, mx_done;

static int32_t mx_owner(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_mutex_lock(mx, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_mutex_lock(mx, WELLS_WAIT_FOREVER), WELLS_ERR_DEADLOCK);
    CHECK_EQ(wells_mutex_lock(mx, 10), WELLS_ERR_DEADLOCK);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_ERR_NOT_OWNER); /* not locked at all */
    CHECK_EQ(wells_mutex_lock(mx, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_sem_post(mx_locked), WELLS_OK);
    CHECK_EQ(wells_sem_wait(mx_done, 2000), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK); /* the other thread blocks in lock meanwhile */
    record(1);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    return 0;
}

static int32_t mx_other(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_sem_wait(mx_locked, 2000), WELLS_OK);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_ERR_NOT_OWNER);
    CHECK_EQ(wells_mutex_lock(mx, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_mutex_lock(mx, 30), WELLS_ERR_TIMEOUT);
    uint64_t el = wells_now_ns() - t0;
    CHECK(el >= 30 * MS && el < (30 + IDLE_LATE_MS) * MS);
    CHECK_EQ(wells_sem_post(mx_done), WELLS_OK);
    CHECK_EQ(wells_mutex_lock(mx, 2000), WELLS_OK); /* blocks until the owner unlocks */
    record(2);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    return 0;
}

static void mutex_basics(void)
{
    START_WELLS();
    atomic_store(&norder, 0);
    CHECK_EQ(wells_mutex_create(&mx), WELLS_OK);
    CHECK_EQ(wells_sem_create(&mx_locked, 0, 1), WELLS_OK);
    CHECK_EQ(wells_sem_create(&mx_done, 0, 1), WELLS_OK);
    spawn("owner", 10, mx_owner, NULL);
    spawn("other", 8, mx_other, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&norder), 2);
    CHECK_INT(order[0], 1);
    CHECK_INT(order[1], 2);
    CHECK_EQ(wells_mutex_destroy(mx), WELLS_OK);
    STOP_WELLS();
}

/* Classic inversion: L (5) holds the mutex, H (20) blocks on it, M (12) spins. With inheritance
 * L runs at 20 and unlocks, H gets the mutex, and only then M finishes. The steps are driven by
 * an observer (25) through flags, not by timing, so a slow host cannot reorder them; without
 * inheritance L never runs while M spins, and the order comes out M, L, H. */
enum { PI_L_UNLOCKED = 1, PI_H_GOT = 2, PI_M_DONE = 3 };
static wells_thread_t pi_l, pi_h, pi_m;
static volatile int pi_release_l, pi_stop_m;

static int32_t pi_low(void *arg)
{
    (void)arg;
    wells_thread_stats_t st;
    CHECK_EQ(wells_mutex_lock(mx, WELLS_WAIT_FOREVER), WELLS_OK);
    while (!pi_release_l) {
        /* hold the mutex, no wells call */
    }
    record(PI_L_UNLOCKED);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    CHECK_EQ(wells_thread_stats(pi_l, &st), WELLS_OK);
    CHECK_INT(st.priority, 5); /* the boost ended with the unlock */
    return 0;
}

static int32_t pi_high(void *arg)
{
    int32_t timeout_ms = (int32_t)(intptr_t)arg;
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK); /* L takes the mutex meanwhile */
    if (timeout_ms > 0) {
        CHECK_EQ(wells_mutex_lock(mx, (uint32_t)timeout_ms), WELLS_ERR_TIMEOUT);
        return 0;
    }
    CHECK_EQ(wells_mutex_lock(mx, 2000), WELLS_OK);
    record(PI_H_GOT);
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    return 0;
}

static int32_t pi_medium(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    while (!pi_stop_m) {
        /* CPU-bound, no wells call */
    }
    record(PI_M_DONE);
    return 0;
}

/* Sleeps 1 ms at a time until `t` is in `state`, at most ~2 s; false if it never got there. */
static bool wait_for_state(wells_thread_t t, uint32_t state)
{
    wells_thread_stats_t st;
    for (int i = 0; i < 2000; i++) {
        if (wells_thread_stats(t, &st) != WELLS_OK)
            return false;
        if (st.state == state)
            return true;
        wells_thread_sleep(1);
    }
    return false;
}

static int32_t pi_observer(void *arg)
{
    (void)arg;
    wells_thread_stats_t st;
    CHECK(wait_for_state(pi_h, WELLS_THREAD_BLOCKED)); /* H waits for L's mutex */
    CHECK_EQ(wells_thread_sleep(5), WELLS_OK);         /* M is awake and spinning by now */
    CHECK_EQ(wells_thread_stats(pi_m, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_READY);
    CHECK_EQ(wells_thread_stats(pi_l, &st), WELLS_OK);
    CHECK_INT(st.base_priority, 5);
    CHECK_INT(st.priority, 20);
    pi_release_l = 1;
    CHECK(wait_for_state(pi_h, WELLS_THREAD_EXITED)); /* L ran above M and handed over */
    pi_stop_m = 1;
    pi_release_l = 1;
    return 0;
}

static void mutex_priority_inheritance(void)
{
    START_WELLS();
    atomic_store(&norder, 0);
    pi_release_l = pi_stop_m = 0;
    CHECK_EQ(wells_mutex_create(&mx), WELLS_OK);
    pi_l = spawn("L", 5, pi_low, NULL);
    pi_h = spawn("H", 20, pi_high, NULL);
    pi_m = spawn("M", 12, pi_medium, NULL);
    spawn("observer", 25, pi_observer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&norder), 3);
    CHECK_INT(order[0], PI_L_UNLOCKED);
    CHECK_INT(order[1], PI_H_GOT);
    CHECK_INT(order[2], PI_M_DONE);
    STOP_WELLS();
}

/* The boost also ends when the high-priority waiter gives up (timeout). */
static int32_t pit_observer(void *arg)
{
    (void)arg;
    wells_thread_stats_t st;
    CHECK(wait_for_state(pi_h, WELLS_THREAD_BLOCKED));
    CHECK_EQ(wells_thread_stats(pi_l, &st), WELLS_OK);
    CHECK_INT(st.priority, 20);
    CHECK(wait_for_state(pi_h, WELLS_THREAD_EXITED)); /* H timed out */
    CHECK_EQ(wells_thread_stats(pi_l, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_THREAD_READY);
    CHECK_INT(st.priority, 5);
    pi_release_l = 1;
    return 0;
}

static void mutex_inheritance_ends_on_timeout(void)
{
    START_WELLS();
    atomic_store(&norder, 0);
    pi_release_l = 0;
    CHECK_EQ(wells_mutex_create(&mx), WELLS_OK);
    pi_l = spawn("L", 5, pi_low, NULL);
    pi_h = spawn("H", 20, pi_high, (void *)(intptr_t)30);
    spawn("observer", 25, pit_observer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&norder), 1);
    CHECK_INT(order[0], PI_L_UNLOCKED);
    STOP_WELLS();
}

static int32_t lock_and_return(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_mutex_lock(mx, WELLS_WAIT_FOREVER), WELLS_OK);
    return 0; /* still holding mx */
}

static int32_t lock_sleep_exit(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_mutex_lock(mx, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK);
    wells_thread_exit(0); /* still holding mx */
    return 0;
}

static int32_t heir(void *arg)
{
    int wait_first = (int)(intptr_t)arg;
    if (wait_first)
        CHECK_EQ(wells_thread_sleep(5), WELLS_OK);
    CHECK_EQ(wells_mutex_lock(mx, 2000), WELLS_ERR_OWNER_DIED);
    CHECK_EQ(wells_mutex_lock(mx, 10), WELLS_ERR_DEADLOCK); /* we own it now */
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    CHECK_EQ(wells_mutex_lock(mx, WELLS_NO_WAIT), WELLS_OK); /* a normal mutex again */
    CHECK_EQ(wells_mutex_unlock(mx), WELLS_OK);
    return 0;
}

static void mutex_owner_died(void)
{
    /* the owner is gone before the next lock */
    START_WELLS();
    CHECK_EQ(wells_mutex_create(&mx), WELLS_OK);
    spawn("dies", 10, lock_and_return, NULL);
    spawn("heir", 8, heir, (void *)(intptr_t)0);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();

    /* the next locker is already waiting when the owner exits */
    START_WELLS();
    CHECK_EQ(wells_mutex_create(&mx), WELLS_OK);
    spawn("dies", 10, lock_sleep_exit, NULL);
    spawn("heir", 12, heir, (void *)(intptr_t)1);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

/* ---- semaphore ------------------------------------------------------------------------------- */

static wells_sem_t sm;
static atomic_int woken;

static int32_t sem_waiter(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_sem_wait(sm, 2000), WELLS_OK);
    atomic_fetch_add(&woken, 1);
    return 0;
}

static int32_t sem_poster(void *arg)
{
    (void)arg;
    uint32_t v = 99;
    wells_sem_t s;
    CHECK_EQ(wells_sem_create(&s, 2, 3), WELLS_OK);
    CHECK_EQ(wells_sem_value(s, &v), WELLS_OK);
    CHECK_INT(v, 2);
    CHECK_EQ(wells_sem_wait(s, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_sem_wait(s, 10), WELLS_OK);
    CHECK_EQ(wells_sem_wait(s, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_sem_wait(s, 30), WELLS_ERR_TIMEOUT);
    uint64_t el = wells_now_ns() - t0;
    CHECK(el >= 30 * MS && el < (30 + IDLE_LATE_MS) * MS);
    CHECK_EQ(wells_sem_value(s, &v), WELLS_OK);
    CHECK_INT(v, 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(wells_sem_post(s), WELLS_OK);
    CHECK_EQ(wells_sem_post(s), WELLS_ERR_LIMIT);
    CHECK_EQ(wells_sem_value(s, &v), WELLS_OK);
    CHECK_INT(v, 3);
    CHECK_EQ(wells_sem_destroy(s), WELLS_OK);

    /* three waiters of higher priority are blocked on sm: each post wakes exactly one */
    CHECK_EQ(wells_thread_sleep(5), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 0);
    CHECK_EQ(wells_sem_post(sm), WELLS_OK);
    CHECK_EQ(wells_sem_post(sm), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 2);
    CHECK_EQ(wells_sem_value(sm, &v), WELLS_OK);
    CHECK_INT(v, 0);
    CHECK_EQ(wells_sem_post(sm), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 3);
    CHECK_EQ(wells_sem_post(sm), WELLS_OK); /* nobody waits: the count keeps it */
    CHECK_EQ(wells_sem_value(sm, &v), WELLS_OK);
    CHECK_INT(v, 1);
    return 0;
}

static void semaphore_counting(void)
{
    START_WELLS();
    wells_sem_t s;
    CHECK_EQ(wells_sem_create(&s, 4, 3), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_sem_create(&s, 0, 0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_sem_create(&s, 1, 1), WELLS_OK);
    CHECK_EQ(wells_sem_post(s), WELLS_ERR_LIMIT);
    CHECK_EQ(wells_sem_destroy(s), WELLS_OK);

    atomic_store(&woken, 0);
    CHECK_EQ(wells_sem_create(&sm, 0, 10), WELLS_OK);
    for (int i = 0; i < 3; i++)
        spawn("waiter", 12, sem_waiter, NULL);
    spawn("poster", 10, sem_poster, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 3);
    STOP_WELLS();
}

/* ---- event ------------------------------------------------------------------------------------- */

static wells_event_t ev;

static int32_t event_waiter(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_event_wait(ev, 2000), WELLS_OK);
    atomic_fetch_add(&woken, 1);
    return 0;
}

static int32_t auto_setter(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(5), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 0);
    for (int i = 1; i <= 3; i++) {
        CHECK_EQ(wells_event_set(ev), WELLS_OK); /* wakes one (higher priority: runs now) */
        CHECK_INT(atomic_load(&woken), i);
        CHECK_EQ(wells_event_wait(ev, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK); /* consumed */
    }
    CHECK_EQ(wells_event_set(ev), WELLS_OK); /* no waiter: stays set for the next wait */
    CHECK_EQ(wells_event_wait(ev, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_event_wait(ev, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_event_set(ev), WELLS_OK);
    CHECK_EQ(wells_event_reset(ev), WELLS_OK);
    CHECK_EQ(wells_event_wait(ev, 20), WELLS_ERR_TIMEOUT);
    return 0;
}

static int32_t manual_setter(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(5), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 0);
    CHECK_EQ(wells_event_set(ev), WELLS_OK); /* wakes all */
    CHECK_EQ(wells_thread_yield(), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 3);
    CHECK_EQ(wells_event_wait(ev, WELLS_NO_WAIT), WELLS_OK); /* stays set */
    CHECK_EQ(wells_event_wait(ev, 10), WELLS_OK);
    CHECK_EQ(wells_event_set(ev), WELLS_OK);
    CHECK_EQ(wells_event_reset(ev), WELLS_OK);
    CHECK_EQ(wells_event_wait(ev, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_event_wait(ev, 20), WELLS_ERR_TIMEOUT);
    uint64_t waited = wells_now_ns() - t0;
    CHECK(waited >= 20 * MS && waited < (20 + IDLE_LATE_MS) * MS);
    return 0;
}

static void event_auto_reset(void)
{
    START_WELLS();
    atomic_store(&woken, 0);
    CHECK_EQ(wells_event_create(&ev, WELLS_EVENT_AUTO_RESET), WELLS_OK);
    for (int i = 0; i < 3; i++)
        spawn("waiter", 12, event_waiter, NULL);
    spawn("setter", 10, auto_setter, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 3);
    CHECK_EQ(wells_event_destroy(ev), WELLS_OK);
    STOP_WELLS();
}

static void event_manual_reset(void)
{
    START_WELLS();
    atomic_store(&woken, 0);
    CHECK_EQ(wells_event_create(&ev, 0), WELLS_OK);
    for (int i = 0; i < 3; i++)
        spawn("waiter", 12, event_waiter, NULL);
    spawn("setter", 10, manual_setter, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&woken), 3);
    CHECK_EQ(wells_event_destroy(ev), WELLS_OK);
    STOP_WELLS();
}

static void event_initially_set(void)
{
    START_WELLS();
    wells_event_t a, m;
    CHECK_EQ(wells_event_create(&a, WELLS_EVENT_AUTO_RESET | WELLS_EVENT_INITIALLY_SET), WELLS_OK);
    CHECK_EQ(wells_event_wait(a, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_event_wait(a, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_event_create(&m, WELLS_EVENT_INITIALLY_SET), WELLS_OK);
    CHECK_EQ(wells_event_wait(m, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_event_wait(m, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_event_destroy(a), WELLS_OK);
    CHECK_EQ(wells_event_destroy(m), WELLS_OK);
    CHECK_EQ(wells_event_create(&a, 4), WELLS_ERR_INVALID_ARGUMENT); /* unknown flag bits */
    CHECK_EQ(wells_event_create(NULL, 0), WELLS_ERR_INVALID_ARGUMENT);
    STOP_WELLS();
}

/* ---- destroying what threads wait on ------------------------------------------------------- */

enum { D_MUTEX, D_SEM1, D_SEM2, D_EVENT, D_RECV, D_SEND, D_COUNT };
static wells_status d_result[D_COUNT];
static wells_status d_holder_unlock;
static wells_mutex_t d_m;
static wells_sem_t d_s, d_release;
static wells_event_t d_e;
static wells_port_t d_empty, d_full;

static int32_t d_holder(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_mutex_lock(d_m, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_sem_wait(d_release, 2000), WELLS_OK);
    d_holder_unlock = wells_mutex_unlock(d_m);
    return 0;
}

static int32_t d_waiter(void *arg)
{
    int which = (int)(intptr_t)arg;
    uint32_t msg = 7;
    wells_status s = WELLS_OK;
    switch (which) {
    case D_MUTEX: s = wells_mutex_lock(d_m, WELLS_WAIT_FOREVER); break;
    case D_SEM1:
    case D_SEM2: s = wells_sem_wait(d_s, WELLS_WAIT_FOREVER); break;
    case D_EVENT: s = wells_event_wait(d_e, WELLS_WAIT_FOREVER); break;
    case D_RECV: s = wells_port_receive(d_empty, &msg, sizeof msg, WELLS_WAIT_FOREVER); break;
    case D_SEND: s = wells_port_send(d_full, &msg, sizeof msg, WELLS_WAIT_FOREVER); break;
    }
    d_result[which] = s;
    return 0;
}

static int32_t d_destroyer(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK); /* every waiter is blocked by now */
    for (int i = 0; i < D_COUNT; i++)
        CHECK_INT(d_result[i], 1);
    CHECK_EQ(wells_mutex_destroy(d_m), WELLS_OK);
    CHECK_EQ(wells_sem_destroy(d_s), WELLS_OK);
    CHECK_EQ(wells_event_destroy(d_e), WELLS_OK);
    CHECK_EQ(wells_port_destroy(d_empty), WELLS_OK);
    CHECK_EQ(wells_port_destroy(d_full), WELLS_OK);
    CHECK_EQ(wells_sem_post(d_release), WELLS_OK);
    return 0;
}

static void destroy_wakes_waiters(void)
{
    START_WELLS();
    uint32_t msg = 1;
    for (int i = 0; i < D_COUNT; i++)
        d_result[i] = 1; /* not a status: "still waiting" */
    d_holder_unlock = 1;
    CHECK_EQ(wells_mutex_create(&d_m), WELLS_OK);
    CHECK_EQ(wells_sem_create(&d_s, 0, 1), WELLS_OK);
    CHECK_EQ(wells_sem_create(&d_release, 0, 1), WELLS_OK);
    CHECK_EQ(wells_event_create(&d_e, 0), WELLS_OK);
    CHECK_EQ(wells_port_create(&d_empty, sizeof msg, 1), WELLS_OK);
    CHECK_EQ(wells_port_create(&d_full, sizeof msg, 1), WELLS_OK);
    CHECK_EQ(wells_port_send(d_full, &msg, sizeof msg, WELLS_NO_WAIT), WELLS_OK);
    spawn("holder", 14, d_holder, NULL);
    for (int i = 0; i < D_COUNT; i++)
        spawn("waiter", 12, d_waiter, (void *)(intptr_t)i);
    spawn("destroyer", 8, d_destroyer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK); /* nothing may hang */
    for (int i = 0; i < D_COUNT; i++)
        CHECK_EQ(d_result[i], WELLS_ERR_DESTROYED);
    CHECK_EQ(d_holder_unlock, WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_sem_destroy(d_release), WELLS_OK);
    STOP_WELLS();
}

int main(void)
{
    RUN(mutex_basics);
    RUN(mutex_priority_inheritance);
    RUN(mutex_inheritance_ends_on_timeout);
    RUN(mutex_owner_died);
    RUN(semaphore_counting);
    RUN(event_auto_reset);
    RUN(event_manual_reset);
    RUN(event_initially_set);
    RUN(destroy_wakes_waiters);
    return check_summary();
}
