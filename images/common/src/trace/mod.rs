//! Traces for `cargo xtask trace`: an image built with feature `trace` turns its kernel's
//! telemetry ring on before the threads start ([`start`]) and, once the kernel has run, prints
//! every event and the names of the threads they name ([`dump`]). Without the feature both do
//! nothing, the ring stays off and the image's trace points ([`on`]) are compiled out.
//!
//! The dump, one event or thread per line between two markers:
//!
//! ```text
//! trace: begin <name>
//! trace: event <sequence> <time ns> <kind> <subject, hex> <arg>
//! trace: thread <handle, hex> <name>
//! trace: end <name> <events> events, <dropped> dropped
//! ```
//!
//! Kinds are `wells_core::telemetry::EventKind::name`; times are the kernel's clock, which
//! under QEMU `-icount` counts instructions, so two boots print the same trace.

pub mod scenario;

use crate::Platform;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use wells_core::telemetry::{Event, EventKind};
use wells_core::{Handle, Kernel};

/// Events the ring holds (40 bytes each): more than the demos record. A board whose heap
/// cannot spare 2.5 MiB gets the largest power of two down to [`SMALLEST_RING`] that fits.
pub const RING: usize = 1 << 16;
/// The smallest ring [`start`] settles for.
pub const SMALLEST_RING: usize = 1 << 10;

/// Set once a ring is on: the image's trace points test it.
static ON: AtomicBool = AtomicBool::new(false);

/// Whether the image's trace points (system calls, interrupts, hypercalls, VM entries and
/// exits) record: a constant `false` without feature `trace`, so they are compiled out; with
/// it, one test of a flag until [`start`] runs.
#[inline(always)]
pub fn on() -> bool {
    cfg!(feature = "trace") && ON.load(Ordering::Relaxed)
}

/// Turns the ring on (only with feature `trace`).
pub fn start<P: Platform>(k: &Kernel<P::Arch>) {
    if !cfg!(feature = "trace") {
        return;
    }
    let mut size = RING;
    loop {
        match k.telemetry_enable(size) {
            Ok(()) => return ON.store(true, Ordering::Relaxed),
            Err(wells_core::Error::NoMemory) if size > SMALLEST_RING => size /= 2,
            Err(error) => return crate::println!(P, "trace: cannot enable a ring of {size} events: {error}"),
        }
    }
}

/// Prints the events recorded so far, then the name of every thread an event names (only
/// with feature `trace`).
pub fn dump<P: Platform>(k: &Kernel<P::Arch>, name: &str) {
    if !cfg!(feature = "trace") {
        return;
    }
    crate::println!(P, "trace: begin {name}");
    let blank = Event { sequence: 0, time_ns: 0, kind: EventKind::Wake, subject: 0, arg: 0 };
    let mut batch = [blank; 32];
    let (mut from, mut count, mut lost) = (0, 0u64, 0);
    let mut subjects: Vec<u64> = Vec::new();
    loop {
        let (copied, dropped, next) = k.telemetry_read(from, &mut batch);
        lost += dropped;
        for e in &batch[..copied] {
            crate::println!(P, "trace: event {} {} {} {:#x} {}", e.sequence, e.time_ns, e.kind.name(), e.subject, e.arg);
            let thread = !matches!(e.kind, EventKind::TxnBegin | EventKind::TxnCommit | EventKind::TxnAbort | EventKind::TxnConflict);
            if thread && e.subject != 0 && !subjects.contains(&e.subject) {
                subjects.push(e.subject);
            }
        }
        count += copied as u64;
        from = next;
        if copied < batch.len() {
            break;
        }
    }
    for subject in subjects {
        if let Ok(stats) = k.thread_stats(Handle::from_raw(subject)) {
            crate::println!(P, "trace: thread {subject:#x} {}", stats.name_str());
        }
    }
    crate::println!(P, "trace: end {name} {count} events, {lost} dropped");
}
