//! What the hypervisor does with each exception taken to EL2. From a guest: its EL1 registers
//! and virtual CPU interface are saved on the vCPU thread's stack first (another vCPU may run
//! before it resumes), the exit is decoded and handed to the shared VM code, and both are
//! loaded again. At EL2 itself: interrupts drive the kernel; anything else is a hypervisor
//! fault, reported before the run ends with a failure status.

use crate::board::{Board, GIC, GICH, GUEST_TIMER, HYP_TIMER};
use crate::vcpu::Registers;
use core::fmt::Write;
use wells_board_common::vgic::VgicCpu;
use wells_board_common::vms::{exits, Resume};
use wells_board_common::{Console, Platform};
use wells_core::arch::aarch64::el2::{self, guest::{self, GuestContext, MmioAccess}};
use wells_core::arch::aarch64::exceptions::{Class, Source};
use wells_core::arch::aarch64::{Syndrome, TrapFrame, TrapKind};
use wells_core::Arch;

/// Exit status when the hypervisor itself takes an unexpected exception.
const HYPERVISOR_FAULT_STATUS: i32 = 101;

/// The state of the guest of the running vCPU while it is out of the CPU.
struct Guest {
    context: GuestContext,
    vgic: VgicCpu,
}

pub(crate) fn handle(frame: &mut TrapFrame, kind: TrapKind) {
    if !matches!(kind.source, Source::Lower64 | Source::Lower32) {
        match kind.class {
            Class::Irq => interrupt(GIC.acknowledge(), None),
            _ => unexpected(frame, kind),
        }
        return;
    }
    // This lives on the vCPU thread's stack, across any switch the exit causes.
    let mut context = GuestContext::default();
    context.save();
    let mut guest = Guest { context, vgic: VgicCpu::save(&GICH) };
    // Take the interrupt (if that is why the guest left) before stopping its timer, which
    // would withdraw a timer interrupt not yet acknowledged.
    let interrupt_id = (kind.class == Class::Irq).then(|| GIC.acknowledge());
    GuestContext::stop_timer();
    let resume = match (kind.class, interrupt_id) {
        (_, Some(id)) => {
            interrupt(id, Some(&mut guest));
            Resume::Next
        }
        (Class::Synchronous, _) => guest_synchronous(frame, &mut guest),
        _ => exits::fault::<Board>(format_args!("{:?} from the guest (ELR={:#x})", kind.class, frame.elr)),
    };
    if let Resume::Restart(entry) = resume {
        frame.x = [0; 31];
        frame.x[0] = entry.x0;
        frame.x[1] = entry.x1;
        frame.elr = entry.pc;
        frame.spsr = guest::SPSR_EL1H_MASKED;
        frame.sp_el0 = 0;
        guest = Guest { context: GuestContext::reset(), vgic: VgicCpu::reset() };
    }
    guest.vgic.restore(&GICH);
    guest.context.restore();
}

/// A physical interrupt `id` (acknowledged): the hypervisor's timer drives the kernel; the
/// guests' timer, taken while a guest ran, is masked in that guest and injected into it as a
/// virtual interrupt. Interrupts are deactivated at once: nothing stays active for a guest.
fn interrupt(id: u32, guest: Option<&mut Guest>) {
    if id >= 1020 {
        return;
    }
    if id == HYP_TIMER {
        el2::hyp_timer_cancel();
    }
    GIC.end(id);
    GIC.deactivate(id);
    match (id, guest) {
        (HYP_TIMER, _) => {
            if let Some(kernel) = Board::slot().get() {
                kernel.timer_interrupt();
            }
        }
        (GUEST_TIMER, Some(guest)) => {
            guest.context.cntv_ctl |= GuestContext::TIMER_IMASK;
            exits::virtual_timer::<Board>(&mut guest.vgic);
        }
        // A guest timer that fired just as its guest left: it fires again when the guest is back.
        _ => {}
    }
}

/// A synchronous exit: a hypercall, an access stage 2 did not allow, a trapped instruction.
fn guest_synchronous(frame: &mut TrapFrame, guest: &mut Guest) -> Resume {
    let syndrome = Syndrome::read_el2();
    let esr = syndrome.esr;
    let (elr, far) = (frame.elr, syndrome.far);
    let resume = match syndrome.class() {
        // HVC: ELR is already past the instruction.
        0x16 => return blocking(|| exits::hypercall::<Board>(&mut Registers(frame))),
        // A trapped SMC: ELR is the SMC itself.
        0x17 => blocking(|| exits::hypercall::<Board>(&mut Registers(frame))),
        0x24 => {
            let ipa = guest::faulting_ipa_page() | (far & 0xfff);
            let access = MmioAccess::decode(esr).map(|a| exits::MmioAccess { size: a.size, register: a.register, write: a.write });
            exits::mmio::<Board>(ipa, access, &mut Registers(frame), format_args!("ESR={esr:#010x} FAR={far:#x} ELR={elr:#x}"))
        }
        0x20 => {
            let ipa = guest::faulting_ipa_page() | (far & 0xfff);
            exits::fault::<Board>(format_args!("stage-2 instruction abort at IPA {ipa:#x} (ESR={esr:#010x} ELR={elr:#x})"))
        }
        0x01 => {
            let wake_at = guest.context.timer_armed().then(|| counter_to_ns(guest.context.cntv_cval));
            blocking(|| exits::wait_for_interrupt::<Board>(&guest.vgic, wake_at))
        }
        _ => exits::fault::<Board>(format_args!("{} (ESR={esr:#010x} ELR={elr:#x})", syndrome.describe())),
    };
    if resume == Resume::Next {
        frame.elr += guest::instruction_length(esr);
    }
    resume
}

/// The kernel time (ns) at which the counter reads `count` (guests' virtual counter = physical).
fn counter_to_ns(count: u64) -> u64 {
    let (_, frequency) = el2::counter();
    (count as u128 * 1_000_000_000 / frequency.max(1) as u128).min(u64::MAX as u128) as u64
}

/// Runs an exit that may block the vCPU (a hypercall on a port, a yield, a WFI) with interrupts
/// let in, as the kernel requires of a caller that may wait. Other exits run masked: they never
/// wait, and nothing can switch away while they hold temporaries.
fn blocking(exit: impl FnOnce() -> Resume) -> Resume {
    Board::cpu().irq_restore(true);
    let resume = exit();
    Board::cpu().irq_save();
    resume
}

fn unexpected(frame: &TrapFrame, kind: TrapKind) -> ! {
    let syndrome = Syndrome::read_el2();
    let _ = writeln!(
        Console::<Board>::new(),
        "wells: unexpected exception at EL2: {} ({:?} from {:?})\n  ESR=0x{:08x} (class 0x{:02x}) FAR=0x{:016x}\n  ELR=0x{:016x} SPSR=0x{:08x} LR=0x{:016x}",
        syndrome.describe(),
        kind.class,
        kind.source,
        syndrome.esr,
        syndrome.class(),
        syndrome.far,
        frame.elr,
        frame.spsr,
        frame.x[30],
    );
    crate::semihosting::exit(HYPERVISOR_FAULT_STATUS)
}
