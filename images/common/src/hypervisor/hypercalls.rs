//! The hypercall ABI (`docs/hypervisor.md`): SMCCC function IDs in x0 (r0), arguments in
//! x1..x4, result in x0. PSCI 1.0 for power (the functions it requires, CPU_ON for a VM's
//! other vCPUs among them), and
//! wells' own calls in the vendor-specific hypervisor range: console write, yield, port send
//! and receive. Both the SMC32 (0x8...) and SMC64 (0xC...) forms of an ID are accepted.

use super::lifecycle::{self, guest_memory};
use super::{GuestRegisters, Resume, VmPlatform};
use wells_core::{Error, Timeout};

pub const PSCI_VERSION: u32 = 0x8400_0000;
pub const PSCI_CPU_SUSPEND: u32 = 0x8400_0001;
pub const PSCI_CPU_OFF: u32 = 0x8400_0002;
pub const PSCI_CPU_ON: u32 = 0x8400_0003;
pub const PSCI_AFFINITY_INFO: u32 = 0x8400_0004;
pub const PSCI_MIGRATE_INFO_TYPE: u32 = 0x8400_0006;
pub const PSCI_SYSTEM_OFF: u32 = 0x8400_0008;
pub const PSCI_SYSTEM_RESET: u32 = 0x8400_0009;
pub const PSCI_FEATURES: u32 = 0x8400_000A;
pub const WELLS_VERSION: u32 = 0x8600_0000;
pub const WELLS_CONSOLE_WRITE: u32 = 0x8600_0001;
pub const WELLS_YIELD: u32 = 0x8600_0002;
pub const WELLS_PORT_SEND: u32 = 0x8600_0003;
pub const WELLS_PORT_RECEIVE: u32 = 0x8600_0004;

/// PSCI 1.0.
const PSCI_1_0: i64 = 0x1_0000;
/// PSCI / SMCCC "not supported".
const NOT_SUPPORTED: i64 = -1;
/// PSCI "invalid parameters".
const INVALID_PARAMETERS: i64 = -2;
/// MIGRATE_INFO_TYPE: no Trusted OS, nothing to migrate.
const NO_MIGRATION: i64 = 2;
/// CPU_SUSPEND's power state: StateType (bit 16) set asks for a power-down state.
const POWER_DOWN: u64 = 1 << 16;
/// Version of wells' own calls.
const WELLS_ABI: i64 = 1;
/// Most bytes one console write or port message may carry.
const TRANSFER_MAX: u64 = 4096;
/// Timeout arguments meaning "as long as it takes": all ones, in a 64- or a 32-bit register.
const FOREVER: u64 = u64::MAX;
const FOREVER_32: u64 = u32::MAX as u64;

/// The PSCI functions this hypervisor implements (those PSCI 1.0 requires).
const PSCI_IMPLEMENTED: [u32; 9] = [
    PSCI_VERSION,
    PSCI_CPU_SUSPEND,
    PSCI_CPU_OFF,
    PSCI_CPU_ON,
    PSCI_AFFINITY_INFO,
    PSCI_MIGRATE_INFO_TYPE,
    PSCI_SYSTEM_OFF,
    PSCI_SYSTEM_RESET,
    PSCI_FEATURES,
];

/// The hypercalls [`fast`] may answer (bit n: wells' call 0x8600_0000 + n), for a CPU port
/// that filters before it asks: `WELLS_VERSION`.
pub const FAST_HYPERCALLS: u64 = 1 << (WELLS_VERSION & 0x3f);

/// The answer (x0) to hypercall `function` when it is one answered without leaving the trap
/// (no kernel state, no switch, no exit of the VM): `WELLS_VERSION`. `None` for every other
/// call, and while a trace watches (it wants each exit on the full path). A CPU port's
/// fast-call entry asks this before it saves a full frame.
#[inline]
pub fn fast(function: u32) -> Option<u64> {
    if crate::trace::on() {
        return None;
    }
    match function & !(1 << 30) {
        WELLS_VERSION => Some(WELLS_ABI as u64),
        _ => None,
    }
}

/// A hypercall (HVC, or a trapped SMC) of the running VM. An ID outside PSCI and wells' range
/// is a fault of the VM; a PSCI function wells does not offer answers NOT_SUPPORTED, as PSCI
/// asks. wells' calls answer a negative `wells_core::Error` code on a bad argument.
// The functions wells answers come first; the PSCI range after them answers every other one.
#[allow(clippy::match_overlapping_arm)]
pub fn hypercall<P: VmPlatform>(regs: &mut dyn GuestRegisters) -> Resume {
    // SMC64 IDs differ from the SMC32 ones only in bit 30.
    let function = (regs.get(0) as u32) & !(1 << 30);
    if crate::trace::on() {
        P::kernel().trace(wells_core::telemetry::EventKind::Hypercall, function as u64);
    }
    let a = [regs.get(1), regs.get(2), regs.get(3), regs.get(4)];
    let result = match function {
        PSCI_VERSION => PSCI_1_0,
        PSCI_FEATURES => {
            let asked = (a[0] as u32) & !(1 << 30);
            if PSCI_IMPLEMENTED.contains(&asked) {
                0
            } else {
                NOT_SUPPORTED
            }
        }
        // Standby: the vCPU lets others run and the guest goes on (a wake-up may end a
        // standby at any time). Power-down states are not offered.
        PSCI_CPU_SUSPEND if a[0] & POWER_DOWN == 0 => status(P::kernel().yield_now().map(|()| 0)),
        PSCI_CPU_SUSPEND => NOT_SUPPORTED,
        // Off until CPU_ON; the VM's last vCPU on turning off: the VM is off.
        PSCI_CPU_OFF => return lifecycle::cpu_off::<P>(),
        PSCI_CPU_ON => match vcpu_number(a[0]) {
            Some(cpu) => lifecycle::cpu_on::<P>(cpu, a[1], a[2]),
            None => INVALID_PARAMETERS,
        },
        // Level 0 (a CPU) only: a VM's vCPUs form no clusters.
        PSCI_AFFINITY_INFO if a[1] == 0 => vcpu_number(a[0]).map_or(INVALID_PARAMETERS, lifecycle::affinity_info::<P>),
        PSCI_AFFINITY_INFO => INVALID_PARAMETERS,
        PSCI_MIGRATE_INFO_TYPE => NO_MIGRATION,
        PSCI_SYSTEM_OFF => lifecycle::power_off::<P>(a[0]),
        PSCI_SYSTEM_RESET => return lifecycle::restart::<P>("PSCI SYSTEM_RESET"),
        0x8400_0000..=0x8400_001f => NOT_SUPPORTED,
        WELLS_VERSION => WELLS_ABI,
        WELLS_CONSOLE_WRITE => status(console_write::<P>(a[0], a[1])),
        WELLS_YIELD => status(P::kernel().yield_now().map(|()| 0)),
        WELLS_PORT_SEND => status(port_send::<P>(a[0], a[1], a[2], a[3])),
        WELLS_PORT_RECEIVE => status(port_receive::<P>(a[0], a[1], a[2], a[3])),
        _ => return lifecycle::fault::<P>(format_args!("undefined hypercall {:#x}", regs.get(0))),
    };
    regs.set(0, result as u64);
    Resume::Next
}

