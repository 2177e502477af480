//! Demo, second stage: averages every 10 readings from port "readings" and passes the average
//! on port "averages"; forwards the stop marker and exits.
#![no_std]
#![no_main]

use wells_user::{port_open, port_receive, port_send, println, FOREVER};

wells_user::entry!(main);

const WINDOW: u64 = 10;
const STOP: u64 = u64::MAX;

fn main(_arg: usize) -> i32 {
    let (Ok(readings), Ok(averages)) = (port_open("readings"), port_open("averages")) else { return 2 };
    let (mut sum, mut count, mut sent) = (0u64, 0u64, 0u64);
    loop {
        let mut message = [0u8; 16];
        if port_receive(readings, &mut message, FOREVER).is_err() {
            return 1;
        }
        let sequence = u64::from_le_bytes(message[..8].try_into().unwrap_or_default());
        if sequence == STOP {
            let _ = port_send(averages, &message, 1000);
            println!("filter: {} averages passed on", sent);
            return 0;
        }
        sum += u64::from_le_bytes(message[8..].try_into().unwrap_or_default());
        count += 1;
        if count == WINDOW {
            let mut average = [0u8; 16];
            average[..8].copy_from_slice(&sent.to_le_bytes());
            average[8..].copy_from_slice(&(sum / WINDOW).to_le_bytes());
            if port_send(averages, &average, 1000).is_err() {
                return 1;
            }
            sent += 1;
            sum = 0;
            count = 0;
        }
    }
}
