//! Transactions between tasks: writes to "account" inside "deal", then faults before voting.
//! Its task is stopped, and the transaction its partner is in must abort with nothing applied.
#![no_std]
#![no_main]

use wells_user::{println, shared_open, txn_open, txn_write};

wells_user::entry!(main);

fn main(_arg: usize) -> i32 {
    let (Ok(account), Ok(deal)) = (shared_open("account"), txn_open("deal")) else { return 2 };
    if txn_write(deal, account, &1_000_000u64.to_le_bytes()).is_err() {
        return 2;
    }
    println!("txn-faulter: wrote, now faulting before the vote");
    // SAFETY: deliberately invalid: reading address 0 must stop this task.
    let value = unsafe { core::ptr::read_volatile(core::ptr::null::<u64>()) };
    println!("txn-faulter: FAULT NOT CAUGHT ({})", value);
    77
}
