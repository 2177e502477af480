//! Scenarios of a VM with two (or three) vCPUs that restarts as a whole (`docs/hypervisor.md`,
//! "Several vCPUs"). vCPU 0 turns vCPU 1 on with PSCI CPU_ON at [`secondary_start`], its
//! context the scenario and the run (the restart count); in the first run vCPU 0 then spins in
//! its guest without a single exit, so only the hypervisor can take it out when vCPU 1
//! restarts the VM.
//!
//! - `ResetFromSecond`: in run 0 vCPU 0 marks a word of RAM outside its image and enables the
//!   distributor; vCPU 1 sends vCPU 0 SGI 3 (which vCPU 0 never takes: its CPU interface is
//!   off) and asks for SYSTEM_RESET. In run 1 vCPU 0 checks that nothing of run 0 is left — the
//!   mark cleared, the other vCPUs off, the distributor off, no interrupt pending for it —
//!   turns vCPU 1 on again, waits until it reports, and powers off with 0 only if all held.
//!   With a third vCPU (the distributor says how many), vCPU 0 turns it on too in run 0, and it
//!   waits in a receive on port 0, on which nothing comes, when vCPU 1 asks for the reset.
//! - `FaultOnSecond`: vCPU 1 writes outside the VM's RAM in every run.

use crate::facts;
use crate::hypercall::{self, port_receive, system_off, system_reset, FOREVER};
use crate::uart::Uart;
use core::fmt::Write;
use core::ptr::{read_volatile, write_volatile};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// What vCPU 1 does, passed in its CPU_ON context (bits 0..7; the run is above).
const RESET_FROM_SECOND: u64 = crate::Scenario::ResetFromSecond as u64;
const FAULT_ON_SECOND: u64 = crate::Scenario::FaultOnSecond as u64;

const PSCI_CPU_OFF: u64 = 0x8400_0002;
const PSCI_CPU_ON: u64 = 0xC400_0003;
const PSCI_AFFINITY_INFO: u64 = 0xC400_0004;
const WELLS_YIELD: u64 = 0xC600_0002;
/// AFFINITY_INFO's answer for a CPU that is off.
const AFFINITY_OFF: i64 = 1;

/// A word of RAM far from the image (the VM has 4 MiB; the image is at 1 MiB): run 0 marks it,
/// and a restart must clear it.
const MARK_ADDRESS: usize = facts::GUEST_RAM + (3 << 20);
const MARK: u64 = 0x5eed_5eed_5eed_5eed;

/// GICv2 registers: the distributor (emulated) and the CPU interface (the virtual one).
const GICD_CTLR: usize = facts::GUEST_GIC_DISTRIBUTOR;
const GICD_TYPER: usize = facts::GUEST_GIC_DISTRIBUTOR + 0x4;
const GICD_IPRIORITYR: usize = facts::GUEST_GIC_DISTRIBUTOR + 0x400;
const GICD_SGIR: usize = facts::GUEST_GIC_DISTRIBUTOR + 0xf00;
const GICC_CTLR: usize = facts::GUEST_GIC_CPU;
const GICC_PMR: usize = facts::GUEST_GIC_CPU + 0x4;
const GICC_IAR: usize = facts::GUEST_GIC_CPU + 0xc;
/// The interrupt ID GICC_IAR reads when none is pending.
const SPURIOUS: u32 = 1023;
/// The SGI vCPU 1 sends vCPU 0 in run 0.
const SGI: u32 = 3;

/// Set by vCPU 1 to its run + 1 once it ran in that run.
static SECOND_RAN: AtomicU64 = AtomicU64::new(0);
/// Set by vCPU 2 right before it waits on port 0.
static THIRD_WAITS: AtomicBool = AtomicBool::new(false);
/// Yields vCPU 1 makes once vCPU 2 said it waits, so that it is in its wait (one CPU: the
/// others run meanwhile).
const YIELDS_FOR_THE_WAIT: u32 = 10;

