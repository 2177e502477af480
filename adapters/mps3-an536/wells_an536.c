/* wells_an536.c - wells host operations on bare metal: QEMU's mps3-an536 (Cortex-R52).
 *
 * The same role as adapters/mps2-an385 on the Cortex-M3: the joining port of libwells.a
 * switches wells threads in SVC mode and touches no system register; this file is the host
 * underneath it (adapters/mps3-an536/README.md):
 * - start-up: QEMU enters at EL2 (HYP); the reset code leaves EL1 untrapped, gives it the
 *   generic timer and the GIC's system registers, and drops to SVC mode, where main() and every
 *   wells thread run; the exception modes get small stacks of their own; VFP is enabled;
 * - time: the generic timer. Its virtual count (CNTVCT at CNTFRQ, 62.5 MHz on QEMU) is the
 *   clock; its virtual timer (CNTV_CVAL), a private interrupt of the GICv3, is wells' one-shot
 *   timer, armed at the exact deadline;
 * - the console: CMSDK UART0; the heap: the region the linker script leaves; the end:
 *   semihosting; the C library: picolibc, as on the M3.
 *
 * Delivering wells_tick(), which may switch threads: the IRQ entry moves at once from IRQ mode
 * to SVC mode onto the interrupted thread's own stack (`srsdb` stores the return address and
 * status there), saves the registers a C call may change (r0-r3, r12, lr, d0-d7, FPSCR),
 * acknowledges and ends the interrupt at the GIC with interrupts still off, then calls
 * wells_tick() with interrupts on, as a POSIX signal handler would run it. When it returns (at
 * once, or when the preempted thread is resumed) `rfeia` puts back the interrupted context,
 * status included, in one instruction.
 *
 * The board's addresses come from boards/mps3-an536.toml: cargo xtask passes the console's, the
 * GIC's and the virtual timer's interrupt as WELLS_AN536_UART_BASE, WELLS_AN536_GICD_BASE,
 * WELLS_AN536_GICR_BASE and WELLS_AN536_TIMER_IRQ. The GICv3 and generic-timer registers are
 * the architecture's.
 */
#include "wells_an536.h"

#include <picotls.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef WELLS_AN536_UART_BASE
#error "WELLS_AN536_UART_BASE: the console of boards/mps3-an536.toml (cargo xtask passes it)"
#endif
#ifndef WELLS_AN536_GICD_BASE
#error "WELLS_AN536_GICD_BASE: the GIC distributor of boards/mps3-an536.toml (cargo xtask passes it)"
#endif
#ifndef WELLS_AN536_GICR_BASE
#error "WELLS_AN536_GICR_BASE: CPU 0's GIC redistributor of boards/mps3-an536.toml (cargo xtask passes it)"
#endif
#ifndef WELLS_AN536_TIMER_IRQ
#error "WELLS_AN536_TIMER_IRQ: the virtual timer's interrupt of boards/mps3-an536.toml (cargo xtask passes it)"
#endif

#define REG(address) (*(volatile uint32_t *)(uintptr_t)(address))

/* CMSDK APB UART: data, state (bit 0: TX buffer full), control (bit 0: TX enable). */
#define UART_DATA REG(WELLS_AN536_UART_BASE + 0x0)
#define UART_STATE REG(WELLS_AN536_UART_BASE + 0x4)
#define UART_CTRL REG(WELLS_AN536_UART_BASE + 0x8)
/* GICv3: the distributor's control, CPU 0's redistributor (RD_base, then the SGI/PPI frame). */
#define GICD_CTLR REG(WELLS_AN536_GICD_BASE + 0x0)
#define GICR_WAKER REG(WELLS_AN536_GICR_BASE + 0x14)
#define GICR_SGI (WELLS_AN536_GICR_BASE + 0x10000)
#define GICR_IGROUPR0 REG(GICR_SGI + 0x080)
#define GICR_ISENABLER0 REG(GICR_SGI + 0x100)
#define GICR_IPRIORITYR(id) (*(volatile uint8_t *)(uintptr_t)(GICR_SGI + 0x400 + (id)))

