/* test_ports_timers.c - wells ports (FIFO, lengths, full/empty, timeouts, blocking senders and
 * receivers) and timers (one-shot, periodic, cancel, destroy, callback context), through
 * include/wells.h. */
#include "check.h"

#define MS 1000000ull

struct msg {
    uint32_t seq;
    uint32_t data[3];
};

static wells_port_t pt;

/* ---- ports ------------------------------------------------------------------------------------- */

static int32_t port_single_thread(void *arg)
{
    (void)arg;
    struct msg m;
    uint32_t count = 99;
    memset(&m, 0, sizeof m);

    for (uint32_t i = 1; i <= 4; i++) {
        m.seq = i;
        m.data[0] = i * 3;
        CHECK_EQ(wells_port_send(pt, &m, sizeof m, WELLS_NO_WAIT), WELLS_OK);
    }
    CHECK_EQ(wells_port_count(pt, &count), WELLS_OK);
    CHECK_INT(count, 4);
    m.seq = 5;
    CHECK_EQ(wells_port_send(pt, &m, sizeof m, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_port_send(pt, &m, sizeof m, 20), WELLS_ERR_TIMEOUT);
    uint64_t waited = wells_now_ns() - t0;
    CHECK(waited >= 20 * MS && waited < (20 + IDLE_LATE_MS) * MS);

    /* wrong lengths are refused and leave the port alone */
    unsigned char big[2 * sizeof m];
    CHECK_EQ(wells_port_send(pt, &m, sizeof m - 1, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_send(pt, big, sizeof big, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_send(pt, &m, 0, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_receive(pt, big, sizeof m - 1, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_count(pt, &count), WELLS_OK);
    CHECK_INT(count, 4);

    /* FIFO; a bigger buffer gets exactly msg_size bytes */
    memset(big, 0xAA, sizeof big);
    CHECK_EQ(wells_port_receive(pt, big, sizeof big, WELLS_NO_WAIT), WELLS_OK);
    memcpy(&m, big, sizeof m);
    CHECK_INT(m.seq, 1);
    CHECK_INT(m.data[0], 3);
    CHECK_INT(big[sizeof m], 0xAA);
    CHECK_INT(big[sizeof big - 1], 0xAA);
    for (uint32_t i = 2; i <= 4; i++) {
        CHECK_EQ(wells_port_receive(pt, &m, sizeof m, 100), WELLS_OK);
        CHECK_INT(m.seq, i);
        CHECK_INT(m.data[0], i * 3);
        CHECK_EQ(wells_port_count(pt, &count), WELLS_OK);
        CHECK_INT(count, 4 - i);
    }
    CHECK_EQ(wells_port_receive(pt, &m, sizeof m, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    t0 = wells_now_ns();
    CHECK_EQ(wells_port_receive(pt, &m, sizeof m, 30), WELLS_ERR_TIMEOUT);
    uint64_t el = wells_now_ns() - t0;
    CHECK(el >= 30 * MS && el < (30 + IDLE_LATE_MS) * MS);
    return 0;
}

/* ---- call and reply-wait (the IPC fast path) --------------------------------------------------- */

static wells_port_t call_requests, call_replies;

static int32_t call_client(void *arg)
{
    (void)arg;
    for (uint32_t i = 1; i <= 20; i++) {
        struct msg m = {.seq = i, .data = {i * 7, 0, 0}};
        CHECK_EQ(wells_port_call(call_requests, call_replies, &m, sizeof m, 1000), WELLS_OK);
        CHECK_INT(m.seq, i);
        CHECK_INT(m.data[0], i * 7 + 1);
    }
    /* the stop request, then a call nobody answers: the shared timeout ends it */
    struct msg stop = {.seq = 0};
    CHECK_EQ(wells_port_send(call_requests, &stop, sizeof stop, 1000), WELLS_OK);
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_port_call(call_requests, call_replies, &stop, sizeof stop, 20), WELLS_ERR_TIMEOUT);
    uint64_t waited = wells_now_ns() - t0;
    CHECK(waited >= 20 * MS && waited < (20 + IDLE_LATE_MS) * MS);
    return 0;
}

static int32_t call_server(void *arg)
{
    (void)arg;
    struct msg m;
    CHECK_EQ(wells_port_receive(call_requests, &m, sizeof m, 1000), WELLS_OK);
    while (m.seq != 0) {
        m.data[0] += 1;
        CHECK_EQ(wells_port_reply_wait(call_replies, call_requests, &m, sizeof m, 1000), WELLS_OK);
    }
    return 0;
}

static void port_call_and_reply_wait(void)
{
    START_WELLS();
    CHECK_EQ(wells_port_create(&call_requests, sizeof(struct msg), 1), WELLS_OK);
    CHECK_EQ(wells_port_create(&call_replies, sizeof(struct msg), 1), WELLS_OK);
    /* bad calls send nothing: no buffer, one too small for the answer, not from a thread */
    struct msg m = {.seq = 1};
    uint32_t count = 99;
    CHECK_EQ(wells_port_call(call_requests, call_replies, NULL, sizeof m, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_call(call_requests, call_replies, &m, sizeof m - 1, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_reply_wait(call_replies, call_requests, &m, sizeof m - 1, WELLS_NO_WAIT), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_call(call_requests, call_replies, &m, sizeof m, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_port_count(call_requests, &count), WELLS_OK);
    CHECK_INT(count, 0);
    spawn("server", 10, call_server, NULL);
    spawn("client", 10, call_client, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    /* the unanswered call's request stays queued */
    CHECK_EQ(wells_port_count(call_requests, &count), WELLS_OK);
    CHECK_INT(count, 1);
    CHECK_EQ(wells_port_destroy(call_requests), WELLS_OK);
    CHECK_EQ(wells_port_destroy(call_replies), WELLS_OK);
    STOP_WELLS();
}

static void port_basics(void)
{
    START_WELLS();
    wells_port_t p;
    CHECK_EQ(wells_port_create(&p, 0, 4), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_create(&p, sizeof(struct msg), 0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_port_create(&pt, sizeof(struct msg), 4), WELLS_OK);
    spawn("port", 10, port_single_thread, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_port_destroy(pt), WELLS_OK);
    STOP_WELLS();
}

static atomic_int sent;

static int32_t blocking_sender(void *arg)
{
    (void)arg;
    for (uint32_t i = 1; i <= 3; i++) {
        struct msg m = { .seq = i, .data = { 0 } };
        CHECK_EQ(wells_port_send(pt, &m, sizeof m, i == 1 ? WELLS_NO_WAIT : WELLS_WAIT_FOREVER),
                 WELLS_OK);
        atomic_store(&sent, (int)i);
    }
    return 0;
}

static int32_t slow_receiver(void *arg)
{
    (void)arg;
    struct msg m;
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK);
    CHECK_INT(atomic_load(&sent), 1); /* the sender is blocked on the full port */
    for (uint32_t i = 1; i <= 3; i++) {
        CHECK_EQ(wells_port_receive(pt, &m, sizeof m, 1000), WELLS_OK);
        CHECK_INT(m.seq, i);
        /* room was made: the (higher-priority) sender has already put the next one in */
        CHECK_INT(atomic_load(&sent), i < 3 ? (int)i + 1 : 3);
    }
    return 0;
}

static void port_blocking_sender(void)
{
    START_WELLS();
    atomic_store(&sent, 0);
    CHECK_EQ(wells_port_create(&pt, sizeof(struct msg), 1), WELLS_OK);
    spawn("sender", 12, blocking_sender, NULL);
    spawn("receiver", 10, slow_receiver, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

static uint32_t received_seq;
static uint64_t received_at;

static int32_t blocking_receiver(void *arg)
{
    (void)arg;
    struct msg m;
    CHECK_EQ(wells_port_receive(pt, &m, sizeof m, 2000), WELLS_OK);
    received_seq = m.seq;
    received_at = wells_now_ns();
    return 0;
}

static int32_t late_sender(void *arg)
{
    (void)arg;
    struct msg m = { .seq = 42, .data = { 1, 2, 3 } };
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    CHECK_INT(received_seq, 0);
    CHECK_EQ(wells_port_send(pt, &m, sizeof m, WELLS_NO_WAIT), WELLS_OK);
    CHECK_INT(received_seq, 42); /* the waiting receiver (higher priority) ran at once */
    uint32_t count = 99;
    CHECK_EQ(wells_port_count(pt, &count), WELLS_OK);
    CHECK_INT(count, 0);
    return 0;
}

static void port_blocking_receiver(void)
{
    START_WELLS();
    received_seq = 0;
    CHECK_EQ(wells_port_create(&pt, sizeof(struct msg), 2), WELLS_OK);
    spawn("receiver", 12, blocking_receiver, NULL);
    spawn("sender", 10, late_sender, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(received_seq, 42);
    STOP_WELLS();
}

#define STREAM_N 2000
static uint8_t stream_seen[STREAM_N];

static uint32_t mix(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    return x;
}

static int32_t stream_producer(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < STREAM_N; i++) {
        struct msg m = { .seq = i, .data = { mix(i), mix(i + 1), 0 } };
        m.data[2] = m.data[0] ^ m.data[1];
        if (!CHECK_EQ(wells_port_send(pt, &m, sizeof m, 2000), WELLS_OK))
            return 1;
        if (i % 64 == 0)
            CHECK_EQ(wells_thread_sleep(1), WELLS_OK); /* let the port run empty, too */
    }
    return 0;
}

static int32_t stream_consumer(void *arg)
{
    (void)arg;
    for (uint32_t i = 0; i < STREAM_N; i++) {
        struct msg m;
        if (!CHECK_EQ(wells_port_receive(pt, &m, sizeof m, 2000), WELLS_OK))
            return 1;
        CHECK_INT(m.seq, i);
        CHECK(m.seq < STREAM_N && m.data[0] == mix(m.seq) && m.data[2] == (m.data[0] ^ m.data[1]));
        if (m.seq < STREAM_N)
            stream_seen[m.seq]++;
        if (i % 100 == 0)
            CHECK_EQ(wells_thread_yield(), WELLS_OK);
    }
    return 0;
}

static void port_stream(void)
{
    START_WELLS();
    memset(stream_seen, 0, sizeof stream_seen);
    CHECK_EQ(wells_port_create(&pt, sizeof(struct msg), 8), WELLS_OK);
    spawn("producer", 10, stream_producer, NULL);
    spawn("consumer", 9, stream_consumer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    int missing = 0;
    for (int i = 0; i < STREAM_N; i++)
        missing += stream_seen[i] != 1;
    CHECK_INT(missing, 0);
    STOP_WELLS();
}

/* ---- timers ------------------------------------------------------------------------------------- */

static atomic_int fired;
static uint64_t fired_at;
static wells_timer_t tmr;

static void count_fire(void *arg)
{
    CHECK(arg == &fired); /* the argument comes back */
    fired_at = wells_now_ns();
    atomic_fetch_add(&fired, 1);
}

static int32_t one_shot_thread(void *arg)
{
    (void)arg;
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_timer_start(tmr, 20, 0), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(100), WELLS_OK);
    CHECK_INT(atomic_load(&fired), 1);
    CHECK(fired_at - t0 >= 20 * MS && fired_at - t0 < (20 + IDLE_LATE_MS) * MS);
    /* a one-shot timer can be started again */
    CHECK_EQ(wells_timer_start(tmr, 10, 0), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(60), WELLS_OK);
    CHECK_INT(atomic_load(&fired), 2);
    return 0;
}

static void timer_one_shot(void)
{
    START_WELLS();
    atomic_store(&fired, 0);
    CHECK_EQ(wells_timer_create(&tmr, count_fire, &fired), WELLS_OK);
    spawn("one-shot", 10, one_shot_thread, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&fired), 2);
    CHECK_EQ(wells_timer_destroy(tmr), WELLS_OK);
    STOP_WELLS();
}

static int32_t periodic_thread(void *arg)
{
    (void)arg;
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_timer_start(tmr, 10, 10), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(105), WELLS_OK);
    CHECK_EQ(wells_timer_cancel(tmr), WELLS_OK);
    int n = atomic_load(&fired);
    /* Measured, not assumed: each 10 ms period that ended before the cancel fired once. */
    uint64_t elapsed = wells_now_ns() - t0;
    CHECK(elapsed >= 105 * MS && elapsed < (105 + IDLE_LATE_MS) * MS);
    CHECK_INT(n, (int)(elapsed / (10 * MS)));
    CHECK_EQ(wells_thread_sleep(50), WELLS_OK);
    CHECK_INT(atomic_load(&fired), n); /* cancelled: no more */
    return 0;
}

static void timer_periodic_and_cancel(void)
{
    START_WELLS();
    atomic_store(&fired, 0);
    CHECK_EQ(wells_timer_create(&tmr, count_fire, &fired), WELLS_OK);
    spawn("periodic", 10, periodic_thread, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_timer_destroy(tmr), WELLS_OK);
    STOP_WELLS();
}

static int32_t cancel_early_thread(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_timer_start(tmr, 300, 0), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    CHECK_EQ(wells_timer_cancel(tmr), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(350), WELLS_OK);
    CHECK_INT(atomic_load(&fired), 0);
    return 0;
}

static void timer_cancel_before_expiry(void)
{
    START_WELLS();
    atomic_store(&fired, 0);
    CHECK_EQ(wells_timer_create(&tmr, count_fire, &fired), WELLS_OK);
    spawn("cancel", 10, cancel_early_thread, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_timer_destroy(tmr), WELLS_OK);
    STOP_WELLS();
}

static int32_t destroy_running_thread(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_timer_start(tmr, 5, 5), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(30), WELLS_OK);
    CHECK(atomic_load(&fired) > 0);
    CHECK_EQ(wells_timer_destroy(tmr), WELLS_OK);
    int n = atomic_load(&fired);
    CHECK_EQ(wells_thread_sleep(30), WELLS_OK);
    CHECK_INT(atomic_load(&fired), n);
    CHECK_EQ(wells_timer_start(tmr, 5, 0), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_timer_cancel(tmr), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_timer_destroy(tmr), WELLS_ERR_INVALID_HANDLE);
    return 0;
}

static void timer_destroy_while_running(void)
{
    START_WELLS();
    atomic_store(&fired, 0);
    CHECK_EQ(wells_timer_create(&tmr, count_fire, &fired), WELLS_OK);
    spawn("destroy", 10, destroy_running_thread, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

/* What a callback (tick context) may and may not do. */
static wells_sem_t cb_sem, cb_done;
static wells_mutex_t cb_mutex;
static wells_event_t cb_event;
static atomic_int cb_ran;

static void context_callback(void *arg)
{
    (void)arg;
    wells_thread_t self;
    uint32_t msg = 5;
    CHECK_EQ(wells_sem_wait(cb_sem, WELLS_WAIT_FOREVER), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_sem_wait(cb_sem, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_sem_wait(cb_sem, WELLS_NO_WAIT), WELLS_ERR_WOULD_BLOCK);
    CHECK_EQ(wells_mutex_lock(cb_mutex, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_event_wait(cb_event, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_port_receive(pt, &msg, sizeof msg, 10), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_thread_sleep(1), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_thread_self(&self), WELLS_ERR_BAD_CONTEXT);
    CHECK_EQ(wells_thread_exit(0), WELLS_ERR_BAD_CONTEXT);
    wells_status down = wells_shutdown(); /* refused inside wells_run; the code is not pinned */
    CHECK(down == WELLS_ERR_BAD_CONTEXT || down == WELLS_ERR_BAD_STATE);
    /* the non-blocking forms work */
    CHECK_EQ(wells_port_send(pt, &msg, sizeof msg, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_event_set(cb_event), WELLS_OK);
    atomic_fetch_add(&cb_ran, 1);
    CHECK_EQ(wells_sem_post(cb_done), WELLS_OK);
}

static int32_t context_waiter(void *arg)
{
    (void)arg;
    uint32_t msg = 0;
    CHECK_EQ(wells_sem_wait(cb_done, 1000), WELLS_OK);
    CHECK_INT(atomic_load(&cb_ran), 1);
    CHECK_EQ(wells_event_wait(cb_event, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_port_receive(pt, &msg, sizeof msg, WELLS_NO_WAIT), WELLS_OK);
    CHECK_INT(msg, 5);
    return 0;
}

static void timer_callback_context(void)
{
    START_WELLS();
    atomic_store(&cb_ran, 0);
    CHECK_EQ(wells_sem_create(&cb_sem, 0, 1), WELLS_OK);
    CHECK_EQ(wells_sem_create(&cb_done, 0, 1), WELLS_OK);
    CHECK_EQ(wells_mutex_create(&cb_mutex), WELLS_OK);
    CHECK_EQ(wells_event_create(&cb_event, 0), WELLS_OK);
    CHECK_EQ(wells_port_create(&pt, sizeof(uint32_t), 2), WELLS_OK);
    CHECK_EQ(wells_timer_create(&tmr, context_callback, NULL), WELLS_OK);
    CHECK_EQ(wells_timer_start(tmr, 10, 0), WELLS_OK); /* started from host main */
    spawn("waiter", 10, context_waiter, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&cb_ran), 1);
    STOP_WELLS();
}

/* A thread blocked forever is not a deadlock while a timer can still wake it. */
static void post_from_timer(void *arg)
{
    CHECK_EQ(wells_sem_post(*(wells_sem_t *)arg), WELLS_OK);
}

static uint64_t tw_waited;

static int32_t wait_for_timer(void *arg)
{
    uint64_t t0 = wells_now_ns();
    CHECK_EQ(wells_sem_wait(*(wells_sem_t *)arg, WELLS_WAIT_FOREVER), WELLS_OK);
    tw_waited = wells_now_ns() - t0;
    return 0;
}

static void timer_wakes_blocked_thread(void)
{
    START_WELLS();
    static wells_sem_t s;
    tw_waited = 0;
    CHECK_EQ(wells_sem_create(&s, 0, 1), WELLS_OK);
    CHECK_EQ(wells_timer_create(&tmr, post_from_timer, &s), WELLS_OK);
    CHECK_EQ(wells_timer_start(tmr, 30, 0), WELLS_OK);
    spawn("waits", 10, wait_for_timer, &s);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK(tw_waited >= 25 * MS && tw_waited < (30 + IDLE_LATE_MS) * MS);
    STOP_WELLS();
}

/* The tick runs callbacks while a thread spins without any wells call. */
static volatile int spin_flag;

static void set_spin_flag(void *arg)
{
    (void)arg;
    spin_flag = 1;
}

static int32_t spin_until_flag(void *arg)
{
    (void)arg;
    while (!spin_flag) {
    }
    return 0;
}

static void timer_interrupts_spinning_thread(void)
{
    START_WELLS();
    spin_flag = 0;
    CHECK_EQ(wells_timer_create(&tmr, set_spin_flag, NULL), WELLS_OK);
    CHECK_EQ(wells_timer_start(tmr, 20, 0), WELLS_OK);
    spawn("spins", 10, spin_until_flag, NULL);
    CHECK_EQ(wells_run(), WELLS_OK); /* hangs (watchdog) if callbacks need a wells call */
    CHECK_INT(spin_flag, 1);
    STOP_WELLS();
}

int main(void)
{
    RUN(port_basics);
    RUN(port_blocking_sender);
    RUN(port_blocking_receiver);
    RUN(port_stream);
    RUN(port_call_and_reply_wait);
    RUN(timer_one_shot);
    RUN(timer_periodic_and_cancel);
    RUN(timer_cancel_before_expiry);
    RUN(timer_destroy_while_running);
    RUN(timer_callback_context);
    RUN(timer_wakes_blocked_thread);
    RUN(timer_interrupts_spinning_thread);
    return check_summary();
}
