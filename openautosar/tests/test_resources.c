/* test_resources: ceilings hold off exactly the tasks at or below them, E_OS_ACCESS above the
 * ceiling, E_OS_RESOURCE on TerminateTask / Schedule / WaitEvent with a resource held,
 * E_OS_NOFUNC on a release not held or out of order, internal resources. */
#include "osek_check.h"

static StatusType last_error;
static OSServiceIdType last_service;
static ResourceType last_res;

void ErrorHook(StatusType Error)
{
    last_error = Error;
    last_service = OSErrorGetServiceId();
    if (last_service == OSServiceId_GetResource)
        last_res = OSError_GetResource_ResID();
    if (last_service == OSServiceId_ReleaseResource)
        last_res = OSError_ReleaseResource_ResID();
}

TASK(Mid) { TRACE("Mid"); TerminateTask(); }
TASK(High) { TRACE("High"); TerminateTask(); }

TASK(Top)
{
    TRACE("Top");
    CHECK_S(GetResource(R), E_OS_ACCESS); /* its priority 4 is above R's ceiling 3 */
    CHECK_U(last_service, OSServiceId_GetResource);
    CHECK_U(last_res, R);
    CHECK_S(ReleaseResource(R), E_OS_ACCESS);
    TerminateTask();
}

TASK(Holder)
{
    TRACE("Holder");
    CHECK_S(GetResource(S), E_OK);
    CHECK_S(TerminateTask(), E_OS_RESOURCE); /* goes on */
    CHECK_S(ChainTask(Mid), E_OS_RESOURCE);
    CHECK_S(Schedule(), E_OS_RESOURCE);
    CHECK_S(ReleaseResource(S), E_OK);
    TRACE("Holder-end");
    TerminateTask();
}

TASK(IntB) { TRACE("IntB"); TerminateTask(); }

TASK(IntA)
{
    TRACE("IntA1");
    CHECK_S(ActivateTask(IntB), E_OK); /* same internal resource (ceiling 3): no preemption */
    TRACE("IntA2");
    CHECK_S(ActivateTask(Mid), E_OK);
    TRACE("IntA3");
    CHECK_S(Schedule(), E_OK); /* IntB runs; then IntA, preempted, is first of priority 2 */
    TRACE("IntA4");
    CHECK_S(ActivateTask(Top), E_OK); /* above the internal ceiling: preempts */
    TRACE("IntA5");
    TerminateTask();
}

TASK(Waiter)
{
    CHECK_S(GetResource(S), E_OK);
    CHECK_S(WaitEvent(Ev), E_OS_RESOURCE);
    CHECK_S(ReleaseResource(S), E_OK);
    TRACE("Waiter");
    TerminateTask();
}

TASK(Low)
{
    /* R's ceiling 3 holds off Mid (2) and High (3), not Top (4) */
    CHECK_S(GetResource(R), E_OK);
    TRACE("got");
    CHECK_S(ActivateTask(Mid), E_OK);
    CHECK_S(ActivateTask(High), E_OK);
    TRACE("act");
    CHECK_S(ActivateTask(Top), E_OK);
    TRACE("rel");
    CHECK_S(ReleaseResource(R), E_OK);
    TRACE("end");
    CHECK_TRACE("got act Top rel High Mid end");

    /* nesting: LIFO order, E_OS_NOFUNC otherwise */
    CHECK_S(GetResource(R), E_OK);
    CHECK_S(GetResource(S), E_OK);
    CHECK_S(ReleaseResource(R), E_OS_NOFUNC); /* S must go first */
    CHECK_U(last_service, OSServiceId_ReleaseResource);
    CHECK_U(last_res, R);
    CHECK_S(GetResource(S), E_OS_ACCESS);     /* already held */
    CHECK_S(ReleaseResource(S), E_OK);
    CHECK_S(ReleaseResource(R), E_OK);
    CHECK_S(ReleaseResource(R), E_OS_NOFUNC); /* not held */
    CHECK_S(GetResource(99), E_OS_ID);
    CHECK_S(ReleaseResource(99), E_OS_ID);

    /* held resources block TerminateTask, ChainTask and Schedule */
    CHECK_S(ActivateTask(Holder), E_OK);
    CHECK_TRACE("Holder Holder-end");

    /* an internal resource: its group does not preempt each other, Schedule lets them */
    CHECK_S(ActivateTask(IntA), E_OK);
    CHECK_TRACE("IntA1 IntA2 IntA3 IntB IntA4 Top IntA5 Mid");

    /* WaitEvent with a resource held */
    CHECK_S(ActivateTask(Waiter), E_OK);
    CHECK_TRACE("Waiter");

    /* RES_SCHEDULER: no task preempts its holder */
    CHECK_S(GetResource(RES_SCHEDULER), E_OK);
    CHECK_S(ActivateTask(Top), E_OK);
    TRACE("sched");
    CHECK_S(ReleaseResource(RES_SCHEDULER), E_OK);
    CHECK_TRACE("sched Top");
    TEST_END();
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
