//! `wells-policy <set.toml> <set.bin>`: compiles a decision set for `wells` (see the crate docs
//! for the text form); exits 1 with the reason when the set is not valid.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: wells-policy <set.toml> <set.bin>");
        return std::process::ExitCode::from(2);
    };
    let result = wells_policy::read_text(input)
        .and_then(|text| wells_policy::compile(&text))
        .and_then(|bytes| std::fs::write(output, &bytes).map(|()| bytes.len()).map_err(|e| format!("cannot write {output}: {e}")));
    match result {
        Ok(size) => {
            println!("wells-policy: wrote {output} ({size} bytes)");
            std::process::ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("wells-policy: {input}: {message}");
            std::process::ExitCode::from(1)
        }
    }
}
