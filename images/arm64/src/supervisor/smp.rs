//! Bring-up of the other CPUs (`docs/core.md`, "Several CPUs"): the boot CPU finds them with
//! PSCI AFFINITY_INFO and starts each with CPU_ON at the secondary entry
//! (`wells_core::arch::aarch64::secondary`), handing it a stack of its own and the kernel's
//! tables. Each secondary drops to EL1, turns on the MMU with those tables, installs the EL1
//! vectors, sets up its GIC CPU interface and its timer, takes one tick of that timer through
//! the vectors, reports in, then takes an SGI from the boot CPU, joins the cross-core checks of
//! `wells_board_common::smp_stress` and parks (interrupts masked).
//! The boot CPU checks every report and PSCI's answers to the bad calls: CPU_ON of a CPU that is
//! on, of one that does not exist. Secondaries neither print nor allocate: the console and the
//! heap are the boot CPU's while the kernel is one CPU's.

use super::board::{Board, GIC, VIRTUAL_TIMER};
use super::memory::KERNEL_SPACE;
use alloc::boxed::Box;
use alloc::vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use wells_board_common::{println, smp_stress, Platform};
use wells_core::arch::aarch64::psci::{self, Conduit};
use wells_core::arch::aarch64::secondary::{self, SecondaryStart};
use wells_core::arch::aarch64::{self, counter, el1::mmu, exceptions, Aarch64};
use wells_core::arch::Arch;

/// CPUs a GICv2 can address (CPU interfaces 0..7); MPIDR Aff0 numbers them on QEMU `virt`.
pub const MAX_CPUS: usize = 8;
/// Each secondary's stack.
const STACK_SIZE: usize = 16 * 1024;
/// The SGI the boot CPU sends each secondary once it reported in.
const SGI_HELLO: u32 = 1;
/// How long the boot CPU waits for a secondary's report, in seconds of the counter. Without
/// `-icount` the counter follows the host's clock, so this is generous for a loaded host;
/// only a CPU that never comes waits this long.
const WAIT_SECONDS: u64 = 300;

/// What a secondary reports, bit by bit.
const AT_EL1: u32 = 1 << 0;
const MMU_ON: u32 = 1 << 1;
const VECTORS: u32 = 1 << 2;
const TIMER_TICK: u32 = 1 << 3;
const UP: u32 = 1 << 4;
const SGI_TAKEN: u32 = 1 << 5;
const EVERYTHING: u32 = AT_EL1 | MMU_ON | VECTORS | TIMER_TICK | UP | SGI_TAKEN;

static REPORTS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
/// Timer ticks and SGIs each CPU took through its vectors ([`note_interrupt`]).
static TICKS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
static SGIS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];

/// Counts an interrupt the trap handler took on this CPU (its ID from the GIC).
pub(crate) fn note_interrupt(id: u32) {
    let cpu = Aarch64.cpu_id();
    if cpu >= MAX_CPUS {
        return;
    }
    if id == VIRTUAL_TIMER {
        TICKS[cpu].fetch_add(1, Ordering::Relaxed);
    } else if id < 16 {
        SGIS[cpu].fetch_add(1, Ordering::Relaxed);
    }
}

