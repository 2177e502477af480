/* test_protection (the MPU boards: Cortex-M3 and Cortex-R52): OS-Applications' data regions
 * under the MPU. A task of AppA writes its own region, then AppB's: the write faults (a
 * MemManage fault on the M3, a data abort on the R52), ProtectionHook gets
 * E_OS_PROTECTION_MEMORY and returns PRO_TERMINATETASKISR, the task ends there (its next line
 * never runs) and AppB's data is unchanged; the task can be activated again. Then the hook
 * answers PRO_SHUTDOWN: the OS ends with ShutdownHook(E_OS_PROTECTION_MEMORY). */
#include <stdint.h>

#define OSEK_CHECK_SHUTDOWN_ERROR E_OS_PROTECTION_MEMORY
#define OSEK_CHECK_SHUTDOWN_EXTRA shutdown_checks
static void shutdown_checks(void);
#include "osek_check.h"

struct b_data {
    volatile uint32_t value;
};

static volatile int hook_runs;
static volatile ProtectionReturnType hook_answer = PRO_TERMINATETASKISR;

ProtectionReturnType ProtectionHook(StatusType FatalError)
{
    CHECK_U(FatalError, E_OS_PROTECTION_MEMORY);
    CHECK_U(GetApplicationID(), AppA); /* the offending task's */
    hook_runs++;
    TRACE("hook");
    return hook_answer;
}

TASK(Owner)
{
    struct b_data *b = OS_APP_DATA(AppB);
    b->value = 42;
    CHECK_U(GetApplicationID(), AppB);
    TRACE("Owner");
    TerminateTask();
}

TASK(Writer)
{
    volatile uint32_t *own = OS_APP_DATA(AppA);
    own[0] += 7;
    TRACE("own");
    struct b_data *b = OS_APP_DATA(AppB);
    b->value = 666; /* another application's memory: the MPU stops it */
    TRACE("not-reached");
    TerminateTask();
}

TASK(Driver)
{
    struct b_data *b = OS_APP_DATA(AppB);
    volatile uint32_t *a = OS_APP_DATA(AppA);
    CHECK_U(GetApplicationID(), Sys);
    CHECK_S(ActivateTask(Owner), E_OK);
    CHECK_TRACE("Owner");
    CHECK_U(b->value, 42); /* trusted: the driver reads every region */

    CHECK_S(ActivateTask(Writer), E_OK);
    CHECK_TRACE("own hook");
    CHECK_U(hook_runs, 1);
    CHECK_U(b->value, 42);
    CHECK_U(a[0], 7);
    TaskStateType state;
    CHECK_S(GetTaskState(Writer, &state), E_OK);
    CHECK_U(state, SUSPENDED);

    /* ended, not broken: it runs again, and is stopped again */
    CHECK_S(ActivateTask(Writer), E_OK);
    CHECK_TRACE("own hook");
    CHECK_U(hook_runs, 2);
    CHECK_U(a[0], 14);
    CHECK_U(b->value, 42);

    /* PRO_SHUTDOWN: the OS ends at the fault (shutdown_checks); the driver never comes back */
    hook_answer = PRO_SHUTDOWN;
    CHECK_S(ActivateTask(Writer), E_OK);
    TRACE("not-reached");
    TEST_END();
}

/* ShutdownHook runs with the offending task's view (hooks belong to no application): AppB's
 * region is out of its reach on the M3, so it is not read here. */
static void shutdown_checks(void)
{
    CHECK_TRACE("own hook");
    CHECK_U(hook_runs, 3);
    CHECK_U(((volatile uint32_t *)OS_APP_DATA(AppA))[0], 21);
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 2;
}
