//! The OS configuration an OIL file describes, checked: every reference resolves, every number
//! is in range. Unknown objects (COM, NM, MESSAGE, ...) and unknown attributes are ignored.

use crate::parse::{Attr, Object, OilError, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub name: String,
    pub priority: u32,
    pub preemptive: bool,
    pub activation: u32,
    pub autostart: Vec<usize>, // application modes
    pub resources: Vec<usize>,
    pub events: Vec<usize>,
    pub internal: Option<usize>,
    /// TIMING_PROTECTION EXECUTIONBUDGET in milliseconds (a wells choice of unit), 0: none.
    pub budget_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub name: String,
    pub internal: bool,
    pub ceiling: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub mask: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub name: String,
    pub max: u32,
    pub ticks_per_base: u32,
    pub min_cycle: u32,
    /// HARDWARE: ticked every `tick_ms` milliseconds by a host timer (wells extension TICKTIME,
    /// default 1); 0 for a SOFTWARE counter.
    pub tick_ms: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    ActivateTask(usize),
    SetEvent(usize, usize),
    Callback(String),
    IncrementCounter(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alarm {
    pub name: String,
    pub counter: usize,
    pub action: Action,
    pub autostart: Vec<usize>,
    pub alarm_time: u32,
    pub cycle_time: u32,
    pub absolute: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isr {
    pub name: String,
    pub category: u8,
    pub priority: u32,
    /// The board's interrupt line it is bound to (wells extension `IRQ`), or none: a simulated
    /// line raised with `raise_isr` only.
    pub irq: Option<u32>,
    /// TIMING_PROTECTION EXECUTIONBUDGET in milliseconds, 0: none.
    pub budget_ms: u32,
}

/// What an expiry point of a schedule table does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpiryAction {
    ActivateTask(usize),
    SetEvent(usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryPoint {
    pub name: String,
    pub offset: u32,
    pub actions: Vec<ExpiryAction>,
}

/// How an autostarted schedule table starts: `Relative(offset)` or `Absolute(start)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStart {
    Relative(u32),
    Absolute(u32),
}

/// An AUTOSAR schedule table: expiry points (offsets increasing) on one counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTable {
    pub name: String,
    pub counter: usize,
    pub duration: u32,
    pub repeating: bool,
    /// SYNCSTRATEGY = IMPLICIT: the duration is the counter's range, started absolute only.
    pub implicit_sync: bool,
    pub points: Vec<ExpiryPoint>,
    pub autostart: Vec<usize>,
    pub start: Option<TableStart>,
}

/// An OS-Application (AUTOSAR SC3): its tasks, and the memory its data lives in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub name: String,
    pub tasks: Vec<usize>,
    /// Bytes of its data region (wells extension `DATASIZE`): a power of two, aligned to itself,
    /// so one MPU region covers it.
    pub data_size: u32,
    pub trusted: bool,
}

/// The bounds of `DATASIZE`: the smallest MPU region, and a limit to keep images small.
pub const MIN_DATA_SIZE: u32 = 32;
pub const MAX_DATA_SIZE: u32 = 64 * 1024;
/// The MPU regions an application's protection uses: one per other application.
pub const MAX_APPLICATIONS: usize = 8;

/// The highest interrupt line `IRQ` accepts (Armv7-M has up to 496 external interrupts).
pub const MAX_IRQ: u32 = 495;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    pub extended: bool,
    pub startup_hook: bool,
    pub shutdown_hook: bool,
    pub error_hook: bool,
    pub pretask_hook: bool,
    pub posttask_hook: bool,
    pub appmodes: Vec<String>,
    pub tasks: Vec<Task>,
    pub resources: Vec<Resource>, // RES_SCHEDULER included
    pub events: Vec<Event>,
    pub counters: Vec<Counter>,
    pub alarms: Vec<Alarm>,
    pub isrs: Vec<Isr>,
    pub applications: Vec<Application>,
    pub protection_hook: bool,
    pub schedule_tables: Vec<ScheduleTable>,
}

struct Ctx<'a> {
    file: &'a str,
}

