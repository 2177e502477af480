//! A virtual-time host for running real wells kernels (x86_64 hosted port) in host tests.
//!
//! Time only moves when a test says so or when the kernel idles (then it jumps to the armed
//! deadline), so timing tests are exact and fast. A spinning thread simulates the timer
//! interrupt with `tick_after`.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;
use wells_core::arch::joined::Joined;
use wells_core::{Host, Kernel};

pub const MS: u64 = 1_000_000;
const NOT_ARMED: u64 = u64::MAX;

#[derive(Default)]
pub struct Clock {
    pub now: AtomicU64,
    armed: AtomicU64,
}

struct VirtualHost(Arc<Clock>);

impl Host for VirtualHost {
    fn now_ns(&self) -> u64 {
        self.0.now.load(Ordering::SeqCst)
    }
    fn timer_arm(&self, deadline_ns: u64) {
        self.0.armed.store(deadline_ns, Ordering::SeqCst);
    }
    fn timer_cancel(&self) {
        self.0.armed.store(NOT_ARMED, Ordering::SeqCst);
    }
    fn console_write(&self, text: &[u8]) {
        print!("{}", String::from_utf8_lossy(text));
    }
    fn idle(&self) {
        let armed = self.0.armed.load(Ordering::SeqCst);
        let now = self.0.now.load(Ordering::SeqCst);
        let to = if armed != NOT_ARMED && armed > now { armed } else { now + 1_000 };
        self.0.now.store(to, Ordering::SeqCst);
    }
}

pub type K = Kernel<Joined>;

pub struct World {
    pub kernel: &'static K,
    pub clock: Arc<Clock>,
}

impl World {
    pub fn new() -> World {
        let clock = Arc::new(Clock { now: AtomicU64::new(0), armed: AtomicU64::new(NOT_ARMED) });
        let arch: &'static Joined = Box::leak(Box::new(Joined::new()));
        let kernel = Box::leak(Box::new(Kernel::new(arch, Box::new(VirtualHost(clock.clone())))));
        World { kernel, clock }
    }

    pub fn now(&self) -> u64 {
        self.clock.now.load(Ordering::SeqCst)
    }

    /// Simulates a timer interrupt `ns` after now (what a spinning thread does per loop).
    pub fn tick_after(&self, ns: u64) {
        self.clock.now.fetch_add(ns, Ordering::SeqCst);
        self.kernel.tick();
    }

    /// Runs the kernel on its own host thread; fails the test if it does not return in time.
    pub fn run(&self) -> wells_core::Result<()> {
        let kernel = self.kernel;
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = done.send(kernel.run());
        });
        finished.recv_timeout(Duration::from_secs(20)).expect("kernel run hung")
    }

    /// Creates and starts a thread.
    pub fn spawn(&self, name: &str, priority: u8, f: impl FnOnce() -> i32 + Send + 'static) -> wells_core::Handle {
        let mut f = Some(f);
        let entry = Box::new(move || (f.take().expect("entry runs once"))());
        let thread = self.kernel.thread_create(name, priority, 0, entry).unwrap();
        self.kernel.thread_start(thread).unwrap();
        thread
    }
}

/// A shared log threads append to.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}
