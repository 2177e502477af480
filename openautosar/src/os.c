/* os.c - the OSEK/VDX OS services on wells, in a Linux process (adapters/posix) or on bare metal
 * (the Cortex-M3 of QEMU's mps2-an385, adapters/mps2-an385): what differs is in Os_Port.h.
 *
 * Mapping (openautosar/README.md, "How it maps onto wells"): every OSEK task is one wells
 * thread, made once in StartOS, that loops: wait on its semaphore (dispatched), run the body;
 * TerminateTask / ChainTask longjmp back to the loop. The OSEK layer keeps the ready list
 * itself (priority, then FIFO place of each activation; a preempted task first in its priority)
 * and hands the CPU over explicitly: exactly one task thread is dispatched at a time, the one
 * it hands over to gets its semaphore posted, and the one that leaves waits on its own. So the
 * order tasks run in is OSEK's, whatever wells' time slices do, and ceilings, non-preemptive
 * tasks and internal resources are priorities in that list. All OSEK state changes happen in a
 * wells critical section. ISRs run on the interrupted task's thread (raise_isr); the hardware
 * counter's ticks are taken by a wells thread at the top priority, which stops the running
 * task's thread with wells_thread_suspend when a higher task must run.
 */
#include <stdio.h>

#include "Os_Kernel.h"
#include "Os_Port.h"

int Os_DeclareDummy;
OSServiceIdType Os_ErrorServiceId;
uint32_t Os_ErrorParam[3];

/* Call levels, one bit each, so a service names the levels it may be called from. */
enum {
    L_NONE = 0, /* before StartOS */
    L_TASK = 1 << 0,
    L_ISR2 = 1 << 1,
    L_ISR1 = 1 << 2,
    L_ERRORHOOK = 1 << 3,
    L_PRETASK = 1 << 4,
    L_POSTTASK = 1 << 5,
    L_STARTUP = 1 << 6,
    L_SHUTDOWN = 1 << 7,
    L_ALARMCB = 1 << 8,
    L_PROTECTIONHOOK = 1 << 9,
};
#define L_HOOKS_INFO (L_ERRORHOOK | L_PRETASK | L_POSTTASK)

#define CFG (Os_config)
#define TS(id) (&Os_config.task_state[(id)])

static unsigned os_level = L_NONE;
static TaskType os_running = INVALID_TASK;
static AppModeType os_mode;
static int64_t os_next_seq = 1, os_front_seq = -1;
static ISRType os_isr = INVALID_ISR;
static uint32_t os_isr_priority; /* 0: no ISR runs (ISR priorities are 1 and up) */
static uint8_t os_all_disabled;
static uint32_t os_suspend_all, os_suspend_os;
static uint8_t os_in_error_hook;

static void os_lock(void) { wells_critical_enter(); }
static void os_unlock(void) { wells_critical_exit(); }

static int os_ext(void) { return CFG.extended_status != 0; }
static void os_fail(const char *what, wells_status s);
static void os_shutdown(StatusType Error) __attribute__((noreturn));
static ProtectionReturnType os_protection_hook(StatusType error);

static int os_interrupts_off(void)
{
    return os_all_disabled || os_suspend_all > 0 || os_suspend_os > 0;
}

/* Runs a hook at its call level (lock held). */
static void os_call_hook(unsigned level, void (*hook)(void))
{
    unsigned saved = os_level;
    os_level = level;
    hook();
    os_level = saved;
}

/* A service failed: ErrorHook (not from inside it), then the code back to the caller. */
static StatusType os_error(OSServiceIdType service, StatusType code, uint32_t p0, uint32_t p1,
                           uint32_t p2)
{
    if (code != E_OK && CFG.error_hook != NULL && !os_in_error_hook) {
        unsigned saved = os_level;
        os_in_error_hook = 1;
        Os_ErrorServiceId = service;
        Os_ErrorParam[0] = p0;
        Os_ErrorParam[1] = p1;
        Os_ErrorParam[2] = p2;
        os_level = L_ERRORHOOK;
        CFG.error_hook(code);
        os_level = saved;
        os_in_error_hook = 0;
    }
    return code;
}

/* The checks every service starts with: called at an allowed level, interrupts not off. */
static StatusType os_enter_check(unsigned allowed)
{
    if ((os_level & allowed) == 0)
        return E_OS_CALLEVEL;
    if (os_interrupts_off())
        return E_OS_DISABLEDINT;
    return E_OK;
}

/* ---- the ready list ---------------------------------------------------------------------- */

/* The task to run: highest priority among READY and RUNNING; the running one wins a tie, then
 * the smallest FIFO place. INVALID_TASK when none. */
static TaskType os_select(void)
{
    TaskType best = INVALID_TASK;
    for (TaskType id = 0; id < CFG.task_count; id++) {
        Os_TaskState *t = TS(id);
        if (t->state != READY && t->state != RUNNING)
            continue;
        if (best == INVALID_TASK) {
            best = id;
            continue;
        }
        Os_TaskState *b = TS(best);
        if (t->priority > b->priority)
            best = id;
        else if (t->priority == b->priority && b->state != RUNNING &&
                 (t->state == RUNNING || t->seq < b->seq))
            best = id;
    }
    return best;
}

/* ---- OS-Applications (SC3): the MPU shows the running task's application its own data and,
 * unless it is trusted, no other application's ------------------------------------------- */

static int32_t os_view = -2; /* the application whose view is set (-2: none yet) */

static void os_protect_for(int32_t app)
{
    if (CFG.app_count == 0 || app == os_view)
        return;
    os_view = app;
    int untrusted = app >= 0 && !CFG.apps[app].trusted;
    for (uint32_t i = 0; i < CFG.app_count; i++)
        Os_PortDenyRegion(i, CFG.apps[i].data, CFG.apps[i].size, untrusted && (int32_t)i != app);
}

/* The CPU time a wells thread has had (timing protection measures a task's job with it). */
static uint64_t os_run_time_ns(wells_thread_t thread)
{
    wells_thread_stats_t st;
    return wells_thread_stats(thread, &st) == WELLS_OK ? st.run_time_ns : 0;
}

/* Makes `id` the running task and wakes its thread (lock held). */
static void os_start_running(TaskType id)
{
    Os_TaskState *t = TS(id);
    t->state = RUNNING;
    os_running = id;
    os_protect_for(CFG.tasks[id].app);
    if (t->take_internal) {
        if (t->priority < CFG.tasks[id].run_priority)
            t->priority = CFG.tasks[id].run_priority;
        t->take_internal = 0;
    }
    if (t->new_job) {
        t->new_job = 0;
        if (CFG.tasks[id].budget_ms != 0)
            t->job_start_ns = os_run_time_ns(t->thread);
    }
    if (CFG.pretask_hook != NULL)
        os_call_hook(L_PRETASK, CFG.pretask_hook);
    if (t->suspended) {
        /* preempted by the hardware counter's interrupt: it stopped where it was */
        t->suspended = 0;
        (void)wells_thread_resume(t->thread);
    } else {
        (void)wells_sem_post(t->sem);
    }
}

