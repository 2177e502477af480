/* wells_cmd.c - the `wells` shell command of embox: wells in this task, a demo, its statistics.
 *
 * `wells` (or `wells demo`) starts wells on the adapter (wells_embox.c), runs three small
 * workloads on wells threads, checks what they did, prints wells' own statistics (per thread,
 * the transactions', the heap's, the ticks the adapter gave) and shuts wells down:
 *   port:        a producer sends 200 numbered, checksummed messages through a port of
 *                capacity 4 to a consumer, which checks order and checksum;
 *   timer:       a periodic wells timer (5 ms) posts a semaphore, a thread waits for 10 posts;
 *   busy:        a low-priority thread spins (yielding) until a 10 ms sleeper has woken and
 *                the timer workload is done: only the adapter's ticks can end it;
 *   transaction: two member threads move 30 from one shared object to another and both vote
 *                commit (committed), then a member whose object another thread rewrites
 *                before its vote (aborted on the conflict, its write gone).
 * Each result is one line starting "wells: "; the last is "wells: demo passed" or
 * "wells: demo FAILED: <first failed check>". `cargo xtask test` reads them (xtask/src/embox.rs).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <wells.h>

#include "wells_embox.h"

static const char usage[] = "usage: wells [demo | help]\n";

/* Formats inside a wells critical section (wells threads and host main alike), then prints
 * through wells. */
static void say(const char *fmt, ...)
{
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    wells_critical_enter();
    vsnprintf(line, sizeof line, fmt, ap);
    wells_critical_exit();
    va_end(ap);
    wells_print(line);
}

static int failed_checks;
static const char *first_failed;

static bool check(bool ok, const char *what)
{
    if (!ok) {
        if (failed_checks++ == 0)
            first_failed = what;
        say("wells: check failed: %s\n", what);
    }
    return ok;
}

/* ---- port ------------------------------------------------------------------------------------ */

#define N_MESSAGES 200

struct message {
    uint32_t seq;
    uint32_t checksum;
};

static wells_port_t port;
static uint32_t received, out_of_order, bad_checksum;

static uint32_t checksum_of(uint32_t seq)
{
    return (seq * 2654435761u) ^ 0x5a5a5a5au;
}

static int32_t producer(void *arg)
{
    (void)arg;
    for (uint32_t seq = 0; seq < N_MESSAGES; seq++) {
        struct message m = { seq, checksum_of(seq) };
        wells_status s = wells_port_send(port, &m, sizeof m, WELLS_WAIT_FOREVER);
        if (s != WELLS_OK) {
            say("wells: producer: send %u: %s\n", seq, wells_status_str(s));
            return 1;
        }
    }
    return 0;
}

static int32_t consumer(void *arg)
{
    (void)arg;
    for (uint32_t expected = 0; expected < N_MESSAGES; expected++) {
        struct message m;
        wells_status s = wells_port_receive(port, &m, sizeof m, 1000);
        if (s != WELLS_OK) {
            say("wells: consumer: receive: %s\n", wells_status_str(s));
            return 1;
        }
        received++;
        out_of_order += m.seq != expected;
        bad_checksum += m.checksum != checksum_of(m.seq);
    }
    return 0;
}

/* ---- timer ----------------------------------------------------------------------------------- */

#define TIMER_POSTS 10
#define TIMER_PERIOD_MS 5

static wells_sem_t timer_sem;
static wells_timer_t timer;
static uint64_t timer_started_ns, timer_done_ns;
static uint32_t posts_seen;

/* Tick context: only calls that do not wait. */
static void on_timer(void *arg)
{
    (void)arg;
    wells_sem_post(timer_sem);
}

static int32_t timer_waiter(void *arg)
{
    (void)arg;
    for (int i = 0; i < TIMER_POSTS; i++) {
        wells_status s = wells_sem_wait(timer_sem, 1000);
        if (s != WELLS_OK) {
            say("wells: timer-waiter: wait %d: %s\n", i, wells_status_str(s));
            return 1;
        }
        posts_seen++;
    }
    timer_done_ns = wells_now_ns();
    wells_timer_cancel(timer);
    return 0;
}

