/* stdlib.h - program end for a bare-metal wells program on the mps2-an385 (no allocator: wells
 * has its heap, the program its static data). */
#ifndef WELLS_MPS2_STDLIB_H
#define WELLS_MPS2_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void exit(int status) __attribute__((noreturn)); /* QEMU ends with `status` (semihosting) */
void abort(void) __attribute__((noreturn));      /* status 134, as a process killed by SIGABRT */
int abs(int value);

#endif
