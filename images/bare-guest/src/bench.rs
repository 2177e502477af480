//! The guest side of the hypervisor's benchmarks, counting instructions with the PMU cycle
//! counter (PMCCNTR_EL0 or PMCCNTR; one per instruction under QEMU `-icount`). Every figure is sent to the
//! hypervisor on port 0 as a u64 in tenths of an instruction per operation: one warm-up
//! repetition, then `REPS` measured ones.

use crate::hypercall::{self, port_send, FOREVER};
use core::arch::{asm, global_asm};
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{compiler_fence, AtomicBool, AtomicU64, Ordering};

/// Repetitions sent, the first being the warm-up.
const REPS: usize = 8;
/// Operations per repetition.
const N: u64 = 1000;
const WELLS_VERSION: u64 = 0xC600_0000;
const WELLS_YIELD: u64 = 0xC600_0002;

#[cfg(target_arch = "aarch64")]
fn cycles_start() {
    // SAFETY: PMCR_EL0.E | C and the cycle counter's enable bit: only the PMU is affected.
    unsafe { asm!("msr pmcr_el0, {0}", "msr pmcntenset_el0, {1}", "isb", in(reg) 0b101u64, in(reg) 1u64 << 31) };
}

#[cfg(target_arch = "arm")]
fn cycles_start() {
    // SAFETY: PMCR.E | C and PMCNTENSET's cycle counter bit: only the PMU is affected.
    unsafe { asm!("mcr p15, 0, {0}, c9, c12, 0", "mcr p15, 0, {1}, c9, c12, 1", "isb", in(reg) 0b101u32, in(reg) 1u32 << 31) };
}

/// The cycle counter (32 bits on ARMv7: differences use `wrapping_sub`).
fn cycles() -> u64 {
    compiler_fence(Ordering::SeqCst);
    let count: u64;
    #[cfg(target_arch = "aarch64")]
    // SAFETY: reads the cycle counter started by `cycles_start`.
    unsafe {
        asm!("isb", "mrs {0}, pmccntr_el0", out(reg) count)
    };
    #[cfg(target_arch = "arm")]
    {
        let low: u32;
        // SAFETY: reads PMCCNTR, started by `cycles_start`.
        unsafe { asm!("isb", "mrc p15, 0, {0}, c9, c13, 0", out(reg) low) };
        count = low as u64;
    }
    compiler_fence(Ordering::SeqCst);
    count
}

/// Instructions from reading `earlier` to reading `later`.
fn between(earlier: u64, later: u64) -> u64 {
    if cfg!(target_arch = "arm") {
        (later as u32).wrapping_sub(earlier as u32) as u64
    } else {
        later.wrapping_sub(earlier)
    }
}

fn send(figure_tenths: u64) -> bool {
    port_send(0, &figure_tenths.to_le_bytes(), FOREVER) == 0
}

/// Opens or closes a measured window for `cargo xtask profile --board qemu-virt-arm64-hyper`,
/// which finds this function by name in the guest's symbols; called outside the counter
/// readings, so it costs the figure nothing.
#[inline(never)]
pub fn profile_mark() {
    compiler_fence(Ordering::SeqCst);
}

/// N hypercalls of `function` per repetition; returns false if a send failed.
fn loop_of(function: u64) -> bool {
    cycles_start();
    for _ in 0..REPS {
        profile_mark();
        let start = cycles();
        for _ in 0..N {
            hypercall::call(function, [0; 4]);
        }
        let end = cycles();
        profile_mark();
        let elapsed = between(start, end);
        if !send(elapsed * 10 / N) {
            return false;
        }
    }
    true
}

/// The round trip of the cheapest hypercall (wells version): guest -> EL2 -> guest.
pub fn hypercall_round_trip() -> u64 {
    if loop_of(WELLS_VERSION) { 0 } else { 1 }
}

/// Yield hypercalls against a partner VM doing the same: each one exits, switches to the other
/// vCPU, which returns to its guest and yields back.
pub fn yield_ping(measure: bool) -> u64 {
    if measure {
        return if loop_of(WELLS_YIELD) { 0 } else { 1 };
    }
    for _ in 0..REPS as u64 * N {
        hypercall::call(WELLS_YIELD, [0; 4]);
    }
    0
}

/// The counter value the spinner stored last, and the handler's first reading minus it.
static SPINNER: AtomicU64 = AtomicU64::new(0);
static LATENCY: AtomicU64 = AtomicU64::new(0);
static FIRED: AtomicBool = AtomicBool::new(false);

const GICD: usize = crate::facts::GUEST_GIC_DISTRIBUTOR;
const GICC: usize = crate::facts::GUEST_GIC_CPU;

fn write32(address: usize, value: u32) {
    // SAFETY: GIC registers of the `virt` layout (the hypervisor emulates or maps them).
    unsafe { write_volatile(address as *mut u32, value) }
}

