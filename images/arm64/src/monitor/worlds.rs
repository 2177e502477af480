//! The world switch: the secure world booted first (when the monitor's flash carries one), then
//! the normal world; from then on each SMC or secure tick is turned into an action by
//! `wells_core::arch::monitor::secure::Worlds` and carried out here: one world's registers and
//! EL1 state saved, the other's loaded, `SCR_EL3.NS` flipped, and the GIC's group 1 (the normal
//! world's interrupts) held back while the secure world runs.
//!
//! The secure world's tick is the secure physical timer (CNTPS, a group 0 interrupt signalled
//! as FIQ and routed to EL3 in both worlds): taken while the normal world runs, it switches to
//! the secure world with the tick event and back; taken while the secure world runs, it waits
//! for the secure world's next event.

use super::board::{self, say, SecureGpio, GIC, SMC};
use crate::facts;
use core::cell::UnsafeCell;
use wells_core::arch::aarch64::el3::secure_timer;
use wells_core::arch::aarch64::el3::world::{scr_secure_world, WorldContext};
use wells_core::arch::aarch64::el3::{El3Frame, SCR_NORMAL_WORLD};
use wells_core::arch::monitor::secure::{Action, World, Worlds};
use wells_core::arch::monitor::Call;

/// The worlds and what the monitor keeps of the one not running.
struct State {
    worlds: Worlds,
    /// The secure tick's period in counter ticks (0: no secure timer).
    tick_period: u64,
    normal: WorldContext,
    secure: WorldContext,
}

struct WorldSwitch(UnsafeCell<State>);

// SAFETY: the monitor runs on one CPU, at EL3 with every exception masked: the state is never
// used by two at once.
unsafe impl Sync for WorldSwitch {}

static WORLDS: WorldSwitch =
    WorldSwitch(UnsafeCell::new(State { worlds: Worlds::normal_only(), tick_period: 0, normal: WorldContext::fresh(), secure: WorldContext::fresh() }));

fn state() -> &'static mut State {
    // SAFETY: see `WorldSwitch`: one user at a time, each use ends before the next exception.
    unsafe { &mut *WORLDS.0.get() }
}

/// SCR_EL3.FIQ: FIQs (the secure tick) are taken to EL3.
const SCR_FIQ: u64 = 1 << 2;

/// The secure tick: every millisecond.
const TICKS_PER_SECOND: u64 = 1000;

fn secure_timer_on() -> bool {
    state().tick_period != 0
}

/// SCR_EL3 while the normal world runs.
fn scr_normal() -> u64 {
    if secure_timer_on() {
        SCR_NORMAL_WORLD | SCR_FIQ
    } else {
        SCR_NORMAL_WORLD
    }
}

/// SCR_EL3 while the secure world runs.
fn scr_secure() -> u64 {
    scr_secure_world(secure_timer_on())
}

/// Starts the secure world's tick: CNTPS every millisecond, its interrupt a group 0 one the
/// GIC signals as FIQ.
fn start_secure_timer() {
    let period = secure_timer::frequency() / TICKS_PER_SECOND;
    state().tick_period = period;
    GIC.make_secure(facts::SECURE_TIMER_INTID);
    secure_timer::arm(secure_timer::count() + period);
    say(format_args!(
        "secure tick: CNTPS every {period} counts (1 ms), INTID {} in group 0 as FIQ to EL3; SCR_EL3 = {:#x} in the normal world, {:#x} in the secure world",
        facts::SECURE_TIMER_INTID,
        scr_normal(),
        scr_secure()
    ));
}

/// Starts the secure world at secure EL1 at `entry` (its image already in secure DRAM); the
/// normal world follows when it says it is ready.
pub(crate) fn start_secure_world(entry: u64) -> ! {
    state().worlds = Worlds::secure_first();
    start_secure_timer();
    GIC.signal_groups(true, false, true);
    wells_core::arch::aarch64::el3::world::enter_secure_world(entry, scr_secure(), board::monitor_stack())
}

/// Enters the normal world for the first time.
pub(crate) fn start_normal_world() -> ! {
    GIC.signal_groups(true, true, secure_timer_on());
    board::enter_normal_world(scr_normal())
}

/// An SMC of either world.
pub(crate) fn smc(frame: &mut El3Frame, immediate: u16) {
    let call = Call::new(&frame.x, immediate);
    let state = state();
    let from = state.worlds.current;
    let action = SMC.with_monitor(|monitor| state.worlds.smc(&call, monitor));
    carry_out(state, from, frame, action);
}

/// An FIQ: the secure tick. The timer is set for the next period (from its last compare value,
/// so ticks do not drift), the interrupt ended, and the tick goes to the secure world.
pub(crate) fn fiq(frame: &mut El3Frame) {
    let id = GIC.acknowledge();
    if id != facts::SECURE_TIMER_INTID {
        // Spurious (1023), or nothing of ours: nothing to do.
        if id < 1020 {
            GIC.end(id);
        }
        return;
    }
    let state = state();
    let mut next = secure_timer::compare() + state.tick_period;
    let now = secure_timer::count();
    if next <= now {
        // Late (a long stretch at EL3): the next period from now, never a burst.
        next = now + state.tick_period;
    }
    secure_timer::arm(next);
    GIC.end(id);
    let from = state.worlds.current;
    let action = state.worlds.tick();
    carry_out(state, from, frame, action);
}

fn carry_out(state: &mut State, from: World, frame: &mut El3Frame, action: Action) {
    match action {
        Action::Answer(outcome) => SMC.apply(&mut frame.x, outcome, 0, frame.spsr, &SecureGpio),
        Action::Resume => {}
        Action::ToSecure(event) => {
            if from == World::Normal {
                state.normal.save(frame);
                GIC.signal_groups(true, false, secure_timer_on());
                state.secure.load(frame, scr_secure());
            }
            frame.x[..4].copy_from_slice(&event);
        }
        Action::ToNormal(answer) => {
            state.secure.save(frame);
            state.normal.load(frame, scr_normal());
            GIC.signal_groups(true, true, secure_timer_on());
            if let Some([status, value]) = answer {
                frame.x[..4].copy_from_slice(&[status, value, 0, 0]);
            }
        }
        Action::EnterNormal => {
            state.secure.save(frame);
            start_normal_world()
        }
    }
}
