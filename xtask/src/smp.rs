//! The SMP boots of the arm64 supervisor (`docs/core.md`, "Several CPUs"): the bring-up image
//! (`wells-smp-test`) on QEMU `virt` with 2 and 4 cortex-a53 CPUs under multi-threaded TCG, so
//! the CPUs really run at once (a counter under a spin lock from every CPU, values passed
//! between CPUs) (which `-icount` would forbid: the image measures no time, it
//! only waits, with a generous limit, for each CPU's report). At EL1 entry QEMU's PSCI answers
//! HVC; at EL2 entry (`virtualization=on`) SMC. `cargo xtask smp-soak [boots]` repeats the
//! 4-CPU boots: races show up as rare failures. The SMP kernel image (`wells-smp-kernel-test`)
//! then runs one kernel's threads on every CPU (2 and 4 CPUs), the stress image
//! (`wells-smp-stress`) a million checked cross-core operations, and `cargo xtask run --cpus N`
//! boots the SMP demo.

use std::path::Path;
use std::time::Duration;

use crate::qemu::{self, Boot, VIRT_ARM64};
use crate::Result;

/// A bring-up boot: its name, machine, CPU count and the lines it must print.
struct SmpBoot {
    boot: Boot,
    cpus: u32,
}

/// What every bring-up boot must print beyond its CPU count's lines.
const EXPECT: &[&str] = &[
    "ok - smp: CPU_ON of the boot CPU = -4",
    "ok - smp: CPU_ON of a CPU that does not exist (the next number) = -2",
    "ok - smp: CPU_ON of a CPU that does not exist (cluster 0xff) = -2",
    "smp test: PASS",
];

const BOOTS: &[SmpBoot] = &[
    // One CPU: nothing to start, and CPU 1 does not exist.
    SmpBoot { boot: boot("arm64 SMP bring-up: 1 CPU, nothing to start (EL1 entry)", "virt"), cpus: 1 },
    SmpBoot { boot: boot("arm64 SMP bring-up: 2 CPUs, PSCI through HVC (EL1 entry, multi-threaded TCG)", "virt"), cpus: 2 },
    SmpBoot { boot: boot("arm64 SMP bring-up: 4 CPUs, PSCI through HVC (EL1 entry, multi-threaded TCG)", "virt"), cpus: 4 },
    SmpBoot { boot: boot("arm64 SMP bring-up: 4 CPUs, PSCI through SMC (EL2 entry, multi-threaded TCG)", "virt,virtualization=on"), cpus: 4 },
];

const fn boot(name: &'static str, machine: &'static str) -> Boot {
    Boot { name, machine, cpu: "cortex-a53", expect: EXPECT, status: 0 }
}

/// Wall-clock limit of one boot: the image waits up to 300 s of its counter (the host's clock)
/// for a CPU that never comes; a loaded host may leave a CPU thread unscheduled for long.
const LIMIT: Duration = Duration::from_secs(900);

/// The QEMU options of a boot with `cpus` CPUs, each on a host thread of its own.
fn options(cpus: u32) -> Vec<String> {
    ["-smp", &cpus.to_string(), "-accel", "tcg,thread=multi"].iter().map(|option| option.to_string()).collect()
}

/// Builds the bring-up image and runs every SMP boot; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-test", &[]);
    BOOTS
        .iter()
        .map(|smp| {
            let result = match &image {
                Ok(image) => with_counts(root, image, smp),
                Err(e) => Err(format!("image not built: {e}")),
            };
            (smp.boot.name.to_string(), result)
        })
        .chain([(FAULT_BOOT.name.to_string(), fault_test(root))])
        .chain(kernel_tests(root))
        .chain([(STRESS_BOOT.name.to_string(), stress_test(root))])
        .chain([(HYPER_NAME.to_string(), hyper_test(root))])
        .collect()
}

/// The hypervisor on 2 CPUs (`wells-smp-hyper-test`, image features `hypervisor,smp`): both
/// brought up at EL2, then VMs whose vCPUs run on different CPUs at once.
pub const HYPER_NAME: &str = "arm64 SMP hypervisor: 2 CPUs at EL2, a VM's 2 vCPUs and 2 VMs each on a CPU of their own, a VM of 2 vCPUs restarted as a whole (multi-threaded TCG)";

fn hyper_spec() -> Boot {
    let expect = hyper_expect("ok - smp: CPU 1 up: EL2 yes, EL2 vectors yes", &["[smp] smp demo: thread spread0 ran on CPUs"]);
    Boot { name: HYPER_NAME, machine: "virt,virtualization=on", cpu: "cortex-a53", expect, status: 0 }
}

