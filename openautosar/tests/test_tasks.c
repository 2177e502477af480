/* test_tasks: the order tasks run in (activation, preemption, FIFO, non-preemptive, ChainTask)
 * and the task services' errors in EXTENDED status. */
#include "osek_check.h"

static StatusType last_error;
static OSServiceIdType last_service;
static uint32_t last_param;

void ErrorHook(StatusType Error)
{
    last_error = Error;
    last_service = OSErrorGetServiceId();
    last_param = Os_ErrorParam[0];
    if (last_service == OSServiceId_ActivateTask)
        last_param = OSError_ActivateTask_TaskID();
    else if (last_service == OSServiceId_ChainTask)
        last_param = OSError_ChainTask_TaskID();
}

static int self_chains;

TASK(Hi)
{
    TaskType id = INVALID_TASK;
    CHECK_S(GetTaskID(&id), E_OK);
    CHECK_U(id, Hi);
    TRACE("Hi");
    TerminateTask();
}

TASK(Mid)
{
    TRACE("Mid");
    TerminateTask();
}

TASK(Mid2)
{
    TRACE("Mid2");
    TerminateTask();
}

TASK(NonP)
{
    TRACE("NonP1");
    CHECK_S(ActivateTask(Hi), E_OK); /* higher, but NonP is not preemptable */
    TaskStateType st;
    CHECK_S(GetTaskState(Hi, &st), E_OK);
    CHECK_U(st, READY);
    TRACE("NonP2");
    CHECK_S(Schedule(), E_OK); /* Hi runs here */
    TRACE("NonP3");
    TerminateTask();
}

TASK(Chain1)
{
    TRACE("Chain1");
    CHECK_S(ChainTask(99), E_OS_ID);
    CHECK_U(last_service, OSServiceId_ChainTask);
    CHECK_U(last_param, 99);
    CHECK_S(ActivateTask(Mid2), E_OK); /* lower: stays READY, at its limit of 1 */
    CHECK_S(ChainTask(Mid2), E_OS_LIMIT); /* the caller goes on */
    CHECK_U(last_param, Mid2);
    ChainTask(Chain2);
    TRACE("never");
}

TASK(Chain2)
{
    TRACE("Chain2");
    TerminateTask();
}

TASK(SelfChain)
{
    self_chains++;
    TRACE("Self");
    if (self_chains < 3)
        ChainTask(SelfChain);
    TerminateTask();
}

static int noend_runs;

TASK(NoEnd)
{
    TRACE("NoEnd"); /* returns: E_OS_MISSINGEND, then ends as TerminateTask */
    if (++noend_runs == 2) {
        SuspendAllInterrupts(); /* left suspended: the OS resumes them at the end */
        CHECK_S(TerminateTask(), E_OS_DISABLEDINT);
    }
}

TASK(Main)
{
    TaskStateType st;
    TaskType id;

    /* preemption by a higher-priority activation */
    TRACE("Main1");
    CHECK_S(ActivateTask(Hi), E_OK);
    TRACE("Main2");
    CHECK_TRACE("Main1 Hi Main2");
    CHECK_S(GetTaskID(&id), E_OK);
    CHECK_U(id, Main);
    CHECK_S(GetTaskState(Main, &st), E_OK);
    CHECK_U(st, RUNNING);
    CHECK_S(GetTaskState(Hi, &st), E_OK);
    CHECK_U(st, SUSPENDED);

    /* multiple activation, queued in FIFO order per activation, E_OS_LIMIT beyond ACTIVATION */
    CHECK_S(GetResource(RES_SCHEDULER), E_OK);
    CHECK_S(ActivateTask(Mid), E_OK);
    CHECK_S(ActivateTask(Mid2), E_OK);
    CHECK_S(ActivateTask(Mid), E_OK);
    CHECK_S(ActivateTask(Mid), E_OK);
    CHECK_S(ActivateTask(Mid), E_OS_LIMIT);
    CHECK_U(last_error, E_OS_LIMIT);
    CHECK_U(last_service, OSServiceId_ActivateTask);
    CHECK_U(last_param, Mid);
    CHECK_S(ActivateTask(Mid2), E_OS_LIMIT);
    CHECK_S(ActivateTask(Hi), E_OK);
    CHECK_S(GetTaskState(Mid, &st), E_OK);
    CHECK_U(st, READY);
    TRACE("held");
    CHECK_S(ReleaseResource(RES_SCHEDULER), E_OK);
    CHECK_TRACE("held Hi Mid Mid2 Mid Mid");

    /* a non-preemptive task: runs to Schedule before a higher one */
    CHECK_S(ActivateTask(NonP), E_OK);
    CHECK_TRACE("NonP1 NonP2 Hi NonP3");

    /* ChainTask: the chained task runs after the chaining one ended */
    CHECK_S(ActivateTask(Chain1), E_OK);
    CHECK_TRACE("Chain1 Chain2 Mid2");
    CHECK_S(ActivateTask(SelfChain), E_OK);
    CHECK_TRACE("Self Self Self");

    /* a body that returns */
    last_error = E_OK;
    CHECK_S(ActivateTask(NoEnd), E_OK);
    CHECK_TRACE("NoEnd");
    CHECK_U(last_error, E_OS_MISSINGEND);
    CHECK_S(GetTaskState(NoEnd, &st), E_OK);
    CHECK_U(st, SUSPENDED);
    CHECK_S(ActivateTask(NoEnd), E_OK);
    CHECK_TRACE("NoEnd");
    CHECK_S(ActivateTask(Hi), E_OK); /* interrupts are on again */
    CHECK_TRACE("Hi");

    /* bad input, each a defined code */
    CHECK_S(ActivateTask(99), E_OS_ID);
    CHECK_U(last_param, 99);
    CHECK_S(ActivateTask(INVALID_TASK), E_OS_ID);
    CHECK_S(GetTaskState(99, &st), E_OS_ID);
    CHECK_S(GetTaskState(Hi, NULL), E_OS_PARAM_POINTER);
    CHECK_S(GetTaskID(NULL), E_OS_PARAM_POINTER);
    CHECK_S(ChainTask(INVALID_TASK), E_OS_ID);
    /* ChainTask to a task at its activation limit: E_OS_LIMIT, the caller goes on */
    CHECK_S(GetResource(RES_SCHEDULER), E_OK);
    CHECK_S(ActivateTask(Mid2), E_OK);
    CHECK_S(ReleaseResource(RES_SCHEDULER), E_OK);
    CHECK_TRACE("Mid2");
    CHECK_S(Schedule(), E_OK); /* nothing higher: goes on */
    CHECK_S(GetActiveApplicationMode(), OSDEFAULTAPPMODE);
    TEST_END();
}

int main(void)
{
    TaskType id;
    /* before StartOS: no task level yet */
    CHECK_S(ActivateTask(Hi), E_OS_CALLEVEL);
    CHECK_S(GetTaskID(&id), E_OS_CALLEVEL);
    CHECK_S(TerminateTask(), E_OS_CALLEVEL);
    CHECK_S(raise_isr(0), E_OS_CALLEVEL);
    StartOS(OSDEFAULTAPPMODE);
    return 1; /* not reached */
}
