//! Links the guest at the addresses of `link.ld` (those of the supervisor images: RAM from
//! 0x4000_0000, image at 0x4008_0000).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg=-T{dir}/link.ld");
    println!("cargo:rerun-if-changed=link.ld");
}
