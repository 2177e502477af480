/* wells_mps2.c - wells host operations on bare metal: QEMU's mps2-an385 (Cortex-M3).
 *
 * wells runs here as it does inside a Linux process: the joining port of libwells.a switches
 * wells threads in privileged thread mode and touches no system register; this file is the
 * "host" underneath it (adapters/mps2-an385/README.md):
 * - start-up: the vector table, reset (copy .data, zero .bss, thread mode on PSP), main();
 * - time: the board's clock device (a CMSDK APB timer counting down freely at 25 MHz, folded
 *   into 64 bits every millisecond) and SysTick, a 1 ms periodic interrupt that delivers wells'
 *   one-shot timer when its deadline has come;
 * - the console: CMSDK UART0; the heap: the RAM the image leaves free; the end: semihosting;
 * - the C library, picolibc: its stdout and stderr write to the console, its _exit is the
 *   semihosting exit, its thread-local storage is set up at reset (picolibc.ld).
 *
 * wells_tick() may switch to another wells thread, which must not happen in handler mode: the
 * SysTick handler instead pushes a second exception frame on the interrupted thread's stack
 * (thread mode runs on PSP, handlers on MSP), so the exception returns into thread mode at a
 * trampoline that calls wells_tick(); when that returns (at once, or when a preempted thread is
 * resumed) the trampoline's `svc` drops the frame and the SVC handler's exception return puts
 * back the interrupted context exactly, IT state and all. Every exception has the same
 * priority, so handlers never nest and always interrupt thread mode.
 *
 * The board's addresses come from boards/mps2-an385.toml: cargo xtask passes the console's and
 * the clock's as WELLS_MPS2_UART_BASE and WELLS_MPS2_CLOCK_BASE, and writes the memory map into
 * the linker script. Register offsets are the CMSDK devices' own; SysTick and the SCB are the
 * Armv7-M architecture's.
 */
#include "wells_mps2.h"

#include <picotls.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef WELLS_MPS2_UART_BASE
#error "WELLS_MPS2_UART_BASE: the console of boards/mps2-an385.toml (cargo xtask passes it)"
#endif
#ifndef WELLS_MPS2_CLOCK_BASE
#error "WELLS_MPS2_CLOCK_BASE: the clock of boards/mps2-an385.toml (cargo xtask passes it)"
#endif

#define REG(address) (*(volatile uint32_t *)(uintptr_t)(address))

/* CMSDK APB UART: data, state (bit 0: TX buffer full), control (bit 0: TX enable). */
#define UART_DATA REG(WELLS_MPS2_UART_BASE + 0x0)
#define UART_STATE REG(WELLS_MPS2_UART_BASE + 0x4)
#define UART_CTRL REG(WELLS_MPS2_UART_BASE + 0x8)
/* CMSDK APB timer: control (bit 0: enable), current value, reload value. */
#define CLOCK_CTRL REG(WELLS_MPS2_CLOCK_BASE + 0x0)
#define CLOCK_VALUE REG(WELLS_MPS2_CLOCK_BASE + 0x4)
#define CLOCK_RELOAD REG(WELLS_MPS2_CLOCK_BASE + 0x8)
/* Armv7-M system registers: SysTick, the configuration and control register. */
#define SYST_CSR REG(0xE000E010u)
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)
#define SCB_CCR REG(0xE000ED14u)
/* MPU (PMSAv7), the fault status and address registers, the handler control and state. */
#define MPU_CTRL REG(0xE000ED94u)
#define MPU_RNR REG(0xE000ED98u)
#define MPU_RBAR REG(0xE000ED9Cu)
#define MPU_RASR REG(0xE000EDA0u)
#define SCB_SHCSR REG(0xE000ED24u)
#define SCB_CFSR REG(0xE000ED28u)
#define SCB_MMFAR REG(0xE000ED34u)
/* NVIC: set-enable, clear-enable, clear-pending (the board's 32 lines: one register each). */
#define NVIC_ISER REG(0xE000E100u)
#define NVIC_ICER REG(0xE000E180u)
#define NVIC_ICPR REG(0xE000E280u)
#define CCR_STKALIGN (1u << 9)

/* The board's interrupt lines. */
#define IRQS 32

/* The processor and peripheral clock of the board (QEMU's mps2 SYSCLK): 40 ns a cycle. */
#define CPU_HZ 25000000u
#define NS_PER_CYCLE 40u
#define TICK_CYCLES (CPU_HZ / 1000u)

/* Semihosting (`bkpt 0xab`): SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit and a status. */
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* From the linker script (boards/layout/xip.ld). */
extern uint32_t __data_start[], __data_end[], __data_load[], __bss_start[], __bss_end[];
extern uint32_t __handler_stack_top[], __boot_stack_top[];
extern char __heap_start[], __heap_end[];

