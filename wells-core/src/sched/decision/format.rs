//! The binary form of a decision set, as the kernel receives it (untrusted input): a 16-byte
//! header and 16-byte rules, little-endian. Every field is checked; a bad one is named.
//!
//! ```text
//! header: magic "WDS1" | version u16 = 1 | rule count u16 (1..=64) | 8 reserved bytes (0)
//! rule:   class mask u8    bit 0 hard-RT, 1 soft-RT, 2 best-effort (0 = any)
//!         priority min u8, priority max u8   base priority range, 0..=31, min <= max
//!         slack mask u8    bit 0 no deadline, 1 missed, 2 < 1 ms, 3 < 10 ms, 4 < 100 ms, 5 >= 100 ms (0 = any)
//!         transaction u8   bit 0 in none, 1 in one, 2 in one whose other members voted
//!                          commit and wait for its vote (0 = any)
//!         conflicts min u8 at least this many conflict aborts
//!         action u8        1 = run at priority, 2 = time slice, 3 = defer, 4 = gang,
//!                          5 = abort conflicting
//!         priority u8      for action 1: 0..=31 (0 otherwise)
//!         time us u32      the slice (action 2) or how long a woken thread is held back
//!                          (action 3): 100..=1_000_000; 0 for actions 1, 4 and 5
//!         waited mask u8   time since it last ran: bit 0 < 1 ms, 1 < 10 ms, 2 < 100 ms,
//!                          3 >= 100 ms (0 = any)
//!         CPU share mask u8  share in its last 100 ms window: bit 0 < 10 %, 1 < 50 %,
//!                          2 >= 50 % (0 = any)
//!         2 reserved bytes (0)
//! ```

use super::super::policy::{Runnable, SchedClass};
use alloc::vec::Vec;

/// Bytes of the header and of one rule.
pub const HEADER_SIZE: usize = 16;
pub const RULE_SIZE: usize = 16;
/// Most rules in a set: keeps placing a thread bounded.
pub const MAX_RULES: usize = 64;
const MAGIC: &[u8; 4] = b"WDS1";
const VERSION: u16 = 1;
const SLICE_US: core::ops::RangeInclusive<u32> = 100..=1_000_000;

/// What a matching rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Run at this priority (run-queue level). A hard-RT thread never goes below its own.
    Priority(u8),
    /// Keep the priority, use this time slice.
    SliceNs(u64),
    /// Hold a thread that was just started or woken back this long, then queue it as placed
    /// without the rule (once per release, so it cannot be held back forever). A hard-RT
    /// thread is never deferred.
    DeferNs(u64),
    /// Run the thread's transaction partners together with it: when it is queued, its ready
    /// partners queued lower move up to its level, behind it. Only ever raises a thread.
    Gang,
    /// Make the thread's transactions win: when it is queued, every other active transaction
    /// that conflicts with one of them (wrote what it read, or read what it wrote) aborts now
    /// with a conflict, instead of one of them failing at commit later.
    AbortConflicting,
}

/// One rule: what it matches and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub classes: u8,
    pub priority_min: u8,
    pub priority_max: u8,
    pub slack: u8,
    pub transaction: u8,
    pub conflicts_min: u8,
    pub waited: u8,
    pub cpu_share: u8,
    pub action: Action,
}

/// A validated decision set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionSet {
    pub rules: Vec<Rule>,
}

/// Why a set was refused: which rule (none for the header) and which field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetError {
    pub rule: Option<u16>,
    pub field: &'static str,
}

impl core::fmt::Display for SetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.rule {
            Some(rule) => write!(f, "rule {rule}: bad {}", self.field),
            None => write!(f, "header: bad {}", self.field),
        }
    }
}

fn header_error(field: &'static str) -> SetError {
    SetError { rule: None, field }
}

