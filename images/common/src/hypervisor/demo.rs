//! The demo of the hypervisor boards: two VMs side by side, each running a supervisor image
//! (with its user tasks), their console lines prefixed with the VM's name. Ends when both
//! guests have powered off.

use crate::hypervisor::{self, VmPlatform, VmSpec};

/// RAM of each VM: the supervisor image, its stacks and its 96 MiB heap.
const RAM: usize = 128 << 20;

/// Runs VMs "left" and "right" on `image`; returns the exit status.
pub fn run<P: VmPlatform>(board: &P, image: &'static [u8]) -> i32 {
    let k = board.new_kernel();
    for name in ["left", "right"] {
        if let Err(e) = hypervisor::start::<P>(&k, &VmSpec::new(name, image, P::RAM_IPA, RAM)) {
            crate::println!(P, "wells: {e}");
            return 1;
        }
    }
    match k.run() {
        Ok(()) => 0,
        Err(e) => {
            crate::println!(P, "wells: run: {e}");
            1
        }
    }
}
