//! Demo, first stage: produces 300 readings, one every 10 ms, on port "readings", then a
//! stop marker. Each message: sequence number and value.
#![no_std]
#![no_main]

use wells_user::{port_open, port_send, println, sleep};

wells_user::entry!(main);

const READINGS: u64 = 300;
const STOP: u64 = u64::MAX;

fn main(_arg: usize) -> i32 {
    let Ok(readings) = port_open("readings") else { return 2 };
    let mut value = 17u64;
    for sequence in 0..READINGS {
        value = (value + 13 * sequence) % 1000;
        let mut message = [0u8; 16];
        message[..8].copy_from_slice(&sequence.to_le_bytes());
        message[8..].copy_from_slice(&value.to_le_bytes());
        if port_send(readings, &message, 1000).is_err() {
            println!("sensor: reading {} not taken", sequence);
            return 1;
        }
        let _ = sleep(10);
    }
    let mut stop = [0u8; 16];
    stop[..8].copy_from_slice(&STOP.to_le_bytes());
    let _ = port_send(readings, &stop, 1000);
    println!("sensor: {} readings sent", READINGS);
    0
}
