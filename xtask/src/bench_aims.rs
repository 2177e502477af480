//! The fast-path aims of issue 21 in `docs/benchmarks.md`: each path's figure when the issue was
//! filed (commit 756ed5f, the same `-icount` measurement), the figure of this run, and the aim.

use crate::bench::{table_rows, BoardBench};

/// Board title, bench row, instructions when the issue was filed, aim.
const AIMS: [(&str, &str, f64, f64); 15] = [
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
    // The 32-bit A/R-profile ports of the same paths, held to the arm64 aims.
    (ARM32, "null system call, USR -> SVC -> USR (user task)", 116.0, 60.0),
    (R52, "null system call, USR -> SVC -> USR (user task)", 104.0, 60.0),
    (ARM32_HYPER, "hypercall round trip (guest -> hypervisor -> guest, wells version call)", 285.0, 80.0),
    (ARM32_HYPER, "yield hypercall switching to another VM's vCPU (per yield)", 2408.0, 700.0),
];
const ARM64: &str = "arm64 (Cortex-A53, EL1)";
const ARM64_HYPER: &str = "arm64 hypervisor (Cortex-A53, EL2)";
const M3: &str = "Cortex-M3 (ARMv7-M, privileged thread mode, MPU)";
const ARM32: &str = "arm32 (Cortex-A15, SVC)";
const ARM32_HYPER: &str = "arm32 hypervisor (Cortex-A15, HYP)";
const R52: &str = "Cortex-R52 (ARMv8-R, EL1, MPU)";

/// The section: one row per aim, with the figure this run measured.
pub fn render(boards: &[BoardBench]) -> String {
    render_with(|title, row| {
        boards.iter().find(|b| b.title == title).and_then(|b| table_rows(&b.block).into_iter().find(|(name, _)| name == row)).map(|(_, figure)| figure)
    })
}

/// Puts the section back into the report `text` with the figures its board subsections hold
/// now: after `bench --board NAME --write` replaced one of them.
pub fn refresh(text: &str) -> String {
    let section = render_with(|title, row| board_table(text, title).into_iter().find(|(name, _)| name == row).map(|(_, figure)| figure));
    let Some(start) = text.find(TITLE) else { return text.to_string() };
    let end = text[start + TITLE.len()..].find("\n## ").map_or(text.len(), |i| start + TITLE.len() + i + 1);
    format!("{}\n{}\n\n{}", text[..start].trim_end_matches('\n'), section.trim_matches('\n'), &text[end..])
}

/// The rows of the first table of the report's subsection `### title`.
fn board_table(text: &str, title: &str) -> Vec<(String, f64)> {
    let heading = format!("\n### {title}\n");
    let Some(at) = text.find(&heading) else { return Vec::new() };
    let after = &text[at + heading.len()..];
    let after = &after[..after.find("\n### ").unwrap_or(after.len())];
    let table: String = after.lines().skip_while(|l| !l.starts_with('|')).take_while(|l| l.starts_with('|')).flat_map(|l| [l, "\n"]).collect();
    table_rows(&table)
}

const TITLE: &str = "## Fast paths: then, now, aim (issue 21)";

/// [`render`] with the figure of (board title, row) from `now`.
fn render_with(now: impl Fn(&str, &str) -> Option<f64>) -> String {
    let mut md = String::from(
        "\n## Fast paths: then, now, aim (issue 21)\n\n\
         Instructions under `-icount`, as in the board tables below. \"Then\" is the figure when the fast-path \
         issue was filed; where the instructions of each path go now is in [docs/profile.md](profile.md) \
         (`cargo xtask profile`), and the floor of a switch on each CPU is the board table's \
         \"physical limit\" row.\n\n\
         | board | path | then | now | aim |\n|---|---|---:|---:|---:|\n",
    );
    for (title, row, then, aim) in AIMS {
        let now = now(title, row).map_or_else(|| "not measured".to_string(), |figure| format!("{figure:.1}"));
        md.push_str(&format!("| {title} | {row} | {then:.0} | {now} | {aim:.0} |\n"));
    }
    md.push_str(ABOVE_AIM);
    md
}