/* Semihosting (`svc 0x123456` in A32): SYS_EXIT_EXTENDED with ADP_Stopped_ApplicationExit. */
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* From the linker script (boards/layout/ram.ld). */
extern char __bss_start[], __bss_end[], __heap_start[], __heap_end[];

int main(void);

/* ---- interrupts off and on (CPSR.I) --------------------------------------------------------- */

static uint32_t irq_off(void)
{
    uint32_t cpsr;
    __asm volatile("mrs %0, cpsr\n\tcpsid i" : "=r"(cpsr)::"memory");
    return cpsr;
}

static void irq_restore(uint32_t cpsr)
{
    if ((cpsr & 0x80u) == 0)
        __asm volatile("cpsie i" ::: "memory");
}

/* ---- the console and the end ---------------------------------------------------------------- */

void wells_an536_write(const char *text, size_t len)
{
    uint32_t cpsr = irq_off();
    for (size_t i = 0; i < len; i++) {
        while (UART_STATE & 1u) {
        }
        UART_DATA = (uint8_t)text[i];
    }
    irq_restore(cpsr);
}

void wells_an536_exit(int status)
{
    uint32_t block[2] = { ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status };
    register uint32_t op __asm("r0") = SYS_EXIT_EXTENDED;
    register uint32_t *arg __asm("r1") = block;
    __asm volatile("svc 0x123456" : "+r"(op) : "r"(arg) : "memory");
    for (;;) { /* no semihosting: stop here */
        __asm volatile("wfi");
    }
}

static void write_text(const char *text)
{
    size_t len = 0;
    while (text[len] != 0)
        len++;
    wells_an536_write(text, len);
}

static void write_hex(uint32_t value)
{
    char digits[11] = "0x";
    for (int i = 0; i < 8; i++)
        digits[2 + i] = "0123456789abcdef"[(value >> (28 - 4 * i)) & 0xfu];
    digits[10] = 0;
    write_text(digits);
}

/* ---- the C library (picolibc), as on the mps2-an385 ------------------------------------------ */

static char *heap_start;

static int console_put(char c, FILE *stream)
{
    (void)stream;
    wells_an536_write(&c, 1);
    return (unsigned char)c;
}

