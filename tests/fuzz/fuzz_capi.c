/* fuzz_capi.c - random call sequences of the C API from several wells threads at once.
 *
 * Each round starts wells, lets four threads (and the children they create) make random
 * calls on a shared pool of handles - creating, using and destroying objects, waiting and
 * timing out, with zeroed, forged, stale and mistyped handles mixed in - and shuts wells down.
 * Every answer is checked against the codes docs/c-api.md lists for the call; anything else
 * is a finding. What a thread calls is fixed by the seed; how calls interleave depends on the
 * timer, so a finding prints its call and answer to be reproduced by a directed test.
 *
 * usage: fuzz_capi [seed] [calls]. Transactions get every abort policy, RESTART and STOP
 * included: a thread restarted or ended while preempted inside a wells call used to lose the
 * heap that call held (a new stack, a closure, a parsed set) or a lock it had taken (#23).
 */
#include "fuzz.h"

#include <signal.h>
#include <unistd.h>

#define S(code) (1u << (unsigned)(-(code)))
#define OK S(WELLS_OK)
#define H (S(WELLS_ERR_INVALID_HANDLE) | S(WELLS_ERR_WRONG_KIND))
#define CREATE (OK | S(WELLS_ERR_NO_MEMORY) | S(WELLS_ERR_LIMIT))
#define WAITS (S(WELLS_ERR_WOULD_BLOCK) | S(WELLS_ERR_TIMEOUT) | S(WELLS_ERR_DESTROYED))

static atomic_ulong calls;

static void expect(wells_status s, uint32_t allowed, const char *what, int line)
{
    atomic_fetch_add(&calls, 1);
    if (s > 0 || s < -31 || (S(s) & allowed) == 0)
        fuzz_finding(what, line, s);
}

#define EXPECT(call, allowed) expect((call), (allowed), #call, __LINE__)

/* ---- the handle pool ------------------------------------------------------------------------ */

enum { K_MUTEX, K_SEM, K_EVENT, K_PORT, K_TIMER, K_SHARED, K_TXN, K_THREAD, KINDS };
#define SLOTS 6
static _Atomic uint64_t pool[KINDS][SLOTS];

/* Mostly a pooled handle of the kind (live or stale), sometimes zero, forged or another kind. */
static uint64_t pick(uint64_t *rng, int kind)
{
    switch (fuzz_below(rng, 20)) {
    case 0:
        return 0;
    case 1:
        return fuzz_next(rng);
    case 2:
        return atomic_load(&pool[fuzz_below(rng, KINDS)][fuzz_below(rng, SLOTS)]);
    default:
        return atomic_load(&pool[kind][fuzz_below(rng, SLOTS)]);
    }
}

static void keep(uint64_t *rng, int kind, uint64_t raw)
{
    atomic_store(&pool[kind][fuzz_below(rng, SLOTS)], raw);
}

static uint32_t timeout(uint64_t *rng)
{
    uint32_t r = fuzz_below(rng, 200);
    if (r < 120)
        return WELLS_NO_WAIT;
    if (r < 190)
        return 1;
    if (r < 199)
        return 2 + fuzz_below(rng, 4);
    return WELLS_WAIT_FOREVER;
}

/* ---- timer callbacks: tick context, only NO_WAIT calls ------------------------------------- */

static _Atomic uint64_t callback_rng = 0x1234567;

static void on_timer(void *arg)
{
    (void)arg;
    uint64_t rng = atomic_fetch_add(&callback_rng, 0x9E3779B97F4A7C15ull);
    fuzz_next(&rng);
    EXPECT(wells_sem_post((wells_sem_t){pick(&rng, K_SEM)}), OK | S(WELLS_ERR_LIMIT) | H);
    EXPECT(wells_event_set((wells_event_t){pick(&rng, K_EVENT)}), OK | H);
    EXPECT(wells_sem_wait((wells_sem_t){pick(&rng, K_SEM)}, 1), S(WELLS_ERR_BAD_CONTEXT) | H);
    EXPECT(wells_thread_sleep(1), S(WELLS_ERR_BAD_CONTEXT));
}

/* ---- one random call --------------------------------------------------------------------- */

struct actor {
    uint64_t rng;
    uint32_t ops_left;
};

#define CHILDREN 64
static struct actor children[CHILDREN];
static atomic_uint next_child;

static int32_t actor_main(void *arg);

