/* unistd.h - _exit for a bare-metal wells program on the mps2-an385: QEMU ends with `status`. */
#ifndef WELLS_MPS2_UNISTD_H
#define WELLS_MPS2_UNISTD_H

void _exit(int status) __attribute__((noreturn));

#endif
