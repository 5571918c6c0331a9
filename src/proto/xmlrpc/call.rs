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
    #[error("{url} answered {status} {reason}, not an XML-RPC response")]
    Status {
        url: String,
        status: u16,
        reason: String,
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
        return Err(CallError::Status {
            url: url.to_string(),
            status,
            reason,
        });
    }
    parse_response(&body).map_err(|source| CallError::Response {
        url: url.to_string(),
        source,
    })
}
