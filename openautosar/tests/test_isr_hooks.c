/* test_isr_hooks: an ISR's activation runs after the ISR ends, never inside it; raised lines
 * wait while interrupts are disabled or suspended (nesting counted) and while a higher ISR runs;
 * hooks run in their order with the right task, ErrorHook gets the service and parameters. */
#include "osek_check.h"

static int hook_trace = 1;
static int errors_seen, error_depth, error_depth_max;
static OSServiceIdType last_service;
static uint32_t last_param;
static StatusType last_error;
static int isr_mode;

static void trace_task(const char *what)
{
    TaskType id = INVALID_TASK;
    char s[32];
    (void)GetTaskID(&id);
    snprintf(s, sizeof s, "%s:%s", what, id == Main ? "Main" : id == T5 ? "T5" : id == Other ? "Other" : "?");
    TRACE(s);
}

void StartupHook(void)
{
    TRACE("startup");
    CHECK_U(GetActiveApplicationMode(), Mode2);
    CHECK_S(ActivateTask(T5), E_OS_CALLEVEL); /* not from StartupHook */
}

void PreTaskHook(void)
{
    if (hook_trace)
        trace_task("pre");
    TaskStateType st;
    TaskType id;
    CHECK_S(GetTaskID(&id), E_OK);
    CHECK_S(GetTaskState(id, &st), E_OK);
    CHECK_U(st, RUNNING);
}

void PostTaskHook(void)
{
    if (hook_trace)
        trace_task("post");
    ShutdownOS(E_OS_STATE); /* not from PostTaskHook: ignored */
    CHECK_S(Schedule(), E_OS_CALLEVEL);
}

void ErrorHook(StatusType Error)
{
    errors_seen++;
    error_depth++;
    if (error_depth > error_depth_max)
        error_depth_max = error_depth;
    last_error = Error;
    last_service = OSErrorGetServiceId();
    last_param = OSErrorGetServiceId() == OSServiceId_RaiseIsr ? OSError_RaiseIsr_Line() : Os_ErrorParam[0];
    (void)ActivateTask(99); /* fails again: ErrorHook is not called from inside itself */
    error_depth--;
}

ISR(IsrLow)
{
    TRACE("L<");
    CHECK_U(GetISRID(), IsrLow);
    CHECK_S(ActivateTask(T5), E_OK);
    if (isr_mode == 1)
        CHECK_S(raise_isr(IsrHigh), E_OK); /* higher: nests at once */
    if (isr_mode == 3) {
        CHECK_S(TerminateTask(), E_OS_CALLEVEL);
        CHECK_S(ChainTask(T5), E_OS_CALLEVEL);
        CHECK_S(Schedule(), E_OS_CALLEVEL);
        CHECK_S(WaitEvent(1), E_OS_CALLEVEL);
        CHECK_S(ClearEvent(1), E_OS_CALLEVEL);
        CHECK_S(GetResource(RES_SCHEDULER), E_OS_ACCESS);
        DisableAllInterrupts(); /* left disabled: the OS enables them at the ISR's end */
    }
    TRACE(">L");
}

ISR(IsrHigh)
{
    TRACE("H<");
    CHECK_U(GetISRID(), IsrHigh);
    if (isr_mode == 2)
        CHECK_S(raise_isr(IsrLow), E_OK); /* lower: waits for this ISR's end */
    TRACE(">H");
}

ISR(IsrC1)
{
    TRACE("C1");
    CHECK_U(GetISRID(), INVALID_ISR);
    CHECK_S(ActivateTask(T5), E_OS_CALLEVEL); /* category 1: no OS services */
}

TASK(T5) { TRACE("T5"); TerminateTask(); }
TASK(Other) { TRACE("Other"); TerminateTask(); }

TASK(Main)
{
    TaskStateType st;
    CHECK_TRACE("startup pre:Main");
    CHECK_U(GetActiveApplicationMode(), Mode2);
    CHECK_S(GetTaskState(Other, &st), E_OK);
    CHECK_U(st, SUSPENDED); /* autostarts only in OSDEFAULTAPPMODE */

    /* hooks around a preemption */
    CHECK_S(ActivateTask(T5), E_OK);
    CHECK_TRACE("post:Main pre:T5 T5 post:T5 pre:Main");
    hook_trace = 0;

    /* an ISR's activation runs when the ISR ends */
    CHECK_S(raise_isr(IsrLow), E_OK);
    TRACE("main");
    CHECK_TRACE("L< >L T5 main");

    /* nesting: a higher ISR preempts a lower one; a lower one waits */
    isr_mode = 1;
    CHECK_S(raise_isr(IsrLow), E_OK);
    CHECK_TRACE("L< H< >H >L T5");
    isr_mode = 2;
    CHECK_S(raise_isr(IsrHigh), E_OK);
    CHECK_TRACE("H< >H L< >L T5");
    isr_mode = 0;

    /* disabled: pending until enabled; services answer E_OS_DISABLEDINT */
    DisableAllInterrupts();
    CHECK_S(raise_isr(IsrLow), E_OK);
    CHECK_S(raise_isr(IsrC1), E_OK);
    TRACE("off");
    CHECK_S(ActivateTask(T5), E_OS_DISABLEDINT);
    CHECK_U(last_error, E_OS_DISABLEDINT);
    EnableAllInterrupts();
    CHECK_TRACE("off C1 L< >L T5");
    EnableAllInterrupts(); /* not disabled: nothing happens */

    /* suspension nests */
    SuspendAllInterrupts();
    SuspendAllInterrupts();
    CHECK_S(raise_isr(IsrLow), E_OK);
    ResumeAllInterrupts();
    TRACE("one");
    ResumeAllInterrupts();
    CHECK_TRACE("one L< >L T5");
    ResumeAllInterrupts(); /* unbalanced: ignored */

    /* SuspendOSInterrupts holds category 2 only */
    SuspendOSInterrupts();
    SuspendOSInterrupts();
    CHECK_S(raise_isr(IsrC1), E_OK);
    CHECK_S(raise_isr(IsrLow), E_OK);
    ResumeOSInterrupts();
    TRACE("os");
    ResumeOSInterrupts();
    CHECK_TRACE("C1 os L< >L T5");
    ResumeOSInterrupts(); /* unbalanced: ignored */
    CHECK_S(ActivateTask(T5), E_OK);
    CHECK_TRACE("T5");

    /* wrong call level inside an ISR; interrupts left disabled are enabled at its end */
    isr_mode = 3;
    CHECK_S(raise_isr(IsrLow), E_OK);
    isr_mode = 0;
    CHECK_TRACE("L< >L T5");
    CHECK_S(ActivateTask(T5), E_OK);
    CHECK_TRACE("T5");

    /* ErrorHook: service, parameter, no recursion */
    errors_seen = 0;
    CHECK_S(raise_isr(99), E_OS_ID);
    CHECK_U(last_service, OSServiceId_RaiseIsr);
    CHECK_U(last_param, 99);
    CHECK_U(errors_seen, 1);
    CHECK_U(error_depth_max, 1);
    CHECK_U(GetISRID(), INVALID_ISR);
    TEST_END();
}

int main(void)
{
    StartOS(Mode2);
    return 1;
}
