//! PL1 (SVC mode), the supervisor's level: its short-descriptor translation ([`mmu`]). What every
//! mode shares — the `Arch` port, exception vectors, the drop from HYP at boot — is in `arm/`
//! itself; HYP (the hypervisor) is `hyp/`.

pub mod mmu;
