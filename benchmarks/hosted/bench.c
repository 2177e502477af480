/* bench.c - hosted wells benchmarks, each beside a Linux baseline measured in the same run.
 *
 * Figures (each the median of RUNS runs, wall-clock ns from clock_gettime(CLOCK_MONOTONIC)
 * around many iterations):
 *   thread switch    two wells threads of one priority alternating with wells_thread_yield
 *                    vs two pthreads handing a token over with a mutex + condition variable
 *   sem ping-pong    two wells threads waking each other through two wells semaphores
 *                    vs the same with POSIX sem_t between two pthreads
 *   port round trip  client sends 16 bytes on a request port, waits on a reply port; a server
 *                    of the same priority answers, vs two condvar-protected one-slot mailboxes
 *   ready threads    2, 8, 32 wells threads of one priority all yielding (no baseline)
 * The process is pinned to the CPU it starts on, so a pthread hand-off is a real switch on one
 * core, as it is in wells. Every measurement checks its own result (the token alternated, every
 * reply matched its request, the switches happened); if any check fails the program prints what
 * failed and exits 1 without a table.
 *
 * wells threads call only wells and clock_gettime (async-signal-safe); they record into globals
 * and main prints after wells_run returns.
 *
 * Build and run from the repo root (what `cargo xtask bench` does):
 *   gcc -O2 -Wall -Wextra -Werror -std=c11 -Iinclude -Iadapters/posix benchmarks/hosted/bench.c \
 *       adapters/posix/wells_posix.c target/release/libwells.a -lpthread -lrt -o target/hosted/bench
 *   target/hosted/bench
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wells.h"
#include "wells_posix.h"

#define RUNS 5
#define N_SWITCHES 200000u   /* thread switch: switches (hand-offs) per run */
#define N_SEM_ROUNDS 100000u /* sem ping-pong: rounds per run, 2 wake+switch each */
#define N_PORT_TRIPS 100000u /* port round trip: round trips per run */
#define N_READY_SWITCHES 200000u
#define WARMUP_DIVISOR 10u   /* one untimed run at 1/10 the size before the timed ones */
#define HEAP_SIZE (4u << 20) /* 32 threads x 16 KiB stacks and the objects fit easily */
#define STACK_SIZE WELLS_MIN_STACK_SIZE
#define PRIO WELLS_PRIORITY_DEFAULT

static const uint32_t ready_counts[] = { 2, 8, 32 };
#define N_READY (sizeof ready_counts / sizeof ready_counts[0])
#define MAX_READY 32

/* ---- failure handling -----------------------------------------------------------------------
 * Inside wells threads only a static message is recorded; main reports it. */

static const char *failure; /* first failed check of the current measurement */
static int total_failures;

static void fail(const char *what)
{
    if (failure == NULL)
        failure = what;
}

