//! The programs of `user/apps`, embedded in a board's image: `cargo xtask` builds them for the
//! task instruction set (on the MPU boards as position-independent executables,
//! [`mpu_loader`](super::mpu_loader)) and points an environment variable at the output.

/// Defines one constant per program of `user/apps` (ELF images) from the build output named by
/// environment variable `$dir`, and the test scenarios' [`Programs`](crate::test::user::Programs)
/// and [`Transactions`](crate::test::user::Transactions) over them with the fault exit codes
/// given (AArch64 exception classes: a data abort, an undefined instruction, an unknown call;
/// the Cortex-M3's exception numbers). `MPU_TESTS` is the MPU boards' variant of `TESTS`.
/// Programs a build does not use add nothing to its image.
#[macro_export]
macro_rules! user_programs {
    ($dir:literal, data_abort: $abort:expr, undefined: $undefined:expr, unknown_call: $unknown:expr $(,)?) => {
        $crate::user_programs!(@embed $dir,
            HELLO = "hello",
            SYSCALL_TEST = "syscall-test",
            SYSCALL_FUZZ = "syscall-fuzz",
            HANDLE_FILLER = "handle-filler",
            PING = "ping",
            PONG = "pong",
            SPINNER = "spinner",
            FAULT_NULL = "fault-null",
            FAULT_KERNEL_WRITE = "fault-kernel-write",
            FAULT_UNDEFINED = "fault-undefined",
            FAULT_STACK = "fault-stack",
            FAULT_BAD_SYSCALL = "fault-bad-syscall",
            FAULT_OWNER = "fault-owner",
            ISOLATION = "isolation",
            DEMO_SENSOR = "demo-sensor",
            DEMO_FILTER = "demo-filter",
            DEMO_LOGGER = "demo-logger",
            BENCH_SYSCALL = "bench-syscall",
            BENCH_IPC_CLIENT = "bench-ipc-client",
            BENCH_IPC_SERVER = "bench-ipc-server",
            TXN_PARTNER = "txn-partner",
            TXN_FAULTER = "txn-faulter",
            ADVISOR_TASK = "advisor-task",
            SEALED_PROBE = "sealed-probe",
            SECURE_SERVICE = "secure-service",
            SECURE_CLIENT = "secure-client",
            SECURE_PEEK = "secure-peek",
        );

        /// The programs of the user-task test scenarios.
        pub const TESTS: $crate::test::user::Programs<&[u8]> = $crate::test::user::Programs {
            hello: HELLO,
            hello_arg: 0,
            syscall_test: SYSCALL_TEST,
            ping: PING,
            pong: PONG,
            spinner: SPINNER,
            faults: &[
                $crate::test::user::Fault::new("fault-null", FAULT_NULL, $abort),
                $crate::test::user::Fault::new("fault-kernel-write", FAULT_KERNEL_WRITE, $abort),
                $crate::test::user::Fault::new("fault-undefined", FAULT_UNDEFINED, $undefined),
                $crate::test::user::Fault::new("fault-stack", FAULT_STACK, $abort),
                $crate::test::user::Fault::new("fault-bad-syscall", FAULT_BAD_SYSCALL, $unknown),
                $crate::test::user::Fault::new("isolation", ISOLATION, $abort),
                $crate::test::user::Fault::new("fault-owner", FAULT_OWNER, $abort),
            ],
        };

        /// The programs of the user-task test scenarios on an MPU board: the faults the MPU need
        /// not catch first (`faults[..2]` is what a build without the MPU expects), and
        /// `isolation` writes into the RAM of another task (all tasks share one address space
        /// there, so its address is what it gets).
        pub const MPU_TESTS: $crate::test::user::Programs<&[u8]> = $crate::test::user::Programs {
            faults: &[
                $crate::test::user::Fault::new("fault-undefined", FAULT_UNDEFINED, $undefined),
                $crate::test::user::Fault::new("fault-bad-syscall", FAULT_BAD_SYSCALL, $unknown),
                $crate::test::user::Fault::new("fault-null", FAULT_NULL, $abort),
                $crate::test::user::Fault::new("fault-kernel-write", FAULT_KERNEL_WRITE, $abort),
                $crate::test::user::Fault::new("fault-stack", FAULT_STACK, $abort),
                $crate::test::user::Fault::against_victim("isolation", ISOLATION, $abort),
                $crate::test::user::Fault::new("fault-owner", FAULT_OWNER, $abort),
            ],
            ..TESTS
        };

        /// The programs of the transaction and advisor scenarios.
        pub const TRANSACTIONS: $crate::test::user::Transactions<&[u8]> =
            $crate::test::user::Transactions {
                partner: TXN_PARTNER,
                faulter: TXN_FAULTER,
                faulter_code: $crate::test::user::stopped($abort),
                advisor: ADVISOR_TASK,
            };
    };
    (@embed $dir:literal, $($name:ident = $file:literal),* $(,)?) => {
        $(
            #[doc = concat!("The `", $file, "` program.")]
            pub const $name: &[u8] = include_bytes!(concat!(env!($dir), "/", $file));
        )*
    };
}
