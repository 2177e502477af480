/* stdio.h - the little of C's stdio a bare-metal wells program on the mps2-an385 needs: formatted
 * output to the console (CMSDK UART0). stdout and stderr both go there, unbuffered. Formats:
 * %d %i %u %x %X %c %s %p %%, flags - 0 +, space, a width (or *), a precision for %s, lengths
 * hh h l ll z. */
#ifndef WELLS_MPS2_STDIO_H
#define WELLS_MPS2_STDIO_H

#include <stdarg.h>
#include <stddef.h>

typedef struct wells_mps2_file FILE;
extern FILE *const stdout;
extern FILE *const stderr;

#define EOF (-1)

int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int fprintf(FILE *stream, const char *format, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char *format, va_list args) __attribute__((format(printf, 1, 0)));
int vfprintf(FILE *stream, const char *format, va_list args) __attribute__((format(printf, 2, 0)));
int snprintf(char *out, size_t size, const char *format, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *out, size_t size, const char *format, va_list args) __attribute__((format(printf, 3, 0)));
int puts(const char *text);
int fputs(const char *text, FILE *stream);
int putchar(int c);
int fflush(FILE *stream);

#endif
