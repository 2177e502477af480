//! Posting a semaphore from an interrupt or signal handler: `wells_sem_post_from_interrupt`.
//!
//! The handler may have interrupted wells itself (a kernel call, a timer callback, a critical
//! section of the embedder's), where no other wells call may run. So the post is written into a
//! small fixed queue, the joined CPU is told to run `flush` at its next tick, and a tick is
//! delivered as `wells_tick` delivers one: at once when wells is not busy, else deferred until
//! it is. The tick runs `flush` as a timer callback and makes the switch the posts call for at
//! its end, so a woken thread of higher priority runs right after the interrupt.

use core::sync::atomic::{AtomicU32, AtomicU8, Ordering};

use crate::handles::wells_sem_t;
use crate::instance::{initialized, kernel, queue_interrupt_work, wells_tick};
use crate::status::{wells_status, wells_status::*};
use wells_core::{Handle, Kind};

/// Posts that can wait for the next tick at once.
pub const WELLS_INTERRUPT_POSTS: u32 = 32;

const FREE: u8 = 0;
const CLAIMED: u8 = 1;
const READY: u8 = 2;

/// One queued post: the semaphore's handle in two halves (the Cortex-M3 has no 64-bit atomics)
/// and its place in the order of posts.
struct Slot {
    state: AtomicU8,
    low: AtomicU32,
    high: AtomicU32,
    order: AtomicU32,
}

impl Slot {
    const fn new() -> Self {
        Slot { state: AtomicU8::new(FREE), low: AtomicU32::new(0), high: AtomicU32::new(0), order: AtomicU32::new(0) }
    }
}

static QUEUE: [Slot; WELLS_INTERRUPT_POSTS as usize] = [const { Slot::new() }; WELLS_INTERRUPT_POSTS as usize];
static NEXT_ORDER: AtomicU32 = AtomicU32::new(0);

/// Empties the queue (a new kernel: posts for the old one's semaphores are dropped).
pub(crate) fn reset() {
    for slot in &QUEUE {
        slot.state.store(FREE, Ordering::Release);
    }
}

/// Gives one unit of `sem` from an interrupt or signal handler of wells' host thread, at any
/// moment, even one that interrupted a wells call, a timer callback or a critical section:
/// when wells is busy the post waits until it is not (the end of the call, callback or
/// section). The post then wakes the first waiter as `wells_sem_post` does, and a woken thread
/// of higher priority than the interrupted one runs as soon as the post is done. It is done
/// inside this call when wells was not busy, so like `wells_tick` this may switch threads:
/// where a switch cannot happen in the handler itself (an Arm M-profile handler), call it the
/// way `wells_tick` is called there (in thread mode). Up to `WELLS_INTERRUPT_POSTS` posts wait
/// at once, done in the order they were made; a post whose semaphore is gone (or full) by then
/// is dropped.
///
/// `WELLS_OK`: done or queued. `WELLS_ERR_NOT_INITIALIZED`, `WELLS_ERR_INVALID_HANDLE` (zero),
/// `WELLS_ERR_WRONG_KIND` (not a semaphore's handle), `WELLS_ERR_LIMIT` (the queue is full).
#[no_mangle]
pub extern "C" fn wells_sem_post_from_interrupt(sem: wells_sem_t) -> wells_status {
    if !initialized() {
        return WELLS_ERR_NOT_INITIALIZED;
    }
    if sem.raw == 0 {
        return WELLS_ERR_INVALID_HANDLE;
    }
    if Handle::from(sem).kind() != Some(Kind::Semaphore) {
        return WELLS_ERR_WRONG_KIND;
    }
    // A handler that interrupts this one (nested interrupts) claims another slot.
    let Some(slot) = QUEUE.iter().find(|slot| slot.state.compare_exchange(FREE, CLAIMED, Ordering::AcqRel, Ordering::Relaxed).is_ok()) else {
        return WELLS_ERR_LIMIT;
    };
    slot.order.store(NEXT_ORDER.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
    slot.low.store(sem.raw as u32, Ordering::Relaxed);
    slot.high.store((sem.raw >> 32) as u32, Ordering::Relaxed);
    slot.state.store(READY, Ordering::Release);
    queue_interrupt_work(flush);
    wells_tick();
    WELLS_OK
}

/// The queued posts, oldest first (run by a tick as a timer callback).
fn flush() {
    loop {
        let mut oldest: Option<(&Slot, u32)> = None;
        for slot in &QUEUE {
            if slot.state.load(Ordering::Acquire) == READY {
                let order = slot.order.load(Ordering::Relaxed);
                // Orders wrap: compare by distance.
                if oldest.is_none_or(|(_, best)| (order.wrapping_sub(best) as i32) < 0) {
                    oldest = Some((slot, order));
                }
            }
        }
        let Some((slot, _)) = oldest else { return };
        let raw = (u64::from(slot.high.load(Ordering::Relaxed)) << 32) | u64::from(slot.low.load(Ordering::Relaxed));
        slot.state.store(FREE, Ordering::Release);
        if let Ok(kernel) = kernel() {
            let _ = kernel.semaphore_post(wells_sem_t { raw }.into());
        }
    }
}
