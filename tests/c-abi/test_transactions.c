/* test_transactions.c - shared objects and transactions through include/wells.h: exactly one
 * of two conflicting transactions commits, an abort vote / a member that exits without voting /
 * a passed deadline abort everything, and bad inputs get their status codes. */
#include "check.h"

static wells_shared_t obj;
static wells_txn_t txn_a, txn_b, txn;
static wells_sem_t both_wrote;
static atomic_int outcome_a, outcome_b;

static uint64_t value_of(wells_shared_t o)
{
    uint64_t v = 0, version = 0;
    CHECK_EQ(wells_shared_read(o, &v, sizeof v, &version), WELLS_OK);
    return v;
}

/* ---- conflicts --------------------------------------------------------------------------------- */

static int32_t writer(void *arg)
{
    int which = (int)(intptr_t)arg;
    wells_txn_t t = which ? txn_b : txn_a;
    uint64_t v = (uint64_t)which + 1;
    CHECK_EQ(wells_txn_join(t), WELLS_OK);
    CHECK_EQ(wells_txn_write(t, obj, &v, sizeof v), WELLS_OK);
    CHECK_EQ(wells_sem_post(both_wrote), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(20), WELLS_OK); /* both have written before either votes */
    wells_status s = wells_txn_vote(t, 1, 2000);
    atomic_store(which ? &outcome_b : &outcome_a, (int)s);
    return 0;
}