/* The running task leaves the CPU into `state` (lock held). */
static void os_leave(TaskType id, TaskStateType state)
{
    if (CFG.posttask_hook != NULL)
        os_call_hook(L_POSTTASK, CFG.posttask_hook);
    TS(id)->state = state;
    os_running = INVALID_TASK;
}

/* Called with the lock held (depth 1) by the running task's thread at a rescheduling point:
 * hands the CPU to a higher-priority task if there is one, and returns (unlocked) once this
 * task runs again. */
static void os_reschedule(void)
{
    TaskType self = os_running;
    TaskType next = os_select();
    if (self == INVALID_TASK || next == self) {
        os_unlock();
        return;
    }
    Os_TaskState *t = TS(self);
    os_leave(self, READY);
    t->seq = os_front_seq--; /* preempted: first of its priority */
    os_start_running(next);
    os_unlock();
    (void)wells_sem_wait(t->sem, WELLS_WAIT_FOREVER);
}

/* The calling task's thread leaves the CPU for good (state set by the caller, lock held):
 * dispatches the next task, unlocks, returns; the caller then waits on its semaphore. */
static void os_hand_over(void)
{
    TaskType next = os_select();
    if (next != INVALID_TASK)
        os_start_running(next);
    os_unlock();
}

/* At the end of a service: reschedule when called from a task, else unlock only (an ISR
 * reschedules at its end). */
static StatusType os_done(StatusType code)
{
    if (os_level == L_TASK)
        os_reschedule();
    else
        os_unlock();
    return code;
}

/* ---- tasks ------------------------------------------------------------------------------- */

static StatusType os_activate(TaskType id)
{
    Os_TaskState *t = TS(id);
    const Os_TaskCfg *c = &CFG.tasks[id];
    if (t->activations >= c->max_activations)
        return E_OS_LIMIT;
    if (t->state == SUSPENDED) {
        t->state = READY;
        t->priority = c->priority;
        t->seq = os_next_seq++;
        t->new_job = 1;
        t->take_internal = 1;
        t->set = 0;
        t->wait = 0;
        t->activations = 1;
    } else {
        uint32_t slot = (t->act_head + t->activations - 1) % c->max_activations;
        c->activation_seq[slot] = (uint64_t)os_next_seq++;
        t->activations++;
    }
    return E_OK;
}

/* Ends the running instance of `id` (lock held): releases what it holds, queues its next
 * activation if any. */
static void os_terminate(TaskType id)
{
    Os_TaskState *t = TS(id);
    const Os_TaskCfg *c = &CFG.tasks[id];
    while (t->last_resource != OS_NO_RESOURCE) {
        Os_ResourceState *r = &CFG.resource_state[t->last_resource];
        t->last_resource = r->previous;
        r->owner = INVALID_TASK;
    }
    t->activations--;
    if (t->activations > 0) {
        os_leave(id, READY);
        t->priority = c->priority;
        t->seq = (int64_t)c->activation_seq[t->act_head];
        t->act_head = (t->act_head + 1) % c->max_activations;
        t->new_job = 1;
        t->take_internal = 1;
        t->set = 0;
        t->wait = 0;
    } else {
        os_leave(id, SUSPENDED);
    }
}

StatusType ActivateTask(TaskType TaskID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && TaskID >= CFG.task_count)
        s = E_OS_ID;
    if (s == E_OK)
        s = os_activate(TaskID);
    if (s != E_OK) {
        os_error(OSServiceId_ActivateTask, s, TaskID, 0, 0);
        os_unlock();
        return s;
    }
    return os_done(E_OK);
}

/* Checks shared by TerminateTask and ChainTask. */
static StatusType os_check_terminate(void)
{
    StatusType s = os_enter_check(L_TASK);
    if (s != E_OK)
        return s;
    if (os_ext() && TS(os_running)->last_resource != OS_NO_RESOURCE)
        return E_OS_RESOURCE;
    return E_OK;
}

static void os_end_instance_and_loop(TaskType self)
{
    os_terminate(self);
    os_hand_over();
    longjmp(TS(self)->terminate, 1);
}

StatusType TerminateTask(void)
{
    os_lock();
    StatusType s = os_check_terminate();
    if (s != E_OK) {
        os_error(OSServiceId_TerminateTask, s, 0, 0, 0);
        os_unlock();
        return s;
    }
    os_end_instance_and_loop(os_running);
    return E_OK; /* not reached */
}

StatusType ChainTask(TaskType TaskID)
{
    os_lock();
    StatusType s = os_check_terminate();
    if (s == E_OK && TaskID >= CFG.task_count)
        s = E_OS_ID;
    TaskType self = os_running;
    /* Chaining itself reuses the ending instance's activation. */
    if (s == E_OK && TaskID != self &&
        TS(TaskID)->activations >= CFG.tasks[TaskID].max_activations)
        s = E_OS_LIMIT;
    if (s != E_OK) {
        os_error(OSServiceId_ChainTask, s, TaskID, 0, 0);
        os_unlock();
        return s;
    }
    os_terminate(self);
    (void)os_activate(TaskID);
    os_hand_over();
    longjmp(TS(self)->terminate, 1);
    return E_OK; /* not reached */
}

StatusType Schedule(void)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK);
    if (s == E_OK && os_ext() && TS(os_running)->last_resource != OS_NO_RESOURCE)
        s = E_OS_RESOURCE;
    if (s != E_OK) {
        os_error(OSServiceId_Schedule, s, 0, 0, 0);
        os_unlock();
        return s;
    }
    TaskType self = os_running;
    Os_TaskState *t = TS(self);
    /* Release the internal resource (or the non-preemptive ceiling) while others may run. */
    if (t->last_resource == OS_NO_RESOURCE)
        t->priority = CFG.tasks[self].priority;
    t->take_internal = 1;
    TaskType next = os_select();
    if (next == self) {
        t->priority = CFG.tasks[self].run_priority > t->priority ? CFG.tasks[self].run_priority
                                                                 : t->priority;
        t->take_internal = 0;
        os_unlock();
        return E_OK;
    }
    os_leave(self, READY);
    t->seq = os_front_seq--;
    os_start_running(next);
    os_unlock();
    (void)wells_sem_wait(t->sem, WELLS_WAIT_FOREVER);
    return E_OK;
}

StatusType GetTaskID(TaskRefType TaskID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && TaskID == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK)
        *TaskID = os_running;
    if (s != E_OK)
        os_error(OSServiceId_GetTaskID, s, 0, 0, 0);
    os_unlock();
    return s;
}

