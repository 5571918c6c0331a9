//! The `methodResponse` reader: XML to a small element tree (bounded in depth), then the tree
//! to a [`Response`], checking each element against the specification.

use std::borrow::Cow;

use base64::Engine as _;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::{Response, Value};

/// Deepest element nesting read. A value nests three elements per level
/// (`value`/`array`/`data`), so this allows about 80 levels of arrays, far beyond any real
/// answer, and keeps a hostile response from exhausting the stack.
const MAX_DEPTH: usize = 256;

/// Why a response could not be read, naming what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("the response is not well-formed XML: {0}")]
    NotXml(String),
    #[error("the response is in {0}, which Portolan cannot read")]
    Encoding(String),
    #[error("the response nests more than {MAX_DEPTH} elements deep")]
    TooDeep,
    #[error("the response is not an XML-RPC methodResponse: {0}")]
    Shape(String),
}

#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

/// Reads a `methodResponse` body.
pub fn parse_response(body: &[u8]) -> Result<Response, ResponseError> {
    let text = as_utf8(body)?;
    let root = parse_tree(&text)?;
    if root.name != "methodResponse" {
        return Err(shape(format!(
            "the document is <{}>, not <methodResponse>",
            root.name
        )));
    }
    let [only] = elements::<1>(&root, "<methodResponse>", "<params> or <fault>")?;
    match only.name.as_str() {
        "params" => match only.children.as_slice() {
            // The specification asks for exactly one param; a void method on some servers
            // answers with none, which reads as nil rather than an error.
            [] => Ok(Response::Value(Value::Nil)),
            [param] if param.name == "param" => {
                let [value] = elements::<1>(param, "<param>", "<value>")?;
                Ok(Response::Value(read_value(value)?))
            }
            _ => Err(shape("<params> holds something other than one <param>")),
        },
        "fault" => {
            let [value] = elements::<1>(only, "<fault>", "<value>")?;
            read_fault(&read_value(value)?)
        }
        other => Err(shape(format!(
            "<methodResponse> holds <{other}>, not <params> or <fault>"
        ))),
    }
}

fn shape(message: impl Into<String>) -> ResponseError {
    ResponseError::Shape(message.into())
}

fn read_fault(value: &Value) -> Result<Response, ResponseError> {
    let Value::Struct(members) = value else {
        return Err(shape("the fault's value is not a struct"));
    };
    let find = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let code = match find("faultCode") {
        Some(Value::Int(n)) => *n,
        Some(_) => return Err(shape("the fault's faultCode is not an int")),
        None => return Err(shape("the fault has no faultCode")),
    };
    let message = match find("faultString") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(shape("the fault's faultString is not a string")),
        None => return Err(shape("the fault has no faultString")),
    };
    Ok(Response::Fault { code, message })
}

/// The `N` element children of `node`; any other count is an error naming what was expected.
fn elements<'a, const N: usize>(
    node: &'a Node,
    within: &str,
    expected: &str,
) -> Result<[&'a Node; N], ResponseError> {
    if !node.text.trim().is_empty() && !node.children.is_empty() {
        return Err(shape(format!("{within} mixes text with elements")));
    }
    let refs: Vec<&Node> = node.children.iter().collect();
    refs.try_into().map_err(|_| {
        shape(format!(
            "{within} holds {} elements where {expected} was expected",
            node.children.len()
        ))
    })
}

