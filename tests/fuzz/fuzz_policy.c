/* fuzz_policy.c - the decision-set loader (wells_policy_load) on random and mutated buffers.
 *
 * Seeds are two valid sets (compiled by tools/wells-policy); each input is a seed mutated (bit
 * flips, byte values, truncation, growth, rule counts, spliced rules) or plain random bytes.
 * Every answer must be OK, INVALID_ARGUMENT (with a named field and a rule index in range) or
 * NO_MEMORY. Now and then the set in force schedules a short workload, which must end.
 */
#include "fuzz.h"

/* batch-first.toml and a set with defer, gang, abort-conflicting and priority rules. */
static const uint8_t seed_a[] = {
    0x57, 0x44, 0x53, 0x31, 0x01, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x1f, 0x0e, 0x00, 0x00, 0x02, 0x00, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x1f, 0x00, 0x02, 0x03, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x01, 0x12, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t seed_b[] = {
    0x57, 0x44, 0x53, 0x31, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x04, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x03, 0x00, 0xf4, 0x01, 0x00, 0x00, 0x08, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x1f, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x1f, 0x00, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x1f, 0x02, 0x00, 0x00, 0x01, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

#define HEADER 16
#define RULE 16
#define MAX_INPUT (HEADER + 80 * RULE)

static uint8_t input[MAX_INPUT];

static size_t mutate(uint64_t *rng)
{
    size_t len;
    if (fuzz_below(rng, 16) == 0) { /* plain random bytes */
        len = fuzz_below(rng, MAX_INPUT + 1);
        for (size_t i = 0; i < len; i++)
            input[i] = (uint8_t)fuzz_next(rng);
        return len;
    }
    const uint8_t *seed = fuzz_below(rng, 2) ? seed_a : seed_b;
    len = seed == seed_a ? sizeof seed_a : sizeof seed_b;
    memcpy(input, seed, len);
    uint32_t edits = 1 + fuzz_below(rng, 4);
    for (uint32_t e = 0; e < edits; e++) {
        switch (fuzz_below(rng, 8)) {
        case 0: /* flip a bit */
            if (len > 0)
                input[fuzz_below(rng, (uint32_t)len)] ^= (uint8_t)(1u << fuzz_below(rng, 8));
            break;
        case 1: { /* a byte value that is often a boundary */
            static const uint8_t values[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 0x0f, 0x10, 0x1f, 0x20, 0x3f,
                                             0x40, 0x7f, 0x80, 0xfe, 0xff};
            if (len > 0)
                input[fuzz_below(rng, (uint32_t)len)] = values[fuzz_below(rng, sizeof values)];
            break;
        }
        case 2: /* truncate */
            len = fuzz_below(rng, (uint32_t)len + 1);
            break;
        case 3: /* grow with a copy of a rule or random bytes */
            if (len + RULE <= MAX_INPUT) {
                if (len >= HEADER + RULE && fuzz_below(rng, 2))
                    memcpy(input + len, input + HEADER + RULE * fuzz_below(rng, (uint32_t)((len - HEADER) / RULE)), RULE);
                else
                    for (int i = 0; i < RULE; i++)
                        input[len + (size_t)i] = (uint8_t)fuzz_next(rng);
                len += RULE;
            }
            break;
        case 4: /* a rule count (bytes 6..7) near the truth or anything */
            if (len >= 8) {
                uint16_t count = fuzz_below(rng, 2) ? (uint16_t)((len - HEADER) / RULE + fuzz_below(rng, 3) - 1)
                                                     : (uint16_t)fuzz_next(rng);
                input[6] = (uint8_t)count;
                input[7] = (uint8_t)(count >> 8);
            }
            break;
        case 5: /* one field of one rule set to a random value */
            if (len > HEADER)
                input[HEADER + fuzz_below(rng, (uint32_t)(len - HEADER))] = (uint8_t)fuzz_next(rng);
            break;
        case 6: /* swap two rules */
            if (len >= HEADER + 2 * RULE) {
                uint32_t rules = (uint32_t)((len - HEADER) / RULE);
                uint8_t tmp[RULE];
                uint8_t *a = input + HEADER + RULE * fuzz_below(rng, rules);
                uint8_t *b = input + HEADER + RULE * fuzz_below(rng, rules);
                memcpy(tmp, a, RULE);
                memmove(a, b, RULE);
                memcpy(b, tmp, RULE);
            }
            break;
        default: /* a 32-bit field (slice / defer amounts) to a random value */
            if (len >= HEADER + RULE) {
                size_t at = HEADER + RULE * fuzz_below(rng, (uint32_t)((len - HEADER) / RULE)) + 8;
                uint32_t v = (uint32_t)fuzz_next(rng);
                memcpy(input + at, &v, sizeof v);
            }
            break;
        }
    }
    return len;
}

/* ---- a short workload under the set in force ----------------------------------------------- */

static wells_sem_t sem;
static wells_mutex_t lock;

static int32_t worker(void *arg)
{
    uintptr_t n = (uintptr_t)arg;
    for (int i = 0; i < 6; i++) {
        if (wells_mutex_lock(lock, 50) == WELLS_OK)
            wells_mutex_unlock(lock);
        wells_sem_post(sem);
        wells_sem_wait(sem, 1);
        if (n % 2)
            wells_thread_yield();
        else
            wells_thread_sleep(1);
    }
    return 0;
}

static void workload(void)
{
    wells_sem_create(&sem, 0, 8);
    wells_mutex_create(&lock);
    static const uint32_t classes[] = {WELLS_CLASS_HARD_RT, WELLS_CLASS_SOFT_RT, WELLS_CLASS_BEST_EFFORT};
    for (uintptr_t i = 0; i < 3; i++) {
        wells_thread_t t;
        if (wells_thread_create(&t, "worker", 10 + (uint32_t)i, 0, worker, (void *)i) != WELLS_OK)
            continue;
        wells_thread_set_class(t, classes[i], 2000);
        wells_thread_start(t);
    }
    wells_status s = wells_run();
    if (s != WELLS_OK)
        fuzz_finding("wells_run under a loaded set", __LINE__, s);
    for (;;) { /* join the exited workers: their handles go */
        wells_thread_t list[8];
        size_t count = 0;
        wells_thread_list(list, 8, &count);
        if (count == 0)
            break;
        for (size_t i = 0; i < count && i < 8; i++)
            wells_thread_join(list[i], NULL, WELLS_NO_WAIT);
    }
    wells_sem_destroy(sem);
    wells_mutex_destroy(lock);
}

int main(int argc, char **argv)
{
    uint64_t rng = fuzz_seed(argc > 1 ? strtoull(argv[1], NULL, 0) : 1);
    unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 1000000;
    if (wells_posix_start(0) != WELLS_OK) {
        printf("fuzz policy-load: wells did not start\n");
        return 1;
    }
    wells_set_error_t error;
    if (wells_policy_load(seed_a, sizeof seed_a, &error) != WELLS_OK ||
        wells_policy_load(seed_b, sizeof seed_b, &error) != WELLS_OK) {
        printf("fuzz policy-load: a seed set is refused (the format changed: recompile the seeds)\n");
        return 1;
    }
    unsigned long accepted = 0, runs = 0;
    for (unsigned long i = 0; i < count; i++) {
        size_t len = mutate(&rng);
        memset(&error, 0xa5, sizeof error);
        wells_set_error_t *where = fuzz_below(&rng, 8) ? &error : NULL;
        wells_status s = wells_policy_load(input, len, where);
        if (s == WELLS_OK) {
            accepted++;
        } else if (s == WELLS_ERR_INVALID_ARGUMENT) {
            if (where != NULL) {
                uint16_t rules = len >= 8 ? (uint16_t)(input[6] | input[7] << 8) : 0;
                if (error.field == NULL || strnlen(error.field, 96) == 0 || strnlen(error.field, 96) == 96)
                    fuzz_finding("wells_policy_load error.field", __LINE__, s);
                else if (error.rule < -1 || (error.rule >= 0 && error.rule >= rules))
                    fuzz_finding("wells_policy_load error.rule", __LINE__, s);
            }
        } else if (s != WELLS_ERR_NO_MEMORY) {
            fuzz_finding("wells_policy_load", __LINE__, s);
        }
        if (i % 4000 == 3999) {
            workload();
            runs++;
        }
        if (fuzz_below(&rng, 64) == 0)
            wells_policy_clear();
    }
    wells_status s = wells_posix_stop();
    if (s != WELLS_OK)
        fuzz_finding("wells_posix_stop", __LINE__, s);
    fuzz_print_findings();
    printf("fuzz policy-load: %lu inputs (%lu accepted, %lu workload runs), %u findings\n", count, accepted,
           runs, atomic_load(&fuzz_findings));
    return atomic_load(&fuzz_findings) == 0 ? 0 : 1;
}