static void one_call(struct actor *me)
{
    uint64_t *rng = &me->rng;
    uint8_t buf[80];
    memset(buf, (int)fuzz_below(rng, 256), sizeof buf);
    size_t len = fuzz_below(rng, 8) ? 8 : fuzz_below(rng, 81);
    switch (fuzz_below(rng, 46)) {
    case 0: {
        wells_mutex_t m;
        wells_status s = wells_mutex_create(&m);
        EXPECT(s, CREATE);
        if (s == WELLS_OK)
            keep(rng, K_MUTEX, m.raw);
        break;
    }
    case 1:
        EXPECT(wells_mutex_destroy((wells_mutex_t){pick(rng, K_MUTEX)}), OK | H);
        break;
    case 2:
    case 3:
        EXPECT(wells_mutex_lock((wells_mutex_t){pick(rng, K_MUTEX)}, timeout(rng)),
               OK | S(WELLS_ERR_OWNER_DIED) | S(WELLS_ERR_DEADLOCK) | WAITS | H);
        break;
    case 4:
        EXPECT(wells_mutex_unlock((wells_mutex_t){pick(rng, K_MUTEX)}), OK | S(WELLS_ERR_NOT_OWNER) | H);
        break;
    case 5: {
        wells_sem_t sem;
        wells_status s = wells_sem_create(&sem, fuzz_below(rng, 4), fuzz_below(rng, 4));
        EXPECT(s, CREATE | S(WELLS_ERR_INVALID_ARGUMENT));
        if (s == WELLS_OK)
            keep(rng, K_SEM, sem.raw);
        break;
    }
    case 6:
        EXPECT(wells_sem_destroy((wells_sem_t){pick(rng, K_SEM)}), OK | H);
        break;
    case 7:
        EXPECT(wells_sem_wait((wells_sem_t){pick(rng, K_SEM)}, timeout(rng)), OK | WAITS | H);
        break;
    case 8: {
        EXPECT(wells_sem_post((wells_sem_t){pick(rng, K_SEM)}), OK | S(WELLS_ERR_LIMIT) | H);
        uint32_t v;
        EXPECT(wells_sem_value((wells_sem_t){pick(rng, K_SEM)}, &v), OK | H);
        break;
    }
    case 9: {
        wells_event_t e;
        wells_status s = wells_event_create(&e, fuzz_below(rng, 5));
        EXPECT(s, CREATE | S(WELLS_ERR_INVALID_ARGUMENT));
        if (s == WELLS_OK)
            keep(rng, K_EVENT, e.raw);
        break;
    }
    case 10:
        EXPECT(wells_event_destroy((wells_event_t){pick(rng, K_EVENT)}), OK | H);
        break;
    case 11:
        EXPECT(wells_event_wait((wells_event_t){pick(rng, K_EVENT)}, timeout(rng)), OK | WAITS | H);
        break;
    case 12:
        EXPECT(wells_event_set((wells_event_t){pick(rng, K_EVENT)}), OK | H);
        EXPECT(wells_event_reset((wells_event_t){pick(rng, K_EVENT)}), OK | H);
        break;
    case 13: {
        wells_port_t p;
        wells_status s = wells_port_create(&p, fuzz_below(rng, 4) ? 8 : fuzz_below(rng, 81), fuzz_below(rng, 5));
        EXPECT(s, CREATE | S(WELLS_ERR_INVALID_ARGUMENT));
        if (s == WELLS_OK)
            keep(rng, K_PORT, p.raw);
        break;
    }
    case 14:
        EXPECT(wells_port_destroy((wells_port_t){pick(rng, K_PORT)}), OK | H);
        break;
    case 15:
    case 16:
        EXPECT(wells_port_send((wells_port_t){pick(rng, K_PORT)}, buf, len, timeout(rng)),
               OK | S(WELLS_ERR_INVALID_ARGUMENT) | WAITS | H);
        break;
    case 17:
    case 18:
        EXPECT(wells_port_receive((wells_port_t){pick(rng, K_PORT)}, buf, len, timeout(rng)),
               OK | S(WELLS_ERR_INVALID_ARGUMENT) | WAITS | H);
        break;
    case 19: {
        uint32_t n;
        EXPECT(wells_port_count((wells_port_t){pick(rng, K_PORT)}, &n), OK | H);
        break;
    }
    case 20: {
        wells_timer_t t;
        wells_status s = wells_timer_create(&t, on_timer, NULL);
        EXPECT(s, CREATE);
        if (s == WELLS_OK)
            keep(rng, K_TIMER, t.raw);
        break;
    }
    case 21:
        EXPECT(wells_timer_start((wells_timer_t){pick(rng, K_TIMER)}, fuzz_below(rng, 6), 0), OK | H);
        break;
    case 22:
        EXPECT(wells_timer_cancel((wells_timer_t){pick(rng, K_TIMER)}), OK | H);
        EXPECT(wells_timer_destroy((wells_timer_t){pick(rng, K_TIMER)}), OK | H);
        break;
    case 23: {
        wells_shared_t o;
        wells_status s = wells_shared_create(&o, fuzz_below(rng, 4) ? 8 : fuzz_below(rng, 81));
        EXPECT(s, CREATE | S(WELLS_ERR_INVALID_ARGUMENT));
        if (s == WELLS_OK)
            keep(rng, K_SHARED, o.raw);
        break;
    }
    case 24: {
        uint64_t version;
        EXPECT(wells_shared_read((wells_shared_t){pick(rng, K_SHARED)}, buf, len, &version),
               OK | S(WELLS_ERR_INVALID_ARGUMENT) | S(WELLS_ERR_ACCESS_DENIED) | H);
        EXPECT(wells_shared_write((wells_shared_t){pick(rng, K_SHARED)}, buf, len, NULL),
               OK | S(WELLS_ERR_INVALID_ARGUMENT) | S(WELLS_ERR_ACCESS_DENIED) | H);
        break;
    }
    case 25:
        EXPECT(wells_shared_destroy((wells_shared_t){pick(rng, K_SHARED)}), OK | S(WELLS_ERR_ACCESS_DENIED) | H);
        break;
    case 26: {
        wells_txn_t t;
        wells_status s = wells_txn_create(&t, fuzz_below(rng, 2) ? WELLS_WAIT_FOREVER : 1 + fuzz_below(rng, 20));
        EXPECT(s, CREATE);
        if (s == WELLS_OK) {
            keep(rng, K_TXN, t.raw);
            uint32_t policy = fuzz_below(rng, 4);
            EXPECT(wells_txn_set_policy(t, policy, fuzz_below(rng, 3)), OK | S(WELLS_ERR_INVALID_ARGUMENT));
        }
        break;
    }
    case 27:
        EXPECT(wells_txn_join((wells_txn_t){pick(rng, K_TXN)}),
               OK | S(WELLS_ERR_BAD_STATE) | S(WELLS_ERR_LIMIT) | S(WELLS_ERR_NO_MEMORY) | H);
        break;
    case 28:
        EXPECT(wells_txn_add_member((wells_txn_t){pick(rng, K_TXN)}, (wells_thread_t){pick(rng, K_THREAD)}),
               OK | S(WELLS_ERR_BAD_STATE) | S(WELLS_ERR_LIMIT) | S(WELLS_ERR_NO_MEMORY) | H);
        break;
    case 29:
    case 30: {
        uint32_t allowed = OK | S(WELLS_ERR_INVALID_ARGUMENT) | S(WELLS_ERR_ABORTED) | S(WELLS_ERR_BAD_STATE) |
                           S(WELLS_ERR_LIMIT) | S(WELLS_ERR_ACCESS_DENIED) | S(WELLS_ERR_NO_MEMORY) | H;
        wells_txn_t t = {pick(rng, K_TXN)};
        wells_shared_t o = {pick(rng, K_SHARED)};
        if (fuzz_below(rng, 2))
            EXPECT(wells_txn_read(t, o, buf, len), allowed);
        else
            EXPECT(wells_txn_write(t, o, buf, len), allowed);
        break;
    }
    case 31:
        EXPECT(wells_txn_vote((wells_txn_t){pick(rng, K_TXN)}, (int)fuzz_below(rng, 3), timeout(rng)),
               OK | S(WELLS_ERR_ABORTED) | S(WELLS_ERR_BAD_STATE) | WAITS | H);
        break;
    case 32: {
        wells_txn_state_t st;
        wells_txn_counters_t c;
        EXPECT(wells_txn_state((wells_txn_t){pick(rng, K_TXN)}, &st), OK | H);
        EXPECT(wells_txn_counters((wells_txn_t){pick(rng, K_TXN)}, &c), OK | H);
        break;
    }
    case 33:
        EXPECT(wells_txn_destroy((wells_txn_t){pick(rng, K_TXN)}), OK | H);
        break;
    case 34: {
        unsigned c = atomic_fetch_add(&next_child, 1) % CHILDREN;
        children[c].rng = fuzz_next(rng) | 1;
        children[c].ops_left = 1 + fuzz_below(rng, 20);
        wells_thread_t t;
        uint32_t priority = fuzz_below(rng, 16) ? 8 + fuzz_below(rng, 8) : fuzz_below(rng, 40);
        size_t stack = fuzz_below(rng, 2) ? 0 : WELLS_MIN_STACK_SIZE;
        wells_status s = wells_thread_create(&t, "child", priority, stack, actor_main, &children[c]);
        EXPECT(s, CREATE | S(WELLS_ERR_INVALID_ARGUMENT));
        if (s == WELLS_OK) {
            keep(rng, K_THREAD, t.raw);
            if (fuzz_below(rng, 4))
                EXPECT(wells_thread_start(t), OK);
        }
        break;
    }
    case 35:
        EXPECT(wells_thread_start((wells_thread_t){pick(rng, K_THREAD)}), OK | S(WELLS_ERR_BAD_STATE) | H);
        break;
    case 36: {
        int32_t code;
        EXPECT(wells_thread_join((wells_thread_t){pick(rng, K_THREAD)}, &code, timeout(rng)),
               OK | S(WELLS_ERR_DEADLOCK) | S(WELLS_ERR_BAD_STATE) | WAITS | H);
        break;
    }
    case 37:
        if (fuzz_below(rng, 4) == 0)
            EXPECT(wells_thread_suspend((wells_thread_t){pick(rng, K_THREAD)}), OK | S(WELLS_ERR_BAD_STATE) | H);
        EXPECT(wells_thread_resume((wells_thread_t){pick(rng, K_THREAD)}), OK | S(WELLS_ERR_BAD_STATE) | H);
        break;
    case 38: {
        wells_thread_stats_t st;
        EXPECT(wells_thread_set_priority((wells_thread_t){pick(rng, K_THREAD)}, fuzz_below(rng, 34)),
               OK | S(WELLS_ERR_INVALID_ARGUMENT) | S(WELLS_ERR_BAD_STATE) | H);
        EXPECT(wells_thread_stats((wells_thread_t){pick(rng, K_THREAD)}, &st), OK | H);
        /* one CPU per process: only CPU 0's bit is a valid set */
        uint32_t cpus = fuzz_below(rng, 2) ? fuzz_below(rng, 4) : (uint32_t)fuzz_next(rng);
        EXPECT(wells_thread_set_affinity((wells_thread_t){pick(rng, K_THREAD)}, cpus),
               (cpus == WELLS_CPUS_ALL ? OK | S(WELLS_ERR_BAD_STATE) : S(WELLS_ERR_INVALID_ARGUMENT)) | H);
        EXPECT(wells_thread_affinity((wells_thread_t){pick(rng, K_THREAD)}, &cpus), OK | H);
        break;
    }
    case 39: {
        wells_thread_t self, list[4];
        size_t n;
        EXPECT(wells_thread_self(&self), OK);
        EXPECT(wells_thread_list(list, 4, &n), OK);
        EXPECT(wells_thread_set_class((wells_thread_t){pick(rng, K_THREAD)}, fuzz_below(rng, 4), fuzz_below(rng, 3000)),
               OK | S(WELLS_ERR_INVALID_ARGUMENT) | H);
        break;
    }
    case 40:
        EXPECT(wells_thread_yield(), OK);
        break;
    case 41:
        EXPECT(wells_thread_sleep(fuzz_below(rng, 3)), OK);
        break;
    case 42: {
        wells_heap_stats_t h;
        EXPECT(wells_heap_stats(&h), OK);
        size_t cap = fuzz_below(rng, 2) ? 1 + fuzz_below(rng, 256) : fuzz_below(rng, 70000);
        EXPECT(wells_telemetry_enable(cap), OK | S(WELLS_ERR_INVALID_ARGUMENT) | S(WELLS_ERR_NO_MEMORY));
        wells_telemetry_event_t ev[4];
        size_t count;
        uint64_t dropped, next;
        EXPECT(wells_telemetry_read(fuzz_next(rng) % 512, ev, 4, sizeof ev[0], &count, &dropped, &next), OK);
        break;
    }
    case 43: {
        wells_set_error_t error;
        buf[0] = 'W', buf[1] = 'D', buf[2] = 'S', buf[3] = '1';
        EXPECT(wells_policy_load(buf, len, &error), OK | S(WELLS_ERR_INVALID_ARGUMENT) | S(WELLS_ERR_NO_MEMORY));
        if (fuzz_below(rng, 2))
            EXPECT(wells_policy_clear(), OK);
        break;
    }
    case 44: /* blocking inside a critical section is refused */
        wells_critical_enter();
        EXPECT(wells_sem_wait((wells_sem_t){pick(rng, K_SEM)}, 1 + fuzz_below(rng, 3)), S(WELLS_ERR_BAD_CONTEXT) | H);
        EXPECT(wells_thread_sleep(1), S(WELLS_ERR_BAD_CONTEXT));
        wells_critical_exit();
        break;
    default:
        if (fuzz_below(rng, 50) == 0)
            wells_thread_exit((int32_t)fuzz_below(rng, 100)); /* does not return */
        EXPECT(wells_shutdown(), S(WELLS_ERR_BAD_CONTEXT));
        EXPECT(wells_run(), S(WELLS_ERR_BAD_CONTEXT) | S(WELLS_ERR_BAD_STATE));
        break;
    }
}

