/* main.c - wells inside a Linux process: threads, a port, a mutex and a timer, from C.
 *
 * Three small workloads run side by side on wells threads:
 *   (a) a producer sends 1000 numbered, checksummed messages through a port of capacity 8 to
 *       two consumers of different priorities;
 *   (b) four threads at priorities 8, 12, 16, 20 each add 1 to a shared counter 2000 times under
 *       one wells mutex, sleeping and yielding while they hold it so that they really contend;
 *   (c) a periodic wells timer posts a semaphore every 10 ms; a thread waits for it 20 times.
 * Then host main prints what it checked and per-thread statistics. Exit status 0 only if every
 * check held.
 *
 * Build and run (what `cargo xtask run` does):
 *   cargo build --release -p wells-ffi && cargo xtask header
 *   gcc -O2 -Wall -Wextra -std=c11 -Iinclude -Iadapters/posix examples/c-hosted/main.c \
 *       adapters/posix/wells_posix.c target/release/libwells.a -lpthread -lrt -o /tmp/c-hosted
 *   /tmp/c-hosted
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wells.h"
#include "wells_posix.h"

/* ---- printing ----------------------------------------------------------------------------------
 * wells threads run inside the tick signal's reach, so they must not be interrupted in the middle
 * of non-reentrant libc code (stdio, malloc). Format inside a wells critical section, then let
 * wells_print write the text. */
static void say(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    wells_critical_enter();
    vsnprintf(line, sizeof line, fmt, ap);
    wells_critical_exit();
    va_end(ap);
    wells_print(line);
}

/* ---- checks ------------------------------------------------------------------------------------ */

static int failed_checks;
static const char *first_failed;

static bool check(bool ok, const char *what)
{
    if (!ok) {
        if (failed_checks++ == 0)
            first_failed = what;
        say("c-hosted: FAILED check: %s\n", what);
    }
    return ok;
}

/* ---- (a) producer and consumers over a port ------------------------------------------------- */

#define N_MESSAGES 1000
#define PORT_CAPACITY 8
#define STOP_SEQ UINT32_MAX

struct message {
    uint32_t seq;
    uint8_t payload[20];
    uint32_t checksum;
};

struct consumer {
    const char *name;
    uint32_t priority;
    uint32_t pause_every; /* sleep 1 ms after this many messages (0 = never) */
    uint32_t received;
    uint32_t bad_checksum;
    uint32_t bad_seq;
};

static wells_port_t port;
static uint8_t times_seen[N_MESSAGES];
static struct consumer consumers[2] = {
    { .name = "consumer-hi", .priority = 14, .pause_every = 10 },
    { .name = "consumer-lo", .priority = 6, .pause_every = 0 },
};

static uint32_t payload_checksum(const struct message *m)
{
    uint32_t h = 2166136261u ^ m->seq; /* FNV-1a over the payload, seeded with seq */
    for (size_t i = 0; i < sizeof m->payload; i++)
        h = (h ^ m->payload[i]) * 16777619u;
    return h;
}

static int32_t producer(void *arg)
{
    (void)arg;
    struct message m;
    for (uint32_t seq = 0; seq < N_MESSAGES; seq++) {
        m.seq = seq;
        for (size_t i = 0; i < sizeof m.payload; i++)
            m.payload[i] = (uint8_t)(seq * 31u + i * 7u);
        m.checksum = payload_checksum(&m);
        wells_status s = wells_port_send(port, &m, sizeof m, WELLS_WAIT_FOREVER);
        if (s != WELLS_OK) {
            say("producer: send %u: %s\n", seq, wells_status_str(s));
            return 1;
        }
        if (seq % 25 == 24)
            wells_thread_sleep(1); /* send in bursts, as a device would */
    }
    memset(&m, 0, sizeof m);
    m.seq = STOP_SEQ;
    for (int i = 0; i < 2; i++) /* one stop message per consumer */
        if (wells_port_send(port, &m, sizeof m, WELLS_WAIT_FOREVER) != WELLS_OK)
            return 1;
    say("producer: sent %d messages and 2 stop messages\n", N_MESSAGES);
    return 0;
}

static int32_t consumer(void *arg)
{
    struct consumer *c = arg;
    for (;;) {
        struct message m;
        wells_status s = wells_port_receive(port, &m, sizeof m, 2000);
        if (s != WELLS_OK) {
            say("%s: receive: %s\n", c->name, wells_status_str(s));
            return 1;
        }
        if (m.seq == STOP_SEQ)
            break;
        if (m.seq >= N_MESSAGES) {
            c->bad_seq++;
            continue;
        }
        times_seen[m.seq]++;
        if (m.checksum != payload_checksum(&m))
            c->bad_checksum++;
        c->received++;
        if (c->pause_every != 0 && c->received % c->pause_every == 0)
            wells_thread_sleep(1); /* let the other consumer have some */
    }
    say("%s: received %u messages\n", c->name, c->received);
    return 0;
}

