//! The demo of the hypervisor boards: a hypervisor system (`systems/*.toml`) — two VMs side by
//! side, each running a supervisor image (with its user tasks), their console lines prefixed
//! with the VM's name. Ends when every guest has powered off.

use crate::hypervisor::{self, GicBoard, VmSpec};
use crate::system::{granted, System};
use crate::timer_host::GenericTimer;

/// Starts the VMs of `system` with the ports they list; returns the exit status. On a board
/// whose CPUs were brought up (an image with feature `smp`), they all join the kernel first,
/// so the VMs' vCPUs spread over them.
pub fn run<P: GicBoard + GenericTimer, T>(board: &P, system: &System<T>) -> i32 {
    let k = board.new_kernel();
    #[cfg(target_has_atomic = "64")]
    {
        let cpus = crate::smp_bring_up::cpus_up();
        if cpus > 1 && !crate::smp_bring_up::join_kernel::<P>(P::gic(), cpus) {
            return 1;
        }
    }
    crate::trace::start::<P>(&k);
    let ports = match system.make_ports(&k) {
        Ok(ports) => ports,
        Err(e) => {
            crate::println!(P, "wells: {}: {e}", system.name);
            return 1;
        }
    };
    for vm in system.vms {
        let handles: alloc::vec::Vec<wells_core::Handle> = granted(&ports, vm.ports).into_iter().map(|(_, handle)| handle).collect();
        let spec = VmSpec {
            priority: vm.priority,
            on_fault: vm.on_fault,
            vcpus: vm.vcpus,
            ports: &handles,
            budget: vm.budget,
            devices: vm.devices,
            ..VmSpec::new(vm.name, vm.image, vm.ram_base, vm.ram_size)
        };
        if let Err(e) = hypervisor::start::<P>(&k, &spec) {
            crate::println!(P, "wells: {}: {e}", system.name);
            return 1;
        }
    }
    let ran = k.run();
    crate::trace::dump::<P>(&k, system.name);
    match ran {
        Ok(()) => 0,
        Err(e) => {
            crate::println!(P, "wells: run: {e}");
            1
        }
    }
}