/* A thread's loop. Its state is outside its stack: a transaction restart re-enters here and
 * goes on where it was. */
static int32_t actor_main(void *arg)
{
    struct actor *me = arg;
    while (me->ops_left > 0) {
        me->ops_left--;
        one_call(me);
    }
    return 0;
}

/* ---- rounds -------------------------------------------------------------------------------- */

#define ACTORS 4
static struct actor actors[ACTORS];

/* Ends the round. wells_shutdown says on the console when heap did not come back (a kernel
 * bug: every object is gone by then); that line is caught here and is a finding. */
static void stop_round(void)
{
    int pipefd[2];
    if (pipe(pipefd) != 0) {
        EXPECT(wells_posix_stop(), OK);
        return;
    }
    fflush(stdout);
    int saved = dup(1);
    dup2(pipefd[1], 1);
    close(pipefd[1]);
    EXPECT(wells_posix_stop(), OK);
    dup2(saved, 1);
    close(saved);
    /* Every writing end is closed now: the read ends at what shutdown printed. */
    char said[512];
    ssize_t n = read(pipefd[0], said, sizeof said - 1);
    close(pipefd[0]);
    if (n > 0) {
        said[n] = 0;
        fputs(said, stdout);
        if (strstr(said, "leaked") != NULL)
            fuzz_finding("wells_posix_stop (heap leaked)", __LINE__, WELLS_OK);
    }
}

