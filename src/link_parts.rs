//! Every part of a URL as Portolan reads it, for the URL inspector (`portolan url`): the
//! parts as typed next to what [`Link`] made of them (the host as IDNA, the port with the
//! scheme's default, the path and query decoded, the gopher, news and mailto parts). A
//! password is never shown: only whether there is one.

use serde_json::{Map, Value, json};

use crate::link::{Link, LinkError, NewsTarget, Server};

/// The authority as typed: userinfo, host and port, before any mapping.
struct Typed<'a> {
    user: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn typed(input: &str) -> Option<Typed<'_>> {
    let (_, rest) = input.split_once(':')?;
    let (before_fragment, fragment) = match rest.split_once('#') {
        Some((a, f)) => (a, Some(f)),
        None => (rest, None),
    };
    let (before_query, query) = match before_fragment.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (before_fragment, None),
    };
    let Some(hier) = before_query.strip_prefix("//") else {
        // `mailto:`, `news:group`: no authority.
        return Some(Typed {
            user: None,
            host: "",
            port: None,
            path: before_query,
            query,
            fragment,
        });
    };
    let (authority, path) = crate::link::split_authority(hier);
    let (user, host_port) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u.split(':').next().unwrap_or(u)), h),
        None => (None, authority),
    };
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        match rest.split_once(']') {
            Some((h, after)) => (h, after.strip_prefix(':')),
            None => (host_port, None),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    Some(Typed {
        user,
        host,
        port,
        path,
        query,
        fragment,
    })
}

fn server_parts(out: &mut Map<String, Value>, server: &Server) {
    out.insert("host".into(), json!(server.host));
    let (unicode, _) = idna::domain_to_unicode(&server.host);
    if unicode != server.host {
        out.insert("host_unicode".into(), json!(unicode));
    }
    out.insert("port".into(), json!(server.port));
    if let Some(user) = &server.user {
        out.insert("user".into(), json!(user));
    }
    out.insert("has_password".into(), json!(server.password.is_some()));
    if let Some(auth) = &server.auth {
        out.insert("auth".into(), json!(auth));
    }
}

