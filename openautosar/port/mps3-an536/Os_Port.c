/* Os_Port.c - the OSEK layer on bare metal, QEMU's mps3-an536 Cortex-R52 (adapters/mps3-an536).
 * The heap is the region the image's linker script leaves; time is the generic timer (under
 * QEMU's -icount it follows the instructions run); QEMU ends with the status through
 * semihosting. No interrupt line is bound to ISRs here yet: they are raise_isr lines. */
#include "Os_Port.h"
#include "wells_an536.h"

wells_status Os_PortStart(void)
{
    return wells_an536_start(0);
}

void Os_PortExit(int status)
{
    wells_an536_exit(status);
}

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
