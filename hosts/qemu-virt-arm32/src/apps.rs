//! The user programs embedded in this image: the `armv7a-none-eabi` builds of `user/apps`,
//! made by `cargo xtask` (which points `WELLS_USER_APPS_32` at the build output).

macro_rules! embedded {
    ($dir:literal, $($name:ident = $file:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $file, "` program.")]
            pub const $name: &[u8] = include_bytes!(concat!(env!($dir), "/", $file));
        )*
    };
}

/// AArch32 programs (A32 code, USR mode).
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
        DEMO_SENSOR = "demo-sensor",
        DEMO_FILTER = "demo-filter",
        DEMO_LOGGER = "demo-logger",
        BENCH_SYSCALL = "bench-syscall",
        BENCH_IPC_CLIENT = "bench-ipc-client",
        BENCH_IPC_SERVER = "bench-ipc-server",
        TXN_PARTNER = "txn-partner",
        TXN_FAULTER = "txn-faulter",
    );
}
