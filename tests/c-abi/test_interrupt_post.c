/* test_interrupt_post.c - wells_sem_post_from_interrupt, the self-deferring post for interrupt
 * and signal handlers: a post from a handler that interrupted a plain thread wakes a
 * higher-priority waiter before the handler's interrupt ends; one that interrupted a critical
 * section waits for its end; posts that waited run in the order they were made; the queue's
 * limit and the handle checks. The "interrupt" is SIGUSR1, raised on wells' own host thread. */
#include "check.h"

static int order[16];
static atomic_int norder;

static void record(int id)
{
    int i = atomic_fetch_add(&norder, 1);
    if (i < 16)
        order[i] = id;
}

static wells_sem_t irq_sems[2];
static volatile int irq_sem_index;
static volatile wells_status irq_status;

/* The interrupt handler: posts the chosen semaphore. */
static void on_irq(int signo)
{
    (void)signo;
    irq_status = wells_sem_post_from_interrupt(irq_sems[irq_sem_index]);
}

static void raise_irq(int index)
{
    irq_sem_index = index;
    raise(SIGUSR1);
}

static void install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_irq;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
}

/* A waiter: records its id (10 + which) each time its semaphore is posted, `rounds` times. */
struct waiter {
    int which;
    int rounds;
};

static int32_t waiter(void *arg)
{
    struct waiter *w = arg;
    for (int i = 0; i < w->rounds; i++) {
        if (!CHECK_EQ(wells_sem_wait(irq_sems[w->which], 5000), WELLS_OK))
            return 1;
        record(10 + w->which);
    }
    return 0;
}

static void errors(void)
{
    wells_sem_t zero = { 0 };
    CHECK_EQ(wells_sem_post_from_interrupt(zero), WELLS_ERR_NOT_INITIALIZED);
    START_WELLS();
    CHECK_EQ(wells_sem_post_from_interrupt(zero), WELLS_ERR_INVALID_HANDLE);
    wells_mutex_t mutex;
    CHECK_EQ(wells_mutex_create(&mutex), WELLS_OK);
    wells_sem_t not_a_sem = { mutex.raw };
    CHECK_EQ(wells_sem_post_from_interrupt(not_a_sem), WELLS_ERR_WRONG_KIND);
    CHECK_EQ(wells_mutex_destroy(mutex), WELLS_OK);
    STOP_WELLS();
}

/* Outside any wells call: the post is done inside the handler and the waiter, of higher
 * priority, runs before the interrupted thread goes on. */
static int32_t plain_interrupted(void *arg)
{
    (void)arg;
    record(1);
    raise_irq(0);
    CHECK_EQ(irq_status, WELLS_OK);
    record(2);
    return 0;
}

static void post_preempts_at_once(void)
{
    START_WELLS();
    atomic_store(&norder, 0);
    install_handler();
    CHECK_EQ(wells_sem_create(&irq_sems[0], 0, 10), WELLS_OK);
    static struct waiter w = { 0, 1 };
    spawn("waiter", 20, waiter, &w);
    spawn("spinner", 10, plain_interrupted, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&norder), 3);
    CHECK_INT(order[0], 1);
    CHECK_INT(order[1], 10); /* before the interrupted thread's next step */
    CHECK_INT(order[2], 2);
    STOP_WELLS();
}

/* Inside a critical section: the posts wait for its end, then run in the order they were made
 * (two waiters of one priority: the first posted wakes first), before wells_critical_exit
 * returns. */
static int32_t critical_interrupted(void *arg)
{
    (void)arg;
    wells_critical_enter();
    raise_irq(1);
    CHECK_EQ(irq_status, WELLS_OK);
    raise_irq(0);
    CHECK_EQ(irq_status, WELLS_OK);
    record(1); /* no waiter ran yet */
    wells_critical_exit();
    record(2);
    return 0;
}

static void post_waits_for_critical_section(void)
{
    START_WELLS();
    atomic_store(&norder, 0);
    install_handler();
    CHECK_EQ(wells_sem_create(&irq_sems[0], 0, 10), WELLS_OK);
    CHECK_EQ(wells_sem_create(&irq_sems[1], 0, 10), WELLS_OK);
    static struct waiter w0 = { 0, 1 }, w1 = { 1, 1 };
    spawn("waiter0", 20, waiter, &w0);
    spawn("waiter1", 20, waiter, &w1);
    spawn("critical", 10, critical_interrupted, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    CHECK_INT(atomic_load(&norder), 4);
    CHECK_INT(order[0], 1);
    CHECK_INT(order[1], 11); /* posted first */
    CHECK_INT(order[2], 10);
    CHECK_INT(order[3], 2);
    STOP_WELLS();
}

/* WELLS_INTERRUPT_POSTS posts can wait; one more is refused, and every one that waited is done. */
static int32_t fill_queue(void *arg)
{
    (void)arg;
    wells_critical_enter();
    for (int i = 0; i < WELLS_INTERRUPT_POSTS; i++) {
        raise_irq(0);
        CHECK_EQ(irq_status, WELLS_OK);
    }
    raise_irq(0);
    CHECK_EQ(irq_status, WELLS_ERR_LIMIT);
    wells_critical_exit();
    uint32_t value = 0;
    CHECK_EQ(wells_sem_value(irq_sems[0], &value), WELLS_OK);
    CHECK_INT(value, WELLS_INTERRUPT_POSTS);
    /* the queue is free again */
    raise_irq(0);
    CHECK_EQ(irq_status, WELLS_OK);
    CHECK_EQ(wells_sem_value(irq_sems[0], &value), WELLS_OK);
    CHECK_INT(value, WELLS_INTERRUPT_POSTS + 1);
    return 0;
}

static void queue_limit(void)
{
    START_WELLS();
    install_handler();
    CHECK_EQ(wells_sem_create(&irq_sems[0], 0, 1000), WELLS_OK);
    spawn("fill", 10, fill_queue, NULL);
    CHECK_EQ(wells_run(), WELLS_OK);
    STOP_WELLS();
}

int main(void)
{
    RUN(errors);
    RUN(post_preempts_at_once);
    RUN(post_waits_for_critical_section);
    RUN(queue_limit);
    return check_summary();
}
