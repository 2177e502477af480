//! The two worlds as the monitor sees them, as plain logic: which world runs, what the secure
//! world is doing for the normal one, and what each SMC or secure tick makes the monitor do
//! ([`Worlds`], [`Action`]). The EL3 code carries the actions out (saving one world's
//! registers, loading the other's, flipping `SCR_EL3.NS`).
//!
//! The protocol (`docs/monitor.md`, "The secure service ABI"):
//! - A fast call of owning entities 48..=63 (trusted applications, trusted OSes) from the normal
//!   world goes to the secure world: its SMC there returns with the call's x0..x3.
//! - The secure world answers with [`SECURE_DONE`] (x1 = status, x2 = value): the normal world's
//!   SMC returns with x0 = status, x1 = value. The same call, made first at boot, says the
//!   secure world is ready; the monitor then enters the normal world.
//! - A secure tick taken while the normal world runs goes to the secure world as the event
//!   [`SECURE_EVENT_TICK`] (x1 = ticks since the last one delivered); its `SECURE_DONE` resumes
//!   the normal world where it was interrupted, its registers untouched.
//! - The protocol's own calls (owning entity 50, numbers below 0x100) are the secure world's:
//!   from the normal world they answer [`DENIED`]; the service's calls (owning entities 48 and
//!   49) from the secure world answer [`DENIED`] too. With no secure world, a call for it answers
//!   NOT_SUPPORTED, as any unknown call.

use super::smccc::{Call, Outcome, NOT_SUPPORTED};
use super::Monitor;

/// The secure world's "answer, then wait for the next event": x1 = status, x2 = value.
pub const SECURE_DONE: u32 = 0xf200_0000;
/// The event of a secure tick (x0 of what `SECURE_DONE` returns): x1 = ticks.
pub const SECURE_EVENT_TICK: u32 = 0xf200_0001;
/// A call that only the other world may make.
pub const DENIED: i64 = -3;

/// One of the two security states.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum World {
    Normal,
    Secure,
}

/// What the secure world is running for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serving {
    /// Its boot, until its first `SECURE_DONE`.
    Boot,
    /// A call of the normal world, which waits for its answer.
    Call,
    /// Secure ticks; the normal world was interrupted and resumes unchanged.
    Tick,
}

/// What the monitor does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Answer the caller in its own world.
    Answer(Outcome),
    /// Save the normal world and resume the secure one with x0..x3 = this event.
    ToSecure([u64; 4]),
    /// The secure world booted: save it and enter the normal world for the first time.
    EnterNormal,
    /// Save the secure world and resume the normal one: with x0, x1 = this answer to its
    /// call, or (`None`, after a tick) as it was.
    ToNormal(Option<[u64; 2]>),
    /// Nothing to switch: resume the world that was interrupted.
    Resume,
}

/// The monitor's view of the worlds.
#[derive(Debug)]
pub struct Worlds {
    /// There is a secure world (a Trusted OS for PSCI's MIGRATE_INFO_TYPE).
    pub secure_world: bool,
    /// The world running (or that was interrupted).
    pub current: World,
    /// What the secure world runs for, while it runs.
    pub serving: Option<Serving>,
    /// The secure world has booted and waits for events.
    pub ready: bool,
    /// Secure ticks taken but not yet given to the secure world.
    pub pending_ticks: u64,
    /// Secure ticks given to the secure world.
    pub delivered_ticks: u64,
}

/// The protocol's own calls: owning entity 50, fast, either convention, function numbers below
/// 0x100.
fn is_protocol(function: u32) -> bool {
    function & 0xbfff_ff00 == 0xb200_0000
}

/// A call for the secure world: a fast call of owning entities 48..=63.
pub fn is_for_secure_world(function: u32) -> bool {
    let id = super::FunctionId(function);
    id.is_fast() && id.reserved_bits() == 0 && id.owner_number() >= 48
}

impl Worlds {
    /// Without a secure world: the normal world runs, calls for a secure world are unknown.
    pub const fn normal_only() -> Worlds {
        Worlds { secure_world: false, current: World::Normal, serving: None, ready: false, pending_ticks: 0, delivered_ticks: 0 }
    }

    /// With a secure world, booting first.
    pub const fn secure_first() -> Worlds {
        Worlds { secure_world: true, current: World::Secure, serving: Some(Serving::Boot), ready: false, pending_ticks: 0, delivered_ticks: 0 }
    }

    /// What an SMC of the current world makes the monitor do; `monitor` answers what is its own
    /// (SMCCC, PSCI, wells's calls) and counts every SMC.
    pub fn smc(&mut self, call: &Call, monitor: &mut Monitor) -> Action {
        let function = call.function.0;
        monitor.machine.trusted_os = self.secure_world;
        if !(call.immediate == 0 && is_for_secure_world(function)) {
            return Action::Answer(monitor.answer(call));
        }
        // WELLS_SMC_COUNT counts the normal world's calls; the secure world's protocol calls
        // are the switch's own.
        if self.current == World::Normal {
            monitor.answered = monitor.answered.wrapping_add(1);
        }
        match self.current {
            World::Normal if is_protocol(function) => Action::Answer(Outcome::Return(if self.ready { DENIED } else { NOT_SUPPORTED })),
            World::Normal if !self.ready => Action::Answer(Outcome::Return(NOT_SUPPORTED)),
            World::Normal => {
                self.current = World::Secure;
                self.serving = Some(Serving::Call);
                Action::ToSecure([function as u64, call.arg(1), call.arg(2), call.arg(3)])
            }
            World::Secure if function == SECURE_DONE => {
                let serving = self.serving.take();
                // Ticks that came while it ran go to it before the normal world resumes.
                if self.pending_ticks > 0 && serving != Some(Serving::Call) {
                    self.serving = serving;
                    return self.deliver_ticks();
                }
                self.current = World::Normal;
                match serving {
                    Some(Serving::Call) => Action::ToNormal(Some([call.arg(1), call.arg(2)])),
                    Some(Serving::Tick) => Action::ToNormal(None),
                    Some(Serving::Boot) | None => {
                        self.ready = true;
                        Action::EnterNormal
                    }
                }
            }
            World::Secure => Action::Answer(Outcome::Return(DENIED)),
        }
    }