static FILE console = FDEV_SETUP_STREAM(console_put, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdout = &console;
FILE *const stderr = &console;

void _exit(int status)
{
    wells_an536_exit(status);
}

pid_t getpid(void)
{
    return 1;
}

int kill(pid_t pid, int sig)
{
    (void)pid;
    wells_an536_exit(128 + sig);
}

void __aeabi_unwind_cpp_pr0(void);
void __aeabi_unwind_cpp_pr1(void);
void __aeabi_unwind_cpp_pr2(void);
void __aeabi_unwind_cpp_pr0(void) { abort(); }
void __aeabi_unwind_cpp_pr1(void) { abort(); }
void __aeabi_unwind_cpp_pr2(void) { abort(); }

static void tls_start(void)
{
    uintptr_t align = _tls_align();
    uintptr_t block = ((uintptr_t)__heap_start + align - 1) & ~(align - 1);
    _init_tls((void *)block);
    _set_tls((void *)block);
    heap_start = (char *)(block + _tls_size());
}

/* ---- the generic timer ---------------------------------------------------------------------- */

static uint32_t counter_hz;

static uint64_t cntvct(void)
{
    uint32_t low, high;
    __asm volatile("isb\n\tmrrc p15, 1, %0, %1, c14" : "=r"(low), "=r"(high)::"memory");
    return ((uint64_t)high << 32) | low;
}

static void cntv_ctl(uint32_t value)
{
    __asm volatile("mcr p15, 0, %0, c14, c3, 1\n\tisb" ::"r"(value) : "memory");
}

static void cntv_cval(uint64_t value)
{
    __asm volatile("mcrr p15, 3, %0, %1, c14\n\tisb" ::"r"((uint32_t)value), "r"((uint32_t)(value >> 32)) : "memory");
}

unsigned long long wells_an536_now_ns(void)
{
    uint64_t count = cntvct();
    return (count / counter_hz) * 1000000000ull + (count % counter_hz) * 1000000000ull / counter_hz;
}

/* ---- the GICv3, as the arm32 image sets it up (group 1, one private interrupt) ------------------ */

static void gic_start(uint32_t id)
{
    GICD_CTLR = 0x13u; /* EnableGrp0 | EnableGrp1 | ARE */
    GICR_WAKER &= ~(1u << 1);
    while (GICR_WAKER & (1u << 2)) {
    }
    GICR_IGROUPR0 |= 1u << id;
    GICR_IPRIORITYR(id) = 0x80;
    GICR_ISENABLER0 = 1u << id;
    uint32_t sre;
    __asm volatile("mrc p15, 0, %0, c12, c12, 5" : "=r"(sre));
    __asm volatile("mcr p15, 0, %0, c12, c12, 5\n\tisb" ::"r"(sre | 1u)); /* ICC_SRE */
    __asm volatile("mcr p15, 0, %0, c4, c6, 0" ::"r"(0xffu));            /* ICC_PMR */
    __asm volatile("mcr p15, 0, %0, c12, c12, 7\n\tisb" ::"r"(1u));      /* ICC_IGRPEN1 */
}

/* Called by the IRQ entry (interrupts off, SVC mode): acknowledges and ends the interrupt and
 * returns what to call with interrupts on (wells_tick for the timer), or NULL. */
void (*wells_an536_irq(void))(void) __attribute__((used));
void (*wells_an536_irq(void))(void)
{
    uint32_t id;
    __asm volatile("mrc p15, 0, %0, c12, c12, 0" : "=r"(id)); /* ICC_IAR1 */
    id &= 0xffffffu;
    if (id >= 1020)
        return NULL;
    if (id != WELLS_AN536_TIMER_IRQ) {
        write_text("wells an536: unexpected interrupt ");
        write_hex(id);
        write_text("\n");
        wells_an536_exit(101);
    }
    cntv_ctl(0); /* one-shot: off until wells arms it again */
    __asm volatile("mcr p15, 0, %0, c12, c12, 1\n\tisb" ::"r"(id)); /* ICC_EOIR1 */
    return wells_tick;
}

/* Every other exception: say which and where, end with status 101. */
void wells_an536_fault(uint32_t which, uint32_t address) __attribute__((used, noreturn));
void wells_an536_fault(uint32_t which, uint32_t address)
{
    static const char *const names[] = { "undefined instruction", "supervisor call", "prefetch abort", "data abort", "FIQ" };
    write_text("wells an536: unexpected exception: ");
    write_text(which < 5 ? names[which] : "?");
    write_text(" at ");
    write_hex(address);
    write_text("\n");
    wells_an536_exit(101);
}

/* ---- memory protection: the EL1 MPU ------------------------------------------------------ */

int wells_an536_mpu_protect(unsigned region, void *base, unsigned long size, int protect)
{
    uintptr_t start = (uintptr_t)base;
    uint32_t mpuir;
    __asm volatile("mrc p15, 0, %0, c0, c0, 4" : "=r"(mpuir)); /* MPUIR.REGION: how many */
    if (region >= ((mpuir >> 8) & 0xffu) || start % 64u != 0 || size % 64u != 0 || size == 0 || size - 1u > UINTPTR_MAX - start)
        return -1;
    uint32_t cpsr = irq_off();
    /* the region off first, so no mix of its old and new bounds is ever in force */
    __asm volatile("mcr p15, 0, %0, c6, c2, 1\n\tisb" ::"r"(region) : "memory");  /* PRSELR */
    __asm volatile("mcr p15, 0, %0, c6, c3, 1\n\tisb" ::"r"(0u) : "memory");      /* PRLAR */
    if (protect) {
        uint32_t prbar = (uint32_t)start | (2u << 1) | 1u;          /* AP = 10: EL1 read-only; XN */
        uint32_t prlar = (uint32_t)(start + size - 1u) & ~0x3fu;    /* limit; AttrIndx 0 */
        uint32_t mair0;
        __asm volatile("mrc p15, 0, %0, c10, c2, 0" : "=r"(mair0));
        __asm volatile("mcr p15, 0, %0, c10, c2, 0" ::"r"((mair0 & ~0xffu) | 0xffu)); /* attr 0: Normal, write-back */
        __asm volatile("mcr p15, 0, %0, c6, c3, 0" ::"r"(prbar) : "memory");          /* PRBAR */
        __asm volatile("mcr p15, 0, %0, c6, c3, 1" ::"r"(prlar | 1u) : "memory");     /* PRLAR, EN */
    }
    uint32_t sctlr;
    __asm volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
    if ((sctlr & 1u) == 0) /* M: the MPU on, with the default map (BR) wherever no region is */
        __asm volatile("mcr p15, 0, %0, c1, c0, 0" ::"r"(sctlr | (1u << 17) | 1u) : "memory");
    __asm volatile("dsb\n\tisb" ::: "memory");
    irq_restore(cpsr);
    return 0;
}

__attribute__((weak)) void (*wells_an536_memfault(unsigned long address))(void)
{
    (void)address;
    return NULL;
}

/* Called by the data abort entry (abort mode) with DFAR, DFSR, the faulting instruction and
 * the interrupted status: returns what to call on the interrupted thread, or reports the fault
 * and ends. Only a permission fault (DFSR.STATUS 0b0011xx) taken in SVC mode is the program's. */
void (*wells_an536_data_abort(uint32_t address, uint32_t status, uint32_t pc, uint32_t spsr))(void) __attribute__((used));
void (*wells_an536_data_abort(uint32_t address, uint32_t status, uint32_t pc, uint32_t spsr))(void)
{
    void (*call)(void) = NULL;
    if ((status & 0x3cu) == 0x0cu && (spsr & 0x1fu) == 0x13u)
        call = wells_an536_memfault(address);
    if (call == NULL)
        wells_an536_fault(3, pc);
    return call;
}

/* ---- host operations ------------------------------------------------------------------------ */

static uint64_t an536_now_ns(void *ctx)
{
    (void)ctx;
    return wells_an536_now_ns();
}

static void an536_timer_arm(void *ctx, uint64_t deadline)
{
    (void)ctx;
    /* the first count at or after the deadline */
    uint64_t count = (deadline / 1000000000ull) * counter_hz + ((deadline % 1000000000ull) * counter_hz + 999999999ull) / 1000000000ull;
    uint32_t cpsr = irq_off();
    cntv_cval(count);
    cntv_ctl(1); /* enabled, not masked: pending at once when the count is already past */
    irq_restore(cpsr);
}

static void an536_timer_cancel(void *ctx)
{
    (void)ctx;
    cntv_ctl(0);
}

static void an536_console_write(void *ctx, const char *text, size_t len)
{
    (void)ctx;
    wells_an536_write(text, len);
}

static int heap_given;

static void *an536_mem_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    if (heap_given || align == 0 || (align & (align - 1)) != 0)
        return NULL;
    uintptr_t start = ((uintptr_t)heap_start + align - 1) & ~(uintptr_t)(align - 1);
    if (start < (uintptr_t)heap_start || start > (uintptr_t)__heap_end || size > (uintptr_t)__heap_end - start)
        return NULL;
    heap_given = 1;
    return (void *)start;
}