static void on_watchdog(int signo)
{
    (void)signo;
    static const char text[] = "fuzz c-api: a round hung (no end after 30 s): a finding\n";
    (void)!write(1, text, sizeof text - 1);
    _exit(1);
}

int main(int argc, char **argv)
{
    uint64_t rng = fuzz_seed(argc > 1 ? strtoull(argv[1], NULL, 0) : 1);
    unsigned long target = argc > 2 ? strtoul(argv[2], NULL, 0) : 200000;
    signal(SIGALRM, on_watchdog);
    unsigned long rounds = 0, deadlocks = 0;
    while (atomic_load(&calls) < target) {
        alarm(30);
        /* A small heap now and then, so NO_MEMORY paths run too. */
        wells_status s = wells_posix_start(fuzz_below(&rng, 4) ? 0 : 320 * 1024);
        if (s != WELLS_OK) {
            fuzz_finding("wells_posix_start", __LINE__, s);
            break;
        }
        memset(pool, 0, sizeof pool);
        for (int i = 0; i < ACTORS; i++) {
            actors[i].rng = fuzz_next(&rng) | 1;
            actors[i].ops_left = 500;
            wells_thread_t t;
            s = wells_thread_create(&t, "actor", 8 + (uint32_t)i, 32 * 1024, actor_main, &actors[i]);
            if (s == WELLS_OK) {
                keep(&rng, K_THREAD, t.raw);
                EXPECT(wells_thread_start(t), OK);
            } else {
                fuzz_finding("wells_thread_create (actor)", __LINE__, s);
            }
        }
        /* Host main: waits are refused, NO_WAIT calls answer. */
        EXPECT(wells_sem_wait((wells_sem_t){pick(&rng, K_SEM)}, 1), S(WELLS_ERR_BAD_CONTEXT) | H);
        EXPECT(wells_mutex_lock((wells_mutex_t){pick(&rng, K_MUTEX)}, WELLS_NO_WAIT), S(WELLS_ERR_BAD_CONTEXT) | H);
        s = wells_run();
        EXPECT(s, OK | S(WELLS_ERR_DEADLOCK));
        deadlocks += s == WELLS_ERR_DEADLOCK;
        stop_round();
        rounds++;
        alarm(0);
    }
    fuzz_print_findings();
    printf("fuzz c-api: %lu calls (%lu rounds, %lu ended in DEADLOCK), %u findings\n", atomic_load(&calls), rounds,
           deadlocks, atomic_load(&fuzz_findings));
    return atomic_load(&fuzz_findings) == 0 ? 0 : 1;
}
