//! The world switch: the secure world booted first (when the monitor's flash carries one), then
//! the normal world; from then on each SMC or secure tick is turned into an action by
//! `wells_core::arch::monitor::secure::Worlds` and carried out here: one world's registers and
//! EL1 state saved, the other's loaded, `SCR_EL3.NS` flipped, and the GIC's group 1 (the normal
//! world's interrupts) held back while the secure world runs.

use super::board::{self, SecureGpio, GIC, SMC};
use core::cell::UnsafeCell;
use wells_board_common::monitor::SmcService;
use wells_core::arch::aarch64::el3::world::{scr_secure_world, WorldContext};
use wells_core::arch::aarch64::el3::{El3Frame, SCR_NORMAL_WORLD};
use wells_core::arch::monitor::secure::{Action, World, Worlds};
use wells_core::arch::monitor::Call;

/// The worlds and what the monitor keeps of the one not running.
struct State {
    worlds: Worlds,
    normal: WorldContext,
    secure: WorldContext,
}

struct WorldSwitch(UnsafeCell<State>);

// SAFETY: the monitor runs on one CPU, at EL3 with every exception masked: the state is never
// used by two at once.
unsafe impl Sync for WorldSwitch {}

static WORLDS: WorldSwitch =
    WorldSwitch(UnsafeCell::new(State { worlds: Worlds::normal_only(), normal: WorldContext::fresh(), secure: WorldContext::fresh() }));

fn state() -> &'static mut State {
    // SAFETY: see `WorldSwitch`: one user at a time, each use ends before the next exception.
    unsafe { &mut *WORLDS.0.get() }
}

/// SCR_EL3 while the normal world runs.
fn scr_normal() -> u64 {
    SCR_NORMAL_WORLD
}

/// SCR_EL3 while the secure world runs.
fn scr_secure() -> u64 {
    scr_secure_world(false)
}

/// Starts the secure world at secure EL1 at `entry` (its image already in secure DRAM); the
/// normal world follows when it says it is ready.
pub(crate) fn start_secure_world(entry: u64) -> ! {
    state().worlds = Worlds::secure_first();
    GIC.signal_groups(true, false, false);
    wells_core::arch::aarch64::el3::world::enter_secure_world(entry, scr_secure(), board::monitor_stack())
}

/// Enters the normal world for the first time.
pub(crate) fn start_normal_world() -> ! {
    GIC.signal_groups(true, true, false);
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

fn carry_out(state: &mut State, from: World, frame: &mut El3Frame, action: Action) {
    match action {
        Action::Answer(outcome) => SmcService::apply(&mut frame.x, outcome, &SecureGpio),
        Action::Resume => {}
        Action::ToSecure(event) => {
            if from == World::Normal {
                state.normal.save(frame);
                GIC.signal_groups(true, false, false);
                state.secure.load(frame, scr_secure());
            }
            frame.x[..4].copy_from_slice(&event);
        }
        Action::ToNormal(answer) => {
            state.secure.save(frame);
            state.normal.load(frame, scr_normal());
            GIC.signal_groups(true, true, false);
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