fn read32(address: usize) -> u32 {
    // SAFETY: as above.
    unsafe { read_volatile(address as *const u32) }
}

/// Virtual timer interrupt to the guest's handler running: the guest arms its timer while a
/// loop stores the counter; the handler's first counter reading minus the loop's last stored
/// value is the figure (exit to EL2, injection, the guest's vector; it includes up to one loop
/// of the spinner, a few instructions).
pub fn timer_interrupt() -> u64 {
    timer_interrupts_on();
    cycles_start();
    irq_enable();
    for _ in 0..REPS {
        FIRED.store(false, Ordering::SeqCst);
        let (now, frequency) = crate::counter::virtual_counter();
        // 100 us ahead.
        timer_arm(now + frequency / 10_000);
        while !FIRED.load(Ordering::Relaxed) {
            SPINNER.store(cycles(), Ordering::Relaxed);
        }
        if !send(LATENCY.load(Ordering::SeqCst) * 10) {
            return 1;
        }
    }
    0
}

/// The IRQ handler (EL1, SPx): reads the counter first, silences the timer, acknowledges and
/// ends the interrupt.
#[no_mangle]
extern "C" fn bare_guest_irq() {
    let by_compare = RE_ARM_BY_COMPARE.load(Ordering::Relaxed);
    // The periodic scenario runs where the PMU is not shared: it reads no cycle counter.
    let at = if by_compare { 0 } else { cycles() };
    let id = read32(GICC + 0x0c);
    if by_compare {
        // Only the compare value moves on; the control register is never touched again.
        let (now, frequency) = crate::counter::virtual_counter();
        timer_compare(now + frequency / 1000);
    } else {
        timer_silence();
    }
    write32(GICC + 0x10, id);
    if id == 27 {
        LATENCY.store(between(SPINNER.load(Ordering::SeqCst), at), Ordering::SeqCst);
        TICKS.fetch_add(1, Ordering::SeqCst);
        FIRED.store(true, Ordering::SeqCst);
    }
}

/// The timer interrupt reaches this guest's handler: its vectors, the distributor and CPU
/// interface set up for INTID 27.
fn timer_interrupts_on() {
    install_vectors();
    write32(GICD, 1);
    write32(GICD + 0x418, 0x80 << 24); // priority of INTID 27
    write32(GICD + 0x100, 1 << 27);
    write32(GICC + 0x04, 0xff);
    write32(GICC, 1);
}

/// The handler re-arms the timer by its compare value alone (as some timer drivers do).
static RE_ARM_BY_COMPARE: AtomicBool = AtomicBool::new(false);
/// Timer interrupts the handler took.
static TICKS: AtomicU64 = AtomicU64::new(0);

/// A periodic timer kept going by the compare value alone: armed once, then each interrupt
/// moves the compare value 1 ms on. Waits (WFI) for ten interrupts; returns 0 when they came.
pub fn periodic_by_compare() -> u64 {
    timer_interrupts_on();
    RE_ARM_BY_COMPARE.store(true, Ordering::SeqCst);
    let (now, frequency) = crate::counter::virtual_counter();
    timer_arm(now + frequency / 1000);
    irq_enable();
    let deadline = now + frequency; // one second at most
    while TICKS.load(Ordering::SeqCst) < 10 && crate::counter::virtual_counter().0 < deadline {
        wait_for_interrupt();
    }
    if TICKS.load(Ordering::SeqCst) >= 10 { 0 } else { 1 }
}

#[cfg(target_arch = "aarch64")]
fn install_vectors() {
    // SAFETY: installs this guest's own vector table (below) at EL1.
    unsafe { asm!("adr {0}, bare_guest_vectors", "msr vbar_el1, {0}", "isb", out(reg) _) };
}

#[cfg(target_arch = "aarch64")]
fn irq_enable() {
    // SAFETY: lets IRQs in at EL1 (the handler below takes them).
    unsafe { asm!("msr daifclr, #2") };
}

#[cfg(target_arch = "aarch64")]
fn timer_arm(compare: u64) {
    // SAFETY: programs and enables this guest's virtual timer.
    unsafe { asm!("msr cntv_cval_el0, {0}", "msr cntv_ctl_el0, {1}", "isb", in(reg) compare, in(reg) 1u64) };
}

#[cfg(target_arch = "aarch64")]
fn timer_compare(compare: u64) {
    // SAFETY: moves this guest's virtual timer compare value only.
    unsafe { asm!("msr cntv_cval_el0, {0}", "isb", in(reg) compare) };
}

fn wait_for_interrupt() {
    // SAFETY: waits for an interrupt (the hypervisor sees a WFI exit).
    unsafe { asm!("wfi") };
}

