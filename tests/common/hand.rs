//! A static ensemble's membership changed by hand, as an operator without the console would:
//! a joiner started with the new list, then member 1 edited and restarted.

use std::time::Duration;
use zkconsole::ensemble::ServerSpec;
use zkconsole::sandbox::Sandbox;
use zkconsole::workflow::zoo_cfg;

/// Member 1's zoo.cfg as it was, and the server list with the joiner added.
pub struct HandJoin {
    pub m1: String,
    pub list: Vec<ServerSpec>,
}

/// Member 4 (a reserved slot of the static sandbox `sb`) gets a zoo.cfg derived from member
/// 1's listing 1,2,3,4, starts, and serves within `within`; 1, 2 and 3 still list 1,2,3.
pub async fn join_member_4(sb: &mut Sandbox, within: Duration) -> HandJoin {
    let dir = sb.dir().to_path_buf();
    let joiner = sb.reserve_member().expect("a slot for member 4");
    assert_eq!(joiner.id, 4);
    let m1 = std::fs::read_to_string(dir.join("m1/zoo.cfg")).expect("member 1's zoo.cfg");
    let spec4 = ServerSpec::parse_line(&format!(
        "server.4=127.0.0.1:{}:{};127.0.0.1:{}",
        joiner.quorum_port, joiner.election_port, joiner.client_port
    ))
    .expect("member 4's server line");
    let mut list: Vec<_> = zoo_cfg::static_servers(&m1)
        .expect("member 1's server list")
        .servers
        .into_values()
        .collect();
    list.push(spec4.clone());
    let data = dir.join("m4/data");
    let cfg4 = zoo_cfg::joiner_cfg(
        &m1,
        &list,
        &spec4,
        &data.display().to_string(),
        &[("admin.serverPort".into(), joiner.admin_port.to_string())],
    )
    .expect("member 4's zoo.cfg");
    std::fs::write(dir.join("m4/zoo.cfg"), cfg4).expect("write member 4's zoo.cfg");
    std::fs::write(data.join("myid"), "4\n").expect("write member 4's myid");
    sb.start(4).expect("start member 4");
    sb.wait_serving(4, within).await.expect("member 4 serves");
    HandJoin { m1, list }
}

impl HandJoin {
    /// Member 1 gets the new list and restarts, serving within `within`; 2 and 3 are
    /// forgotten, still on the old list.
    pub async fn relist_member_1(&self, sb: &mut Sandbox, within: Duration) {
        let m1_new = zoo_cfg::rewrite_servers(&self.m1, &self.list).expect("rewrite the list");
        std::fs::write(sb.dir().join("m1/zoo.cfg"), m1_new).expect("write member 1's zoo.cfg");
        sb.restart(1).await.expect("restart member 1");
        sb.wait_serving(1, within).await.expect("member 1 serves");
    }
}
