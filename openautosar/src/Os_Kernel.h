/* Os_Kernel.h - the configuration tables tools/wells-oil generates (Os_Cfg.c) and the OSEK
 * layer reads. Not for application code: it includes Os.h only. */
#ifndef WELLS_OS_KERNEL_H
#define WELLS_OS_KERNEL_H

#include <setjmp.h>
#include <stdint.h>

#define WELLS_OS_KERNEL_BUILD /* Os.h leaves out Os_Cfg.h: its names are the application's */
#include "Os.h"
#include "wells.h"

/* Alarm actions */
#define OS_ACTION_ACTIVATETASK 1
#define OS_ACTION_SETEVENT 2
#define OS_ACTION_CALLBACK 3
#define OS_ACTION_INCREMENTCOUNTER 4

typedef struct {
    const char *name;
    void (*entry)(void);
    uint32_t priority;        /* OIL PRIORITY: higher runs first */
    uint32_t run_priority;    /* while running: the ceiling of its internal resource (NON: the top) */
    uint32_t max_activations; /* OIL ACTIVATION */
    uint8_t extended;         /* has EVENTs: may wait */
    uint32_t autostart;       /* bit m: activated at StartOS in application mode m */
    uint64_t *activation_seq; /* max_activations slots: the FIFO place of each pending activation */
    int32_t app;              /* its OS-Application, -1: none */
    uint32_t budget_ms;       /* TIMING_PROTECTION EXECUTIONBUDGET per job, 0: none */
} Os_TaskCfg;

typedef struct {
    const char *name;
    uint8_t *data; /* its data region: `size` bytes aligned to `size` */
    uint32_t size;
    uint8_t trusted; /* its tasks see every application's memory */
} Os_AppCfg;

typedef struct {
    const char *name;
    uint32_t ceiling; /* the highest PRIORITY of the tasks that use it */
} Os_ResourceCfg;

typedef struct {
    const char *name;
    AlarmBaseType base;
    uint32_t tick_ms; /* HARDWARE: ticked every tick_ms by a host timer; 0: SOFTWARE */
} Os_CounterCfg;

typedef struct {
    const char *name;
    CounterType counter;
    uint8_t action;             /* OS_ACTION_* */
    TaskType task;              /* ACTIVATETASK, SETEVENT */
    EventMaskType event;        /* SETEVENT */
    void (*callback)(void);     /* ALARMCALLBACK */
    CounterType target_counter; /* INCREMENTCOUNTER */
    uint32_t autostart;         /* bit m: set at StartOS in application mode m */
    TickType alarm_time, cycle_time;
    uint8_t absolute; /* autostart as SetAbsAlarm (else SetRelAlarm) */
} Os_AlarmCfg;

/* A schedule table's expiry point: `action_count` actions from `first_action` of the table of
 * actions, done `offset` ticks after the table's start. */
typedef struct {
    uint8_t action;      /* OS_ACTION_ACTIVATETASK or OS_ACTION_SETEVENT */
    TaskType task;
    EventMaskType event; /* SETEVENT */
} Os_ExpiryActionCfg;

typedef struct {
    TickType offset;
    uint32_t first_action, action_count;
} Os_ExpiryPointCfg;

/* Schedule table autostart */
#define OS_ST_AUTOSTART_RELATIVE 1
#define OS_ST_AUTOSTART_ABSOLUTE 2

typedef struct {
    const char *name;
    CounterType counter;
    TickType duration;
    uint8_t repeating;
    uint8_t implicit_sync; /* SYNCSTRATEGY = IMPLICIT: duration is the counter's range, started absolute */
    uint32_t first_point, point_count; /* in the table of expiry points, offsets increasing */
    uint32_t autostart;                /* bit m: started at StartOS in application mode m */
    uint8_t autostart_type;            /* OS_ST_AUTOSTART_* */
    TickType autostart_value;          /* the relative offset or the absolute start */
} Os_ScheduleTableCfg;

typedef struct {
    const char *name;
    void (*entry)(void);
    uint8_t category; /* 1 or 2 */
    uint32_t priority;
    int32_t irq; /* the board's interrupt line it is bound to (OIL IRQ), -1: simulated only */
    uint32_t budget_ms; /* TIMING_PROTECTION EXECUTIONBUDGET, 0: none (checked when it returns) */
} Os_IsrCfg;

/* Run-time state, also in the generated file (static: nothing is allocated after StartOS
 * except wells' own thread stacks and semaphores, made once in StartOS). */
typedef struct {
    TaskStateType state;
    uint32_t priority;     /* the priority it competes with now */
    uint32_t activations;  /* recorded activations, the current instance included */
    uint32_t act_head;     /* ring index of the oldest pending activation in activation_seq */
    int64_t seq;           /* place within its priority: smaller runs first */
    uint8_t take_internal; /* raise to run_priority when dispatched */
    EventMaskType set, wait;
    ResourceType last_resource; /* top of the stack of held resources, or OS_NO_RESOURCE */
    uint8_t suspended; /* preempted by the hardware counter's ISR: wells_thread_resume it */
    uint8_t new_job;   /* activated, or released from WaitEvent: its execution time starts at 0 */
    uint64_t job_start_ns; /* its thread's run time when this job began (timing protection) */
    wells_sem_t sem;
    wells_thread_t thread;
    jmp_buf terminate;
} Os_TaskState;

#define OS_NO_RESOURCE ((ResourceType)0xFFFFFFFFu)

typedef struct {
    TaskType owner; /* INVALID_TASK: free */
    uint32_t saved_priority;
    ResourceType previous; /* the resource the owner took before this one */
} Os_ResourceState;

typedef struct {
    uint8_t active;
    TickType expiry;
    TickType cycle;
} Os_AlarmState;

typedef struct {
    ScheduleTableStatusType status;
    uint32_t point;         /* the next expiry point to process; point_count: the table's end */
    TickType expiry;        /* the counter value at which it is due */
    ScheduleTableType next; /* queued by NextScheduleTable, or INVALID_SCHEDULETABLE */
} Os_ScheduleTableState;

typedef struct {
    uint8_t extended_status; /* OIL STATUS = EXTENDED */
    uint32_t task_count, resource_count, counter_count, alarm_count, isr_count, appmode_count;
    const Os_TaskCfg *tasks;
    const Os_ResourceCfg *resources;
    const Os_CounterCfg *counters;
    const Os_AlarmCfg *alarms;
    const Os_IsrCfg *isrs;
    Os_TaskState *task_state;
    Os_ResourceState *resource_state;
    TickType *counter_value;
    Os_AlarmState *alarm_state;
    uint8_t *isr_pending;
    void (*startup_hook)(void);
    void (*shutdown_hook)(StatusType);
    void (*error_hook)(StatusType);
    void (*pretask_hook)(void);
    void (*posttask_hook)(void);
    uint32_t app_count;
    const Os_AppCfg *apps;
    ProtectionReturnType (*protection_hook)(StatusType);
    uint32_t schedtable_count;
    const Os_ScheduleTableCfg *schedtables;
    const Os_ExpiryPointCfg *expiry_points;
    const Os_ExpiryActionCfg *expiry_actions;
    Os_ScheduleTableState *schedtable_state;
} Os_Config;

extern const Os_Config Os_config;

#endif /* WELLS_OS_KERNEL_H */
