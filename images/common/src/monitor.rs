//! The monitor level (Arm EL3): wells managing the secure and non-secure worlds as domains,
//! each world's context an execution context, with SMC dispatch and PSCI for the normal world.
//! Nothing is here yet: the EL3 monitor is its own issue, and builds here, beside
//! [`crate::supervisor`] and [`crate::hypervisor`].