StatusType GetTaskState(TaskType TaskID, TaskStateRefType State)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && TaskID >= CFG.task_count)
        s = E_OS_ID;
    if (s == E_OK && State == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK)
        *State = TS(TaskID)->state;
    if (s != E_OK)
        os_error(OSServiceId_GetTaskState, s, TaskID, 0, 0);
    os_unlock();
    return s;
}

/* ---- resources --------------------------------------------------------------------------- */

StatusType GetResource(ResourceType ResID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && os_level != L_TASK)
        s = E_OS_ACCESS; /* resources are configured for tasks only (README) */
    if (s == E_OK && ResID >= CFG.resource_count)
        s = E_OS_ID;
    TaskType self = os_running;
    if (s == E_OK && CFG.resource_state[ResID].owner != INVALID_TASK)
        s = E_OS_ACCESS; /* occupied (by this task too: no nesting of one resource) */
    if (s == E_OK && os_ext() && CFG.tasks[self].priority > CFG.resources[ResID].ceiling)
        s = E_OS_ACCESS;
    if (s != E_OK) {
        os_error(OSServiceId_GetResource, s, ResID, 0, 0);
        os_unlock();
        return s;
    }
    Os_TaskState *t = TS(self);
    Os_ResourceState *r = &CFG.resource_state[ResID];
    r->owner = self;
    r->saved_priority = t->priority;
    r->previous = t->last_resource;
    t->last_resource = ResID;
    if (t->priority < CFG.resources[ResID].ceiling)
        t->priority = CFG.resources[ResID].ceiling;
    os_unlock();
    return E_OK;
}

StatusType ReleaseResource(ResourceType ResID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && os_level != L_TASK)
        s = E_OS_NOFUNC;
    if (s == E_OK && ResID >= CFG.resource_count)
        s = E_OS_ID;
    TaskType self = os_running;
    if (s == E_OK && os_ext() && CFG.tasks[self].priority > CFG.resources[ResID].ceiling)
        s = E_OS_ACCESS;
    /* Not held, or not the last one taken (LIFO). Checked in both statuses: releasing what the
     * task does not hold would corrupt the ceilings. */
    if (s == E_OK && TS(self)->last_resource != ResID)
        s = E_OS_NOFUNC;
    if (s != E_OK) {
        os_error(OSServiceId_ReleaseResource, s, ResID, 0, 0);
        os_unlock();
        return s;
    }
    Os_TaskState *t = TS(self);
    Os_ResourceState *r = &CFG.resource_state[ResID];
    t->last_resource = r->previous;
    t->priority = r->saved_priority;
    r->owner = INVALID_TASK;
    return os_done(E_OK);
}

/* ---- events ------------------------------------------------------------------------------ */

static StatusType os_set_event(TaskType id, EventMaskType mask)
{
    Os_TaskState *t = TS(id);
    if (!CFG.tasks[id].extended)
        return E_OS_ACCESS;
    if (t->state == SUSPENDED)
        return E_OS_STATE;
    t->set |= mask;
    if (t->state == WAITING && (t->set & t->wait) != 0) {
        t->state = READY;
        t->seq = os_next_seq++;
        t->new_job = 1; /* AUTOSAR: a wait ends the execution time measured */
    }
    return E_OK;
}

StatusType SetEvent(TaskType TaskID, EventMaskType Mask)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && TaskID >= CFG.task_count)
        s = E_OS_ID;
    if (s == E_OK)
        s = os_set_event(TaskID, Mask);
    if (s != E_OK) {
        os_error(OSServiceId_SetEvent, s, TaskID, Mask, 0);
        os_unlock();
        return s;
    }
    return os_done(E_OK);
}

StatusType ClearEvent(EventMaskType Mask)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK);
    if (s == E_OK && !CFG.tasks[os_running].extended)
        s = E_OS_ACCESS;
    if (s == E_OK)
        TS(os_running)->set &= ~Mask;
    if (s != E_OK)
        os_error(OSServiceId_ClearEvent, s, Mask, 0, 0);
    os_unlock();
    return s;
}

StatusType GetEvent(TaskType TaskID, EventMaskRefType Event)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && TaskID >= CFG.task_count)
        s = E_OS_ID;
    if (s == E_OK && Event == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK && !CFG.tasks[TaskID].extended)
        s = E_OS_ACCESS;
    if (s == E_OK && TS(TaskID)->state == SUSPENDED)
        s = E_OS_STATE;
    if (s == E_OK)
        *Event = TS(TaskID)->set;
    if (s != E_OK)
        os_error(OSServiceId_GetEvent, s, TaskID, 0, 0);
    os_unlock();
    return s;
}

StatusType WaitEvent(EventMaskType Mask)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK);
    TaskType self = os_running;
    if (s == E_OK && !CFG.tasks[self].extended)
        s = E_OS_ACCESS;
    if (s == E_OK && TS(self)->last_resource != OS_NO_RESOURCE)
        s = E_OS_RESOURCE; /* both statuses: waiting with a ceiling held would block the system */
    if (s != E_OK) {
        os_error(OSServiceId_WaitEvent, s, Mask, 0, 0);
        os_unlock();
        return s;
    }
    Os_TaskState *t = TS(self);
    if ((t->set & Mask) != 0) {
        os_unlock();
        return E_OK;
    }
    t->wait = Mask;
    os_leave(self, WAITING);
    t->priority = CFG.tasks[self].priority; /* releases its internal resource */
    t->take_internal = 1;
    os_hand_over();
    (void)wells_sem_wait(t->sem, WELLS_WAIT_FOREVER);
    return E_OK;
}

/* ---- counters and alarms ----------------------------------------------------------------- */

static void os_counter_tick(CounterType id, unsigned depth);
static void os_schedtables_tick(CounterType id, TickType now);

static void os_alarm_fire(AlarmType id, unsigned depth)
{
    const Os_AlarmCfg *a = &CFG.alarms[id];
    StatusType s;
    switch (a->action) {
    case OS_ACTION_ACTIVATETASK:
        s = os_activate(a->task);
        if (s != E_OK)
            os_error(OSServiceId_ActivateTask, s, a->task, 0, 0);
        break;
    case OS_ACTION_SETEVENT:
        s = os_set_event(a->task, a->event);
        if (s != E_OK)
            os_error(OSServiceId_SetEvent, s, a->task, a->event, 0);
        break;
    case OS_ACTION_CALLBACK:
        os_call_hook(L_ALARMCB, a->callback);
        break;
    case OS_ACTION_INCREMENTCOUNTER:
        if (depth < 8) /* wells-oil refuses cycles; this bounds a chain anyway */
            os_counter_tick(a->target_counter, depth + 1);
        break;
    default:
        break;
    }
}

