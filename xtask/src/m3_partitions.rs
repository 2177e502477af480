//! The Cortex-M3 partitions (`images/cortex-m3`, feature `hypervisor`; issue 16's "AUX
//! hypervisor"): the privileged kernel hosting partitions, each unprivileged in its MPU regions,
//! in fixed windows of a major frame (docs/hypervisor.md, "Cortex-M3 partitions"). Its test image
//! runs the scenarios of `images/cortex-m3/src/partitions/run.rs` under `-icount`.

use std::path::Path;

use crate::cortex_m3::MPS2_AN385;
use crate::qemu::{self, Board, Boot, TestImage};
use crate::Result;

/// The same board and image crate as the supervisor, built at the partitions' level.
pub const MPS2_AN385_PARTITIONS: Board = Board {
    name: "qemu-mps2-an385-partitions",
    base_features: &["hypervisor"],
    image_prefix: "qemu-mps2-an385-partitions-",
    plain_boot: Boot { name: "mps2-an385, partitions", machine: "mps2-an385", cpu: "cortex-m3", expect: &[], status: 0 },
    system: "m3-partitions",
    tests: M3_PARTITIONS_TESTS,
    ..MPS2_AN385
};

/// The partitions' test plan: one boot, every scenario.
pub const M3_PARTITIONS_TESTS: &[TestImage] = &[TestImage {
    bin: "wells-test",
    features: &[],
    boots: &[Boot {
        name: "cortex-m3 partitions: MPU isolation, time windows, faults (mps2-an385)",
        machine: "mps2-an385",
        cpu: "cortex-m3",
        expect: &[
            "[alpha] producer: sent 1 of 6",
            "[beta] consumer: got 6 (restarts 0)",
            "[alpha] wells kernel done (status 0)",
            "[beta] wells kernel done (status 0)",
            "ok - partitions_print_interleaved",
            "[alpha] consumer: writing 0x20000000",
            "wells: partition 'alpha' restarts (1): MemManage fault",
            "[alpha] consumer: got 4 (restarts 1)",
            "beside the restart, 'beta' kept its",
            "ok - wells_partition_faults_and_comes_back",
            "[small] wells kernel not started: BadRam",
            "ok - wells_partition_too_small_ends_with_2",
            "wells: partition 'wild' restarts (2): MemManage fault",
            "[wild] start 2: writing 0x20000000",
            "wells: partition 'wild' stopped: MemManage fault",
            "[demo] wells kernel done (status 0)",
            "ok - wild_partition_is_restarted_then_stopped",
            "wells: partition 'prober' stopped: MemManage fault",
            "ok - partitions_cannot_reach_each_other",
            "window starts, late by",
            "ok - spinning_partition_keeps_only_its_window",
            "[buffers] bad arguments answered [-1, -1, -1, -2, -3]",
            "wells: partition 'buffers' stopped: VIRQ_RETURN outside a virtual interrupt handler",
            "wells: partition 'caller' stopped: bad call number 99",
            "wells: partition 'undefined' stopped: UsageFault",
            "ok - bad_calls_and_buffers_are_refused_or_stopped",
            "ok - bad_descriptions_are_refused",
            "8 passed, 0 failed",
        ],
        status: 0,
    }],
}];

/// Builds the partitions' test image and boots it; one result per boot.
pub fn run_tests(root: &Path) -> Vec<(String, Result<()>)> {
    qemu::run_tests(root, &MPS2_AN385_PARTITIONS)
}
