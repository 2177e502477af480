//! The half of a board's SMP bring-up that is the same on every Arm CPU (arm64, Cortex-A15;
//! `docs/core.md`, "Several CPUs"). The boot CPU finds the CPUs with PSCI AFFINITY_INFO, starts
//! each other one with CPU_ON, and checks what each reports, PSCI's answers to the bad calls
//! (CPU_ON of a CPU that is on, of one that does not exist) and the cross-core checks of
//! [`smp_stress`]. The board keeps what is its own: the start block and stacks it hands a
//! secondary, the secondary's first steps (its mode, MMU, vectors, GIC CPU interface and timer)
//! and the checks of those steps, which it names in [`BoardCheck`]s.
//!
//! Secondaries neither print nor allocate: the console and the heap are the boot CPU's while
//! the kernel is one CPU's.

use crate::gic::Gic;
use crate::println;
use crate::smp_stress;
use crate::timer_host::GenericTimer;
use crate::Platform;
use alloc::boxed::Box;
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use wells_core::arch::monitor::psci::{AFFINITY_OFF, AFFINITY_ON, ALREADY_ON, INVALID_PARAMETERS, SUCCESS};
use wells_core::arch::Arch;

/// CPUs a GICv2 can address (CPU interfaces 0..7); MPIDR Aff0 numbers them on QEMU `virt`.
pub const MAX_CPUS: usize = 8;
/// How long the boot CPU waits for a secondary, in seconds of the counter. Without `-icount`
/// the counter follows the host's clock, so this is generous for a loaded host; only a CPU that
/// never comes waits this long.
pub const WAIT_SECONDS: u64 = 300;
/// The SGI the boot CPU sends a secondary: once it reported in, and with each request to a
/// parked one.
const SGI_HELLO: u32 = 1;

/// What a secondary reports, bit by bit: the steps checked here, then the board's own
/// ([`BoardCheck`], from [`FIRST_BOARD_CHECK`] up).
const TIMER_TICK: u32 = 1 << 0;
const UP: u32 = 1 << 1;
const SGI_TAKEN: u32 = 1 << 2;
/// The first report bit a board may give one of its own checks.
pub const FIRST_BOARD_CHECK: u32 = 1 << 3;

/// A check of a secondary's first steps the board makes: its report bit and its name in the
/// CPU's report line ("EL1", "MMU", …).
pub type BoardCheck = (u32, &'static str);

static REPORTS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
/// Timer ticks and SGIs each CPU took through its vectors ([`note_interrupt`]).
static TICKS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
static SGIS: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(0) }; MAX_CPUS];
/// CPUs up after [`BringUp::start_all`] (the boot CPU and every secondary that reported everything).
static CPUS_UP: AtomicUsize = AtomicUsize::new(1);
/// The CPU asked to take a kernel fault ([`kernel_fault_on`]); none at first.
static FAULT_ON: AtomicUsize = AtomicUsize::new(usize::MAX);
/// An address no kernel space maps: QEMU `virt`'s flash, which the supervisors leave alone.
const UNMAPPED: usize = 0x8;

/// PSCI as the board reaches it (its conduit and its call forms).
pub trait Psci: Debug {
    /// AFFINITY_INFO of the CPU numbered `cpu` (MPIDR Aff0).
    fn affinity_info(&self, cpu: usize) -> i64;
    /// CPU_ON of MPIDR `mpidr` at the board's secondary entry, `context` its first argument.
    fn cpu_on(&self, mpidr: usize, context: usize) -> i64;
}

/// Counts an interrupt the trap handler of board `P` took on this CPU: `id` from the GIC,
/// `timer_id` the board's timer interrupt. An echo request ([`send_echo`]) is answered at
/// once.
pub fn note_interrupt<P: Platform>(gic: &Gic, id: u32, timer_id: u32) {
    let cpu = P::cpu().cpu_id();
    if cpu >= MAX_CPUS {
        return;
    }
    if id == timer_id {
        TICKS[cpu].fetch_add(1, Ordering::Relaxed);
    } else if id == SGI_ECHO {
        gic.send_sgi(SGI_ECHOED, 1 << ECHO_TO.load(Ordering::Acquire));
    } else if id == SGI_ECHOED {
        ECHOES.fetch_add(1, Ordering::Release);
    } else if id < 16 {
        SGIS[cpu].fetch_add(1, Ordering::Relaxed);
    }
}

/// The SGI a CPU answers from its interrupt handler with [`SGI_ECHOED`] to the CPU that sent
/// it ([`send_echo`]): an IPI round trip (the SMP bench).
const SGI_ECHO: u32 = 3;
/// The answer to [`SGI_ECHO`].
const SGI_ECHOED: u32 = 4;
/// The CPU the next [`SGI_ECHOED`] goes to.
static ECHO_TO: AtomicUsize = AtomicUsize::new(0);
/// [`SGI_ECHOED`]s taken, on any CPU.
static ECHOES: AtomicU32 = AtomicU32::new(0);

