//! A bare guest for AArch64 EL1 or ARMv7-A SVC mode: one scenario per first argument register
//! at entry (see [`Scenario`]), console on the PL011, hypercalls through `hvc #0` (SMCCC,
//! `docs/hypervisor.md`), end through PSCI.
#![no_std]
#![no_main]

mod bench;
mod counter;
mod facts;
mod fuzz;
mod hypercall;
mod port_buffers;
#[cfg(not(wells_r52))]
mod several_cpus;
mod uart;

use core::arch::global_asm;
use counter::virtual_counter;
use core::fmt::Write;
use hypercall::{console_write, port_receive, port_send, system_off, system_reset, FOREVER};

#[cfg(target_arch = "aarch64")]
global_asm!(
    ".section .text.boot",
    ".global _start",
    "_start:",
    "    ldr x9, =__boot_stack_top",
    "    mov sp, x9",
    "    ldr x9, =__bss_start",
    "    ldr x10, =__bss_end",
    "1:  cmp x9, x10",
    "    b.hs 2f",
    "    str xzr, [x9], #8",
    "    b 1b",
    "2:  bl guest_main",
    "3:  wfi",
    "    b 3b",
);

#[cfg(all(target_arch = "arm", not(wells_r52)))]
global_asm!(
    ".section .text.boot",
    ".arm",
    ".global _start",
    "_start:",
    "    ldr sp, =__boot_stack_top",
    "    ldr r4, =__bss_start",
    "    ldr r5, =__bss_end",
    "    mov r6, #0",
    "1:  cmp r4, r5",
    "    strlo r6, [r4], #4",
    "    blo 1b",
    "    bl guest_main",
    "3:  wfi",
    "    b 3b",
    ".ltorg",
);

// The Cortex-R52 partition: position-independent, so its own addresses are found PC-relative
// (the literals hold distances, which need no relocation). r0 and r1 pass through.
#[cfg(wells_r52)]
global_asm!(
    ".section .text.boot",
    ".arm",
    ".global _start",
    "_start:",
    "    ldr r4, 10f",
    "1:  add sp, pc, r4",
    "    ldr r4, 11f",
    "2:  add r4, pc, r4",
    "    ldr r5, 12f",
    "3:  add r5, pc, r5",
    "    mov r6, #0",
    "4:  cmp r4, r5",
    "    strlo r6, [r4], #4",
    "    blo 4b",
    "    bl guest_main",
    "5:  wfi",
    "    b 5b",
    "10: .word __boot_stack_top - (1b + 8)",
    "11: .word __bss_start - (2b + 8)",
    "12: .word __bss_end - (3b + 8)",
);

/// The partition's RAM on the Cortex-R52, `end << 32 | start`, as the hypervisor passes it in r2
/// and r3 at entry.
#[cfg(wells_r52)]
static PARTITION_RAM: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// The partition's RAM on the Cortex-R52: `[start, end)`.
#[cfg(wells_r52)]
fn partition_ram() -> (u64, u64) {
    let ram = PARTITION_RAM.load(core::sync::atomic::Ordering::Relaxed);
    (ram & 0xffff_ffff, ram >> 32)
}

