//! Prints one line and exits 0: the smallest user program.
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

#[cfg(target_arch = "aarch64")]
const ISA: &str = "AArch64";
#[cfg(target_arch = "arm")]
const ISA: &str = "AArch32";

fn main(arg: usize) -> i32 {
    if arg == 0 {
        println!("hello from hello ({} EL0)", ISA);
    } else {
        println!("hello from hello ({} EL0, arg {:#x})", ISA, arg);
    }
    0
}
