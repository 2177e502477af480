/* test_all_or_nothing.c - issue 23: a call that fails leaves everything as it was. Every create
 * call (threads, mutexes, semaphores, events, ports, timers, shared objects, transactions,
 * decision sets, telemetry rings, transaction members and writes) is driven into its failures -
 * the object table full, the heap at its reserve - and must leave the heap's bytes and live
 * allocations, the thread list and the object it worked on exactly as they were. */
#include "check.h"

/* What a failed call may not change. */
struct snapshot {
    size_t used;
    uint64_t allocations;
    size_t threads;
};

static struct snapshot snap(void)
{
    struct snapshot s = { 0, 0, 0 };
    wells_heap_stats_t h;
    CHECK_EQ(wells_heap_stats(&h), WELLS_OK);
    s.used = h.used;
    s.allocations = h.allocations;
    CHECK_EQ(wells_thread_list(NULL, 0, &s.threads), WELLS_OK);
    return s;
}

/* Runs `call`, which must fail with `expected` and change nothing. */
#define REFUSED(call, expected)                                                                \
    do {                                                                                       \
        struct snapshot before_ = snap();                                                      \
        CHECK_EQ((call), (expected));                                                          \
        struct snapshot after_ = snap();                                                       \
        CHECK_INT(after_.used, before_.used);                                                  \
        CHECK_INT(after_.allocations, before_.allocations);                                    \
        CHECK_INT(after_.threads, before_.threads);                                            \
    } while (0)

static int32_t never(void *arg)
{
    (void)arg;
    return 0;
}

static void tick(void *arg)
{
    (void)arg;
}

/* A decision set of one rule ("WDS1", version 1; docs/policy.md). */
static size_t one_rule_set(uint8_t *set)
{
    uint16_t rules = 1;
    memset(set, 0, 32);
    memcpy(set, "WDS1", 4);
    set[4] = 1;
    memcpy(set + 6, &rules, 2);
    set[16] = 1; /* class mask: hard RT */
    set[18] = 31;
    set[22] = 1; /* action: level */
    set[23] = 10;
    return 32;
}

/* Every create call the C API has, each of which must fail with `expected` and change nothing. */
static void every_create_refused(wells_status expected)
{
    wells_thread_t thread;
    wells_mutex_t mutex;
    wells_sem_t sem;
    wells_event_t event;
    wells_port_t port;
    wells_timer_t timer;
    wells_shared_t shared;
    wells_txn_t txn;
    REFUSED(wells_thread_create(&thread, "refused", 10, 0, never, NULL), expected);
    REFUSED(wells_mutex_create(&mutex), expected);
    REFUSED(wells_sem_create(&sem, 0, 1), expected);
    REFUSED(wells_event_create(&event, 0), expected);
    REFUSED(wells_port_create(&port, 16, 4), expected);
    REFUSED(wells_timer_create(&timer, tick, NULL), expected);
    REFUSED(wells_shared_create(&shared, 64), expected);
    REFUSED(wells_txn_create(&txn, WELLS_WAIT_FOREVER), expected);
}

#define MOST 16384

static wells_mutex_t filler[MOST];

/* The object table full (16 384 objects): every create says LIMIT and changes nothing. */
static void full_object_table(void)
{
    if (!CHECK_EQ(wells_posix_start_clock(32u << 20, WELLS_POSIX_CLOCK_CPU), WELLS_OK))
        return;
    struct snapshot empty = snap();
    int made = 0;
    wells_status s = WELLS_OK;
    while (made < MOST && (s = wells_mutex_create(&filler[made])) == WELLS_OK)
        made++;
    CHECK_EQ(s, WELLS_OK);
    CHECK_INT(made, MOST);
    every_create_refused(WELLS_ERR_LIMIT);
    for (int i = 0; i < made; i++)
        CHECK_EQ(wells_mutex_destroy(filler[i]), WELLS_OK);
    CHECK_INT(snap().threads, empty.threads);
    STOP_WELLS();
}

static wells_shared_t hog[4096];

/* The heap at its reserve: every create, a decision set, a telemetry ring, a transaction's
 * new member and write say NO_MEMORY and change nothing. */
static void heap_at_its_reserve(void)
{
    uint8_t set[32];
    size_t len = one_rule_set(set);
    uint8_t data[64] = { 0 };
    wells_thread_t member;
    wells_shared_t object;
    wells_txn_t txn;
    START_WELLS();
    /* Made while there is room: the calls below work on them. */
    CHECK_EQ(wells_thread_create(&member, "member", 10, 0, never, NULL), WELLS_OK);
    CHECK_EQ(wells_shared_create(&object, sizeof data), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn, WELLS_WAIT_FOREVER), WELLS_OK);
    /* Fill the heap down to its reserve, with big objects first, then small ones. */
    int hogs = 0;
    for (size_t size = 16384; size >= 1 && hogs < 4096; size /= 2) {
        while (hogs < 4096 && wells_shared_create(&hog[hogs], size) == WELLS_OK)
            hogs++;
    }
    CHECK(hogs < 4096);
    /* Objects that take no heap of their own beyond their table slot, to the last one. */
    int mutexes = 0;
    while (mutexes < MOST && wells_mutex_create(&filler[mutexes]) == WELLS_OK)
        mutexes++;
    CHECK(mutexes < MOST);
    every_create_refused(WELLS_ERR_NO_MEMORY);
    wells_set_error_t err = { 0, NULL };
    REFUSED(wells_policy_load(set, len, &err), WELLS_ERR_NO_MEMORY);
    REFUSED(wells_telemetry_enable(1024), WELLS_ERR_NO_MEMORY);
    REFUSED(wells_txn_add_member(txn, member), WELLS_ERR_NO_MEMORY);
    wells_txn_state_t state;
    CHECK_EQ(wells_txn_state(txn, &state), WELLS_OK);
    CHECK_INT(state.members, 0);
    for (int i = 0; i < mutexes; i++)
        CHECK_EQ(wells_mutex_destroy(filler[i]), WELLS_OK);
    for (int i = 0; i < hogs; i++)
        CHECK_EQ(wells_shared_destroy(hog[i]), WELLS_OK);
    CHECK_EQ(wells_txn_destroy(txn), WELLS_OK);
    CHECK_EQ(wells_shared_destroy(object), WELLS_OK);
    STOP_WELLS();
}

int main(void)
{
    RUN(full_object_table);
    RUN(heap_at_its_reserve);
    return check_summary();
}