/// Sends CPU `to` an SGI that its interrupt handler answers with one back to this CPU, which
/// counts it in [`echoes`]. One echo at a time.
pub fn send_echo<P: Platform>(gic: &Gic, to: usize) {
    ECHO_TO.store(P::cpu().cpu_id() % MAX_CPUS, Ordering::Release);
    gic.send_sgi(SGI_ECHO, 1 << (to % MAX_CPUS));
}

/// How many answers to [`send_echo`] were taken so far.
pub fn echoes() -> u32 {
    ECHOES.load(Ordering::Acquire)
}

/// Whether the bring-up a hypervisor makes at boot, before its application, brought every CPU
/// up with everything and PSCI answered every bad call as it must.
static BROUGHT_UP_AT_BOOT: AtomicBool = AtomicBool::new(false);

/// Records how the bring-up at boot went (see [`brought_up_at_boot`]).
pub fn note_brought_up_at_boot(good: bool) {
    BROUGHT_UP_AT_BOOT.store(good, Ordering::Release);
}

/// True when the bring-up at boot brought every CPU up with everything.
pub fn brought_up_at_boot() -> bool {
    BROUGHT_UP_AT_BOOT.load(Ordering::Acquire)
}

/// The boot CPU's side of one bring-up on board `P`.
pub struct BringUp<'a, P> {
    psci: &'a dyn Psci,
    gic: &'static Gic,
    checks: &'static [BoardCheck],
    cpus: usize,
    me: usize,
    good: bool,
    board: core::marker::PhantomData<fn() -> P>,
}

impl<'a, P: GenericTimer> BringUp<'a, P> {
    /// Finds the CPUs (AFFINITY_INFO answers for each number up to the first it calls invalid)
    /// and checks that the boot CPU is on; prints what it found.
    pub fn find(psci: &'a dyn Psci, gic: &'static Gic, checks: &'static [BoardCheck]) -> Self {
        let cpus = (0..MAX_CPUS).take_while(|&cpu| psci.affinity_info(cpu) != INVALID_PARAMETERS).count();
        let me = P::cpu().cpu_id();
        println!(P, "smp: {cpus} CPUs found (PSCI AFFINITY_INFO through {psci:?}), boot CPU {me}");
        let good = expect::<P>("AFFINITY_INFO of the boot CPU", psci.affinity_info(me), AFFINITY_ON);
        BringUp { psci, gic, checks, cpus, me, good, board: core::marker::PhantomData }
    }

    /// How many CPUs [`BringUp::find`] found: numbers 0 to this less one.
    pub fn cpus(&self) -> usize {
        self.cpus
    }

