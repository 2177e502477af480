//! System descriptions: one TOML file per runnable system in `systems/` says which board, CPU
//! family and level it runs, its ports, and its domains — user tasks (supervisor), VMs
//! (hypervisor), or partitions (the Cortex-R52's hypervisor, in time windows of a major frame) —
//! with what each is given. [`load`] reads and checks one against its board, the
//! programs of `user/apps` and the other systems; [`rust`] turns a checked one into the image's
//! static tables (`$OUT_DIR/system.rs`). Field names are the TOML keys (kebab-case).

use crate::description::{line_of, Description};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Most vCPUs a VM may have (`wells_board_common::hypervisor::vgic::MAX_VCPUS`).
const MAX_VCPUS: u8 = 8;
/// Highest thread priority of the kernel (`wells_core::sched::PRIORITY_MAX`).
pub const PRIORITY_MAX: u8 = 31;
/// A VM's RAM is mapped with 2 MiB stage-2 blocks: its base and size are multiples of this.
pub const VM_RAM_ALIGN: u64 = 2 << 20;
/// A partition's RAM at most (the R52 hypervisor lays partitions out 1 MiB apart from 16 MiB into
/// DDR; 64 MiB each keeps twelve within the board's RAM).
pub const PARTITION_RAM_MAX: u64 = 64 << 20;
/// The shortest window of a partition.
pub const PARTITION_WINDOW_MIN_US: u64 = 10;
/// The programs a Cortex-M3 partition may run (`images/cortex-m3/src/partitions/programs.rs`).
pub const M3_PARTITION_PROGRAMS: [&str; 3] = ["m3-wells", "m3-threads", "m3-spin"];
/// What a VM may run besides a supervisor system: the bare test guest (`images/bare-guest`).
pub const BARE_GUEST: &str = "bare-guest";
/// What an arm64 VM may also run: Debian's arm64 Linux (docs/linux-guest.md), carried by the
/// hypervisor image built with feature `linux-guest`.
pub const LINUX_GUEST: &str = "linux";
/// The virtual devices a VM may be given.
pub const VM_DEVICES: [&str; 2] = ["uart", "gic"];

/// One system: `systems/<name>.toml`.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct System {
    /// One line: what runs (`cargo xtask run --help` lists it).
    pub description: String,
    /// `boards/<board>.toml`.
    pub board: Spanned<String>,
    /// A CPU family of the board (`arm64`, `arm32`, `cortex-r52`, `cortex-m3`).
    pub cpu: Spanned<String>,
    /// `supervisor` (domains are user tasks), `hypervisor` (domains are VMs) or `monitor`
    /// (domains are worlds).
    pub level: Spanned<String>,
    /// Ports the kernel creates before the domains start; domains are granted them by name.
    #[serde(default)]
    pub port: Vec<Port>,
    pub domain: Spanned<Vec<Spanned<Domain>>>,
    /// Partitions (Cortex-R52 hypervisor): the length of the major frame their windows share, in
    /// microseconds.
    pub major_frame_us: Option<Spanned<u64>>,
    /// The file's name without `.toml` (set by [`load`]).
    #[serde(skip)]
    pub name: String,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Port {
    pub name: Spanned<String>,
    /// Bytes of one message.
    pub message_size: Spanned<u32>,
    /// Messages it holds.
    pub depth: Spanned<u32>,
}

/// A domain: the fields of both kinds, checked per kind.
#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Domain {
    /// `task`, `vm` or `world`.
    pub kind: Spanned<String>,
    pub name: Spanned<String>,
    /// Its threads' (task) or vCPU's (VM) priority, 0..=31; a world has none.
    pub priority: Option<Spanned<u8>>,
    /// Ports it may use: a task opens them by name, a VM's hypercall port n is the n-th.
    #[serde(default)]
    pub ports: Vec<Spanned<String>>,
    /// CPU time its threads may use per period.
    pub budget: Option<Spanned<Budget>>,
    /// Task: a program of `user/apps` by name.
    pub program: Option<Spanned<String>>,
    /// Task: 64 or 32 (a 32-bit task beside 64-bit ones on arm64); default the CPU's width.
    pub bits: Option<Spanned<u32>>,
    /// VM: what it runs: a supervisor system's name, or `bare-guest`. World: the supervisor
    /// system it runs.
    pub image: Option<Spanned<String>>,
    /// VM: guest-physical address of its RAM (default: where the board's guests expect it).
    pub ram_base: Option<Spanned<u64>>,
    /// VM: bytes of RAM, a multiple of 2 MiB.
    pub ram_size: Option<Spanned<u64>>,
    /// VM: its virtual devices (`uart`, `gic`: the interrupt controller and with it the
    /// virtual timer's interrupt).
    pub devices: Option<Spanned<Vec<String>>>,
    /// VM: `stop` or `restart` on a fault.
    pub on_fault: Option<Spanned<String>>,
    /// VM with `on-fault = "restart"`: how many times at most.
    pub restarts: Option<Spanned<u32>>,
    /// VM: how many vCPUs, 1 to 8 (default 1); the guest turns the others on with PSCI CPU_ON.
    pub vcpus: Option<Spanned<u8>>,
    /// Partition: its window in each major frame, in microseconds.
    pub window_us: Option<Spanned<u64>>,
    /// Partition: put in r0 at its entry (the bare guest's scenario).
    pub arg: Option<Spanned<u32>>,
}

#[derive(Deserialize, Debug, Clone, Copy)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Budget {
    pub run_us: u64,
    pub period_us: u64,
}

/// What the checks need besides the file: its board and the names around it.
pub struct Context<'a> {
    pub board: &'a Description,
    /// Programs of `user/apps`.
    pub programs: &'a [String],
    /// Supervisor systems by name and CPU family (what a VM may run).
    pub supervisors: &'a [(String, String)],
    /// Hypervisor systems by name and CPU family (what a monitor's normal world may run too:
    /// the full stack).
    pub hypervisors: &'a [(String, String)],
}

struct Problem {
    span: Range<usize>,
    field: String,
    message: String,
}

fn problem<T>(value: &Spanned<T>, field: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem { span: value.span(), field: field.into(), message: message.into() }
}

