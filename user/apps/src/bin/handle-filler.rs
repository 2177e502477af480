//! Creates mutexes until its handle table is full, then ten more, each of which must be
//! refused with -5 (limit); exits 0 if so. The kernel side checks no refused mutex was left
//! behind.
#![no_std]
#![no_main]

use wells_user::{mutex_create, println, Error};

wells_user::entry!(main);

fn main(_arg: usize) -> i32 {
    let mut made = 0;
    while mutex_create().is_ok() {
        made += 1;
    }
    let refused = (0..10).filter(|_| mutex_create() == Err(Error::LIMIT)).count();
    println!("handle-filler: {} mutexes, then {} of 10 refused with -5", made, refused);
    (refused != 10) as i32
}