/* ---- (b) four threads, one counter, one mutex ------------------------------------------------- */

#define K_INCREMENTS 2000

struct counter_worker {
    char name[16];
    uint32_t priority;
    uint32_t contended; /* times the mutex was taken when this thread wanted it */
};

static wells_mutex_t counter_lock;
static uint32_t shared_counter;
static struct counter_worker workers[4] = {
    { .priority = 8 }, { .priority = 12 }, { .priority = 16 }, { .priority = 20 },
};

static int32_t counter_worker(void *arg)
{
    struct counter_worker *w = arg;
    for (uint32_t i = 0; i < K_INCREMENTS; i++) {
        wells_status s = wells_mutex_lock(counter_lock, WELLS_NO_WAIT);
        if (s == WELLS_ERR_WOULD_BLOCK) {
            w->contended++;
            s = wells_mutex_lock(counter_lock, WELLS_WAIT_FOREVER);
        }
        if (s != WELLS_OK) {
            say("%s: lock: %s\n", w->name, wells_status_str(s));
            return 1;
        }
        /* read, wait a little while holding the lock, write: a broken mutex loses updates */
        uint32_t v = shared_counter;
        if (i % 50 == 0)
            wells_thread_sleep(1);
        else if (i % 10 == 0)
            wells_thread_yield();
        shared_counter = v + 1;
        wells_mutex_unlock(counter_lock);
    }
    return 0;
}

/* ---- (c) a periodic timer and a waiting thread --------------------------------------------- */

#define TICKS 20
#define TICK_PERIOD_MS 10

static wells_sem_t tick_sem;
static wells_timer_t tick_timer;
static uint64_t timer_started_ns, last_tick_ns;
static uint32_t ticks_seen;

/* Runs in tick context: only non-blocking calls here. */
static void on_tick_timer(void *arg)
{
    (void)arg;
    wells_sem_post(tick_sem);
}

static int32_t tick_waiter(void *arg)
{
    (void)arg;
    for (int i = 0; i < TICKS; i++) {
        wells_status s = wells_sem_wait(tick_sem, 1000);
        if (s != WELLS_OK) {
            say("tick-waiter: wait %d: %s\n", i, wells_status_str(s));
            return 1;
        }
        ticks_seen++;
    }
    last_tick_ns = wells_now_ns();
    wells_timer_cancel(tick_timer);
    return 0;
}

/* ---- host main --------------------------------------------------------------------------------- */

struct spawned {
    wells_thread_t handle;
    const char *name;
};

static struct spawned threads[8];
static size_t n_threads;

static bool spawn(const char *name, uint32_t priority, wells_thread_entry entry, void *arg)
{
    wells_thread_t t;
    wells_status s = wells_thread_create(&t, name, priority, 0, entry, arg);
    if (s == WELLS_OK)
        s = wells_thread_start(t);
    if (!check(s == WELLS_OK, "create and start every thread"))
        return false;
    threads[n_threads].handle = t;
    threads[n_threads].name = name;
    n_threads++;
    return true;
}

static const char *state_name(uint32_t state)
{
    static const char *const names[] = { "created", "ready", "running", "blocked",
                                         "sleeping", "suspended", "exited" };
    return state < sizeof names / sizeof names[0] ? names[state] : "?";
}

