/* test_schedtables: a schedule table's expiry points activate tasks and set events on the exact
 * counter tick their offsets give; a repeating table starts over after its final delay, a
 * single-shot one stops; NextScheduleTable starts the next table at the end of the current one;
 * StopScheduleTable; every E_OS_* code of the five services (EXTENDED status). */
#include "osek_check.h"

static StatusType last_error;
static OSServiceIdType last_service;
static uint32_t last_p[2];
static int probe_in_hook;
static StatusType hook_probe = 0xFF;

void ErrorHook(StatusType Error)
{
    ScheduleTableStatusType st;
    last_error = Error;
    last_service = OSErrorGetServiceId();
    switch (last_service) {
    case OSServiceId_StartScheduleTableRel:
        last_p[0] = OSError_StartScheduleTableRel_ScheduleTableID();
        last_p[1] = OSError_StartScheduleTableRel_Offset();
        break;
    case OSServiceId_StartScheduleTableAbs:
        last_p[0] = OSError_StartScheduleTableAbs_ScheduleTableID();
        last_p[1] = OSError_StartScheduleTableAbs_Start();
        break;
    case OSServiceId_StopScheduleTable:
        last_p[0] = OSError_StopScheduleTable_ScheduleTableID();
        break;
    case OSServiceId_NextScheduleTable:
        last_p[0] = OSError_NextScheduleTable_ScheduleTableID_From();
        last_p[1] = OSError_NextScheduleTable_ScheduleTableID_To();
        break;
    case OSServiceId_GetScheduleTableStatus:
        last_p[0] = OSError_GetScheduleTableStatus_ScheduleTableID();
        break;
    default:
        break;
    }
    if (probe_in_hook) { /* schedule table services are for tasks and category-2 ISRs */
        probe_in_hook = 0;
        hook_probe = GetScheduleTableStatus(Tab, &st);
    }
}

TASK(A) { TRACE("A"); TerminateTask(); }
TASK(B) { TRACE("B"); TerminateTask(); }

TASK(Ext)
{
    for (;;) {
        (void)WaitEvent(Ev);
        (void)ClearEvent(Ev);
        TRACE("Ext");
    }
}

static void tick(CounterType c, const char *label, int n)
{
    for (int i = 0; i < n; i++) {
        char s[16];
        snprintf(s, sizeof s, "%s%d", label, i + 1);
        TRACE(s);
        CHECK_S(IncrementCounter(c), E_OK);
    }
}

static ScheduleTableStatusType status_of(ScheduleTableType t)
{
    ScheduleTableStatusType st = 0xFF;
    CHECK_S(GetScheduleTableStatus(t, &st), E_OK);
    return st;
}

