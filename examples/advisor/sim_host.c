/* sim_host.c - see sim_host.h. Only wells threads and the host thread that runs wells_run()
 * touch the clock, one at a time, so plain variables suffice. */
#define _POSIX_C_SOURCE 200809L
#include "sim_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MS UINT64_C(1000000)

static uint64_t now;
static uint64_t armed;
static int is_armed;

static uint64_t host_now(void *ctx) { (void)ctx; return now; }
static void host_arm(void *ctx, uint64_t deadline) { (void)ctx; armed = deadline; is_armed = 1; }
static void host_cancel(void *ctx) { (void)ctx; is_armed = 0; }

static void host_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    fwrite(text, 1, len, stdout);
}

static void *host_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    void *p = NULL;
    return posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align, size) == 0 ? p : NULL;
}

static void host_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx; (void)size; (void)align;
    free(ptr);
}

/* Nothing runnable: time jumps to the next deadline (wells then runs what is due). */
static void host_idle(void *ctx)
{
    (void)ctx;
    now = is_armed && armed > now ? armed : now + MS;
}

static void host_panic(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    fwrite(msg, 1, len, stderr);
    abort();
}

wells_status sim_start(void)
{
    static struct wells_host_ops ops = {
        .version = WELLS_HOST_OPS_VERSION,
        .size = sizeof(struct wells_host_ops),
        .heap_size = 4 << 20,
        .now_ns = host_now,
        .timer_arm = host_arm,
        .timer_cancel = host_cancel,
        .console_write = host_write,
        .mem_alloc = host_alloc,
        .mem_free = host_free,
        .idle = host_idle,
        .panic = host_panic,
    };
    now = 0;
    is_armed = 0;
    return wells_init(&ops);
}

wells_status sim_stop(void) { return wells_shutdown(); }

void sim_work(uint32_t ms)
{
    for (uint32_t i = 0; i < ms; i++) {
        now += MS;
        wells_tick(); /* the timer interrupt of that millisecond */
    }
}

uint64_t sim_now_ns(void) { return now; }
