//! The parser's tolerances and its errors (each names the file, the line and the attribute).

use crate::model::{Action, ExpiryAction, TableStart};
use crate::{generate, load};

const FULL: &str = r#"
OIL_VERSION = "2.5" : "a test";
IMPLEMENTATION std { TASK { UINT32 PRIORITY; }; };
CPU cpu0 {
  OS os { STATUS = EXTENDED; STARTUPHOOK = TRUE; ERRORHOOK = TRUE; SHUTDOWNHOOK = FALSE; };
  APPMODE Normal {};
  TASK A { PRIORITY = 1; SCHEDULE = FULL; ACTIVATION = 2; AUTOSTART = TRUE { APPMODE = Normal; }; RESOURCE = R; };
  TASK B { PRIORITY = 3; SCHEDULE = NON; AUTOSTART = FALSE; EVENT = E1; EVENT = E2; RESOURCE = I; };
  RESOURCE R { RESOURCEPROPERTY = STANDARD; };
  RESOURCE I { RESOURCEPROPERTY = INTERNAL; };
  EVENT E1 { MASK = AUTO; };
  EVENT E2 { MASK = 0x1; };
  COUNTER C { MAXALLOWEDVALUE = 99; TICKSPERBASE = 1; MINCYCLE = 2; };
  ALARM Al { COUNTER = C; ACTION = SETEVENT { TASK = B; EVENT = E1; }; AUTOSTART = TRUE { ALARMTIME = 5; CYCLETIME = 10; APPMODE = Normal; }; };
  ALARM Cb { COUNTER = C; ACTION = ALARMCALLBACK { ALARMCALLBACKNAME = "tick"; }; AUTOSTART = FALSE; };
  ISR I1 { CATEGORY = 2; PRIORITY = 4; };
};
"#;

#[test]
fn full_file_builds_the_model() {
    let cfg = load("full.oil", FULL).expect("valid");
    assert!(cfg.extended && cfg.startup_hook && cfg.error_hook && !cfg.shutdown_hook);
    assert_eq!(cfg.appmodes, ["OSDEFAULTAPPMODE", "Normal"]);
    assert_eq!(cfg.tasks.len(), 2);
    assert_eq!(cfg.tasks[0].autostart, [1]);
    assert!(!cfg.tasks[1].preemptive);
    assert_eq!(cfg.tasks[1].internal, Some(1));
    // E2 took bit 0 explicitly, so AUTO gives E1 bit 1.
    assert_eq!(cfg.events[0].mask, 2);
    assert_eq!(cfg.events[1].mask, 1);
    let r = cfg.resources.iter().find(|r| r.name == "R").unwrap();
    assert_eq!(r.ceiling, 1);
    let s = cfg.resources.iter().find(|r| r.name == "RES_SCHEDULER").unwrap();
    assert_eq!(s.ceiling, 3);
    assert_eq!(cfg.alarms[0].action, Action::SetEvent(1, 0));
    assert_eq!((cfg.alarms[0].alarm_time, cfg.alarms[0].cycle_time), (5, 10));
    assert_eq!(cfg.alarms[1].action, Action::Callback("tick".into()));
    assert_eq!(cfg.isrs[0].priority, 4);
}

#[test]
fn generated_files_name_everything() {
    let (h, c) = generate("full.oil", FULL).unwrap();
    assert!(h.contains("#define A ((TaskType)0u)"));
    assert!(h.contains("#define R ((ResourceType)0u)"));
    assert!(h.contains("#define RES_SCHEDULER ((ResourceType)1u)"));
    assert!(!h.contains("#define I ((ResourceType)"), "internal resources get no identifier");
    assert!(h.contains("#define OSMAXALLOWEDVALUE_C ((TickType)99u)"));
    assert!(h.contains("void OsAlarmCallback_tick(void);"));
    assert!(c.contains("{\"B\", OsTask_B, 3u, 3u, 1u, 1, 0x0u, os_act_B, -1, 0u}"));
    assert!(c.contains("/* startup_hook */ StartupHook,"));
    assert!(c.contains("/* shutdown_hook */ NULL,"));
}

