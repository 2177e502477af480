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

#ifdef __cplusplus
}
#endif

#endif /* WELLS_AN536_H */
