/* test_alarms: alarms expire on the counter tick they were set for, in the order of their
 * actions; cyclic ones again every cycle; GetAlarm counts down; the E_OS_* answers. */
#include "osek_check.h"

static StatusType last_error;
static OSServiceIdType last_service;
static uint32_t last_p[3];

void ErrorHook(StatusType Error)
{
    last_error = Error;
    last_service = OSErrorGetServiceId();
    if (last_service == OSServiceId_SetRelAlarm) {
        last_p[0] = OSError_SetRelAlarm_AlarmID();
        last_p[1] = OSError_SetRelAlarm_increment();
        last_p[2] = OSError_SetRelAlarm_cycle();
    }
}

ALARMCALLBACK(on_alarm)
{
    TRACE("cb");
    /* in an alarm callback, task services are not allowed; ShutdownOS is ignored */
    CHECK_S(ActivateTask(Act), E_OS_CALLEVEL);
    CHECK_S(SetRelAlarm(AlAct, 1, 0), E_OS_CALLEVEL);
    ShutdownOS(E_OS_STATE);
    SuspendOSInterrupts(); /* allowed, and balanced */
    ResumeOSInterrupts();
}

TASK(Act) { TRACE("Act"); TerminateTask(); }
TASK(Slow) { TRACE("Slow"); TerminateTask(); }

TASK(Ext)
{
    for (;;) {
        CHECK_S(WaitEvent(Tick), E_OK);
        CHECK_S(ClearEvent(Tick), E_OK);
        TRACE("Ext");
    }
}

static void tick(int n)
{
    for (int i = 0; i < n; i++) {
        char s[16];
        snprintf(s, sizeof s, "t%d", i + 1);
        TRACE(s);
        CHECK_S(IncrementCounter(C), E_OK);
    }
}

