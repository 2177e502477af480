//! Bring-up of the other CPUs of the Cortex-A15 (`docs/core.md`, "Several CPUs"), as on arm64:
//! the boot CPU finds them with PSCI AFFINITY_INFO and starts each with CPU_ON at the secondary
//! entry (`wells_core::arch::arm::secondary`), handing it stacks of its own (SVC, and the
//! banked ones of ABT, UND, IRQ/FIQ) and the kernel's address space. Each secondary establishes
//! SVC, takes its own mode stacks, turns on the MMU with the kernel's tables, installs the
//! vectors, sets up its GIC CPU interface and its virtual timer, takes one tick of that timer
//! through the vectors, reports in, then takes an SGI from the boot CPU, joins the cross-core
//! checks of `wells_board_common::smp_stress` and parks (interrupts masked). The boot CPU checks every report and PSCI's answers to the bad calls.
//! Secondaries neither print nor allocate: the console and the heap are the boot CPU's.

use super::board::{Board, VIRTUAL_TIMER};
use super::protection::KERNEL_SPACE;
use crate::board::GIC;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use wells_board_common::{println, smp_stress};
use wells_core::arch::arm::psci::{self, Conduit};
use wells_core::arch::arm::secondary::{self, SecondaryStart};
use wells_core::arch::arm::{self, counter, mode, pl1::mmu, Armv7a};
use wells_core::arch::Arch;

/// CPUs a GICv2 can address (CPU interfaces 0..7); MPIDR Aff0 numbers them on QEMU `virt`.
pub const MAX_CPUS: usize = 8;
/// Each of a secondary's stacks (SVC, ABT, UND, IRQ/FIQ).
const STACK_SIZE: usize = 8 * 1024;
/// The SGI the boot CPU sends each secondary once it reported in.
const SGI_HELLO: u32 = 1;
/// How long the boot CPU waits for a secondary's report, in seconds of the counter (the host's
/// clock without `-icount`): only a CPU that never comes waits this long.
const WAIT_SECONDS: u64 = 300;

/// What a secondary reports, bit by bit.
const IN_SVC: u32 = 1 << 0;
const MMU_ON: u32 = 1 << 1;
const TIMER_TICK: u32 = 1 << 2;
const UP: u32 = 1 << 3;
const SGI_TAKEN: u32 = 1 << 4;
const EVERYTHING: u32 = IN_SVC | MMU_ON | TIMER_TICK | UP | SGI_TAKEN;

static REPORTS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
/// Timer ticks and SGIs each CPU took through its vectors ([`note_interrupt`]).
static TICKS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
static SGIS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];

/// Counts an interrupt the trap handler took on this CPU (its ID from the GIC).
pub(crate) fn note_interrupt(id: u32) {
    let cpu = Armv7a.cpu_id();
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
pub fn bring_up(entry_mode: u32) -> bool {
    let Some(conduit) = Conduit::for_entry_mode(entry_mode) else {
        println!(Board, "not ok - smp: entered in {}: QEMU offers no PSCI there", mode::name(entry_mode));
        return false;
    };
    let cpus = (0..MAX_CPUS as u32).take_while(|&mpidr| conduit.affinity_info(mpidr) != psci::INVALID_PARAMETERS).count();
    let me = Armv7a.cpu_id();
    println!(Board, "smp: {cpus} CPUs found (PSCI AFFINITY_INFO through {conduit:?}), boot CPU {me}");
    let mut good = expect("AFFINITY_INFO of the boot CPU", conduit.affinity_info(me as u32), psci::AFFINITY_ON);
    // Four stacks a CPU; they and the start blocks outlive the parked secondaries.
    let stacks: Vec<Box<[u8]>> = (0..cpus * 4).map(|_| vec![0u8; STACK_SIZE].into_boxed_slice()).collect();
    let top = |cpu: usize, which: usize| (stacks[cpu * 4 + which].as_ptr() as usize + STACK_SIZE) & !7;
    let starts: Vec<Box<SecondaryStart>> = (0..cpus)
        .map(|cpu| {
            Box::new(SecondaryStart {
                main: secondary_main,
                svc_stack_top: top(cpu, 0),
                abort_stack_top: top(cpu, 1),
                undefined_stack_top: top(cpu, 2),
                irq_stack_top: top(cpu, 3),
                space: KERNEL_SPACE.get(),
                cpu,
            })
        })
        .collect();
    for cpu in (0..cpus).filter(|&cpu| cpu != me) {
        good &= expect(&alloc::format!("AFFINITY_INFO of CPU {cpu} before CPU_ON"), conduit.affinity_info(cpu as u32), psci::AFFINITY_OFF);
        starts[cpu].publish(STACK_SIZE);
        let answer = conduit.cpu_on(cpu as u32, secondary::entry_address(), &*starts[cpu] as *const SecondaryStart as usize);
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
            "{mark} - smp: CPU {cpu} up: SVC {}, MMU {}, timer ticks {} (GIC CPU interface), SGI taken {}",
            yes(report & IN_SVC),
            yes(report & MMU_ON),
            TICKS[cpu].load(Ordering::Relaxed),
            yes(report & SGI_TAKEN)
        );
        good &= report == EVERYTHING;
        good &= expect(&alloc::format!("CPU_ON of CPU {cpu}, on already"), conduit.cpu_on(cpu as u32, secondary::entry_address(), 0), psci::ALREADY_ON);
        good &= expect(&alloc::format!("AFFINITY_INFO of CPU {cpu} after CPU_ON"), conduit.affinity_info(cpu as u32), psci::AFFINITY_ON);
    }
    // Together: a lock and a ping-pong across cores.
    let secondaries: Vec<usize> = (0..cpus).filter(|&cpu| cpu != me).collect();
    good &= smp_stress::boot_cpu::<Board>(&secondaries);
    good &= expect("CPU_ON of the boot CPU", conduit.cpu_on(me as u32, secondary::entry_address(), 0), psci::ALREADY_ON);
    good &= expect("CPU_ON of a CPU that does not exist (the next number)", conduit.cpu_on(cpus as u32, secondary::entry_address(), 0), psci::INVALID_PARAMETERS);
    good &= expect("CPU_ON of a CPU that does not exist (cluster 0xff)", conduit.cpu_on(0xff << 8, secondary::entry_address(), 0), psci::INVALID_PARAMETERS);
    let up = (0..cpus).filter(|&cpu| cpu == me || REPORTS[cpu].load(Ordering::Acquire) == EVERYTHING).count();
    println!(Board, "smp: {up} of {cpus} CPUs up");
    CPUS_UP.store(up, Ordering::Release);
    core::mem::forget(stacks);
    core::mem::forget(starts);
    good && up == cpus
}

