//! Demo, last stage (the demo runs it as a 32-bit task): receives averages from port
//! "averages", prints every fifth, and stops at the marker.
#![no_std]
#![no_main]

use wells_user::{port_open, port_receive, println, FOREVER};

wells_user::entry!(main);

const STOP: u64 = u64::MAX;

fn main(_arg: usize) -> i32 {
    let Ok(averages) = port_open("averages") else { return 2 };
    let mut received = 0u64;
    loop {
        let mut message = [0u8; 16];
        if port_receive(averages, &mut message, FOREVER).is_err() {
            return 1;
        }
        let sequence = u64::from_le_bytes(message[..8].try_into().unwrap_or_default());
        if sequence == STOP {
            println!("logger ({}-bit): {} averages logged, done", usize::BITS, received);
            return 0;
        }
        received += 1;
        if received % 5 == 0 {
            let average = u64::from_le_bytes(message[8..].try_into().unwrap_or_default());
            println!("logger ({}-bit): average #{} = {}", usize::BITS, sequence, average);
        }
    }
}
