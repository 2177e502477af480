//! The port hypercalls with bad buffers: outside the VM's RAM, straddling its end, longer than
//! a transfer may be, and wrapping around the address space. Each must be refused (-1) with
//! the port untouched: a refused send queues nothing, a refused receive takes nothing.

use crate::hypercall::{self, port_receive, port_send};
use crate::uart::Uart;
use core::fmt::Write;

/// The VM's RAM end (the test gives this scenario 4 MiB).
const RAM_END: u64 = crate::facts::GUEST_RAM as u64 + (4 << 20);
/// Message size of the port the test grants as port 0.
const MESSAGE: u64 = 8;
/// `InvalidArgument` and `WouldBlock`, as hypercall results.
const REFUSED: i64 = -1;
const EMPTY: i64 = -7;

/// Address and length pairs no port call may accept; `inside` is a good buffer.
fn bad_buffers(inside: u64) -> [(u64, u64); 5] {
    let top = usize::MAX as u64;
    [
        (0x7000_0000, MESSAGE),          // outside RAM
        (RAM_END - MESSAGE / 2, MESSAGE), // straddling its end
        (inside, 4097),                   // longer than a transfer
        (inside, top),                    // longer than anything
        (top - MESSAGE / 2, MESSAGE),     // wrapping around to address 0
    ]
}

fn call(function: u64, ipa: u64, len: u64) -> i64 {
    hypercall::call(function, [0, ipa, len, 0])
}

pub fn run(out: &mut Uart) -> u64 {
    let mut buffer = [0u8; MESSAGE as usize];
    let inside = buffer.as_mut_ptr() as u64;
    let sends = bad_buffers(inside).map(|(ipa, len)| call(0xC600_0003, ipa, len));
    let nothing_queued = port_receive(0, &mut buffer, 0);
    let sent = port_send(0, b"message!", 0);
    let receives = bad_buffers(inside).map(|(ipa, len)| call(0xC600_0004, ipa, len));
    buffer = [0; MESSAGE as usize];
    let received = port_receive(0, &mut buffer, 0);
    let _ = writeln!(
        out,
        "port buffers: sends {sends:?}, then receive {nothing_queued}, send {sent}, receives {receives:?}, then receive {received}"
    );
    let good = sends == [REFUSED; 5]
        && nothing_queued == EMPTY
        && sent == 0
        && receives == [REFUSED; 5]
        && received == MESSAGE as i64
        && &buffer == b"message!";
    if good {
        let _ = writeln!(out, "port buffers: all refused, port untouched");
        0
    } else {
        let _ = writeln!(out, "FAILED: a bad port buffer was accepted or changed the port");
        1
    }
}
