/* check.h - the tiny test framework shared by the tests/c-abi programs.
 *
 * Include it first (it sets _GNU_SOURCE). A test file is a list of test cases, each a
 * `static void name(void)` run by RUN(name) from main, which ends with `return check_summary();`.
 *
 *   CHECK(cond)                 records a failure when cond is false; evaluates to cond
 *   CHECK_EQ(status, expected)  compares two wells_status values, printing both names
 *   CHECK_INT(got, expected)    compares two integers, printing both values
 *
 * Checks may run anywhere: host main, wells threads, timer callbacks (tick context, inside a
 * signal handler). A failed check only stores its details in a fixed table (no libc calls), and
 * the runner prints them from host main when the case has finished:
 *
 *   ok - name | not ok - name (+ "# file:line: ..." lines) ... and at the end "N passed, N failed".
 *
 * Each case has a watchdog (CHECK_CASE_TIMEOUT_S): a case that hangs is reported as
 * "not ok - name (hung)" and the program exits 1 instead of waiting for an outside kill.
 */
#ifndef WELLS_TEST_CHECK_H
#define WELLS_TEST_CHECK_H

#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "wells.h"
#include "wells_posix.h"

#ifndef CHECK_CASE_TIMEOUT_S
#define CHECK_CASE_TIMEOUT_S 25
#endif
#define CHECK_MAX_RECORDS 32

enum { CHECK_KIND_BOOL, CHECK_KIND_STATUS, CHECK_KIND_INT };

struct check_record {
    const char *file;
    int line;
    int kind;
    const char *expr;
    const char *expected_expr;
    int64_t got;
    int64_t expected;
};

static struct check_record check_records[CHECK_MAX_RECORDS];
static atomic_uint check_case_failures; /* failed checks in the current case */
static const char *volatile check_case_name = "";
static unsigned check_passed, check_failed;

static inline bool check_fail(const char *file, int line, int kind, const char *expr,
                              const char *expected_expr, int64_t got, int64_t expected)
{
    unsigned i = atomic_fetch_add(&check_case_failures, 1);
    if (i < CHECK_MAX_RECORDS) {
        struct check_record *r = &check_records[i];
        r->file = file;
        r->line = line;
        r->kind = kind;
        r->expr = expr;
        r->expected_expr = expected_expr;
        r->got = got;
        r->expected = expected;
    }
    return false;
}

static inline bool check_bool(bool ok, const char *file, int line, const char *expr)
{
    return ok ? true : check_fail(file, line, CHECK_KIND_BOOL, expr, "", 0, 0);
}

static inline bool check_status(wells_status got, wells_status expected, const char *file,
                                int line, const char *expr, const char *expected_expr)
{
    return got == expected ? true
                           : check_fail(file, line, CHECK_KIND_STATUS, expr, expected_expr, got,
                                        expected);
}

static inline bool check_int(int64_t got, int64_t expected, const char *file, int line,
                             const char *expr, const char *expected_expr)
{
    return got == expected ? true
                           : check_fail(file, line, CHECK_KIND_INT, expr, expected_expr, got,
                                        expected);
}