static void conflicting_writers_exactly_one_commits(void)
{
    START_WELLS();
    CHECK_EQ(wells_shared_create(&obj, sizeof(uint64_t)), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn_a, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn_b, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_sem_create(&both_wrote, 0, 2), WELLS_OK);
    spawn("writer-a", 10, writer, (void *)(intptr_t)0);
    spawn("writer-b", 10, writer, (void *)(intptr_t)1);
    CHECK_EQ(wells_run(), WELLS_OK);
    int a = atomic_load(&outcome_a), b = atomic_load(&outcome_b);
    CHECK((a == WELLS_OK) != (b == WELLS_OK));
    CHECK(a == WELLS_ERR_ABORTED || b == WELLS_ERR_ABORTED);
    wells_txn_state_t st;
    CHECK_EQ(wells_txn_state(a == WELLS_OK ? txn_b : txn_a, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_TXN_ABORTED);
    CHECK_INT(st.reason, WELLS_TXN_ABORT_CONFLICT);
    CHECK(st.conflict.raw == obj.raw);
    CHECK_INT(value_of(obj), a == WELLS_OK ? 1 : 2);
    /* Counters: the loser counts one conflict abort, the winner none; each member switched in. */
    wells_txn_counters_t won, lost;
    CHECK_EQ(wells_txn_counters(a == WELLS_OK ? txn_a : txn_b, &won), WELLS_OK);
    CHECK_EQ(wells_txn_counters(a == WELLS_OK ? txn_b : txn_a, &lost), WELLS_OK);
    CHECK_INT(won.aborts, 0);
    CHECK_INT(lost.aborts, 1);
    CHECK_INT(lost.conflicts, 1);
    CHECK(won.switches >= 1 && lost.switches >= 1);
    CHECK_EQ(wells_txn_counters(txn_a, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_txn_counters((wells_txn_t){obj.raw}, &won), WELLS_ERR_WRONG_KIND);
    STOP_WELLS();
}

/* ---- aborts ------------------------------------------------------------------------------------ */

static int32_t committer(void *arg)
{
    (void)arg;
    uint64_t v = 99;
    CHECK_EQ(wells_txn_write(txn, obj, &v, sizeof v), WELLS_OK);
    atomic_store(&outcome_a, (int)wells_txn_vote(txn, 1, 2000));
    return 0;
}

static int32_t refuser(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    /* The committer voted: the transaction is committing, waiting for this vote. */
    wells_txn_state_t st;
    CHECK_EQ(wells_txn_state(txn, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_TXN_COMMITTING);
    CHECK_INT(st.members, 2);
    CHECK_INT(st.commit_votes, 1);
    atomic_store(&outcome_b, (int)wells_txn_vote(txn, 0, 2000));
    return 0;
}

static int32_t quitter(void *arg)
{
    (void)arg;
    uint64_t v = 7;
    CHECK_EQ(wells_txn_write(txn, obj, &v, sizeof v), WELLS_OK);
    CHECK_EQ(wells_thread_sleep(10), WELLS_OK);
    return 0; /* exits without voting */
}

static int32_t late(void *arg)
{
    (void)arg;
    CHECK_EQ(wells_thread_sleep(100), WELLS_OK);
    atomic_store(&outcome_b, (int)wells_txn_vote(txn, 1, 2000));
    return 0;
}

static void abort_vote_member_exit_and_deadline(void)
{
    wells_txn_state_t st;
    /* one abort vote */
    START_WELLS();
    CHECK_EQ(wells_shared_create(&obj, sizeof(uint64_t)), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, spawn("committer", 10, committer, NULL)), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, spawn("refuser", 8, refuser, NULL)), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&outcome_a), WELLS_ERR_ABORTED);
    CHECK_INT(atomic_load(&outcome_b), WELLS_ERR_ABORTED);
    CHECK_EQ(wells_txn_state(txn, &st), WELLS_OK);
    CHECK_INT(st.reason, WELLS_TXN_ABORT_VOTED);
    CHECK_INT(value_of(obj), 0); /* nothing of it remains */
    STOP_WELLS();

    /* a member exits without voting */
    START_WELLS();
    CHECK_EQ(wells_shared_create(&obj, sizeof(uint64_t)), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, spawn("committer", 10, committer, NULL)), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, spawn("quitter", 8, quitter, NULL)), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&outcome_a), WELLS_ERR_ABORTED);
    CHECK_EQ(wells_txn_state(txn, &st), WELLS_OK);
    CHECK_INT(st.reason, WELLS_TXN_ABORT_MEMBER_ENDED);
    CHECK_INT(value_of(obj), 0);
    STOP_WELLS();

    /* the deadline passes while a member is still busy */
    START_WELLS();
    CHECK_EQ(wells_shared_create(&obj, sizeof(uint64_t)), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn, 30), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, spawn("committer", 10, committer, NULL)), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, spawn("late", 8, late, NULL)), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&outcome_a), WELLS_ERR_ABORTED);
    CHECK_INT(atomic_load(&outcome_b), WELLS_ERR_ABORTED); /* too late: already aborted */
    CHECK_EQ(wells_txn_state(txn, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_TXN_ABORTED);
    CHECK_INT(st.reason, WELLS_TXN_ABORT_DEADLINE);
    CHECK_INT(value_of(obj), 0);
    STOP_WELLS();
}

/* ---- a commit that works, and bad inputs -------------------------------------------------------- */

static int32_t lone_committer(void *arg)
{
    (void)arg;
    uint64_t v = 5, back = 0;
    CHECK_EQ(wells_txn_join(txn), WELLS_OK);
    CHECK_EQ(wells_txn_read(txn, obj, &back, sizeof back), WELLS_OK);
    CHECK_INT(back, 3);
    CHECK_EQ(wells_txn_write(txn, obj, &v, sizeof v), WELLS_OK);
    CHECK_EQ(wells_txn_read(txn, obj, &back, sizeof back), WELLS_OK); /* sees its own write */
    CHECK_INT(back, 5);
    CHECK_EQ(wells_txn_write(txn, obj, &v, 3), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_txn_read(txn, obj, NULL, 8), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_txn_vote(txn, 1, WELLS_NO_WAIT), WELLS_OK);
    CHECK_EQ(wells_txn_write(txn, obj, &v, sizeof v), WELLS_ERR_BAD_STATE); /* committed */
    return 0;
}

