//! wells as a hypervisor (`images/arm64` and `images/arm32`, feature `hypervisor`): its QEMU description and test plan;
//! `qemu.rs` builds and boots it. Its guests are built first and embedded: the bare test guest
//! (`images/bare-guest`) and the arm64 supervisor's demo image.

use std::path::Path;

use crate::qemu::{self, Board, Boot, GuestImage, TestImage};
use crate::user_apps::{self, UserPrograms};
use crate::Result;

/// QEMU `virt` with EL2 (`virtualization=on`) and 1 GiB: the hypervisor's heap holds its VMs'
/// RAM.
pub const VIRT_ARM64_HYPER: Board = Board {
    name: "qemu-virt-arm64-hyper",
    package: "wells-image-arm64",
    base_features: &["hypervisor"],
    description: "qemu-virt",
    cpu: "arm64",
    options: &["-m", "1G"],
    user_programs: &[UserPrograms { user: &user_apps::GUESTS_A64, features: &[] }],
    // The arm64 supervisor's demo, with its 64- and 32-bit user tasks, as it runs natively; and
    // for the benchmark image, the supervisor's own benchmark.
    guest_images: &[
        GuestImage { board: &qemu::VIRT_ARM64, bin: "wells-demo", features: &["user32"], env: "WELLS_GUEST_SUPERVISOR_64", when: &[] },
        // The SMP demo of `run --cpus`, run in a VM with two vCPUs.
        GuestImage { board: &qemu::VIRT_ARM64, bin: "wells-smp-demo", features: &["smp"], env: "WELLS_GUEST_SMP_64", when: &[] },
        GuestImage {
            board: &qemu::VIRT_ARM64,
            bin: "wells-bench",
            features: &["bench"],
            env: "WELLS_GUEST_SUPERVISOR_BENCH_64",
            when: &["bench"],
        },
    ],
    image_prefix: "qemu-virt-arm64-hyper-",
    plain_boot: Boot { name: "virt, EL2", machine: "virt,virtualization=on", cpu: "cortex-a53", expect: &[], status: 0 },
    demo_features: &[],
    bench_features: &["bench"],
    system: "arm64-vms",
    tests: HYPER_TESTS,
    every_model: None,
    normal_world: None,
};

/// Lines every passing run of a hypervisor's test image prints, on either board, and then the
/// board's own (`$more`).
macro_rules! vm_scenarios {
    ($($more:literal),*) => {
        &[
    ": stage 2 on,",
    "ok - timer_preempts_a_spinning_thread",
    "[left] wells: a guest of the wells hypervisor (it answered VERSION)",
    "[left] wells: running ",
    "[left] logger (32-bit): 30 averages logged, done",
    "[right] logger (32-bit): 30 averages logged, done",
    "ok - vm_supervisor_guests_run_their_demo",
    "ok - vm_two_guests_share_the_cpu",
    "ok - vm_spinning_guest_is_preempted",
    "[ticker] timer re-armed by compare: 10 interrupts",
    "ok - vm_timer_rearmed_by_compare_keeps_firing",
    "ok - vm_time_budget_bounds_a_spinning_guest",
    "wells: vm 'wild' stopped: stage-2 data abort at IPA 0x50000000",
    "ok - vm_stage2_fault_stops_only_that_vm",
    "[phoenix] back after 1 reset(s)",
    "ok - vm_system_reset_restarts_the_vm",
    "[ping] ping: 10 round trips ok",
    "ok - vm_message_round_trip_between_guests",
    "ok - vm_hypercalls_check_guest_buffers",
    "[porter] port buffers: all refused, port untouched",
    "ok - vm_port_calls_check_guest_buffers",
    "wells: vm 'caller' stopped: undefined hypercall 0xc60000ff",
    "wells: vm 'mute' stopped: stage-2 data abort at IPA 0x9000018",
    "wells: vm 'debugger' stopped: ",
    "wells: vm 'profiler' stopped: ",
    "ok - vm_bad_hypercall_and_foreign_device_are_contained",
    "ok - vm_fault_restarts_are_bounded",
    "ok - vm_destroyed_vms_give_everything_back",
    " passed, 0 failed",
            $($more),*
        ]
    };
}

/// The arm64 test image also runs the SMP demo (bring-up checks, then one kernel's threads on
/// both CPUs) in a VM with two vCPUs.
const VM_SCENARIOS_ARM64: &[&str] = vm_scenarios!(
    "ok - vm_bad_vcpu_counts_are_refused",
    "[smp] smp: 2 CPUs found (PSCI AFFINITY_INFO through Hvc), boot CPU 0",
    "[smp] ok - smp: CPU 1 up: EL1 yes, MMU yes, vectors yes",
    "[smp] ok - smp kernel: 2 of 2 CPUs joined one kernel",
    "[smp] ok - smp: 10000 values passed to CPU 1 and back, each checked: 0 wrong",
    "[smp] ok - smp: CPU_ON of a CPU that does not exist (the next number) = -2",
    "[smp] ok - smp kernel: 4 threads spread over 2 CPUs, work done on each",
    "[smp] smp demo: thread spread0 ran on CPUs ",
    "wells: vm 'smp' powered off (status 0)",
    "ok - vm_two_vcpus_run_an_smp_guest"
);

/// The Cortex-A15 test image also runs its SMP bring-up test in a VM with two vCPUs.
const VM_SCENARIOS_ARM32: &[&str] = vm_scenarios!(
    "ok - vm_bad_vcpu_counts_are_refused",
    "[smp] ok - smp: CPU 1 up: SVC yes, MMU yes, timer ticks 1 (GIC CPU interface), SGI taken yes",
    "[smp] ok - smp: a counter incremented under a spin lock by 2 CPUs: 200000",
    "[smp] ok - smp: 10000 values passed to CPU 1 and back, each checked: 0 wrong",
    "[smp] ok - smp: CPU_ON of a CPU that does not exist (the next number) = -2",
    "[smp] smp: 2 of 2 CPUs up",
    "[smp] smp test: PASS",
    "wells: vm 'smp' powered off (status 0)",
    "ok - vm_two_vcpus_run_an_smp_guest"
);

