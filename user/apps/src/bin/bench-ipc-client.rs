//! Benchmark, client side: a call/reply through ports to `bench-ipc-server` (another task),
//! in PMU cycles per round trip. Sends the median of 5 runs of `arg` round trips (500 when 0) to
//! "results"; each run is a window for `cargo xtask profile`. With bit 30 of the argument set
//! each round trip is one `port_call` (the IPC fast path), else a send and a receive.
#![no_std]
#![no_main]

use wells_user::{port_call, port_open, port_receive, port_send, profile_mark, FOREVER};

wells_user::entry!(main);

const DEFAULT_ROUND_TRIPS: u64 = 500;
/// The argument's flag: use the fast-path call.
const FAST_PATH: usize = 1 << 30;

fn main(arg: usize) -> i32 {
    let fast = arg & FAST_PATH != 0;
    let round_trips = match arg & !FAST_PATH {
        0 => DEFAULT_ROUND_TRIPS,
        n => n as u64,
    };
    let (Ok(requests), Ok(replies), Ok(results)) = (port_open("requests"), port_open("replies"), port_open("results")) else {
        return 2;
    };
    let mut runs = [0u64; 5];
    let mut message = [0u8; 16];
    for run in runs.iter_mut() {
        profile_mark();
        let start = wells_user::cycles();
        for n in 0..round_trips {
            message[..8].copy_from_slice(&n.to_le_bytes());
            let answered = if fast {
                port_call(requests, replies, &mut message, FOREVER).map(drop)
            } else {
                port_send(requests, &message, FOREVER).and_then(|()| port_receive(replies, &mut message, FOREVER).map(drop))
            };
            if answered.is_err() {
                return 1;
            }
            if u64::from_le_bytes(message[..8].try_into().unwrap_or_default()) != n + 1 {
                return 3;
            }
        }
        *run = (wells_user::cycles() - start) / round_trips;
        profile_mark();
    }
    runs.sort_unstable();
    message[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let _ = port_send(requests, &message, FOREVER);
    let _ = port_send(results, &runs[2].to_le_bytes(), FOREVER);
    0
}
