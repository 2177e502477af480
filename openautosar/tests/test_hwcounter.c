/* test_hwcounter: a hardware counter's alarm preempts a spinning lower-priority task in the
 * middle of its loop (no service call needed), fires while every task waits, and is held off
 * while interrupts are suspended. */
#include "osek_check.h"

static volatile int hi_runs;
static volatile int spin_seen_change;

TASK(Hi)
{
    hi_runs++;
    TRACE("Hi");
    TerminateTask();
}

TASK(Sleeper)
{
    TickType before, after, elapsed;
    CHECK_S(GetCounterValue(SysTick, &before), E_OK);
    CHECK_S(SetRelAlarm(WakeAlarm, 20, 0), E_OK);
    TRACE("sleep");
    CHECK_S(WaitEvent(Wake), E_OK); /* everything waits: only the timer can wake it */
    CHECK_S(GetCounterValue(SysTick, &after), E_OK);
    elapsed = before;
    CHECK_S(GetElapsedValue(SysTick, &elapsed, &after), E_OK);
    CHECK(after >= 20);
    TRACE("woke");
    CHECK_TRACE("sleep woke");
    TEST_END();
}

TASK(Spinner)
{
    CHECK_S(IncrementCounter(SysTick), E_OS_ID); /* hardware: ticked by its timer only */
    CHECK_U(OSMAXALLOWEDVALUE, 65535);             /* the system counter's constants */
    CHECK_U(OSTICKDURATION, 1000000);

    /* preemption in the middle of a loop that calls no service */
    CHECK_S(SetRelAlarm(HiAlarm, 2, 2), E_OK);
    int last = hi_runs;
    unsigned long spins = 0;
    while (hi_runs < 3) {
        if (hi_runs != last) {
            last = hi_runs;
            spin_seen_change++;
        }
        spins++;
    }
    CHECK_S(CancelAlarm(HiAlarm), E_OK);
    CHECK_TRACE("Hi Hi Hi");
    CHECK(spin_seen_change >= 2);

    /* suspended interrupts hold the ticks; resuming delivers them and Hi runs at once */
    CHECK_S(SetRelAlarm(HiAlarm, 1, 0), E_OK);
    SuspendOSInterrupts();
    TickType v0, v1;
    CHECK_S(GetCounterValue(SysTick, &v0), E_OS_DISABLEDINT);
    int runs = hi_runs;
    for (volatile unsigned long i = 0; i < 50000000ul && hi_runs == runs; i++) {
    }
    CHECK(hi_runs == runs);
    TRACE("resume");
    ResumeOSInterrupts();
    CHECK_TRACE("resume Hi");
    CHECK_S(GetCounterValue(SysTick, &v1), E_OK);
    (void)v0;
    (void)spins;

    CHECK_S(ActivateTask(Sleeper), E_OK);
    TerminateTask();
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
