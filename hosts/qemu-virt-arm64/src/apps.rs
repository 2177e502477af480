//! The user programs embedded in this image, built from `user/apps` by `cargo xtask` (which
//! points `WELLS_USER_APPS_64` / `WELLS_USER_APPS_32` at the build output).

macro_rules! embedded {
    ($dir:literal, $($name:ident = $file:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $file, "` program.")]
            pub const $name: &[u8] = include_bytes!(concat!(env!($dir), "/", $file));
        )*
    };
}

/// AArch64 programs.
pub mod a64 {
    embedded!(
        "WELLS_USER_APPS_64",
        HELLO = "hello",
        SYSCALL_TEST = "syscall-test",
        PING = "ping",
        PONG = "pong",
        SPINNER = "spinner",
        FAULT_NULL = "fault-null",
        FAULT_KERNEL_WRITE = "fault-kernel-write",
        FAULT_UNDEFINED = "fault-undefined",
        FAULT_STACK = "fault-stack",
        FAULT_BAD_SYSCALL = "fault-bad-syscall",
        ISOLATION = "isolation",
        DEMO_SENSOR = "demo-sensor",
        DEMO_FILTER = "demo-filter",
        BENCH_SYSCALL = "bench-syscall",
        BENCH_IPC_CLIENT = "bench-ipc-client",
        BENCH_IPC_SERVER = "bench-ipc-server",
        TXN_PARTNER = "txn-partner",
        TXN_FAULTER = "txn-faulter",
    );
}

/// AArch32 programs.
#[cfg(feature = "user32")]
pub mod a32 {
    embedded!(
        "WELLS_USER_APPS_32",
        HELLO = "hello",
        SYSCALL_TEST = "syscall-test",
        PING = "ping",
        PONG = "pong",
        SPINNER = "spinner",
        FAULT_NULL = "fault-null",
        FAULT_KERNEL_WRITE = "fault-kernel-write",
        FAULT_UNDEFINED = "fault-undefined",
        FAULT_STACK = "fault-stack",
        FAULT_BAD_SYSCALL = "fault-bad-syscall",
        ISOLATION = "isolation",
        DEMO_LOGGER = "demo-logger",
    );
}
