//! The Cortex-A15 (arm32) demo, the same as arm64's. With user tasks (feature `user`, what
//! `cargo xtask run --board qemu-virt-arm32` builds): a sensor task feeds readings through a
//! port to a filter task, which passes averages through a second port to a logger task, all
//! in USR mode in their own address spaces; a kernel monitor thread prints a line of thread
//! statistics every second until the pipeline has finished, then QEMU exits. Without user
//! tasks the same pipeline runs as kernel threads for three seconds.
#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::vec::Vec;
#[cfg(not(feature = "user"))]
use core::sync::atomic::{AtomicBool, Ordering};
use wells_core::Handle;
#[cfg(not(feature = "user"))]
use wells_core::Timeout;
use wells_qemu_virt_arm32::{kernel, println, Board};

const MS: u64 = 1_000_000;
#[cfg(not(feature = "user"))]
static STOP: AtomicBool = AtomicBool::new(false);

fn spawn(name: &str, priority: u8, f: impl FnMut() -> i32 + Send + 'static) -> Handle {
    let thread = kernel().thread_create(name, priority, 0, Box::new(f)).expect("create");
    kernel().thread_start(thread).expect("start");
    thread
}

#[cfg(not(feature = "user"))]
#[no_mangle]
fn app_main(board: &Board) -> i32 {
    let k = board.new_kernel();
    let readings = k.port_create(8, 16).expect("port");
    let averages = k.port_create(8, 4).expect("port");

    let sensor = spawn("sensor", 12, move || {
        let mut value = 0u64;
        while !STOP.load(Ordering::Relaxed) {
            value = (value * 7 + 13) % 100;
            let _ = kernel().port_send(readings, &value.to_le_bytes(), Timeout::Ns(50 * MS));
            let _ = kernel().sleep_ns(5 * MS);
        }
        0
    });
    let filter = spawn("filter", 10, move || {
        let mut buf = [0u8; 8];
        let mut window = Vec::new();
        while !STOP.load(Ordering::Relaxed) {
            if kernel().port_receive(readings, &mut buf, Timeout::Ns(50 * MS)).is_ok() {
                window.push(u64::from_le_bytes(buf));
            }
            if window.len() == 10 {
                let average = window.iter().sum::<u64>() / 10;
                window.clear();
                let _ = kernel().port_send(averages, &average.to_le_bytes(), Timeout::Ns(50 * MS));
            }
        }
        0
    });
    let logger = spawn("logger", 8, move || {
        let mut buf = [0u8; 8];
        let mut received = 0u32;
        while !STOP.load(Ordering::Relaxed) {
            if kernel().port_receive(averages, &mut buf, Timeout::Ns(100 * MS)).is_ok() {
                received += 1;
            }
        }
        println!("logger: {received} averages received");
        0
    });
    let watched = [sensor, filter, logger];
    spawn("monitor", 20, move || {
        for second in 1..=3 {
            let _ = kernel().sleep_ns(1000 * MS);
            let mut line = alloc::format!("t={second}s");
            for thread in watched {
                if let Ok(s) = kernel().thread_stats(thread) {
                    line.push_str(&alloc::format!(
                        " | {} {:?} run {} us, {} switches",
                        s.name_str(),
                        s.state,
                        s.run_time_ns / 1000,
                        s.switches
                    ));
                }
            }
            println!("{line}");
        }
        STOP.store(true, Ordering::Relaxed);
        0
    });
    match k.run() {
        Ok(()) => {
            println!("demo: all threads finished");
            0
        }
        Err(error) => {
            println!("demo: run ended with {error}");
            1
        }
    }
}

#[cfg(feature = "user")]
#[no_mangle]
fn app_main(board: &Board) -> i32 {
    use wells_qemu_virt_arm32::apps::a32;
    use wells_qemu_virt_arm32::tasks::{self, TaskSpec};

    let k = board.new_kernel();
    let readings = k.port_create(16, 8).expect("port");
    let averages = k.port_create(16, 4).expect("port");
    let grants = [("readings", readings), ("averages", averages)];
    let pipeline = [
        ("sensor", a32::DEMO_SENSOR, 12u8),
        ("filter", a32::DEMO_FILTER, 10),
        ("logger", a32::DEMO_LOGGER, 8),
    ];
    let mut started = Vec::new();
    for (name, elf, priority) in pipeline {
        match tasks::spawn(&k, &TaskSpec { name, elf, priority, arg: 0, ports: &grants }) {
            Ok(task) => started.push((name, task)),
            Err(error) => {
                println!("demo: {error}");
                return 1;
            }
        }
    }
    let watched: Vec<(&str, Handle, wells_core::domain::DomainId)> =
        started.iter().map(|(name, task)| (*name, task.thread, task.domain)).collect();
    spawn("monitor", 20, move || {
        for second in 1.. {
            let _ = kernel().sleep_ns(1000 * MS);
            let mut line = alloc::format!("t={second}s");
            let mut running = 0;
            for &(name, thread, domain) in &watched {
                running += kernel().domain_live_threads(domain);
                if let Ok(s) = kernel().thread_stats(thread) {
                    line.push_str(&alloc::format!(
                        " | {name}: {:?}, {} us, {} switches",
                        s.state,
                        s.run_time_ns / 1000,
                        s.switches
                    ));
                }
            }
            println!("{line}");
            if running == 0 {
                break;
            }
        }
        0
    });
    if let Err(error) = k.run() {
        println!("demo: run ended with {error}");
        return 1;
    }
    let mut failed = 0;
    for (name, task) in &started {
        let code = k.thread_stats(task.thread).map(|s| s.exit_code).unwrap_or(-1);
        println!("demo: task {name} exited with {code}");
        failed += (code != 0) as i32;
    }
    failed
}