impl System {
    /// Reads a description; an error reads `<line>: <field>: <what is wrong>`. Checks what the
    /// file alone can tell; [`System::check`] the rest.
    pub fn parse(text: &str) -> Result<System, String> {
        let system: System = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|span| line_of(text, span.start)).unwrap_or(1);
            format!("{line}: {}", e.message().trim())
        })?;
        Ok(system)
    }

    /// Checks the description against its board, the programs and the other systems.
    pub fn check(&self, text: &str, context: &Context) -> Result<(), String> {
        self.check_problems(context).map_err(|p| format!("{}: {}: {}", line_of(text, p.span.start), p.field, p.message))
    }

    /// The domains in file order.
    pub fn domains(&self) -> impl Iterator<Item = &Domain> {
        self.domain.get_ref().iter().map(|d| d.get_ref())
    }

    fn check_problems(&self, context: &Context) -> Result<(), Problem> {
        let board = context.board;
        if board.name != *self.board.get_ref() {
            return Err(problem(&self.board, "board", format!("is `{}` but the description read is `{}`", self.board.get_ref(), board.name)));
        }
        if board.cpu(self.cpu.get_ref()).is_err() {
            let known: Vec<&str> = board.cpu.keys().map(String::as_str).collect();
            return Err(problem(&self.cpu, "cpu", format!("board `{}` has no CPU family `{}` (it has: {})", board.name, self.cpu.get_ref(), known.join(", "))));
        }
        let level_kind = match self.level.get_ref().as_str() {
            "supervisor" => "task",
            "hypervisor" if matches!(self.cpu.get_ref().as_str(), "cortex-r52" | "cortex-m3") => "partition",
            "hypervisor" if board.guest.is_some() && matches!(self.cpu.get_ref().as_str(), "arm64" | "arm32") => "vm",
            "hypervisor" => {
                return Err(problem(&self.level, "level", format!("no hypervisor for {} on board `{}` (only arm64 and arm32 on a board with a [guest])", self.cpu.get_ref(), board.name)))
            }
            "monitor" if board.secure.is_some() && self.cpu.get_ref() == "arm64" => "world",
            "monitor" => {
                return Err(problem(&self.level, "level", format!("no monitor for {} on board `{}` (only arm64 on a board with a [secure] section)", self.cpu.get_ref(), board.name)))
            }
            other => return Err(problem(&self.level, "level", format!("unknown level `{other}` (levels: supervisor, hypervisor, monitor)"))),
        };
        let mut ports = BTreeSet::new();
        for port in &self.port {
            let name = port.name.get_ref();
            if !ports.insert(name.as_str()) {
                return Err(problem(&port.name, "port.name", format!("a second port `{name}`")));
            }
            if *port.message_size.get_ref() == 0 {
                return Err(problem(&port.message_size, format!("port.{name}.message-size"), "must be at least 1"));
            }
            if *port.depth.get_ref() == 0 {
                return Err(problem(&port.depth, format!("port.{name}.depth"), "must be at least 1"));
            }
        }
        if self.domain.get_ref().is_empty() {
            return Err(problem(&self.domain, "domain", "a system needs at least one domain"));
        }
        let mut names = BTreeSet::new();
        let mut granted = BTreeSet::new();
        for domain in self.domain.get_ref() {
            let d = domain.get_ref();
            let name = d.name.get_ref().as_str();
            if !names.insert(name) {
                return Err(problem(&d.name, "domain.name", format!("a second domain `{name}`")));
            }
            let field = |f: &str| format!("domain.{name}.{f}");
            if let Some(priority) = d.priority.as_ref().filter(|p| *p.get_ref() > PRIORITY_MAX) {
                return Err(problem(priority, field("priority"), format!("must be 0..={PRIORITY_MAX}")));
            }
            for port in &d.ports {
                if !ports.contains(port.get_ref().as_str()) {
                    return Err(problem(port, field("ports"), format!("no port `{}` in this system", port.get_ref())));
                }
                granted.insert(port.get_ref().as_str());
            }
            if let Some(budget) = &d.budget {
                let b = budget.get_ref();
                if b.period_us == 0 || b.run_us == 0 || b.run_us > b.period_us {
                    return Err(problem(budget, field("budget"), "needs 0 < run-us <= period-us"));
                }
            }
            // Fields of the other kind are mistakes, not options.
            let task_fields = [("program", d.program.as_ref().map(|s| s.span())), ("bits", d.bits.as_ref().map(|s| s.span()))];
            let vm_fields = [
                ("image", d.image.as_ref().map(|s| s.span())),
                ("ram-base", d.ram_base.as_ref().map(|s| s.span())),
                ("ram-size", d.ram_size.as_ref().map(|s| s.span())),
                ("devices", d.devices.as_ref().map(|s| s.span())),
                ("on-fault", d.on_fault.as_ref().map(|s| s.span())),
                ("restarts", d.restarts.as_ref().map(|s| s.span())),
                ("vcpus", d.vcpus.as_ref().map(|s| s.span())),
            ];
            let partition_only = [("window-us", d.window_us.as_ref().map(|s| s.span())), ("arg", d.arg.as_ref().map(|s| s.span()))];
            // A partition has an image, RAM, a window and a fault policy: no priority, ports,
            // budget or devices (its UART is always emulated).
            let partition_fields: Vec<(&str, Option<Range<usize>>)> = task_fields
                .iter()
                .chain(vm_fields.iter().filter(|(key, _)| *key == "ram-base"))
                .cloned()
                .chain([
                    ("priority", d.priority.as_ref().map(|s| s.span())),
                    ("budget", d.budget.as_ref().map(|s| s.span())),
                    ("ports", d.ports.first().map(|s| s.span())),
                ])
                .collect();
            let task_foreign: Vec<_> = vm_fields.iter().chain(&partition_only).cloned().collect();
            let vm_foreign: Vec<_> = task_fields.iter().chain(&partition_only).cloned().collect();
            // A world runs an image and has nothing else: every field but `image` is foreign.
            let world_fields: Vec<(&str, Option<Range<usize>>)> = task_fields
                .iter()
                .chain(vm_fields.iter().filter(|(key, _)| *key != "image"))
                .chain(&partition_only)
                .cloned()
                .chain([
                    ("priority", d.priority.as_ref().map(|s| s.span())),
                    ("budget", d.budget.as_ref().map(|s| s.span())),
                    ("ports", d.ports.first().map(|s| s.span())),
                ])
                .collect();
            let (kind, foreign) = match d.kind.get_ref().as_str() {
                "task" => ("task", &task_foreign[..]),
                "vm" => ("vm", &vm_foreign[..]),
                "world" => ("world", &world_fields[..]),
                "partition" => ("partition", &partition_fields[..]),
                other => return Err(problem(&d.kind, field("kind"), format!("unknown kind `{other}` (kinds: task, vm, world, partition)"))),
            };
            if kind != level_kind {
                let wants = match level_kind {
                    "vm" => "VMs (kind = \"vm\")",
                    "world" => "worlds (kind = \"world\")",
                    "partition" => "partitions (kind = \"partition\")",
                    _ => "tasks (kind = \"task\")",
                };
                return Err(problem(&d.kind, field("kind"), format!("a {} system's domains are {wants}", self.level.get_ref())));
            }
            if let Some((key, Some(span))) = foreign.iter().find(|(_, span)| span.is_some()) {
                return Err(Problem { span: span.clone(), field: field(key), message: format!("not a field of a {kind}") });
            }
            if d.priority.is_none() && !matches!(kind, "world" | "partition") {
                return Err(problem(domain, field("priority"), format!("missing: its threads' priority, 0..={PRIORITY_MAX}")));
            }
            match kind {
                "task" => self.check_task(d, context, &field)?,
                "vm" => self.check_vm(domain, context, &field)?,
                "partition" => self.check_partition(domain, context, &field)?,
                _ => self.check_world(domain, context, &field)?,
            }
        }
        self.check_major_frame(level_kind)?;
        if let Some(port) = self.port.iter().find(|p| !granted.contains(p.name.get_ref().as_str())) {
            return Err(problem(&port.name, "port.name", format!("port `{}` is granted to no domain", port.name.get_ref())));
        }
        Ok(())
    }

    fn check_task(&self, d: &Domain, context: &Context, field: &dyn Fn(&str) -> String) -> Result<(), Problem> {
        let Some(program) = &d.program else {
            return Err(problem(&d.kind, field("program"), "missing: a task runs a program of user/apps"));
        };
        if !context.programs.iter().any(|p| p == program.get_ref()) {
            return Err(problem(program, field("program"), format!("unknown program `{}` (user/apps has: {})", program.get_ref(), context.programs.join(", "))));
        }
        if let Some(bits) = &d.bits {
            let widths: &[u32] = match self.cpu.get_ref().as_str() {
                "arm64" => &[64, 32],
                _ => &[32],
            };
            if !widths.contains(bits.get_ref()) {
                return Err(problem(bits, field("bits"), format!("{} tasks are {} bits", self.cpu.get_ref(), widths.iter().map(u32::to_string).collect::<Vec<_>>().join(" or "))));
            }
        }
        Ok(())
    }

    /// A world of a monitor: `normal` or `secure` (`docs/monitor.md`), running a supervisor
    /// system of the same CPU (the secure one at secure EL1, packed into the monitor's flash).
    fn check_world(&self, domain: &Spanned<Domain>, context: &Context, field: &dyn Fn(&str) -> String) -> Result<(), Problem> {
        let d = domain.get_ref();
        let world = d.name.get_ref().as_str();
        if world != "normal" && world != "secure" {
            return Err(problem(&d.name, "domain.name", "a monitor's worlds are `normal` and `secure`"));
        }
        let Some(image) = &d.image else {
            return Err(problem(domain, field("image"), format!("missing: the supervisor system the {world} world runs")));
        };
        let cpu = self.cpu.get_ref();
        let hypervisor = world == "normal" && context.hypervisors.iter().any(|(name, c)| name == image.get_ref() && c == cpu);
        if !hypervisor && !context.supervisors.iter().any(|(name, c)| name == image.get_ref() && c == cpu) {
            let runnable: Vec<&str> = context.supervisors.iter().filter(|(_, c)| c == cpu).map(|(n, _)| n.as_str()).collect();
            return Err(problem(image, field("image"), format!("unknown image `{}` (a {cpu} {world} world runs: {})", image.get_ref(), runnable.join(", "))));
        }
        Ok(())
    }

    /// The image a monitor system's normal world runs.
    pub fn normal_world_image(&self) -> Option<&str> {
        self.world_image("normal")
    }

    /// The image a monitor system's secure world runs, if it has one.
    pub fn secure_world_image(&self) -> Option<&str> {
        self.world_image("secure")
    }

    fn world_image(&self, world: &str) -> Option<&str> {
        self.domains().find(|d| d.kind.get_ref() == "world" && d.name.get_ref() == world).and_then(|d| d.image.as_ref()).map(|i| i.get_ref().as_str())
    }

    fn check_vm(&self, domain: &Spanned<Domain>, context: &Context, field: &dyn Fn(&str) -> String) -> Result<(), Problem> {
        let d = domain.get_ref();
        let guest = context.board.guest.as_ref().expect("checked with the level");
        let Some(image) = &d.image else {
            return Err(problem(domain, field("image"), "missing: a VM runs a supervisor system or `bare-guest`"));
        };
        let cpu = self.cpu.get_ref();
        let linux = image.get_ref() == LINUX_GUEST && cpu == "arm64";
        let known = linux || image.get_ref() == BARE_GUEST || context.supervisors.iter().any(|(name, c)| name == image.get_ref() && c == cpu);
        if !known {
            let mut runnable: Vec<&str> = context.supervisors.iter().filter(|(_, c)| c == cpu).map(|(n, _)| n.as_str()).collect();
            runnable.push(BARE_GUEST);
            if cpu == "arm64" {
                runnable.push(LINUX_GUEST);
            }
            return Err(problem(image, field("image"), format!("unknown image `{}` (a {cpu} VM runs: {})", image.get_ref(), runnable.join(", "))));
        }
        let Some(size) = &d.ram_size else {
            return Err(problem(domain, field("ram-size"), "missing: bytes of RAM, a multiple of 2 MiB"));
        };
        if *size.get_ref() == 0 || !size.get_ref().is_multiple_of(VM_RAM_ALIGN) {
            return Err(problem(size, field("ram-size"), "must be a multiple of 2 MiB (stage-2 blocks)"));
        }
        let base = d.ram_base.as_ref().map_or(guest.ram, |b| *b.get_ref());
        if let Some(b) = &d.ram_base {
            if !b.get_ref().is_multiple_of(VM_RAM_ALIGN) {
                return Err(problem(b, field("ram-base"), "must be 2 MiB aligned"));
            }
        }
        let image_at = *guest.image.get_ref();
        if image_at < base || image_at >= base + size.get_ref() {
            return Err(problem(d.ram_base.as_ref().unwrap_or(size), field("ram-base"), format!("guest images load at {image_at:#x}: outside this RAM")));
        }
        if let Some(devices) = &d.devices {
            let mut seen = BTreeSet::new();
            for device in devices.get_ref() {
                if !VM_DEVICES.contains(&device.as_str()) || !seen.insert(device.as_str()) {
                    return Err(problem(devices, field("devices"), format!("`{device}`: each at most once, of: {}", VM_DEVICES.join(", "))));
                }
            }
        }
        match (d.on_fault.as_ref().map(|o| o.get_ref().as_str()), &d.restarts) {
            (None | Some("stop"), None) => {}
            (Some("restart"), Some(n)) if *n.get_ref() > 0 => {}
            (Some("restart"), _) => return Err(problem(d.on_fault.as_ref().unwrap(), field("restarts"), "missing: `on-fault = \"restart\"` needs `restarts = N` (N >= 1)")),
            (None | Some("stop"), Some(n)) => return Err(problem(n, field("restarts"), "only with `on-fault = \"restart\"`")),
            (Some(other), _) => return Err(problem(d.on_fault.as_ref().unwrap(), field("on-fault"), format!("unknown policy `{other}` (policies: stop, restart)"))),
        }
        if let Some(vcpus) = &d.vcpus {
            if !(1..=MAX_VCPUS).contains(vcpus.get_ref()) {
                return Err(problem(vcpus, field("vcpus"), format!("must be 1..={MAX_VCPUS} (what a GICv2 addresses)")));
            }
        }
        Ok(())
    }

    /// A partition of the Cortex-R52 hypervisor: the bare guest (position-independent) or a
    /// cortex-r52 supervisor system (its image, linked at the board's image address), its RAM,
    /// its window, its devices (emulated: `uart`, `gic`; default both), its fault policy.
    fn check_partition(&self, domain: &Spanned<Domain>, context: &Context, field: &dyn Fn(&str) -> String) -> Result<(), Problem> {
        let d = domain.get_ref();
        let cpu = self.cpu.get_ref();
        let mut runnable: Vec<&str> = context.supervisors.iter().filter(|(_, c)| c == cpu).map(|(n, _)| n.as_str()).collect();
        if cpu == "cortex-m3" {
            // The Cortex-M3's partitions run the programs its image carries (`images/cortex-m3`).
            runnable = M3_PARTITION_PROGRAMS.to_vec();
        } else {
            runnable.push(BARE_GUEST);
        }
        match &d.image {
            None => return Err(problem(domain, field("image"), format!("missing: a partition runs one of: {}", runnable.join(", ")))),
            Some(image) if !runnable.contains(&image.get_ref().as_str()) => {
                return Err(problem(image, field("image"), format!("unknown image `{}` (a partition runs: {})", image.get_ref(), runnable.join(", "))))
            }
            Some(_) => {}
        }
        match &d.ram_size {
            None => return Err(problem(domain, field("ram-size"), "missing: bytes of RAM, a multiple of 64 (the MPU's granule)")),
            Some(size) if *size.get_ref() == 0 || !size.get_ref().is_multiple_of(64) || *size.get_ref() > PARTITION_RAM_MAX => {
                return Err(problem(size, field("ram-size"), format!("must be a multiple of 64 (the MPU's granule), at most {PARTITION_RAM_MAX:#x}")))
            }
            Some(_) => {}
        }
        match &d.window_us {
            None => return Err(problem(domain, field("window-us"), "missing: its window in each major frame, in microseconds")),
            Some(w) if *w.get_ref() < PARTITION_WINDOW_MIN_US => return Err(problem(w, field("window-us"), format!("at least {PARTITION_WINDOW_MIN_US} us"))),
            Some(_) => {}
        }
        if let Some(devices) = &d.devices {
            let mut seen = BTreeSet::new();
            for device in devices.get_ref() {
                if !VM_DEVICES.contains(&device.as_str()) || !seen.insert(device.as_str()) {
                    return Err(problem(devices, field("devices"), format!("`{device}`: each at most once, of: {}", VM_DEVICES.join(", "))));
                }
            }
        }
        match (d.on_fault.as_ref().map(|o| o.get_ref().as_str()), &d.restarts) {
            (None | Some("stop"), None) => Ok(()),
            (Some("restart"), Some(n)) if *n.get_ref() > 0 => Ok(()),
            (Some("restart"), _) => Err(problem(d.on_fault.as_ref().unwrap(), field("restarts"), "missing: `on-fault = \"restart\"` needs `restarts = N` (N >= 1)")),
            (None | Some("stop"), Some(n)) => Err(problem(n, field("restarts"), "only with `on-fault = \"restart\"`")),
            (Some(other), _) => Err(problem(d.on_fault.as_ref().unwrap(), field("on-fault"), format!("unknown policy `{other}` (policies: stop, restart)"))),
        }
    }

    /// Partitions need a major frame their windows fit in; other systems have none.
    fn check_major_frame(&self, level_kind: &str) -> Result<(), Problem> {
        match (&self.major_frame_us, level_kind) {
            (None, "partition") => Err(problem(&self.level, "major-frame-us", "missing: the major frame the partitions' windows share, in microseconds")),
            (Some(frame), "partition") => {
                let used: u64 = self.domains().filter_map(|d| d.window_us.as_ref()).map(|w| *w.get_ref()).sum();
                if used > *frame.get_ref() {
                    return Err(problem(frame, "major-frame-us", format!("the windows take {used} us, more than the frame")));
                }
                Ok(())
            }
            (Some(frame), _) => Err(problem(frame, "major-frame-us", "only partitions (a cortex-r52 hypervisor) have a major frame")),
            (None, _) => Ok(()),
        }
    }

    /// The task's instruction-set width.
    pub fn bits(&self, domain: &Domain) -> u32 {
        domain.bits.as_ref().map_or(if self.cpu.get_ref() == "arm64" { 64 } else { 32 }, |b| *b.get_ref())
    }
}

