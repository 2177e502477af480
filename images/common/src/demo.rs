//! The demo of the MMU boards: a sensor feeds readings through a port to a filter, which passes
//! averages through a second port to a logger; a kernel monitor thread prints a line of thread
//! statistics every second. As user tasks (what `cargo xtask run` boots) the monitor stops when
//! the pipeline has finished; as kernel threads the pipeline runs for three seconds.

use crate::supervisor::{Program, TaskPlatform, TaskSpec};
use crate::system::System;
use crate::Platform;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use wells_core::{Handle, Timeout};

const MS: u64 = 1_000_000;
static STOP: AtomicBool = AtomicBool::new(false);

fn spawn<P: Platform>(name: &str, priority: u8, f: impl FnMut() -> i32 + Send + 'static) -> Handle {
    let thread = P::kernel().thread_create(name, priority, 0, Box::new(f)).expect("create");
    P::kernel().thread_start(thread).expect("start");
    thread
}

/// The pipeline as kernel threads, for three seconds.
pub fn threads<P: Platform>(board: &P) -> i32 {
    let k = board.new_kernel();
    crate::trace::start::<P>(&k);
    let readings = k.port_create(8, 16).expect("port");
    let averages = k.port_create(8, 4).expect("port");

    let sensor = spawn::<P>("sensor", 12, move || {
        let mut value = 0u64;
        while !STOP.load(Ordering::Relaxed) {
            value = (value * 7 + 13) % 100;
            let _ = P::kernel().port_send(readings, &value.to_le_bytes(), Timeout::Ns(50 * MS));
            let _ = P::kernel().sleep_ns(5 * MS);
        }
        0
    });
    let filter = spawn::<P>("filter", 10, move || {
        let mut buf = [0u8; 8];
        let mut window = Vec::new();
        while !STOP.load(Ordering::Relaxed) {
            if P::kernel().port_receive(readings, &mut buf, Timeout::Ns(50 * MS)).is_ok() {
                window.push(u64::from_le_bytes(buf));
            }
            if window.len() == 10 {
                let average = window.iter().sum::<u64>() / 10;
                window.clear();
                let _ = P::kernel().port_send(averages, &average.to_le_bytes(), Timeout::Ns(50 * MS));
            }
        }
        0
    });
    let logger = spawn::<P>("logger", 8, move || {
        let mut buf = [0u8; 8];
        let mut received = 0u32;
        while !STOP.load(Ordering::Relaxed) {
            if P::kernel().port_receive(averages, &mut buf, Timeout::Ns(100 * MS)).is_ok() {
                received += 1;
            }
        }
        crate::println!(P, "logger: {received} averages received");
        0
    });
    let watched = [sensor, filter, logger];
    spawn::<P>("monitor", 20, move || {
        for second in 1..=3 {
            let _ = P::kernel().sleep_ns(1000 * MS);
            let mut line = alloc::format!("t={second}s");
            for thread in watched {
                if let Ok(s) = P::kernel().thread_stats(thread) {
                    line.push_str(&alloc::format!(
                        " | {} {:?} run {} us, {} switches",
                        s.name_str(),
                        s.state,
                        s.run_time_ns / 1000,
                        s.switches
                    ));
                }
            }
            crate::println!(P, "{line}");
        }
        STOP.store(true, Ordering::Relaxed);
        0
    });
    let ran = k.run();
    crate::trace::dump::<P>(&k, "threads");
    match ran {
        Ok(()) => {
            crate::println!(P, "demo: all threads finished");
            0
        }
        Err(error) => {
            crate::println!(P, "demo: run ended with {error}");
            1
        }
    }
}

/// A supervisor system (`systems/*.toml`, the demo's pipeline) as user tasks: its ports made,
/// each task spawned with the ports it lists and its budget; the monitor prints until their
/// threads have ended.
pub fn tasks<P: TaskPlatform>(board: &P, system: &System<Program<P>>) -> i32
where
    Program<P>: Copy,
{
    let k = board.new_kernel();
    crate::trace::start::<P>(&k);
    let ports = match system.make_ports(&k) {
        Ok(ports) => ports,
        Err(error) => {
            crate::println!(P, "demo: {}: {error}", system.name);
            return 1;
        }
    };
    let mut started = Vec::new();
    for task in system.tasks {
        let grants = crate::system::granted(&ports, task.ports);
        let spec = TaskSpec { name: task.name, program: task.program, priority: task.priority, arg: 0, grants: &grants, scheduling_advisor: false };
        let outcome = crate::supervisor::spawn::<P>(&k, &spec)
            .and_then(|s| k.domain_set_budget(s.domain, task.budget).map(|()| s).map_err(|e| alloc::format!("task '{}': budget: {e}", task.name)));
        match outcome {
            Ok(s) => started.push((task.name, s)),
            Err(error) => {
                crate::println!(P, "demo: {}: {error}", system.name);
                return 1;
            }
        }
    }
    let watched: Vec<(&str, Handle, wells_core::domain::DomainId)> =
        started.iter().map(|(name, task)| (*name, task.thread, task.domain)).collect();
    spawn::<P>("monitor", 20, move || {
        for second in 1.. {
            let _ = P::kernel().sleep_ns(1000 * MS);
            let mut line = alloc::format!("t={second}s");
            let mut running = 0;
            for &(name, thread, domain) in &watched {
                running += P::kernel().domain_live_threads(domain);
                if let Ok(s) = P::kernel().thread_stats(thread) {
                    line.push_str(&alloc::format!(
                        " | {name}: {:?}, {} us, {} switches",
                        s.state,
                        s.run_time_ns / 1000,
                        s.switches
                    ));
                }
            }
            crate::println!(P, "{line}");
            if running == 0 {
                break;
            }
        }
        0
    });
    let ran = k.run();
    crate::trace::dump::<P>(&k, system.name);
    if let Err(error) = ran {
        crate::println!(P, "demo: run ended with {error}");
        return 1;
    }
    let mut failed = 0;
    for (name, task) in &started {
        let code = k.thread_stats(task.thread).map(|s| s.exit_code).unwrap_or(-1);
        crate::println!(P, "demo: task {name} exited with {code}");
        failed += (code != 0) as i32;
    }
    failed
}