/// What the guest does, chosen by `x0` at entry.
#[derive(Clone, Copy)]
#[cfg_attr(wells_r52, allow(dead_code))]
enum Scenario {
    /// Prints ten numbered lines 5 ms apart (busy, no yields: only preemption lets another VM
    /// run meanwhile), then powers off with status 0.
    Count = 0,
    /// Prints, then writes to 0x5000_0000, outside its RAM: it must be stopped there.
    WildWrite = 1,
    /// Asks for SYSTEM_RESET on its first run; after the restart (x1 = 1) powers off with 0.
    ResetOnce = 2,
    /// Ten round trips: sends n on port 0, expects n + 1 back on port 1.
    Ping = 3,
    /// Answers `Ping`: receives on port 0, sends n + 1 on port 1, ten times.
    Pong = 4,
    /// Makes hypercall 0xC600_00FF, which does not exist: it must be stopped there.
    BadHypercall = 5,
    /// Reads the virtio-mmio page at 0x0A00_0000, a device it was not given: must be stopped.
    ForeignDevice = 6,
    /// The console hypercall with good and bad buffers, a yield and the PSCI calls.
    Hypercalls = 7,
    /// Prints once, then spins forever without a single exit: only preemption takes the CPU.
    Spin = 8,
    /// Benchmark: hypercall round trips (`bench.rs`), figures sent on port 0.
    BenchHypercall = 9,
    /// Benchmark: yield hypercalls against a partner VM running `BenchYieldPartner`.
    BenchYield = 10,
    BenchYieldPartner = 11,
    /// Benchmark: virtual timer interrupt to this guest's handler running.
    BenchTimerInterrupt = 12,
    /// Writes a debug register (shared hardware breakpoints): it must be stopped there.
    TouchDebug = 13,
    /// Reads the PMU cycle counter (shared): stopped there, unless the hypervisor shares it.
    TouchPmu = 14,
    /// A periodic virtual timer re-armed by its compare value alone: ten interrupts must come.
    TimerByCompare = 15,
    /// Port send and receive with bad buffers (`port_buffers.rs`); port 0 of 8-byte messages.
    PortBuffers = 16,
    /// 100 000 random hypercalls (`fuzz.rs`); powers off with the number of violations.
    Fuzz = 17,
    /// The same with 1 000 000, for soak runs.
    FuzzSoak = 18,
    /// Random hypercalls with random function IDs among them, until one stops the VM.
    FuzzUndefined = 19,
    /// Cortex-R52 partitions only (the third and fourth argument registers bound its RAM):
    /// writes the first word past its RAM, the next partition's: it must be stopped there.
    #[cfg_attr(not(wells_r52), allow(dead_code))]
    WriteNextPartition = 20,
    /// Two vCPUs: vCPU 1 asks for SYSTEM_RESET in the first run; the second run checks that
    /// nothing of the first is left, and powers off (`several_cpus.rs`).
    ResetFromSecond = 21,
    /// Two vCPUs: vCPU 1 writes outside the VM's RAM in every run (`several_cpus.rs`).
    FaultOnSecond = 22,
}

impl Scenario {
    fn from(x0: u64) -> Option<Scenario> {
        use Scenario::*;
        // The Cortex-R52 partitions: no scenario that needs the fixed RAM address, the GICv2 or
        // ports of the MMU boards' hypervisors.
        #[cfg(wells_r52)]
        return [Count, WildWrite, ResetOnce, BadHypercall, ForeignDevice, Spin, Fuzz, FuzzSoak, FuzzUndefined, WriteNextPartition]
            .into_iter()
            .find(|&scenario| scenario as u64 == x0);
        #[cfg(not(wells_r52))]
        [
            Count, WildWrite, ResetOnce, Ping, Pong, BadHypercall, ForeignDevice, Hypercalls, Spin, BenchHypercall, BenchYield,
            BenchYieldPartner, BenchTimerInterrupt, TouchDebug, TouchPmu, TimerByCompare, PortBuffers, Fuzz, FuzzSoak, FuzzUndefined,
            ResetFromSecond, FaultOnSecond,
        ]
        .into_iter()
        .find(|&scenario| scenario as u64 == x0)
    }
}

/// A device no VM is given: QEMU virt's first virtio-mmio page; on the Cortex-R52 the MPS3's
/// CMSDK dual timer (`hw/arm/mps3r.c`).
#[cfg(not(wells_r52))]
const FOREIGN_DEVICE: usize = 0x0a00_0000;
#[cfg(wells_r52)]
const FOREIGN_DEVICE: usize = 0xe010_1000;

/// Spins for 5 ms of the virtual counter: work that takes time (half a scheduler time slice).
fn busy() {
    let (start, frequency) = virtual_counter();
    let ticks = frequency / 200;
    while virtual_counter().0.wrapping_sub(start) < ticks {}
}

