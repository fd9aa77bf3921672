//! The files one sandbox member runs from: `zoo.cfg`, its dynamic config seed and `myid`.

use crate::ensemble::{LearnerType, ServerSpec};
use base64::Engine;
use std::path::Path;

pub struct MemberFiles<'a> {
    pub dir: &'a Path,
    pub id: u64,
    pub admin_port: u16,
    pub tick_ms: u32,
    pub whitelist: &'a str,
    pub super_digest: &'a str,
    pub read_only_mode: bool,
    /// A TLS client port and the key store it serves from.
    pub secure: Option<(u16, &'a super::state::SandboxTls)>,
    /// The static format: the member's client address, written as `clientPortAddress` and
    /// `clientPort`; the server lines go into zoo.cfg and reconfig is off.
    pub static_client: Option<(&'a str, u16)>,
}

impl MemberFiles<'_> {
    /// Writes `zoo.cfg`, `zoo.cfg.dynamic` (the given member lines) and `data/myid`.
    pub fn write(&self, dynamic: &[ServerSpec]) -> std::io::Result<std::path::PathBuf> {
        let data = self.dir.join("data");
        std::fs::create_dir_all(&data)?;
        std::fs::write(data.join("myid"), format!("{}\n", self.id))?;
        let dynamic_path = self.dir.join("zoo.cfg.dynamic");
        let mut dyn_text = String::new();
        for spec in dynamic {
            dyn_text.push_str(&spec.to_line());
            dyn_text.push('\n');
        }
        std::fs::write(&dynamic_path, &dyn_text)?;
        let mut cfg = format!(
            "# written by zkconsole sandbox\n\
             tickTime={tick}\n\
             initLimit=10\n\
             syncLimit=5\n\
             dataDir={data}\n\
             standaloneEnabled=false\n\
             4lw.commands.whitelist={wl}\n\
             admin.enableServer=true\n\
             admin.serverAddress=127.0.0.1\n\
             admin.serverPort={admin}\n\
             DigestAuthenticationProvider.superDigest={digest}\n",
            tick = self.tick_ms,
            data = data.display(),
            wl = self.whitelist,
            admin = self.admin_port,
            digest = self.super_digest,
        );
        match self.static_client {
            Some((host, port)) => {
                cfg.push_str(&format!(
                    "reconfigEnabled=false\nclientPortAddress={host}\nclientPort={port}\n{dyn_text}"
                ));
            }
            None => cfg.push_str(&format!(
                "reconfigEnabled=true\ndynamicConfigFile={}\n",
                dynamic_path.display()
            )),
        }
        if self.read_only_mode {
            cfg.push_str("readonlymode.enabled=true\n");
        }
        if let Some((port, tls)) = self.secure {
            // Only the Netty connection factory serves TLS; clients are not asked for a
            // certificate, as on most ensembles that encrypt but authenticate by digest.
            cfg.push_str(&format!(
                "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory\n\
                 secureClientPort={port}\n\
                 ssl.keyStore.location={}\n\
                 ssl.keyStore.password={}\n\
                 ssl.keyStore.type=PKCS12\n\
                 ssl.clientAuth=none\n",
                tls.keystore.display(),
                tls.password,
            ));
        }
        let conf = self.dir.join("zoo.cfg");
        // It holds the super user's digest and, with TLS, the key store's password.
        write_secret(&conf, &cfg)?;
        Ok(conf)
    }
}

pub fn member_spec(
    id: u64,
    client_port: u16,
    quorum_port: u16,
    election_port: u16,
    learner_type: LearnerType,
) -> ServerSpec {
    ServerSpec {
        id,
        host: "127.0.0.1".into(),
        quorum_port,
        election_port,
        learner_type,
        client_host: Some("127.0.0.1".into()),
        client_port: Some(client_port),
    }
}

pub use crate::config::digest_of;

pub fn random_password() -> String {
    let mut b = [0u8; 18];
    getrandom::fill(&mut b).expect("the OS random source is unavailable");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Writes a secret with mode 0600 from the start (never world-readable, not even briefly).
pub fn write_secret(path: &Path, contents: &str) -> std::io::Result<()> {
    crate::config::write_private(path, contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn zoo_cfg_with_key_store_password_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let tls = super::super::state::SandboxTls {
            keystore: dir.path().join("ks.p12"),
            password: "kspass".into(),
        };
        let conf = MemberFiles {
            dir: dir.path(),
            id: 1,
            admin_port: 1,
            tick_ms: 500,
            whitelist: "*",
            super_digest: "super:x",
            read_only_mode: false,
            secure: Some((2, &tls)),
            static_client: None,
        }
        .write(&[])
        .unwrap();
        assert!(std::fs::read_to_string(&conf).unwrap().contains("kspass"));
        let mode = std::fs::metadata(&conf).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn digest_matches_zookeeper_generate_digest() {
        // DigestAuthenticationProvider.generateDigest("super:secret")
        assert_eq!(
            digest_of("super", "secret"),
            "super:lK75jTNcA+U9vtVEw5vB51mj/w4="
        );
    }
}