#[test]
fn tolerates_missing_version_cpu_and_semicolons() {
    let text = "TASK T { PRIORITY = 2 SCHEDULE = FULL AUTOSTART = TRUE { APPMODE = OSDEFAULTAPPMODE } }\n\
                OS o { STATUS = STANDARD }";
    let cfg = load("loose.oil", text).expect("tolerated");
    assert_eq!(cfg.tasks[0].priority, 2);
    assert_eq!(cfg.tasks[0].autostart, [0]);
    assert!(!cfg.extended);
}

#[test]
fn tolerates_unknown_attributes_objects_comments_and_includes() {
    let text = "#include <implementation.oil>\n\
                /* block\n comment */ CPU c { // line comment\n\
                TASK T { PRIORITY = 1; STACKSIZE = 512; VENDOR_THING = \"x\" { NESTED = 1; }; };\n\
                COM com { COMTIMEBASE = \"0.001\"; };\n\
                MESSAGE M { MESSAGEPROPERTY = SEND_STATIC_INTERNAL { CDATATYPE = \"int\"; }; };\n\
                };";
    let cfg = load("ext.oil", text).expect("tolerated");
    assert_eq!(cfg.tasks.len(), 1);
}

fn error_of(text: &str) -> String {
    load("bad.oil", text).expect_err("must fail").to_string()
}

#[test]
fn bad_number_names_file_line_attribute() {
    let e = error_of("CPU c {\n TASK T {\n  PRIORITY = high;\n };\n};");
    assert_eq!(e, "bad.oil:3: TASK T: attribute PRIORITY: expected a number (found high)");
}

#[test]
fn missing_priority() {
    let e = error_of("TASK T { ACTIVATION = 1; };");
    assert_eq!(e, "bad.oil:1: TASK T: attribute PRIORITY is missing");
}

#[test]
fn bad_schedule_and_activation() {
    assert!(error_of("TASK T { PRIORITY = 1;\nSCHEDULE = SOMETIMES; };").starts_with("bad.oil:2: TASK T: attribute SCHEDULE: expected FULL or NON"));
    assert!(error_of("TASK T { PRIORITY = 1; ACTIVATION = 0; };").contains("attribute ACTIVATION: expected 1..255"));
    assert!(error_of("EVENT E { MASK = 1; }; TASK T { PRIORITY = 1; ACTIVATION = 2; EVENT = E; };").contains("attribute ACTIVATION: an extended task"));
}

#[test]
fn unknown_references() {
    assert_eq!(error_of("TASK T { PRIORITY = 1;\n RESOURCE = Nope; };"), "bad.oil:2: TASK T: attribute RESOURCE: no RESOURCE of that name (found Nope)");
    assert!(error_of("TASK T { PRIORITY = 1; EVENT = E; };").contains("attribute EVENT: no EVENT of that name"));
    assert!(error_of("TASK T { PRIORITY = 1; AUTOSTART = TRUE { APPMODE = M; }; };").contains("attribute APPMODE: no APPMODE of that name"));
    assert!(error_of("ALARM A { COUNTER = C; ACTION = ACTIVATETASK { TASK = T; }; };").contains("ALARM A: attribute COUNTER: no COUNTER of that name"));
    assert!(error_of("COUNTER C { MAXALLOWEDVALUE = 9; }; ALARM A { COUNTER = C; ACTION = ACTIVATETASK { TASK = T; }; };").contains("ALARM A: attribute TASK: no TASK of that name"));
}

