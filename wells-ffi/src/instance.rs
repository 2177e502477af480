//! The library's one kernel instance and its life cycle: init, run, tick, shutdown, and the
//! calls that are about the whole kernel (time, console, heap, critical sections).

use crate::host::{wells_host_ops, CHost, WELLS_DEFAULT_HEAP_SIZE};
use crate::status::{status_of, wells_status, wells_status::*};
use alloc::boxed::Box;
use core::ffi::{c_char, c_void, CStr};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};
use wells_core::arch::joined::{Joined, HOST_GUARD_PAGES};
use wells_core::mem::KernelHeap;
use wells_core::{Arch, Error, Kernel};

type WellsKernel = Kernel<Joined>;

/// The CPU this library runs on (outside the kernel so the heap and the tick reach it even
/// while no kernel exists).
static CPU: Joined = Joined::new();
static INSTANCE: AtomicPtr<WellsKernel> = AtomicPtr::new(core::ptr::null_mut());
/// The heap region from the host: (address, size).
static REGION: spin::Mutex<(usize, usize)> = spin::Mutex::new((0, 0));
/// The host table of the live kernel (for shutdown and panic reports).
static HOST_OPS: spin::Mutex<Option<CHost>> = spin::Mutex::new(None);
/// The host's `host_thread` callback and its `ctx` (null: the host gave none, no check), and
/// the host thread that called `wells_init`. Atomics, not the table's lock: every call checks.
static HOST_THREAD_FN: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
static HOST_THREAD_CTX: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());
static WELLS_HOST_THREAD: HostThreadId = HostThreadId::new();
static CRITICAL_DEPTH: AtomicU32 = AtomicU32::new(0);
static CRITICAL_WERE_ENABLED: AtomicBool = AtomicBool::new(false);

/// The host's name for the thread that called `wells_init`, as two 32-bit halves: Cortex-M3
/// has no 64-bit atomics. Written before `HOST_THREAD_FN` is published (release) and read after
/// it is seen (acquire), so a reader never sees halves of two values.
struct HostThreadId {
    low: AtomicU32,
    high: AtomicU32,
}

impl HostThreadId {
    const fn new() -> Self {
        HostThreadId { low: AtomicU32::new(0), high: AtomicU32::new(0) }
    }

    fn store(&self, id: u64, order: Ordering) {
        self.high.store((id >> 32) as u32, order);
        self.low.store(id as u32, order);
    }

    fn load(&self, order: Ordering) -> u64 {
        (u64::from(self.high.load(order)) << 32) | u64::from(self.low.load(order))
    }
}

/// Alignment of the heap region asked from the host.
const HEAP_ALIGN: usize = 64;
/// Smallest heap wells accepts.
const MIN_HEAP_SIZE: usize = 64 * 1024;

/// The host's `guard_page` callback and its `ctx`, in atomics: a lock could be held by a
/// thread preempted inside the callback while another drops a stack (one CPU: it would spin
/// for ever).
static GUARD_PAGE_FN: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
static GUARD_PAGE_CTX: AtomicPtr<c_void> = AtomicPtr::new(core::ptr::null_mut());

/// Guards or releases a stack's guard page through the host table.
fn guard_page_via_host(address: usize, guarded: bool) {
    let function = GUARD_PAGE_FN.load(Ordering::Acquire);
    if function.is_null() {
        return;
    }
    // SAFETY: a non-null value is the host's `guard_page` callback stored by `wells_init`.
    let function: unsafe extern "C" fn(*mut c_void, *mut c_void, i32) = unsafe { core::mem::transmute(function) };
    // SAFETY: the host's callback; `address` is a page of its heap region.
    unsafe { function(GUARD_PAGE_CTX.load(Ordering::Acquire), address as *mut c_void, i32::from(guarded)) };
}

fn heap_irq_save() -> bool {
    CPU.irq_save()
}

fn heap_irq_restore(were_enabled: bool) {
    match kernel() {
        Ok(kernel) => kernel.irq_restore(were_enabled),
        Err(_) => CPU.irq_restore(were_enabled),
    }
}

/// Every allocation of the library comes from here (the host's heap region).
#[cfg_attr(not(test), global_allocator)]
pub(crate) static HEAP: KernelHeap = KernelHeap::new(heap_irq_save, heap_irq_restore);

