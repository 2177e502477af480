//! Stage-1 translation for EL1&0 with a 4 KiB granule and 39-bit virtual addresses: one
//! level-1 table per address space (1 GiB per entry), level-2 (2 MiB) and level-3 (4 KiB)
//! below. The kernel runs identity-mapped (virtual = physical), so a table's address is its
//! physical address. Every address space shares the kernel's entries (global, EL1 only) and
//! adds its own user entries (not global, tagged with the space's ASID).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::arch::asm;

/// Bytes in a page.
pub const PAGE: usize = 4096;
const ENTRIES: usize = 512;
/// Virtual address bits (TCR_EL1.T0SZ = 64 - 39).
pub const VA_BITS: u32 = 39;

/// One translation table (any level).
#[repr(C, align(4096))]
pub struct Table(pub [u64; ENTRIES]);

impl Table {
    fn new() -> Box<Table> {
        Box::new(Table([0; ENTRIES]))
    }
}

/// What a mapping allows and how memory behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub kind: Memory,
    /// EL0 may access it (a user mapping).
    pub user: bool,
    pub writable: bool,
    pub executable: bool,
}

/// Memory type of a mapping (index into MAIR_EL1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// Device-nGnRE: MMIO.
    Device = 0,
    /// Normal, write-back cacheable.
    Normal = 1,
}

/// MAIR_EL1: attribute 0 = Device-nGnRE, 1 = Normal write-back read/write-allocate.
const MAIR: u64 = 0x04 | (0xff << 8);

const VALID: u64 = 1 << 0;
const TABLE_OR_PAGE: u64 = 1 << 1;
const AF: u64 = 1 << 10;
const INNER_SHAREABLE: u64 = 0b11 << 8;
const NOT_GLOBAL: u64 = 1 << 11;
const AP_EL0: u64 = 1 << 6;
const AP_READ_ONLY: u64 = 1 << 7;
const PXN: u64 = 1 << 53;
const UXN: u64 = 1 << 54;
const ADDRESS_MASK: u64 = 0x0000_ffff_ffff_f000;

fn leaf_bits(access: Access) -> u64 {
    let mut bits = VALID | AF | ((access.kind as u64) << 2);
    if access.kind == Memory::Normal {
        bits |= INNER_SHAREABLE;
    }
    if access.user {
        bits |= AP_EL0 | NOT_GLOBAL | PXN;
        if !access.executable {
            bits |= UXN;
        }
    } else {
        bits |= UXN;
        if !access.executable {
            bits |= PXN;
        }
    }
    if !access.writable {
        bits |= AP_READ_ONLY;
    }
    bits
}

/// An address space: its level-1 table and every table below it that it owns.
pub struct AddressSpace {
    root: Box<Table>,
    owned: Vec<Box<Table>>,
    asid: u16,
}

impl AddressSpace {
    /// An empty space tagged `asid` (0 for the kernel).
    pub fn new(asid: u16) -> AddressSpace {
        AddressSpace { root: Table::new(), owned: Vec::new(), asid }
    }

    /// A space sharing `kernel`'s entries (its level-1 entries point at the same tables).
    pub fn sharing_kernel(kernel: &AddressSpace, asid: u16) -> AddressSpace {
        let mut space = AddressSpace::new(asid);
        space.root.0 = kernel.root.0;
        space
    }

    /// TTBR0_EL1 value: table address and ASID.
    pub fn ttbr(&self) -> u64 {
        (&*self.root as *const Table as u64) | ((self.asid as u64) << 48)
    }

    /// The ASID of this space.
    pub fn asid(&self) -> u16 {
        self.asid
    }

    /// Level-1 index of a virtual address.
    fn index(va: usize, level: u32) -> usize {
        (va >> (12 + 9 * (3 - level))) & (ENTRIES - 1)
    }

    /// The table an entry points to, creating it if empty.
    fn next_table(&mut self, table: *mut Table, index: usize) -> *mut Table {
        // SAFETY: `table` is the root or a table in `owned`, alive as long as `self`.
        let entry = unsafe { &mut (*table).0[index] };
        if *entry & VALID == 0 {
            let mut new = Table::new();
            let address = &mut *new as *mut Table;
            *entry = address as u64 | VALID | TABLE_OR_PAGE;
            self.owned.push(new);
            return address;
        }
        (*entry & ADDRESS_MASK) as *mut Table
    }

