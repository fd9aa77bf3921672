//! Finding the installed ZooKeeper and building the command line that runs one member.

use std::path::{Path, PathBuf};

const DEBIAN_JAR: &str = "/usr/share/java/zookeeper.jar";

pub const INSTALL_HINT: &str =
    "ZooKeeper is not installed. On Debian/Ubuntu run `sudo apt-get install zookeeper` \
(Java comes with it), or set ZOOKEEPER_CLASSPATH to a class path holding zookeeper.jar and its \
dependencies, or ZOOKEEPER_HOME to an unpacked Apache ZooKeeper release.";

/// The class path for `QuorumPeerMain`, looked up as: `ZOOKEEPER_CLASSPATH`, then
/// `ZOOKEEPER_HOME` (a release tarball: `lib/*.jar`), then Debian's package.
pub fn find_classpath() -> Result<String, String> {
    if let Ok(cp) = std::env::var("ZOOKEEPER_CLASSPATH") {
        if !cp.trim().is_empty() {
            return Ok(cp);
        }
    }
    if let Ok(home) = std::env::var("ZOOKEEPER_HOME") {
        let lib = Path::new(&home).join("lib");
        let mut jars: Vec<PathBuf> = std::fs::read_dir(&lib)
            .map(|rd| {
                rd.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "jar"))
                    .collect()
            })
            .unwrap_or_default();
        jars.sort();
        if !jars.is_empty() {
            return Ok(join(jars.iter().map(|p| p.display().to_string())));
        }
        return Err(format!(
            "ZOOKEEPER_HOME={home} holds no lib/*.jar. {INSTALL_HINT}"
        ));
    }
    if Path::new(DEBIAN_JAR).exists() {
        // Debian's jar names its dependencies in its manifest; the logger binding, the
        // servlet API (without which the AdminServer fails to load) and netty's codec (without
        // which a TLS client port fails its first handshake) must be added by hand.
        let mut parts = vec![DEBIAN_JAR.to_string()];
        for extra in [
            "/usr/share/java/slf4j-simple.jar",
            "/usr/share/java/servlet-api.jar",
            "/usr/share/java/netty-codec.jar",
        ] {
            if Path::new(extra).exists() {
                parts.push(extra.to_string());
            }
        }
        return Ok(join(parts.into_iter()));
    }
    Err(INSTALL_HINT.to_string())
}

pub fn java_binary() -> String {
    std::env::var("JAVA_HOME")
        .ok()
        .map(|h| format!("{h}/bin/java"))
        .filter(|p| Path::new(p).exists())
        .unwrap_or_else(|| "java".to_string())
}

/// JVM flags tuned for many small members on a 2-core machine: a small heap, the serial
/// collector and the C1 compiler start fast and stay light.
pub fn jvm_args(classpath: &str, sandbox_dir: &Path, conf: &Path) -> Vec<String> {
    vec![
        "-Xmx256m".into(),
        "-Xss512k".into(),
        "-XX:+UseSerialGC".into(),
        "-XX:TieredStopAtLevel=1".into(),
        "-Djava.net.preferIPv4Stack=true".into(),
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=info".into(),
        "-Dorg.slf4j.simpleLogger.showDateTime=true".into(),
        // Marks the process as ours, so stray members can be found and cleaned up.
        format!("-Dzkconsole.sandbox={}", sandbox_dir.display()),
        // A test run's own tag (set by .ci/run), so its cleanup stops exactly its members.
        format!(
            "-Dzkconsole.tag={}",
            std::env::var("ZKCONSOLE_SANDBOX_TAG").unwrap_or_default()
        ),
        "-cp".into(),
        classpath.to_string(),
        "org.apache.zookeeper.server.quorum.QuorumPeerMain".into(),
        conf.display().to_string(),
    ]
}

fn join(parts: impl Iterator<Item = String>) -> String {
    parts.collect::<Vec<_>>().join(":")
}

/// Files a member's JVM creates are its user's alone (umask 077): ZooKeeper rewrites `zoo.cfg`
/// on every reconfig, and with TLS that file holds the key store's password.
pub fn private_files(cmd: &mut tokio::process::Command) {
    // SAFETY: runs in the forked child before exec; umask(2) is async-signal-safe, allocates
    // nothing and takes no lock.
    unsafe {
        cmd.pre_exec(|| {
            nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o077));
            Ok(())
        });
    }
}
