/* setjmp.h - setjmp / longjmp on the Cortex-M3 (soft-float AAPCS: r4-r11, sp and lr). */
#ifndef WELLS_MPS2_SETJMP_H
#define WELLS_MPS2_SETJMP_H

typedef unsigned long jmp_buf[10];

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int value) __attribute__((noreturn));

#endif
