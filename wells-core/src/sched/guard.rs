//! The guard that keeps a loaded decision set from doing harm: deadline misses are counted in
//! fixed windows; when a window under a loaded set has more misses than the last full window
//! before it was loaded, plus a margin, the previous set is put back and the reason recorded.

/// Why the guard reverted a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revert {
    pub time_ns: u64,
    /// Misses in the window that tripped the guard.
    pub misses: u32,
    /// Misses per window before the set was loaded.
    pub baseline: u32,
}

/// Deadline-miss accounting and the revert decision.
#[derive(Debug, Default)]
pub struct Guard {
    /// Length of a window; 0 turns the guard off.
    pub window_ns: u64,
    /// Extra misses per window tolerated under a loaded set.
    pub margin: u32,
    window_start_ns: u64,
    misses_in_window: u32,
    last_full_window: u32,
    /// Misses per window before the set in force was loaded (`None`: no set to judge).
    baseline: Option<u32>,
    /// The last revert, for tools.
    pub last_revert: Option<Revert>,
    /// Deadline misses since boot.
    pub total_misses: u64,
    /// Longest a runnable thread may wait before it is run at the top level (0: no bound).
    pub wait_bound_ns: u64,
}

impl Guard {
    /// Moves the window forward to `now_ns`.
    fn roll(&mut self, now_ns: u64) {
        if self.window_ns == 0 {
            return;
        }
        if now_ns >= self.window_start_ns.saturating_add(self.window_ns) {
            let elapsed_windows = (now_ns - self.window_start_ns) / self.window_ns;
            // A window with no event in it had no misses.
            self.last_full_window = if elapsed_windows == 1 { self.misses_in_window } else { 0 };
            self.misses_in_window = 0;
            self.window_start_ns += elapsed_windows * self.window_ns;
        }
    }

    /// A release ended late at `now_ns`. Returns a revert when the loaded set must go.
    pub fn note_miss(&mut self, now_ns: u64) -> Option<Revert> {
        self.total_misses += 1;
        // Without decision sets no set is ever loaded (`Kernel::policy_load` refuses them all),
        // so no baseline is ever taken from the windows: rolling them (a 64-bit division) would
        // serve nothing.
        if cfg!(feature = "decision-sets") {
            self.roll(now_ns);
        }
        self.misses_in_window += 1;
        let baseline = self.baseline?;
        if self.misses_in_window > baseline.saturating_add(self.margin) {
            let revert = Revert { time_ns: now_ns, misses: self.misses_in_window, baseline };
            self.baseline = None;
            self.last_revert = Some(revert);
            return Some(revert);
        }
        None
    }

    /// A set was loaded at `now_ns`: judge it against the window before.
    pub fn set_loaded(&mut self, now_ns: u64) {
        self.roll(now_ns);
        self.baseline = Some(self.last_full_window.max(self.misses_in_window));
        self.misses_in_window = 0;
        self.window_start_ns = now_ns;
    }

    /// Back to classic scheduling: nothing to judge.
    pub fn set_cleared(&mut self) {
        self.baseline = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverts_only_past_the_margin_and_only_with_a_set() {
        let mut guard = Guard { window_ns: 100, margin: 2, ..Guard::default() };
        assert_eq!(guard.note_miss(10), None, "no set loaded: nothing to revert");
        guard.note_miss(20);
        guard.set_loaded(150); // baseline: 2 misses in the window before
        for t in [160, 170, 180, 190] {
            assert_eq!(guard.note_miss(t), None, "up to baseline + margin = 4");
        }
        let revert = guard.note_miss(195).expect("the fifth miss trips it");
        assert_eq!((revert.misses, revert.baseline), (5, 2));
        assert_eq!(guard.note_miss(199), None, "reverted: nothing left to judge");
        assert_eq!(guard.total_misses, 8);
    }
}