fn yes(bit: u32) -> &'static str {
    if bit != 0 { "yes" } else { "NO" }
}

/// Prints `ok`/`not ok` for a PSCI answer.
fn expect(what: &str, answer: i64, wanted: i64) -> bool {
    let good = answer == wanted;
    println!(Board, "{} - smp: {what} = {answer} (expected {wanted})", if good { "ok" } else { "not ok" });
    good
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

/// A secondary in SVC on its own stack, MMU still off (`SecondaryStart`).
extern "C" fn secondary_main(_entry_mode: u32, start: &'static SecondaryStart) -> ! {
    // SAFETY: this is the CPU `start` started, interrupts masked, before anything can trap or
    // use memory but its stacks.
    unsafe {
        start.own_mode_stacks();
        start.enable_mmu();
    }
    let cpu = start.cpu;
    wells_core::arch::arm::set_trap_handler(super::trap::handle);
    let mut report = 0;
    if arm::current_mode() == mode::SVC {
        report |= IN_SVC;
    }
    if mmu::sctlr() & 1 != 0 {
        report |= MMU_ON;
    }
    GIC.init_cpu_interface(VIRTUAL_TIMER);
    // One tick of this CPU's own timer, taken through the vectors (`note_interrupt`).
    let (now, frequency) = counter();
    arm::virtual_timer_arm(now + frequency / 1000);
    Armv7a.irq_restore(true);
    while TICKS[cpu].load(Ordering::Relaxed) == 0 {
        arm::wait_for_interrupt();
    }
    report |= TIMER_TICK;
    REPORTS[cpu].store(report | UP, Ordering::Release);
    while SGIS[cpu].load(Ordering::Relaxed) == 0 {
        arm::wait_for_interrupt();
    }
    REPORTS[cpu].fetch_or(SGI_TAKEN, Ordering::Release);
    Armv7a.irq_save();
    smp_stress::secondary(cpu);
    // Parked: only an SGI (pending, masked) wakes it, sent with a request to fault.
    loop {
        if FAULT_ON.load(Ordering::Acquire) == cpu {
            fault();
        }
        arm::wait_for_interrupt();
    }
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

/// Asks parked secondary `cpu` to read an address the kernel does not map: a data abort in SVC
/// on that CPU, which the trap handler reports (on that CPU's own ABT stack) before it ends the
/// run with the kernel-fault status.
pub fn kernel_fault_on(cpu: usize) {
    println!(Board, "smp: CPU {cpu} reads {UNMAPPED:#x}, which the kernel does not map");
    FAULT_ON.store(cpu, Ordering::Release);
    GIC.send_sgi(SGI_HELLO, 1 << cpu);
}

fn fault() -> ! {
    // SAFETY: not safe, on purpose: the read faults and the trap handler ends the run; it
    // changes nothing.
    let value = unsafe { core::ptr::read_volatile(UNMAPPED as *const u32) };
    panic!("smp: reading {UNMAPPED:#x} did not fault (it read {value:#x})")
}