fn read_value(node: &Node) -> Result<Value, ResponseError> {
    if node.name != "value" {
        return Err(shape(format!(
            "<{}> where a <value> was expected",
            node.name
        )));
    }
    let typed = match node.children.as_slice() {
        [] => return Ok(Value::String(node.text.clone())),
        [one] if node.text.trim().is_empty() => one,
        [_] => return Err(shape("a <value> mixes text with a typed element")),
        _ => return Err(shape("a <value> holds more than one element")),
    };
    let leaf = |what: &str| -> Result<&str, ResponseError> {
        if typed.children.is_empty() {
            Ok(typed.text.trim())
        } else {
            Err(shape(format!("<{what}> holds elements, not text")))
        }
    };
    let name = typed.name.as_str();
    Ok(match name {
        "int" | "i4" | "i8" => {
            let text = leaf(name)?;
            Value::Int(
                text.parse()
                    .map_err(|_| shape(format!("<{name}>{text}</{name}> is not an integer")))?,
            )
        }
        "boolean" => match leaf(name)? {
            "1" => Value::Boolean(true),
            "0" => Value::Boolean(false),
            t if t.eq_ignore_ascii_case("true") => Value::Boolean(true),
            t if t.eq_ignore_ascii_case("false") => Value::Boolean(false),
            t => return Err(shape(format!("<boolean>{t}</boolean> is not 0 or 1"))),
        },
        "string" => {
            leaf(name)?;
            Value::String(typed.text.clone())
        }
        "double" => {
            let text = leaf(name)?;
            Value::Double(
                text.parse()
                    .map_err(|_| shape(format!("<double>{text}</double> is not a number")))?,
            )
        }
        "dateTime.iso8601" => {
            let text = leaf(name)?;
            if text.is_empty() {
                return Err(shape("an empty <dateTime.iso8601>"));
            }
            Value::DateTime(text.to_string())
        }
        "base64" => {
            let packed: String = leaf(name)?
                .chars()
                .filter(|c| !c.is_ascii_whitespace())
                .collect();
            let engine = &base64::engine::general_purpose::STANDARD;
            let bytes = engine
                .decode(&packed)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&packed))
                .map_err(|_| shape("a <base64> value is not base64"))?;
            Value::Base64(bytes)
        }
        "nil" => {
            if !leaf(name)?.is_empty() {
                return Err(shape("<nil> is not empty"));
            }
            Value::Nil
        }
        "struct" => {
            if !typed.text.trim().is_empty() {
                return Err(shape("<struct> holds text"));
            }
            let mut members = Vec::with_capacity(typed.children.len());
            for member in &typed.children {
                if member.name != "member" {
                    return Err(shape(format!("<struct> holds <{}>", member.name)));
                }
                let [a, b] = elements::<2>(member, "<member>", "<name> and <value>")?;
                let (name, value) = match (a.name.as_str(), b.name.as_str()) {
                    ("name", "value") => (a, b),
                    ("value", "name") => (b, a),
                    _ => return Err(shape("a <member> is not a <name> and a <value>")),
                };
                if !name.children.is_empty() {
                    return Err(shape("a member's <name> holds elements"));
                }
                members.push((name.text.clone(), read_value(value)?));
            }
            Value::Struct(members)
        }
        "array" => {
            let [data] = elements::<1>(typed, "<array>", "<data>")?;
            if data.name != "data" {
                return Err(shape(format!("<array> holds <{}>, not <data>", data.name)));
            }
            if !data.text.trim().is_empty() {
                return Err(shape("<data> holds text"));
            }
            Value::Array(
                data.children
                    .iter()
                    .map(read_value)
                    .collect::<Result<_, _>>()?,
            )
        }
        other => return Err(shape(format!("<{other}> is not an XML-RPC type"))),
    })
}

/// The body as UTF-8: UTF-8 as is (a byte-order mark dropped), another declared charset
/// decoded first, since the reader works on UTF-8 text.
fn as_utf8(body: &[u8]) -> Result<Cow<'_, str>, ResponseError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let declared = declared_encoding(body);
    match declared.as_deref() {
        None | Some("utf-8" | "utf8") => {
            std::str::from_utf8(body).map(Cow::Borrowed).map_err(|e| {
                ResponseError::NotXml(format!("it is not UTF-8 (byte {})", e.valid_up_to()))
            })
        }
        Some(label) => {
            let encoding = encoding_rs::Encoding::for_label(label.as_bytes())
                .ok_or_else(|| ResponseError::Encoding(label.to_string()))?;
            let (text, _, _) = encoding.decode(body);
            Ok(Cow::Owned(text.into_owned()))
        }
    }
}