/// The hypervisor test plan: the scenarios at EL2 entry and at EL3 entry (dropped to EL2), and
/// a clear refusal when QEMU offers no EL2.
pub const HYPER_TESTS: &[TestImage] = &[TestImage {
    bin: "wells-test",
    features: &[],
    boots: &[
        Boot {
            name: "arm64 hypervisor: VMs, EL2 entry (cortex-a53, virtualization=on)",
            machine: "virt,virtualization=on",
            cpu: "cortex-a53",
            expect: VM_SCENARIOS_ARM64,
            status: 0,
        },
        Boot {
            name: "arm64 hypervisor: VMs, EL3 entry (cortex-a57, secure=on,virtualization=on)",
            machine: "virt,secure=on,virtualization=on",
            cpu: "cortex-a57",
            expect: &["entered at EL3", "dropped to EL2", "running at EL2: stage 2 on,", "ok - vm_stage2_fault_stops_only_that_vm", " passed, 0 failed"],
            status: 0,
        },
        Boot {
            name: "arm64 hypervisor refuses to run without EL2 (virt)",
            machine: "virt",
            cpu: "cortex-a53",
            expect: &["the hypervisor needs EL2, but QEMU entered at EL1"],
            status: 103,
        },
    ],
}, TestImage {
    bin: "wells-test",
    features: &["fuzz"],
    boots: &[Boot {
        name: "arm64 hypervisor: hypercall fuzzing, 100 000 calls and 20 restarts on random IDs (cortex-a53, virtualization=on)",
        machine: "virt,virtualization=on",
        cpu: "cortex-a53",
        expect: &["[fuzzer] fuzz hypercalls (64-bit guest): 100000 calls, ", "ok - vm_hypercall_fuzz", "ok - vm_undefined_hypercalls_restart_only_that_vm", " passed, 0 failed"],
        status: 0,
    }],
}];

/// Builds every hypervisor test image and boots each configuration; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    qemu::run_tests(root, &VIRT_ARM64_HYPER)
}


/// QEMU `virt` with a Cortex-A15 entered in HYP mode (`virtualization=on`) and 1 GiB.
pub const VIRT_ARM32_HYPER: Board = Board {
    name: "qemu-virt-arm32-hyper",
    package: "wells-image-arm32",
    base_features: &["qemu-virt", "hypervisor"],
    description: "qemu-virt",
    cpu: "arm32",
    options: &["-m", "1G"],
    user_programs: &[UserPrograms { user: &user_apps::GUESTS_A32, features: &[] }],
    image_prefix: "qemu-virt-arm32-hyper-",
    plain_boot: Boot { name: "virt, HYP", machine: "virt,virtualization=on", cpu: "cortex-a15", expect: &[], status: 0 },
    // The Cortex-A15 supervisor's demo with its USR tasks, as it runs natively.
    guest_images: &[
        GuestImage { board: &crate::arm32::VIRT_ARM32, bin: "wells-demo", features: &["user"], env: "WELLS_GUEST_SUPERVISOR_32", when: &[] },
        // The SMP bring-up test, run in a VM with two vCPUs.
        GuestImage { board: &crate::arm32::VIRT_ARM32, bin: "wells-smp-test", features: &[], env: "WELLS_GUEST_SMP_32", when: &[] },
        GuestImage {
            board: &crate::arm32::VIRT_ARM32,
            bin: "wells-bench",
            features: &["bench"],
            env: "WELLS_GUEST_SUPERVISOR_BENCH_32",
            when: &["bench"],
        },
    ],
    demo_features: &[],
    bench_features: &["bench"],
    system: "arm32-vms",
    tests: HYPER32_TESTS,
    every_model: None,
    normal_world: None,
};

/// The Cortex-A15 hypervisor test plan: the scenarios in HYP mode, and a clear refusal when
/// QEMU enters in SVC mode.
pub const HYPER32_TESTS: &[TestImage] = &[TestImage {
    bin: "wells-test",
    features: &[],
    boots: &[
        Boot {
            name: "arm32 hypervisor: VMs, HYP entry (cortex-a15, virtualization=on)",
            machine: "virt,virtualization=on",
            cpu: "cortex-a15",
            expect: VM_SCENARIOS_ARM32,
            status: 0,
        },
        Boot {
            name: "arm32 hypervisor refuses to run without HYP mode (virt)",
            machine: "virt",
            cpu: "cortex-a15",
            expect: &["the hypervisor needs HYP mode, but QEMU entered in SVC mode"],
            status: 103,
        },
    ],
}, TestImage {
    bin: "wells-test",
    features: &["fuzz"],
    boots: &[Boot {
        name: "arm32 hypervisor: hypercall fuzzing, 100 000 calls and 20 restarts on random IDs (cortex-a15, virtualization=on)",
        machine: "virt,virtualization=on",
        cpu: "cortex-a15",
        expect: &["[fuzzer] fuzz hypercalls (32-bit guest): 100000 calls, ", "ok - vm_hypercall_fuzz", "ok - vm_undefined_hypercalls_restart_only_that_vm", " passed, 0 failed"],
        status: 0,
    }],
}];

/// Builds every Cortex-A15 hypervisor test image and boots each configuration.
pub fn run_tests_32(root: &Path) -> Vec<(String, Result<()>)> {
    qemu::run_tests(root, &VIRT_ARM32_HYPER)
}