    /// Maps one 4 KiB page `va` → `pa`.
    pub fn map_page(&mut self, va: usize, pa: usize, access: Access) {
        let root = &mut *self.root as *mut Table;
        let l2 = self.next_table(root, Self::index(va, 1));
        let l3 = self.next_table(l2, Self::index(va, 2));
        // SAFETY: `l3` is a table owned by this space.
        unsafe { (*l3).0[Self::index(va, 3)] = (pa as u64 & ADDRESS_MASK) | leaf_bits(access) | TABLE_OR_PAGE };
    }

    /// Maps `size` bytes (whole pages) from `va` to `pa`. The table writes are complete for
    /// every CPU's table walks when it returns: a thread of this space may next run on another
    /// CPU (a task's new stack, used by its new thread there), and the kernel lock's release
    /// orders memory accesses, not walks.
    pub fn map_range(&mut self, va: usize, pa: usize, size: usize, access: Access) {
        let pages = size.div_ceil(PAGE);
        for page in 0..pages {
            self.map_page(va + page * PAGE, pa + page * PAGE, access);
        }
        // SAFETY: a barrier only.
        unsafe { asm!("dsb ishst", options(nostack, preserves_flags)) };
    }

    /// Drops every TLB entry of this space's ASID (before reusing an ASID).
    pub fn flush_asid(&self) {
        let operand = (self.asid as u64) << 48;
        // SAFETY: TLB maintenance only.
        unsafe { asm!("dsb ishst", "tlbi aside1is, {0}", "dsb ish", "isb", in(reg) operand, options(nostack)) };
    }

    /// Removes the mapping of one page (a guard page); true if it was mapped.
    pub fn unmap_page(&mut self, va: usize) -> bool {
        let mut table = &mut *self.root as *mut Table;
        for level in 1..=2 {
            // SAFETY: tables reached from the root are owned by this space or shared kernel
            // tables, alive while the space is.
            let entry = unsafe { (*table).0[Self::index(va, level)] };
            if entry & VALID == 0 {
                return false;
            }
            table = (entry & ADDRESS_MASK) as *mut Table;
        }
        // SAFETY: as above.
        let entry = unsafe { &mut (*table).0[Self::index(va, 3)] };
        let was_mapped = *entry & VALID != 0;
        *entry = 0;
        flush_page(va, self.asid);
        was_mapped
    }
}

/// The kernel's address space, once the board has made it (for guard pages).
static KERNEL: core::sync::atomic::AtomicPtr<AddressSpace> = core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());
/// Serialises edits of the kernel's page tables.
static KERNEL_EDIT: spin::Mutex<()> = spin::Mutex::new(());

/// Registers the kernel's address space, so stacks can get guard pages in it.
pub fn set_kernel_space(space: &'static AddressSpace) {
    KERNEL.store(space as *const AddressSpace as *mut AddressSpace, core::sync::atomic::Ordering::Release);
}

/// The level-3 entry for `va` in `space`, if its tables exist.
fn leaf_entry(space: &AddressSpace, va: usize) -> Option<*mut u64> {
    let mut table = &*space.root as *const Table as *mut Table;
    for level in 1..=2 {
        // SAFETY: tables reached from a live space's root are alive with it.
        let entry = unsafe { (*table).0[AddressSpace::index(va, level)] };
        if entry & VALID == 0 || entry & TABLE_OR_PAGE == 0 {
            return None;
        }
        table = (entry & ADDRESS_MASK) as *mut Table;
    }
    // SAFETY: as above.
    Some(unsafe { &mut (*table).0[AddressSpace::index(va, 3)] as *mut u64 })
}

/// True once `set_kernel_space` ran.
pub fn kernel_space_ready() -> bool {
    !KERNEL.load(core::sync::atomic::Ordering::Acquire).is_null()
}

/// True when `va` is mapped in the kernel's space.
pub fn kernel_mapped(va: usize) -> bool {
    // SAFETY: a registered kernel space lives for good.
    let Some(space) = (unsafe { KERNEL.load(core::sync::atomic::Ordering::Acquire).as_ref() }) else { return false };
    leaf_entry(space, va).is_some_and(|entry| {
        // SAFETY: `entry` points into a live table.
        unsafe { *entry & VALID != 0 }
    })
}

