//! The small tools against real servers: XML-RPC against Python's `xmlrpc.server`, DNS against
//! the hosts file (through the system resolver) and against dnsmasq serving a test zone.

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use portolan::proto::dns::{self, Kind, LookupError, Source};
use portolan::proto::http::HttpClient;
use portolan::proto::net::Limits;
use portolan::proto::xmlrpc::{self, CallError, Response, ResponseError, Value};

use crate::common;

const XMLRPC: &str = "127.0.0.1:8091";
const DNS: &str = "127.0.0.1:5354";

fn portolan() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_portolan"));
    c.env_remove("RUST_LOG");
    c
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn call(path: &str, method: &str, params: &[Value]) -> Result<Response, CallError> {
    let limits = Limits::default();
    let client = HttpClient::new(common::trust_without_ca(), &limits).expect("client");
    let url = url::Url::parse(&format!("http://{XMLRPC}{path}")).expect("url");
    runtime().block_on(xmlrpc::call(&client, &url, method, params, &limits))
}

/// One value of every type, nested in both containers.
fn every_type() -> Vec<Value> {
    vec![
        Value::Int(-42),
        Value::Boolean(true),
        Value::String("<café & \"co\">\n  ".into()),
        Value::String(String::new()),
        Value::Double(-1.25),
        Value::DateTime("20261206T18:30:00".into()),
        Value::Base64((0..=255).collect()),
        Value::Nil,
        Value::Struct(vec![
            ("zeta".into(), Value::Int(1)),
            ("alpha".into(), Value::Array(vec![Value::Boolean(false)])),
        ]),
        Value::Array(vec![
            Value::Array(vec![]),
            Value::Struct(vec![]),
            Value::Double(1e100),
        ]),
    ]
}

#[test]
fn every_type_goes_to_python_and_comes_back_unchanged() {
    if !common::server_up("XML-RPC", XMLRPC) {
        return;
    }
    let sent = every_type();
    let answer = call("/RPC2", "echo", &sent).expect("echo");
    assert_eq!(answer, Response::Value(Value::Array(sent)));
}

#[test]
fn python_reads_each_argument_as_its_type() {
    if !common::server_up("XML-RPC", XMLRPC) {
        return;
    }
    let mut sent = every_type();
    sent.push(Value::Int(1 << 40));
    let answer = call("/", "kinds", &sent).expect("kinds");
    let names: Vec<Value> = [
        "int", "bool", "str", "str", "float", "datetime", "bytes", "NoneType", "dict", "list",
        "int",
    ]
    .iter()
    .map(|s| Value::String((*s).to_string()))
    .collect();
    assert_eq!(answer, Response::Value(Value::Array(names)));
}

#[test]
fn a_struct_of_every_type_reads_from_python() {
    if !common::server_up("XML-RPC", XMLRPC) {
        return;
    }
    let Response::Value(Value::Struct(members)) = call("/", "types", &[]).expect("types") else {
        panic!("types() is a struct");
    };
    let get = |name: &str| {
        members
            .iter()
            .find(|(k, _)| k == name)
            .map_or_else(|| panic!("no member {name}"), |(_, v)| v.clone())
    };
    assert_eq!(get("int"), Value::Int(42));
    assert_eq!(get("boolean"), Value::Boolean(true));
    assert_eq!(get("string"), Value::String("<café & co>".into()));
    assert_eq!(get("double"), Value::Double(1.5));
    assert_eq!(get("when"), Value::DateTime("20261206T18:30:00".into()));
    assert_eq!(get("bytes"), Value::Base64(b"\x00\xffbin".to_vec()));
    assert_eq!(
        get("nested"),
        Value::Struct(vec![(
            "a".into(),
            Value::Struct(vec![("b".into(), Value::Nil)])
        )])
    );
}

#[test]
fn a_fault_is_an_answer_with_its_code_and_string() {
    if !common::server_up("XML-RPC", XMLRPC) {
        return;
    }
    let answer = call(
        "/",
        "fail",
        &[Value::Int(7), Value::String("no way".into())],
    )
    .expect("fault answer");
    assert_eq!(
        answer,
        Response::Fault {
            code: 7,
            message: "no way".into()
        }
    );
}

#[test]
fn malformed_answers_from_the_server_are_errors_that_say_why() {
    if !common::server_up("XML-RPC", XMLRPC) {
        return;
    }
    match call("/broken", "echo", &[]) {
        Err(CallError::Response {
            source: ResponseError::NotXml(why),
            ..
        }) => assert!(why.contains("cut off"), "{why}"),
        other => panic!("a cut-off answer gave {other:?}"),
    }
    match call("/html", "echo", &[]) {
        Err(CallError::Response {
            source: ResponseError::Shape(why),
            ..
        }) => assert!(why.contains("<html>"), "{why}"),
        other => panic!("a web page gave {other:?}"),
    }
    match call("/nowhere", "echo", &[]) {
        Err(CallError::Status { status, .. }) => assert_eq!(status, 404),
        other => panic!("a missing path gave {other:?}"),
    }
}