/// The parts of `input` as one JSON object; an error in words when it is not a URL Portolan
/// reads.
pub fn parts(input: &str) -> Result<Value, LinkError> {
    let link = Link::parse(input)?;
    let mut out = Map::new();
    // As Portolan writes the URL back: a password in it is left out.
    out.insert("url".into(), json!(link.to_string()));
    out.insert("scheme".into(), json!(link.scheme().name()));
    out.insert("panel".into(), json!(link.panel().title()));
    if let Some(t) = typed(input) {
        if !t.host.is_empty() {
            out.insert("host_typed".into(), json!(t.host));
        }
        if let Some(p) = t.port {
            out.insert("port_typed".into(), json!(p));
        }
        if let Some(u) = t.user {
            out.insert("user_typed".into(), json!(u));
        }
        out.insert("path_typed".into(), json!(t.path));
        if let Some(q) = t.query {
            out.insert("query_typed".into(), json!(q));
        }
        if let Some(f) = t.fragment {
            out.insert("fragment".into(), json!(crate::link::decode_lossy(f)));
        }
    }
    match &link {
        Link::Ftp { server, path, .. } => {
            server_parts(&mut out, server);
            out.insert("path".into(), json!(String::from_utf8_lossy(path)));
        }
        Link::Mail { server, path, .. } => {
            server_parts(&mut out, server);
            out.insert("path".into(), json!(crate::link::decode_lossy(path)));
        }
        Link::Telnet { server, tls } => {
            server_parts(&mut out, server);
            out.insert("tls".into(), json!(tls));
        }
        Link::Gopher(g) => {
            server_parts(&mut out, &g.server);
            out.insert(
                "item_type".into(),
                json!(char::from(g.item_type).to_string()),
            );
            out.insert(
                "selector".into(),
                json!(String::from_utf8_lossy(&g.selector)),
            );
            if let Some(s) = &g.search {
                out.insert("search".into(), json!(s));
            }
        }
        Link::News { server, target, .. } => {
            if let Some(server) = server {
                server_parts(&mut out, server);
            }
            match target {
                NewsTarget::Group { name, article } => {
                    out.insert("group".into(), json!(name));
                    if let Some(n) = article {
                        out.insert("article".into(), json!(n));
                    }
                }
                NewsTarget::MessageId(id) => {
                    out.insert("message_id".into(), json!(id));
                }
            }
        }
        Link::Mailto(m) => {
            out.insert("to".into(), json!(m.to));
            for (key, list) in [("cc", &m.cc), ("bcc", &m.bcc)] {
                if !list.is_empty() {
                    out.insert(key.into(), json!(list));
                }
            }
            if let Some(s) = &m.subject {
                out.insert("subject".into(), json!(s));
            }
            if let Some(b) = &m.body {
                out.insert("body".into(), json!(b));
            }
        }
        Link::Http(url) => {
            let host = url.host_str().unwrap_or_default();
            out.insert("host".into(), json!(host));
            let (unicode, _) = idna::domain_to_unicode(host);
            if unicode != host {
                out.insert("host_unicode".into(), json!(unicode));
            }
            if let Some(port) = url.port_or_known_default() {
                out.insert("port".into(), json!(port));
            }
            if !url.username().is_empty() {
                out.insert(
                    "user".into(),
                    json!(crate::link::decode_lossy(url.username())),
                );
            }
            out.insert("has_password".into(), json!(url.password().is_some()));
            out.insert("path".into(), json!(crate::link::decode_lossy(url.path())));
            let pairs: Vec<Value> = url
                .query_pairs()
                .map(|(k, v)| json!([k.as_ref(), v.as_ref()]))
                .collect();
            if !pairs.is_empty() {
                out.insert("query".into(), Value::Array(pairs));
            }
        }
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(v: &Value, key: &str) -> Value {
        v.get(key).cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn the_parts_as_typed_and_as_read() {
        let v = parts("gopher://Example.ORG/7/cgi-bin/search%3Fx%09apple").expect("gopher");
        assert_eq!(field(&v, "host"), json!("example.org"));
        assert_eq!(field(&v, "host_typed"), json!("Example.ORG"));
        assert_eq!(field(&v, "port"), json!(70), "the scheme's default");
        assert_eq!(field(&v, "item_type"), json!("7"));
        assert_eq!(field(&v, "search"), json!("apple"));

        let v = parts("https://bücher.example:8443/a%20b?q=caf%C3%A9&x=1#top").expect("http");
        assert_eq!(field(&v, "host"), json!("xn--bcher-kva.example"));
        assert_eq!(field(&v, "host_unicode"), json!("bücher.example"));
        assert_eq!(field(&v, "port"), json!(8443));
        assert_eq!(field(&v, "path"), json!("/a b"));
        assert_eq!(field(&v, "query"), json!([["q", "café"], ["x", "1"]]));
        assert_eq!(field(&v, "fragment"), json!("top"));

        let v = parts("ftp://anna:secret@[::1]:2121/pub/").expect("ftp");
        assert_eq!(field(&v, "host"), json!("::1"));
        assert_eq!(field(&v, "user"), json!("anna"));
        assert_eq!(field(&v, "has_password"), json!(true));
        assert!(
            !v.to_string().contains("secret"),
            "a password is never shown"
        );

        let v = parts("news:<abc@example.test>").expect("news");
        assert_eq!(field(&v, "message_id"), json!("abc@example.test"));
        let v = parts("nntp://localhost/local.test/12").expect("nntp");
        assert_eq!(field(&v, "group"), json!("local.test"));
        assert_eq!(field(&v, "article"), json!(12));
        assert_eq!(field(&v, "port"), json!(119));

        let v =
            parts("mailto:a@example.test?cc=b@example.test&subject=Hi%20there").expect("mailto");
        assert_eq!(field(&v, "to"), json!(["a@example.test"]));
        assert_eq!(field(&v, "cc"), json!(["b@example.test"]));
        assert_eq!(field(&v, "subject"), json!("Hi there"));
    }

    #[test]
    fn what_is_not_a_url_is_an_error_in_words() {
        for bad in [
            "",
            "no scheme here",
            "gopher://",
            "http://host:99999/",
            "zzz://x/",
        ] {
            let e = parts(bad).expect_err(bad);
            assert!(!e.to_string().is_empty());
        }
    }
}
