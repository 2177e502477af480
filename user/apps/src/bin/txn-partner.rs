//! Transactions between tasks: adds its argument to the shared counter "account" inside the
//! transaction "deal" it was made a member of, then votes commit. Exit 0 when the transaction
//! committed, 3 when it aborted, 2 on a setup error.
#![no_std]
#![no_main]

use wells_user::{println, shared_open, txn_open, txn_read, txn_vote, txn_write, Error};

wells_user::entry!(main);

fn main(arg: usize) -> i32 {
    let (Ok(account), Ok(deal)) = (shared_open("account"), txn_open("deal")) else { return 2 };
    let mut value = [0u8; 8];
    if txn_read(deal, account, &mut value).is_err() {
        return 2;
    }
    let new = u64::from_le_bytes(value) + arg as u64;
    if txn_write(deal, account, &new.to_le_bytes()).is_err() {
        return 2;
    }
    match txn_vote(deal, true, 5000) {
        Ok(()) => {
            println!("txn-partner: committed (+{})", arg);
            0
        }
        Err(error) if error == Error::ABORTED => {
            println!("txn-partner: transaction aborted");
            3
        }
        Err(error) => {
            println!("txn-partner: vote failed: {}", error);
            2
        }
    }
}