/// Starts every other CPU and checks what each reports; prints a line per CPU and a summary.
/// True when every CPU came up with everything and PSCI answered every bad call as it must.
pub fn bring_up(entry_el: u8) -> bool {
    let Some(conduit) = Conduit::for_entry_level(entry_el) else {
        println!(Board, "not ok - smp: entered at EL{entry_el}: QEMU offers no PSCI there");
        return false;
    };
    let cpus = (0..MAX_CPUS as u64).take_while(|&mpidr| conduit.affinity_info(mpidr) != psci::INVALID_PARAMETERS).count();
    let me = Aarch64.cpu_id();
    println!(Board, "smp: {cpus} CPUs found (PSCI AFFINITY_INFO through {conduit:?}), boot CPU {me}");
    let mut good = expect("AFFINITY_INFO of the boot CPU", conduit.affinity_info(me as u64), psci::AFFINITY_ON);
    let stacks: alloc::vec::Vec<Box<[u8]>> = (0..cpus).map(|_| vec![0u8; STACK_SIZE].into_boxed_slice()).collect();
    let starts: alloc::vec::Vec<Box<SecondaryStart>> = stacks
        .iter()
        .enumerate()
        .map(|(cpu, stack)| {
            let stack_top = (stack.as_ptr() as usize + STACK_SIZE) & !15;
            Box::new(SecondaryStart { main: secondary_main, stack_top, ttbr: KERNEL_SPACE.get().ttbr(), cpu })
        })
        .collect();
    for cpu in (0..cpus).filter(|&cpu| cpu != me) {
        good &= expect(&alloc::format!("AFFINITY_INFO of CPU {cpu} before CPU_ON"), conduit.affinity_info(cpu as u64), psci::AFFINITY_OFF);
        starts[cpu].publish(STACK_SIZE);
        let answer = conduit.cpu_on(cpu as u64, secondary::entry_address(), &*starts[cpu] as *const SecondaryStart as usize);
        good &= expect(&alloc::format!("CPU_ON of CPU {cpu}"), answer, psci::SUCCESS);
    }
    for cpu in (0..cpus).filter(|&cpu| cpu != me) {
        good &= wait_for(cpu, UP);
        GIC.send_sgi(SGI_HELLO, 1 << cpu);
        good &= wait_for(cpu, SGI_TAKEN);
        let report = REPORTS[cpu].load(Ordering::Acquire);
        let mark = if report == EVERYTHING { "ok" } else { "not ok" };
        println!(
            Board,
            "{mark} - smp: CPU {cpu} up: EL1 {}, MMU {}, vectors {}, timer ticks {} (GIC CPU interface), SGI taken {}",
            yes(report & AT_EL1),
            yes(report & MMU_ON),
            yes(report & VECTORS),
            TICKS[cpu].load(Ordering::Relaxed),
            yes(report & SGI_TAKEN)
        );
        good &= report == EVERYTHING;
        // The bad calls: a CPU that is on already.
        good &= expect(&alloc::format!("CPU_ON of CPU {cpu}, on already"), conduit.cpu_on(cpu as u64, secondary::entry_address(), 0), psci::ALREADY_ON);
        good &= expect(&alloc::format!("AFFINITY_INFO of CPU {cpu} after CPU_ON"), conduit.affinity_info(cpu as u64), psci::AFFINITY_ON);
    }
    // Together: a lock and a ping-pong across cores (`smp_stress`).
    let secondaries: alloc::vec::Vec<usize> = (0..cpus).filter(|&cpu| cpu != me).collect();
    good &= smp_stress::boot_cpu::<Board>(&secondaries);
    // The boot CPU itself, and CPUs that do not exist.
    good &= expect("CPU_ON of the boot CPU", conduit.cpu_on(me as u64, secondary::entry_address(), 0), psci::ALREADY_ON);
    good &= expect("CPU_ON of a CPU that does not exist (the next number)", conduit.cpu_on(cpus as u64, secondary::entry_address(), 0), psci::INVALID_PARAMETERS);
    good &= expect("CPU_ON of a CPU that does not exist (cluster 0xff)", conduit.cpu_on(0xff << 8, secondary::entry_address(), 0), psci::INVALID_PARAMETERS);
    let up = (0..cpus).filter(|&cpu| cpu == me || REPORTS[cpu].load(Ordering::Acquire) == EVERYTHING).count();
    println!(Board, "smp: {up} of {cpus} CPUs up");
    CPUS_UP.store(up, Ordering::Release);
    // The secondaries park for good: their stacks and start blocks must outlive them.
    core::mem::forget(stacks);
    core::mem::forget(starts);
    good && up == cpus
}

fn yes(bit: u32) -> &'static str {
    if bit != 0 { "yes" } else { "NO" }
}

/// Prints `ok`/`not ok` for a PSCI answer.
fn expect(what: &str, answer: i64, wanted: i64) -> bool {
    let mark = if answer == wanted { "ok" } else { "not ok" };
    println!(Board, "{mark} - smp: {what} = {answer} (expected {wanted})");
    answer == wanted
}

/// Waits until CPU `cpu` reports `bit`, at most [`WAIT_SECONDS`] of the counter.
fn wait_for(cpu: usize, bit: u32) -> bool {
    let (start, frequency) = counter();
    while REPORTS[cpu].load(Ordering::Acquire) & bit == 0 {
        if counter().0 - start > WAIT_SECONDS * frequency {
            println!(Board, "not ok - smp: CPU {cpu} did not report {bit:#x} within {WAIT_SECONDS} s (it reported {:#x})", REPORTS[cpu].load(Ordering::Acquire));
            return false;
        }
        core::hint::spin_loop();
    }
    true
}

