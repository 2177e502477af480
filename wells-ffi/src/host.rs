//! The host-operations table C hands to `wells_init`, and the Host trait over it.

use core::ffi::{c_char, c_void};
use wells_core::{Error, Host};

/// Version of `struct wells_host_ops` this library understands.
pub const WELLS_HOST_OPS_VERSION: u32 = 1;
/// Kernel heap size used when `wells_host_ops.heap_size` is 0 (1 MiB).
pub const WELLS_DEFAULT_HEAP_SIZE: usize = 1024 * 1024;

/// What wells needs from the host it joins. Fill every required callback; `ctx` is passed
/// back to each. Set `version` to `WELLS_HOST_OPS_VERSION` and `size` to
/// `sizeof(struct wells_host_ops)`: `wells_init` refuses a table built for another version.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wells_host_ops {
    /// Must be `WELLS_HOST_OPS_VERSION`.
    pub version: u32,
    /// Must be `sizeof(struct wells_host_ops)`.
    pub size: u32,
    /// Passed back to every callback.
    pub ctx: *mut c_void,
    /// Bytes for the kernel heap; 0 = `WELLS_DEFAULT_HEAP_SIZE`.
    pub heap_size: usize,
    /// Required: monotonic clock in nanoseconds.
    pub now_ns: Option<unsafe extern "C" fn(ctx: *mut c_void) -> u64>,
    /// Required: call `wells_tick()` once at or after `deadline_ns` (the `now_ns` scale);
    /// replaces an earlier arm. Called from inside `wells_tick` too.
    pub timer_arm: Option<unsafe extern "C" fn(ctx: *mut c_void, deadline_ns: u64)>,
    /// Required: cancel the armed timer.
    pub timer_cancel: Option<unsafe extern "C" fn(ctx: *mut c_void)>,
    /// Required: write `len` bytes of text to the console.
    pub console_write: Option<unsafe extern "C" fn(ctx: *mut c_void, text: *const c_char, len: usize)>,
    /// Required: memory for the kernel heap (called once by `wells_init`).
    pub mem_alloc: Option<unsafe extern "C" fn(ctx: *mut c_void, size: usize, align: usize) -> *mut c_void>,
    /// Required: give the heap back (called once by `wells_shutdown`).
    pub mem_free: Option<unsafe extern "C" fn(ctx: *mut c_void, ptr: *mut c_void, size: usize, align: usize)>,
    /// Optional: wait a little for the next host event (a timer); may return early.
    pub idle: Option<unsafe extern "C" fn(ctx: *mut c_void)>,
    /// Optional: wells found an internal bug; must not return.
    pub panic: Option<unsafe extern "C" fn(ctx: *mut c_void, msg: *const c_char, len: usize)>,
    /// Optional: a number naming the calling host thread (e.g. `pthread_self()`), callable from
    /// a signal handler. Given, only the host thread that called `wells_init` may call wells;
    /// calls from any other return `WELLS_ERR_BAD_CONTEXT` (one CPU: wells code must never run
    /// on two host threads at once) and `wells_tick` from another is deferred to it.
    pub host_thread: Option<unsafe extern "C" fn(ctx: *mut c_void) -> u64>,
    /// Optional: make the 4096-byte page at `page` inaccessible (`guarded` != 0) or accessible
    /// again (0). Given, every thread stack gets such a guard page below it, so a stack
    /// overflow faults there instead of overwriting the heap; the host reports the fault.
    pub guard_page: Option<unsafe extern "C" fn(ctx: *mut c_void, page: *mut c_void, guarded: i32)>,
}

impl wells_host_ops {
    /// Reads and checks a table from C.
    ///
    /// # Safety
    /// `ops` is NULL or points to at least `version` and `size`, and to `size` readable bytes.
    pub(crate) unsafe fn read(ops: *const wells_host_ops) -> Result<wells_host_ops, Error> {
        if ops.is_null() {
            return Err(Error::InvalidArgument);
        }
        // SAFETY: the caller promises the first two fields are readable; the rest is read
        // only once `size` says the whole table is there.
        let (version, size) = unsafe { ((*ops).version, (*ops).size) };
        if version != WELLS_HOST_OPS_VERSION || size as usize != core::mem::size_of::<wells_host_ops>() {
            return Err(Error::AbiMismatch);
        }
        // SAFETY: as above, `size` covers the whole table.
        let table = unsafe { *ops };
        let required_present = table.now_ns.is_some()
            && table.timer_arm.is_some()
            && table.timer_cancel.is_some()
            && table.console_write.is_some()
            && table.mem_alloc.is_some()
            && table.mem_free.is_some();
        if !required_present {
            return Err(Error::InvalidArgument);
        }
        Ok(table)
    }
}

/// The Host trait over a checked C table.
#[derive(Clone, Copy)]
pub(crate) struct CHost {
    pub ops: wells_host_ops,
}

// SAFETY: the host promises its callbacks may be called from the thread running wells and from
// its timer context; `ctx` is theirs to synchronise.
unsafe impl Send for CHost {}
// SAFETY: as above.
unsafe impl Sync for CHost {}

impl Host for CHost {
    fn now_ns(&self) -> u64 {
        // SAFETY: checked present at init; the host promises it is callable any time.
        self.ops.now_ns.map_or(0, |f| unsafe { f(self.ops.ctx) })
    }

    fn timer_arm(&self, deadline_ns: u64) {
        if let Some(f) = self.ops.timer_arm {
            // SAFETY: as for `now_ns`.
            unsafe { f(self.ops.ctx, deadline_ns) }
        }
    }

    fn timer_cancel(&self) {
        if let Some(f) = self.ops.timer_cancel {
            // SAFETY: as for `now_ns`.
            unsafe { f(self.ops.ctx) }
        }
    }

    fn console_write(&self, text: &[u8]) {
        if let Some(f) = self.ops.console_write {
            // SAFETY: `text` is a valid slice for the duration of the call.
            unsafe { f(self.ops.ctx, text.as_ptr().cast(), text.len()) }
        }
    }

    fn idle(&self) {
        if let Some(f) = self.ops.idle {
            // SAFETY: as for `now_ns`.
            unsafe { f(self.ops.ctx) }
        }
    }
}