/// What a hypervisor's SMP boot on 2 CPUs must print (`images/common/src/test/vms_smp.rs`, the
/// same on every board): its secondary's report line `up`, every CPU in its kernel, each check's
/// line, the vCPUs' CPUs, the restarts of the VMs of two vCPUs, and the board's own lines.
pub fn hyper_expect(up: &str, own: &[&str]) -> &'static [&'static str] {
    let mut expect = vec![
        "smp: 2 CPUs found (PSCI AFFINITY_INFO through Smc), boot CPU 0",
        up,
        "smp: 2 of 2 CPUs up",
        "ok - smp kernel: 2 of 2 CPUs joined one kernel",
        "wells: vm 'smp' powered off (status 0)",
        "vm 'smp': its vCPUs ran on CPUs [1, 2] (bit n: CPU n)",
        "ok - vm_smp_two_vcpus_on_two_cpus",
        "ok - vm_smp_two_vcpus_again_leave_nothing",
        "wells: vm 'left' powered off (status 0)",
        "wells: vm 'right' powered off (status 0)",
        "ok - vm_smp_two_vms_on_two_cpus",
        "wells: vm 'twin' restarts (1): PSCI SYSTEM_RESET",
        "[twin] run 1: vCPU 1 affinity 1",
        "[twin] run 1: mark 0x0, GICD_CTLR 0, pending interrupt 1023",
        "wells: vm 'twin' powered off (status 0)",
        "ok - vm_smp_two_vcpus_reset_from_vcpu_1",
        "wells: vm 'relapse2' restarts (2): stage-2 data abort at IPA 0x50000000",
        "wells: vm 'relapse2' stopped: stage-2 data abort at IPA 0x50000000",
        "ok - vm_smp_two_vcpus_fault_restarts_are_bounded",
        "5 passed, 0 failed",
        "smp hypervisor test: PASS",
    ];
    expect.extend(own);
    // xtask runs once and ends: leaking the lines keeps `Boot` all-static.
    Box::leak(expect.into_iter().map(|line| &*Box::leak(line.to_string().into_boxed_str())).collect::<Vec<_>>().into_boxed_slice())
}

pub fn hyper_test(root: &Path) -> Result<()> {
    hyper_boot(root, &hyper_image(root)?)
}

/// The hypervisor's SMP image (`wells-smp-hyper-test`).
fn hyper_image(root: &Path) -> Result<std::path::PathBuf> {
    qemu::build(root, &crate::hyper::VIRT_ARM64_HYPER, "wells-smp-hyper-test", &["smp"])
}

/// Boots the hypervisor's SMP image on 2 CPUs.
fn hyper_boot(root: &Path, image: &Path) -> Result<()> {
    qemu::test_boot_options(root, &crate::hyper::VIRT_ARM64_HYPER, &hyper_spec(), image, &options(2), LIMIT)
}

/// A million checked cross-core operations (`wells-smp-stress`, image feature `smp`) on 2
/// CPUs: one host thread each on a 2-core host, so neither waits for the other's turn.
const STRESS_BOOT: Boot = Boot {
    name: "arm64 SMP kernel: 1 000 000 cross-core port messages and event hand-offs, each checked (2 CPUs, multi-threaded TCG)",
    machine: "virt",
    cpu: "cortex-a53",
    expect: STRESS_EXPECT,
    status: 0,
};

/// What the stress image (`images/common/src/smp_kernel/million.rs`) must print on 2 CPUs, on
/// arm64 and the Cortex-A15: each CPU's instruction counter its own, then every operation
/// arrived, checked and crossed CPUs.
pub const STRESS_EXPECT: &[&str] = &[
    "ok - smp kernel: 2 of 2 CPUs joined one kernel",
    "ok - smp counter: each CPU's instruction counter its own: CPU 1 started 100000000 counts after CPU 0, 200 readings each in turn",
    "ok - smp stress: 750000 of 750000 port messages across 2 pairs, each checked: 0 wrong, 750000 across CPUs",
    "ok - smp stress: 250000 of 250000 event hand-offs across 2 pairs, each checked: 0 wrong, 250000 across CPUs",
    "ok - smp stress: 1000000 cross-core operations on 2 CPUs (Ok(0))",
    "smp stress: PASS",
];

