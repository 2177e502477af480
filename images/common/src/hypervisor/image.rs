//! What every hypervisor image would otherwise write for itself, written once over the CPU's
//! hypervisor level (`wells_core::arch::hypervisor`): a VM's memory as the CPU's stage-2
//! translation ([`Stage2Space`]), and the board's `Platform`, `GenericTimer` and `VmPlatform`
//! implementations with their statics ([`hypervisor_platform!`](crate::hypervisor_platform)).

use super::GuestSpace;
use alloc::format;
use alloc::string::String;
use wells_core::arch::hypervisor::stage2::{GuestTranslation, Rights};

/// A VM's memory: the CPU's stage-2 tables of it.
pub struct Stage2Space<T: GuestTranslation>(T);

impl<T: GuestTranslation> GuestSpace for Stage2Space<T> {
    fn new(vmid: u8) -> Result<Self, String> {
        if vmid == 0 {
            return Err(String::from("VMID 0 is the hypervisor's"));
        }
        Ok(Stage2Space(T::new(vmid)))
    }

    fn map_ram(&mut self, ipa: usize, pa: usize, size: usize) -> Result<(), String> {
        self.0.map(ipa, pa, size, Rights::RAM).map_err(|e| format!("stage 2 {ipa:#x}+{size:#x}: {e:?}"))
    }

    fn map_device(&mut self, ipa: usize, pa: usize, size: usize) -> Result<(), String> {
        self.0.map(ipa, pa, size, Rights::DEVICE).map_err(|e| format!("stage 2 {ipa:#x}+{size:#x}: {e:?}"))
    }

    fn token(&self) -> usize {
        self.0.token()
    }

    fn flush(&self) {
        self.0.flush();
    }
}