#[cfg(target_arch = "aarch64")]
fn timer_silence() {
    // SAFETY: IMASK | !ENABLE: the timer's interrupt line drops.
    unsafe { asm!("msr cntv_ctl_el0, {0}", "isb", in(reg) 2u64) };
}

// The guest's EL1 vectors: only "current EL with SPx, IRQ" (entry 5) is expected; it saves the
// caller-saved registers around `bare_guest_irq`. Every other entry spins.
#[cfg(target_arch = "aarch64")]
global_asm!(
    ".section .text.bare_guest_vectors",
    ".balign 0x800",
    ".global bare_guest_vectors",
    "bare_guest_vectors:",
    ".rept 5",
    ".balign 0x80",
    "    b .",
    ".endr",
    ".balign 0x80",
    "    sub sp, sp, #176",
    "    stp x0, x1, [sp, #0]",
    "    stp x2, x3, [sp, #16]",
    "    stp x4, x5, [sp, #32]",
    "    stp x6, x7, [sp, #48]",
    "    stp x8, x9, [sp, #64]",
    "    stp x10, x11, [sp, #80]",
    "    stp x12, x13, [sp, #96]",
    "    stp x14, x15, [sp, #112]",
    "    stp x16, x17, [sp, #128]",
    "    stp x18, x29, [sp, #144]",
    "    str x30, [sp, #160]",
    "    bl bare_guest_irq",
    "    ldr x30, [sp, #160]",
    "    ldp x18, x29, [sp, #144]",
    "    ldp x16, x17, [sp, #128]",
    "    ldp x14, x15, [sp, #112]",
    "    ldp x12, x13, [sp, #96]",
    "    ldp x10, x11, [sp, #80]",
    "    ldp x8, x9, [sp, #64]",
    "    ldp x6, x7, [sp, #48]",
    "    ldp x4, x5, [sp, #32]",
    "    ldp x2, x3, [sp, #16]",
    "    ldp x0, x1, [sp, #0]",
    "    add sp, sp, #176",
    "    eret",
    ".rept 10",
    ".balign 0x80",
    "    b .",
    ".endr",
);

#[cfg(target_arch = "arm")]
fn install_vectors() {
    // SAFETY: VBAR = this guest's own vector table (below); IRQ mode gets its own stack.
    unsafe {
        asm!(
            "ldr {0}, =bare_guest_vectors",
            "mcr p15, 0, {0}, c12, c0, 0",
            "cps #0x12",
            "ldr sp, =bare_guest_irq_stack_top",
            "cps #0x13",
            "isb",
            out(reg) _
        )
    };
}

#[cfg(target_arch = "arm")]
fn irq_enable() {
    // SAFETY: lets IRQs in at PL1 (the handler below takes them).
    unsafe { asm!("cpsie i") };
}

#[cfg(target_arch = "arm")]
fn timer_arm(compare: u64) {
    // SAFETY: programs and enables this guest's virtual timer (CNTV_CVAL, CNTV_CTL).
    unsafe {
        asm!("mcrr p15, 3, {0}, {1}, c14", "mcr p15, 0, {2}, c14, c3, 1", "isb", in(reg) compare as u32, in(reg) (compare >> 32) as u32, in(reg) 1u32)
    };
}

#[cfg(target_arch = "arm")]
fn timer_compare(compare: u64) {
    // SAFETY: moves this guest's virtual timer compare value only (CNTV_CVAL).
    unsafe { asm!("mcrr p15, 3, {0}, {1}, c14", "isb", in(reg) compare as u32, in(reg) (compare >> 32) as u32) };
}

#[cfg(target_arch = "arm")]
fn timer_silence() {
    // SAFETY: IMASK | !ENABLE: the timer's interrupt line drops.
    unsafe { asm!("mcr p15, 0, {0}, c14, c3, 1", "isb", in(reg) 2u32) };
}

// The guest's PL1 vectors: only IRQ (offset 0x18) is expected; it saves the caller-saved
// registers on IRQ mode's stack around `bare_guest_irq`. Every other entry spins.
#[cfg(target_arch = "arm")]
global_asm!(
    ".section .text.bare_guest_vectors",
    ".arm",
    ".balign 32",
    ".global bare_guest_vectors",
    "bare_guest_vectors:",
    ".rept 6",
    "    b .",
    ".endr",
    "    b bare_guest_irq_entry",
    "    b .",
    "bare_guest_irq_entry:",
    "    sub lr, lr, #4",
    "    push {{r0-r3, r12, lr}}",
    "    bl bare_guest_irq",
    "    pop {{r0-r3, r12, lr}}",
    "    movs pc, lr",
    ".ltorg",
    ".section .bss.bare_guest_irq_stack, \"aw\", %nobits",
    ".balign 8",
    "    .space 1024",
    "bare_guest_irq_stack_top:",
);