/// Builds the SMP stress image and boots it.
fn stress_test(root: &Path) -> Result<()> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-stress", &["smp"])?;
    qemu::test_boot_options(root, &VIRT_ARM64, &STRESS_BOOT, &image, &options(2), LIMIT)
}

/// The SMP kernel test's image features, on arm64 and the Cortex-A15: with the user programs,
/// for its tasks on every CPU (`images/common/src/smp_kernel/user_tasks.rs`).
pub const KERNEL_FEATURES: &[&str] = &["smp", "user"];

/// The boots of one kernel on every CPU (`wells-smp-kernel-test`, image feature `smp`): 2 and
/// 4 CPUs at EL1 entry, 4 at EL2 entry.
const KERNEL_BOOTS: &[(&str, &str, u32)] = &[
    ("arm64 SMP kernel: threads on 2 CPUs, cross-core semaphores, a contended mutex, pinned threads, port calls (multi-threaded TCG)", "virt", 2),
    ("arm64 SMP kernel: threads on 4 CPUs, cross-core semaphores, a contended mutex, pinned threads, port calls (multi-threaded TCG)", "virt", 4),
    ("arm64 SMP kernel: threads on 4 CPUs, EL2 entry (multi-threaded TCG)", "virt,virtualization=on", 4),
];

/// An arm64 SMP kernel boot on `cpus` CPUs, printing [`kernel_expect`].
fn kernel_boot(name: &'static str, machine: &'static str, cpus: u32) -> Boot {
    let mut own: Vec<String> = REMOTE_EXPECT.iter().map(|line| line.to_string()).collect();
    own.extend(tasks_expect(cpus));
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    Boot { name, machine, cpu: "cortex-a53", expect: kernel_expect(cpus, &own), status: 0 }
}

/// What the user tasks on every CPU (`images/common/src/smp_kernel/user_tasks.rs`) must print
/// on `cpus` CPUs, on every board that runs them: each CPU's tasks ended as they must, their
/// traps taken on their own CPU, and a fault on CPU 1 stopped only its task while the tasks on
/// CPU 0 ran to their end.
pub fn tasks_expect(cpus: u32) -> Vec<String> {
    vec![
        format!("ok - smp tasks: {cpus} hello tasks, one pinned to each CPU, ended 0 with every trap on their own CPU; {cpus} syscall-test tasks beside them, one started on each CPU, passed"),
        "wells: task 'fault-null' stopped: ".to_string(),
        "ok - smp tasks: fault-null on CPU 1 stopped (exit -1036) while ping and pong on CPU 0 ran to their end (exit 0), every trap on its task's CPU".to_string(),
    ]
}

/// What arm64's own SMP kernel workload (`images/arm64/src/supervisor/smp_remote.rs`: threads
/// on another CPU ended, restarted, suspended, re-placed) must print beside [`kernel_expect`].
const REMOTE_EXPECT: &[&str] = &[
    "ok - smp remote: a thread spinning on CPU 1, its domain stopped from CPU 0, ended with the stop's code (Ok(0), destroy Ok(()))",
    "ok - smp remote: a thread spinning on CPU 1 restarted (2 entries), suspended and resumed from CPU 0 (Ok(0))",
    "ok - smp remote: a 10 on CPU 1 dropped to 5 from CPU 0 yielded to a waiting 8, raised to 10 again took CPU 1 back (Ok(0))",
    "ok - smp remote: a 5 holding a mutex on CPU 1 behind a spinning 8, boosted by a 12 locking it on CPU 0, took CPU 1 and handed it on (Ok(0))",
];

