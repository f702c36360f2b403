//! A state file that cannot be read stops `sync` with a message saying what to do (issue 11,
//! State): the file's path and `--rebuild-state`. The real binary; nothing is listening on the
//! configured services (the state is opened before any call).

use std::path::{Path, PathBuf};

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "examples-state-file-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_config(dir: &Path) -> PathBuf {
    let text = "[bigcommerce]\nstore_hash = \"abc123\"\naccess_token = \"token-never-used-1234\"\napi_base = \"http://127.0.0.1:9/\"\n\
         [mirakl]\nbase_url = \"http://127.0.0.1:9/\"\napi_key = \"key-never-used-1234\"\nshop_id = 1\nenforce_ceilings = false\n\
         [state]\npath = \"state.sqlite\"\n";
    let path = dir.join("connector.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn run(config: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sync"))
        .arg("--config")
        .arg(config)
        .args(extra)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn a_garbage_state_file_names_the_file_and_the_way_out() {
    let dir = temp_dir("garbage");
    let config = write_config(&dir);
    let state = dir.join("state.sqlite");
    let garbage: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&state, &garbage).unwrap();

    let (code, output) = run(&config, &["--once"]);
    assert_ne!(code, Some(0), "{output}");
    assert!(
        output.contains(&state.display().to_string()),
        "the message does not name the file: {output}"
    );
    assert!(
        output.contains("--rebuild-state"),
        "the message does not say what to do: {output}"
    );
    // the damaged file is left as it was, for inspection
    assert_eq!(std::fs::read(&state).unwrap(), garbage);
    let _ = std::fs::remove_dir_all(&dir);
}
