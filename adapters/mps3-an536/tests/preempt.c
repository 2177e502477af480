/* preempt.c - the adapter's own test: wells threads preempted by the generic timer's interrupt
 * (wells_tick run on the interrupted thread's stack by the IRQ entry) must go on exactly where
 * they were, every register and flag intact, VFP registers and FPSCR included.
 *
 * A worker computes a register-heavy mix (64-bit arithmetic, single-precision floating point
 * in VFP registers, branches and conditional instructions on the flags) once with interrupts
 * off, as the reference, then again while a
 * higher-priority thread wakes every millisecond and so preempts it in the middle of the loop
 * many times; both results must be equal. Also: a sleep lasts its time on the board's clock
 * (the virtual timer armed at the deadline), and wells can be shut down (the heap given
 * back) and started again. Prints "N passed, N failed" and
 * ends with 1 when a check failed. */
#include <stdint.h>
#include <stdio.h>

#include "wells_an536.h"

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

#define ROUNDS 1000000u

/* Many live values, carries, and branches the compiler turns into conditional instructions. */
static __attribute__((noinline)) uint64_t mix(uint32_t rounds)
{
    uint64_t x = 0x9E3779B97F4A7C15ull, y = 1, z = 0;
    uint32_t a = 1, b = 2, c = 3, d = 4, e = 5;
    float f = 1.0f, g = 0.5f, h = 0.25f, k = 2.0f;
    for (uint32_t i = 0; i < rounds; i++) {
        f = f * 1.0001f + (float)(a & 0xffu) * 0.001f;
        g = g * 0.9999f + f * 0.0001f;
        h = (f > g) ? h + g * 0.5f : h - f * 0.25f;
        k = k * 0.99f + h * 0.01f;
        if (f > 1.0e6f)
            f = 1.0f;
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
    union {
        float value;
        uint32_t bits;
    } fb = { f + g + h + k };
    return x ^ y ^ z ^ ((uint64_t)a << 32) ^ b ^ ((uint64_t)c << 16) ^ d ^ e ^ ((uint64_t)fb.bits << 20);
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

/* What the ticker leaves in the VFP registers the AAPCS lets a call change (d0-d7) and in
 * FPSCR's flags: a preempted worker must not see any of it. */
static const uint64_t garbage[8] = { 0x7ff8dead7ff8deadull, 1, 2, 3, 0xffffffffffffffffull, 5, 6, 7 };

static void clobber_caller_saved_vfp(void)
{
    __asm volatile("vldmia %0, {d0-d7}\n\t"
                   "vmrs r0, fpscr\n\t"
                   "eor r0, r0, #0xf0000000\n\t"
                   "vmsr fpscr, r0"
                   :
                   : "r"(garbage)
                   : "r0", "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "memory");
}

static int32_t ticker(void *arg)
{
    (void)arg;
    while (worker_running) {
        (void)wells_thread_sleep(1);
        clobber_caller_saved_vfp();
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

    check(wells_an536_start(0) == WELLS_OK, "wells_an536_start");
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

    /* A 20 ms sleep lasts 20 ms on the board's clock, plus the wake-up path (under -icount one
     * instruction is one ns). */
    wells_thread_t s;
    check(wells_thread_create(&s, "sleeper", 10, 0, sleeper, NULL) == WELLS_OK, "create sleeper");
    check(wells_thread_start(s) == WELLS_OK && wells_run() == WELLS_OK, "run the sleeper");
    check(wells_thread_join(s, NULL, WELLS_NO_WAIT) == WELLS_OK, "join sleeper");
    printf("sleep(20): %u us\n", (unsigned)(slept_ns / 1000u));
    check(slept_ns >= 20000000u && slept_ns <= 20100000u, "wells_thread_sleep(20) lasts 20 to 20.1 ms");

    /* wells_shutdown gives the heap back (mem_free), so wells can start again. */
    check(wells_shutdown() == WELLS_OK, "wells_shutdown");
    check(wells_an536_start(0) == WELLS_OK, "wells_an536_start again after wells_shutdown");
    check(wells_heap_stats(&after) == WELLS_OK && after.total == before.total && after.allocations == before.allocations,
          "the second start has the same heap as the first");

    printf("%u passed, %u failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