#[test]
fn cli_prints_the_answer_as_json_and_a_fault_exits_1() {
    if !common::server_up("XML-RPC", XMLRPC) {
        return;
    }
    let out = portolan()
        .args([
            "xmlrpc",
            &format!("http://{XMLRPC}/RPC2"),
            "echo",
            "i:42",
            "s:i:7",
            "b:0",
            "d:2.5",
            "t:20261206T18:30:00",
            "64:aGk=",
            "n:",
            r#"{"a":[1,"x"]}"#,
            "plain",
        ])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json,
        serde_json::json!([42, "i:7", false, 2.5, {"dateTime.iso8601": "20261206T18:30:00"},
            {"base64": "aGk="}, null, {"a": [1, "x"]}, "plain"])
    );

    let out = portolan()
        .args([
            "xmlrpc",
            &format!("http://{XMLRPC}/"),
            "fail",
            "i:3",
            "s:bad input",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fault 3: bad input"), "{err}");

    let out = portolan()
        .args(["xmlrpc", &format!("http://{XMLRPC}/"), "echo", "i:four"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("argument 1") && err.contains("whole number"),
        "{err}"
    );
}

fn dns_query(
    name: &str,
    kind: Kind,
    server: Option<&str>,
) -> Result<Vec<dns::Answer>, LookupError> {
    let query = dns::Query {
        name: name.to_string(),
        kind,
        server: server.map(|s| s.parse::<SocketAddr>().expect("addr")),
        timeout: Duration::from_secs(3),
    };
    runtime().block_on(dns::lookup(&query))
}

fn data(answers: &[dns::Answer]) -> Vec<String> {
    let mut d: Vec<String> = answers.iter().map(|a| a.data.clone()).collect();
    d.sort();
    d
}

/// dnsmasq answers over UDP, so a TCP probe cannot tell whether it runs; its TCP listener on
/// the same port can.
fn dns_up() -> bool {
    common::server_up("dnsmasq", DNS)
}

#[test]
fn each_record_type_from_the_test_zone() {
    if !dns_up() {
        return;
    }
    let a = dns_query("www.portolan.test", Kind::A, Some(DNS)).expect("A");
    assert_eq!(data(&a), ["192.0.2.10"]);
    assert_eq!(a[0].source, Source::Dns);
    let aaaa = dns_query("www.portolan.test", Kind::Aaaa, Some(DNS)).expect("AAAA");
    assert_eq!(data(&aaaa), ["2001:db8::10"]);
    let cname = dns_query("alias.portolan.test", Kind::Cname, Some(DNS)).expect("CNAME");
    assert_eq!(data(&cname), ["www.portolan.test."]);
    let mx = dns_query("portolan.test", Kind::Mx, Some(DNS)).expect("MX");
    assert_eq!(
        data(&mx),
        ["10 mail.portolan.test.", "20 backup.portolan.test."]
    );
    let txt = dns_query("portolan.test", Kind::Txt, Some(DNS)).expect("TXT");
    assert_eq!(data(&txt), ["hello world", "v=spf1 -all"]);
    let ptr = dns_query("192.0.2.10", Kind::Ptr, Some(DNS)).expect("PTR");
    assert_eq!(data(&ptr), ["www.portolan.test."]);
    // A name for PTR: its addresses, each reversed.
    let ptr = dns_query("www.portolan.test", Kind::Ptr, Some(DNS)).expect("PTR by name");
    assert_eq!(data(&ptr), ["www.portolan.test.", "www.portolan.test."]);
}

#[test]
fn missing_names_and_records_say_which() {
    if !dns_up() {
        return;
    }
    let err = dns_query("nothing.portolan.test", Kind::A, Some(DNS)).expect_err("NXDOMAIN");
    assert_eq!(
        err,
        LookupError::NoSuchName {
            name: "nothing.portolan.test".into()
        }
    );
    assert!(err.to_string().contains("does not exist"));
    let err = dns_query("portolan.test", Kind::Cname, Some(DNS)).expect_err("no CNAME");
    assert!(
        matches!(err, LookupError::NoRecords { kind: "CNAME", .. }),
        "{err:?}"
    );
}

#[test]
fn a_server_that_does_not_answer_is_a_timeout_in_words() {
    // A UDP port on loopback where nothing listens: the query is refused by ICMP or lost.
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
    let silent = socket.local_addr().expect("addr").to_string();
    let err = dns_query("www.portolan.test", Kind::Mx, Some(&silent)).expect_err("no answer");
    assert!(
        matches!(
            err,
            LookupError::Timeout { .. } | LookupError::Unreachable { .. }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&silent), "{err}");
}

#[test]
fn the_hosts_file_answers_through_the_system_resolver() {
    let answers = dns_query("localhost", Kind::A, None).expect("localhost");
    assert!(
        data(&answers).contains(&"127.0.0.1".to_string()),
        "{answers:?}"
    );
    assert_eq!(answers[0].source, Source::System);
    assert_eq!(answers[0].ttl, None);
    let err = dns_query("no-such-host.invalid", Kind::A, None).expect_err("unknown");
    assert!(
        matches!(
            err,
            LookupError::NotKnown { .. } | LookupError::NoSuchName { .. }
        ),
        "{err:?}"
    );
}

#[test]
fn cli_dns_prints_records_and_json() {
    if !dns_up() {
        return;
    }
    let out = portolan()
        .args([
            "dns",
            "portolan.test",
            "--type",
            "mx",
            "--server",
            DNS,
            "--json",
        ])
        .output()
        .expect("run");
    let rows = common::json_lines(&out);
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter()
            .all(|r| r["type"] == "MX" && r["source"] == "dns")
    );

    let out = portolan().args(["dns", "localhost"]).output().expect("run");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("\tA\t127.0.0.1"));

    let out = portolan()
        .args(["dns", "nothing.portolan.test", "--server", DNS])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));

    let out = portolan()
        .args(["dns", "portolan.test", "--type", "SRV"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use A, AAAA"));
}
