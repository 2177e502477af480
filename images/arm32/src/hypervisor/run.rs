//! What each binary of a hypervisor image runs: the same on every CPU
//! (`wells_board_common::hypervisor::run`), over this image's guests and system.

wells_board_common::hypervisor_run!();

/// The hypervisor on several CPUs (`wells-smp-hyper-test`, feature `smp`, booted with `-smp 2`
/// in HYP under multi-threaded TCG): the CPUs brought up in HYP at boot (`super::smp`), then
/// VMs whose vCPUs run on different CPUs at once (`wells_board_common::test::vms_smp`).
#[cfg(feature = "smp")]
pub fn smp_test(board: &Board) -> i32 {
    let up = super::smp::brought_up();
    let failed = match guests::SMP {
        Some(smp) if up => wells_board_common::test::vms_smp::run(board, &board::GIC, super::smp::cpus_up(), smp, guests::SUPERVISOR),
        _ => 1,
    };
    wells_board_common::println!(Board, "smp hypervisor test: {}", if failed == 0 { "PASS" } else { "FAIL" });
    failed
}