static bool report_failure(const char *measurement)
{
    if (failure == NULL)
        return true;
    fprintf(stderr, "bench: FAILED: %s: %s\n", measurement, failure);
    total_failures++;
    failure = NULL;
    return false;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- wells plumbing --------------------------------------------------------------------------- */

static wells_thread_t spawned[MAX_READY];
static uint32_t n_spawned;

static bool wells_begin(void)
{
    n_spawned = 0;
    wells_status s = wells_posix_start(HEAP_SIZE);
    if (s != WELLS_OK) {
        fprintf(stderr, "bench: wells_posix_start: %s\n", wells_status_str(s));
        fail("wells_posix_start");
        return false;
    }
    return true;
}

static void spawn(const char *name, wells_thread_entry entry, void *arg)
{
    wells_thread_t t;
    wells_status s = wells_thread_create(&t, name, PRIO, STACK_SIZE, entry, arg);
    if (s == WELLS_OK)
        s = wells_thread_start(t);
    if (s != WELLS_OK) {
        fprintf(stderr, "bench: create/start %s: %s\n", name, wells_status_str(s));
        fail("create and start a wells thread");
        return;
    }
    spawned[n_spawned++] = t;
}

/* wells_run, then per-thread switch counts, joins (all exited: NO_WAIT), shutdown.
 * Returns the sum of the threads' `switches` statistics. */
static uint64_t wells_finish(void)
{
    uint64_t switches = 0;
    if (failure == NULL) {
        wells_status s = wells_run();
        if (s != WELLS_OK) {
            fprintf(stderr, "bench: wells_run: %s\n", wells_status_str(s));
            fail("wells_run returns WELLS_OK");
        }
    }
    for (uint32_t i = 0; i < n_spawned; i++) {
        wells_thread_stats_t st;
        if (wells_thread_stats(spawned[i], &st) != WELLS_OK) {
            fail("wells_thread_stats");
            continue;
        }
        switches += st.switches;
        int32_t code = -1;
        if (st.state == WELLS_THREAD_EXITED &&
            (wells_thread_join(spawned[i], &code, WELLS_NO_WAIT) != WELLS_OK || code != 0))
            fail("every wells thread exits with 0");
        if (st.state != WELLS_THREAD_EXITED)
            fail("every wells thread has exited after wells_run");
    }
    wells_status s = wells_posix_stop();
    if (s != WELLS_OK) {
        fprintf(stderr, "bench: wells_posix_stop: %s\n", wells_status_str(s));
        fail("wells_posix_stop");
    }
    return switches;
}

/* ---- pthread plumbing ------------------------------------------------------------------------- */

static pthread_barrier_t start_line;

static void run_pthreads(void *(*a)(void *), void *(*b)(void *))
{
    pthread_t ta, tb;
    if (pthread_barrier_init(&start_line, NULL, 2) != 0) {
        fail("pthread_barrier_init");
        return;
    }
    if (pthread_create(&ta, NULL, a, NULL) != 0) {
        fail("pthread_create");
        pthread_barrier_destroy(&start_line);
        return;
    }
    if (pthread_create(&tb, NULL, b, NULL) != 0) {
        /* a waits at the barrier forever: nothing sensible left to do */
        fprintf(stderr, "bench: pthread_create failed\n");
        exit(1);
    }
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start_line);
}

/* ==== 1. thread switch ========================================================================= */

/* wells: thread i waits for turn == i, passes the turn on, yields. A yield that comes back
 * without the turn having come round (a tick preempted someone in between) is a "miss"; it
 * still is a yield, so it counts in the divisor. */
static volatile uint32_t y_turn;
static uint32_t y_handoffs[MAX_READY], y_yields[MAX_READY];
static uint32_t y_threads, y_rounds;
static volatile uint32_t y_finished;
static uint64_t y_t0, y_t1;

static int32_t yield_thread(void *arg)
{
    uint32_t me = (uint32_t)(uintptr_t)arg;
    if (me == 0)
        y_t0 = now_ns();
    for (uint32_t r = 0; r < y_rounds; r++) {
        while (y_turn != me) {
            y_yields[me]++;
            if (wells_thread_yield() != WELLS_OK) {
                fail("wells_thread_yield");
                return 1;
            }
        }
        y_turn = (me + 1) % y_threads;
        y_handoffs[me]++;
        y_yields[me]++;
        if (wells_thread_yield() != WELLS_OK) {
            fail("wells_thread_yield");
            return 1;
        }
    }
    if (++y_finished == y_threads)
        y_t1 = now_ns();
    return 0;
}