TASK(Main)
{
    CHECK_TRACE(""); /* Ext waits already */

    /* autostart: RELATIVE 2 on E, its one point at offset 1, 2 ticks long */
    CHECK_U(status_of(Auto), SCHEDULETABLE_RUNNING);
    tick(E, "e", 3);
    CHECK_TRACE("e1 e2 e3 B");
    CHECK_U(status_of(Auto), SCHEDULETABLE_RUNNING); /* its final delay ends at the fourth tick */
    tick(E, "e", 1);
    CHECK_U(status_of(Auto), SCHEDULETABLE_STOPPED);
    CHECK_TRACE("e1");

    /* relative start, repeating: C = 0, so the table starts at 2 (A), B and Ev at 4, A at 7,
     * its end at 8 is the next round's start (A again), B and Ev at 10 */
    CHECK_U(status_of(Tab), SCHEDULETABLE_STOPPED);
    CHECK_S(StartScheduleTableRel(Tab, 2), E_OK);
    CHECK_U(status_of(Tab), SCHEDULETABLE_RUNNING);
    tick(C, "t", 10);
    CHECK_TRACE("t1 t2 A t3 t4 B Ext t5 t6 t7 A t8 A t9 t10 B Ext");
    CHECK_S(StartScheduleTableRel(Tab, 1), E_OS_STATE);
    CHECK_S(StartScheduleTableAbs(Tab, 1), E_OS_STATE);
    CHECK_S(StopScheduleTable(Tab), E_OK);
    CHECK_U(status_of(Tab), SCHEDULETABLE_STOPPED);
    tick(C, "t", 6);
    CHECK_TRACE("t1 t2 t3 t4 t5 t6"); /* stopped: nothing more */
    CHECK_S(StopScheduleTable(Tab), E_OS_NOFUNC);

    /* absolute start, single shot, then Next: C = 16; Once starts at 20 (B at 21, A at 23) and
     * ends at 24, where Tab starts (A at 24, B and Ev at 26) */
    CHECK_S(StartScheduleTableAbs(Once, 20), E_OK);
    CHECK_S(NextScheduleTable(Once, Tab), E_OK);
    CHECK_U(status_of(Tab), SCHEDULETABLE_NEXT);
    CHECK_S(StartScheduleTableRel(Tab, 1), E_OS_STATE); /* queued: not stopped */
    tick(C, "t", 12);
    CHECK_TRACE("t1 t2 t3 t4 t5 B t6 t7 A t8 A t9 t10 B Ext t11 t12");
    CHECK_U(status_of(Once), SCHEDULETABLE_STOPPED);
    CHECK_U(status_of(Tab), SCHEDULETABLE_RUNNING);

    /* Next: E_OS_NOFUNC from a stopped table, a second Next replaces the first (which goes
     * back to STOPPED), E_OS_STATE for a table not stopped, E_OS_NOFUNC from a queued one */
    CHECK_S(NextScheduleTable(Once, Short), E_OS_NOFUNC);
    CHECK_U(status_of(Short), SCHEDULETABLE_STOPPED);
    CHECK_S(NextScheduleTable(Tab, Once), E_OK);
    CHECK_U(status_of(Once), SCHEDULETABLE_NEXT);
    CHECK_S(NextScheduleTable(Tab, Short), E_OK);
    CHECK_U(status_of(Once), SCHEDULETABLE_STOPPED);
    CHECK_U(status_of(Short), SCHEDULETABLE_NEXT);
    CHECK_S(NextScheduleTable(Tab, Short), E_OS_STATE);
    CHECK_S(NextScheduleTable(Short, Once), E_OS_NOFUNC);
    CHECK_S(StartScheduleTableAbs(Short, 0), E_OS_STATE);
    /* C = 28: Tab's last point at 29 (A), its end at 30, where Short runs (B); it stops at 32 */
    tick(C, "t", 5);
    CHECK_TRACE("t1 A t2 B t3 t4 t5");
    CHECK_U(status_of(Tab), SCHEDULETABLE_STOPPED);
    CHECK_U(status_of(Short), SCHEDULETABLE_STOPPED);

    /* stopping a table stops the one queued behind it */
    CHECK_S(StartScheduleTableRel(Once, 1), E_OK);
    CHECK_S(NextScheduleTable(Once, Short), E_OK);
    CHECK_S(StopScheduleTable(Once), E_OK);
    CHECK_U(status_of(Short), SCHEDULETABLE_STOPPED);
    tick(C, "t", 6);
    CHECK_TRACE("t1 t2 t3 t4 t5 t6");
    /* stopping the queued one leaves the current running, and it then just ends (C = 39:
     * Once starts at 40, B at 41, A at 43, stops at 44) */
    CHECK_S(StartScheduleTableRel(Once, 1), E_OK);
    CHECK_S(NextScheduleTable(Once, Short), E_OK);
    CHECK_S(StopScheduleTable(Short), E_OK);
    CHECK_U(status_of(Once), SCHEDULETABLE_RUNNING);
    tick(C, "t", 6);
    CHECK_TRACE("t1 t2 B t3 t4 A t5 t6");
    CHECK_U(status_of(Once), SCHEDULETABLE_STOPPED);
    CHECK_U(status_of(Short), SCHEDULETABLE_STOPPED);

    /* implicit synchronisation: its points are at D = 0 (A) and D = 4 (B) */
    tick(D, "d", 3);
    CHECK_TRACE("d1 d2 d3");
    CHECK_S(StartScheduleTableRel(Imp, 1), E_OS_ID);
    CHECK_S(NextScheduleTable(Imp, OnD), E_OS_ID); /* different strategies */
    CHECK_S(StartScheduleTableAbs(Imp, 0), E_OK);
    CHECK_U(status_of(Imp), SCHEDULETABLE_RUNNING_AND_SYNCHRONOUS);
    tick(D, "d", 10);
    CHECK_TRACE("d1 d2 d3 d4 d5 A d6 d7 d8 d9 B d10");
    CHECK_S(StopScheduleTable(Imp), E_OK);

    /* the error codes and ErrorHook's parameters */
    ScheduleTableStatusType st;
    CHECK_S(StartScheduleTableRel(99, 5), E_OS_ID);
    CHECK_U(last_service, OSServiceId_StartScheduleTableRel);
    CHECK_U(last_p[0], 99);
    CHECK_U(last_p[1], 5);
    CHECK_S(StartScheduleTableRel(Tab, 0), E_OS_VALUE);
    CHECK_S(StartScheduleTableRel(Tab, 100), E_OS_VALUE);  /* beyond MAXALLOWEDVALUE */
    CHECK_S(StartScheduleTableRel(Once, 99), E_OS_VALUE);  /* beyond MAXALLOWEDVALUE - initial offset 1 */
    CHECK_S(StartScheduleTableAbs(Tab, 100), E_OS_VALUE);
    CHECK_U(last_service, OSServiceId_StartScheduleTableAbs);
    CHECK_U(last_p[1], 100);
    CHECK_S(StartScheduleTableAbs(99, 0), E_OS_ID);
    CHECK_S(StopScheduleTable(99), E_OS_ID);
    CHECK_U(last_service, OSServiceId_StopScheduleTable);
    CHECK_S(NextScheduleTable(99, Tab), E_OS_ID);
    CHECK_U(last_p[0], 99);
    CHECK_U(last_p[1], Tab);
    CHECK_S(NextScheduleTable(Tab, 99), E_OS_ID);
    CHECK_S(StartScheduleTableRel(Tab, 1), E_OK);
    CHECK_S(NextScheduleTable(Tab, OnD), E_OS_ID); /* driven by another counter */
    CHECK_S(StopScheduleTable(Tab), E_OK);
    CHECK_S(GetScheduleTableStatus(99, &st), E_OS_ID);
    CHECK_U(last_service, OSServiceId_GetScheduleTableStatus);
    CHECK_S(GetScheduleTableStatus(Tab, NULL), E_OS_PARAM_POINTER);
    SuspendAllInterrupts();
    CHECK_S(StartScheduleTableRel(Tab, 1), E_OS_DISABLEDINT);
    ResumeAllInterrupts();
    probe_in_hook = 1;
    CHECK_S(StopScheduleTable(Tab), E_OS_NOFUNC);
    CHECK_U(hook_probe, E_OS_CALLEVEL);
    CHECK_TRACE("");

    TEST_END();
}

int main(void)
{
    /* before StartOS: the call level is wrong */
    ScheduleTableStatusType st;
    CHECK_S(GetScheduleTableStatus(Tab, &st), E_OS_CALLEVEL);
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