#define CHECK(cond) check_bool((cond) ? true : false, __FILE__, __LINE__, #cond)
#define CHECK_EQ(status, expected)                                                             \
    check_status((wells_status)(status), (wells_status)(expected), __FILE__, __LINE__, #status,  \
                 #expected)
#define CHECK_INT(got, expected)                                                               \
    check_int((int64_t)(got), (int64_t)(expected), __FILE__, __LINE__, #got, #expected)

/* ---- watchdog: only write(2)/_exit, since it runs inside a signal handler ------------------- */

static inline void check_put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(1, s, n);
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

static inline void check_put_uint(unsigned v)
{
    char buf[16];
    int i = (int)sizeof buf - 1;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    check_put(&buf[i]);
}

static void check_on_watchdog(int signo)
{
    (void)signo;
    check_put("not ok - ");
    check_put(check_case_name);
    check_put(" (hung: no result after ");
    check_put_uint(CHECK_CASE_TIMEOUT_S);
    check_put(" s)\n");
    check_put_uint(check_passed);
    check_put(" passed, ");
    check_put_uint(check_failed + 1);
    check_put(" failed\n");
    _exit(1);
}

/* ---- runner ------------------------------------------------------------------------------- */

static inline void check_print_record(const struct check_record *r)
{
    switch (r->kind) {
    case CHECK_KIND_STATUS:
        printf("#   %s:%d: CHECK_EQ(%s, %s): got %s (%d), expected %s (%d)\n", r->file, r->line,
               r->expr, r->expected_expr, wells_status_str((wells_status)r->got), (int)r->got,
               wells_status_str((wells_status)r->expected), (int)r->expected);
        break;
    case CHECK_KIND_INT:
        printf("#   %s:%d: CHECK_INT(%s, %s): got %lld, expected %lld\n", r->file, r->line,
               r->expr, r->expected_expr, (long long)r->got, (long long)r->expected);
        break;
    default:
        printf("#   %s:%d: CHECK(%s) failed\n", r->file, r->line, r->expr);
        break;
    }
}

static inline void check_run(const char *name, void (*fn)(void))
{
    static bool watchdog_installed;
    if (!watchdog_installed) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = check_on_watchdog;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGALRM, &sa, NULL);
        watchdog_installed = true;
    }
    check_case_name = name;
    atomic_store(&check_case_failures, 0);
    alarm(CHECK_CASE_TIMEOUT_S);
    fn();
    /* A case that returned early (after a failed check) may have left wells running. */
    (void)wells_posix_stop();
    alarm(0);

    unsigned n = atomic_load(&check_case_failures);
    if (n == 0) {
        check_passed++;
        printf("ok - %s\n", name);
    } else {
        check_failed++;
        printf("not ok - %s\n", name);
        for (unsigned i = 0; i < n && i < CHECK_MAX_RECORDS; i++)
            check_print_record(&check_records[i]);
        if (n > CHECK_MAX_RECORDS)
            printf("#   ... and %u more failed checks\n", n - CHECK_MAX_RECORDS);
    }
    fflush(stdout);
}

#define RUN(fn) check_run(#fn, fn)

static inline int check_summary(void)
{
    printf("%u passed, %u failed\n", check_passed, check_failed);
    fflush(stdout);
    return check_failed == 0 ? 0 : 1;
}

/* ---- helpers for the cases ------------------------------------------------------------------ */

/* Starts wells through the POSIX adapter; on failure the case returns at once. */
#define START_WELLS()                                                                          \
    do {                                                                                       \
        if (!CHECK_EQ(wells_posix_start_clock(0, WELLS_POSIX_CLOCK_CPU), WELLS_OK))             \
            return;                                                                            \
    } while (0)

#define STOP_WELLS() CHECK_EQ(wells_posix_stop(), WELLS_OK)

/* How late a timed wake-up may come. START_WELLS runs wells on the adapter's CPU clock
 * (WELLS_POSIX_CLOCK_CPU): time follows the work the wells host thread does and jumps over idle
 * waits, so a loaded machine cannot stretch it. A wait with nothing else to run ends at its
 * deadline, plus the wake-up path (microseconds): IDLE_LATE_MS. While a wells thread computes,
 * the host's CPU-time timer only expires on its scheduler tick (4 ms at HZ=250; 10 ms at
 * HZ=100): BUSY_LATE_MS. Under user-mode emulation (qemu-aarch64 runs the aarch64 build) the
 * wake-up path costs more CPU time, most of it translating code the first time it runs:
 * WELLS_TEST_EMULATED widens IDLE_LATE_MS to 10 ms (the first wake-up measured 1.2 ms there). */
#ifdef WELLS_TEST_EMULATED
#define IDLE_LATE_MS 10
#else
#define IDLE_LATE_MS 1
#endif
#define BUSY_LATE_MS 12

/* Creates and starts a thread with the default stack; records a failed check on error. */
static inline wells_thread_t spawn(const char *name, uint32_t priority, wells_thread_entry entry,
                                   void *arg)
{
    wells_thread_t t;
    memset(&t, 0, sizeof t);
    if (CHECK_EQ(wells_thread_create(&t, name, priority, 0, entry, arg), WELLS_OK))
        CHECK_EQ(wells_thread_start(t), WELLS_OK);
    return t;
}

/* Milliseconds of wells time since t0 (a wells_now_ns value). */
static inline uint64_t ms_since(uint64_t t0_ns)
{
    return (wells_now_ns() - t0_ns) / 1000000u;
}

/* Spins (no wells call) until `ms` of wells time have passed since the call. */
static inline void busy_ms(uint32_t ms)
{
    uint64_t end = wells_now_ns() + (uint64_t)ms * 1000000u;
    while (wells_now_ns() < end) {
    }
}

#endif /* WELLS_TEST_CHECK_H */
