/* test_policy.c - scheduling classes, decision sets (loaded as untrusted bytes, refused with the
 * bad rule named, classic fallback, hard-RT guard) and telemetry records, through wells.h. */
#include "check.h"

static char order[8];
static atomic_int norder;

static int32_t mark(void *arg)
{
    int i = atomic_fetch_add(&norder, 1);
    if (i < 7)
        order[i] = (char)(intptr_t)arg;
    return 0;
}

/* One rule of the binary format (see tools/wells-policy and wells-core's decision format). */
static void rule(uint8_t *r, uint8_t classes, uint8_t action, uint8_t priority, uint32_t slice_us)
{
    memset(r, 0, 16);
    r[0] = classes;
    r[1] = 0;
    r[2] = 31;
    r[6] = action;
    r[7] = priority;
    memcpy(r + 8, &slice_us, 4);
}

static size_t make_set(uint8_t *set, uint16_t rules)
{
    memset(set, 0, 16);
    memcpy(set, "WDS1", 4);
    set[4] = 1;
    memcpy(set + 6, &rules, 2);
    return 16 + 16u * rules;
}

static wells_thread_t starter_threads[3];

static int32_t starter(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        CHECK_EQ(wells_thread_start(starter_threads[i]), WELLS_OK);
    return 0;
}

/* batch (best effort, 2), control (hard RT, 20), ui (soft RT, 10), started together. */
static void run_three(void)
{
    static const struct { char name; uint32_t prio, class; } t[3] = {
        { 'b', 2, WELLS_CLASS_BEST_EFFORT }, { 'c', 20, WELLS_CLASS_HARD_RT }, { 'u', 10, WELLS_CLASS_SOFT_RT },
    };
    atomic_store(&norder, 0);
    memset(order, 0, sizeof order);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(wells_thread_create(&starter_threads[i], NULL, t[i].prio, 0, mark, (void *)(intptr_t)t[i].name), WELLS_OK);
        CHECK_EQ(wells_thread_set_class(starter_threads[i], t[i].class, 0), WELLS_OK);
    }
    spawn("starter", 31, starter, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
}

static void decision_sets(void)
{
    uint8_t set[16 + 2 * 16];
    wells_set_error_t err = { 0, NULL };
    START_WELLS();
    run_three();
    CHECK(strcmp(order, "cub") == 0); /* classic */

    /* best effort to 25, hard RT pushed to 1 (the guard keeps it at 20) */
    size_t len = make_set(set, 2);
    rule(set + 16, 4, 1, 25, 0);
    rule(set + 32, 1, 1, 1, 0);
    CHECK_EQ(wells_policy_load(set, len, &err), WELLS_OK);
    run_three();
    CHECK(strcmp(order, "bcu") == 0);

    /* refused sets name the rule and field and leave the set in force */
    set[32 + 6] = 9;
    CHECK_EQ(wells_policy_load(set, len, &err), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_INT(err.rule, 1);
    CHECK(err.field != NULL && strcmp(err.field, "action") == 0);
    set[0] = 'X';
    CHECK_EQ(wells_policy_load(set, len, &err), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_INT(err.rule, -1);
    CHECK_EQ(wells_policy_load(set, len - 1, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_policy_load(NULL, 16, NULL), WELLS_ERR_INVALID_ARGUMENT);
    run_three();
    CHECK(strcmp(order, "bcu") == 0);

    CHECK_EQ(wells_policy_clear(), WELLS_OK);
    run_three();
    CHECK(strcmp(order, "cub") == 0);
    CHECK_EQ(wells_thread_set_class(starter_threads[0], 7, 0), WELLS_ERR_INVALID_ARGUMENT);
    STOP_WELLS();
}

static int32_t sleeper(void *arg)
{
    (void)arg;
    for (int i = 0; i < 5; i++)
        CHECK_EQ(wells_thread_sleep(1), WELLS_OK);
    return 0;
}

static void telemetry(void)
{
    wells_telemetry_event_t events[64];
    size_t count = 0;
    uint64_t dropped = 0, next = 0;
    START_WELLS();
    CHECK_EQ(wells_telemetry_enable(0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_telemetry_enable(256), WELLS_OK);
    wells_thread_t t = spawn("sleeper", 5, sleeper, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_telemetry_read(0, events, 64, sizeof events[0] - 8, &count, &dropped, &next), WELLS_ERR_ABI_MISMATCH);
    CHECK_EQ(wells_telemetry_read(0, events, 64, sizeof events[0], NULL, &dropped, &next), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_telemetry_read(0, events, 64, sizeof events[0], &count, &dropped, &next), WELLS_OK);
    CHECK_INT(dropped, 0);
    int blocks = 0, switches = 0;
    for (size_t i = 0; i < count; i++) {
        CHECK_INT(events[i].sequence, i);
        if (events[i].kind == WELLS_TELEMETRY_BLOCK && events[i].subject == t.raw)
            blocks++;
        if (events[i].kind == WELLS_TELEMETRY_SWITCH)
            switches++;
    }
    CHECK_INT(blocks, 5);
    CHECK(switches >= 5);
    CHECK_INT(next, count);
    wells_thread_stats_t st;
    CHECK_EQ(wells_thread_stats(t, &st), WELLS_OK);
    CHECK_INT(st.deadline_misses, 0);
    STOP_WELLS();
}

int main(void)
{
    RUN(decision_sets);
    RUN(telemetry);
    return check_summary();
}