/// True when the host names threads and the caller is not the one that called `wells_init`.
fn on_foreign_host_thread() -> bool {
    let function = HOST_THREAD_FN.load(Ordering::Acquire);
    if function.is_null() {
        return false;
    }
    // SAFETY: a non-null value is the host's `host_thread` callback stored by `wells_init`.
    let function: unsafe extern "C" fn(*mut c_void) -> u64 = unsafe { core::mem::transmute(function) };
    // SAFETY: the host promises the callback may be called from any thread, any time.
    let me = unsafe { function(HOST_THREAD_CTX.load(Ordering::Acquire)) };
    me != WELLS_HOST_THREAD.load(Ordering::Acquire)
}

/// The live kernel, or `NotInitialized`; `BadContext` on a host thread other than wells' own
/// (wells is one CPU: its code must not run on two host threads at once).
pub(crate) fn kernel() -> Result<&'static WellsKernel, Error> {
    let pointer = INSTANCE.load(Ordering::Acquire);
    if !pointer.is_null() && on_foreign_host_thread() {
        return Err(Error::BadContext);
    }
    // SAFETY: a non-null pointer is the leaked box `wells_init` stored; `wells_shutdown` clears
    // it (with ticks masked) before freeing, and the C contract forbids other calls during it.
    unsafe { pointer.as_ref() }.ok_or(Error::NotInitialized)
}

/// Heap kept free for bookkeeping (wait-queue and timeline entries) that blocking calls make:
/// creating objects stops this far from exhaustion, so a blocked call never finds the heap
/// empty. One sixteenth of the heap, at least 16 KiB.
fn heap_reserve() -> usize {
    (HEAP.stats().total / 16).max(16 * 1024)
}

/// Heap a call may take for small bookkeeping of its own (a map node, a list entry).
pub(crate) const SMALL_ALLOCATION: usize = 256;

/// The live kernel, for a call that allocates about `bytes` of heap for its caller (an object,
/// a copy, a ring, a list entry): `NoMemory` when that would eat into the bookkeeping reserve.
/// Every caller-driven allocation goes through here, so no call ever finds the heap empty.
pub(crate) fn kernel_for_create(bytes: usize) -> Result<&'static WellsKernel, Error> {
    let kernel = kernel()?;
    let free = HEAP.stats().free;
    if free < heap_reserve().saturating_add(bytes) {
        return Err(Error::NoMemory);
    }
    Ok(kernel)
}

/// Runs `f` with the kernel's ticks held off, for a call that holds heap of its own (a
/// closure's box, a list) until the kernel takes it or it is freed: preempted there, the
/// thread could be restarted or ended by a transaction's fate, and the heap would be lost
/// with its stack (#23). Such calls do not block.
pub(crate) fn unpreempted<R>(kernel: &WellsKernel, f: impl FnOnce() -> R) -> R {
    let were_enabled = kernel.irq_save();
    let result = f();
    kernel.irq_restore(were_enabled);
    result
}

