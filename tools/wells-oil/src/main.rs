//! `wells-oil FILE.oil OUTDIR`: writes OUTDIR/Os_Cfg.h and OUTDIR/Os_Cfg.c.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [oil, out] = args.as_slice() else {
        eprintln!("usage: wells-oil FILE.oil OUTDIR   (writes OUTDIR/Os_Cfg.h and OUTDIR/Os_Cfg.c)");
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(oil) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("wells-oil: cannot read {oil}: {e}");
            return ExitCode::from(1);
        }
    };
    let (header, source) = match wells_oil::generate(oil, &text) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("wells-oil: {e}");
            return ExitCode::from(1);
        }
    };
    let out = Path::new(out);
    let written = std::fs::create_dir_all(out)
        .and_then(|()| std::fs::write(out.join("Os_Cfg.h"), header))
        .and_then(|()| std::fs::write(out.join("Os_Cfg.c"), source));
    if let Err(e) = written {
        eprintln!("wells-oil: cannot write into {}: {e}", out.display());
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