impl Ctx<'_> {
    fn err(&self, line: usize, message: String) -> OilError {
        OilError { file: self.file.to_string(), line, message }
    }

    fn attr_err(&self, owner: &str, a: &Attr, what: &str) -> OilError {
        self.err(a.line, format!("{owner}: attribute {}: {what} (found {})", a.name, a.value))
    }

    fn number(&self, owner: &str, a: &Attr) -> Result<u32, OilError> {
        match a.value {
            Value::Number(n) if n <= u64::from(u32::MAX) => Ok(n as u32),
            Value::Number(_) => Err(self.attr_err(owner, a, "a number up to 4294967295")),
            _ => Err(self.attr_err(owner, a, "expected a number")),
        }
    }

    fn boolean(&self, owner: &str, a: &Attr) -> Result<bool, OilError> {
        match &a.value {
            Value::Ident(s) if s == "TRUE" => Ok(true),
            Value::Ident(s) if s == "FALSE" => Ok(false),
            _ => Err(self.attr_err(owner, a, "expected TRUE or FALSE")),
        }
    }

    fn ident<'v>(&self, owner: &str, a: &'v Attr) -> Result<&'v str, OilError> {
        match &a.value {
            Value::Ident(s) => Ok(s),
            _ => Err(self.attr_err(owner, a, "expected a name")),
        }
    }

    fn lookup(&self, owner: &str, a: &Attr, kind: &str, names: &[String]) -> Result<usize, OilError> {
        let name = self.ident(owner, a)?;
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| self.attr_err(owner, a, &format!("no {kind} of that name")))
    }
}

fn names_of<'a>(objects: &'a [Object], kind: &str) -> Vec<&'a Object> {
    objects.iter().filter(|o| o.kind == kind).collect()
}

