//! Short-descriptor translation (ARMv7-A VMSA, TTBCR.N = 0: TTBR0 translates all 4 GiB): one
//! 16 KiB level-1 table per address space (1 MiB per entry), 1 KiB level-2 tables of 4 KiB
//! small pages below. The kernel runs identity-mapped, so a table's address is its physical
//! address. Every address space copies the kernel's level-1 entries (global pages, PL1 only,
//! sharing the kernel's level-2 tables) and adds its own user entries (not global, tagged with
//! the space's ASID through CONTEXTIDR; PXN set on their level-1 entries). No TEX remap, no
//! access flag (AFE = 0): AP[2:0] give the rights; SCTLR.WXN makes writable memory
//! execute-never.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::arch::asm;

/// Bytes in a page.
pub const PAGE: usize = 4096;
const L1_ENTRIES: usize = 4096;
const L2_ENTRIES: usize = 256;

/// A level-1 table (16 KiB aligned, as TTBR0 with N = 0 wants).
#[repr(C, align(16384))]
pub struct L1Table(pub [u32; L1_ENTRIES]);

/// A level-2 table of small pages.
#[repr(C, align(1024))]
pub struct L2Table(pub [u32; L2_ENTRIES]);

/// What a mapping allows and how memory behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub kind: Memory,
    /// USR mode may access it (a user mapping).
    pub user: bool,
    pub writable: bool,
    pub executable: bool,
}

/// Memory type of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Memory {
    /// Shareable Device: MMIO.
    Device,
    /// Normal, write-back write-allocate, shareable.
    Normal,
}

const L1_PAGE_TABLE: u32 = 0b01;
const L1_PXN: u32 = 1 << 2;
const L1_TYPE_MASK: u32 = 0b11;
const L2_SMALL: u32 = 1 << 1;
const L2_XN: u32 = 1 << 0;
const L2_B: u32 = 1 << 2;
const L2_C: u32 = 1 << 3;
const L2_AP0: u32 = 1 << 4;
const L2_AP1: u32 = 1 << 5;
const L2_TEX0: u32 = 1 << 6;
const L2_AP2: u32 = 1 << 9;
const L2_S: u32 = 1 << 10;
const L2_NG: u32 = 1 << 11;
const L2_TABLE_MASK: u32 = !0x3ff;
const PAGE_MASK: u32 = !0xfff;

/// TTBR0 walk attributes: inner and outer write-back write-allocate, shareable.
const TTBR_WALK: u32 = (1 << 6) | (1 << 3) | (1 << 1);

fn leaf_bits(access: Access) -> u32 {
    let mut bits = L2_SMALL;
    bits |= match access.kind {
        Memory::Device => L2_B,
        Memory::Normal => L2_TEX0 | L2_C | L2_B | L2_S,
    };
    // AP[2:0]: 001 PL1 RW, 101 PL1 RO, 011 all RW, 111 all RO.
    bits |= L2_AP0;
    if access.user {
        bits |= L2_AP1 | L2_NG;
    }
    if !access.writable {
        bits |= L2_AP2;
    }
    if !access.executable {
        bits |= L2_XN;
    }
    bits
}

/// An address space: its level-1 table and every level-2 table it owns.
pub struct AddressSpace {
    root: Box<L1Table>,
    // Boxed so a table never moves: level-1 entries hold its address.
    #[allow(clippy::vec_box)]
    owned: Vec<Box<L2Table>>,
    asid: u8,
}

impl AddressSpace {
    /// An empty space tagged `asid` (0 for the kernel, whose pages are all global).
    pub fn new(asid: u8) -> AddressSpace {
        AddressSpace { root: Box::new(L1Table([0; L1_ENTRIES])), owned: Vec::new(), asid }
    }

    /// A space sharing `kernel`'s entries (its level-1 entries point at the same tables).
    pub fn sharing_kernel(kernel: &AddressSpace, asid: u8) -> AddressSpace {
        let mut space = AddressSpace::new(asid);
        space.root.0 = kernel.root.0;
        space
    }

