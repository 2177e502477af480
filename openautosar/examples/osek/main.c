/* examples/osek: an OSEK application written only against Os.h (and its OIL file), run
 * hosted on wells: `cargo xtask run --example osek`. */
#include <stdio.h>

#include "Os.h"

static int sample, readings[8], count, sum;

void StartupHook(void) { printf("osek example: started in application mode %u\n", (unsigned)GetActiveApplicationMode()); }
void ShutdownHook(StatusType Error) { printf("osek example: shutdown (status %u)\n", (unsigned)Error); }
void ErrorHook(StatusType Error) { printf("osek example: service %d failed with %u\n", (int)OSErrorGetServiceId(), (unsigned)Error); }

static int samples;

/* Activated every 10 ms by SampleAlarm; the system idles in between. */
TASK(Sampler)
{
    TickType now;
    GetCounterValue(SysTick, &now);
    if (++samples > 5) {
        printf("osek example: %d readings filtered, sum %d\n", count, sum);
        ShutdownOS(E_OK);
    }
    sample = samples * 30;
    printf("Sampler  at tick %3u: reading %d\n", (unsigned)now, sample);
    SetEvent(Filter, NewSample);
    if (samples == 2 || samples == 5)
        raise_isr(SensorIrq); /* the simulated sensor line */
    TerminateTask();
}

TASK(Filter)
{
    for (;;) {
        WaitEvent(NewSample);
        ClearEvent(NewSample);
        GetResource(Buffer);
        readings[count % 8] = sample;
        count++;
        sum += sample;
        ReleaseResource(Buffer);
        printf("Filter   stored reading %d (%d so far)\n", sample, count);
    }
}

TASK(Logger)
{
    GetResource(Buffer);
    int last = count > 0 ? readings[(count - 1) % 8] : -1;
    ReleaseResource(Buffer);
    printf("Logger   sensor interrupt: last reading %d\n", last);
    TerminateTask();
}

ISR(SensorIrq)
{
    ActivateTask(Logger);
}

int main(void)
{
    StartOS(OSDEFAULTAPPMODE);
    return 1; /* StartOS does not return */
}
