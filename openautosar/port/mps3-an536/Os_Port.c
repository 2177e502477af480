/* Os_Port.c - the OSEK layer on bare metal, QEMU's mps3-an536 Cortex-R52 (adapters/mps3-an536).
 * The heap is the region the image's linker script leaves; time is the generic timer (under
 * QEMU's -icount it follows the instructions run); QEMU ends with the status through
 * semihosting. No interrupt line is bound to ISRs here yet: they are raise_isr lines.
 * OS-Applications' data is protected with the EL1 MPU (SC3). */
#include "Os_Port.h"

#include <stdio.h>

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

/* OS-Applications' data regions through the EL1 MPU: a denied region is read-only (PMSAv8-32
 * has no "no access" for EL1, where every task runs), so another application's data cannot be
 * changed. Its regions are 64-byte multiples: a smaller DATASIZE cannot be protected and is
 * refused (status 3) rather than left open or rounded over its neighbours. */
void Os_PortDenyRegion(uint32_t region, void *base, uint32_t size, int deny)
{
    if (wells_an536_mpu_protect(region, base, size, deny) != 0) {
        fprintf(stderr, "openautosar: OS-Application data region %u (%u bytes): the R52's MPU needs DATASIZE >= 64 and at most 16 regions\n",
                (unsigned)region, (unsigned)size);
        Os_PortExit(3);
    }
}

/* The adapter's data abort on a write the MPU denied (abort mode): the report runs on the
 * running task's thread, where the OS ends the task or shuts down; it never returns to the
 * faulting instruction. */
void (*wells_an536_memfault(unsigned long address))(void)
{
    (void)address;
    return Os_ProtectionViolation;
}
