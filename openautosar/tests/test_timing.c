/* test_timing: a task spinning past its execution budget is stopped in the middle of its loop
 * and reported to ProtectionHook (E_OS_PROTECTION_TIME); PRO_TERMINATETASKISR ends it (its
 * resource released, the task queued behind it runs, it can run again), while a well-behaved
 * task keeps running on its alarm; a wait starts a job's time over; a category-2 ISR past its
 * budget is reported when it returns; PRO_SHUTDOWN ends the OS with ShutdownHook. The verdicts
 * do not depend on the machine's speed or load: budgets are CPU time (hosted) or instructions
 * (QEMU -icount), and only which task was stopped and the order are checked, not how fast. */
#define OSEK_CHECK_SHUTDOWN_ERROR E_OS_PROTECTION_TIME
#define OSEK_CHECK_SHUTDOWN_EXTRA shutdown_checks
static void shutdown_checks(void);
#include "osek_check.h"

static volatile unsigned hook_calls;
static volatile StatusType hook_error;
static volatile ProtectionReturnType hook_answer = PRO_TERMINATETASKISR;
static volatile unsigned good_runs;
static volatile unsigned good_at_spin_start;
static volatile int spinner_left_its_loop;
static volatile int stop_spinning; /* never set */
static volatile unsigned long isr_spins;
static volatile int isr_done;

ProtectionReturnType ProtectionHook(StatusType FatalError)
{
    hook_calls++;
    hook_error = FatalError;
    return hook_answer;
}

TASK(Good)
{
    good_runs++;
    TerminateTask();
}

TASK(Spinner)
{
    TRACE("spin");
    CHECK_S(GetResource(R), E_OK);
    CHECK_S(ActivateTask(After), E_OK); /* same priority: runs when Spinner ends */
    good_at_spin_start = good_runs;
    while (!stop_spinning) {
    }
    spinner_left_its_loop = 1;
    TerminateTask();
}

TASK(After)
{
    TRACE("after");
    CHECK(good_runs > good_at_spin_start); /* Good kept running on its alarm meanwhile */
    TerminateTask();
}

/* Spins until the hardware counter moved `ticks` ticks (CPU time hosted, instructions on QEMU). */
static void spin_ticks(TickType ticks)
{
    TickType start, now, elapsed;
    CHECK_S(GetCounterValue(SysTick, &start), E_OK);
    do {
        now = start;
        (void)GetElapsedValue(SysTick, &now, &elapsed);
    } while (elapsed < ticks);
}

/* 40 jobs' worth of spinning (at least 40 ms in all: more than its budget of 20), each part
 * ended by a wait, which starts the measured time over: it is never stopped. */
TASK(Waiter)
{
    TRACE("wait");
    for (int round = 0; round < 40; round++) {
        spin_ticks(2);
        CHECK_S(SetRelAlarm(WakeAlarm, 1, 0), E_OK);
        CHECK_S(WaitEvent(Go), E_OK);
        CHECK_S(ClearEvent(Go), E_OK);
    }
    TRACE("waited");
    TerminateTask();
}

ISR(Slow)
{
    for (volatile unsigned long i = 0; i < isr_spins; i++) {
    }
    isr_done = 1;
}

TASK(Main)
{
    TaskStateType st;
    CHECK_S(SetRelAlarm(GoodAlarm, 1, 1), E_OK);

    /* a task spinning past its budget is stopped and ended; the task queued behind it runs */
    CHECK_S(ActivateTask(Spinner), E_OK);
    CHECK_TRACE("spin after");
    CHECK_U(hook_calls, 1);
    CHECK_U(hook_error, E_OS_PROTECTION_TIME);
    CHECK(!spinner_left_its_loop);
    CHECK_S(GetTaskState(Spinner, &st), E_OK);
    CHECK_U(st, SUSPENDED);
    CHECK_S(GetResource(R), E_OK); /* the ended task's resource was released */
    CHECK_S(ReleaseResource(R), E_OK);

    /* it runs again (its thread started over) and is stopped again */
    CHECK_S(ActivateTask(Spinner), E_OK);
    CHECK_TRACE("spin after");
    CHECK_U(hook_calls, 2);
    CHECK(!spinner_left_its_loop);

    /* a well-behaved task with a budget is never stopped; a wait starts its time over */
    unsigned good_before = good_runs;
    CHECK_S(ActivateTask(Waiter), E_OK);
    CHECK_TRACE("wait");
    while (GetTaskState(Waiter, &st) == E_OK && st != SUSPENDED) {
    }
    CHECK_TRACE("waited");
    CHECK_U(hook_calls, 2);
    CHECK(good_runs > good_before);
    CHECK_S(CancelAlarm(GoodAlarm), E_OK);

    /* a category-2 ISR: within its budget nothing happens, past it ProtectionHook is told
     * when the ISR returns */
    isr_spins = 0;
    CHECK_S(raise_isr(Slow), E_OK);
    CHECK(isr_done);
    CHECK_U(hook_calls, 2);
    isr_done = 0;
    isr_spins = 5000000ul;
    CHECK_S(raise_isr(Slow), E_OK);
    CHECK(isr_done);
    CHECK_U(hook_calls, 3);
    CHECK_U(hook_error, E_OS_PROTECTION_TIME);

    /* PRO_SHUTDOWN: the OS ends with ShutdownHook(E_OS_PROTECTION_TIME) (shutdown_checks) */
    hook_answer = PRO_SHUTDOWN;
    CHECK_S(ActivateTask(Spinner), E_OK);
    TRACE("not reached");
    TerminateTask();
}

static void shutdown_checks(void)
{
    CHECK_U(hook_calls, 4);
    CHECK(!spinner_left_its_loop);
    CHECK_TRACE("spin"); /* After never ran, Main never came back */
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