static void os_counter_tick(CounterType id, unsigned depth)
{
    TickType max = CFG.counters[id].base.maxallowedvalue;
    TickType v = CFG.counter_value[id];
    v = v >= max ? 0 : v + 1;
    CFG.counter_value[id] = v;
    for (AlarmType a = 0; a < CFG.alarm_count; a++) {
        Os_AlarmState *st = &CFG.alarm_state[a];
        if (CFG.alarms[a].counter != id || !st->active || st->expiry != v)
            continue;
        if (st->cycle != 0) {
            uint64_t e = (uint64_t)v + st->cycle;
            st->expiry = (TickType)(e % ((uint64_t)max + 1));
        } else {
            st->active = 0;
        }
        os_alarm_fire(a, depth);
    }
    os_schedtables_tick(id, v);
}

StatusType IncrementCounter(CounterType CounterID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && (CounterID >= CFG.counter_count || CFG.counters[CounterID].tick_ms != 0))
        s = E_OS_ID; /* AUTOSAR: a hardware counter is ticked by its timer only */
    if (s != E_OK) {
        os_error(OSServiceId_IncrementCounter, s, CounterID, 0, 0);
        os_unlock();
        return s;
    }
    os_counter_tick(CounterID, 0);
    return os_done(E_OK);
}

StatusType GetCounterValue(CounterType CounterID, TickRefType Value)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && CounterID >= CFG.counter_count)
        s = E_OS_ID;
    if (s == E_OK && Value == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK)
        *Value = CFG.counter_value[CounterID];
    if (s != E_OK)
        os_error(OSServiceId_GetCounterValue, s, CounterID, 0, 0);
    os_unlock();
    return s;
}

StatusType GetElapsedValue(CounterType CounterID, TickRefType Value, TickRefType ElapsedValue)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && CounterID >= CFG.counter_count)
        s = E_OS_ID;
    if (s == E_OK && (Value == NULL || ElapsedValue == NULL))
        s = E_OS_PARAM_POINTER;
    if (s == E_OK && *Value > CFG.counters[CounterID].base.maxallowedvalue)
        s = E_OS_VALUE;
    if (s == E_OK) {
        TickType now = CFG.counter_value[CounterID];
        uint64_t range = (uint64_t)CFG.counters[CounterID].base.maxallowedvalue + 1;
        *ElapsedValue = (TickType)(((uint64_t)now + range - *Value) % range);
        *Value = now;
    }
    if (s != E_OK)
        os_error(OSServiceId_GetElapsedValue, s, CounterID, 0, 0);
    os_unlock();
    return s;
}

StatusType GetAlarmBase(AlarmType AlarmID, AlarmBaseRefType Info)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && AlarmID >= CFG.alarm_count)
        s = E_OS_ID;
    if (s == E_OK && Info == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK)
        *Info = CFG.counters[CFG.alarms[AlarmID].counter].base;
    if (s != E_OK)
        os_error(OSServiceId_GetAlarmBase, s, AlarmID, 0, 0);
    os_unlock();
    return s;
}

StatusType GetAlarm(AlarmType AlarmID, TickRefType Tick)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2 | L_HOOKS_INFO);
    if (s == E_OK && AlarmID >= CFG.alarm_count)
        s = E_OS_ID;
    if (s == E_OK && Tick == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK && !CFG.alarm_state[AlarmID].active)
        s = E_OS_NOFUNC;
    if (s == E_OK) {
        CounterType c = CFG.alarms[AlarmID].counter;
        uint64_t range = (uint64_t)CFG.counters[c].base.maxallowedvalue + 1;
        uint64_t left = ((uint64_t)CFG.alarm_state[AlarmID].expiry + range - CFG.counter_value[c]) % range;
        *Tick = (TickType)(left == 0 ? range : left);
    }
    if (s != E_OK)
        os_error(OSServiceId_GetAlarm, s, AlarmID, 0, 0);
    os_unlock();
    return s;
}

/* SetRelAlarm and SetAbsAlarm: `start` is the increment or the absolute value. */
static StatusType os_set_alarm(OSServiceIdType service, AlarmType id, TickType start,
                               TickType cycle, int absolute)
{
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && id >= CFG.alarm_count)
        s = E_OS_ID;
    if (s == E_OK) {
        const AlarmBaseType *b = &CFG.counters[CFG.alarms[id].counter].base;
        /* Out-of-range values are refused in both statuses (they could never expire as
         * asked); EXTENDED also checks the cycle against MINCYCLE. */
        if (start > b->maxallowedvalue || (!absolute && start == 0) ||
            cycle > b->maxallowedvalue || (os_ext() && cycle != 0 && cycle < b->mincycle))
            s = E_OS_VALUE;
    }
    if (s == E_OK && CFG.alarm_state[id].active)
        s = E_OS_STATE;
    if (s != E_OK)
        return os_error(service, s, id, start, cycle);
    CounterType c = CFG.alarms[id].counter;
    uint64_t range = (uint64_t)CFG.counters[c].base.maxallowedvalue + 1;
    Os_AlarmState *st = &CFG.alarm_state[id];
    st->expiry = absolute ? start : (TickType)(((uint64_t)CFG.counter_value[c] + start) % range);
    st->cycle = cycle;
    st->active = 1;
    return E_OK;
}

StatusType SetRelAlarm(AlarmType AlarmID, TickType increment, TickType cycle)
{
    os_lock();
    StatusType s = os_set_alarm(OSServiceId_SetRelAlarm, AlarmID, increment, cycle, 0);
    os_unlock();
    return s;
}

StatusType SetAbsAlarm(AlarmType AlarmID, TickType start, TickType cycle)
{
    os_lock();
    StatusType s = os_set_alarm(OSServiceId_SetAbsAlarm, AlarmID, start, cycle, 1);
    os_unlock();
    return s;
}

StatusType CancelAlarm(AlarmType AlarmID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && AlarmID >= CFG.alarm_count)
        s = E_OS_ID;
    if (s == E_OK && !CFG.alarm_state[AlarmID].active)
        s = E_OS_NOFUNC;
    if (s == E_OK)
        CFG.alarm_state[AlarmID].active = 0;
    else
        os_error(OSServiceId_CancelAlarm, s, AlarmID, 0, 0);
    os_unlock();
    return s;
}

/* ---- AUTOSAR schedule tables (implicit synchronisation only): a table's expiry points are
 * processed on the ticks of its counter; `point` is the next one due at `expiry`, and
 * point == point_count means the table's end (its final delay) is due there ------------- */

#define ST(id) (&CFG.schedtable_state[(id)])

static TickType os_counter_add(CounterType c, TickType from, uint64_t ticks)
{
    uint64_t range = (uint64_t)CFG.counters[c].base.maxallowedvalue + 1;
    return (TickType)(((uint64_t)from + ticks) % range);
}