static void an536_mem_free(void *ctx, void *ptr, size_t size, size_t align)
{
    (void)ctx;
    (void)ptr;
    (void)size;
    (void)align;
    heap_given = 0;
}

/* Nothing to run: sleep until the next interrupt (under -icount sleep=off QEMU jumps to it). */
static void an536_idle(void *ctx)
{
    (void)ctx;
    __asm volatile("wfi" ::: "memory");
}

static void an536_panic(void *ctx, const char *msg, size_t len)
{
    (void)ctx;
    write_text("wells panic: ");
    wells_an536_write(msg, len);
    write_text("\n");
    wells_an536_exit(101);
}

static struct wells_host_ops ops;

wells_status wells_an536_start(size_t heap_size)
{
    if (heap_size == 0)
        heap_size = ((size_t)(__heap_end - heap_start) & ~(size_t)4095) - 4096;
    ops.version = WELLS_HOST_OPS_VERSION;
    ops.size = (uint32_t)sizeof ops;
    ops.ctx = NULL;
    ops.heap_size = heap_size;
    ops.now_ns = an536_now_ns;
    ops.timer_arm = an536_timer_arm;
    ops.timer_cancel = an536_timer_cancel;
    ops.console_write = an536_console_write;
    ops.mem_alloc = an536_mem_alloc;
    ops.mem_free = an536_mem_free;
    ops.idle = an536_idle;
    ops.panic = an536_panic;
    return wells_init(&ops);
}

