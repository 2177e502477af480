//! The fast-path aims of issue 21 in `docs/benchmarks.md`: each path's figure when the issue was
//! filed (commit 756ed5f, the same `-icount` measurement), the figure of this run, and the aim.

use crate::bench::{table_rows, BoardBench};

/// Board title, bench row, instructions when the issue was filed, aim.
const AIMS: [(&str, &str, f64, f64); 11] = [
    (ARM64, "kernel thread switch (2 threads, yield)", 583.0, 250.0),
    (ARM64, "null system call, EL0 -> EL1 -> EL0 (user task)", 149.0, 60.0),
    (ARM64, "IPC call/reply between two user tasks (16-byte port messages)", 5675.0, 600.0),
    // The same call/reply through the fast path (`port_call`), which did not exist then.
    (ARM64, "IPC fast path: port_call / port_reply_wait between two user tasks (16-byte messages)", 5675.0, 600.0),
    (ARM64, "port round trip (16-byte request + reply, kernel threads)", 3626.0, 800.0),
    (ARM64, "semaphore wake + switch (ping-pong, per wake)", 1470.0, 400.0),
    (ARM64, "timer IRQ to woken thread running", 1433.0, 500.0),
    (ARM64, "transaction commit, 1 object(s): create, join, write, vote, destroy", 4921.0, 1500.0),
    (ARM64_HYPER, "hypercall round trip (guest -> hypervisor -> guest, wells version call)", 230.0, 80.0),
    (ARM64_HYPER, "yield hypercall switching to another VM's vCPU (per yield)", 1933.0, 700.0),
    (M3, "kernel thread switch (2 threads, yield)", 703.0, 150.0),
];
const ARM64: &str = "arm64 (Cortex-A53, EL1)";
const ARM64_HYPER: &str = "arm64 hypervisor (Cortex-A53, EL2)";
const M3: &str = "Cortex-M3 (ARMv7-M, privileged thread mode, MPU)";

/// The section: one row per aim, with the figure this run measured.
pub fn render(boards: &[BoardBench]) -> String {
    let mut md = String::from(
        "\n## Fast paths: then, now, aim (issue 21)\n\n\
         Instructions under `-icount`, as in the board tables below. \"Then\" is the figure when the fast-path \
         issue was filed; where the instructions of each path go now is in [docs/profile.md](profile.md) \
         (`cargo xtask profile`), and the floor of a switch on each CPU is the board table's \
         \"physical limit\" row.\n\n\
         | board | path | then | now | aim |\n|---|---|---:|---:|---:|\n",
    );
    for (title, row, then, aim) in AIMS {
        let now = boards
            .iter()
            .find(|b| b.title == title)
            .and_then(|b| table_rows(&b.block).into_iter().find(|(name, _)| name == row))
            .map_or_else(|| "not measured".to_string(), |(_, figure)| format!("{figure:.1}"));
        md.push_str(&format!("| {title} | {row} | {then:.0} | {now} | {aim:.0} |\n"));
    }
    md
}