static void os_expiry_point_run(const Os_ExpiryPointCfg *p)
{
    for (uint32_t i = 0; i < p->action_count; i++) {
        const Os_ExpiryActionCfg *a = &CFG.expiry_actions[p->first_action + i];
        StatusType s;
        if (a->action == OS_ACTION_ACTIVATETASK) {
            s = os_activate(a->task);
            if (s != E_OK)
                os_error(OSServiceId_ActivateTask, s, a->task, 0, 0);
        } else {
            s = os_set_event(a->task, a->event);
            if (s != E_OK)
                os_error(OSServiceId_SetEvent, s, a->task, a->event, 0);
        }
    }
}

/* Table `id` starts (again) at counter value `start`: its first expiry point is due at
 * start + its offset. */
static void os_schedtable_begin(ScheduleTableType id, TickType start)
{
    const Os_ScheduleTableCfg *c = &CFG.schedtables[id];
    Os_ScheduleTableState *st = ST(id);
    st->status = c->implicit_sync ? SCHEDULETABLE_RUNNING_AND_SYNCHRONOUS : SCHEDULETABLE_RUNNING;
    st->point = 0;
    st->expiry = os_counter_add(c->counter, start, CFG.expiry_points[c->first_point].offset);
}

/* Everything of table `id` due at `now` (lock held): its expiry points, its end (then the next
 * table, the next round, or stop). Points due on the same tick (an offset of 0 after the end)
 * run in this call. */
static void os_schedtable_due(ScheduleTableType id, TickType now)
{
    while (ST(id)->expiry == now && ST(id)->status != SCHEDULETABLE_STOPPED &&
           ST(id)->status != SCHEDULETABLE_NEXT) {
        const Os_ScheduleTableCfg *c = &CFG.schedtables[id];
        Os_ScheduleTableState *st = ST(id);
        if (st->point < c->point_count) {
            const Os_ExpiryPointCfg *p = &CFG.expiry_points[c->first_point + st->point];
            os_expiry_point_run(p);
            st->point++;
            TickType until = st->point < c->point_count
                                 ? CFG.expiry_points[c->first_point + st->point].offset
                                 : c->duration;
            st->expiry = os_counter_add(c->counter, now, until - p->offset);
            continue;
        }
        /* the end of the table: the final delay has passed */
        if (st->next != INVALID_SCHEDULETABLE) {
            ScheduleTableType next = st->next;
            st->next = INVALID_SCHEDULETABLE;
            st->status = SCHEDULETABLE_STOPPED;
            os_schedtable_begin(next, now);
            id = next;
        } else if (c->repeating) {
            os_schedtable_begin(id, now);
        } else {
            st->status = SCHEDULETABLE_STOPPED;
        }
    }
}

static void os_schedtables_tick(CounterType id, TickType now)
{
    for (ScheduleTableType t = 0; t < CFG.schedtable_count; t++)
        if (CFG.schedtables[t].counter == id)
            os_schedtable_due(t, now);
}

/* The checks StartScheduleTableRel/Abs share; `absolute`: Start, else Offset. */
static StatusType os_schedtable_start(OSServiceIdType service, ScheduleTableType id, TickType value,
                                      int absolute)
{
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    /* An implicitly synchronised table starts absolute only (AUTOSAR SWS_Os_00452). */
    if (s == E_OK && (id >= CFG.schedtable_count || (!absolute && CFG.schedtables[id].implicit_sync)))
        s = E_OS_ID;
    if (s == E_OK) {
        const Os_ScheduleTableCfg *c = &CFG.schedtables[id];
        TickType max = CFG.counters[c->counter].base.maxallowedvalue;
        TickType initial = CFG.expiry_points[c->first_point].offset;
        if (absolute ? value > max : (value == 0 || value > max - initial))
            s = E_OS_VALUE;
    }
    if (s == E_OK && ST(id)->status != SCHEDULETABLE_STOPPED)
        s = E_OS_STATE;
    if (s != E_OK)
        return os_error(service, s, id, value, 0);
    CounterType c = CFG.schedtables[id].counter;
    ST(id)->next = INVALID_SCHEDULETABLE;
    os_schedtable_begin(id, absolute ? value : os_counter_add(c, CFG.counter_value[c], value));
    return E_OK;
}

StatusType StartScheduleTableRel(ScheduleTableType ScheduleTableID, TickType Offset)
{
    os_lock();
    StatusType s = os_schedtable_start(OSServiceId_StartScheduleTableRel, ScheduleTableID, Offset, 0);
    os_unlock();
    return s;
}

StatusType StartScheduleTableAbs(ScheduleTableType ScheduleTableID, TickType Start)
{
    os_lock();
    StatusType s = os_schedtable_start(OSServiceId_StartScheduleTableAbs, ScheduleTableID, Start, 1);
    os_unlock();
    return s;
}

StatusType StopScheduleTable(ScheduleTableType ScheduleTableID)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && ScheduleTableID >= CFG.schedtable_count)
        s = E_OS_ID;
    if (s == E_OK && ST(ScheduleTableID)->status == SCHEDULETABLE_STOPPED)
        s = E_OS_NOFUNC;
    if (s != E_OK) {
        os_error(OSServiceId_StopScheduleTable, s, ScheduleTableID, 0, 0);
        os_unlock();
        return s;
    }
    Os_ScheduleTableState *st = ST(ScheduleTableID);
    /* A table queued behind this one does not start; one this table was queued behind forgets it. */
    if (st->next != INVALID_SCHEDULETABLE)
        ST(st->next)->status = SCHEDULETABLE_STOPPED;
    for (ScheduleTableType t = 0; t < CFG.schedtable_count; t++)
        if (ST(t)->next == ScheduleTableID)
            ST(t)->next = INVALID_SCHEDULETABLE;
    st->next = INVALID_SCHEDULETABLE;
    st->status = SCHEDULETABLE_STOPPED;
    os_unlock();
    return E_OK;
}

StatusType NextScheduleTable(ScheduleTableType ScheduleTableID_From, ScheduleTableType ScheduleTableID_To)
{
    os_lock();
    ScheduleTableType from = ScheduleTableID_From, to = ScheduleTableID_To;
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    /* Both known, driven by the same counter, with the same synchronisation strategy. */
    if (s == E_OK && (from >= CFG.schedtable_count || to >= CFG.schedtable_count ||
                      CFG.schedtables[from].counter != CFG.schedtables[to].counter ||
                      CFG.schedtables[from].implicit_sync != CFG.schedtables[to].implicit_sync))
        s = E_OS_ID;
    if (s == E_OK && (ST(from)->status == SCHEDULETABLE_STOPPED || ST(from)->status == SCHEDULETABLE_NEXT))
        s = E_OS_NOFUNC;
    if (s == E_OK && ST(to)->status != SCHEDULETABLE_STOPPED)
        s = E_OS_STATE;
    if (s != E_OK) {
        os_error(OSServiceId_NextScheduleTable, s, from, to, 0);
        os_unlock();
        return s;
    }
    /* A table queued before is replaced: it goes back to STOPPED. */
    if (ST(from)->next != INVALID_SCHEDULETABLE)
        ST(ST(from)->next)->status = SCHEDULETABLE_STOPPED;
    ST(from)->next = to;
    ST(to)->status = SCHEDULETABLE_NEXT;
    ST(to)->next = INVALID_SCHEDULETABLE;
    os_unlock();
    return E_OK;
}

