//! The description's schema and its checks. Field names are the TOML keys (kebab-case); every
//! address and size is a number (hex with `_` separators reads best).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// One board: `boards/<name>.toml`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Description {
    pub name: String,
    /// QEMU's `-M` value.
    pub machine: String,
    /// QEMU options every boot gets.
    #[serde(default)]
    pub options: Vec<String>,
    pub ram: Ram,
    /// Memory the image runs from in place, when it is not loaded into RAM.
    pub flash: Option<Flash>,
    pub console: Device,
    /// A free-running clock device, on boards whose CPU has no generic timer.
    pub clock: Option<Device>,
    pub gic: Option<Gic>,
    pub timer_interrupts: Option<TimerInterrupts>,
    pub guest: Option<Guest>,
    /// The secure world's memory and devices (QEMU `secure=on`): what a monitor at EL3 uses.
    pub secure: Option<Secure>,
    /// CPU families by the name images use (`arm64`, `arm32`, `cortex-m3`, ...).
    pub cpu: BTreeMap<String, Cpu>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Ram {
    pub base: Spanned<u64>,
    /// Fixed by the board; absent where QEMU's `-m` decides.
    pub size: Option<Spanned<u64>>,
    /// Where an image loaded into RAM starts (absent: images run from flash).
    pub image: Option<Spanned<u64>>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Flash {
    pub base: Spanned<u64>,
    pub size: Spanned<u64>,
}

/// A device block: its MMIO region and its driver's name.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
pub struct Device {
    pub kind: Spanned<String>,
    pub region: Region,
}

#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub base: u64,
    pub size: u64,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Gic {
    pub version: Spanned<u8>,
    pub distributor: Region,
    /// GICv2: the memory-mapped CPU interface.
    pub cpu: Option<Region>,
    /// GICv3: the first CPU's redistributor.
    pub redistributor: Option<Region>,
    /// GICv2 virtualization: the virtual interface control block (GICH).
    pub hypervisor: Option<Region>,
    /// GICv2 virtualization: the virtual CPU interface (GICV) a VM's CPU interface maps to.
    pub virtual_cpu: Option<Region>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimerInterrupts {
    pub el1_virtual: Spanned<u32>,
    pub el2_physical: Option<Spanned<u32>>,
}

/// The layout a VM of the wells hypervisor sees.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Guest {
    pub ram: u64,
    pub image: Spanned<u64>,
    pub console: u64,
    pub gic_distributor: u64,
    pub gic_cpu: u64,
}

/// The secure world of a board with an EL3: only secure accesses reach these.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Secure {
    /// The boot flash a monitor runs from in place (QEMU `-bios`): every CPU starts at its base.
    pub flash: Region,
    /// Secure SRAM: a monitor's data and stack.
    pub sram: Region,
    /// Secure DRAM: the secure world's memory.
    pub dram: Region,
    /// The secure console (a PL011).
    pub console: Region,
    /// The secure GPIO (a PL061) whose pins power the machine off and reset it.
    pub gpio: Region,
    pub power_off_pin: Spanned<u8>,
    pub reset_pin: Spanned<u8>,
    /// Where a normal-world image loads below a monitor (in RAM, clear of the device tree QEMU
    /// puts at the bottom of RAM when it boots firmware).
    pub normal_world_image: Spanned<u64>,
    /// Where in the secure flash a monitor finds the secure world's image packed after itself
    /// (a header, then the image, which the monitor copies to the start of `dram`).
    pub secure_world_package: Option<u64>,
    /// The secure physical timer's interrupt (INTID): the secure world's tick.
    pub secure_timer_interrupt: Option<u32>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Cpu {
    /// Rust target its images build for.
    pub target: String,
    /// QEMU program.
    pub qemu: String,
    /// QEMU `-cpu` models the board runs with this family; the first is the default.
    pub models: Spanned<Vec<String>>,
    /// Standard crates built from source (`-Zbuild-std`) where rustup has no prebuilt std.
    #[serde(default)]
    pub build_std: Vec<String>,
}

/// A check that failed: where and why.
struct Problem {
    span: Range<usize>,
    field: String,
    message: String,
}

fn problem<T>(value: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { span: value.span(), field: field.into(), message: message.into() }
}

/// 1-based line of byte offset `at`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

impl Description {
    /// Parses and checks a description; an error reads `<line>: <field>: <what is wrong>`.
    pub fn parse(text: &str) -> Result<Description, String> {
        let description: Description = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start)).unwrap_or(1);
            format!("{line}: {}", e.message().trim())
        })?;
        description
            .check()
            .map_err(|p| format!("{}: {}: {}", line_of(text, p.span.start), p.field, p.message))?;
        Ok(description)
    }

    fn check(&self) -> Result<(), Problem> {
        let ram = *self.ram.base.get_ref();
        if !ram.is_multiple_of(4096) {
            return Err(problem(&self.ram.base, "ram.base", "must be 4 KiB aligned"));
        }
        match (&self.ram.image, &self.flash) {
            (Some(image), None) => {
                if *image.get_ref() < ram || image.get_ref() % 4096 != 0 {
                    return Err(problem(image, "ram.image", "must be 4 KiB aligned and inside RAM"));
                }
                if let Some(size) = &self.ram.size {
                    if *image.get_ref() >= ram + size.get_ref() {
                        return Err(problem(image, "ram.image", "must be inside RAM"));
                    }
                }
            }
            (None, Some(flash)) => {
                if self.ram.size.is_none() {
                    return Err(problem(&flash.base, "ram.size", "a board running from flash needs its RAM size"));
                }
            }
            (Some(image), Some(_)) => return Err(problem(image, "ram.image", "an image runs from RAM or from flash, not both")),
            (None, None) => return Err(problem(&self.ram.base, "ram.image", "missing: where images load (or a [flash] section)")),
        }
        for device in std::iter::once(&self.console).chain(&self.clock) {
            let known = ["pl011", "cmsdk-uart", "cmsdk-timer"];
            if !known.contains(&device.kind.get_ref().as_str()) {
                return Err(problem(&device.kind, "console/clock kind", format!("unknown device kind (known: {})", known.join(", "))));
            }
        }
        if let Some(gic) = &self.gic {
            match (*gic.version.get_ref(), &gic.cpu, &gic.redistributor) {
                (2, Some(_), None) => {}
                (3, None, Some(_)) => {}
                (2, _, _) => return Err(problem(&gic.version, "gic", "a GICv2 has `cpu` and no `redistributor`")),
                (3, _, _) => return Err(problem(&gic.version, "gic", "a GICv3 has `redistributor` and no `cpu`")),
                _ => return Err(problem(&gic.version, "gic.version", "must be 2 or 3")),
            }
        }
        if let Some(timers) = &self.timer_interrupts {
            for (intid, field) in [(Some(&timers.el1_virtual), "timer-interrupts.el1-virtual"), (timers.el2_physical.as_ref(), "timer-interrupts.el2-physical")] {
                if let Some(intid) = intid {
                    if !(16..32).contains(intid.get_ref()) {
                        return Err(problem(intid, field, "a timer interrupt is a PPI: 16..=31"));
                    }
                }
            }
        }
        if let Some(guest) = &self.guest {
            if guest.image.get_ref() % 4096 != 0 || *guest.image.get_ref() < guest.ram {
                return Err(problem(&guest.image, "guest.image", "must be 4 KiB aligned and inside the guest's RAM"));
            }
        }
        if let Some(secure) = &self.secure {
            for (pin, field) in [(&secure.power_off_pin, "secure.power-off-pin"), (&secure.reset_pin, "secure.reset-pin")] {
                if *pin.get_ref() > 7 {
                    return Err(problem(pin, field, "a PL061 has pins 0..=7"));
                }
            }
            let image = *secure.normal_world_image.get_ref();
            if image % 4096 != 0 || image < ram || self.ram.size.as_ref().is_some_and(|size| image >= ram + size.get_ref()) {
                return Err(problem(&secure.normal_world_image, "secure.normal-world-image", "must be 4 KiB aligned and inside RAM"));
            }
            if secure.power_off_pin.get_ref() == secure.reset_pin.get_ref() {
                return Err(problem(&secure.reset_pin, "secure.reset-pin", "must differ from power-off-pin"));
            }
        }
        for (name, cpu) in &self.cpu {
            if cpu.models.get_ref().is_empty() {
                return Err(problem(&cpu.models, format!("cpu.{name}.models"), "needs at least one QEMU model"));
            }
        }
        Ok(())
    }

    /// CPU family `name`, or an error naming the families the board has.
    pub fn cpu(&self, name: &str) -> Result<&Cpu, String> {
        self.cpu.get(name).ok_or_else(|| {
            let known: Vec<&str> = self.cpu.keys().map(String::as_str).collect();
            format!("board `{}` has no CPU family `{name}` (it has: {})", self.name, known.join(", "))
        })
    }

    /// The MMIO a kernel drives: console, clock, the GIC's distributor and its CPU interface
    /// (v2) or first redistributor (v3).
    pub fn kernel_devices(&self) -> Vec<Region> {
        let mut devices = Vec::new();
        if let Some(gic) = &self.gic {
            devices.push(gic.distributor);
            devices.extend(gic.cpu.iter().chain(&gic.redistributor).copied());
        }
        devices.push(self.console.region);
        devices.extend(self.clock.iter().map(|clock| clock.region));
        devices
    }

    /// Where the image starts: in RAM, or at the bottom of flash.
    pub fn image_base(&self) -> u64 {
        match (&self.ram.image, &self.flash) {
            (Some(image), _) => *image.get_ref(),
            (None, Some(flash)) => *flash.base.get_ref(),
            (None, None) => unreachable!("checked by parse"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "b"
machine = "m"
[ram]
base = 0x4000_0000
image = 0x4008_0000
[console]
kind = "pl011"
region = { base = 0x0900_0000, size = 0x1000 }
[cpu.arm64]
target = "t"
qemu = "q"
models = ["cortex-a53"]
"#;

    #[test]
    fn a_good_description_reads() {
        let description = Description::parse(GOOD).unwrap();
        assert_eq!(description.image_base(), 0x4008_0000);
        assert_eq!(description.cpu("arm64").unwrap().models.get_ref()[0], "cortex-a53");
        assert!(description.cpu("arm32").unwrap_err().contains("has: arm64"));
    }

    #[test]
    fn errors_name_the_line_and_field() {
        let misaligned = GOOD.replace("image = 0x4008_0000", "image = 0x4008_0100");
        assert_eq!(Description::parse(&misaligned).unwrap_err(), "6: ram.image: must be 4 KiB aligned and inside RAM");
        let unknown = GOOD.replace("kind = \"pl011\"", "kind = \"16550\"");
        assert!(Description::parse(&unknown).unwrap_err().starts_with("8: console/clock kind: unknown device kind"));
        let typo = GOOD.replace("machine", "machne");
        assert!(Description::parse(&typo).unwrap_err().starts_with("3: unknown field `machne`"), "{}", Description::parse(&typo).unwrap_err());
        let no_models = GOOD.replace("[\"cortex-a53\"]", "[]");
        assert_eq!(Description::parse(&no_models).unwrap_err(), "13: cpu.arm64.models: needs at least one QEMU model");
    }

    #[test]
    fn every_board_of_the_repository_reads() {
        let boards = crate::boards_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")));
        let mut count = 0;
        for entry in std::fs::read_dir(&boards).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let name = path.file_stem().unwrap().to_str().unwrap();
                let description = crate::load(&boards, name).unwrap();
                assert_eq!(description.name, name, "a board's file is named after it");
                count += 1;
            }
        }
        assert!(count >= 3);
    }
}
