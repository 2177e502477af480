//! Pass/fail bookkeeping for `cargo xtask test`: one entry per step, a tally at the end.

use crate::Result;

pub struct Summary {
    title: &'static str,
    steps: Vec<(String, Option<String>)>,
}

impl Summary {
    pub fn new(title: &'static str) -> Summary {
        Summary {
            title,
            steps: Vec::new(),
        }
    }

    /// Records a step and says at once how it went (the step's own output came before).
    pub fn record(&mut self, name: &str, result: Result<()>) {
        match &result {
            Ok(()) => println!("{}: PASS {name}", self.title),
            Err(message) => println!("{}: FAIL {name}: {message}", self.title),
        }
        self.steps.push((name.to_string(), result.err()));
    }

    /// Prints one line per step and the tally; returns true when every step passed.
    pub fn finish(&self) -> bool {
        println!();
        for (name, failure) in &self.steps {
            match failure {
                None => println!("PASS {name}"),
                Some(message) => println!("FAIL {name}: {message}"),
            }
        }
        let failed = self.steps.iter().filter(|(_, f)| f.is_some()).count();
        let passed = self.steps.len() - failed;
        println!("{}: {passed} passed, {failed} failed", self.title);
        failed == 0 && passed > 0
    }
}