#[no_mangle]
extern "C" fn guest_main(x0: usize, restarts: usize, ram_start: usize, ram_end: usize) -> ! {
    #[cfg(wells_r52)]
    PARTITION_RAM.store(((ram_end as u64) << 32) | ram_start as u64, core::sync::atomic::Ordering::Relaxed);
    #[cfg(not(wells_r52))]
    let _ = ram_start;
    let (x0, restarts) = (x0 as u64, restarts as u64);
    let mut out = uart::Uart;
    let Some(scenario) = Scenario::from(x0) else {
        let _ = writeln!(out, "bare guest: unknown scenario {x0}");
        system_off(2)
    };
    let status = match scenario {
        Scenario::Count => count(&mut out),
        Scenario::WildWrite => wild_write(&mut out),
        Scenario::ResetOnce => reset_once(&mut out, restarts),
        Scenario::Ping => ping(&mut out),
        Scenario::Pong => pong(&mut out),
        Scenario::BadHypercall => {
            let _ = writeln!(out, "making hypercall 0xc60000ff");
            hypercall::call(0xC600_00FF, [0; 4]);
            let _ = writeln!(out, "FAILED: the undefined hypercall came back");
            1
        }
        Scenario::ForeignDevice => {
            let _ = writeln!(out, "reading 0x{FOREIGN_DEVICE:08x}");
            // SAFETY: a deliberate access to a device this VM was not given.
            let value = unsafe { core::ptr::read_volatile(FOREIGN_DEVICE as *const u32) };
            let _ = writeln!(out, "FAILED: read 0x{value:x} from a foreign device");
            1
        }
        Scenario::Hypercalls => hypercalls(&mut out),
        Scenario::WriteNextPartition => {
            let _ = writeln!(out, "writing 0x{ram_end:08x}, past my RAM");
            // SAFETY: a deliberate write outside the partition, into the next one's RAM.
            unsafe { core::ptr::write_volatile(ram_end as *mut u32, 0xbad) };
            let _ = writeln!(out, "FAILED: wrote into the next partition");
            1
        }
        Scenario::PortBuffers => port_buffers::run(&mut out),
        #[cfg(not(wells_r52))]
        Scenario::ResetFromSecond | Scenario::FaultOnSecond => several_cpus::first(&mut out, x0, restarts),
        #[cfg(wells_r52)]
        Scenario::ResetFromSecond | Scenario::FaultOnSecond => 2,
        Scenario::BenchHypercall => bench::hypercall_round_trip(),
        Scenario::BenchYield => bench::yield_ping(true),
        Scenario::BenchYieldPartner => bench::yield_ping(false),
        Scenario::BenchTimerInterrupt => bench::timer_interrupt(),
        Scenario::TimerByCompare => {
            let status = bench::periodic_by_compare();
            let _ = writeln!(out, "timer re-armed by compare: {}", if status == 0 { "10 interrupts" } else { "FAILED: interrupts stopped" });
            status
        }
        Scenario::TouchDebug => {
            let _ = writeln!(out, "writing a debug register");
            counter::touch_debug_register();
            let _ = writeln!(out, "FAILED: the debug register write went through");
            1
        }
        Scenario::TouchPmu => {
            let _ = writeln!(out, "reading the PMU cycle counter");
            let count = counter::read_pmu();
            let _ = writeln!(out, "FAILED: read the PMU ({count})");
            1
        }
        Scenario::Fuzz => fuzz::run(&mut out, 100_000),
        Scenario::FuzzSoak => fuzz::run(&mut out, 1_000_000),
        Scenario::FuzzUndefined => fuzz::until_stopped(restarts),
        Scenario::Spin => {
            let _ = writeln!(out, "spinning");
            // No `yield` hint: single-threaded QEMU (as under -icount) leaves its loop on each
            // one, which made a spinning A15 guest run some twenty times slower.
            let mut n = 0u32;
            loop {
                n = core::hint::black_box(n.wrapping_add(1));
            }
        }
    };
    system_off(status)
}

fn count(out: &mut uart::Uart) -> u64 {
    for n in 1..=10 {
        let _ = writeln!(out, "tick {n}");
        busy();
    }
    0
}

fn wild_write(out: &mut uart::Uart) -> u64 {
    let _ = writeln!(out, "about to write outside my RAM");
    // SAFETY: a deliberate write outside the VM's memory grant.
    unsafe { core::ptr::write_volatile(0x5000_0000 as *mut u64, 0xbad) };
    let _ = writeln!(out, "FAILED: the wild write went through");
    1
}

fn reset_once(out: &mut uart::Uart, restarts: u64) -> u64 {
    if restarts == 0 {
        let _ = writeln!(out, "first run: asking for a reset");
        system_reset();
    }
    let _ = writeln!(out, "back after {restarts} reset(s)");
    0
}