StatusType GetScheduleTableStatus(ScheduleTableType ScheduleTableID, ScheduleTableStatusRefType ScheduleStatus)
{
    os_lock();
    StatusType s = os_enter_check(L_TASK | L_ISR2);
    if (s == E_OK && ScheduleTableID >= CFG.schedtable_count)
        s = E_OS_ID;
    if (s == E_OK && ScheduleStatus == NULL)
        s = E_OS_PARAM_POINTER;
    if (s == E_OK)
        *ScheduleStatus = ST(ScheduleTableID)->status;
    else
        os_error(OSServiceId_GetScheduleTableStatus, s, ScheduleTableID, 0, 0);
    os_unlock();
    return s;
}

/* ---- interrupts -------------------------------------------------------------------------- */

static int os_isr_masked(ISRType line)
{
    const Os_IsrCfg *c = &CFG.isrs[line];
    if (os_all_disabled || os_suspend_all > 0)
        return 1;
    if (c->category == 2 && os_suspend_os > 0)
        return 1;
    return c->priority <= os_isr_priority;
}

static void os_run_isr(ISRType line)
{
    const Os_IsrCfg *c = &CFG.isrs[line];
    unsigned saved_level = os_level;
    ISRType saved_isr = os_isr;
    uint32_t saved_priority = os_isr_priority;
    uint8_t saved_disabled = os_all_disabled;
    uint32_t saved_all = os_suspend_all, saved_os = os_suspend_os;
    CFG.isr_pending[line] = 0;
    os_level = c->category == 2 ? L_ISR2 : L_ISR1;
    os_isr = c->category == 2 ? line : INVALID_ISR;
    os_isr_priority = c->priority;
    uint64_t began = c->budget_ms != 0 ? wells_now_ns() : 0;
    c->entry();
    /* An ISR runs inside the OS's critical section, so its budget is checked when it returns. */
    if (c->budget_ms != 0 && wells_now_ns() - began > (uint64_t)c->budget_ms * 1000000u &&
        os_protection_hook(E_OS_PROTECTION_TIME) != PRO_TERMINATETASKISR)
        os_shutdown(E_OS_PROTECTION_TIME);
    if (c->irq >= 0) /* its line was masked from the interrupt until the body had run */
        Os_PortIrqEnable((uint32_t)c->irq);
    /* An ISR that ends with interrupts disabled or suspended: the OS puts back what they were
     * when it began. */
    os_all_disabled = saved_disabled;
    os_suspend_all = saved_all;
    os_suspend_os = saved_os;
    os_level = saved_level;
    os_isr = saved_isr;
    os_isr_priority = saved_priority;
}

/* Runs the pending ISRs that may run now, highest priority first (lock held). */
static void os_deliver_pending(void)
{
    for (;;) {
        ISRType best = INVALID_ISR;
        for (ISRType i = 0; i < CFG.isr_count; i++)
            if (CFG.isr_pending[i] && !os_isr_masked(i) &&
                (best == INVALID_ISR || CFG.isrs[i].priority > CFG.isrs[best].priority))
                best = i;
        if (best == INVALID_ISR)
            return;
        os_run_isr(best);
    }
}

/* ---- the hardware counter: a wells timer posts a semaphore, a wells thread at the top
 * priority takes each tick as a category-2 interrupt of the highest priority ------------- */

static CounterType os_hw_counter = 0xFFFFFFFFu;
static uint32_t os_hw_pending; /* ticks not yet counted: interrupts were off */
static wells_sem_t os_hw_sem;
static wells_thread_t os_hw_thread;
static wells_timer_t os_hw_timer;

static void os_hw_timer_fn(void *arg)
{
    (void)arg;
    (void)wells_sem_post(os_hw_sem); /* tick context: only this */
}

/* Counts the pending ticks (lock held). */
static void os_hw_ticks(void)
{
    unsigned saved = os_level;
    os_level = L_ISR2;
    while (os_hw_pending > 0) {
        os_hw_pending--;
        os_counter_tick(os_hw_counter, 0);
    }
    os_level = saved;
}

/* The end of the tick's ISR on the counter thread (lock held): the running task, stopped
 * wherever it was, is preempted when a higher-priority task became ready. */
static void os_preempt_async(void)
{
    TaskType cur = os_running;
    TaskType next = os_select();
    if (next == INVALID_TASK || next == cur)
        return;
    if (cur != INVALID_TASK) {
        Os_TaskState *t = TS(cur);
        os_leave(cur, READY);
        t->seq = os_front_seq--;
        t->suspended = 1;
        (void)wells_thread_suspend(t->thread);
    }
    os_start_running(next);
}

/* ---- timing protection (AUTOSAR SC2/SC4): a task's job may use EXECUTIONBUDGET ms of CPU
 * time (its wells thread's run time, from its activation or the end of a wait); the counter's
 * thread checks the running task on each tick, with the task stopped wherever it was ---- */

/* ProtectionHook's answer (PRO_SHUTDOWN without a hook). Lock held. */
static ProtectionReturnType os_protection_hook(StatusType error)
{
    if (CFG.protection_hook == NULL)
        return PRO_SHUTDOWN;
    unsigned level = os_level;
    os_level = L_PROTECTIONHOOK;
    ProtectionReturnType reaction = CFG.protection_hook(error);
    os_level = level;
    return reaction;
}

/* On the counter's thread (lock held, task level). A task past its budget is reported to
 * ProtectionHook; PRO_TERMINATETASKISR ends it as TerminateTask would (what it holds released)
 * and its thread starts over (wells_thread_restart), waiting to be dispatched again; anything
 * else shuts the OS down. */
