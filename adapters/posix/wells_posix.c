/* wells_posix.c - wells host operations for a POSIX process (Linux user space; other POSIX OSes).
 *
 * One POSIX timer delivers a real-time signal to the host thread that called wells_posix_start;
 * the handler calls wells_tick(). Everything else maps one-to-one onto libc. See README.md in
 * this folder for why the signal is installed the way it is.
 *
 * Two clocks: CLOCK_MONOTONIC (wells_posix_start), or the host thread's CPU time plus the idle
 * time skipped (wells_posix_start_clock with WELLS_POSIX_CLOCK_CPU): while wells has nothing to
 * run, that clock jumps to the armed deadline at once, so time follows only the work wells did,
 * like QEMU's -icount. A loaded machine cannot stretch it: timing tests use it.
 */
#define _GNU_SOURCE
#include "wells_posix.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

/* glibc before 2.41 spells the thread id field of SIGEV_THREAD_ID only through the union. */
#if defined(__linux__) && !defined(sigev_notify_thread_id)
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define NS_PER_S 1000000000ull
#define GUARD_PAGE 4096
/* Guard pages remembered for the fault handler; more stacks still get one, unnamed. */
#define MAX_GUARDS 1024

/* The adapter is a singleton, like wells itself. */
static struct {
    bool started;
    int signo;
    int clock;             /* WELLS_POSIX_CLOCK_* */
    clockid_t timer_clock; /* what the timer counts: CLOCK_MONOTONIC or this thread's CPU time */
    pthread_t host_thread;
    /* CPU clock: the deadline armed (0: none) and the idle time skipped so far. Read by the
     * tick handler, so atomic. */
    _Atomic uint64_t armed_deadline;
    _Atomic uint64_t skipped_ns;
    timer_t timer;
    struct sigaction old_action; /* disposition of signo before start */
    sigset_t old_mask;           /* signal mask of the host thread before start */
    struct sigaction old_segv;   /* SIGSEGV disposition before start */
    stack_t old_altstack;        /* alternate signal stack of the host thread before start */
    struct wells_host_ops ops;
} g;

/* Thread stacks' guard pages (0: free slot), read by the SIGSEGV handler. */
static _Atomic uintptr_t guards[MAX_GUARDS];
/* The SIGSEGV handler runs here: the faulting stack has no room left. */
static char altstack[64 * 1024];

/* ---- host operations ---------------------------------------------------------------------- */

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t posix_now_ns(void *ctx)
{
    (void)ctx;
    if (g.clock == WELLS_POSIX_CLOCK_CPU)
        return clock_ns(g.timer_clock) + atomic_load(&g.skipped_ns);
    return clock_ns(CLOCK_MONOTONIC);
}

/* One-shot, absolute. Called from thread context and from inside the tick handler, so it
 * uses only async-signal-safe calls and leaves errno alone. */
static void posix_timer_arm(void *ctx, uint64_t deadline_ns)
{
    (void)ctx;
    int saved = errno;
    if (deadline_ns == 0)
        deadline_ns = 1; /* it_value 0 would disarm; a past absolute time fires at once */
    atomic_store(&g.armed_deadline, deadline_ns);
    uint64_t on_timer_clock = deadline_ns;
    if (g.clock == WELLS_POSIX_CLOCK_CPU) {
        /* The timer counts CPU time only: the skipped idle time is not on it. */
        uint64_t skipped = atomic_load(&g.skipped_ns);
        on_timer_clock = deadline_ns > skipped ? deadline_ns - skipped : 1;
    }
    uint64_t sec = on_timer_clock / NS_PER_S;
    if (sizeof(time_t) < 8 && sec > INT32_MAX)
        sec = INT32_MAX;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)sec;
    its.it_value.tv_nsec = (long)(on_timer_clock % NS_PER_S);
    (void)timer_settime(g.timer, TIMER_ABSTIME, &its, NULL);
    errno = saved;
}

static void posix_timer_cancel(void *ctx)
{
    (void)ctx;
    int saved = errno;
    atomic_store(&g.armed_deadline, 0);
    struct itimerspec its;
    memset(&its, 0, sizeof its); /* it_value 0 = disarm */
    (void)timer_settime(g.timer, 0, &its, NULL);
    errno = saved;
}

static void write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere to report a console error */
        }
        text += n;
        len -= (size_t)n;
    }
}

static void posix_console_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    int saved = errno;
    write_all(1, text, len);
    errno = saved;
}

