//! EL1, the supervisor's level: its stage-1 translation ([`mmu`]). What every level of the CPU
//! shares — the `Arch` port, exception vectors, the drops between levels at boot — is in
//! `aarch64/` itself; EL2 (the hypervisor) is `el2/`, EL3 (the monitor) `el3/`.

pub mod mmu;
