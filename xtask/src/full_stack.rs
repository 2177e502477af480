//! The full stack in one boot (`systems/arm64-full-stack.toml`, `docs/monitor.md`): the wells
//! monitor at EL3 with the secure world, and as its normal world the wells hypervisor (feature
//! `normal-world`: linked where the monitor enters it, joining below it) with two VMs, each a
//! supervisor with EL0 tasks; the left VM's client task calls the secure service. This file has
//! the hypervisor's board below the monitor and the full stack's test boot.

use std::path::Path;

use crate::qemu::{self, Board, Boot, GuestImage};
use crate::user_apps::{self, UserPrograms};
use crate::Result;

/// The hypervisor as the monitor's normal world: the arm64 hypervisor image with feature
/// `normal-world`, carrying the supervisor demo and the full stack's guest (the demo's tasks and
/// the secure service's client). Not a board of `run`: the monitor's board boots it.
pub const HYPER_BELOW_MONITOR: Board = Board {
    name: "qemu-virt-arm64-hyper-below-monitor",
    package: "wells-image-arm64",
    base_features: &["hypervisor", "normal-world"],
    description: "qemu-virt",
    cpu: "arm64",
    options: &[],
    user_programs: &[UserPrograms { user: &user_apps::GUESTS_A64, features: &[] }],
    guest_images: &[
        GuestImage { board: &qemu::VIRT_ARM64, bin: "wells-demo", features: &["user32"], env: "WELLS_GUEST_SUPERVISOR_64", when: &[] },
        GuestImage { board: &qemu::VIRT_ARM64, bin: "wells-demo", features: &["user32", "full-stack-guest"], env: "WELLS_GUEST_FULL_STACK_64", when: &[] },
    ],
    image_prefix: "qemu-virt-arm64-hyper-below-monitor-",
    plain_boot: Boot { name: "virt, EL3 monitor, EL2", machine: "virt,secure=on,virtualization=on", cpu: "cortex-a57", expect: &[], status: 0 },
    demo_features: &[],
    bench_features: &[],
    system: "arm64-full-stack-vms",
    tests: &[],
    every_model: None,
    normal_world: None,
};

/// The hypervisor's heap holds its VMs' RAM: QEMU gives the full stack 1 GiB (the later `-m`
/// wins over the monitor board's).
const MEMORY: [&str; 2] = ["-m", "1G"];

/// The QEMU options that load the hypervisor built for hypervisor system `system` below the
/// monitor, with the memory it needs.
pub fn normal_world_options(root: &Path, system: &str) -> Result<Vec<String>> {
    let hypervisor = qemu::build_with_env(root, &HYPER_BELOW_MONITOR, "wells-demo", &[], &crate::systems::env(&HYPER_BELOW_MONITOR, system)?)?;
    Ok(MEMORY.iter().map(|option| option.to_string()).chain(["-device".to_string(), format!("loader,file={}", hypervisor.display())]).collect())
}

/// The full stack's boot: lines from every level (the monitor establishes EL3; the secure world
/// joins at S-EL1 and its tasks run at S-EL0; the hypervisor joins at EL2; each VM's supervisor
/// joins at EL1 and its tasks run at EL0), the guests' machine PSCI calls answered by the
/// monitor through the hypervisor, the left VM's client task's secure calls answered by the
/// secure world (good ones and bad ones), both VMs ending, and the hypervisor's SYSTEM_OFF
/// ending QEMU with status 0. Under `-icount`.
pub const BOOT: Boot = Boot {
    name: "arm64 full stack: monitor at EL3 + secure world at S-EL1/S-EL0, hypervisor joining at EL2, two VMs with supervisors at EL1 and tasks at EL0; a VM task's secure calls, guest PSCI through to the monitor, SYSTEM_OFF ends QEMU (cortex-a57)",
    machine: "virt,secure=on,virtualization=on",
    cpu: "cortex-a57",
    expect: &[
        // EL3
        "monitor: wells on qemu-virt: entered at EL3, established EL3 (monitor)",
        "monitor: secure tick: CNTPS every 62500 counts",
        // S-EL1, S-EL0
        "wells (secure world): join below the wells monitor",
        "hello from hello (AArch64 EL0)",
        "secure-service: ready at S-EL0",
        "monitor: entering the normal world at EL2, 0x40200000",
        // EL2
        "wells hypervisor on qemu-virt-arm64: entered at EL2",
        "wells hypervisor: join below the wells monitor",
        "running at EL2: stage 2 on,",
        // EL1 in each VM
        "[left] wells: join below the wells hypervisor",
        "[right] wells: join below the wells hypervisor",
        "[left] wells: running at EL1, MMU on",
        // The guests' PSCI: the monitor's answers, through the hypervisor.
        "[left] ok - guest PSCI_VERSION by HVC (the monitor's 1.1) = 0x10001",
        "[left] ok - guest PSCI_VERSION by SMC (the monitor's 1.1) = 0x10001",
        "[left] ok - guest PSCI_FEATURES(AFFINITY_INFO) = 0x0",
        "[left] ok - guest PSCI_FEATURES(SYSTEM_OFF), the VM's = 0x0",
        "[left] ok - guest PSCI_FEATURES(0x840000ff), unknown = -1",
        "[left] ok - guest AFFINITY_INFO(cpu 0) = 0x0",
        "[left] ok - guest AFFINITY_INFO(cpu 1), no such CPU = -2",
        "[left] ok - guest AFFINITY_INFO(cpu 0, level 1), the hypervisor's refusal = -2",
        "[left] ok - guest secure call 0xf00000ff from EL1, unknown = -1",
        "[left] bench: full stack boot, reset to the first guest's tasks: ",
        // EL0 in each VM: the demo's tasks, and the client's secure calls.
        "[left] logger (32-bit): 30 averages logged, done",
        "[right] logger (32-bit): 30 averages logged, done",
        "[left] ok - secure SERVICE_VERSION = (0, 0x10000)",
        "[left] ok - secure KV_GET(0), the secure world's id = (0, 0x5ec0001)",
        "[left] ok - secure COUNTER_READ after 3 increments = (0, 0x3)",
        "[left] ok - secure KV_GET(5) after the update = (0, 0xffffffff)",
        "[left] ok - secure unknown function 0xf00000ff = (-1, 0x0)",
        "[left] ok - secure KV_GET(16), a bad key = (-2, 0x0)",
        "[left] ok - secure KV_PUT(0, 1), a read-only key = (-3, 0x0)",
        "[left] ok - secure SECURE_DONE from the normal world = (-3, 0x0)",
        "[left] ok - secure_call(PSCI SYSTEM_OFF) refused by the supervisor",
        "[left] ok - secure ticks advanced by ",
        "[left] bench: secure service call COUNTER_READ",
        "[left] secure-client: every secure call answered as the ABI says",
        "[left] demo: task client exited with 0",
        "[left] demo: task logger exited with 0",
        "[right] demo: task logger exited with 0",
        // Both VMs off, the hypervisor ends with SYSTEM_OFF to the monitor.
        "monitor: PSCI SYSTEM_OFF after ",
    ],
    status: 0,
};

