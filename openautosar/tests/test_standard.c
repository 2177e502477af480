/* test_standard: STANDARD status answers with the standard codes only where the spec has
 * them; the EXTENDED checks (priority above the ceiling, resources held at TerminateTask or
 * Schedule, MINCYCLE) are not made, and the OS stays consistent. */
#include "osek_check.h"

static int holder_runs;

TASK(Top)
{
    /* above R's ceiling (2): EXTENDED would answer E_OS_ACCESS */
    CHECK_S(GetResource(R), E_OK);
    CHECK_S(ReleaseResource(R), E_OK);
    TRACE("Top");
    TerminateTask();
}

TASK(Holder)
{
    holder_runs++;
    CHECK_S(GetResource(R), E_OK);
    CHECK_S(Schedule(), E_OK); /* EXTENDED: E_OS_RESOURCE */
    TRACE("Holder");
    TerminateTask(); /* EXTENDED: E_OS_RESOURCE; STANDARD ends the task and frees R */
    TRACE("never");
}

TASK(Twice) { TRACE("Twice"); TerminateTask(); }

TASK(Main)
{
    TickType left;
    CHECK_S(ActivateTask(Top), E_OK);
    CHECK_TRACE("Top");

    CHECK_S(ActivateTask(Holder), E_OK);
    CHECK_TRACE("Holder");
    CHECK_S(ActivateTask(Holder), E_OK); /* R was freed: it gets it again */
    CHECK_TRACE("Holder");
    CHECK_U(holder_runs, 2);
    CHECK_S(GetResource(R), E_OK);
    CHECK_S(ReleaseResource(R), E_OK);

    /* standard codes */
    CHECK_S(GetResource(RES_SCHEDULER), E_OK);
    CHECK_S(ActivateTask(Twice), E_OK);
    CHECK_S(ActivateTask(Twice), E_OK);
    CHECK_S(ActivateTask(Twice), E_OS_LIMIT);
    CHECK_S(ReleaseResource(RES_SCHEDULER), E_OK);
    CHECK_TRACE("Twice Twice");
    CHECK_S(GetAlarm(Al, &left), E_OS_NOFUNC);
    CHECK_S(CancelAlarm(Al), E_OS_NOFUNC);
    CHECK_S(SetRelAlarm(Al, 2, 1), E_OK); /* cycle below MINCYCLE: checked in EXTENDED only */
    CHECK_S(SetRelAlarm(Al, 2, 1), E_OS_STATE);
    CHECK_S(IncrementCounter(C), E_OK);
    CHECK_S(IncrementCounter(C), E_OK);
    CHECK_S(IncrementCounter(C), E_OK);
    CHECK_TRACE("Twice Twice");
    CHECK_S(CancelAlarm(Al), E_OK);

    /* out-of-range identifiers and NULL still get a defined answer */
    CHECK_S(ActivateTask(99), E_OS_ID);
    CHECK_S(GetResource(99), E_OS_ID);
    CHECK_S(ReleaseResource(R), E_OS_NOFUNC);
    CHECK_S(SetRelAlarm(99, 1, 0), E_OS_ID);
    CHECK_S(GetTaskID(NULL), E_OS_PARAM_POINTER);
    TEST_END();
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