/// Where the rows above their aims spend their instructions (read off docs/profile.md), and
/// what it would take to go lower.
const ABOVE_AIM: &str = "
Where a row is still above its aim (docs/profile.md has each row's functions):

- **Thread switch.** About two thirds is `schedule`: the current and the next thread looked up by
  handle (slot and generation checked and the object matched as a thread, about 14 instructions
  each: the kernel's own handles skip the handle's kind field, `state::thread_in`, and a typed
  look-up lets the object's variant stand for the slot's kind, 360 -> 348), the per-thread accounting
  that thread statistics, CPU shares and budgets read, the requeue and the O(1) pick in the
  intrusive run queues (bounds-checked slot arrays), the stack canary, the new slice, the domain's
  address space and the timer re-arm test. The rest is the kernel lock and interrupt mask (the lock
  taken once per switch: it is handed to the context switched to, `Kernel::switch_locked`) and
  the 18-instruction register switch itself. Going
  below about 300 needs a scheduler that reaches its threads without the handle check (the
  handle table is what keeps a stale handle from reaching a new thread); not done.
- **Null system call and hypercall** meet their aims through the fast path of the vectors
  (`nop`, `time`, `WELLS_VERSION`; arm64: only x0-x18 and x30 saved; arm32 SVC: only r0-r3 and
  r12; arm32 HYP: the one-instruction push of r0-r12 and lr, without ELR/SPSR or the exit's
  vCPU bookkeeping; no lock, no switch); every other call pays about 10 instructions for the
  test. What is left is the exception entry and return, the mask test and the handler's call.
- **IPC between user tasks.** The send-and-receive row pays, per round trip, four system calls
  on the full path, each with the task registry's lock, the handle translation and the buffer
  check, the port lookups, and two wake / block / schedule passes. The fast-path row
  (`port_call` / `port_reply_wait`, two system calls) now hands the CPU straight to the waiting
  receiver (`kernel/port_fast.rs`, `kernel/scheduler/direct.rs`): no ready-queue pass, no
  `make_runnable`, one switch that blocks the caller and runs the receiver, each thread looked up
  once. A short message (at most 16 bytes) goes to a receiver that waits by the fast path
  too straight into its control block (`Thread::handed`, `ipc/handed.rs`): no trip through the
  port's ring and no port look-up on the receiver's side; `current_domain` reads the state
  without a kernel call's end (`Kernel::peek`): 2322 -> 2190 (2134 with the shorter thread look-ups). What is left per round trip
  (docs/profile.md, about 2230 there): the exception entry, return and dispatch (about 325:
  vectors, trap, `syscalls::handle`), the supervisor's part (about 600: `current_domain`'s
  lock, the registry's lock, the two handle translations and the buffer check, with the kernel
  call's critical section and the fast path's checks inlined), the receiver's wake
  bookkeeping (about 270 in `hand_cpu_to`: release deadline, CPU-share window, placement,
  telemetry test, the message given), the caller queued on the answer port, blocked and
  switched away (about 530: run time, stack canary, timeline, the receiver's slice, the address
  space, the timer test, the register switch), about six handle-checked port and thread
  look-ups (about 230), the message copied twice (`memcpy`, about 125: the kernel is built
  for strict alignment, so even 16 bytes go through the call) and taken back (about 35). Each
  of these is a check or a record the kernel keeps for every thread (a stale handle refused,
  a smashed stack caught, run time and CPU share kept, a budget or deadline judged); 600 would
  need the message in registers past the supervisor's buffer ABI, the task's handles and
  buffer checked without the registry lock, and threads reached without the handle check;
  not done.
- **Port round trip (kernel threads)** is a `port_send` and a `port_receive` on each side at one
  priority: the send must not switch (the sender keeps the CPU there), so the hand-off does not
  apply; its costs are the slow path's. With `port_call` / `port_reply_wait` it would.
- **Semaphore wake, timer IRQ, transaction commit, vCPU yield** share the switch's
  costs; the commit's largest parts are its copies of the object (memcpy) and the allocator.
  A vCPU yield is two switches per figure (the partner VM yields back): of its ~1475 instructions
  (docs/profile-qemu-virt-arm64-hyper.md, `cargo xtask profile --board qemu-virt-arm64-hyper`)
  `schedule` is ~490, the guest's EL1 and virtual-CPU-interface registers (`LoadedVcpu::ensure`
  and the restore) ~334, the trap, hypercall dispatch and `yield_now` ~330, the lock and switch
  ~140; 700 needs the kernel's switch at its aim first.
- **Cortex-M3 switch.** The same kernel path as arm64 on a 32-bit CPU (64-bit time arithmetic in
  pairs); the board's register switch is 19 instructions.
";
