//! The text form of a wells decision set, and its compiler to the binary form the kernel
//! validates and loads (`wells_core::sched::decision::format`).
//!
//! ```toml
//! version = 1
//! [[rule]]                       # rules are tried in order; the first match wins
//! class = ["hard-rt", "soft-rt", "best-effort"]   # any of these (default: any class; an
//!                                                 # empty list is refused: it matches nothing)
//! priority = [0, 31]             # base priority range (default: all)
//! slack = ["none", "missed", "<1ms", "<10ms", "<100ms", ">=100ms"]  # deadline slack (default: any)
//! transaction = ["none", "member", "awaited"]     # awaited: its partners voted commit and
//!                                                 # wait for it (default: any)
//! conflicts_at_least = 0         # conflict aborts so far (default: 0)
//! waited = ["<1ms", "<10ms", "<100ms", ">=100ms"]  # time since it last ran (default: any)
//! cpu_share = ["<10%", "<50%", ">=50%"]            # in its last 100 ms window (default: any)
//! run_at_priority = 25           # the action: exactly one of run_at_priority / slice_us /
//! slice_us = 2000                # defer_us (hold a started or woken thread back, once per
//! defer_us = 500                 # release; never a hard-RT thread) / gang (its ready
//! gang = true                    # transaction partners move up to its level, behind it) /
//! abort_conflicting = true       # (other transactions conflicting with its own abort)
//! ```

use serde::Deserialize;
use wells_core::sched::decision::{Action, DecisionSet, Rule};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextSet {
    version: u16,
    #[serde(default, rename = "rule")]
    rules: Vec<TextRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextRule {
    // Lists are `None` when absent (any); an empty list is refused (see `mask`).
    class: Option<Vec<String>>,
    priority: Option<[u8; 2]>,
    slack: Option<Vec<String>>,
    transaction: Option<Vec<String>>,
    #[serde(default)]
    conflicts_at_least: u8,
    waited: Option<Vec<String>>,
    cpu_share: Option<Vec<String>>,
    run_at_priority: Option<u8>,
    slice_us: Option<u32>,
    defer_us: Option<u32>,
    #[serde(default)]
    gang: bool,
    #[serde(default)]
    abort_conflicting: bool,
}

/// Largest text set the compiler reads (a set has at most a few hundred short rules).
pub const MAX_INPUT_BYTES: u64 = 1 << 20;

/// Reads a text set from `path`, refusing one larger than `MAX_INPUT_BYTES` (so `/dev/zero`
/// or a wrong file cannot make the compiler read without end).
pub fn read_text(path: &str) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {path}: {e}"))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(format!("larger than {MAX_INPUT_BYTES} bytes: not a decision set"));
    }
    String::from_utf8(bytes).map_err(|_| "not UTF-8 text: not a decision set".to_string())
}

/// Turns a list of names into a bit mask over `names`. Mask 0 means "any", so an absent list
/// gives 0 and an empty one is refused: it would match everything, not nothing.
fn mask(rule: usize, what: &str, given: &Option<Vec<String>>, names: &[&str]) -> Result<u8, String> {
    let Some(given) = given else { return Ok(0) };
    if given.is_empty() {
        return Err(format!("rule {rule}: `{what} = []` matches nothing (leave `{what}` out to match any)"));
    }
    given.iter().try_fold(0u8, |mask, name| match names.iter().position(|n| n == name) {
        Some(bit) => Ok(mask | 1 << bit),
        None => Err(format!("rule {rule}: unknown {what} `{name}` (known: {})", names.join(", "))),
    })
}

