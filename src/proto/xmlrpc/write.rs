//! The `methodCall` document.

use base64::Engine as _;
use quick_xml::escape::escape;

use super::Value;

/// The request body for `method` with `params`, UTF-8 and declared so.
pub fn method_call(method: &str, params: &[Value]) -> String {
    let mut out = String::with_capacity(128 + 64 * params.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall><methodName>");
    out.push_str(&text(method));
    out.push_str("</methodName><params>");
    for param in params {
        out.push_str("<param>");
        write_value(&mut out, param);
        out.push_str("</param>");
    }
    out.push_str("</params></methodCall>\n");
    out
}

/// One `<value>` element. Doubles are written in plain decimal: the specification has no
/// exponent form, and Python refuses none but other servers do.
pub(super) fn write_value(out: &mut String, value: &Value) {
    out.push_str("<value>");
    match value {
        Value::Int(n) => scalar(out, value.type_name(), &n.to_string()),
        Value::Boolean(b) => scalar(out, "boolean", if *b { "1" } else { "0" }),
        Value::String(s) => scalar(out, "string", &text(s)),
        Value::Double(d) => scalar(out, "double", &plain_decimal(*d)),
        Value::DateTime(t) => scalar(out, "dateTime.iso8601", &text(t)),
        Value::Base64(bytes) => scalar(
            out,
            "base64",
            &base64::engine::general_purpose::STANDARD.encode(bytes),
        ),
        Value::Struct(members) => {
            out.push_str("<struct>");
            for (name, member) in members {
                out.push_str("<member><name>");
                out.push_str(&text(name));
                out.push_str("</name>");
                write_value(out, member);
                out.push_str("</member>");
            }
            out.push_str("</struct>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>");
            for item in items {
                write_value(out, item);
            }
            out.push_str("</data></array>");
        }
        Value::Nil => out.push_str("<nil/>"),
    }
    out.push_str("</value>");
}

/// Character data escaped for XML, with carriage returns as references: a reader turns a raw
/// CR (and CR LF) into LF, which would change the string.
fn text(raw: &str) -> String {
    let escaped = escape(raw);
    if escaped.contains('\r') {
        escaped.replace('\r', "&#13;")
    } else {
        escaped.into_owned()
    }
}

fn scalar(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `1e300` as digits, the way the specification writes doubles; non-finite values, which
/// XML-RPC cannot carry, are written as Python writes them so a server's error names them.
fn plain_decimal(d: f64) -> String {
    if !d.is_finite() {
        return d.to_string();
    }
    let text = format!("{d}");
    if text.contains('.') || text.contains("inf") || text.contains("NaN") {
        text
    } else {
        format!("{text}.0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_escapes_markup_in_names_and_strings() {
        let xml = method_call("a<b", &[Value::String("x & </string>".into())]);
        assert!(xml.contains("<methodName>a&lt;b</methodName>"));
        assert!(xml.contains("<string>x &amp; &lt;/string&gt;</string>"));
    }

    #[test]
    fn carriage_returns_survive_as_references() {
        let xml = method_call("m", &[Value::String("a\r\nb".into())]);
        assert!(xml.contains("a&#13;\nb"), "{xml}");
    }

    #[test]
    fn doubles_are_plain_decimals() {
        assert_eq!(plain_decimal(1e21), "1000000000000000000000.0");
        assert_eq!(plain_decimal(0.5), "0.5");
        assert_eq!(plain_decimal(-3.0), "-3.0");
    }

    #[test]
    fn large_integers_use_i8() {
        let xml = method_call("m", &[Value::Int(1 << 40), Value::Int(-5)]);
        assert!(xml.contains("<i8>1099511627776</i8>"));
        assert!(xml.contains("<int>-5</int>"));
    }
}