/* Returns ns per switch; `threads` wells threads, about `switches` switches in all. */
static double wells_yield_run(uint32_t threads, uint32_t switches)
{
    y_turn = 0;
    y_threads = threads;
    y_rounds = switches / threads;
    y_finished = 0;
    memset(y_handoffs, 0, sizeof y_handoffs);
    memset(y_yields, 0, sizeof y_yields);
    if (!wells_begin())
        return 0;
    for (uint32_t i = 0; i < threads; i++)
        spawn("yielder", yield_thread, (void *)(uintptr_t)i);
    uint64_t stat_switches = wells_finish();
    if (failure != NULL)
        return 0;

    uint64_t handoffs = 0, yields = 0;
    for (uint32_t i = 0; i < threads; i++) {
        handoffs += y_handoffs[i];
        yields += y_yields[i];
        if (y_handoffs[i] != y_rounds)
            fail("every thread got the token exactly `rounds` times");
    }
    if (handoffs != (uint64_t)y_rounds * threads)
        fail("the token went round threads x rounds times");
    /* A yield that found the token elsewhere; a few are fine (a tick, the last round). */
    if (yields - handoffs > handoffs / 100 + threads)
        fail("yields without a token hand-off stay under 1%");
    /* every yield with a peer ready is a switch: the threads' switch counts must show it */
    if (stat_switches < yields - yields / 100)
        fail("wells counted a switch for (nearly) every yield");
    if (y_t1 <= y_t0)
        fail("the clock moved forward");
    if (failure != NULL)
        return 0;
    return (double)(y_t1 - y_t0) / (double)yields;
}

/* baseline: a token guarded by a mutex, one condition variable per side. */
static pthread_mutex_t tok_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tok_cond[2] = { PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER };
static uint32_t tok_turn, tok_rounds, tok_handoffs[2];
static uint64_t tok_t0, tok_t1;

static void *token_thread(uint32_t me)
{
    pthread_barrier_wait(&start_line);
    if (me == 0)
        tok_t0 = now_ns();
    for (uint32_t r = 0; r < tok_rounds; r++) {
        pthread_mutex_lock(&tok_lock);
        while (tok_turn != me)
            pthread_cond_wait(&tok_cond[me], &tok_lock);
        tok_turn = 1 - me;
        tok_handoffs[me]++;
        pthread_cond_signal(&tok_cond[1 - me]);
        pthread_mutex_unlock(&tok_lock);
    }
    if (me == 1)
        tok_t1 = now_ns(); /* b's last hand-off is the last of all */
    return NULL;
}
static void *token_a(void *arg) { (void)arg; return token_thread(0); }
static void *token_b(void *arg) { (void)arg; return token_thread(1); }

static double linux_token_run(uint32_t switches)
{
    tok_turn = 0;
    tok_rounds = switches / 2;
    tok_handoffs[0] = tok_handoffs[1] = 0;
    run_pthreads(token_a, token_b);
    if (tok_handoffs[0] != tok_rounds || tok_handoffs[1] != tok_rounds)
        fail("each pthread got the token exactly `rounds` times");
    if (tok_t1 <= tok_t0)
        fail("the clock moved forward");
    if (failure != NULL)
        return 0;
    return (double)(tok_t1 - tok_t0) / (double)(2u * tok_rounds);
}

/* ==== 2. semaphore ping-pong =================================================================== */

/* a: value = r; post(to_b); wait(to_a); check reply == r + 1.
 * b: wait(to_b); check value == r; value = r + 1; post(to_a). */
static wells_sem_t ws_to_a, ws_to_b;
static volatile uint32_t sp_value;
static uint32_t sp_rounds, sp_done[2];
static uint64_t sp_t0, sp_t1;

static int32_t wsem_a(void *arg)
{
    (void)arg;
    sp_t0 = now_ns();
    for (uint32_t r = 0; r < sp_rounds; r++) {
        sp_value = 2 * r;
        if (wells_sem_post(ws_to_b) != WELLS_OK ||
            wells_sem_wait(ws_to_a, WELLS_WAIT_FOREVER) != WELLS_OK) {
            fail("wells_sem_post / wells_sem_wait");
            return 1;
        }
        if (sp_value != 2 * r + 1) {
            fail("the semaphore ping-pong answered every round");
            return 1;
        }
        sp_done[0]++;
    }
    sp_t1 = now_ns();
    return 0;
}

