/* Os.h - the OSEK/VDX OS 2.2.3 API (with the AUTOSAR OS counter services) on wells.
 *
 * Application code includes this header only. Its objects (tasks, resources, events, counters,
 * alarms, ISRs, application modes) come from the OIL file: `tools/wells-oil` writes Os_Cfg.h
 * (their identifiers, included below) and Os_Cfg.c (the static tables). See
 * openautosar/README.md for what is supported; a service this header does not declare is not
 * implemented.
 */
#ifndef WELLS_OS_H
#define WELLS_OS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ---------------------------------------------------------------------------- */

typedef uint8_t StatusType;
typedef uint32_t TaskType;
typedef TaskType *TaskRefType;
typedef uint8_t TaskStateType;
typedef TaskStateType *TaskStateRefType;
typedef uint32_t ResourceType;
typedef uint32_t EventMaskType;
typedef EventMaskType *EventMaskRefType;
typedef uint32_t TickType;
typedef TickType *TickRefType;
typedef uint32_t CounterType;
typedef uint32_t AlarmType;
typedef uint32_t AppModeType;
typedef uint32_t ISRType;
typedef uint32_t ApplicationType; /* AUTOSAR OS-Application */
typedef uint8_t ProtectionReturnType;
typedef uint32_t ScheduleTableType; /* AUTOSAR schedule table */
typedef uint8_t ScheduleTableStatusType;
typedef ScheduleTableStatusType *ScheduleTableStatusRefType;
typedef struct {
    TickType maxallowedvalue; /* the counter's largest value; it wraps to 0 after it */
    TickType ticksperbase;    /* ticks for one counter-specific unit */
    TickType mincycle;        /* smallest cycle of a cyclic alarm (EXTENDED status checks it) */
} AlarmBaseType;
typedef AlarmBaseType *AlarmBaseRefType;

/* ---- status codes --------------------------------------------------------------------- */

#ifndef STATUSTYPEDEFINED
#define STATUSTYPEDEFINED
#define E_OK ((StatusType)0)
#endif
#define E_OS_ACCESS ((StatusType)1)
#define E_OS_CALLEVEL ((StatusType)2)
#define E_OS_ID ((StatusType)3)
#define E_OS_LIMIT ((StatusType)4)
#define E_OS_NOFUNC ((StatusType)5)
#define E_OS_RESOURCE ((StatusType)6)
#define E_OS_STATE ((StatusType)7)
#define E_OS_VALUE ((StatusType)8)
/* AUTOSAR OS additions */
#define E_OS_DISABLEDINT ((StatusType)9) /* a service called with interrupts disabled or suspended */
#define E_OS_MISSINGEND ((StatusType)10) /* a task body returned without TerminateTask/ChainTask */
#define E_OS_PARAM_POINTER ((StatusType)11) /* a NULL out-parameter */
#define E_OS_PROTECTION_MEMORY ((StatusType)12) /* a task touched another OS-Application's memory */
#define E_OS_PROTECTION_TIME ((StatusType)13) /* a task or ISR ran past its execution budget */

/* ---- task states and constants -------------------------------------------------------- */

#define SUSPENDED ((TaskStateType)0)
#define READY ((TaskStateType)1)
#define RUNNING ((TaskStateType)2)
#define WAITING ((TaskStateType)3)
#define INVALID_TASK ((TaskType)0xFFFFFFFFu)
#define INVALID_ISR ((ISRType)0xFFFFFFFFu)
#define INVALID_OSAPPLICATION ((ApplicationType)0xFFFFFFFFu)
/* AUTOSAR schedule table states (GetScheduleTableStatus) */
#define SCHEDULETABLE_STOPPED ((ScheduleTableStatusType)0)
#define SCHEDULETABLE_NEXT ((ScheduleTableStatusType)1)    /* queued by NextScheduleTable */
#define SCHEDULETABLE_WAITING ((ScheduleTableStatusType)2) /* explicit synchronisation: not used */
#define SCHEDULETABLE_RUNNING ((ScheduleTableStatusType)3)
#define SCHEDULETABLE_RUNNING_AND_SYNCHRONOUS ((ScheduleTableStatusType)4) /* implicitly synchronised */
#define INVALID_SCHEDULETABLE ((ScheduleTableType)0xFFFFFFFFu)
/* What ProtectionHook asks the OS to do */
#define PRO_IGNORE ((ProtectionReturnType)0)
#define PRO_TERMINATETASKISR ((ProtectionReturnType)1)
#define PRO_TERMINATEAPPL ((ProtectionReturnType)2)
#define PRO_TERMINATEAPPL_RESTART ((ProtectionReturnType)3)
#define PRO_SHUTDOWN ((ProtectionReturnType)4)

/* ---- declarations and bodies ---------------------------------------------------------- */

/* The identifiers themselves come from Os_Cfg.h; these only let code written for other OSEK
 * implementations compile unchanged. */