/// vCPU 0's side of the scenario `scenario` in run `run`.
pub fn first(out: &mut Uart, scenario: u64, run: u64) -> u64 {
    let _ = writeln!(out, "run {run}: vCPU 0 up");
    let mut failed = false;
    if scenario == RESET_FROM_SECOND {
        if run == 0 {
            // SAFETY: RAM of this VM outside the image, and the distributor's registers.
            unsafe {
                write_volatile(MARK_ADDRESS as *mut u64, MARK);
                write_volatile((GICD_IPRIORITYR + SGI as usize) as *mut u8, 0x80);
                write_volatile(GICD_CTLR as *mut u32, 1);
            }
        } else {
            failed = !nothing_left_of_run_0(out);
        }
    }
    let context = scenario | run << 8;
    let third = scenario == RESET_FROM_SECOND && run == 0 && vcpus() > 2;
    for cpu in if third { 1..3 } else { 1..2 } {
        let on = hypercall::call(PSCI_CPU_ON, [cpu, secondary_start as *const () as u64, context, 0]);
        if on != 0 {
            let _ = writeln!(out, "FAILED: CPU_ON({cpu}) answered {on}");
            return 1;
        }
    }
    if run == 0 || scenario == FAULT_ON_SECOND {
        // Only the hypervisor takes this vCPU out of its guest: no exit of its own.
        let mut n = 0u64;
        loop {
            n = core::hint::black_box(n.wrapping_add(1));
        }
    }
    while SECOND_RAN.load(Ordering::SeqCst) != run + 1 {
        hypercall::call(WELLS_YIELD, [0; 4]);
    }
    let _ = writeln!(out, "run {run}: both vCPUs ran{}", if failed { "; FAILED: run 0 left something" } else { "" });
    failed as u64
}

/// Run 1 of `ResetFromSecond`: nothing of run 0 may be left. Says what it found.
fn nothing_left_of_run_0(out: &mut Uart) -> bool {
    // SAFETY: RAM of this VM, and the GIC registers every VM sees.
    let (mark, distributor, interrupt) = unsafe {
        let mark = read_volatile(MARK_ADDRESS as *const u64);
        let distributor = read_volatile(GICD_CTLR as *const u32);
        // The CPU interface on, every priority let through: a pending interrupt shows.
        write_volatile(GICD_CTLR as *mut u32, 1);
        write_volatile(GICC_PMR as *mut u32, 0xff);
        write_volatile(GICC_CTLR as *mut u32, 1);
        let interrupt = read_volatile(GICC_IAR as *const u32) & 0x3ff;
        (mark, distributor, interrupt)
    };
    let mut off = true;
    for cpu in 1..vcpus() {
        let affinity = hypercall::call(PSCI_AFFINITY_INFO, [cpu, 0, 0, 0]);
        let _ = writeln!(out, "run 1: vCPU {cpu} affinity {affinity}");
        off &= affinity == AFFINITY_OFF;
    }
    let _ = writeln!(out, "run 1: mark {mark:#x}, GICD_CTLR {distributor}, pending interrupt {interrupt}");
    mark == 0 && off && distributor == 0 && interrupt == SPURIOUS
}

/// The VM's vCPUs, as its distributor says (GICD_TYPER.CPUNumber + 1).
fn vcpus() -> u64 {
    // SAFETY: the distributor's TYPER register (emulated).
    let typer = unsafe { read_volatile(GICD_TYPER as *const u32) };
    ((typer >> 5) & 7) as u64 + 1
}

