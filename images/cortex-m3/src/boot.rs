//! From reset to `app_main`, one line: the CPU's entry (from wells-core: vector table,
//! .data/.bss, thread mode moved to the boot stack on PSP, MSP staying for handlers), exception
//! priorities, console, heap, SysTick, MPU.

use crate::board::{Board, HEAP};
use wells_core::arch::armv7m::{self, set_fault_handler, set_trap_handler};

extern "Rust" {
    /// The application: the test runner or the demo. Returns the exit status.
    fn app_main(board: &Board) -> i32;
}

// The entry (`wells_core::arch::armv7m::start`): the vector table and the reset handler
// (.data, .bss, thread mode on the boot stack), then [`wells_board_main`].
wells_core::armv7m_start!(
    systick: crate::board::wells_board_systick,
    external_interrupts: crate::board::EXTERNAL_INTERRUPTS,
    main: wells_board_main,
);

extern "C" fn wells_board_main() -> ! {
    armv7m::init_exceptions();
    #[cfg(not(feature = "minimal"))]
    {
        set_trap_handler(crate::trap::handle);
        set_fault_handler(crate::trap::kernel_fault);
    }
    #[cfg(feature = "minimal")]
    {
        set_trap_handler(crate::minimal::handle);
        set_fault_handler(crate::minimal::kernel_fault);
    }
    crate::board::UART.init();
    // SAFETY: this runs once, before any allocation.
    unsafe { wells_board_common::heap::init(&HEAP) };
    crate::board::systick_start();
    #[cfg(not(any(feature = "no-mpu", feature = "minimal")))]
    crate::tasks::mpu_init();
    let board = Board::new();
    board.announce();
    // SAFETY: `app_main` is defined by the binary this library is linked into.
    let status = unsafe { app_main(&board) };
    wells_core::arch::armv7m::semihosting::exit(status)
}