/* Called once by wells_init for the heap region, outside any wells thread. */
static void *posix_mem_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (align < sizeof(void *))
        align = sizeof(void *);
    if ((align & (align - 1)) != 0)
        return NULL;
    if (size == 0)
        size = align;
    size_t rounded = (size + align - 1) & ~(align - 1); /* aligned_alloc wants a multiple */
    if (rounded < size)
        return NULL;
    return aligned_alloc(align, rounded);
}

static void posix_guard_page(void *ctx, void *page, int guarded);

/* Called once by wells_shutdown. A guard page still set (a stack wells leaked) must not go
 * back to malloc inaccessible. */
static void posix_mem_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)align;
    for (size_t i = 0; i < MAX_GUARDS; i++) {
        uintptr_t page = atomic_load(&guards[i]);
        if (page != 0 && page >= (uintptr_t)ptr && page < (uintptr_t)ptr + size)
            posix_guard_page(ctx, (void *)page, 0);
    }
    free(ptr);
}

/* Nothing is ready: wait for the tick signal, at most 1 ms, which bounds a wake-up that raced
 * with the decision to idle. */
static void posix_idle(void *ctx)
{
    (void)ctx;
    int saved = errno;
    uint64_t deadline = atomic_load(&g.armed_deadline);
    if (g.clock == WELLS_POSIX_CLOCK_CPU && deadline != 0) {
        /* Nothing to run until the deadline: the CPU clock skips the wait and the tick comes
         * now (a tick already on its way only makes the kernel look once more). */
        uint64_t now = posix_now_ns(NULL);
        if (deadline > now)
            atomic_fetch_add(&g.skipped_ns, deadline - now);
        pthread_kill(g.host_thread, g.signo);
    } else {
        struct timespec ts = { 0, 1000000 };
        (void)nanosleep(&ts, NULL);
    }
    errno = saved;
}

static void posix_panic(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    static const char prefix[] = "wells panic: ";
    write_all(2, prefix, sizeof prefix - 1);
    write_all(2, msg, len);
    write_all(2, "\n", 1);
    abort();
}

/* Names the calling host thread, so wells refuses calls from any but its own (pthread_self
 * reads a thread register: safe in the tick's signal handler). */
static uint64_t posix_host_thread(void *ctx)
{
    (void)ctx;
    return (uint64_t)(uintptr_t)pthread_self();
}

/* Makes a stack's guard page inaccessible (or accessible again) and remembers it, so that
 * a fault there can be reported as a stack overflow. */
static void posix_guard_page(void *ctx, void *page, int guarded)
{
    (void)ctx;
    int saved = errno;
    (void)mprotect(page, GUARD_PAGE, guarded ? PROT_NONE : PROT_READ | PROT_WRITE);
    uintptr_t want = guarded ? 0 : (uintptr_t)page, put = guarded ? (uintptr_t)page : 0;
    for (size_t i = 0; i < MAX_GUARDS; i++) {
        uintptr_t expected = want;
        if (atomic_compare_exchange_strong(&guards[i], &expected, put))
            break;
    }
    errno = saved;
}

/* SIGSEGV: in a guard page it is a wells thread that ran past its stack; say so (the default
 * message is none at all), then let the fault kill the process as before. */
static void on_segv(int signo, siginfo_t *info, void *context)
{
    (void)context;
    uintptr_t address = (uintptr_t)info->si_addr;
    for (size_t i = 0; i < MAX_GUARDS; i++) {
        uintptr_t page = atomic_load(&guards[i]);
        if (page != 0 && address >= page && address < page + GUARD_PAGE) {
            static const char text[] =
                "wells: stack overflow: a wells thread ran past the end of its stack (into its "
                "guard page); give it a bigger stack_size in wells_thread_create\n";
            write_all(2, text, sizeof text - 1);
            break;
        }
    }
    signal(signo, SIG_DFL); /* returning re-runs the access, which now kills the process */
}

/* ---- the tick signal ---------------------------------------------------------------------- */

/* wells_tick may switch to another wells thread's stack and come back here much later, when the
 * preempted thread is resumed; errno saved here belongs to that preempted thread. */
static void on_tick_signal(int signo)
{
    (void)signo;
    int saved = errno;
    wells_tick();
    errno = saved;
}