/// Builds the monitor, the secure world and the hypervisor below the monitor, and boots the full
/// stack under `-icount`.
pub fn test(root: &Path, monitor: &Path) -> Result<()> {
    let firmware = crate::monitor::with_secure_world(root, monitor)?;
    let options = normal_world_options(root, HYPER_BELOW_MONITOR.system)?;
    qemu::test_boot_with(root, &crate::monitor::VIRT_ARM64_MONITOR, &BOOT, &firmware, &options, LIMIT)
}

/// Time the full stack's boot may take before it counts as hung (two VMs' demos, under
/// `-icount`, on a host busy with other builds).
const LIMIT: std::time::Duration = std::time::Duration::from_secs(240);

/// The step that checks the full stack's bench figures.
pub const BENCH_STEP: &str = "arm64 full stack bench: boot to the first guest's tasks, secure calls from a VM's task, in instructions under -icount, the same in two boots";

/// The `bench:` lines of one full-stack boot under `-icount` (the boot's time to the first
/// guest's tasks, the client task's secure calls from the VM).
pub fn bench_lines_of_one_boot(root: &Path, monitor: &Path) -> Result<Vec<String>> {
    let firmware = crate::monitor::with_secure_world(root, monitor)?;
    let options = normal_world_options(root, HYPER_BELOW_MONITOR.system)?;
    let lines = crate::monitor::boot_output(root, &BOOT, &firmware, &options)?;
    crate::monitor::bench_lines(&lines, BENCH_STEP)
}

/// Boots the full stack twice and requires the same `bench:` lines both times; prints them.
pub fn bench_repeats(root: &Path, monitor: &Path) -> Result<()> {
    let (first, second) = (bench_lines_of_one_boot(root, monitor)?, bench_lines_of_one_boot(root, monitor)?);
    if first != second {
        return Err(format!("{BENCH_STEP}: the figures differ between two boots: {first:?} vs {second:?}"));
    }
    for line in &first {
        println!("xtask: full stack: {line}");
    }
    Ok(())
}

/// The hypervisor built to join below the monitor, booted without one (QEMU enters it at EL3 with
/// `-kernel`): it does not establish what is the monitor's, it refuses, with status 103.
pub const WITHOUT_MONITOR: Boot = Boot {
    name: "arm64 hypervisor built for below the monitor refuses to run without it (entered at EL3 by QEMU, cortex-a57)",
    machine: "virt,secure=on,virtualization=on",
    cpu: "cortex-a57",
    expect: &["wells: the hypervisor below the monitor must be entered at EL2 by it, but was entered at EL3"],
    status: 103,
};

/// Boots [`WITHOUT_MONITOR`] under `-icount`.
pub fn refusal_test(root: &Path) -> Result<()> {
    let hypervisor = qemu::build(root, &HYPER_BELOW_MONITOR, "wells-demo", &[])?;
    let memory: Vec<String> = MEMORY.iter().map(|option| option.to_string()).collect();
    qemu::test_boot_with(root, &HYPER_BELOW_MONITOR, &WITHOUT_MONITOR, &hypervisor, &memory, LIMIT)
}
