//! The SMP boots of the Cortex-A15 supervisor (`docs/core.md`, "Several CPUs"): the bring-up
//! image (`wells-smp-test`) on QEMU `virt` with 2 cortex-a15 CPUs under multi-threaded TCG, at
//! SVC entry (QEMU's PSCI answers HVC) and at HYP entry (`virtualization=on`: SMC), with the
//! cross-core lock and ping-pong checks (`images/common/src/smp_stress.rs`); and the SMP kernel
//! image (`wells-smp-kernel-test`) at both entries, one kernel running threads and user tasks
//! on both CPUs; the stress image (`wells-smp-stress`) a million checked cross-core operations,
//! as on arm64; the demo of `cargo xtask run --cpus N --board qemu-virt-arm32`
//! (`wells-smp-demo`) on 2 CPUs. As on arm64
//! the image measures no time, it only waits, with a generous limit, for each CPU's report.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::arm32::VIRT_ARM32;
use crate::qemu::{self, Boot};
use crate::Result;

const EXPECT_SVC: &[&str] = &[
    "entered in SVC mode",
    "smp: 2 CPUs found (PSCI AFFINITY_INFO through Hvc), boot CPU 0",
    "ok - smp: AFFINITY_INFO of CPU 1 before CPU_ON = 1",
    "ok - smp: CPU_ON of CPU 1 = 0",
    "ok - smp: CPU 1 up: SVC yes, MMU yes, timer ticks 1 (GIC CPU interface), SGI taken yes",
    "ok - smp: CPU_ON of CPU 1, on already = -4",
    "ok - smp: AFFINITY_INFO of CPU 1 after CPU_ON = 0",
    "ok - smp: a counter incremented under a spin lock by 2 CPUs: 200000 (expected 200000)",
    "ok - smp: 10000 values passed to CPU 1 and back, each checked: 0 wrong",
    "ok - smp: CPU_ON of the boot CPU = -4",
    "ok - smp: CPU_ON of a CPU that does not exist (the next number) = -2",
    "ok - smp: CPU_ON of a CPU that does not exist (cluster 0xff) = -2",
    "smp: 2 of 2 CPUs up",
    "smp test: PASS",
];

const EXPECT_HYP: &[&str] = &[
    "entered in HYP mode",
    "smp: 2 CPUs found (PSCI AFFINITY_INFO through Smc), boot CPU 0",
    "ok - smp: CPU_ON of CPU 1 = 0",
    "ok - smp: CPU 1 up: SVC yes, MMU yes, timer ticks 1 (GIC CPU interface), SGI taken yes",
    "ok - smp: CPU_ON of CPU 1, on already = -4",
    "ok - smp: a counter incremented under a spin lock by 2 CPUs: 200000 (expected 200000)",
    "ok - smp: 10000 values passed to CPU 1 and back, each checked: 0 wrong",
    "ok - smp: CPU_ON of the boot CPU = -4",
    "ok - smp: CPU_ON of a CPU that does not exist (the next number) = -2",
    "smp: 2 of 2 CPUs up",
    "smp test: PASS",
];

const BOOTS: &[Boot] = &[
    Boot { name: "arm32 SMP bring-up: 2 CPUs, PSCI through HVC (SVC entry, multi-threaded TCG)", machine: "virt", cpu: "cortex-a15", expect: EXPECT_SVC, status: 0 },
    Boot {
        name: "arm32 SMP bring-up: 2 CPUs, PSCI through SMC (HYP entry, multi-threaded TCG)",
        machine: "virt,virtualization=on",
        cpu: "cortex-a15",
        expect: EXPECT_HYP,
        status: 0,
    },
];

/// Wall-clock limit of one boot: the image waits up to 300 s of its counter (the host's clock)
/// for a CPU that never comes; a loaded host may leave a CPU thread unscheduled for long.
const LIMIT: Duration = Duration::from_secs(900);

/// The kernel fault on CPU 1 of 2 (`wells-smp-kernel-fault`): reported as that CPU's, on its
/// own ABT stack, status 101.
const FAULT_BOOT: Boot = Boot {
    name: "arm32 SMP: a kernel fault on CPU 1 of 2 is reported (multi-threaded TCG)",
    machine: "virt",
    cpu: "cortex-a15",
    expect: &["smp: 2 of 2 CPUs up", "smp: CPU 1 reads 0x8", "wells: CPU 1 took a kernel fault", "unexpected exception: data abort in SVC mode", "DFAR=0x00000008"],
    status: 101,
};

