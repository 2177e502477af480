//! wells-oil: an OIL 2.5 file in, the static OSEK OS configuration of `openautosar/` out
//! (`Os_Cfg.h` with the identifiers application code uses, `Os_Cfg.c` with the tables).

pub mod gen;
pub mod model;
pub mod parse;

pub use model::Config;
pub use parse::OilError;

/// Parses and checks OIL text; `file` names it in errors.
pub fn load(file: &str, text: &str) -> Result<Config, OilError> {
    let objects = parse::parse(file, text)?;
    model::build(file, &objects)
}

/// The two generated files: (Os_Cfg.h, Os_Cfg.c).
pub fn generate(file: &str, text: &str) -> Result<(String, String), OilError> {
    let cfg = load(file, text)?;
    Ok((gen::header(&cfg, file), gen::source(&cfg, file)))
}

#[cfg(test)]
mod tests;