/// Runs `f` on the live kernel and turns the result into a status.
pub(crate) fn with_kernel(f: impl FnOnce(&'static WellsKernel) -> wells_core::Result<()>) -> wells_status {
    status_of(kernel().and_then(f))
}

/// Starts wells in this host: checks the table, takes the heap region, creates the kernel.
///
/// # Safety
/// `ops` is NULL or points to a `struct wells_host_ops` whose `size` bytes are readable.
#[no_mangle]
pub unsafe extern "C" fn wells_init(ops: *const wells_host_ops) -> wells_status {
    // SAFETY: forwarded from the caller.
    let ops = match unsafe { wells_host_ops::read(ops) } {
        Ok(ops) => ops,
        Err(error) => return error.into(),
    };
    // The instance itself, not `kernel()`: that refuses other host threads, which must not
    // take this for "no kernel" and start a second one.
    if !INSTANCE.load(Ordering::Acquire).is_null() {
        return WELLS_ERR_ALREADY_INITIALIZED;
    }
    let heap_size = if ops.heap_size == 0 { WELLS_DEFAULT_HEAP_SIZE } else { ops.heap_size };
    if heap_size < MIN_HEAP_SIZE {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    let Some(mem_alloc) = ops.mem_alloc else { return WELLS_ERR_INVALID_ARGUMENT };
    // SAFETY: checked present; the host returns NULL or `heap_size` bytes aligned as asked.
    let region = unsafe { mem_alloc(ops.ctx, heap_size, HEAP_ALIGN) };
    if region.is_null() {
        return WELLS_ERR_NO_MEMORY;
    }
    // SAFETY: the host handed the region over until `mem_free`, and the heap is empty (no
    // kernel exists, so the last shutdown released it).
    unsafe { HEAP.init(region.cast(), heap_size) };
    *REGION.lock() = (region as usize, heap_size);
    CRITICAL_DEPTH.store(0, Ordering::Relaxed);
    CPU.irq_take_deferred();
    CPU.take_queued_work();
    crate::interrupt::reset();
    *HOST_OPS.lock() = Some(CHost { ops });
    if let Some(host_thread) = ops.host_thread {
        // SAFETY: the host promises the callback may be called any time.
        WELLS_HOST_THREAD.store(unsafe { host_thread(ops.ctx) }, Ordering::Release);
        HOST_THREAD_CTX.store(ops.ctx, Ordering::Release);
        HOST_THREAD_FN.store(host_thread as *mut (), Ordering::Release);
    }
    if let Some(guard_page) = ops.guard_page {
        GUARD_PAGE_CTX.store(ops.ctx, Ordering::Release);
        GUARD_PAGE_FN.store(guard_page as *mut (), Ordering::Release);
        HOST_GUARD_PAGES.install(Some(guard_page_via_host));
    }
    let kernel = Kernel::new(&CPU, Box::new(CHost { ops }));
    // SAFETY: the kernel stays pinned: it is only ever reached through this pointer and
    // reboxed (never moved) by `wells_shutdown`.
    let pointer = Box::into_raw(unsafe { Pin::into_inner_unchecked(kernel) });
    INSTANCE.store(pointer, Ordering::Release);
    WELLS_OK
}

/// Runs the wells threads on the calling host thread until every started thread has exited
/// (`WELLS_OK`) or the live ones are all blocked with nothing that could wake them
/// (`WELLS_ERR_DEADLOCK`).
#[no_mangle]
pub extern "C" fn wells_run() -> wells_status {
    with_kernel(|kernel| kernel.run())
}

/// Destroys every object and thread and hands the heap back to the host. Only outside
/// `wells_run`; `wells_init` may run again afterwards.
#[no_mangle]
pub extern "C" fn wells_shutdown() -> wells_status {
    let kernel = match kernel() {
        Ok(kernel) => kernel,
        Err(error) => return error.into(),
    };
    // Ticks stay deferred while the instance goes away. Masked already means we are inside a
    // timer callback or a critical section: not a place to tear wells down.
    let were_enabled = CPU.irq_save();
    if !were_enabled {
        return WELLS_ERR_BAD_CONTEXT;
    }
    if kernel.is_running() {
        CPU.irq_restore(were_enabled);
        return if kernel.current_thread().is_ok() { WELLS_ERR_BAD_CONTEXT } else { WELLS_ERR_BAD_STATE };
    }
    let pointer = INSTANCE.swap(core::ptr::null_mut(), Ordering::AcqRel);
    HOST_THREAD_FN.store(core::ptr::null_mut(), Ordering::Release);
    // SAFETY: `pointer` came from `Box::into_raw` in `wells_init` and is no longer reachable.
    drop(unsafe { Box::from_raw(pointer) });
    // Every stack is gone with the kernel.
    HOST_GUARD_PAGES.install(None);
    GUARD_PAGE_FN.store(core::ptr::null_mut(), Ordering::Release);
    let leaked = HEAP.release().allocations;
    let (region, size) = core::mem::take(&mut *REGION.lock());
    let Some(CHost { ops }) = HOST_OPS.lock().take() else { return WELLS_ERR_NOT_INITIALIZED };
    if let Some(mem_free) = ops.mem_free {
        // SAFETY: the region came from this host's `mem_alloc` with this size and alignment.
        unsafe { mem_free(ops.ctx, region as *mut c_void, size, HEAP_ALIGN) };
    }
    CPU.irq_take_deferred();
    CPU.irq_restore(were_enabled);
    if leaked != 0 {
        // A kernel bug: every object is gone, so every allocation should be.
        if let Some(console) = ops.console_write {
            let text = b"wells: heap allocations leaked at shutdown\n";
            // SAFETY: checked present at init.
            unsafe { console(ops.ctx, text.as_ptr().cast(), text.len()) };
        }
    }
    WELLS_OK
}

/// The host's timer fired. Safe from a signal handler or interrupt handler: inside a wells
/// critical section the tick is deferred until the section ends.
#[no_mangle]
pub extern "C" fn wells_tick() {
    // From another host thread: delivered on wells' own, as an interrupt would be.
    if !INSTANCE.load(Ordering::Acquire).is_null() && on_foreign_host_thread() {
        CPU.irq_defer();
        return;
    }
    if !CPU.irq_save() {
        CPU.irq_defer();
        return;
    }
    match kernel() {
        Ok(kernel) => {
            kernel.timer_interrupt();
            kernel.irq_restore(true);
        }
        Err(_) => CPU.irq_restore(true),
    }
}

/// True while a kernel instance exists (whichever host thread asks).
pub(crate) fn initialized() -> bool {
    !INSTANCE.load(Ordering::Acquire).is_null()
}

/// Leaves `work` for the next tick to run as a timer callback (`interrupt.rs`).
pub(crate) fn queue_interrupt_work(work: fn()) {
    CPU.queue_work(work);
}

/// Monotonic time in nanoseconds from the host clock; 0 before `wells_init`.
#[no_mangle]
pub extern "C" fn wells_now_ns() -> u64 {
    kernel().map_or(0, |kernel| kernel.now_ns())
}

/// Starts a section in which no preemption and no timer callback happens (nestable). Wrap
/// calls to non-reentrant host code (stdio, malloc) made from wells threads; do not block
/// inside (blocking calls return `WELLS_ERR_BAD_CONTEXT`).
#[no_mangle]
pub extern "C" fn wells_critical_enter() {
    if let Ok(kernel) = kernel() {
        let were_enabled = kernel.irq_save();
        if CRITICAL_DEPTH.fetch_add(1, Ordering::AcqRel) == 0 {
            CRITICAL_WERE_ENABLED.store(were_enabled, Ordering::Release);
            // A call inside that wakes a higher thread must not switch to it: the section
            // would stay held (ticks masked) while another thread runs.
            kernel.hold(true);
        }
    }
}

/// Ends the section `wells_critical_enter` began; deferred ticks run now.
#[no_mangle]
pub extern "C" fn wells_critical_exit() {
    let Ok(kernel) = kernel() else { return };
    let depth = CRITICAL_DEPTH.load(Ordering::Acquire);
    if depth == 0 {
        return;
    }
    CRITICAL_DEPTH.store(depth - 1, Ordering::Release);
    if depth == 1 {
        kernel.hold(false);
        kernel.irq_restore(CRITICAL_WERE_ENABLED.load(Ordering::Acquire));
    }
}

/// Writes NUL-terminated `text` to the host console.
///
/// # Safety
/// `text` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn wells_print(text: *const c_char) -> wells_status {
    if text.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the caller promises a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(text) };
    with_kernel(|kernel| {
        kernel.console_write(text.to_bytes());
        Ok(())
    })
}

