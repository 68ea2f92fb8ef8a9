//! A real Postgres for the tests and benchmarks: Debian's `postgresql` package (installed
//! with apt-get when missing), a cluster in `target/postgres` (in the temporary directory,
//! owned by the `postgres` user, when run as root: Postgres refuses to run as root),
//! listening on 127.0.0.1 only. `cargo xtask postgres` starts it and
//! prints its URL; `cargo xtask test` starts it for the tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{root, run};

/// The port the test cluster listens on.
pub const PORT: u16 = 55432;

/// The URL of the test cluster's database.
pub fn url() -> String {
    format!("postgres://postgres@127.0.0.1:{PORT}/postgres")
}

/// Starts the test cluster unless it is running; its URL.
pub fn ensure() -> Result<String, String> {
    let bin = binaries()?;
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    // As root the cluster belongs to `postgres`, who may not be able to reach a checkout
    // under /root: it lives in the temporary directory then.
    let dir = if as_root {
        std::env::temp_dir().join("apigen-postgres")
    } else {
        root().join("target/postgres")
    };
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Postgres refuses to run as root: the cluster belongs to the `postgres` user then.
    let user = |program: &Path| {
        if as_root {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    };
    if as_root {
        run(
            "chown the cluster's directory to postgres",
            Command::new("chown").args(["-R", "postgres"]).arg(&dir),
        )?;
    }
    let running = user(&bin.join("pg_ctl"))
        .arg("status")
        .arg("-D")
        .arg(&data)
        .output()
        .is_ok_and(|o| o.status.success());
    if running {
        return Ok(url());
    }
    if !data.join("PG_VERSION").exists() {
        let _ = std::fs::remove_dir_all(&data);
        run(
            "initdb",
            user(&bin.join("initdb"))
                .args([
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "-D",
                ])
                .arg(&data),
        )?;
    }
    let options = format!(
        "-p {PORT} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c max_connections=200",
        dir.display()
    );
    run(
        "pg_ctl start",
        user(&bin.join("pg_ctl"))
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(&data)
            .args(["-o", &options, "-l"])
            .arg(dir.join("log")),
    )?;
    println!("postgres listening on {}", url());
    Ok(url())
}

/// The directory of `initdb` and `pg_ctl`, installing Debian's package if needed.
fn binaries() -> Result<PathBuf, String> {
    if let Some(found) = find() {
        return Ok(found);
    }
    println!("postgres: not installed; installing Debian's postgresql package");
    run("apt-get update", Command::new("apt-get").arg("update"))?;
    run(
        "apt-get install postgresql",
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "postgresql"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    find().ok_or_else(|| {
        "postgres: installed, but no /usr/lib/postgresql/*/bin/initdb was found".to_owned()
    })
}

fn find() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| Some(entry.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop()
}
