/* soak.c - the hosted soak: wells in a Linux process churns threads, timers, ports,
 * semaphores, mutexes, events, shared objects and transactions for a given wall time, and
 * checks that nothing accumulates: after a warm-up round, the kernel heap's used bytes and live
 * allocation count are back at the same baseline after every round, and the process's resident
 * set does not grow.
 *
 *   soak <seconds>      (cargo xtask test runs a short soak, cargo xtask soak a long one)
 *
 * Prints one summary line and exits 0 only when every round ran its checks and the heap and
 * RSS stayed flat. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wells.h"
#include "wells_posix.h"

#define HEAP_SIZE (1024 * 1024)
/* RSS may move by a few pages (libc's own buffers, the kernel's page accounting); a leak of
 * even one object per round would pass this within seconds. */
#define RSS_SLACK_KB 256

static uint64_t deadline_ns;
static uint64_t rounds;
static const char *failure; /* the first broken check, or NULL */
static int failure_line;
static wells_heap_stats_t baseline, last;

#define EXPECT(cond)                              \
    do {                                          \
        if (!(cond) && failure == NULL) {         \
            failure = #cond;                      \
            failure_line = __LINE__;              \
        }                                         \
    } while (0)

/* ---- one round's parts -------------------------------------------------------------------- */

static wells_port_t port;
static wells_sem_t ping, pong, ticks;
static wells_mutex_t mutex;
static wells_event_t event;
static wells_shared_t object;
static wells_txn_t txn;
static uint64_t counter;

static int32_t producer(void *arg)
{
    (void)arg;
    for (uint64_t i = 1; i <= 32; i++)
        EXPECT(wells_port_send(port, &i, sizeof i, WELLS_WAIT_FOREVER) == WELLS_OK);
    return 0;
}

static int32_t consumer(void *arg)
{
    (void)arg;
    uint64_t sum = 0, value = 0;
    for (int i = 0; i < 32; i++) {
        EXPECT(wells_port_receive(port, &value, sizeof value, WELLS_WAIT_FOREVER) == WELLS_OK);
        sum += value;
    }
    EXPECT(sum == 32 * 33 / 2);
    return 0;
}

static int32_t pinger(void *arg)
{
    (void)arg;
    for (int i = 0; i < 16; i++) {
        EXPECT(wells_sem_post(ping) == WELLS_OK);
        EXPECT(wells_sem_wait(pong, WELLS_WAIT_FOREVER) == WELLS_OK);
    }
    return 0;
}

static int32_t ponger(void *arg)
{
    (void)arg;
    for (int i = 0; i < 16; i++) {
        EXPECT(wells_sem_wait(ping, WELLS_WAIT_FOREVER) == WELLS_OK);
        EXPECT(wells_sem_post(pong) == WELLS_OK);
    }
    return 0;
}

static int32_t locker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        EXPECT(wells_mutex_lock(mutex, WELLS_WAIT_FOREVER) == WELLS_OK);
        counter++;
        if (i % 10 == 0)
            EXPECT(wells_thread_yield() == WELLS_OK);
        EXPECT(wells_mutex_unlock(mutex) == WELLS_OK);
    }
    /* A wait that times out: its wait-queue and timeline entries must go too. */
    EXPECT(wells_event_wait(event, 1) == WELLS_ERR_TIMEOUT);
    return 0;
}

static void tick(void *arg)
{
    (void)arg;
    wells_sem_post(ticks);
}

static int32_t member(void *arg)
{
    uint64_t add = (uint64_t)(uintptr_t)arg, value = 0;
    EXPECT(wells_txn_read(txn, object, &value, sizeof value) == WELLS_OK);
    value += add;
    EXPECT(wells_txn_write(txn, object, &value, sizeof value) == WELLS_OK);
    wells_status s = wells_txn_vote(txn, 1, 1000);
    /* Both members vote commit: the transaction commits when the second vote comes. */
    EXPECT(s == WELLS_OK);
    return 0;
}

static wells_thread_t spawn(const char *name, uint32_t priority, wells_thread_entry entry, void *arg)
{
    wells_thread_t t = {0};
    EXPECT(wells_thread_create(&t, name, priority, 0, entry, arg) == WELLS_OK);
    EXPECT(wells_thread_start(t) == WELLS_OK);
    return t;
}

/* A transaction member: a member from before it starts, so the first vote waits for the other. */
static wells_thread_t spawn_member(const char *name, uint64_t add)
{
    wells_thread_t t = {0};
    EXPECT(wells_thread_create(&t, name, 9, 0, member, (void *)(uintptr_t)add) == WELLS_OK);
    EXPECT(wells_txn_add_member(txn, t) == WELLS_OK);
    return t;
}

static void join(wells_thread_t t)
{
    int32_t code = -1;
    EXPECT(wells_thread_join(t, &code, 5000) == WELLS_OK);
    EXPECT(code == 0);
}