/// The vCPU number a PSCI target MPIDR names: its affinity 0, when affinities 1 to 3 are 0 (the
/// bits outside the affinity fields are ignored, as on QEMU's own PSCI).
fn vcpu_number(mpidr: u64) -> Option<u64> {
    const HIGHER_AFFINITIES: u64 = 0xff_00ff_ff00;
    (mpidr & HIGHER_AFFINITIES == 0).then_some(mpidr & 0xff)
}

fn status(result: Result<u64, Error>) -> i64 {
    match result {
        Ok(value) => value as i64,
        Err(e) => -(e as i64),
    }
}

fn timeout(ms: u64) -> Timeout {
    match ms {
        0 => Timeout::NoWait,
        FOREVER | FOREVER_32 => Timeout::Forever,
        ms => Timeout::Ns(ms.saturating_mul(1_000_000)),
    }
}

fn console_write<P: VmPlatform>(ipa: u64, len: u64) -> Result<u64, Error> {
    if len > TRANSFER_MAX {
        return Err(Error::InvalidArgument);
    }
    let text = guest_memory::<P>(ipa, len).ok_or(Error::InvalidArgument)?;
    P::vms().console_write(P::kernel().current_domain()?, text);
    Ok(len)
}

fn port_send<P: VmPlatform>(port: u64, ipa: u64, len: u64, timeout_ms: u64) -> Result<u64, Error> {
    let port = lifecycle::port::<P>(port).ok_or(Error::InvalidHandle)?;
    if len > TRANSFER_MAX {
        return Err(Error::InvalidArgument);
    }
    let message = guest_memory::<P>(ipa, len).ok_or(Error::InvalidArgument)?;
    port_wait::<P, _>(timeout(timeout_ms), |timeout| P::kernel().port_send(port, message, timeout))?;
    Ok(0)
}

fn port_receive<P: VmPlatform>(port: u64, ipa: u64, len: u64, timeout_ms: u64) -> Result<u64, Error> {
    let port = lifecycle::port::<P>(port).ok_or(Error::InvalidHandle)?;
    if len > TRANSFER_MAX {
        return Err(Error::InvalidArgument);
    }
    let buffer = guest_memory::<P>(ipa, len).ok_or(Error::InvalidArgument)?;
    Ok(port_wait::<P, _>(timeout(timeout_ms), |timeout| P::kernel().port_receive(port, buffer, timeout))? as u64)
}

/// Makes port call `call` of the running vCPU, which may wait up to `timeout`. In a VM of
/// several vCPUs the wait goes in slices of at most [`PORT_WAIT_SLICE_NS`], and ends when the
/// VM restarts: the call must not write the RAM the restart clears, and the restart waits for
/// this vCPU to stop (its caller never sees the answer). A message arriving ends a slice at
/// once, so only an idle wait costs a wake-up per slice.
fn port_wait<P: VmPlatform, T>(timeout: Timeout, mut call: impl FnMut(Timeout) -> Result<T, Error>) -> Result<T, Error> {
    // A call that does not wait asks nothing more of the registry.
    if timeout == Timeout::NoWait || !P::vms().with_current(|vm| vm.vcpus.len() > 1).unwrap_or(false) {
        return call(timeout);
    }
    let kernel = P::kernel();
    let deadline = match timeout {
        Timeout::Ns(ns) => Some(kernel.now_ns().saturating_add(ns)),
        _ => None,
    };
    loop {
        let now = kernel.now_ns();
        let slice = match deadline {
            Some(deadline) if deadline <= now => return Err(Error::Timeout),
            Some(deadline) => (deadline - now).min(PORT_WAIT_SLICE_NS),
            None => PORT_WAIT_SLICE_NS,
        };
        match call(Timeout::Ns(slice)) {
            Err(Error::Timeout) => {}
            done => return done,
        }
        if P::vms().with_current(|vm| vm.resetting.is_some()).unwrap_or(true) {
            return Err(Error::Timeout);
        }
    }
}

/// The longest a port call of a VM of several vCPUs waits before it looks whether its VM
/// restarts.
const PORT_WAIT_SLICE_NS: u64 = 1_000_000;
