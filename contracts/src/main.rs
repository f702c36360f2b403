//! `contract-derive <specs-dir> <out-dir>`: writes `bigcommerce.json` and `mirakl.json`, the
//! request contracts the sandbox checks every request against (see the library docs).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [specs, out] = args.as_slice() else {
        eprintln!("usage: contract-derive <specs-dir> <out-dir>");
        eprintln!("  e.g. cargo run -p contract-derive -- ../shared/specs sandbox/contracts");
        return ExitCode::from(2);
    };
    match contract_derive::derive_all(&PathBuf::from(specs), &PathBuf::from(out)) {
        Ok((bigcommerce, mirakl)) => {
            println!(
                "wrote {out}/bigcommerce.json ({bigcommerce} operations) and {out}/mirakl.json ({mirakl} operations)"
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("contract-derive: {error}");
            ExitCode::FAILURE
        }
    }
}
