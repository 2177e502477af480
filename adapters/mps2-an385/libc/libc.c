/* libc.c - the little C library of bare-metal wells programs on the mps2-an385: console output
 * (formatted), strings and memory, setjmp / longjmp, the program's end. Small and plain rather
 * than fast; no allocator, no files, no locale. Output goes to wells_mps2_write (CMSDK UART0),
 * one call per printf so that a line is not cut by another thread's. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wells_mps2.h"

/* gcc may turn a byte loop back into a call of the function it implements: not here. */
#define NO_LIBCALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* ---- memory and strings ------------------------------------------------------------------- */

NO_LIBCALLS void *memcpy(void *to, const void *from, size_t n)
{
    unsigned char *d = to;
    const unsigned char *s = from;
    while (n-- > 0)
        *d++ = *s++;
    return to;
}

NO_LIBCALLS void *memmove(void *to, const void *from, size_t n)
{
    unsigned char *d = to;
    const unsigned char *s = from;
    if (d <= s || d >= s + n) {
        while (n-- > 0)
            *d++ = *s++;
    } else {
        while (n-- > 0)
            d[n] = s[n];
    }
    return to;
}

NO_LIBCALLS void *memset(void *to, int c, size_t n)
{
    unsigned char *d = to;
    while (n-- > 0)
        *d++ = (unsigned char)c;
    return to;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n > 0; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

/* The run-time ABI's names (Rust's core and gcc call these): note __aeabi_memset's order. */
void *__aeabi_memcpy(void *to, const void *from, size_t n) { return memcpy(to, from, n); }
void *__aeabi_memcpy4(void *to, const void *from, size_t n) { return memcpy(to, from, n); }
void *__aeabi_memcpy8(void *to, const void *from, size_t n) { return memcpy(to, from, n); }
void *__aeabi_memmove(void *to, const void *from, size_t n) { return memmove(to, from, n); }
void *__aeabi_memmove4(void *to, const void *from, size_t n) { return memmove(to, from, n); }
void *__aeabi_memmove8(void *to, const void *from, size_t n) { return memmove(to, from, n); }
void *__aeabi_memset(void *to, size_t n, int c) { return memset(to, c, n); }
void *__aeabi_memset4(void *to, size_t n, int c) { return memset(to, c, n); }
void *__aeabi_memset8(void *to, size_t n, int c) { return memset(to, c, n); }
void *__aeabi_memclr(void *to, size_t n) { return memset(to, 0, n); }
void *__aeabi_memclr4(void *to, size_t n) { return memset(to, 0, n); }
void *__aeabi_memclr8(void *to, size_t n) { return memset(to, 0, n); }

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != 0)
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a != 0 && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++)
        if (*a != *b || *a == 0)
            return (unsigned char)*a - (unsigned char)*b;
    return 0;
}

char *strcpy(char *to, const char *from)
{
    char *d = to;
    while ((*d++ = *from++) != 0) {
    }
    return to;
}

char *strncpy(char *to, const char *from, size_t n)
{
    size_t i = 0;
    for (; i < n && from[i] != 0; i++)
        to[i] = from[i];
    for (; i < n; i++)
        to[i] = 0;
    return to;
}

char *strcat(char *to, const char *from)
{
    strcpy(to + strlen(to), from);
    return to;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c)
            return (char *)s;
        if (*s == 0)
            return NULL;
    }
}

int abs(int value) { return value < 0 ? -value : value; }

/* ---- the end ------------------------------------------------------------------------------ */

void _exit(int status) { wells_mps2_exit(status); }
void exit(int status) { wells_mps2_exit(status); }
void abort(void) { wells_mps2_exit(134); }

/* The unwind tables of libwells.a's objects name the EHABI personality routines; nothing
 * unwinds here (Rust panics abort), so these keep libgcc's unwinder out of the image. */
void __aeabi_unwind_cpp_pr0(void) { abort(); }
void __aeabi_unwind_cpp_pr1(void) { abort(); }
void __aeabi_unwind_cpp_pr2(void) { abort(); }

/* ---- setjmp / longjmp: r4-r11, sp, lr ------------------------------------------------------ */

__attribute__((naked)) int setjmp(jmp_buf env)
{
    (void)env;
    __asm volatile("stmia r0, {r4-r11}\n\t"
                   "mov r2, sp\n\t"
                   "str r2, [r0, #32]\n\t"
                   "str lr, [r0, #36]\n\t"
                   "movs r0, #0\n\t"
                   "bx lr\n\t");
}

__attribute__((naked)) void longjmp(jmp_buf env, int value)
{
    (void)env;
    (void)value;
    __asm volatile("ldmia r0, {r4-r11}\n\t"
                   "ldr r2, [r0, #32]\n\t"
                   "mov sp, r2\n\t"
                   "ldr lr, [r0, #36]\n\t"
                   "movs r0, r1\n\t"
                   "it eq\n\t"
                   "moveq r0, #1\n\t" /* longjmp(env, 0) returns 1 */
                   "bx lr\n\t");
}

/* ---- formatted output --------------------------------------------------------------------- */

/* Where formatted text goes: a buffer of `size` bytes (one kept for the NUL); `length` counts
 * every byte the format produced, written or not (snprintf's return value). */
struct sink {
    char *buf;
    size_t size;
    size_t length;
};

static void put(struct sink *out, char c)
{
    if (out->length + 1 < out->size)
        out->buf[out->length] = c;
    out->length++;
}