TASK(Main)
{
    TickType v, left, prev, elapsed;
    AlarmBaseType base;
    CHECK_TRACE(""); /* Ext waits already (autostart, priority 2) */

    /* relative, single: expires on the third tick, activating a higher task at once */
    CHECK_S(SetRelAlarm(AlAct, 3, 0), E_OK);
    CHECK_S(GetAlarm(AlAct, &left), E_OK);
    CHECK_U(left, 3);
    tick(4);
    CHECK_TRACE("t1 t2 t3 Act t4");
    CHECK_S(GetAlarm(AlAct, &left), E_OS_NOFUNC); /* expired, not cyclic */
    CHECK_S(CancelAlarm(AlAct), E_OS_NOFUNC);

    /* cyclic set-event: every 2 ticks */
    CHECK_S(SetRelAlarm(AlEv, 1, 2), E_OK);
    tick(5);
    CHECK_TRACE("t1 Ext t2 t3 Ext t4 t5 Ext");
    CHECK_S(SetRelAlarm(AlEv, 1, 2), E_OS_STATE); /* in use */
    CHECK_S(CancelAlarm(AlEv), E_OK);
    tick(2);
    CHECK_TRACE("t1 t2");

    /* absolute, with wrap: C counts 0..9 */
    CHECK_S(GetCounterValue(C, &v), E_OK);
    CHECK_U(v, 1); /* 4 + 5 + 2 ticks = 11 = 1 (mod 10) */
    CHECK_S(SetAbsAlarm(AlCb, 0, 0), E_OK);
    CHECK_S(SetAbsAlarm(AlCb, 5, 0), E_OS_STATE); /* in use */
    CHECK_S(GetAlarm(AlCb, &left), E_OK);
    CHECK_U(left, 9);
    tick(9);
    CHECK_TRACE("t1 t2 t3 t4 t5 t6 t7 t8 t9 cb");

    /* two alarms on one tick: in the order of their identifiers; actions of both before the
     * activated task runs */
    CHECK_S(SetRelAlarm(AlCb, 2, 0), E_OK);
    CHECK_S(SetRelAlarm(AlAct, 2, 0), E_OK);
    tick(2);
    CHECK_TRACE("t1 t2 cb Act");

    /* INCREMENTCOUNTER: D moves once per C tick; AlSlow (autostarted at D = 2) fires */
    CHECK_S(GetCounterValue(D, &v), E_OK);
    CHECK_U(v, 0);
    CHECK_S(SetRelAlarm(AlInc, 1, 2), E_OK);
    tick(4);
    CHECK_TRACE("t1 t2 t3 Slow t4");
    CHECK_S(CancelAlarm(AlInc), E_OK);

    /* GetElapsedValue with wrap-around */
    prev = 8;
    CHECK_S(GetCounterValue(C, &v), E_OK);
    CHECK_S(GetElapsedValue(C, &prev, &elapsed), E_OK);
    CHECK_U(prev, v);
    CHECK_U(elapsed, (v + 10 - 8) % 10);
    prev = 10;
    CHECK_S(GetElapsedValue(C, &prev, &elapsed), E_OS_VALUE);
    CHECK_S(GetElapsedValue(C, NULL, &elapsed), E_OS_PARAM_POINTER);

    CHECK_S(GetAlarmBase(AlAct, &base), E_OK);
    CHECK_U(base.maxallowedvalue, 9);
    CHECK_U(base.ticksperbase, 1);
    CHECK_U(base.mincycle, 2);
    CHECK_S(GetAlarmBase(AlSlow, &base), E_OK);
    CHECK_U(base.ticksperbase, 10);
    CHECK_U(OSMAXALLOWEDVALUE_D, 99);
    CHECK_U(OSMINCYCLE_C, 2);

    /* bad input */
    CHECK_S(SetRelAlarm(AlAct, 0, 0), E_OS_VALUE);   /* increment 0 */
    CHECK_S(SetRelAlarm(AlAct, 10, 0), E_OS_VALUE);  /* above MAXALLOWEDVALUE */
    CHECK_S(SetRelAlarm(AlAct, 1, 1), E_OS_VALUE);   /* cycle below MINCYCLE */
    CHECK_U(last_service, OSServiceId_SetRelAlarm);
    CHECK_U(last_p[0], AlAct);
    CHECK_U(last_p[1], 1);
    CHECK_U(last_p[2], 1);
    CHECK_S(SetRelAlarm(AlAct, 1, 10), E_OS_VALUE);  /* cycle above MAXALLOWEDVALUE */
    CHECK_S(SetAbsAlarm(AlAct, 10, 0), E_OS_VALUE);
    CHECK_S(SetRelAlarm(99, 1, 0), E_OS_ID);
    CHECK_S(SetAbsAlarm(99, 1, 0), E_OS_ID);
    CHECK_S(CancelAlarm(99), E_OS_ID);
    CHECK_S(GetAlarm(99, &left), E_OS_ID);
    CHECK_S(GetAlarm(AlAct, NULL), E_OS_PARAM_POINTER);
    CHECK_S(GetAlarmBase(99, &base), E_OS_ID);
    CHECK_S(GetAlarmBase(AlAct, NULL), E_OS_PARAM_POINTER);
    CHECK_S(IncrementCounter(99), E_OS_ID);
    CHECK_S(GetCounterValue(99, &v), E_OS_ID);
    CHECK_S(GetCounterValue(C, NULL), E_OS_PARAM_POINTER);
    CHECK_S(GetElapsedValue(99, &prev, &elapsed), E_OS_ID);

    /* an alarm whose activation fails reports E_OS_LIMIT through ErrorHook */
    CHECK_S(GetResource(RES_SCHEDULER), E_OK);
    CHECK_S(SetRelAlarm(AlAct, 1, 0), E_OK);
    CHECK_S(ActivateTask(Act), E_OK);
    last_error = E_OK;
    tick(1);
    CHECK_U(last_error, E_OS_LIMIT);
    CHECK_U(last_service, OSServiceId_ActivateTask);
    CHECK_S(ReleaseResource(RES_SCHEDULER), E_OK);
    CHECK_TRACE("t1 Act");
    TEST_END();
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1;
}
