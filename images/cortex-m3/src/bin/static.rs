//! The Cortex-M3 static configuration (feature `static`): the system is a constant table —
//! two ports and the demo's sensor → filter → logger tasks, a probe task and a task that
//! faults — made at start-up on a kernel reserved from the table's bounds; then the kernel is
//! sealed and the pipeline runs (the faulting task is stopped meanwhile). A checker thread
//! waits for every task and checks its exit code, tries to create objects (each must be
//! refused with `Sealed` before allocating) and reads the heap's allocation count: any
//! allocation after sealing fails the run (status 1, and a line naming the count).
#![no_std]
#![no_main]

extern crate alloc;

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use wells_board_common::supervisor::system::{self, PortSpec, System, TaskEntry};
use wells_board_common::Platform;
use wells_core::arch::armv7m::exceptions::MEMMANAGE;
use wells_core::kernel::StaticBounds;
use wells_core::{Error, Timeout};
use wells_image_cortex_m3::tasks::{apps, Program};
use wells_image_cortex_m3::{board, println, Board};

/// The system description.
const SYSTEM: System<Program> = System {
    // 2 ports + 6 threads (5 tasks and the checker).
    bounds: StaticBounds { objects: 8, threads: 6, held_mutexes: 1 },
    ports: &[PortSpec { name: "readings", msg_size: 16, depth: 16 }, PortSpec { name: "averages", msg_size: 16, depth: 4 }],
    tasks: &[
        TaskEntry { name: "sensor", program: apps::DEMO_SENSOR, priority: 12, ports: &["readings"] },
        TaskEntry { name: "filter", program: apps::DEMO_FILTER, priority: 10, ports: &["readings", "averages"] },
        TaskEntry { name: "logger", program: apps::DEMO_LOGGER, priority: 8, ports: &["averages"] },
        TaskEntry { name: "sealed-probe", program: apps::SEALED_PROBE, priority: 6, ports: &[] },
        TaskEntry { name: "fault-null", program: apps::FAULT_NULL, priority: 5, ports: &[] },
    ],
};

/// The exit code each task of the table must end with: 0, and the stopped task's
/// -1000 - MemManage (its NULL read faults under the MPU).
const EXIT_CODES: [i32; 5] = [0, 0, 0, 0, -1000 - MEMMANAGE as i32];

/// The heap's allocation count just after sealing (its low 32 bits: no 64-bit atomics here).
static SEALED_AT: AtomicU32 = AtomicU32::new(0);
/// Set by the checker when a task or a refused creation went wrong.
static FAILED: AtomicBool = AtomicBool::new(false);

fn allocations_since_sealing() -> u32 {
    (board::heap_stats().allocations_total as u32).wrapping_sub(SEALED_AT.load(Ordering::SeqCst))
}

#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let started = match system::start::<Board>(&k, &SYSTEM) {
        Ok(started) => started,
        Err(error) => {
            println!("static: bad system description: {error}");
            return 1;
        }
    };
    let mut threads = [None; 5];
    for (slot, task) in threads.iter_mut().zip(&started) {
        *slot = Some(task.thread);
    }
    let checker = k.thread_create("checker", 4, Board::THREAD_STACK, alloc::boxed::Box::new(move || {
        let k = Board::kernel();
        for ((entry, thread), expected) in SYSTEM.tasks.iter().zip(threads).zip(EXIT_CODES) {
            let code = thread.map_or(Err(Error::InvalidHandle), |t| k.thread_join(t, Timeout::Forever));
            if code != Ok(expected) {
                println!("static: task '{}' ended with {:?}, not {}", entry.name, code, expected);
                FAILED.store(true, Ordering::SeqCst);
            }
        }
        let refused = [
            ("port_create", k.port_create(4, 4).err()),
            ("mutex_create", k.mutex_create().err()),
            ("semaphore_create", k.semaphore_create(0, 1).err()),
            ("event_create", k.event_create(true, false).err()),
            ("telemetry_enable", k.telemetry_enable(8).err()),
        ];
        for (call, error) in refused {
            if error != Some(Error::Sealed) {
                println!("static: kernel {call} after sealing gave {error:?}, not Sealed");
                FAILED.store(true, Ordering::SeqCst);
            }
        }
        println!("static: tasks done; kernel object creation refused with Sealed; {} heap allocations so far", allocations_since_sealing());
        0
    }));
    if let Err(error) = checker.and_then(|t| k.thread_start(t)) {
        println!("static: checker: {error}");
        return 1;
    }
    if let Err(error) = k.seal() {
        println!("static: seal: {error}");
        return 1;
    }
    let heap = board::heap_stats();
    SEALED_AT.store(heap.allocations_total as u32, Ordering::SeqCst);
    println!("static: sealed with {} objects' room, heap {} bytes used, {} allocations made", SYSTEM.bounds.objects, heap.used, heap.allocations_total);
    if let Err(error) = k.run() {
        println!("static: run ended with {error}");
        return 1;
    }
    let allocations = allocations_since_sealing();
    let heap = board::heap_stats();
    if allocations != 0 {
        println!("static: FAILED: {allocations} heap allocations after sealing (heap now {} bytes used)", heap.used);
        return 1;
    }
    if FAILED.load(Ordering::SeqCst) {
        println!("static: FAILED (see above)");
        return 1;
    }
    println!("static: 0 heap allocations after sealing (heap {} bytes used, peak {})", heap.used, heap.peak_used);
    0
}
