//! The user programs embedded in this image: the `armv7a-none-eabi` builds of `user/apps`,
//! made by `cargo xtask` (which points `WELLS_USER_APPS_32` at the build output). A fault stops
//! a task with -1000 - the AArch64 exception class of the same event (`trap::class`).

/// AArch32 programs (A32 code, USR mode).
pub mod a32 {
    use super::super::trap::class;

    wells_board_common::user_programs!(
        "WELLS_USER_APPS_32",
        data_abort: class::DATA_ABORT,
        undefined: class::UNDEFINED,
        unknown_call: class::SVC32,
    );
}
