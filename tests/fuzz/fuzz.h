/* fuzz.h - shared bits of the seeded fuzz drivers in tests/fuzz (no libFuzzer here: gcc only).
 *
 * A driver takes `[seed] [count]` on its command line, is deterministic in what it generates
 * for a seed, and prints one line "fuzz <what>: N <units>, F findings". A finding is an answer
 * the contract (docs/c-api.md) does not allow; a crash or a sanitizer report ends the program
 * with a failing status. Built with -fsanitize=address,undefined by `cargo xtask test`.
 */
#ifndef WELLS_FUZZ_H
#define WELLS_FUZZ_H

#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wells.h"
#include "wells_posix.h"

/* xorshift64*: small, seedable, the same sequence everywhere. */
static inline uint64_t fuzz_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* 0 .. n-1 (n > 0). */
static inline uint32_t fuzz_below(uint64_t *state, uint32_t n)
{
    return (uint32_t)(fuzz_next(state) % n);
}

static inline uint64_t fuzz_seed(uint64_t seed)
{
    return seed == 0 ? 0x9E3779B97F4A7C15ull : seed;
}

/* Findings are recorded without libc (they may happen in wells threads and timer callbacks)
 * and printed from host main. */
#define FUZZ_MAX_SHOWN 16
static atomic_uint fuzz_findings;
static struct {
    const char *what;
    int line;
    int32_t got;
} fuzz_shown[FUZZ_MAX_SHOWN];

static inline void fuzz_finding(const char *what, int line, int32_t got)
{
    unsigned i = atomic_fetch_add(&fuzz_findings, 1);
    if (i < FUZZ_MAX_SHOWN) {
        fuzz_shown[i].what = what;
        fuzz_shown[i].line = line;
        fuzz_shown[i].got = got;
    }
}

static inline void fuzz_print_findings(void)
{
    unsigned n = atomic_load(&fuzz_findings);
    for (unsigned i = 0; i < n && i < FUZZ_MAX_SHOWN; i++)
        printf("# finding: %s (line %d) answered %s (%d)\n", fuzz_shown[i].what, fuzz_shown[i].line,
               wells_status_str(fuzz_shown[i].got), (int)fuzz_shown[i].got);
}

#endif /* WELLS_FUZZ_H */