/// Builds and checks the configuration.
pub fn build(file: &str, objects: &[Object]) -> Result<Config, OilError> {
    let cx = Ctx { file };
    let mut cfg = Config::default();

    // Names must be unique: they become C identifiers in one namespace.
    let mut seen: Vec<(&str, &str, usize)> = Vec::new();
    for o in objects {
        if !matches!(o.kind.as_str(), "TASK" | "RESOURCE" | "EVENT" | "COUNTER" | "ALARM" | "ISR" | "APPMODE" | "APPLICATION" | "SCHEDULETABLE") {
            continue;
        }
        if let Some((kind, _, line)) = seen.iter().find(|(_, n, _)| *n == o.name) {
            return Err(cx.err(o.line, format!("{} {}: the name is already used by {kind} {} (line {line})", o.kind, o.name, o.name)));
        }
        seen.push((&o.kind, &o.name, o.line));
    }

    for os in names_of(objects, "OS") {
        let owner = format!("OS {}", os.name);
        for a in &os.attrs {
            match a.name.as_str() {
                "STATUS" => {
                    cfg.extended = match cx.ident(&owner, a)? {
                        "EXTENDED" => true,
                        "STANDARD" => false,
                        _ => return Err(cx.attr_err(&owner, a, "expected STANDARD or EXTENDED")),
                    }
                }
                "STARTUPHOOK" => cfg.startup_hook = cx.boolean(&owner, a)?,
                "SHUTDOWNHOOK" => cfg.shutdown_hook = cx.boolean(&owner, a)?,
                "ERRORHOOK" => cfg.error_hook = cx.boolean(&owner, a)?,
                "PRETASKHOOK" => cfg.pretask_hook = cx.boolean(&owner, a)?,
                "POSTTASKHOOK" => cfg.posttask_hook = cx.boolean(&owner, a)?,
                "PROTECTIONHOOK" => cfg.protection_hook = cx.boolean(&owner, a)?,
                _ => {}
            }
        }
    }

    cfg.appmodes.push("OSDEFAULTAPPMODE".to_string());
    for m in names_of(objects, "APPMODE") {
        if m.name != "OSDEFAULTAPPMODE" {
            cfg.appmodes.push(m.name.clone());
        }
    }
    if cfg.appmodes.len() > 32 {
        return Err(cx.err(1, "more than 32 APPMODEs".to_string()));
    }

    // Resources (RES_SCHEDULER last unless declared) and events first: tasks refer to them.
    for r in names_of(objects, "RESOURCE") {
        let owner = format!("RESOURCE {}", r.name);
        let mut internal = false;
        for a in &r.attrs {
            if a.name == "RESOURCEPROPERTY" {
                internal = match cx.ident(&owner, a)? {
                    "STANDARD" => false,
                    "INTERNAL" => true,
                    "LINKED" => return Err(cx.attr_err(&owner, a, "LINKED resources are not supported yet")),
                    _ => return Err(cx.attr_err(&owner, a, "expected STANDARD or INTERNAL")),
                };
            }
        }
        if internal && r.name == "RES_SCHEDULER" {
            return Err(cx.err(r.line, "RESOURCE RES_SCHEDULER: attribute RESOURCEPROPERTY: RES_SCHEDULER cannot be INTERNAL".to_string()));
        }
        cfg.resources.push(Resource { name: r.name.clone(), internal, ceiling: 0 });
    }
    if !cfg.resources.iter().any(|r| r.name == "RES_SCHEDULER") {
        cfg.resources.push(Resource { name: "RES_SCHEDULER".to_string(), internal: false, ceiling: 0 });
    }
    let resource_names: Vec<String> = cfg.resources.iter().map(|r| r.name.clone()).collect();

    let mut explicit = 0u32;
    let mut auto_events = Vec::new();
    for e in names_of(objects, "EVENT") {
        let owner = format!("EVENT {}", e.name);
        let mut mask = None;
        for a in &e.attrs {
            if a.name == "MASK" {
                match &a.value {
                    Value::Ident(s) if s == "AUTO" => mask = None,
                    _ => {
                        let m = cx.number(&owner, a)?;
                        if m == 0 {
                            return Err(cx.attr_err(&owner, a, "a mask needs at least one bit"));
                        }
                        explicit |= m;
                        mask = Some(m);
                    }
                }
            }
        }
        if mask.is_none() {
            auto_events.push(cfg.events.len());
        }
        cfg.events.push(Event { name: e.name.clone(), mask: mask.unwrap_or(0) });
    }
    let mut bit = 0;
    for index in auto_events {
        while bit < 32 && explicit & (1 << bit) != 0 {
            bit += 1;
        }
        if bit == 32 {
            let line = objects.iter().find(|o| o.kind == "EVENT" && o.name == cfg.events[index].name).map_or(1, |o| o.line);
            return Err(cx.err(line, format!("EVENT {}: attribute MASK: no free bit left for AUTO", cfg.events[index].name)));
        }
        cfg.events[index].mask = 1 << bit;
        bit += 1;
    }
    let event_names: Vec<String> = cfg.events.iter().map(|e| e.name.clone()).collect();

    for t in names_of(objects, "TASK") {
        let owner = format!("TASK {}", t.name);
        let mut task = Task {
            name: t.name.clone(),
            priority: 0,
            preemptive: true,
            activation: 1,
            autostart: Vec::new(),
            resources: Vec::new(),
            events: Vec::new(),
            internal: None,
            budget_ms: 0,
        };
        let mut has_priority = false;
        for a in &t.attrs {
            match a.name.as_str() {
                "PRIORITY" => {
                    task.priority = cx.number(&owner, a)?;
                    has_priority = true;
                }
                "SCHEDULE" => {
                    task.preemptive = match cx.ident(&owner, a)? {
                        "FULL" => true,
                        "NON" => false,
                        _ => return Err(cx.attr_err(&owner, a, "expected FULL or NON")),
                    }
                }
                "ACTIVATION" => {
                    task.activation = cx.number(&owner, a)?;
                    if task.activation == 0 || task.activation > 255 {
                        return Err(cx.attr_err(&owner, a, "expected 1..255"));
                    }
                }
                "AUTOSTART" if cx.boolean(&owner, a)? => {
                    task.autostart = appmodes_of(&cx, &owner, a, &cfg.appmodes)?;
                }
                "RESOURCE" => {
                    let r = cx.lookup(&owner, a, "RESOURCE", &resource_names)?;
                    if cfg.resources[r].internal {
                        if task.internal.is_some() {
                            return Err(cx.attr_err(&owner, a, "a task has at most one internal resource"));
                        }
                        task.internal = Some(r);
                    } else if !task.resources.contains(&r) {
                        task.resources.push(r);
                    }
                }
                "TIMING_PROTECTION" => task.budget_ms = execution_budget(&cx, &owner, a)?,
                "EVENT" => {
                    let e = cx.lookup(&owner, a, "EVENT", &event_names)?;
                    if !task.events.contains(&e) {
                        task.events.push(e);
                    }
                }
                _ => {}
            }
        }
        if !has_priority {
            return Err(cx.err(t.line, format!("{owner}: attribute PRIORITY is missing")));
        }
        if !task.events.is_empty() && task.activation != 1 {
            return Err(cx.err(t.line, format!("{owner}: attribute ACTIVATION: an extended task (with EVENTs) is activated at most once")));
        }
        cfg.tasks.push(task);
    }
    let top = cfg.tasks.iter().map(|t| t.priority).max().unwrap_or(0);
    for (i, r) in cfg.resources.iter_mut().enumerate() {
        r.ceiling = if r.name == "RES_SCHEDULER" {
            top
        } else {
            cfg.tasks
                .iter()
                .filter(|t| t.resources.contains(&i) || t.internal == Some(i))
                .map(|t| t.priority)
                .max()
                .unwrap_or(0)
        };
    }
    let task_names: Vec<String> = cfg.tasks.iter().map(|t| t.name.clone()).collect();

    for c in names_of(objects, "COUNTER") {
        let owner = format!("COUNTER {}", c.name);
        let mut counter = Counter { name: c.name.clone(), max: u32::MAX, ticks_per_base: 1, min_cycle: 1, tick_ms: 0 };
        let mut tick_time = None;
        for a in &c.attrs {
            match a.name.as_str() {
                "MAXALLOWEDVALUE" => counter.max = cx.number(&owner, a)?,
                "TICKSPERBASE" => counter.ticks_per_base = cx.number(&owner, a)?,
                "MINCYCLE" => counter.min_cycle = cx.number(&owner, a)?,
                "TYPE" => {
                    counter.tick_ms = match cx.ident(&owner, a)? {
                        "SOFTWARE" => 0,
                        "HARDWARE" => 1,
                        _ => return Err(cx.attr_err(&owner, a, "expected SOFTWARE or HARDWARE")),
                    }
                }
                "TICKTIME" => {
                    let ms = cx.number(&owner, a)?;
                    if ms == 0 {
                        return Err(cx.attr_err(&owner, a, "milliseconds per tick, at least 1"));
                    }
                    tick_time = Some((ms, a.line));
                }
                _ => {}
            }
        }
        if let Some((ms, line)) = tick_time {
            if counter.tick_ms == 0 {
                return Err(cx.err(line, format!("{owner}: attribute TICKTIME: only a HARDWARE counter has a tick time")));
            }
            counter.tick_ms = ms;
        }
        if counter.tick_ms != 0 {
            if let Some(first) = cfg.counters.iter().find(|k| k.tick_ms != 0) {
                return Err(cx.err(c.line, format!("{owner}: attribute TYPE: one HARDWARE counter only (COUNTER {} is one)", first.name)));
            }
        }
        if counter.max == 0 || counter.min_cycle > counter.max {
            return Err(cx.err(c.line, format!("{owner}: attribute MINCYCLE: must be at most MAXALLOWEDVALUE, which must be above 0")));
        }
        cfg.counters.push(counter);
    }
    let counter_names: Vec<String> = cfg.counters.iter().map(|c| c.name.clone()).collect();

    for al in names_of(objects, "ALARM") {
        let owner = format!("ALARM {}", al.name);
        let mut counter = None;
        let mut action = None;
        let mut autostart = Vec::new();
        let (mut alarm_time, mut cycle_time, mut absolute) = (None, 0, false);
        for a in &al.attrs {
            match a.name.as_str() {
                "COUNTER" => counter = Some(cx.lookup(&owner, a, "COUNTER", &counter_names)?),
                "ACTION" => action = Some(alarm_action(&cx, &owner, a, &task_names, &event_names, &counter_names, &cfg)?),
                "AUTOSTART" if cx.boolean(&owner, a)? => {
                    autostart = appmodes_of(&cx, &owner, a, &cfg.appmodes)?;
                    for s in &a.children {
                        match s.name.as_str() {
                            "ALARMTIME" => alarm_time = Some(cx.number(&owner, s)?),
                            "CYCLETIME" => cycle_time = cx.number(&owner, s)?,
                            "TYPE" => {
                                absolute = match cx.ident(&owner, s)? {
                                    "ABSOLUTE" => true,
                                    "RELATIVE" => false,
                                    _ => return Err(cx.attr_err(&owner, s, "expected RELATIVE or ABSOLUTE")),
                                }
                            }
                            _ => {}
                        }
                    }
                    if alarm_time.is_none() {
                        return Err(cx.err(a.line, format!("{owner}: attribute AUTOSTART: ALARMTIME is missing")));
                    }
                }
                _ => {}
            }
        }
        let Some(counter) = counter else {
            return Err(cx.err(al.line, format!("{owner}: attribute COUNTER is missing")));
        };
        let Some(action) = action else {
            return Err(cx.err(al.line, format!("{owner}: attribute ACTION is missing")));
        };
        if action == Action::IncrementCounter(counter) {
            return Err(cx.err(al.line, format!("{owner}: attribute ACTION: INCREMENTCOUNTER of its own counter")));
        }
        cfg.alarms.push(Alarm { name: al.name.clone(), counter, action, autostart, alarm_time: alarm_time.unwrap_or(0), cycle_time, absolute });
    }
    check_counter_cycles(&cx, &cfg)?;

    for st in names_of(objects, "SCHEDULETABLE") {
        let table = schedule_table(&cx, st, &task_names, &event_names, &counter_names, &cfg)?;
        cfg.schedule_tables.push(table);
    }

    for i in names_of(objects, "ISR") {
        let owner = format!("ISR {}", i.name);
        let mut isr = Isr { name: i.name.clone(), category: 2, priority: 1, irq: None, budget_ms: 0 };
        let (mut irq_attr, mut budget_attr) = (None, None);
        for a in &i.attrs {
            match a.name.as_str() {
                "CATEGORY" => {
                    isr.category = match cx.number(&owner, a)? {
                        1 => 1,
                        2 => 2,
                        _ => return Err(cx.attr_err(&owner, a, "expected 1 or 2")),
                    }
                }
                "PRIORITY" => {
                    isr.priority = cx.number(&owner, a)?;
                    if isr.priority == 0 {
                        return Err(cx.attr_err(&owner, a, "ISR priorities start at 1"));
                    }
                }
                "IRQ" => {
                    let line = cx.number(&owner, a)?;
                    if line > MAX_IRQ {
                        return Err(cx.attr_err(&owner, a, &format!("interrupt lines are 0 to {MAX_IRQ}")));
                    }
                    if let Some(other) = cfg.isrs.iter().find(|o| o.irq == Some(line)) {
                        return Err(cx.attr_err(&owner, a, &format!("line {line} is bound to ISR {} already", other.name)));
                    }
                    isr.irq = Some(line);
                    irq_attr = Some(a);
                }
                "TIMING_PROTECTION" => {
                    isr.budget_ms = execution_budget(&cx, &owner, a)?;
                    budget_attr = Some(a);
                }
                "RESOURCE" => return Err(cx.attr_err(&owner, a, "resources for ISRs are not supported yet")),
                _ => {}
            }
        }
        if let (Some(a), 1) = (irq_attr, isr.category) {
            return Err(cx.attr_err(&owner, a, "only a category-2 ISR can be bound to an interrupt line yet"));
        }
        if let (Some(a), 1, true) = (budget_attr, isr.category, isr.budget_ms != 0) {
            return Err(cx.attr_err(&owner, a, "timing protection is for category-2 ISRs"));
        }
        cfg.isrs.push(isr);
    }

    let task_names: Vec<String> = cfg.tasks.iter().map(|t| t.name.clone()).collect();
    let mut owner_of: Vec<Option<String>> = vec![None; cfg.tasks.len()];
    for ap in names_of(objects, "APPLICATION") {
        let owner = format!("APPLICATION {}", ap.name);
        if cfg.applications.len() == MAX_APPLICATIONS {
            return Err(cx.err(ap.line, format!("{owner}: more than {MAX_APPLICATIONS} applications (one MPU region each)")));
        }
        let mut app = Application { name: ap.name.clone(), tasks: Vec::new(), data_size: 1024, trusted: false };
        for a in &ap.attrs {
            match a.name.as_str() {
                "TASK" => {
                    let t = cx.lookup(&owner, a, "TASK", &task_names)?;
                    if let Some(other) = &owner_of[t] {
                        return Err(cx.attr_err(&owner, a, &format!("the task belongs to APPLICATION {other} already")));
                    }
                    owner_of[t] = Some(ap.name.clone());
                    app.tasks.push(t);
                }
                "DATASIZE" => {
                    let size = cx.number(&owner, a)?;
                    if !size.is_power_of_two() || !(MIN_DATA_SIZE..=MAX_DATA_SIZE).contains(&size) {
                        return Err(cx.attr_err(&owner, a, &format!("a power of two from {MIN_DATA_SIZE} to {MAX_DATA_SIZE}")));
                    }
                    app.data_size = size;
                }
                "TRUSTED" => app.trusted = cx.boolean(&owner, a)?,
                "ISR" => return Err(cx.attr_err(&owner, a, "ISRs of an application are not supported yet")),
                _ => {}
            }
        }
        cfg.applications.push(app);
    }
    check_timing_protection(&cx, objects, &cfg)?;
    Ok(cfg)
}

