//! Links the image at the addresses of `link.ld`; the guest images come from the directory
//! `cargo xtask` names in WELLS_GUESTS_32.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-env-changed=WELLS_GUESTS_32");
    println!("cargo:rerun-if-env-changed=WELLS_GUEST_SUPERVISOR_32");
    println!("cargo:rerun-if-env-changed=WELLS_GUEST_SUPERVISOR_BENCH_32");
}