static int32_t wsem_b(void *arg)
{
    (void)arg;
    for (uint32_t r = 0; r < sp_rounds; r++) {
        if (wells_sem_wait(ws_to_b, WELLS_WAIT_FOREVER) != WELLS_OK) {
            fail("wells_sem_wait");
            return 1;
        }
        if (sp_value != 2 * r) {
            fail("the semaphore ping-pong saw every round in order");
            return 1;
        }
        sp_value = 2 * r + 1;
        sp_done[1]++;
        if (wells_sem_post(ws_to_a) != WELLS_OK) {
            fail("wells_sem_post");
            return 1;
        }
    }
    return 0;
}

static double wells_sem_run(uint32_t rounds)
{
    sp_rounds = rounds;
    sp_value = 0;
    sp_done[0] = sp_done[1] = 0;
    if (!wells_begin())
        return 0;
    if (wells_sem_create(&ws_to_a, 0, 1) != WELLS_OK ||
        wells_sem_create(&ws_to_b, 0, 1) != WELLS_OK)
        fail("wells_sem_create");
    spawn("sem-a", wsem_a, NULL);
    spawn("sem-b", wsem_b, NULL);
    uint64_t stat_switches = wells_finish(); /* shutdown destroys the semaphores */
    if (failure != NULL)
        return 0;
    if (sp_done[0] != rounds || sp_done[1] != rounds)
        fail("both threads completed every round");
    /* each round blocks both threads once: at least 2 switches per round */
    if (stat_switches < 2ull * rounds)
        fail("wells counted two switches per round");
    if (sp_t1 <= sp_t0)
        fail("the clock moved forward");
    if (failure != NULL)
        return 0;
    return (double)(sp_t1 - sp_t0) / (double)(2u * rounds);
}

/* baseline: the same with POSIX semaphores between two pthreads */
static sem_t ps_to_a, ps_to_b;

static void *psem_a(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start_line);
    sp_t0 = now_ns();
    for (uint32_t r = 0; r < sp_rounds; r++) {
        sp_value = 2 * r;
        if (sem_post(&ps_to_b) != 0) {
            fail("sem_post");
            exit(1); /* b would wait forever */
        }
        while (sem_wait(&ps_to_a) != 0) {
        }
        if (sp_value != 2 * r + 1)
            fail("the semaphore ping-pong answered every round");
        sp_done[0]++;
    }
    sp_t1 = now_ns();
    return NULL;
}

static void *psem_b(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start_line);
    for (uint32_t r = 0; r < sp_rounds; r++) {
        while (sem_wait(&ps_to_b) != 0) {
        }
        if (sp_value != 2 * r)
            fail("the semaphore ping-pong saw every round in order");
        sp_value = 2 * r + 1;
        sp_done[1]++;
        if (sem_post(&ps_to_a) != 0) {
            fail("sem_post");
            exit(1);
        }
    }
    return NULL;
}

static double linux_sem_run(uint32_t rounds)
{
    sp_rounds = rounds;
    sp_value = 0;
    sp_done[0] = sp_done[1] = 0;
    if (sem_init(&ps_to_a, 0, 0) != 0 || sem_init(&ps_to_b, 0, 0) != 0) {
        fail("sem_init");
        return 0;
    }
    run_pthreads(psem_a, psem_b);
    sem_destroy(&ps_to_a);
    sem_destroy(&ps_to_b);
    if (sp_done[0] != rounds || sp_done[1] != rounds)
        fail("both pthreads completed every round");
    if (sp_t1 <= sp_t0)
        fail("the clock moved forward");
    if (failure != NULL)
        return 0;
    return (double)(sp_t1 - sp_t0) / (double)(2u * rounds);
}

/* ==== 3. port round trip ======================================================================= */

/* A 16-byte request; the reply carries the same seq, the request's nonce transformed, and a
 * checksum over both, so a lost, duplicated, reordered or corrupted message fails the check. */
