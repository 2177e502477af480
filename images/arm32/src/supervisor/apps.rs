//! The user programs embedded in this image, made by `cargo xtask`: on the Cortex-A15 the
//! `armv7a-none-eabi` builds of `user/apps` (`WELLS_USER_APPS_32`), on the Cortex-R52 the
//! position-independent `thumbv7m-none-eabi` builds (`WELLS_USER_APPS_T32`). A fault stops a task
//! with -1000 - the AArch64 exception class of the same event (`trap::class`).

/// AArch32 programs (A32 code, USR mode), linked at 0x8000_0000.
#[cfg(feature = "qemu-virt")]
pub mod a32 {
    use super::super::trap::class;

    wells_board_common::user_programs!(
        "WELLS_USER_APPS_32",
        data_abort: class::DATA_ABORT,
        undefined: class::UNDEFINED,
        unknown_call: class::SVC32,
    );
}

/// Position-independent T32 programs (EL0 in Thumb state), relocated into each task's slot.
#[cfg(feature = "mps3-an536")]
pub mod t32 {
    use super::super::trap::class;

    wells_board_common::user_programs!(
        "WELLS_USER_APPS_T32",
        data_abort: class::DATA_ABORT,
        undefined: class::UNDEFINED,
        unknown_call: class::SVC32,
    );
}