/* ---- start-up ------------------------------------------------------------------------------- */

/* Called by wells_an536_reset in SVC mode on the boot stack, interrupts off. */
void wells_an536_start_c(void) __attribute__((used, noreturn));
void wells_an536_start_c(void)
{
    for (char *to = __bss_start; to < __bss_end;)
        *to++ = 0;
    tls_start();
    UART_CTRL = 1; /* TX enable */
    __asm volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(counter_hz)); /* CNTFRQ */
    cntv_ctl(0);
    gic_start(WELLS_AN536_TIMER_IRQ);
    __asm volatile("cpsie i" ::: "memory");
    wells_an536_exit(main());
}

/* The stacks of the exception modes: IRQ's holds nothing (its entry moves to SVC at once); the
 * fault modes report on theirs. */
static uint64_t irq_stack[16] __attribute__((used));
static uint64_t fault_stack[256] __attribute__((used));

/* Reset (entered at EL2 by QEMU, in A32), the vector table at VBAR, the IRQ entry. */
__asm__(
    ".section .text.boot, \"ax\", %progbits\n"
    ".arm\n"
    ".syntax unified\n"
    ".arch_extension virt\n"
    ".global _start\n"
    "_start:\n"
    "    mrs r0, cpsr\n"
    "    and r0, r0, #0x1f\n"
    "    cmp r0, #0x1a\n" /* HYP: leave EL1 untrapped and drop to it */
    "    bne 1f\n"
    "    mov r0, #0\n"
    "    mcr p15, 4, r0, c1, c1, 0\n"  /* HCR = 0 */
    "    mcr p15, 4, r0, c1, c1, 3\n"  /* HSTR = 0 */
    "    movw r0, #0x33ff\n"
    "    mcr p15, 4, r0, c1, c1, 2\n"  /* HCPTR: no coprocessor traps */
    "    mrc p15, 4, r0, c14, c1, 0\n"
    "    orr r0, r0, #3\n"
    "    mcr p15, 4, r0, c14, c1, 0\n" /* CNTHCTL: PL1PCTEN | PL1PCEN */
    "    mov r0, #0\n"
    "    mov r1, #0\n"
    "    mcrr p15, 4, r0, r1, c14\n"   /* CNTVOFF = 0 */
    "    mov r0, #0xf\n"
    "    mcr p15, 4, r0, c12, c9, 5\n" /* ICC_HSRE: SRE | Enable for EL1 */
    "    movw r0, #0x1d3\n"            /* SVC, A I F masked, A32 */
    "    msr spsr_hyp, r0\n"
    "    adr r0, 1f\n"
    "    msr elr_hyp, r0\n"
    "    isb\n"
    "    eret\n"
    "1:\n"
    "    cpsid aif, #0x12\n" /* IRQ */
    "    ldr sp, =irq_stack + 128\n"
    "    cps #0x17\n" /* ABT */
    "    ldr sp, =fault_stack + 2048\n"
    "    cps #0x1b\n" /* UND */
    "    ldr sp, =fault_stack + 2048\n"
    "    cps #0x11\n" /* FIQ */
    "    ldr sp, =fault_stack + 2048\n"
    "    cps #0x13\n" /* SVC */
    "    ldr sp, =__boot_stack_top\n"
    "    ldr r0, =wells_an536_vectors\n"
    "    mcr p15, 0, r0, c12, c0, 0\n" /* VBAR */
    "    mrc p15, 0, r0, c1, c0, 0\n"
    "    bic r0, r0, #(1 << 13)\n" /* SCTLR.V: vectors at VBAR */
    "    bic r0, r0, #(1 << 30)\n" /* SCTLR.TE: exceptions in A32 */
    "    mcr p15, 0, r0, c1, c0, 0\n"
    "    mrc p15, 0, r0, c1, c0, 2\n"
    "    orr r0, r0, #(0xf << 20)\n"
    "    mcr p15, 0, r0, c1, c0, 2\n" /* CPACR: cp10, cp11 full access */
    "    isb\n"
    "    mov r0, #0x40000000\n"
    "    vmsr fpexc, r0\n" /* FPEXC.EN */
    "    bl wells_an536_start_c\n"
    ".ltorg\n"
    "\n"
    ".section .text.wells_an536_vectors, \"ax\", %progbits\n"
    ".balign 32\n"
    "wells_an536_vectors:\n"
    "    b .\n"                      /* reset: not taken here */
    "    b 10f\n"                    /* undefined */
    "    b 11f\n"                    /* supervisor call */
    "    b 12f\n"                    /* prefetch abort */
    "    b 13f\n"                    /* data abort */
    "    b .\n"                      /* not used */
    "    b wells_an536_irq_entry\n"  /* IRQ */
    "    b 14f\n"                    /* FIQ */
    "10: mov r0, #0\n    sub r1, lr, #4\n    b wells_an536_fault\n"
    "11: mov r0, #1\n    sub r1, lr, #4\n    b wells_an536_fault\n"
    "12: mov r0, #2\n    sub r1, lr, #4\n    b wells_an536_fault\n"
    "13: sub r2, lr, #8\n"            /* data abort: the faulting instruction */
    "    mrs r3, spsr\n"
    "    mrc p15, 0, r0, c6, c0, 0\n"   /* DFAR */
    "    mrc p15, 0, r1, c5, c0, 0\n"   /* DFSR */
    "    bl wells_an536_data_abort\n"  /* returns the call for the thread, or ends */
    "    mrs r1, spsr\n"
    "    bic r1, r1, #0x20\n"          /* T: the call is A32 */
    "    msr cpsr_c, r1\n"             /* the thread's mode (SVC), stack and interrupt mask */
    "    bic sp, sp, #7\n"             /* 8-byte alignment for the C call */
    "    blx r0\n"                     /* never returns; abort mode keeps nothing */
    "    b .\n"
    "14: mov r0, #4\n    sub r1, lr, #4\n    b wells_an536_fault\n"
    "\n"
    "wells_an536_irq_entry:\n"
    "    sub lr, lr, #4\n"
    "    srsdb sp!, #0x13\n"          /* the return address and status, onto SVC's stack */
    "    cps #0x13\n"
    "    push {r0-r3, r12, lr}\n"
    "    vpush {d0-d7}\n"
    "    vmrs r0, fpscr\n"
    "    and r1, sp, #4\n"            /* 8-byte alignment for the C calls */
    "    sub sp, sp, r1\n"
    "    push {r0, r1}\n"
    "    bl wells_an536_irq\n"
    "    cmp r0, #0\n"
    "    beq 1f\n"
    "    cpsie i\n"                   /* wells_tick runs as on a signal: it may switch */
    "    blx r0\n"
    "    cpsid i\n"
    "1:  pop {r0, r1}\n"
    "    add sp, sp, r1\n"
    "    vmsr fpscr, r0\n"
    "    vpop {d0-d7}\n"
    "    pop {r0-r3, r12, lr}\n"
    "    rfeia sp!\n"
    ".text\n");