/// The `encoding` of an `<?xml ...?>` declaration, lower-cased.
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = body.get(..body.len().min(200))?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(head.get(..end)?).ok()?;
    let decl = decl.trim_start().strip_prefix("<?xml")?;
    let after = &decl[decl.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &after[1..];
    Some(rest[..rest.find(quote)?].to_ascii_lowercase())
}

fn parse_tree(xml: &str) -> Result<Node, ResponseError> {
    let mut reader = Reader::from_str(xml);
    let bad = |e: &dyn std::fmt::Display| ResponseError::NotXml(e.to_string());
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let event = reader.read_event().map_err(|e| bad(&e))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(ResponseError::TooDeep);
                }
                if root.is_some() {
                    return Err(ResponseError::NotXml("more than one root element".into()));
                }
                stack.push(Node {
                    name: local_name(start.local_name().as_ref()),
                    ..Node::default()
                });
            }
            Event::Empty(start) => {
                let node = Node {
                    name: local_name(start.local_name().as_ref()),
                    ..Node::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None if root.is_none() => root = Some(node),
                    None => {
                        return Err(ResponseError::NotXml("more than one root element".into()));
                    }
                }
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| ResponseError::NotXml("a closing tag with no opening".into()))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(node),
                    None => root = Some(node),
                }
            }
            Event::Text(text) => {
                let text = text.xml10_content().map_err(|e| bad(&e))?;
                push_text(&mut stack, &text)?;
            }
            Event::CData(data) => {
                let text = data.xml10_content().map_err(|e| bad(&e))?;
                push_text(&mut stack, &text)?;
            }
            Event::GeneralRef(reference) => {
                let resolved = if let Some(c) = reference.resolve_char_ref().map_err(|e| bad(&e))? {
                    c.to_string()
                } else {
                    let name = reference.decode().map_err(|e| bad(&e))?;
                    quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| {
                            ResponseError::NotXml(format!("&{name}; is not an XML entity"))
                        })?
                        .to_string()
                };
                push_text(&mut stack, &resolved)?;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(ResponseError::NotXml(format!(
            "it ends inside <{}>: the response was cut off",
            stack.last().map_or("", |n| n.name.as_str())
        )));
    }
    root.ok_or_else(|| ResponseError::NotXml("it is empty".into()))
}

fn push_text(stack: &mut [Node], text: &str) -> Result<(), ResponseError> {
    match stack.last_mut() {
        Some(node) => {
            node.text.push_str(text);
            Ok(())
        }
        None if text.trim().is_empty() => Ok(()),
        None => Err(ResponseError::NotXml(
            "text outside the root element".into(),
        )),
    }
}