/// vCPU 1 from CPU_ON: `context` the scenario and the run.
#[no_mangle]
extern "C" fn secondary_main(context: usize) -> ! {
    let (scenario, run) = (context as u64 & 0xff, context as u64 >> 8);
    let mut out = Uart;
    let cpu = cpu_number();
    let _ = writeln!(out, "run {run}: vCPU {cpu} up");
    if cpu == 2 {
        THIRD_WAITS.store(true, Ordering::SeqCst);
        let mut message = [0u8; 4];
        let got = port_receive(0, &mut message, FOREVER);
        let _ = writeln!(out, "FAILED: the receive nothing is sent to ended ({got})");
        system_off(1)
    }
    match (scenario, run) {
        (FAULT_ON_SECOND, _) => {
            // SAFETY: a deliberate write outside the VM's memory grant.
            unsafe { write_volatile(0x5000_0000 as *mut u64, 0xbad) };
            let _ = writeln!(out, "FAILED: the wild write went through");
            system_off(1)
        }
        (RESET_FROM_SECOND, 0) => {
            if vcpus() > 2 {
                while !THIRD_WAITS.load(Ordering::SeqCst) {
                    hypercall::call(WELLS_YIELD, [0; 4]);
                }
                for _ in 0..YIELDS_FOR_THE_WAIT {
                    hypercall::call(WELLS_YIELD, [0; 4]);
                }
            }
            // SAFETY: the distributor's SGI register: SGI 3 to vCPU 0 (target list bit 0).
            unsafe { write_volatile(GICD_SGIR as *mut u32, (1 << 16) | SGI) };
            let _ = writeln!(out, "run 0: vCPU 1 sent SGI {SGI} to vCPU 0, asks for a reset");
            system_reset()
        }
        (RESET_FROM_SECOND, _) => {
            SECOND_RAN.store(run + 1, Ordering::SeqCst);
            hypercall::call(PSCI_CPU_OFF, [0; 4]);
            let _ = writeln!(out, "FAILED: CPU_OFF came back");
            system_off(1)
        }
        _ => system_off(2),
    }
}

/// Affinity 0 of MPIDR: which of the VM's CPUs this is.
fn cpu_number() -> u64 {
    let mpidr: u64;
    #[cfg(target_arch = "aarch64")]
    // SAFETY: reads MPIDR_EL1 (the hypervisor's VMPIDR_EL2).
    unsafe {
        core::arch::asm!("mrs {0}, mpidr_el1", out(reg) mpidr)
    };
    #[cfg(target_arch = "arm")]
    // SAFETY: reads MPIDR (the hypervisor's VMPIDR).
    unsafe {
        let value: u32;
        core::arch::asm!("mrc p15, 0, {0}, c0, c0, 5", out(reg) value);
        mpidr = value as u64;
    };
    mpidr & 0xff
}

/// A stack for vCPU 1 (vCPU 0 has the image's boot stack); only `secondary_start` uses it.
#[repr(align(16))]
struct Stack(#[allow(dead_code)] [u8; SECONDARY_STACK_SIZE]);
const SECONDARY_STACK_SIZE: usize = 8192;
#[no_mangle]
static mut SECONDARY_STACK: Stack = Stack([0; SECONDARY_STACK_SIZE]);

extern "C" {
    /// Where vCPU 1 starts (CPU_ON), its context in x0 / r0: takes its stack and calls
    /// `secondary_main`.
    fn secondary_start();
}

#[cfg(target_arch = "aarch64")]
core::arch::global_asm!(
    ".section .text",
    ".global secondary_start",
    "secondary_start:",
    "    adrp x9, SECONDARY_STACK",
    "    add x9, x9, :lo12:SECONDARY_STACK",
    "    add x9, x9, #{size}",
    "    mov sp, x9",
    "    bl secondary_main",
    "1:  wfi",
    "    b 1b",
    size = const SECONDARY_STACK_SIZE,
);

#[cfg(target_arch = "arm")]
core::arch::global_asm!(
    ".section .text",
    ".arm",
    ".global secondary_start",
    "secondary_start:",
    "    ldr r4, =SECONDARY_STACK",
    "    add sp, r4, #{size}",
    "    bl secondary_main",
    "1:  wfi",
    "    b 1b",
    ".ltorg",
    size = const SECONDARY_STACK_SIZE,
);