static void commit_and_bad_inputs(void)
{
    uint64_t v = 3, version = 0;
    wells_txn_state_t st;
    CHECK_EQ(wells_shared_create(&obj, 8), WELLS_ERR_NOT_INITIALIZED);
    START_WELLS();
    CHECK_EQ(wells_shared_create(NULL, 8), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_shared_create(&obj, 0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_shared_create(&obj, sizeof v), WELLS_OK);
    CHECK_EQ(wells_shared_write(obj, &v, sizeof v, &version), WELLS_OK);
    CHECK_INT(version, 1);
    CHECK_EQ(wells_shared_write(obj, &v, 4, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_shared_read(obj, &v, 4, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_shared_read((wells_shared_t){ 0 }, &v, sizeof v, NULL), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_txn_create(NULL, WELLS_WAIT_FOREVER), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_txn_create(&txn, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_txn_join(txn), WELLS_ERR_BAD_CONTEXT); /* the host is not a wells thread */
    CHECK_EQ(wells_txn_state(txn, NULL), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_txn_state((wells_txn_t){ obj.raw }, &st), WELLS_ERR_WRONG_KIND);
    spawn("lone", 10, lone_committer, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_EQ(wells_txn_state(txn, &st), WELLS_OK);
    CHECK_INT(st.state, WELLS_TXN_COMMITTED);
    CHECK_INT(value_of(obj), 5);
    CHECK_EQ(wells_txn_destroy(txn), WELLS_OK);
    CHECK_EQ(wells_txn_state(txn, &st), WELLS_ERR_INVALID_HANDLE);
    CHECK_EQ(wells_shared_destroy(obj), WELLS_OK);
    CHECK_EQ(wells_shared_read(obj, &v, sizeof v, NULL), WELLS_ERR_INVALID_HANDLE);
    STOP_WELLS();
}

/* ---- restart policy ----------------------------------------------------------------------------- */

static atomic_int judge_runs;

static int32_t adder(void *arg)
{
    (void)arg;
    uint64_t v = 0;
    if (wells_txn_read(txn, obj, &v, sizeof v) != WELLS_OK)
        return 9;
    v += 1;
    wells_txn_write(txn, obj, &v, sizeof v);
    return wells_txn_vote(txn, 1, 2000) == WELLS_OK ? 0 : 1;
}

static int32_t judge(void *arg)
{
    (void)arg;
    int run = atomic_fetch_add(&judge_runs, 1) + 1;
    return wells_txn_vote(txn, run > 1, 2000) == WELLS_OK ? 0 : 1; /* refuses the first attempt */
}

static void restart_policy(void)
{
    uint64_t v = 100;
    wells_thread_stats_t st;
    START_WELLS();
    atomic_store(&judge_runs, 0);
    CHECK_EQ(wells_shared_create(&obj, sizeof v), WELLS_OK);
    CHECK_EQ(wells_shared_write(obj, &v, sizeof v, NULL), WELLS_OK);
    CHECK_EQ(wells_txn_create(&txn, WELLS_WAIT_FOREVER), WELLS_OK);
    CHECK_EQ(wells_txn_set_policy(txn, 9, 0), WELLS_ERR_INVALID_ARGUMENT);
    CHECK_EQ(wells_txn_set_policy(txn, WELLS_TXN_RESTART, 3), WELLS_OK);
    wells_thread_t a = spawn("adder", 10, adder, NULL);
    wells_thread_t j = spawn("judge", 8, judge, NULL);
    CHECK_EQ(wells_txn_add_member(txn, a), WELLS_OK);
    CHECK_EQ(wells_txn_add_member(txn, j), WELLS_OK);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&judge_runs), 2); /* restarted once, then committed */
    CHECK_INT(value_of(obj), 101);          /* the refused attempt left nothing */
    CHECK_EQ(wells_thread_stats(a, &st), WELLS_OK);
    CHECK_INT(st.exit_code, 0);
    STOP_WELLS();
}

int main(void)
{
    RUN(restart_policy);
    RUN(conflicting_writers_exactly_one_commits);
    RUN(abort_vote_member_exit_and_deadline);
    RUN(commit_and_bad_inputs);
    return check_summary();
}
