//! The run loop's idle against a host that waits like Arm's WFI: the timer's interrupt can land
//! just before the wait, and the wait itself ends only on an interrupt that is pending. A loop
//! that lifted its mask before the wait let that interrupt in first: the thread it woke ran to
//! its end from inside the window, and the loop then waited for an interrupt nothing would
//! raise (a hypervisor demo hung that way once after both its VMs powered off).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;
use wells_core::arch::joined::Joined;
use wells_core::arch::Arch;
use wells_core::{Host, Kernel};

const NOT_ARMED: u64 = u64::MAX;

#[derive(Default)]
struct Machine {
    now: AtomicU64,
    armed: AtomicU64,
    /// An interrupt raised while masked: it ends the wait, and is taken at the unmask.
    pending: AtomicBool,
    /// A wait with no interrupt pending and no timer armed: on a CPU it never ends.
    stuck: AtomicBool,
    kernel: OnceLock<&'static Kernel<Joined>>,
    arch: OnceLock<&'static Joined>,
}

struct WfiHost(Arc<Machine>);

impl Host for WfiHost {
    fn now_ns(&self) -> u64 {
        self.0.now.load(Ordering::SeqCst)
    }
    fn timer_arm(&self, deadline_ns: u64) {
        self.0.armed.store(deadline_ns, Ordering::SeqCst);
    }
    fn timer_cancel(&self) {
        self.0.armed.store(NOT_ARMED, Ordering::SeqCst);
    }
    fn console_write(&self, _text: &[u8]) {}
    fn idle(&self) {
        let m = &self.0;
        let arch = m.arch.get().expect("arch set");
        let enabled = arch.irq_save();
        arch.irq_restore(false);
        // The timer fires right before the wait.
        let armed = m.armed.swap(NOT_ARMED, Ordering::SeqCst);
        if armed != NOT_ARMED {
            m.now.store(armed.max(m.now.load(Ordering::SeqCst)), Ordering::SeqCst);
            if !enabled {
                m.pending.store(true, Ordering::SeqCst);
            }
            // Taken now when unmasked; deferred to the unmask when masked.
            m.kernel.get().expect("kernel set").tick();
        }
        // The wait.
        if !m.pending.swap(false, Ordering::SeqCst) && m.armed.load(Ordering::SeqCst) == NOT_ARMED {
            m.stuck.store(true, Ordering::SeqCst);
        }
    }
    fn idles_masked(&self) -> bool {
        true
    }
}

#[test]
fn a_wake_up_right_before_the_wait_is_not_lost() {
    let machine = Arc::new(Machine { armed: AtomicU64::new(NOT_ARMED), ..Machine::default() });
    let arch: &'static Joined = Box::leak(Box::new(Joined::new()));
    let kernel: &'static Kernel<Joined> = Box::leak(Box::new(Kernel::new(arch, Box::new(WfiHost(machine.clone())))));
    machine.arch.set(arch).ok();
    machine.kernel.set(kernel).ok();

    for naps in [1u64, 3] {
        let entry = Box::new(move || {
            for _ in 0..naps {
                kernel.sleep_ns(1_000_000).expect("sleep");
            }
            0
        });
        let thread = kernel.thread_create("sleeper", 10, 0, entry).unwrap();
        kernel.thread_start(thread).unwrap();
    }
    let (done, finished) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(kernel.run());
    });
    let ran = finished.recv_timeout(Duration::from_secs(20)).expect("kernel run ended");
    assert_eq!(ran, Ok(()));
    assert!(!machine.stuck.load(Ordering::SeqCst), "the run loop waited with no interrupt to come: a wake-up was lost");
    assert!(machine.now.load(Ordering::SeqCst) >= 3_000_000, "the sleeps took their time");
}
