/* examples/advisor - the advisor loop: a mixed workload runs under the classic policy with an
 * ordinary priority set-up (everyone at one priority), its telemetry is exported as JSON, an
 * advisor command turns it into a decision set (TOML), wells-policy compiles that, wells loads
 * it, and the same workload runs again. Simulated time makes both runs repeat exactly.
 *
 * usage: advisor <advisor command> <wells-policy program> <work directory>
 *   the advisor command is run as: <command> <telemetry.json> <set.toml>
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_host.h"

#define MS UINT64_C(1000000)
#define EVERYONE 10           /* the ordinary set-up: one priority for all */
#define PERIODS 40            /* releases of each hard real-time task */

struct task {
    const char *name;
    uint32_t class;
    uint32_t deadline_us;
    wells_thread_t thread;
    wells_thread_stats_t stats;
};

static struct task tasks[] = {
    { .name = "control-a", .class = WELLS_CLASS_HARD_RT, .deadline_us = 10000 },
    { .name = "control-b", .class = WELLS_CLASS_HARD_RT, .deadline_us = 10000 },
    { .name = "trader-a", .class = WELLS_CLASS_SOFT_RT, .deadline_us = 0 },
    { .name = "trader-b", .class = WELLS_CLASS_SOFT_RT, .deadline_us = 0 },
    { .name = "batch-a", .class = WELLS_CLASS_BEST_EFFORT, .deadline_us = 0 },
    { .name = "batch-b", .class = WELLS_CLASS_BEST_EFFORT, .deadline_us = 0 },
};
#define NTASKS (sizeof tasks / sizeof tasks[0])

static wells_shared_t ledger;
static volatile int stop;
static unsigned commits, batch_units, controls_done;

/* Hard real time: every 10 ms, 2 ms of work, due within the period. */
static int32_t control(void *arg)
{
    (void)arg;
    for (int i = 0; i < PERIODS; i++) {
        wells_thread_sleep(8);
        sim_work(2);
    }
    controls_done++;
    return 0;
}

/* Soft real time: add to the shared ledger in a transaction, with work between read and vote;
 * the two traders conflict when their transactions overlap, and retry. */
static int32_t trader(void *arg)
{
    uint64_t amount = (uint64_t)(intptr_t)arg;
    while (!stop) {
        wells_txn_t txn;
        if (wells_txn_create(&txn, WELLS_WAIT_FOREVER) != WELLS_OK)
            return 1;
        uint64_t value = 0;
        wells_status s = wells_txn_join(txn);
        if (s == WELLS_OK)
            s = wells_txn_read(txn, ledger, &value, sizeof value);
        sim_work(7);
        value += amount;
        if (s == WELLS_OK)
            s = wells_txn_write(txn, ledger, &value, sizeof value);
        if (s == WELLS_OK)
            s = wells_txn_vote(txn, 1, WELLS_WAIT_FOREVER);
        if (s == WELLS_OK)
            commits++;
        wells_txn_destroy(txn);
        wells_thread_sleep(4);
    }
    return 0;
}

/* Best effort: long runs of work. */
static int32_t batch(void *arg)
{
    (void)arg;
    while (!stop) {
        sim_work(20);
        batch_units++;
        wells_thread_sleep(1);
    }
    return 0;
}

/* Ends the run once the hard real-time tasks have done all their periods. */
static int32_t stopper(void *arg)
{
    (void)arg;
    while (controls_done < 2)
        wells_thread_sleep(5);
    stop = 1;
    return 0;
}

struct result {
    unsigned misses, aborts, conflicts, commits, batch_units;
    uint64_t elapsed_ms;
};

