//! Pass/fail bookkeeping for `cargo xtask test`: one entry per step, a tally at the end.

use crate::Result;
use std::time::{Duration, Instant};

/// How a step ended.
enum Outcome {
    Passed,
    Failed(String),
    /// Could not run here (a tool the machine cannot get); says why. Counted apart, never as a pass.
    Skipped(String),
}

pub struct Summary {
    title: &'static str,
    /// Each step with the wall time since the step before it was recorded. Steps that run as a
    /// group (one boot checked several ways) are recorded together: the group's time is the first's.
    steps: Vec<(String, Outcome, Duration)>,
    last: Instant,
    started: Instant,
}

impl Summary {
    pub fn new(title: &'static str) -> Summary {
        Summary {
            title,
            steps: Vec::new(),
            last: Instant::now(),
            started: Instant::now(),
        }
    }

    /// Records a step and says at once how it went (the step's own output came before).
    pub fn record(&mut self, name: &str, result: Result<()>) {
        let outcome = match result {
            Ok(()) => Outcome::Passed,
            Err(message) => Outcome::Failed(message),
        };
        self.push(name, outcome);
    }

    /// Records a step that could not run on this machine, and why.
    pub fn skip(&mut self, name: &str, why: String) {
        self.push(name, Outcome::Skipped(why));
    }

    fn push(&mut self, name: &str, outcome: Outcome) {
        println!("{}: {}", self.title, line(name, &outcome));
        let now = Instant::now();
        self.steps.push((name.to_string(), outcome, now - self.last));
        self.last = now;
    }

    /// Prints one line per step and the tally; returns true when no step failed and one passed.
    pub fn finish(&self) -> bool {
        println!();
        for (name, outcome, took) in &self.steps {
            println!("{:>5} s  {}", took.as_secs(), line(name, outcome));
        }
        println!("{:>5} s  in all", self.started.elapsed().as_secs());
        let count = |f: fn(&Outcome) -> bool| self.steps.iter().filter(|(_, o, _)| f(o)).count();
        let passed = count(|o| matches!(o, Outcome::Passed));
        let failed = count(|o| matches!(o, Outcome::Failed(_)));
        let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
        if skipped > 0 {
            println!("{}: {passed} passed, {failed} failed, {skipped} skipped", self.title);
        } else {
            println!("{}: {passed} passed, {failed} failed", self.title);
        }
        failed == 0 && passed > 0
    }
}

fn line(name: &str, outcome: &Outcome) -> String {
    match outcome {
        Outcome::Passed => format!("PASS {name}"),
        Outcome::Failed(message) => format!("FAIL {name}: {message}"),
        Outcome::Skipped(why) => format!("SKIP {name}: {why}"),
    }
}