    /// The space's token for `Arch::switch_space`: level-1 table address | ASID.
    pub fn token(&self) -> usize {
        (&*self.root as *const L1Table as usize) | self.asid as usize
    }

    /// The ASID of this space.
    pub fn asid(&self) -> u8 {
        self.asid
    }

    /// Maps one 4 KiB page `va` → `pa`. A user page's level-1 entry gets PXN: the kernel
    /// never executes user memory. A level-1 entry holds kernel or user pages, never both.
    pub fn map_page(&mut self, va: usize, pa: usize, access: Access) {
        let entry = &mut self.root.0[va >> 20];
        let table = if *entry & L1_TYPE_MASK == L1_PAGE_TABLE {
            (*entry & L2_TABLE_MASK) as *mut L2Table
        } else {
            let mut new = Box::new(L2Table([0; L2_ENTRIES]));
            let address = &mut *new as *mut L2Table;
            *entry = address as u32 | L1_PAGE_TABLE | if access.user { L1_PXN } else { 0 };
            self.owned.push(new);
            address
        };
        // SAFETY: `table` is a level-2 table owned by this space (or, for kernel entries copied
        // by `sharing_kernel`, by the kernel's space, which lives for good).
        unsafe { (*table).0[(va >> 12) & (L2_ENTRIES - 1)] = (pa as u32 & PAGE_MASK) | leaf_bits(access) };
    }

    /// Maps `size` bytes (whole pages) from `va` to `pa`. The table writes are complete for
    /// every CPU's table walks when it returns: a thread of this space may next run on another
    /// CPU (a task's new stack, used by its new thread there), and the kernel lock's release
    /// orders memory accesses, not walks.
    pub fn map_range(&mut self, va: usize, pa: usize, size: usize, access: Access) {
        for page in 0..size.div_ceil(PAGE) {
            self.map_page(va + page * PAGE, pa + page * PAGE, access);
        }
        // SAFETY: a barrier only.
        unsafe { asm!("dsb ishst", options(nostack, preserves_flags)) };
    }

    /// Drops every TLB entry of this space's ASID (before reusing an ASID).
    pub fn flush_asid(&self) {
        // SAFETY: TLB maintenance only (TLBIASIDIS).
        unsafe { asm!("dsb ishst", "mcr p15, 0, {0}, c8, c3, 2", "dsb ish", "isb", in(reg) self.asid as u32, options(nostack)) };
    }
}

/// The level-2 entry for `va` in `space`, if its table exists.
fn leaf_entry(space: &AddressSpace, va: usize) -> Option<*mut u32> {
    let entry = space.root.0[va >> 20];
    if entry & L1_TYPE_MASK != L1_PAGE_TABLE {
        return None;
    }
    let table = (entry & L2_TABLE_MASK) as *mut L2Table;
    // SAFETY: tables reached from a live space's root are alive with it.
    Some(unsafe { &mut (*table).0[(va >> 12) & (L2_ENTRIES - 1)] as *mut u32 })
}

/// The kernel's address space, once the board has made it (for guard pages).
static KERNEL: core::sync::atomic::AtomicPtr<AddressSpace> = core::sync::atomic::AtomicPtr::new(core::ptr::null_mut());
/// Serialises edits of the kernel's page tables.
static KERNEL_EDIT: spin::Mutex<()> = spin::Mutex::new(());

/// Registers the kernel's address space, so stacks can get guard pages in it.
pub fn set_kernel_space(space: &'static AddressSpace) {
    KERNEL.store(space as *const AddressSpace as *mut AddressSpace, core::sync::atomic::Ordering::Release);
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
        unsafe { *entry & L2_SMALL != 0 }
    })
}

/// Guard pages in the kernel's space: unmapped while guarding, kernel data again after. The
/// kernel's level-2 tables are shared by every address space, so one edit guards them all.
pub struct KernelGuardPages;