/* Undo everything start installed, in the order that lets no tick signal escape. */
static void uninstall(void)
{
    timer_delete(g.timer);

    /* A tick may already be pending: take it while blocked, so restoring the old
     * disposition (often SIG_DFL = terminate) cannot deliver it. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, g.signo);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&set, NULL, &zero) == g.signo) {
    }
    sigaction(g.signo, &g.old_action, NULL);
    pthread_sigmask(SIG_SETMASK, &g.old_mask, NULL);
    sigaction(SIGSEGV, &g.old_segv, NULL);
    sigaltstack(&g.old_altstack, NULL);
    g.started = false;
}

wells_status wells_posix_start(size_t heap_size)
{
    return wells_posix_start_clock(heap_size, WELLS_POSIX_CLOCK_MONOTONIC);
}

wells_status wells_posix_start_clock(size_t heap_size, int clock)
{
    if (g.started)
        return WELLS_ERR_ALREADY_INITIALIZED;
    if (clock != WELLS_POSIX_CLOCK_MONOTONIC && clock != WELLS_POSIX_CLOCK_CPU)
        return WELLS_ERR_INVALID_ARGUMENT;

    g.signo = SIGRTMIN;
    g.clock = clock;
    g.host_thread = pthread_self();
    atomic_store(&g.armed_deadline, 0);
    atomic_store(&g.skipped_ns, 0);
    g.timer_clock = CLOCK_MONOTONIC;
    if (clock == WELLS_POSIX_CLOCK_CPU && pthread_getcpuclockid(g.host_thread, &g.timer_clock) != 0)
        return WELLS_ERR_LIMIT;

    /* SA_NODEFER + empty mask: wells may switch stacks inside the handler, and the signal must
     * stay deliverable to whichever wells thread runs next. SA_RESTART keeps host calls made
     * by wells threads (write, ...) from failing with EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_tick_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER | SA_RESTART;
    if (sigaction(g.signo, &sa, &g.old_action) != 0)
        return WELLS_ERR_LIMIT;

    struct sigevent sev;
    memset(&sev, 0, sizeof sev);
    sev.sigev_signo = g.signo;
#ifdef __linux__
    sev.sigev_notify = SIGEV_THREAD_ID; /* to this thread, the one that will call wells_run */
    sev.sigev_notify_thread_id = (pid_t)syscall(SYS_gettid);
#else
    sev.sigev_notify = SIGEV_SIGNAL; /* to the process; other threads should block g.signo */
#endif
    if (timer_create(g.timer_clock, &sev, &g.timer) != 0) {
        sigaction(g.signo, &g.old_action, NULL);
        return WELLS_ERR_LIMIT;
    }

    /* Stack overflows fault in a guard page; the report runs on its own stack. */
    stack_t ss;
    memset(&ss, 0, sizeof ss);
    ss.ss_sp = altstack;
    ss.ss_size = sizeof altstack;
    sigaltstack(&ss, &g.old_altstack);
    struct sigaction segv;
    memset(&segv, 0, sizeof segv);
    segv.sa_sigaction = on_segv;
    sigemptyset(&segv.sa_mask);
    segv.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &segv, &g.old_segv);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, g.signo);
    pthread_sigmask(SIG_UNBLOCK, &set, &g.old_mask);
    g.started = true;

    memset(&g.ops, 0, sizeof g.ops);
    g.ops.version = WELLS_HOST_OPS_VERSION;
    g.ops.size = (uint32_t)sizeof g.ops;
    g.ops.ctx = NULL;
    g.ops.heap_size = heap_size;
    g.ops.now_ns = posix_now_ns;
    g.ops.timer_arm = posix_timer_arm;
    g.ops.timer_cancel = posix_timer_cancel;
    g.ops.console_write = posix_console_write;
    g.ops.mem_alloc = posix_mem_alloc;
    g.ops.mem_free = posix_mem_free;
    g.ops.idle = posix_idle;
    g.ops.panic = posix_panic;
    g.ops.host_thread = posix_host_thread;
    g.ops.guard_page = posix_guard_page;

    wells_status s = wells_init(&g.ops);
    if (s != WELLS_OK)
        uninstall();
    return s;
}

wells_status wells_posix_stop(void)
{
    wells_status s = wells_shutdown();
    if (!g.started)
        return s;
    if (s != WELLS_OK && s != WELLS_ERR_NOT_INITIALIZED)
        return s; /* wells still runs (e.g. called from a wells thread): keep the tick */
    uninstall();
    return s;
}
