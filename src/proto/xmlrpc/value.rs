//! The eight XML-RPC types plus `nil`, and their JSON form for the command line.

use base64::Engine as _;
use serde_json::{Map, Number, Value as Json};

/// One XML-RPC value. Integers are held as `i64` so that `i8` fits; `dateTime.iso8601` is
/// kept as the text the server sent, because the specification gives it no time zone and
/// servers differ in its exact form.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i64),
    Boolean(bool),
    String(String),
    Double(f64),
    DateTime(String),
    Base64(Vec<u8>),
    Struct(Vec<Member>),
    Array(Vec<Value>),
    Nil,
}

/// A struct member; members keep the server's order, as a person reads them in the tree.
pub type Member = (String, Value);

impl Value {
    /// The element name the value is written as.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Int(n) if i32::try_from(*n).is_ok() => "int",
            Value::Int(_) => "i8",
            Value::Boolean(_) => "boolean",
            Value::String(_) => "string",
            Value::Double(_) => "double",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Base64(_) => "base64",
            Value::Struct(_) => "struct",
            Value::Array(_) => "array",
            Value::Nil => "nil",
        }
    }

    /// The value as JSON, the form `portolan xmlrpc` prints. Types JSON lacks are one-key
    /// objects named after the XML-RPC element (`{"base64": "..."}`), which
    /// [`Value::from_json`] reads back, so a printed answer can be passed as an argument.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Int(n) => Json::from(*n),
            Value::Boolean(b) => Json::Bool(*b),
            Value::String(s) => Json::String(s.clone()),
            Value::Double(d) => Number::from_f64(*d).map_or_else(
                || tagged("double", Json::String(d.to_string())),
                Json::Number,
            ),
            Value::DateTime(t) => tagged("dateTime.iso8601", Json::String(t.clone())),
            Value::Base64(bytes) => tagged(
                "base64",
                Json::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            ),
            Value::Struct(members) => Json::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => Json::Array(items.iter().map(Value::to_json).collect()),
            Value::Nil => Json::Null,
        }
    }

    /// JSON to a value: whole numbers are `int`, others `double`, objects are structs unless
    /// they are one of the one-key tagged forms [`Value::to_json`] writes.
    pub fn from_json(json: &Json) -> Result<Value, String> {
        Ok(match json {
            Json::Null => Value::Nil,
            Json::Bool(b) => Value::Boolean(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Double(
                    n.as_f64()
                        .ok_or_else(|| format!("{n} does not fit a 64-bit number"))?,
                ),
            },
            Json::String(s) => Value::String(s.clone()),
            Json::Array(items) => Value::Array(
                items
                    .iter()
                    .map(Value::from_json)
                    .collect::<Result<_, _>>()?,
            ),
            Json::Object(map) => {
                if map.len() == 1
                    && let Some((key, Json::String(text))) = map.iter().next()
                {
                    match key.as_str() {
                        "dateTime.iso8601" => return Ok(Value::DateTime(text.clone())),
                        "base64" => {
                            return base64::engine::general_purpose::STANDARD
                                .decode(text.trim())
                                .map(Value::Base64)
                                .map_err(|_| format!("{text:?} is not base64"));
                        }
                        _ => {}
                    }
                }
                Value::Struct(
                    map.iter()
                        .map(|(k, v)| Ok((k.clone(), Value::from_json(v)?)))
                        .collect::<Result<_, String>>()?,
                )
            }
        })
    }

    /// A one-line summary for a tree row: scalars in full (strings cut at 200 characters),
    /// containers by their size.
    pub fn summary(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Boolean(b) => b.to_string(),
            Value::String(s) => {
                let mut cut: String = s.chars().take(200).collect();
                if cut.len() < s.len() {
                    cut.push('…');
                }
                format!("{cut:?}")
            }
            Value::Double(d) => format!("{d:?}"),
            Value::DateTime(t) => t.clone(),
            Value::Base64(b) => {
                let hex: Vec<String> = b.iter().take(16).map(|x| format!("{x:02x}")).collect();
                let more = if b.len() > 16 { " …" } else { "" };
                format!("{} bytes: {}{more}", b.len(), hex.join(" "))
            }
            Value::Struct(m) => format!("{} members", m.len()),
            Value::Array(a) => format!("{} items", a.len()),
            Value::Nil => "nil".to_string(),
        }
    }
}

fn tagged(name: &str, value: Json) -> Json {
    let mut map = Map::new();
    map.insert(name.to_string(), value);
    Json::Object(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_every_type() {
        let value = Value::Struct(vec![
            ("i".into(), Value::Int(-7)),
            ("big".into(), Value::Int(1 << 40)),
            ("b".into(), Value::Boolean(true)),
            ("s".into(), Value::String("a <b> & c".into())),
            ("d".into(), Value::Double(1.5)),
            ("t".into(), Value::DateTime("20261206T18:30:00".into())),
            ("raw".into(), Value::Base64(vec![0, 255, 10])),
            (
                "list".into(),
                Value::Array(vec![Value::Nil, Value::Array(vec![])]),
            ),
        ]);
        let json = value.to_json();
        assert_eq!(json["raw"], serde_json::json!({"base64": "AP8K"}));
        assert_eq!(Value::from_json(&json), Ok(value));
    }

    #[test]
    fn a_tagged_object_with_a_bad_payload_is_an_error() {
        let json = serde_json::json!({"base64": "!!"});
        assert!(Value::from_json(&json).is_err());
    }

    #[test]
    fn type_names_follow_the_range() {
        assert_eq!(Value::Int(i64::from(i32::MAX)).type_name(), "int");
        assert_eq!(Value::Int(i64::from(i32::MAX) + 1).type_name(), "i8");
    }
}