int main(void);

/* ---- interrupts off and on (PRIMASK) ------------------------------------------------------ */

static uint32_t irq_off(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static void irq_restore(uint32_t primask)
{
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* ---- the console ---------------------------------------------------------------------------- */

void wells_mps2_write(const char *text, size_t len)
{
    uint32_t primask = irq_off();
    for (size_t i = 0; i < len; i++) {
        while (UART_STATE & 1u) {
        }
        UART_DATA = (uint8_t)text[i];
    }
    irq_restore(primask);
}

/* ---- the end -------------------------------------------------------------------------------- */

void wells_mps2_exit(int status)
{
    uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status };
    register uint32_t op __asm("r0") = SYS_EXIT_EXTENDED;
    register uint32_t *arg __asm("r1") = block;
    __asm volatile("bkpt #0xab" : "+r"(op) : "r"(arg) : "memory");
    for (;;) { /* no semihosting: stop here */
        __asm volatile("wfi");
    }
}

/* The heap region less picolibc's thread-local block (tls_start). */
static char *heap_start;

/* ---- the C library (picolibc) -------------------------------------------------------------- */

/* picolibc's stdio (tinystdio) hands every character to the stream's put function: stdout and
 * stderr are the console, unbuffered. Each character is written with interrupts off, so a
 * printf line may be cut by the output of a thread that preempted the one printing it. */
static int console_put(char c, FILE *stream)
{
    (void)stream;
    wells_mps2_write(&c, 1);
    return (unsigned char)c;
}

static FILE console = FDEV_SETUP_STREAM(console_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &console;
FILE *const stderr = &console;

/* The end of exit() and _Exit(): QEMU ends with the status. */
void _exit(int status)
{
    wells_mps2_exit(status);
}

/* A signal whose action is the default (abort() raises SIGABRT) ends the program with 128 +
 * the signal's number, as a shell reports a process killed by it (abort: 134). */
pid_t getpid(void)
{
    return 1;
}

int kill(pid_t pid, int sig)
{
    (void)pid;
    wells_mps2_exit(128 + sig);
}

/* The unwind tables of libwells.a's objects name the EHABI personality routines; nothing
 * unwinds here (Rust panics abort), so these keep libgcc's unwinder out of the image. */
void __aeabi_unwind_cpp_pr0(void);
void __aeabi_unwind_cpp_pr1(void);
void __aeabi_unwind_cpp_pr2(void);
void __aeabi_unwind_cpp_pr0(void) { abort(); }
void __aeabi_unwind_cpp_pr1(void) { abort(); }
void __aeabi_unwind_cpp_pr2(void) { abort(); }

/* picolibc's thread-local storage (errno, the signal table): one block for the whole program,
 * taken from the start of the heap region; picolibc.ld places its template. */
static void tls_start(void)
{
    uintptr_t align = _tls_align();
    uintptr_t block = ((uintptr_t)__heap_start + align - 1) & ~(align - 1);
    _init_tls((void *)block); /* .tdata's template, then .tbss's zeros */
    _set_tls((void *)block);
    heap_start = (char *)(block + _tls_size());
}

static void write_text(const char *text)
{
    size_t len = 0;
    while (text[len] != 0)
        len++;
    wells_mps2_write(text, len);
}

/* Every exception wells does not expect: say which, end with status 101 (as the images do). */
static void unexpected_exception(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    static const char digits[] = "0123456789";
    char number[4] = { digits[(ipsr / 100) % 10], digits[(ipsr / 10) % 10], digits[ipsr % 10], 0 };
    write_text("wells mps2: unexpected exception ");
    write_text(number);
    write_text(" (3 HardFault, 4 MemManage, 5 BusFault, 6 UsageFault, 16+ an interrupt)\n");
    wells_mps2_exit(101);
}

/* ---- the clock: 25 MHz cycles, folded into 64 bits by the SysTick handler ------------------- */

static uint64_t folded_cycles;
static uint32_t value_at_fold = 0xFFFFFFFFu;

static void clock_start(void)
{
    CLOCK_CTRL = 0;
    CLOCK_RELOAD = 0xFFFFFFFFu;
    CLOCK_VALUE = 0xFFFFFFFFu;
    CLOCK_CTRL = 1;
}

/* Adds the cycles since the last fold (interrupts off): exact while folds come more often than
 * the counter wraps (171 s). */
static void clock_fold(void)
{
    uint32_t now = CLOCK_VALUE;
    folded_cycles += (uint32_t)(value_at_fold - now);
    value_at_fold = now;
}

unsigned long long wells_mps2_cycles(void)
{
    uint32_t primask = irq_off();
    uint64_t cycles = folded_cycles + (uint32_t)(value_at_fold - CLOCK_VALUE);
    irq_restore(primask);
    return cycles;
}

/* ---- calls injected into thread mode -------------------------------------------------------- */

/* Entered by exception return from a frame wells_mps2_call_in_thread made: r0 holds the
 * function. Its `svc` comes back with sp where the interrupted context's frame is. */
__attribute__((naked)) static void thread_call_trampoline(void)
{
    __asm volatile("blx r0\n\t"
                   "svc #0\n\t");
}

/* The trampoline's `svc`: drop the SVC's own frame so that this exception return pops the
 * interrupted context's (no other code here issues `svc`). */
__attribute__((naked)) static void svc_handler(void)
{
    __asm volatile("mrs r0, psp\n\t"
                   "adds r0, #32\n\t"
                   "msr psp, r0\n\t"
                   "bx lr\n\t");
}

void wells_mps2_call_in_thread(void (*fn)(void))
{
    uint32_t *frame;
    __asm volatile("mrs %0, psp" : "=r"(frame));
    /* The interrupted frame is 8-byte aligned (CCR.STKALIGN), so this one is too. */
    frame -= 8;
    frame[0] = (uint32_t)(uintptr_t)fn;                           /* r0 */
    frame[1] = frame[2] = frame[3] = frame[4] = 0;                /* r1-r3, r12 */
    frame[5] = 0xFFFFFFFFu;                                       /* lr: the trampoline never returns */
    frame[6] = (uint32_t)(uintptr_t)thread_call_trampoline & ~1u; /* pc */
    frame[7] = 1u << 24;                                          /* xPSR: Thumb */
    __asm volatile("msr psp, %0" ::"r"(frame) : "memory");
}

/* ---- the host timer: wells' one-shot deadline, checked every millisecond --------------------- */

static uint64_t deadline_ns;
static int deadline_armed;

static void systick_start(void)
{
    SYST_RVR = TICK_CYCLES - 1;
    SYST_CVR = 0;
    SYST_CSR = 0x7; /* processor clock, interrupt, enable */
}

static void systick_handler(void)
{
    clock_fold();
    if (deadline_armed && folded_cycles * NS_PER_CYCLE >= deadline_ns) {
        deadline_armed = 0;
        wells_mps2_call_in_thread(wells_tick);
    }
}

/* ---- host operations ------------------------------------------------------------------------ */

static uint64_t mps2_now_ns(void *ctx)
{
    (void)ctx;
    return wells_mps2_cycles() * NS_PER_CYCLE;
}

static void mps2_timer_arm(void *ctx, uint64_t deadline)
{
    (void)ctx;
    uint32_t primask = irq_off();
    deadline_ns = deadline;
    deadline_armed = 1;
    irq_restore(primask);
}

static void mps2_timer_cancel(void *ctx)
{
    (void)ctx;
    deadline_armed = 0;
}

static void mps2_console_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    wells_mps2_write(text, len);
}

static int heap_given;

/* The heap region, once (wells_init asks for it; wells_shutdown gives it back). */
static void *mps2_mem_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (heap_given || align == 0 || (align & (align - 1)) != 0)
        return NULL;
    uintptr_t start = ((uintptr_t)heap_start + align - 1) & ~(uintptr_t)(align - 1);
    if (start < (uintptr_t)heap_start || start > (uintptr_t)__heap_end ||
        size > (uintptr_t)__heap_end - start)
        return NULL;
    heap_given = 1;
    return (void *)start;
}