struct msg16 {
    uint32_t seq;
    uint32_t nonce;
    uint32_t kind; /* REQ or REP */
    uint32_t check;
};
_Static_assert(sizeof(struct msg16) == 16, "16-byte message");
#define REQ 0x52455121u
#define REP 0x52455021u

static uint32_t nonce_of(uint32_t seq) { return seq * 2654435761u ^ 0x9e3779b9u; }
static uint32_t check_of(const struct msg16 *m) { return (m->seq * 31u + m->nonce) ^ m->kind; }

static void make_request(struct msg16 *m, uint32_t seq)
{
    m->seq = seq;
    m->nonce = nonce_of(seq);
    m->kind = REQ;
    m->check = check_of(m);
}

/* server side: true when `req` is the request numbered `seq`; fills the reply */
static bool answer(const struct msg16 *req, uint32_t seq, struct msg16 *rep)
{
    if (req->kind != REQ || req->seq != seq || req->nonce != nonce_of(seq) ||
        req->check != check_of(req))
        return false;
    rep->seq = req->seq;
    rep->nonce = ~req->nonce;
    rep->kind = REP;
    rep->check = check_of(rep);
    return true;
}

static bool reply_matches(const struct msg16 *rep, uint32_t seq)
{
    return rep->kind == REP && rep->seq == seq && rep->nonce == ~nonce_of(seq) &&
           rep->check == check_of(rep);
}

static wells_port_t wp_req, wp_rep;
static uint32_t pt_trips, pt_matched, pt_served;
static uint64_t pt_t0, pt_t1;

static int32_t wport_client(void *arg)
{
    (void)arg;
    struct msg16 req, rep;
    pt_t0 = now_ns();
    for (uint32_t seq = 0; seq < pt_trips; seq++) {
        make_request(&req, seq);
        if (wells_port_send(wp_req, &req, sizeof req, WELLS_WAIT_FOREVER) != WELLS_OK ||
            wells_port_receive(wp_rep, &rep, sizeof rep, WELLS_WAIT_FOREVER) != WELLS_OK) {
            fail("wells_port_send / wells_port_receive (client)");
            return 1;
        }
        if (!reply_matches(&rep, seq)) {
            fail("every port reply matched its request");
            return 1;
        }
        pt_matched++;
    }
    pt_t1 = now_ns();
    return 0;
}

static int32_t wport_server(void *arg)
{
    (void)arg;
    struct msg16 req, rep;
    for (uint32_t seq = 0; seq < pt_trips; seq++) {
        if (wells_port_receive(wp_req, &req, sizeof req, WELLS_WAIT_FOREVER) != WELLS_OK) {
            fail("wells_port_receive (server)");
            return 1;
        }
        if (!answer(&req, seq, &rep)) {
            fail("the server received every request once, in order, intact");
            return 1;
        }
        pt_served++;
        if (wells_port_send(wp_rep, &rep, sizeof rep, WELLS_WAIT_FOREVER) != WELLS_OK) {
            fail("wells_port_send (server)");
            return 1;
        }
    }
    return 0;
}

static double wells_port_run(uint32_t trips)
{
    pt_trips = trips;
    pt_matched = pt_served = 0;
    if (!wells_begin())
        return 0;
    if (wells_port_create(&wp_req, sizeof(struct msg16), 1) != WELLS_OK ||
        wells_port_create(&wp_rep, sizeof(struct msg16), 1) != WELLS_OK)
        fail("wells_port_create");
    spawn("client", wport_client, NULL);
    spawn("server", wport_server, NULL);
    uint64_t stat_switches = wells_finish(); /* shutdown destroys the ports */
    if (failure != NULL)
        return 0;
    if (pt_matched != trips || pt_served != trips)
        fail("every request was served and every reply matched");
    if (stat_switches < 2ull * trips)
        fail("wells counted two switches per round trip");
    if (pt_t1 <= pt_t0)
        fail("the clock moved forward");
    if (failure != NULL)
        return 0;
    return (double)(pt_t1 - pt_t0) / (double)trips;
}