static void os_check_task_budget(void)
{
    TaskType id = os_running;
    if (id == INVALID_TASK || CFG.tasks[id].budget_ms == 0)
        return;
    Os_TaskState *t = TS(id);
    uint64_t used = os_run_time_ns(t->thread) - t->job_start_ns;
    if (used <= (uint64_t)CFG.tasks[id].budget_ms * 1000000u)
        return;
    if (os_protection_hook(E_OS_PROTECTION_TIME) != PRO_TERMINATETASKISR)
        os_shutdown(E_OS_PROTECTION_TIME);
    os_terminate(id);
    t->suspended = 0;
    if (wells_thread_restart(t->thread) != WELLS_OK)
        os_shutdown(E_OS_PROTECTION_TIME);
    /* A dispatch posted to its thread and not yet taken belonged to the abandoned context. */
    while (wells_sem_wait(t->sem, WELLS_NO_WAIT) == WELLS_OK) {
    }
    TaskType next = os_select();
    if (next != INVALID_TASK)
        os_start_running(next);
}

static int32_t os_hw_thread_fn(void *arg)
{
    (void)arg;
    for (;;) {
        (void)wells_sem_wait(os_hw_sem, WELLS_WAIT_FOREVER);
        os_lock();
        os_hw_pending++;
        /* The task threads run OS code and ISRs under the lock, so here the level is the
         * task level; with interrupts off the tick waits for them to be enabled. */
        if (os_level == L_TASK && !os_interrupts_off()) {
            os_check_task_budget();
            os_hw_ticks();
            os_preempt_async();
        }
        os_unlock();
    }
    return 0;
}

/* ---- hardware interrupt lines: an ISR bound to one (OIL IRQ) is marked pending by the port's
 * handler, which then wakes a wells thread at the top priority (wells_sem_post_from_interrupt,
 * safe whatever the interrupt found wells doing); that thread runs the pending ISRs as
 * raise_isr would, and preempts the running task when they made a higher one ready ------- */

static wells_sem_t os_irq_sem;
static wells_thread_t os_irq_thread;

void Os_IrqRaised(uint32_t irq)
{
    for (ISRType i = 0; i < CFG.isr_count; i++)
        if (CFG.isrs[i].irq == (int32_t)irq)
            ((volatile uint8_t *)CFG.isr_pending)[i] = 1;
}

void Os_IrqWake(void)
{
    (void)wells_sem_post_from_interrupt(os_irq_sem);
}

static int32_t os_irq_thread_fn(void *arg)
{
    (void)arg;
    for (;;) {
        (void)wells_sem_wait(os_irq_sem, WELLS_WAIT_FOREVER);
        os_lock();
        /* As the counter's thread: here the level is the task level; with interrupts off the
         * ISRs stay pending until they are enabled. */
        if (os_level == L_TASK && !os_interrupts_off()) {
            os_deliver_pending();
            os_preempt_async();
        }
        os_unlock();
    }
    return 0;
}

/* Makes the interrupt thread and enables the bound lines (at the end of StartOS). */
static void os_irq_start(void)
{
    int bound = 0;
    for (ISRType i = 0; i < CFG.isr_count; i++)
        bound |= CFG.isrs[i].irq >= 0;
    if (!bound)
        return;
    wells_status ws = wells_sem_create(&os_irq_sem, 0, 1u << 20);
    if (ws != WELLS_OK)
        os_fail("wells_sem_create", ws);
    ws = wells_thread_create(&os_irq_thread, "Os interrupts", WELLS_PRIORITY_MAX, 0, os_irq_thread_fn, NULL);
    if (ws != WELLS_OK || (ws = wells_thread_start(os_irq_thread)) != WELLS_OK)
        os_fail("wells_thread_create", ws);
    for (ISRType i = 0; i < CFG.isr_count; i++)
        if (CFG.isrs[i].irq >= 0)
            Os_PortIrqEnable((uint32_t)CFG.isrs[i].irq);
}

/* After interrupts are enabled again: held ticks and pending ISRs, then (at task level)
 * rescheduling. */
static void os_interrupts_enabled(void)
{
    if (os_hw_pending > 0 && !os_interrupts_off() && os_level == L_TASK)
        os_hw_ticks();
    os_deliver_pending();
    if (os_level == L_TASK && !os_interrupts_off())
        os_reschedule();
    else
        os_unlock();
}

StatusType raise_isr(ISRType Line)
{
    os_lock();
    StatusType s = E_OK;
    if ((os_level & (L_TASK | L_ISR1 | L_ISR2)) == 0)
        s = E_OS_CALLEVEL;
    if (s == E_OK && Line >= CFG.isr_count)
        s = E_OS_ID;
    if (s != E_OK) {
        os_error(OSServiceId_RaiseIsr, s, Line, 0, 0);
        os_unlock();
        return s;
    }
    CFG.isr_pending[Line] = 1;
    if (os_interrupts_off() || os_level != L_TASK) {
        /* Masked: stays pending. From an ISR: a higher-priority one nests at once. */
        if (!os_isr_masked(Line))
            os_run_isr(Line);
        os_unlock();
        return E_OK;
    }
    os_interrupts_enabled();
    return E_OK;
}

ISRType GetISRID(void)
{
    return os_level == L_ISR2 ? os_isr : INVALID_ISR;
}

void DisableAllInterrupts(void)
{
    os_lock();
    os_all_disabled = 1;
    os_unlock();
}

void EnableAllInterrupts(void)
{
    os_lock();
    if (!os_all_disabled) {
        os_unlock();
        return;
    }
    os_all_disabled = 0;
    os_interrupts_enabled();
}

void SuspendAllInterrupts(void)
{
    os_lock();
    os_suspend_all++;
    os_unlock();
}

void ResumeAllInterrupts(void)
{
    os_lock();
    if (os_suspend_all == 0 || --os_suspend_all > 0) {
        os_unlock();
        return;
    }
    os_interrupts_enabled();
}

void SuspendOSInterrupts(void)
{
    os_lock();
    os_suspend_os++;
    os_unlock();
}

void ResumeOSInterrupts(void)
{
    os_lock();
    if (os_suspend_os == 0 || --os_suspend_os > 0) {
        os_unlock();
        return;
    }
    os_interrupts_enabled();
}

/* ---- start and shutdown ------------------------------------------------------------------ */

AppModeType GetActiveApplicationMode(void)
{
    return os_mode;
}

static int32_t os_task_thread(void *arg)
{
    TaskType id = (TaskType)(uintptr_t)arg;
    Os_TaskState *t = TS(id);
    for (;;) {
        (void)wells_sem_wait(t->sem, WELLS_WAIT_FOREVER);
        if (setjmp(t->terminate) == 0) {
            CFG.tasks[id].entry();
            /* The body returned without TerminateTask: AUTOSAR's E_OS_MISSINGEND, then the
             * instance ends as TerminateTask would (what it holds is released, interrupts are
             * enabled). */
            os_lock();
            os_all_disabled = 0; /* interrupts left disabled or suspended: enabled again */
            os_suspend_all = 0;
            os_suspend_os = 0;
            os_error(OSServiceId_TerminateTask, E_OS_MISSINGEND, 0, 0, 0);
            os_terminate(id);
            os_hand_over();
        }
    }
    return 0;
}