/// Compiles the text form into the binary set, checked exactly as the kernel will check it.
pub fn compile(text: &str) -> Result<Vec<u8>, String> {
    let set: TextSet = toml::from_str(text).map_err(|e| format!("not a decision set: {e}"))?;
    if set.version != 1 {
        return Err(format!("version {} (this compiler writes version 1)", set.version));
    }
    let mut rules = Vec::new();
    for (i, r) in set.rules.iter().enumerate() {
        let [priority_min, priority_max] = r.priority.unwrap_or([0, 31]);
        let action = match (r.run_at_priority, r.slice_us, r.defer_us, r.gang, r.abort_conflicting) {
            (Some(p), None, None, false, false) => Action::Priority(p),
            (None, Some(us), None, false, false) => Action::SliceNs(us as u64 * 1000),
            (None, None, Some(us), false, false) => Action::DeferNs(us as u64 * 1000),
            (None, None, None, true, false) => Action::Gang,
            (None, None, None, false, true) => Action::AbortConflicting,
            _ => {
                return Err(format!(
                    "rule {i}: give exactly one of run_at_priority, slice_us, defer_us, gang = true and abort_conflicting = true"
                ))
            }
        };
        rules.push(Rule {
            classes: mask(i, "class", &r.class, &["hard-rt", "soft-rt", "best-effort"])?,
            priority_min,
            priority_max,
            slack: mask(i, "slack", &r.slack, &["none", "missed", "<1ms", "<10ms", "<100ms", ">=100ms"])?,
            transaction: mask(i, "transaction", &r.transaction, &["none", "member", "awaited"])?,
            conflicts_min: r.conflicts_at_least,
            waited: mask(i, "waited", &r.waited, &["<1ms", "<10ms", "<100ms", ">=100ms"])?,
            cpu_share: mask(i, "cpu_share", &r.cpu_share, &["<10%", "<50%", ">=50%"])?,
            action,
        });
    }
    let bytes = DecisionSet { rules }.encode();
    DecisionSet::parse(&bytes).map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_compiles_to_what_the_kernel_accepts() {
        let bytes = compile(include_str!("../examples/batch-first.toml")).unwrap();
        let set = DecisionSet::parse(&bytes).unwrap();
        assert_eq!(set.rules.len(), 3);
        assert_eq!(set.rules[0].action, Action::SliceNs(1_000_000));
        assert_eq!(set.rules[0].classes, 0b010);
        assert_eq!(set.rules[0].slack, 0b1110);
        assert_eq!(set.rules[1].transaction, 0b10);
        assert_eq!(set.rules[2].action, Action::Priority(18));
        assert_eq!((set.rules[2].priority_min, set.rules[2].priority_max), (0, 15));
    }

    #[test]
    fn defer_gang_and_abort_rules_compile() {
        let text = "version = 1\n[[rule]]\nclass = [\"best-effort\"]\nwaited = [\">=100ms\"]\ncpu_share = [\"<10%\", \">=50%\"]\ndefer_us = 500\n[[rule]]\ngang = true\n[[rule]]\nabort_conflicting = true";
        let set = DecisionSet::parse(&compile(text).unwrap()).unwrap();
        let actions: Vec<Action> = set.rules.iter().map(|r| r.action).collect();
        assert_eq!(actions, [Action::DeferNs(500_000), Action::Gang, Action::AbortConflicting]);
        assert_eq!((set.rules[0].waited, set.rules[0].cpu_share), (0b1000, 0b101));
    }

    #[test]
    fn mistakes_are_named() {
        let cases = [
            ("version = 2\n[[rule]]\nrun_at_priority = 1", "version 2"),
            ("version = 1\n[[rule]]\nclass = [\"urgent\"]\nrun_at_priority = 1", "unknown class `urgent`"),
            ("version = 1\n[[rule]]\nrun_at_priority = 1\nslice_us = 5", "exactly one"),
            ("version = 1\n[[rule]]\nclass = [\"soft-rt\"]", "exactly one"),
            ("version = 1\n[[rule]]\nrun_at_priority = 40", "rule 0: bad action priority"),
            ("version = 1\n[[rule]]\nslice_us = 5", "rule 0: bad slice us"),
            ("version = 1\n[[rule]]\ndefer_us = 5", "rule 0: bad defer us"),
            ("version = 1\n[[rule]]\nslice_us = 500\ndefer_us = 500", "exactly one"),
            ("version = 1\n[[rule]]\nrun_at_priority = 3\ngang = true", "exactly one"),
            ("version = 1\n[[rule]]\npriority = [9, 3]\nrun_at_priority = 1", "rule 0: bad priority range"),
            ("version = 1", "header: bad rule count"),
            ("version = 1\n[[rule]]\nrun_at_priority = 1\ncolour = 3", "not a decision set"),
            ("version = 1\n[[rule]]\nclass = []\nrun_at_priority = 1", "rule 0: `class = []` matches nothing"),
            ("version = 1\n[[rule]]\ntransaction = []\ngang = true", "rule 0: `transaction = []` matches nothing"),
            ("version = 1\n[[rule]]\nslack = []\ngang = true", "rule 0: `slack = []`"),
            ("version = 1\n[[rule]]\nwaited = []\ngang = true", "rule 0: `waited = []`"),
            ("version = 1\n[[rule]]\ncpu_share = []\ngang = true", "rule 0: `cpu_share = []`"),
        ];
        for (text, want) in cases {
            let error = compile(text).unwrap_err();
            assert!(error.contains(want), "{text:?}: {error}");
        }
    }

    #[test]
    fn endless_input_is_refused() {
        let error = read_text("/dev/zero").unwrap_err();
        assert!(error.contains("larger than"), "{error}");
        let error = read_text("/nonexistent/set.toml").unwrap_err();
        assert!(error.contains("cannot read /nonexistent/set.toml"), "{error}");
    }
}
