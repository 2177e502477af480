//! The user side of the system-call ABI for the programs built into this image: the same
//! trap as `user/wells-user` on AArch32 (`svc #0`, number in r7). Runs unprivileged; uses no
//! statics (task code may not touch kernel RAM).

use core::arch::asm;

/// Raw system call: (status, value, value high word).
///
/// r7 is the Thumb frame pointer, which rustc refuses as an operand: it is saved, loaded with
/// the number and restored around the trap.
#[inline(always)]
pub fn syscall(nr: u32, a: [u32; 4]) -> (i32, u32, u32) {
    let (status, value, extra): (i32, u32, u32);
    // SAFETY: the kernel checks every argument; an unknown number stops the task.
    unsafe {
        asm!(
            "mov {saved}, r7",
            "mov r7, {nr}",
            "svc #0",
            "mov r7, {saved}",
            nr = in(reg) nr,
            saved = out(reg) _,
            inlateout("r0") a[0] => status,
            inlateout("r1") a[1] => value,
            inlateout("r2") a[2] => extra,
            in("r3") a[3],
            options(nostack),
        );
    }
    (status, value, extra)
}

fn result(r: (i32, u32, u32)) -> Result<u32, i32> {
    if r.0 == 0 {
        Ok(r.1)
    } else {
        Err(r.0)
    }
}

/// Timeout value meaning "forever".
pub const FOREVER: u32 = u32::MAX;

pub fn exit(code: i32) -> ! {
    syscall(0, [code as u32, 0, 0, 0]);
    loop {}
}
pub fn yield_now() {
    syscall(1, [0; 4]);
}
pub fn sleep_ms(ms: u32) -> Result<u32, i32> {
    result(syscall(2, [ms, 0, 0, 0]))
}
pub fn console_write(text: &[u8]) -> Result<u32, i32> {
    result(syscall(3, [text.as_ptr() as u32, text.len() as u32, 0, 0]))
}
pub fn time_ns() -> u64 {
    let (_, lo, hi) = syscall(4, [0; 4]);
    ((hi as u64) << 32) | lo as u64
}
pub fn thread_create(entry: extern "C" fn(usize) -> !, arg: usize, priority: u8) -> Result<u32, i32> {
    result(syscall(5, [entry as usize as u32, arg as u32, priority as u32, 0]))
}
pub fn thread_join(thread: u32, timeout: u32) -> Result<u32, i32> {
    result(syscall(6, [thread, timeout, 0, 0]))
}
pub fn sem_create(initial: u32, max: u32) -> Result<u32, i32> {
    result(syscall(10, [initial, max, 0, 0]))
}
pub fn sem_wait(sem: u32, timeout: u32) -> Result<u32, i32> {
    result(syscall(11, [sem, timeout, 0, 0]))
}
pub fn sem_post(sem: u32) -> Result<u32, i32> {
    result(syscall(12, [sem, 0, 0, 0]))
}
pub fn port_open(name: &str) -> Result<u32, i32> {
    result(syscall(17, [name.as_ptr() as u32, name.len() as u32, 0, 0]))
}
pub fn port_send(port: u32, msg: &[u8], timeout: u32) -> Result<u32, i32> {
    result(syscall(18, [port, msg.as_ptr() as u32, msg.len() as u32, timeout]))
}
pub fn port_receive(port: u32, buf: &mut [u8], timeout: u32) -> Result<u32, i32> {
    result(syscall(19, [port, buf.as_mut_ptr() as u32, buf.len() as u32, timeout]))
}
pub fn nop() {
    syscall(20, [0; 4]);
}

/// Formats into a buffer on the stack and writes it in one call.
pub struct Line {
    buf: [u8; 96],
    len: usize,
}

impl Line {
    pub const fn new() -> Line {
        Line { buf: [0; 96], len: 0 }
    }
    pub fn flush(&mut self) {
        let _ = console_write(&self.buf[..self.len]);
        self.len = 0;
    }
}

impl core::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.buf.len() {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

/// `println!` for task code.
#[macro_export]
macro_rules! uprintln {
    ($($arg:tt)*) => {{
        use core::fmt::Write as _;
        let mut line = $crate::tasks::user::Line::new();
        let _ = writeln!(line, $($arg)*);
        line.flush();
    }};
}