/* ---- ticks while a thread computes ----------------------------------------------------------
 * A low-priority spinner keeps the CPU busy, so wells never goes idle, until a high-priority
 * sleeper has woken from a 10 ms sleep and the timer workload is done. Only ticks from the
 * adapter's ticker (taken at the spinner's next call into wells) can wake them. */

#define SLEEP_MS 10
#define SPIN_LIMIT_NS 2000000000ull

static volatile int sleeper_woke;
static uint64_t slept_us;
static uint32_t spins;

static int32_t sleeper(void *arg)
{
    (void)arg;
    uint64_t start = wells_now_ns();
    wells_status s = wells_thread_sleep(SLEEP_MS);
    slept_us = (wells_now_ns() - start) / 1000;
    sleeper_woke = 1;
    return s == WELLS_OK ? 0 : 1;
}

static int32_t spinner(void *arg)
{
    (void)arg;
    uint64_t start = wells_now_ns();
    while (!(sleeper_woke && timer_done_ns != 0)) {
        if (wells_now_ns() - start > SPIN_LIMIT_NS)
            return 1; /* nothing woke them: no tick came */
        spins++;
        wells_thread_yield();
    }
    return 0;
}

/* ---- transactions ---------------------------------------------------------------------------- */

#define AMOUNT 30
#define MEDDLED 999

static wells_shared_t account_from, account_to;
static wells_txn_t transfer, doomed;
static wells_status debit_vote = 1, credit_vote = 1, doomed_vote = 1;
static wells_sem_t doomed_read, meddled;

/* A member: reads `object`, adds `delta`, writes it back, votes commit. */
static wells_status move(wells_txn_t txn, wells_shared_t object, int32_t delta)
{
    int32_t value;
    wells_status s = wells_txn_read(txn, object, &value, sizeof value);
    if (s == WELLS_OK) {
        value += delta;
        s = wells_txn_write(txn, object, &value, sizeof value);
    }
    return s == WELLS_OK ? wells_txn_vote(txn, 1, WELLS_WAIT_FOREVER) : s;
}

static int32_t debit(void *arg)
{
    (void)arg;
    debit_vote = move(transfer, account_from, -AMOUNT);
    return 0;
}

static int32_t credit(void *arg)
{
    (void)arg;
    credit_vote = move(transfer, account_to, AMOUNT);
    return 0;
}

/* Reads and writes account_from in `doomed`, lets the meddler rewrite it, then votes. */
static int32_t doomed_member(void *arg)
{
    (void)arg;
    int32_t value;
    wells_status s = wells_txn_read(doomed, account_from, &value, sizeof value);
    if (s == WELLS_OK) {
        value -= 10;
        s = wells_txn_write(doomed, account_from, &value, sizeof value);
    }
    wells_sem_post(doomed_read);
    if (s == WELLS_OK)
        s = wells_sem_wait(meddled, WELLS_WAIT_FOREVER);
    doomed_vote = s == WELLS_OK ? wells_txn_vote(doomed, 1, WELLS_WAIT_FOREVER) : s;
    return 0;
}

static int32_t meddler(void *arg)
{
    (void)arg;
    int32_t value = MEDDLED;
    if (wells_sem_wait(doomed_read, WELLS_WAIT_FOREVER) != WELLS_OK)
        return 1;
    wells_status s = wells_shared_write(account_from, &value, sizeof value, NULL);
    wells_sem_post(meddled);
    return s == WELLS_OK ? 0 : 1;
}

static int32_t read_account(wells_shared_t object)
{
    int32_t value = -1;
    wells_shared_read(object, &value, sizeof value, NULL);
    return value;
}

/* ---- host main ------------------------------------------------------------------------------- */

#define MAX_THREADS 10

static wells_thread_t threads[MAX_THREADS];
static size_t n_threads;

