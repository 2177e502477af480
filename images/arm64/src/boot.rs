//! From reset to the level, one line: the CPU's entry (`_start`, from wells-core: boot stack,
//! .bss), the secure GIC set-up when QEMU entered at EL3, then the level's own way up
//! (`supervisor::boot`: drop to EL1; `hypervisor::boot`: establish EL2), which brings up the
//! kernel and ends in the application (`app_main`, defined by each binary), which runs the
//! domains.

#[cfg(not(feature = "monitor"))]
use crate::level::boot::{enter_level, level_main};
use crate::Board;

extern "Rust" {
    /// The application: the test runner, the demo, the bench... Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

// The entry (`wells_core::arch::aarch64::start`): boot stack, .bss, [`at_entry_level`] at the
// entry level, then the level's way up to [`level_main`].
#[cfg(not(feature = "monitor"))]
wells_core::aarch64_start!(at_entry: at_entry_level, enter: enter_level, main: level_main);
// The monitor's entry: other CPUs parked until a CPU_ON, .data copied from flash, EL3
// established there.
#[cfg(feature = "monitor")]
wells_core::aarch64_monitor_start!(main: crate::level::boot::level_main, secondary: crate::level::boot::secondary_main);

/// Runs at the entry level, before going to the image's level: with `secure=on` only the secure
/// world may hand interrupts to the non-secure one.
#[cfg(not(feature = "monitor"))]
extern "C" fn at_entry_level(entry_el: u64) {
    if entry_el == 3 {
        crate::level::board::GIC.hand_interrupts_to_non_secure();
    }
    // The monitor's SMC test makes its SMCs from EL2 too, before the drop.
    #[cfg(feature = "smc-test")]
    if entry_el == 2 {
        crate::level::run::smc_test_at_entry();
    }
}

/// Runs the application on the established board and ends the run with its status.
pub(crate) fn run_app(board: &Board) -> ! {
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(board) };
    crate::exit::exit(status)
}