/// The slack bucket bit of a thread.
fn slack_bit(slack: Option<i64>) -> u8 {
    const MS: i64 = 1_000_000;
    match slack {
        None => 1 << 0,
        Some(s) if s < 0 => 1 << 1,
        Some(s) if s < MS => 1 << 2,
        Some(s) if s < 10 * MS => 1 << 3,
        Some(s) if s < 100 * MS => 1 << 4,
        Some(_) => 1 << 5,
    }
}

/// The transaction bits of a thread: none, or member (and awaited by its partners).
fn transaction_bits(thread: &Runnable) -> u8 {
    match (thread.in_transaction, thread.awaited_by_partners) {
        (false, _) => 1 << 0,
        (true, false) => 1 << 1,
        (true, true) => 1 << 1 | 1 << 2,
    }
}

/// The waited bucket bit of a thread.
fn waited_bit(waited_ns: u64) -> u8 {
    const MS: u64 = 1_000_000;
    match waited_ns {
        w if w < MS => 1 << 0,
        w if w < 10 * MS => 1 << 1,
        w if w < 100 * MS => 1 << 2,
        _ => 1 << 3,
    }
}

/// The CPU-share bucket bit of a thread.
fn cpu_share_bit(percent: u8) -> u8 {
    match percent {
        p if p < 10 => 1 << 0,
        p if p < 50 => 1 << 1,
        _ => 1 << 2,
    }
}

fn class_bit(class: SchedClass) -> u8 {
    match class {
        SchedClass::HardRealTime => 1 << 0,
        SchedClass::SoftRealTime => 1 << 1,
        SchedClass::BestEffort => 1 << 2,
    }
}

impl Rule {
    /// True when the rule applies to `thread`.
    pub fn matches(&self, thread: &Runnable) -> bool {
        let any_or = |mask: u8, bit: u8| mask == 0 || mask & bit != 0;
        any_or(self.classes, class_bit(thread.class))
            && (self.priority_min..=self.priority_max).contains(&thread.base_priority)
            && any_or(self.slack, slack_bit(thread.deadline_slack_ns))
            && any_or(self.transaction, transaction_bits(thread))
            && thread.conflicts >= self.conflicts_min as u32
            && any_or(self.waited, waited_bit(thread.waited_ns))
            && any_or(self.cpu_share, cpu_share_bit(thread.cpu_share_pct))
    }

    fn parse(index: u16, b: &[u8]) -> Result<Rule, SetError> {
        let bad = |field| SetError { rule: Some(index), field };
        let (classes, priority_min, priority_max, slack) = (b[0], b[1], b[2], b[3]);
        let (transaction, conflicts_min, action, priority) = (b[4], b[5], b[6], b[7]);
        let slice_us = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        if classes & !0b111 != 0 {
            return Err(bad("class mask"));
        }
        if priority_min > 31 || priority_max > 31 || priority_min > priority_max {
            return Err(bad("priority range"));
        }
        if slack & !0b11_1111 != 0 {
            return Err(bad("slack mask"));
        }
        if transaction & !0b111 != 0 {
            return Err(bad("transaction mask"));
        }
        let (waited, cpu_share) = (b[12], b[13]);
        if waited & !0b1111 != 0 {
            return Err(bad("waited mask"));
        }
        if cpu_share & !0b111 != 0 {
            return Err(bad("cpu share mask"));
        }
        if b[14..16] != [0; 2] {
            return Err(bad("reserved bytes"));
        }
        let action = match action {
            1 if priority <= 31 && slice_us == 0 => Action::Priority(priority),
            1 => return Err(bad(if priority > 31 { "action priority" } else { "slice (must be 0 for a priority action)" })),
            2 if priority == 0 && SLICE_US.contains(&slice_us) => Action::SliceNs(slice_us as u64 * 1000),
            2 => return Err(bad(if priority != 0 { "action priority (must be 0 for a slice action)" } else { "slice us" })),
            3 if priority == 0 && SLICE_US.contains(&slice_us) => Action::DeferNs(slice_us as u64 * 1000),
            3 => return Err(bad(if priority != 0 { "action priority (must be 0 for a defer action)" } else { "defer us" })),
            4 if priority == 0 && slice_us == 0 => Action::Gang,
            4 => return Err(bad(if priority != 0 { "action priority (must be 0 for a gang action)" } else { "time (must be 0 for a gang action)" })),
            5 if priority == 0 && slice_us == 0 => Action::AbortConflicting,
            5 => return Err(bad(if priority != 0 { "action priority (must be 0 for an abort action)" } else { "time (must be 0 for an abort action)" })),
            _ => return Err(bad("action")),
        };
        Ok(Rule { classes, priority_min, priority_max, slack, transaction, conflicts_min, waited, cpu_share, action })
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let (action, priority, slice_us) = match self.action {
            Action::Priority(p) => (1u8, p, 0u32),
            Action::SliceNs(ns) => (2u8, 0, (ns / 1000) as u32),
            Action::DeferNs(ns) => (3u8, 0, (ns / 1000) as u32),
            Action::Gang => (4u8, 0, 0),
            Action::AbortConflicting => (5u8, 0, 0),
        };
        out.extend_from_slice(&[
            self.classes,
            self.priority_min,
            self.priority_max,
            self.slack,
            self.transaction,
            self.conflicts_min,
            action,
            priority,
        ]);
        out.extend_from_slice(&slice_us.to_le_bytes());
        out.extend_from_slice(&[self.waited, self.cpu_share, 0, 0]);
    }
}