/// The element's name without a namespace prefix: Apache's server writes `<ex:nil/>` and
/// `<ex:i8>`.
fn local_name(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::write::write_value;
    use super::*;

    fn answer(value_xml: &str) -> Result<Response, ResponseError> {
        parse_response(
            format!(
                "<?xml version=\"1.0\"?>\n<methodResponse>\n<params>\n<param>\n{value_xml}\n</param>\n</params>\n</methodResponse>\n"
            )
            .as_bytes(),
        )
    }

    #[test]
    fn every_type_round_trips_through_the_writer() {
        let value = Value::Struct(vec![
            ("int".into(), Value::Int(-42)),
            ("i8".into(), Value::Int(1 << 40)),
            ("bool".into(), Value::Boolean(false)),
            ("text".into(), Value::String("  <tag> & \"q\" ü  ".into())),
            ("empty".into(), Value::String(String::new())),
            ("double".into(), Value::Double(-0.125)),
            ("when".into(), Value::DateTime("20261206T18:30:00".into())),
            ("bytes".into(), Value::Base64((0..=255).collect())),
            ("nil".into(), Value::Nil),
            (
                "list".into(),
                Value::Array(vec![
                    Value::Int(1),
                    Value::Array(vec![]),
                    Value::Struct(vec![]),
                ]),
            ),
        ]);
        let mut xml = String::new();
        write_value(&mut xml, &value);
        assert_eq!(answer(&xml), Ok(Response::Value(value)));
    }

    #[test]
    fn untyped_value_is_a_string_with_its_spaces() {
        assert_eq!(
            answer("<value>  two words </value>"),
            Ok(Response::Value(Value::String("  two words ".into())))
        );
    }

    #[test]
    fn pretty_printed_values_and_entities_read() {
        let xml = "<value>\n  <array>\n    <data>\n      <value><i4> 7 </i4></value>\n      <value><string>a&amp;b&#x263A;</string></value>\n    </data>\n  </array>\n</value>";
        assert_eq!(
            answer(xml),
            Ok(Response::Value(Value::Array(vec![
                Value::Int(7),
                Value::String("a&b☺".into())
            ])))
        );
    }

    #[test]
    fn namespaced_extensions_read() {
        assert_eq!(
            answer("<value><ex:nil/></value>"),
            Ok(Response::Value(Value::Nil))
        );
        assert_eq!(
            answer("<value><ex:i8>9000000000</ex:i8></value>"),
            Ok(Response::Value(Value::Int(9_000_000_000)))
        );
    }

    #[test]
    fn fault_gives_code_and_string() {
        let body = "<?xml version='1.0'?><methodResponse><fault><value><struct>\
            <member><name>faultCode</name><value><int>4</int></value></member>\
            <member><name>faultString</name><value><string>Too many parameters.</string></value></member>\
            </struct></value></fault></methodResponse>";
        assert_eq!(
            parse_response(body.as_bytes()),
            Ok(Response::Fault {
                code: 4,
                message: "Too many parameters.".into()
            })
        );
    }

    #[test]
    fn a_declared_latin1_body_is_decoded() {
        let mut body =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodResponse><params><param><value>".to_vec();
        body.push(0xFC);
        body.extend_from_slice(b"</value></param></params></methodResponse>");
        assert_eq!(
            parse_response(&body),
            Ok(Response::Value(Value::String("ü".into())))
        );
    }

    #[test]
    fn malformed_responses_are_errors_that_say_why() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            (
                "<methodResponse><params><param><value><int>1</int>",
                "cut off",
            ),
            ("<html><body>502</body></html>", "not <methodResponse>"),
            ("<methodResponse></methodResponse>", "0 elements"),
            (
                "<methodResponse><params><param><value><int>x</int></value></param></params></methodResponse>",
                "not an integer",
            ),
            (
                "<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
                "not 0 or 1",
            ),
            (
                "<methodResponse><params><param><value><float>1</float></value></param></params></methodResponse>",
                "not an XML-RPC type",
            ),
            (
                "<methodResponse><params><param><value><base64>@@@</base64></value></param></params></methodResponse>",
                "not base64",
            ),
            (
                "<methodResponse><params><param><value><struct><member><value/></member></struct></value></param></params></methodResponse>",
                "1 elements",
            ),
            (
                "<methodResponse><params><param><value><array><value/></array></value></param></params></methodResponse>",
                "not <data>",
            ),
            (
                "<methodResponse><params><param><value><string>&bogus;</string></value></param></params></methodResponse>",
                "not an XML entity",
            ),
            (
                "<methodResponse><params><param><value>x<int>1</int></value></param></params></methodResponse>",
                "mixes text",
            ),
            (
                "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>",
                "not a struct",
            ),
            (
                "<methodResponse><params/></methodResponse><x/>",
                "more than one root",
            ),
            ("<a></b>", "well-formed"),
        ];
        for (body, expected) in cases {
            let err = parse_response(body.as_bytes()).expect_err(body);
            assert!(
                err.to_string().contains(expected),
                "{body}: {err} does not say {expected:?}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let depth = 100_000;
        let body = format!(
            "<methodResponse><params><param>{}{}</param></params></methodResponse>",
            "<value><array><data>".repeat(depth),
            "</data></array></value>".repeat(depth)
        );
        assert_eq!(parse_response(body.as_bytes()), Err(ResponseError::TooDeep));
    }

    #[test]
    fn bytes_that_are_not_utf8_without_a_declaration_are_an_error() {
        let err = parse_response(b"<methodResponse>\xFF</methodResponse>").expect_err("bad");
        assert!(err.to_string().contains("not UTF-8"), "{err}");
    }
}
