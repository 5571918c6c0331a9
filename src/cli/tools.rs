//! The small tools on the command line: `portolan dns` and `portolan xmlrpc`.

use std::time::Duration;

use super::{CliError, NetOptions, err, trust_for};
use crate::proto::dns::{self, Kind, Source};
use crate::proto::http::HttpClient;
use crate::proto::net::Limits;
use crate::proto::xmlrpc::{self, Response};

/// `portolan dns NAME [--type T] [--server ADDR[:PORT]] [--json]`: one line per record.
pub async fn dns(name: &str, kind: &str, server: Option<&str>, json: bool) -> Result<(), CliError> {
    let kind = Kind::parse(kind).ok_or_else(|| {
        CliError(format!(
            "{kind:?} is not a record type Portolan looks up: use A, AAAA, CNAME, MX, TXT or PTR"
        ))
    })?;
    let server = server
        .map(dns::parse_server)
        .transpose()
        .map_err(CliError)?;
    let query = dns::Query {
        name: name.to_string(),
        kind,
        server,
        timeout: Duration::from_secs(5),
    };
    let answers = dns::lookup(&query).await.map_err(err)?;
    let mut out = String::new();
    for a in &answers {
        let source = match a.source {
            Source::System => "system",
            Source::Dns => "dns",
        };
        if json {
            out.push_str(
                &serde_json::json!({
                    "name": a.name, "type": a.kind, "ttl": a.ttl, "data": a.data, "source": source
                })
                .to_string(),
            );
        } else {
            let ttl = a.ttl.map_or_else(|| "-".to_string(), |t| t.to_string());
            out.push_str(&format!("{}\t{ttl}\t{}\t{}", a.name, a.kind, a.data));
        }
        out.push('\n');
    }
    #[allow(clippy::print_stdout)]
    {
        print!("{out}");
    }
    Ok(())
}

/// `portolan xmlrpc URL METHOD [ARG]...`: the answer as pretty JSON; a fault is an error
/// carrying its code and string, so the exit status is 1.
pub async fn xmlrpc(
    url: &str,
    method: &str,
    args: &[String],
    net: &NetOptions,
) -> Result<(), CliError> {
    let target =
        url::Url::parse(url).map_err(|e| CliError(format!("{url:?} is not a URL: {e}")))?;
    if !matches!(target.scheme(), "http" | "https") {
        return Err(CliError(format!(
            "{url}: XML-RPC runs over http:// or https://"
        )));
    }
    let params = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            xmlrpc::parse_arg(a).map_err(|e| CliError(format!("argument {}: {e}", i + 1)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let limits = Limits::default();
    let client = HttpClient::new(trust_for(net)?, &limits).map_err(err)?;
    match xmlrpc::call(&client, &target, method, &params, &limits)
        .await
        .map_err(err)?
    {
        Response::Value(value) => {
            let text = serde_json::to_string_pretty(&value.to_json()).map_err(err)?;
            #[allow(clippy::print_stdout)]
            {
                println!("{text}");
            }
            Ok(())
        }
        Response::Fault { code, message } => Err(CliError(format!(
            "the server answered with fault {code}: {message}"
        ))),
    }
}