/// `TIMING_PROTECTION = TRUE { EXECUTIONBUDGET = ms; }` (FALSE: none): the budget in
/// milliseconds, at least 1.
fn execution_budget(cx: &Ctx<'_>, owner: &str, a: &Attr) -> Result<u32, OilError> {
    if !cx.boolean(owner, a)? {
        return Ok(0);
    }
    let Some(b) = a.children.iter().find(|s| s.name == "EXECUTIONBUDGET") else {
        return Err(cx.err(a.line, format!("{owner}: attribute TIMING_PROTECTION: EXECUTIONBUDGET is missing")));
    };
    let ms = cx.number(owner, b)?;
    if ms == 0 {
        return Err(cx.attr_err(owner, b, "milliseconds, at least 1"));
    }
    Ok(ms)
}

/// Budgets are checked on the hardware counter's ticks, so they need one.
fn check_timing_protection(cx: &Ctx<'_>, objects: &[Object], cfg: &Config) -> Result<(), OilError> {
    if cfg.counters.iter().any(|k| k.tick_ms != 0) {
        return Ok(());
    }
    let budgeted = cfg.tasks.iter().filter(|t| t.budget_ms != 0).map(|t| ("TASK", &t.name));
    let budgeted = budgeted.chain(cfg.isrs.iter().filter(|i| i.budget_ms != 0).map(|i| ("ISR", &i.name)));
    if let Some((kind, name)) = budgeted.into_iter().next() {
        let line = objects.iter().find(|o| o.kind == kind && &o.name == name).map_or(1, |o| o.line);
        return Err(cx.err(line, format!("{kind} {name}: attribute TIMING_PROTECTION: needs a HARDWARE counter (budgets are checked on its ticks)")));
    }
    Ok(())
}

