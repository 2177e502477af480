/* Os_Port.c - the OSEK layer on bare metal, QEMU's mps2-an385 (adapters/mps2-an385). The heap is
 * the RAM the image leaves free; time is the board's 25 MHz clock (under QEMU's -icount it
 * follows the instructions run); QEMU ends with the status through semihosting. An ISR bound to
 * one of the board's interrupt lines (OIL `IRQ = n`) is taken here: the handler masks the line,
 * marks the ISR pending and wakes the OS's interrupt thread in thread mode; the OS unmasks the
 * line when the ISR has run. OS-Applications' data is protected with the MPU (SC3). */
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

/* OS-Applications' data regions through the MPU: a denied region is no access at all. */
void Os_PortDenyRegion(uint32_t region, void *base, uint32_t size, int deny)
{
    wells_mps2_mpu_deny(region, base, size, deny);
}

/* The adapter's MemManage handler (handler mode): the running task broke protection. The
 * report runs on its thread, where the OS ends the task or shuts down; it never returns to the
 * faulting instruction. */
void wells_mps2_memfault(unsigned long address)
{
    (void)address;
    wells_mps2_call_in_thread(Os_ProtectionViolation);
}
