/* wells_an536.h - host operations for wells on bare metal: QEMU's mps3-an536 (Cortex-R52).
 *
 * The program links libwells.a built for armv8r-none-eabihf (the joining port), this adapter,
 * picolibc (gcc's --specs=picolibc.specs, with -nostartfiles) and the linker script cargo xtask
 * writes from boards/mps3-an536.toml, then picolibc.ld. QEMU enters the image at EL2; the
 * adapter drops to EL1 (SVC mode), where main() and every wells thread run. Usage, from main():
 *     wells_an536_start(0);          // wells_init with this adapter's host ops
 *     ... create threads, ...        // wells_* calls
 *     wells_run();                   // runs the wells threads
 *     wells_an536_exit(status);      // ends QEMU with this status (semihosting)
 * main() returning ends QEMU with its return value too.
 */
#ifndef WELLS_AN536_H
#define WELLS_AN536_H

#include <stddef.h>

#include "wells.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills a struct wells_host_ops and calls wells_init. heap_size 0 = all of the heap region the
 * linker script gives (__heap_start..__heap_end), else that many bytes of it. */
wells_status wells_an536_start(size_t heap_size);

/* Ends the program: QEMU exits with `status` (semihosting SYS_EXIT_EXTENDED). */
void wells_an536_exit(int status) __attribute__((noreturn));

/* Writes `len` bytes to the console (CMSDK UART0), interrupts held off so lines stay whole. */
void wells_an536_write(const char *text, size_t len);

/* Nanoseconds since reset, from the generic timer's virtual count (CNTVCT and CNTFRQ). */
unsigned long long wells_an536_now_ns(void);

/* Memory protection through the EL1 MPU (PMSAv8-32, its regions over the default memory map):
 * region `region` covers [base, base + size), both multiples of 64 bytes; `protect` makes it
 * read-only and not executable for the code that runs next (EL1 has no "no access" permission
 * in PMSAv8-32: reads still work, writes fault), 0 turns the region off. Returns 0, or -1 (and
 * changes nothing) when the bounds are not 64-byte multiples or the region is beyond the MPU's. */
int wells_an536_mpu_protect(unsigned region, void *base, unsigned long size, int protect);

/* Weak: a program that protects memory defines it. Called in abort mode when code in SVC mode
 * (a wells thread) made an access the MPU does not permit, with the address; it returns the
 * function to call on that thread (SVC mode, its stack, its interrupt mask as at the fault),
 * which must never return (the faulting access is not retried). The adapter's own, or a NULL
 * result, reports the data abort and ends with status 101. */
void (*wells_an536_memfault(unsigned long address))(void);

#ifdef __cplusplus
}
#endif

#endif /* WELLS_AN536_H */