static void mps2_mem_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx;
    (void)ptr;
    (void)size;
    (void)align;
    heap_given = 0;
}

/* Nothing to run: sleep until the next interrupt (under -icount sleep=off QEMU jumps to it). */
static void mps2_idle(void *ctx)
{
    (void)ctx;
    __asm volatile("wfi" ::: "memory");
}

static void mps2_panic(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    write_text("wells panic: ");
    wells_mps2_write(msg, len);
    write_text("\n");
    wells_mps2_exit(101);
}

static struct wells_host_ops ops;

wells_status wells_mps2_start(size_t heap_size)
{
    if (heap_size == 0) /* all of it, less room to align the start to a page */
        heap_size = ((size_t)(__heap_end - heap_start) & ~(size_t)4095) - 4096;
    ops.version = WELLS_HOST_OPS_VERSION;
    ops.size = (uint32_t)sizeof ops;
    ops.ctx = NULL;
    ops.heap_size = heap_size;
    ops.now_ns = mps2_now_ns;
    ops.timer_arm = mps2_timer_arm;
    ops.timer_cancel = mps2_timer_cancel;
    ops.console_write = mps2_console_write;
    ops.mem_alloc = mps2_mem_alloc;
    ops.mem_free = mps2_mem_free;
    ops.idle = mps2_idle;
    ops.panic = mps2_panic;
    return wells_init(&ops);
}