/* Created, not started: transactions take their members before they run. */
static wells_thread_t create(const char *name, uint32_t priority, wells_thread_entry entry)
{
    wells_thread_t t = { 0 };
    if (check(n_threads < MAX_THREADS, "room for every thread") &&
        check(wells_thread_create(&t, name, priority, 0, entry, NULL) == WELLS_OK,
              "create every thread"))
        threads[n_threads++] = t;
    return t;
}

static void print_statistics(void)
{
    for (size_t i = 0; i < n_threads; i++) {
        wells_thread_stats_t st;
        if (!check(wells_thread_stats(threads[i], &st) == WELLS_OK, "thread statistics"))
            continue;
        say("wells: stats: thread %-13s switches %4llu  run %7llu us  exit %d\n", st.name,
            (unsigned long long)st.switches, (unsigned long long)(st.run_time_ns / 1000),
            st.exit_code);
        check(st.switches > 0, "every thread ran");
    }
    wells_txn_counters_t c;
    if (check(wells_txn_counters(transfer, &c) == WELLS_OK, "transaction counters"))
        say("wells: stats: transaction transfer: switches %llu, conflicts %u, aborts %u\n",
            (unsigned long long)c.switches, c.conflicts, c.aborts);
    if (check(wells_txn_counters(doomed, &c) == WELLS_OK, "transaction counters")) {
        say("wells: stats: transaction doomed: switches %llu, conflicts %u, aborts %u\n",
            (unsigned long long)c.switches, c.conflicts, c.aborts);
        check(c.conflicts == 1 && c.aborts == 1, "the doomed transaction counts one conflict");
    }
    wells_heap_stats_t h;
    if (check(wells_heap_stats(&h) == WELLS_OK, "heap statistics"))
        say("wells: stats: heap %zu of %zu bytes in use, peak %zu, %llu live allocations\n",
            h.used, h.total, h.peak_used, (unsigned long long)h.allocations);
    say("wells: stats: ticks from the embox ticker: %llu\n",
        (unsigned long long)wells_embox_ticks());
}

