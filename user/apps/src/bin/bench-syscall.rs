//! Benchmark: the null system call round trip EL0 -> EL1 -> EL0, in PMU cycles (instructions
//! under QEMU -icount). Sends the median of 5 runs of `arg` calls (1000 when 0) to port
//! "results"; each run is a window for `cargo xtask profile`.
#![no_std]
#![no_main]

use wells_user::{nop, port_open, port_send, profile_mark, FOREVER};

wells_user::entry!(main);

const DEFAULT_CALLS: u64 = 1000;

/// The PMU cycle counter (the kernel lets EL0 read it for benchmarks).
fn cycles() -> u64 {
    wells_user::cycles()
}

fn main(arg: usize) -> i32 {
    let calls = if arg == 0 { DEFAULT_CALLS } else { arg as u64 };
    let Ok(results) = port_open("results") else { return 2 };
    let mut runs = [0u64; 5];
    for run in runs.iter_mut() {
        profile_mark();
        let start = cycles();
        for _ in 0..calls {
            if nop().is_err() {
                return 1;
            }
        }
        *run = (cycles() - start) / calls;
        profile_mark();
    }
    runs.sort_unstable();
    let _ = port_send(results, &runs[2].to_le_bytes(), FOREVER);
    0
}