/// The QEMU options of a boot with two CPUs, each on a host thread of its own.
fn options() -> Vec<String> {
    ["-smp", "2", "-accel", "tcg,thread=multi"].iter().map(|option| option.to_string()).collect()
}

/// The SMP kernel boots (`wells-smp-kernel-test`, features `smp,user`: `smp::KERNEL_FEATURES`):
/// one kernel on both CPUs, the workloads of arm64's kernel boots and its user tasks on every
/// CPU (in USR mode), printing the same lines (`smp::kernel_expect`, `smp::tasks_expect`).
const KERNEL_BOOTS: &[(&str, &str)] = &[
    ("arm32 SMP kernel: threads on 2 CPUs, cross-core semaphores, a contended mutex, pinned threads, port calls, user tasks on each CPU (SVC entry, multi-threaded TCG)", "virt"),
    ("arm32 SMP kernel: threads and user tasks on 2 CPUs, HYP entry (multi-threaded TCG)", "virt,virtualization=on"),
];

/// An SMP kernel boot of [`KERNEL_BOOTS`] on 2 CPUs.
fn kernel_boot(name: &'static str, machine: &'static str) -> Boot {
    let own = crate::smp::tasks_expect(2);
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    Boot { name, machine, cpu: "cortex-a15", expect: crate::smp::kernel_expect(2, &own), status: 0 }
}

/// Builds the images and runs the boots; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let image = bring_up_image(root);
    let kernel = kernel_image(root);
    let kernel_boots: Vec<Boot> = KERNEL_BOOTS.iter().map(|&(name, machine)| kernel_boot(name, machine)).collect();
    BOOTS
        .iter()
        .map(|boot| (boot, &image))
        .chain(kernel_boots.iter().map(|boot| (boot, &kernel)))
        .map(|(boot, image)| {
            let result = match image {
                Ok(image) => qemu::test_boot_options(root, &VIRT_ARM32, boot, image, &options(), LIMIT),
                Err(e) => Err(format!("image not built: {e}")),
            };
            (boot.name.to_string(), result)
        })
        .chain([(FAULT_BOOT.name.to_string(), fault_test(root))])
        .chain([(STRESS_BOOT.name.to_string(), stress_test(root))])
        .chain([(HYPER_NAME.to_string(), hyper_test(root))])
        .chain([(DEMO_BOOT.name.to_string(), demo_test(root))])
        .collect()
}

/// The demo of `cargo xtask run --cpus 2 --board qemu-virt-arm32`, checked: every thread's
/// line, and the threads spread over both CPUs with work done on each.
const DEMO_BOOT: Boot = Boot {
    name: "arm32 SMP demo (`cargo xtask run --cpus 2 --board qemu-virt-arm32`): 4 threads spread over 2 CPUs, where each ran printed (multi-threaded TCG)",
    machine: "virt",
    cpu: "cortex-a15",
    expect: &[
        "smp: 2 of 2 CPUs up",
        "ok - smp kernel: 2 of 2 CPUs joined one kernel",
        "ok - smp kernel: 4 threads spread over 2 CPUs, work done on each",
        "smp demo: thread spread0 ran on CPUs ",
        "smp demo: thread spread3 ran on CPUs ",
    ],
    status: 0,
};

/// Builds the SMP demo image and boots it on 2 CPUs.
fn demo_test(root: &Path) -> Result<()> {
    let image = qemu::build(root, &VIRT_ARM32, "wells-smp-demo", &["smp"])?;
    qemu::test_boot_options(root, &VIRT_ARM32, &DEMO_BOOT, &image, &options(), LIMIT)
}

/// The hypervisor on both CPUs (`wells-smp-hyper-test`, image features `hypervisor,smp`): both
/// brought up in HYP, then VMs whose vCPUs run on different CPUs at once (the checks of arm64's,
/// `crate::smp::hyper_expect`).
pub const HYPER_NAME: &str = "arm32 SMP hypervisor: 2 CPUs in HYP, a VM's 2 vCPUs and 2 VMs each on a CPU of their own, a VM of 2 vCPUs restarted as a whole (multi-threaded TCG)";

fn hyper_spec() -> Boot {
    let expect = crate::smp::hyper_expect("ok - smp: CPU 1 up: HYP yes, HYP vectors yes", &[]);
    Boot { name: HYPER_NAME, machine: "virt,virtualization=on", cpu: "cortex-a15", expect, status: 0 }
}