#[test]
fn alarm_errors() {
    assert!(error_of("COUNTER C { MAXALLOWEDVALUE = 9; }; ALARM A { COUNTER = C; };").contains("ALARM A: attribute ACTION is missing"));
    assert!(error_of("COUNTER C { MAXALLOWEDVALUE = 9; }; ALARM A { COUNTER = C; ACTION = EXPLODE; };").contains("attribute ACTION: expected ACTIVATETASK"));
    assert!(error_of("COUNTER C { MAXALLOWEDVALUE = 9; }; TASK T { PRIORITY = 1; }; ALARM A { COUNTER = C; ACTION = ACTIVATETASK { TASK = T; }; AUTOSTART = TRUE { CYCLETIME = 2; }; };").contains("attribute AUTOSTART: ALARMTIME is missing"));
    assert!(error_of("COUNTER C { MAXALLOWEDVALUE = 9; }; COUNTER D { MAXALLOWEDVALUE = 9; };\nALARM A { COUNTER = C; ACTION = INCREMENTCOUNTER { COUNTER = D; }; };\nALARM B { COUNTER = D; ACTION = INCREMENTCOUNTER { COUNTER = C; }; };").contains("form a cycle"));
    assert!(error_of("COUNTER C { MAXALLOWEDVALUE = 9; MINCYCLE = 10; };").contains("attribute MINCYCLE"));
    assert!(error_of("COUNTER C { TYPE = QUARTZ; };").contains("COUNTER C: attribute TYPE: expected SOFTWARE or HARDWARE"));
    assert!(error_of("COUNTER C { TICKTIME = 2; };").contains("attribute TICKTIME: only a HARDWARE counter"));
    assert!(error_of("COUNTER C { TYPE = HARDWARE; TICKTIME = 0; };").contains("attribute TICKTIME: milliseconds per tick"));
    assert!(error_of("COUNTER C { TYPE = HARDWARE; };\nCOUNTER D { TYPE = HARDWARE; };").contains("bad.oil:2: COUNTER D: attribute TYPE: one HARDWARE counter only"));
    let cfg = load("hw.oil", "COUNTER C { TYPE = HARDWARE; TICKTIME = 5; MAXALLOWEDVALUE = 9; };").unwrap();
    assert_eq!(cfg.counters[0].tick_ms, 5);
    let (h, _) = generate("hw.oil", "COUNTER C { TYPE = HARDWARE; TICKTIME = 5; MAXALLOWEDVALUE = 9; };").unwrap();
    assert!(h.contains("#define OSMAXALLOWEDVALUE OSMAXALLOWEDVALUE_C"));
    assert!(h.contains("#define OSTICKDURATION ((TickType)5000000u)"));
}

#[test]
fn syntax_errors() {
    assert_eq!(error_of("CPU c {\n TASK T {\n  PRIORITY 1;\n };\n};"), "bad.oil:3: TASK T: attribute PRIORITY: expected `=`, found `1`");
    assert!(error_of("TASK T { PRIORITY = 1;").contains("expected `}`, found the end of the file"));
    assert!(error_of("TASK T { PRIORITY = @; };").contains("unexpected character `@`"));
    assert!(error_of("/* never closed").contains("bad.oil:1: comment `/*` is never closed"));
    assert!(error_of("TASK T { PRIORITY = 99999999999; };").contains("attribute PRIORITY: a number up to 4294967295"));
    assert!(error_of("OS o { STATUS = LOUD; };").contains("OS o: attribute STATUS: expected STANDARD or EXTENDED"));
    assert!(error_of("OS o { ERRORHOOK = 1; };").contains("attribute ERRORHOOK: expected TRUE or FALSE"));
}

#[test]
fn duplicate_names_and_unsupported() {
    assert!(error_of("TASK X { PRIORITY = 1; };\nEVENT X { MASK = 1; };").contains("bad.oil:2: EVENT X: the name is already used by TASK X (line 1)"));
    assert!(error_of("RESOURCE R { RESOURCEPROPERTY = LINKED { LINKEDRESOURCE = S; }; };").contains("LINKED resources are not supported yet"));
    assert!(error_of("ISR I { CATEGORY = 3; };").contains("ISR I: attribute CATEGORY: expected 1 or 2"));
}