/// What an SMP kernel boot on `cpus` CPUs must print, on every board that runs one (the
/// workloads are `images/common/src/smp_kernel`): every CPU joined, and each workload's `ok`
/// line with its CPU count (the affinity workload's: each bad set refused, no pinned thread's
/// run off its CPU, each moved, the spinner moved); then the board's `own` lines.
pub fn kernel_expect(cpus: u32, own: &[&str]) -> &'static [&'static str] {
    let mut expect = vec![
        format!("smp: {cpus} of {cpus} CPUs up"),
        format!("ok - smp kernel: {cpus} of {cpus} CPUs joined one kernel"),
        format!("ok - smp kernel: {} threads spread over {cpus} CPUs", 2 * cpus),
        format!("ok - smp kernel: {cpus} pairs, "),
        format!("ok - smp kernel: a mutex contended by {} threads on {cpus} CPUs", 2 * cpus),
        "ok - smp kernel: affinity: a set empty (0x0) is refused (Err(InvalidArgument))".to_string(),
        format!("ok - smp kernel: affinity: a set a CPU that is not online ({:#x}) is refused (Err(InvalidArgument))", 1 << cpus),
        "ok - smp kernel: affinity: a set CPU 8, past the kernel's count (0x100) is refused (Err(InvalidArgument))".to_string(),
        format!("ok - smp kernel: {} threads pinned one CPU each, then the next: 0 runs off their CPU, {} moved at once", 2 * cpus, 2 * cpus),
        format!("ok - smp kernel: a thread spinning on CPU 1, pinned to CPU 0 from there, left CPU 1 for CPU 0 (0 runs elsewhere, {cpus} CPUs)"),
        format!("ok - smp kernel: re-pin, suspend, restart and domain stop of a thread spinning on CPU 1 return once CPU 1 acted (2 lives, 0 turns off CPU 1, {cpus} CPUs)"),
        format!("ok - smp transactions: {rounds} commits by members on CPUs 0 and 1 (A Some({rounds}), B Some({rounds}), 0 failed)", rounds = 300),
        "ok - smp transactions: the member on CPU 1 ended without its vote: the one on CPU 0 was told Aborted".to_string(),
        "ok - smp transactions: restart policy: an abort on CPU 1 restarted both members on their own CPUs (runs [2, 2], 0 off their CPU), then Ok(Committed) (A Some(1), B Some(1))".to_string(),
        format!("ok - smp kernel: {cpus} client/server pairs over ports"),
        "smp kernel test: PASS".to_string(),
    ];
    expect.extend(own.iter().map(|line| line.to_string()));
    // xtask runs once and ends: leaking the lines keeps `Boot` all-static.
    Box::leak(expect.into_iter().map(|line| &*Box::leak(line.into_boxed_str())).collect::<Vec<_>>().into_boxed_slice())
}

/// Builds the SMP kernel image and runs its boots; one result per boot.
fn kernel_tests(root: &Path) -> Vec<(String, Result<()>)> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-kernel-test", KERNEL_FEATURES);
    KERNEL_BOOTS
        .iter()
        .map(|&(name, machine, cpus)| {
            let result = match &image {
                Ok(image) => qemu::test_boot_options(root, &VIRT_ARM64, &kernel_boot(name, machine, cpus), image, &options(cpus), LIMIT),
                Err(e) => Err(format!("image not built: {e}")),
            };
            (name.to_string(), result)
        })
        .collect()
}

/// `cargo xtask run --cpus N`: the SMP demo (`wells-smp-demo`) on N CPUs of QEMU `virt`, each
/// on a host thread of its own; threads run on every CPU, and each CPU's share is printed.
pub fn run_demo(root: &Path, cpus: &str) -> Result<u8> {
    let count = demo_cpus(cpus)?;
    crate::setup::run(root)?;
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-demo", &["smp"])?;
    let boot = Boot { name: "arm64 SMP demo", machine: "virt", cpu: "cortex-a53", expect: &["smp kernel: "], status: 0 };
    qemu::test_boot_options(root, &VIRT_ARM64, &boot, &image, &options(count), LIMIT)?;
    Ok(0)
}

/// The CPU count of `run --cpus N`: 1 to 8 (the GICv2's CPU interfaces).
pub fn demo_cpus(cpus: &str) -> Result<u32> {
    cpus.parse().ok().filter(|n| (1..=8).contains(n)).ok_or_else(|| format!("run --cpus: `{cpus}` is not a CPU count from 1 to 8"))
}

/// A boot, checking beyond [`EXPECT`] its CPU count's own lines: `N CPUs found`, `N of N CPUs
/// up`, the lock's total from N CPUs, and each secondary's report and ping-pong.
fn with_counts(root: &Path, image: &Path, smp: &SmpBoot) -> Result<()> {
    let mut expect: Vec<String> = EXPECT.iter().map(|line| line.to_string()).collect();
    expect.push(format!("smp: {} CPUs found", smp.cpus));
    expect.push(format!("smp: {} of {} CPUs up", smp.cpus, smp.cpus));
    expect.push(format!("ok - smp: a counter incremented under a spin lock by {} CPUs", smp.cpus));
    for cpu in 1..smp.cpus {
        expect.push(format!("ok - smp: CPU {cpu} up: EL1 yes, MMU yes, vectors yes"));
        expect.push(format!("ok - smp: CPU_ON of CPU {cpu}, on already = -4"));
        expect.push(format!("ok - smp: 10000 values passed to CPU {cpu} and back, each checked: 0 wrong"));
    }
    // xtask runs once and ends: leaking the lines keeps `Boot` all-static.
    let expect: &'static [&'static str] = Box::leak(expect.into_iter().map(|line| &*Box::leak(line.into_boxed_str())).collect::<Vec<_>>().into_boxed_slice());
    let boot = Boot { expect, ..smp.boot };
    qemu::test_boot_options(root, &VIRT_ARM64, &boot, image, &options(smp.cpus), LIMIT)
}