    /// [`BringUp::start_all`] with each CPU's start block built here: `stacks` stacks of
    /// `stack_size` bytes a CPU, `block(cpu, tops)` makes the CPU's block from the tops of its
    /// stacks (16-byte aligned, what every Arm ABI accepts), and `publish(block, stack_size)`
    /// makes it readable by a CPU whose caches are off, before the CPU starts. The stacks and
    /// blocks are never freed: the secondaries run from them until they stop.
    pub fn start_on_own_stacks<S: 'static>(
        self,
        stacks: usize,
        stack_size: usize,
        block: impl Fn(usize, &[usize]) -> S,
        publish: impl Fn(&S, usize),
    ) -> bool {
        let memory: &'static [Box<[u8]>] = Vec::leak((0..self.cpus * stacks).map(|_| vec![0u8; stack_size].into_boxed_slice()).collect());
        let starts: &'static [S] = Vec::leak(
            memory
                .chunks(stacks)
                .enumerate()
                .map(|(cpu, own)| {
                    let tops: Vec<usize> = own.iter().map(|stack| (stack.as_ptr() as usize + stack_size) & !15).collect();
                    block(cpu, &tops)
                })
                .collect(),
        );
        starts.iter().for_each(|start| publish(start, stack_size));
        self.start_all(|cpu| &starts[cpu] as *const S as usize)
    }

    /// Starts every CPU but the boot CPU with its context (`context(cpu)`: the address of a
    /// start block the board published), checks each one's report and PSCI's answers, runs the
    /// cross-core checks together, and prints a line per check and a summary. True when every
    /// CPU came up with everything and PSCI answered every bad call as it must.
    pub fn start_all(mut self, context: impl Fn(usize) -> usize) -> bool {
        let (cpus, me) = (self.cpus, self.me);
        let secondaries: Vec<usize> = (0..cpus).filter(|&cpu| cpu != me).collect();
        for &cpu in &secondaries {
            self.good &= expect::<P>(&format!("AFFINITY_INFO of CPU {cpu} before CPU_ON"), self.psci.affinity_info(cpu), AFFINITY_OFF);
            self.good &= expect::<P>(&format!("CPU_ON of CPU {cpu}"), self.psci.cpu_on(cpu, context(cpu)), SUCCESS);
        }
        let everything = self.checks.iter().fold(TIMER_TICK | UP | SGI_TAKEN, |bits, (bit, _)| bits | bit);
        for &cpu in &secondaries {
            self.good &= wait_for::<P>(cpu, UP);
            self.gic.send_sgi(SGI_HELLO, 1 << cpu);
            self.good &= wait_for::<P>(cpu, SGI_TAKEN);
            let report = REPORTS[cpu].load(Ordering::Acquire);
            let mark = if report == everything { "ok" } else { "not ok" };
            let steps: Vec<_> = self.checks.iter().map(|&(bit, name)| format!("{name} {}", yes(report & bit))).collect();
            println!(
                P,
                "{mark} - smp: CPU {cpu} up: {}, timer ticks {} (GIC CPU interface), SGI taken {}",
                steps.join(", "),
                TICKS[cpu].load(Ordering::Relaxed),
                yes(report & SGI_TAKEN)
            );
            self.good &= report == everything;
            self.good &= expect::<P>(&format!("CPU_ON of CPU {cpu}, on already"), self.psci.cpu_on(cpu, 0), ALREADY_ON);
            self.good &= expect::<P>(&format!("AFFINITY_INFO of CPU {cpu} after CPU_ON"), self.psci.affinity_info(cpu), AFFINITY_ON);
        }
        // Together: a lock and a ping-pong across cores.
        self.good &= smp_stress::boot_cpu::<P>(&secondaries);
        // The boot CPU itself, and CPUs that do not exist.
        self.good &= expect::<P>("CPU_ON of the boot CPU", self.psci.cpu_on(me, 0), ALREADY_ON);
        self.good &= expect::<P>("CPU_ON of a CPU that does not exist (the next number)", self.psci.cpu_on(cpus, 0), INVALID_PARAMETERS);
        self.good &= expect::<P>("CPU_ON of a CPU that does not exist (cluster 0xff)", self.psci.cpu_on(0xff << 8, 0), INVALID_PARAMETERS);
        let up = (0..cpus).filter(|&cpu| cpu == me || REPORTS[cpu].load(Ordering::Acquire) == everything).count();
        println!(P, "smp: {up} of {cpus} CPUs up");
        CPUS_UP.store(up, Ordering::Release);
        self.good && up == cpus
    }
}

/// How many CPUs the last bring-up found up: numbers 0 to this less one.
pub fn cpus_up() -> usize {
    CPUS_UP.load(Ordering::Acquire)
}

fn yes(bit: u32) -> &'static str {
    if bit != 0 { "yes" } else { "NO" }
}

/// Prints `ok`/`not ok` for a PSCI answer.
fn expect<P: Platform>(what: &str, answer: i64, wanted: i64) -> bool {
    let mark = if answer == wanted { "ok" } else { "not ok" };
    println!(P, "{mark} - smp: {what} = {answer} (expected {wanted})");
    answer == wanted
}

/// Waits until CPU `cpu` reports `bit`, at most [`WAIT_SECONDS`] of the counter.
fn wait_for<P: GenericTimer>(cpu: usize, bit: u32) -> bool {
    let (start, frequency) = P::counter();
    while REPORTS[cpu].load(Ordering::Acquire) & bit == 0 {
        if P::counter().0 - start > WAIT_SECONDS * frequency {
            println!(P, "not ok - smp: CPU {cpu} did not report {bit:#x} within {WAIT_SECONDS} s (it reported {:#x})", REPORTS[cpu].load(Ordering::Acquire));
            return false;
        }
        smp_stress::relax();
    }
    true
}

/// A secondary's part once its board checks gave `checks` (their report bits) and its timer is
/// armed to tick once with interrupts taken: waits for the tick, reports in, waits for the boot
/// CPU's SGI, masks interrupts and joins the cross-core checks.
pub fn secondary_reports<P: Platform>(cpu: usize, checks: u32) {
    wait_for_interrupt_until::<P>(|| TICKS[cpu].load(Ordering::Relaxed) != 0);
    REPORTS[cpu].store(checks | TIMER_TICK | UP, Ordering::Release);
    wait_for_interrupt_until::<P>(|| SGIS[cpu].load(Ordering::Relaxed) != 0);
    REPORTS[cpu].fetch_or(SGI_TAKEN, Ordering::Release);
    P::cpu().irq_save();
    smp_stress::secondary(cpu);
}

