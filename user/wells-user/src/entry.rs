//! Program entry: `_start` calls the app's main (named by [`entry!`]) and exits with its result.

extern "Rust" {
    /// Defined by the app through [`entry!`].
    fn wells_main(arg: usize) -> i32;
}

/// The ELF entry point. The kernel has already set the stack pointer and put the task's
/// argument in `x0` / `r0`, which is where the C ABI wants the first argument: nothing to set
/// up.
#[no_mangle]
#[link_section = ".text.start"]
pub extern "C" fn _start(arg: usize) -> ! {
    // SAFETY: `entry!` defines `wells_main` with exactly this signature.
    let code = unsafe { wells_main(arg) };
    crate::calls::exit(code)
}

/// Names the program's main function, `fn(arg: usize) -> i32`: `_start` calls it with the
/// argument the kernel gave the task and exits with what it returns.
///
/// ```ignore
/// wells_user::entry!(main);
/// fn main(arg: usize) -> i32 { 0 }
/// ```
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[no_mangle]
        pub fn wells_main(arg: usize) -> i32 {
            let main: fn(usize) -> i32 = $main;
            main(arg)
        }
    };
}
