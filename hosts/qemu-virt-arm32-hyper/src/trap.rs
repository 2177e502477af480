//! What the hypervisor does with each exception taken to HYP. From a guest: its PL1 registers
//! and virtual CPU interface are saved on the vCPU thread's stack first (another vCPU may run
//! before it resumes), the exit is decoded and handed to the shared VM code, and both are
//! loaded again. In HYP itself: interrupts drive the kernel; anything else is a hypervisor
//! fault, reported before the run ends with a failure status.

use crate::board::{Board, GIC, GICH, GUEST_TIMER, HYP_TIMER};
use crate::vcpu::Registers;
use core::fmt::Write;
use wells_board_common::vgic::VgicCpu;
use wells_board_common::vms::{exits, Resume};
use wells_board_common::{Console, Platform};
use wells_core::arch::arm::hyp::exceptions::HypSyndrome;
use wells_core::arch::arm::hyp::guest::{self, GuestContext, MmioAccess};
use wells_core::arch::arm::hyp::{self, HypFrame, HypTrapKind};
use wells_core::arch::guest_exit;
use wells_core::Arch;

/// Exit status when the hypervisor itself takes an unexpected exception.
const HYPERVISOR_FAULT_STATUS: i32 = 101;

/// The state of the guest of the running vCPU while it is out of the CPU.
struct Guest {
    context: GuestContext,
    vgic: VgicCpu,
}

pub(crate) fn handle(frame: &mut HypFrame, kind: HypTrapKind) {
    if frame.from_hyp() {
        match kind {
            HypTrapKind::Irq => interrupt(GIC.acknowledge(), None),
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
    let interrupt_id = (kind == HypTrapKind::Irq).then(|| GIC.acknowledge());
    GuestContext::stop_timer();
    let resume = match (kind, interrupt_id) {
        (_, Some(id)) => {
            interrupt(id, Some(&mut guest));
            Resume::Next
        }
        (HypTrapKind::GuestTrap, _) => guest_synchronous(frame, &mut guest),
        _ => exits::fault::<Board>(format_args!("{kind:?} from the guest (PC={:#x})", frame.elr)),
    };
    if let Resume::Restart(entry) = resume {
        frame.r = [0; 13];
        frame.r[0] = entry.x0 as u32;
        frame.r[1] = entry.x1 as u32;
        frame.elr = entry.pc as u32;
        frame.spsr = guest::SPSR_SVC_MASKED;
        frame.lr_usr = 0;
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
        hyp::hyp_timer_cancel();
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
fn guest_synchronous(frame: &mut HypFrame, guest: &mut Guest) -> Resume {
    let syndrome = HypSyndrome::read();
    let hsr = syndrome.hsr as u64;
    let pc = frame.elr;
    let resume = match guest_exit::class(hsr) {
        // HVC: ELR is already past the instruction.
        0x12 => return blocking(|| exits::hypercall::<Board>(&mut Registers { frame, context: &mut guest.context })),
        // A trapped SMC: ELR is the SMC itself.
        0x13 => blocking(|| exits::hypercall::<Board>(&mut Registers { frame, context: &mut guest.context })),
        0x24 => {
            let ipa = guest::faulting_ipa_page() | (syndrome.hdfar & 0xfff) as u64;
            let access = MmioAccess::decode(hsr).map(|a| exits::MmioAccess { size: a.size, register: a.register, write: a.write });
            let hdfar = syndrome.hdfar;
            exits::mmio::<Board>(ipa, access, &mut Registers { frame, context: &mut guest.context }, format_args!("HSR={hsr:#010x} HDFAR={hdfar:#x} PC={pc:#x}"))
        }
        0x20 => {
            let ipa = guest::faulting_ipa_page() | (syndrome.hifar & 0xfff) as u64;
            exits::fault::<Board>(format_args!("stage-2 instruction abort at IPA {ipa:#x} (HSR={hsr:#010x} PC={pc:#x})"))
        }
        0x01 => {
            let wake_at = guest.context.timer_armed().then(|| counter_to_ns(guest.context.cntv_cval));
            blocking(|| exits::wait_for_interrupt::<Board>(&guest.vgic, wake_at))
        }
        class => exits::fault::<Board>(format_args!("{} (HSR={hsr:#010x} PC={pc:#x})", guest_exit::describe(class))),
    };
    if resume == Resume::Next {
        frame.elr += guest_exit::instruction_length(hsr) as u32;
    }
    resume
}

/// The kernel time (ns) at which the counter reads `count` (guests' virtual counter = physical).
fn counter_to_ns(count: u64) -> u64 {
    let (_, frequency) = hyp::counter();
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

fn unexpected(frame: &HypFrame, kind: HypTrapKind) -> ! {
    let syndrome = HypSyndrome::read();
    let _ = writeln!(
        Console::<Board>::new(),
        "wells: unexpected exception in HYP mode: {kind:?}\n  HSR=0x{:08x} ({}) HDFAR=0x{:08x} HIFAR=0x{:08x}\n  PC=0x{:08x} SPSR=0x{:08x} LR=0x{:08x}",
        syndrome.hsr,
        guest_exit::describe(guest_exit::class(syndrome.hsr as u64)),
        syndrome.hdfar,
        syndrome.hifar,
        frame.elr,
        frame.spsr,
        frame.lr_usr,
    );
    crate::semihosting::exit(HYPERVISOR_FAULT_STATUS)
}
