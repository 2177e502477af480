//! IPC between two tasks, ping side: sends 100 numbered requests on port "ping", checks each
//! reply on port "pong" is the request + 1, then tells pong to stop (number u64::MAX). The
//! first half go as a send and a receive, the second half as one `port_call` each; calls it
//! must refuse (a buffer too small for the answer, a handle out of range) send nothing, which
//! pong's count of requests shows.
#![no_std]
#![no_main]

use wells_user::{port_call, port_open, port_receive, port_send, println, Error, Handle};

wells_user::entry!(main);

const ROUND_TRIPS: u64 = 100;
/// A lost peer shows as an error instead of a hang.
const TIMEOUT_MS: u32 = 5000;
/// Asks pong to exit.
const STOP: u64 = u64::MAX;
/// From this request on, each round trip is one `port_call`.
const CALLS_FROM: u64 = ROUND_TRIPS / 2;

/// A 16-byte message: the number, then its complement as a check.
fn message(n: u64) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[..8].copy_from_slice(&n.to_le_bytes());
    m[8..].copy_from_slice(&(!n).to_le_bytes());
    m
}

fn number(m: &[u8; 16]) -> Option<u64> {
    let n = u64::from_le_bytes(m[..8].try_into().ok()?);
    let check = u64::from_le_bytes(m[8..].try_into().ok()?);
    (check == !n).then_some(n)
}

fn open(name: &str) -> Option<Handle> {
    match port_open(name) {
        Ok(h) => Some(h),
        Err(e) => {
            println!("ping: port_open({}) failed: {}", name, e);
            None
        }
    }
}

fn main(_arg: usize) -> i32 {
    let (Some(requests), Some(replies)) = (open("ping"), open("pong")) else {
        return 2;
    };
    let mut small = [0u8; 15];
    if port_call(requests, replies, &mut small, TIMEOUT_MS) != Err(Error::INVALID_ARGUMENT)
        || port_call(Handle::from_raw(0x1_0000), replies, &mut [0u8; 16], TIMEOUT_MS) != Err(Error::INVALID_HANDLE)
    {
        println!("ping: a bad port_call was not refused");
        return 1;
    }
    for n in 0..ROUND_TRIPS {
        let mut reply = message(n);
        let answer = if n >= CALLS_FROM {
            port_call(requests, replies, &mut reply, TIMEOUT_MS)
        } else if let Err(e) = port_send(requests, &message(n), TIMEOUT_MS) {
            println!("ping: send {} failed: {}", n, e);
            return 2;
        } else {
            port_receive(replies, &mut reply, TIMEOUT_MS)
        };
        match answer {
            Ok(16) => {}
            Ok(size) => {
                println!("ping: reply to {} has {} bytes", n, size);
                return 1;
            }
            Err(e) => {
                println!("ping: receive reply to {} failed: {}", n, e);
                return 2;
            }
        }
        if number(&reply) != Some(n + 1) {
            println!(
                "ping: reply to {} is {:?}, want {}",
                n,
                number(&reply),
                n + 1
            );
            return 1;
        }
    }
    if let Err(e) = port_send(requests, &message(STOP), TIMEOUT_MS) {
        println!("ping: send stop failed: {}", e);
        return 2;
    }
    println!("ping: {} round trips ok", ROUND_TRIPS);
    0
}
