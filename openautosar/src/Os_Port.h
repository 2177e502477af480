/* Os_Port.h - what the OSEK layer (os.c) needs from the environment wells runs in: one small
 * file per environment implements it, and os.c is the same text everywhere:
 *   port/posix/Os_Port.c        a Linux process (adapters/posix), the hosted build;
 *   port/mps2-an385/Os_Port.c   bare metal on QEMU's mps2-an385 Cortex-M3 (adapters/mps2-an385).
 * Both have the C library calls os.c makes (printf, fprintf to stderr, fflush, setjmp): the
 * Linux one, or picolibc on bare metal. */
#ifndef WELLS_OS_PORT_H
#define WELLS_OS_PORT_H

#include <stdint.h>

#include "wells.h"

/* wells_init through the environment's host operations: its clock (one that follows the work
 * done, where the environment has a choice), its timer, its heap. */
wells_status Os_PortStart(void);

/* Ends the program with `status`, output flushed: the process, or QEMU. */
void Os_PortExit(int status) __attribute__((noreturn));

/* Hardware interrupt lines, for ISRs an OIL file binds to one (`IRQ = n`). The OS enables each
 * bound line at StartOS and again each time the ISR bound to it has run. The port's interrupt
 * handler masks the line (the ISR's body clears the device, in thread mode, later), calls
 * Os_IrqRaised(line) there, and then Os_IrqWake() where a wells call may switch threads (on
 * the M3: in thread mode, through the adapter's injected call). A port without such lines (a
 * Linux process) does nothing here: bound ISRs are then raised with raise_isr only. */
void Os_PortIrqEnable(uint32_t irq);
void Os_IrqRaised(uint32_t irq);
void Os_IrqWake(void);

/* Memory protection of OS-Applications (SC3): region `region` (one per application) covers
 * `size` bytes at `base` (aligned to `size`); `deny` keeps the code that runs next from writing it
 * (on the M3 from reading it too; the R52's EL1 MPU can only make it read-only), 0 opens it. A port without an MPU does nothing (no protection). A task's access to a
 * denied region is reported by the port calling Os_ProtectionViolation() on that task's thread. */
void Os_PortDenyRegion(uint32_t region, void *base, uint32_t size, int deny);
void Os_ProtectionViolation(void) __attribute__((noreturn));

#endif /* WELLS_OS_PORT_H */