/// The kernel fault on CPU 3 of 4 (`wells-smp-kernel-fault`): reported as that CPU's, on its
/// own emergency stack, status 101.
const FAULT_BOOT: Boot = Boot {
    name: "arm64 SMP: a kernel fault on CPU 3 of 4 is reported (multi-threaded TCG)",
    machine: "virt",
    cpu: "cortex-a53",
    expect: &["smp: 4 of 4 CPUs up", "smp: CPU 3 reads 0x8", "wells: CPU 3 took a kernel fault", "unexpected exception: data abort at the same level", "FAR=0x0000000000000008"],
    status: 101,
};

/// Builds the SMP kernel-fault image and boots it.
fn fault_test(root: &Path) -> Result<()> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-kernel-fault", &[])?;
    qemu::test_boot_options(root, &VIRT_ARM64, &FAULT_BOOT, &image, &options(4), LIMIT)
}

/// `cargo xtask smp-soak [rounds]`: [`soak_rounds`] `rounds` times (default 20); stops at the
/// first failure. Returns the exit status.
pub fn soak(root: &Path, rest: &[String]) -> Result<u8> {
    let rounds: u32 = match rest {
        [] => 20,
        [count] => count.parse().map_err(|_| format!("smp-soak: `{count}` is not a number of rounds"))?,
        _ => return Err("usage: cargo xtask smp-soak [rounds]".to_string()),
    };
    let boots = soak_rounds(root, rounds)?;
    println!("xtask: smp-soak: {boots} boots, all passed");
    Ok(0)
}

/// The SMP boots `rounds` times over, stopping at the first failure: each round the arm64
/// 4-CPU bring-ups (EL1 and EL2 entry), the 4-CPU kernel boots, the Cortex-A15's 2-CPU
/// bring-ups and kernel boots (SVC and HYP entry), and both hypervisors on 2 CPUs. Races show as rare failures, so only many boots find them.
/// Returns how many boots passed.
pub fn soak_rounds(root: &Path, rounds: u32) -> Result<usize> {
    let image = qemu::build(root, &VIRT_ARM64, "wells-smp-test", &[])?;
    let kernel_image = qemu::build(root, &VIRT_ARM64, "wells-smp-kernel-test", KERNEL_FEATURES)?;
    let arm32_image = crate::smp_arm32::bring_up_image(root)?;
    let arm32_kernel_image = crate::smp_arm32::kernel_image(root)?;
    let hyper_image = hyper_image(root)?;
    let arm32_hyper_image = crate::smp_arm32::hyper_image(root)?;
    let four: Vec<&SmpBoot> = BOOTS.iter().filter(|smp| smp.cpus == 4).collect();
    let four_kernel: Vec<Boot> = KERNEL_BOOTS.iter().filter(|boot| boot.2 == 4).map(|&(name, machine, cpus)| kernel_boot(name, machine, cpus)).collect();
    let mut boots = 0;
    for round in 1..=rounds {
        let failed = |e: String| format!("smp soak: round {round} of {rounds}: {e}");
        for smp in &four {
            with_counts(root, &image, smp).map_err(failed)?;
            boots += 1;
        }
        for boot in &four_kernel {
            qemu::test_boot_options(root, &VIRT_ARM64, boot, &kernel_image, &options(4), LIMIT).map_err(failed)?;
            boots += 1;
        }
        boots += crate::smp_arm32::bring_up_boots(root, &arm32_image).map_err(failed)?;
        boots += crate::smp_arm32::kernel_boots(root, &arm32_kernel_image).map_err(failed)?;
        hyper_boot(root, &hyper_image).map_err(failed)?;
        crate::smp_arm32::hyper_boot(root, &arm32_hyper_image).map_err(failed)?;
        boots += 2;
        println!("xtask: smp soak: round {round} of {rounds} passed ({boots} boots)");
    }
    Ok(boots)
}