/* baseline: two one-slot mailboxes, each a mutex, two condition variables and a full flag */
struct mailbox {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    bool full;
    struct msg16 slot;
};
static struct mailbox mb_req = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                                 PTHREAD_COND_INITIALIZER, false, { 0, 0, 0, 0 } };
static struct mailbox mb_rep = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                                 PTHREAD_COND_INITIALIZER, false, { 0, 0, 0, 0 } };

static void mb_send(struct mailbox *mb, const struct msg16 *m)
{
    pthread_mutex_lock(&mb->lock);
    while (mb->full)
        pthread_cond_wait(&mb->not_full, &mb->lock);
    memcpy(&mb->slot, m, sizeof *m);
    mb->full = true;
    pthread_cond_signal(&mb->not_empty);
    pthread_mutex_unlock(&mb->lock);
}

static void mb_receive(struct mailbox *mb, struct msg16 *m)
{
    pthread_mutex_lock(&mb->lock);
    while (!mb->full)
        pthread_cond_wait(&mb->not_empty, &mb->lock);
    memcpy(m, &mb->slot, sizeof *m);
    mb->full = false;
    pthread_cond_signal(&mb->not_full);
    pthread_mutex_unlock(&mb->lock);
}

static void *pport_client(void *arg)
{
    (void)arg;
    struct msg16 req, rep;
    pthread_barrier_wait(&start_line);
    pt_t0 = now_ns();
    for (uint32_t seq = 0; seq < pt_trips; seq++) {
        make_request(&req, seq);
        mb_send(&mb_req, &req);
        mb_receive(&mb_rep, &rep);
        if (reply_matches(&rep, seq))
            pt_matched++;
        else
            fail("every mailbox reply matched its request");
    }
    pt_t1 = now_ns();
    return NULL;
}

static void *pport_server(void *arg)
{
    (void)arg;
    struct msg16 req, rep;
    pthread_barrier_wait(&start_line);
    for (uint32_t seq = 0; seq < pt_trips; seq++) {
        mb_receive(&mb_req, &req);
        if (answer(&req, seq, &rep))
            pt_served++;
        else
            fail("the mailbox server received every request once, in order, intact");
        mb_send(&mb_rep, &rep); /* always answer, so the client never hangs */
    }
    return NULL;
}

static double linux_port_run(uint32_t trips)
{
    pt_trips = trips;
    pt_matched = pt_served = 0;
    mb_req.full = mb_rep.full = false;
    run_pthreads(pport_client, pport_server);
    if (pt_matched != trips || pt_served != trips)
        fail("every request was served and every reply matched");
    if (pt_t1 <= pt_t0)
        fail("the clock moved forward");
    if (failure != NULL)
        return 0;
    return (double)(pt_t1 - pt_t0) / (double)trips;
}

/* ==== driver =================================================================================== */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

struct figure {
    const char *name;
    double wells[RUNS], linux_[RUNS]; /* linux_[0] < 0: no baseline */
    double wells_median, linux_median;
};

static double median(double *v)
{
    double sorted[RUNS];
    memcpy(sorted, v, sizeof sorted);
    qsort(sorted, RUNS, sizeof sorted[0], cmp_double);
    return sorted[RUNS / 2];
}

/* One kind of measurement: a wells run and (maybe) a baseline run, each taking its size. */
typedef double (*runner)(uint32_t size);
static uint32_t ready_threads_now;
static double wells_switch_2(uint32_t n) { return wells_yield_run(2, n); }
static double wells_ready(uint32_t n) { return wells_yield_run(ready_threads_now, n); }

/* Runs one figure RUNS times after an untimed warm-up; wells and the baseline alternate so that
 * drift of the machine hits both alike. False when a check failed. */
