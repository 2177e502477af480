//! Makes system call 999, which does not exist: the kernel must stop the task.
#![no_std]
#![no_main]

use wells_user::println;

wells_user::entry!(main);

fn main(_arg: usize) -> i32 {
    println!("fault-bad-syscall: about to make system call 999");
    // SAFETY: no pointer is passed; an unknown call stops the task.
    let (status, value) = unsafe { wells_user::syscall(999, &[]) };
    println!("FAULT NOT CAUGHT (status {}, value {:#x})", status, value);
    77
}
