//! Typed arguments written as text, for the command line and the XML-RPC window's fields:
//! `i:42`, `s:text`, `b:1`, `d:1.5`, `t:20261206T18:30:00`, `64:aGk=`, `n:`, and JSON for
//! structs and arrays (`j:{"a":1}`, or bare text starting with `{` or `[`).

use base64::Engine as _;

use super::Value;

/// One argument. Text with no known prefix is a string, as `xmlrpc.client` would send it.
pub fn parse_arg(text: &str) -> Result<Value, String> {
    let (prefix, rest) = match text.split_once(':') {
        Some((p, r)) if matches!(p, "i" | "s" | "b" | "d" | "t" | "64" | "n" | "j") => (p, r),
        _ if text.starts_with('{') || text.starts_with('[') => ("j", text),
        _ => return Ok(Value::String(text.to_string())),
    };
    match prefix {
        "i" => rest
            .trim()
            .parse()
            .map(Value::Int)
            .map_err(|_| format!("{rest:?} after i: is not a whole number")),
        "s" => Ok(Value::String(rest.to_string())),
        "b" => match rest.trim().to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(Value::Boolean(true)),
            "0" | "false" => Ok(Value::Boolean(false)),
            _ => Err(format!("{rest:?} after b: is not 1, 0, true or false")),
        },
        "d" => rest
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|d| d.is_finite())
            .map(Value::Double)
            .ok_or_else(|| format!("{rest:?} after d: is not a finite number")),
        "t" => {
            if is_iso8601_basic(rest.trim()) {
                Ok(Value::DateTime(rest.trim().to_string()))
            } else {
                Err(format!(
                    "{rest:?} after t: is not a date and time such as 20261206T18:30:00"
                ))
            }
        }
        "64" => base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .map(Value::Base64)
            .map_err(|_| format!("{rest:?} after 64: is not base64")),
        "n" if rest.is_empty() => Ok(Value::Nil),
        "n" => Err("n: (nil) takes nothing after the colon".to_string()),
        _ => {
            let json: serde_json::Value = serde_json::from_str(rest)
                .map_err(|e| format!("the JSON argument is not valid JSON: {e}"))?;
            Value::from_json(&json)
        }
    }
}

/// The form the specification's example uses, `19980717T14:08:55`, and the same with dashes
/// in the date, which Python and Apache both accept.
fn is_iso8601_basic(text: &str) -> bool {
    let Some((date, time)) = text.split_once('T') else {
        return false;
    };
    let date: String = date.chars().filter(|c| *c != '-').collect();
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let time_ok = {
        let parts: Vec<&str> = time.split(':').collect();
        parts.len() == 3 && parts.iter().all(|p| p.len() == 2 && digits(p))
    };
    date.len() == 8 && digits(&date) && time_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_prefix_gives_its_type() {
        assert_eq!(parse_arg("i:42"), Ok(Value::Int(42)));
        assert_eq!(parse_arg("i:-9000000000"), Ok(Value::Int(-9_000_000_000)));
        assert_eq!(parse_arg("s:i:7"), Ok(Value::String("i:7".into())));
        assert_eq!(parse_arg("b:1"), Ok(Value::Boolean(true)));
        assert_eq!(parse_arg("b:false"), Ok(Value::Boolean(false)));
        assert_eq!(parse_arg("d:1.5"), Ok(Value::Double(1.5)));
        assert_eq!(
            parse_arg("t:20261206T18:30:00"),
            Ok(Value::DateTime("20261206T18:30:00".into()))
        );
        assert_eq!(parse_arg("64:aGk="), Ok(Value::Base64(b"hi".to_vec())));
        assert_eq!(parse_arg("n:"), Ok(Value::Nil));
        assert_eq!(
            parse_arg(r#"{"a":[1,2.5]}"#),
            Ok(Value::Struct(vec![(
                "a".into(),
                Value::Array(vec![Value::Int(1), Value::Double(2.5)])
            )]))
        );
        assert_eq!(
            parse_arg("plain words"),
            Ok(Value::String("plain words".into()))
        );
        assert_eq!(parse_arg("http://x"), Ok(Value::String("http://x".into())));
    }

    #[test]
    fn bad_arguments_say_what_was_expected() {
        for bad in [
            "i:4.5",
            "b:yes",
            "d:inf",
            "t:yesterday",
            "64:!!",
            "n:x",
            "j:{",
            "[1,",
        ] {
            let err = parse_arg(bad).expect_err(bad);
            assert!(!err.is_empty());
        }
    }
}