fn appmodes_of(cx: &Ctx<'_>, owner: &str, a: &Attr, modes: &[String]) -> Result<Vec<usize>, OilError> {
    let mut out = Vec::new();
    for s in a.children.iter().filter(|s| s.name == "APPMODE") {
        let m = cx.lookup(owner, s, "APPMODE", modes)?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.is_empty() {
        out.push(0);
    }
    Ok(out)
}

fn alarm_action(
    cx: &Ctx<'_>,
    owner: &str,
    a: &Attr,
    tasks: &[String],
    events: &[String],
    counters: &[String],
    cfg: &Config,
) -> Result<Action, OilError> {
    let kind = cx.ident(owner, a)?;
    let sub = |name: &str| a.children.iter().find(|s| s.name == name);
    let missing = |name: &str| cx.err(a.line, format!("{owner}: attribute ACTION: {kind} needs {name}"));
    match kind {
        "ACTIVATETASK" => {
            let t = sub("TASK").ok_or_else(|| missing("TASK"))?;
            Ok(Action::ActivateTask(cx.lookup(owner, t, "TASK", tasks)?))
        }
        "SETEVENT" => {
            let t = sub("TASK").ok_or_else(|| missing("TASK"))?;
            let e = sub("EVENT").ok_or_else(|| missing("EVENT"))?;
            let task = cx.lookup(owner, t, "TASK", tasks)?;
            let event = cx.lookup(owner, e, "EVENT", events)?;
            if !cfg.tasks[task].events.contains(&event) {
                return Err(cx.attr_err(owner, e, "the TASK does not own this EVENT"));
            }
            Ok(Action::SetEvent(task, event))
        }
        "ALARMCALLBACK" => {
            let n = sub("ALARMCALLBACKNAME").ok_or_else(|| missing("ALARMCALLBACKNAME"))?;
            match &n.value {
                Value::Str(s) | Value::Ident(s) if is_c_ident(s) => Ok(Action::Callback(s.clone())),
                _ => Err(cx.attr_err(owner, n, "expected a C function name")),
            }
        }
        "INCREMENTCOUNTER" => {
            let c = sub("COUNTER").ok_or_else(|| missing("COUNTER"))?;
            Ok(Action::IncrementCounter(cx.lookup(owner, c, "COUNTER", counters)?))
        }
        _ => Err(cx.attr_err(owner, a, "expected ACTIVATETASK, SETEVENT, ALARMCALLBACK or INCREMENTCOUNTER")),
    }
}

fn is_c_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Alarms that increment counters must not form a cycle (a tick would never end).
fn check_counter_cycles(cx: &Ctx<'_>, cfg: &Config) -> Result<(), OilError> {
    for start in 0..cfg.counters.len() {
        let mut frontier = vec![start];
        let mut visited = vec![false; cfg.counters.len()];
        while let Some(c) = frontier.pop() {
            for al in cfg.alarms.iter().filter(|al| al.counter == c) {
                if let Action::IncrementCounter(next) = al.action {
                    if next == start {
                        return Err(cx.err(1, format!("ALARM {}: attribute ACTION: INCREMENTCOUNTER alarms form a cycle through COUNTER {}", al.name, cfg.counters[start].name)));
                    }
                    if !visited[next] {
                        visited[next] = true;
                        frontier.push(next);
                    }
                }
            }
        }
    }
    Ok(())
}

/// A SCHEDULETABLE object, checked as AUTOSAR asks: offsets within the duration and the
/// counter's range, the delays between expiry points at least the counter's MINCYCLE.
fn schedule_table(
    cx: &Ctx<'_>,
    st: &Object,
    tasks: &[String],
    events: &[String],
    counters: &[String],
    cfg: &Config,
) -> Result<ScheduleTable, OilError> {
    let owner = format!("SCHEDULETABLE {}", st.name);
    let mut table = ScheduleTable {
        name: st.name.clone(),
        counter: 0,
        duration: 0,
        repeating: false,
        implicit_sync: false,
        points: Vec::new(),
        autostart: Vec::new(),
        start: None,
    };
    let (mut counter, mut duration, mut autostart_attr) = (None, None, None);
    let mut point_lines = Vec::new();
    for a in &st.attrs {
        match a.name.as_str() {
            "COUNTER" => counter = Some(cx.lookup(&owner, a, "COUNTER", counters)?),
            "DURATION" => {
                let d = cx.number(&owner, a)?;
                if d == 0 {
                    return Err(cx.attr_err(&owner, a, "at least 1 tick"));
                }
                duration = Some((d, a));
            }
            "REPEATING" => table.repeating = cx.boolean(&owner, a)?,
            "SYNCSTRATEGY" => {
                table.implicit_sync = match cx.ident(&owner, a)? {
                    "NONE" => false,
                    "IMPLICIT" => true,
                    "EXPLICIT" => return Err(cx.attr_err(&owner, a, "explicit synchronisation is not supported")),
                    _ => return Err(cx.attr_err(&owner, a, "expected NONE or IMPLICIT")),
                }
            }
            "AUTOSTART" if cx.boolean(&owner, a)? => {
                table.autostart = appmodes_of(cx, &owner, a, &cfg.appmodes)?;
                autostart_attr = Some(a);
            }
            "EXPIRYPOINT" | "EXPIRY_POINT" => {
                table.points.push(expiry_point(cx, &owner, a, tasks, events, cfg)?);
                point_lines.push(a);
            }
            _ => {}
        }
    }
    let Some(counter) = counter else {
        return Err(cx.err(st.line, format!("{owner}: attribute COUNTER is missing")));
    };
    table.counter = counter;
    let Some((duration, duration_attr)) = duration else {
        return Err(cx.err(st.line, format!("{owner}: attribute DURATION is missing")));
    };
    table.duration = duration;
    let k = &cfg.counters[counter];
    if table.points.is_empty() {
        return Err(cx.err(st.line, format!("{owner}: attribute EXPIRYPOINT is missing (a table needs at least one)")));
    }
    if table.implicit_sync && u64::from(duration) != u64::from(k.max) + 1 {
        return Err(cx.attr_err(&owner, duration_attr, &format!("an IMPLICIT table's duration is its counter's range, {}", u64::from(k.max) + 1)));
    }
    if !table.implicit_sync && duration > k.max {
        return Err(cx.attr_err(&owner, duration_attr, &format!("at most COUNTER {}'s MAXALLOWEDVALUE {}", k.name, k.max)));
    }
    // Offsets: distinct, within the duration; sorted, then the delays checked.
    let mut order: Vec<usize> = (0..table.points.len()).collect();
    order.sort_by_key(|&i| table.points[i].offset);
    let mut previous: Option<usize> = None;
    for &i in &order {
        let (p, a) = (&table.points[i], point_lines[i]);
        if p.offset > duration {
            return Err(cx.attr_err(&owner, a, &format!("EXPIRYPOINT {}: OFFSET {} is beyond the DURATION {duration}", p.name, p.offset)));
        }
        let delay = match previous {
            Some(j) if table.points[j].offset == p.offset => {
                return Err(cx.attr_err(&owner, a, &format!("EXPIRYPOINT {}: OFFSET {} is used by EXPIRYPOINT {} already", p.name, p.offset, table.points[j].name)));
            }
            Some(j) => p.offset - table.points[j].offset,
            None => p.offset,
        };
        if delay != 0 && delay < k.min_cycle {
            return Err(cx.attr_err(&owner, a, &format!("EXPIRYPOINT {}: {delay} ticks after the one before, below COUNTER {}'s MINCYCLE {}", p.name, k.name, k.min_cycle)));
        }
        previous = Some(i);
    }
    table.points = order.iter().map(|&i| table.points[i].clone()).collect();
    let last = table.points.last().map_or(0, |p| p.offset);
    let final_delay = duration - last;
    if final_delay != 0 && final_delay < k.min_cycle {
        return Err(cx.attr_err(&owner, duration_attr, &format!("the final delay {final_delay} is below COUNTER {}'s MINCYCLE {}", k.name, k.min_cycle)));
    }
    if let Some(a) = autostart_attr {
        table.start = Some(table_start(cx, &owner, a, table.implicit_sync)?);
    }
    Ok(table)
}

fn table_start(cx: &Ctx<'_>, owner: &str, a: &Attr, implicit: bool) -> Result<TableStart, OilError> {
    let mut absolute = implicit;
    let mut value = None;
    for s in &a.children {
        match s.name.as_str() {
            "TYPE" => {
                absolute = match cx.ident(owner, s)? {
                    "ABSOLUTE" => true,
                    "RELATIVE" if implicit => return Err(cx.attr_err(owner, s, "an IMPLICIT table starts ABSOLUTE")),
                    "RELATIVE" => false,
                    "SYNCHRON" => return Err(cx.attr_err(owner, s, "explicit synchronisation is not supported")),
                    _ => return Err(cx.attr_err(owner, s, "expected RELATIVE or ABSOLUTE")),
                }
            }
            "OFFSET" | "START_VALUE" | "STARTVALUE" => value = Some(cx.number(owner, s)?),
            _ => {}
        }
    }
    match (absolute, value) {
        (true, v) => Ok(TableStart::Absolute(v.unwrap_or(0))),
        (false, Some(v)) if v > 0 => Ok(TableStart::Relative(v)),
        (false, _) => Err(cx.err(a.line, format!("{owner}: attribute AUTOSTART: a RELATIVE start needs OFFSET of at least 1"))),
    }
}

fn expiry_point(cx: &Ctx<'_>, table: &str, a: &Attr, tasks: &[String], events: &[String], cfg: &Config) -> Result<ExpiryPoint, OilError> {
    let name = a.value.to_string().trim_matches('"').to_string();
    let owner = format!("{table}: EXPIRYPOINT {name}");
    let mut offset = None;
    let mut actions = Vec::new();
    for s in &a.children {
        match s.name.as_str() {
            "OFFSET" => offset = Some(cx.number(&owner, s)?),
            "ACTION" => actions.push(expiry_action(cx, &owner, s, tasks, events, cfg)?),
            _ => {}
        }
    }
    let Some(offset) = offset else {
        return Err(cx.err(a.line, format!("{owner}: attribute OFFSET is missing")));
    };
    if actions.is_empty() {
        return Err(cx.err(a.line, format!("{owner}: attribute ACTION is missing (an expiry point needs at least one)")));
    }
    Ok(ExpiryPoint { name, offset, actions })
}

fn expiry_action(cx: &Ctx<'_>, owner: &str, a: &Attr, tasks: &[String], events: &[String], cfg: &Config) -> Result<ExpiryAction, OilError> {
    let kind = cx.ident(owner, a)?;
    let sub = |name: &str| a.children.iter().find(|s| s.name == name);
    let missing = |name: &str| cx.err(a.line, format!("{owner}: attribute ACTION: {kind} needs {name}"));
    match kind {
        "ACTIVATETASK" => {
            let t = sub("TASK").ok_or_else(|| missing("TASK"))?;
            Ok(ExpiryAction::ActivateTask(cx.lookup(owner, t, "TASK", tasks)?))
        }
        "SETEVENT" => {
            let t = sub("TASK").ok_or_else(|| missing("TASK"))?;
            let e = sub("EVENT").ok_or_else(|| missing("EVENT"))?;
            let task = cx.lookup(owner, t, "TASK", tasks)?;
            let event = cx.lookup(owner, e, "EVENT", events)?;
            if !cfg.tasks[task].events.contains(&event) {
                return Err(cx.attr_err(owner, e, "the TASK does not own this EVENT"));
            }
            Ok(ExpiryAction::SetEvent(task, event))
        }
        _ => Err(cx.attr_err(owner, a, "expected ACTIVATETASK or SETEVENT")),
    }
}