impl DecisionSet {
    /// Checks and decodes a binary set. Nothing is trusted: size, magic, version, rule count
    /// and every field of every rule.
    pub fn parse(bytes: &[u8]) -> Result<DecisionSet, SetError> {
        if bytes.len() < HEADER_SIZE {
            return Err(header_error("size (shorter than the header)"));
        }
        if &bytes[0..4] != MAGIC {
            return Err(header_error("magic"));
        }
        if u16::from_le_bytes([bytes[4], bytes[5]]) != VERSION {
            return Err(header_error("version"));
        }
        let count = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
        if count == 0 || count > MAX_RULES {
            return Err(header_error("rule count"));
        }
        if bytes[8..16] != [0; 8] {
            return Err(header_error("reserved bytes"));
        }
        if bytes.len() != HEADER_SIZE + count * RULE_SIZE {
            return Err(header_error("size (does not match the rule count)"));
        }
        let mut rules = Vec::new();
        rules.try_reserve_exact(count).map_err(|_| header_error("size (no memory)"))?;
        for (index, chunk) in bytes[HEADER_SIZE..].chunks_exact(RULE_SIZE).enumerate() {
            rules.push(Rule::parse(index as u16, chunk)?);
        }
        Ok(DecisionSet { rules })
    }

    /// The binary form (what an advisor's compiler produces).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_SIZE + self.rules.len() * RULE_SIZE);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        out.extend_from_slice(&(self.rules.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 8]);
        for rule in &self.rules {
            rule.encode(&mut out);
        }
        out
    }

    /// The first rule matching `thread`.
    pub fn decide(&self, thread: &Runnable) -> Option<Action> {
        self.decide_by(thread).map(|(_, action)| action)
    }

    /// [`DecisionSet::decide`] with the index of the rule that matched.
    pub fn decide_by(&self, thread: &Runnable) -> Option<(usize, Action)> {
        self.rules.iter().enumerate().find(|(_, rule)| rule.matches(thread)).map(|(i, rule)| (i, rule.action))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handle::Handle;

    fn rule(action: Action) -> Rule {
        Rule { classes: 0, priority_min: 0, priority_max: 31, slack: 0, transaction: 0, conflicts_min: 0, waited: 0, cpu_share: 0, action }
    }

    fn thread(class: SchedClass, base: u8) -> Runnable {
        Runnable {
            thread: Handle::from_raw(1),
            priority: base,
            base_priority: base,
            class,
            deadline_slack_ns: None,
            in_transaction: false,
            conflicts: 0,
            waited_ns: 0,
            cpu_share_pct: 0,
            awaited_by_partners: false,
        }
    }

    #[test]
    fn round_trip_and_first_match_wins() {
        let mut hard_only = rule(Action::Priority(30));
        hard_only.classes = 1;
        let set = DecisionSet { rules: alloc::vec![hard_only, rule(Action::SliceNs(2_000_000))] };
        let parsed = DecisionSet::parse(&set.encode()).unwrap();
        assert_eq!(parsed, set);
        assert_eq!(parsed.decide(&thread(SchedClass::HardRealTime, 5)), Some(Action::Priority(30)));
        assert_eq!(parsed.decide(&thread(SchedClass::BestEffort, 5)), Some(Action::SliceNs(2_000_000)));
    }

    #[test]
    fn every_bad_field_is_named() {
        let good = DecisionSet { rules: alloc::vec![rule(Action::Priority(3)), rule(Action::Priority(4))] }.encode();
        let cases: &[(usize, u8, Option<u16>, &str)] = &[
            (0, b'X', None, "magic"),
            (4, 2, None, "version"),
            (6, 0, None, "rule count"),
            (6, 65, None, "rule count"),
            (9, 1, None, "reserved bytes"),
            (16 + 16, 0b1000, Some(1), "class mask"),
            (16 + 1, 32, Some(0), "priority range"),
            (16 + 3, 0b100_0000, Some(0), "slack mask"),
            (16 + 4, 8, Some(0), "transaction mask"),
            (16 + 6, 9, Some(0), "action"),
            (16 + 7, 40, Some(0), "action priority"),
            (16 + 16 + 12, 0b1_0000, Some(1), "waited mask"),
            (16 + 13, 0b1000, Some(0), "cpu share mask"),
            (16 + 16 + 14, 1, Some(1), "reserved bytes"),
        ];
        for &(at, value, rule, field) in cases {
            let mut bytes = good.clone();
            bytes[at] = value;
            let error = DecisionSet::parse(&bytes).unwrap_err();
            assert_eq!(error.rule, rule, "byte {at} = {value}: {error}");
            assert!(error.field.starts_with(field), "byte {at} = {value}: {error}");
        }
        assert!(DecisionSet::parse(&good[..good.len() - 1]).is_err());
        assert!(DecisionSet::parse(&[]).is_err());
    }

    #[test]
    fn defer_gang_and_abort_round_trip_and_their_fields_are_checked() {
        let set = DecisionSet { rules: alloc::vec![rule(Action::DeferNs(500_000)), rule(Action::Gang), rule(Action::AbortConflicting)] };
        assert_eq!(DecisionSet::parse(&set.encode()).unwrap(), set);
        let mut no_time = set.encode();
        no_time[16 + 8..16 + 12].fill(0);
        assert_eq!(DecisionSet::parse(&no_time).unwrap_err().field, "defer us");
        let mut with_priority = set.encode();
        with_priority[16 + 7] = 1;
        assert!(DecisionSet::parse(&with_priority).unwrap_err().field.starts_with("action priority"));
        let mut gang_with_time = set.encode();
        gang_with_time[16 + 16 + 8] = 1;
        assert_eq!(DecisionSet::parse(&gang_with_time).unwrap_err().rule, Some(1));
        let mut abort_with_priority = set.encode();
        abort_with_priority[16 + 32 + 7] = 2;
        assert_eq!(DecisionSet::parse(&abort_with_priority).unwrap_err().rule, Some(2));
    }

    #[test]
    fn random_bytes_never_panic() {
        // A small deterministic generator: the loader must answer every input.
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let good = DecisionSet { rules: alloc::vec![rule(Action::Priority(3))] }.encode();
        for round in 0..20_000 {
            let mut bytes = if round % 2 == 0 { good.clone() } else { alloc::vec![0u8; (next() % 200) as usize] };
            for _ in 0..(next() % 4 + 1) {
                if bytes.is_empty() {
                    break;
                }
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            if let Ok(set) = DecisionSet::parse(&bytes) {
                assert!(!set.rules.is_empty() && set.rules.len() <= MAX_RULES);
            }
        }
    }
}
