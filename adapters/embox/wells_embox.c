/* wells_embox.c - wells host operations for an embox task.
 *
 * wells runs its threads on the embox thread that calls wells_embox_start and wells_run. Its
 * tick comes from a second embox thread, the ticker, which wakes every
 * WELLS_EMBOX_TICK_PERIOD_US and calls wells_tick() once the deadline wells armed has passed.
 * wells takes a tick from another host thread as a pending interrupt and runs it on its own
 * thread at the next entry into wells (a call, or the idle loop after idle returns). Why not a
 * POSIX timer and a signal: see README.md in this folder.
 */
#include "wells_embox.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_S 1000000000ull

/* The adapter is a singleton, like wells itself. */
static struct {
    bool started;
    pthread_t ticker;
    /* Shared by the two threads: only touched with the __atomic builtins (embox's C library
     * has no <stdatomic.h> functions). */
    int ticker_stop;
    uint64_t deadline; /* armed deadline on the now_ns scale; 0: none */
    uint64_t ticks;    /* ticks handed to wells */
    struct wells_host_ops ops;
} g;

static uint64_t embox_now_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Only remembered: the ticker compares it with the clock. */
static void embox_timer_arm(void *ctx, uint64_t deadline_ns)
{
    (void)ctx;
    /* 0 means "none" here: a deadline of 0 is due at once, like 1 */
    __atomic_store_n(&g.deadline, deadline_ns == 0 ? 1 : deadline_ns, __ATOMIC_SEQ_CST);
}

static void embox_timer_cancel(void *ctx)
{
    (void)ctx;
    __atomic_store_n(&g.deadline, 0, __ATOMIC_SEQ_CST);
}

static void embox_console_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    int saved = errno;
    while (len > 0) {
        ssize_t n = write(1, text, len);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            break; /* nowhere to report a console error */
        }
        text += n;
        len -= (size_t)n;
    }
    errno = saved;
}

/* Called once by wells_init for the heap region. */
static void *embox_mem_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if ((align & (align - 1)) != 0)
        return NULL;
    return memalign(align, size == 0 ? align : size);
}

static void embox_mem_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx;
    (void)size;
    (void)align;
    free(ptr);
}

/* Nothing is ready: give the CPU to embox for one ticker period. The ticker's tick is taken
 * when wells' idle loop enters wells again. */
static void embox_idle(void *ctx)
{
    (void)ctx;
    int saved = errno;
    usleep(WELLS_EMBOX_TICK_PERIOD_US);
    errno = saved;
}

static void embox_panic(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    static const char prefix[] = "wells panic: ";
    embox_console_write(NULL, prefix, sizeof prefix - 1);
    embox_console_write(NULL, msg, len);
    embox_console_write(NULL, "\n", 1);
    abort();
}

/* Names the calling embox thread: wells refuses calls from other threads and defers their
 * ticks to its own. */
static uint64_t embox_host_thread(void *ctx)
{
    (void)ctx;
    return (uint64_t)(uintptr_t)pthread_self();
}

/* The periodic timer with the deadline check. One armed deadline gives one tick: wells arms
 * the next one while it handles this one. */
static void *ticker_main(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&g.ticker_stop, __ATOMIC_SEQ_CST)) {
        usleep(WELLS_EMBOX_TICK_PERIOD_US);
        uint64_t deadline = __atomic_load_n(&g.deadline, __ATOMIC_SEQ_CST);
        if (deadline == 0 || embox_now_ns(NULL) < deadline)
            continue;
        if (__atomic_compare_exchange_n(&g.deadline, &deadline, 0, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_SEQ_CST)) {
            __atomic_fetch_add(&g.ticks, 1, __ATOMIC_SEQ_CST);
            wells_tick();
        }
    }
    return NULL;
}

static void ticker_stop(void)
{
    __atomic_store_n(&g.ticker_stop, 1, __ATOMIC_SEQ_CST);
    pthread_join(g.ticker, NULL);
}

/* The ticker runs one priority above the wells thread: when its sleep ends it must get the
 * CPU at once, even while a wells thread computes (at equal priority embox would let it wait
 * for the end of the wells thread's time slice, about 100 ms). */
static bool ticker_start(void)
{
    __atomic_store_n(&g.ticker_stop, 0, __ATOMIC_SEQ_CST);
    int policy;
    struct sched_param mine;
    if (pthread_getschedparam(pthread_self(), &policy, &mine) != 0)
        return false;
    if (pthread_create(&g.ticker, NULL, ticker_main, NULL) != 0)
        return false;
    if (pthread_setschedprio(g.ticker, mine.sched_priority + 1) != 0) {
        ticker_stop();
        return false;
    }
    return true;
}

wells_status wells_embox_start(size_t heap_size)
{
    if (g.started)
        return WELLS_ERR_ALREADY_INITIALIZED;
    __atomic_store_n(&g.deadline, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&g.ticks, 0, __ATOMIC_SEQ_CST);

    memset(&g.ops, 0, sizeof g.ops);
    g.ops.version = WELLS_HOST_OPS_VERSION;
    g.ops.size = (uint32_t)sizeof g.ops;
    g.ops.heap_size = heap_size;
    g.ops.now_ns = embox_now_ns;
    g.ops.timer_arm = embox_timer_arm;
    g.ops.timer_cancel = embox_timer_cancel;
    g.ops.console_write = embox_console_write;
    g.ops.mem_alloc = embox_mem_alloc;
    g.ops.mem_free = embox_mem_free;
    g.ops.idle = embox_idle;
    g.ops.panic = embox_panic;
    g.ops.host_thread = embox_host_thread;
    /* no guard_page: this embox configuration gives no per-page protection to a task */

    wells_status s = wells_init(&g.ops);
    if (s != WELLS_OK)
        return s;
    if (!ticker_start()) {
        wells_shutdown();
        return WELLS_ERR_LIMIT;
    }
    g.started = true;
    return WELLS_OK;
}

wells_status wells_embox_stop(void)
{
    if (!g.started)
        return wells_shutdown();
    /* The ticker must be gone before the instance is: a tick from it during the teardown
     * would find wells half destroyed. */
    ticker_stop();
    wells_status s = wells_shutdown();
    if (s != WELLS_OK && s != WELLS_ERR_NOT_INITIALIZED) {
        if (!ticker_start())
            return WELLS_ERR_LIMIT;
        return s;
    }
    g.started = false;
    return s;
}

uint64_t wells_embox_ticks(void)
{
    return __atomic_load_n(&g.ticks, __ATOMIC_SEQ_CST);
}
