/* Os_Port.c - the OSEK layer on bare metal, QEMU's mps2-an385 (adapters/mps2-an385). The heap is
 * the RAM the image leaves free; time is the board's 25 MHz clock (under QEMU's -icount it
 * follows the instructions run); QEMU ends with the status through semihosting. An ISR bound to
 * one of the board's interrupt lines (OIL `IRQ = n`) is taken here: the handler masks the line,
 * marks the ISR pending and wakes the OS's interrupt thread in thread mode; the OS unmasks the
 * line when the ISR has run. */
#include "Os_Port.h"
#include "wells_mps2.h"

wells_status Os_PortStart(void)
{
    return wells_mps2_start(0);
}

void Os_PortExit(int status)
{
    wells_mps2_exit(status);
}

void Os_PortIrqEnable(uint32_t irq)
{
    wells_mps2_irq_enable(irq);
}

/* The adapter's handler of the board's interrupts (handler mode). */
void wells_mps2_irq(unsigned irq)
{
    wells_mps2_irq_disable(irq); /* until the ISR's body, in thread mode, has cleared the device */
    Os_IrqRaised(irq);
    wells_mps2_call_in_thread(Os_IrqWake);
}