/// Guard pages in the kernel's space: unmapped while guarding, kernel data again after.
pub struct KernelGuardPages;

impl crate::mem::GuardPages for KernelGuardPages {
    fn set_guard(&self, address: usize, guarded: bool) {
        // SAFETY: a registered kernel space lives for good.
        let Some(space) = (unsafe { KERNEL.load(core::sync::atomic::Ordering::Acquire).as_ref() }) else { return };
        let _edit = KERNEL_EDIT.lock();
        let Some(entry) = leaf_entry(space, address) else { return };
        let data = Access { kind: Memory::Normal, user: false, writable: true, executable: false };
        let value = if guarded { 0 } else { (address as u64 & ADDRESS_MASK) | leaf_bits(data) | TABLE_OR_PAGE };
        // SAFETY: `entry` is the kernel's level-3 entry for this heap page; only this lock's
        // holder edits kernel tables after boot.
        unsafe { core::ptr::write_volatile(entry, value) };
        flush_page(address, 0);
    }
}

/// Drops a page's translation from the TLB.
fn flush_page(va: usize, asid: u16) {
    let operand = ((va as u64) >> 12) | ((asid as u64) << 48);
    // SAFETY: TLB maintenance only.
    unsafe { asm!("dsb ishst", "tlbi vaae1is, {0}", "dsb ish", "isb", in(reg) operand, options(nostack)) };
}

/// Turns on the MMU with `space` in TTBR0_EL1 (caches on, write implies execute-never).
///
/// # Safety
/// `space` must map the running code, its stack and every device in use, and must outlive its
/// use as the current translation.
pub unsafe fn enable(space: &AddressSpace) {
    // SAFETY: the caller's contract.
    unsafe { enable_ttbr(space.ttbr()) }
}

/// [`enable`] with the space's TTBR0_EL1 value: how a secondary CPU, started with the MMU off,
/// turns it on with the tables the boot CPU built (`super::super::secondary`).
///
/// # Safety
/// As [`enable`]: the tables `ttbr` points to map what runs and outlive their use.
pub unsafe fn enable_ttbr(ttbr: u64) {
    let t0sz = (64 - VA_BITS) as u64;
    // TCR_EL1: T0SZ, IRGN0/ORGN0 write-back, SH0 inner, TG0 4K, EPD1 (no TTBR1 walks),
    // IPS 40 bits, AS (16-bit ASIDs).
    let tcr = t0sz | (0b01 << 8) | (0b01 << 10) | (0b11 << 12) | (1 << 23) | (0b010 << 32) | (1 << 36);
    // SAFETY: the caller guarantees the tables map what runs; SCTLR_EL1 gets M, C, I, WXN on
    // top of the value the boot code set.
    unsafe {
        asm!(
            "msr mair_el1, {mair}",
            "msr tcr_el1, {tcr}",
            "msr ttbr0_el1, {ttbr}",
            "dsb ish",
            "tlbi vmalle1",
            "dsb ish",
            "isb",
            "mrs {tmp}, sctlr_el1",
            "orr {tmp}, {tmp}, #(1 << 0)",
            "orr {tmp}, {tmp}, #(1 << 2)",
            "orr {tmp}, {tmp}, #(1 << 12)",
            "orr {tmp}, {tmp}, #(1 << 19)",
            "msr sctlr_el1, {tmp}",
            "isb",
            mair = in(reg) MAIR,
            tcr = in(reg) tcr,
            ttbr = in(reg) ttbr,
            tmp = out(reg) _,
            options(nostack)
        )
    };
}

/// Makes `space` the current translation (TTBR0_EL1); its ASID keeps other spaces' TLB
/// entries apart, so no flush is needed.
pub fn activate(ttbr: u64) {
    // SAFETY: every space shares the kernel's mappings, so the running code stays mapped.
    unsafe { asm!("msr ttbr0_el1, {0}", "isb", in(reg) ttbr, options(nostack)) };
}

/// SCTLR_EL1 as the CPU has it: what the console reports (M, bit 0: MMU on; WXN, bit 19).
pub fn sctlr() -> u64 {
    let sctlr: u64;
    // SAFETY: reads SCTLR_EL1.
    unsafe { asm!("mrs {0}, sctlr_el1", out(reg) sctlr, options(nomem, nostack)) };
    sctlr
}
