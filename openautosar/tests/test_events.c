/* test_events: a waiting task runs when its event is set, in the order of the settings; events
 * set before the wait do not block; basic tasks get E_OS_ACCESS; suspended ones E_OS_STATE. */
#include "osek_check.h"

static StatusType last_error;
static OSServiceIdType last_service;
static uint32_t last_p0, last_p1;

void ErrorHook(StatusType Error)
{
    last_error = Error;
    last_service = OSErrorGetServiceId();
    if (last_service == OSServiceId_SetEvent) {
        last_p0 = OSError_SetEvent_TaskID();
        last_p1 = OSError_SetEvent_Mask();
    }
}

TASK(ExtA)
{
    EventMaskType ev;
    TRACE("A-wait");
    CHECK_S(WaitEvent(E1 | E2), E_OK);
    CHECK_S(GetEvent(ExtA, &ev), E_OK);
    CHECK_U(ev, E1);
    CHECK_S(ClearEvent(E1), E_OK);
    TRACE("A-woke");
    CHECK_S(WaitEvent(E2), E_OK);
    TRACE("A-woke2");
    CHECK_S(GetEvent(ExtA, &ev), E_OK);
    CHECK_U(ev, E2);
    /* already set: no wait */
    CHECK_S(WaitEvent(E2), E_OK);
    TRACE("A-nowait");
    TerminateTask();
}

TASK(ExtB)
{
    TRACE("B-wait");
    CHECK_S(WaitEvent(E1), E_OK);
    TRACE("B-woke");
    TerminateTask();
}

TASK(ExtLow)
{
    TRACE("L-wait");
    CHECK_S(WaitEvent(E2), E_OK);
    TRACE("L-woke");
    TerminateTask();
}

TASK(Basic)
{
    EventMaskType ev;
    CHECK_S(WaitEvent(E1), E_OS_ACCESS);
    CHECK_S(ClearEvent(E1), E_OS_ACCESS);
    CHECK_S(GetEvent(Basic, &ev), E_OS_ACCESS);
    TRACE("Basic");
    TerminateTask();
}

TASK(Main)
{
    TaskStateType st;
    EventMaskType ev;

    CHECK_S(ActivateTask(ExtA), E_OK);
    CHECK_S(ActivateTask(ExtB), E_OK);
    CHECK_TRACE("A-wait B-wait");
    CHECK_S(GetTaskState(ExtA, &st), E_OK);
    CHECK_U(st, WAITING);
    CHECK_S(GetEvent(ExtA, &ev), E_OK);
    CHECK_U(ev, 0);

    /* released in the order the events are set (both priority 3) */
    CHECK_S(GetResource(RES_SCHEDULER), E_OK);
    CHECK_S(SetEvent(ExtB, E1), E_OK);
    CHECK_S(SetEvent(ExtA, E1), E_OK);
    CHECK_S(GetTaskState(ExtA, &st), E_OK);
    CHECK_U(st, READY);
    TRACE("set");
    CHECK_S(ReleaseResource(RES_SCHEDULER), E_OK);
    CHECK_TRACE("set B-woke A-woke");

    /* preemption by SetEvent from a lower-priority task */
    CHECK_S(SetEvent(ExtA, E2), E_OK);
    TRACE("Main");
    CHECK_TRACE("A-woke2 A-nowait Main");

    /* ExtLow (priority 1, like Main) runs once Main ends; it was activated before Main2 */
    CHECK_S(ActivateTask(ExtLow), E_OK);
    CHECK_S(Schedule(), E_OK); /* same priority: Schedule does not yield */
    TRACE("Main-end");
    ChainTask(Main2);
}

TASK(Main2)
{
    EventMaskType ev;
    CHECK_TRACE("Main-end L-wait");
    /* released at the same priority as the setter: no preemption */
    CHECK_S(SetEvent(ExtLow, E2), E_OK);
    TRACE("Main2");

    /* bad input */
    CHECK_S(SetEvent(Basic, E1), E_OS_ACCESS);
    CHECK_U(last_service, OSServiceId_SetEvent);
    CHECK_U(last_p0, Basic);
    CHECK_U(last_p1, E1);
    CHECK_S(SetEvent(ExtB, E1), E_OS_STATE); /* suspended */
    CHECK_S(SetEvent(99, E1), E_OS_ID);
    CHECK_S(GetEvent(99, &ev), E_OS_ID);
    CHECK_S(GetEvent(ExtB, &ev), E_OS_STATE);
    CHECK_S(GetEvent(ExtLow, NULL), E_OS_PARAM_POINTER);
    CHECK_S(ClearEvent(E1), E_OS_ACCESS); /* Main2 is a basic task */
    CHECK_S(WaitEvent(E1), E_OS_ACCESS);
    CHECK_S(ActivateTask(Basic), E_OK);
    CHECK_TRACE("Main2 Basic");
    ChainTask(Final); /* ExtLow, released before, runs first */
}

TASK(Final)
{
    CHECK_TRACE("L-woke");
    TEST_END();
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