static void put_padded(struct sink *out, const char *text, size_t len, int width, int left, char pad)
{
    int fill = width > (int)len ? width - (int)len : 0;
    if (!left && pad == '0' && len > 0 && (text[0] == '-' || text[0] == '+' || text[0] == ' ')) {
        put(out, *text++); /* the sign goes before zeros */
        len--;
    }
    for (; !left && fill > 0; fill--)
        put(out, pad);
    for (size_t i = 0; i < len; i++)
        put(out, text[i]);
    for (; left && fill > 0; fill--)
        put(out, ' ');
}

/* `value` in `base` into the end of `digits` (24 bytes); returns where the number starts. */
static char *format_number(char *end, unsigned long long value, unsigned base, int upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    *--end = 0;
    do {
        *--end = set[value % base];
        value /= base;
    } while (value != 0);
    return end;
}

int vsnprintf(char *buf, size_t size, const char *format, va_list args)
{
    struct sink out = { buf, size, 0 };
    for (const char *f = format; *f != 0; f++) {
        if (*f != '%') {
            put(&out, *f);
            continue;
        }
        f++;
        int left = 0, plus = 0, space = 0, width = 0, precision = -1;
        char pad = ' ';
        for (;; f++) {
            if (*f == '-')
                left = 1;
            else if (*f == '0')
                pad = '0';
            else if (*f == '+')
                plus = 1;
            else if (*f == ' ')
                space = 1;
            else
                break;
        }
        if (*f == '*') {
            width = va_arg(args, int);
            if (width < 0) {
                left = 1;
                width = -width;
            }
            f++;
        } else {
            while (*f >= '0' && *f <= '9')
                width = width * 10 + (*f++ - '0');
        }
        if (*f == '.') {
            f++;
            precision = 0;
            if (*f == '*') {
                precision = va_arg(args, int);
                f++;
            } else {
                while (*f >= '0' && *f <= '9')
                    precision = precision * 10 + (*f++ - '0');
            }
        }
        int longs = 0; /* 0 int, 1 long, 2 long long, 3 size_t */
        for (;; f++) {
            if (*f == 'l')
                longs++;
            else if (*f == 'z')
                longs = 3;
            else if (*f != 'h')
                break;
        }
        char digits[24];
        char *text;
        switch (*f) {
        case 'd':
        case 'i': {
            long long v = longs == 2 ? va_arg(args, long long)
                          : longs == 1 ? va_arg(args, long)
                          : longs == 3 ? (long long)va_arg(args, size_t)
                                       : va_arg(args, int);
            unsigned long long magnitude = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            text = format_number(digits + sizeof digits, magnitude, 10, 0);
            if (v < 0)
                *--text = '-';
            else if (plus)
                *--text = '+';
            else if (space)
                *--text = ' ';
            put_padded(&out, text, strlen(text), width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = longs == 2 ? va_arg(args, unsigned long long)
                                   : longs == 1 ? va_arg(args, unsigned long)
                                   : longs == 3 ? va_arg(args, size_t)
                                                : va_arg(args, unsigned int);
            text = format_number(digits + sizeof digits, v, *f == 'u' ? 10 : 16, *f == 'X');
            put_padded(&out, text, strlen(text), width, left, pad);
            break;
        }
        case 'p': {
            text = format_number(digits + sizeof digits, (uintptr_t)va_arg(args, void *), 16, 0);
            *--text = 'x';
            *--text = '0';
            put_padded(&out, text, strlen(text), width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(args, int);
            put_padded(&out, &c, 1, width, left, ' ');
            break;
        }
        case 's': {
            const char *s = va_arg(args, const char *);
            if (s == NULL)
                s = "(null)";
            size_t len = 0;
            while (s[len] != 0 && (precision < 0 || len < (size_t)precision))
                len++;
            put_padded(&out, s, len, width, left, ' ');
            break;
        }
        case '%':
            put(&out, '%');
            break;
        default: /* unknown: shown as written */
            put(&out, '%');
            if (*f == 0)
                f--;
            else
                put(&out, *f);
            break;
        }
    }
    if (size > 0)
        buf[out.length < size ? out.length : size - 1] = 0;
    return (int)out.length;
}

int snprintf(char *buf, size_t size, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vsnprintf(buf, size, format, args);
    va_end(args);
    return n;
}

struct wells_mps2_file {
    int unused;
};
static struct wells_mps2_file console;
FILE *const stdout = &console;
FILE *const stderr = &console;

int vfprintf(FILE *stream, const char *format, va_list args)
{
    (void)stream;
    char line[256];
    va_list again;
    va_copy(again, args);
    int n = vsnprintf(line, sizeof line, format, args);
    if (n >= 0 && (size_t)n < sizeof line) {
        wells_mps2_write(line, (size_t)n);
    } else if (n > 0) {
        /* Longer than the line buffer: format it on the stack at its full length. */
        char long_line[n + 1];
        vsnprintf(long_line, sizeof long_line, format, again);
        wells_mps2_write(long_line, (size_t)n);
    }
    va_end(again);
    return n;
}

int vprintf(const char *format, va_list args) { return vfprintf(stdout, format, args); }

int printf(const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfprintf(stdout, format, args);
    va_end(args);
    return n;
}

int fprintf(FILE *stream, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int n = vfprintf(stream, format, args);
    va_end(args);
    return n;
}

int fputs(const char *text, FILE *stream)
{
    (void)stream;
    wells_mps2_write(text, strlen(text));
    return 0;
}

int puts(const char *text)
{
    fputs(text, stdout);
    wells_mps2_write("\n", 1);
    return 0;
}

int putchar(int c)
{
    char ch = (char)c;
    wells_mps2_write(&ch, 1);
    return (unsigned char)ch;
}

int fflush(FILE *stream)
{
    (void)stream; /* unbuffered */
    return 0;
}