#[test]
fn isr_bound_to_an_interrupt_line() {
    let cfg = load("irq.oil", "ISR A { CATEGORY = 2; PRIORITY = 2; IRQ = 9; };\nISR B { CATEGORY = 2; };").expect("valid");
    assert_eq!(cfg.isrs[0].irq, Some(9));
    assert_eq!(cfg.isrs[1].irq, None);
    assert!(error_of("ISR A { IRQ = 9; };\nISR B { IRQ = 9; };").contains("bad.oil:2: ISR B: attribute IRQ: line 9 is bound to ISR A already"));
    assert!(error_of("ISR A { CATEGORY = 1; IRQ = 3; };").contains("ISR A: attribute IRQ: only a category-2 ISR can be bound"));
    assert!(error_of("ISR A { IRQ = 496; };").contains("ISR A: attribute IRQ: interrupt lines are 0 to 495"));
    assert!(error_of("ISR A { IRQ = TIMER; };").contains("ISR A: attribute IRQ"));
}

#[test]
fn reads_a_file_written_for_another_osek() {
    // The shape of other implementations' OIL files: BUILD blocks, FLOAT values, KERNEL
    // attributes, descriptions on every line.
    let text = r#"OIL_VERSION = "2.5" : "periodic";
IMPLEMENTATION trampoline {
    TASK { UINT32 STACKSIZE = 500 ; } ;
};
CPU periodic {
  OS config {
    STATUS = EXTENDED : "full checks";
    BUILD = TRUE { APP_SRC = "periodic.c"; CFLAGS = "-ggdb"; SYSTEM = PYTHON; };
    TICK_FREQUENCY = 1.5e3;
  } : "the os";
  APPMODE std {};
  COUNTER SystemCounter { MAXALLOWEDVALUE = 65535; TICKSPERBASE = 1; MINCYCLE = 1; TYPE = HARDWARE; };
  TASK my_periodic_task { PRIORITY = 1; AUTOSTART = FALSE; ACTIVATION = 1; SCHEDULE = FULL; STACKSIZE = 2048; };
  ALARM one_second {
    COUNTER = SystemCounter;
    ACTION = ACTIVATETASK { TASK = my_periodic_task; };
    AUTOSTART = TRUE { APPMODE = std; ALARMTIME = 100; CYCLETIME = 100; };
  };
};
"#;
    let cfg = load("periodic.oil", text).expect("tolerated");
    assert_eq!(cfg.alarms[0].autostart, [1]);
    assert_eq!(cfg.counters[0].tick_ms, 1);
    assert!(error_of("TASK T { PRIORITY = 1.5; };").contains("TASK T: attribute PRIORITY: expected a number (found \"1.5\")"));
}

#[test]
fn applications() {
    let text = "TASK A { PRIORITY = 1; };\nTASK B { PRIORITY = 2; };\nTASK C { PRIORITY = 3; };\n\
                APPLICATION One { TASK = A; TASK = B; DATASIZE = 256; };\nAPPLICATION Two { TASK = C; TRUSTED = TRUE; };";
    let cfg = load("apps.oil", text).expect("valid");
    assert_eq!(cfg.applications.len(), 2);
    assert_eq!(cfg.applications[0].tasks, vec![0, 1]);
    assert_eq!(cfg.applications[0].data_size, 256);
    assert_eq!(cfg.applications[1].data_size, 1024);
    assert!(cfg.applications[1].trusted);
    let (header, source) = generate("apps.oil", text).expect("valid");
    assert!(header.contains("#define One ((ApplicationType)0u)") && header.contains("extern uint8_t Os_AppData_Two[1024];"), "{header}");
    assert!(source.contains("uint8_t Os_AppData_One[256] __attribute__((aligned(256)));"), "{source}");
    let base = "TASK A { PRIORITY = 1; };\n";
    assert!(error_of(&format!("{base}APPLICATION X {{ TASK = A; }};\nAPPLICATION Y {{ TASK = A; }};")).contains("bad.oil:3: APPLICATION Y: attribute TASK: the task belongs to APPLICATION X already"));
    assert!(error_of(&format!("{base}APPLICATION X {{ DATASIZE = 100; }};")).contains("APPLICATION X: attribute DATASIZE: a power of two from 32 to 65536"));
    assert!(error_of(&format!("{base}APPLICATION X {{ TASK = Nope; }};")).contains("APPLICATION X: attribute TASK: no TASK of that name"));
    assert!(error_of(&format!("{base}APPLICATION X {{ TASK = A; }};\nTASK X {{ PRIORITY = 2; }};")).contains("the name is already used"));
}