/* ---- start-up ------------------------------------------------------------------------------- */

void wells_mps2_irq_enable(unsigned irq)
{
    if (irq >= IRQS)
        return;
    NVIC_ICPR = 1u << irq;
    NVIC_ISER = 1u << irq;
}

void wells_mps2_irq_disable(unsigned irq)
{
    if (irq >= IRQS)
        return;
    NVIC_ICER = 1u << irq;
    __asm volatile("dsb\n\tisb" ::: "memory"); /* off before the handler returns */
}

void wells_mps2_mpu_deny(unsigned region, void *base, unsigned long size, int deny)
{
    unsigned log2 = 0;
    while ((1ul << log2) < size)
        log2++;
    uint32_t primask = irq_off();
    MPU_RNR = region;
    MPU_RBAR = (uint32_t)(uintptr_t)base;
    /* XN, AP = 000 (no access), SIZE = log2 - 1, ENABLE; or off */
    MPU_RASR = deny ? (1u << 28) | ((log2 - 1u) << 1) | 1u : 0u;
    SCB_SHCSR |= 1u << 16; /* MEMFAULTENA: a MemManage fault, not a HardFault */
    MPU_CTRL = 1u | 4u;    /* ENABLE | PRIVDEFENA */
    __asm volatile("dsb\n\tisb" ::: "memory");
    irq_restore(primask);
}

__attribute__((weak)) void wells_mps2_memfault(unsigned long address)
{
    (void)address;
    unexpected_exception();
}

static void memmanage_handler(void)
{
    uint32_t status = SCB_CFSR & 0xffu; /* MMFSR */
    unsigned long address = (status & 0x80u) ? SCB_MMFAR : 0; /* MMARVALID */
    SCB_CFSR = status;                                         /* write 1 to clear */
    wells_mps2_memfault(address);
}

/* Weak: a program with interrupts of its own (openautosar's M3 port) defines it. */
__attribute__((weak)) void wells_mps2_irq(unsigned irq)
{
    (void)irq;
    unexpected_exception();
}

static void irq_handler(void)
{
    uint32_t ipsr;
    __asm volatile("mrs %0, ipsr" : "=r"(ipsr));
    wells_mps2_irq((unsigned)(ipsr & 0x1FFu) - 16u);
}

/* Called by wells_reset only (global so that its assembly can name it). */
void wells_mps2_start_c(void) __attribute__((noreturn, used));
void wells_mps2_start_c(void)
{
    for (uint32_t *from = __data_load, *to = __data_start; to < __data_end;)
        *to++ = *from++;
    for (uint32_t *to = __bss_start; to < __bss_end;)
        *to++ = 0;
    tls_start();
    SCB_CCR |= CCR_STKALIGN;
    UART_CTRL = 1; /* TX enable */
    clock_start();
    systick_start();
    wells_mps2_exit(main());
}

/* Reset: handlers keep MSP (the vector table's initial stack); thread mode moves to PSP on the
 * boot stack, where main() and wells' idle context run. */
__attribute__((naked, used)) void wells_reset(void)
{
    __asm volatile("ldr r0, =__boot_stack_top\n\t"
                   "msr psp, r0\n\t"
                   "movs r0, #2\n\t" /* CONTROL.SPSEL: thread mode on PSP */
                   "msr control, r0\n\t"
                   "isb\n\t"
                   "bl wells_mps2_start_c\n\t"
                   ".ltorg\n\t");
}

/* Exceptions 1-15, then the board's interrupts. All at the reset priority (0). */
__attribute__((section(".vectors"), used)) static const struct {
    void *initial_sp;
    void (*handler[15 + IRQS])(void);
} vectors = {
    __handler_stack_top,
    {
        wells_reset,          /* 1 reset */
        unexpected_exception, /* 2 NMI */
        unexpected_exception, /* 3 HardFault */
        memmanage_handler,    /* 4 MemManage */
        unexpected_exception, /* 5 BusFault */
        unexpected_exception, /* 6 UsageFault */
        0, 0, 0, 0,           /* 7-10 reserved */
        svc_handler,          /* 11 SVCall */
        unexpected_exception, /* 12 debug monitor */
        0,                    /* 13 reserved */
        unexpected_exception, /* 14 PendSV */
        systick_handler,      /* 15 SysTick */
        [15 ... 15 + IRQS - 1] = irq_handler,
    },
};