static int demo(void)
{
    failed_checks = 0;
    first_failed = NULL;
    n_threads = 0;
    received = out_of_order = bad_checksum = posts_seen = spins = 0;
    timer_done_ns = 0;
    sleeper_woke = 0;
    debit_vote = credit_vote = doomed_vote = 1;

    wells_status s = wells_embox_start(2u << 20);
    if (s != WELLS_OK) {
        printf("wells: demo FAILED: wells_embox_start: %s\n", wells_status_str(s));
        return 1;
    }
    say("wells: demo start: wells inside an embox task\n");

    int32_t start = 100, zero = 0;
    check(wells_port_create(&port, sizeof(struct message), 4) == WELLS_OK, "create the port");
    check(wells_sem_create(&timer_sem, 0, 100) == WELLS_OK &&
              wells_sem_create(&doomed_read, 0, 1) == WELLS_OK &&
              wells_sem_create(&meddled, 0, 1) == WELLS_OK,
          "create the semaphores");
    check(wells_timer_create(&timer, on_timer, NULL) == WELLS_OK, "create the timer");
    check(wells_shared_create(&account_from, sizeof start) == WELLS_OK &&
              wells_shared_create(&account_to, sizeof zero) == WELLS_OK &&
              wells_shared_write(account_from, &start, sizeof start, NULL) == WELLS_OK &&
              wells_shared_write(account_to, &zero, sizeof zero, NULL) == WELLS_OK,
          "create the shared objects");
    check(wells_txn_create(&transfer, WELLS_WAIT_FOREVER) == WELLS_OK &&
              wells_txn_create(&doomed, WELLS_WAIT_FOREVER) == WELLS_OK,
          "create the transactions");

    create("producer", 10, producer);
    create("consumer", 12, consumer);
    create("timer-waiter", 20, timer_waiter);
    wells_thread_t d = create("debit", 14, debit);
    wells_thread_t c = create("credit", 14, credit);
    check(wells_txn_add_member(transfer, d) == WELLS_OK &&
              wells_txn_add_member(transfer, c) == WELLS_OK,
          "add the transfer's members");
    wells_thread_t m = create("doomed", 8, doomed_member);
    check(wells_txn_add_member(doomed, m) == WELLS_OK, "add the doomed transaction's member");
    create("meddler", 8, meddler);
    create("sleeper", 22, sleeper);
    create("spinner", 2, spinner);

    if (failed_checks == 0) {
        for (size_t i = 0; i < n_threads; i++)
            check(wells_thread_start(threads[i]) == WELLS_OK, "start every thread");
        timer_started_ns = wells_now_ns();
        check(wells_timer_start(timer, TIMER_PERIOD_MS, TIMER_PERIOD_MS) == WELLS_OK,
              "start the timer");
        s = wells_run();
        check(s == WELLS_OK, "wells_run ends with every thread exited");
    }

    say("wells: port: %u of %d messages, %u out of order, %u bad checksums\n", received,
        N_MESSAGES, out_of_order, bad_checksum);
    check(received == N_MESSAGES && out_of_order == 0 && bad_checksum == 0,
          "every message arrived once, in order, intact");

    uint64_t took_us = (timer_done_ns - timer_started_ns) / 1000;
    say("wells: timer: %u posts of a %d ms periodic timer in %llu us\n", posts_seen,
        TIMER_PERIOD_MS, (unsigned long long)took_us);
    check(posts_seen == TIMER_POSTS, "10 timer posts");
    /* Never early (a tick can only be late: the ticker looks every millisecond). */
    check(timer_done_ns >= timer_started_ns &&
              took_us >= (uint64_t)TIMER_POSTS * TIMER_PERIOD_MS * 1000,
          "10 periods took at least 50 ms");

    say("wells: busy: the sleeper woke after %llu us of a %d ms sleep while the spinner ran "
        "(%u yields)\n", (unsigned long long)slept_us, SLEEP_MS, spins);
    check(sleeper_woke && slept_us >= SLEEP_MS * 1000u && spins > 0,
          "a tick woke the sleeper while another thread computed");

    int32_t from = read_account(account_from), to = read_account(account_to);
    say("wells: transaction transfer: debit %s, credit %s\n", wells_status_str(debit_vote),
        wells_status_str(credit_vote));
    check(debit_vote == WELLS_OK && credit_vote == WELLS_OK, "the transfer committed");
    wells_txn_state_t state = { 0 };
    wells_txn_state(doomed, &state);
    say("wells: transaction doomed: vote %s, reason %s\n", wells_status_str(doomed_vote),
        state.reason == WELLS_TXN_ABORT_CONFLICT ? "conflict" : "other");
    check(doomed_vote == WELLS_ERR_ABORTED && state.state == WELLS_TXN_ABORTED &&
              state.reason == WELLS_TXN_ABORT_CONFLICT,
          "the doomed transaction aborted on the conflict");
    say("wells: accounts: from %d, to %d\n", (int)from, (int)to);
    check(to == AMOUNT && from == MEDDLED,
          "the transfer's writes stayed, the doomed transaction's did not");

    print_statistics();

    for (size_t i = 0; i < n_threads; i++) {
        int32_t code = -1;
        check(wells_thread_join(threads[i], &code, WELLS_NO_WAIT) == WELLS_OK && code == 0,
              "every thread exited with 0");
    }

    if (failed_checks == 0)
        say("wells: demo passed\n");
    else
        say("wells: demo FAILED: %s (%d failed checks)\n", first_failed, failed_checks);

    s = wells_embox_stop();
    if (s != WELLS_OK) {
        printf("wells: demo FAILED: wells_embox_stop: %s\n", wells_status_str(s));
        return 1;
    }
    return failed_checks == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 1 || (argc == 2 && strcmp(argv[1], "demo") == 0))
        return demo();
    if (argc == 2 && strcmp(argv[1], "help") == 0) {
        printf("%s", usage);
        return 0;
    }
    printf("wells: unknown arguments (");
    for (int i = 1; i < argc; i++)
        printf(i == 1 ? "%s" : " %s", argv[i]);
    printf(")\n%s", usage);
    return 1;
}