static void os_fail(const char *what, wells_status s)
{
    fflush(stdout);
    fprintf(stderr, "Os: %s failed: %s\n", what, wells_status_str(s));
    Os_PortExit(2);
}

void StartOS(AppModeType Mode)
{
    if (os_level != L_NONE) /* called again from inside the OS: ignored */
        return;
    if (Mode >= CFG.appmode_count) {
        fprintf(stderr, "Os: StartOS: application mode %u is not configured\n", (unsigned)Mode);
        Os_PortExit(2);
    }
    os_mode = Mode;
    wells_status ws = Os_PortStart();
    if (ws != WELLS_OK)
        os_fail("Os_PortStart (wells_init)", ws);
    for (TaskType id = 0; id < CFG.task_count; id++) {
        Os_TaskState *t = TS(id);
        t->state = SUSPENDED;
        t->last_resource = OS_NO_RESOURCE;
        if ((ws = wells_sem_create(&t->sem, 0, 2)) != WELLS_OK)
            os_fail("wells_sem_create", ws);
        ws = wells_thread_create(&t->thread, CFG.tasks[id].name, WELLS_PRIORITY_DEFAULT, 0,
                                 os_task_thread, (void *)(uintptr_t)id);
        if (ws != WELLS_OK || (ws = wells_thread_start(t->thread)) != WELLS_OK)
            os_fail("wells_thread_create", ws);
    }
    for (ResourceType r = 0; r < CFG.resource_count; r++)
        CFG.resource_state[r].owner = INVALID_TASK;
    for (CounterType c = 0; c < CFG.counter_count; c++) {
        if (CFG.counters[c].tick_ms == 0)
            continue;
        os_hw_counter = c;
        if ((ws = wells_sem_create(&os_hw_sem, 0, 1u << 20)) != WELLS_OK)
            os_fail("wells_sem_create", ws);
        ws = wells_thread_create(&os_hw_thread, "Os counter", WELLS_PRIORITY_MAX, 0,
                                 os_hw_thread_fn, NULL);
        if (ws != WELLS_OK || (ws = wells_thread_start(os_hw_thread)) != WELLS_OK)
            os_fail("wells_thread_create", ws);
        if ((ws = wells_timer_create(&os_hw_timer, os_hw_timer_fn, NULL)) != WELLS_OK)
            os_fail("wells_timer_create", ws);
        ws = wells_timer_start(os_hw_timer, CFG.counters[c].tick_ms, CFG.counters[c].tick_ms);
        if (ws != WELLS_OK)
            os_fail("wells_timer_start", ws);
    }
    os_irq_start(); /* its thread runs once wells_run starts the threads */
    os_lock();
    for (TaskType id = 0; id < CFG.task_count; id++)
        if (CFG.tasks[id].autostart & (1u << Mode))
            (void)os_activate(id);
    for (AlarmType a = 0; a < CFG.alarm_count; a++)
        if (CFG.alarms[a].autostart & (1u << Mode)) {
            os_level = L_TASK; /* the checks of SetRel/AbsAlarm */
            StatusType s = os_set_alarm(CFG.alarms[a].absolute ? OSServiceId_SetAbsAlarm
                                                                : OSServiceId_SetRelAlarm,
                                        a, CFG.alarms[a].alarm_time, CFG.alarms[a].cycle_time,
                                        CFG.alarms[a].absolute);
            os_level = L_NONE;
            if (s != E_OK) {
                fprintf(stderr, "Os: StartOS: autostart of alarm %s refused (%u)\n",
                        CFG.alarms[a].name, (unsigned)s);
                Os_PortExit(2);
            }
        }
    for (ScheduleTableType t = 0; t < CFG.schedtable_count; t++) {
        ST(t)->next = INVALID_SCHEDULETABLE;
        const Os_ScheduleTableCfg *c = &CFG.schedtables[t];
        if ((c->autostart & (1u << Mode)) == 0)
            continue;
        int absolute = c->autostart_type == OS_ST_AUTOSTART_ABSOLUTE;
        os_level = L_TASK; /* the checks of StartScheduleTableRel/Abs */
        StatusType s = os_schedtable_start(absolute ? OSServiceId_StartScheduleTableAbs
                                                    : OSServiceId_StartScheduleTableRel,
                                           t, c->autostart_value, absolute);
        os_level = L_NONE;
        if (s != E_OK) {
            fprintf(stderr, "Os: StartOS: autostart of schedule table %s refused (%u)\n", c->name,
                    (unsigned)s);
            Os_PortExit(2);
        }
    }
    if (CFG.startup_hook != NULL)
        os_call_hook(L_STARTUP, CFG.startup_hook);
    os_level = L_TASK;
    TaskType first = os_select();
    if (first != INVALID_TASK)
        os_start_running(first);
    os_unlock();
    ws = wells_run();
    /* Every task thread waits and no timer can wake one: idle for ever. */
    fflush(stdout);
    fprintf(stderr, "Os: idle with nothing left that could activate a task (wells_run: %s); "
                    "an application ends with ShutdownOS\n",
            wells_status_str(ws));
    Os_PortExit(3);
}

/* ShutdownHook, then the end (lock held). */
static void os_shutdown(StatusType Error)
{
    if (CFG.shutdown_hook != NULL) {
        os_level = L_SHUTDOWN;
        CFG.shutdown_hook(Error);
    }
    Os_PortExit(0);
}

void ShutdownOS(StatusType Error)
{
    os_lock();
    if ((os_level & (L_TASK | L_ISR2 | L_ERRORHOOK | L_STARTUP)) == 0) {
        os_unlock();
        return; /* not allowed here: ignored (ShutdownOS returns nothing) */
    }
    os_shutdown(Error);
}

ApplicationType GetApplicationID(void)
{
    if (os_running == INVALID_TASK || CFG.tasks[os_running].app < 0)
        return INVALID_OSAPPLICATION;
    return (ApplicationType)CFG.tasks[os_running].app;
}

/* The port found the running task touching memory its application may not (on its thread):
 * ProtectionHook decides; PRO_TERMINATETASKISR ends the task as TerminateTask would (what it
 * holds released, interrupts enabled), anything else shuts the OS down. */
void Os_ProtectionViolation(void)
{
    os_lock();
    TaskType self = os_running;
    unsigned level = os_level;
    ProtectionReturnType reaction = os_protection_hook(E_OS_PROTECTION_MEMORY);
    if (reaction == PRO_TERMINATETASKISR && level == L_TASK && self != INVALID_TASK) {
        os_all_disabled = 0;
        os_suspend_all = 0;
        os_suspend_os = 0;
        os_terminate(self);
        os_hand_over();
        longjmp(TS(self)->terminate, 1);
    }
    os_shutdown(E_OS_PROTECTION_MEMORY);
}
