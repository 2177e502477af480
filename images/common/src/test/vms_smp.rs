//! VMs on a hypervisor that runs on several CPUs (`docs/hypervisor.md`, "Several physical
//! CPUs"): once the board brought its CPUs up, they all join one kernel (the CPUs stay in it
//! for good, so unlike the one-CPU tests these share that kernel), and each check starts VMs
//! on it, runs it until they end, checks what they did and on which CPUs their vCPUs ran, and
//! destroys them, after which the heap must be back where it was (from the second check on).

use super::vms::{expect, two_vcpus_fault_restarts_are_bounded, two_vcpus_reset_from_vcpu_1, SUPERVISOR_RAM};
use super::{check, TestResult};
use crate::gic::Gic;
use crate::hypervisor::{self, Outcome, VmPlatform, VmSpec};
use crate::smp_bring_up;
use crate::timer_host::GenericTimer;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use wells_core::Kernel;

/// Joins the board's `cpus` CPUs (brought up before) to one kernel and runs the checks with
/// the board's SMP image `smp`, its supervisor demo image `supervisor` and the bare test guest
/// `bare` as guests. Prints
/// `ok`/`not ok` per check and `N passed, N failed`; returns the number of failures.
pub fn run<P: VmPlatform + GenericTimer>(board: &P, gic: &Gic, cpus: usize, smp: &'static [u8], supervisor: &'static [u8], bare: &'static [u8]) -> i32 {
    let kernel = board.new_kernel();
    let joined = smp_bring_up::join_kernel::<P>(gic, cpus);
    // The kernel's tables grow to their size during the first check and stay (the kernel is
    // never dropped), so the heap is compared from the second check on: the same VM again must
    // leave nothing behind.
    let checks: [(&str, &dyn Fn() -> TestResult); 5] = [
        ("vm_smp_two_vcpus_on_two_cpus", &|| two_vcpus_on_two_cpus::<P>(&kernel, smp, cpus)),
        ("vm_smp_two_vcpus_again_leave_nothing", &|| two_vcpus_on_two_cpus::<P>(&kernel, smp, cpus)),
        ("vm_smp_two_vms_on_two_cpus", &|| two_vms_on_two_cpus::<P>(&kernel, supervisor)),
        ("vm_smp_two_vcpus_reset_from_vcpu_1", &|| on_two_cpus::<P>(&kernel, "twin", two_vcpus_reset_from_vcpu_1::<P>(&kernel, bare))),
        ("vm_smp_two_vcpus_fault_restarts_are_bounded", &|| on_two_cpus::<P>(&kernel, "relapse2", two_vcpus_fault_restarts_are_bounded::<P>(&kernel, bare))),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (n, (name, test)) in checks.into_iter().enumerate() {
        let before = board.heap_stats().allocations;
        let mut result = if joined { test() } else { Err(String::from("the CPUs did not join the kernel")) };
        let after = board.heap_stats().allocations;
        if n > 0 && result.is_ok() && after != before {
            result = Err(format!("heap: {before} allocations before, {after} after"));
        }
        match result {
            Ok(()) => {
                passed += 1;
                crate::println!(P, "ok - {name}");
            }
            Err(why) => {
                failed += 1;
                crate::println!(P, "not ok - {name}: {why}");
            }
        }
    }
    crate::println!(P, "{passed} passed, {failed} failed");
    // The secondaries idle inside this kernel for good: it must outlive them.
    core::mem::forget(kernel);
    failed
}

/// The board's SMP image, unmodified, in a VM with two vCPUs: it starts its second CPU with
/// PSCI CPU_ON, checks it, and runs one kernel's threads on both, woken across CPUs with SGIs.
/// Here each vCPU runs on a physical CPU of its own, at the same time as the other.
fn two_vcpus_on_two_cpus<P: VmPlatform>(kernel: &Kernel<P::Arch>, smp: &'static [u8], cpus: usize) -> TestResult {
    let vm = hypervisor::start::<P>(kernel, &VmSpec { vcpus: 2, ..VmSpec::new("smp", smp, P::RAM_IPA, SUPERVISOR_RAM) })?;
    kernel.run().map_err(|e| format!("run: {e}"))?;
    let lines = expect::<P>("smp", &Outcome::Off(0))?;
    let ran_on = ran_on::<P>("smp")?;
    hypervisor::destroy::<P>(kernel, vm.domain).map_err(|e| format!("destroy: {e}"))?;
    check(lines >= 10, || format!("the SMP guest printed {lines} lines"))?;
    check(cpus >= 2 && ran_on.len() == 2 && ran_on.iter().all(|cpus| cpus.count_ones() == 1) && ran_on[0] != ran_on[1], || {
        format!("its vCPUs ran on CPUs {ran_on:x?} (bit n: CPU n), expected one CPU each, not the same")
    })
}

/// A VM of two vCPUs that restarted as a whole (`vms::two_vcpus_reset_from_vcpu_1`,
/// `vms::two_vcpus_fault_restarts_are_bounded`, here with vCPU 0 spinning in its guest on one
/// physical CPU while vCPU 1 restarts the VM from the other: an interrupt there, the kick,
/// brings it out)
/// passed its checks, its vCPUs ran on a CPU each, and it is destroyed.
fn on_two_cpus<P: VmPlatform>(kernel: &Kernel<P::Arch>, name: &str, checked: Result<hypervisor::StartedVm, String>) -> TestResult {
    let vm = checked?;
    let ran_on = ran_on::<P>(name)?;
    hypervisor::destroy::<P>(kernel, vm.domain).map_err(|e| format!("destroy: {e}"))?;
    check(ran_on.len() == 2 && ran_on.iter().all(|cpus| cpus.count_ones() == 1) && ran_on[0] != ran_on[1], || {
        format!("its vCPUs ran on CPUs {ran_on:x?} (bit n: CPU n), expected one CPU each, not the same")
    })
}

/// Two VMs of one vCPU each, the supervisor's demo with its user tasks: each on a CPU of its
/// own, both powering off after their whole demo.
fn two_vms_on_two_cpus<P: VmPlatform>(kernel: &Kernel<P::Arch>, supervisor: &'static [u8]) -> TestResult {
    let left = hypervisor::start::<P>(kernel, &VmSpec::new("left", supervisor, P::RAM_IPA, SUPERVISOR_RAM))?;
    let right = hypervisor::start::<P>(kernel, &VmSpec::new("right", supervisor, P::RAM_IPA, SUPERVISOR_RAM))?;
    kernel.run().map_err(|e| format!("run: {e}"))?;
    let lines = (expect::<P>("left", &Outcome::Off(0))?, expect::<P>("right", &Outcome::Off(0))?);
    let cpus = (ran_on::<P>("left")?, ran_on::<P>("right")?);
    for vm in [left, right] {
        hypervisor::destroy::<P>(kernel, vm.domain).map_err(|e| format!("destroy: {e}"))?;
    }
    check(lines.0 >= 10 && lines.1 >= 10, || format!("lines: left {}, right {}", lines.0, lines.1))?;
    check(cpus.0.len() == 1 && cpus.1.len() == 1 && cpus.0[0].count_ones() == 1 && cpus.0 != cpus.1, || {
        format!("left ran on CPUs {:x?}, right on {:x?} (bit n: CPU n), expected one CPU each, not the same", cpus.0, cpus.1)
    })
}

/// Per vCPU of VM `name`: the physical CPUs it ran on.
fn ran_on<P: VmPlatform>(name: &str) -> Result<Vec<u32>, String> {
    let report = P::vms().report(name).ok_or_else(|| format!("no VM '{name}'"))?;
    crate::println!(P, "vm '{name}': its vCPUs ran on CPUs {:x?} (bit n: CPU n)", report.vcpu_cpus);
    Ok(report.vcpu_cpus)
}