static bool measure(struct figure *f, runner w, runner l, uint32_t size)
{
    w(size / WARMUP_DIVISOR);
    if (l != NULL)
        l(size / WARMUP_DIVISOR);
    if (!report_failure(f->name))
        return false;
    for (int i = 0; i < RUNS; i++) {
        f->wells[i] = w(size);
        if (!report_failure(f->name))
            return false;
        f->linux_[i] = -1;
        if (l != NULL) {
            f->linux_[i] = l(size);
            if (!report_failure(f->name))
                return false;
        }
        if (f->wells[i] <= 0 || (l != NULL && f->linux_[i] <= 0)) {
            fail("a positive time per operation");
            report_failure(f->name);
            return false;
        }
    }
    f->wells_median = median(f->wells);
    f->linux_median = l != NULL ? median(f->linux_) : -1;
    return true;
}

static int pin_to_current_cpu(void)
{
    int cpu = sched_getcpu();
    if (cpu < 0) {
        perror("bench: sched_getcpu");
        return -1;
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        perror("bench: sched_setaffinity");
        return -1;
    }
    return cpu;
}

static void print_samples(const char *label, const double *v)
{
    printf(" %s", label);
    for (int i = 0; i < RUNS; i++)
        printf("%s%.1f", i == 0 ? " " : " ", v[i]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int cpu = pin_to_current_cpu();
    if (cpu < 0)
        return 1;

    enum { F_SWITCH, F_SEM, F_PORT, F_READY0 };
    static struct figure figs[F_READY0 + N_READY] = {
        [F_SWITCH] = { .name = "thread switch (2 threads, yield) vs pthread mutex+condvar hand-off" },
        [F_SEM] = { .name = "semaphore ping-pong, per wake+switch vs POSIX sem_t" },
        [F_PORT] = { .name = "port round trip, 16-byte request+reply vs condvar mailboxes" },
    };
    static char ready_names[N_READY][64];
    for (size_t i = 0; i < N_READY; i++) {
        snprintf(ready_names[i], sizeof ready_names[i], "switch with %u ready threads (yield)",
                 ready_counts[i]);
        figs[F_READY0 + i].name = ready_names[i];
    }

    bool ok = measure(&figs[F_SWITCH], wells_switch_2, linux_token_run, N_SWITCHES) &&
              measure(&figs[F_SEM], wells_sem_run, linux_sem_run, N_SEM_ROUNDS) &&
              measure(&figs[F_PORT], wells_port_run, linux_port_run, N_PORT_TRIPS);
    for (size_t i = 0; ok && i < N_READY; i++) {
        ready_threads_now = ready_counts[i];
        ok = measure(&figs[F_READY0 + i], wells_ready, NULL, N_READY_SWITCHES);
    }
    if (!ok || total_failures != 0) {
        fprintf(stderr, "bench: FAILED: a check did not hold; no figures are printed\n");
        return 1;
    }

    printf("wells hosted benchmark: process pinned to CPU %d; median of %d runs, ns per operation "
           "(clock_gettime(CLOCK_MONOTONIC) around %u-%u iterations)\n\n",
           cpu, RUNS, N_PORT_TRIPS, N_SWITCHES);
    printf("| measurement | wells (ns) | Linux baseline (ns) | ratio wells/Linux |\n");
    printf("|---|---:|---:|---:|\n");
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        const struct figure *f = &figs[i];
        if (f->linux_median > 0)
            printf("| %s | %.1f | %.1f | %.3f |\n", f->name, f->wells_median, f->linux_median,
                   f->wells_median / f->linux_median);
        else
            printf("| %s | %.1f | — | — |\n", f->name, f->wells_median);
    }
    printf("\nall runs (ns per operation):\n");
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        printf("- %s:", figs[i].name);
        print_samples("wells", figs[i].wells);
        if (figs[i].linux_median > 0) {
            printf(";");
            print_samples("Linux", figs[i].linux_);
        }
        printf("\n");
    }
    return 0;
}
