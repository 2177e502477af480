//! EL3, the monitor's level. Today wells only passes through it: entered at EL3, `boot.rs`
//! configures SCR_EL3 for a non-secure EL2 and drops. The EL3 runtime (SMC dispatch, PSCI, the
//! secure world) is built here by the monitor issue, beside `el1/` and `el2/`.
