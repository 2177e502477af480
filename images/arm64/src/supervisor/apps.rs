//! The user programs embedded in this image, built from `user/apps` by `cargo xtask` (which
//! points `WELLS_USER_APPS_64` / `WELLS_USER_APPS_32` at the build output). A fault stops a
//! task with -1000 - its exception class.

/// AArch64 programs.
pub mod a64 {
    wells_board_common::user_programs!("WELLS_USER_APPS_64", data_abort: 0x24, undefined: 0x00, unknown_call: 0x15);
}

/// AArch32 programs.
#[cfg(feature = "user32")]
pub mod a32 {
    wells_board_common::user_programs!("WELLS_USER_APPS_32", data_abort: 0x24, undefined: 0x00, unknown_call: 0x11);
}