static int run_workload(const void *set, size_t set_len, struct result *r, FILE *telemetry)
{
    if (sim_start() != WELLS_OK)
        return -1;
    wells_telemetry_enable(4096);
    /* The guard: whatever a set says, nobody waits more than 50 ms; a set that makes deadline
     * misses worse than the classic run is reverted. */
    wells_policy_wait_bound(50);
    wells_policy_guard(100, 2);
    if (set) {
        wells_set_error_t err = { 0, NULL };
        if (wells_policy_load(set, set_len, &err) != WELLS_OK) {
            fprintf(stderr, "advisor: the set was refused: rule %d, %s\n", err.rule, err.field);
            sim_stop();
            return -1;
        }
    }
    stop = 0;
    commits = batch_units = controls_done = 0;
    wells_shared_create(&ledger, sizeof(uint64_t));
    wells_thread_entry entries[] = { control, control, trader, trader, batch, batch };
    for (size_t i = 0; i < NTASKS; i++) {
        wells_thread_create(&tasks[i].thread, tasks[i].name, EVERYONE, 0, entries[i], (void *)(intptr_t)(i + 1));
        wells_thread_set_class(tasks[i].thread, tasks[i].class, tasks[i].deadline_us);
    }
    for (size_t i = 0; i < NTASKS; i++)
        wells_thread_start(tasks[i].thread);
    wells_thread_t s;
    wells_thread_create(&s, "stopper", 31, 0, stopper, NULL);
    wells_thread_set_class(s, WELLS_CLASS_HARD_RT, 0);
    wells_thread_start(s);
    if (wells_run() != WELLS_OK) {
        sim_stop();
        return -1;
    }
    memset(r, 0, sizeof *r);
    r->elapsed_ms = sim_now_ns() / MS;
    for (size_t i = 0; i < NTASKS; i++) {
        wells_thread_stats(tasks[i].thread, &tasks[i].stats);
        r->misses += tasks[i].stats.deadline_misses;
        r->aborts += tasks[i].stats.aborts;
        r->conflicts += tasks[i].stats.conflicts;
    }
    r->commits = commits;
    r->batch_units = batch_units;
    if (telemetry) {
        static const char *classes[] = { "hard-rt", "soft-rt", "best-effort" };
        wells_telemetry_event_t events[256];
        size_t count = 0;
        uint64_t dropped = 0, next = 0, switches = 0;
        do {
            wells_telemetry_read(next, events, 256, sizeof events[0], &count, &dropped, &next);
            for (size_t i = 0; i < count; i++)
                switches += events[i].kind == WELLS_TELEMETRY_SWITCH;
        } while (count == 256);
        fprintf(telemetry, "{\n  \"elapsed_ms\": %" PRIu64 ",\n  \"switches\": %" PRIu64 ",\n  \"threads\": [\n", r->elapsed_ms, switches);
        for (size_t i = 0; i < NTASKS; i++) {
            const wells_thread_stats_t *st = &tasks[i].stats;
            fprintf(telemetry,
                    "    {\"name\": \"%s\", \"class\": \"%s\", \"base_priority\": %u, \"deadline_misses\": %u, "
                    "\"wait_ms\": %" PRIu64 ", \"run_ms\": %" PRIu64 ", \"conflicts\": %u, \"aborts\": %u}%s\n",
                    tasks[i].name, classes[tasks[i].class], st->base_priority, st->deadline_misses,
                    (uint64_t)(st->wait_time_ns / MS), (uint64_t)(st->run_time_ns / MS), st->conflicts, st->aborts,
                    i + 1 < NTASKS ? "," : "");
        }
        fprintf(telemetry, "  ]\n}\n");
    }
    for (size_t i = 0; i < NTASKS; i++)
        wells_thread_join(tasks[i].thread, NULL, WELLS_NO_WAIT);
    return sim_stop() == WELLS_OK ? 0 : -1;
}

static void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static unsigned char buf[4096];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s <advisor command> <wells-policy program> <work directory>\n", argv[0]);
        return 2;
    }
    char telemetry_path[512], toml_path[512], bin_path[512], command[2048];
    snprintf(telemetry_path, sizeof telemetry_path, "%s/telemetry.json", argv[3]);
    snprintf(toml_path, sizeof toml_path, "%s/set.toml", argv[3]);
    snprintf(bin_path, sizeof bin_path, "%s/set.bin", argv[3]);

    struct result classic, advised;
    FILE *telemetry = fopen(telemetry_path, "w");
    if (!telemetry || run_workload(NULL, 0, &classic, telemetry) != 0) {
        fprintf(stderr, "advisor: the classic run failed\n");
        return 1;
    }
    fclose(telemetry);
    printf("advisor: telemetry of the classic run in %s\n", telemetry_path);

    snprintf(command, sizeof command, "%s %s %s", argv[1], telemetry_path, toml_path);
    printf("advisor: running the advisor: %s\n", command);
    fflush(stdout);
    if (system(command) != 0) {
        fprintf(stderr, "advisor: the advisor command failed\n");
        return 1;
    }
    snprintf(command, sizeof command, "%s %s %s", argv[2], toml_path, bin_path);
    if (system(command) != 0) {
        fprintf(stderr, "advisor: the decision set did not compile\n");
        return 1;
    }
    size_t set_len = 0;
    void *set = read_file(bin_path, &set_len);
    if (!set || run_workload(set, set_len, &advised, NULL) != 0) {
        fprintf(stderr, "advisor: the advised run failed\n");
        return 1;
    }

    printf("\n%-34s %10s %10s\n", "", "classic", "advised");
    printf("%-34s %10u %10u\n", "hard real-time deadline misses", classic.misses, advised.misses);
    printf("%-34s %10u %10u\n", "transaction aborts (conflicts)", classic.aborts, advised.aborts);
    printf("%-34s %10u %10u\n", "transactions committed", classic.commits, advised.commits);
    printf("%-34s %10.1f %10.1f\n", "  per simulated second", classic.commits * 1000.0 / (double)classic.elapsed_ms,
           advised.commits * 1000.0 / (double)advised.elapsed_ms);
    printf("%-34s %10u %10u\n", "batch work units done", classic.batch_units, advised.batch_units);
    printf("%-34s %10" PRIu64 " %10" PRIu64 "\n", "simulated run time (ms)", classic.elapsed_ms, advised.elapsed_ms);
    printf("\nadvisor: both runs are on simulated time: the figures repeat exactly\n");
    /* Misses are counted on the simulated clock, which moves only with work and idling: the
     * verdict is the same on an idle or a loaded machine. */
    printf("advisor: deadline misses: classic %u, advised %u\n", classic.misses, advised.misses);
    if (classic.misses == 0) {
        printf("advisor: the classic run missed no deadline: this workload shows nothing\n");
        return 3;
    }
    if (advised.misses >= classic.misses) {
        printf("advisor: the advised set did not reduce deadline misses\n");
        return 3;
    }
    return 0;
}
