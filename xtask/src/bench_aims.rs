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
Where a row is still above its aim (docs/profile.md has each row's functions; the item
counts below are read off its per-line profile, `cargo xtask profile --board qemu-virt-arm64`):

- **Thread switch (326; aim 250).** Per yield between two kernel threads:

  | part | instructions | what it keeps |
  |---|---:|---|
  | the kernel lock and interrupt mask, the clock read, the kernel call's end (`yield_now`, `Critical::switch_away`, `now_ns`) | 86 | one lock for every CPU (taken once per switch: it is handed to the context switched to); a timer interrupt cannot cut into the kernel; the time every record below is stamped with |
  | requeue at the back and the O(1) pick (bitmap, intrusive links, their bounds checks) | 60 | FIFO order within a priority; nothing walks a queue (the 4096-thread row costs what the 2-thread row does) |
  | the two threads' states, slices and the CPU's records (current thread, level, domain, slice end) | 49 | a preempted thread keeps the rest of its slice; what the timer interrupt, affinity and `thread_info` read |
  | the two thread look-ups (slot bound, generation, the object's tag byte) | 29 | a stale handle in a queue never reaches a new thread |
  | run time, CPU-share window, ready / wait / stop times, switch count | 25 | thread statistics, CPU shares for decision sets, budgets |
  | the register switch (`wells_aarch64_switch`) | 19 | the floor: the board's physical-limit row is 24.5 with its loop |
  | the frame of `schedule` (12 callee-saved registers) | 15 | |
  | the bench's own loop | 12 | |
  | the timer re-arm, budget and telemetry tests | 11 | one test each when unused (item 2 of the issue) |
  | the domain's address space | 10 | a domain's threads run in its space |
  | the stack canary | 10 | a smashed stack caught at the switch, before its context is resumed (boards without guard pages) |

  Going to 250 takes more than dropping one row: the statistics and CPU shares, the canary
  and the handle check of queued threads are 64 together. It would take a different switch:
  seL4 keeps one kernel stack per CPU (a blocked thread is a saved user frame, not a kernel
  call chain), FreeRTOS-class kernels keep no accounting or checks on the switch by default;
  wells switches between threads that may block anywhere in the kernel, each on its own kernel
  stack, with the same core that runs inside Linux and other hosts. Made shorter in the
  fast-path work (583 -> 326): the thread's kind in one byte (the object's tag is its `Kind`, the table keeps
  none of its own), the kernel's own handles not re-checked for kind, the lock handed over at the
  switch, the canary's address kept, the pick without budgets loop-free, one slice for the run
  queue's links.
- **Null system call and hypercall** meet their aims through the fast path of the vectors
  (`nop`, `time`, `WELLS_VERSION`; arm64: only x0-x18 and x30 saved; arm32 SVC: only r0-r3 and
  r12; arm32 HYP: the one-instruction push of r0-r12 and lr, without ELR/SPSR or the exit's
  vCPU bookkeeping; no lock, no switch); every other call pays about 10 instructions for the
  test. The task's side sets only the call number for a call without arguments (`wells-user`'s
  `trap0`: arm64 59 -> 56, Cortex-A15 and Cortex-R52 62 -> 59). What is left is the exception
  entry and return, the mask test and the handler's call.
- **IPC between user tasks (fast path 1800; aim 600).** `port_call` / `port_reply_wait`, two
  system calls per round trip, each handing the CPU straight to the waiting receiver
  (`kernel/port_fast.rs`, `kernel/scheduler/direct.rs`: no ready-queue pass, one switch that
  blocks the caller and runs the receiver, a message of at most 16 bytes handed in the
  receiver's control block, copied by words when both buffers are aligned). Per round trip:

  | part | instructions | what it keeps |
  |---|---:|---|
  | exception entry, full frame save and restore, return (`wells_aarch64_vectors*`, `wells_aarch64_trap`, the board's `trap::handle`) | about 175 | the frame of a thread that is switched away |
  | the system-call dispatcher (`syscalls::handle`: interrupts let in, the audit and trace tests, the jump, status and value) | about 150 | the same entry for every call, traced and audited when asked |
  | the supervisor's checks (`port_call_or_reply`: the current domain, the task registry's lock and search, two handle translations, the buffer against the task's memory, the timeout) | about 230 | a task reaches only its own objects, through its own handles, with buffers inside its memory |
  | the kernel call's section and the fast path's conditions (lock, receiver waiting, queues empty, sizes; inlined with the row above) | about 360 | the slow path's answers for everything the fast path does not take |
  | the receiver's wake (`hand_cpu_to`: release start, CPU-share window, placement, timeout cancelled, the message given) | about 225 | the receiver's deadline, share and statistics as after any wake |
  | the caller's block and the switch (`block_for_hand_off` and its section: queued on the answer port, run time, canary, the receiver's slice, address space, timer test, register switch) | about 495 | as the switch row, plus the wait queue a timeout or a kill finds the caller in |
  | port and thread look-ups, the message taken (`port_mut`, `thread_mut`, `Handed::take`) | about 120 | stale and wrong-kind handles refused |
  | the two user programs' loop | about 32 | |
  | functions under 1% of the row each | about 55 | |

  Going to 600 would take what the seL4-class kernels do: a message in registers past the
  supervisor's buffer ABI, a kernel stack per CPU so that the receiver returns to user mode
  without climbing its own kernel call chain, and no per-call accounting; within this design
  (each thread with its own kernel stack, the supervisor's checks outside the kernel's lock)
  each part above is a check or a record the kernel keeps for every thread. Made shorter
  (5675 -> 1800): the fast path itself, the message handed in the receiver's block and copied
  by words, the shorter look-ups of the switch row, the task's last buffer region looked at
  first. The send-and-receive row (four full system calls, two wake / block / schedule passes)
  pays all of the above twice.
- **Port round trip (kernel threads)** is a `port_send` and a `port_receive` on each side at one
  priority: the send must not switch (the sender keeps the CPU there), so the hand-off does not
  apply; its costs are the slow path's. With `port_call` / `port_reply_wait` it would.
- **Semaphore wake, timer IRQ, transaction commit, vCPU yield** share the switch's
  costs; the commit's largest parts are its copies of the object (memcpy) and the allocator.
  A vCPU yield is two switches per figure (the partner VM yields back): of its ~1380 instructions
  (docs/profile-qemu-virt-arm64-hyper.md, `cargo xtask profile --board qemu-virt-arm64-hyper`)
  `schedule` is ~420, the guest's EL1 and virtual-CPU-interface registers
  (`LoadedVcpu::ensure` and the restore) ~340, the trap, hypercall dispatch and `yield_now`
  ~330, the lock and switch ~120; 700 needs the kernel's switch at its aim first.
- **Cortex-M3 switch.** The same kernel path as arm64 on a 32-bit CPU (64-bit time arithmetic in
  pairs, the clock folded from a 32-bit timer); the board's register switch is a PendSV. The
  bench loops count with word-sized atomics (a 64-bit atomic is emulated on the M3: ~30
  instructions a turn were the harness's, 497 -> 433).
";