/* Creates every kind of object, uses it from several threads, destroys it. */
static void one_round(void)
{
    EXPECT(wells_port_create(&port, sizeof(uint64_t), 4) == WELLS_OK);
    EXPECT(wells_sem_create(&ping, 0, 1) == WELLS_OK);
    EXPECT(wells_sem_create(&pong, 0, 1) == WELLS_OK);
    EXPECT(wells_sem_create(&ticks, 0, 100) == WELLS_OK);
    EXPECT(wells_mutex_create(&mutex) == WELLS_OK);
    EXPECT(wells_event_create(&event, 0) == WELLS_OK);
    EXPECT(wells_shared_create(&object, sizeof(uint64_t)) == WELLS_OK);
    EXPECT(wells_txn_create(&txn, 2000) == WELLS_OK);

    wells_timer_t periodic = {0}, once = {0};
    EXPECT(wells_timer_create(&periodic, tick, NULL) == WELLS_OK);
    EXPECT(wells_timer_create(&once, tick, NULL) == WELLS_OK);
    EXPECT(wells_timer_start(periodic, 1, 1) == WELLS_OK);
    EXPECT(wells_timer_start(once, 2, 0) == WELLS_OK);

    wells_thread_t threads[8];
    threads[0] = spawn("producer", 10, producer, NULL);
    threads[1] = spawn("consumer", 12, consumer, NULL);
    threads[2] = spawn("pinger", 10, pinger, NULL);
    threads[3] = spawn("ponger", 10, ponger, NULL);
    threads[4] = spawn("locker-a", 8, locker, NULL);
    threads[5] = spawn("locker-b", 14, locker, NULL);
    threads[6] = spawn_member("member-a", 1);
    threads[7] = spawn_member("member-b", 2);
    EXPECT(wells_thread_start(threads[6]) == WELLS_OK);
    EXPECT(wells_thread_start(threads[7]) == WELLS_OK);
    for (int i = 0; i < 3; i++)
        EXPECT(wells_sem_wait(ticks, 1000) == WELLS_OK);
    for (int i = 0; i < 8; i++)
        join(threads[i]);

    EXPECT(wells_timer_cancel(periodic) == WELLS_OK);
    EXPECT(wells_timer_destroy(periodic) == WELLS_OK);
    EXPECT(wells_timer_destroy(once) == WELLS_OK);
    uint64_t value = 0;
    EXPECT(wells_shared_read(object, &value, sizeof value, NULL) == WELLS_OK);
    EXPECT(value == 1 || value == 2 || value == 3);
    EXPECT(wells_txn_destroy(txn) == WELLS_OK);
    EXPECT(wells_shared_destroy(object) == WELLS_OK);
    EXPECT(wells_event_destroy(event) == WELLS_OK);
    EXPECT(wells_mutex_destroy(mutex) == WELLS_OK);
    EXPECT(wells_sem_destroy(ticks) == WELLS_OK);
    EXPECT(wells_sem_destroy(pong) == WELLS_OK);
    EXPECT(wells_sem_destroy(ping) == WELLS_OK);
    EXPECT(wells_port_destroy(port) == WELLS_OK);
}

/* ---- the driver ----------------------------------------------------------------------------- */

static int32_t driver(void *arg)
{
    (void)arg;
    one_round(); /* warm-up: tables that grow once stay grown */
    EXPECT(wells_heap_stats(&baseline) == WELLS_OK);
    while (failure == NULL && wells_now_ns() < deadline_ns) {
        one_round();
        rounds++;
        EXPECT(wells_heap_stats(&last) == WELLS_OK);
        EXPECT(last.used == baseline.used);
        EXPECT(last.allocations == baseline.allocations);
    }
    return 0;
}

static long resident_kb(void)
{
    long pages_total = 0, pages_resident = 0;
    FILE *statm = fopen("/proc/self/statm", "r");
    if (statm == NULL)
        return -1;
    if (fscanf(statm, "%ld %ld", &pages_total, &pages_resident) != 2)
        pages_resident = -1;
    fclose(statm);
    return pages_resident < 0 ? -1 : pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 0;
    if (seconds <= 0) {
        fprintf(stderr, "usage: soak <seconds>\n");
        return 2;
    }
    if (wells_posix_start(HEAP_SIZE) != WELLS_OK) {
        fprintf(stderr, "soak: wells_posix_start failed\n");
        return 1;
    }
    /* RSS is read before and after a first short run, then after the long one. */
    deadline_ns = wells_now_ns() + 200ull * 1000 * 1000;
    wells_thread_t warm = {0};
    if (wells_thread_create(&warm, "driver", 20, 0, driver, NULL) != WELLS_OK ||
        wells_thread_start(warm) != WELLS_OK || wells_run() != WELLS_OK) {
        fprintf(stderr, "soak: the warm-up run failed\n");
        return 1;
    }
    long rss_before = resident_kb();
    uint64_t warm_rounds = rounds;
    rounds = 0;
    deadline_ns = wells_now_ns() + (uint64_t)(seconds * 1e9);
    wells_thread_t main_driver = {0};
    wells_status run = WELLS_OK;
    if (wells_thread_create(&main_driver, "driver", 20, 0, driver, NULL) != WELLS_OK ||
        wells_thread_start(main_driver) != WELLS_OK || (run = wells_run()) != WELLS_OK) {
        fprintf(stderr, "soak: the run failed: %s\n", wells_status_str(run));
        return 1;
    }
    long rss_after = resident_kb();
    wells_heap_stats_t end;
    wells_heap_stats(&end);
    int rss_flat = rss_before > 0 && rss_after > 0 && rss_after <= rss_before + RSS_SLACK_KB;
    int ok = failure == NULL && rounds > 0 && rss_flat;
    printf("soak hosted: %llu rounds in %.0f s (after %llu warm-up rounds); heap at baseline %zu bytes, "
           "%llu allocations, at end %zu bytes, %llu allocations; RSS %ld KiB -> %ld KiB: %s\n",
           (unsigned long long)rounds, seconds, (unsigned long long)warm_rounds, baseline.used,
           (unsigned long long)baseline.allocations, end.used, (unsigned long long)end.allocations,
           rss_before, rss_after, ok ? "flat" : "FAILED");
    if (failure != NULL)
        printf("soak hosted: first broken check, line %d: %s\n", failure_line, failure);
    if (rounds == 0)
        printf("soak hosted: no round ran\n");
    if (!rss_flat)
        printf("soak hosted: resident set grew by more than %d KiB\n", RSS_SLACK_KB);
    wells_posix_stop();
    return ok ? 0 : 1;
}