int main(void)
{
    wells_status s = wells_posix_start(0);
    if (s != WELLS_OK) {
        fprintf(stderr, "c-hosted: wells_posix_start: %s\n", wells_status_str(s));
        return 1;
    }
    say("c-hosted: wells in a Linux process\n");

    /* objects first, then the threads that use them */
    check(wells_port_create(&port, sizeof(struct message), PORT_CAPACITY) == WELLS_OK,
          "create the port");
    check(wells_mutex_create(&counter_lock) == WELLS_OK, "create the mutex");
    check(wells_sem_create(&tick_sem, 0, 100) == WELLS_OK, "create the semaphore");
    check(wells_timer_create(&tick_timer, on_tick_timer, NULL) == WELLS_OK, "create the timer");

    spawn("producer", 10, producer, NULL);
    for (int i = 0; i < 2; i++)
        spawn(consumers[i].name, consumers[i].priority, consumer, &consumers[i]);
    for (int i = 0; i < 4; i++) {
        snprintf(workers[i].name, sizeof workers[i].name, "counter-%u", workers[i].priority);
        spawn(workers[i].name, workers[i].priority, counter_worker, &workers[i]);
    }
    spawn("tick-waiter", 18, tick_waiter, NULL);

    timer_started_ns = wells_now_ns();
    check(wells_timer_start(tick_timer, TICK_PERIOD_MS, TICK_PERIOD_MS) == WELLS_OK,
          "start the periodic timer");

    /* This host thread now runs the wells threads until they have all exited. */
    s = wells_run();
    if (!check(s == WELLS_OK, "wells_run returns WELLS_OK"))
        say("c-hosted: wells_run: %s\n", wells_status_str(s));

    /* (a) */
    uint32_t once = 0, bad_sum = 0, bad_seq = 0;
    for (int i = 0; i < N_MESSAGES; i++)
        once += times_seen[i] == 1;
    for (int i = 0; i < 2; i++) {
        bad_sum += consumers[i].bad_checksum;
        bad_seq += consumers[i].bad_seq;
    }
    say("\n(a) port: %d messages through a port of capacity %d\n", N_MESSAGES, PORT_CAPACITY);
    say("    %s received %u, %s received %u\n", consumers[0].name, consumers[0].received,
        consumers[1].name, consumers[1].received);
    say("    sequence numbers that arrived exactly once: %u of %d; bad checksums: %u; "
        "bad sequence numbers: %u\n",
        once, N_MESSAGES, bad_sum, bad_seq);
    check(once == N_MESSAGES, "(a) every sequence number arrived exactly once");
    check(consumers[0].received + consumers[1].received == N_MESSAGES,
          "(a) the consumers received 1000 messages in all");
    check(bad_sum == 0 && bad_seq == 0, "(a) every checksum matches");

    /* (b) */
    uint32_t contended = 0;
    for (int i = 0; i < 4; i++)
        contended += workers[i].contended;
    say("(b) mutex: 4 threads x %d increments: counter = %u (expected %d); "
        "contended lock attempts: %u\n",
        K_INCREMENTS, shared_counter, 4 * K_INCREMENTS, contended);
    check(shared_counter == 4 * K_INCREMENTS, "(b) counter == 4 * K");

    /* (c) */
    uint64_t tick_ms10 = last_tick_ns > timer_started_ns
                             ? (last_tick_ns - timer_started_ns) / 100000u
                             : 0;
    say("(c) timer: %u periodic ticks of %d ms in %u.%u ms\n", ticks_seen, TICK_PERIOD_MS,
        (unsigned)(tick_ms10 / 10), (unsigned)(tick_ms10 % 10));
    check(ticks_seen == TICKS, "(c) 20 timer ticks received");
    /* Never early; how late depends on how busy the machine is (real time here: the tests
     * that bound lateness run on the adapter's CPU clock, tests/c-abi). */
    check(tick_ms10 >= (TICKS * TICK_PERIOD_MS - 10) * 10, "(c) 20 ticks took at least 190 ms");

    /* per-thread statistics, then join (NO_WAIT: host main may not block; all have exited) */
    say("\nthreads:\n  %-14s %4s %4s %-9s %12s %9s %5s\n", "name", "base", "prio", "state",
        "run time", "switches", "exit");
    for (size_t i = 0; i < n_threads; i++) {
        wells_thread_stats_t st;
        if (!check(wells_thread_stats(threads[i].handle, &st) == WELLS_OK, "thread stats"))
            continue;
        say("  %-14s %4u %4u %-9s %9llu us %9llu %5d\n", st.name, st.base_priority, st.priority,
            state_name(st.state), (unsigned long long)(st.run_time_ns / 1000),
            (unsigned long long)st.switches, st.exit_code);
        check(strcmp(st.name, threads[i].name) == 0, "stats carry the thread's name");
    }
    for (size_t i = 0; i < n_threads; i++) {
        int32_t code = -1;
        check(wells_thread_join(threads[i].handle, &code, WELLS_NO_WAIT) == WELLS_OK && code == 0,
              "every thread exited with 0 and was joined");
    }
    check(wells_timer_destroy(tick_timer) == WELLS_OK && wells_sem_destroy(tick_sem) == WELLS_OK &&
              wells_mutex_destroy(counter_lock) == WELLS_OK && wells_port_destroy(port) == WELLS_OK,
          "destroy the objects");

    wells_heap_stats_t hs;
    if (wells_heap_stats(&hs) == WELLS_OK)
        say("\nwells heap: %zu of %zu bytes in use, peak %zu\n", hs.used, hs.total, hs.peak_used);

    if (failed_checks == 0)
        say("c-hosted: all checks passed\n");
    else
        say("c-hosted: FAILED: %s (%d failed check(s) in all)\n", first_failed, failed_checks);

    s = wells_posix_stop();
    if (s != WELLS_OK) {
        fprintf(stderr, "c-hosted: wells_posix_stop: %s\n", wells_status_str(s));
        return 1;
    }
    return failed_checks == 0 ? 0 : 1;
}