/// Waits for interrupts (taken, interrupts enabled on entry) until `done()`. It is looked at
/// with interrupts masked: the one interrupt that makes it true (a one-shot tick, a single
/// SGI) could otherwise be taken between the look and the `wfi`, which would then wait for
/// one that never comes (seen as a bring-up boot that failed now and then on a loaded host:
/// "CPU 2 did not report 0x2"). A pending interrupt ends `wfi` even while masked, and is
/// taken when the mask is lifted.
pub(crate) fn wait_for_interrupt_until<P: Platform>(done: impl Fn() -> bool) {
    loop {
        let were_enabled = P::cpu().irq_save();
        if done() {
            P::cpu().irq_restore(were_enabled);
            return;
        }
        P::wait_for_interrupt();
        P::cpu().irq_restore(were_enabled);
    }
}

/// Parks secondary `cpu` for good, interrupts masked: only an SGI (pending, masked) wakes it,
/// sent with a request: to fault ([`kernel_fault_on`]) or to join the kernel ([`join_kernel`]).
pub fn park<P: Platform>(cpu: usize) -> ! {
    loop {
        if FAULT_ON.load(Ordering::Acquire) == cpu {
            fault();
        }
        if JOIN[cpu].load(Ordering::Acquire) {
            join::<P>(cpu);
        }
        P::wait_for_interrupt();
    }
}

/// Set by [`join_kernel`] for each parked secondary that is to join the kernel in the board's
/// slot.
static JOIN: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];
/// Each secondary that joined the kernel (about to run its threads).
static JOINED: [AtomicBool; MAX_CPUS] = [const { AtomicBool::new(false) }; MAX_CPUS];

/// A parked secondary joins the kernel: from now on it runs that kernel's threads (its idle
/// context is this stack), its timer and the reschedule SGI reaching the kernel through the
/// trap handler. Returns only when there is no kernel, or the kernel refuses the CPU (a kernel
/// built for one CPU: wells-core without `smp`).
fn join<P: Platform>(cpu: usize) {
    let Some(kernel) = P::slot().get() else { return };
    JOINED[cpu].store(true, Ordering::Release);
    // Masked until the kernel's idle loop lifts the mask (it was since the checks).
    if kernel.run_secondary().is_err() {
        JOINED[cpu].store(false, Ordering::Release);
        JOIN[cpu].store(false, Ordering::Release);
    }
}

/// Has the secondaries the bring-up started, up to CPU number `cpus` less one, join the kernel
/// now in the board's slot (made before this call; those that joined it already stay); waits
/// until each said so, at most [`WAIT_SECONDS`] each. True when all `cpus` (the boot CPU's
/// included) run it. A board may join its CPUs a few at a time (the scaling bench does).
pub fn join_kernel<P: GenericTimer>(gic: &Gic, cpus: usize) -> bool {
    let me = P::cpu().cpu_id();
    let mut joined = 1;
    for cpu in (0..cpus.min(MAX_CPUS)).filter(|&cpu| cpu != me) {
        if !JOINED[cpu].load(Ordering::Acquire) {
            JOIN[cpu].store(true, Ordering::Release);
            wake(gic, cpu);
        }
        let (start, frequency) = P::counter();
        while !JOINED[cpu].load(Ordering::Acquire) && P::counter().0 - start <= WAIT_SECONDS * frequency {
            smp_stress::relax();
        }
        joined += JOINED[cpu].load(Ordering::Acquire) as usize;
    }
    let mark = if joined == cpus { "ok" } else { "not ok" };
    println!(P, "{mark} - smp kernel: {joined} of {cpus} CPUs joined one kernel");
    joined == cpus
}

/// Wakes parked secondary `cpu` (an SGI) to look at a request.
fn wake(gic: &Gic, cpu: usize) {
    gic.send_sgi(SGI_HELLO, 1 << cpu);
}

/// Asks parked secondary `cpu` to read an address the kernel does not map: a data abort on
/// that CPU, which the board's trap handler reports (on that CPU's own exception stack) before
/// it ends the run with the kernel-fault status.
pub fn kernel_fault_on<P: Platform>(gic: &Gic, cpu: usize) {
    println!(P, "smp: CPU {cpu} reads {UNMAPPED:#x}, which the kernel does not map");
    FAULT_ON.store(cpu, Ordering::Release);
    wake(gic, cpu);
}

fn fault() -> ! {
    // SAFETY: not safe, on purpose: the read faults and the trap handler ends the run; it
    // changes nothing.
    let value = unsafe { core::ptr::read_volatile(UNMAPPED as *const usize) };
    panic!("smp: reading {UNMAPPED:#x} did not fault (it read {value:#x})")
}