/// Implements `Platform`, `GenericTimer` and `VmPlatform` for a hypervisor image's board type,
/// with the statics they need (CPU, kernel slot, VM registry, loaded vCPU, kernel heap), over
/// the CPU's [`HypervisorCpu`](wells_core::arch::hypervisor::HypervisorCpu) and the board's
/// description (`facts`: what guests see, the GICv2's virtual CPU interface, the timers).
///
/// ```ignore
/// use crate::facts;
/// wells_board_common::hypervisor_platform!(Board, cpu: Aarch64El2, console: UART, facts: facts,
///     space: Stage2Space<Stage2>, vcpu: Vcpu);
/// ```
/// Also defines `HEAP` (the global allocator), `LOADED` and `heap_stats()`.
#[macro_export]
macro_rules! hypervisor_platform {
    ($board:ident, cpu: $cpu:ident, console: $console:path, facts: $facts:ident, space: $space:ty, vcpu: $vcpu:ty) => {
        static CPU: $cpu = $cpu;
        static SLOT: $crate::KernelSlot<$cpu> = $crate::KernelSlot::new();
        static VMS: $crate::hypervisor::Vms<$board> = $crate::hypervisor::Vms::new();
        pub(crate) static LOADED: $crate::hypervisor::LoadedVcpu = $crate::hypervisor::LoadedVcpu::new();

        /// The heap: the rest of RAM after the image (`build.rs`); VM RAM comes from it.
        #[global_allocator]
        pub(crate) static HEAP: wells_core::mem::KernelHeap =
            wells_core::mem::KernelHeap::new($crate::irq_save::<$board>, $crate::irq_restore::<$board>);

        /// Kernel heap use (for code without the board, such as threads).
        pub fn heap_stats() -> wells_core::mem::HeapStats {
            HEAP.stats()
        }

        impl $crate::Platform for $board {
            type Arch = $cpu;

            fn cpu() -> &'static $cpu {
                &CPU
            }

            fn slot() -> &'static $crate::KernelSlot<$cpu> {
                &SLOT
            }

            fn console_write(bytes: &[u8]) {
                $console.write(bytes);
            }

            fn wait_for_interrupt() {
                <$cpu as wells_core::arch::hypervisor::HypervisorCpu>::wait_for_interrupt();
            }

            fn timer_cancel() {
                <$cpu as wells_core::arch::hypervisor::HypervisorCpu>::timer_cancel();
            }

            fn new_kernel(&self) -> $crate::KernelOnBoard<$board> {
                $crate::KernelOnBoard::new(alloc::boxed::Box::new($crate::timer_host::TimerHost::<$board>::new()))
            }

            fn heap_stats(&self) -> wells_core::mem::HeapStats {
                HEAP.stats()
            }
        }

        impl $crate::timer_host::GenericTimer for $board {
            fn counter() -> (u64, u64) {
                <$cpu as wells_core::arch::hypervisor::HypervisorCpu>::counter()
            }

            fn timer_arm(compare: u64) {
                <$cpu as wells_core::arch::hypervisor::HypervisorCpu>::timer_arm(compare);
            }

            fn kick_cpu(cpu: usize) {
                if cpu < wells_core::kernel::percpu::MAX_CPUS {
                    <$board as $crate::hypervisor::GicBoard>::gic().send_sgi($crate::gic::RESCHEDULE_SGI, 1 << cpu);
                }
            }
        }

        impl $crate::hypervisor::VmPlatform for $board {
            type Space = $space;
            type Vcpu = $vcpu;
            const RAM_IPA: usize = $facts::GUEST_RAM;
            const UART_IPA: usize = $facts::GUEST_CONSOLE;
            const GICD_IPA: usize = $facts::GUEST_GIC_DISTRIBUTOR;
            const GICC_IPA: usize = $facts::GUEST_GIC_CPU;
            const GICV_PA: usize = $facts::GIC_VIRTUAL_CPU_BASE;
            const GICV_SIZE: usize = $facts::GIC_VIRTUAL_CPU_SIZE;
            const GUEST_TIMER_IRQ: u32 = $facts::TIMER_EL1_VIRTUAL_INTID;
            const HYP_TIMER_IRQ: u32 = $facts::TIMER_EL2_PHYSICAL_INTID;

            fn vms() -> &'static $crate::hypervisor::Vms<$board> {
                &VMS
            }

            fn loaded() -> &'static $crate::hypervisor::LoadedVcpu {
                &LOADED
            }

            // `vcpu` comes from the VM registry, never from a guest (the trait's contract).
            #[allow(clippy::not_unsafe_ptr_arg_deref)]
            fn enter_guest(entry: $crate::hypervisor::GuestEntry, vcpu: *mut $vcpu) -> ! {
                use wells_core::Arch;
                // Nothing may switch between loading this vCPU's registers and entering its guest.
                CPU.irq_save();
                // A restart of its VM may stop the vCPU before it ever ran: then it starts where
                // the restart says, from reset.
                // SAFETY: `vcpu` is this vCPU's save area in the VM registry (alive until
                // `Vms::clear`), holding its reset state; interrupts are masked.
                let entry = match unsafe { $crate::hypervisor::hold_for_entry::<$board>(vcpu) } {
                    Some(entry) => {
                        $crate::hypervisor::VcpuRegisters::restore(&mut <$vcpu as $crate::hypervisor::VcpuRegisters>::reset_as(entry.cpu));
                        entry
                    }
                    None => entry,
                };
                // SAFETY: as above; the CPU holds its registers now.
                unsafe { $crate::hypervisor::VcpuRegisters::deliver_waiting(&mut *vcpu) };
                <$cpu as wells_core::arch::hypervisor::HypervisorCpu>::enter_guest(vcpu as usize, entry.pc, entry.x0, entry.x1)
            }

            fn kick(cpu: usize) {
                <$board as $crate::hypervisor::GicBoard>::gic().send_sgi($crate::hypervisor::exits::VCPU_KICK_SGI, 1 << cpu);
            }
        }
    };
}
