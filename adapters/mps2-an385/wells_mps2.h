/* wells_mps2.h - host operations for wells on bare metal: QEMU's mps2-an385 (Cortex-M3).
 *
 * The program links libwells.a built for thumbv7m-none-eabi (the joining port), this adapter,
 * picolibc (gcc's --specs=picolibc.specs, with -nostartfiles) and the linker script cargo xtask
 * writes from boards/mps2-an385.toml, then picolibc.ld. Usage, from main():
 *     wells_mps2_start(0);           // wells_init with this adapter's host ops
 *     ... create threads, ...        // wells_* calls
 *     wells_run();                   // runs the wells threads
 *     wells_mps2_exit(status);       // ends QEMU with this status (semihosting)
 * main() returning ends QEMU with its return value too.
 */
#ifndef WELLS_MPS2_H
#define WELLS_MPS2_H

#include <stddef.h>

#include "wells.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills a struct wells_host_ops and calls wells_init. heap_size 0 = all of the RAM the image
 * leaves free (the linker script's __heap_start..__heap_end), else that many bytes of it.
 * Returns wells_init's status (WELLS_ERR_NO_MEMORY when heap_size does not fit). */
wells_status wells_mps2_start(size_t heap_size);

/* Ends the program: QEMU exits with `status` (semihosting SYS_EXIT_EXTENDED). */
void wells_mps2_exit(int status) __attribute__((noreturn));

/* Writes `len` bytes to the console (CMSDK UART0), interrupts held off so lines stay whole. */
void wells_mps2_write(const char *text, size_t len);

/* From an interrupt handler: makes the interrupted thread-mode code call `fn` as soon as the
 * handler returns, in thread mode on its own stack, then go on where it was interrupted (every
 * register and flag as they were). `fn` may call wells_tick() or other wells calls, block and
 * switch threads: this is how the SysTick handler delivers wells' timer. */
void wells_mps2_call_in_thread(void (*fn)(void));

/* The board's interrupt line `irq` (0-31) on (its pending state cleared first, so a level the
 * device dropped in the meantime does not fire again) or off, in the NVIC. Lines start off; the
 * handler of one that is on is wells_mps2_irq(irq), which a program defines. */
void wells_mps2_irq_enable(unsigned irq);
void wells_mps2_irq_disable(unsigned irq);

/* MPU region `region` (0-7) over `size` bytes at `base` (a power of two from 32, aligned to
 * itself): `deny` makes it no-access for thread mode, privileged code included, 0 switches the
 * region off. The first call turns the MPU on, with the default memory map for everything no
 * region covers, and MemManage faults on (handled by wells_mps2_memfault). */
void wells_mps2_mpu_deny(unsigned region, void *base, unsigned long size, int deny);

/* A MemManage fault (an access a denied region forbids), in handler mode: `address` is the one
 * faulted on (0 when the MPU did not record it). Weak: by default an unexpected exception. The
 * faulting instruction is retried when the handler returns, so a handler must not let it run
 * again (openautosar's port ends the task through wells_mps2_call_in_thread). */
void wells_mps2_memfault(unsigned long address);

/* The number of CPU cycles (25 MHz) since reset, from the board's free-running clock. */
unsigned long long wells_mps2_cycles(void);

#ifdef __cplusplus
}
#endif

#endif /* WELLS_MPS2_H */