const TABLE_BASE: &str = "COUNTER C { MAXALLOWEDVALUE = 99; MINCYCLE = 2; };\nCOUNTER D { MAXALLOWEDVALUE = 7; };\nTASK T { PRIORITY = 1; EVENT = E; };\nEVENT E { MASK = AUTO; };\n";

fn table_error(table: &str) -> String {
    error_of(&format!("{TABLE_BASE}{table}"))
}

#[test]
fn schedule_tables() {
    let text = format!(
        "{TABLE_BASE}SCHEDULETABLE S {{ COUNTER = C; DURATION = 10; REPEATING = TRUE;\n\
         AUTOSTART = TRUE {{ TYPE = ABSOLUTE; START_VALUE = 3; }};\n\
         EXPIRYPOINT = Late {{ OFFSET = 6; ACTION = SETEVENT {{ TASK = T; EVENT = E; }}; }};\n\
         EXPIRY_POINT Early {{ OFFSET = 2; ACTION = ACTIVATETASK {{ TASK = T; }}; ACTION = ACTIVATETASK {{ TASK = T; }}; }}; }};\n\
         SCHEDULETABLE I {{ COUNTER = D; DURATION = 8; SYNCSTRATEGY = IMPLICIT; AUTOSTART = TRUE;\n\
         EXPIRYPOINT = P {{ OFFSET = 0; ACTION = ACTIVATETASK {{ TASK = T; }}; }}; }};"
    );
    let cfg = load("st.oil", &text).expect("valid");
    let s = &cfg.schedule_tables[0];
    assert_eq!((s.counter, s.duration, s.repeating, s.implicit_sync), (0, 10, true, false));
    // sorted by offset, whatever the order in the file
    assert_eq!(s.points.iter().map(|p| (p.name.as_str(), p.offset)).collect::<Vec<_>>(), [("Early", 2), ("Late", 6)]);
    assert_eq!(s.points[0].actions, [ExpiryAction::ActivateTask(0), ExpiryAction::ActivateTask(0)]);
    assert_eq!(s.points[1].actions, [ExpiryAction::SetEvent(0, 0)]);
    assert_eq!(s.start, Some(TableStart::Absolute(3)));
    assert_eq!(cfg.schedule_tables[1].start, Some(TableStart::Absolute(0)), "an IMPLICIT table starts absolute");
    let (h, c) = generate("st.oil", &text).unwrap();
    assert!(h.contains("#define S ((ScheduleTableType)0u)") && h.contains("#define I ((ScheduleTableType)1u)"), "{h}");
    assert!(c.contains("{\"S\", 0u, 10u, 1, 0, 0u, 2u, 0x1u, OS_ST_AUTOSTART_ABSOLUTE, 3u}"), "{c}");
    assert!(c.contains("{2u, 0u, 2u}, /* S.Early */") && c.contains("{6u, 2u, 1u}, /* S.Late */"), "{c}");
    assert!(c.contains("/* schedtable_count */ 2,"));
}