impl crate::mem::GuardPages for KernelGuardPages {
    fn set_guard(&self, address: usize, guarded: bool) {
        // SAFETY: a registered kernel space lives for good.
        let Some(space) = (unsafe { KERNEL.load(core::sync::atomic::Ordering::Acquire).as_ref() }) else { return };
        let _edit = KERNEL_EDIT.lock();
        let Some(entry) = leaf_entry(space, address) else { return };
        let data = Access { kind: Memory::Normal, user: false, writable: true, executable: false };
        let value = if guarded { 0 } else { (address as u32 & PAGE_MASK) | leaf_bits(data) };
        // SAFETY: `entry` is the kernel's level-2 entry for this heap page; only this lock's
        // holder edits kernel tables after boot.
        unsafe { core::ptr::write_volatile(entry, value) };
        flush_page(address);
    }
}

/// Drops a page's translation from the TLB, for every ASID (TLBIMVAAIS).
fn flush_page(va: usize) {
    // SAFETY: TLB maintenance only.
    unsafe { asm!("dsb ishst", "mcr p15, 0, {0}, c8, c3, 3", "dsb ish", "isb", in(reg) va as u32 & PAGE_MASK, options(nostack)) };
}

/// Turns on the MMU with `space` in TTBR0 (caches on, write implies execute-never).
///
/// # Safety
/// `space` must map the running code, its stack and every device in use, and must outlive its
/// use as the current translation.
pub unsafe fn enable(space: &AddressSpace) {
    // SCTLR: set M (0), C (2), Z (11), I (12), WXN (19); clear A (1), V (13), TRE (28), AFE (29).
    let set: u32 = (1 << 0) | (1 << 2) | (1 << 11) | (1 << 12) | (1 << 19);
    let clear: u32 = (1 << 1) | (1 << 13) | (1 << 28) | (1 << 29);
    // SAFETY: the caller guarantees the tables map what runs. DACR: every domain "client"
    // (page rights apply); TTBCR = 0: short descriptors, TTBR0 for all addresses.
    unsafe {
        asm!(
            "mcr p15, 0, {dacr}, c3, c0, 0",
            "mcr p15, 0, {zero}, c2, c0, 2",
            "mcr p15, 0, {zero}, c13, c0, 1",
            "mcr p15, 0, {ttbr}, c2, c0, 0",
            "dsb",
            "mcr p15, 0, {zero}, c8, c7, 0",
            "dsb",
            "isb",
            "mrc p15, 0, {tmp}, c1, c0, 0",
            "orr {tmp}, {tmp}, {set}",
            "bic {tmp}, {tmp}, {clear}",
            "mcr p15, 0, {tmp}, c1, c0, 0",
            "isb",
            dacr = in(reg) 0x5555_5555u32,
            zero = in(reg) 0u32,
            ttbr = in(reg) (&*space.root as *const L1Table as u32) | TTBR_WALK,
            set = in(reg) set,
            clear = in(reg) clear,
            tmp = out(reg) _,
            options(nostack)
        )
    };
}

/// Makes the space of `token` current: TTBR0 and its ASID (CONTEXTIDR). ASID 0 is reserved for
/// the kernel's space, which has only global pages; it is set while TTBR0 changes, so no walk
/// ever pairs one space's table with another's ASID.
pub fn activate(token: usize) {
    let table = (token & !0x3fff) as u32 | TTBR_WALK;
    let asid = (token & 0xff) as u32;
    // SAFETY: every space shares the kernel's mappings, so the running code stays mapped.
    unsafe {
        asm!(
            "mcr p15, 0, {zero}, c13, c0, 1",
            "isb",
            "mcr p15, 0, {table}, c2, c0, 0",
            "isb",
            "mcr p15, 0, {asid}, c13, c0, 1",
            "isb",
            zero = in(reg) 0u32,
            table = in(reg) table,
            asid = in(reg) asid,
            options(nostack)
        )
    };
}

/// SCTLR as the CPU has it: what the console reports (M, bit 0: MMU on; WXN, bit 19).
pub fn sctlr() -> u32 {
    let sctlr: u32;
    // SAFETY: reads SCTLR.
    unsafe { asm!("mrc p15, 0, {0}, c1, c0, 0", out(reg) sctlr, options(nomem, nostack)) };
    sctlr
}