/// Builds the hypervisor's SMP image and boots it on 2 CPUs.
pub fn hyper_test(root: &Path) -> Result<()> {
    hyper_boot(root, &hyper_image(root)?)
}

/// The hypervisor's SMP image (`wells-smp-hyper-test`).
pub fn hyper_image(root: &Path) -> Result<PathBuf> {
    qemu::build(root, &crate::hyper::VIRT_ARM32_HYPER, "wells-smp-hyper-test", &["smp"])
}

/// Boots the hypervisor's SMP image on 2 CPUs.
pub fn hyper_boot(root: &Path, image: &Path) -> Result<()> {
    qemu::test_boot_options(root, &crate::hyper::VIRT_ARM32_HYPER, &hyper_spec(), image, &options(), LIMIT)
}

/// The SMP kernel image (`wells-smp-kernel-test`), with the user programs.
pub fn kernel_image(root: &Path) -> Result<PathBuf> {
    qemu::build(root, &VIRT_ARM32, "wells-smp-kernel-test", crate::smp::KERNEL_FEATURES)
}

/// Boots `image` once per SMP kernel boot; stops at the first failure. Returns how many passed.
pub fn kernel_boots(root: &Path, image: &Path) -> Result<usize> {
    for &(name, machine) in KERNEL_BOOTS {
        qemu::test_boot_options(root, &VIRT_ARM32, &kernel_boot(name, machine), image, &options(), LIMIT)?;
    }
    Ok(KERNEL_BOOTS.len())
}

/// The bring-up image (`wells-smp-test`).
pub fn bring_up_image(root: &Path) -> Result<PathBuf> {
    qemu::build(root, &VIRT_ARM32, "wells-smp-test", &[])
}

/// Boots `image` once per bring-up boot; stops at the first failure. Returns how many passed.
pub fn bring_up_boots(root: &Path, image: &Path) -> Result<usize> {
    for boot in BOOTS {
        qemu::test_boot_options(root, &VIRT_ARM32, boot, image, &options(), LIMIT)?;
    }
    Ok(BOOTS.len())
}

/// A million checked cross-core operations (`wells-smp-stress`, image feature `smp`, the
/// arm64 stress: `images/common/src/smp_kernel/million.rs`) on 2 CPUs, after the check that each
/// CPU's `PMCCNTR` is widened on its own; the same lines as arm64's (`smp::STRESS_EXPECT`).
const STRESS_BOOT: Boot = Boot {
    name: "arm32 SMP kernel: each CPU's cycle counter its own, then 1 000 000 cross-core port messages and event hand-offs, each checked (2 CPUs, multi-threaded TCG)",
    machine: "virt",
    cpu: "cortex-a15",
    expect: crate::smp::STRESS_EXPECT,
    status: 0,
};

/// Builds the SMP stress image and boots it.
fn stress_test(root: &Path) -> Result<()> {
    let image = qemu::build(root, &VIRT_ARM32, "wells-smp-stress", &["smp"])?;
    qemu::test_boot_options(root, &VIRT_ARM32, &STRESS_BOOT, &image, &options(), LIMIT)
}

/// `cargo xtask run --cpus N --board qemu-virt-arm32`: the Cortex-A15's SMP demo
/// (`wells-smp-demo`, the code of arm64's: `smp_kernel::demo`) on N CPUs, each on a host
/// thread of its own; threads run on every CPU, and each CPU's share is printed.
pub fn run_demo(root: &Path, cpus: &str) -> Result<u8> {
    let count = crate::smp::demo_cpus(cpus)?;
    crate::setup::run(root)?;
    let image = qemu::build(root, &VIRT_ARM32, "wells-smp-demo", &["smp"])?;
    let boot = Boot { name: "arm32 SMP demo", expect: &["smp kernel: "], ..DEMO_BOOT };
    let options: Vec<String> = ["-smp", &count.to_string(), "-accel", "tcg,thread=multi"].iter().map(|option| option.to_string()).collect();
    qemu::test_boot_options(root, &VIRT_ARM32, &boot, &image, &options, LIMIT)?;
    Ok(0)
}

/// Builds the SMP kernel-fault image and boots it.
fn fault_test(root: &Path) -> Result<()> {
    let image = qemu::build(root, &VIRT_ARM32, "wells-smp-kernel-fault", &[])?;
    qemu::test_boot_options(root, &VIRT_ARM32, &FAULT_BOOT, &image, &options(), LIMIT)
}
