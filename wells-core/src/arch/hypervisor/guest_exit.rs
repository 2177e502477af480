//! What a guest's exit to the hypervisor says, in the syndrome format AArch64 EL2 (ESR_EL2) and
//! ARMv7 HYP (HSR) share: the exception class, the instruction's length, and for a data abort
//! the load or store to emulate. And what both ports offer of a guest's CPU state
//! ([`GuestState`]).

/// A guest's CPU state (EL1 or PL1 registers, its virtual timer) as a hypervisor port saves
/// and loads it per vCPU.
pub trait GuestState: Default + Send + 'static {
    /// The state of a CPU coming out of reset.
    fn reset() -> Self;
    /// Reads the state the CPU holds (its virtual timer keeps running).
    fn save(&mut self);
    /// Loads this state into the CPU.
    fn restore(&self);
    /// Stops the virtual timer the CPU holds.
    fn stop_timer();
    /// Masks the virtual timer the CPU holds (its interrupt line drops).
    fn mask_live_timer();
    /// Makes this the state of the VM's CPU number `cpu`: what the guest reads as its MPIDR
    /// (affinity 0 = `cpu`, the rest 0), loaded with the rest of the state.
    fn set_cpu_number(&mut self, cpu: u8);
}

/// The MPIDR a guest's CPU number `cpu` reads: bit 31 (RES1 on AArch64, the multiprocessor
/// format on ARMv7) and affinity 0.
pub const fn guest_mpidr(cpu: u8) -> u64 {
    (1 << 31) | cpu as u64
}

/// Exception class (syndrome bits 31:26).
pub fn class(syndrome: u64) -> u8 {
    ((syndrome >> 26) & 0x3f) as u8
}

/// Bytes of the instruction that caused an exit (IL: 4, else a 16-bit T32 instruction).
pub fn instruction_length(syndrome: u64) -> u64 {
    if syndrome & (1 << 25) != 0 {
        4
    } else {
        2
    }
}

/// A data abort's instruction syndrome, when the CPU gave one (ISV): enough to emulate a load
/// or store to an MMIO page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MmioAccess {
    /// Access size in bytes (1, 2, 4, 8).
    pub size: u8,
    /// The general register loaded or stored (31 = xzr on AArch64).
    pub register: u8,
    /// A store (else a load).
    pub write: bool,
    /// A load sign-extends.
    pub sign_extend: bool,
    /// The register is 64 bits wide (else 32).
    pub wide: bool,
}

impl MmioAccess {
    /// Decodes the ISS of a data abort syndrome, or `None` when it has no valid instruction
    /// syndrome (e.g. a load pair or multiple, which cannot be emulated).
    pub fn decode(syndrome: u64) -> Option<MmioAccess> {
        if syndrome & (1 << 24) == 0 {
            return None;
        }
        Some(MmioAccess {
            size: 1 << ((syndrome >> 22) & 3),
            register: ((syndrome >> 16) & 31) as u8,
            write: syndrome & (1 << 6) != 0,
            sign_extend: syndrome & (1 << 21) != 0,
            wide: syndrome & (1 << 15) != 0,
        })
    }
}

/// An exception class in words (ESR_ELx / HSR bits 31:26; AArch64 and AArch32 names alike).
pub fn describe(class: u8) -> &'static str {
    match class {
        0x00 => "unknown reason (undefined instruction)",
        0x01 => "WFI/WFE trapped",
        0x03 | 0x04 => "CP15 access trapped",
        0x05 | 0x06 => "CP14 access trapped",
        0x07 => "FP/SIMD access trapped",
        0x0e => "illegal execution state",
        0x15 => "SVC from AArch64",
        0x11 => "SVC from AArch32",
        0x16 => "HVC from AArch64",
        0x12 => "HVC from AArch32",
        0x13 => "SMC from AArch32",
        0x17 => "SMC from AArch64",
        0x18 => "system register access trapped",
        0x20 => "instruction abort from a lower level",
        0x21 => "instruction abort at the same level",
        0x22 => "PC alignment fault",
        0x24 => "data abort from a lower level",
        0x25 => "data abort at the same level",
        0x26 => "SP alignment fault",
        0x2f => "SError",
        0x30 | 0x31 => "breakpoint",
        0x32 | 0x33 => "software step",
        0x34 | 0x35 => "watchpoint",
        0x3c => "BRK instruction",
        _ => "other exception class",
    }
}