/// A secondary at EL1 on its own stack, MMU still off (`SecondaryStart`).
extern "C" fn secondary_main(_entry_el: u64, start: &'static SecondaryStart) -> ! {
    // SAFETY: this is the CPU `start` started, before any memory use but its stack.
    unsafe { start.enable_mmu() };
    let cpu = start.cpu;
    exceptions::install_el1_vectors();
    let mut report = 0;
    if aarch64::current_el() == 1 {
        report |= AT_EL1;
    }
    if mmu::sctlr() & 1 != 0 {
        report |= MMU_ON;
    }
    if exceptions::vbar_el1() == exceptions::el1_vectors() {
        report |= VECTORS;
    }
    GIC.init_cpu_interface(VIRTUAL_TIMER);
    // One tick of this CPU's own timer, taken through the vectors (`note_interrupt`).
    let (now, frequency) = counter();
    aarch64::virtual_timer_arm(now + frequency / 1000);
    Aarch64.irq_restore(true);
    while TICKS[cpu].load(Ordering::Relaxed) == 0 {
        aarch64::wait_for_interrupt();
    }
    report |= TIMER_TICK;
    REPORTS[cpu].store(report | UP, Ordering::Release);
    // The boot CPU's SGI.
    while SGIS[cpu].load(Ordering::Relaxed) == 0 {
        aarch64::wait_for_interrupt();
    }
    REPORTS[cpu].fetch_or(SGI_TAKEN, Ordering::Release);
    Aarch64.irq_save();
    smp_stress::secondary(cpu);
    // Parked: only an SGI (pending, masked) wakes it, sent with a request to fault or to join
    // the kernel.
    loop {
        if FAULT_ON.load(Ordering::Acquire) == cpu {
            fault();
        }
        if JOIN.load(Ordering::Acquire) {
            join(cpu);
        }
        aarch64::wait_for_interrupt();
    }
}

/// Set by [`join_kernel`]: the parked secondaries join the kernel in the board's slot.
static JOIN: AtomicBool = AtomicBool::new(false);
/// Each secondary that joined the kernel (about to run its threads).
static JOINED: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// A parked secondary joins the kernel: from now on it runs that kernel's threads (its idle
/// context is this stack), its timer and the reschedule SGI reaching the kernel through the
/// trap handler. Returns only when there is no kernel, or the kernel refuses the CPU.
fn join(cpu: usize) {
    let Some(kernel) = Board::slot().get() else { return };
    JOINED[cpu].store(true, Ordering::Release);
    // Masked until the kernel's idle loop lifts the mask (it was since the checks).
    if kernel.run_secondary().is_err() {
        JOINED[cpu].store(false, Ordering::Release);
        JOIN.store(false, Ordering::Release);
    }
}

/// Has every secondary [`bring_up`] started join the kernel now in the board's slot (made
/// before this call); waits until each said so, at most [`WAIT_SECONDS`] each. True when all
/// `cpus` (the boot CPU's included) run it.
pub fn join_kernel(cpus: usize) -> bool {
    let me = Aarch64.cpu_id();
    JOIN.store(true, Ordering::Release);
    let mut joined = 1;
    for cpu in (0..cpus.min(MAX_CPUS)).filter(|&cpu| cpu != me) {
        GIC.send_sgi(SGI_HELLO, 1 << cpu);
        let (start, frequency) = counter();
        while !JOINED[cpu].load(Ordering::Acquire) && counter().0 - start <= WAIT_SECONDS * frequency {
            core::hint::spin_loop();
        }
        joined += JOINED[cpu].load(Ordering::Acquire) as usize;
    }
    let mark = if joined == cpus { "ok" } else { "not ok" };
    println!(Board, "{mark} - smp kernel: {joined} of {cpus} CPUs joined one kernel");
    joined == cpus
}

/// CPUs up after [`bring_up`] (the boot CPU and every secondary that reported everything).
static CPUS_UP: AtomicUsize = AtomicUsize::new(1);

/// How many CPUs [`bring_up`] found up: numbers 0 to this less one.
pub fn cpus_up() -> usize {
    CPUS_UP.load(Ordering::Acquire)
}

/// The CPU asked to take a kernel fault (`kernel_fault_on`); none at first.
static FAULT_ON: AtomicUsize = AtomicUsize::new(usize::MAX);
/// An address no kernel space maps: QEMU `virt`'s flash, which the supervisor leaves alone.
const UNMAPPED: usize = 0x8;

/// Asks parked secondary `cpu` to read an address the kernel does not map: a data abort at EL1
/// on that CPU, which the trap handler reports (on that CPU's emergency stack) before it ends
/// the run with the kernel-fault status.
pub fn kernel_fault_on(cpu: usize) {
    println!(Board, "smp: CPU {cpu} reads {UNMAPPED:#x}, which the kernel does not map");
    FAULT_ON.store(cpu, Ordering::Release);
    GIC.send_sgi(SGI_HELLO, 1 << cpu);
}

fn fault() -> ! {
    // SAFETY: not safe, on purpose: the read faults and the trap handler ends the run; it
    // changes nothing.
    let value = unsafe { core::ptr::read_volatile(UNMAPPED as *const u64) };
    panic!("smp: reading {UNMAPPED:#x} did not fault (it read {value:#x})")
}
