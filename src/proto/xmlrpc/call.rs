//! A call over HTTP(S) through the Browser's client, so trust decisions and the protocol log
//! are the same as for pages.

use url::Url;

use super::{Response, ResponseError, Value, method_call, parse_response};
use crate::proto::http::{HttpClient, HttpError, Request};
use crate::proto::net::Limits;

/// Why a call gave no answer (a fault is an answer: it is a [`Response`]).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Http(#[from] HttpError),
    #[error("{url} answered {status} {reason}, not an XML-RPC response{hint}")]
    Status {
        url: String,
        status: u16,
        reason: String,
        /// A likely cause, when the call holds something not every server reads.
        hint: String,
    },
    #[error("{url}: {source}")]
    Response {
        url: String,
        #[source]
        source: ResponseError,
    },
}

/// Posts a `methodCall` and reads the answer, at most `limits.max_body` bytes of it.
pub async fn call(
    http: &HttpClient,
    url: &Url,
    method: &str,
    params: &[Value],
    limits: &Limits,
) -> Result<Response, CallError> {
    let request = Request {
        method: "POST".to_string(),
        url: url.clone(),
        headers: vec![("Content-Type".to_string(), "text/xml".to_string())],
        body: Some(method_call(method, params).into_bytes()),
    };
    let (head, response) = http.send(&request).await?;
    let status = head.status;
    let reason = head.reason.clone();
    let body = HttpClient::read_body(&head, response, limits).await?;
    if !(200..300).contains(&status) {
        let hint = if status == 400 && params.iter().any(holds_i8) {
            "; the call holds an integer beyond 32 bits, sent as <i8>, an extension this server may not read"
                .to_string()
        } else {
            String::new()
        };
        return Err(CallError::Status {
            url: url.to_string(),
            status,
            reason,
            hint,
        });
    }
    parse_response(&body).map_err(|source| CallError::Response {
        url: url.to_string(),
        source,
    })
}

/// Whether `value` is, or holds, an integer written as `<i8>`.
fn holds_i8(value: &Value) -> bool {
    match value {
        Value::Int(n) => i32::try_from(*n).is_err(),
        Value::Struct(members) => members.iter().any(|(_, v)| holds_i8(v)),
        Value::Array(items) => items.iter().any(holds_i8),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_integers_anywhere_are_found() {
        assert!(!holds_i8(&Value::Int(5)));
        assert!(holds_i8(&Value::Array(vec![Value::Struct(vec![(
            "n".into(),
            Value::Int(1 << 40)
        )])])));
    }
}