extern int Os_DeclareDummy;
#define DeclareTask(name) extern int Os_DeclareDummy
#define DeclareResource(name) extern int Os_DeclareDummy
#define DeclareEvent(name) extern int Os_DeclareDummy
#define DeclareAlarm(name) extern int Os_DeclareDummy
#define DeclareCounter(name) extern int Os_DeclareDummy
#define DeclareISR(name) extern int Os_DeclareDummy
#define DeclareAppMode(name) extern int Os_DeclareDummy
#define DeclareScheduleTable(name) extern int Os_DeclareDummy

#define TASK(name) void OsTask_##name(void)
#define ISR(name) void OsIsr_##name(void)
#define ALARMCALLBACK(name) void OsAlarmCallback_##name(void)

/* ---- service identifiers (OSErrorGetServiceId) ---------------------------------------- */

typedef enum {
    OSServiceId_ActivateTask = 1,
    OSServiceId_TerminateTask,
    OSServiceId_ChainTask,
    OSServiceId_Schedule,
    OSServiceId_GetTaskID,
    OSServiceId_GetTaskState,
    OSServiceId_GetResource,
    OSServiceId_ReleaseResource,
    OSServiceId_SetEvent,
    OSServiceId_ClearEvent,
    OSServiceId_GetEvent,
    OSServiceId_WaitEvent,
    OSServiceId_GetAlarmBase,
    OSServiceId_GetAlarm,
    OSServiceId_SetRelAlarm,
    OSServiceId_SetAbsAlarm,
    OSServiceId_CancelAlarm,
    OSServiceId_IncrementCounter,
    OSServiceId_GetCounterValue,
    OSServiceId_GetElapsedValue,
    OSServiceId_GetActiveApplicationMode,
    OSServiceId_StartOS,
    OSServiceId_ShutdownOS,
    OSServiceId_GetISRID,
    OSServiceId_RaiseIsr,
    OSServiceId_StartScheduleTableRel,
    OSServiceId_StartScheduleTableAbs,
    OSServiceId_StopScheduleTable,
    OSServiceId_NextScheduleTable,
    OSServiceId_GetScheduleTableStatus,
} OSServiceIdType;

/* ---- services ------------------------------------------------------------------------- */

StatusType ActivateTask(TaskType TaskID);
StatusType TerminateTask(void);
StatusType ChainTask(TaskType TaskID);
StatusType Schedule(void);
StatusType GetTaskID(TaskRefType TaskID);
StatusType GetTaskState(TaskType TaskID, TaskStateRefType State);

StatusType GetResource(ResourceType ResID);
StatusType ReleaseResource(ResourceType ResID);

StatusType SetEvent(TaskType TaskID, EventMaskType Mask);
StatusType ClearEvent(EventMaskType Mask);
StatusType GetEvent(TaskType TaskID, EventMaskRefType Event);
StatusType WaitEvent(EventMaskType Mask);

StatusType GetAlarmBase(AlarmType AlarmID, AlarmBaseRefType Info);
StatusType GetAlarm(AlarmType AlarmID, TickRefType Tick);
StatusType SetRelAlarm(AlarmType AlarmID, TickType increment, TickType cycle);
StatusType SetAbsAlarm(AlarmType AlarmID, TickType start, TickType cycle);
StatusType CancelAlarm(AlarmType AlarmID);

/* AUTOSAR OS: software counters */
StatusType IncrementCounter(CounterType CounterID);
StatusType GetCounterValue(CounterType CounterID, TickRefType Value);
StatusType GetElapsedValue(CounterType CounterID, TickRefType Value, TickRefType ElapsedValue);

/* AUTOSAR OS: schedule tables (implicit synchronisation only; from tasks and category-2 ISRs) */
StatusType StartScheduleTableRel(ScheduleTableType ScheduleTableID, TickType Offset);
StatusType StartScheduleTableAbs(ScheduleTableType ScheduleTableID, TickType Start);
StatusType StopScheduleTable(ScheduleTableType ScheduleTableID);
StatusType NextScheduleTable(ScheduleTableType ScheduleTableID_From, ScheduleTableType ScheduleTableID_To);
StatusType GetScheduleTableStatus(ScheduleTableType ScheduleTableID, ScheduleTableStatusRefType ScheduleStatus);

void DisableAllInterrupts(void);
void EnableAllInterrupts(void);
void SuspendAllInterrupts(void);
void ResumeAllInterrupts(void);
void SuspendOSInterrupts(void);
void ResumeOSInterrupts(void);
/* AUTOSAR OS: the ISR running (category 2), else INVALID_ISR */
ISRType GetISRID(void);

/* AUTOSAR OS: the OS-Application of the running task, else INVALID_OSAPPLICATION */
ApplicationType GetApplicationID(void);

AppModeType GetActiveApplicationMode(void);
/* Starts the OS in `Mode`; does not return (hosted: ends the process, see ShutdownOS). */
void StartOS(AppModeType Mode);
/* Calls ShutdownHook(Error) when configured, flushes stdout and ends the process with status 0. */
void ShutdownOS(StatusType Error);

