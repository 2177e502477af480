/* Os_Port.c - the OSEK layer on bare metal, QEMU's mps2-an385 (adapters/mps2-an385). The heap is
 * the RAM the image leaves free; time is the board's 25 MHz clock (under QEMU's -icount it
 * follows the instructions run); QEMU ends with the status through semihosting. */
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