#[test]
fn schedule_table_errors() {
    let ep = "EXPIRYPOINT = P { OFFSET = 0; ACTION = ACTIVATETASK { TASK = T; }; };";
    assert_eq!(table_error(&format!("SCHEDULETABLE S {{ DURATION = 10; {ep} }};")), "bad.oil:5: SCHEDULETABLE S: attribute COUNTER is missing");
    assert_eq!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; {ep} }};")), "bad.oil:5: SCHEDULETABLE S: attribute DURATION is missing");
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10; };").contains("bad.oil:5: SCHEDULETABLE S: attribute EXPIRYPOINT is missing"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = X; DURATION = 10; {ep} }};")).contains("SCHEDULETABLE S: attribute COUNTER: no COUNTER of that name (found X)"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C;\n DURATION = 0; {ep} }};")).contains("bad.oil:6: SCHEDULETABLE S: attribute DURATION: at least 1 tick"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C;\n DURATION = 100; {ep} }};")).contains("bad.oil:6: SCHEDULETABLE S: attribute DURATION: at most COUNTER C's MAXALLOWEDVALUE 99"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; DURATION = 10; REPEATING = MAYBE; {ep} }};")).contains("attribute REPEATING: expected TRUE or FALSE"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; DURATION = 10; SYNCSTRATEGY = EXPLICIT; {ep} }};")).contains("attribute SYNCSTRATEGY: explicit synchronisation is not supported"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = D;\n DURATION = 7; SYNCSTRATEGY = IMPLICIT; {ep} }};")).contains("bad.oil:6: SCHEDULETABLE S: attribute DURATION: an IMPLICIT table's duration is its counter's range, 8"));
    // expiry points
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10;\n EXPIRYPOINT = P { ACTION = ACTIVATETASK { TASK = T; }; }; };").contains("bad.oil:6: SCHEDULETABLE S: EXPIRYPOINT P: attribute OFFSET is missing"));
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10;\n EXPIRYPOINT = P { OFFSET = 1; }; };").contains("bad.oil:6: SCHEDULETABLE S: EXPIRYPOINT P: attribute ACTION is missing"));
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10;\n EXPIRYPOINT = P { OFFSET = 11; ACTION = ACTIVATETASK { TASK = T; }; }; };").contains("bad.oil:6: SCHEDULETABLE S: attribute EXPIRYPOINT: EXPIRYPOINT P: OFFSET 11 is beyond the DURATION 10"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; DURATION = 10; {ep}\n EXPIRYPOINT = Q {{ OFFSET = 0; ACTION = ACTIVATETASK {{ TASK = T; }}; }}; }};")).contains("bad.oil:6: SCHEDULETABLE S: attribute EXPIRYPOINT: EXPIRYPOINT Q: OFFSET 0 is used by EXPIRYPOINT P already"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; DURATION = 10; {ep}\n EXPIRYPOINT = Q {{ OFFSET = 1; ACTION = ACTIVATETASK {{ TASK = T; }}; }}; }};")).contains("EXPIRYPOINT Q: 1 ticks after the one before, below COUNTER C's MINCYCLE 2"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C;\n DURATION = 1; {ep} }};")).contains("bad.oil:6: SCHEDULETABLE S: attribute DURATION: the final delay 1 is below COUNTER C's MINCYCLE 2"));
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10; EXPIRYPOINT = P { OFFSET = 0;\n ACTION = ALARMCALLBACK { ALARMCALLBACKNAME = \"f\"; }; }; };").contains("bad.oil:6: SCHEDULETABLE S: EXPIRYPOINT P: attribute ACTION: expected ACTIVATETASK or SETEVENT"));
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10; EXPIRYPOINT = P { OFFSET = 0; ACTION = SETEVENT { TASK = T; }; }; };").contains("EXPIRYPOINT P: attribute ACTION: SETEVENT needs EVENT"));
    assert!(table_error("SCHEDULETABLE S { COUNTER = C; DURATION = 10; EXPIRYPOINT = P { OFFSET = 0; ACTION = ACTIVATETASK { TASK = Nope; }; }; };").contains("EXPIRYPOINT P: attribute TASK: no TASK of that name (found Nope)"));
    // autostart
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; DURATION = 10;\n AUTOSTART = TRUE {{ TYPE = RELATIVE; }}; {ep} }};")).contains("bad.oil:6: SCHEDULETABLE S: attribute AUTOSTART: a RELATIVE start needs OFFSET of at least 1"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = C; DURATION = 10; AUTOSTART = TRUE {{ TYPE = SYNCHRON; }}; {ep} }};")).contains("attribute TYPE: explicit synchronisation is not supported"));
    assert!(table_error(&format!("SCHEDULETABLE S {{ COUNTER = D; DURATION = 8; SYNCSTRATEGY = IMPLICIT; AUTOSTART = TRUE {{ TYPE = RELATIVE; OFFSET = 1; }}; {ep} }};")).contains("attribute TYPE: an IMPLICIT table starts ABSOLUTE"));
    assert!(table_error(&format!("SCHEDULETABLE T {{ COUNTER = C; DURATION = 10; {ep} }};")).contains("SCHEDULETABLE T: the name is already used by TASK T"));
}

