/* test_irq (Cortex-M3 only): a real interrupt as a category-2 ISR. CMSDK APB timer 1 of QEMU's
 * mps2-an385 (0x40001000, interrupt line 9: hw/arm/mps2.c) interrupts a task spinning in a loop
 * that calls no service; the ISR, run by the OS after the interrupt (the port's handler masks
 * the line, wells_sem_post_from_interrupt wakes the OS's interrupt thread), clears the device
 * and activates two tasks of higher priority, which run in priority order right after the ISR
 * ends, before the spinning task goes on. With interrupts disabled the ISR stays pending and
 * runs inside EnableAllInterrupts. */
#include <stdint.h>

#include "osek_check.h"

#define REG(address) (*(volatile uint32_t *)(uintptr_t)(address))
#define TIMER1 0x40001000u
#define TIMER_CTRL REG(TIMER1 + 0x0) /* bit 0 enable, bit 3 interrupt enable */
#define TIMER_VALUE REG(TIMER1 + 0x4)
#define TIMER_RELOAD REG(TIMER1 + 0x8)
#define TIMER_INTCLEAR REG(TIMER1 + 0xC) /* read: the interrupt is raised; write 1: clear it */
#define TIMER_PERIOD 50000u             /* cycles of 40 ns: 2 ms */
/* Loop turns a wait may take before the test gives up on an interrupt (some 40 ms). */
#define SPIN_LIMIT 2000000ul

static volatile int isr_runs, isr_left, hi_runs;

static void timer_start(void)
{
    TIMER_CTRL = 0;
    TIMER_RELOAD = TIMER_PERIOD;
    TIMER_VALUE = TIMER_PERIOD;
    TIMER_CTRL = 1u | 8u;
}

ISR(TimerIrq)
{
    TIMER_INTCLEAR = 1;
    if (--isr_left == 0)
        TIMER_CTRL = 0;
    isr_runs++;
    TRACE("isr");
    CHECK_U(GetISRID(), TimerIrq);
    CHECK_S(ActivateTask(Mid), E_OK);
    CHECK_S(ActivateTask(Hi), E_OK);
    TRACE("isr-end"); /* the activations run after the ISR */
}

TASK(Hi)
{
    hi_runs++;
    TRACE("Hi");
    TerminateTask();
}

TASK(Mid)
{
    TRACE("Mid");
    TerminateTask();
}

TASK(Spinner)
{
    /* Three interrupts of the running timer while the task spins: each time the tasks the ISR
     * activated ran in the middle of the loop. */
    isr_left = 3;
    timer_start();
    int last = hi_runs, seen_in_loop = 0;
    unsigned long turns = 0;
    while (hi_runs < 3 && turns < SPIN_LIMIT) {
        if (hi_runs != last) {
            last = hi_runs;
            seen_in_loop++;
        }
        turns++;
    }
    CHECK_U(hi_runs, 3);
    CHECK(seen_in_loop >= 2); /* inside the loop, which calls no service */
    CHECK_TRACE("isr isr-end Hi Mid isr isr-end Hi Mid isr isr-end Hi Mid");
    for (volatile unsigned long i = 0; i < 100000ul; i++) { /* the timer stopped: no fourth */
    }
    CHECK_U(isr_runs, 3);

    /* OSEK's interrupts off: the device interrupts, the ISR waits; EnableAllInterrupts runs it
     * and the tasks it activated before returning. */
    DisableAllInterrupts();
    isr_left = 1;
    timer_start();
    turns = 0;
    while ((TIMER_INTCLEAR & 1u) == 0 && turns < SPIN_LIMIT)
        turns++;
    CHECK(turns < SPIN_LIMIT); /* the timer did interrupt */
    for (volatile unsigned long i = 0; i < 100000ul; i++) {
    }
    CHECK_U(isr_runs, 3);
    CHECK_TRACE("");
    EnableAllInterrupts();
    TRACE("enabled");
    CHECK_U(isr_runs, 4);
    CHECK_TRACE("isr isr-end Hi Mid enabled");
    TEST_END();
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 2;
}
