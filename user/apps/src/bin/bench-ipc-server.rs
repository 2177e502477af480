//! Benchmark, server side: answers each request on "requests" with its number + 1 on
//! "replies", until the number u64::MAX. With bit 30 of its argument set it answers and waits
//! for the next request in one call (`port_reply_wait`, the IPC fast path), else with a send
//! and a receive.
#![no_std]
#![no_main]

use wells_user::{port_open, port_receive, port_reply_wait, port_send, FOREVER};

wells_user::entry!(main);

/// The argument's flag: use the fast-path calls.
const FAST_PATH: usize = 1 << 30;

fn main(arg: usize) -> i32 {
    let (Ok(requests), Ok(replies)) = (port_open("requests"), port_open("replies")) else { return 2 };
    let mut message = [0u8; 16];
    if port_receive(requests, &mut message, FOREVER).is_err() {
        return 1;
    }
    loop {
        let n = u64::from_le_bytes(message[..8].try_into().unwrap_or_default());
        if n == u64::MAX {
            return 0;
        }
        message[..8].copy_from_slice(&(n + 1).to_le_bytes());
        let answered = if arg & FAST_PATH != 0 {
            port_reply_wait(replies, requests, &mut message, FOREVER).map(drop)
        } else {
            port_send(replies, &message, FOREVER).and_then(|()| port_receive(requests, &mut message, FOREVER).map(drop))
        };
        if answered.is_err() {
            return 1;
        }
    }
}