#[test]
fn timing_protection() {
    let hw = "COUNTER K { TYPE = HARDWARE; MAXALLOWEDVALUE = 999; };\n";
    let text = format!("{hw}TASK T {{ PRIORITY = 1; TIMING_PROTECTION = TRUE {{ EXECUTIONBUDGET = 5; }}; }};\nTASK U {{ PRIORITY = 1; TIMING_PROTECTION = FALSE; }};\nISR I {{ CATEGORY = 2; TIMING_PROTECTION = TRUE {{ EXECUTIONBUDGET = 2; }}; }};");
    let cfg = load("tp.oil", &text).expect("valid");
    assert_eq!((cfg.tasks[0].budget_ms, cfg.tasks[1].budget_ms, cfg.isrs[0].budget_ms), (5, 0, 2));
    let (_, c) = generate("tp.oil", &text).unwrap();
    assert!(c.contains("os_act_T, -1, 5u}") && c.contains("{\"I\", OsIsr_I, 2, 1u, -1, 2u}"), "{c}");
    assert_eq!(error_of(&format!("{hw}TASK T {{ PRIORITY = 1;\n TIMING_PROTECTION = TRUE; }};")), "bad.oil:3: TASK T: attribute TIMING_PROTECTION: EXECUTIONBUDGET is missing");
    assert!(error_of(&format!("{hw}TASK T {{ PRIORITY = 1; TIMING_PROTECTION = TRUE {{\n EXECUTIONBUDGET = 0; }}; }};")).contains("bad.oil:3: TASK T: attribute EXECUTIONBUDGET: milliseconds, at least 1 (found 0)"));
    assert!(error_of(&format!("{hw}TASK T {{ PRIORITY = 1; TIMING_PROTECTION = TRUE {{ EXECUTIONBUDGET = fast; }}; }};")).contains("TASK T: attribute EXECUTIONBUDGET: expected a number (found fast)"));
    assert!(error_of(&format!("{hw}TASK T {{ PRIORITY = 1; TIMING_PROTECTION = SOMETIMES; }};")).contains("TASK T: attribute TIMING_PROTECTION: expected TRUE or FALSE"));
    assert!(error_of(&format!("{hw}ISR I {{ CATEGORY = 1;\n TIMING_PROTECTION = TRUE {{ EXECUTIONBUDGET = 1; }}; }};")).contains("bad.oil:3: ISR I: attribute TIMING_PROTECTION: timing protection is for category-2 ISRs"));
    assert_eq!(error_of("TASK A { PRIORITY = 1; };\nTASK T { PRIORITY = 1; TIMING_PROTECTION = TRUE { EXECUTIONBUDGET = 3; }; };"), "bad.oil:2: TASK T: attribute TIMING_PROTECTION: needs a HARDWARE counter (budgets are checked on its ticks)");
}