    /// A secure tick (the secure timer's interrupt, taken by the monitor): delivered at once
    /// when the normal world runs, else kept for the secure world's next event.
    pub fn tick(&mut self) -> Action {
        self.pending_ticks += 1;
        if self.current == World::Normal && self.ready {
            self.current = World::Secure;
            self.serving = Some(Serving::Tick);
            return self.deliver_ticks();
        }
        Action::Resume
    }

    fn deliver_ticks(&mut self) -> Action {
        let ticks = core::mem::take(&mut self.pending_ticks);
        self.delivered_ticks += ticks;
        Action::ToSecure([SECURE_EVENT_TICK as u64, ticks, 0, 0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::monitor::Machine;

    const SERVICE_CALL: u32 = 0xf000_0003;

    fn call(function: u32, args: &[u64]) -> Call {
        let mut x = [0u64; 8];
        x[0] = function as u64;
        x[1..1 + args.len()].copy_from_slice(args);
        Call::new(&x, 0)
    }

    fn monitor() -> Monitor {
        Monitor::new(Machine::booted(1))
    }

    #[test]
    fn boot_then_a_call_and_its_answer() {
        let (mut worlds, mut m) = (Worlds::secure_first(), monitor());
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[0, 0]), &mut m), Action::EnterNormal);
        assert!(worlds.ready);
        assert_eq!(worlds.current, World::Normal);
        assert_eq!(worlds.smc(&call(SERVICE_CALL, &[7, 8, 9]), &mut m), Action::ToSecure([SERVICE_CALL as u64, 7, 8, 9]));
        assert_eq!(worlds.current, World::Secure);
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[0, 42]), &mut m), Action::ToNormal(Some([0, 42])));
        assert_eq!(worlds.current, World::Normal);
        // The normal world's call; SECURE_DONE is the switch's own.
        assert_eq!(m.answered, 1);
    }

    #[test]
    fn wrong_world_calls_are_denied() {
        let (mut worlds, mut m) = (Worlds::secure_first(), monitor());
        // Before the secure world is up, the normal world cannot reach it.
        worlds.current = World::Normal;
        assert_eq!(worlds.smc(&call(SERVICE_CALL, &[]), &mut m), Action::Answer(Outcome::Return(NOT_SUPPORTED)));
        worlds.current = World::Secure;
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[]), &mut m), Action::EnterNormal);
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[]), &mut m), Action::Answer(Outcome::Return(DENIED)));
        assert_eq!(worlds.smc(&call(SECURE_EVENT_TICK, &[]), &mut m), Action::Answer(Outcome::Return(DENIED)));
        assert_eq!(worlds.smc(&call(SERVICE_CALL, &[]), &mut m), Action::ToSecure([SERVICE_CALL as u64, 0, 0, 0]));
        // The secure world calling the service it serves.
        assert_eq!(worlds.smc(&call(SERVICE_CALL, &[]), &mut m), Action::Answer(Outcome::Return(DENIED)));
        // Its PSCI calls are the monitor's.
        assert_eq!(worlds.smc(&call(0x8400_0000, &[]), &mut m), Action::Answer(Outcome::Return(0x1_0001)));
    }

    #[test]
    fn without_a_secure_world_its_calls_are_unknown() {
        let (mut worlds, mut m) = (Worlds::normal_only(), monitor());
        for function in [SERVICE_CALL, SECURE_DONE, 0xbf00_ffff, 0xf100_0000] {
            assert_eq!(worlds.smc(&call(function, &[]), &mut m), Action::Answer(Outcome::Return(NOT_SUPPORTED)));
        }
        assert_eq!(worlds.tick(), Action::Resume);
    }

    #[test]
    fn ticks_interrupt_the_normal_world_and_wait_for_the_secure_one() {
        let (mut worlds, mut m) = (Worlds::secure_first(), monitor());
        // A tick during the secure world's boot waits.
        assert_eq!(worlds.tick(), Action::Resume);
        // It is delivered before the normal world is entered.
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[]), &mut m), Action::ToSecure([SECURE_EVENT_TICK as u64, 1, 0, 0]));
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[]), &mut m), Action::EnterNormal);
        assert_eq!(worlds.tick(), Action::ToSecure([SECURE_EVENT_TICK as u64, 1, 0, 0]));
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[]), &mut m), Action::ToNormal(None));
        // A tick while a call is served waits for the next event after the answer.
        assert_eq!(worlds.smc(&call(SERVICE_CALL, &[]), &mut m), Action::ToSecure([SERVICE_CALL as u64, 0, 0, 0]));
        assert_eq!(worlds.tick(), Action::Resume);
        assert_eq!(worlds.smc(&call(SECURE_DONE, &[0, 5]), &mut m), Action::ToNormal(Some([0, 5])));
        assert_eq!(worlds.tick(), Action::ToSecure([SECURE_EVENT_TICK as u64, 2, 0, 0]));
        assert_eq!(worlds.delivered_ticks, 4);
    }
}
