//! IPC between two tasks, pong side: answers each request on port "ping" with its number + 1
//! on port "pong", until the number u64::MAX, then exits 0. From request 50 on it answers and
//! waits for the next request in one `port_reply_wait`.
#![no_std]
#![no_main]

use wells_user::{port_open, port_receive, port_reply_wait, port_send, println, FOREVER};

wells_user::entry!(main);

const STOP: u64 = u64::MAX;
/// From this request on, answering and waiting is one call.
const REPLY_WAIT_FROM: u64 = 50;

fn message(n: u64) -> [u8; 16] {
    let mut m = [0u8; 16];
    m[..8].copy_from_slice(&n.to_le_bytes());
    m[8..].copy_from_slice(&(!n).to_le_bytes());
    m
}

fn main(_arg: usize) -> i32 {
    let requests = match port_open("ping") {
        Ok(h) => h,
        Err(e) => {
            println!("pong: port_open(ping) failed: {}", e);
            return 2;
        }
    };
    let replies = match port_open("pong") {
        Ok(h) => h,
        Err(e) => {
            println!("pong: port_open(pong) failed: {}", e);
            return 2;
        }
    };
    let mut answered = 0u64;
    let mut request = [0u8; 16];
    if let Err(e) = port_receive(requests, &mut request, FOREVER) {
        println!("pong: receive failed: {}", e);
        return 2;
    }
    loop {
        let n = u64::from_le_bytes(request[..8].try_into().unwrap_or([0; 8]));
        let check = u64::from_le_bytes(request[8..].try_into().unwrap_or([0; 8]));
        if check != !n {
            println!("pong: request {} is damaged", n);
            return 1;
        }
        if n == STOP {
            println!("pong: {} requests answered, stopping", answered);
            return 0;
        }
        answered += 1;
        let answer = message(n.wrapping_add(1));
        let next = if n >= REPLY_WAIT_FROM {
            request = answer;
            port_reply_wait(replies, requests, &mut request, FOREVER).map(drop)
        } else if let Err(e) = port_send(replies, &answer, FOREVER) {
            println!("pong: reply to {} failed: {}", n, e);
            return 2;
        } else {
            port_receive(requests, &mut request, FOREVER).map(drop)
        };
        if let Err(e) = next {
            println!("pong: answer to {} or the next request failed: {}", n, e);
            return 2;
        }
    }
}