/// Kernel heap use.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wells_heap_stats_t {
    /// Bytes in the heap region.
    pub total: usize,
    /// Bytes allocated now.
    pub used: usize,
    /// Bytes free now.
    pub free: usize,
    /// Most bytes ever allocated at once since `wells_init`.
    pub peak_used: usize,
    /// Allocations not yet freed.
    pub allocations: u64,
}

/// Fills `*out` with the kernel heap's use.
///
/// # Safety
/// `out` is NULL or points to a writable `wells_heap_stats_t`.
#[no_mangle]
pub unsafe extern "C" fn wells_heap_stats(out: *mut wells_heap_stats_t) -> wells_status {
    if out.is_null() {
        return WELLS_ERR_INVALID_ARGUMENT;
    }
    with_kernel(|_| {
        let stats = HEAP.stats();
        let value = wells_heap_stats_t {
            total: stats.total,
            used: stats.used,
            free: stats.free,
            peak_used: stats.peak_used,
            allocations: stats.allocations,
        };
        // SAFETY: checked non-null; the caller promises it is writable.
        unsafe { out.write(value) };
        Ok(())
    })
}

/// Tells the host about a panic through its console and panic callback.
#[cfg(not(test))]
pub(crate) fn report_panic(message: &[u8]) {
    CPU.irq_save();
    // A panic while the table is locked cannot report through it.
    let Some(CHost { ops }) = HOST_OPS.try_lock().and_then(|host| *host) else { return };
    if let Some(console) = ops.console_write {
        // SAFETY: checked present at init.
        unsafe { console(ops.ctx, message.as_ptr().cast(), message.len()) };
    }
    if let Some(panic) = ops.panic {
        // SAFETY: as above; the host's panic callback does not return.
        unsafe { panic(ops.ctx, message.as_ptr().cast(), message.len()) };
    }
}
