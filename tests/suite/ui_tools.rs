//! The Tools menu's windows driven by their labels against real servers: an XML-RPC call to
//! Python's `xmlrpc.server` (an answer as a tree, and a fault), a DNS lookup against the
//! dnsmasq test zone, an HTTP request whose XML answer is indented, and the URL inspector.

use crate::common;
use crate::common::{type_into, wait_for};
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use portolan::ui::app::App;

fn open_tool(h: &mut Harness<'static, App>, item: &str) {
    h.get_by_role_and_label(Role::Button, "Tools").click();
    h.run();
    h.get_by_label(item).click();
    h.run();
}

/// Picks `choice` in the combo box labelled `label`.
fn choose(h: &mut Harness<'static, App>, label: &str, choice: &str) {
    h.get_by_role_and_label(Role::ComboBox, label).click();
    h.run();
    h.get_by_label(choice).click();
    h.run();
}

#[test]
fn an_xml_rpc_call_shows_the_answer_as_a_tree_and_a_fault_in_words() {
    if !common::server_up("XML-RPC", "127.0.0.1:8091") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1200.0, 900.0]);
    h.run();
    open_tool(&mut h, "XML-RPC call…");
    type_into(&mut h, "Endpoint URL:", "http://127.0.0.1:8091/RPC2");
    // The server's own list (system.listMethods) offers the method.
    h.get_by_role_and_label(Role::Button, "List methods")
        .click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while h.state().tools.xmlrpc.methods.is_empty() {
        assert!(std::time::Instant::now() < deadline, "no methods listed");
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        h.state()
            .tools
            .xmlrpc
            .methods
            .iter()
            .any(|m| m == "system.listMethods"),
        "{:?}",
        h.state().tools.xmlrpc.methods
    );
    h.run();
    choose(&mut h, "Known:", "add");
    assert_eq!(h.state().tools.xmlrpc.method, "add");
    h.get_by_role_and_label(Role::Button, "Add parameter")
        .click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Add parameter")
        .click();
    h.run();
    choose(&mut h, "Type of parameter 1:", "int");
    type_into(&mut h, "Value of parameter 1:", "2");
    choose(&mut h, "Type of parameter 2:", "int");
    type_into(&mut h, "Value of parameter 2:", "40");
    h.get_by_role_and_label(Role::Button, "Call").click();
    wait_for(&mut h, "result: int = 42");

    // A struct of every type, folded open as a tree.
    type_into(&mut h, "Method name:", "types");
    h.get_by_label("Remove parameter 2").click();
    h.run();
    h.get_by_label("Remove parameter 1").click();
    h.run();
    h.get_by_role_and_label(Role::Button, "Call").click();
    wait_for(&mut h, "result: struct (9 members)");
    wait_for(&mut h, "when: dateTime.iso8601 = 20261206T18:30:00");
    wait_for(&mut h, "bytes: base64 = 5 bytes: 00 ff 62 69 6e");
    wait_for(&mut h, "b: nil = nil");

    // A fault is shown with its code and string.
    type_into(&mut h, "Method name:", "fail");
    h.get_by_role_and_label(Role::Button, "Add parameter")
        .click();
    h.run();
    choose(&mut h, "Type of parameter 1:", "int");
    type_into(&mut h, "Value of parameter 1:", "3");
    h.get_by_role_and_label(Role::Button, "Add parameter")
        .click();
    h.run();
    type_into(&mut h, "Value of parameter 2:", "bad input");
    h.get_by_role_and_label(Role::Button, "Call").click();
    wait_for(&mut h, "Fault 3: bad input");

    // A value that is not of its type is refused before anything is sent.
    type_into(&mut h, "Value of parameter 1:", "three");
    h.get_by_role_and_label(Role::Button, "Call").click();
    wait_for(&mut h, "Parameter 1:");
}

#[test]
fn a_dns_lookup_lists_the_records_of_the_test_zone() {
    if !common::server_up("dnsmasq", "127.0.0.1:5354") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1200.0, 900.0]);
    h.run();
    open_tool(&mut h, "DNS lookup…");
    type_into(&mut h, "Name to look up:", "portolan.test");
    type_into(&mut h, "DNS server:", "127.0.0.1:5354");
    choose(&mut h, "Record type:", "MX");
    h.get_by_role_and_label(Role::Button, "Look up").click();
    wait_for(&mut h, "10 mail.portolan.test.");
    wait_for(&mut h, "2 record(s) for portolan.test MX");
    type_into(&mut h, "Name to look up:", "nothing.portolan.test");
    h.get_by_role_and_label(Role::Button, "Look up").click();
    wait_for(&mut h, "nothing.portolan.test does not exist");
}

#[test]
fn an_http_request_shows_status_timing_and_an_indented_xml_body() {
    if !common::server_up("XML-RPC", "127.0.0.1:8091") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1200.0, 900.0]);
    h.run();
    open_tool(&mut h, "HTTP request…");
    choose(&mut h, "Method:", "POST");
    type_into(&mut h, "Request URL:", "http://127.0.0.1:8091/RPC2");
    type_into(
        &mut h,
        "Request headers (one Name: value a line):",
        "Content-Type: text/xml",
    );
    type_into(
        &mut h,
        "Request body:",
        "<methodCall><methodName>add</methodName><params><param><value><int>20</int></value></param><param><value><int>22</int></value></param></params></methodCall>",
    );
    h.get_by_role_and_label(Role::Button, "Send").click();
    wait_for(&mut h, "200 OK");
    wait_for(&mut h, "ms in all");
    let body = h.get_by_label("The response body");
    let text = body.value().unwrap_or_default();
    // Indented: each element on a line of its own, two spaces a level.
    assert!(text.contains("\n  <params>\n    <param>\n"), "{text}");
    assert!(text.contains("<int>42</int>"), "{text}");
    // A header line that is not `Name: value` is named, and nothing is sent.
    type_into(
        &mut h,
        "Request headers (one Name: value a line):",
        "just words",
    );
    h.get_by_role_and_label(Role::Button, "Send").click();
    wait_for(&mut h, "header line 1 is not Name: value");
}

#[test]
fn the_url_inspector_shows_the_parts_as_typed() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1200.0, 900.0]);
    h.run();
    open_tool(&mut h, "URL inspector…");
    type_into(
        &mut h,
        "URL to inspect:",
        "http://user@bücher.example:8080/a%20b?q=%C3%BC#top",
    );
    h.run();
    for expected in [
        "xn--bcher-kva.example",
        "bücher.example",
        "8080",
        "/a b",
        "ü",
        "top",
    ] {
        assert!(
            h.query_all_by_label_contains(expected).next().is_some(),
            "no {expected:?} among the parts"
        );
    }
}

/// The HTTP tool goes through the shared trust dialog: nginx with a self-signed certificate
/// (as `openssl req -x509` makes it) is refused in words, and Trust once sends the request
/// again.
#[test]
fn an_http_request_to_a_self_signed_server_asks_and_trust_once_sends_it() {
    if !common::server_up("nginx self-signed", "127.0.0.1:8444") {
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let mut h = common::start_app(&dir, None, [1200.0, 900.0]);
    h.run();
    open_tool(&mut h, "HTTP request…");
    type_into(&mut h, "Request URL:", "https://127.0.0.1:8444/");
    h.get_by_role_and_label(Role::Button, "Send").click();
    wait_for(&mut h, "Untrusted certificate");
    wait_for(&mut h, "self-signed");
    h.get_by_role_and_label(Role::Button, "Trust once").click();
    wait_for(&mut h, "200 OK");
}
