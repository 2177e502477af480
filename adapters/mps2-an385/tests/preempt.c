/* preempt.c - the adapter's own test: wells threads preempted by SysTick through the injected
 * thread-mode call must go on exactly where they were, every register and flag intact.
 *
 * A worker computes a register-heavy mix (64-bit arithmetic, branches and conditional
 * instructions on the flags) once with interrupts off, as the reference, then again while a
 * higher-priority thread wakes every millisecond and so preempts it in the middle of the loop
 * many times; both results must be equal. Also: a sleep lasts its time on the board's clock
 * (through SysTick and the one-shot deadline), and wells can be shut down (the heap given
 * back) and started again. Prints "N passed, N failed" and
 * ends with 1 when a check failed. */
#include <stdint.h>
#include <stdio.h>

#include "wells_mps2.h"

static unsigned passed, failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("not ok - %s\n", what);
    }
}

#define ROUNDS 2000000u

/* Many live values, carries, and branches the compiler turns into conditional instructions. */
static __attribute__((noinline)) uint64_t mix(uint32_t rounds)
{
    uint64_t x = 0x9E3779B97F4A7C15ull, y = 1, z = 0;
    uint32_t a = 1, b = 2, c = 3, d = 4, e = 5;
    for (uint32_t i = 0; i < rounds; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        y += x + (uint64_t)i * 0x100000001ull;
        a = a * 33u + (uint32_t)x;
        b ^= a >> 3;
        c = (b & 1u) ? c + a : c - b;
        d = (c > d) ? d + 7u : d ^ c;
        e += (a < b) ? 1u : 3u;
        z += (y >> 11) ^ ((uint64_t)(a ^ b ^ c ^ d ^ e) << 5);
    }
    return x ^ y ^ z ^ ((uint64_t)a << 32) ^ b ^ ((uint64_t)c << 16) ^ d ^ e;
}

static volatile int worker_running;
static volatile uint32_t wakes_during_work;
static uint64_t reference, preempted;

static int32_t worker(void *arg)
{
    (void)arg;
    worker_running = 1;
    preempted = mix(ROUNDS);
    worker_running = 0;
    return 0;
}

static int32_t ticker(void *arg)
{
    (void)arg;
    while (worker_running) {
        (void)wells_thread_sleep(1);
        if (worker_running)
            wakes_during_work++;
    }
    return 0;
}

static uint64_t slept_ns;

static int32_t sleeper(void *arg)
{
    (void)arg;
    uint64_t t0 = wells_now_ns();
    (void)wells_thread_sleep(20);
    slept_ns = wells_now_ns() - t0;
    return 0;
}

int main(void)
{
    __asm volatile("cpsid i" ::: "memory");
    reference = mix(ROUNDS);
    __asm volatile("cpsie i" ::: "memory");

    check(wells_mps2_start(0) == WELLS_OK, "wells_mps2_start");
    wells_heap_stats_t before, after;
    check(wells_heap_stats(&before) == WELLS_OK, "wells_heap_stats");

    wells_thread_t w, t;
    check(wells_thread_create(&w, "worker", 10, 0, worker, NULL) == WELLS_OK, "create worker");
    check(wells_thread_create(&t, "ticker", 20, 0, ticker, NULL) == WELLS_OK, "create ticker");
    worker_running = 1; /* the ticker, first to run, waits for the worker */
    check(wells_thread_start(w) == WELLS_OK && wells_thread_start(t) == WELLS_OK, "start threads");
    check(wells_run() == WELLS_OK, "wells_run until both threads ended");

    printf("mix: %u rounds, %u preemptions by the 1 ms ticker\n", ROUNDS, (unsigned)wakes_during_work);
    check(preempted == reference, "the preempted computation gives the uninterrupted result");
    check(wakes_during_work >= 40, "the worker was preempted at least 40 times");

    check(wells_thread_join(w, NULL, WELLS_NO_WAIT) == WELLS_OK, "join worker");
    check(wells_thread_join(t, NULL, WELLS_NO_WAIT) == WELLS_OK, "join ticker");

    /* A 20 ms sleep lasts 20 ms on the board's clock, give or take the 1 ms SysTick edge. */
    wells_thread_t s;
    check(wells_thread_create(&s, "sleeper", 10, 0, sleeper, NULL) == WELLS_OK, "create sleeper");
    check(wells_thread_start(s) == WELLS_OK && wells_run() == WELLS_OK, "run the sleeper");
    check(wells_thread_join(s, NULL, WELLS_NO_WAIT) == WELLS_OK, "join sleeper");
    printf("sleep(20): %u us\n", (unsigned)(slept_ns / 1000u));
    check(slept_ns >= 20000000u && slept_ns <= 21000000u, "wells_thread_sleep(20) lasts 20 to 21 ms");

    /* wells_shutdown gives the heap back (mem_free), so wells can start again. */
    check(wells_shutdown() == WELLS_OK, "wells_shutdown");
    check(wells_mps2_start(0) == WELLS_OK, "wells_mps2_start again after wells_shutdown");
    check(wells_heap_stats(&after) == WELLS_OK && after.total == before.total && after.allocations == before.allocations,
          "the second start has the same heap as the first");

    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
