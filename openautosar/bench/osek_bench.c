/* osek_bench.c - instructions of five OSEK paths on the Cortex-M3 (QEMU mps2-an385 under
 * -icount shift=0, where one ns of virtual time is one instruction; the board's clock counts
 * 40 ns, so readings move in steps of 40 instructions):
 * - ActivateTask of a higher-priority basic task that at once calls TerminateTask, back in the
 *   caller: per round trip, over a loop;
 * - GetResource + ReleaseResource of a resource whose ceiling is above the caller: per pair,
 *   over a loop;
 * - SetEvent to a higher-priority task waiting for it: from the clock reading before SetEvent
 *   to the waiter's first reading after WaitEvent returns, one sample per operation, summed;
 * - an alarm of the hardware counter activating a higher-priority task while the driver spins
 *   storing the clock: the task's first reading minus the driver's last stored one (SysTick
 *   interrupt, wells' tick, the counter's ISR, the alarm, the switch), one sample a repetition;
 * - the same with a single-shot schedule table's expiry point (offset 0, started relative 1)
 *   activating the task instead of the alarm.
 * Each figure is the median of 7 repetitions after one warm-up; every loop checks that what it
 * measured happened (the table is not printed and the program ends with 1 otherwise). */
#include <stdint.h>
#include <stdio.h>

#include "Os.h"
#include "Os_Port.h"
#include "wells_mps2.h"

#define REPETITIONS 7
#define LOOP 200

/* Virtual ns since reset: instructions under -icount shift=0. */
static uint64_t instructions(void)
{
    return wells_mps2_cycles() * 40u;
}

static volatile uint32_t hi_runs, waiter_runs, woken_runs;
static volatile uint64_t set_at, spinner_last, alarm_delay;
static uint64_t event_sum;
static int failed;

TASK(Hi)
{
    hi_runs++;
    TerminateTask();
}

TASK(Waiter)
{
    for (;;) {
        (void)WaitEvent(Go);
        event_sum += instructions() - set_at;
        waiter_runs++;
        (void)ClearEvent(Go);
    }
}

TASK(Woken)
{
    /* the driver's last stored reading, taken before it was interrupted */
    alarm_delay = instructions() - spinner_last;
    woken_runs++;
    TerminateTask();
}

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("osek bench: check failed: %s\n", what);
        failed = 1;
    }
}

/* One repetition of each row, in instructions per operation x 10. */
static uint64_t activate_terminate(void)
{
    uint32_t runs = hi_runs;
    uint64_t start = instructions();
    for (int i = 0; i < LOOP; i++)
        (void)ActivateTask(Hi);
    uint64_t total = instructions() - start;
    check(hi_runs == runs + LOOP, "Hi ran once per ActivateTask");
    return total * 10 / LOOP;
}

static uint64_t resource_pair(void)
{
    StatusType status = E_OK;
    uint64_t start = instructions();
    for (int i = 0; i < LOOP; i++) {
        status |= GetResource(Shared);
        status |= ReleaseResource(Shared);
    }
    uint64_t total = instructions() - start;
    check(status == E_OK, "GetResource and ReleaseResource returned E_OK");
    return total * 10 / LOOP;
}

static uint64_t set_event(void)
{
    uint32_t runs = waiter_runs;
    event_sum = 0;
    for (int i = 0; i < LOOP; i++) {
        set_at = instructions();
        (void)SetEvent(Waiter, Go);
    }
    check(waiter_runs == runs + LOOP, "Waiter woke once per SetEvent");
    return event_sum * 10 / LOOP;
}

static uint64_t alarm_expiry(void)
{
    uint32_t runs = woken_runs;
    check(SetRelAlarm(WakeAlarm, 1, 0) == E_OK, "SetRelAlarm");
    while (woken_runs == runs)
        spinner_last = instructions();
    check(woken_runs == runs + 1, "the alarm activated Woken once");
    return alarm_delay * 10;
}

static uint64_t table_expiry(void)
{
    uint32_t runs = woken_runs;
    check(StartScheduleTableRel(WakeTable, 1) == E_OK, "StartScheduleTableRel");
    while (woken_runs == runs)
        spinner_last = instructions();
    check(woken_runs == runs + 1, "the expiry point activated Woken once");
    ScheduleTableStatusType status;
    while (GetScheduleTableStatus(WakeTable, &status) == E_OK && status != SCHEDULETABLE_STOPPED)
        ; /* its end, one tick later: then it can start again */
    return alarm_delay * 10;
}

static uint64_t median(uint64_t *v)
{
    for (int i = 1; i < REPETITIONS; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[REPETITIONS / 2];
}

static const struct {
    const char *name;
    uint64_t (*measure)(void);
} rows[] = {
    { "OSEK ActivateTask + TerminateTask round trip (higher-priority basic task)", activate_terminate },
    { "OSEK SetEvent to the waiting higher-priority task running", set_event },
    { "OSEK GetResource + ReleaseResource (ceiling above the caller)", resource_pair },
    { "OSEK alarm expiry (hardware counter) to the activated task running", alarm_expiry },
    { "OSEK schedule table expiry point (hardware counter) to the activated task running", table_expiry },
};

#define ROWS (sizeof rows / sizeof rows[0])

TASK(Driver)
{
    static uint64_t runs[ROWS][REPETITIONS];
    (void)ActivateTask(Waiter); /* higher: it runs at once and waits for Go */
    for (unsigned r = 0; r < ROWS; r++) {
        (void)rows[r].measure(); /* warm-up */
        for (int i = 0; i < REPETITIONS; i++)
            runs[r][i] = rows[r].measure();
    }
    if (failed)
        Os_PortExit(1);
    printf("--- bench table ---\n| measurement | instructions |\n|---|---:|\n");
    static uint64_t sorted[REPETITIONS];
    for (unsigned r = 0; r < ROWS; r++) {
        for (int i = 0; i < REPETITIONS; i++)
            sorted[i] = runs[r][i];
        uint64_t m = median(sorted);
        printf("| %s | %lu.%lu |\n", rows[r].name, (unsigned long)(m / 10), (unsigned long)(m % 10));
    }
    printf("--- end ---\nall runs (instructions per operation x 10):\n");
    for (unsigned r = 0; r < ROWS; r++) {
        printf("- %s:", rows[r].name);
        for (int i = 0; i < REPETITIONS; i++)
            printf(" %lu", (unsigned long)runs[r][i]);
        printf("\n");
    }
    ShutdownOS(E_OK);
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 2;
}