fn ping(out: &mut uart::Uart) -> u64 {
    for n in 0u32..10 {
        if port_send(0, &n.to_le_bytes(), FOREVER) < 0 {
            let _ = writeln!(out, "FAILED: send {n}");
            return 1;
        }
        let mut reply = [0u8; 4];
        let got = port_receive(1, &mut reply, FOREVER);
        if got != 4 || u32::from_le_bytes(reply) != n + 1 {
            let _ = writeln!(out, "FAILED: round trip {n}: got {got} bytes, {}", u32::from_le_bytes(reply));
            return 1;
        }
    }
    let _ = writeln!(out, "ping: 10 round trips ok");
    0
}

fn pong(out: &mut uart::Uart) -> u64 {
    for _ in 0..10 {
        let mut message = [0u8; 4];
        if port_receive(0, &mut message, FOREVER) != 4 {
            let _ = writeln!(out, "FAILED: receive");
            return 1;
        }
        let answer = u32::from_le_bytes(message) + 1;
        if port_send(1, &answer.to_le_bytes(), FOREVER) < 0 {
            let _ = writeln!(out, "FAILED: send");
            return 1;
        }
    }
    let _ = writeln!(out, "pong: answered 10");
    0
}

fn hypercalls(out: &mut uart::Uart) -> u64 {
    let text = b"through the console hypercall\n";
    let written = console_write(text.as_ptr() as u64, text.len() as u64);
    let outside = console_write(0x7000_0000, 16);
    let straddling = console_write(facts::GUEST_RAM as u64 + (4 << 20) - 8, 16);
    let psci = hypercall::call(0x8400_0000, [0; 4]);
    let yielded = hypercall::call(0xC600_0002, [0; 4]);
    // The VM has two vCPUs (the test says so); the second is never turned on.
    let cpu_on = hypercall::call(0xC400_0003, [2, facts::GUEST_IMAGE as u64, 0, 0]);
    let psci_calls = [
        hypercall::call(0x8400_000A, [0x8400_0002, 0, 0, 0]), // FEATURES(CPU_OFF): 0
        hypercall::call(0x8400_000A, [0xC400_0003, 0, 0, 0]), // FEATURES(CPU_ON): 0
        hypercall::call(0xC400_0004, [0, 0, 0, 0]),           // AFFINITY_INFO(0): 0, on
        hypercall::call(0xC400_0004, [1, 0, 0, 0]),           // AFFINITY_INFO(1): 1, off
        hypercall::call(0xC400_0004, [2, 0, 0, 0]),           // AFFINITY_INFO(2): -2, none
        hypercall::call(0xC400_0004, [0x100, 0, 0, 0]),       // AFFINITY_INFO(cluster 1): -2
        hypercall::call(0xC400_0004, [0, 1, 0, 0]),           // AFFINITY_INFO(level 1): -2
        hypercall::call(0xC400_0003, [0, facts::GUEST_IMAGE as u64, 0, 0]), // CPU_ON(0): -4, on
        hypercall::call(0xC400_0003, [1, 0x7000_0000, 0, 0]), // CPU_ON(1) outside RAM: -9
        hypercall::call(0xC400_0003, [0x100, facts::GUEST_IMAGE as u64, 0, 0]), // CPU_ON(cluster 1): -2
        hypercall::call(0x8400_0006, [0; 4]),                 // MIGRATE_INFO_TYPE: 2
        hypercall::call(0xC400_0001, [0, 0, 0, 0]),           // CPU_SUSPEND(standby): 0
        hypercall::call(0xC400_0001, [1 << 16, 0, 0, 0]),     // CPU_SUSPEND(power-down): -1
    ];
    let _ = writeln!(
        out,
        "console {written}, outside RAM {outside}, straddling {straddling}, PSCI 0x{psci:x}, yield {yielded}, CPU_ON {cpu_on}, PSCI calls {psci_calls:?}"
    );
    let expected = written == text.len() as i64
        && outside < 0
        && straddling < 0
        && psci == 0x10000
        && yielded == 0
        && cpu_on == -2
        && psci_calls == [0, 0, 0, 1, -2, -2, -2, -4, -9, -2, 2, 0, -1];
    if expected {
        0
    } else {
        let _ = writeln!(out, "FAILED: unexpected hypercall results");
        1
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    let _ = writeln!(uart::Uart, "bare guest panic: {info}");
    system_off(3)
}