/* Hosted test hook: raises simulated interrupt line `Line` (the ISR's identifier from the OIL
 * file). Its ISR runs before the call returns when its priority allows; while interrupts are
 * disabled or suspended, or an ISR of equal or higher priority runs, it stays pending and runs
 * when they are enabled / that ISR ends. E_OS_ID for an unknown line, E_OS_CALLEVEL outside a
 * task or ISR. */
StatusType raise_isr(ISRType Line);

/* ---- hooks (defined by the application when its OIL file enables them) ---------------- */

void StartupHook(void);
void ShutdownHook(StatusType Error);
void ErrorHook(StatusType Error);
void PreTaskHook(void);
void PostTaskHook(void);
/* AUTOSAR OS (OIL PROTECTIONHOOK = TRUE): a task broke memory protection (E_OS_PROTECTION_MEMORY)
 * or a task ran past its execution budget (E_OS_PROTECTION_TIME).
 * PRO_TERMINATETASKISR ends the task; anything else (and no hook) shuts the OS down. */
ProtectionReturnType ProtectionHook(StatusType FatalError);

/* ---- error hook access (valid inside ErrorHook only) ---------------------------------- */

extern OSServiceIdType Os_ErrorServiceId;
extern uint32_t Os_ErrorParam[3];
#define OSErrorGetServiceId() (Os_ErrorServiceId)
#define OSError_ActivateTask_TaskID() ((TaskType)Os_ErrorParam[0])
#define OSError_ChainTask_TaskID() ((TaskType)Os_ErrorParam[0])
#define OSError_GetTaskState_TaskID() ((TaskType)Os_ErrorParam[0])
#define OSError_GetResource_ResID() ((ResourceType)Os_ErrorParam[0])
#define OSError_ReleaseResource_ResID() ((ResourceType)Os_ErrorParam[0])
#define OSError_SetEvent_TaskID() ((TaskType)Os_ErrorParam[0])
#define OSError_SetEvent_Mask() ((EventMaskType)Os_ErrorParam[1])
#define OSError_ClearEvent_Mask() ((EventMaskType)Os_ErrorParam[0])
#define OSError_GetEvent_TaskID() ((TaskType)Os_ErrorParam[0])
#define OSError_WaitEvent_Mask() ((EventMaskType)Os_ErrorParam[0])
#define OSError_GetAlarmBase_AlarmID() ((AlarmType)Os_ErrorParam[0])
#define OSError_GetAlarm_AlarmID() ((AlarmType)Os_ErrorParam[0])
#define OSError_SetRelAlarm_AlarmID() ((AlarmType)Os_ErrorParam[0])
#define OSError_SetRelAlarm_increment() ((TickType)Os_ErrorParam[1])
#define OSError_SetRelAlarm_cycle() ((TickType)Os_ErrorParam[2])
#define OSError_SetAbsAlarm_AlarmID() ((AlarmType)Os_ErrorParam[0])
#define OSError_SetAbsAlarm_start() ((TickType)Os_ErrorParam[1])
#define OSError_SetAbsAlarm_cycle() ((TickType)Os_ErrorParam[2])
#define OSError_CancelAlarm_AlarmID() ((AlarmType)Os_ErrorParam[0])
#define OSError_IncrementCounter_CounterID() ((CounterType)Os_ErrorParam[0])
#define OSError_GetCounterValue_CounterID() ((CounterType)Os_ErrorParam[0])
#define OSError_GetElapsedValue_CounterID() ((CounterType)Os_ErrorParam[0])
#define OSError_RaiseIsr_Line() ((ISRType)Os_ErrorParam[0])
#define OSError_StartScheduleTableRel_ScheduleTableID() ((ScheduleTableType)Os_ErrorParam[0])
#define OSError_StartScheduleTableRel_Offset() ((TickType)Os_ErrorParam[1])
#define OSError_StartScheduleTableAbs_ScheduleTableID() ((ScheduleTableType)Os_ErrorParam[0])
#define OSError_StartScheduleTableAbs_Start() ((TickType)Os_ErrorParam[1])
#define OSError_StopScheduleTable_ScheduleTableID() ((ScheduleTableType)Os_ErrorParam[0])
#define OSError_NextScheduleTable_ScheduleTableID_From() ((ScheduleTableType)Os_ErrorParam[0])
#define OSError_NextScheduleTable_ScheduleTableID_To() ((ScheduleTableType)Os_ErrorParam[1])
#define OSError_GetScheduleTableStatus_ScheduleTableID() ((ScheduleTableType)Os_ErrorParam[0])

/* ---- the configuration: identifiers, OSMAXALLOWEDVALUE_<counter>, ... ------------------ */

#ifndef WELLS_OS_KERNEL_BUILD /* the OS itself is built without the application's names */
#include "Os_Cfg.h"
#endif

#ifdef __cplusplus
}
#endif

#endif /* WELLS_OS_H */
