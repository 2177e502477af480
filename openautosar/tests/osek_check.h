/* osek_check.h - the conformance tests' small framework (openautosar/tests).
 *
 * A test is one OSEK application: its tasks write a trace (TRACE("A1")) and compare it with the
 * expected order (CHECK_TRACE("A1 B1 A2")); CHECK_S compares a StatusType. Checks run in task,
 * ISR and hook context alike: the OSEK layer runs one of them at a time. The last task calls
 * TEST_END(), which ends the OS; ShutdownHook (defined here) prints "N passed, N failed" and the
 * process ends with 1 when a check failed. */
#ifndef OSEK_CHECK_H
#define OSEK_CHECK_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "Os.h"

static char trace_buf[2048];
static unsigned checks_passed, checks_failed;

static void TRACE(const char *s)
{
    size_t n = strlen(trace_buf);
    if (n + strlen(s) + 2 < sizeof trace_buf) {
        if (n > 0)
            trace_buf[n++] = ' ';
        strcpy(trace_buf + n, s);
    }
}

static void check_result(int ok, const char *file, int line, const char *what, const char *got, const char *expected)
{
    if (ok) {
        checks_passed++;
        return;
    }
    checks_failed++;
    printf("not ok - %s:%d: %s: got \"%s\", expected \"%s\"\n", file, line, what, got, expected);
    fflush(stdout);
}

static void check_trace(const char *file, int line, const char *expected)
{
    check_result(strcmp(trace_buf, expected) == 0, file, line, "trace", trace_buf, expected);
    trace_buf[0] = 0;
}

static void check_status(const char *file, int line, const char *expr, unsigned got, unsigned expected)
{
    char g[16], e[16];
    snprintf(g, sizeof g, "%u", got);
    snprintf(e, sizeof e, "%u", expected);
    check_result(got == expected, file, line, expr, g, e);
}

#define CHECK(cond) check_result((cond) ? 1 : 0, __FILE__, __LINE__, #cond, "false", "true")
#define CHECK_TRACE(expected) check_trace(__FILE__, __LINE__, (expected))
#define CHECK_S(call, expected) check_status(__FILE__, __LINE__, #call, (unsigned)(call), (unsigned)(expected))
#define CHECK_U(value, expected) check_status(__FILE__, __LINE__, #value, (unsigned)(value), (unsigned)(expected))

/* Ends the test: ShutdownOS, whose hook prints the tally. */
#define TEST_END() ShutdownOS(E_OK)

/* The error ShutdownHook expects: a test that ends by a protection violation names its own. */
#ifndef OSEK_CHECK_SHUTDOWN_ERROR
#define OSEK_CHECK_SHUTDOWN_ERROR E_OK
#endif

void ShutdownHook(StatusType Error)
{
    CHECK_U(Error, OSEK_CHECK_SHUTDOWN_ERROR);
#ifdef OSEK_CHECK_SHUTDOWN_EXTRA
    OSEK_CHECK_SHUTDOWN_EXTRA();
#endif
    printf("%u passed, %u failed\n", checks_passed, checks_failed);
    fflush(stdout);
    if (checks_failed != 0)
        _exit(1);
}

#endif /* OSEK_CHECK_H */
