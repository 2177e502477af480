//! Marks the build for the MPU boards (`cfg(wells_mpu)`): the Thumb targets (`thumbv7m-none-eabi`),
//! whose programs run on the Cortex-M3 and, in Thumb state at EL0, on the Cortex-R52. Neither
//! lets a task read a cycle counter.
fn main() {
    println!("cargo:rustc-check-cfg=cfg(wells_mpu)");
    if std::env::var("TARGET").is_ok_and(|target| target.starts_with("thumbv")) {
        println!("cargo:rustc-cfg=wells_mpu");
    }
}