/// `systems/` of the repository that holds `start`.
pub fn systems_dir(start: &Path) -> PathBuf {
    start
        .ancestors()
        .map(|dir| dir.join("systems"))
        .find(|dir| dir.is_dir())
        .unwrap_or_else(|| panic!("wells-board: no systems/ directory above {}", start.display()))
}

/// The names of the programs of `user/apps` (its `src/bin/*.rs`), sorted.
pub fn programs(root: &Path) -> Result<Vec<String>, String> {
    let dir = root.join("user/apps/src/bin");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.path().file_name()?.to_str()?.strip_suffix(".rs").map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// Every system's name (sorted), read from the file names in `systems`.
pub fn names(systems: &Path) -> Result<Vec<String>, String> {
    let entries = std::fs::read_dir(systems).map_err(|e| format!("{}: cannot read: {e}", systems.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.path().file_name()?.to_str()?.strip_suffix(".toml").map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

fn read(systems: &Path, name: &str) -> Result<(String, System), String> {
    let path = systems.join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let mut system = System::parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
    system.name = name.to_string();
    Ok((text, system))
}

/// Reads and checks `systems/<name>.toml` (`systems` is that folder; boards and programs are
/// found beside it). An error names the file, line and field.
pub fn load(systems: &Path, name: &str) -> Result<System, String> {
    let root = systems.parent().ok_or("systems/ has no parent")?;
    let known = names(systems)?;
    if !known.iter().any(|n| n == name) {
        return Err(format!("no system `{name}` in {} (systems: {})", systems.display(), known.join(", ")));
    }
    let (text, system) = read(systems, name)?;
    let path = systems.join(format!("{name}.toml"));
    let board = crate::load(&root.join("boards"), system.board.get_ref()).map_err(|e| {
        format!("{}:{}: board: {e}", path.display(), line_of(&text, system.board.span().start))
    })?;
    let programs = programs(root)?;
    let (mut supervisors, mut hypervisors) = (Vec::new(), Vec::new());
    for other in known.iter().filter(|n| *n != name) {
        let (_, other_system) = read(systems, other)?;
        if other_system.level.get_ref() == "supervisor" {
            supervisors.push((other.clone(), other_system.cpu.get_ref().clone()));
        }
        if other_system.level.get_ref() == "hypervisor" {
            hypervisors.push((other.clone(), other_system.cpu.get_ref().clone()));
        }
    }
    let context = Context { board: &board, programs: &programs, supervisors: &supervisors, hypervisors: &hypervisors };
    system.check(&text, &context).map_err(|e| format!("{}:{e}", path.display()))?;
    Ok(system)
}

/// What an image build offers a system: where its program and guest constants are.
pub struct Offer<'a> {
    pub board: &'a str,
    pub cpu: &'a str,
    pub level: &'a str,
    /// The Rust module holding each task width's programs (constants named after the program,
    /// upper case, `-` as `_`); a width the build does not embed is absent.
    pub programs: &'a [(u32, &'a str)],
    /// Rust constants of the guest images the build carries: `bare-guest` and the supervisor
    /// system it embeds, by name.
    pub guests: &'a [(&'a str, &'a str)],
}

fn quoted_list(items: &[Spanned<String>]) -> String {
    items.iter().map(|p| format!("{:?}", p.get_ref())).collect::<Vec<_>>().join(", ")
}

fn budget(domain: &Domain) -> String {
    match &domain.budget {
        None => "None".to_string(),
        Some(b) => format!(
            "Some(wells_core::domain::CpuBudget {{ budget_ns: {}, period_ns: {} }})",
            b.get_ref().run_us * 1000,
            b.get_ref().period_us * 1000
        ),
    }
}

/// `system.rs`: the system's tables as Rust for an image that [`Offer`]s what it needs; a
/// mismatch (another board, CPU or level, a task width or guest the image does not carry) is an
/// error naming the field.
pub fn rust(system: &System, text: &str, board: &Description, offer: &Offer) -> Result<String, String> {
    let at = |span: Range<usize>, field: &str, message: String| format!("{}: {field}: {message}", line_of(text, span.start));
    for (value, field, wants) in [(&system.board, "board", offer.board), (&system.cpu, "cpu", offer.cpu), (&system.level, "level", offer.level)] {
        if value.get_ref() != wants {
            return Err(at(value.span(), field, format!("is `{}`, but this image is built for {field} `{wants}`", value.get_ref())));
        }
    }
    if system.level.get_ref() == "hypervisor" && matches!(system.cpu.get_ref().as_str(), "cortex-r52" | "cortex-m3") {
        return partitions_rust(system, text, offer);
    }
    let mut out = format!("// Generated by wells-board from systems/{}.toml: do not edit.\n\n", system.name);
    let _ = writeln!(out, "/// The system this image runs: `systems/{}.toml`.", system.name);
    let _ = writeln!(out, "pub const SYSTEM: wells_board_common::system::System<Program> = wells_board_common::system::System {{");
    let _ = writeln!(out, "    name: {:?},", system.name);
    let _ = writeln!(out, "    ports: &[");
    for port in &system.port {
        let _ = writeln!(
            out,
            "        wells_board_common::system::Port {{ name: {:?}, message_size: {}, depth: {} }},",
            port.name.get_ref(),
            port.message_size.get_ref(),
            port.depth.get_ref()
        );
    }
    let _ = writeln!(out, "    ],\n    tasks: &[");
    for domain in system.domain.get_ref().iter().filter(|d| d.get_ref().kind.get_ref() == "task") {
        let d = domain.get_ref();
        let bits = system.bits(d);
        let name = d.name.get_ref();
        let Some((_, module)) = offer.programs.iter().find(|(b, _)| *b == bits) else {
            let span = d.bits.as_ref().map_or(d.kind.span(), |b| b.span());
            return Err(at(span, &format!("domain.{name}.bits"), format!("this image carries no {bits}-bit programs (arm64: build it with feature `user32`)")));
        };
        let program = d.program.as_ref().expect("checked").get_ref();
        let _ = writeln!(
            out,
            "        wells_board_common::system::Task {{ name: {name:?}, program: {module}::{}, priority: {}, ports: &[{}], budget: {} }},",
            program.to_uppercase().replace('-', "_"),
            d.priority.as_ref().expect("checked").get_ref(),
            quoted_list(&d.ports),
            budget(d)
        );
    }
    let _ = writeln!(out, "    ],\n    vms: &[");
    for domain in system.domain.get_ref().iter().filter(|d| d.get_ref().kind.get_ref() == "vm") {
        let d = domain.get_ref();
        let name = d.name.get_ref();
        let image = d.image.as_ref().expect("checked");
        let Some((_, constant)) = offer.guests.iter().find(|(g, _)| g == image.get_ref()) else {
            let carried: Vec<&str> = offer.guests.iter().map(|(g, _)| *g).collect();
            return Err(at(image.span(), &format!("domain.{name}.image"), format!("this image carries no guest `{}` (it carries: {})", image.get_ref(), carried.join(", "))));
        };
        let guest = board.guest.as_ref().expect("checked");
        let devices = d.devices.as_ref().map_or(VM_DEVICES.iter().map(|s| s.to_string()).collect(), |d| d.get_ref().clone());
        let on_fault = match (d.on_fault.as_ref().map(|o| o.get_ref().as_str()), &d.restarts) {
            (Some("restart"), Some(n)) => format!("wells_board_common::hypervisor::OnFault::Restart {{ at_most: {} }}", n.get_ref()),
            _ => "wells_board_common::hypervisor::OnFault::Stop".to_string(),
        };
        let _ = writeln!(out, "        wells_board_common::system::Vm {{");
        let _ = writeln!(out, "            name: {name:?},\n            image: {constant},");
        let _ = writeln!(out, "            ram_base: {:#x},\n            ram_size: {:#x},", d.ram_base.as_ref().map_or(guest.ram, |b| *b.get_ref()), d.ram_size.as_ref().expect("checked").get_ref());
        let _ = writeln!(out, "            priority: {},\n            ports: &[{}],\n            budget: {},", d.priority.as_ref().expect("checked").get_ref(), quoted_list(&d.ports), budget(d));
        let _ = writeln!(out, "            on_fault: {on_fault},");
        let _ = writeln!(out, "            vcpus: {},", d.vcpus.as_ref().map_or(1, |v| *v.get_ref()));
        let _ = writeln!(
            out,
            "            devices: wells_board_common::hypervisor::Devices {{ uart: {}, interrupt_controller: {} }},",
            devices.iter().any(|d| d == "uart"),
            devices.iter().any(|d| d == "gic")
        );
        let _ = writeln!(out, "        }},");
    }
    let _ = writeln!(out, "    ],\n}};");
    Ok(out)
}

/// `system.rs` of the Cortex-R52 hypervisor: its major frame and partitions
/// (`crate::partitions::PartitionSpec` of `images/arm32`).
fn partitions_rust(system: &System, text: &str, offer: &Offer) -> Result<String, String> {
    let mut out = format!("// Generated by wells-board from systems/{}.toml: do not edit.\n\n", system.name);
    let _ = writeln!(out, "/// The system this image runs: `systems/{}.toml`.\npub const NAME: &str = {:?};", system.name, system.name);
    let frame = system.major_frame_us.as_ref().expect("checked").get_ref();
    let _ = writeln!(out, "/// The major frame the windows share, in microseconds.\npub const MAJOR_FRAME_US: u64 = {frame};");
    let _ = writeln!(out, "/// The partitions, in window order.\npub const PARTITIONS: &[crate::partitions::PartitionSpec] = &[");
    for domain in system.domains() {
        let name = domain.name.get_ref();
        let image = domain.image.as_ref().expect("checked");
        let Some((_, constant)) = offer.guests.iter().find(|(g, _)| g == image.get_ref()) else {
            return Err(format!("{}: domain.{name}.image: this image carries no guest `{}`", line_of(text, image.span().start), image.get_ref()));
        };
        let on_fault = match (domain.on_fault.as_ref().map(|o| o.get_ref().as_str()), &domain.restarts) {
            (Some("restart"), Some(n)) => format!("crate::partitions::OnFault::Restart {{ at_most: {} }}", n.get_ref()),
            _ => "crate::partitions::OnFault::Stop".to_string(),
        };
        let has = |device: &str| domain.devices.as_ref().is_none_or(|d| d.get_ref().iter().any(|given| given == device));
        let _ = writeln!(
            out,
            "    crate::partitions::PartitionSpec {{ name: {name:?}, image: {constant}, ram_size: {:#x}, arg: {}, window_us: {}, on_fault: {on_fault}, uart: {}, gic: {} }},",
            domain.ram_size.as_ref().expect("checked").get_ref(),
            domain.arg.as_ref().map_or(0, |a| *a.get_ref()),
            domain.window_us.as_ref().expect("checked").get_ref(),
            has("uart"),
            has("gic"),
        );
    }
    let _ = writeln!(out, "];");
    Ok(out)
}

/// What an image's build script calls: reads the system named by `WELLS_SYSTEM` (set by
/// `cargo xtask run --system`), or `default` when unset, checks it and that the image offers
/// what it needs, and writes `$OUT_DIR/system.rs`. A bad description stops the build with the
/// file, line and field.
pub fn build_script(default: &str, offer: &Offer) {
    println!("cargo:rerun-if-env-changed=WELLS_SYSTEM");
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("wells-board: run from a build script"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("wells-board: run from a build script"));
    let systems = systems_dir(&manifest);
    println!("cargo:rerun-if-changed={}", systems.display());
    let name = std::env::var("WELLS_SYSTEM").ok().filter(|n| !n.is_empty()).unwrap_or_else(|| default.to_string());
    let path = systems.join(format!("{name}.toml"));
    println!("cargo:rerun-if-changed={}", path.display());
    let outcome = load(&systems, &name).and_then(|system| {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let board = crate::load(&crate::boards_dir(&manifest), system.board.get_ref())?;
        let generated = rust(&system, &text, &board, offer).map_err(|e| format!("{}:{e}", path.display()))?;
        std::fs::write(out.join("system.rs"), generated).map_err(|e| format!("cannot write system.rs: {e}"))
    });
    if let Err(message) = outcome {
        eprintln!("bad system description: {message}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOARD: &str = r#"
name = "b"
machine = "m"
[ram]
base = 0x4000_0000
image = 0x4008_0000
[console]
kind = "pl011"
region = { base = 0x0900_0000, size = 0x1000 }
[guest]
ram = 0x4000_0000
image = 0x4008_0000
console = 0x0900_0000
gic-distributor = 0x0800_0000
gic-cpu = 0x0801_0000
[cpu.arm64]
target = "t"
qemu = "q"
models = ["cortex-a53"]
[cpu.cortex-m3]
target = "t"
qemu = "q"
models = ["cortex-m3"]
"#;

    const TASKS: &str = r#"description = "a pipeline"
board = "b"
cpu = "arm64"
level = "supervisor"

[[port]]
name = "readings"
message-size = 16
depth = 8

[[domain]]
kind = "task"
name = "sensor"
program = "demo-sensor"
priority = 12
ports = ["readings"]

[[domain]]
kind = "task"
name = "logger"
program = "demo-logger"
bits = 32
priority = 8
ports = ["readings"]
"#;

    const VMS: &str = r#"description = "two VMs"
board = "b"
cpu = "arm64"
level = "hypervisor"

[[domain]]
kind = "vm"
name = "left"
image = "tasks"
ram-size = 0x0800_0000
priority = 8
on-fault = "restart"
restarts = 2
devices = ["uart", "gic"]
"#;

    const MONITOR: &str = r#"description = "a monitor"
board = "b"
cpu = "arm64"
level = "monitor"

[[domain]]
kind = "world"
name = "normal"
image = "tasks"
"#;

    /// [`BOARD`] with a secure world.
    fn secure_board() -> String {
        BOARD.replacen(
            "[cpu.arm64]",
            "[secure]\nflash = { base = 0, size = 0x0400_0000 }\nsram = { base = 0x0e00_0000, size = 0x0010_0000 }\n\
             dram = { base = 0x0e10_0000, size = 0x00f0_0000 }\nconsole = { base = 0x0904_0000, size = 0x1000 }\n\
             gpio = { base = 0x090b_0000, size = 0x1000 }\npower-off-pin = 0\nreset-pin = 1\nnormal-world-image = 0x4020_0000\n[cpu.arm64]",
            1,
        )
    }

    #[test]
    fn monitor_descriptions() {
        let board = Description::parse(&secure_board()).unwrap();
        let programs = vec!["demo-sensor".to_string()];
        let supervisors = vec![("tasks".to_string(), "arm64".to_string())];
        let hypervisors = vec![("vms".to_string(), "arm64".to_string())];
        let check = |text: &str| -> Result<System, String> {
            let system = System::parse(text)?;
            system.check(text, &Context { board: &board, programs: &programs, supervisors: &supervisors, hypervisors: &hypervisors })?;
            Ok(system)
        };
        // The full stack: the normal world may run a hypervisor system, the secure world not.
        assert_eq!(check(&MONITOR.replacen("image = \"tasks\"", "image = \"vms\"", 1)).unwrap().normal_world_image(), Some("vms"));
        let secure_vms = format!("{MONITOR}\n[[domain]]\nkind = \"world\"\nname = \"secure\"\nimage = \"vms\"\n");
        assert!(check(&secure_vms).unwrap_err().contains("domain.secure.image: unknown image `vms`"), "{}", check(&secure_vms).unwrap_err());
        assert_eq!(check(MONITOR).unwrap().normal_world_image(), Some("tasks"));
        assert_eq!(check(MONITOR).unwrap().secure_world_image(), None);
        let with_secure = format!("{MONITOR}\n[[domain]]\nkind = \"world\"\nname = \"secure\"\nimage = \"tasks\"\n");
        assert_eq!(check(&with_secure).unwrap().secure_world_image(), Some("tasks"));
        let error = |from: &str, to: &str| check(&MONITOR.replacen(from, to, 1)).unwrap_err();
        assert_eq!(error("name = \"normal\"", "name = \"third\""), "8: domain.name: a monitor's worlds are `normal` and `secure`");
        let no_image = format!("{MONITOR}\n[[domain]]\nkind = \"world\"\nname = \"secure\"\n");
        assert!(check(&no_image).unwrap_err().ends_with("domain.secure.image: missing: the supervisor system the secure world runs"), "{}", check(&no_image).unwrap_err());
        assert_eq!(error("image = \"tasks\"\n", ""), "6: domain.normal.image: missing: the supervisor system the normal world runs");
        assert!(error("image = \"tasks\"", "image = \"other\"").starts_with("9: domain.normal.image: unknown image `other` (a arm64 normal world runs: tasks)"));
        assert_eq!(error("image = \"tasks\"", "image = \"tasks\"\npriority = 3"), "10: domain.normal.priority: not a field of a world");
        assert_eq!(error("image = \"tasks\"", "image = \"tasks\"\nprogram = \"demo-sensor\""), "10: domain.normal.program: not a field of a world");
        assert_eq!(error("kind = \"world\"", "kind = \"task\""), "7: domain.normal.kind: a monitor system's domains are worlds (kind = \"world\")");
        assert!(check(&MONITOR.replacen("cpu = \"arm64\"", "cpu = \"cortex-m3\"", 1)).unwrap_err().starts_with("4: level: no monitor for cortex-m3"));
        // The board's own checks of its secure world.
        let bad_pin = secure_board().replacen("reset-pin = 1", "reset-pin = 0", 1);
        assert!(Description::parse(&bad_pin).unwrap_err().ends_with("secure.reset-pin: must differ from power-off-pin"));
        let outside = secure_board().replacen("normal-world-image = 0x4020_0000", "normal-world-image = 0x3000_0000", 1);
        assert!(Description::parse(&outside).unwrap_err().ends_with("secure.normal-world-image: must be 4 KiB aligned and inside RAM"));
    }

    fn check(text: &str) -> Result<System, String> {
        let board = Description::parse(BOARD).unwrap();
        let programs = vec!["demo-logger".to_string(), "demo-sensor".to_string()];
        let supervisors = vec![("tasks".to_string(), "arm64".to_string())];
        let system = System::parse(text)?;
        system.check(text, &Context { board: &board, programs: &programs, supervisors: &supervisors, hypervisors: &[] })?;
        Ok(system)
    }

    #[test]
    fn good_descriptions_read_and_generate() {
        let board = Description::parse(BOARD).unwrap();
        let mut tasks = check(TASKS).unwrap();
        tasks.name = "tasks".into();
        let offer = Offer { board: "b", cpu: "arm64", level: "supervisor", programs: &[(64, "a64"), (32, "a32")], guests: &[] };
        let rust = rust(&tasks, TASKS, &board, &offer).unwrap();
        assert!(rust.contains("program: a64::DEMO_SENSOR, priority: 12, ports: &[\"readings\"], budget: None"), "{rust}");
        assert!(rust.contains("program: a32::DEMO_LOGGER"), "{rust}");
        assert!(rust.contains("message_size: 16, depth: 8"), "{rust}");
        // An image without 32-bit programs cannot run it.
        let narrow = Offer { programs: &[(64, "a64")], ..offer };
        assert_eq!(super::rust(&tasks, TASKS, &board, &narrow).unwrap_err().split(':').take(2).collect::<Vec<_>>(), ["22", " domain.logger.bits"]);
        let hyper = Offer { level: "hypervisor", ..offer };
        assert!(super::rust(&tasks, TASKS, &board, &hyper).unwrap_err().starts_with("4: level: is `supervisor`"));

        let mut vms = check(VMS).unwrap();
        vms.name = "vms".into();
        let offer = Offer { board: "b", cpu: "arm64", level: "hypervisor", programs: &[], guests: &[("tasks", "guests::SUPERVISOR")] };
        let rust = super::rust(&vms, VMS, &board, &offer).unwrap();
        assert!(rust.contains("image: guests::SUPERVISOR"), "{rust}");
        assert!(rust.contains("ram_base: 0x40000000,\n            ram_size: 0x8000000"), "{rust}");
        assert!(rust.contains("OnFault::Restart { at_most: 2 }"), "{rust}");
        assert!(rust.contains("Devices { uart: true, interrupt_controller: true }"), "{rust}");
    }

    /// The error for `text` with `from` replaced by `to`.
    fn error(text: &str, from: &str, to: &str) -> String {
        assert!(text.contains(from), "{from}");
        check(&text.replacen(from, to, 1)).unwrap_err()
    }

    #[test]
    fn bad_descriptions_name_line_and_field() {
        assert_eq!(error(TASKS, "priority = 12", "priority = 12\nstack = 4096"), "16: unknown field `stack`, expected one of `kind`, `name`, `priority`, `ports`, `budget`, `program`, `bits`, `image`, `ram-base`, `ram-size`, `devices`, `on-fault`, `restarts`, `vcpus`, `window-us`, `arg`");
        assert!(error(TASKS, "priority = 12\n", "").contains("domain.sensor.priority: missing"), "{}", error(TASKS, "priority = 12\n", ""));
        assert!(error(TASKS, "program = \"demo-sensor\"\n", "").starts_with("12: domain.sensor.program: missing"));
        assert!(error(TASKS, "\"demo-sensor\"", "\"demo-sensr\"").starts_with("14: domain.sensor.program: unknown program `demo-sensr` (user/apps has: demo-logger, demo-sensor)"));
        assert_eq!(error(TASKS, "priority = 12", "priority = 32"), "15: domain.sensor.priority: must be 0..=31");
        assert!(error(TASKS, "priority = 12", "priority = 300").starts_with("15: "), "{}", error(TASKS, "priority = 12", "priority = 300"));
        assert_eq!(error(TASKS, "name = \"logger\"", "name = \"sensor\""), "20: domain.name: a second domain `sensor`");
        assert_eq!(error(TASKS, "level = \"supervisor\"", "level = \"firmware\""), "4: level: unknown level `firmware` (levels: supervisor, hypervisor, monitor)");
        // A monitor needs the board's secure world.
        assert_eq!(error(TASKS, "level = \"supervisor\"", "level = \"monitor\""), "4: level: no monitor for arm64 on board `b` (only arm64 on a board with a [secure] section)");
        assert!(error(TASKS, "cpu = \"arm64\"", "cpu = \"arm32\"").starts_with("3: cpu: board `b` has no CPU family `arm32`"));
        assert_eq!(error(TASKS, "kind = \"task\"", "kind = \"vm\""), "12: domain.sensor.kind: a supervisor system's domains are tasks (kind = \"task\")");
        assert_eq!(error(TASKS, "bits = 32", "bits = 16"), "22: domain.logger.bits: arm64 tasks are 64 or 32 bits");
        assert_eq!(error(TASKS, "ports = [\"readings\"]", "ports = [\"reading\"]"), "16: domain.sensor.ports: no port `reading` in this system");
        assert_eq!(error(TASKS, "priority = 12", "priority = 12\nimage = \"x\""), "16: domain.sensor.image: not a field of a task");
        assert_eq!(error(TASKS, "priority = 12", "priority = 12\nbudget = { run-us = 20, period-us = 10 }"), "16: domain.sensor.budget: needs 0 < run-us <= period-us");
        let unused = TASKS.replacen("depth = 8", "depth = 8\n\n[[port]]\nname = \"spare\"\nmessage-size = 4\ndepth = 1", 1);
        assert_eq!(check(&unused).unwrap_err(), "12: port.name: port `spare` is granted to no domain");
        // The Cortex-M3's hypervisor level hosts partitions, not VMs.
        let m3 = VMS.replacen("cpu = \"arm64\"", "cpu = \"cortex-m3\"", 1);
        let m3_error = check(&m3).unwrap_err();
        assert!(m3_error.contains("partitions (kind = \"partition\")"), "{m3_error}");

        assert_eq!(error(VMS, "ram-size = 0x0800_0000", "ram-size = 0x0810_0000"), "10: domain.left.ram-size: must be a multiple of 2 MiB (stage-2 blocks)");
        assert_eq!(error(VMS, "ram-size = 0x0800_0000", "ram-size = 0x0800_0000\nram-base = 0x4800_0000"), "11: domain.left.ram-base: guest images load at 0x40080000: outside this RAM");
        assert!(error(VMS, "image = \"tasks\"", "image = \"vms\"").starts_with("9: domain.left.image: unknown image `vms` (a arm64 VM runs: tasks, bare-guest, linux)"));
        assert_eq!(error(VMS, "restarts = 2\n", ""), "12: domain.left.restarts: missing: `on-fault = \"restart\"` needs `restarts = N` (N >= 1)");
        assert_eq!(error(VMS, "\"restart\"", "\"reboot\""), "12: domain.left.on-fault: unknown policy `reboot` (policies: stop, restart)");
        assert_eq!(error(VMS, "[\"uart\", \"gic\"]", "[\"uart\", \"disk\"]"), "14: domain.left.devices: `disk`: each at most once, of: uart, gic");
        assert_eq!(error(VMS, "priority = 8", "priority = 8\nprogram = \"demo-sensor\""), "12: domain.left.program: not a field of a vm");
        assert_eq!(error(VMS, "priority = 8", "priority = 8\nvcpus = 9"), "12: domain.left.vcpus: must be 1..=8 (what a GICv2 addresses)");
        // Several vCPUs restart as a whole, after a fault too (`docs/hypervisor.md`).
        assert!(check(&VMS.replacen("priority = 8", "priority = 8\nvcpus = 2", 1)).is_ok());
        assert_eq!(error(TASKS, "priority = 12", "priority = 12\nvcpus = 2"), "16: domain.sensor.vcpus: not a field of a task");
    }

    /// A board with a Cortex-R52 family, for partitions.
    fn r52_board() -> String {
        BOARD.replacen("[cpu.cortex-m3]", "[cpu.cortex-r52]\ntarget = \"t\"\nqemu = \"q\"\nmodels = [\"cortex-r52\"]\n[cpu.cortex-m3]", 1)
    }

    const PARTITIONS: &str = r#"description = "two partitions"
board = "b"
cpu = "cortex-r52"
level = "hypervisor"
major-frame-us = 5000

[[domain]]
kind = "partition"
name = "left"
image = "bare-guest"
ram-size = 0x10_0000
window-us = 2000
arg = 8
on-fault = "restart"
restarts = 1

[[domain]]
kind = "partition"
name = "right"
image = "bare-guest"
ram-size = 0x10_0000
window-us = 2000
devices = ["uart"]
"#;

    fn check_partitions(text: &str) -> Result<System, String> {
        let board = Description::parse(&r52_board()).unwrap();
        let system = System::parse(text)?;
        let supervisors = [("r52-tasks".to_string(), "cortex-r52".to_string())];
        let context = Context { board: &board, programs: &[], supervisors: &supervisors, hypervisors: &[] };
        system.check(text, &context).map(|()| system)
    }

    #[test]
    fn partition_descriptions() {
        let system = check_partitions(PARTITIONS).unwrap();
        let board = Description::parse(&r52_board()).unwrap();
        let offer = Offer { board: "b", cpu: "cortex-r52", level: "hypervisor", programs: &[], guests: &[("bare-guest", "guests::BARE")] };
        let rust = rust(&system, PARTITIONS, &board, &offer).unwrap();
        assert!(rust.contains("pub const MAJOR_FRAME_US: u64 = 5000;"), "{rust}");
        assert!(rust.contains("name: \"left\", image: guests::BARE, ram_size: 0x100000, arg: 8, window_us: 2000, on_fault: crate::partitions::OnFault::Restart { at_most: 1 }, uart: true, gic: true"), "{rust}");
        assert!(rust.contains("name: \"right\", image: guests::BARE, ram_size: 0x100000, arg: 0, window_us: 2000, on_fault: crate::partitions::OnFault::Stop, uart: true, gic: false"), "{rust}");
        let bad = |from: &str, to: &str| {
            assert!(PARTITIONS.contains(from), "{from}");
            check_partitions(&PARTITIONS.replacen(from, to, 1)).unwrap_err()
        };
        assert_eq!(bad("devices = [\"uart\"]", "devices = [\"uart\", \"disk\"]"), "23: domain.right.devices: `disk`: each at most once, of: uart, gic");
        assert_eq!(bad("major-frame-us = 5000", "major-frame-us = 3000"), "5: major-frame-us: the windows take 4000 us, more than the frame");
        assert_eq!(bad("major-frame-us = 5000\n", ""), "4: major-frame-us: missing: the major frame the partitions' windows share, in microseconds");
        assert_eq!(bad("window-us = 2000\narg", "window-us = 5\narg"), "12: domain.left.window-us: at least 10 us");
        assert_eq!(bad("ram-size = 0x10_0000\nwindow-us = 2000\narg", "ram-size = 0x10_0010\nwindow-us = 2000\narg"), "11: domain.left.ram-size: must be a multiple of 64 (the MPU's granule), at most 0x4000000");
        assert_eq!(bad("image = \"bare-guest\"", "image = \"m3-tasks\""), "10: domain.left.image: unknown image `m3-tasks` (a partition runs: r52-tasks, bare-guest)");
        assert!(check_partitions(&PARTITIONS.replacen("image = \"bare-guest\"", "image = \"r52-tasks\"", 1)).is_ok());
        assert_eq!(bad("arg = 8", "arg = 8\npriority = 3"), "14: domain.left.priority: not a field of a partition");
        assert_eq!(bad("kind = \"partition\"", "kind = \"vm\""), "8: domain.left.kind: a hypervisor system's domains are partitions (kind = \"partition\")");
        assert_eq!(bad("restarts = 1\n", ""), "14: domain.left.restarts: missing: `on-fault = \"restart\"` needs `restarts = N` (N >= 1)");
        // A major frame belongs to partitions only.
        assert_eq!(check(&TASKS.replacen("level = \"supervisor\"", "level = \"supervisor\"\nmajor-frame-us = 10", 1)).unwrap_err(), "5: major-frame-us: only partitions (a cortex-r52 hypervisor) have a major frame");
        assert_eq!(error(TASKS, "priority = 12", "priority = 12\nwindow-us = 10"), "16: domain.sensor.window-us: not a field of a task");
    }

    #[test]
    fn every_system_of_the_repository_reads() {
        let systems = systems_dir(Path::new(env!("CARGO_MANIFEST_DIR")));
        let names = names(&systems).unwrap();
        assert!(names.len() >= 6, "{names:?}");
        for name in names {
            let system = load(&systems, &name).unwrap_or_else(|e| panic!("{e}"));
            assert!(!system.description.is_empty() && !system.description.contains('\n'), "{name}: a one-line description");
        }
    }
}
