/* Os_Port.c - the OSEK layer in a Linux process (adapters/posix). The CPU-time clock makes counter
 * time follow the work done, so a loaded machine cannot stretch it, and idle time is skipped. */
#include <stdio.h>
#include <unistd.h>

#include "Os_Port.h"
#include "wells_posix.h"

wells_status Os_PortStart(void)
{
    return wells_posix_start_clock(4u << 20, WELLS_POSIX_CLOCK_CPU);
}

void Os_PortExit(int status)
{
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

/* A Linux process has no interrupt lines: an ISR bound to one is raised with raise_isr. */
void Os_PortIrqEnable(uint32_t irq)
{
    (void)irq;
}

/* No MPU here: OS-Applications share all memory. */
void Os_PortDenyRegion(uint32_t region, void *base, uint32_t size, int deny)
{
    (void)region;
    (void)base;
    (void)size;
    (void)deny;
}
