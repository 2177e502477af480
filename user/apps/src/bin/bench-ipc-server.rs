//! Benchmark, server side: answers each request on "requests" with its number + 1 on
//! "replies", until the number u64::MAX.
#![no_std]
#![no_main]

use wells_user::{port_open, port_receive, port_send, FOREVER};

wells_user::entry!(main);

fn main(_arg: usize) -> i32 {
    let (Ok(requests), Ok(replies)) = (port_open("requests"), port_open("replies")) else { return 2 };
    let mut message = [0u8; 16];
    loop {
        if port_receive(requests, &mut message, FOREVER).is_err() {
            return 1;
        }
        let n = u64::from_le_bytes(message[..8].try_into().unwrap_or_default());
        if n == u64::MAX {
            return 0;
        }
        message[..8].copy_from_slice(&(n + 1).to_le_bytes());
        if port_send(replies, &message, FOREVER).is_err() {
            return 1;
        }
    }
}
